//! The CISO's list of what needs action on a date: reviews overdue, triggered or due soon,
//! assurance and agreements lapsing, engaged suppliers without due diligence, failing suppliers
//! without an escalation. Each item carries its date and the rule id it serves.

use serde::Serialize;
use time::Date;

use crate::date::add_days;
use crate::engine::{
    AGREEMENT_EXPIRING, ESCALATION_RISK, Facts, REVIEW_DUE_SOON, REVIEW_OVERDUE, REVIEW_TRIGGERED,
    SELECTION_ASSURANCE, SELECTION_ASSURANCE_EXPIRING, SELECTION_DUE_DILIGENCE, agreement_end,
    evaluate_facts,
};
use crate::model::{AgreementKind, AssuranceKind, Status, Supplier};
use crate::policy::Policy;
use crate::report::Severity;

/// Why an item is on the list, most urgent first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// Past its date: a review overdue, assurance lapsed.
    Overdue,
    /// A trigger event makes a review due at once.
    Triggered,
    /// A failing supplier without an open risk entry, or engaged without due diligence.
    Missing,
    /// Falls due within the window.
    DueSoon,
}

impl DueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DueKind::Overdue => "overdue",
            DueKind::Triggered => "triggered",
            DueKind::Missing => "missing",
            DueKind::DueSoon => "due soon",
        }
    }
}

/// One thing to do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DueItem {
    pub supplier: String,
    pub name: Option<String>,
    pub owner: Option<String>,
    pub kind: DueKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub rule: &'static str,
    /// The date it fell or falls due, when it has one.
    #[serde(with = "crate::date::serde_opt")]
    pub date: Option<Date>,
    pub what: String,
}

/// A look-ahead window as people write it: `30d`, `8w`, `3m` (months of 30 days) or a plain
/// number of days; the error says what was expected.
pub fn parse_within(s: &str) -> Result<u32, String> {
    let err = || format!("`{s}` is not a duration: expected e.g. 30d, 8w or 3m");
    let (num, mult) = match s.char_indices().last() {
        Some((i, 'd')) => (&s[..i], 1),
        Some((i, 'w')) => (&s[..i], 7),
        Some((i, 'm')) => (&s[..i], 30),
        _ => (s, 1),
    };
    num.parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(err)
}

/// Everything due for one supplier on `as_of`, looking `within_days` ahead.
pub fn due_items(s: &Supplier, policy: &Policy, as_of: Date, within_days: u32) -> Vec<DueItem> {
    let mut out = Vec::new();
    if s.status.is_some_and(Status::is_inactive) || !crate::engine::in_scope(s) {
        return out;
    }
    let f = Facts::new(s, policy, as_of);
    let horizon = add_days(as_of, within_days);
    let mut push = |kind, rule: &'static str, date: Option<Date>, what: String| {
        out.push(DueItem {
            supplier: s.id.to_string(),
            name: s.name.clone(),
            owner: s.owner.clone(),
            kind,
            rule,
            date,
            what,
        });
    };

    if f.engaged {
        match f.next_review {
            None => push(
                DueKind::Overdue,
                REVIEW_OVERDUE.id,
                None,
                "never reviewed: review the supplier".into(),
            ),
            Some(next) if next < as_of => push(
                DueKind::Overdue,
                REVIEW_OVERDUE.id,
                Some(next),
                "review overdue".into(),
            ),
            Some(next) if next <= horizon => push(
                DueKind::DueSoon,
                REVIEW_DUE_SOON.id,
                Some(next),
                "review due".into(),
            ),
            Some(_) => {}
        }
        if let Some(e) = f.triggering_event() {
            push(
                DueKind::Triggered,
                REVIEW_TRIGGERED.id,
                Some(e.date),
                format!("review triggered by {}", e.kind.as_str().replace('_', " ")),
            );
        }
        if f.approving_assessment.is_none() {
            push(
                DueKind::Missing,
                SELECTION_DUE_DILIGENCE.id,
                None,
                "engaged without an approving due-diligence assessment".into(),
            );
        }
    }

    if f.current.is_empty() && f.compensating.is_empty() {
        // The most recent lapsed certificate or report, if any.
        let lapsed = s
            .assurance
            .iter()
            .filter(|a| a.covers_service)
            .filter_map(|a| match a.kind {
                AssuranceKind::Iso27001 => a.valid_until,
                AssuranceKind::Soc2Type2 => a.period_end.map(|e| {
                    crate::date::add_months(e, policy.assurance.soc2_type2_validity_months)
                }),
                _ => None,
            })
            .filter(|d| *d < as_of)
            .max();
        push(
            DueKind::Overdue,
            SELECTION_ASSURANCE.id,
            lapsed,
            match lapsed {
                Some(_) => "assurance lapsed: ask for the current certificate or report".into(),
                None => "no current assurance: ask for a certificate or report".into(),
            },
        );
    }
    for (a, lapse) in &f.current {
        if *lapse <= horizon {
            let what = match a.kind {
                AssuranceKind::Iso27001 => "ISO 27001 certificate expires",
                _ => "SOC 2 Type II report lapses",
            };
            push(
                DueKind::DueSoon,
                SELECTION_ASSURANCE_EXPIRING.id,
                Some(*lapse),
                what.into(),
            );
        }
    }
    for a in &f.in_force {
        if let Some(end) = agreement_end(a).filter(|e| *e <= horizon) {
            let title = a
                .title
                .as_deref()
                .or(a.kind.map(AgreementKind::as_str))
                .unwrap_or("agreement");
            push(
                DueKind::DueSoon,
                AGREEMENT_EXPIRING.id,
                Some(end),
                format!("{title} ends"),
            );
        }
    }

    if f.engaged {
        let e = evaluate_facts(&f);
        if e.findings.iter().any(|x| x.rule == ESCALATION_RISK.id) {
            let fails = e
                .findings
                .iter()
                .filter(|x| x.severity == Severity::Fail && x.rule != ESCALATION_RISK.id)
                .count();
            push(
                DueKind::Missing,
                ESCALATION_RISK.id,
                None,
                format!("fails {fails} rule(s) without an open risk entry: escalate"),
            );
        }
    }
    out
}

/// Sorts a due list: most urgent kind first, then by date (undated first), then supplier.
pub fn sort_due(items: &mut [DueItem]) {
    items.sort_by(|a, b| (a.kind, a.date, &a.supplier).cmp(&(b.kind, b.date, &b.supplier)));
}
