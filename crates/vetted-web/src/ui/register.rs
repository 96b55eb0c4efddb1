//! The register, `/suppliers`: every supplier as a table row, with search, filters, sorting by
//! the column headers, pages of 50 and an "include archived" toggle; and the export of the
//! view as CSV or XLSX (`/suppliers/export.csv`, `/suppliers/export.xlsx`).
//!
//! The page takes the query of `GET /api/v1/suppliers` (the same names, parsed by the same
//! [`SupplierListQuery`]), so a filtered view and the API agree; a blank value means "no
//! filter", since a GET form sends every field. Each page is one store query
//! ([`vetted_store::EvaluationStore::query_summaries`]: summary rows, the store's page cache).
//! A value that does not parse is shown next to its field and no table is drawn.
//!
//! The labels of verdicts, tiers, categories and statuses ([`verdict_label`] …) are shared by
//! the other pages.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vetted_app::tabular::{Table, TableCell, table_csv, table_xlsx};
use vetted_core::date::format_date;
use vetted_core::model::{Category, Status, Tier, Verdict};
use vetted_store::{SupplierQuery, SupplierSummary};

use super::page::Notice;
use super::{Chrome, Nav, PageError, Pages, SignedIn, VIEWER, render};
use crate::AppState;
use crate::api::suppliers::{Archived, Order, SortKey, SupplierListQuery, TierFilter};
use crate::error::ApiError;
use crate::extract::{FromQuery, QueryParams};

/// Suppliers per page when the query names no `limit`.
pub const PAGE_SIZE: u32 = 50;

/// Rows a page of the export reads at once (the store's largest page).
const EXPORT_BATCH: u32 = vetted_store::evaluations::MAX_LIMIT;

/// `GET /suppliers` and its exports.
pub fn pages() -> Pages {
    Pages::new()
        .get("/suppliers", VIEWER, register)
        .get("/suppliers/export.csv", VIEWER, export_csv)
        .get("/suppliers/export.xlsx", VIEWER, export_xlsx)
}

/// A verdict as people read it.
pub fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Inactive => "Inactive",
        Verdict::OutOfScope => "Out of scope",
        Verdict::Ineligible => "Ineligible",
        Verdict::NonCompliant => "Non-compliant",
        Verdict::Attention => "Attention",
        Verdict::Compliant => "Compliant",
    }
}

/// A tier as people read it; "No tier" when a risk input is missing.
pub fn tier_label(t: Option<Tier>) -> &'static str {
    match t {
        Some(Tier::Critical) => "Critical",
        Some(Tier::High) => "High",
        Some(Tier::Medium) => "Medium",
        Some(Tier::Low) => "Low",
        None => "No tier",
    }
}

/// A category as people read it.
pub fn category_label(c: Category) -> &'static str {
    match c {
        Category::CloudInfrastructure => "Cloud infrastructure",
        Category::ModelProvider => "Model provider",
        Category::DataProvider => "Data provider",
        Category::Annotation => "Annotation",
        Category::Saas => "SaaS",
        Category::Observability => "Observability",
        Category::Communications => "Communications",
        Category::ProfessionalServices => "Professional services",
        Category::Subcontractor => "Subcontractor",
        Category::Other => "Other",
    }
}

/// A status as people read it.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Proposed => "Proposed",
        Status::DueDiligence => "Due diligence",
        Status::Approved => "Approved",
        Status::Active => "Active",
        Status::Offboarding => "Offboarding",
        Status::Terminated => "Terminated",
        Status::Rejected => "Rejected",
    }
}

/// A `?a=1&b=2` query string of `pairs` (empty when there are none).
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs {
        s.append_pair(k, v);
        any = true;
    }
    if any {
        format!("?{}", s.finish())
    } else {
        String::new()
    }
}

/// A value of the filter form that did not parse, shown next to its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The parameter, which is also the field's `name` (`country`, `q` …).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The register's query as the page reads it.
#[derive(Clone, Debug)]
struct RegisterQuery {
    /// The list query, when every value parsed.
    list: Result<SupplierListQuery, Vec<FieldProblem>>,
    /// The values as given (blank ones dropped), to keep them in the form.
    raw: Vec<(String, String)>,
    /// `?notice=` after a redirect here.
    notice: Option<Notice>,
}

