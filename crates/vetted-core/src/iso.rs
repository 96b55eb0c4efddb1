//! The ISO/IEC 27001:2022 report for controls A.5.19–A.5.23 over a period: per control what the
//! policy requires (its rule ids), what the register shows (figures with the suppliers behind
//! each), the nonconformities at the period's end, and the reviews performed in the period.
//!
//! Pure: the caller gives the register as recorded at the period's start and at its end (rebuilt
//! from the audit trail, [`crate::history`]) and the policy in force at the end. Every figure is
//! defined here, once, from the records alone:
//!
//! - **in scope**: suppliers in the policy's scope at the end ([`engine::in_scope`]);
//! - **current assurance**: in-scope suppliers with at least one assurance item current on the
//!   last day (an ISO 27001 certificate or SOC 2 Type II report, as `selection.assurance` reads it);
//! - **DPA in force**: in-scope suppliers handling personal data with an agreement in force on
//!   the last day that has the GDPR Art. 28 terms;
//! - **reviews due / on time**: for each supplier in scope and engaged at the end, each time its
//!   next review (last check + the review interval of its tier) fell on or before the period's
//!   end while the period ran: on time when the next check (review or approving assessment) came
//!   on or before that date; a check made starts the next interval;
//! - **triggered reviews**: each incident, ownership, location or service change (the policy's
//!   trigger events) dated in the period for a supplier in scope and engaged at the end, with the
//!   first check on or after its date and the days it took (or, still open, the days so far);
//! - **escalations**: risks (entries grouped by id) opened in the period (their `opened` date,
//!   or, without one, absent at the start), and closed in it (treated or closed at the end, not
//!   at the start);
//! - **cloud suppliers** (A.5.23): in-scope suppliers of the categories delivered as a cloud
//!   service ([`is_cloud_service`]), and those without a failing location rule
//!   (`selection.residency`, `model.eu-data`, `model.eu-inference`).

use serde::Serialize;
use time::Date;

use crate::date::{Period, add_months};
use crate::engine::{self, Facts};
use crate::model::{Category, Register, RiskStatus, Supplier, SupplierId};
use crate::policy::Policy;
use crate::report::{CheckReport, Severity};
use crate::risks::RiskRegister;

/// The report's format name in JSON.
pub const FORMAT: &str = "vetted-iso27001-report/1";

/// The five controls, with their titles in ISO/IEC 27001:2022 Annex A.
pub const CONTROLS: [(&str, &str); 5] = [
    ("5.19", "Information security in supplier relationships"),
    (
        "5.20",
        "Addressing information security within supplier agreements",
    ),
    (
        "5.21",
        "Managing information security in the ICT supply chain",
    ),
    (
        "5.22",
        "Monitoring, review and change management of supplier services",
    ),
    ("5.23", "Information security for use of cloud services"),
];

/// A supplier a figure or a record refers to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupplierRef {
    pub id: String,
    pub name: String,
}

impl SupplierRef {
    fn of(s: &Supplier) -> SupplierRef {
        SupplierRef {
            id: s.id.to_string(),
            name: s.name.clone().unwrap_or_else(|| s.id.to_string()),
        }
    }
}

/// A count, out of a base when it is a share, with the suppliers it counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// Stable key, e.g. `current_assurance` (the anchor the HTML links to).
    pub key: &'static str,
    pub label: &'static str,
    pub count: usize,
    /// The base of a share (`count` of `of`); absent for a plain count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<usize>,
    /// `count / of` in percent, rounded to one decimal; absent for a plain count or an empty base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// The suppliers counted (for a share: those that meet it).
    pub suppliers: Vec<SupplierRef>,
    /// For a share: the suppliers of the base that do not meet it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<SupplierRef>,
}

fn count(key: &'static str, label: &'static str, suppliers: Vec<SupplierRef>) -> Figure {
    Figure {
        key,
        label,
        count: suppliers.len(),
        of: None,
        percent: None,
        suppliers,
        missing: Vec::new(),
    }
}

