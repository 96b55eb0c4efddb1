//! The risk register in the browser: every supplier's risk entries grouped by risk id
//! (`vetted_core::risks`, read from the register's [`crate::snapshot`]).
//!
//! - `GET /risks`: every risk (id, title, linked suppliers, rules, owner, treatment, status, due
//!   date, overdue marked), filtered by status, treatment, owner, overdue and supplier (the
//!   parameters of `GET /api/v1/risks`, each problem shown at its field); `/risks/export.csv`
//!   and `/risks/export.xlsx` download the view with the register's safe table writers.
//! - `GET /risks/{risk_id}`: one risk, its suppliers, its rules with their ISO control and what
//!   the policy requires, and its history: the changes of the linked suppliers' audit trail
//!   that touched this risk (linked, unlinked, which fields changed), with the supplier page's
//!   history code.
//! - `GET|POST /risks/new` and `GET|POST /risks/{risk_id}/edit` (editors): the risk and the
//!   suppliers it is linked to (checkboxes), saved through the API's [`save`]: written into
//!   every linked supplier at once under the versions read (hidden `versions` fields, one per
//!   linked supplier), refused with 409 and the form again when one changed. A new risk's id is
//!   the next free `R-n`; `?supplier=ID&rule=RULE…` prefills the form ("open a risk" from a
//!   failing supplier). Accepting needs `accepted_until` and records the signed-in user.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;
use vetted_app::risks::{RiskChange, RiskProblem};
use vetted_core::audit::{AuditEntry, action};
use vetted_core::date::{add_days, format_date};
use vetted_core::engine::{rule_info, supplier_rules};
use vetted_core::model::{RiskEntry, RiskStatus, SupplierId, Treatment};
use vetted_core::policy::Policy;
use vetted_core::risks::{Overdue, Risk, differing_fields};
use vetted_core::section::{Record, RecordAt};
use vetted_store::StoredSupplier;

use super::forms::fields::{
    Choice as FieldChoice, ConflictRow, Control, Errors, Field, Group, GroupView, Kind,
    SummaryItem, Values, conflict_rows,
};
use super::forms::{FormData, PagePath, label};
use super::page::Notice;
use super::past::{Source, keep_at, without_at};
use super::register::{Choice, FieldProblem, Format, download, query_string, url_segment};
use super::supplier::{HistoryRow, history_rows, supplier_entries};
use super::{CanEdit, Chrome, EDITOR, Nav, PageError, Pages, Session, SignedIn, VIEWER, render};
use crate::AppState;
use crate::api::params::today;
use crate::api::risks::{RiskQuery, RiskView, SaveFailure, load_risk, save};
use crate::error::ApiError;
use crate::extract::decode_record;

/// The risk register's pages.
pub fn pages() -> Pages {
    Pages::new()
        .get("/risks", VIEWER, list)
        .get("/risks/export.csv", VIEWER, export_csv)
        .get("/risks/export.xlsx", VIEWER, export_xlsx)
        .get("/risks/new", EDITOR, new_form)
        .post("/risks/new", EDITOR, create)
        .get("/risks/{risk_id}", VIEWER, show)
        .get("/risks/{risk_id}/edit", EDITOR, edit_form)
        .post("/risks/{risk_id}/edit", EDITOR, update)
}

/// `/risks/{id}` with the id encoded.
pub fn risk_url(id: &str) -> String {
    format!("/risks/{}", url_segment(id))
}

/// "Open a risk" for a supplier, prefilled with the rules it fails (`escalation.risk` left
/// out: a risk is what answers it).
pub fn open_risk_url<'a>(supplier: &str, rules: impl IntoIterator<Item = &'a str>) -> String {
    let mut params = vec![("supplier", supplier)];
    params.extend(
        rules
            .into_iter()
            .filter(|r| *r != vetted_core::engine::ESCALATION_RISK.id)
            .map(|r| ("rule", r)),
    );
    format!("/risks/new{}", query_string(params))
}

fn status_class(s: Option<RiskStatus>) -> &'static str {
    match s {
        Some(RiskStatus::Open) => "warn",
        Some(RiskStatus::Accepted) => "info",
        Some(RiskStatus::Treated | RiskStatus::Closed) => "pass",
        None => "na",
    }
}

