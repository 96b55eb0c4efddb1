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

/// No parameters at all: any given is a 400.
#[derive(Clone, Copy, Debug)]
pub struct NoQuery;

impl FromQuery for NoQuery {
    const PARAMS: &'static [&'static str] = &[];

    fn from_query(_: &mut QueryParams) -> Result<NoQuery, ApiError> {
        Ok(NoQuery)
    }
}