fn share(
    key: &'static str,
    label: &'static str,
    yes: Vec<SupplierRef>,
    no: Vec<SupplierRef>,
) -> Figure {
    let of = yes.len() + no.len();
    Figure {
        key,
        label,
        count: yes.len(),
        of: Some(of),
        percent: (of > 0).then(|| (yes.len() as f64 * 1000.0 / of as f64).round() / 10.0),
        suppliers: yes,
        missing: no,
    }
}

/// A rule the policy sets for a control.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Requirement {
    pub rule: String,
    pub severity: Severity,
    pub text: String,
}

/// A failing rule of a supplier at the period's end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Nonconformity {
    pub supplier: SupplierRef,
    pub rule: String,
    pub message: String,
}

/// One control's section.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlSection {
    pub control: &'static str,
    pub title: &'static str,
    pub requires: Vec<Requirement>,
    pub figures: Vec<Figure>,
    pub nonconformities: Vec<Nonconformity>,
}

/// What a check performed in the period was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckRecordKind {
    Review,
    DueDiligence,
}

/// A review or due-diligence assessment dated in the period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckRecord {
    pub supplier: SupplierRef,
    #[serde(with = "crate::date::serde_date")]
    pub date: Date,
    pub kind: CheckRecordKind,
    /// The review's trigger (`annual`, `incident`, …), for a review that records one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// The review's or assessment's outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Who performed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The re-checks a review records.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
}

/// A periodic review that fell due in the period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DueReview {
    pub supplier: SupplierRef,
    #[serde(with = "crate::date::serde_date")]
    pub due: Date,
    /// The check that answered it (the first after the previous one), if made by the end.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub done: Option<Date>,
    pub on_time: bool,
}

/// A trigger event dated in the period and the review it led to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TriggeredReview {
    pub supplier: SupplierRef,
    #[serde(with = "crate::date::serde_date")]
    pub event: Date,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The first check on or after the event, if made by the end.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub reviewed: Option<Date>,
    /// Days from the event to the check, or to the period's end while none was made.
    pub days: i64,
}

/// A risk of the risk register that was open at some time in the period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Escalation {
    pub risk: String,
    pub title: String,
    pub suppliers: Vec<SupplierRef>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub opened: Option<Date>,
    /// The status at the period's start (absent: not recorded then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_at_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_at_end: Option<String>,
    pub opened_in_period: bool,
    pub closed_in_period: bool,
}

/// The report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IsoReport {
    pub format: &'static str,
    pub period: Period,
    /// The day the figures are evaluated on (the period's end).
    #[serde(with = "crate::date::serde_date")]
    pub as_of: Date,
    pub suppliers: usize,
    pub controls: Vec<ControlSection>,
    pub reviews: Vec<CheckRecord>,
    pub due_reviews: Vec<DueReview>,
    pub triggered: Vec<TriggeredReview>,
    pub escalations: Vec<Escalation>,
}

impl IsoReport {
    /// A figure by its key, in whichever control holds it.
    pub fn figure(&self, key: &str) -> Option<&Figure> {
        self.controls
            .iter()
            .flat_map(|c| &c.figures)
            .find(|f| f.key == key)
    }
}

/// Whether a category is delivered as a cloud service (A.5.23): infrastructure, model APIs,
/// SaaS, observability and communications platforms.
pub fn is_cloud_service(c: Category) -> bool {
    matches!(
        c,
        Category::CloudInfrastructure
            | Category::ModelProvider
            | Category::Saas
            | Category::Observability
            | Category::Communications
    )
}

/// Every check date (reviews, approving assessments) of a supplier, sorted.
fn check_dates(s: &Supplier) -> Vec<Date> {
    let approving = |o: crate::model::AssessmentOutcome| {
        matches!(
            o,
            crate::model::AssessmentOutcome::Approved
                | crate::model::AssessmentOutcome::ApprovedWithConditions
        )
    };
    let mut d: Vec<Date> = s
        .reviews
        .iter()
        .map(|r| r.date)
        .chain(
            s.assessments
                .iter()
                .filter(|a| approving(a.outcome))
                .map(|a| a.date),
        )
        .collect();
    d.sort();
    d
}

