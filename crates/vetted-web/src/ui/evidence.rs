//! A supplier's assurance evidence: the items (certificates, audit reports, questionnaires,
//! tests) with the documents behind them.
//!
//! - `GET /suppliers/{id}/assurance`: the items with their dates, their standing today
//!   ([`Standing`], the engine's own notion of current assurance) and their documents.
//!   [`EvidenceSection`] is what `templates/supplier/_assurance.html` draws, so the supplier
//!   page shows the same section by including that partial.
//! - `GET|POST /suppliers/{id}/assurance/new`, `GET|POST /suppliers/{id}/assurance/{index}/edit`:
//!   the form, every field of an assurance item plus a file (`multipart/form-data`, the
//!   CSRF token its first part). The file is checked by its first bytes ([`MediaType::sniff`]),
//!   not by its name or declared type, and may be `WebConfig::max_upload_bytes` at most; a
//!   good file is stored at once under its SHA-256 ([`vetted_store::DocumentStore`]) and kept
//!   with the form if something else must be corrected, so it is never chosen twice. The
//!   item is validated by the register decoder (the paths of its problems name the fields)
//!   and saved as a versioned update of the supplier (`api::suppliers::edit_supplier`, the
//!   API's own): another version in between answers 409 with the form as typed, the item as
//!   stored now, and a save that applies the entries to the current version.
//! - `POST /suppliers/{id}/assurance/{index}/delete`: deletes an item (versioned the same way).
//! - `GET /documents/{sha256}` (any role): the stored bytes as an attachment, named after the
//!   supplier's reference with `?supplier=ID`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use time::Date;
use vetted_core::date::format_date;
use vetted_core::engine::Standing;
use vetted_core::model::{Assurance, AssuranceKind, Document, DocumentHash, MediaType, Supplier};
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, read_record_json};
use vetted_core::section::{Record, RecordAt};
use vetted_store::{Change, StoreError, StoredSupplier};

use super::page::{ErrorPage, Notice};
use super::{CanEdit, Chrome, EDITOR, Nav, PageError, Pages, SignedIn, VIEWER, render};
use crate::AppState;
use crate::api::params::today;
use crate::api::suppliers::{edit_supplier, load};
use crate::auth::Principal;
use crate::error::ApiError;

/// The evidence pages and the download.
pub fn pages() -> Pages {
    Pages::new()
        .get("/suppliers/{id}/assurance", VIEWER, overview)
        .get("/suppliers/{id}/assurance/new", EDITOR, new_form)
        .post_upload("/suppliers/{id}/assurance/new", EDITOR, create)
        .get("/suppliers/{id}/assurance/{index}/edit", EDITOR, edit_form)
        .post_upload("/suppliers/{id}/assurance/{index}/edit", EDITOR, update)
        .post("/suppliers/{id}/assurance/{index}/delete", EDITOR, delete)
        .get("/documents/{sha256}", VIEWER, download)
}

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

/// `s` as one path segment: everything but unreserved characters percent-encoded (supplier
/// ids may hold `?`, `#`, `%` or any Unicode).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `/suppliers/{id}`: the supplier page.
fn supplier_url(id: &str) -> String {
    format!("/suppliers/{}", segment(id))
}

/// Where a saved or deleted item is seen: the supplier page's assurance section.
fn back_to_supplier(id: &str, notice: Notice) -> String {
    format!("{}?notice={}#assurance", supplier_url(id), notice.code())
}

/// `/documents/{sha256}?supplier={id}`: the download, named after the supplier's reference.
fn download_url(sha256: &DocumentHash, supplier: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("supplier", supplier)
        .finish();
    format!("/documents/{sha256}?{query}")
}

// ---------------------------------------------------------------------------------------------
// What is shown of an item
// ---------------------------------------------------------------------------------------------

/// The name of a kind of evidence, for people.
fn kind_label(kind: AssuranceKind) -> &'static str {
    match kind {
        AssuranceKind::Iso27001 => "ISO/IEC 27001 certificate",
        AssuranceKind::Soc2Type2 => "SOC 2 Type II report",
        AssuranceKind::Soc2Type1 => "SOC 2 Type I report",
        AssuranceKind::Iso27701 => "ISO/IEC 27701 certificate",
        AssuranceKind::Iso42001 => "ISO/IEC 42001 certificate",
        AssuranceKind::C5 => "C5 attestation",
        AssuranceKind::Questionnaire => "Security questionnaire",
        AssuranceKind::Pentest => "Penetration test",
        AssuranceKind::Other => "Other evidence",
    }
}

/// A byte count for people: `512 bytes`, `1.5 KiB`, `20 MiB` (by value or reference, as
/// templates pass it).
pub fn human_size(bytes: impl std::borrow::Borrow<u64>) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    let bytes = *bytes.borrow();
    if bytes < 1024 {
        return if bytes == 1 {
            "1 byte".to_string()
        } else {
            format!("{bytes} bytes")
        };
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

/// An item's standing as a badge: a label, its class in `vetted.css` (never colour alone: the
/// label says it) and the date that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandingView {
    /// `Valid`, `Expiring soon`, `Expired` …
    pub label: &'static str,
    /// The badge's class: `pass`, `warn`, `fail`, `info` or `na`.
    pub class: &'static str,
    /// Why, with the date that matters.
    pub detail: Option<String>,
}

