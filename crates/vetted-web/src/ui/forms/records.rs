//! The forms of a supplier's nested records, by section name as in the REST API:
//!
//! - list sections (`locations`, `agreements`, `assessments`, `reviews`, `events`, `risks`,
//!   and the `list` of `subprocessors`): `GET|POST /suppliers/{id}/{section}/new`,
//!   `GET|POST …/{section}/{index}/edit`, `POST …/{section}/{index}/delete`;
//! - one-object sections (`risk`, `subprocessors` for its `known` flag, `public_listing`):
//!   `GET|POST /suppliers/{id}/{section}/edit`.
//!
//! `assurance` has its own forms (evidence with document uploads, `/suppliers/{id}/assurance/…`),
//! and `data` and `inference` are edited with the supplier's own fields, so these routes answer
//! 404 for them. [`spec`] says which fields each section's form has; saving follows the steps
//! in [`super`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use vetted_core::model::{
    AgreementKind, AssessmentOutcome, BusinessImpact, DataAccess, EventKind, Mechanism, Purpose,
    Replaceability, ReviewCheck, ReviewOutcome, ReviewTrigger, RiskStatus, Supplier, SupplierId,
    Treatment,
};
use vetted_core::policy::{ParamKind, Policy};
use vetted_core::section::{RecordAt, Section, put_record};
use vetted_store::{Change, StoredSupplier};

use super::fields::{Choice, ClauseSpec, Errors, Field, Group, Kind, Values, conflict_rows};
use super::tier::TierPreview;
use super::{
    Conflict, Crumb, FormData, FormSpec, PagePath, Retry, StalePage, WriteError, back_to, segment,
    stale_page, supplier_url,
};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::decode_record;
use crate::ui::page::Notice;
use crate::ui::{CanEdit, Chrome, Nav, PageError, Session, render};

/// What a record of `section` is called in headings and buttons ("location").
fn noun(section: Section) -> &'static str {
    match section {
        Section::Locations => "location",
        Section::Assurance => "assurance item",
        Section::Agreements => "agreement",
        Section::Assessments => "due-diligence assessment",
        Section::Reviews => "review",
        Section::Events => "event",
        Section::Risks => "risk entry",
        Section::Subprocessors => "subprocessor",
        Section::Risk => "risk inputs",
        Section::PublicListing => "public listing",
        Section::Data => "data handling",
        Section::Inference => "model inference",
    }
}

fn select<T: Copy>(values: &[T], wire: fn(T) -> &'static str) -> Kind {
    Kind::Select(Choice::all(values, wire))
}

/// The four re-checks of a review, labelled with what each re-checks (policy: `review.incomplete`).
pub(crate) fn review_checks() -> Vec<Choice> {
    ReviewCheck::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str().to_string(),
            label: match c {
                ReviewCheck::Assurance => "Assurance: certificates and reports are current",
                ReviewCheck::Dpa => "DPA: an agreement with the GDPR Art. 28 terms is in force",
                ReviewCheck::Residency => "Residency: every location is in an allowed country",
                ReviewCheck::Risk => "Risk: the risk inputs and the tier still hold",
            }
            .to_string(),
        })
        .collect()
}

/// The clause checklist of the active policy's catalogue, each with its typed parameters.
fn clause_specs(policy: &Policy) -> Vec<ClauseSpec> {
    policy
        .clauses
        .iter()
        .map(|c| ClauseSpec {
            key: c.key.clone(),
            title: c.title.clone(),
            params: c
                .params
                .iter()
                .map(|(name, kind)| {
                    let field_name = format!("clauses.{}.{name}", c.key);
                    match kind {
                        ParamKind::Number => {
                            Field::new(field_name, super::label(name), Kind::Number { max: None })
                        }
                        ParamKind::Percent => Field::new(
                            field_name,
                            format!("{} (%)", super::label(name)),
                            Kind::Number { max: Some(100) },
                        ),
                        ParamKind::Text => Field::new(field_name, super::label(name), Kind::Text),
                    }
                })
                .collect(),
        })
        .collect()
}

