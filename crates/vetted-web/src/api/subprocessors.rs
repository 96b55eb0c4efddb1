//! `/api/v1/subprocessors…`: the public subprocessor list as the team manages it (the public
//! outputs themselves are the pages of `crate::ui::public_list`, without login). Viewers read
//! the state (the version in effect, the pending change with its objections, the register's
//! unpublished changes, every version) and the objection log; editors publish; admins record
//! objections on a customer's behalf, their outcomes, and decide on a pending change. The
//! pages of `crate::ui::publication` do the same through the same `vetted_app::publication`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_app::publication::render::{ChangeLine, Item, VersionLine, View, standing_text};
use vetted_app::publication::{
    self as publication, ObjectionError, ObjectionInput, PublishFailure, PublishRequest,
};
use vetted_core::date::{format_date, parse_date};
use vetted_core::publication::{
    Decision, DecisionKind, Objection, ObjectionOutcome, ObjectionVia, Publication, PublishError,
    Resolution,
};
use vetted_store::{Change, StoreError};

use super::params::{NoQuery, today};
use crate::AppState;
use crate::auth::{Admin, Editor, Principal, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::ui::public_list::base_url;
use crate::ui::publication::notify_subscribers;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_list))
        .routes(routes!(publish_list))
        .routes(routes!(list_objections, create_objection))
        .routes(routes!(record_outcome))
        .routes(routes!(decide))
}

/// One subprocessor as published (the register's id besides its public fields).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EntryView {
    /// The supplier's id in the register (never shown publicly).
    pub supplier: String,
    pub name: String,
    pub purpose: Option<String>,
    pub processing_countries: Vec<String>,
    pub storage_countries: Vec<String>,
    pub data_categories: Vec<String>,
    pub since: Option<String>,
}

/// One change of a version.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// `addition`, `removal`, `replacement`, `location_change`, `purpose_change`, `detail_change`.
    pub change: Vec<String>,
    pub summary: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Item>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Item>,
}

impl ChangeView {
    fn of(c: &ChangeLine) -> ChangeView {
        ChangeView {
            change: c.kinds.iter().map(|k| (*k).to_string()).collect(),
            summary: c.summary.clone(),
            before: c.before.clone(),
            after: c.after.clone(),
        }
    }
}

/// One published version.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub number: i64,
    /// The day it was published (UTC).
    pub published: String,
    /// The day it takes (or took) effect unless objections hold it.
    pub effective: String,
    /// `planned`, `on_hold`, `in_effect`, `past`, `replaced`, `withdrawn`.
    pub status: String,
    /// The standing in words.
    pub standing: String,
    pub note: Option<String>,
    /// What it changes against the version before it that took effect.
    pub changes: Vec<ChangeView>,
    /// Objections to it, and how many have no outcome yet.
    pub objections: usize,
    pub open_objections: usize,
    /// `proceed` or `withdraw`, when an admin decided.
    pub decision: Option<String>,
}

/// The list's state on a day.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ListStateView {
    pub as_of: String,
    /// The policy's notice period, in days.
    pub notice_days: u32,
    /// The version in effect (none before the first publication).
    pub in_effect: Option<i64>,
    /// Its entries.
    pub entries: Vec<EntryView>,
    /// The pending change (planned or on hold), if any.
    pub pending: Option<VersionView>,
    /// What the register changes against the newest live version: what publishing would
    /// publish.
    pub unpublished: Vec<ChangeView>,
    /// The fingerprint of the register's list: send it as `reviewed` to publish exactly it.
    pub fingerprint: String,
    /// The earliest day a version published today may take effect.
    pub earliest_effective: String,
    /// Every version, newest first.
    pub versions: Vec<VersionView>,
}

fn version_view(p: &Publication, line: VersionLine, today: Date) -> VersionView {
    let objections: Vec<&Objection> = p.objections_to(line.number).collect();
    let decision = p
        .version(line.number)
        .and_then(|(v, _)| v.decision.as_ref())
        .map(|d| d.kind.as_str().to_string());
    VersionView {
        number: line.number,
        published: line.published,
        effective: line.effective,
        status: line.status.to_string(),
        standing: line.standing,
        note: line.note,
        changes: line.changes.iter().map(ChangeView::of).collect(),
        objections: objections.len(),
        open_objections: objections.iter().filter(|o| o.is_open_on(today)).count(),
        decision,
    }
}

