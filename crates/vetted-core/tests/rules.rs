//! Table-driven cases for every rule of `shared/spec/policy.md`, passing and failing, at the exact
//! date boundaries. Each case starts from a supplier that passes everything on its `as_of` and
//! changes one thing.

mod common;

use common::*;
use rstest::rstest;
use vetted_core::engine::{Standing, evaluate};
use vetted_core::model::*;
use vetted_core::policy::Policy;

fn rules_of(s: &Supplier, as_of: &str) -> (Vec<String>, Verdict) {
    let e = evaluate(s, &Policy::default(), d(as_of));
    (
        e.findings.iter().map(|f| f.rule.clone()).collect(),
        e.verdict,
    )
}

const AS_OF: &str = "2026-11-25";

#[test]
fn baseline_is_compliant() {
    let (rules, verdict) = rules_of(&SupplierBuilder::compliant().build(), AS_OF);
    assert_eq!(rules, Vec::<String>::new());
    assert_eq!(verdict, Verdict::Compliant);
}

type Mutation = fn(&mut Supplier);

#[rstest]
// register.incomplete
#[case::blank_name(AS_OF, |s: &mut Supplier| s.name = Some("  ".into()), &["register.incomplete", "escalation.risk"], Verdict::NonCompliant)]
#[case::no_services(AS_OF, |s: &mut Supplier| s.services = vec![" ".into()], &["register.incomplete", "escalation.risk"], Verdict::NonCompliant)]
#[case::no_status(AS_OF, |s: &mut Supplier| s.status = None, &["register.incomplete"], Verdict::NonCompliant)]
#[case::inactive_incomplete(AS_OF, |s: &mut Supplier| { s.status = Some(Status::Terminated); s.owner = None; s.locations.clear(); }, &["register.incomplete"], Verdict::Inactive)]
#[case::rejected_ignores_rules(AS_OF, |s: &mut Supplier| { s.status = Some(Status::Rejected); s.locations.clear(); }, &[], Verdict::Inactive)]
#[case::out_of_scope(AS_OF, |s: &mut Supplier| { s.data = DataHandling::default(); s.locations.clear(); s.agreements.clear(); }, &[], Verdict::OutOfScope)]
#[case::out_of_scope_incomplete(AS_OF, |s: &mut Supplier| { s.data = DataHandling::default(); s.category = None; }, &["register.incomplete"], Verdict::OutOfScope)]
#[case::production_dependency_is_in_scope(AS_OF, |s: &mut Supplier| { s.data = DataHandling { production_dependency: true, ..DataHandling::default() }; s.locations.clear(); }, &["selection.residency", "escalation.risk"], Verdict::NonCompliant)]
// selection.assurance: certificate valid until as_of (inclusive), and from as_of
#[case::cert_valid_until_as_of(AS_OF, |s: &mut Supplier| s.assurance[0].valid_until = Some(d("2026-11-25")), &["selection.assurance-expiring"], Verdict::Attention)]
#[case::cert_expired_day_before(AS_OF, |s: &mut Supplier| s.assurance[0].valid_until = Some(d("2026-11-24")), &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::cert_valid_from_as_of(AS_OF, |s: &mut Supplier| s.assurance[0].valid_from = Some(d("2026-11-25")), &[], Verdict::Compliant)]
#[case::cert_not_yet_valid(AS_OF, |s: &mut Supplier| s.assurance[0].valid_from = Some(d("2026-11-26")), &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::cert_without_from(AS_OF, |s: &mut Supplier| s.assurance[0].valid_from = None, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::cert_not_covering(AS_OF, |s: &mut Supplier| s.assurance[0].covers_service = false, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::failing_with_open_risk(AS_OF, |s: &mut Supplier| { s.assurance.clear(); s.risks.push(open_risk()); }, &["selection.assurance"], Verdict::NonCompliant)]
#[case::accepted_risk_counts(AS_OF, |s: &mut Supplier| { s.assurance.clear(); s.risks.push(RiskEntry { status: Some(RiskStatus::Accepted), ..RiskEntry::default() }); }, &["selection.assurance"], Verdict::NonCompliant)]
#[case::acceptance_until_as_of_counts(AS_OF, |s: &mut Supplier| { s.assurance.clear(); s.risks.push(RiskEntry { status: Some(RiskStatus::Accepted), accepted_until: Some(d("2026-11-25")), ..RiskEntry::default() }); }, &["selection.assurance"], Verdict::NonCompliant)]
#[case::expired_acceptance_does_not(AS_OF, |s: &mut Supplier| { s.assurance.clear(); s.risks.push(RiskEntry { status: Some(RiskStatus::Accepted), accepted_until: Some(d("2026-11-24")), ..RiskEntry::default() }); }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::closed_risk_does_not(AS_OF, |s: &mut Supplier| { s.assurance.clear(); s.risks.push(RiskEntry { status: Some(RiskStatus::Closed), ..RiskEntry::default() }); }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::other_kinds_never_count(AS_OF, |s: &mut Supplier| { s.assurance[0].kind = AssuranceKind::Iso27701; }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
// SOC 2 Type II: period ended exactly 12 months before as_of is still current (and expiring)
#[case::soc2_exactly_12_months(AS_OF, |s: &mut Supplier| { let mut a = Assurance::new(AssuranceKind::Soc2Type2); a.period_end = Some(d("2025-11-25")); s.assurance = vec![a]; }, &["selection.assurance-expiring"], Verdict::Attention)]
#[case::soc2_12_months_and_a_day(AS_OF, |s: &mut Supplier| { let mut a = Assurance::new(AssuranceKind::Soc2Type2); a.period_end = Some(d("2025-11-24")); s.assurance = vec![a]; }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::soc2_leap_day("2025-02-28", |s: &mut Supplier| { let mut a = Assurance::new(AssuranceKind::Soc2Type2); a.period_end = Some(d("2024-02-29")); s.assurance = vec![a]; s.reviews.clear(); }, &["selection.assurance-expiring"], Verdict::Attention)]
#[case::soc2_leap_day_lapsed("2025-03-01", |s: &mut Supplier| { let mut a = Assurance::new(AssuranceKind::Soc2Type2); a.period_end = Some(d("2024-02-29")); s.assurance = vec![a]; s.reviews.clear(); }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::soc2_period_in_future(AS_OF, |s: &mut Supplier| { let mut a = Assurance::new(AssuranceKind::Soc2Type2); a.period_end = Some(d("2026-12-31")); s.assurance = vec![a]; }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
// compensation
#[case::compensated(AS_OF, |s: &mut Supplier| { let mut q = Assurance::new(AssuranceKind::Questionnaire); q.completed = Some(d("2025-11-25")); q.compensating_controls = vec!["MFA".into()]; s.assurance = vec![q]; }, &["selection.assurance-compensated"], Verdict::Compliant)]
#[case::questionnaire_without_controls(AS_OF, |s: &mut Supplier| { let mut q = Assurance::new(AssuranceKind::Questionnaire); q.completed = Some(d("2026-01-01")); q.compensating_controls = vec![" ".into()]; s.assurance = vec![q]; }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::questionnaire_too_old(AS_OF, |s: &mut Supplier| { let mut q = Assurance::new(AssuranceKind::Questionnaire); q.completed = Some(d("2025-11-24")); q.compensating_controls = vec!["MFA".into()]; s.assurance = vec![q]; }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::questionnaire_after_as_of(AS_OF, |s: &mut Supplier| { let mut q = Assurance::new(AssuranceKind::Questionnaire); q.completed = Some(d("2026-11-26")); q.compensating_controls = vec!["MFA".into()]; s.assurance = vec![q]; }, &["selection.assurance", "escalation.risk"], Verdict::NonCompliant)]
#[case::compensating_exceptions(AS_OF, |s: &mut Supplier| { let mut q = Assurance::new(AssuranceKind::Questionnaire); q.completed = Some(d("2026-01-01")); q.compensating_controls = vec!["MFA".into()]; q.exceptions = vec!["no SSO".into()]; s.assurance = vec![q]; }, &["selection.assurance-compensated", "selection.assurance-exceptions"], Verdict::Attention)]
// expiring: lapse exactly 60 days after as_of warns; 61 days does not
#[case::expiring_60_days(AS_OF, |s: &mut Supplier| s.assurance[0].valid_until = Some(d("2027-01-24")), &["selection.assurance-expiring"], Verdict::Attention)]
#[case::expiring_61_days(AS_OF, |s: &mut Supplier| s.assurance[0].valid_until = Some(d("2027-01-25")), &[], Verdict::Compliant)]
#[case::expiring_but_another_lasts(AS_OF, |s: &mut Supplier| { let mut a = s.assurance[0].clone(); a.valid_until = Some(d("2026-12-01")); s.assurance.insert(0, a); }, &[], Verdict::Compliant)]
// exceptions
#[case::exceptions(AS_OF, |s: &mut Supplier| s.assurance[0].exceptions = vec!["CC6.1".into()], &["selection.assurance-exceptions"], Verdict::Attention)]
#[case::exceptions_acknowledged(AS_OF, |s: &mut Supplier| { s.assurance[0].exceptions = vec!["CC6.1".into()]; s.assurance[0].exceptions_acknowledged = true; }, &[], Verdict::Compliant)]
#[case::exceptions_on_lapsed_item_ignored(AS_OF, |s: &mut Supplier| { let mut a = Assurance::new(AssuranceKind::Soc2Type2); a.period_end = Some(d("2024-01-01")); a.exceptions = vec!["x".into()]; s.assurance.push(a); }, &[], Verdict::Compliant)]
// residency
#[case::no_location(AS_OF, |s: &mut Supplier| s.locations.clear(), &["selection.residency", "escalation.risk"], Verdict::NonCompliant)]
#[case::us_access_with_scc(AS_OF, |s: &mut Supplier| { let mut l = loc("US", Purpose::Access); l.mechanism = Some(Mechanism::Scc); s.locations.push(l); }, &["selection.residency", "escalation.risk"], Verdict::NonCompliant)]
#[case::norway_not_eu(AS_OF, |s: &mut Supplier| s.locations.push(loc("NO", Purpose::Storage)), &["selection.residency", "escalation.risk"], Verdict::NonCompliant)]
// dpa
#[case::no_dpa(AS_OF, |s: &mut Supplier| s.agreements[0].gdpr_art28 = false, &["selection.dpa", "escalation.risk"], Verdict::NonCompliant)]
#[case::no_dpa_needed_without_personal_data(AS_OF, |s: &mut Supplier| { s.data.personal_data = false; s.agreements[0].gdpr_art28 = false; }, &[], Verdict::Compliant)]
// risk rating and tier
#[case::risk_rating(AS_OF, |s: &mut Supplier| s.risk.replaceability = None, &["selection.risk-rating", "escalation.risk"], Verdict::NonCompliant)]
// due diligence
#[case::no_assessment_but_review(AS_OF, |s: &mut Supplier| s.assessments.clear(), &["selection.due-diligence", "escalation.risk"], Verdict::NonCompliant)]
#[case::later_rejection_does_not_cancel(AS_OF, |s: &mut Supplier| s.assessments.push(Assessment { date: d("2026-01-01"), assessor: None, outcome: AssessmentOutcome::Rejected, notes: None }), &[], Verdict::Compliant)]
#[case::assessment_after_as_of(AS_OF, |s: &mut Supplier| s.assessments[0].date = d("2026-11-26"), &["selection.due-diligence", "escalation.risk"], Verdict::NonCompliant)]
#[case::proposed_needs_no_due_diligence(AS_OF, |s: &mut Supplier| { s.status = Some(Status::Proposed); s.assessments.clear(); s.reviews.clear(); }, &[], Verdict::Compliant)]
// agreements
#[case::no_agreement(AS_OF, |s: &mut Supplier| s.agreements.clear(), &["selection.dpa", "agreement.written", "agreement.clause.data_protection_confidentiality", "agreement.clause.incident_notification", "agreement.clause.security_sla", "agreement.clause.audit_right", "agreement.clause.subcontractors", "agreement.clause.bcdr", "agreement.clause.exit", "escalation.risk"], Verdict::NonCompliant)]
#[case::expires_on_as_of(AS_OF, |s: &mut Supplier| { s.data.personal_data = false; s.agreements[0].expires = Some(d("2026-11-25")); }, &["agreement.written", "agreement.clause.data_protection_confidentiality", "agreement.clause.incident_notification", "agreement.clause.security_sla", "agreement.clause.audit_right", "agreement.clause.subcontractors", "agreement.clause.bcdr", "agreement.clause.exit", "escalation.risk"], Verdict::NonCompliant)]
#[case::signed_on_as_of(AS_OF, |s: &mut Supplier| s.agreements[0].signed = Some(d("2026-11-25")), &[], Verdict::Compliant)]
#[case::unsigned(AS_OF, |s: &mut Supplier| { s.data.personal_data = false; s.agreements[0].signed = None; s.agreements[0].clauses.clear(); s.agreements.push(Agreement { signed: Some(d("2025-01-01")), clauses: clauses(&ALL_TIER_CLAUSES), ..Agreement::default() }); }, &[], Verdict::Compliant)]
#[case::missing_exit_clause(AS_OF, |s: &mut Supplier| { s.agreements[0].clauses.remove("exit"); }, &["agreement.clause.exit", "escalation.risk"], Verdict::NonCompliant)]
#[case::medium_tier_needs_fewer(AS_OF, |s: &mut Supplier| { s.risk.business_impact = Some(BusinessImpact::Low); s.risk.replaceability = Some(Replaceability::Easy); s.agreements[0].clauses = clauses(&["data_protection_confidentiality", "incident_notification", "subcontractors"]); }, &[], Verdict::Compliant)]
#[case::no_tier_uses_none_set(AS_OF, |s: &mut Supplier| { s.risk.business_impact = None; s.agreements[0].clauses = clauses(&["data_protection_confidentiality", "incident_notification", "subcontractors"]); }, &["selection.risk-rating", "escalation.risk"], Verdict::NonCompliant)]
#[case::annotation_needs_sourcing(AS_OF, |s: &mut Supplier| s.category = Some(Category::Annotation), &["agreement.clause.data_sourcing_transparency", "escalation.risk"], Verdict::NonCompliant)]
#[case::incident_hours_72(AS_OF, |s: &mut Supplier| { s.agreements[0].clauses.get_mut("incident_notification").unwrap().insert("hours".into(), ParamValue::Number(Number(72.0))); }, &[], Verdict::Compliant)]
#[case::incident_hours_73(AS_OF, |s: &mut Supplier| { s.agreements[0].clauses.get_mut("incident_notification").unwrap().insert("hours".into(), ParamValue::Number(Number(73.0))); }, &["agreement.incident-hours", "escalation.risk"], Verdict::NonCompliant)]
#[case::incident_hours_unstated(AS_OF, |s: &mut Supplier| { s.agreements[0].clauses.get_mut("incident_notification").unwrap().clear(); }, &["agreement.incident-hours", "escalation.risk"], Verdict::NonCompliant)]
#[case::agreement_ends_in_60_days(AS_OF, |s: &mut Supplier| s.agreements[0].expires = Some(d("2027-01-24")), &["agreement.expiring"], Verdict::Attention)]
#[case::agreement_ends_in_61_days(AS_OF, |s: &mut Supplier| s.agreements[0].expires = Some(d("2027-01-25")), &[], Verdict::Compliant)]
#[case::terminated_earlier_than_expires(AS_OF, |s: &mut Supplier| { s.agreements[0].expires = Some(d("2028-01-01")); s.agreements[0].terminated = Some(d("2026-12-01")); }, &["agreement.expiring"], Verdict::Attention)]
#[case::renewal_covers(AS_OF, |s: &mut Supplier| { s.agreements[0].expires = Some(d("2026-12-01")); let mut a = s.agreements[0].clone(); a.expires = None; a.signed = Some(d("2026-11-01")); s.agreements.push(a); }, &[], Verdict::Compliant)]
// fourth parties
#[case::subprocessors_unknown(AS_OF, |s: &mut Supplier| s.subprocessors.known = false, &["fourth-party.unknown"], Verdict::Attention)]
#[case::subprocessor_in_us(AS_OF, |s: &mut Supplier| s.subprocessors.list.push(Subprocessor { name: Some("X".into()), purpose: None, countries: vec![c("FR"), c("US")] }), &["fourth-party.residency", "escalation.risk"], Verdict::NonCompliant)]
#[case::fourth_party_needs_personal_data(AS_OF, |s: &mut Supplier| { s.data.personal_data = false; s.subprocessors.known = false; s.subprocessors.list.push(Subprocessor { name: None, purpose: None, countries: vec![c("US")] }); }, &[], Verdict::Compliant)]
// reviews: exactly 12 months old is not overdue (and is due soon)
#[case::review_exactly_12_months(AS_OF, |s: &mut Supplier| s.reviews = vec![review("2025-11-25")], &["review.due-soon"], Verdict::Attention)]
#[case::review_12_months_and_a_day(AS_OF, |s: &mut Supplier| s.reviews = vec![review("2025-11-24")], &["review.overdue", "escalation.risk"], Verdict::NonCompliant)]
#[case::review_leap_day_not_overdue("2025-02-28", |s: &mut Supplier| { s.assessments[0].date = d("2024-01-01"); s.reviews = vec![review("2024-02-29")]; }, &["review.due-soon"], Verdict::Attention)]
#[case::review_leap_day_overdue("2025-03-01", |s: &mut Supplier| { s.assessments[0].date = d("2024-01-01"); s.reviews = vec![review("2024-02-29")]; }, &["review.overdue", "escalation.risk"], Verdict::NonCompliant)]
#[case::month_end_review("2026-11-30", |s: &mut Supplier| { s.reviews = vec![review("2025-11-30")]; }, &["review.due-soon"], Verdict::Attention)]
#[case::due_in_31_days(AS_OF, |s: &mut Supplier| s.reviews = vec![review("2025-12-26")], &[], Verdict::Compliant)]
#[case::due_in_30_days(AS_OF, |s: &mut Supplier| s.reviews = vec![review("2025-12-25")], &["review.due-soon"], Verdict::Attention)]
#[case::review_after_as_of_ignored(AS_OF, |s: &mut Supplier| s.reviews = vec![review("2024-06-01"), review("2026-11-26")], &["review.overdue", "escalation.risk"], Verdict::NonCompliant)]
#[case::reapproval_counts_as_check(AS_OF, |s: &mut Supplier| { s.reviews = vec![review("2024-06-01")]; s.assessments.push(Assessment { date: d("2026-03-01"), assessor: None, outcome: AssessmentOutcome::ApprovedWithConditions, notes: None }); }, &[], Verdict::Compliant)]
#[case::never_checked(AS_OF, |s: &mut Supplier| { s.status = Some(Status::Approved); s.reviews.clear(); s.assessments.clear(); }, &["selection.due-diligence", "review.overdue", "escalation.risk"], Verdict::NonCompliant)]
#[case::incident_after_review(AS_OF, |s: &mut Supplier| s.events.push(event("2026-06-02", EventKind::Incident)), &["review.triggered", "escalation.risk"], Verdict::NonCompliant)]
#[case::incident_on_review_day(AS_OF, |s: &mut Supplier| s.events.push(event("2026-06-01", EventKind::Incident)), &[], Verdict::Compliant)]
#[case::other_event_no_trigger(AS_OF, |s: &mut Supplier| s.events.push(event("2026-07-01", EventKind::Other)), &[], Verdict::Compliant)]
#[case::future_event_ignored(AS_OF, |s: &mut Supplier| s.events.push(event("2026-11-26", EventKind::OwnershipChange)), &[], Verdict::Compliant)]
#[case::incomplete_review(AS_OF, |s: &mut Supplier| s.reviews[0].checks.retain(|c| *c != ReviewCheck::Dpa), &["review.incomplete"], Verdict::Attention)]
#[case::incomplete_review_on_assessment_day(AS_OF, |s: &mut Supplier| { s.assessments[0].date = d("2026-06-01"); s.reviews[0].checks.clear(); }, &["review.incomplete"], Verdict::Attention)]
#[case::assessment_after_incomplete_review(AS_OF, |s: &mut Supplier| { s.assessments[0].date = d("2026-06-02"); s.reviews[0].checks.clear(); }, &[], Verdict::Compliant)]
#[case::equal_dates_later_entry_wins(AS_OF, |s: &mut Supplier| { let mut r = review("2026-06-01"); r.checks.clear(); s.reviews.push(r); }, &["review.incomplete"], Verdict::Attention)]
#[case::not_engaged_no_review_rules(AS_OF, |s: &mut Supplier| { s.status = Some(Status::DueDiligence); s.reviews.clear(); s.events.push(event("2026-01-01", EventKind::Incident)); }, &[], Verdict::Compliant)]
fn rule_cases(
    #[case] as_of: &str,
    #[case] change: Mutation,
    #[case] expected: &[&str],
    #[case] verdict: Verdict,
) {
    let s = SupplierBuilder::compliant().with(change).build();
    let (rules, got) = rules_of(&s, as_of);
    assert_eq!(
        rules,
        expected,
        "findings: {:#?}",
        evaluate(&s, &Policy::default(), d(as_of)).findings
    );
    assert_eq!(got, verdict);
}