impl StandingView {
    fn of(standing: Standing, kind: AssuranceKind) -> StandingView {
        let view = |label, class, detail: Option<String>| StandingView {
            label,
            class,
            detail,
        };
        match standing {
            Standing::Current {
                lapse,
                expiring: false,
            } => view(
                "Valid",
                "pass",
                Some(format!("until {}", format_date(lapse))),
            ),
            Standing::Current {
                lapse,
                expiring: true,
            } => view(
                "Expiring soon",
                "warn",
                Some(format!("last valid day {}", format_date(lapse))),
            ),
            Standing::Compensating {
                until,
                expiring: false,
            } => view(
                "Compensating",
                "info",
                Some(format!("until {}", format_date(until))),
            ),
            Standing::Compensating {
                until,
                expiring: true,
            } => view(
                "Expiring soon",
                "warn",
                Some(format!("compensates until {}", format_date(until))),
            ),
            Standing::Expired(last) => view(
                "Expired",
                "fail",
                Some(format!("last valid day {}", format_date(last))),
            ),
            Standing::NotYetValid(from) => view(
                "Not yet valid",
                "warn",
                Some(format!("counts from {}", format_date(from))),
            ),
            Standing::NotCovering => view(
                "Not covering",
                "warn",
                Some("does not cover the service we use".to_string()),
            ),
            Standing::Undated => view(
                "Dates missing",
                "warn",
                Some(
                    match kind {
                        AssuranceKind::Soc2Type2 => "needs the end of its period to count",
                        AssuranceKind::Questionnaire => "needs its completion date to count",
                        _ => "needs both validity dates to count",
                    }
                    .to_string(),
                ),
            ),
            Standing::NotCounted => view(
                "Not counted",
                "na",
                Some(
                    if kind == AssuranceKind::Questionnaire {
                        "lists no compensating control"
                    } else {
                        "only ISO/IEC 27001 certificates and SOC 2 Type II reports count as current assurance"
                    }
                    .to_string(),
                ),
            ),
        }
    }
}

/// A document of an item, as a download link.
#[derive(Clone, Debug)]
pub struct DocumentLink {
    /// The file name it was uploaded with.
    pub name: String,
    /// The download's address.
    pub url: String,
    /// `PDF`, `PNG` …
    pub media: &'static str,
    /// `1.2 MiB`.
    pub size: String,
}

impl DocumentLink {
    fn of(d: &Document, supplier: &str) -> DocumentLink {
        DocumentLink {
            name: d.name.clone(),
            url: download_url(&d.sha256, supplier),
            media: d.media_type.label(),
            size: human_size(d.size),
        }
    }
}

/// One assurance item as the section shows it.
#[derive(Clone, Debug)]
pub struct EvidenceRow {
    /// Its place in the supplier's `assurance` list (the forms' `{index}`).
    pub index: usize,
    /// `ISO/IEC 27001 certificate` …
    pub kind: &'static str,
    /// Who issued it.
    pub issuer: Option<String>,
    /// What it covers.
    pub scope: Option<String>,
    /// Its dates in words: `valid 2025-11-01 to 2028-10-31`, `period … to …`, `completed …`.
    pub dates: Vec<String>,
    /// Where it stands today.
    pub standing: StandingView,
    /// The exceptions it lists.
    pub exceptions: Vec<String>,
    /// Whether they were reviewed and acknowledged.
    pub exceptions_acknowledged: bool,
    /// A questionnaire's compensating controls.
    pub compensating_controls: Vec<String>,
    /// The files behind it.
    pub documents: Vec<DocumentLink>,
    /// The edit form.
    pub edit_url: String,
    /// Where the delete form posts.
    pub delete_url: String,
}

/// `from to until`, `from` or `until` alone as `from …` / `until …`.
fn span(what: &str, from: Option<Date>, to: Option<Date>) -> Option<String> {
    match (from, to) {
        (Some(a), Some(b)) => Some(format!("{what} {} to {}", format_date(a), format_date(b))),
        (Some(a), None) => Some(format!("{what} from {}", format_date(a))),
        (None, Some(b)) => Some(format!("{what} until {}", format_date(b))),
        (None, None) => None,
    }
}

impl EvidenceRow {
    fn of(index: usize, a: &Assurance, supplier: &str, policy: &Policy, as_of: Date) -> Self {
        let base = format!("{}/assurance/{index}", supplier_url(supplier));
        EvidenceRow {
            index,
            kind: kind_label(a.kind),
            issuer: a.issuer.clone().filter(|s| !s.trim().is_empty()),
            scope: a.scope.clone().filter(|s| !s.trim().is_empty()),
            dates: [
                span("valid", a.valid_from, a.valid_until),
                span("period", a.period_start, a.period_end),
                a.completed.map(|d| format!("completed {}", format_date(d))),
            ]
            .into_iter()
            .flatten()
            .collect(),
            standing: StandingView::of(Standing::of(a, policy, as_of), a.kind),
            exceptions: a.exceptions.clone(),
            exceptions_acknowledged: a.exceptions_acknowledged,
            compensating_controls: a.compensating_controls.clone(),
            documents: a
                .documents
                .iter()
                .map(|d| DocumentLink::of(d, supplier))
                .collect(),
            edit_url: format!("{base}/edit"),
            delete_url: format!("{base}/delete"),
        }
    }
}

/// What `templates/supplier/_assurance.html` draws: a supplier's assurance items on a day.
///
/// A page including the partial needs two fields: `chrome: Chrome` (edit controls show for
/// editors only, and the delete forms carry its CSRF token) and `evidence: EvidenceSection`
/// (`EvidenceSection::new(&stored, &state.policy().policy, today)`).
#[derive(Clone, Debug)]
pub struct EvidenceSection {
    /// The supplier's id, as stored.
    pub supplier_id: String,
    /// The version the items are of: the delete forms send it back.
    pub version: i64,
    /// The items in register order.
    pub rows: Vec<EvidenceRow>,
    /// The add form.
    pub new_url: String,
}

