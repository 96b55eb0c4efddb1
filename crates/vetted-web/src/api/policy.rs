//! The supplier policy: `GET /api/v1/policy` (the policy in force, as TOML text and as a parsed
//! view, with the stored version it is), `PUT /api/v1/policy` (an admin uploads a new version:
//! validated, stored with an audit entry, in force at once), `GET /api/v1/policy/versions`
//! (the history), `GET /api/v1/policy/versions/{number}` (one version's text) and
//! `POST /api/v1/policy/review` (an admin records a review of the policy: a new version whose
//! `last_review` is the review's date).

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_core::country::Country;
use vetted_core::model::Tier;
use vetted_core::policy::{Policy, PolicyProblem};
use vetted_store::{Change, PolicyVersion};

use super::audit::ActorView;
use super::params::NoQuery;
use crate::auth::{Admin, Viewer};
use crate::error::{ApiError, ErrorBody, Problem};
use crate::extract::{ApiPath, ApiQuery};
use crate::{ActivePolicy, AppState, StoredVersion};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_policy, put_policy))
        .routes(routes!(list_policy_versions))
        .routes(routes!(get_policy_version))
        .routes(routes!(post_policy_review))
}

/// One clause of the policy's catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClauseView {
    /// The clause key agreements use (`incident_notification`).
    pub key: String,
    pub title: String,
    /// Parameter names and their kinds: `number`, `percent` or `text`.
    pub params: BTreeMap<String, String>,
}

/// The active policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyView {
    pub name: String,
    pub version: String,
    pub owner: String,
    #[serde(with = "vetted_core::date::serde_date")]
    pub last_review: Date,
    /// Months between reviews of the policy itself.
    pub review_interval_months: u32,
    /// Where our data may be stored, processed or accessed.
    pub allowed_countries: Vec<Country>,
    /// Where model inference may run.
    pub model_regions: Vec<Country>,
    /// The clause catalogue, in the policy file's order.
    pub clauses: Vec<ClauseView>,
    /// The clause keys required by tier (`none`: the tier cannot be computed).
    pub required_clauses_by_tier: BTreeMap<String, Vec<String>>,
    /// The clause keys required by category, beyond the tier's.
    pub required_clauses_by_category: BTreeMap<String, Vec<String>>,
    /// Days before a review falls due that it is listed as due soon.
    pub review_due_soon_days: u32,
    /// The policy file, as TOML; absent when the server was given a parsed policy only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toml: Option<String>,
    /// The stored version in force; absent while none was uploaded (the server runs on its
    /// `--policy` file or the built-in default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored_version: Option<PolicyVersionView>,
}

/// A stored policy version, without its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyVersionView {
    /// 1 for the first upload, one more for each after.
    pub number: i64,
    /// SHA-256 of the TOML text, 64 hex digits.
    pub fingerprint: String,
    /// When it was uploaded (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub uploaded_at: OffsetDateTime,
    /// Who uploaded it.
    pub uploaded_by: ActorView,
}

impl From<&PolicyVersion> for PolicyVersionView {
    fn from(v: &PolicyVersion) -> PolicyVersionView {
        PolicyVersionView {
            number: v.number,
            fingerprint: v.fingerprint.clone(),
            uploaded_at: v.uploaded_at,
            uploaded_by: ActorView::from(v.uploaded_by.clone()),
        }
    }
}

impl PolicyVersionView {
    /// The view of the stored version in force, with the policy's fingerprint.
    fn of_active(v: &StoredVersion, fingerprint: &str) -> PolicyVersionView {
        PolicyVersionView {
            number: v.number,
            fingerprint: fingerprint.to_string(),
            uploaded_at: v.uploaded_at,
            uploaded_by: ActorView::from(v.uploaded_by.clone()),
        }
    }
}

/// One stored version with its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyVersionTextView {
    #[serde(flatten)]
    pub version: PolicyVersionView,
    /// The policy file as uploaded.
    pub toml: String,
}

/// The policy's stored versions, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyVersionsView {
    pub versions: Vec<PolicyVersionView>,
}

impl PolicyView {
    /// The view of `policy`, with its TOML text when known.
    pub fn new(policy: &Policy, toml: Option<&str>) -> PolicyView {
        let tiers = [
            ("critical", Some(Tier::Critical)),
            ("high", Some(Tier::High)),
            ("medium", Some(Tier::Medium)),
            ("low", Some(Tier::Low)),
            ("none", None),
        ];
        PolicyView {
            name: policy.name.clone(),
            version: policy.version.clone(),
            owner: policy.owner.clone(),
            last_review: policy.last_review,
            review_interval_months: policy.review_interval_months,
            allowed_countries: policy.allowed_countries.iter().copied().collect(),
            model_regions: policy.model_regions.iter().copied().collect(),
            clauses: policy
                .clauses
                .iter()
                .map(|c| ClauseView {
                    key: c.key.clone(),
                    title: c.title.clone(),
                    params: c
                        .params
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().to_string()))
                        .collect(),
                })
                .collect(),
            required_clauses_by_tier: tiers
                .iter()
                .map(|(name, tier)| {
                    (
                        (*name).to_string(),
                        policy.required_by_tier.get(*tier).clone(),
                    )
                })
                .collect(),
            required_clauses_by_category: policy
                .required_by_category
                .iter()
                .map(|(c, keys)| (c.as_str().to_string(), keys.clone()))
                .collect(),
            review_due_soon_days: policy.review.due_soon_days,
            toml: toml.map(str::to_string),
            stored_version: None,
        }
    }

    /// The view of the policy in force.
    pub fn of_active(active: &ActivePolicy) -> PolicyView {
        PolicyView {
            stored_version: active
                .version
                .as_ref()
                .map(|v| PolicyVersionView::of_active(v, &active.fingerprint)),
            ..PolicyView::new(&active.policy, active.toml.as_deref())
        }
    }
}

