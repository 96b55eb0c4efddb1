//! The review workflow, `GET|POST /suppliers/{id}/review` (editors), reached from "Start
//! review" on the due queue's review rows and on the supplier page.
//!
//! The page shows, side by side, what the policy asks a review to re-check with the evidence
//! as it stands today: the assurance items and where each stands (the evidence pages'
//! [`EvidenceSection`]), the agreements in force with the policy's required clauses held or
//! missing and the DPA, the locations against the allowed countries, the risk inputs and tier,
//! the open findings and the risks linked. The form records the four re-checks, the trigger
//! (`scheduled`, or the kind of the event that triggered the review), the new risk inputs
//! (prefilled), the outcome and notes, by the signed-in user, dated today (editable, never in
//! the future). An outcome other than `pass` opens a new risk (treatment = the outcome, rules =
//! the rules the supplier fails now, owner = the reviewer, due in 30 days unless changed) or
//! links an open risk of the register.
//!
//! Everything is written in one versioned supplier update (`vetted_app::suppliers::
//! edit_supplier`, the forms' write path): the review, the risk inputs and the risk. A stale
//! version answers 409 with the form again at the current version; problems answer 422 next to
//! their fields. Success goes to the supplier page, which shows the next review date the
//! engine now computes.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value};
use time::Date;
use vetted_core::date::{add_days, format_date, parse_date};
use vetted_core::engine::{ESCALATION_RISK, Facts, evaluate};
use vetted_core::model::{
    BusinessImpact, DataAccess, EventKind, Replaceability, ReviewOutcome, ReviewTrigger, RiskEntry,
    RiskInputs, RiskStatus, SupplierId, Treatment,
};
use vetted_core::policy::Policy;
use vetted_core::report::Severity;
use vetted_core::risks::apply;
use vetted_core::section::{Record, RecordAt};
use vetted_store::{Change, StoredSupplier};

use super::evidence::EvidenceSection;
use super::forms::fields::{
    Choice, Control, Errors, Field, Group, GroupView, Kind, SummaryItem, Values,
};
use super::forms::records::review_checks;
use super::forms::{Crumb, FormData, PagePath, WriteError, label, supplier_url};
use super::page::Notice;
use super::risks::risk_url;
use super::supplier::FindingRow;
use super::{CanEdit, Chrome, EDITOR, Nav, PageError, Pages, Session, render};
use crate::AppState;
use crate::api::params::today;
use crate::error::ApiError;
use crate::extract::decode_record;

/// The review pages.
pub fn pages() -> Pages {
    Pages::new()
        .get("/suppliers/{id}/review", EDITOR, form)
        .post("/suppliers/{id}/review", EDITOR, record)
}

/// How long a risk opened by a review has for its treatment, by default.
pub const RISK_DUE_DAYS: i64 = 30;

/// One required clause and whether an agreement in force holds it.
#[derive(Clone, Debug)]
pub struct ClauseCheck {
    /// The clause key.
    pub key: String,
    /// Its title in the policy.
    pub title: String,
    /// Whether an agreement in force contains it.
    pub held: bool,
}

/// An agreement in force as the review shows it.
#[derive(Clone, Debug)]
pub struct AgreementLine {
    /// Its title or kind.
    pub name: String,
    /// Signed and ending dates in words.
    pub dates: String,
    /// Whether it carries the GDPR Art. 28 terms.
    pub dpa: bool,
    /// Its clauses' titles.
    pub clauses: Vec<String>,
}

/// A location and whether the policy allows its country.
#[derive(Clone, Debug)]
pub struct LocationLine {
    /// The country code.
    pub country: String,
    /// What it is used for.
    pub purpose: String,
    /// The provider's region.
    pub region: Option<String>,
    /// Whether the country is an allowed one (and, for inference, a model region).
    pub allowed: bool,
}