impl EvidenceSection {
    /// The assurance of `stored` on `as_of` under `policy`.
    pub fn new(stored: &StoredSupplier, policy: &Policy, as_of: Date) -> EvidenceSection {
        let id = stored.supplier.id.as_str();
        EvidenceSection {
            supplier_id: id.to_string(),
            version: stored.version,
            rows: stored
                .supplier
                .assurance
                .iter()
                .enumerate()
                .map(|(i, a)| EvidenceRow::of(i, a, id, policy, as_of))
                .collect(),
            new_url: format!("{}/assurance/new", supplier_url(id)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GET /suppliers/{id}/assurance
// ---------------------------------------------------------------------------------------------

/// `templates/evidence/overview.html`: the assurance section on a page of its own.
#[derive(Template)]
#[template(path = "evidence/overview.html")]
pub struct OverviewPage {
    chrome: Chrome,
    supplier_name: String,
    supplier_url: String,
    evidence: EvidenceSection,
}

fn display_name(s: &Supplier) -> String {
    s.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| s.id.to_string())
}

async fn overview(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let stored = load(&state, &id).await?;
    Ok(render(
        StatusCode::OK,
        &OverviewPage {
            chrome: Chrome::new(session, Nav::Register),
            supplier_name: display_name(&stored.supplier),
            supplier_url: supplier_url(stored.supplier.id.as_str()),
            evidence: EvidenceSection::new(&stored, &state.policy().policy, today()),
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------------------------

/// The form's fields as typed, shown again with their problems.
#[derive(Clone, Debug, Default)]
pub struct EvidenceForm {
    /// The supplier's version the form was read at.
    pub version: String,
    pub kind: String,
    pub issuer: String,
    pub scope: String,
    pub valid_from: String,
    pub valid_until: String,
    pub period_start: String,
    pub period_end: String,
    pub completed: String,
    pub covers_service: bool,
    /// One per line.
    pub exceptions: String,
    pub exceptions_acknowledged: bool,
    /// One per line.
    pub compensating_controls: String,
    /// The item's documents as stored, with whether "remove" is ticked.
    pub attached: Vec<Attached>,
    /// Files uploaded with an earlier try of this form (kept across a 422 or a 409), attached
    /// when it is saved.
    pub pending: Vec<Document>,
    /// Problems by field name (`document` for the file, `form` for the whole).
    problems: BTreeMap<&'static str, String>,
}

/// A document attached to the item edited.
#[derive(Clone, Debug)]
pub struct Attached {
    /// The reference.
    pub document: Document,
    /// Whether "remove" is ticked.
    pub remove: bool,
}

/// The form's field names that problems attach to, in the form's order (the summary lists
/// problems in this order).
const FIELDS: [&str; 14] = [
    "form",
    "kind",
    "issuer",
    "scope",
    "valid_from",
    "valid_until",
    "period_start",
    "period_end",
    "completed",
    "compensating_controls",
    "covers_service",
    "exceptions",
    "exceptions_acknowledged",
    "document",
];

/// What a field is called on the form, for the problem summary.
fn field_label(field: &str) -> &'static str {
    match field {
        "kind" => "Kind",
        "issuer" => "Issuer",
        "scope" => "Scope",
        "valid_from" => "Valid from",
        "valid_until" => "Valid until",
        "period_start" => "Period start",
        "period_end" => "Period end",
        "completed" => "Completed on",
        "compensating_controls" => "Compensating controls",
        "covers_service" => "Covers the service",
        "exceptions" => "Exceptions",
        "exceptions_acknowledged" => "Exceptions acknowledged",
        "document" => "Document",
        _ => "Form",
    }
}

impl EvidenceForm {
    /// The form of a new item: only "covers the service" ticked (its documented default).
    fn blank(version: i64) -> EvidenceForm {
        EvidenceForm {
            version: version.to_string(),
            covers_service: true,
            ..EvidenceForm::default()
        }
    }

    /// The form of a stored item.
    fn of(a: &Assurance, version: i64) -> EvidenceForm {
        let date = |d: Option<Date>| d.map(format_date).unwrap_or_default();
        EvidenceForm {
            version: version.to_string(),
            kind: a.kind.as_str().to_string(),
            issuer: a.issuer.clone().unwrap_or_default(),
            scope: a.scope.clone().unwrap_or_default(),
            valid_from: date(a.valid_from),
            valid_until: date(a.valid_until),
            period_start: date(a.period_start),
            period_end: date(a.period_end),
            completed: date(a.completed),
            covers_service: a.covers_service,
            exceptions: a.exceptions.join("\n"),
            exceptions_acknowledged: a.exceptions_acknowledged,
            compensating_controls: a.compensating_controls.join("\n"),
            attached: a
                .documents
                .iter()
                .map(|d| Attached {
                    document: d.clone(),
                    remove: false,
                })
                .collect(),
            pending: Vec::new(),
            problems: BTreeMap::new(),
        }
    }

    /// The problem of `field`, if any.
    pub fn problem(&self, field: &str) -> Option<&str> {
        self.problems.get(field).map(String::as_str)
    }

    /// Every problem with its field's id and label, in the form's order.
    pub fn summary(&self) -> Vec<(&'static str, &'static str, &str)> {
        FIELDS
            .iter()
            .filter_map(|f| {
                self.problems
                    .get(f)
                    .map(|p| (*f, field_label(f), p.as_str()))
            })
            .collect()
    }

    /// Whether the form has problems.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// `aria-describedby` of a field: its hint (when it has one) and its problem (when shown).
    pub fn described_by(&self, field: &str, hint: bool) -> String {
        self.described_by_hint(field, hint.then(|| format!("{field}-hint")).as_deref())
    }

    /// `aria-describedby` of a field whose hint is its group's (`validity-hint`).
    pub fn described_by_hint(&self, field: &str, hint: Option<&str>) -> String {
        let mut ids = Vec::new();
        if let Some(hint) = hint {
            ids.push(hint.to_string());
        }
        if self.problems.contains_key(field) {
            ids.push(format!("{field}-error"));
        }
        ids.join(" ")
    }

    /// Records a problem of `field` (the first one stays: it is what the user fixes first).
    fn report(&mut self, field: &'static str, message: impl Into<String>) {
        self.problems.entry(field).or_insert_with(|| message.into());
    }

    /// Sets a field from a form part.
    fn set(&mut self, name: &str, value: String) {
        match name {
            "version" => self.version = value,
            "kind" => self.kind = value,
            "issuer" => self.issuer = value,
            "scope" => self.scope = value,
            "valid_from" => self.valid_from = value,
            "valid_until" => self.valid_until = value,
            "period_start" => self.period_start = value,
            "period_end" => self.period_end = value,
            "completed" => self.completed = value,
            "covers_service" => self.covers_service = true,
            "exceptions" => self.exceptions = value,
            "exceptions_acknowledged" => self.exceptions_acknowledged = true,
            "compensating_controls" => self.compensating_controls = value,
            // `remove` and `pending` are resolved against the store once the form is read
            // (`form_of`); the CSRF token was checked by the middleware; anything else a
            // client adds is not the form's.
            _ => {}
        }
    }

    /// The item's fields as a JSON object of the register format (documents left out: they
    /// are the server's), for the register decoder.
    fn to_json(&self) -> serde_json::Value {
        use serde_json::{Map, Value};
        let mut o = Map::new();
        let mut text = |key: &str, value: &str| {
            let value = value.trim();
            if !value.is_empty() {
                o.insert(key.to_string(), Value::String(value.to_string()));
            }
        };
        text("kind", &self.kind);
        text("issuer", &self.issuer);
        text("scope", &self.scope);
        text("valid_from", &self.valid_from);
        text("valid_until", &self.valid_until);
        text("period_start", &self.period_start);
        text("period_end", &self.period_end);
        text("completed", &self.completed);
        let lines = |s: &str| -> Value {
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| Value::String(l.to_string()))
                .collect()
        };
        o.insert("covers_service".into(), Value::Bool(self.covers_service));
        o.insert("exceptions".into(), lines(&self.exceptions));
        o.insert(
            "exceptions_acknowledged".into(),
            Value::Bool(self.exceptions_acknowledged),
        );
        o.insert(
            "compensating_controls".into(),
            lines(&self.compensating_controls),
        );
        Value::Object(o)
    }

    /// The item the form describes, read by the register decoder at its place in the
    /// supplier (so its problems are the import's); every problem is recorded at its field.
    fn item(&mut self, index: usize, policy: &Policy) -> Option<Assurance> {
        if self.kind.trim().is_empty() {
            self.report("kind", "Choose what kind of evidence this is.");
        }
        let text = self.to_json().to_string();
        let options = ReadOptions {
            clauses: Some(&policy.clauses),
        };
        let item = match read_record_json(&text, RecordAt::Assurance(index), &options) {
            Ok(Record::Assurance(a)) => Some(a),
            Ok(_) => None,
            Err(problems) => {
                for p in problems {
                    let field = field_of(&p.path, &p.message);
                    self.report(field, p.message);
                }
                None
            }
        };
        // Checked on the text as typed, so they are reported beside the decoder's problems
        // of other fields too.
        let date = |s: &str| vetted_core::date::parse_date(s.trim());
        if let (Some(from), Some(until)) = (date(&self.valid_from), date(&self.valid_until))
            && until < from
        {
            self.report(
                "valid_until",
                "The last day of validity is before the first.",
            );
        }
        if let (Some(start), Some(end)) = (date(&self.period_start), date(&self.period_end))
            && end < start
        {
            self.report("period_end", "The period ends before it starts.");
        }
        item.filter(|_| !self.has_problems())
    }
}

/// The form field a decoder problem belongs to: `assurance[2].valid_from` is `valid_from`,
/// `assurance[2].exceptions[0]` is `exceptions`, a missing required field is that field's;
/// anything else about the item is the whole form's.
fn field_of(path: &str, message: &str) -> &'static str {
    let rest = path.split_once('.').map_or("", |(_, rest)| rest);
    let name = rest.split(['.', '[']).next().unwrap_or("");
    let name = if name.is_empty() {
        message
            .strip_prefix("missing required field \"")
            .and_then(|m| m.split('"').next())
            .unwrap_or("")
    } else {
        name
    };
    FIELDS
        .iter()
        .find(|f| **f == name)
        .copied()
        .unwrap_or("form")
}

/// The policy's windows, for the hints beside the dates.
#[derive(Clone, Copy, Debug)]
pub struct Hints {
    /// How long a SOC 2 Type II report counts after its period ends.
    pub soc2_months: u32,
    /// How long a questionnaire compensates after its completion.
    pub questionnaire_months: u32,
    /// How early an item is shown as expiring.
    pub warning_days: u32,
}

impl Hints {
    fn of(policy: &Policy) -> Hints {
        Hints {
            soc2_months: policy.assurance.soc2_type2_validity_months,
            questionnaire_months: policy.assurance.questionnaire_validity_months,
            warning_days: policy.assurance.expiry_warning_days,
        }
    }
}

/// Why a save was refused: the supplier changed since the form was read.
#[derive(Clone, Debug)]
pub struct Conflict {
    /// The version the form was read at.
    pub read_version: String,
    /// The version stored now (the form carries it from here on).
    pub current_version: i64,
    /// The item at the form's place as stored now (`None` when adding, or when it is gone).
    pub current_item: Option<EvidenceRow>,
    /// Editing, and the item is gone: saving adds the entries as a new item.
    pub gone: bool,
}

/// `templates/evidence/form.html`: adding or editing an item.
#[derive(Template)]
#[template(path = "evidence/form.html")]
pub struct FormPage {
    chrome: Chrome,
    supplier_name: String,
    supplier_url: String,
    /// Where the form posts.
    action: String,
    /// Editing (`Some(index)`) or adding.
    index: Option<usize>,
    form: EvidenceForm,
    /// Every kind: wire name and label.
    kinds: Vec<(&'static str, &'static str)>,
    hints: Hints,
    /// The upload limit in words.
    max_upload: String,
    /// Set when a save met another version.
    conflict: Option<Conflict>,
}

impl FormPage {
    /// Whether `kind` is the one chosen.
    pub fn chosen(&self, kind: &str) -> bool {
        self.form.kind == kind
    }
}

/// The supplier's form page around `form`.
fn form_page(
    state: &AppState,
    session: super::Session,
    stored: &StoredSupplier,
    index: Option<usize>,
    form: EvidenceForm,
    conflict: Option<Conflict>,
) -> FormPage {
    let id = stored.supplier.id.as_str();
    let base = format!("{}/assurance", supplier_url(id));
    FormPage {
        chrome: Chrome::new(session, Nav::Register),
        supplier_name: display_name(&stored.supplier),
        supplier_url: supplier_url(id),
        action: match index {
            Some(i) => format!("{base}/{i}/edit"),
            None => format!("{base}/new"),
        },
        index,
        form,
        kinds: AssuranceKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_label(*k)))
            .collect(),
        hints: Hints::of(&state.policy().policy),
        max_upload: human_size(state.config.max_upload_bytes as u64),
        conflict,
    }
}

/// The `{index}` of a path: a number of an existing item, else 404.
fn parse_index(index: &str, stored: &StoredSupplier) -> Result<usize, PageError> {
    index
        .parse::<usize>()
        .ok()
        .filter(|i| *i < stored.supplier.assurance.len())
        .ok_or_else(|| {
            PageError::Api(ApiError::NotFound {
                what: "assurance item",
                id: format!("{}.assurance[{index}]", stored.supplier.id),
            })
        })
}

async fn new_form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let stored = load(&state, &id).await?;
    let form = EvidenceForm::blank(stored.version);
    Ok(render(
        StatusCode::OK,
        &form_page(&state, session, &stored, None, form, None),
    ))
}

async fn edit_form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    Path((id, index)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let stored = load(&state, &id).await?;
    let index = parse_index(&index, &stored)?;
    let form = EvidenceForm::of(&stored.supplier.assurance[index], stored.version);
    Ok(render(
        StatusCode::OK,
        &form_page(&state, session, &stored, Some(index), form, None),
    ))
}

// ---------------------------------------------------------------------------------------------
// Reading a posted form
// ---------------------------------------------------------------------------------------------

/// The file part of a posted form.
enum Upload {
    /// No file chosen.
    None,
    /// A file within the limit.
    File { name: String, content: Vec<u8> },
    /// A file over the limit (its bytes were read and dropped).
    TooLarge { name: String },
}

/// A posted form: its text fields in order and its file.
struct Posted {
    fields: Vec<(String, String)>,
    upload: Upload,
}

/// The name a browser sent for a file, without any folder (old browsers send the whole path),
/// control characters or surrounding spaces.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(200)
        .collect()
}

