//! The flat layout itself: the sheets, their columns in order, what each column holds and what
//! it means. The readers, the writers and the template's README sheet all work from this one
//! description; `docs/spreadsheet-layout.md` is its prose form.
//!
//! The `agreements` sheet depends on the policy: one column per clause of its catalogue (named
//! after the clause key) followed by one per clause parameter (`<clause>.<param>`).

use std::collections::BTreeMap;

use vetted_core::model::{
    AgreementKind, AssessmentOutcome, AssuranceKind, BusinessImpact, Category, DataAccess,
    EventKind, Mechanism, MediaType, ParamValue, Purpose, Register, Replaceability, ReviewCheck,
    ReviewOutcome, ReviewTrigger, RiskStatus, Status, Treatment,
};
use vetted_core::policy::{ParamKind, Policy};

/// The sheet of suppliers, one row per supplier.
pub const SUPPLIERS: &str = "suppliers";
/// Where each supplier stores, processes, infers or accesses data.
pub const LOCATIONS: &str = "locations";
/// Certificates, reports, questionnaires and tests.
pub const ASSURANCE: &str = "assurance";
/// Contracts and the clauses they contain.
pub const AGREEMENTS: &str = "agreements";
/// Due-diligence assessments.
pub const ASSESSMENTS: &str = "assessments";
/// Periodic and triggered reviews.
pub const REVIEWS: &str = "reviews";
/// Incidents and changes.
pub const EVENTS: &str = "events";
/// Entries of the risk register.
pub const RISKS: &str = "risks";
/// The suppliers' own subprocessors.
pub const SUBPROCESSORS: &str = "subprocessors";

/// Every sheet of the layout, in the order a workbook holds them.
pub const SHEETS: [&str; 9] = [
    SUPPLIERS,
    LOCATIONS,
    ASSURANCE,
    AGREEMENTS,
    ASSESSMENTS,
    REVIEWS,
    EVENTS,
    RISKS,
    SUBPROCESSORS,
];

/// Sheets that carry instructions and are skipped on import (matched case-insensitively).
pub const IGNORED_SHEETS: [&str; 2] = ["README", "instructions"];

/// The name of the column that links a child row to its supplier.
pub(crate) const SUPPLIER_COLUMN: &str = "supplier";

