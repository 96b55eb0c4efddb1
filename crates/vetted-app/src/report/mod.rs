//! The ISO/IEC 27001 A.5.19–5.23 report over a period ([`vetted_core::iso`]), built from the
//! register as recorded at the period's start and end (one pass over the audit trail), with the
//! policy versions in force during it; rendered as JSON, as a self-contained HTML document
//! ([`html`]) and as PDF through headless Chromium ([`pdf`]).

pub mod html;
pub mod pdf;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use vetted_core::date::Period;
use vetted_core::history::end_of_day;
use vetted_core::iso::{self, IsoReport};
use vetted_core::policy::Policy;
use vetted_store::Store;

use crate::history::{PastError, registers_at};

/// A policy version in force at some time during the period.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyInForce {
    pub number: i64,
    /// The policy's own `version` field.
    pub version: String,
    pub fingerprint: String,
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// When the next version replaced it (absent: still in force).
    #[serde(with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    /// Who uploaded it.
    pub by: String,
}

/// The policy the figures are evaluated under.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyUsed {
    /// The stored version number in force at the period's end; absent when none was stored
    /// then (the configured or built-in policy applies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    pub name: String,
    pub version: String,
    pub owner: String,
}

/// What the report was rebuilt from.
#[derive(Clone, Debug, Serialize)]
pub struct Basis {
    /// The moment the register at the end is as recorded at.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Entries of the audit trail folded, and the last one's seq.
    pub trail_entries: u64,
    pub last_seq: u64,
    /// Whether the period's end was after today and the figures stop at today.
    pub cut_at_today: bool,
}

/// The report with its context: what an auditor receives.
#[derive(Clone, Debug, Serialize)]
pub struct IsoDocument {
    #[serde(flatten)]
    pub report: IsoReport,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    pub policy: PolicyUsed,
    pub policy_versions: Vec<PolicyInForce>,
    pub basis: Basis,
}

impl IsoDocument {
    /// The report as pretty JSON.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Why the report cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Past(#[from] PastError),
    #[error(transparent)]
    Store(#[from] vetted_store::StoreError),
    #[error("the period starts {0}, after today: a report covers what has happened")]
    Future(String),
}

/// Builds the report for `period` as the store's audit trail records it, evaluated under the
/// policy version in force at the period's end (or `fallback` where none was stored then). A
/// period that ends after today is cut at today (and says so).
///
/// # Errors
/// A period starting after today, the store's, or a trail that does not read.
pub async fn iso27001(
    store: &dyn Store,
    period: Period,
    organization: Option<String>,
    fallback: &Policy,
    now: OffsetDateTime,
) -> Result<IsoDocument, ReportError> {
    let today = now.date();
    if period.from > today {
        return Err(ReportError::Future(vetted_core::date::format_date(
            period.from,
        )));
    }
    let cut = period.to > today;
    let effective = Period {
        from: period.from,
        to: period.to.min(today),
    };
    let start_at = end_of_day(effective.from - Duration::days(1));
    let end_at = end_of_day(effective.to).min(now);
    let mut past = registers_at(store, &[start_at, end_at], now).await?;
    let mut end = past.pop().expect("two moments");
    let start = past.pop().expect("two moments").into_register();
    let (entries, last_seq, end_policy) = (end.entries, end.last_seq, end.policy.take());
    let end = end.into_register();
    let (number, policy) = match &end_policy {
        Some((n, p)) => (Some(*n), p),
        None => (None, fallback),
    };
    let report = iso::report(&start, &end, policy, effective);
    let versions = policy_versions(store, start_at, end_at).await?;
    Ok(IsoDocument {
        report,
        generated_at: now,
        organization,
        policy: PolicyUsed {
            number,
            name: policy.name.clone(),
            version: policy.version.clone(),
            owner: policy.owner.clone(),
        },
        policy_versions: versions,
        basis: Basis {
            recorded_at: end_at,
            trail_entries: entries,
            last_seq,
            cut_at_today: cut,
        },
    })
}

/// The stored policy versions in force at some moment from `from` to `to`, oldest first.
///
/// # Errors
/// The store's.
pub async fn policy_versions(
    store: &dyn Store,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<PolicyInForce>, vetted_store::StoreError> {
    // Oldest first, as both stores answer.
    let all = store.policy_versions().await?;
    let mut out = Vec::new();
    for (v, until) in in_force_during(&all, from, to) {
        let version = Policy::from_toml(&v.toml)
            .map(|p| p.version)
            .unwrap_or_default();
        out.push(PolicyInForce {
            number: v.number,
            version,
            fingerprint: v.fingerprint.clone(),
            from: v.uploaded_at,
            until,
            by: v.uploaded_by.to_string(),
        });
    }
    Ok(out)
}

/// The versions of `versions` (oldest first) in force at some moment from `from` to `to`, each
/// with the moment the next one replaced it (none: still in force). A version is in force from
/// its upload until the next upload.
pub fn in_force_during(
    versions: &[vetted_store::PolicyVersion],
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Vec<(&vetted_store::PolicyVersion, Option<OffsetDateTime>)> {
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| (v, versions.get(i + 1).map(|next| next.uploaded_at)))
        .filter(|(v, until)| v.uploaded_at <= to && until.is_none_or(|u| u > from))
        .collect()
}

/// The twelve months to today, included: the default of a report (today counts, so a register
/// imported today shows).
pub fn last_twelve_months(today: Date) -> Period {
    Period::year_to(today)
}