/// The fields of a record of `section`; `None` for the sections edited elsewhere.
pub fn spec(section: Section, policy: &Policy) -> Option<Vec<Group>> {
    let date = |name: &str, label: &str| Field::new(name, label, Kind::Date);
    let text = |name: &str, label: &str| Field::new(name, label, Kind::Text);
    Some(match section {
        Section::Locations => vec![Group::plain(vec![
            Field::new("country", "Country", Kind::Country)
                .required()
                .hint("Two-letter ISO 3166-1 code, such as DE or IE (the United Kingdom is GB; EU is not a country)."),
            Field::new("purpose", "Purpose", select(Purpose::ALL, Purpose::as_str)).required(),
            text("region", "Region").hint("The provider's region or site, such as eu-frankfurt-1."),
            Field::new("mechanism", "Transfer mechanism", select(Mechanism::ALL, Mechanism::as_str))
                .hint("Documents a transfer outside the allowed countries; it never makes it allowed."),
            text("note", "Note"),
        ])],
        Section::Agreements => vec![
            Group::new(
                "Agreement",
                vec![
                    Field::new("kind", "Kind", select(AgreementKind::ALL, AgreementKind::as_str)),
                    text("title", "Title"),
                    date("signed", "Signed on")
                        .hint("An agreement without a signing date is never in force."),
                    date("expires", "Expires on")
                        .hint("The first day it no longer holds."),
                    date("terminated", "Terminated on")
                        .hint("The first day it no longer holds, if ended early."),
                    Field::new(
                        "gdpr_art28",
                        "Contains the GDPR Art. 28 processor terms",
                        Kind::Checkbox,
                    ),
                ],
            ),
            // The checklist is its own fieldset (`Control::Clauses`).
            Group::plain(vec![
                Field::new("clauses", "Clauses", Kind::Clauses(clause_specs(policy)))
                    .hint("The clause catalogue of the active policy: tick each clause the agreement contains and give its parameters."),
            ]),
        ],
        Section::Assessments => vec![Group::plain(vec![
            date("date", "Date").required(),
            Field::new(
                "outcome",
                "Outcome",
                select(AssessmentOutcome::ALL, AssessmentOutcome::as_str),
            )
            .required(),
            text("assessor", "Assessor"),
            Field::new("notes", "Notes", Kind::TextArea),
        ])],
        Section::Reviews => vec![
            Group::plain(vec![
                date("date", "Date").required(),
                text("reviewer", "Reviewer"),
                Field::new("trigger", "Trigger", select(ReviewTrigger::ALL, ReviewTrigger::as_str)),
                Field::new("outcome", "Outcome", select(ReviewOutcome::ALL, ReviewOutcome::as_str)),
            ]),
            Group::plain(vec![
                Field::new("checks", "Re-checks done", Kind::Choices(review_checks()))
                    .hint("A complete review re-checks all four."),
                Field::new("notes", "Notes", Kind::TextArea),
            ]),
        ],
        Section::Events => vec![Group::plain(vec![
            date("date", "Date").required(),
            Field::new("kind", "Kind", select(EventKind::ALL, EventKind::as_str)).required(),
            Field::new("summary", "Summary", Kind::TextArea),
        ])],
        Section::Risks => vec![Group::plain(vec![
            text("id", "Risk register id").hint("The entry's id in the risk register, such as R-42."),
            text("title", "Title"),
            Field::new("status", "Status", select(RiskStatus::ALL, RiskStatus::as_str)),
            Field::new("treatment", "Treatment", select(Treatment::ALL, Treatment::as_str)),
            text("owner", "Owner"),
            date("due", "Due on"),
            // The extensions (`docs/register-format-extensions.md`): on the form so an edit
            // keeps them. A risk with an id is edited in the risk register (`/risks/{id}`),
            // which writes every supplier's copy at once.
            Field::new("description", "Description", Kind::TextArea),
            Field::new("rules", "Rules it answers", Kind::Lines)
                .hint("Policy rule ids, one per line, such as selection.residency."),
            date("opened", "Opened on"),
            text("accepted_by", "Accepted by"),
            date("accepted_until", "Accepted until")
                .hint("The last day an acceptance holds; empty: it does not expire."),
        ])],
        Section::Subprocessors => vec![Group::plain(vec![
            text("name", "Name"),
            text("purpose", "Purpose"),
            Field::new("countries", "Countries", Kind::Countries)
                .hint("Two-letter codes separated by commas, such as DE, IE."),
        ])],
        Section::Risk => vec![Group::new(
            "Risk inputs",
            vec![
                Field::new(
                    "business_impact",
                    "Business impact",
                    select(BusinessImpact::ALL, BusinessImpact::as_str),
                )
                .hint("How much the business suffers when the supplier fails."),
                Field::new("data_access", "Data access", select(DataAccess::ALL, DataAccess::as_str))
                    .hint("Which of our data the supplier can reach."),
                Field::new(
                    "replaceability",
                    "Replaceability",
                    select(Replaceability::ALL, Replaceability::as_str),
                )
                .hint("How hard the supplier is to replace."),
            ],
        )],
        Section::PublicListing => vec![Group::plain(vec![
            Field::new("listed", "Listed on our public subprocessor list", Kind::Checkbox),
            text("purpose", "Purpose shown"),
            date("since", "Listed since"),
        ])],
        Section::Assurance | Section::Data | Section::Inference => return None,
    })
}

