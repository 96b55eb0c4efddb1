//! From a [`Register`] to rows of cells, sheet by sheet, in the layout's column order, whatever
//! file the rows go to. The XLSX and CSV writers only put [`Out`] cells into their files.

use std::borrow::Cow;

use time::Date;
use vetted_core::country::Country;
use vetted_core::model::{
    AgreementKind, AssessmentOutcome, AssuranceKind, BusinessImpact, Category, DataAccess,
    Document, EventKind, Mechanism, ParamValue, Purpose, Register, Replaceability, ReviewOutcome,
    ReviewTrigger, RiskStatus, Status, Supplier, Treatment,
};

use super::layout::{self, Role, Sheet};

/// A cell to write.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Out<'r> {
    Blank,
    Text(Cow<'r, str>),
    Number(f64),
    Date(Date),
}

fn text(value: Option<&String>) -> Out<'_> {
    value.map_or(Out::Blank, |s| Out::Text(Cow::Borrowed(s)))
}

fn lines<T: AsRef<str>>(items: &[T]) -> Out<'_> {
    match items {
        [] => Out::Blank,
        [one] => Out::Text(Cow::Borrowed(one.as_ref())),
        _ => Out::Text(Cow::Owned(
            items
                .iter()
                .map(AsRef::as_ref)
                .collect::<Vec<&str>>()
                .join("\n"),
        )),
    }
}

/// One line per document: `SHA256 MEDIA_TYPE SIZE NAME` (the name last, so it may hold spaces).
fn documents(items: &[Document]) -> Out<'static> {
    if items.is_empty() {
        return Out::Blank;
    }
    let lines: Vec<String> = items
        .iter()
        .map(|d| format!("{} {} {} {}", d.sha256, d.media_type, d.size, d.name))
        .collect();
    Out::Text(Cow::Owned(lines.join("\n")))
}

fn yes_no(value: bool) -> Out<'static> {
    Out::Text(Cow::Borrowed(if value { "yes" } else { "no" }))
}

fn date(value: Option<Date>) -> Out<'static> {
    value.map_or(Out::Blank, Out::Date)
}

fn choice<T>(value: Option<T>, name: fn(T) -> &'static str) -> Out<'static> {
    value.map_or(Out::Blank, |v| Out::Text(Cow::Borrowed(name(v))))
}

fn param(value: Option<&ParamValue>) -> Out<'_> {
    match value {
        None => Out::Blank,
        Some(ParamValue::Number(n)) => Out::Number(n.0),
        Some(ParamValue::Text(t)) => Out::Text(Cow::Borrowed(t)),
    }
}

