//! The policy engine: every rule of `shared/spec/policy.md`, evaluated for one supplier on one
//! date. Pure and deterministic: the same supplier, policy and `as_of` give the same findings.
//!
//! [`evaluate`] is the entry point; [`Facts`] holds what several rules share (current assurance,
//! agreements in force, the last check), computed once per supplier. [`check_register`] builds the
//! whole check report. Rule ids, severities and controls are part of the product's interface.

use time::Date;

use crate::date::{add_days, add_months, format_date};
use crate::model::{
    Agreement, AssessmentOutcome, Assurance, AssuranceKind, Purpose, Register, Status, Supplier,
    Tier, Verdict,
};
use crate::policy::{INCIDENT_NOTIFICATION, NO_TRAINING, Policy};
use crate::report::{
    CheckReport, Evaluation, Finding, PolicyInfo, Severity, Summary, SupplierReport,
};

/// A rule's fixed identity: id, severity, the ISO/IEC 27001:2022 controls it serves and when
/// it holds (the policy's rule table, `shared/spec/policy.md`).
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub controls: &'static [&'static str],
    /// When the rule holds, as the policy's rule table says it (and to whom it applies).
    pub text: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal, $sev:ident, [$($c:literal),+], $text:literal;)+) => {
        $(pub const $name: Rule = Rule {
            id: $id,
            severity: Severity::$sev,
            controls: &[$($c),+],
            text: $text,
        };)+
        /// Every rule in the order of the policy's rule table (`agreement.clause.<key>` stands
        /// for one rule per clause key).
        pub const ALL_RULES: &[Rule] = &[$($name),+];
    };
}

rules! {
    REGISTER_INCOMPLETE = "register.incomplete", Fail, ["5.19"],
        "Name, category, owner, at least one service and status are recorded.";
    SELECTION_ASSURANCE = "selection.assurance", Fail, ["5.19"],
        "In scope: there is current assurance (an ISO 27001 certificate or a SOC 2 Type II report covering the service), or compensation.";
    SELECTION_ASSURANCE_COMPENSATED = "selection.assurance-compensated", Info, ["5.19"],
        "In scope: reported when there is no current assurance but a questionnaire with compensating controls compensates.";
    SELECTION_ASSURANCE_EXPIRING = "selection.assurance-expiring", Warn, ["5.22"],
        "In scope, with current assurance: at least one current assurance item lapses more than 60 days ahead.";
    SELECTION_ASSURANCE_EXCEPTIONS = "selection.assurance-exceptions", Warn, ["5.22"],
        "In scope: no current assurance item lists exceptions that are not acknowledged.";
    SELECTION_RESIDENCY = "selection.residency", Fail, ["5.19", "5.23"],
        "In scope: at least one location is recorded and every location (storage, processing, inference, access) is in an allowed country, whatever the transfer mechanism.";
    SELECTION_DPA = "selection.dpa", Fail, ["5.20"],
        "In scope, personal data: an agreement in force has the GDPR Art. 28 processor terms.";
    SELECTION_RISK_RATING = "selection.risk-rating", Fail, ["5.19"],
        "In scope: all three risk inputs are recorded.";
    SELECTION_DUE_DILIGENCE = "selection.due-diligence", Fail, ["5.19"],
        "In scope, engaged: there is an approving due-diligence assessment.";
    MODEL_EU_DATA = "model.eu-data", Fail, ["5.19", "5.23"],
        "In scope, model inference: at least one location is recorded and no location of any purpose is outside the model regions.";
    MODEL_EU_INFERENCE = "model.eu-inference", Fail, ["5.19", "5.23"],
        "In scope, model inference: at least one inference location is recorded, and all of them are in the model regions.";
    MODEL_NO_TRAINING = "model.no-training", Fail, ["5.20"],
        "In scope, model inference: an agreement in force contains the no-training clause.";
    AGREEMENT_WRITTEN = "agreement.written", Fail, ["5.20"],
        "In scope: at least one agreement is in force.";
    AGREEMENT_CLAUSE = "agreement.clause", Fail, ["5.20"],
        "In scope: each clause the tier and category require is in an agreement in force.";
    AGREEMENT_INCIDENT_HOURS = "agreement.incident-hours", Fail, ["5.20"],
        "In scope, with an incident notification clause in force: one of those clauses states at most 72 hours.";
    AGREEMENT_EXPIRING = "agreement.expiring", Warn, ["5.22"],
        "In scope: no obligation's coverage by the agreements in force ends within 60 days.";
    FOURTH_PARTY_UNKNOWN = "fourth-party.unknown", Warn, ["5.21"],
        "In scope, personal data: the supplier's subprocessors are known.";
    FOURTH_PARTY_RESIDENCY = "fourth-party.residency", Fail, ["5.21"],
        "In scope, personal data: every country of every recorded subprocessor is an allowed country.";
    REVIEW_OVERDUE = "review.overdue", Fail, ["5.22"],
        "In scope, engaged: there is a last check (review or approving assessment) and the next review is not past.";
    REVIEW_DUE_SOON = "review.due-soon", Warn, ["5.22"],
        "In scope, engaged, not overdue: the next review is more than 30 days ahead.";
    REVIEW_TRIGGERED = "review.triggered", Fail, ["5.22"],
        "In scope, engaged: no incident, ownership, location or service change is dated after the last check.";
    REVIEW_INCOMPLETE = "review.incomplete", Warn, ["5.22"],
        "In scope, engaged, when the last check is a review: it records all four re-checks (assurance, DPA, residency, risk).";
    ESCALATION_RISK = "escalation.risk", Fail, ["5.19", "5.22"],
        "In scope, engaged: a supplier with any other failing rule has an open risk entry (remediate, replace, escalate or accept).";
    POLICY_REVIEW = "policy.review", Warn, ["5.1"],
        "The policy itself was reviewed within its review interval (12 months by default).";
}