/// The one-object sections these forms edit whole (`subprocessors` for its `known` flag).
fn whole_spec(section: Section, policy: &Policy) -> Option<Vec<Group>> {
    match section {
        Section::Subprocessors => Some(vec![Group::plain(vec![Field::new(
            "known",
            "The supplier's subprocessors are known",
            Kind::Checkbox,
        )
        .hint("Tick when the supplier has disclosed its subprocessors; an empty list recorded as known counts.")])]),
        Section::Risk | Section::PublicListing => spec(section, policy),
        _ => None,
    }
}

fn not_found(name: &str) -> PageError {
    ApiError::NotFound {
        what: "form for section",
        id: name.to_string(),
    }
    .into()
}

/// A list section that has forms here, with its fields.
fn list_section(name: &str, policy: &Policy) -> Result<(Section, Vec<Group>), PageError> {
    Section::parse(name)
        .filter(|s| s.whole().is_none() || *s == Section::Subprocessors)
        .and_then(|s| spec(s, policy).map(|g| (s, g)))
        .ok_or_else(|| not_found(name))
}

fn parse_id(id: &str) -> Result<SupplierId, PageError> {
    SupplierId::parse(id)
        .map_err(|why| ApiError::bad_parameter("id", format!("supplier id {why}")).into())
}

fn parse_index(index: &str) -> Result<usize, PageError> {
    index.parse().map_err(|_| {
        ApiError::bad_parameter(
            "index",
            format!("`{index}` is not an index: expected 0, 1, 2 …"),
        )
        .into()
    })
}

fn chrome(session: Session) -> Chrome {
    Chrome::new(session, Nav::Register)
}

/// The base URL of a supplier's section: `/suppliers/acme/locations`.
fn section_url(id: &SupplierId, section: Section) -> String {
    format!("/suppliers/{}/{section}", segment(id.as_str()))
}

/// The anchor of a section on the supplier page.
fn anchor(section: Section) -> &'static str {
    section.as_str()
}

fn ordinal_title(verb: &str, section: Section, index: usize) -> String {
    format!("{verb} {} {}", noun(section), index + 1)
}

fn list_form(
    stored: &StoredSupplier,
    section: Section,
    groups: Vec<Group>,
    index: Option<usize>,
) -> FormSpec {
    let id = &stored.supplier.id;
    let crumb = Crumb::of(stored);
    let (title, action, submit) = match index {
        Some(i) => (
            ordinal_title("Edit", section, i),
            format!("{}/{i}/edit", section_url(id, section)),
            format!("Save the {}", noun(section)),
        ),
        None => (
            format!("Add a {}", noun(section)),
            format!("{}/new", section_url(id, section)),
            format!("Add the {}", noun(section)),
        ),
    };
    FormSpec {
        title,
        intro: Some(format!("Supplier: {}", crumb.label)),
        crumb: Some(crumb),
        action,
        cancel: format!("{}#{}", supplier_url(id), anchor(section)),
        submit,
        groups,
        tier_url: None,
    }
}

fn whole_form_spec(stored: &StoredSupplier, section: Section, groups: Vec<Group>) -> FormSpec {
    let id = &stored.supplier.id;
    let crumb = Crumb::of(stored);
    let is_risk = section == Section::Risk;
    FormSpec {
        title: match section {
            Section::Risk => "Edit the risk inputs".to_string(),
            Section::Subprocessors => "Edit the subprocessor disclosure".to_string(),
            _ => format!("Edit the {}", noun(section)),
        },
        intro: Some(format!("Supplier: {}", crumb.label)),
        crumb: Some(crumb),
        action: format!("{}/edit", section_url(id, section)),
        cancel: format!("{}#{}", supplier_url(id), anchor(section)),
        submit: format!("Save the {}", noun(section)),
        groups,
        tier_url: is_risk.then(|| format!("{}/tier", section_url(id, section))),
    }
}