fn entry_view(e: &vetted_core::publication::PublicEntry) -> EntryView {
    let i = Item::of(e);
    EntryView {
        supplier: e.supplier.clone(),
        name: i.name,
        purpose: i.purpose,
        processing_countries: i.processing_countries,
        storage_countries: i.storage_countries,
        data_categories: i.data_categories,
        since: i.since,
    }
}

async fn state_view(state: &AppState) -> Result<ListStateView, ApiError> {
    let today = today();
    let snapshot = state.snapshots.get(state, today).await?;
    let p = publication::publication(state.store.as_ref(), today).await?;
    let base = base_url(state);
    let view = View {
        publication: &p,
        organization: state.config.organization.as_deref(),
        base: Some(&base),
        feed_id: "",
    };
    let notice_days = state.policy().policy.subprocessor_list.notice_days;
    Ok(ListStateView {
        as_of: format_date(today),
        notice_days,
        in_effect: p.in_effect().map(|v| v.number),
        entries: p.current_entries().iter().map(entry_view).collect(),
        pending: view.planned().map(|l| version_view(&p, l, today)),
        unpublished: p
            .unpublished(&snapshot.public)
            .iter()
            .map(|c| ChangeView::of(&ChangeLine::of(c)))
            .collect(),
        fingerprint: publication::fingerprint(&snapshot.public),
        earliest_effective: format_date(p.earliest_effective(notice_days)),
        versions: view
            .versions()
            .into_iter()
            .map(|l| version_view(&p, l, today))
            .collect(),
    })
}

/// The list's state today.
#[utoipa::path(
    get,
    path = "/api/v1/subprocessors",
    tag = "subprocessors",
    responses(
        (status = 200, description = "The list's state today", body = ListStateView),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn get_list(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(NoQuery): ApiQuery<NoQuery>,
) -> Result<Json<ListStateView>, ApiError> {
    Ok(Json(state_view(&state).await?))
}

/// What to publish.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// `YYYY-MM-DD`; default the earliest day allowed (today for the first version).
    #[serde(default)]
    pub effective: Option<String>,
    /// A note to customers (public).
    #[serde(default)]
    pub note: Option<String>,
    /// The `fingerprint` of the state you reviewed: publishing fails with 409 if the
    /// register's list changed since.
    #[serde(default)]
    pub reviewed: Option<String>,
}