/// What a risk may name in its `rules`: every rule a supplier can fail or be warned about
/// under `policy`, `agreement.clause.<key>` for each clause of its catalogue (not the generic
/// `agreement.clause`, nor the policy-level `policy.review`), in the rule table's order.
pub fn supplier_rules(policy: &Policy) -> Vec<(String, Rule)> {
    let mut out = Vec::new();
    for rule in ALL_RULES {
        if rule.id == POLICY_REVIEW.id {
            continue;
        }
        if rule.id == AGREEMENT_CLAUSE.id {
            for c in &policy.clauses {
                out.push((format!("{}.{}", AGREEMENT_CLAUSE.id, c.key), *rule));
            }
        } else {
            out.push((rule.id.to_string(), *rule));
        }
    }
    out
}

/// The rule named `id` under `policy`, with when it holds (a clause rule names its clause);
/// `None` for an id the policy does not have.
pub fn rule_info(policy: &Policy, id: &str) -> Option<(Rule, String)> {
    if let Some(key) = id
        .strip_prefix(AGREEMENT_CLAUSE.id)
        .and_then(|k| k.strip_prefix('.'))
    {
        let clause = policy.clause(key)?;
        return Some((
            AGREEMENT_CLAUSE,
            format!(
                "In scope, when the tier or category requires it: the clause “{}” ({key}) is in an agreement in force.",
                clause.title
            ),
        ));
    }
    ALL_RULES
        .iter()
        .find(|r| r.id == id && r.id != AGREEMENT_CLAUSE.id && r.id != POLICY_REVIEW.id)
        .map(|r| (*r, r.text.to_string()))
}

/// The model rules: a supplier failing any of them is ineligible.
pub const MODEL_RULES: [&str; 3] = [
    MODEL_EU_DATA.id,
    MODEL_EU_INFERENCE.id,
    MODEL_NO_TRAINING.id,
];

fn finding(rule: Rule, message: String) -> Finding {
    Finding {
        rule: rule.id.to_string(),
        severity: rule.severity,
        message,
        controls: rule.controls,
    }
}