/// The active supplier policy.
#[utoipa::path(
    get,
    path = "/api/v1/policy",
    tag = "policy",
    responses(
        (status = 200, description = "The active policy", body = PolicyView),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_policy(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(NoQuery): ApiQuery<NoQuery>,
) -> Result<Json<PolicyView>, ApiError> {
    Ok(Json(PolicyView::of_active(&state.policy())))
}

/// The media types a policy upload may have.
const TOML_TYPES: &str = "application/toml or text/plain";

/// A policy file as a request body: `Content-Type: application/toml` or `text/plain` (else 415),
/// within the body limit (else 413), UTF-8 (else 422).
#[derive(Clone, Debug)]
pub struct TomlText(pub String);

impl FromRequest<AppState> for TomlText {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<TomlText, ApiError> {
        let essence = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase());
        if !matches!(essence.as_deref(), Some("application/toml" | "text/plain")) {
            return Err(ApiError::UnsupportedMediaType {
                expected: TOML_TYPES,
            });
        }
        let limit_bytes = state.config.body_limit_bytes;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| match rejection {
                BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                    ApiError::PayloadTooLarge { limit_bytes }
                }
                other => ApiError::bad_parameter("body", other.body_text()),
            })?;
        String::from_utf8(bytes.to_vec())
            .map(TomlText)
            .map_err(|e| {
                let offset = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(&bytes[..offset]);
                let (line, column) = vetted_core::read::line_col(&text, offset);
                ApiError::InvalidPolicy(vec![Problem {
                    path: String::new(),
                    message: "the policy file is not UTF-8".into(),
                    line: Some(line),
                    column: Some(column),
                }])
            })
    }
}

fn problem(p: PolicyProblem) -> Problem {
    Problem {
        path: p.path.unwrap_or_default(),
        message: p.message,
        line: p.line,
        column: p.column,
    }
}

/// Uploads a new policy version (admin): the TOML policy file is validated (422 with every
/// problem, its key path, line and column; nothing is stored), stored as the next version with
/// its audit entry, and put in force at once; other servers on the database follow within a
/// few seconds.
#[utoipa::path(
    put,
    path = "/api/v1/policy",
    tag = "policy",
    request_body(content = String, description = "The policy file (TOML)", content_type = "application/toml"),
    responses(
        (status = 200, description = "The new policy, now in force", body = PolicyView),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "Not application/toml or text/plain", body = ErrorBody),
        (status = 422, description = "Not a valid policy: every problem", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn put_policy(
    Admin(principal): Admin,
    State(state): State<AppState>,
    ApiQuery(NoQuery): ApiQuery<NoQuery>,
    TomlText(text): TomlText,
) -> Result<Json<PolicyView>, ApiError> {
    Ok(Json(upload_policy(&state, &text, principal.actor()).await?))
}

/// Uploads a policy version: validates `text` with [`Policy::from_toml`]
/// ([`ApiError::InvalidPolicy`] with every problem, its key path, line and column; nothing
/// stored), stores it as the next version by `actor` with its audit entry, and puts it in force
/// on this server at once (other servers on the database follow within a few seconds). Returns
/// the view of the new version. `PUT /api/v1/policy` and the admin's policy page both
/// upload through this.
pub async fn upload_policy(
    state: &AppState,
    text: &str,
    actor: vetted_core::audit::Actor,
) -> Result<PolicyView, ApiError> {
    Policy::from_toml(text)
        .map_err(|problems| ApiError::InvalidPolicy(problems.into_iter().map(problem).collect()))?;
    let version = state
        .store
        .add_policy_version(text, &Change::now(actor))
        .await?;
    let active = ActivePolicy::from_version(&version)
        .map_err(|problems| ApiError::InvalidPolicy(problems.into_iter().map(problem).collect()))?;
    // A slower concurrent upload may already have put a newer version in force.
    let newer_in_force = state
        .policy()
        .version
        .as_ref()
        .is_some_and(|v| v.number > version.number);
    let view = PolicyView::of_active(&active);
    if !newer_in_force {
        state.policy_cell.set(active);
    }
    tracing::info!(policy.version = version.number, "policy uploaded");
    Ok(view)
}

/// Every stored version of the policy, oldest first, without their text.
#[utoipa::path(
    get,
    path = "/api/v1/policy/versions",
    tag = "policy",
    responses(
        (status = 200, description = "The policy's versions", body = PolicyVersionsView),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_policy_versions(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(NoQuery): ApiQuery<NoQuery>,
) -> Result<Json<PolicyVersionsView>, ApiError> {
    let versions = state.store.policy_versions().await?;
    Ok(Json(PolicyVersionsView {
        versions: versions.iter().map(PolicyVersionView::from).collect(),
    }))
}

/// One stored version of the policy, with its text.
#[utoipa::path(
    get,
    path = "/api/v1/policy/versions/{number}",
    tag = "policy",
    params(("number" = i64, Path, description = "The version's number (1, 2, …)")),
    responses(
        (status = 200, description = "The version and its text", body = PolicyVersionTextView),
        (status = 400, description = "The number is not a number", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such version", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_policy_version(
    _: Viewer,
    State(state): State<AppState>,
    ApiPath(number): ApiPath<i64>,
    ApiQuery(NoQuery): ApiQuery<NoQuery>,
) -> Result<Json<PolicyVersionTextView>, ApiError> {
    let version = state
        .store
        .policy_version(number)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "policy version",
            id: number.to_string(),
        })?;
    Ok(Json(PolicyVersionTextView {
        version: PolicyVersionView::from(&version),
        toml: version.toml,
    }))
}

/// A review of the policy: when, and optionally its new version string and owner.
#[derive(Clone, Debug, Default, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyReviewBody {
    /// The day of the review, `YYYY-MM-DD` (default: today, UTC): not in the future, not before
    /// the last review recorded.
    #[serde(default, with = "vetted_core::date::serde_opt")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<Date>,
    /// A new version string for the policy (`2026.2`), if the review changes it.
    #[serde(default)]
    pub version: Option<String>,
    /// A new owner, if the review changes it.
    #[serde(default)]
    pub owner: Option<String>,
}