fn opt_label(s: Option<&'static str>) -> String {
    s.map(label).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------------

/// One risk as the list shows it.
#[derive(Clone, Debug)]
pub struct RiskRow {
    /// The id and the risk's page.
    pub id: String,
    /// See `id`.
    pub href: String,
    /// The title.
    pub title: String,
    /// The linked suppliers: name and page.
    pub suppliers: Vec<(String, String)>,
    /// The rules it answers.
    pub rules: Vec<String>,
    /// Owner, treatment and status as read.
    pub owner: String,
    /// See `owner`.
    pub treatment: String,
    /// See `owner`.
    pub status: String,
    /// The status badge's class.
    pub status_class: &'static str,
    /// The due date.
    pub due: Option<String>,
    /// Why it needs a decision now, if it does.
    pub overdue: Option<&'static str>,
    /// Whether its copies disagree.
    pub differs: bool,
}

impl RiskRow {
    fn of(view: &RiskView, today: time::Date, at: Option<&str>) -> RiskRow {
        let r = &view.risk;
        let e = &r.entry;
        RiskRow {
            id: r.id().to_string(),
            href: keep_at(&risk_url(r.id()), at),
            title: e.title.clone().unwrap_or_default(),
            suppliers: r
                .suppliers
                .iter()
                .map(|l| {
                    (
                        l.label().to_string(),
                        keep_at(&format!("/suppliers/{}", url_segment(l.id.as_str())), at),
                    )
                })
                .collect(),
            rules: e.rules.clone(),
            owner: e.owner.clone().unwrap_or_default(),
            treatment: opt_label(e.treatment.map(Treatment::as_str)),
            status: opt_label(e.status.map(RiskStatus::as_str)),
            status_class: status_class(e.status),
            due: e.due.map(format_date),
            overdue: r.overdue(today).map(Overdue::as_str),
            differs: !r.differing.is_empty(),
        }
    }
}

/// `templates/risks/index.html`.
#[derive(Template)]
#[template(path = "risks/index.html")]
pub struct RisksPage {
    chrome: Chrome,
    as_of: String,
    statuses: Vec<Choice>,
    treatments: Vec<Choice>,
    overdue: Vec<Choice>,
    owner: String,
    supplier: String,
    problems: Vec<FieldProblem>,
    rows: Vec<RiskRow>,
    /// How many risks match (the rows are one page of them).
    total: usize,
    /// The 1-based positions of the first and last row shown.
    first_shown: usize,
    last_shown: usize,
    prev: Option<String>,
    next: Option<String>,
    export_csv: String,
    export_xlsx: String,
    new_href: String,
    /// "Clear filters" (a past view's `at` kept).
    clear: String,
}

/// Risks per page of `/risks`.
pub const RISKS_PER_PAGE: usize = 100;

impl RisksPage {
    /// The problem of field `name`.
    pub fn problem(&self, name: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.field == name)
            .map(|p| p.message.as_str())
    }

    /// The problems of parameters that have no field.
    pub fn general_problems(&self) -> Vec<&FieldProblem> {
        self.problems
            .iter()
            .filter(|p| !RiskQuery::PARAMS.contains(&p.field.as_str()))
            .collect()
    }
}

/// The list's query as read: the filters, each problem kept for its field, `notice`, the
/// page number and `at`.
struct ListQuery {
    query: RiskQuery,
    problems: Vec<FieldProblem>,
    notice: Option<Notice>,
    page: usize,
    at: Option<time::OffsetDateTime>,
}

/// The list's query: the filters, each problem kept for its field, and `notice`.
fn parse_list(raw: &str) -> ListQuery {
    let mut query = RiskQuery::default();
    let mut problems = Vec::new();
    let mut notice = None;
    let mut page = 1;
    let mut at = None;
    let mut seen: Vec<String> = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let v = v.trim();
        if k == "notice" {
            notice = Notice::from_code(v);
            continue;
        }
        if k == "at" && !v.is_empty() {
            match super::past::parse_at(v) {
                Ok(t) if at.is_none() => at = Some(t),
                Ok(_) => problems.push(FieldProblem {
                    field: "at".into(),
                    message: "given more than once".into(),
                }),
                Err(message) => problems.push(FieldProblem {
                    field: "at".into(),
                    message,
                }),
            }
            continue;
        }
        if k == "page" {
            match v.parse::<usize>() {
                Ok(n) if n >= 1 => page = n,
                _ => problems.push(FieldProblem {
                    field: "page".into(),
                    message: format!("`{v}` is not a page number: expected 1 or more"),
                }),
            }
            continue;
        }
        if v.is_empty() {
            continue;
        }
        let read = if seen.iter().any(|s| *s == k) {
            Err("given more than once".to_string())
        } else {
            seen.push(k.to_string());
            query.read(&k, v)
        };
        if let Err(message) = read {
            problems.push(FieldProblem {
                field: k.into_owned(),
                message,
            });
        }
    }
    ListQuery {
        query,
        problems,
        notice,
        page,
        at,
    }
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    wire: fn(T) -> &'static str,
    current: Option<T>,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: wire(*v).to_string(),
            label: label(wire(*v)),
            selected: current == Some(*v),
        })
        .collect()
}