impl RegisterQuery {
    /// Reads `raw` (the URL's query string): the list API's parameters, each problem kept for
    /// its field (the API's parser stops at the first, so each bad one is dropped and the
    /// rest parsed again), plus `notice`.
    fn parse(raw: &str) -> RegisterQuery {
        let mut notice = None;
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            if k == "notice" {
                notice = Notice::from_code(&v);
            } else if !v.trim().is_empty() {
                pairs.push((k.into_owned(), v.into_owned()));
            }
        }
        let raw = pairs.clone();
        let mut problems = Vec::new();
        // `at` as a browser's input sends it, and not in the future (the page's own rules,
        // `super::past::parse_at`); the list's parser then reads it in the API's form.
        if pairs.iter().filter(|(k, _)| k == "at").count() == 1 {
            for (k, v) in &mut pairs {
                if k == "at" {
                    match super::past::parse_at(v) {
                        Ok(at) => {
                            *v = at
                                .format(&time::format_description::well_known::Rfc3339)
                                .unwrap_or_default();
                        }
                        Err(message) => problems.push(FieldProblem {
                            field: "at".into(),
                            message,
                        }),
                    }
                }
            }
            if !problems.is_empty() {
                pairs.retain(|(k, _)| k != "at");
            }
        }
        let list = loop {
            let text = query_string(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let mut q = QueryParams::parse(text.trim_start_matches('?'));
            let parsed = SupplierListQuery::from_query(&mut q)
                .and_then(|list| q.finish(SupplierListQuery::PARAMS).map(|()| list));
            match parsed {
                Ok(list) if problems.is_empty() => break Ok(list),
                Ok(_) => break Err(problems),
                Err(ApiError::BadParameter(p)) if pairs.iter().any(|(k, _)| *k == p.path) => {
                    pairs.retain(|(k, _)| *k != p.path);
                    problems.push(FieldProblem {
                        field: p.path,
                        message: p.message,
                    });
                }
                Err(e) => {
                    problems.push(FieldProblem {
                        field: String::new(),
                        message: e.to_string(),
                    });
                    break Err(problems);
                }
            }
        };
        RegisterQuery { list, raw, notice }
    }

    /// The first value given for `name`.
    fn raw(&self, name: &str) -> &str {
        self.raw
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value given for `name`.
    fn raw_all(&self, name: &str) -> Vec<&str> {
        self.raw
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// The page size of `list` (its `limit`, else [`PAGE_SIZE`]).
fn page_size(list: &SupplierListQuery) -> u32 {
    list.limit.unwrap_or(PAGE_SIZE)
}

/// The canonical parameters of `list`'s filters (no sort, no page): what every link of the
/// page keeps.
fn filter_params(list: &SupplierListQuery) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for v in &list.verdict {
        out.push(("verdict", v.as_str().to_string()));
    }
    if let Some(t) = list.tier {
        out.push(("tier", t.as_str().to_string()));
    }
    if let Some(c) = list.category {
        out.push(("category", c.as_str().to_string()));
    }
    if let Some(s) = list.status {
        out.push(("status", s.as_str().to_string()));
    }
    if let Some(c) = list.country {
        out.push(("country", c.as_str().to_string()));
    }
    if let Some(q) = &list.q {
        out.push(("q", q.clone()));
    }
    if let Some(r) = &list.rule {
        out.push(("rule", r.clone()));
    }
    if let Some(a) = list.archived.filter(|a| *a != Archived::Exclude) {
        out.push(("archived", a.as_str().to_string()));
    }
    out.extend(moment_params(list));
    out
}

/// `at` and `as_of` of `list`: every link of a past view keeps them.
fn moment_params(list: &SupplierListQuery) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(at) = list.at {
        out.push((
            "at",
            at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        ));
    }
    if let Some(d) = list.as_of {
        out.push(("as_of", format_date(d)));
    }
    out
}

/// The sort's parameters of `list` (none for register order ascending).
fn sort_params(list: &SupplierListQuery) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(sort) = list.sort.filter(|s| *s != SortKey::Position) {
        out.push(("sort", sort.as_str().to_string()));
    }
    if list.order == Some(Order::Desc) {
        out.push(("order", "desc".to_string()));
    }
    out
}

fn href(path: &str, params: &[(&'static str, String)]) -> String {
    format!(
        "{path}{}",
        query_string(params.iter().map(|(k, v)| (*k, v.as_str())))
    )
}

/// A choice of a select or a checkbox group.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The submitted value.
    pub value: String,
    /// What the user reads.
    pub label: String,
    /// Whether it is the current one.
    pub selected: bool,
}

fn choices<T: Copy>(
    all: &[T],
    wire: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    current: &[&str],
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: wire(*v).to_string(),
            label: label(*v).to_string(),
            selected: current.contains(&wire(*v)),
        })
        .collect()
}