fn model_supplier() -> Supplier {
    SupplierBuilder::compliant()
        .with(|s| {
            s.category = Some(Category::ModelProvider);
            s.inference.provides = true;
            s.locations.push(loc("FR", Purpose::Inference));
            for k in ["no_training", "ai_security_testing"] {
                s.agreements[0]
                    .clauses
                    .insert(k.into(), ClauseParams::new());
            }
        })
        .build()
}

#[rstest]
#[case::eligible(|_: &mut Supplier| {}, &[], Verdict::Compliant)]
#[case::us_inference(|s: &mut Supplier| s.locations.push(loc("US", Purpose::Inference)), &["selection.residency", "model.eu-data", "model.eu-inference", "escalation.risk"], Verdict::Ineligible)]
#[case::no_inference_location(|s: &mut Supplier| s.locations.retain(|l| l.purpose != Purpose::Inference), &["model.eu-inference", "escalation.risk"], Verdict::Ineligible)]
#[case::no_locations(|s: &mut Supplier| s.locations.clear(), &["selection.residency", "model.eu-data", "model.eu-inference", "escalation.risk"], Verdict::Ineligible)]
#[case::no_training_missing(|s: &mut Supplier| { s.agreements[0].clauses.remove("no_training"); }, &["model.no-training", "escalation.risk"], Verdict::Ineligible)]
#[case::model_rules_whatever_category(|s: &mut Supplier| { s.category = Some(Category::Saas); s.agreements[0].clauses.remove("no_training"); }, &["model.no-training", "escalation.risk"], Verdict::Ineligible)]
#[case::ai_testing_missing(|s: &mut Supplier| { s.agreements[0].clauses.remove("ai_security_testing"); }, &["agreement.clause.ai_security_testing", "escalation.risk"], Verdict::NonCompliant)]
#[case::no_training_expiring(|s: &mut Supplier| { let mut a = Agreement { signed: Some(d("2025-01-01")), expires: Some(d("2027-01-01")), ..Agreement::default() }; a.clauses.insert("no_training".into(), ClauseParams::new()); s.agreements[0].clauses.remove("no_training"); s.agreements.push(a); }, &["agreement.expiring"], Verdict::Attention)]
#[case::inference_only_in_scope(|s: &mut Supplier| { s.data = DataHandling::default(); }, &[], Verdict::Compliant)]
fn model_rules(#[case] change: Mutation, #[case] expected: &[&str], #[case] verdict: Verdict) {
    let s = {
        let mut s = model_supplier();
        change(&mut s);
        s
    };
    let (rules, got) = rules_of(&s, AS_OF);
    assert_eq!(
        rules,
        expected,
        "findings: {:#?}",
        evaluate(&s, &Policy::default(), d(AS_OF)).findings
    );
    assert_eq!(got, verdict);
}