/// A string counts as recorded when it is present and not blank.
pub fn recorded(s: Option<&String>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

/// Whether the policy governs the supplier at all.
pub fn in_scope(s: &Supplier) -> bool {
    let d = &s.data;
    d.customer_data
        || d.confidential
        || d.personal_data
        || d.production_dependency
        || s.inference.provides
}

/// Whether an agreement is in force on `as_of`: signed on or before it, and neither `expires` nor
/// `terminated` on or before it.
pub fn in_force(a: &Agreement, as_of: Date) -> bool {
    a.signed.is_some_and(|d| d <= as_of)
        && a.expires.is_none_or(|d| d > as_of)
        && a.terminated.is_none_or(|d| d > as_of)
}

/// The first day an agreement no longer holds: the earlier of `expires` and `terminated`.
pub fn agreement_end(a: &Agreement) -> Option<Date> {
    match (a.expires, a.terminated) {
        (Some(e), Some(t)) => Some(e.min(t)),
        (e, t) => e.or(t),
    }
}

/// The last day an assurance item counts as current assurance, when it is current on `as_of`.
pub fn current_assurance_lapse(a: &Assurance, policy: &Policy, as_of: Date) -> Option<Date> {
    if !a.covers_service {
        return None;
    }
    match a.kind {
        AssuranceKind::Iso27001 => match (a.valid_from, a.valid_until) {
            (Some(from), Some(until)) if from <= as_of && as_of <= until => Some(until),
            _ => None,
        },
        AssuranceKind::Soc2Type2 => {
            let end = a.period_end?;
            let lapse = add_months(end, policy.assurance.soc2_type2_validity_months);
            (end <= as_of && as_of <= lapse).then_some(lapse)
        }
        _ => None,
    }
}

/// Whether an item is a compensating questionnaire on `as_of`.
pub fn compensates(a: &Assurance, policy: &Policy, as_of: Date) -> bool {
    a.kind == AssuranceKind::Questionnaire
        && a.completed.is_some_and(|c| {
            c <= as_of && as_of <= add_months(c, policy.assurance.questionnaire_validity_months)
        })
        && a.compensating_controls.iter().any(|c| !c.trim().is_empty())
}

/// Where one assurance item stands on a day, in the policy's terms: what a page shows beside
/// the item. Built from the same definitions as the rules ([`current_assurance_lapse`],
/// [`compensates`], `selection.assurance-expiring`'s window), so a page never disagrees with
/// the findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Current assurance whose last day is `lapse`; `expiring` when that is within the policy's
    /// expiry warning window (`selection.assurance-expiring`).
    Current { lapse: Date, expiring: bool },
    /// A compensating questionnaire, good through `until`; `expiring` as above.
    Compensating { until: Date, expiring: bool },
    /// It counted until this day (its last valid day) and no longer does.
    Expired(Date),
    /// It counts only from this day.
    NotYetValid(Date),
    /// It does not cover the service we use (`covers_service: false`).
    NotCovering,
    /// It lacks the dates it needs to count (a certificate without both validity dates, a
    /// report without its period end, a questionnaire without its completion date).
    Undated,
    /// Its kind never counts as current assurance, or (a questionnaire) it lists no
    /// compensating control.
    NotCounted,
}

impl Standing {
    /// Where `a` stands on `as_of` under `policy`.
    pub fn of(a: &Assurance, policy: &Policy, as_of: Date) -> Standing {
        let horizon = add_days(as_of, policy.assurance.expiry_warning_days);
        if let Some(lapse) = current_assurance_lapse(a, policy, as_of) {
            return Standing::Current {
                lapse,
                expiring: lapse <= horizon,
            };
        }
        let questionnaire_end =
            |c: Date| add_months(c, policy.assurance.questionnaire_validity_months);
        if compensates(a, policy, as_of) {
            let until = a.completed.map_or(as_of, questionnaire_end);
            return Standing::Compensating {
                until,
                expiring: until <= horizon,
            };
        }
        match a.kind {
            AssuranceKind::Iso27001 | AssuranceKind::Soc2Type2 if !a.covers_service => {
                Standing::NotCovering
            }
            AssuranceKind::Iso27001 => match (a.valid_from, a.valid_until) {
                (Some(_), Some(until)) if until < as_of => Standing::Expired(until),
                (Some(from), Some(_)) if from > as_of => Standing::NotYetValid(from),
                _ => Standing::Undated,
            },
            AssuranceKind::Soc2Type2 => match a.period_end {
                Some(end) if end > as_of => Standing::NotYetValid(end),
                Some(end) => {
                    Standing::Expired(add_months(end, policy.assurance.soc2_type2_validity_months))
                }
                None => Standing::Undated,
            },
            AssuranceKind::Questionnaire => match a.completed {
                Some(c) if c > as_of => Standing::NotYetValid(c),
                Some(c) if questionnaire_end(c) < as_of => Standing::Expired(questionnaire_end(c)),
                Some(_) => Standing::NotCounted,
                None => Standing::Undated,
            },
            _ => Standing::NotCounted,
        }
    }
}

/// What the last check of a supplier was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// The review at this index of `reviews`.
    Review(usize),
    /// The approving assessment at this index of `assessments`.
    Assessment(usize),
}

/// The facts several rules share, computed once per supplier and date.
#[derive(Debug)]
pub struct Facts<'a> {
    pub supplier: &'a Supplier,
    pub policy: &'a Policy,
    pub as_of: Date,
    pub tier: Option<Tier>,
    pub in_scope: bool,
    pub engaged: bool,
    /// Current assurance items with their lapse dates.
    pub current: Vec<(&'a Assurance, Date)>,
    /// Compensating questionnaires (only looked at when there is no current assurance).
    pub compensating: Vec<&'a Assurance>,
    /// Agreements in force on `as_of`.
    pub in_force: Vec<&'a Agreement>,
    /// The last check (review or approving assessment) with its date.
    pub last_check: Option<(CheckKind, Date)>,
    /// Last check + the review interval of the tier.
    pub next_review: Option<Date>,
    /// Index of the latest approving assessment dated on or before `as_of`.
    pub approving_assessment: Option<usize>,
}