async fn list(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let raw = raw.as_deref().unwrap_or("");
    let ListQuery {
        query,
        problems,
        notice,
        page: page_number,
        at,
    } = parse_list(raw);
    let at_text = at.map(super::past::at_text);
    let mut params = query.params();
    if let Some(t) = &at_text {
        params.push(("at", t.clone()));
    }
    let keep = || query_string(params.iter().map(|(k, v)| (*k, v.as_str())));
    let mut page = RisksPage {
        new_href: query.supplier.as_ref().map_or_else(
            || "/risks/new".to_string(),
            |s| open_risk_url(s.as_str(), []),
        ),
        chrome: Chrome::new(session, Nav::Risks).with_notice(notice),
        as_of: format_date(at.map_or_else(today, time::OffsetDateTime::date)),
        clear: keep_at("/risks", at_text.as_deref()),
        statuses: choices(RiskStatus::ALL, RiskStatus::as_str, query.status),
        treatments: choices(Treatment::ALL, Treatment::as_str, query.treatment),
        overdue: [("true", "Needs a decision now"), ("false", "Not overdue")]
            .iter()
            .map(|(v, l)| Choice {
                value: (*v).to_string(),
                label: (*l).to_string(),
                selected: query.overdue.map(|o| o.to_string()).as_deref() == Some(*v),
            })
            .collect(),
        owner: query.owner.clone().unwrap_or_default(),
        supplier: query
            .supplier
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        problems,
        rows: Vec::new(),
        total: 0,
        first_shown: 0,
        last_shown: 0,
        prev: None,
        next: None,
        export_csv: format!("/risks/export.csv{}", keep()),
        export_xlsx: format!("/risks/export.xlsx{}", keep()),
    };
    if !page.problems.is_empty() {
        // Each problem is shown at its field; no table is drawn from a filter that failed.
        return Ok(render(StatusCode::BAD_REQUEST, &page));
    }
    // The register now, or with `at` as recorded then: one page either way.
    let source = Source::load(&state, at, None, without_at("/risks", raw)).await?;
    let day = source.snapshot.key.as_of;
    page.chrome = page.chrome.with_past(source.past.clone());
    let risks = crate::api::risks::pick(&source.snapshot.risks, &query, day);
    // Pages of the filtered list, which the snapshot holds whole: only the rows shown are
    // rendered.
    let skip = (page_number - 1).saturating_mul(RISKS_PER_PAGE);
    page.total = risks.len();
    page.rows = risks
        .iter()
        .skip(skip)
        .take(RISKS_PER_PAGE)
        .map(|v| RiskRow::of(v, day, at_text.as_deref()))
        .collect();
    page.first_shown = skip + 1;
    page.last_shown = skip + page.rows.len();
    let at = |n: usize| {
        let mut pairs: Vec<(&str, String)> = params.iter().map(|(k, v)| (*k, v.clone())).collect();
        if n > 1 {
            pairs.push(("page", n.to_string()));
        }
        format!(
            "/risks{}",
            query_string(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        )
    };
    page.prev = (page_number > 1 && skip <= page.total).then(|| at(page_number - 1));
    page.next = (skip + RISKS_PER_PAGE < page.total).then(|| at(page_number + 1));
    Ok(render(StatusCode::OK, &page))
}

async fn export(
    state: AppState,
    raw: Option<String>,
    format: Format,
) -> Result<Response, PageError> {
    let ListQuery {
        query,
        problems,
        at,
        ..
    } = parse_list(raw.as_deref().unwrap_or(""));
    if let Some(p) = problems.into_iter().next() {
        return Err(ApiError::bad_parameter(p.field, p.message).into());
    }
    let at = crate::api::params::AtQuery { as_of: None, at };
    let day = at.date();
    let risks = crate::api::risks::risks_of(&state, &query, at).await?;
    let risks: Vec<&Risk> = risks.iter().map(|v| &v.risk).collect();
    download(
        vetted_app::risks::risk_table(&risks, day),
        &format!("vetted-risks-{}", format_date(day)),
        format,
    )
    .await
}

async fn export_csv(
    _: SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    export(state, raw, Format::Csv).await
}

async fn export_xlsx(
    _: SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    export(state, raw, Format::Xlsx).await
}

// ---------------------------------------------------------------------------------------------
// One risk
// ---------------------------------------------------------------------------------------------

/// A rule the risk answers, as the policy describes it.
#[derive(Clone, Debug)]
pub struct RuleRow {
    /// The rule id.
    pub id: String,
    /// Its ISO/IEC 27001:2022 controls.
    pub controls: String,
    /// Its severity.
    pub severity: &'static str,
    /// When it holds.
    pub text: String,
    /// Whether the policy in force has the rule.
    pub known: bool,
}

/// A linked supplier on the risk's page.
#[derive(Clone, Debug)]
pub struct LinkedRow {
    /// Name (or id), id and page.
    pub name: String,
    /// See `name`.
    pub id: String,
    /// See `name`.
    pub href: String,
    /// Its verdict today, as read.
    pub verdict: Option<(&'static str, &'static str)>,
}

/// `templates/risks/show.html`.
#[derive(Template)]
#[template(path = "risks/show.html")]
pub struct RiskPage {
    chrome: Chrome,
    risk: Risk,
    id: String,
    href: String,
    status_class: &'static str,
    overdue: Option<&'static str>,
    suppliers: Vec<LinkedRow>,
    rules: Vec<RuleRow>,
    history: Vec<HistoryRow>,
    differing: Vec<String>,
    can_edit: bool,
}

impl RiskPage {
    /// A wire value as words.
    pub fn label(&self, wire: &str) -> String {
        label(wire)
    }
}

/// The risk's rules, each with what the policy in force says of it.
fn rule_rows(rules: &[String], policy: &Policy) -> Vec<RuleRow> {
    rules
        .iter()
        .map(|id| match rule_info(policy, id) {
            Some((rule, text)) => RuleRow {
                id: id.clone(),
                controls: rule.controls.join(", "),
                severity: rule.severity.as_str(),
                text,
                known: true,
            },
            None => RuleRow {
                id: id.clone(),
                controls: String::new(),
                severity: "",
                text: "Not a rule of the policy in force.".to_string(),
                known: false,
            },
        })
        .collect()
}

/// Risk `id`'s copy in a supplier document as the audit trail holds it.
fn copy_in(doc: Option<&Value>, id: &str) -> Option<RiskEntry> {
    doc?.get("risks")?
        .as_array()?
        .iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
        .and_then(|r| serde_json::from_value(r.clone()).ok())
}

/// What an audit entry did to risk `id`: linked, unlinked, or the fields changed; `None` when
/// it did not touch the risk.
fn risk_change(e: &AuditEntry, id: &str) -> Option<Vec<String>> {
    if e.action != action::SUPPLIER_UPDATE && e.action != action::SUPPLIER_CREATE {
        return None;
    }
    match (
        copy_in(e.before.as_ref(), id),
        copy_in(e.after.as_ref(), id),
    ) {
        (None, Some(_)) => Some(vec!["Linked".to_string()]),
        (Some(_), None) => Some(vec!["Unlinked".to_string()]),
        (Some(a), Some(b)) => {
            let fields = differing_fields(&a, &b);
            (!fields.is_empty()).then(|| fields.iter().map(|f| label(f)).collect())
        }
        (None, None) => None,
    }
}

/// The changes of the linked suppliers' trails that touched risk `id`, newest first; with
/// `until`, those recorded by then.
async fn risk_history(
    state: &AppState,
    id: &str,
    suppliers: &[SupplierId],
    until: Option<time::OffsetDateTime>,
) -> Result<Vec<HistoryRow>, PageError> {
    let mut entries = Vec::new();
    for s in suppliers {
        entries.extend(
            supplier_entries(state, s)
                .await?
                .into_iter()
                .filter(|e| until.is_none_or(|t| e.at <= t))
                .filter(|e| risk_change(e, id).is_some()),
        );
    }
    entries.sort_by_key(|e| e.seq);
    history_rows(state, entries, |e| risk_change(e, id).unwrap_or_default()).await
}

fn risk_id(raw: &str) -> Result<String, PageError> {
    crate::api::risks::parse_risk_id(raw).map_err(PageError::from)
}

fn not_found(id: &str) -> PageError {
    ApiError::NotFound {
        what: "risk",
        id: id.to_string(),
    }
    .into()
}

async fn show(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    PagePath(raw): PagePath<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let id = risk_id(&raw)?;
    let query = query.as_deref().unwrap_or("");
    let notice = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "notice")
        .and_then(|(_, v)| Notice::from_code(&v));
    let at = super::past::at_param(query)?;
    // The register now, or with `at` as recorded then: one page either way.
    let source = Source::load(&state, at, None, without_at(&risk_url(&id), query)).await?;
    let (risk, linked) = if source.then.is_some() {
        let risk = source
            .snapshot
            .risks
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found(&id))?;
        let linked = risk.suppliers.iter().map(|l| l.id.clone()).collect();
        (risk, linked)
    } else {
        let (risk, stored) = load_risk(&state, &id)
            .await?
            .ok_or_else(|| not_found(&id))?;
        let linked: Vec<SupplierId> = stored.into_iter().map(|s| s.supplier.id).collect();
        (risk, linked)
    };
    let day = source.snapshot.key.as_of;
    let at_text = source.at().map(String::from);
    let snapshot = &source.snapshot;
    let suppliers = risk
        .suppliers
        .iter()
        .map(|l| LinkedRow {
            name: l.label().to_string(),
            id: l.id.to_string(),
            href: keep_at(
                &format!("/suppliers/{}", url_segment(l.id.as_str())),
                at_text.as_deref(),
            ),
            verdict: snapshot.supplier(l.id.as_str()).map(|f| {
                (
                    f.verdict.as_str(),
                    super::register::verdict_label(f.verdict),
                )
            }),
        })
        .collect();
    let history = risk_history(&state, &id, &linked, at).await?;
    let chrome = Chrome::new(session, Nav::Risks)
        .with_notice(notice)
        .with_past(source.past.clone());
    Ok(render(
        StatusCode::OK,
        &RiskPage {
            can_edit: chrome.can_edit(),
            chrome,
            href: risk_url(&id),
            status_class: status_class(risk.entry.status),
            overdue: risk.overdue(day).map(Overdue::as_str),
            rules: rule_rows(&risk.entry.rules, &source.policy),
            differing: risk.differing.iter().map(|f| label(f)).collect(),
            suppliers,
            history,
            id,
            risk,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------------------------

/// A stale save explained above the form.
#[derive(Clone, Debug)]
pub struct RiskConflict {
    /// What happened.
    pub message: String,
    /// The user's values beside the current ones.
    pub rows: Vec<ConflictRow>,
    /// The form read afresh.
    pub reload: String,
}

impl RiskConflict {
    /// How many fields differ.
    pub fn differing(&self) -> usize {
        self.rows.iter().filter(|r| r.differs).count()
    }
}

/// `templates/risks/form.html`.
#[derive(Template)]
#[template(path = "risks/form.html")]
pub struct RiskFormPage {
    chrome: Chrome,
    title: String,
    /// The risk's page, when it exists.
    crumb: Option<(String, String)>,
    action: String,
    cancel: String,
    /// `supplier:version` of each supplier linked when the form was read.
    versions: Vec<String>,
    groups: Vec<GroupView>,
    summary: Vec<SummaryItem>,
    conflict: Option<RiskConflict>,
    submit: String,
}

impl RiskFormPage {
    /// The submit button's text on a conflict page.
    pub fn submit_text(&self) -> &str {
        if self.conflict.is_some() {
            "Save my values over the current ones"
        } else {
            &self.submit
        }
    }
}

/// The form's fields: the risk (its id only when new), the acceptance, the rules of the policy
/// in force and the suppliers of the register.
fn groups(policy: &Policy, suppliers: Vec<FieldChoice>, new: bool) -> Vec<Group> {
    let select = |all: &[&'static str]| {
        Kind::Select(
            all.iter()
                .map(|w| FieldChoice {
                    value: (*w).to_string(),
                    label: label(w),
                })
                .collect(),
        )
    };
    let statuses: Vec<&str> = RiskStatus::ALL.iter().map(|s| s.as_str()).collect();
    let treatments: Vec<&str> = Treatment::ALL.iter().map(|s| s.as_str()).collect();
    let mut risk = Vec::new();
    if new {
        risk.push(
            Field::new("id", "Risk id", Kind::Text)
                .required()
                .hint("The next free id is suggested; ids cannot be changed later."),
        );
    }
    risk.extend([
        Field::new("title", "Title", Kind::Text).required(),
        Field::new("description", "Description", Kind::TextArea)
            .hint("What could happen, and why it matters."),
        Field::new("status", "Status", select(&statuses)).required(),
        Field::new("treatment", "Treatment", select(&treatments))
            .hint("Remediate, replace or escalate the supplier, or accept the risk."),
        Field::new("owner", "Owner", Kind::Text)
            .hint("Who decides on it: an e-mail address or a role."),
        Field::new("opened", "Opened on", Kind::Date),
        Field::new("due", "Treatment due on", Kind::Date)
            .hint("An open risk past this date is overdue."),
    ]);
    let rules = supplier_rules(policy)
        .into_iter()
        .map(|(id, rule)| FieldChoice {
            label: format!("{id} (ISO 27001 {})", rule.controls.join(", ")),
            value: id,
        })
        .collect();
    vec![
        Group::new("Risk", risk),
        Group::new(
            "Acceptance",
            vec![Field::new("accepted_until", "Accepted until", Kind::Date).hint(
                "Required when the status is accepted: the last day the acceptance holds, after which the risk must be decided again. Accepting records you as the one who accepted it.",
            )],
        ),
        Group::plain(vec![
            Field::new("rules", "Rules the risk answers", Kind::Choices(rules))
                .hint("The policy rules whose findings this risk escalates."),
            Field::new("suppliers", "Linked suppliers", Kind::Choices(suppliers))
                .required()
                .hint("The risk is written into each supplier ticked, and removed from those unticked."),
        ]),
    ]
}

/// The register's suppliers as choices, in register order.
async fn supplier_choices(state: &AppState) -> Result<Vec<FieldChoice>, PageError> {
    let snapshot = state.snapshots.get(state, today()).await?;
    Ok(snapshot
        .suppliers
        .iter()
        .map(|s| FieldChoice {
            value: s.id.to_string(),
            label: match &s.name {
                Some(name) => format!("{name} ({})", s.id),
                None => s.id.to_string(),
            },
        })
        .collect())
}

/// The form's values of a risk as stored (its suppliers ticked).
fn values_of(risk: &Risk, groups: &[Group]) -> Values {
    let mut record = serde_json::to_value(&risk.entry).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut record {
        map.insert(
            "suppliers".into(),
            Value::Array(
                risk.suppliers
                    .iter()
                    .map(|l| Value::String(l.id.to_string()))
                    .collect(),
            ),
        );
    }
    Values::from_record(groups, &record)
}

fn version_fields(stored: &[StoredSupplier]) -> Vec<String> {
    stored
        .iter()
        .map(|s| format!("{}:{}", s.supplier.id, s.version))
        .collect()
}

/// The form's submission as a change of risk `id`, or the problems by field.
fn read_form(
    values: &Values,
    groups: &[Group],
    id: &str,
    policy: &Policy,
) -> Result<RiskChange, Errors> {
    let entry_groups: Vec<Group> = groups
        .iter()
        .map(|g| Group {
            legend: g.legend.clone(),
            fields: g
                .fields
                .iter()
                .filter(|f| f.name != "suppliers")
                .cloned()
                .collect(),
        })
        .collect();
    let mut record = values.to_record(&entry_groups, Value::Object(serde_json::Map::new()));
    if let Value::Object(map) = &mut record {
        map.insert("id".into(), Value::String(id.to_string()));
    }
    let mut errors = Errors::default();
    let entry = match decode_record(&record.to_string(), RecordAt::RiskEntry(0), policy) {
        Ok(Record::RiskEntry(e)) => Some(e),
        Ok(_) => None,
        Err(ApiError::Invalid(problems)) => {
            errors.merge(Errors::from_problems(&problems, "risks[0]", groups));
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "the risk form built a record the decoder could not read");
            errors
                .other
                .push("The form could not be read; it has been logged.".into());
            None
        }
    };
    let mut suppliers = Vec::new();
    for v in values.all("suppliers") {
        match SupplierId::parse(v) {
            Ok(s) => suppliers.push(s),
            Err(why) => errors.add("suppliers", format!("`{v}` is not a supplier id: it {why}")),
        }
    }
    let mut versions = BTreeMap::new();
    for v in values.all("versions") {
        let parsed = v
            .rsplit_once(':')
            .and_then(|(s, n)| Some((SupplierId::parse(s).ok()?, n.parse::<i64>().ok()?)));
        match parsed {
            Some((s, n)) => {
                versions.insert(s, n);
            }
            None => errors.other.push(
                "The form's versions could not be read: reload the page and submit it again."
                    .into(),
            ),
        }
    }
    match entry {
        Some(entry) if errors.is_empty() => Ok(RiskChange {
            entry,
            suppliers,
            versions,
        }),
        _ => Err(errors),
    }
}

/// The problems of the checks shared with the API, on the form's fields (`rules[1]` is the
/// rules' field).
fn errors_of(problems: Vec<RiskProblem>, groups: &[Group]) -> Errors {
    let mut errors = Errors::default();
    for p in problems {
        let field = p.field.split('[').next().unwrap_or_default().to_string();
        if groups
            .iter()
            .flat_map(|g| &g.fields)
            .any(|f| f.name == field)
        {
            errors.add(&field, capitalize(&p.message));
        } else {
            errors.other.push(format!("{}: {}", p.field, p.message));
        }
    }
    errors
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

struct FormSpec {
    title: String,
    crumb: Option<(String, String)>,
    action: String,
    cancel: String,
    submit: String,
    groups: Vec<Group>,
}

impl FormSpec {
    fn page(
        &self,
        chrome: Chrome,
        values: &Values,
        errors: &Errors,
        versions: Vec<String>,
        conflict: Option<RiskConflict>,
    ) -> RiskFormPage {
        RiskFormPage {
            chrome,
            title: self.title.clone(),
            crumb: self.crumb.clone(),
            action: self.action.clone(),
            cancel: self.cancel.clone(),
            versions,
            groups: super::forms::fields::groups(&self.groups, values, errors),
            summary: super::forms::fields::summary(&self.groups, errors),
            conflict,
            submit: self.submit.clone(),
        }
    }
}

async fn new_spec(state: &AppState) -> Result<FormSpec, PageError> {
    Ok(FormSpec {
        title: "Open a risk".into(),
        crumb: None,
        action: "/risks/new".into(),
        cancel: "/risks".into(),
        submit: "Open the risk".into(),
        groups: groups(&state.policy().policy, supplier_choices(state).await?, true),
    })
}

async fn edit_spec(state: &AppState, id: &str, title: &str) -> Result<FormSpec, PageError> {
    Ok(FormSpec {
        title: format!("Edit risk {id}"),
        crumb: Some((risk_url(id), format!("{id}: {title}"))),
        action: format!("{}/edit", risk_url(id)),
        cancel: risk_url(id),
        submit: "Save the risk".into(),
        groups: groups(
            &state.policy().policy,
            supplier_choices(state).await?,
            false,
        ),
    })
}

/// `GET /risks/new[?supplier=ID&rule=RULE…]`.
async fn new_form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let spec = new_spec(&state).await?;
    let snapshot = state.snapshots.get(&state, today()).await?;
    let mut pairs: Vec<(String, String)> = vec![
        ("id".into(), snapshot.risks.next_id()),
        ("status".into(), RiskStatus::Open.as_str().into()),
        ("treatment".into(), Treatment::Remediate.as_str().into()),
        ("owner".into(), session.email.clone()),
        ("opened".into(), format_date(today())),
        ("due".into(), format_date(add_days(today(), 30))),
    ];
    let mut names = Vec::new();
    let mut rules = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "supplier" => {
                if let Some(s) = snapshot.supplier(&v) {
                    names.push(s.name.clone().unwrap_or_else(|| s.id.to_string()));
                    pairs.push(("suppliers".into(), v.into_owned()));
                }
            }
            "rule" => {
                rules.push(v.to_string());
                pairs.push(("rules".into(), v.into_owned()));
            }
            _ => {}
        }
    }
    if !names.is_empty() && !rules.is_empty() {
        pairs.push((
            "title".into(),
            format!("{} fails {}", names.join(", "), rules.join(", ")),
        ));
    }
    let values = Values::from_pairs(pairs);
    Ok(render(
        StatusCode::OK,
        &spec.page(
            Chrome::new(session, Nav::Risks),
            &values,
            &Errors::default(),
            Vec::new(),
            None,
        ),
    ))
}