#[rstest]
#[case(
    BusinessImpact::High,
    DataAccess::Customer,
    Replaceability::Hard,
    Tier::Critical
)]
#[case(
    BusinessImpact::High,
    DataAccess::Customer,
    Replaceability::Moderate,
    Tier::Critical
)]
#[case(
    BusinessImpact::High,
    DataAccess::Internal,
    Replaceability::Moderate,
    Tier::High
)]
#[case(
    BusinessImpact::Low,
    DataAccess::Customer,
    Replaceability::Moderate,
    Tier::High
)]
#[case(
    BusinessImpact::Medium,
    DataAccess::Internal,
    Replaceability::Easy,
    Tier::Medium
)]
#[case(
    BusinessImpact::Low,
    DataAccess::None,
    Replaceability::Moderate,
    Tier::Medium
)]
#[case(BusinessImpact::Low, DataAccess::None, Replaceability::Easy, Tier::Low)]
fn tiers(
    #[case] bi: BusinessImpact,
    #[case] da: DataAccess,
    #[case] re: Replaceability,
    #[case] tier: Tier,
) {
    let s = SupplierBuilder::compliant()
        .with(|s| {
            s.risk = RiskInputs {
                business_impact: Some(bi),
                data_access: Some(da),
                replaceability: Some(re),
            }
        })
        .build();
    assert_eq!(evaluate(&s, &Policy::default(), d(AS_OF)).tier, Some(tier));
}