impl<'a> Facts<'a> {
    pub fn new(supplier: &'a Supplier, policy: &'a Policy, as_of: Date) -> Facts<'a> {
        let tier = policy.tiers.tier(&supplier.risk);
        let current: Vec<_> = supplier
            .assurance
            .iter()
            .filter_map(|a| current_assurance_lapse(a, policy, as_of).map(|d| (a, d)))
            .collect();
        let compensating = supplier
            .assurance
            .iter()
            .filter(|a| compensates(a, policy, as_of))
            .collect();
        let in_force = supplier
            .agreements
            .iter()
            .filter(|a| in_force(a, as_of))
            .collect();

        // Latest by date; on equal dates the later entry in the list.
        let last_review = supplier
            .reviews
            .iter()
            .enumerate()
            .filter(|(_, r)| r.date <= as_of)
            .max_by_key(|(i, r)| (r.date, *i))
            .map(|(i, r)| (i, r.date));
        let approving_assessment = supplier
            .assessments
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.date <= as_of
                    && matches!(
                        a.outcome,
                        AssessmentOutcome::Approved | AssessmentOutcome::ApprovedWithConditions
                    )
            })
            .max_by_key(|(i, a)| (a.date, *i))
            .map(|(i, a)| (i, a.date));
        let last_check = match (last_review, approving_assessment) {
            (Some((r, rd)), Some((_, ad))) if rd >= ad => Some((CheckKind::Review(r), rd)),
            (_, Some((a, ad))) => Some((CheckKind::Assessment(a), ad)),
            (Some((r, rd)), None) => Some((CheckKind::Review(r), rd)),
            (None, None) => None,
        };
        let next_review =
            last_check.map(|(_, d)| add_months(d, *policy.review.interval_months.get(tier)));
        Facts {
            supplier,
            policy,
            as_of,
            tier,
            in_scope: in_scope(supplier),
            engaged: supplier.status.is_some_and(Status::is_engaged),
            current,
            compensating,
            in_force,
            last_check,
            next_review,
            approving_assessment: approving_assessment.map(|(i, _)| i),
        }
    }

    /// Whether an agreement in force contains `clause`.
    pub fn clause_in_force(&self, clause: &str) -> bool {
        self.in_force.iter().any(|a| a.clauses.contains_key(clause))
    }

    /// The first event of a trigger kind dated after the last check (or at all, without one) and
    /// on or before `as_of`.
    pub fn triggering_event(&self) -> Option<&'a crate::model::Event> {
        let after = self.last_check.map(|(_, d)| d);
        self.supplier
            .events
            .iter()
            .filter(|e| e.date <= self.as_of && after.is_none_or(|d| e.date > d))
            .filter(|e| self.policy.review.trigger_events.contains(&e.kind))
            .min_by_key(|e| e.date)
    }
}

/// Evaluates one supplier on `as_of`.
pub fn evaluate(supplier: &Supplier, policy: &Policy, as_of: Date) -> Evaluation {
    evaluate_facts(&Facts::new(supplier, policy, as_of))
}

/// Evaluates a supplier whose facts the caller already computed (the due list shares them).
pub fn evaluate_facts(facts: &Facts<'_>) -> Evaluation {
    let supplier = facts.supplier;
    let mut findings = Vec::new();
    register_incomplete(facts, &mut findings);

    let inactive = supplier.status.is_some_and(Status::is_inactive);
    if inactive || !facts.in_scope {
        let verdict = if inactive {
            Verdict::Inactive
        } else {
            Verdict::OutOfScope
        };
        return Evaluation {
            tier: facts.tier,
            verdict,
            findings,
        };
    }

    selection(facts, &mut findings);
    model(facts, &mut findings);
    agreements(facts, &mut findings);
    fourth_party(facts, &mut findings);
    if facts.engaged {
        review(facts, &mut findings);
        // An open risk entry: open, or accepted with an acceptance that has not expired
        // (`RiskEntry::is_open_on`: an expired acceptance no longer escalates anything).
        if findings.iter().any(|f| f.severity == Severity::Fail)
            && !supplier.risks.iter().any(|r| r.is_open_on(facts.as_of))
        {
            let failing: Vec<&str> = findings
                .iter()
                .filter(|f| f.severity == Severity::Fail)
                .map(|f| f.rule.as_str())
                .collect();
            findings.push(finding(
                ESCALATION_RISK,
                format!(
                    "fails {} but has no open risk entry: remediate, replace or escalate it as a risk under the risk management policy (or accept the risk), and record the risk",
                    failing.join(", ")
                ),
            ));
        }
    }

    let verdict = if findings
        .iter()
        .any(|f| MODEL_RULES.contains(&f.rule.as_str()))
    {
        Verdict::Ineligible
    } else if findings.iter().any(|f| f.severity == Severity::Fail) {
        Verdict::NonCompliant
    } else if findings.iter().any(|f| f.severity == Severity::Warn) {
        Verdict::Attention
    } else {
        Verdict::Compliant
    };
    Evaluation {
        tier: facts.tier,
        verdict,
        findings,
    }
}

