//! The ISO report's figures against counts computed here, independently of the engine: over
//! generated registers (the shares an auditor reads first) and over a hand-made year whose
//! reviews, trigger events and escalations are counted by hand.
#![cfg(feature = "testing")]

use proptest::prelude::*;
use time::Date;
use time::macros::date;
use vetted_core::date::{Period, add_months};
use vetted_core::iso::report;
use vetted_core::model::{
    Agreement, AssessmentOutcome, AssuranceKind, Event, EventKind, Register, Review, RiskEntry,
    RiskStatus, Status, Supplier, SupplierId,
};
use vetted_core::policy::Policy;
use vetted_core::testing::arb_register;

/// In scope as the policy's scope section says: any of the five kinds of exposure.
fn in_scope(s: &Supplier) -> bool {
    s.data.customer_data
        || s.data.confidential
        || s.data.personal_data
        || s.data.production_dependency
        || s.inference.provides
}

/// Current assurance as the policy defines it: an ISO 27001 certificate valid that day, or a SOC 2
/// Type II report whose period ended no more than the policy's months before; covering the service.
fn assured(s: &Supplier, policy: &Policy, day: Date) -> bool {
    s.assurance.iter().any(|a| {
        a.covers_service
            && match a.kind {
                AssuranceKind::Iso27001 => {
                    a.valid_from.is_some_and(|f| f <= day)
                        && a.valid_until.is_some_and(|u| day <= u)
                }
                AssuranceKind::Soc2Type2 => a.period_end.is_some_and(|e| {
                    e <= day && day <= add_months(e, policy.assurance.soc2_type2_validity_months)
                }),
                _ => false,
            }
    })
}

fn in_force(a: &Agreement, day: Date) -> bool {
    a.signed.is_some_and(|s| s <= day)
        && a.expires.is_none_or(|e| e > day)
        && a.terminated.is_none_or(|t| t > day)
}

