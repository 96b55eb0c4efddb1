//! Reminders for engineers (admins only), the API of Admin → Notifications:
//! `GET /api/v1/notifications/deliveries` (the delivery log, newest first, paged),
//! `POST /api/v1/notifications/run` (the day's run now, or `?dry_run=true` for what it would
//! queue; `?as_of=` runs another day), `POST /api/v1/notifications/test` (the digest of
//! everything due to one address, sent at once) and
//! `POST /api/v1/notifications/deliveries/{delivery}/retry` (a failed delivery tried again).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_app::notify::{DeliverReport, Notifier, NotifyError, RunReport};
use vetted_store::notify::Delivery;

use super::params::{parse_as_of, today};
use crate::AppState;
use crate::auth::Admin;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, FromQuery, QueryParams};
use crate::reminders::run_reminders;

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deliveries))
        .routes(routes!(run))
        .routes(routes!(send_test))
        .routes(routes!(retry))
}

/// One message of the delivery log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    /// `digest` (reminders) or `test`.
    pub kind: String,
    /// `email:ADDRESS` or `webhook:NAME`.
    pub recipient: String,
    pub subject: String,
    /// How many reminders it carries.
    pub items: u32,
    /// `pending` (queued, or waiting for a retry), `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: u32,
    /// When it is (or was last) due to be tried, RFC 3339.
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

impl From<&Delivery> for DeliveryView {
    fn from(d: &Delivery) -> DeliveryView {
        DeliveryView {
            id: d.id,
            kind: d.kind.as_str().into(),
            recipient: d.recipient.clone(),
            subject: d.subject.clone(),
            items: d.items,
            status: d.status.as_str().into(),
            attempts: d.attempts,
            next_attempt_at: rfc3339(d.next_attempt_at),
            last_error: d.last_error.clone(),
            created_at: rfc3339(d.created_at),
            sent_at: d.sent_at.map(rfc3339),
        }
    }
}

/// A page of the delivery log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub deliveries: Vec<DeliveryView>,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next_before: Option<i64>,
}

/// `?before=&limit=` of the delivery log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Only deliveries older than this id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Deliveries per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

impl FromQuery for LogQuery {
    const PARAMS: &'static [&'static str] = &["before", "limit"];

    fn from_query(q: &mut QueryParams) -> Result<LogQuery, ApiError> {
        Ok(LogQuery {
            before: q.parsed("before", |s| {
                s.parse::<i64>()
                    .map_err(|_| format!("`{s}` is not a delivery id"))
            })?,
            limit: q.parsed("limit", |s| match s.parse::<u32>() {
                Ok(n) if (1..=500).contains(&n) => Ok(n),
                _ => Err(format!("`{s}` is not a page size: expected 1 to 500")),
            })?,
        })
    }
}

/// The delivery log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/deliveries",
    tag = "notifications",
    params(LogQuery),
    responses(
        (status = 200, description = "A page of the delivery log", body = DeliveryPage),
        (status = 400, description = "A malformed, repeated or unknown query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn list_deliveries(
    _: Admin,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    let mut rows = state.store.list_deliveries(limit + 1, q.before).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok(Json(DeliveryPage {
        next_before: more.then(|| rows.last().map(|d| d.id)).flatten(),
        deliveries: rows.iter().map(DeliveryView::from).collect(),
    }))
}

/// One reminder of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReminderView {
    /// Stable across runs: the rule, the supplier, the date and what it is.
    pub key: String,
    /// The window it was sent in (`soon`, `overdue-N`).
    pub window: String,
    #[schema(value_type = String)]
    pub rule: &'static str,
    /// The supplier's id (empty for the policy's own review).
    pub supplier: String,
    pub what: String,
    /// The date it fell or falls due, `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// One digest of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DigestView {
    /// `email:ADDRESS` or `webhook:NAME`.
    pub recipient: String,
    /// The queued delivery (absent in a dry run).
    pub delivery: Option<i64>,
    /// The reminders new in their window for this recipient.
    pub items: Vec<ReminderView>,
}

/// What a delivery pass did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveredView {
    pub sent: usize,
    /// Failed now, tried again later.
    pub retrying: usize,
    /// Failed for good (until retried).
    pub failed: usize,
}

impl From<DeliverReport> for DeliveredView {
    fn from(d: DeliverReport) -> DeliveredView {
        DeliveredView {
            sent: d.sent,
            retrying: d.retrying,
            failed: d.failed,
        }
    }
}

/// What a run found and did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RunView {
    pub as_of: String,
    pub dry_run: bool,
    /// Every reminder of the day, new or sent already.
    pub reminders: usize,
    /// The digests with something new.
    pub digests: Vec<DigestView>,
    /// Why some recipients get nothing (e-mail not configured, no admin address).
    pub notes: Vec<String>,
    /// What sending did (absent in a dry run).
    pub delivered: Option<DeliveredView>,
}

