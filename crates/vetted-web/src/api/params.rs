//! Query parameters several endpoints share, and their parsing (400 naming the parameter).

use time::Date;

use crate::error::ApiError;
use crate::extract::{FromQuery, QueryParams};

/// Today on the server's clock, in UTC: the default `as_of`.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// Parses `YYYY-MM-DD` into an existing date.
pub fn parse_as_of(s: &str) -> Result<Date, String> {
    vetted_core::date::parse_date(s)
        .ok_or_else(|| format!("`{s}` is not a date: expected YYYY-MM-DD (an existing day)"))
}

/// `?as_of=YYYY-MM-DD`: the day to evaluate on (default today, UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The day to evaluate on, `YYYY-MM-DD` (default: today on the server's clock, UTC).
    pub as_of: Option<Date>,
}

impl AsOfQuery {
    /// The day asked for, or today.
    pub fn date(self) -> Date {
        self.as_of.unwrap_or_else(today)
    }
}

impl FromQuery for AsOfQuery {
    const PARAMS: &'static [&'static str] = &["as_of"];

    fn from_query(q: &mut QueryParams) -> Result<AsOfQuery, ApiError> {
        Ok(AsOfQuery {
            as_of: q.parsed("as_of", parse_as_of)?,
        })
    }
}

/// `?as_of=YYYY-MM-DD&at=TIME`: the register as recorded at `at` (rebuilt from the audit
/// trail), evaluated on `as_of` (default: the date of `at`, else today).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtQuery {
    /// The day to evaluate on, `YYYY-MM-DD` (default: the date of `at`, else today, UTC).
    pub as_of: Option<Date>,
    /// The register as recorded at this moment, rebuilt from the audit trail, under the
    /// policy version in force then: RFC 3339 (`2026-03-01T12:00:00Z`) or a date (the end of
    /// that day, UTC). Default: now.
    #[param(value_type = Option<String>)]
    pub at: Option<time::OffsetDateTime>,
}

impl AtQuery {
    /// The day to evaluate on.
    pub fn date(self) -> Date {
        self.as_of
            .or(self.at.map(time::OffsetDateTime::date))
            .unwrap_or_else(today)
    }
}

impl FromQuery for AtQuery {
    const PARAMS: &'static [&'static str] = &["as_of", "at"];

    fn from_query(q: &mut QueryParams) -> Result<AtQuery, ApiError> {
        Ok(AtQuery {
            as_of: q.parsed("as_of", parse_as_of)?,
            at: q.parsed("at", parse_at)?,
        })
    }
}

/// Parses `at`: an RFC 3339 time or a date (the end of that day, UTC).
pub fn parse_at(s: &str) -> Result<time::OffsetDateTime, String> {
    vetted_core::history::parse_at(s).ok_or_else(|| {
        format!("`{s}` is not a time: expected 2026-03-01T12:00:00Z, or a date (the end of that day, UTC)")
    })
}

/// The register as recorded at a past moment, with the policy that applies to it (see
/// [`then`]).
#[derive(Clone, Debug)]
pub struct Then {
    /// The moment.
    pub at: time::OffsetDateTime,
    /// Every supplier recorded by then, archived ones included, in register order.
    pub records: Vec<vetted_core::history::RecordedSupplier>,
    /// The policy then.
    pub policy: std::sync::Arc<vetted_core::policy::Policy>,
    /// The number of the stored policy version in force then; `None` when none had been
    /// stored (the server's file or built-in policy applies).
    pub version: Option<u64>,
}

impl Then {
    /// The register then: the suppliers not archived, in register order.
    pub fn register(&self) -> vetted_core::model::Register {
        vetted_core::model::Register {
            suppliers: self.held().map(|r| r.supplier.clone()).collect(),
        }
    }

    /// The suppliers not archived then, in register order.
    pub fn held(&self) -> impl Iterator<Item = &vetted_core::history::RecordedSupplier> {
        self.records.iter().filter(|r| !r.archived)
    }
}