/// The filter form's fields, as given.
#[derive(Clone, Debug)]
pub struct FilterForm {
    /// The search text.
    pub q: String,
    /// The verdict checkboxes.
    pub verdicts: Vec<Choice>,
    /// The tier select (with "No tier").
    pub tiers: Vec<Choice>,
    /// The category select.
    pub categories: Vec<Choice>,
    /// The status select.
    pub statuses: Vec<Choice>,
    /// The country code typed.
    pub country: String,
    /// The rule id typed.
    pub rule: String,
    /// Whether archived suppliers are included.
    pub archived: bool,
    /// The moment of a past view, as the `datetime-local` input shows it (UTC), or as typed
    /// when it did not parse.
    pub at: String,
    /// The sort and order (and a past view's `as_of`) to keep when the form is sent again.
    pub keep: Vec<(&'static str, String)>,
    /// Values that did not parse.
    pub problems: Vec<FieldProblem>,
}

impl FilterForm {
    /// The problem of `field`, if any.
    pub fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }

    /// Problems not tied to a field of the form.
    pub fn general_problems(&self) -> Vec<&FieldProblem> {
        const FIELDS: [&str; 9] = [
            "q", "verdict", "tier", "category", "status", "country", "rule", "archived", "at",
        ];
        self.problems
            .iter()
            .filter(|p| !FIELDS.contains(&p.field.as_str()))
            .collect()
    }

    fn of(query: &RegisterQuery) -> FilterForm {
        let tier_values: Vec<TierFilter> = Tier::ALL
            .iter()
            .map(|t| TierFilter::Is(*t))
            .chain([TierFilter::Untiered])
            .collect();
        let tier_label_of = |t: TierFilter| match t {
            TierFilter::Is(t) => tier_label(Some(t)),
            TierFilter::Untiered => tier_label(None),
        };
        let keep = match &query.list {
            Ok(list) => {
                let mut keep = sort_params(list);
                if let Some(d) = list.as_of {
                    keep.push(("as_of", format_date(d)));
                }
                keep
            }
            Err(_) => ["sort", "order", "as_of"]
                .iter()
                .filter_map(|k| {
                    let v = query.raw(k);
                    (!v.is_empty()).then(|| (*k, v.to_string()))
                })
                .collect(),
        };
        FilterForm {
            q: query.raw("q").to_string(),
            verdicts: choices(
                &Verdict::WORST_FIRST,
                Verdict::as_str,
                verdict_label,
                &query.raw_all("verdict"),
            ),
            tiers: choices(
                &tier_values,
                TierFilter::as_str,
                tier_label_of,
                &[query.raw("tier")],
            ),
            categories: choices(
                Category::ALL,
                Category::as_str,
                category_label,
                &[query.raw("category")],
            ),
            statuses: choices(
                Status::ALL,
                Status::as_str,
                status_label,
                &[query.raw("status")],
            ),
            country: query.raw("country").to_string(),
            rule: query.raw("rule").to_string(),
            archived: matches!(query.raw("archived"), "all" | "true"),
            at: match &query.list {
                Ok(list) => list.at.map_or_else(String::new, |at| {
                    at.format(time::macros::format_description!(
                        "[year]-[month]-[day]T[hour]:[minute]:[second]"
                    ))
                    .unwrap_or_default()
                }),
                Err(_) => query.raw("at").to_string(),
            },
            keep,
            problems: query.list.as_ref().err().cloned().unwrap_or_default(),
        }
    }
}

/// A column header: its label, and for a sortable column the link that sorts by it and its
/// current direction.
#[derive(Clone, Debug)]
pub struct Header {
    /// The column's name.
    pub label: &'static str,
    /// The link that sorts by it (ascending, or descending when it is sorted ascending now).
    pub href: Option<String>,
    /// `ascending` or `descending` when the table is sorted by it.
    pub aria_sort: Option<&'static str>,
}

impl Header {
    /// The arrow drawn beside a sorted column's name (hidden from screen readers, which
    /// announce `aria-sort`).
    pub fn arrow(&self) -> &'static str {
        match self.aria_sort {
            Some("ascending") => "▲",
            Some(_) => "▼",
            None => "",
        }
    }
}