/// An open risk linked to the supplier.
#[derive(Clone, Debug)]
pub struct RiskLine {
    /// Its id and page.
    pub id: String,
    /// See `id`.
    pub href: String,
    /// Its title.
    pub title: String,
    /// Its status and treatment in words.
    pub state: String,
}

/// What the review re-checks, as it stands today.
pub struct Evidence {
    assurance: EvidenceSection,
    agreements: Vec<AgreementLine>,
    required: Vec<ClauseCheck>,
    personal_data: bool,
    dpa_in_force: bool,
    locations: Vec<LocationLine>,
    risk: RiskInputs,
    tier: Option<&'static str>,
    findings: Vec<FindingRow>,
    risks: Vec<RiskLine>,
    last_check: Option<Date>,
    next_review: Option<Date>,
    trigger: Option<String>,
    failing: Vec<String>,
}

impl Evidence {
    fn of(stored: &StoredSupplier, policy: &Policy, day: Date) -> Evidence {
        let s = &stored.supplier;
        let facts = Facts::new(s, policy, day);
        let evaluation = evaluate(s, policy, day);
        let agreements = facts
            .in_force
            .iter()
            .map(|a| AgreementLine {
                name: a
                    .title
                    .clone()
                    .or_else(|| a.kind.map(|k| label(k.as_str())))
                    .unwrap_or_else(|| "Agreement".to_string()),
                dates: match (a.signed, vetted_core::engine::agreement_end(a)) {
                    (Some(from), Some(to)) => {
                        format!("signed {}, ends {}", format_date(from), format_date(to))
                    }
                    (Some(from), None) => format!("signed {}, no end date", format_date(from)),
                    _ => String::new(),
                },
                dpa: a.gdpr_art28,
                clauses: a
                    .clauses
                    .iter()
                    .map(|(k, _)| {
                        policy
                            .clause(k)
                            .map_or_else(|| k.clone(), |c| c.title.clone())
                    })
                    .collect(),
            })
            .collect();
        let required = policy
            .required_clauses(facts.tier, s.category)
            .into_iter()
            .map(|key| ClauseCheck {
                key: key.to_string(),
                title: policy
                    .clause(key)
                    .map_or_else(|| key.to_string(), |c| c.title.clone()),
                held: facts.clause_in_force(key),
            })
            .collect();
        let locations = s
            .locations
            .iter()
            .map(|l| LocationLine {
                country: l.country.to_string(),
                purpose: label(l.purpose.as_str()),
                region: l.region.clone(),
                allowed: policy.allowed_countries.contains(&l.country)
                    && (!s.inference.provides || policy.model_regions.contains(&l.country)),
            })
            .collect();
        let risks = s
            .risks
            .iter()
            .filter(|r| r.is_open_on(day))
            .map(|r| {
                let id = r.id.clone().unwrap_or_default();
                RiskLine {
                    href: risk_url(&id),
                    id,
                    title: r.title.clone().unwrap_or_default(),
                    state: [
                        r.status.map(RiskStatus::as_str),
                        r.treatment.map(Treatment::as_str),
                    ]
                    .into_iter()
                    .flatten()
                    .map(label)
                    .collect::<Vec<_>>()
                    .join(", "),
                }
            })
            .collect();
        let failing = evaluation
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Fail && f.rule != ESCALATION_RISK.id)
            .map(|f| f.rule.clone())
            .collect();
        Evidence {
            assurance: EvidenceSection::new(stored, policy, day),
            agreements,
            required,
            personal_data: s.data.personal_data,
            dpa_in_force: facts.in_force.iter().any(|a| a.gdpr_art28),
            locations,
            risk: s.risk.clone(),
            tier: facts.tier.map(vetted_core::model::Tier::as_str),
            findings: evaluation
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Info)
                .map(FindingRow::of)
                .collect(),
            risks,
            last_check: facts.last_check.map(|(_, d)| d),
            next_review: facts.next_review,
            trigger: facts
                .triggering_event()
                .map(|e| e.kind.as_str().to_string()),
            failing,
        }
    }
}