/// What a column's cells hold.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Values {
    /// A supplier id: the `id` of the suppliers sheet, the `supplier` of the others.
    SupplierId,
    /// Free text.
    Text,
    /// Free text, one item per line.
    Lines,
    /// yes or no; blank means the default.
    YesNo { default: bool },
    /// `YYYY-MM-DD`, or an Excel date.
    Date,
    /// One of a fixed set of values.
    Choice(Vec<&'static str>),
    /// Any of a fixed set of values, one per line.
    Choices(Vec<&'static str>),
    /// An ISO 3166-1 alpha-2 code.
    Country,
    /// ISO 3166-1 alpha-2 codes, one per line.
    Countries,
    /// Document references, one per line: SHA-256, media type, size, name.
    Documents,
    /// Whether an agreement contains a clause.
    Clause,
    /// A clause parameter.
    Param(ParamKind),
}

impl Values {
    /// The allowed values in words, for the README sheet.
    pub(crate) fn describe(&self) -> String {
        match self {
            Values::SupplierId => "a supplier id: no spaces, no /".into(),
            Values::Text => "text".into(),
            Values::Lines => {
                "text, one item per line (Alt+Enter starts a new line in a cell)".into()
            }
            Values::YesNo { default: false } => {
                "yes or no (x and true mean yes; blank means no)".into()
            }
            Values::YesNo { default: true } => {
                "yes or no (x and true mean yes; blank means yes)".into()
            }
            Values::Date => "a date: YYYY-MM-DD, or a date cell".into(),
            Values::Choice(values) => format!("one of: {}", values.join(", ")),
            Values::Choices(values) => format!("any of: {}; one per line", values.join(", ")),
            Values::Country => {
                "an ISO 3166-1 alpha-2 country code in capitals: DE, FR, GB (not UK), GR (not EL)"
                    .into()
            }
            Values::Countries => {
                "ISO 3166-1 alpha-2 country codes, one per line (or separated by commas)".into()
            }
            Values::Documents => format!(
                "documents, one per line: the SHA-256 (64 hexadecimal digits), the media type \
                 ({}), the size in bytes and the file name, separated by spaces \
                 (Vetted writes these; copy whole lines)",
                MediaType::expected()
            ),
            Values::Clause => {
                "yes (or x) when the agreement contains the clause; blank or no when not".into()
            }
            Values::Param(ParamKind::Number) => {
                "a number, 0 or more (filling it in implies the clause)".into()
            }
            Values::Param(ParamKind::Percent) => {
                "a number from 0 to 100 (filling it in implies the clause)".into()
            }
            Values::Param(ParamKind::Text) => "text (filling it in implies the clause)".into(),
        }
    }

    /// The values a drop-down list offers, for the columns that have one.
    pub(crate) fn drop_down(&self) -> Option<Vec<&'static str>> {
        match self {
            Values::Choice(values) => Some(values.clone()),
            Values::YesNo { .. } | Values::Clause => Some(vec!["yes", "no"]),
            _ => None,
        }
    }

    /// Whether cells hold one item per line.
    pub(crate) fn is_list(&self) -> bool {
        matches!(
            self,
            Values::Lines | Values::Choices(_) | Values::Countries | Values::Documents
        )
    }
}

/// What an agreements column stands for.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Role {
    /// A column of its own (everything but the clause columns).
    Field,
    /// Whether the clause with this key is present.
    Clause(String),
    /// A parameter of the clause: clause key, parameter name.
    Param(String, String),
}

/// One column of a sheet.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    /// The header, lower case.
    pub(crate) name: String,
    pub(crate) values: Values,
    /// Every row needs a value.
    pub(crate) required: bool,
    pub(crate) help: String,
    pub(crate) role: Role,
}

/// One sheet: its name, what a row is, and its columns in order.
#[derive(Clone, Debug)]
pub(crate) struct Sheet {
    pub(crate) name: &'static str,
    /// What one row is, for messages ("every location needs one").
    pub(crate) noun: &'static str,
    pub(crate) help: &'static str,
    pub(crate) columns: Vec<Column>,
}

impl Sheet {
    /// The position of the column named `name` (lower case).
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// `a, b or c`: the column names, for "expected" messages.
    pub(crate) fn expected(&self) -> String {
        vetted_core::model::one_of(self.columns.iter().map(|c| c.name.as_str()))
    }
}

/// A clause's columns on the agreements sheet.
#[derive(Clone, Debug)]
pub(crate) struct ClauseColumns {
    pub(crate) key: String,
    pub(crate) column: String,
    /// Parameter name, column name, kind.
    pub(crate) params: Vec<(String, String, ParamKind)>,
}

/// The whole layout for one policy.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// In the order of [`SHEETS`].
    pub(crate) sheets: Vec<Sheet>,
    /// The clause columns of the agreements sheet, in catalogue order.
    pub(crate) clauses: Vec<ClauseColumns>,
}

/// The fixed columns of the agreements sheet; a clause key equal to one of them gets a
/// `clauses.` prefix so the two stay apart.
const AGREEMENT_FIELDS: [&str; 7] = [
    SUPPLIER_COLUMN,
    "kind",
    "title",
    "signed",
    "expires",
    "terminated",
    "gdpr_art28",
];

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

fn col(name: &str, values: Values, help: &str) -> Column {
    Column {
        name: name.to_string(),
        values,
        required: false,
        help: help.to_string(),
        role: Role::Field,
    }
}

