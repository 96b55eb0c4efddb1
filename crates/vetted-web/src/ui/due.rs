//! The due queue, `/due`: what needs action, most urgent first, as `GET /api/v1/due` and
//! `vetted due` list it (the same engine function, through the register's
//! [`crate::snapshot`]), in pages of 100. A window selector (`within=30d|60d|90d`, default the
//! policy's due-soon window), filters by urgency (`kind`) and by what is due (`rule`), and for
//! editors a link per row to what deals with it: "Start review" (the review workflow) for
//! reviews, the risk's form for a risk overdue, "Open a risk" prefilled for a failing supplier
//! without an escalation, the new-record form of the section for the others (add evidence …).
//!
//! [`DUE_RULES`] names the kinds of items the engine puts on the list; the dashboard counts
//! them too.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use vetted_core::date::format_date;
use vetted_core::due::{DueItem, DueKind, parse_within};
use vetted_core::engine::{
    AGREEMENT_EXPIRING, ESCALATION_RISK, REVIEW_DUE_SOON, REVIEW_OVERDUE, REVIEW_TRIGGERED,
    SELECTION_ASSURANCE, SELECTION_ASSURANCE_EXPIRING, SELECTION_DUE_DILIGENCE,
};

use super::page::Notice;
use super::past::{Source, without_at};
use super::register::{Choice, FieldProblem, query_string, url_segment};
use super::{Chrome, Nav, PageError, Pages, SignedIn, VIEWER, render};
use crate::AppState;
use crate::api::params::today;
use crate::snapshot::{MAX_WINDOW_DAYS, Snapshot};
use crate::ui::risks::{open_risk_url, risk_url};

/// `GET /due`.
pub fn pages() -> Pages {
    Pages::new().get("/due", VIEWER, due_queue)
}

/// Items per page.
pub const DUE_PAGE_SIZE: usize = 100;

/// The windows the selector offers, in days (the policy's own is added when it differs).
const WINDOWS: [u32; 3] = [30, 60, 90];

/// A kind of item on the due list: the rule it serves, how the page and the dashboard name
/// it, and the form that deals with it.
#[derive(Clone, Copy, Debug)]
pub struct DueRule {
    /// The rule id of its items.
    pub rule: &'static str,
    /// Its name in the due queue's filter.
    pub label: &'static str,
    /// Its name on the dashboard; `{window}` stands for the window in days.
    dashboard: &'static str,
    /// The section whose new-record form deals with it, and the link's text.
    pub action: (&'static str, &'static str),
}

impl DueRule {
    /// Its name on the dashboard, for a window of `window` days.
    pub fn dashboard_label(&self, window: u32) -> String {
        self.dashboard.replace("{window}", &window.to_string())
    }

    /// The kind of item of `rule`.
    pub fn of(rule: &str) -> Option<&'static DueRule> {
        DUE_RULES.iter().find(|r| r.rule == rule)
    }
}

/// Every kind of item the engine puts on the due list (`vetted_core::due::due_items`), in the
/// order the dashboard lists them.
pub const DUE_RULES: [DueRule; 8] = [
    DueRule {
        rule: REVIEW_OVERDUE.id,
        label: "Review overdue",
        dashboard: "Reviews overdue",
        action: ("reviews", "Record a review"),
    },
    DueRule {
        rule: REVIEW_TRIGGERED.id,
        label: "Review triggered by an event",
        dashboard: "Reviews triggered by an event",
        action: ("reviews", "Record a review"),
    },
    DueRule {
        rule: SELECTION_ASSURANCE.id,
        label: "Assurance lapsed or missing",
        dashboard: "Suppliers without current assurance",
        action: ("assurance", "Add evidence"),
    },
    DueRule {
        rule: SELECTION_ASSURANCE_EXPIRING.id,
        label: "Assurance expiring",
        dashboard: "Assurance expiring within {window} days",
        action: ("assurance", "Renew evidence"),
    },
    DueRule {
        rule: AGREEMENT_EXPIRING.id,
        label: "Agreement ending",
        dashboard: "Agreements ending within {window} days",
        action: ("agreements", "Add an agreement"),
    },
    DueRule {
        rule: REVIEW_DUE_SOON.id,
        label: "Review due soon",
        dashboard: "Reviews due within {window} days",
        action: ("reviews", "Record a review"),
    },
    DueRule {
        rule: SELECTION_DUE_DILIGENCE.id,
        label: "Due diligence missing",
        dashboard: "Engaged without due diligence",
        action: ("assessments", "Record an assessment"),
    },
    DueRule {
        rule: ESCALATION_RISK.id,
        label: "Escalation missing, or a risk overdue",
        dashboard: "Escalations missing and risks overdue or due within {window} days",
        action: ("risks", "Open a risk"),
    },
];