/// `templates/review/form.html`.
#[derive(Template)]
#[template(path = "review/form.html")]
pub struct ReviewPage {
    chrome: Chrome,
    crumb: Crumb,
    action: String,
    version: i64,
    ev: Evidence,
    groups: Vec<GroupView>,
    summary: Vec<SummaryItem>,
    /// Set on a 409: why nothing was saved.
    conflict: Option<String>,
}

impl ReviewPage {
    /// A wire value as words.
    pub fn label(&self, wire: &str) -> String {
        label(wire)
    }
}

fn select<T: Copy>(values: &[T], wire: fn(T) -> &'static str) -> Kind {
    Kind::Select(Choice::all(values, wire))
}

/// The trigger a review records for an event of `kind`.
fn trigger_of(kind: EventKind) -> ReviewTrigger {
    match kind {
        EventKind::Incident => ReviewTrigger::Incident,
        EventKind::OwnershipChange => ReviewTrigger::OwnershipChange,
        EventKind::LocationChange => ReviewTrigger::LocationChange,
        EventKind::ServiceChange => ReviewTrigger::ServiceChange,
        EventKind::Other => ReviewTrigger::Manual,
    }
}

/// The treatment of a risk opened by a review with `outcome` (none for `pass`).
fn treatment_of(outcome: ReviewOutcome) -> Option<Treatment> {
    match outcome {
        ReviewOutcome::Pass => None,
        ReviewOutcome::Remediate => Some(Treatment::Remediate),
        ReviewOutcome::Replace => Some(Treatment::Replace),
        ReviewOutcome::Escalate => Some(Treatment::Escalate),
    }
}

/// The form's fields; `open_risks` are the register's open risks a review may link.
fn groups(open_risks: &[(String, String)]) -> Vec<Group> {
    let mut links = vec![Choice {
        value: "new".into(),
        label: "Open a new risk (below)".into(),
    }];
    links.extend(open_risks.iter().map(|(id, title)| Choice {
        value: id.clone(),
        label: format!("Link {id}: {title}"),
    }));
    vec![
        Group::new(
            "Re-checks",
            vec![
                Field::new(
                    "checks",
                    "Re-checked with the evidence above",
                    Kind::Choices(review_checks()),
                )
                .hint("A complete review re-checks all four (review.incomplete warns otherwise)."),
            ],
        ),
        Group::new(
            "Risk inputs",
            vec![
                Field::new(
                    "risk.business_impact",
                    "Business impact",
                    select(BusinessImpact::ALL, BusinessImpact::as_str),
                )
                .hint("How much the business suffers when the supplier fails."),
                Field::new(
                    "risk.data_access",
                    "Data access",
                    select(DataAccess::ALL, DataAccess::as_str),
                )
                .hint("Which of our data the supplier can reach."),
                Field::new(
                    "risk.replaceability",
                    "Replaceability",
                    select(Replaceability::ALL, Replaceability::as_str),
                )
                .hint("How hard the supplier is to replace."),
            ],
        ),
        Group::new(
            "The review",
            vec![
                Field::new("date", "Review date", Kind::Date)
                    .required()
                    .hint("Today unless you record a review held earlier; never in the future."),
                Field::new(
                    "trigger",
                    "Trigger",
                    select(ReviewTrigger::ALL, ReviewTrigger::as_str),
                )
                .required(),
                Field::new(
                    "outcome",
                    "Outcome",
                    select(ReviewOutcome::ALL, ReviewOutcome::as_str),
                )
                .required()
                .hint("Anything but pass opens or links a risk under the risk management policy."),
                Field::new("notes", "Notes", Kind::TextArea),
            ],
        ),
        Group::new(
            "Escalation (an outcome other than pass)",
            vec![
                Field::new("risk_link", "Risk", Kind::Select(links)).hint(
                    "Open a new risk, or link one of the register's open risks to this supplier.",
                ),
                Field::new("risk_id", "New risk's id", Kind::Text)
                    .hint("The next free id is suggested."),
                Field::new("risk_title", "New risk's title", Kind::Text),
                Field::new("risk_due", "New risk's treatment due on", Kind::Date)
                    .hint("30 days from today unless you choose another day."),
            ],
        ),
    ]
}