/// One row of the table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The supplier's id.
    pub id: String,
    /// Its name, or its id when it has none.
    pub name: String,
    /// Whether it has a name.
    pub named: bool,
    /// Its page.
    pub href: String,
    /// Its category as read.
    pub category: &'static str,
    /// Its status.
    pub status: &'static str,
    /// Its tier.
    pub tier: &'static str,
    /// The verdict's wire name (the badge's class).
    pub verdict: &'static str,
    /// The verdict as read.
    pub verdict_label: &'static str,
    /// The next due date, `YYYY-MM-DD`.
    pub next_due: Option<String>,
    /// Whether that date has passed.
    pub overdue: bool,
    /// Whether it is archived.
    pub archived: bool,
}

/// The table and its pages.
#[derive(Clone, Debug)]
pub struct Results {
    /// The column headers.
    pub headers: Vec<Header>,
    /// The page's rows.
    pub rows: Vec<Row>,
    /// How many suppliers match.
    pub total: u64,
    /// The position of the first row (from 1) and of the last.
    pub first: u64,
    /// See `first`.
    pub last: u64,
    /// The previous page, if any.
    pub prev: Option<String>,
    /// The next page, if any.
    pub next: Option<String>,
    /// The CSV export of this view.
    pub export_csv: String,
    /// The XLSX export of this view.
    pub export_xlsx: String,
    /// What the table is sorted by, for its caption.
    pub sorted_by: String,
}

/// `templates/register/index.html`.
#[derive(Template)]
#[template(path = "register/index.html")]
pub struct RegisterPage {
    chrome: Chrome,
    form: FilterForm,
    results: Option<Results>,
    /// A link that clears every filter (and keeps the sort).
    clear: String,
}

/// The table's columns in order, with the sort key of those a header click sorts by.
const COLUMNS: [(&str, Option<SortKey>); 6] = [
    ("Supplier", Some(SortKey::Name)),
    ("Category", None),
    ("Status", None),
    ("Tier", Some(SortKey::Tier)),
    ("Verdict", Some(SortKey::Verdict)),
    ("Next due", Some(SortKey::NextDue)),
];

fn sort_label(sort: SortKey) -> &'static str {
    match sort {
        SortKey::Position => "register order",
        SortKey::Id => "id",
        SortKey::Name => "name",
        SortKey::Verdict => "verdict, worst first",
        SortKey::Tier => "tier, critical first",
        SortKey::NextDue => "next due date, earliest first",
        SortKey::Updated => "last change, oldest first",
    }
}

fn headers(list: &SupplierListQuery) -> Vec<Header> {
    let filters = filter_params(list);
    let current = list.sort.unwrap_or_default();
    let descending = list.order == Some(Order::Desc);
    COLUMNS
        .iter()
        .map(|(label, key)| {
            let Some(key) = *key else {
                return Header {
                    label,
                    href: None,
                    aria_sort: None,
                };
            };
            let sorted = key == current;
            let mut params = filters.clone();
            params.push(("sort", key.as_str().to_string()));
            if sorted && !descending {
                params.push(("order", "desc".to_string()));
            }
            if let Some(limit) = list.limit {
                params.push(("limit", limit.to_string()));
            }
            Header {
                label,
                href: Some(href("/suppliers", &params)),
                aria_sort: sorted.then_some(if descending {
                    "descending"
                } else {
                    "ascending"
                }),
            }
        })
        .collect()
}

fn row(s: &SupplierSummary, today: time::Date, at: Option<&str>) -> Row {
    let id = s.id.to_string();
    Row {
        href: super::past::keep_at(&format!("/suppliers/{}", url_segment(&id)), at),
        name: s.name.clone().unwrap_or_else(|| id.clone()),
        named: s.name.is_some(),
        category: s.category.map_or("—", category_label),
        status: s.status.map_or("—", status_label),
        tier: tier_label(s.tier),
        verdict: s.verdict.as_str(),
        verdict_label: verdict_label(s.verdict),
        next_due: s.next_due.map(format_date),
        overdue: s.next_due.is_some_and(|d| d < today),
        archived: s.archived,
        id,
    }
}

/// A supplier's page, `/suppliers/{id}` with the id encoded.
pub fn supplier_href(id: impl AsRef<str>) -> String {
    format!("/suppliers/{}", url_segment(id.as_ref()))
}