/// The tier of the risk form's values (the stored ones, or those typed).
fn tier_of(
    section: Section,
    values: &Values,
    groups: &[Group],
    state: &AppState,
) -> Option<TierPreview> {
    if section != Section::Risk {
        return None;
    }
    let record = values.to_record(groups, Value::Null);
    let risk = serde_json::from_value(record).unwrap_or_default();
    Some(TierPreview::of(&risk, &state.policy().policy))
}

/// Validates the form's record as it will sit at `at`: the record, or the problems by field.
fn validate(
    values: &Values,
    groups: &[Group],
    base: Value,
    at: RecordAt,
    policy: &Policy,
) -> Result<vetted_core::section::Record, Errors> {
    let mut errors = values.check(groups);
    let record = values.to_record(groups, base);
    match decode_record(&record.to_string(), at, policy) {
        Ok(r) if errors.is_empty() => Ok(r),
        Ok(_) => Err(errors),
        Err(ApiError::Invalid(problems)) => {
            errors.merge(Errors::from_problems(&problems, &at.path(), groups));
            Err(errors)
        }
        Err(e) => {
            // The record is built as JSON here, so only a bug reaches this.
            tracing::error!(error = %e, record.at = %at, "a form built a record the decoder could not read");
            errors
                .other
                .push("The form could not be read; it has been logged.".to_string());
            Err(errors)
        }
    }
}

fn put(
    s: &mut Supplier,
    at: RecordAt,
    record: vetted_core::section::Record,
) -> Result<(), WriteError> {
    put_record(s, at, record).map_err(|_| {
        tracing::error!(record.at = %at, "a decoded record did not fit its place");
        WriteError::Page(ApiError::Internal.into())
    })
}

/// The answer to a failed write: 409 with the conflict, or the error page.
fn refused(
    error: WriteError,
    conflict: impl FnOnce(StoredSupplier) -> Response,
) -> Result<Response, PageError> {
    match error {
        WriteError::Stale(current) => Ok(conflict(*current)),
        WriteError::Page(e) => Err(e),
    }
}

/// `GET /suppliers/{id}/{section}/new`.
pub async fn new_form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath((id, name)): PagePath<(String, String)>,
) -> Result<Response, PageError> {
    let (section, groups) = list_section(&name, &state.policy().policy)?;
    let stored = state.store.get_supplier(&parse_id(&id)?).await?;
    let form = list_form(&stored, section, groups, None);
    Ok(form.show(chrome(session), &Values::default(), Some(stored.version)))
}

/// `POST /suppliers/{id}/{section}/new`: appends the record.
pub async fn create(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath((id, name)): PagePath<(String, String)>,
    data: FormData,
) -> Result<Response, PageError> {
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let (section, groups) = list_section(&name, &policy)?;
    let id = parse_id(&id)?;
    let expected = data.version()?;
    let stored = state.store.get_supplier(&id).await?;
    let len = section.len(&stored.supplier).unwrap_or(0);
    let at = section.item(len).ok_or_else(|| not_found(&name))?;
    let form = list_form(&stored, section, groups.clone(), None);
    let record = match validate(
        &data.values,
        &groups,
        Value::Object(Map::new()),
        at,
        &policy,
    ) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(form.invalid(chrome(session), &data.values, &errors, Some(expected)));
        }
    };
    let change = Change::now(session.principal.actor());
    let written =
        vetted_app::suppliers::edit_supplier(state.store.as_ref(), &id, expected, &change, |s| {
            // Appended at the end of the version read (the version check has passed).
            let at = section
                .item(section.len(s).unwrap_or(0))
                .ok_or(WriteError::Page(not_found(&name)))?;
            put(s, at, record)
        })
        .await;
    match written {
        Ok(_) => Ok(back_to(&id, Notice::Saved, anchor(section))),
        Err(e) => refused(e, |current| {
            let conflict = Conflict {
                version: current.version,
                rows: Vec::new(),
                note: Some(format!(
                    "Your new {} is not saved yet. Below is the form with your values; adding it now adds it to the current version.",
                    noun(section)
                )),
                reload: format!("{}/new", section_url(&id, section)),
            };
            render(
                StatusCode::CONFLICT,
                &form.page(
                    chrome(session),
                    &data.values,
                    &Errors::default(),
                    Some(current.version),
                    Some(conflict),
                    None,
                ),
            )
        }),
    }
}