/// Reads a `multipart/form-data` body (or, from a client without a file, an url-encoded
/// one): every text part, and the `document` file read up to `max_bytes` (beyond, its bytes
/// are read and dropped, so the parts after it still arrive).
async fn read_posted(
    state: &AppState,
    req: Request,
    max_bytes: usize,
) -> Result<Posted, PageError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|e| PageError::Api(ApiError::bad_parameter("body", e.body_text())))?;
        return Ok(Posted {
            fields,
            upload: Upload::None,
        });
    }
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PageError::Api(ApiError::PayloadTooLarge {
                limit_bytes: state.config.request_limit_bytes(),
            })
        } else {
            PageError::Api(ApiError::bad_parameter(
                "body",
                format!("the form could not be read: {}", e.body_text()),
            ))
        }
    };
    let mut multipart = Multipart::from_request(req, state).await.map_err(|_| {
        PageError::Api(ApiError::UnsupportedMediaType {
            expected: "multipart/form-data",
        })
    })?;
    let mut posted = Posted {
        fields: Vec::new(),
        upload: Upload::None,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name != "document" {
            let value = field.text().await.map_err(bad)?;
            posted.fields.push((name, value));
            continue;
        }
        let file_name = clean_file_name(field.file_name().unwrap_or(""));
        let mut content = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if over {
                continue;
            }
            if content.len() + chunk.len() > max_bytes {
                over = true;
                content = Vec::new();
            } else {
                content.extend_from_slice(&chunk);
            }
        }
        posted.upload = if over {
            Upload::TooLarge { name: file_name }
        } else if file_name.is_empty() && content.is_empty() {
            // A file input left empty still sends its part.
            Upload::None
        } else {
            Upload::File {
                name: file_name,
                content,
            }
        };
    }
    Ok(posted)
}

