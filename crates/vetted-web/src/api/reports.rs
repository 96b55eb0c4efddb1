//! `/api/v1/reports/iso27001`: the ISO/IEC 27001 A.5.19–5.23 report over a period
//! ([`vetted_app::report`]), rebuilt from the audit trail, as JSON (`vetted-iso27001-report/1`).
//! The page `/reports/iso27001` (`crate::ui::reports`) renders the same document.

use axum::Json;
use axum::extract::State;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_app::report::{IsoDocument, ReportError};
use vetted_core::date::Period;

use crate::AppState;
use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, FromQuery, QueryParams};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(iso27001))
}

/// `?period=FROM..TO`, or `?from=&to=` (the page's form): the period of a report, both days
/// included (default: the twelve months to today).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// `FROM..TO`, two `YYYY-MM-DD` dates (default: the twelve months to today, UTC). A
    /// period that ends after today stops at today.
    #[param(value_type = Option<String>, example = "2026-01-01..2026-12-31")]
    pub period: Option<Period>,
}

impl PeriodQuery {
    /// The period asked for, or the twelve months to today.
    pub fn period(self) -> Period {
        self.period.unwrap_or_else(|| {
            vetted_app::report::last_twelve_months(OffsetDateTime::now_utc().date())
        })
    }
}

impl FromQuery for PeriodQuery {
    const PARAMS: &'static [&'static str] = &["period", "from", "to"];

    fn from_query(q: &mut QueryParams) -> Result<PeriodQuery, ApiError> {
        let period = q.parsed("period", Period::parse)?;
        let day = |q: &mut QueryParams, name: &str| {
            q.parsed(name, |s| {
                vetted_core::date::parse_date(s.trim()).ok_or_else(|| {
                    format!("`{s}` is not a date: expected YYYY-MM-DD (an existing day)")
                })
            })
        };
        let from = day(q, "from")?;
        let to = day(q, "to")?;
        match (period, from, to) {
            (Some(p), None, None) => Ok(PeriodQuery { period: Some(p) }),
            (Some(_), _, _) => Err(ApiError::bad_parameter(
                "period",
                "give either period or from and to, not both",
            )),
            (None, None, None) => Ok(PeriodQuery::default()),
            (None, Some(from), Some(to)) => Period::new(from, to)
                .map(|p| PeriodQuery { period: Some(p) })
                .map_err(|why| ApiError::bad_parameter("from", why)),
            (None, None, Some(_)) => Err(ApiError::bad_parameter(
                "from",
                "missing: give the period's first day with its last",
            )),
            (None, Some(_), None) => Err(ApiError::bad_parameter(
                "to",
                "missing: give the period's last day with its first",
            )),
        }
    }
}

/// The report for `period`, under the policy then in force (or, where the trail holds no
/// policy then, the one the server started with).
///
/// # Errors
/// A period starting after today (400 naming `period`), the store's, or a trail that does not
/// read (a logged 500).
pub async fn document(state: &AppState, period: Period) -> Result<IsoDocument, ApiError> {
    let fallback = super::params::unstored_policy(state);
    vetted_app::report::iso27001(
        state.store.as_ref(),
        period,
        state.config.organization.clone(),
        &fallback,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(|e| match e {
        ReportError::Future(_) => ApiError::bad_parameter("period", e.to_string()),
        ReportError::Store(e) | ReportError::Past(vetted_app::history::PastError::Store(e)) => {
            ApiError::from(e)
        }
        other @ ReportError::Past(_) => ApiError::internal("making the ISO 27001 report", &other),
    })
}

/// The ISO/IEC 27001:2022 A.5.19–5.23 report over a period: per control the policy's rules,
/// the register's figures (each with the suppliers behind it), the nonconformities at the
/// period's end; the reviews performed, the periodic reviews due, the triggered reviews with
/// the days they took, and the escalations. Rebuilt from the audit trail: the register as it
/// was recorded at the period's start and end.
#[utoipa::path(
    get,
    path = "/api/v1/reports/iso27001",
    tag = "reports",
    params(PeriodQuery),
    responses(
        (status = 200, description = "The report (format `vetted-iso27001-report/1`)", body = Object),
        (status = 400, description = "A malformed period, or one that starts after today", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn iso27001(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    let doc = document(&state, query.period()).await?;
    serde_json::to_value(&doc)
        .map(Json)
        .map_err(|e| ApiError::internal("serialising the ISO 27001 report", &e))
}