fn register_incomplete(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let s = f.supplier;
    let mut missing = Vec::new();
    if !recorded(s.name.as_ref()) {
        missing.push("name");
    }
    if s.category.is_none() {
        missing.push("category");
    }
    if !recorded(s.owner.as_ref()) {
        missing.push("owner");
    }
    if !s.services.iter().any(|x| !x.trim().is_empty()) {
        missing.push("a service");
    }
    if s.status.is_none() {
        missing.push("status");
    }
    if !missing.is_empty() {
        out.push(finding(
            REGISTER_INCOMPLETE,
            format!(
                "the register entry lacks {}: record {} in the register",
                list(&missing),
                if missing.len() == 1 { "it" } else { "them" }
            ),
        ));
    }
}

fn selection(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let (s, p, as_of) = (f.supplier, f.policy, f.as_of);
    let day = format_date(as_of);

    // selection.assurance / -compensated
    if f.current.is_empty() {
        if f.compensating.is_empty() {
            out.push(finding(SELECTION_ASSURANCE, format!("{}: ask for a current ISO 27001 certificate or SOC 2 Type II report covering the service, or complete a security questionnaire with documented compensating controls", why_no_assurance(s, p, as_of))));
        } else {
            let q = f
                .compensating
                .iter()
                .filter_map(|a| a.completed)
                .max()
                .unwrap_or(as_of);
            out.push(finding(SELECTION_ASSURANCE_COMPENSATED, format!("no current ISO 27001 certificate or SOC 2 Type II report; a security questionnaire completed {} documents compensating controls instead: keep asking for a certificate or report", format_date(q))));
        }
    }

    // selection.assurance-expiring
    if !f.current.is_empty() {
        let horizon = add_days(as_of, p.assurance.expiry_warning_days);
        if f.current.iter().all(|(_, lapse)| *lapse <= horizon) {
            let (item, lapse) = f
                .current
                .iter()
                .copied()
                .max_by_key(|(_, d)| *d)
                .unwrap_or(f.current[0]);
            out.push(finding(SELECTION_ASSURANCE_EXPIRING, format!("the current {} lapses on {}, within {} days of {day}: ask for the renewed certificate or the next report now", describe_assurance(item), format_date(lapse), p.assurance.expiry_warning_days)));
        }
    }

    // selection.assurance-exceptions
    let examined: Vec<&Assurance> = if f.current.is_empty() {
        f.compensating.clone()
    } else {
        f.current.iter().map(|(a, _)| *a).collect()
    };
    let open: Vec<String> = examined
        .iter()
        .filter(|a| !a.exceptions_acknowledged && a.exceptions.iter().any(|e| !e.trim().is_empty()))
        .map(|a| {
            format!(
                "{} lists {} ({})",
                describe_assurance(a),
                plural(a.exceptions.len(), "exception", "exceptions"),
                a.exceptions.join("; ")
            )
        })
        .collect();
    if !open.is_empty() {
        out.push(finding(SELECTION_ASSURANCE_EXCEPTIONS, format!("{} not acknowledged: review the exceptions with the supplier, then record them as acknowledged", open.join("; "))));
    }

    // selection.residency
    if s.locations.is_empty() {
        out.push(finding(SELECTION_RESIDENCY, "no location is recorded: record where the supplier stores, processes and accesses the data".into()));
    } else {
        let outside: Vec<String> = s
            .locations
            .iter()
            .filter(|l| !p.allowed_countries.contains(&l.country))
            .map(|l| {
                let mech = l
                    .mechanism
                    .map(|m| format!(" (under {})", m.as_str().to_uppercase()))
                    .unwrap_or_default();
                format!("{} in {}{mech}", l.purpose, l.country)
            })
            .collect();
        if !outside.is_empty() {
            out.push(finding(SELECTION_RESIDENCY, format!("{} {} outside the allowed countries, and a transfer mechanism does not make a transfer allowed: move the data to an allowed country or replace the supplier", list_owned(&outside), is_are(outside.len()))));
        }
    }

    // selection.dpa
    if s.data.personal_data && !f.in_force.iter().any(|a| a.gdpr_art28) {
        out.push(finding(SELECTION_DPA, format!("processes personal data but no agreement in force on {day} is a GDPR Art. 28 DPA: sign a data processing agreement (gdpr_art28: true)")));
    }

    // selection.risk-rating
    let r = &s.risk;
    let mut missing = Vec::new();
    if r.business_impact.is_none() {
        missing.push("business_impact");
    }
    if r.data_access.is_none() {
        missing.push("data_access");
    }
    if r.replaceability.is_none() {
        missing.push("replaceability");
    }
    if !missing.is_empty() {
        out.push(finding(SELECTION_RISK_RATING, format!("risk rating incomplete, {} not recorded: rate business impact, data access and replaceability", list(&missing))));
    }

    // selection.due-diligence
    if f.engaged && f.approving_assessment.is_none() {
        let status = s.status.map_or("", Status::as_str);
        let rejected = s
            .assessments
            .iter()
            .filter(|a| a.date <= as_of)
            .any(|a| a.outcome == AssessmentOutcome::Rejected);
        let detail = if rejected {
            "the only due-diligence outcome recorded is a rejection"
        } else {
            "no approving due-diligence assessment is recorded"
        };
        out.push(finding(SELECTION_DUE_DILIGENCE, format!("the supplier is {status} but {detail}: perform due diligence against the selection criteria and record the outcome")));
    }
}