/// The form as posted, with the item's stored documents (`attached`, "remove" ticks
/// applied) and the documents kept from earlier tries (`pending`), both resolved against the
/// store so no client can make up a document's type or size.
async fn form_of(
    state: &AppState,
    posted: &Posted,
    attached: &[Document],
) -> Result<EvidenceForm, PageError> {
    let mut form = EvidenceForm::default();
    let mut removed = Vec::new();
    let mut pending = Vec::new();
    for (name, value) in &posted.fields {
        match name.as_str() {
            "remove" => removed.push(value.clone()),
            "pending" => pending.push(value.clone()),
            _ => form.set(name, value.clone()),
        }
    }
    form.attached = attached
        .iter()
        .map(|d| Attached {
            document: d.clone(),
            remove: removed.iter().any(|r| r == d.sha256.as_str()),
        })
        .collect();
    for value in pending {
        let (hash, name) = value.split_once(' ').unwrap_or((value.as_str(), ""));
        let Ok(hash) = DocumentHash::parse(hash) else {
            continue;
        };
        if form.pending.iter().any(|d| d.sha256 == hash) {
            continue;
        }
        match state.store.find_document(&hash).await? {
            Some(stored) => form.pending.push(Document {
                sha256: hash,
                name: name.to_string(),
                media_type: stored.media_type,
                size: stored.size,
            }),
            None => form.report(
                "document",
                format!("{name} is no longer stored: choose the file again."),
            ),
        }
    }
    Ok(form)
}

