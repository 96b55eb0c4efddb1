//! Calendar arithmetic as the policy defines it: windows run forward from a record's date, months
//! clamp to the month's last day, and every window includes its edges.

use time::{Date, Duration, Month};

/// Parses a strict `YYYY-MM-DD` date that exists in the calendar.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = digits(0..4)?;
    let month = Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    Date::from_calendar_date(year as i32, month, day).ok()
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `d + n months`: the same day of the month, clamped to the last day of the target month.
pub fn add_months(d: Date, n: u32) -> Date {
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month()) - 1) + i64::from(n);
    let year = total.div_euclid(12) as i32;
    let month = Month::try_from((total.rem_euclid(12) + 1) as u8).unwrap_or(Month::December);
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(Date::MAX)
}

/// `d + n days`, saturating at the end of the calendar.
pub fn add_days(d: Date, n: u32) -> Date {
    d.checked_add(Duration::days(i64::from(n)))
        .unwrap_or(Date::MAX)
}

/// Dates as `YYYY-MM-DD` on the wire, for `#[serde(with = "vetted_core::date::serde_date")]`.
pub mod serde_date {
    use serde::Deserialize;
    use time::Date;

    pub fn serialize<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::date::format_date(*d))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        crate::date::parse_date(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a date (YYYY-MM-DD)")))
    }
}

/// Optional dates as `YYYY-MM-DD` on the wire, for `#[serde(with = "vetted_core::date::serde_opt")]`.
pub mod serde_opt {
    use time::Date;

    pub fn serialize<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::serde_date::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        #[derive(serde::Deserialize)]
        struct Wrap(#[serde(with = "super::serde_date")] Date);
        Ok(<Option<Wrap> as serde::Deserialize>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn parses_only_real_dates() {
        assert_eq!(parse_date("2024-02-29"), Some(date!(2024 - 02 - 29)));
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-1-01",
            "25-01-01",
            "2025/01/01",
            "2025-01-01T00:00",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_clamp_to_month_end() {
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2025 - 01 - 31), 1), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2023 - 12 - 31), 2), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2025 - 11 - 30), 12), date!(2026 - 11 - 30));
        assert_eq!(add_months(date!(2025 - 12 - 15), 1), date!(2026 - 01 - 15));
    }
}

/// A period of whole days, both ends included: `FROM..TO` on the command line and in the API
/// (`2026-01-01..2026-12-31`), the span an audit report or evidence pack covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Period {
    #[serde(with = "serde_date")]
    pub from: Date,
    #[serde(with = "serde_date")]
    pub to: Date,
}

impl Period {
    /// Parses `FROM..TO` (two `YYYY-MM-DD` dates, `FROM` not after `TO`).
    ///
    /// # Errors
    /// A sentence naming what is wrong.
    pub fn parse(s: &str) -> Result<Period, String> {
        let (from, to) = s.split_once("..").ok_or_else(|| {
            format!("`{s}` is not a period: expected FROM..TO, e.g. 2026-01-01..2026-12-31")
        })?;
        let day = |d: &str, which: &str| {
            parse_date(d.trim()).ok_or_else(|| {
                format!("`{d}` ({which} of the period) is not a date: expected YYYY-MM-DD (an existing day)")
            })
        };
        Period::new(day(from, "the start")?, day(to, "the end")?)
    }

    /// The period from `from` to `to`.
    ///
    /// # Errors
    /// `from` after `to`.
    pub fn new(from: Date, to: Date) -> Result<Period, String> {
        if from > to {
            return Err(format!(
                "the period starts ({}) after it ends ({})",
                format_date(from),
                format_date(to)
            ));
        }
        Ok(Period { from, to })
    }

    /// The twelve months up to and including `to`: from the day after `to` a year earlier.
    pub fn year_to(to: Date) -> Period {
        // 29 February a year earlier is the 28th.
        let a_year_before = to.replace_year(to.year() - 1).unwrap_or_else(|_| {
            Date::from_calendar_date(to.year() - 1, Month::February, 28).unwrap_or(to)
        });
        let from = a_year_before + time::Duration::days(1);
        Period { from, to }
    }

    /// Whether `d` is in the period.
    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d <= self.to
    }

    /// Days in the period, both ends counted.
    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days() + 1
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", format_date(self.from), format_date(self.to))
    }
}

#[cfg(test)]
mod period_tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn parses_a_period_and_names_what_is_wrong() {
        let p = Period::parse("2026-01-01..2026-12-31").unwrap();
        assert_eq!(
            (p.from, p.to),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        assert_eq!(p.days(), 365);
        assert_eq!(p.to_string(), "2026-01-01..2026-12-31");
        assert!(p.contains(date!(2026 - 06 - 30)) && !p.contains(date!(2027 - 01 - 01)));
        assert!(
            Period::parse("2026-01-01")
                .unwrap_err()
                .contains("FROM..TO")
        );
        assert!(
            Period::parse("2026-01-01..2026-02-30")
                .unwrap_err()
                .contains("the end")
        );
        assert!(
            Period::parse("2026-03-01..2026-02-01")
                .unwrap_err()
                .contains("after it ends")
        );
        assert_eq!(
            Period::year_to(date!(2028 - 02 - 29)).from,
            date!(2027 - 03 - 01)
        );
        assert_eq!(
            Period::year_to(date!(2026 - 11 - 25)).from,
            date!(2025 - 11 - 26)
        );
    }
}