/// `id` as one path segment (ids have no `/` or whitespace, but may hold `?`, `#` or `%`).
pub fn url_segment(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn register(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let raw = raw.as_deref().unwrap_or("");
    let query = RegisterQuery::parse(raw);
    let chrome = Chrome::new(session, Nav::Register).with_notice(query.notice);
    let form = FilterForm::of(&query);
    let mut clear = href("/suppliers", &form.keep);
    let Ok(list) = &query.list else {
        return Ok(render(
            StatusCode::BAD_REQUEST,
            &RegisterPage {
                chrome,
                form,
                results: None,
                clear,
            },
        ));
    };
    let mut store_query = list.to_store();
    store_query.limit = page_size(list);
    // Today's stored evaluations, or with `at` the register recorded then, evaluated in
    // memory under the policy then: one template either way.
    let (page, past) = match list.at {
        None => (
            crate::api::suppliers::summaries(&state, list, &store_query).await?,
            None,
        ),
        Some(at) => {
            let then = crate::api::params::then(&state, at).await?;
            let past = super::past::PastView::of(&then, super::past::without_at("/suppliers", raw));
            let page =
                crate::api::suppliers::summaries_then(then, store_query.clone(), list.date())
                    .await?;
            (std::sync::Arc::new(page), Some(past))
        }
    };
    let at_param = past.as_ref().map(|p| p.param.clone());
    clear = super::past::keep_at(&clear, at_param.as_deref());
    let chrome = chrome.with_past(past);
    // Overdue next due dates are judged on the day evaluated.
    let today = list.date();

    let mut keep = filter_params(list);
    keep.extend(sort_params(list));
    if let Some(limit) = list.limit {
        keep.push(("limit", limit.to_string()));
    }
    let size = u64::from(store_query.limit);
    let offset = store_query.offset;
    let page_at = |offset: u64| {
        let mut params = keep.clone();
        if offset > 0 {
            params.push(("offset", offset.to_string()));
        }
        href("/suppliers", &params)
    };
    let mut export = filter_params(list);
    export.extend(sort_params(list));
    let rows: Vec<Row> = page
        .items
        .iter()
        .map(|s| row(s, today, at_param.as_deref()))
        .collect();
    let results = Results {
        headers: headers(list),
        first: if rows.is_empty() { 0 } else { offset + 1 },
        last: if rows.is_empty() {
            0
        } else {
            offset + rows.len() as u64
        },
        total: page.total,
        // Past the end, "previous" goes to the last page.
        prev: (offset > 0).then(|| {
            page_at(
                offset
                    .saturating_sub(size)
                    .min(page.total.saturating_sub(1) / size * size),
            )
        }),
        next: (offset + size < page.total).then(|| page_at(offset + size)),
        export_csv: href("/suppliers/export.csv", &export),
        export_xlsx: href("/suppliers/export.xlsx", &export),
        sorted_by: format!(
            "{}{}",
            sort_label(list.sort.unwrap_or_default()),
            if list.order == Some(Order::Desc) {
                ", reversed"
            } else {
                ""
            }
        ),
        rows,
    };
    Ok(render(
        StatusCode::OK,
        &RegisterPage {
            chrome,
            form,
            results: Some(results),
            clear,
        },
    ))
}

/// Every supplier of the view, in its order: the store's pages of [`EXPORT_BATCH`] read until
/// the total, again when the store changed meanwhile (a write between two pages could skip or
/// repeat a row), up to three times.
async fn every_row(
    state: &AppState,
    query: &SupplierQuery,
    evaluator: &vetted_store::Evaluator,
) -> Result<Vec<SupplierSummary>, PageError> {
    let mut rows = Vec::new();
    for _ in 0..3 {
        let before = state.store.list_generation().await?;
        rows.clear();
        let mut q = query.clone();
        q.limit = EXPORT_BATCH;
        q.offset = 0;
        loop {
            let page = state.store.query_summaries(&q, evaluator).await?;
            rows.extend(page.items.iter().cloned());
            if page.items.is_empty() || rows.len() as u64 >= page.total {
                break;
            }
            q.offset = rows.len() as u64;
        }
        if state.store.list_generation().await? == before {
            break;
        }
    }
    Ok(rows)
}

/// The view as a table: the page's columns, with the id on its own and whether the supplier
/// is archived.
fn export_table(rows: &[SupplierSummary]) -> Table {
    let label = |s: &'static str| TableCell::Text(s.to_string());
    Table {
        sheet: "suppliers".into(),
        columns: [
            "Id", "Name", "Category", "Status", "Tier", "Verdict", "Next due", "Archived",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|s| {
                vec![
                    TableCell::Text(s.id.to_string()),
                    s.name.clone().into(),
                    s.category
                        .map_or(TableCell::Blank, |c| label(category_label(c))),
                    s.status
                        .map_or(TableCell::Blank, |c| label(status_label(c))),
                    s.tier
                        .map_or(TableCell::Blank, |t| label(tier_label(Some(t)))),
                    label(verdict_label(s.verdict)),
                    s.next_due.into(),
                    label(if s.archived { "yes" } else { "no" }),
                ]
            })
            .collect(),
    }
}

/// The two export formats of a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// CSV (UTF-8 with a byte-order mark).
    Csv,
    /// A workbook of one sheet.
    Xlsx,
}