/// Checks the posted file and stores a good one at once (content-addressed: a file stored
/// already is not stored again), adding it to the form's pending documents; a bad one is a
/// problem of the `document` field, and nothing is stored.
async fn take_upload(
    state: &AppState,
    who: &Principal,
    form: &mut EvidenceForm,
    upload: Upload,
) -> Result<(), PageError> {
    let accepted = "Choose a PDF, PNG, JPEG or WebP file.";
    match upload {
        Upload::None => {}
        Upload::TooLarge { name } => form.report(
            "document",
            format!(
                "{} is larger than the limit of {}: choose a smaller file (a scan at a lower resolution, or the report without its appendices).",
                if name.is_empty() { "The file" } else { &name },
                human_size(state.config.max_upload_bytes as u64)
            ),
        ),
        Upload::File { name, content } => {
            let shown = if name.is_empty() { "The file" } else { &name };
            if content.is_empty() {
                form.report("document", format!("{shown} is empty. {accepted}"));
                return Ok(());
            }
            let Some(media_type) = MediaType::sniff(&content) else {
                form.report(
                    "document",
                    format!(
                        "{shown} is not a PDF, PNG, JPEG or WebP file (its content was checked, not its name). {accepted}"
                    ),
                );
                return Ok(());
            };
            let put = state
                .store
                .put_document(&content, media_type, &Change::now(who.actor()))
                .await?;
            let name = if name.is_empty() {
                format!("document.{}", media_type.extension())
            } else {
                name
            };
            tracing::info!(
                document.sha256 = %put.sha256,
                document.size = content.len(),
                document.created = put.created,
                user.id = %who.user_id,
                "evidence document uploaded"
            );
            if !form.pending.iter().any(|d| d.sha256 == put.sha256) {
                form.pending.push(Document {
                    sha256: put.sha256,
                    name,
                    media_type,
                    size: content.len() as u64,
                });
            }
        }
    }
    Ok(())
}

/// The item's documents after a save: the stored ones not removed, then the new ones (each
/// content once).
fn documents_after(stored: &[Document], form: &EvidenceForm) -> Vec<Document> {
    let removed = |d: &Document| {
        form.attached
            .iter()
            .any(|a| a.remove && a.document.sha256 == d.sha256)
    };
    let mut out: Vec<Document> = stored.iter().filter(|d| !removed(d)).cloned().collect();
    for d in &form.pending {
        if !out.iter().any(|o| o.sha256 == d.sha256) {
            out.push(d.clone());
        }
    }
    out
}

/// Why a versioned save did not happen: another version (shown with the form), or an error
/// page.
enum SaveError {
    Stale(Box<StoredSupplier>),
    Page(PageError),
}

impl From<ApiError> for SaveError {
    fn from(e: ApiError) -> SaveError {
        SaveError::Page(e.into())
    }
}

impl From<StoreError> for SaveError {
    fn from(e: StoreError) -> SaveError {
        match e {
            StoreError::Stale { current } => SaveError::Stale(current),
            e => SaveError::Page(e.into()),
        }
    }
}

impl From<PageError> for SaveError {
    fn from(e: PageError) -> SaveError {
        SaveError::Page(e)
    }
}

/// The version a form was read at.
fn version_of(form: &EvidenceForm) -> Result<i64, PageError> {
    form.version.trim().parse::<i64>().map_err(|_| {
        PageError::Api(ApiError::bad_parameter(
            "version",
            "the form does not say which version of the supplier it was read at: open the form again",
        ))
    })
}