/// The register and the policy as recorded at `at` (see [`vetted_app::history`]): the policy
/// version in force then; when none had been stored, the server's policy if it is not a
/// stored version (its file or the built-in one), else the built-in one. 400 naming `at` for
/// a moment in the future.
///
/// # Errors
/// A future moment, the store's, or a trail that does not read (a logged 500).
pub async fn then(state: &crate::AppState, at: time::OffsetDateTime) -> Result<Then, ApiError> {
    let past =
        vetted_app::history::register_at(state.store.as_ref(), at, time::OffsetDateTime::now_utc())
            .await
            .map_err(|e| match e {
                vetted_app::history::PastError::Store(e) => ApiError::from(e),
                vetted_app::history::PastError::Future => {
                    ApiError::bad_parameter("at", e.to_string())
                }
                other => ApiError::internal("rebuilding the register from the audit trail", &other),
            })?;
    let (policy, version) = if let Some((n, p)) = past.policy {
        (std::sync::Arc::new(p), Some(n))
    } else {
        (unstored_policy(state), None)
    };
    Ok(Then {
        at,
        records: past.records,
        policy,
        version,
    })
}

/// The register and the policy as recorded at `at` ([`then`]).
///
/// # Errors
/// As [`then`].
pub async fn past(
    state: &crate::AppState,
    at: time::OffsetDateTime,
) -> Result<
    (
        vetted_core::model::Register,
        std::sync::Arc<vetted_core::policy::Policy>,
    ),
    ApiError,
> {
    let Then {
        records, policy, ..
    } = then(state, at).await?;
    let suppliers = records
        .into_iter()
        .filter(|r| !r.archived)
        .map(|r| r.supplier)
        .collect();
    Ok((vetted_core::model::Register { suppliers }, policy))
}

/// No parameters at all: any given is a 400.
#[derive(Clone, Copy, Debug)]
pub struct NoQuery;

impl FromQuery for NoQuery {
    const PARAMS: &'static [&'static str] = &[];

    fn from_query(_: &mut QueryParams) -> Result<NoQuery, ApiError> {
        Ok(NoQuery)
    }
}

pub use vetted_app::history::SupplierThen;

/// The supplier `id` as recorded at `at`, folded from its own entries of the audit trail
/// ([`vetted_core::history::RegisterAt`], as the whole register is). 400 naming `at` for a
/// moment in the future.
///
/// # Errors
/// A future moment, the store's, or a trail that does not read (a logged 500).
pub async fn supplier_then(
    state: &crate::AppState,
    id: &vetted_core::model::SupplierId,
    at: time::OffsetDateTime,
) -> Result<SupplierThen, ApiError> {
    vetted_app::history::supplier_at(
        state.store.as_ref(),
        id,
        at,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .map_err(|e| match e {
        vetted_app::history::PastError::Store(e) => ApiError::from(e),
        vetted_app::history::PastError::Future => ApiError::bad_parameter("at", e.to_string()),
        other => ApiError::internal("rebuilding a supplier from the audit trail", &other),
    })
}

/// The 404 of a supplier read with `at` when the register did not hold it then, saying why:
/// not created yet, or archived.
pub fn not_held_then(
    id: &vetted_core::model::SupplierId,
    at: time::OffsetDateTime,
    then: &SupplierThen,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let at = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let message = match then {
        SupplierThen::Archived => {
            format!("supplier `{id}` was archived at {at}: the register did not hold it then")
        }
        _ => format!("supplier `{id}` had not been created by {at}"),
    };
    (
        axum::http::StatusCode::NOT_FOUND,
        axum::Json(crate::error::ErrorBody {
            error: "not_found",
            message,
            problems: Vec::new(),
            current: None,
        }),
    )
        .into_response()
}

/// The policy that applied where the trail records no stored version: the server's file or
/// built-in policy, or, once versions are stored (today's did not exist then), the built-in.
pub fn unstored_policy(state: &crate::AppState) -> std::sync::Arc<vetted_core::policy::Policy> {
    let active = state.policy();
    if active.version.is_some() {
        std::sync::Arc::new(vetted_core::policy::Policy::default())
    } else {
        std::sync::Arc::clone(&active.policy)
    }
}