fn model(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let (s, p) = (f.supplier, f.policy);
    if !s.inference.provides {
        return;
    }
    if s.locations.is_empty() {
        out.push(finding(MODEL_EU_DATA, "runs model inference but no location is recorded: record where it stores our data; a model supplier must keep it in the model regions".into()));
    } else {
        let outside: Vec<String> = s
            .locations
            .iter()
            .filter(|l| !p.model_regions.contains(&l.country))
            .map(|l| format!("{} in {}", l.purpose, l.country))
            .collect();
        if !outside.is_empty() {
            out.push(finding(MODEL_EU_DATA, format!("runs model inference, but {} {} outside the model regions: the supplier is ineligible until every location is in the model regions", list_owned(&outside), is_are(outside.len()))));
        }
    }
    let inference: Vec<_> = s
        .locations
        .iter()
        .filter(|l| l.purpose == Purpose::Inference)
        .collect();
    if inference.is_empty() {
        out.push(finding(MODEL_EU_INFERENCE, "runs model inference but no inference location is recorded: record the inference regions; they must be in the model regions".into()));
    } else {
        let outside: Vec<String> = inference
            .iter()
            .filter(|l| !p.model_regions.contains(&l.country))
            .map(|l| l.country.to_string())
            .collect();
        if !outside.is_empty() {
            out.push(finding(MODEL_EU_INFERENCE, format!("runs model inference in {} outside the model regions: require inference in the model regions only, or replace the supplier", list_owned(&outside))));
        }
    }
    if !f.clause_in_force(NO_TRAINING) {
        out.push(finding(MODEL_NO_TRAINING, format!("no agreement in force on {} contains the `{NO_TRAINING}` clause (a product page or a setting is not a guarantee): obtain a contractual commitment not to train on our or our customers' data", format_date(f.as_of))));
    }
}

fn agreements(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let (s, p, as_of) = (f.supplier, f.policy, f.as_of);
    let day = format_date(as_of);
    if f.in_force.is_empty() {
        let detail = if s.agreements.is_empty() {
            "no agreement is recorded".to_string()
        } else {
            format!(
                "none of its {} is in force on {day}",
                plural(s.agreements.len(), "agreement", "agreements")
            )
        };
        out.push(finding(
            AGREEMENT_WRITTEN,
            format!(
                "{detail}: put a signed written agreement with its security obligations in place"
            ),
        ));
    }

    let required = p.required_clauses(f.tier, s.category);
    for key in &required {
        if !f.clause_in_force(key) {
            let title = p.clause(key).map_or(*key, |c| c.title.as_str());
            let by_tier = p.required_by_tier.get(f.tier).iter().any(|k| k == key);
            let why = match (by_tier, f.tier, s.category) {
                (true, Some(t), _) => format!("required for {t}-tier suppliers"),
                (true, None, _) => "required for suppliers without a risk tier".to_string(),
                (false, _, Some(c)) => format!("required for {c} suppliers"),
                (false, _, None) => "required by the policy".to_string(),
            };
            out.push(Finding {
                rule: format!("{}.{key}", AGREEMENT_CLAUSE.id),
                severity: AGREEMENT_CLAUSE.severity,
                message: format!("no agreement in force contains the `{key}` clause ({title}), {why}: add it to the agreement"),
                controls: AGREEMENT_CLAUSE.controls,
            });
        }
    }

    let incident: Vec<_> = f
        .in_force
        .iter()
        .filter_map(|a| a.clauses.get(INCIDENT_NOTIFICATION))
        .collect();
    if !incident.is_empty() {
        let max = p.agreements.incident_notification_max_hours;
        let hours: Vec<f64> = incident
            .iter()
            .filter_map(|c| match c.get("hours") {
                Some(crate::model::ParamValue::Number(n)) => Some(n.0),
                _ => None,
            })
            .collect();
        if !hours.iter().any(|h| *h <= max) {
            let stated = if hours.is_empty() {
                "the incident notification clause states no notification time".to_string()
            } else {
                let min = hours.iter().copied().fold(f64::INFINITY, f64::min);
                format!(
                    "the incident notification clause allows {} hours",
                    fmt_num(min)
                )
            };
            out.push(finding(AGREEMENT_INCIDENT_HOURS, format!("{stated}, more than the {} hours the policy allows: negotiate notification within {} hours", fmt_num(max), fmt_num(max))));
        }
    }

    // agreement.expiring: obligations whose every carrier in force ends within the window.
    let horizon = add_days(as_of, p.agreements.expiry_warning_days);
    let mut lapsing: Vec<String> = Vec::new();
    let mut obligation = |name: String, carriers: Vec<&Agreement>| {
        if !carriers.is_empty()
            && carriers
                .iter()
                .all(|a| agreement_end(a).is_some_and(|e| e <= horizon))
        {
            let end = carriers
                .iter()
                .filter_map(|a| agreement_end(a))
                .max()
                .unwrap_or(as_of);
            lapsing.push(format!("{name} (ends {})", format_date(end)));
        }
    };
    if s.data.personal_data {
        obligation(
            "the GDPR Art. 28 DPA".into(),
            f.in_force
                .iter()
                .copied()
                .filter(|a| a.gdpr_art28)
                .collect(),
        );
    }
    let mut keys: Vec<&str> = Vec::new();
    if s.inference.provides {
        keys.push(NO_TRAINING);
    }
    for k in &required {
        if !keys.contains(k) {
            keys.push(k);
        }
    }
    for k in keys {
        obligation(
            format!("`{k}`"),
            f.in_force
                .iter()
                .copied()
                .filter(|a| a.clauses.contains_key(k))
                .collect(),
        );
    }
    if !lapsing.is_empty() {
        out.push(finding(AGREEMENT_EXPIRING, format!("coverage lapses within {} days of {day}: {}: renew or replace the agreement before it ends", p.agreements.expiry_warning_days, lapsing.join(", "))));
    }
}