/// Publishes the register's list as the next version; subscribers are notified.
#[utoipa::path(
    post,
    path = "/api/v1/subprocessors/publish",
    tag = "subprocessors",
    request_body = PublishBody,
    responses(
        (status = 201, description = "The version published", body = VersionView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 409, description = "The list changed since it was reviewed, or another version was published meanwhile", body = ErrorBody),
        (status = 422, description = "Nothing changed, or the date is inside the notice period", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn publish_list(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PublishBody>,
) -> Result<Response, ApiError> {
    let effective = body
        .effective
        .as_deref()
        .map(|e| {
            parse_date(e.trim())
                .ok_or_else(|| ApiError::invalid("effective", "expected a date such as 2026-12-31"))
        })
        .transpose()?;
    let snapshot = state.snapshots.get(&state, today()).await?;
    let request = PublishRequest {
        effective,
        note: body.note,
        reviewed: body.reviewed,
    };
    let notice_days = state.policy().policy.subprocessor_list.notice_days;
    let change = Change::now(Principal::actor(&who));
    let v = publication::publish(
        state.store.as_ref(),
        snapshot.public.clone(),
        &request,
        notice_days,
        &change,
    )
    .await
    .map_err(|e| match e {
        PublishFailure::Store(StoreError::Conflict { .. }) => {
            ApiError::conflict("another version was published meanwhile: read the state again")
        }
        PublishFailure::Store(e) => e.into(),
        PublishFailure::Changed => ApiError::conflict(e.to_string()),
        PublishFailure::Rule(r @ PublishError::TooSoon { .. }) => {
            ApiError::invalid("effective", r.to_string())
        }
        PublishFailure::Rule(r) => ApiError::invalid("", r.to_string()),
    })?;
    notify_subscribers(&state, v.number).await;
    Ok((
        StatusCode::CREATED,
        Json(stored_version(&state, v.number).await?),
    )
        .into_response())
}

/// Version `number` as it stands now, read back after a write.
async fn stored_version(state: &AppState, number: i64) -> Result<VersionView, ApiError> {
    let today = today();
    let p = publication::publication(state.store.as_ref(), today).await?;
    let base = base_url(state);
    let view = View {
        publication: &p,
        organization: None,
        base: Some(&base),
        feed_id: "",
    };
    let (v, s) = p
        .version(number)
        .ok_or_else(|| ApiError::conflict("the version vanished"))?;
    Ok(version_view(&p, view.version_line(v, s), today))
}

/// An optional `YYYY-MM-DD` field that may not be after `today` (default `today`).
fn day_not_after(field: &str, value: Option<&str>, today: Date) -> Result<Date, ApiError> {
    match value.map(|s| parse_date(s.trim())) {
        None => Ok(today),
        Some(Some(d)) if d <= today => Ok(d),
        Some(Some(_)) => Err(ApiError::invalid(field, "cannot be in the future")),
        Some(None) => Err(ApiError::invalid(
            field,
            "expected a date such as 2026-12-31",
        )),
    }
}

/// One objection.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    pub version: i64,
    pub customer: String,
    pub contact: String,
    pub email: Option<String>,
    pub grounds: String,
    pub received: String,
    /// `link` (a subscriber's notice link) or `admin`.
    pub via: String,
    /// `accommodated`, `alternative_offered`, `contract_terminated`, `withdrawn`; none while
    /// open.
    pub outcome: Option<String>,
    pub outcome_on: Option<String>,
    pub outcome_notes: Option<String>,
    /// The standing of the change objected to.
    pub change_standing: String,
}

fn objection_view(p: &Publication, o: &Objection) -> ObjectionView {
    ObjectionView {
        id: o.id,
        version: o.version,
        customer: o.customer.clone(),
        contact: o.contact.clone(),
        email: o.email.clone(),
        grounds: o.grounds.clone(),
        received: format_date(o.received),
        via: match o.via {
            ObjectionVia::Link { .. } => "link".into(),
            ObjectionVia::Admin => "admin".into(),
        },
        outcome: o
            .resolution
            .as_ref()
            .map(|r| r.outcome.as_str().to_string()),
        outcome_on: o.resolution.as_ref().map(|r| format_date(r.on)),
        outcome_notes: o.resolution.as_ref().and_then(|r| r.notes.clone()),
        change_standing: p
            .version(o.version)
            .map(|(_, s)| standing_text(s))
            .unwrap_or_default(),
    }
}

/// The objection log, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/subprocessors/objections",
    tag = "subprocessors",
    responses(
        (status = 200, description = "Every objection", body = Vec<ObjectionView>),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_objections(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(NoQuery): ApiQuery<NoQuery>,
) -> Result<Json<Vec<ObjectionView>>, ApiError> {
    let p = publication::publication(state.store.as_ref(), today()).await?;
    Ok(Json(
        p.objections.iter().map(|o| objection_view(&p, o)).collect(),
    ))
}

/// An objection recorded on a customer's behalf.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionBody {
    /// The version (the change) objected to: it must be pending.
    pub version: i64,
    pub customer: String,
    pub contact: String,
    #[serde(default)]
    pub email: Option<String>,
    pub grounds: String,
    /// `YYYY-MM-DD`, not in the future; default today.
    #[serde(default)]
    pub received: Option<String>,
}

/// Records an objection on a customer's behalf.
#[utoipa::path(
    post,
    path = "/api/v1/subprocessors/objections",
    tag = "subprocessors",
    request_body = ObjectionBody,
    responses(
        (status = 201, description = "The objection recorded", body = ObjectionView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The change is no longer pending", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn create_objection(
    Admin(who): Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ObjectionBody>,
) -> Result<Response, ApiError> {
    let today = today();
    let received = day_not_after("received", body.received.as_deref(), today)?;
    let input = ObjectionInput {
        customer: body.customer,
        contact: body.contact,
        email: body.email,
        grounds: body.grounds,
    };
    let change = Change::now(Principal::actor(&who));
    let o = publication::object(
        state.store.as_ref(),
        body.version,
        &input,
        received,
        ObjectionVia::Admin,
        &change,
    )
    .await
    .map_err(|e| match e {
        ObjectionError::Field { field, message } => ApiError::invalid(field, message),
        ObjectionError::Closed(c) => ApiError::conflict(c.to_string()),
        ObjectionError::Store(s) => s.into(),
    })?;
    let p = publication::publication(state.store.as_ref(), today).await?;
    Ok((StatusCode::CREATED, Json(objection_view(&p, &o))).into_response())
}

/// An objection's outcome.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    /// `accommodated`, `alternative_offered`, `contract_terminated` or `withdrawn`.
    pub outcome: String,
    /// `YYYY-MM-DD`, not in the future; default today.
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Records (or replaces) an objection's outcome.
#[utoipa::path(
    put,
    path = "/api/v1/subprocessors/objections/{objection}/outcome",
    tag = "subprocessors",
    params(("objection" = i64, Path, description = "The objection's number")),
    request_body = OutcomeBody,
    responses(
        (status = 200, description = "The objection with its outcome", body = ObjectionView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such objection", body = ErrorBody),
        (status = 422, description = "An unknown outcome or a bad date", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn record_outcome(
    Admin(who): Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> Result<Json<ObjectionView>, ApiError> {
    let now = OffsetDateTime::now_utc();
    let outcome = ObjectionOutcome::parse(body.outcome.trim()).ok_or_else(|| {
        ApiError::invalid(
            "outcome",
            "expected accommodated, alternative_offered, contract_terminated or withdrawn",
        )
    })?;
    let on = day_not_after("on", body.on.as_deref(), now.date())?;
    let resolution = Resolution {
        outcome,
        on,
        notes: body
            .notes
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        by: Principal::actor(&who),
        at: now,
    };
    let o = state.store.resolve_objection(id, &resolution).await?;
    let p = publication::publication(state.store.as_ref(), now.date()).await?;
    Ok(Json(objection_view(&p, &o)))
}

/// A decision on a pending change.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `proceed` (take effect on its date, or now when it has passed, despite objections) or
    /// `withdraw` (never take effect).
    pub decision: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Decides on a pending change.
#[utoipa::path(
    post,
    path = "/api/v1/subprocessors/versions/{number}/decision",
    tag = "subprocessors",
    params(("number" = i64, Path, description = "The version's number")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "The version with the decision", body = VersionView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such version", body = ErrorBody),
        (status = 409, description = "The change is not pending, or was decided already", body = ErrorBody),
        (status = 422, description = "An unknown decision", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn decide(
    Admin(who): Admin,
    State(state): State<AppState>,
    ApiPath(number): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<VersionView>, ApiError> {
    let kind = DecisionKind::parse(body.decision.trim())
        .ok_or_else(|| ApiError::invalid("decision", "expected proceed or withdraw"))?;
    let now = OffsetDateTime::now_utc();
    let p = publication::publication(state.store.as_ref(), now.date()).await?;
    match p.may_decide(number) {
        Ok(_) => {}
        Err(vetted_core::publication::ChangeClosed::NoSuchVersion) => {
            return Err(ApiError::NotFound {
                what: "version of the subprocessor list",
                id: number.to_string(),
            });
        }
        Err(e) => return Err(ApiError::conflict(e.to_string())),
    }
    let decision = Decision {
        kind,
        on: now.date(),
        by: Principal::actor(&who),
        at: now,
        note: body
            .note
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
    };
    state.store.decide_list_version(number, &decision).await?;
    if kind == DecisionKind::Withdraw {
        notify_subscribers(&state, number).await;
    }
    Ok(Json(stored_version(&state, number).await?))
}
