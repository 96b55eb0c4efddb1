//! The CISO's list of what needs action on a date: reviews overdue, triggered or due soon,
//! assurance and agreements lapsing, engaged suppliers without due diligence, failing suppliers
//! without an escalation, and risks whose treatment is past due or whose acceptance expired
//! (or will within the window). Each item carries its date and the rule id it serves; a risk's
//! items serve `escalation.risk` and name the risk.

use serde::Serialize;
use time::Date;

use crate::date::add_days;
use crate::engine::{
    AGREEMENT_EXPIRING, ESCALATION_RISK, Facts, REVIEW_DUE_SOON, REVIEW_OVERDUE, REVIEW_TRIGGERED,
    SELECTION_ASSURANCE, SELECTION_ASSURANCE_EXPIRING, SELECTION_DUE_DILIGENCE, agreement_end,
    evaluate_facts,
};
use crate::model::{AgreementKind, AssuranceKind, RiskEntry, RiskStatus, Status, Supplier};
use crate::policy::Policy;
use crate::report::Severity;

/// Why an item is on the list, most urgent first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// Past its date: a review overdue, assurance lapsed, a risk past due or its acceptance
    /// expired.
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
    /// Who acts on it: the supplier's owner; for a risk's items, the risk's owner when it
    /// names one.
    pub owner: Option<String>,
    pub kind: DueKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub rule: &'static str,
    /// The date it fell or falls due, when it has one.
    #[serde(with = "crate::date::serde_opt")]
    pub date: Option<Date>,
    pub what: String,
    /// The risk the item is about (its id in the risk register), for a risk's items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
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
    // A risk's items name the risk and are for its owner, when it names one.
    let mut push_risk =
        |kind, rule: &'static str, date: Option<Date>, what: String, risk: Option<&RiskEntry>| {
            let owner = risk
                .and_then(|r| r.owner.clone())
                .filter(|o| !o.trim().is_empty())
                .or_else(|| s.owner.clone());
            out.push(DueItem {
                supplier: s.id.to_string(),
                name: s.name.clone(),
                owner,
                kind,
                rule,
                date,
                what,
                risk: risk
                    .and_then(|r| r.id.clone())
                    .filter(|id| !id.trim().is_empty()),
            });
        };
    let mut push = |kind, rule, date, what| push_risk(kind, rule, date, what, None);

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

    // The supplier's risks: a treatment past due or due within the window; an acceptance
    // expired or ending within the window (Vetted's `accepted_until`).
    for r in &s.risks {
        let name = match (r.id.as_deref(), r.title.as_deref()) {
            (Some(id), _) if !id.trim().is_empty() => id.to_string(),
            (_, Some(title)) => format!("“{title}”"),
            _ => "without an id".to_string(),
        };
        let id = Some(r);
        match (r.status, r.due, r.accepted_until) {
            (Some(RiskStatus::Open), Some(due), _) if due < as_of => push_risk(
                DueKind::Overdue,
                ESCALATION_RISK.id,
                Some(due),
                format!("risk {name} past its due date"),
                id,
            ),
            (Some(RiskStatus::Open), Some(due), _) if due <= horizon => push_risk(
                DueKind::DueSoon,
                ESCALATION_RISK.id,
                Some(due),
                format!("risk {name} due"),
                id,
            ),
            (Some(RiskStatus::Accepted), _, Some(until)) if until < as_of => push_risk(
                DueKind::Overdue,
                ESCALATION_RISK.id,
                Some(until),
                format!("acceptance of {name} expired: decide again"),
                id,
            ),
            (Some(RiskStatus::Accepted), _, Some(until)) if until <= horizon => push_risk(
                DueKind::DueSoon,
                ESCALATION_RISK.id,
                Some(until),
                format!("acceptance of {name} ends"),
                id,
            ),
            _ => {}
        }
    }
    out
}

