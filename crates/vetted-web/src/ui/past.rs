//! The register as it was, in the browser: `?at=` on the pages that read the register (the
//! register list, a supplier, the due queue, the dashboard, the risk register and one risk).
//!
//! One code path: a page loads a [`Source`], either today's [`Snapshot`] or the register as
//! recorded at `at` (rebuilt from the audit trail by [`crate::api::params::then`], under the
//! policy version in force then) evaluated into a snapshot the same way, and renders the same
//! template. A past page carries a [`PastView`] in its [`Chrome`](super::Chrome): `base.html`
//! draws the banner ("the register as recorded at …, read only, back to today"), the
//! templates hide every edit control (`Chrome::can_edit`), and links between these pages keep
//! `at` (`Chrome::link`). Past snapshots are not kept: each request rebuilds its moment.

use std::sync::Arc;

use time::{Date, OffsetDateTime};
use vetted_core::policy::Policy;

use super::register::query_string;
use crate::AppState;
use crate::api::params::Then;
use crate::error::ApiError;
use crate::snapshot::{Snapshot, SnapshotKey};

/// A page showing the register as recorded at a past moment.
#[derive(Clone, Debug)]
pub struct PastView {
    /// The moment, as the `at` parameter carries it (RFC 3339, UTC).
    pub param: String,
    /// The moment as read: `2026-03-01 12:00:00 UTC`.
    pub when: String,
    /// The moment as a `datetime-local` input's value (UTC): `2026-03-01T12:00:00`.
    pub input: String,
    /// The policy it is evaluated under: `policy version 3`, or the server's own when no
    /// version had been stored then.
    pub policy: String,
    /// The same page today: its link without `at`.
    pub back: String,
}

/// `at` as links carry it: RFC 3339 in UTC.
pub fn at_text(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl PastView {
    /// The view of `then`, on a page whose link without `at` is `back`.
    pub fn of(then: &Then, back: String) -> PastView {
        let at = then.at.to_offset(time::UtcOffset::UTC);
        PastView {
            param: at_text(at),
            when: at
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
                ))
                .unwrap_or_default(),
            input: at
                .format(time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second]"
                ))
                .unwrap_or_default(),
            policy: match then.version {
                Some(n) => format!("policy version {n}"),
                None => {
                    "the server's own policy (no policy version had been stored then)".to_string()
                }
            },
            back,
        }
    }
}

/// `href` with `at` added when a past moment is shown (before any `#fragment`).
pub fn keep_at(href: &str, at: Option<&str>) -> String {
    let Some(at) = at else {
        return href.to_string();
    };
    let (path, fragment) = href
        .split_once('#')
        .map_or((href, None), |(p, f)| (p, Some(f)));
    let pair = query_string([("at", at)]);
    let joined = if path.contains('?') {
        format!("{path}&{}", pair.trim_start_matches('?'))
    } else {
        format!("{path}{pair}")
    };
    match fragment {
        Some(f) => format!("{joined}#{f}"),
        None => joined,
    }
}

/// `path` with the query `raw` but its `at` (the link of the same page today).
pub fn without_at(path: &str, raw: &str) -> String {
    let kept: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .filter(|(k, _)| k != "at" && k != "notice")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    format!(
        "{path}{}",
        query_string(kept.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    )
}

/// Reads a page's `at`: what the API takes (RFC 3339, or a date meaning the end of that day,
/// UTC), or what a browser's `datetime-local` input sends (`2026-03-01T12:00` or with
/// seconds, no offset: read as UTC, as the input's label says). A moment in the future is
/// refused here, so the page can show the problem as it shows its other parameters'.
///
/// # Errors
/// What is wrong with the value.
pub fn parse_at(v: &str) -> Result<OffsetDateTime, String> {
    let v = v.trim();
    let local = v.len() >= 16
        && v.as_bytes().get(10) == Some(&b'T')
        && !v.ends_with('Z')
        && !v[10..].contains(['+', '-']);
    let at = if local {
        let full = if v.len() == 16 {
            format!("{v}:00Z")
        } else {
            format!("{v}Z")
        };
        crate::api::params::parse_at(&full).map_err(|_| {
            format!("`{v}` is not a time: expected 2026-03-01T12:00:00Z, or a date (the end of that day, UTC)")
        })?
    } else {
        crate::api::params::parse_at(v)?
    };
    if at > OffsetDateTime::now_utc() {
        return Err(format!(
            "`{v}` is in the future: the register can be shown as it was, not as it will be"
        ));
    }
    Ok(at)
}

/// The one `at` of a page's query string, if given (blank: not given): a 400 naming `at` when
/// it does not read or is in the future, or is given twice.
///
/// # Errors
/// See above.
pub fn at_param(raw: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    let mut values = form_urlencoded::parse(raw.as_bytes())
        .filter(|(k, v)| k == "at" && !v.trim().is_empty())
        .map(|(_, v)| v.into_owned());
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::bad_parameter("at", "given more than once"));
    }
    first
        .map(|v| parse_at(&v).map_err(|m| ApiError::bad_parameter("at", m)))
        .transpose()
}