/// The answer to a refused save: the form again with its problems (422) or the conflict (409).
fn refused(
    failure: SaveFailure,
    spec: &FormSpec,
    session: Session,
    values: &Values,
    versions: Vec<String>,
) -> Result<Response, PageError> {
    let chrome = Chrome::new(session, Nav::Risks);
    match failure {
        SaveFailure::Invalid(problems) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &spec.page(
                chrome,
                values,
                &errors_of(problems, &spec.groups),
                versions,
                None,
            ),
        )),
        SaveFailure::Conflict(message, now) => {
            let (rows, versions) = match &now {
                Some((risk, stored)) => (
                    conflict_rows(&spec.groups, values, &values_of(risk, &spec.groups)),
                    version_fields(stored),
                ),
                None => (Vec::new(), Vec::new()),
            };
            let conflict = RiskConflict {
                message: capitalize(&message),
                rows,
                reload: spec.action.clone(),
            };
            Ok(render(
                StatusCode::CONFLICT,
                &spec.page(chrome, values, &Errors::default(), versions, Some(conflict)),
            ))
        }
        SaveFailure::VersionsRequired => {
            let conflict = RiskConflict {
                message: "The form does not say which versions of the suppliers it was read at: reload it and make your change again.".into(),
                rows: Vec::new(),
                reload: spec.action.clone(),
            };
            Ok(render(
                StatusCode::CONFLICT,
                &spec.page(chrome, values, &Errors::default(), versions, Some(conflict)),
            ))
        }
        SaveFailure::Api(e) => Err(e.into()),
    }
}