/// The open risks of the register (open, or accepted and not expired), as choices.
async fn open_risks(state: &AppState, day: Date) -> Result<Vec<(String, String)>, PageError> {
    let snapshot = state.snapshots.get(state, day).await?;
    Ok(snapshot
        .risks
        .risks()
        .iter()
        .filter(|r| r.entry.is_open_on(day))
        .map(|r| {
            (
                r.id().to_string(),
                r.entry.title.clone().unwrap_or_default(),
            )
        })
        .collect())
}

fn parse_id(id: &str) -> Result<SupplierId, PageError> {
    SupplierId::parse(id)
        .map_err(|why| ApiError::bad_parameter("id", format!("supplier id {why}")).into())
}

/// The form's first values: today, the trigger pending or `scheduled`, the risk inputs as
/// recorded, a new risk's next free id, its title and due date.
async fn first_values(
    state: &AppState,
    stored: &StoredSupplier,
    ev: &Evidence,
    day: Date,
) -> Result<Values, PageError> {
    let snapshot = state.snapshots.get(state, day).await?;
    let s = &stored.supplier;
    let trigger = ev
        .trigger
        .as_deref()
        .and_then(EventKind::parse)
        .map_or(ReviewTrigger::Scheduled, trigger_of);
    let mut pairs: Vec<(String, String)> = vec![
        ("date".into(), format_date(day)),
        ("trigger".into(), trigger.as_str().into()),
        ("risk_link".into(), "new".into()),
        ("risk_id".into(), snapshot.risks.next_id()),
        (
            "risk_title".into(),
            format!(
                "{}: found by the review of {}",
                s.name.clone().unwrap_or_else(|| s.id.to_string()),
                format_date(day)
            ),
        ),
        (
            "risk_due".into(),
            format_date(add_days(day, RISK_DUE_DAYS as u32)),
        ),
    ];
    let inputs = [
        (
            "risk.business_impact",
            s.risk.business_impact.map(BusinessImpact::as_str),
        ),
        (
            "risk.data_access",
            s.risk.data_access.map(DataAccess::as_str),
        ),
        (
            "risk.replaceability",
            s.risk.replaceability.map(Replaceability::as_str),
        ),
    ];
    for (name, v) in inputs {
        if let Some(v) = v {
            pairs.push((name.into(), v.into()));
        }
    }
    Ok(Values::from_pairs(pairs))
}

/// The form as first shown or submitted: its values and problems, the version it carries and
/// why it came back (a conflict).
struct Filled<'a> {
    values: &'a Values,
    errors: &'a Errors,
    version: i64,
    conflict: Option<String>,
}

fn page(
    chrome: Chrome,
    stored: &StoredSupplier,
    ev: Evidence,
    groups: &[Group],
    form: Filled<'_>,
) -> ReviewPage {
    ReviewPage {
        chrome,
        crumb: Crumb::of(stored),
        action: format!("{}/review", supplier_url(&stored.supplier.id)),
        version: form.version,
        ev,
        groups: super::forms::fields::groups(groups, form.values, form.errors),
        summary: super::forms::fields::summary(groups, form.errors),
        conflict: form.conflict,
    }
}

/// `GET /suppliers/{id}/review`.
async fn form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
) -> Result<Response, PageError> {
    let stored = state.store.get_supplier(&parse_id(&id)?).await?;
    let day = today();
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let ev = Evidence::of(&stored, &policy, day);
    let values = first_values(&state, &stored, &ev, day).await?;
    let groups = groups(&open_risks(&state, day).await?);
    Ok(render(
        StatusCode::OK,
        &page(
            Chrome::new(session, Nav::Register),
            &stored,
            ev,
            &groups,
            Filled {
                values: &values,
                errors: &Errors::default(),
                version: stored.version,
                conflict: None,
            },
        ),
    ))
}