/// Records a review of the policy in force (`policy.review`, control 5.1): its text with
/// `last_review` set to the review's date (and the new version and owner, if given), every other
/// line as it was, uploaded as the next version through [`upload_policy`] (validated, audited,
/// in force at once). Problems by field (`date`, `version`, `owner`) are
/// [`ApiError::Invalid`]; a policy whose text the server does not know is a conflict.
pub async fn review_policy(
    state: &AppState,
    review: &PolicyReviewBody,
    actor: vetted_core::audit::Actor,
) -> Result<PolicyView, ApiError> {
    let active = state.policy();
    let day = super::params::today();
    let date = review.date.unwrap_or(day);
    let mut problems = Vec::new();
    if date > day {
        problems.push(Problem::at(
            "date",
            format!("{date} is in the future: record a review once it took place"),
        ));
    }
    if date < active.policy.last_review {
        problems.push(Problem::at(
            "date",
            format!(
                "{date} is before the last review recorded, {}",
                active.policy.last_review
            ),
        ));
    }
    for (field, value) in [("version", &review.version), ("owner", &review.owner)] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            problems.push(Problem::at(
                field,
                "must not be blank: leave it out to keep the current one",
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let text = active.toml.as_deref().ok_or_else(|| {
        ApiError::conflict(
            "the text of the policy in force is not known to this server: upload the policy file first, then record its review",
        )
    })?;
    let text = vetted_app::policy_review::reviewed_text(
        text,
        &vetted_app::policy_review::PolicyReview {
            date,
            version: review.version.as_ref().map(|v| v.trim().to_string()),
            owner: review.owner.as_ref().map(|v| v.trim().to_string()),
        },
    )
    .map_err(|e| match e {
        vetted_app::policy_review::ReviewError::Blank(field) => {
            ApiError::invalid(field, "must not be blank")
        }
        e @ vetted_app::policy_review::ReviewError::NotToml(_) => {
            ApiError::internal("editing the policy in force for its review", &e)
        }
    })?;
    upload_policy(state, &text, actor).await
}

/// Records a review of the policy (admin): a new version of the policy in force whose
/// `last_review` is the review's date (default today), with a new version string and owner if
/// given; everything else in the file is kept as written. Validated, audited and in force at
/// once, as an upload.
#[utoipa::path(
    post,
    path = "/api/v1/policy/review",
    tag = "policy",
    request_body(content = PolicyReviewBody, description = "The review", content_type = "application/json"),
    responses(
        (status = 200, description = "The reviewed policy, now in force", body = PolicyView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The server does not know the text of the policy in force", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A date in the future or before the last review, a blank version or owner", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn post_policy_review(
    Admin(principal): Admin,
    State(state): State<AppState>,
    ApiQuery(NoQuery): ApiQuery<NoQuery>,
    crate::extract::ApiJson(body): crate::extract::ApiJson<PolicyReviewBody>,
) -> Result<Json<PolicyView>, ApiError> {
    Ok(Json(review_policy(&state, &body, principal.actor()).await?))
}
