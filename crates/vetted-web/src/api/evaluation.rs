//! `/api/v1/evaluation/summary` and `/api/v1/due`: the register's verdicts on a day, as
//! `vetted check` and `vetted due` report them (the same functions of `vetted-app`).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_core::due::{DueItem, parse_within};
use vetted_core::model::{Supplier, Tier};
use vetted_core::report::Summary;

use super::params::{parse_as_of, today};
use crate::AppState;
use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, FromQuery, QueryParams};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(due))
}

/// How many suppliers have each tier; all five are always present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TierCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    /// Suppliers whose tier cannot be computed (a risk input is missing).
    pub none: usize,
}

impl TierCounts {
    /// Counts one supplier of `tier`.
    pub fn add(&mut self, tier: Option<Tier>) {
        *match tier {
            Some(Tier::Critical) => &mut self.critical,
            Some(Tier::High) => &mut self.high,
            Some(Tier::Medium) => &mut self.medium,
            Some(Tier::Low) => &mut self.low,
            None => &mut self.none,
        } += 1;
    }
}

/// The register's evaluation on a day, in counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SummaryView {
    /// The day evaluated on.
    #[serde(with = "vetted_core::date::serde_date")]
    pub as_of: Date,
    /// The active policy's name.
    pub policy: String,
    /// The active policy's version.
    pub policy_version: String,
    /// Every supplier in the register.
    pub suppliers: usize,
    /// Suppliers with at least one `fail` finding (what makes `vetted check` exit 1).
    pub failing: usize,
    /// Suppliers by verdict, as `vetted check` counts them.
    pub verdicts: Summary,
    /// Suppliers by risk tier.
    pub tiers: TierCounts,
}

/// The register's verdicts and tiers on a day.
#[utoipa::path(
    get,
    path = "/api/v1/evaluation/summary",
    tag = "evaluation",
    params(super::params::AtQuery),
    responses(
        (status = 200, description = "The counts", body = SummaryView),
        (status = 400, description = "A malformed query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn summary(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<super::params::AtQuery>,
) -> Result<Json<SummaryView>, ApiError> {
    let as_of = q.date();
    let (suppliers, policy) = match q.at {
        Some(at) => {
            let (register, policy) = super::params::past(&state, at).await?;
            (Some(register.suppliers), policy)
        }
        None => (None, std::sync::Arc::clone(&state.policy().policy)),
    };
    // Today's counts are the snapshot's (the dashboard's, kept current by the refresher);
    // another day, or the register at another moment, is evaluated for this request.
    if as_of == today() && suppliers.is_none() {
        let snap = state.snapshots.get(&state, as_of).await?;
        return Ok(Json(SummaryView {
            as_of,
            policy: policy.name.clone(),
            policy_version: policy.version.clone(),
            suppliers: snap.suppliers.len(),
            failing: snap.failing,
            verdicts: snap.verdicts.clone(),
            tiers: snap.tiers.clone(),
        }));
    }
    let suppliers = match suppliers {
        Some(s) => s,
        None => state.store.register().await?.suppliers,
    };
    // The engine is CPU-bound: evaluate off the request threads.
    let view = tokio::task::spawn_blocking(move || {
        let refs: Vec<&Supplier> = suppliers.iter().collect();
        let report = vetted_app::evaluate::check_parallel(&refs, &policy, as_of);
        let mut tiers = TierCounts::default();
        for s in &report.suppliers {
            tiers.add(s.tier);
        }
        SummaryView {
            as_of,
            policy: policy.name.clone(),
            policy_version: policy.version.clone(),
            suppliers: report.suppliers.len(),
            failing: report
                .suppliers
                .iter()
                .filter(|s| {
                    s.findings
                        .iter()
                        .any(|f| f.severity == vetted_core::report::Severity::Fail)
                })
                .count(),
            verdicts: report.summary,
            tiers,
        }
    })
    .await
    .map_err(|e| ApiError::internal("evaluating the register", &e))?;
    Ok(Json(view))
}

/// `?as_of=&at=&within=&limit=&offset=` of the due list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// The day to evaluate on, `YYYY-MM-DD` (default: the date of `at`, else today, UTC).
    pub as_of: Option<Date>,
    /// The register as recorded at this moment, rebuilt from the audit trail, under the
    /// policy version in force then: RFC 3339 (`2026-03-01T12:00:00Z`) or a date (the end of
    /// that day, UTC). Default: now.
    #[param(value_type = Option<String>)]
    pub at: Option<time::OffsetDateTime>,
    /// How far ahead to look: `30d`, `8w`, `3m` (months of 30 days) or a number of days
    /// (default: the policy's review due-soon window; with `at`, that of the policy then).
    #[param(value_type = Option<String>, pattern = "^[0-9]+[dwm]?$", example = "30d")]
    pub within: Option<u32>,
    /// At most this many items, 1 to 1000 (default: every item).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Skip this many items first (default 0): with `limit`, one page of the list.
    pub offset: Option<u32>,
}