fn saved(id: &str) -> Response {
    Redirect::to(&format!("{}?notice={}", risk_url(id), Notice::Saved.code())).into_response()
}

/// `POST /risks/new`.
async fn create(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    data: FormData,
) -> Result<Response, PageError> {
    let spec = new_spec(&state).await?;
    let id = data.values.first("id").trim().to_string();
    submit(&state, session, &spec, &data, &id, true).await
}

/// Reads the risk form (`spec`) of risk `id`, and saves it (`create`: a new risk) or shows it
/// again with its problems (422) or the refusal (409 and the like).
async fn submit(
    state: &AppState,
    session: Session,
    spec: &FormSpec,
    data: &FormData,
    id: &str,
    create: bool,
) -> Result<Response, PageError> {
    let policy = std::sync::Arc::clone(&state.policy().policy);
    let versions = data.values.all("versions").to_vec();
    let change = match read_form(&data.values, &spec.groups, id, &policy) {
        Ok(c) => c,
        Err(errors) => {
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &spec.page(
                    Chrome::new(session, Nav::Risks),
                    &data.values,
                    &errors,
                    versions,
                    None,
                ),
            ));
        }
    };
    let principal = session.principal.clone();
    let email = session.email.clone();
    match save(state, change, create, &principal, &email).await {
        Ok(_) => Ok(saved(id)),
        Err(failure) => refused(failure, spec, session, &data.values, versions),
    }
}