fn required(name: &str, values: Values, help: &str) -> Column {
    Column {
        required: true,
        ..col(name, values, help)
    }
}

fn supplier_column() -> Column {
    required(
        SUPPLIER_COLUMN,
        Values::SupplierId,
        "The id of the supplier this row belongs to (the id column of the suppliers sheet).",
    )
}

impl Layout {
    /// The layout for reading under `policy`: its clause catalogue makes the agreements columns.
    pub(crate) fn new(policy: &Policy) -> Layout {
        let clauses: Vec<ClauseColumns> = policy
            .clauses
            .iter()
            .map(|c| ClauseColumns {
                key: c.key.clone(),
                column: clause_column(&c.key),
                params: c
                    .params
                    .iter()
                    .map(|(p, kind)| (p.clone(), format!("{}.{p}", c.key), *kind))
                    .collect(),
            })
            .collect();
        let titles: BTreeMap<&str, &str> = policy
            .clauses
            .iter()
            .map(|c| (c.key.as_str(), c.title.as_str()))
            .collect();
        Layout::with_clauses(clauses, &titles)
    }

    /// The layout for writing `register`: the policy's, plus columns for any clause or
    /// parameter the register holds that the policy does not define, so nothing is lost (such a
    /// workbook reads back only under a policy that defines them).
    pub(crate) fn for_register(policy: &Policy, register: &Register) -> Layout {
        let mut layout = Layout::new(policy);
        let mut extra: BTreeMap<String, BTreeMap<String, ParamKind>> = BTreeMap::new();
        for agreement in register.suppliers.iter().flat_map(|s| &s.agreements) {
            for (key, params) in &agreement.clauses {
                let known = layout.clauses.iter().find(|c| &c.key == key);
                for (param, value) in params {
                    if known.is_some_and(|c| c.params.iter().any(|(p, ..)| p == param)) {
                        continue;
                    }
                    let kind = match value {
                        ParamValue::Number(_) => ParamKind::Number,
                        ParamValue::Text(_) => ParamKind::Text,
                    };
                    extra
                        .entry(key.clone())
                        .or_default()
                        .entry(param.clone())
                        .or_insert(kind);
                }
                if known.is_none() {
                    extra.entry(key.clone()).or_default();
                }
            }
        }
        if extra.is_empty() {
            return layout;
        }
        let mut clauses = std::mem::take(&mut layout.clauses);
        for (key, params) in extra {
            let params: Vec<_> = params
                .into_iter()
                .map(|(p, kind)| (p.clone(), format!("{key}.{p}"), kind))
                .collect();
            if let Some(c) = clauses.iter_mut().find(|c| c.key == key) {
                c.params.extend(params);
            } else {
                clauses.push(ClauseColumns {
                    column: clause_column(&key),
                    key,
                    params,
                });
            }
        }
        let titles = policy
            .clauses
            .iter()
            .map(|c| (c.key.as_str(), c.title.as_str()))
            .collect();
        Layout::with_clauses(clauses, &titles)
    }