#[test]
fn tier_is_reported_whatever_the_scope_and_null_without_inputs() {
    let s = SupplierBuilder::compliant()
        .with(|s| {
            s.status = Some(Status::Rejected);
        })
        .build();
    assert_eq!(
        evaluate(&s, &Policy::default(), d(AS_OF)).tier,
        Some(Tier::Critical)
    );
    let s = SupplierBuilder::compliant()
        .with(|s| s.risk.data_access = None)
        .build();
    assert_eq!(evaluate(&s, &Policy::default(), d(AS_OF)).tier, None);
}

#[test]
fn messages_name_the_values_and_the_action() {
    let s = SupplierBuilder::compliant()
        .with(|s| {
            let mut a = Assurance::new(AssuranceKind::Soc2Type2);
            a.period_end = Some(d("2025-06-30"));
            s.assurance = vec![a];
        })
        .build();
    let e = evaluate(&s, &Policy::default(), d(AS_OF));
    assert_eq!(
        e.findings[0].message,
        "SOC 2 Type II period ended 2025-06-30, more than 12 months before 2026-11-25: ask for a current ISO 27001 certificate or SOC 2 Type II report covering the service, or complete a security questionnaire with documented compensating controls"
    );
    assert_eq!(e.findings[0].controls, ["5.19"]);
}