/// Adds (`index` `None`) or replaces an item from a posted form.
async fn save(
    state: AppState,
    session: super::Session,
    id: String,
    index: Option<String>,
    req: Request,
) -> Result<Response, PageError> {
    let max = state.config.max_upload_bytes;
    let posted = read_posted(&state, req, max).await?;
    let stored = load(&state, &id).await?;
    let id = stored.supplier.id.to_string();
    // The item edited, in the version stored now (its documents are what the form listed
    // when the version is the form's; another version is a conflict below).
    let index = match &index {
        Some(i) => Some(i.parse::<usize>().map_err(|_| {
            PageError::Api(ApiError::NotFound {
                what: "assurance item",
                id: format!("{id}.assurance[{i}]"),
            })
        })?),
        None => None,
    };
    let current_item = index.and_then(|i| stored.supplier.assurance.get(i));
    let attached = current_item.map_or(&[][..], |a| a.documents.as_slice());
    let mut form = form_of(&state, &posted, attached).await?;
    let version = version_of(&form)?;
    take_upload(&state, &session.principal, &mut form, posted.upload).await?;
    let at = index.unwrap_or(stored.supplier.assurance.len());
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let item = form.item(at, &policy);
    let Some(mut item) = item.filter(|_| !form.has_problems()) else {
        let page = form_page(&state, session, &stored, index, form, None);
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let result = edit_supplier::<_, SaveError>(&state, &session.principal, &id, version, |s| {
        if let Some(i) = index {
            let Some(slot) = s.assurance.get_mut(i) else {
                return Err(SaveError::Page(PageError::Api(ApiError::NotFound {
                    what: "assurance item",
                    id: format!("{id}.assurance[{i}]"),
                })));
            };
            item.documents = documents_after(&slot.documents, &form);
            *slot = item;
        } else {
            item.documents = documents_after(&[], &form);
            s.assurance.push(item);
        }
        Ok(())
    })
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&back_to_supplier(&id, Notice::Saved)).into_response()),
        Err(SaveError::Page(e)) => Err(e),
        Err(SaveError::Stale(current)) => Ok(conflict(&state, session, &current, index, form)),
    }
}

/// 409: the form as typed, carrying the current version from now on, with the item as
/// stored now, so saving again applies the entries to what is stored (nothing of either is
/// lost: the other change is shown, these entries are kept).
fn conflict(
    state: &AppState,
    session: super::Session,
    current: &StoredSupplier,
    index: Option<usize>,
    mut form: EvidenceForm,
) -> Response {
    let id = current.supplier.id.as_str();
    let policy = state.policy().policy.clone();
    let item = index.and_then(|i| current.supplier.assurance.get(i).map(|a| (i, a)));
    let gone = index.is_some() && item.is_none();
    let conflict = Conflict {
        read_version: form.version.clone(),
        current_version: current.version,
        current_item: item.map(|(i, a)| EvidenceRow::of(i, a, id, &policy, today())),
        gone,
    };
    form.version = current.version.to_string();
    // The "remove" ticks apply to the documents stored now.
    let removed: Vec<DocumentHash> = form
        .attached
        .iter()
        .filter(|a| a.remove)
        .map(|a| a.document.sha256.clone())
        .collect();
    form.attached = item
        .map(|(_, a)| {
            a.documents
                .iter()
                .map(|d| Attached {
                    document: d.clone(),
                    remove: removed.contains(&d.sha256),
                })
                .collect()
        })
        .unwrap_or_default();
    // An item deleted meanwhile: saving adds the entries as a new item.
    let index = if gone { None } else { index };
    let page = form_page(state, session, current, index, form, Some(conflict));
    render(StatusCode::CONFLICT, &page)
}

async fn create(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    save(state, session, id, None, req).await
}

async fn update(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    Path((id, index)): Path<(String, String)>,
    req: Request,
) -> Result<Response, PageError> {
    save(state, session, id, Some(index), req).await
}

// ---------------------------------------------------------------------------------------------
// POST /suppliers/{id}/assurance/{index}/delete
// ---------------------------------------------------------------------------------------------

/// `templates/evidence/delete.html`: the delete met another version (409); the item now at
/// that place is shown with a fresh delete button.
#[derive(Template)]
#[template(path = "evidence/delete.html")]
pub struct DeleteConflictPage {
    chrome: Chrome,
    supplier_name: String,
    supplier_url: String,
    read_version: String,
    current_version: i64,
    /// The item at the place now, `None` when there is none.
    item: Option<EvidenceRow>,
}