/// The stored values of item `index`, if there is one.
fn item_values(s: &Supplier, section: Section, index: usize, groups: &[Group]) -> Option<Values> {
    section
        .item_view(s, index)
        .map(|v| Values::from_record(groups, &v))
}

/// `GET /suppliers/{id}/{section}/{index}/edit`.
pub async fn edit_form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath((id, name, index)): PagePath<(String, String, String)>,
) -> Result<Response, PageError> {
    let (section, groups) = list_section(&name, &state.policy().policy)?;
    let index = parse_index(&index)?;
    let stored = state.store.get_supplier(&parse_id(&id)?).await?;
    let values = item_values(&stored.supplier, section, index, &groups).ok_or_else(|| {
        ApiError::NotFound {
            what: "record",
            id: format!("{}.{section}[{index}]", stored.supplier.id),
        }
    })?;
    let form = list_form(&stored, section, groups, Some(index));
    Ok(form.show(chrome(session), &values, Some(stored.version)))
}

/// `POST /suppliers/{id}/{section}/{index}/edit`: replaces item `index` of the version read.
pub async fn update(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath((id, name, index)): PagePath<(String, String, String)>,
    data: FormData,
) -> Result<Response, PageError> {
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let (section, groups) = list_section(&name, &policy)?;
    let index = parse_index(&index)?;
    let id = parse_id(&id)?;
    let expected = data.version()?;
    let stored = state.store.get_supplier(&id).await?;
    let at = section.item(index).ok_or_else(|| not_found(&name))?;
    let form = list_form(&stored, section, groups.clone(), Some(index));
    // Every field of a list item is on its form: nothing to keep from the stored item.
    let record = match validate(
        &data.values,
        &groups,
        Value::Object(Map::new()),
        at,
        &policy,
    ) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(form.invalid(chrome(session), &data.values, &errors, Some(expected)));
        }
    };
    let change = Change::now(session.principal.actor());
    let written =
        vetted_app::suppliers::edit_supplier(state.store.as_ref(), &id, expected, &change, |s| {
            if section.len(s).is_none_or(|len| index >= len) {
                return Err(WriteError::Page(
                    ApiError::NotFound {
                        what: "record",
                        id: format!("{}.{at}", s.id),
                    }
                    .into(),
                ));
            }
            put(s, at, record)
        })
        .await;
    match written {
        Ok(_) => Ok(back_to(&id, Notice::Saved, anchor(section))),
        Err(e) => refused(e, |current| {
            let now = item_values(&current.supplier, section, index, &groups);
            let (form, note) = match &now {
                Some(_) => (form, None),
                // The item is gone (the list is shorter now): offer to add the values as a
                // new record of the current version instead.
                None => (
                    list_form(&current, section, groups.clone(), None),
                    Some(format!(
                        "The {} you edited is no longer there: someone removed it. Submitting the form adds your values as a new {} to the current version.",
                        noun(section),
                        noun(section)
                    )),
                ),
            };
            let conflict = Conflict {
                version: current.version,
                rows: conflict_rows(&groups, &data.values, &now.unwrap_or_default()),
                note,
                reload: format!("{}/{index}/edit", section_url(&id, section)),
            };
            render(
                StatusCode::CONFLICT,
                &form.page(
                    chrome(session),
                    &data.values,
                    &Errors::default(),
                    Some(current.version),
                    Some(conflict),
                    None,
                ),
            )
        }),
    }
}