/// `GET /risks/{risk_id}/edit`.
async fn edit_form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath(raw): PagePath<String>,
) -> Result<Response, PageError> {
    let id = risk_id(&raw)?;
    let (risk, stored) = load_risk(&state, &id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let spec = edit_spec(&state, &id, risk.entry.title.as_deref().unwrap_or_default()).await?;
    let values = values_of(&risk, &spec.groups);
    Ok(render(
        StatusCode::OK,
        &spec.page(
            Chrome::new(session, Nav::Risks),
            &values,
            &Errors::default(),
            version_fields(&stored),
            None,
        ),
    ))
}

/// `POST /risks/{risk_id}/edit`.
async fn update(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath(raw): PagePath<String>,
    data: FormData,
) -> Result<Response, PageError> {
    let id = risk_id(&raw)?;
    let title = data.values.first("title").to_string();
    let spec = edit_spec(&state, &id, &title).await?;
    submit(&state, session, &spec, &data, &id, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_a_risk_links_keep_the_supplier_and_its_failing_rules() {
        assert_eq!(
            open_risk_url(
                "a b",
                ["selection.dpa", "escalation.risk", "agreement.clause.exit"]
            ),
            "/risks/new?supplier=a+b&rule=selection.dpa&rule=agreement.clause.exit"
        );
    }

    #[test]
    fn the_list_keeps_each_problem_for_its_field() {
        let ListQuery {
            query: q, problems, ..
        } = parse_list("status=opne&overdue=true&treatment=&colour=red&owner=x&owner=y&at=soon");
        assert_eq!(q.overdue, Some(true));
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["status", "colour", "owner", "at"]);
    }
}