async fn delete(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    Path((id, index)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let read_version = fields
        .into_iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let stored = load(&state, &id).await?;
    let id = stored.supplier.id.to_string();
    let i = index.parse::<usize>().map_err(|_| {
        PageError::Api(ApiError::NotFound {
            what: "assurance item",
            id: format!("{id}.assurance[{index}]"),
        })
    })?;
    let version = read_version.trim().parse::<i64>().map_err(|_| {
        PageError::Api(ApiError::bad_parameter(
            "version",
            "the form does not say which version of the supplier it was read at: reload the page",
        ))
    })?;
    let result = edit_supplier::<_, SaveError>(&state, &session.principal, &id, version, |s| {
        if i >= s.assurance.len() {
            return Err(SaveError::Page(PageError::Api(ApiError::NotFound {
                what: "assurance item",
                id: format!("{id}.assurance[{i}]"),
            })));
        }
        s.assurance.remove(i);
        Ok(())
    })
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&back_to_supplier(&id, Notice::Deleted)).into_response()),
        Err(SaveError::Page(e)) => Err(e),
        Err(SaveError::Stale(current)) => {
            let policy = state.policy().policy.clone();
            let cid = current.supplier.id.as_str();
            Ok(render(
                StatusCode::CONFLICT,
                &DeleteConflictPage {
                    chrome: Chrome::new(session, Nav::Register),
                    supplier_name: display_name(&current.supplier),
                    supplier_url: supplier_url(cid),
                    read_version,
                    current_version: current.version,
                    item: current
                        .supplier
                        .assurance
                        .get(i)
                        .map(|a| EvidenceRow::of(i, a, cid, &policy, today())),
                },
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GET /documents/{sha256}
// ---------------------------------------------------------------------------------------------

/// The file name of a download: the reference's name without folders, quotes or control
/// characters, ending in the stored type's extension; the hash when there is no name.
fn download_name(name: Option<&str>, sha256: &DocumentHash, media: MediaType) -> String {
    let cleaned: String = name
        .map(clean_file_name)
        .unwrap_or_default()
        .chars()
        .filter(|c| !matches!(c, '"' | '\\' | '/'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    let mut base = if cleaned.is_empty() {
        sha256.to_string()
    } else {
        cleaned
    };
    let extension = std::path::Path::new(&base)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let fits = match (media, extension.as_deref()) {
        (MediaType::Jpeg, Some("jpg" | "jpeg")) => true,
        (other, Some(e)) => e == other.extension(),
        (_, None) => false,
    };
    if !fits {
        base.push('.');
        base.push_str(media.extension());
    }
    base
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266): every
/// browser gets a safe name, those that read `filename*` the exact one.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        segment(name)
    )
}

/// The name the supplier `?supplier=ID` gives the document, if it references it.
async fn reference_name(
    state: &AppState,
    query: Option<&str>,
    sha256: &DocumentHash,
) -> Result<Option<String>, PageError> {
    let Some(id) = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "supplier")
            .map(|(_, v)| v.into_owned())
    }) else {
        return Ok(None);
    };
    let Ok(id) = vetted_core::model::SupplierId::parse(&id) else {
        return Ok(None);
    };
    let Some(stored) = state.store.find_supplier(&id).await? else {
        return Ok(None);
    };
    Ok(stored
        .supplier
        .assurance
        .iter()
        .flat_map(|a| &a.documents)
        .find(|d| d.sha256 == *sha256)
        .map(|d| d.name.clone()))
}

fn not_stored(sha256: &str) -> Response {
    render(
        StatusCode::NOT_FOUND,
        &ErrorPage {
            status: 404,
            title: "Document not stored here".to_string(),
            message: format!(
                "The register refers to the document with SHA-256 {sha256}, but this server does \
                 not hold its file: it may have come with a register imported from elsewhere. \
                 Upload the file to an assurance item to store it here; any reference to the \
                 same content then downloads it."
            ),
        },
    )
}

async fn download(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let Ok(hash) = DocumentHash::parse(&sha256) else {
        return Ok(not_stored(&sha256));
    };
    let Some(document) = state.store.find_document(&hash).await? else {
        return Ok(not_stored(hash.as_str()));
    };
    let name = reference_name(&state, query.as_deref(), &hash).await?;
    let name = download_name(name.as_deref(), &hash, document.media_type);
    tracing::info!(document.sha256 = %hash, user.id = %session.principal.user_id, "evidence document downloaded");
    let disposition = HeaderValue::from_str(&content_disposition(&name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let etag = HeaderValue::from_str(&format!("\"{hash}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(document.media_type.as_str()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("private")),
            // Opened in a tab anyway, the file runs nothing and reaches nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
            (header::ETAG, etag),
        ],
        document.content,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(0), "0 bytes");
        assert_eq!(human_size(1), "1 byte");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(20 * 1024 * 1024), "20 MiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024 + 1), "3 GiB");
    }

    #[test]
    fn problems_land_on_their_fields() {
        assert_eq!(field_of("assurance[2].valid_from", "x"), "valid_from");
        assert_eq!(field_of("assurance[0].exceptions[1]", "x"), "exceptions");
        assert_eq!(
            field_of("assurance[0]", "missing required field \"kind\""),
            "kind"
        );
        assert_eq!(field_of("assurance[0]", "expected an object"), "form");
        assert_eq!(field_of("assurance[0].documents[0].sha256", "x"), "form");
    }

    #[test]
    fn download_names_are_safe_and_typed() {
        let h = DocumentHash::of(b"x");
        assert_eq!(
            download_name(Some("C:\\reports\\SOC 2 \"final\".pdf"), &h, MediaType::Pdf),
            "SOC 2 final.pdf"
        );
        assert_eq!(
            download_name(Some("../../etc/passwd"), &h, MediaType::Png),
            "passwd.png"
        );
        assert_eq!(
            download_name(Some("scan.JPEG"), &h, MediaType::Jpeg),
            "scan.JPEG"
        );
        assert_eq!(
            download_name(Some(" .. "), &h, MediaType::Webp),
            format!("{h}.webp")
        );
        assert_eq!(download_name(None, &h, MediaType::Pdf), format!("{h}.pdf"));
        assert_eq!(
            content_disposition("Prüfbericht 2025.pdf"),
            "attachment; filename=\"Pr_fbericht 2025.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht%202025.pdf"
        );
    }

    #[test]
    fn ids_are_one_path_segment() {
        assert_eq!(supplier_url("a?b#c%d"), "/suppliers/a%3Fb%23c%25d");
        assert_eq!(
            download_url(&DocumentHash::of(b""), "a&b"),
            format!("/documents/{}?supplier=a%26b", DocumentHash::of(b""))
        );
    }
}