#[test]
fn policy_review_warns_after_twelve_months() {
    use vetted_core::engine::policy_findings;
    let p = Policy::default();
    assert!(policy_findings(&p, d("2027-11-01")).is_empty());
    let f = policy_findings(&p, d("2027-11-02"));
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].rule.as_str(), f[0].controls),
        ("policy.review", &["5.1"][..])
    );
}

/// Where one assurance item stands, at the edges of the windows the rules use: the page's
/// status never disagrees with the findings above.
#[rstest]
#[case::cert_current(AssuranceKind::Iso27001, |a: &mut Assurance| { a.valid_from = Some(d("2025-01-01")); a.valid_until = Some(d("2027-01-25")); }, Standing::Current { lapse: d("2027-01-25"), expiring: false })]
#[case::cert_expiring_at_the_window_edge(AssuranceKind::Iso27001, |a: &mut Assurance| { a.valid_from = Some(d("2025-01-01")); a.valid_until = Some(d("2027-01-24")); }, Standing::Current { lapse: d("2027-01-24"), expiring: true })]
#[case::cert_last_day(AssuranceKind::Iso27001, |a: &mut Assurance| { a.valid_from = Some(d("2025-01-01")); a.valid_until = Some(d("2026-11-25")); }, Standing::Current { lapse: d("2026-11-25"), expiring: true })]
#[case::cert_expired(AssuranceKind::Iso27001, |a: &mut Assurance| { a.valid_from = Some(d("2025-01-01")); a.valid_until = Some(d("2026-11-24")); }, Standing::Expired(d("2026-11-24")))]
#[case::cert_not_yet(AssuranceKind::Iso27001, |a: &mut Assurance| { a.valid_from = Some(d("2026-11-26")); a.valid_until = Some(d("2029-11-25")); }, Standing::NotYetValid(d("2026-11-26")))]
#[case::cert_without_from(AssuranceKind::Iso27001, |a: &mut Assurance| a.valid_until = Some(d("2029-11-25")), Standing::Undated)]
#[case::cert_not_covering(AssuranceKind::Iso27001, |a: &mut Assurance| { a.valid_from = Some(d("2025-01-01")); a.valid_until = Some(d("2029-11-25")); a.covers_service = false; }, Standing::NotCovering)]
#[case::soc2_current(AssuranceKind::Soc2Type2, |a: &mut Assurance| a.period_end = Some(d("2026-03-31")), Standing::Current { lapse: d("2027-03-31"), expiring: false })]
#[case::soc2_expired(AssuranceKind::Soc2Type2, |a: &mut Assurance| a.period_end = Some(d("2025-11-24")), Standing::Expired(d("2026-11-24")))]
#[case::soc2_period_not_over(AssuranceKind::Soc2Type2, |a: &mut Assurance| a.period_end = Some(d("2026-12-31")), Standing::NotYetValid(d("2026-12-31")))]
#[case::soc2_undated(AssuranceKind::Soc2Type2, |_: &mut Assurance| {}, Standing::Undated)]
#[case::questionnaire_compensating(AssuranceKind::Questionnaire, |a: &mut Assurance| { a.completed = Some(d("2026-02-01")); a.compensating_controls = vec!["MFA".into()]; }, Standing::Compensating { until: d("2027-02-01"), expiring: false })]
#[case::questionnaire_without_controls(AssuranceKind::Questionnaire, |a: &mut Assurance| a.completed = Some(d("2026-02-01")), Standing::NotCounted)]
#[case::questionnaire_too_old(AssuranceKind::Questionnaire, |a: &mut Assurance| { a.completed = Some(d("2025-11-24")); a.compensating_controls = vec!["MFA".into()]; }, Standing::Expired(d("2026-11-24")))]
#[case::pentest_never_counts(AssuranceKind::Pentest, |a: &mut Assurance| a.completed = Some(d("2026-02-01")), Standing::NotCounted)]
fn assurance_standing(
    #[case] kind: AssuranceKind,
    #[case] edit: fn(&mut Assurance),
    #[case] expected: Standing,
) {
    let mut a = Assurance::new(kind);
    edit(&mut a);
    assert_eq!(Standing::of(&a, &Policy::default(), d(AS_OF)), expected);
}