impl FromQuery for DueQuery {
    const PARAMS: &'static [&'static str] = &["as_of", "at", "within", "limit", "offset"];

    fn from_query(q: &mut QueryParams) -> Result<DueQuery, ApiError> {
        Ok(DueQuery {
            as_of: q.parsed("as_of", parse_as_of)?,
            at: q.parsed("at", super::params::parse_at)?,
            within: q.parsed("within", parse_within)?,
            limit: q.parsed("limit", |s| match s.parse::<u32>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(n),
                _ => Err(format!("`{s}` is not a page size: expected 1 to 1000")),
            })?,
            offset: q.parsed("offset", |s| {
                s.parse::<u32>()
                    .map_err(|_| format!("`{s}` is not an offset: expected 0 or more"))
            })?,
        })
    }
}

/// The due list on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DueView {
    /// The day evaluated on.
    #[serde(with = "vetted_core::date::serde_date")]
    pub as_of: Date,
    /// How many days ahead it looks.
    pub within_days: u32,
    /// How many items are due in all (`items` is a page of them when `limit` was given).
    pub total: usize,
    /// What needs action, most urgent first (as `vetted due` lists it).
    pub items: Vec<DueItem>,
}

/// How many of `items` there are, and the page of them `q` asks for (all without `limit`).
fn paged<T>(items: impl Iterator<Item = T>, q: &DueQuery) -> (usize, Vec<T>) {
    let mut total = 0;
    let skip = q.offset.unwrap_or(0) as usize;
    let take = q.limit.map_or(usize::MAX, |n| n as usize);
    let page = items
        .inspect(|_| total += 1)
        .enumerate()
        .filter(|(i, _)| *i >= skip && *i - skip < take)
        .map(|(_, item)| item)
        .collect();
    (total, page)
}

/// What needs action, most urgent first: reviews overdue, triggered or due soon; assurance
/// and agreements lapsing; missing due diligence or escalation. With `at`, of the register as
/// recorded then, under the policy version in force then.
#[utoipa::path(
    get,
    path = "/api/v1/due",
    tag = "evaluation",
    params(DueQuery),
    responses(
        (status = 200, description = "The due list", body = DueView),
        (status = 400, description = "A malformed query parameter, or `at` in the future", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn due(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> Result<Json<DueView>, ApiError> {
    if let Some(at) = q.at {
        // The register at another moment is evaluated for this request.
        let (register, policy) = super::params::past(&state, at).await?;
        let as_of = q.as_of.unwrap_or(at.date());
        let within_days = q.within.unwrap_or(policy.review.due_soon_days);
        let items = tokio::task::spawn_blocking(move || {
            vetted_app::evaluate::due_list(&register.suppliers, &policy, as_of, Some(within_days))
        })
        .await
        .map_err(|e| ApiError::internal("listing what was due", &e))?;
        let (total, items) = paged(items.into_iter(), &q);
        return Ok(Json(DueView {
            as_of,
            within_days,
            total,
            items,
        }));
    }
    let as_of = q.as_of.unwrap_or_else(today);
    let within_days = q
        .within
        .unwrap_or(state.policy().policy.review.due_soon_days);
    // Today's list within the snapshot's horizon is the snapshot's; another day or a longer
    // look-ahead is evaluated for this request.
    if as_of == today() {
        let snap = state.snapshots.get(&state, as_of).await?;
        if within_days <= snap.horizon_days {
            // Only the page's items are cloned.
            let (total, page) = paged(snap.due_within(within_days), &q);
            let items = page.into_iter().cloned().collect();
            return Ok(Json(DueView {
                as_of,
                within_days,
                total,
                items,
            }));
        }
    }
    let suppliers = state.store.register().await?.suppliers;
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let items = tokio::task::spawn_blocking(move || {
        vetted_app::evaluate::due_list(&suppliers, &policy, as_of, Some(within_days))
    })
    .await
    .map_err(|e| ApiError::internal("listing what is due", &e))?;
    let (total, items) = paged(items.into_iter(), &q);
    Ok(Json(DueView {
        as_of,
        within_days,
        total,
        items,
    }))
}