/// The register a page reads.
#[derive(Debug)]
pub struct Source {
    /// The register evaluated on the page's day.
    pub snapshot: Arc<Snapshot>,
    /// The policy it was evaluated under.
    pub policy: Arc<Policy>,
    /// With `at`: the moment, for the banner and the links.
    pub past: Option<PastView>,
    /// With `at`: every supplier recorded by then, with its version then.
    pub then: Option<Then>,
}

impl Source {
    /// Today's snapshot on `as_of` under the policy in force, or with `at` the register as
    /// recorded then, evaluated under the policy then on `as_of` (default the date of `at`).
    /// `back` is the page's link without `at`.
    ///
    /// # Errors
    /// The store's, or a trail that does not read.
    pub async fn load(
        state: &AppState,
        at: Option<OffsetDateTime>,
        as_of: Option<Date>,
        back: String,
    ) -> Result<Source, ApiError> {
        let Some(at) = at else {
            let day = as_of.unwrap_or_else(crate::api::params::today);
            return Ok(Source {
                snapshot: state.snapshots.get(state, day).await?,
                policy: Arc::clone(&state.policy().policy),
                past: None,
                then: None,
            });
        };
        let then = crate::api::params::then(state, at).await?;
        let past = PastView::of(&then, back);
        let key = SnapshotKey {
            // Not kept: no counter or fingerprint to compare with.
            generation: -1,
            fingerprint: String::new(),
            as_of: as_of.unwrap_or(at.date()),
        };
        let register = then.register();
        let policy = Arc::clone(&then.policy);
        let snapshot =
            tokio::task::spawn_blocking(move || Snapshot::build(key, &register.suppliers, &policy))
                .await
                .map_err(|e| ApiError::internal("evaluating the register as it was", &e))?;
        Ok(Source {
            snapshot: Arc::new(snapshot),
            policy: Arc::clone(&then.policy),
            past: Some(past),
            then: Some(then),
        })
    }

    /// The `at` parameter of the links, when past.
    pub fn at(&self) -> Option<&str> {
        self.past.as_ref().map(|p| p.param.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_at_before_the_fragment() {
        let at = Some("2026-03-01T12:00:00Z");
        assert_eq!(keep_at("/suppliers", None), "/suppliers");
        assert_eq!(
            keep_at("/suppliers", at),
            "/suppliers?at=2026-03-01T12%3A00%3A00Z"
        );
        assert_eq!(
            keep_at("/suppliers?tier=high#top", at),
            "/suppliers?tier=high&at=2026-03-01T12%3A00%3A00Z#top"
        );
        assert_eq!(
            without_at("/due", "within=30d&at=2026-03-01&notice=saved"),
            "/due?within=30d"
        );
    }

    #[test]
    fn a_browser_time_is_utc_and_the_future_is_refused() {
        let t = time::macros::datetime!(2026-03-01 12:00 UTC);
        assert_eq!(parse_at("2026-03-01T12:00"), Ok(t));
        assert_eq!(parse_at("2026-03-01T12:00:00"), Ok(t));
        assert_eq!(parse_at("2026-03-01T12:00:00Z"), Ok(t));
        assert_eq!(
            parse_at("2026-03-01T13:00:00+01:00"),
            Ok(time::macros::datetime!(2026-03-01 13:00 +1))
        );
        assert!(parse_at("2026-03-01").is_ok());
        assert!(
            parse_at("2026-02-30T12:00")
                .unwrap_err()
                .contains("not a time")
        );
        assert!(
            parse_at("9999-01-01")
                .unwrap_err()
                .contains("in the future")
        );
    }
}