fn fourth_party(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let (s, p) = (f.supplier, f.policy);
    if !s.data.personal_data {
        return;
    }
    if !s.subprocessors.known {
        out.push(finding(FOURTH_PARTY_UNKNOWN, "processes personal data but its subprocessors are not known: ask for its subprocessor list and record it (an empty list recorded as known counts)".into()));
    }
    let outside: Vec<String> = s
        .subprocessors
        .list
        .iter()
        .flat_map(|sp| {
            sp.countries
                .iter()
                .filter(|c| !p.allowed_countries.contains(c))
                .map(move |c| {
                    format!(
                        "{} in {c}",
                        sp.name
                            .as_deref()
                            .filter(|n| !n.trim().is_empty())
                            .unwrap_or("an unnamed subprocessor")
                    )
                })
        })
        .collect();
    if !outside.is_empty() {
        out.push(finding(FOURTH_PARTY_RESIDENCY, format!("{} {} outside the allowed countries: require the supplier to keep our data with subprocessors in allowed countries, or replace it", if outside.len() == 1 { "subprocessor" } else { "subprocessors" }, list_owned(&outside))));
    }
}

fn review(f: &Facts<'_>, out: &mut Vec<Finding>) {
    let (s, p, as_of) = (f.supplier, f.policy, f.as_of);
    let overdue = match (f.last_check, f.next_review) {
        (Some((kind, last)), Some(next)) if as_of > next => {
            out.push(finding(REVIEW_OVERDUE, format!("the last {} was on {}, so the next review was due on {}: review the supplier now", check_name(kind), format_date(last), format_date(next))));
            true
        }
        (None, _) => {
            out.push(finding(REVIEW_OVERDUE, "no review or approving assessment is recorded: review the supplier and record the outcome".into()));
            true
        }
        _ => false,
    };
    if !overdue
        && let Some(next) = f.next_review
        && next <= add_days(as_of, p.review.due_soon_days)
    {
        let days = (next - as_of).whole_days();
        out.push(finding(
            REVIEW_DUE_SOON,
            format!(
                "the next review is due on {} (in {}): plan it",
                format_date(next),
                plural(days as usize, "day", "days")
            ),
        ));
    }
    if let Some(e) = f.triggering_event() {
        let after = f.last_check.map_or(String::new(), |(kind, d)| {
            format!(" after the last {} on {}", check_name(kind), format_date(d))
        });
        let summary = e
            .summary
            .as_deref()
            .filter(|x| !x.trim().is_empty())
            .map(|x| format!(" ({x})"))
            .unwrap_or_default();
        out.push(finding(
            REVIEW_TRIGGERED,
            format!(
                "{} on {}{summary}{after}: review the supplier now for new risk",
                e.kind.as_str().replace('_', " "),
                format_date(e.date)
            ),
        ));
    }
    if let Some((CheckKind::Review(i), d)) = f.last_check {
        let r = &s.reviews[i];
        let missing: Vec<&str> = p
            .review
            .required_checks
            .iter()
            .filter(|c| !r.checks.contains(c))
            .map(|c| c.as_str())
            .collect();
        if !missing.is_empty() {
            out.push(finding(REVIEW_INCOMPLETE, format!("the review on {} did not record the re-check of {}: re-check it and record a complete review", format_date(d), list(&missing))));
        }
    }
}