/// Calls `each` with every row of `sheet` (the header not included), in register order.
pub(crate) fn each_row<'r, E>(
    register: &'r Register,
    sheet: &Sheet,
    mut each: impl FnMut(&[Out<'r>]) -> Result<(), E>,
) -> Result<(), E> {
    let mut row: Vec<Out<'r>> = Vec::with_capacity(sheet.columns.len());
    for s in &register.suppliers {
        macro_rules! rows {
            ($items:expr, |$item:ident, $name:ident| $cell:expr) => {
                for $item in $items {
                    row.clear();
                    for column in &sheet.columns {
                        let $name = column.name.as_str();
                        row.push(if $name == layout::SUPPLIER_COLUMN {
                            Out::Text(Cow::Borrowed(s.id.as_str()))
                        } else {
                            $cell
                        });
                    }
                    each(&row)?;
                }
            };
        }
        match sheet.name {
            layout::SUPPLIERS => {
                row.clear();
                row.extend(sheet.columns.iter().map(|c| supplier_cell(s, &c.name)));
                each(&row)?;
            }
            layout::LOCATIONS => rows!(&s.locations, |l, name| match name {
                "country" => Out::Text(Cow::Borrowed(l.country.as_str())),
                "region" => text(l.region.as_ref()),
                "purpose" => choice(Some(l.purpose), Purpose::as_str),
                "note" => text(l.note.as_ref()),
                "mechanism" => choice(l.mechanism, Mechanism::as_str),
                _ => Out::Blank,
            }),
            layout::ASSURANCE => rows!(&s.assurance, |a, name| match name {
                "kind" => choice(Some(a.kind), AssuranceKind::as_str),
                "issuer" => text(a.issuer.as_ref()),
                "scope" => text(a.scope.as_ref()),
                "valid_from" => date(a.valid_from),
                "valid_until" => date(a.valid_until),
                "period_start" => date(a.period_start),
                "period_end" => date(a.period_end),
                "completed" => date(a.completed),
                "covers_service" => yes_no(a.covers_service),
                "exceptions" => lines(&a.exceptions),
                "exceptions_acknowledged" => yes_no(a.exceptions_acknowledged),
                "compensating_controls" => lines(&a.compensating_controls),
                "documents" => documents(&a.documents),
                _ => Out::Blank,
            }),
            layout::AGREEMENTS => {
                for a in &s.agreements {
                    row.clear();
                    for column in &sheet.columns {
                        row.push(match &column.role {
                            Role::Clause(key) => {
                                if a.clauses.contains_key(key) {
                                    Out::Text(Cow::Borrowed("yes"))
                                } else {
                                    Out::Blank
                                }
                            }
                            Role::Param(key, p) => {
                                param(a.clauses.get(key).and_then(|params| params.get(p)))
                            }
                            Role::Field => match column.name.as_str() {
                                layout::SUPPLIER_COLUMN => Out::Text(Cow::Borrowed(s.id.as_str())),
                                "kind" => choice(a.kind, AgreementKind::as_str),
                                "title" => text(a.title.as_ref()),
                                "signed" => date(a.signed),
                                "expires" => date(a.expires),
                                "terminated" => date(a.terminated),
                                "gdpr_art28" => yes_no(a.gdpr_art28),
                                _ => Out::Blank,
                            },
                        });
                    }
                    each(&row)?;
                }
            }
            layout::ASSESSMENTS => rows!(&s.assessments, |a, name| match name {
                "date" => date(Some(a.date)),
                "assessor" => text(a.assessor.as_ref()),
                "outcome" => choice(Some(a.outcome), AssessmentOutcome::as_str),
                "notes" => text(a.notes.as_ref()),
                _ => Out::Blank,
            }),
            layout::REVIEWS => rows!(&s.reviews, |r, name| match name {
                "date" => date(Some(r.date)),
                "reviewer" => text(r.reviewer.as_ref()),
                "trigger" => choice(r.trigger, ReviewTrigger::as_str),
                "outcome" => choice(r.outcome, ReviewOutcome::as_str),
                "checks" =>
                    lines(&r.checks.iter().map(|c| c.as_str()).collect::<Vec<&str>>()).into_owned(),
                "notes" => text(r.notes.as_ref()),
                _ => Out::Blank,
            }),
            layout::EVENTS => rows!(&s.events, |e, name| match name {
                "date" => date(Some(e.date)),
                "kind" => choice(Some(e.kind), EventKind::as_str),
                "summary" => text(e.summary.as_ref()),
                _ => Out::Blank,
            }),
            layout::RISKS => rows!(&s.risks, |r, name| match name {
                "id" => text(r.id.as_ref()),
                "title" => text(r.title.as_ref()),
                "status" => choice(r.status, RiskStatus::as_str),
                "treatment" => choice(r.treatment, Treatment::as_str),
                "owner" => text(r.owner.as_ref()),
                "due" => date(r.due),
                "description" => text(r.description.as_ref()),
                "rules" => lines(&r.rules),
                "opened" => date(r.opened),
                "accepted_by" => text(r.accepted_by.as_ref()),
                "accepted_until" => date(r.accepted_until),
                _ => Out::Blank,
            }),
            layout::SUBPROCESSORS => rows!(&s.subprocessors.list, |p, name| match name {
                "name" => text(p.name.as_ref()),
                "purpose" => text(p.purpose.as_ref()),
                "countries" => lines(
                    &p.countries
                        .iter()
                        .map(Country::as_str)
                        .collect::<Vec<&str>>()
                )
                .into_owned(),
                _ => Out::Blank,
            }),
            _ => {}
        }
    }
    Ok(())
}

impl Out<'_> {
    /// The same cell owning its text.
    fn into_owned(self) -> Out<'static> {
        match self {
            Out::Blank => Out::Blank,
            Out::Text(t) => Out::Text(Cow::Owned(t.into_owned())),
            Out::Number(n) => Out::Number(n),
            Out::Date(d) => Out::Date(d),
        }
    }
}

fn supplier_cell<'r>(s: &'r Supplier, name: &str) -> Out<'r> {
    match name {
        "id" => Out::Text(Cow::Borrowed(s.id.as_str())),
        "name" => text(s.name.as_ref()),
        "category" => choice(s.category, Category::as_str),
        "services" => lines(&s.services),
        "status" => choice(s.status, Status::as_str),
        "owner" => text(s.owner.as_ref()),
        "website" => text(s.website.as_ref()),
        "data.personal_data" => yes_no(s.data.personal_data),
        "data.customer_data" => yes_no(s.data.customer_data),
        "data.confidential" => yes_no(s.data.confidential),
        "data.production_dependency" => yes_no(s.data.production_dependency),
        "data.categories" => lines(&s.data.categories),
        "inference.provides" => yes_no(s.inference.provides),
        "risk.business_impact" => choice(s.risk.business_impact, BusinessImpact::as_str),
        "risk.data_access" => choice(s.risk.data_access, DataAccess::as_str),
        "risk.replaceability" => choice(s.risk.replaceability, Replaceability::as_str),
        "subprocessors.known" => yes_no(s.subprocessors.known),
        "public_listing.listed" => yes_no(s.public_listing.listed),
        "public_listing.purpose" => text(s.public_listing.purpose.as_ref()),
        "public_listing.since" => date(s.public_listing.since),
        _ => Out::Blank,
    }
}

/// How many rows `sheet` has for `register` (the header not included).
pub(crate) fn row_count(register: &Register, sheet: &str) -> usize {
    register
        .suppliers
        .iter()
        .map(|s| match sheet {
            layout::SUPPLIERS => 1,
            layout::LOCATIONS => s.locations.len(),
            layout::ASSURANCE => s.assurance.len(),
            layout::AGREEMENTS => s.agreements.len(),
            layout::ASSESSMENTS => s.assessments.len(),
            layout::REVIEWS => s.reviews.len(),
            layout::EVENTS => s.events.len(),
            layout::RISKS => s.risks.len(),
            layout::SUBPROCESSORS => s.subprocessors.list.len(),
            _ => 0,
        })
        .sum()
}