fn due_reviews(s: &Facts<'_>, period: Period, out: &mut Vec<DueReview>) {
    let interval = *s.policy.review.interval_months.get(s.tier);
    let checks = check_dates(s.supplier);
    let Some(mut last) = checks.iter().rev().find(|d| **d < period.from).copied() else {
        return;
    };
    loop {
        let due = add_months(last, interval);
        if due > period.to {
            return;
        }
        let next = checks
            .iter()
            .find(|d| **d > last && **d <= period.to)
            .copied();
        out.push(DueReview {
            supplier: SupplierRef::of(s.supplier),
            due,
            done: next,
            on_time: next.is_some_and(|d| d <= due),
        });
        match next {
            Some(d) => last = d,
            None => return,
        }
    }
}

fn status_text(s: Option<RiskStatus>) -> Option<String> {
    s.map(|s| s.as_str().to_string())
}

/// Builds the report for `period` from the register as recorded at its start (the end of the day
/// before) and at its end, under `policy` (in force at the end).
pub fn report(start: &Register, end: &Register, policy: &Policy, period: Period) -> IsoReport {
    let as_of = period.to;
    let check: CheckReport = engine::check(end, policy, as_of);
    let facts: Vec<Facts<'_>> = end
        .suppliers
        .iter()
        .map(|s| Facts::new(s, policy, as_of))
        .collect();

    let in_scope: Vec<&Facts<'_>> = facts.iter().filter(|f| f.in_scope).collect();
    let refs = |it: &mut dyn Iterator<Item = &&Facts<'_>>| -> Vec<SupplierRef> {
        it.map(|f| SupplierRef::of(f.supplier)).collect()
    };
    let split = |base: &[&Facts<'_>], p: &dyn Fn(&Facts<'_>) -> bool| {
        let mut yes: Vec<SupplierRef> = Vec::new();
        let mut no: Vec<SupplierRef> = Vec::new();
        for f in base {
            if p(f) { &mut yes } else { &mut no }.push(SupplierRef::of(f.supplier));
        }
        (yes, no)
    };

    let (assured, unassured) = split(&in_scope, &|f| !f.current.is_empty());
    let personal: Vec<&Facts<'_>> = in_scope
        .iter()
        .copied()
        .filter(|f| f.supplier.data.personal_data)
        .collect();
    let (dpa, no_dpa) = split(&personal, &|f| f.in_force.iter().any(|a| a.gdpr_art28));
    let (written, unwritten) = split(&in_scope, &|f| !f.in_force.is_empty());
    let (known, unknown) = split(&personal, &|f| f.supplier.subprocessors.known);
    let cloud: Vec<&Facts<'_>> = in_scope
        .iter()
        .copied()
        .filter(|f| f.supplier.category.is_some_and(is_cloud_service))
        .collect();
    let failing_residency = |f: &Facts<'_>| {
        check
            .suppliers
            .iter()
            .find(|r| r.id == f.supplier.id.as_str())
            .is_some_and(|r| {
                r.findings.iter().any(|x| {
                    x.severity == Severity::Fail
                        && (x.rule == "selection.residency" || x.rule.starts_with("model.eu-"))
                })
            })
    };
    let (resident, not_resident) = split(&cloud, &|f| !failing_residency(f));
    let engaged: Vec<&Facts<'_>> = in_scope.iter().copied().filter(|f| f.engaged).collect();
    let (diligent, undiligent) = split(&engaged, &|f| f.approving_assessment.is_some());

    // Reviews and due-diligence assessments performed in the period.
    let mut reviews = Vec::new();
    for s in &end.suppliers {
        for r in s.reviews.iter().filter(|r| period.contains(r.date)) {
            reviews.push(CheckRecord {
                supplier: SupplierRef::of(s),
                date: r.date,
                kind: CheckRecordKind::Review,
                trigger: r.trigger.map(|t| t.as_str().to_string()),
                outcome: r.outcome.map(|o| o.as_str().to_string()),
                by: r.reviewer.clone(),
                checks: r.checks.iter().map(|c| c.as_str().to_string()).collect(),
            });
        }
        for a in s.assessments.iter().filter(|a| period.contains(a.date)) {
            reviews.push(CheckRecord {
                supplier: SupplierRef::of(s),
                date: a.date,
                kind: CheckRecordKind::DueDiligence,
                trigger: None,
                outcome: Some(a.outcome.as_str().to_string()),
                by: a.assessor.clone(),
                checks: Vec::new(),
            });
        }
    }
    reviews.sort_by(|a, b| (a.date, &a.supplier.name).cmp(&(b.date, &b.supplier.name)));

    let mut due = Vec::new();
    let mut triggered = Vec::new();
    for f in &engaged {
        due_reviews(f, period, &mut due);
        let checks = check_dates(f.supplier);
        for e in
            f.supplier.events.iter().filter(|e| {
                period.contains(e.date) && policy.review.trigger_events.contains(&e.kind)
            })
        {
            let reviewed = checks
                .iter()
                .find(|d| **d >= e.date && **d <= period.to)
                .copied();
            triggered.push(TriggeredReview {
                supplier: SupplierRef::of(f.supplier),
                event: e.date,
                kind: e.kind.as_str().to_string(),
                summary: e.summary.clone(),
                reviewed,
                days: (reviewed.unwrap_or(period.to) - e.date).whole_days(),
            });
        }
    }
    due.sort_by(|a, b| (a.due, &a.supplier.name).cmp(&(b.due, &b.supplier.name)));
    triggered.sort_by(|a, b| (a.event, &a.supplier.name).cmp(&(b.event, &b.supplier.name)));

    // Escalations: the risk register at both ends.
    let before = RiskRegister::of(&start.suppliers);
    let after = RiskRegister::of(&end.suppliers);
    let names: std::collections::HashMap<&SupplierId, &Supplier> =
        end.suppliers.iter().map(|s| (&s.id, s)).collect();
    let mut escalations = Vec::new();
    for risk in after.risks() {
        let then = before.get(risk.id());
        let opened_in_period = match risk.entry.opened {
            Some(d) => period.contains(d),
            None => then.is_none(),
        };
        let finished =
            |s: Option<RiskStatus>| matches!(s, Some(RiskStatus::Treated | RiskStatus::Closed));
        let was_open = then.is_some_and(|r| !finished(r.entry.status));
        let closed_in_period = finished(risk.entry.status) && (opened_in_period || was_open);
        if !(opened_in_period || was_open || closed_in_period) {
            continue;
        }
        escalations.push(Escalation {
            risk: risk.id().to_string(),
            title: risk.entry.title.clone().unwrap_or_default(),
            suppliers: risk
                .suppliers
                .iter()
                .map(|l| {
                    names.get(&l.id).map_or_else(
                        || SupplierRef {
                            id: l.id.to_string(),
                            name: l.label().to_string(),
                        },
                        |s| SupplierRef::of(s),
                    )
                })
                .collect(),
            opened: risk.entry.opened,
            status_at_start: then.and_then(|r| status_text(r.entry.status)),
            status_at_end: status_text(risk.entry.status),
            opened_in_period,
            closed_in_period,
        });
    }
    let esc_refs = |p: &dyn Fn(&Escalation) -> bool| -> Vec<SupplierRef> {
        let mut v: Vec<SupplierRef> = escalations
            .iter()
            .filter(|e| p(e))
            .flat_map(|e| e.suppliers.clone())
            .collect();
        v.dedup();
        v
    };

    let due_refs = |p: &dyn Fn(&DueReview) -> bool| -> Vec<SupplierRef> {
        due.iter()
            .filter(|d| p(d))
            .map(|d| d.supplier.clone())
            .collect()
    };
    let trig_refs = |p: &dyn Fn(&TriggeredReview) -> bool| -> Vec<SupplierRef> {
        triggered
            .iter()
            .filter(|t| p(t))
            .map(|t| t.supplier.clone())
            .collect()
    };

    let mut controls = Vec::new();
    for (control, title) in CONTROLS {
        let requires = engine::supplier_rules(policy)
            .into_iter()
            .filter(|(_, r)| r.controls.contains(&control))
            .map(|(id, r)| Requirement {
                rule: id,
                severity: r.severity,
                text: r.text.to_string(),
            })
            .collect();
        let figures = match control {
            "5.19" => vec![
                count("in_scope", "Suppliers in scope", refs(&mut in_scope.iter())),
                share(
                    "current_assurance",
                    "In scope with current assurance",
                    assured.clone(),
                    unassured.clone(),
                ),
                share(
                    "due_diligence",
                    "Engaged with an approving due-diligence assessment",
                    diligent.clone(),
                    undiligent.clone(),
                ),
                count(
                    "escalations_opened",
                    "Escalations opened in the period",
                    esc_refs(&|e| e.opened_in_period),
                ),
                count(
                    "escalations_closed",
                    "Escalations closed in the period",
                    esc_refs(&|e| e.closed_in_period),
                ),
            ],
            "5.20" => vec![
                share(
                    "dpa_in_force",
                    "In scope with personal data, with a DPA (GDPR Art. 28) in force",
                    dpa.clone(),
                    no_dpa.clone(),
                ),
                share(
                    "agreement_in_force",
                    "In scope with a written agreement in force",
                    written.clone(),
                    unwritten.clone(),
                ),
            ],
            "5.21" => vec![share(
                "subprocessors_known",
                "In scope with personal data, whose subprocessors are known",
                known.clone(),
                unknown.clone(),
            )],
            "5.22" => vec![
                count(
                    "reviews_performed",
                    "Reviews and due-diligence assessments performed in the period",
                    reviews.iter().map(|r| r.supplier.clone()).collect(),
                ),
                share(
                    "reviews_on_time",
                    "Periodic reviews due in the period, done on time",
                    due_refs(&|d| d.on_time),
                    due_refs(&|d| !d.on_time),
                ),
                share(
                    "triggered_reviewed",
                    "Trigger events in the period, followed by a review",
                    trig_refs(&|t| t.reviewed.is_some()),
                    trig_refs(&|t| t.reviewed.is_none()),
                ),
            ],
            _ => vec![
                count("cloud_in_scope", "Cloud and model suppliers in scope", {
                    cloud.iter().map(|f| SupplierRef::of(f.supplier)).collect()
                }),
                share(
                    "cloud_residency",
                    "Cloud and model suppliers whose locations meet the policy",
                    resident.clone(),
                    not_resident.clone(),
                ),
            ],
        };
        let nonconformities = check
            .suppliers
            .iter()
            .flat_map(|s| {
                s.findings
                    .iter()
                    .filter(|f| f.severity == Severity::Fail && f.controls.contains(&control))
                    .map(move |f| Nonconformity {
                        supplier: SupplierRef {
                            id: s.id.clone(),
                            name: s.name.clone().unwrap_or_else(|| s.id.clone()),
                        },
                        rule: f.rule.clone(),
                        message: f.message.clone(),
                    })
            })
            .collect();
        controls.push(ControlSection {
            control,
            title,
            requires,
            figures,
            nonconformities,
        });
    }

    IsoReport {
        format: FORMAT,
        period,
        as_of,
        suppliers: end.suppliers.len(),
        controls,
        reviews,
        due_reviews: due,
        triggered,
        escalations,
    }
}

/// The mean of the days triggered reviews took (those done), rounded to one decimal.
pub fn mean_days(triggered: &[TriggeredReview]) -> Option<f64> {
    let done: Vec<i64> = triggered
        .iter()
        .filter(|t| t.reviewed.is_some())
        .map(|t| t.days)
        .collect();
    (!done.is_empty())
        .then(|| (done.iter().sum::<i64>() as f64 * 10.0 / done.len() as f64).round() / 10.0)
}