/// Why a supplier has no current assurance, naming the most telling item and its dates.
fn why_no_assurance(s: &Supplier, p: &Policy, as_of: Date) -> String {
    let day = format_date(as_of);
    let mut reasons = Vec::new();
    for a in &s.assurance {
        match a.kind {
            AssuranceKind::Iso27001 => reasons.push(match (a.valid_from, a.valid_until) {
                _ if !a.covers_service => {
                    "the ISO 27001 certificate does not cover the service".to_string()
                }
                (Some(_), Some(u)) if u < as_of => {
                    format!("the ISO 27001 certificate expired on {}", format_date(u))
                }
                (Some(from), Some(_)) if from > as_of => format!(
                    "the ISO 27001 certificate is valid only from {}",
                    format_date(from)
                ),
                _ => "the ISO 27001 certificate has no validity dates".to_string(),
            }),
            AssuranceKind::Soc2Type2 => reasons.push(match a.period_end {
                _ if !a.covers_service => {
                    "the SOC 2 Type II report does not cover the service".to_string()
                }
                Some(end) if end > as_of => {
                    format!("the SOC 2 Type II period ends only on {}", format_date(end))
                }
                Some(end) => format!(
                    "SOC 2 Type II period ended {}, more than {} months before {day}",
                    format_date(end),
                    p.assurance.soc2_type2_validity_months
                ),
                None => "the SOC 2 Type II report has no period end".to_string(),
            }),
            _ => {}
        }
    }
    if reasons.is_empty() {
        "no ISO 27001 certificate or SOC 2 Type II report is recorded".to_string()
    } else {
        reasons.join("; ")
    }
}

fn describe_assurance(a: &Assurance) -> &'static str {
    match a.kind {
        AssuranceKind::Iso27001 => "ISO 27001 certificate",
        AssuranceKind::Soc2Type2 => "SOC 2 Type II report",
        AssuranceKind::Questionnaire => "security questionnaire",
        _ => "assurance item",
    }
}

fn check_name(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Review(_) => "review",
        CheckKind::Assessment(_) => "approving assessment",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn is_are(n: usize) -> &'static str {
    if n == 1 { "is" } else { "are" }
}

fn list(items: &[&str]) -> String {
    crate::model::one_of(items.iter().copied()).replacen(
        " or ",
        " and ",
        usize::from(items.len() > 1),
    )
}

fn list_owned(items: &[String]) -> String {
    let v: Vec<&str> = items.iter().map(String::as_str).collect();
    list(&v)
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The policy-level findings on `as_of` (`policy.review`).
pub fn policy_findings(policy: &Policy, as_of: Date) -> Vec<Finding> {
    let due = add_months(policy.last_review, policy.review_interval_months);
    if as_of > due {
        vec![finding(
            POLICY_REVIEW,
            format!(
                "the policy was last reviewed on {}, more than {} months before {}: review the policy and record the new review date",
                format_date(policy.last_review),
                policy.review_interval_months,
                format_date(as_of)
            ),
        )]
    } else {
        Vec::new()
    }
}

/// Evaluates every supplier of a register into the check report, in register order.
pub fn check_register<'a>(
    suppliers: impl IntoIterator<Item = &'a Supplier>,
    policy: &Policy,
    as_of: Date,
) -> CheckReport {
    let mut summary = Summary::default();
    let suppliers: Vec<SupplierReport> = suppliers
        .into_iter()
        .map(|s| {
            let e = evaluate(s, policy, as_of);
            summary.add(e.verdict);
            SupplierReport {
                id: s.id.to_string(),
                name: s.name.clone(),
                tier: e.tier,
                verdict: e.verdict,
                findings: e.findings,
            }
        })
        .collect();
    CheckReport {
        as_of,
        policy: PolicyInfo {
            name: policy.name.clone(),
            version: policy.version.clone(),
            owner: policy.owner.clone(),
            last_review: policy.last_review,
            findings: policy_findings(policy, as_of),
        },
        suppliers,
        summary,
    }
}

/// Convenience for a whole register.
pub fn check(register: &Register, policy: &Policy, as_of: Date) -> CheckReport {
    check_register(&register.suppliers, policy, as_of)
}