fn arb_period() -> impl Strategy<Value = Period> {
    (0i64..3000, 1i64..800).prop_map(|(start, len)| {
        let from = date!(2022 - 01 - 01) + time::Duration::days(start);
        Period::new(from, from + time::Duration::days(len)).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn shares_equal_independent_counts(end in arb_register(), period in arb_period()) {
        let policy = Policy::default();
        let r = report(&Register::default(), &end, &policy, period);
        let day = period.to;
        let scope: Vec<&Supplier> = end.suppliers.iter().filter(|s| in_scope(s)).collect();

        let f = r.figure("in_scope").unwrap();
        prop_assert_eq!(f.count, scope.len());

        let f = r.figure("current_assurance").unwrap();
        let with = scope.iter().filter(|s| assured(s, &policy, day)).count();
        prop_assert_eq!((f.count, f.of), (with, Some(scope.len())));
        prop_assert_eq!(f.suppliers.len() + f.missing.len(), scope.len());

        let personal: Vec<&&Supplier> = scope.iter().filter(|s| s.data.personal_data).collect();
        let dpa = personal
            .iter()
            .filter(|s| s.agreements.iter().any(|a| a.gdpr_art28 && in_force(a, day)))
            .count();
        let f = r.figure("dpa_in_force").unwrap();
        prop_assert_eq!((f.count, f.of), (dpa, Some(personal.len())));
        if let (Some(p), false) = (f.percent, personal.is_empty()) {
            prop_assert!((p - dpa as f64 * 100.0 / personal.len() as f64).abs() <= 0.05);
        }

        let performed = end
            .suppliers
            .iter()
            .map(|s| {
                s.reviews.iter().filter(|x| period.contains(x.date)).count()
                    + s.assessments.iter().filter(|x| period.contains(x.date)).count()
            })
            .sum::<usize>();
        prop_assert_eq!(r.figure("reviews_performed").unwrap().count, performed);
        prop_assert_eq!(r.reviews.len(), performed);

        let triggers = &policy.review.trigger_events;
        let events = scope
            .iter()
            .filter(|s| s.status.is_some_and(Status::is_engaged))
            .flat_map(|s| &s.events)
            .filter(|e| period.contains(e.date) && triggers.contains(&e.kind))
            .count();
        prop_assert_eq!(r.triggered.len(), events);
        prop_assert_eq!(r.figure("triggered_reviewed").unwrap().of, Some(events));
    }
}

fn supplier(id: &str, interval_tier_critical: bool) -> Supplier {
    let mut s = Supplier::new(SupplierId::parse(id).unwrap());
    s.name = Some(format!("Supplier {id}"));
    s.status = Some(Status::Active);
    s.data.personal_data = true;
    s.data.customer_data = true;
    if interval_tier_critical {
        // Highest impact, access and hardest to replace: critical, reviewed every 6 months.
        s.risk.business_impact = Some(vetted_core::model::BusinessImpact::High);
        s.risk.data_access = Some(vetted_core::model::DataAccess::Customer);
        s.risk.replaceability = Some(vetted_core::model::Replaceability::Hard);
    } else {
        // Lowest on every input: low, reviewed every 12 months.
        s.risk.business_impact = Some(vetted_core::model::BusinessImpact::Low);
        s.risk.data_access = Some(vetted_core::model::DataAccess::None);
        s.risk.replaceability = Some(vetted_core::model::Replaceability::Easy);
    }
    s
}

fn review(date: Date) -> Review {
    Review {
        date,
        reviewer: Some("ciso".into()),
        trigger: None,
        outcome: None,
        checks: Vec::new(),
        notes: None,
    }
}

fn risk(id: &str, status: RiskStatus, opened: Option<Date>) -> RiskEntry {
    RiskEntry {
        id: Some(id.into()),
        title: Some(format!("risk {id}")),
        status: Some(status),
        opened,
        ..RiskEntry::default()
    }
}

#[test]
#[allow(clippy::many_single_char_names)]
fn a_year_of_reviews_triggers_and_escalations_counted_by_hand() {
    // Critical suppliers reviewed every 6 months (the default policy says 12 for every tier).
    let mut policy = Policy::default();
    policy.review.interval_months.critical = 6;
    let period = Period::parse("2026-01-01..2026-12-31").unwrap();
    let months = |critical: bool| {
        let s = supplier("probe", critical);
        let tier = policy.tiers.tier(&s.risk);
        *policy.review.interval_months.get(tier)
    };
    let (m_crit, m_other) = (months(true), months(false));
    assert!(
        m_crit < m_other,
        "critical suppliers are reviewed more often"
    );

    // a: last checked 2025-11-01 (critical): due within the period, done on time, then the next
    //    falls due again in the period and is done late.
    let mut a = supplier("a", true);
    a.reviews.push(review(date!(2025 - 11 - 01)));
    let first_due = add_months(date!(2025 - 11 - 01), m_crit);
    a.reviews.push(review(first_due - time::Duration::days(3)));
    let second_due = add_months(first_due - time::Duration::days(3), m_crit);
    assert!(second_due <= period.to);
    a.reviews
        .push(review(second_due + time::Duration::days(10)));
    // An incident on 2026-03-01 reviewed 12 days later (a review of its own).
    a.events.push(Event {
        date: date!(2026 - 03 - 01),
        kind: EventKind::Incident,
        summary: Some("outage".into()),
    });
    a.reviews.push(review(date!(2026 - 03 - 13)));

    // b: approved by due diligence on 2025-03-01, never reviewed: the review due in the period
    //    is not done; a location change in May is still open at the end of the period.
    let mut b = supplier("b", false);
    b.assessments.push(vetted_core::model::Assessment {
        date: date!(2025 - 03 - 01),
        assessor: None,
        outcome: AssessmentOutcome::Approved,
        notes: None,
    });
    b.events.push(Event {
        date: date!(2026 - 05 - 01),
        kind: EventKind::LocationChange,
        summary: None,
    });
    // A risk open before the period, closed in it; and one opened in it, still open.
    b.risks
        .push(risk("R-1", RiskStatus::Closed, Some(date!(2025 - 06 - 01))));
    b.risks
        .push(risk("R-2", RiskStatus::Open, Some(date!(2026 - 02 - 01))));

    // c: out of scope (no exposure): its review counts as performed, nothing else.
    let mut c = supplier("c", false);
    c.data = vetted_core::model::DataHandling::default();
    c.reviews.push(review(date!(2026 - 06 - 01)));
    // An old risk, closed before the period: not an escalation of the period.
    c.risks
        .push(risk("R-0", RiskStatus::Closed, Some(date!(2024 - 01 - 01))));

    let mut b_before = b.clone();
    b_before.risks = vec![risk("R-1", RiskStatus::Open, Some(date!(2025 - 06 - 01)))];
    let mut c_before = c.clone();
    c_before.reviews.clear();
    let start = Register {
        suppliers: vec![a.clone(), b_before, c_before],
    };
    let end = Register {
        suppliers: vec![a, b, c],
    };
    let r = report(&start, &end, &policy, period);

    // Due reviews, by hand. a's checks: 2025-11-01, 2026-03-13 (the incident's review),
    // 2026-04-28, 2026-11-07; every check starts a new 6 months. So: due 2026-05-01, answered
    // on 03-13 (on time); due 09-13, answered 04-28 (on time); due 10-28, answered 11-07 (late);
    // due 2027-05-07 is after the period. b: due 2026-03-01, never done. c: out of scope.
    let due: Vec<(&str, Date, Option<Date>, bool)> = r
        .due_reviews
        .iter()
        .map(|d| (d.supplier.id.as_str(), d.due, d.done, d.on_time))
        .collect();
    assert_eq!(first_due, date!(2026 - 05 - 01));
    assert_eq!(second_due, date!(2026 - 10 - 28));
    assert_eq!(
        due,
        vec![
            ("b", date!(2026 - 03 - 01), None, false),
            (
                "a",
                date!(2026 - 05 - 01),
                Some(date!(2026 - 03 - 13)),
                true
            ),
            (
                "a",
                date!(2026 - 09 - 13),
                Some(date!(2026 - 04 - 28)),
                true
            ),
            (
                "a",
                date!(2026 - 10 - 28),
                Some(date!(2026 - 11 - 07)),
                false
            ),
        ]
    );
    let on_time = r.figure("reviews_on_time").unwrap();
    assert_eq!(
        (on_time.count, on_time.of, on_time.percent),
        (2, Some(4), Some(50.0))
    );

    // Triggered: a's incident took 12 days; b's location change is open, 244 days so far.
    let t: Vec<(&str, Option<Date>, i64)> = r
        .triggered
        .iter()
        .map(|t| (t.supplier.id.as_str(), t.reviewed, t.days))
        .collect();
    assert_eq!(
        t,
        vec![
            ("a", Some(date!(2026 - 03 - 13)), 12),
            ("b", None, (period.to - date!(2026 - 05 - 01)).whole_days())
        ]
    );
    assert_eq!(vetted_core::iso::mean_days(&r.triggered), Some(12.0));

    // Escalations: R-1 closed in the period, R-2 opened in it; R-0 is of another year.
    let e: Vec<(&str, bool, bool)> = r
        .escalations
        .iter()
        .map(|e| (e.risk.as_str(), e.opened_in_period, e.closed_in_period))
        .collect();
    assert_eq!(e, vec![("R-1", false, true), ("R-2", true, false)]);
    assert_eq!(r.figure("escalations_opened").unwrap().count, 1);
    assert_eq!(r.figure("escalations_closed").unwrap().count, 1);

    // Reviews performed: a's four minus the one of 2025, c's one.
    assert_eq!(r.figure("reviews_performed").unwrap().count, 4);
    // Each control lists the rules serving it.
    let rules_519: Vec<&str> = r.controls[0]
        .requires
        .iter()
        .map(|q| q.rule.as_str())
        .collect();
    assert!(rules_519.contains(&"selection.assurance") && rules_519.contains(&"escalation.risk"));
    assert!(!rules_519.contains(&"selection.dpa"));
}