async fn export(
    state: AppState,
    raw: Option<String>,
    format: Format,
) -> Result<Response, PageError> {
    let query = RegisterQuery::parse(raw.as_deref().unwrap_or(""));
    let list = query.list.map_err(|problems| {
        let p = problems.into_iter().next().unwrap_or(FieldProblem {
            field: String::new(),
            message: "the query is not valid".into(),
        });
        PageError::Api(ApiError::bad_parameter(p.field, p.message))
    })?;
    let today = list.date();
    let rows = match list.at {
        None => every_row(&state, &list.to_store(), &state.evaluator(today)).await?,
        Some(at) => {
            let then = crate::api::params::then(&state, at).await?;
            let query = list.to_store();
            tokio::task::spawn_blocking(move || {
                vetted_store::evaluations::matching_in_memory(
                    &then.records,
                    &query,
                    &then.policy,
                    today,
                )
            })
            .await
            .map_err(|e| ApiError::internal("evaluating the register as it was", &e))?
        }
    };
    let table = export_table(&rows);
    download(
        table,
        &format!("vetted-register-{}", format_date(today)),
        format,
    )
    .await
}

/// `table` as a file to download, `name` plus the format's extension: written with the
/// register's safe writers (no text ever runs as a formula), off the async threads.
pub(crate) async fn download(
    table: Table,
    name: &str,
    format: Format,
) -> Result<Response, PageError> {
    let (content_type, file, bytes) = match format {
        Format::Csv => (
            "text/csv; charset=utf-8",
            format!("{name}.csv"),
            tokio::task::spawn_blocking(move || table_csv(&table))
                .await
                .map_err(|e| ApiError::internal("writing the CSV export", &e))?,
        ),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{name}.xlsx"),
            tokio::task::spawn_blocking(move || table_xlsx(&table))
                .await
                .map_err(|e| ApiError::internal("writing the XLSX export", &e))?
                .map_err(|e| ApiError::internal("writing the XLSX export", &e))?,
        ),
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
        .map_err(|e| ApiError::internal("naming the export", &e))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_kept_for_its_field_and_blank_values_are_no_filter() {
        let q = RegisterQuery::parse("q=&tier=&country=EL&verdict=fine&sort=name&notice=saved");
        let problems = q.list.unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["verdict", "country"]);
        assert_eq!(
            problems[1].message,
            "`EL` is not a country code: Greece is GR"
        );
        assert_eq!(q.notice, Some(Notice::Saved));

        let q = RegisterQuery::parse("q=+&tier=&category=saas&archived=all");
        let list = q.list.unwrap();
        assert_eq!(list.category, Some(Category::Saas));
        assert_eq!((list.q.as_deref(), list.tier), (None, None));
        assert_eq!(list.to_store().archived, None);

        let q = RegisterQuery::parse("colour=red");
        assert_eq!(q.list.unwrap_err()[0].field, "colour");
    }

    #[test]
    fn links_keep_the_filters_in_canonical_form() {
        let q = RegisterQuery::parse("verdict=attention&verdict=compliant&q=a%26b&sort=tier");
        let list = q.list.unwrap();
        assert_eq!(
            href("/suppliers", &filter_params(&list)),
            "/suppliers?verdict=attention&verdict=compliant&q=a%26b"
        );
        let headers = headers(&list);
        let tier = headers.iter().find(|h| h.label == "Tier").unwrap();
        assert_eq!(tier.aria_sort, Some("ascending"));
        assert_eq!(
            tier.href.as_deref(),
            Some("/suppliers?verdict=attention&verdict=compliant&q=a%26b&sort=tier&order=desc")
        );
        assert!(
            headers
                .iter()
                .find(|h| h.label == "Status")
                .unwrap()
                .href
                .is_none()
        );
    }

    #[test]
    fn ids_are_one_path_segment() {
        assert_eq!(url_segment("acme-1"), "acme-1");
        assert_eq!(url_segment("a?b#c%d e"), "a%3Fb%23c%25d%20e");
    }
}