/// What a valid submission writes.
struct Recorded {
    review: vetted_core::model::Review,
    inputs: RiskInputs,
    risk: Option<RiskEntry>,
}

/// The fields of `groups` named `names`, as one group (to build part of the record).
fn only(groups: &[Group], names: &[&str]) -> Vec<Group> {
    vec![Group::plain(
        groups
            .iter()
            .flat_map(|g| &g.fields)
            .filter(|f| names.contains(&f.name.as_str()))
            .cloned()
            .collect(),
    )]
}

/// Reads and checks the submission against the supplier as stored and the register's risks.
async fn read(
    state: &AppState,
    session: &Session,
    stored: &StoredSupplier,
    ev: &Evidence,
    values: &Values,
    groups: &[Group],
    day: Date,
) -> Result<Result<Recorded, Errors>, PageError> {
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let mut errors = Errors::default();

    // The review, decoded where it will sit, as any review record is.
    let at = RecordAt::Review(stored.supplier.reviews.len());
    let mut record = values.to_record(
        &only(groups, &["date", "trigger", "outcome", "checks", "notes"]),
        Value::Object(Map::new()),
    );
    if let Value::Object(map) = &mut record {
        map.insert("reviewer".into(), Value::String(session.email.clone()));
    }
    let review = match decode_record(&record.to_string(), at, &policy) {
        Ok(Record::Review(r)) => Some(r),
        Ok(_) => None,
        Err(ApiError::Invalid(problems)) => {
            errors.merge(Errors::from_problems(&problems, &at.path(), groups));
            None
        }
        Err(e) => return Err(e.into()),
    };
    for (name, message) in [
        ("trigger", "Required: choose why the review took place."),
        ("outcome", "Required: choose what the review concluded."),
    ] {
        if values.first(name).trim().is_empty() && errors.of(name).is_empty() {
            errors.add(name, message.to_string());
        }
    }
    if let Some(r) = &review
        && r.date > day
    {
        errors.add(
            "date",
            format!(
                "{} is in the future: a review is recorded once it took place",
                r.date
            ),
        );
    }

    // The new risk inputs, decoded as the `risk` section.
    let inputs_record = values.to_record(
        &only(
            groups,
            &[
                "risk.business_impact",
                "risk.data_access",
                "risk.replaceability",
            ],
        ),
        Value::Object(Map::new()),
    );
    let inputs_json = inputs_record
        .get("risk")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let inputs = match decode_record(&inputs_json.to_string(), RecordAt::Risk, &policy) {
        Ok(Record::Risk(r)) => Some(r),
        Ok(_) => None,
        Err(ApiError::Invalid(problems)) => {
            errors.merge(Errors::from_problems(&problems, "", groups));
            None
        }
        Err(e) => return Err(e.into()),
    };

    // The escalation: a new risk, or an open one linked.
    let outcome = review.as_ref().and_then(|r| r.outcome);
    let mut risk = None;
    if let Some(treatment) = outcome.and_then(treatment_of) {
        let link = values.first("risk_link").trim();
        if link.is_empty() || link == "new" {
            let id = values.first("risk_id").trim();
            let snapshot = state.snapshots.get(state, day).await?;
            if let Err(why) = vetted_core::risks::check_id(id) {
                errors.add("risk_id", format!("{why}."));
            } else if snapshot.risks.get(id).is_some() {
                errors.add(
                    "risk_id",
                    format!("{id} is taken: choose another id, or link that risk above."),
                );
            }
            let title = values.first("risk_title").trim();
            if title.is_empty() {
                errors.add("risk_title", "Give the new risk a title.".to_string());
            }
            let due = values.first("risk_due").trim();
            let due = if due.is_empty() {
                Some(add_days(day, RISK_DUE_DAYS as u32))
            } else {
                match parse_date(due) {
                    Some(d) if d >= day => Some(d),
                    Some(d) => {
                        errors.add(
                            "risk_due",
                            format!("{d} is in the past: give the treatment time."),
                        );
                        None
                    }
                    None => {
                        errors.add(
                            "risk_due",
                            format!("“{due}” is not a date: expected YYYY-MM-DD."),
                        );
                        None
                    }
                }
            };
            let date = review.as_ref().map_or(day, |r| r.date);
            risk = Some(RiskEntry {
                id: Some(id.to_string()),
                title: Some(title.to_string()),
                status: Some(RiskStatus::Open),
                treatment: Some(treatment),
                owner: Some(session.email.clone()),
                due,
                description: review.as_ref().and_then(|r| r.notes.clone()),
                rules: ev.failing.clone(),
                opened: Some(date),
                accepted_by: None,
                accepted_until: None,
            });
        } else {
            match crate::api::risks::load_risk(state, link).await? {
                Some((r, _)) if r.entry.is_open_on(day) => risk = Some(r.entry),
                _ => errors.add(
                    "risk_link",
                    format!("{link} is not an open risk of the register any more: choose again."),
                ),
            }
        }
    }

    Ok(match (review, inputs) {
        (Some(review), Some(inputs)) if errors.is_empty() => Ok(Recorded {
            review,
            inputs,
            risk,
        }),
        _ => Err(errors),
    })
}