/// Sorts a due list: most urgent kind first, then by date (undated first), then supplier.
pub fn sort_due(items: &mut [DueItem]) {
    items.sort_by(|a, b| (a.kind, a.date, &a.supplier).cmp(&(b.kind, b.date, &b.supplier)));
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::model::{RiskEntry, SupplierId};

    /// An in-scope proposed supplier (so no review items) without evidence items beyond the
    /// risks under test.
    fn supplier(risks: Vec<RiskEntry>) -> Supplier {
        let mut s = Supplier::new(SupplierId::parse("acme").unwrap());
        s.name = Some("Acme".into());
        s.status = Some(Status::Proposed);
        s.data.personal_data = true;
        s.risks = risks;
        s
    }

    fn risk_items(
        s: &Supplier,
        as_of: Date,
        within: u32,
    ) -> Vec<(DueKind, Option<Date>, String, Option<String>)> {
        due_items(s, &Policy::default(), as_of, within)
            .into_iter()
            .filter(|i| i.risk.is_some() || i.what.contains("risk “"))
            .map(|i| {
                assert_eq!(i.rule, ESCALATION_RISK.id);
                (i.kind, i.date, i.what, i.risk)
            })
            .collect()
    }

    fn open(id: &str, due: Date) -> RiskEntry {
        RiskEntry {
            id: Some(id.into()),
            status: Some(RiskStatus::Open),
            due: Some(due),
            ..RiskEntry::default()
        }
    }

    fn accepted(id: &str, until: Option<Date>) -> RiskEntry {
        RiskEntry {
            id: Some(id.into()),
            status: Some(RiskStatus::Accepted),
            due: Some(date!(2020 - 1 - 1)),
            accepted_until: until,
            ..RiskEntry::default()
        }
    }

    #[test]
    fn an_open_risk_past_due_is_overdue_and_one_within_the_window_due_soon() {
        let day = date!(2026 - 11 - 25);
        let s = supplier(vec![
            open("R-12", date!(2026 - 11 - 24)),
            open("R-13", day),
            open("R-14", date!(2026 - 12 - 25)),
            open("R-15", date!(2026 - 12 - 26)),
        ]);
        assert_eq!(
            risk_items(&s, day, 30),
            [
                (
                    DueKind::Overdue,
                    Some(date!(2026 - 11 - 24)),
                    "risk R-12 past its due date".to_string(),
                    Some("R-12".to_string())
                ),
                (
                    DueKind::DueSoon,
                    Some(day),
                    "risk R-13 due".to_string(),
                    Some("R-13".to_string())
                ),
                (
                    DueKind::DueSoon,
                    Some(date!(2026 - 12 - 25)),
                    "risk R-14 due".to_string(),
                    Some("R-14".to_string())
                ),
            ]
        );
    }

    #[test]
    fn an_expired_acceptance_is_overdue_and_one_without_an_end_never_is() {
        let day = date!(2026 - 11 - 25);
        let s = supplier(vec![
            accepted("R-1", Some(date!(2026 - 11 - 24))),
            accepted("R-2", Some(day)),
            accepted("R-3", None),
            accepted("R-4", Some(date!(2027 - 6 - 1))),
        ]);
        assert_eq!(
            risk_items(&s, day, 30),
            [
                (
                    DueKind::Overdue,
                    Some(date!(2026 - 11 - 24)),
                    "acceptance of R-1 expired: decide again".to_string(),
                    Some("R-1".to_string())
                ),
                (
                    DueKind::DueSoon,
                    Some(day),
                    "acceptance of R-2 ends".to_string(),
                    Some("R-2".to_string())
                ),
            ]
        );
    }

    #[test]
    fn a_risks_items_are_for_its_owner_else_the_suppliers() {
        let day = date!(2026 - 11 - 25);
        let mut named = open("R-1", date!(2026 - 11 - 1));
        named.owner = Some("ciso@example.eu".into());
        let mut s = supplier(vec![named, open("R-2", date!(2026 - 11 - 1))]);
        s.owner = Some("it@example.eu".into());
        let owners: Vec<Option<String>> = due_items(&s, &Policy::default(), day, 30)
            .into_iter()
            .filter(|i| i.risk.is_some())
            .map(|i| i.owner)
            .collect();
        assert_eq!(
            owners,
            [
                Some("ciso@example.eu".to_string()),
                Some("it@example.eu".to_string())
            ]
        );
    }

    #[test]
    fn closed_and_treated_risks_and_inactive_suppliers_have_no_items() {
        let day = date!(2026 - 11 - 25);
        let mut closed = open("R-1", date!(2020 - 1 - 1));
        closed.status = Some(RiskStatus::Closed);
        let mut treated = open("R-2", date!(2020 - 1 - 1));
        treated.status = Some(RiskStatus::Treated);
        assert!(risk_items(&supplier(vec![closed, treated]), day, 30).is_empty());
        let mut s = supplier(vec![open("R-3", date!(2020 - 1 - 1))]);
        s.status = Some(Status::Terminated);
        assert!(risk_items(&s, day, 30).is_empty());
    }

    #[test]
    fn an_entry_without_an_id_is_named_by_its_title() {
        let day = date!(2026 - 11 - 25);
        let mut r = open("", date!(2026 - 1 - 1));
        r.id = None;
        r.title = Some("Exit plan".into());
        let items = risk_items(&supplier(vec![r]), day, 30);
        assert_eq!(items[0].2, "risk “Exit plan” past its due date");
        assert_eq!(items[0].3, None);
    }
}