/// `POST /suppliers/{id}/{section}/{index}/delete`: removes item `index` of the version read.
pub async fn delete(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath((id, name, index)): PagePath<(String, String, String)>,
    data: FormData,
) -> Result<Response, PageError> {
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let (section, groups) = list_section(&name, &policy)?;
    let index = parse_index(&index)?;
    let id = parse_id(&id)?;
    let expected = data.version()?;
    let change = Change::now(session.principal.actor());
    let written =
        vetted_app::suppliers::edit_supplier(state.store.as_ref(), &id, expected, &change, |s| {
            if section.remove(s, index) {
                Ok(())
            } else {
                Err(WriteError::Page(
                    ApiError::NotFound {
                        what: "record",
                        id: format!("{}.{section}[{index}]", s.id),
                    }
                    .into(),
                ))
            }
        })
        .await;
    match written {
        Ok(_) => Ok(back_to(&id, Notice::Deleted, anchor(section))),
        Err(e) => refused(e, |current| {
            let now = item_values(&current.supplier, section, index, &groups);
            let message = match &now {
                Some(_) => format!(
                    "Nothing was deleted: the supplier was changed by someone else since you loaded the page (it is now at version {}). This is the {} at that place now; check it is the one you meant before deleting it.",
                    current.version,
                    noun(section)
                ),
                None => format!(
                    "Nothing was deleted: the supplier was changed by someone else since you loaded the page (it is now at version {}), and there is no {} at that place any more.",
                    current.version,
                    noun(section)
                ),
            };
            let retry = now.as_ref().map(|_| Retry {
                action: format!("{}/{index}/delete", section_url(&id, section)),
                button: format!("Delete this {}", noun(section)),
                version: current.version,
                confirm: Some(format!("Delete this {}?", noun(section))),
            });
            let rows = now
                .map(|v| conflict_rows(&groups, &v, &v))
                .unwrap_or_default();
            stale_page(&StalePage {
                chrome: chrome(session),
                title: format!("The {} was not deleted", noun(section)),
                message,
                crumb: Crumb::of(&current),
                rows,
                retry,
            })
        }),
    }
}

/// A one-object section that has a form here, with its fields.
fn whole_section(name: &str, policy: &Policy) -> Result<(Section, Vec<Group>), PageError> {
    Section::parse(name)
        .and_then(|s| whole_spec(s, policy).map(|g| (s, g)))
        .ok_or_else(|| not_found(name))
}

/// `GET /suppliers/{id}/{section}/edit` (`risk`, `subprocessors`, `public_listing`).
pub async fn whole_form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath((id, name)): PagePath<(String, String)>,
) -> Result<Response, PageError> {
    let (section, groups) = whole_section(&name, &state.policy().policy)?;
    let stored = state.store.get_supplier(&parse_id(&id)?).await?;
    let values = Values::from_record(&groups, &section.view(&stored.supplier));
    let tier = tier_of(section, &values, &groups, &state);
    let form = whole_form_spec(&stored, section, groups);
    Ok(render(
        StatusCode::OK,
        &form.page(
            chrome(session),
            &values,
            &Errors::default(),
            Some(stored.version),
            None,
            tier,
        ),
    ))
}

/// `POST /suppliers/{id}/{section}/edit`: replaces the section (what the form does not show,
/// the subprocessors' list, is kept as stored).
pub async fn update_whole(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath((id, name)): PagePath<(String, String)>,
    data: FormData,
) -> Result<Response, PageError> {
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let (section, groups) = whole_section(&name, &policy)?;
    let id = parse_id(&id)?;
    let expected = data.version()?;
    let stored = state.store.get_supplier(&id).await?;
    let at = section.whole().ok_or_else(|| not_found(&name))?;
    let form = whole_form_spec(&stored, section, groups.clone());
    let tier = tier_of(section, &data.values, &groups, &state);
    let base = section.view(&stored.supplier);
    let record = match validate(&data.values, &groups, base, at, &policy) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form.page(
                    chrome(session),
                    &data.values,
                    &errors,
                    Some(expected),
                    None,
                    tier,
                ),
            ));
        }
    };
    let change = Change::now(session.principal.actor());
    let written =
        vetted_app::suppliers::edit_supplier(state.store.as_ref(), &id, expected, &change, |s| {
            put(s, at, record)
        })
        .await;
    match written {
        Ok(_) => Ok(back_to(&id, Notice::Saved, anchor(section))),
        Err(e) => refused(e, |current| {
            let now = Values::from_record(&groups, &section.view(&current.supplier));
            let conflict = Conflict {
                version: current.version,
                rows: conflict_rows(&groups, &data.values, &now),
                note: None,
                reload: format!("{}/edit", section_url(&id, section)),
            };
            render(
                StatusCode::CONFLICT,
                &form.page(
                    chrome(session),
                    &data.values,
                    &Errors::default(),
                    Some(current.version),
                    Some(conflict),
                    tier,
                ),
            )
        }),
    }
}