/// `POST /suppliers/{id}/review`.
async fn record(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
    data: FormData,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let expected = data.version()?;
    let stored = state.store.get_supplier(&id).await?;
    let day = today();
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let ev = Evidence::of(&stored, &policy, day);
    let groups = groups(&open_risks(&state, day).await?);
    let recorded = match read(&state, &session, &stored, &ev, &data.values, &groups, day).await? {
        Ok(r) => r,
        Err(errors) => {
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(
                    Chrome::new(session, Nav::Register),
                    &stored,
                    ev,
                    &groups,
                    Filled {
                        values: &data.values,
                        errors: &errors,
                        version: expected,
                        conflict: None,
                    },
                ),
            ));
        }
    };
    let change = Change::now(session.principal.actor());
    let written = vetted_app::suppliers::edit_supplier(
        state.store.as_ref(),
        &id,
        expected,
        &change,
        |s| -> Result<(), WriteError> {
            s.reviews.push(recorded.review);
            s.risk = recorded.inputs;
            if let Some(risk) = &recorded.risk {
                let risk_id = risk.id.clone().unwrap_or_default();
                apply(s, &risk_id, Some(risk));
            }
            Ok(())
        },
    )
    .await;
    match written {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}?notice={}#facts",
            supplier_url(&id),
            Notice::Reviewed.code()
        ))
        .into_response()),
        Err(WriteError::Stale(current)) => {
            let ev = Evidence::of(&current, &policy, day);
            let message = format!(
                "Nothing was saved: the supplier was changed by someone else while you reviewed it (it is now at version {}). The evidence above is the current one; check it, then submit the review again.",
                current.version
            );
            Ok(render(
                StatusCode::CONFLICT,
                &page(
                    Chrome::new(session, Nav::Register),
                    &current,
                    ev,
                    &groups,
                    Filled {
                        values: &data.values,
                        errors: &Errors::default(),
                        version: current.version,
                        conflict: Some(message),
                    },
                ),
            ))
        }
        Err(WriteError::Page(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_its_trigger_and_an_outcome_its_treatment() {
        assert_eq!(
            trigger_of(EventKind::LocationChange),
            ReviewTrigger::LocationChange
        );
        assert_eq!(treatment_of(ReviewOutcome::Pass), None);
        assert_eq!(
            treatment_of(ReviewOutcome::Escalate),
            Some(Treatment::Escalate)
        );
    }
}