/// The kinds of urgency, most urgent first, with their wire names and labels.
const KINDS: [(DueKind, &str, &str); 4] = [
    (DueKind::Overdue, "overdue", "Overdue"),
    (DueKind::Triggered, "triggered", "Triggered"),
    (DueKind::Missing, "missing", "Missing"),
    (DueKind::DueSoon, "due_soon", "Due soon"),
];

fn kind_wire(kind: DueKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("", |(_, w, _)| w)
}

fn kind_label(kind: DueKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("", |(_, _, l)| l)
}

/// The badge class of a kind: the two that mean "late" in the failing colour.
fn kind_class(kind: DueKind) -> &'static str {
    match kind {
        DueKind::Overdue | DueKind::Triggered => "fail",
        DueKind::Missing => "warn",
        DueKind::DueSoon => "info",
    }
}

/// The due queue's query.
#[derive(Clone, Debug, Default)]
struct DueQuery {
    within: Option<u32>,
    kind: Option<DueKind>,
    rule: Option<&'static DueRule>,
    offset: usize,
    notice: Option<Notice>,
    /// `at`: the queue of the register as recorded then.
    at: Option<time::OffsetDateTime>,
    problems: Vec<FieldProblem>,
}

impl DueQuery {
    /// Reads the query string; each value that does not parse is kept as a problem of its
    /// field, blank values mean "not given".
    fn parse(raw: &str, horizon: u32) -> DueQuery {
        let mut q = DueQuery::default();
        let mut seen: Vec<String> = Vec::new();
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let read = if k != "notice" && seen.iter().any(|s| *s == k) {
                Err("given more than once".to_string())
            } else {
                seen.push(k.to_string());
                q.read(&k, v, horizon)
            };
            if let Err(message) = read {
                q.problems.push(FieldProblem {
                    field: k.into_owned(),
                    message,
                });
            }
        }
        q
    }

    /// Takes the parameter `name` with the value `v`.
    fn read(&mut self, name: &str, v: &str, horizon: u32) -> Result<(), String> {
        match name {
            "within" => match parse_within(v)? {
                days if days <= horizon => self.within = Some(days),
                _ => return Err(format!("at most {horizon} days ahead")),
            },
            "kind" => {
                let (kind, _, _) = KINDS.iter().find(|(_, w, _)| *w == v).ok_or_else(|| {
                    format!(
                        "unknown value `{v}`: expected {}",
                        vetted_core::model::one_of(KINDS.iter().map(|(_, w, _)| *w))
                    )
                })?;
                self.kind = Some(*kind);
            }
            "rule" => {
                self.rule = Some(DueRule::of(v).ok_or_else(|| {
                    format!(
                        "`{v}` puts nothing on the due list: expected {}",
                        vetted_core::model::one_of(DUE_RULES.iter().map(|r| r.rule))
                    )
                })?);
            }
            "offset" => {
                self.offset = v
                    .parse()
                    .map_err(|_| format!("`{v}` is not an offset: expected 0 or more"))?;
            }
            "notice" => self.notice = Notice::from_code(v),
            "at" => self.at = Some(super::past::parse_at(v)?),
            _ => {
                return Err("unknown parameter: expected within, kind, rule, offset or at".into());
            }
        }
        Ok(())
    }

    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }

    /// The filters as link parameters (the window only when it is not the default).
    fn params(&self, default_window: u32) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(w) = self.within.filter(|w| *w != default_window) {
            out.push(("within", format!("{w}d")));
        }
        if let Some(k) = self.kind {
            out.push(("kind", kind_wire(k).to_string()));
        }
        if let Some(r) = self.rule {
            out.push(("rule", r.rule.to_string()));
        }
        if let Some(at) = self.at {
            out.push((
                "at",
                at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            ));
        }
        out
    }
}