impl RunView {
    fn of(r: RunReport, delivered: Option<DeliverReport>) -> RunView {
        RunView {
            as_of: r.as_of.to_string(),
            dry_run: r.dry_run,
            reminders: r.reminders,
            digests: r
                .digests
                .into_iter()
                .map(|d| DigestView {
                    recipient: d.recipient,
                    delivery: d.delivery,
                    items: d
                        .items
                        .into_iter()
                        .map(|r| ReminderView {
                            key: r.key,
                            window: r.window,
                            rule: r.item.rule,
                            supplier: r.item.supplier,
                            what: r.item.what,
                            date: r.item.date.map(|d| d.to_string()),
                        })
                        .collect(),
                })
                .collect(),
            notes: r.notes,
            delivered: delivered.map(Into::into),
        }
    }
}

/// `?dry_run=&as_of=` of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// `true`: say what would be queued, and write and send nothing.
    pub dry_run: Option<bool>,
    /// The day to run for, `YYYY-MM-DD` (default: today, UTC).
    pub as_of: Option<Date>,
}

impl FromQuery for RunQuery {
    const PARAMS: &'static [&'static str] = &["dry_run", "as_of"];

    fn from_query(q: &mut QueryParams) -> Result<RunQuery, ApiError> {
        Ok(RunQuery {
            dry_run: q.parsed("dry_run", |s| match s {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(format!("`{s}` is not true or false")),
            })?,
            as_of: q.parsed("as_of", parse_as_of)?,
        })
    }
}

fn notifier(state: &AppState) -> Result<&Notifier, ApiError> {
    state.notifier.as_deref().ok_or(ApiError::Unavailable(
        "reminders are not set up on this server",
    ))
}

fn failure(e: NotifyError) -> ApiError {
    match e {
        NotifyError::Store(e) => e.into(),
        NotifyError::Test(message) => ApiError::invalid("to", message),
        other => ApiError::internal("running reminders", &other),
    }
}

/// Runs the day's reminders now: queues what is new in its window for each recipient and
/// sends what is due. Running twice in a window sends nothing twice.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/run",
    tag = "notifications",
    params(RunQuery),
    responses(
        (status = 200, description = "What the run queued and sent", body = RunView),
        (status = 400, description = "A malformed, repeated or unknown query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn run(
    _: Admin,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RunQuery>,
) -> Result<Json<RunView>, ApiError> {
    let n = notifier(&state)?;
    let now = OffsetDateTime::now_utc();
    let dry_run = q.dry_run.unwrap_or(false);
    let report = run_reminders(&state, n, q.as_of.unwrap_or_else(today), now, dry_run)
        .await
        .map_err(failure)?;
    let delivered = if dry_run {
        None
    } else {
        Some(n.deliver(now).await.map_err(failure)?)
    };
    Ok(Json(RunView::of(report, delivered)))
}

/// The test message's recipient.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// The address to send the digest of everything due to.
    pub to: String,
}

/// Sends the digest of everything due today to one address now (it claims nothing: the daily
/// run still sends everything). The answer is the delivery: `status` `sent`, or `pending` /
/// `failed` with the mail server's `last_error`.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/test",
    tag = "notifications",
    request_body = TestRequest,
    responses(
        (status = 200, description = "The delivery, after its first attempt", body = DeliveryView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "`to` is not an address, or e-mail is not configured", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn send_test(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TestRequest>,
) -> Result<Json<DeliveryView>, ApiError> {
    let n = notifier(&state)?;
    let now = OffsetDateTime::now_utc();
    let suppliers = state.store.register().await?.suppliers;
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let d = n
        .send_test(body.to.trim(), &suppliers, &policy, now.date(), now)
        .await
        .map_err(failure)?;
    Ok(Json(DeliveryView::from(&d)))
}

/// Tries a failed delivery again now.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/deliveries/{delivery}/retry",
    tag = "notifications",
    params(("delivery" = i64, Path, description = "The delivery's id.")),
    responses(
        (status = 200, description = "The delivery, after the new attempt", body = DeliveryView),
        (status = 400, description = "A malformed id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No failed delivery with this id", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn retry(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DeliveryView>, ApiError> {
    let now = OffsetDateTime::now_utc();
    if !state.store.retry_delivery(id, now).await? {
        return Err(ApiError::NotFound {
            what: "failed delivery",
            id: id.to_string(),
        });
    }
    notifier(&state)?.deliver(now).await.map_err(failure)?;
    let d = state
        .store
        .find_delivery(id)
        .await?
        .ok_or(ApiError::NotFound {
            what: "delivery",
            id: id.to_string(),
        })?;
    Ok(Json(DeliveryView::from(&d)))
}
