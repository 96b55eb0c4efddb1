//! `GET /api/v1/policy`: the active supplier policy, as TOML text and as a parsed view.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use time::Date;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_core::country::Country;
use vetted_core::model::Tier;
use vetted_core::policy::Policy;

use super::params::NoQuery;
use crate::AppState;
use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_policy))
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
    let active = state.policy();
    Ok(Json(PolicyView::new(
        &active.policy,
        active.toml.as_deref(),
    )))
}