/// One row of the queue.
#[derive(Clone, Debug)]
pub struct DueRow {
    /// The supplier's name (or id), id and page.
    pub name: String,
    /// See `name`.
    pub id: String,
    /// See `name`.
    pub href: String,
    /// What is due, as the engine says it.
    pub what: String,
    /// The rule it serves.
    pub rule: &'static str,
    /// Its urgency: wire name, label and badge class.
    pub kind: &'static str,
    /// See `kind`.
    pub kind_label: &'static str,
    /// See `kind`.
    pub kind_class: &'static str,
    /// The date it fell or falls due.
    pub date: Option<String>,
    /// Days overdue or left, in words.
    pub days: String,
    /// Whether that date has passed.
    pub late: bool,
    /// The form that deals with it, and the link's text (editors only).
    pub action: Option<(String, &'static str)>,
}

/// `templates/due/index.html`.
#[derive(Template)]
#[template(path = "due/index.html")]
pub struct DuePage {
    chrome: Chrome,
    as_of: String,
    /// The window shown, in days.
    window: u32,
    windows: Vec<Choice>,
    kinds: Vec<Choice>,
    rules: Vec<Choice>,
    problems: Vec<FieldProblem>,
    within_problem: Option<String>,
    kind_problem: Option<String>,
    rule_problem: Option<String>,
    general_problems: Vec<FieldProblem>,
    rows: Vec<DueRow>,
    total: usize,
    first: usize,
    last: usize,
    prev: Option<String>,
    next: Option<String>,
    /// The link that clears the filters (a past view's `at` kept).
    clear: String,
}

impl DuePage {
    fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Days overdue or left before `date`, in words.
fn days_text(date: Option<time::Date>, today: time::Date) -> (String, bool) {
    let Some(date) = date else {
        return ("now".into(), false);
    };
    let days = (date - today).whole_days();
    let plural = |n: i64| if n == 1 { "" } else { "s" };
    match days {
        0 => ("today".into(), false),
        d if d < 0 => (format!("{} day{} overdue", -d, plural(-d)), true),
        d => (format!("in {d} day{}", plural(d)), false),
    }
}

/// The action of an item (editors only): a review's rows start the review workflow, a risk's
/// rows open the risk's form, a failing supplier without an escalation opens a new risk
/// prefilled with the rules it fails; the others the new-record form of their section.
fn action(item: &DueItem, href: &str, snapshot: &Snapshot) -> Option<(String, &'static str)> {
    if let Some(risk) = &item.risk {
        return Some((format!("{}/edit", risk_url(risk)), "Decide on the risk"));
    }
    if item.rule == ESCALATION_RISK.id && item.kind == DueKind::Missing {
        let failing = snapshot
            .supplier(&item.supplier)
            .map(|s| s.failing.iter().map(String::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        return Some((open_risk_url(&item.supplier, failing), "Open a risk"));
    }
    if [REVIEW_OVERDUE.id, REVIEW_TRIGGERED.id, REVIEW_DUE_SOON.id].contains(&item.rule) {
        return Some((format!("{href}/review"), "Start review"));
    }
    DueRule::of(item.rule).map(|r| (format!("{href}/{}/new", r.action.0), r.action.1))
}

fn row(
    item: &DueItem,
    today: time::Date,
    can_edit: bool,
    snapshot: &Snapshot,
    at: Option<&str>,
) -> DueRow {
    let href = format!("/suppliers/{}", url_segment(&item.supplier));
    let page = super::past::keep_at(&href, at);
    let (days, late) = days_text(item.date, today);
    DueRow {
        name: item.name.clone().unwrap_or_else(|| item.supplier.clone()),
        id: item.supplier.clone(),
        what: item.what.clone(),
        rule: item.rule,
        kind: kind_wire(item.kind),
        kind_label: kind_label(item.kind),
        kind_class: kind_class(item.kind),
        date: item.date.map(format_date),
        days,
        late,
        action: if can_edit {
            action(item, &href, snapshot)
        } else {
            None
        },
        href: page,
    }
}

async fn due_queue(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let raw = raw.as_deref().unwrap_or("");
    let horizon = MAX_WINDOW_DAYS.max(state.policy().policy.review.due_soon_days);
    let query = DueQuery::parse(raw, horizon);
    // The register now, or with `at` as recorded then under the policy then (whose window is
    // the default): one page either way.
    let source = if query.problems.is_empty() {
        Some(Source::load(&state, query.at, None, without_at("/due", raw)).await?)
    } else {
        None
    };
    let policy = source.as_ref().map_or_else(
        || std::sync::Arc::clone(&state.policy().policy),
        |s| std::sync::Arc::clone(&s.policy),
    );
    let default_window = policy.review.due_soon_days;
    let chrome = Chrome::new(session, Nav::Due)
        .with_notice(query.notice)
        .with_past(source.as_ref().and_then(|s| s.past.clone()));
    let can_edit = chrome.can_edit();
    let at_param = chrome.past.as_ref().map(|p| p.param.clone());
    let window = query.within.unwrap_or(default_window);
    let today = source.as_ref().map_or_else(today, |s| s.snapshot.key.as_of);

    let mut windows: Vec<u32> = WINDOWS.to_vec();
    windows.extend([default_window, window]);
    windows.sort_unstable();
    windows.dedup();
    let shown_window = if query.problem("within").is_some() {
        None
    } else {
        Some(window)
    };
    let windows = windows
        .into_iter()
        .map(|w| Choice {
            value: format!("{w}d"),
            label: if w == default_window {
                format!("{w} days (the policy's window)")
            } else {
                format!("{w} days")
            },
            selected: Some(w) == shown_window,
        })
        .collect();
    let kinds = KINDS
        .iter()
        .map(|(k, w, l)| Choice {
            value: (*w).to_string(),
            label: (*l).to_string(),
            selected: query.kind == Some(*k),
        })
        .collect();
    let rules = DUE_RULES
        .iter()
        .map(|r| Choice {
            value: r.rule.to_string(),
            label: r.label.to_string(),
            selected: query.rule.is_some_and(|q| q.rule == r.rule),
        })
        .collect();
    let field_problem = |f: &str| query.problem(f).map(String::from);
    let mut page = DuePage {
        chrome,
        as_of: format_date(today),
        window,
        windows,
        kinds,
        rules,
        within_problem: field_problem("within"),
        kind_problem: field_problem("kind"),
        rule_problem: field_problem("rule"),
        general_problems: query
            .problems
            .iter()
            .filter(|p| !["within", "kind", "rule"].contains(&p.field.as_str()))
            .cloned()
            .collect(),
        problems: query.problems.clone(),
        rows: Vec::new(),
        total: 0,
        first: 0,
        last: 0,
        prev: None,
        next: None,
        clear: super::past::keep_at("/due", at_param.as_deref()),
    };
    let Some(source) = source.filter(|_| !page.has_problems()) else {
        return Ok(render(StatusCode::BAD_REQUEST, &page));
    };
    let snapshot = source.snapshot;
    let items: Vec<&DueItem> = snapshot
        .due_within(window)
        .filter(|i| query.kind.is_none_or(|k| i.kind == k))
        .filter(|i| query.rule.is_none_or(|r| i.rule == r.rule))
        .collect();
    let total = items.len();
    let offset = query.offset;
    page.rows = items
        .iter()
        .skip(offset)
        .take(DUE_PAGE_SIZE)
        .map(|i| row(i, today, can_edit, &snapshot, at_param.as_deref()))
        .collect();
    page.total = total;
    page.first = if page.rows.is_empty() { 0 } else { offset + 1 };
    page.last = if page.rows.is_empty() {
        0
    } else {
        offset + page.rows.len()
    };
    let keep = query.params(default_window);
    let page_at = |offset: usize| {
        let mut params = keep.clone();
        if offset > 0 {
            params.push(("offset", offset.to_string()));
        }
        format!(
            "/due{}",
            query_string(params.iter().map(|(k, v)| (*k, v.as_str())))
        )
    };
    // Past the end, "previous" goes to the last page.
    page.prev = (offset > 0).then(|| {
        page_at(
            offset
                .saturating_sub(DUE_PAGE_SIZE)
                .min(total.saturating_sub(1) / DUE_PAGE_SIZE * DUE_PAGE_SIZE),
        )
    });
    page.next = (offset + DUE_PAGE_SIZE < total).then(|| page_at(offset + DUE_PAGE_SIZE));
    Ok(render(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn days_are_counted_from_today() {
        let today = date!(2026 - 11 - 25);
        assert_eq!(
            days_text(Some(date!(2026 - 11 - 20)), today),
            ("5 days overdue".into(), true)
        );
        assert_eq!(
            days_text(Some(date!(2026 - 11 - 24)), today),
            ("1 day overdue".into(), true)
        );
        assert_eq!(days_text(Some(today), today), ("today".into(), false));
        assert_eq!(
            days_text(Some(date!(2026 - 11 - 26)), today),
            ("in 1 day".into(), false)
        );
        assert_eq!(days_text(None, today), ("now".into(), false));
    }

    #[test]
    fn the_query_keeps_each_problem_for_its_field() {
        let q = DueQuery::parse("within=120d&kind=late&rule=review.overdue&offset=x", 90);
        let fields: Vec<&str> = q.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["within", "kind", "offset"]);
        assert_eq!(q.problem("within"), Some("at most 90 days ahead"));
        assert_eq!(q.rule.map(|r| r.rule), Some("review.overdue"));
        let q = DueQuery::parse("within=8w&kind=due_soon&within=", 90);
        assert!(q.problems.is_empty(), "{:?}", q.problems);
        assert_eq!((q.within, q.kind), (Some(56), Some(DueKind::DueSoon)));
        assert_eq!(
            q.params(30),
            [("within", "56d".to_string()), ("kind", "due_soon".into())]
        );
    }

    #[test]
    fn every_kind_the_engine_lists_has_a_name_and_a_form() {
        let policy = vetted_core::policy::Policy::default();
        let register = vetted_app::generate::generate_register(300, 5);
        let items = vetted_app::evaluate::due_list(
            &register.suppliers,
            &policy,
            date!(2026 - 11 - 25),
            Some(90),
        );
        for item in &items {
            assert!(DueRule::of(item.rule).is_some(), "{}", item.rule);
        }
        let sections: Vec<&str> = vetted_core::section::Section::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        for r in &DUE_RULES {
            assert!(sections.contains(&r.action.0), "{}", r.action.0);
        }
    }
}