    /// The sheet named `name` (lower case).
    pub(crate) fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.name == name)
    }

    /// The sheets, with the agreements sheet's clause columns from `clauses`.
    fn with_clauses(clauses: Vec<ClauseColumns>, titles: &BTreeMap<&str, &str>) -> Layout {
        let mut agreement_columns = vec![
            supplier_column(),
            col(
                "kind",
                Values::Choice(names(AgreementKind::ALL, AgreementKind::as_str)),
                "The kind of agreement.",
            ),
            col("title", Values::Text, "The agreement's title."),
            col(
                "signed",
                Values::Date,
                "When it was signed. In force from this date.",
            ),
            col(
                "expires",
                Values::Date,
                "When it expires, if it does. Not in force from this date.",
            ),
            col(
                "terminated",
                Values::Date,
                "When it was terminated, if it was. Not in force from this date.",
            ),
            col(
                "gdpr_art28",
                Values::YesNo { default: false },
                "It meets GDPR Article 28 (processor terms).",
            ),
        ];
        for c in &clauses {
            let title = titles
                .get(c.key.as_str())
                .copied()
                .unwrap_or("a clause the policy does not define");
            agreement_columns.push(Column {
                role: Role::Clause(c.key.clone()),
                ..col(
                    &c.column,
                    Values::Clause,
                    &format!("Clause `{}`: {title}.", c.key),
                )
            });
            for (param, column, kind) in &c.params {
                agreement_columns.push(Column {
                    role: Role::Param(c.key.clone(), param.clone()),
                    ..col(
                        column,
                        Values::Param(*kind),
                        &format!("Parameter `{param}` of clause `{}`.", c.key),
                    )
                });
            }
        }
        let sheets = vec![
            Sheet {
                name: SUPPLIERS,
                noun: "supplier",
                help: "One row per supplier. The other sheets refer to a supplier by its id.",
                columns: vec![
                    required(
                        "id",
                        Values::SupplierId,
                        "Unique id of the supplier, case-sensitive, without spaces or / (it appears in web addresses).",
                    ),
                    col("name", Values::Text, "The supplier's legal name."),
                    col(
                        "category",
                        Values::Choice(names(Category::ALL, Category::as_str)),
                        "What the supplier does for us.",
                    ),
                    col(
                        "services",
                        Values::Lines,
                        "The services it provides, one per line.",
                    ),
                    col(
                        "status",
                        Values::Choice(names(Status::ALL, Status::as_str)),
                        "Where the supplier stands in its life cycle.",
                    ),
                    col(
                        "owner",
                        Values::Text,
                        "Who owns the relationship (an e-mail address or a name).",
                    ),
                    col("website", Values::Text, "The supplier's website."),
                    col(
                        "data.personal_data",
                        Values::YesNo { default: false },
                        "It handles personal data.",
                    ),
                    col(
                        "data.customer_data",
                        Values::YesNo { default: false },
                        "It handles our customers' data.",
                    ),
                    col(
                        "data.confidential",
                        Values::YesNo { default: false },
                        "It handles confidential information.",
                    ),
                    col(
                        "data.production_dependency",
                        Values::YesNo { default: false },
                        "Our production depends on it.",
                    ),
                    col(
                        "data.categories",
                        Values::Lines,
                        "The categories of data it handles, one per line.",
                    ),
                    col(
                        "inference.provides",
                        Values::YesNo { default: false },
                        "It runs model inference on our or our customers' data.",
                    ),
                    col(
                        "risk.business_impact",
                        Values::Choice(names(BusinessImpact::ALL, BusinessImpact::as_str)),
                        "Risk input: how much the business suffers when the supplier fails.",
                    ),
                    col(
                        "risk.data_access",
                        Values::Choice(names(DataAccess::ALL, DataAccess::as_str)),
                        "Risk input: which data the supplier can reach.",
                    ),
                    col(
                        "risk.replaceability",
                        Values::Choice(names(Replaceability::ALL, Replaceability::as_str)),
                        "Risk input: how hard the supplier is to replace.",
                    ),
                    col(
                        "subprocessors.known",
                        Values::YesNo { default: false },
                        "Its subprocessors are known (list them on the subprocessors sheet).",
                    ),
                    col(
                        "public_listing.listed",
                        Values::YesNo { default: false },
                        "It appears on our public list of subprocessors.",
                    ),
                    col(
                        "public_listing.purpose",
                        Values::Text,
                        "The purpose the public list gives.",
                    ),
                    col(
                        "public_listing.since",
                        Values::Date,
                        "Since when it is listed.",
                    ),
                ],
            },
            Sheet {
                name: LOCATIONS,
                noun: "location",
                help: "Where a supplier stores, processes, infers on or accesses our data: one row per country and purpose.",
                columns: vec![
                    supplier_column(),
                    required("country", Values::Country, "The country."),
                    col(
                        "region",
                        Values::Text,
                        "The region or data centre (eu-central-1).",
                    ),
                    required(
                        "purpose",
                        Values::Choice(names(Purpose::ALL, Purpose::as_str)),
                        "What happens there: storage, processing, inference, or access (remote access, support).",
                    ),
                    col("note", Values::Text, "A note."),
                    col(
                        "mechanism",
                        Values::Choice(names(Mechanism::ALL, Mechanism::as_str)),
                        "The transfer mechanism, when data leaves the allowed countries. It documents a transfer; it does not make it allowed.",
                    ),
                ],
            },
            Sheet {
                name: ASSURANCE,
                noun: "assurance item",
                help: "Certificates (valid_from/valid_until), SOC reports (period_start/period_end), questionnaires (completed, compensating_controls) and tests.",
                columns: vec![
                    supplier_column(),
                    required(
                        "kind",
                        Values::Choice(names(AssuranceKind::ALL, AssuranceKind::as_str)),
                        "The kind of evidence.",
                    ),
                    col(
                        "issuer",
                        Values::Text,
                        "Who issued it (the certification body, the audit firm).",
                    ),
                    col("scope", Values::Text, "What it covers."),
                    col(
                        "valid_from",
                        Values::Date,
                        "Certificates: first day of validity.",
                    ),
                    col(
                        "valid_until",
                        Values::Date,
                        "Certificates: last day of validity.",
                    ),
                    col(
                        "period_start",
                        Values::Date,
                        "SOC reports: start of the period examined.",
                    ),
                    col(
                        "period_end",
                        Values::Date,
                        "SOC reports: end of the period examined.",
                    ),
                    col(
                        "completed",
                        Values::Date,
                        "Questionnaires and tests: when completed.",
                    ),
                    col(
                        "covers_service",
                        Values::YesNo { default: true },
                        "It covers the service we use (blank means yes).",
                    ),
                    col(
                        "exceptions",
                        Values::Lines,
                        "Exceptions the report notes, one per line.",
                    ),
                    col(
                        "exceptions_acknowledged",
                        Values::YesNo { default: false },
                        "We have reviewed and acknowledged the exceptions.",
                    ),
                    col(
                        "compensating_controls",
                        Values::Lines,
                        "Questionnaires: compensating controls, one per line.",
                    ),
                    col(
                        "documents",
                        Values::Documents,
                        "The evidence files stored in Vetted (the certificate, the report), one per line.",
                    ),
                ],
            },
            Sheet {
                name: AGREEMENTS,
                noun: "agreement",
                help: "One row per agreement, with one column per clause of the policy's catalogue: yes (or x) when the agreement contains it. Filling in a clause parameter implies the clause.",
                columns: agreement_columns,
            },
            Sheet {
                name: ASSESSMENTS,
                noun: "assessment",
                help: "Due-diligence assessments before engagement.",
                columns: vec![
                    supplier_column(),
                    required("date", Values::Date, "When it was assessed."),
                    col("assessor", Values::Text, "Who assessed it."),
                    required(
                        "outcome",
                        Values::Choice(names(AssessmentOutcome::ALL, AssessmentOutcome::as_str)),
                        "The outcome.",
                    ),
                    col("notes", Values::Text, "Notes."),
                ],
            },
            Sheet {
                name: REVIEWS,
                noun: "review",
                help: "Periodic and triggered reviews.",
                columns: vec![
                    supplier_column(),
                    required("date", Values::Date, "When it was reviewed."),
                    col("reviewer", Values::Text, "Who reviewed it."),
                    col(
                        "trigger",
                        Values::Choice(names(ReviewTrigger::ALL, ReviewTrigger::as_str)),
                        "Why the review took place.",
                    ),
                    col(
                        "outcome",
                        Values::Choice(names(ReviewOutcome::ALL, ReviewOutcome::as_str)),
                        "What the review concluded.",
                    ),
                    col(
                        "checks",
                        Values::Choices(names(ReviewCheck::ALL, ReviewCheck::as_str)),
                        "What was re-checked, one per line.",
                    ),
                    col("notes", Values::Text, "Notes."),
                ],
            },
            Sheet {
                name: EVENTS,
                noun: "event",
                help: "Incidents and changes of ownership, location or service.",
                columns: vec![
                    supplier_column(),
                    required("date", Values::Date, "When it happened."),
                    required(
                        "kind",
                        Values::Choice(names(EventKind::ALL, EventKind::as_str)),
                        "What happened.",
                    ),
                    col("summary", Values::Text, "A summary."),
                ],
            },
            Sheet {
                name: RISKS,
                noun: "risk",
                help: "Entries of the risk register linked to a supplier. A risk linked to several suppliers has one row per supplier with the same id; keep those rows equal.",
                columns: vec![
                    supplier_column(),
                    col(
                        "id",
                        Values::Text,
                        "The risk's id in the risk register (R-12).",
                    ),
                    col("title", Values::Text, "The risk."),
                    col(
                        "status",
                        Values::Choice(names(RiskStatus::ALL, RiskStatus::as_str)),
                        "Its state.",
                    ),
                    col(
                        "treatment",
                        Values::Choice(names(Treatment::ALL, Treatment::as_str)),
                        "How it is treated.",
                    ),
                    col("owner", Values::Text, "Who owns it."),
                    col("due", Values::Date, "When its treatment is due."),
                    col("description", Values::Text, "What the risk is."),
                    col(
                        "rules",
                        Values::Lines,
                        "The ids of the policy rules the risk answers, one per line (selection.residency).",
                    ),
                    col("opened", Values::Date, "When the risk was opened."),
                    col("accepted_by", Values::Text, "Who accepted the risk."),
                    col(
                        "accepted_until",
                        Values::Date,
                        "The last day the acceptance holds; blank: it does not expire.",
                    ),
                ],
            },
            Sheet {
                name: SUBPROCESSORS,
                noun: "subprocessor",
                help: "The suppliers' own subprocessors (our fourth parties). Mark the supplier's subprocessors.known column when its list is complete.",
                columns: vec![
                    supplier_column(),
                    col("name", Values::Text, "The subprocessor's name."),
                    col("purpose", Values::Text, "What it does for the supplier."),
                    col(
                        "countries",
                        Values::Countries,
                        "Where it handles data, one country code per line.",
                    ),
                ],
            },
        ];
        Layout { sheets, clauses }
    }
}

/// The column name of a clause: its key, unless that is one of the sheet's own columns.
fn clause_column(key: &str) -> String {
    if AGREEMENT_FIELDS.contains(&key) {
        format!("clauses.{key}")
    } else {
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sheet_is_laid_out_once_with_unique_columns() {
        let layout = Layout::new(&Policy::default());
        let names: Vec<&str> = layout.sheets.iter().map(|s| s.name).collect();
        assert_eq!(names, SHEETS);
        for sheet in &layout.sheets {
            let mut seen = std::collections::BTreeSet::new();
            for c in &sheet.columns {
                assert!(seen.insert(&c.name), "{}: {} twice", sheet.name, c.name);
                assert_eq!(c.name, c.name.to_lowercase());
            }
        }
        let agreements = layout.sheet(AGREEMENTS).map(|s| s.columns.len());
        assert_eq!(agreements, Some(7 + 10 + 7));
    }

    #[test]
    fn drop_down_lists_fit_excel() {
        let layout = Layout::new(&Policy::default());
        for c in layout.sheets.iter().flat_map(|s| &s.columns) {
            if let Some(values) = c.values.drop_down() {
                assert!(values.join(",").len() <= 255, "{}", c.name);
            }
        }
    }
}
