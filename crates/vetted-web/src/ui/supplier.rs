//! The supplier page, `GET /suppliers/{id}` (`?as_of=YYYY-MM-DD` evaluates on another day):
//! the supplier's state explained in one place. Its heading and facts (status, category,
//! owner, website, tier, verdict, version), the policy's findings on the day with rule id,
//! ISO control and what to do, every section of the record, and the change history from the
//! audit trail. Editors also get the edit, add and delete controls (the forms of
//! [`super::forms`]) and archive or restore (`POST /suppliers/{id}/archive|restore`); viewers
//! see none of them, and the server refuses their forged posts anyway.
//!
//! The findings come from [`EvaluationView::of`], the function the REST API's findings
//! endpoint answers with; the history from the audit trail, as
//! `GET /api/v1/suppliers/{id}/history` reads it, with people shown by e-mail address (one
//! query for the users) and the fields each change touched. The template is
//! `templates/supplier/show.html`; the assurance section is its own partial,
//! `templates/supplier/_assurance.html`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use time::Date;
use vetted_core::audit::{Actor, AuditEntry, action};
use vetted_core::model::{Agreement, ParamValue, ReviewCheck, Supplier, SupplierId, Tier, Verdict};
use vetted_core::policy::Policy;
use vetted_core::report::Finding;
use vetted_core::section::Section;
use vetted_store::{AuditQuery, Change, StoreError, StoredSupplier};

use super::forms::fields::ConflictRow;
use super::forms::{
    Crumb, FormData, PagePath, Retry, StalePage, back_to, label, segment, stale_page,
};
use super::page::Notice;
use super::{CanEdit, Chrome, EDITOR, Nav, PageError, Pages, SignedIn, VIEWER, render};
use crate::AppState;
use crate::api::params::{parse_as_of, today};
use crate::api::suppliers::EvaluationView;
use crate::error::ApiError;

/// The supplier page and its archive and restore buttons.
pub fn pages() -> Pages {
    Pages::new()
        .get("/suppliers/{id}", VIEWER, show)
        .post("/suppliers/{id}/archive", EDITOR, archive)
        .post("/suppliers/{id}/restore", EDITOR, restore)
}

/// One finding as the table shows it.
#[derive(Clone, Debug)]
pub struct FindingRow {
    /// `fail`, `warn` or `info` (the badge's text and class).
    pub severity: &'static str,
    /// The rule id.
    pub rule: String,
    /// What does not hold, naming the values.
    pub message: String,
    /// What to do about it.
    pub advice: String,
    /// The ISO/IEC 27001:2022 Annex A controls.
    pub controls: String,
}

impl FindingRow {
    /// The engine writes each message as "what is wrong: what to do"; the last `": "` outside
    /// parentheses parts them (what is wrong may quote a record's text, which may hold a colon
    /// itself; the advice may name a field in parentheses, as in `(gdpr_art28: true)`).
    pub(crate) fn of(f: &Finding) -> FindingRow {
        let (message, advice) = split_advice(&f.message);
        FindingRow {
            severity: f.severity.as_str(),
            rule: f.rule.clone(),
            message: capitalized(message),
            advice: capitalized(advice),
            controls: f.controls.join(", "),
        }
    }
}

/// `message` parted at its last `": "` outside parentheses: (what is wrong, what to do).
fn split_advice(message: &str) -> (&str, &str) {
    let mut depth = 0_i32;
    let mut cut = None;
    for (i, c) in message.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ':' if depth == 0 && message[i + 1..].starts_with(' ') => cut = Some(i),
            _ => {}
        }
    }
    cut.map_or((message, ""), |i| (&message[..i], &message[i + 2..]))
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// One change of the history.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    /// The entry's place in the trail.
    pub seq: u64,
    /// The supplier changed (the entry's subject).
    pub subject: String,
    /// When, RFC 3339 (`<time datetime>`).
    pub at_iso: String,
    /// When, as read: `2026-11-25 14:03 UTC`.
    pub at: String,
    /// Who: an e-mail address, a user id when the user is gone, a token, or Vetted itself.
    pub who: String,
    /// What: created, changed, archived, restored.
    pub action: String,
    /// The parts of the record the change touched.
    pub fields: Vec<String>,
}

/// The parts of the record that differ between `before` and `after` (top-level keys, named
/// as on the page).
fn changed_fields(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let empty = serde_json::Map::new();
    let object = |v: Option<&Value>| v.and_then(Value::as_object).unwrap_or(&empty).clone();
    let (b, a) = (object(before), object(after));
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    let mut fields: Vec<(usize, String)> = keys
        .into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| (field_order(k), field_label(k)))
        .collect();
    fields.sort();
    fields.into_iter().map(|(_, l)| l).collect()
}

/// Record order: the supplier's own fields, then the sections in register order.
fn field_order(key: &str) -> usize {
    const OWN: [&str; 7] = [
        "id", "name", "category", "services", "status", "owner", "website",
    ];
    OWN.iter().position(|k| *k == key).unwrap_or_else(|| {
        OWN.len()
            + Section::parse(key).map_or(Section::ALL.len(), |s| {
                Section::ALL.iter().position(|x| *x == s).unwrap_or(0)
            })
    })
}

/// How a record key reads on the page.
pub fn field_label(key: &str) -> String {
    match key {
        "data" => "Data handling".to_string(),
        "inference" => "Model inference".to_string(),
        "risk" => "Risk inputs".to_string(),
        "risks" => "Risks".to_string(),
        "assessments" => "Due diligence".to_string(),
        "public_listing" => "Public listing".to_string(),
        k => label(k),
    }
}

fn action_text(action: &str) -> String {
    match action {
        action::SUPPLIER_CREATE => "Created".to_string(),
        action::SUPPLIER_UPDATE => "Changed".to_string(),
        action::SUPPLIER_ARCHIVE => "Archived".to_string(),
        action::SUPPLIER_RESTORE => "Restored".to_string(),
        other => other.to_string(),
    }
}

/// The supplier's history, newest first, people by e-mail address where the user exists; with
/// `until`, only the changes recorded by then.
async fn history(
    state: &AppState,
    id: &SupplierId,
    until: Option<time::OffsetDateTime>,
) -> Result<Vec<HistoryRow>, PageError> {
    let mut entries = supplier_entries(state, id).await?;
    if let Some(until) = until {
        entries.retain(|e| e.at <= until);
    }
    history_rows(state, entries, |e| match e.action.as_str() {
        action::SUPPLIER_UPDATE => changed_fields(e.before.as_ref(), e.after.as_ref()),
        _ => Vec::new(),
    })
    .await
}

/// Every audit entry of supplier `id`, oldest first.
pub(crate) async fn supplier_entries(
    state: &AppState,
    id: &SupplierId,
) -> Result<Vec<AuditEntry>, PageError> {
    Ok(state
        .store
        .audit_entries(&AuditQuery {
            subject: Some(id.to_string()),
            after_seq: None,
            limit: None,
        })
        .await?)
}

/// `entries` (oldest first) as history rows, newest first, people by e-mail address where the
/// user exists, each with the parts `fields` names (the supplier page: the fields an update
/// touched; the risk page: what changed in the risk).
pub(crate) async fn history_rows(
    state: &AppState,
    entries: Vec<AuditEntry>,
    fields: impl Fn(&AuditEntry) -> Vec<String>,
) -> Result<Vec<HistoryRow>, PageError> {
    // The trail keeps ids only (personal data can be erased without breaking the chain); the
    // page shows addresses, looked up in one query when a person appears at all.
    let emails: HashMap<String, String> = if entries.iter().any(|e| e.actor != Actor::System) {
        state
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect()
    } else {
        HashMap::new()
    };
    let person = |user_id: &str| {
        emails
            .get(user_id)
            .cloned()
            .unwrap_or_else(|| format!("user {user_id}"))
    };
    Ok(entries
        .into_iter()
        .rev()
        .map(|e| HistoryRow {
            seq: e.seq,
            subject: e.subject.clone().unwrap_or_default(),
            at_iso: e
                .at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            at: e
                .at
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .unwrap_or_default(),
            who: match &e.actor {
                Actor::User { id } => person(id),
                Actor::Token { id, user_id } => format!("{} (API token {id})", person(user_id)),
                Actor::System => "Vetted (system)".to_string(),
            },
            action: action_text(&e.action),
            fields: fields(&e),
        })
        .collect())
}

/// `templates/supplier/show.html`.
#[derive(Template)]
#[template(path = "supplier/show.html")]
pub struct SupplierPage {
    /// The frame.
    pub chrome: Chrome,
    /// The supplier.
    pub s: Supplier,
    /// Its version (the forms carry it).
    pub version: i64,
    /// Whether it is archived.
    pub archived: bool,
    /// `/suppliers/{id}`, encoded: every link of the page starts with it.
    pub base: String,
    /// The day evaluated on.
    pub as_of: Date,
    /// Whether that is another day than today.
    pub as_of_given: bool,
    /// The verdict on that day.
    pub verdict: Verdict,
    /// The tier.
    pub tier: Option<Tier>,
    /// The findings, in the policy's order.
    pub findings: Vec<FindingRow>,
    /// The changes, newest first.
    pub history: Vec<HistoryRow>,
    /// The active policy (clause titles).
    pub policy: Arc<Policy>,
    /// Whether the user sees edit controls (editors and admins).
    pub can_edit: bool,
    /// The assurance section (`supplier/_assurance.html`, shared with the evidence pages).
    pub evidence: crate::ui::evidence::EvidenceSection,
    /// "Open a risk" for this supplier, prefilled with the rules it fails.
    pub open_risk: String,
    /// The last check (review or approving assessment) and the next review it makes due, on
    /// the day evaluated (the engine's).
    pub last_check: Option<Date>,
    /// See `last_check`.
    pub next_review: Option<Date>,
}

/// One clause of an agreement as listed.
#[derive(Clone, Debug)]
pub struct ClauseLine {
    /// The clause key.
    pub key: String,
    /// Its title in the active policy.
    pub title: String,
    /// Its parameters: `hours 48, notice days 30`.
    pub params: String,
}

impl SupplierPage {
    /// The heading: the name, or the id when there is none.
    pub fn title(&self) -> String {
        self.s.name.clone().unwrap_or_else(|| self.s.id.to_string())
    }

    /// The website as a link target: only an `http` or `https` address (anything else,
    /// `javascript:` included, is shown as text).
    pub fn website_href(&self) -> Option<&str> {
        let w = self.s.website.as_deref()?.trim();
        let lower = w.to_ascii_lowercase();
        (lower.starts_with("https://") || lower.starts_with("http://")).then_some(w)
    }

    /// An agreement's clauses in the order of the policy's catalogue (keys the policy no
    /// longer has last), each with its title and parameters.
    pub fn clauses(&self, a: &Agreement) -> Vec<ClauseLine> {
        let order = |key: &str| {
            self.policy
                .clauses
                .iter()
                .position(|c| c.key == key)
                .unwrap_or(usize::MAX)
        };
        let mut lines: Vec<(usize, ClauseLine)> = a
            .clauses
            .iter()
            .map(|(key, params)| {
                let line = ClauseLine {
                    key: key.clone(),
                    title: self
                        .policy
                        .clause(key)
                        .map_or_else(|| key.clone(), |c| c.title.clone()),
                    params: params
                        .iter()
                        .map(|(name, v)| {
                            format!("{} {}", label(name).to_lowercase(), param_text(v))
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                (order(key), line)
            })
            .collect();
        lines.sort_by_key(|(i, _)| *i);
        lines.into_iter().map(|(_, l)| l).collect()
    }

    /// Whether an agreement is in force on the day evaluated (the engine's own test).
    pub fn in_force(&self, a: &Agreement) -> bool {
        vetted_core::engine::in_force(a, self.as_of)
    }

    /// A wire value as words.
    pub fn label(&self, wire: &str) -> String {
        label(wire)
    }

    /// The re-checks a review records, each with whether it was done.
    pub fn checks(&self, done: &[ReviewCheck]) -> Vec<(String, bool)> {
        ReviewCheck::ALL
            .iter()
            .map(|c| {
                let name = match c {
                    ReviewCheck::Dpa => "DPA".to_string(),
                    c => label(c.as_str()),
                };
                (name, done.contains(c))
            })
            .collect()
    }

    /// Why a risk entry needs a decision on the day evaluated, if it does.
    pub fn risk_overdue(&self, r: &vetted_core::model::RiskEntry) -> Option<&'static str> {
        vetted_core::risks::overdue(r, self.as_of).map(vetted_core::risks::Overdue::as_str)
    }

    /// How many findings have `severity`.
    pub fn count(&self, severity: &str) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// A clause parameter as written in the register (`48`, not `48.0`).
fn param_text(v: &ParamValue) -> String {
    match v {
        ParamValue::Text(t) => t.clone(),
        ParamValue::Number(n) => {
            serde_json::to_value(n).map_or_else(|_| n.0.to_string(), |v| v.to_string())
        }
    }
}

/// `?as_of=`, `?at=` and `?notice=` of the page; anything else is ignored (`notice` is only
/// ever one of a fixed list, never echoed).
type PageQuery = (Option<Date>, Option<Notice>, Option<time::OffsetDateTime>);

fn page_query(query: &str) -> Result<PageQuery, PageError> {
    let (mut as_of, mut notice) = (None, None);
    let at = super::past::at_param(query)?;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "as_of" if !v.trim().is_empty() => {
                as_of =
                    Some(parse_as_of(v.trim()).map_err(|m| ApiError::bad_parameter("as_of", m))?);
            }
            "notice" => notice = Notice::from_code(&v),
            _ => {}
        }
    }
    Ok((as_of, notice, at))
}

fn parse_id(id: &str) -> Result<SupplierId, PageError> {
    SupplierId::parse(id)
        .map_err(|why| ApiError::bad_parameter("id", format!("supplier id {why}")).into())
}

/// `GET /suppliers/{id}`.
pub async fn show(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let raw = query.as_deref().unwrap_or("");
    let (as_of, notice, at) = page_query(raw)?;
    let id = parse_id(&id)?;
    let base = format!("/suppliers/{}", segment(id.as_str()));
    // The supplier now, or with `at` as recorded then (archived then or not) under the policy
    // then, with the history up to then: one template either way.
    let (stored, policy, past, history) = match at {
        None => (
            state.store.get_supplier(&id).await?,
            Arc::clone(&state.policy().policy),
            None,
            history(&state, &id, None).await?,
        ),
        Some(at) => {
            let then = crate::api::params::then(&state, at).await?;
            let past = super::past::PastView::of(&then, super::past::without_at(&base, raw));
            let Some(record) = then.records.iter().find(|r| r.supplier.id == id) else {
                return Ok(render(
                    StatusCode::NOT_FOUND,
                    &super::page::ErrorPage {
                        status: 404,
                        title: "Not Found".into(),
                        message: format!(
                            "Supplier `{id}` had not been created by {}: the register did not hold it then.",
                            past.when
                        ),
                    },
                ));
            };
            let stored = StoredSupplier {
                supplier: record.supplier.clone(),
                version: record.version,
                archived: record.archived,
            };
            let rows = history(&state, &id, Some(at)).await?;
            (stored, Arc::clone(&then.policy), Some(past), rows)
        }
    };
    let today = match &past {
        Some(_) => at.map_or_else(today, time::OffsetDateTime::date),
        None => today(),
    };
    let day = as_of.unwrap_or(today);
    let evaluation = EvaluationView::under(&stored.supplier, &policy, day);
    let chrome = Chrome::new(session, Nav::Register)
        .with_notice(notice)
        .with_past(past);
    let can_edit = chrome.can_edit();
    let evidence = crate::ui::evidence::EvidenceSection::new(&stored, &policy, day);
    let (last_check, next_review) = {
        let facts = vetted_core::engine::Facts::new(&stored.supplier, &policy, day);
        (facts.last_check.map(|(_, d)| d), facts.next_review)
    };
    let open_risk = crate::ui::risks::open_risk_url(
        id.as_str(),
        evaluation
            .findings
            .iter()
            .filter(|f| f.severity == vetted_core::report::Severity::Fail)
            .map(|f| f.rule.as_str()),
    );
    Ok(render(
        StatusCode::OK,
        &SupplierPage {
            evidence,
            open_risk,
            last_check,
            next_review,
            chrome,
            base,
            version: stored.version,
            archived: stored.archived,
            as_of: day,
            as_of_given: as_of.is_some_and(|d| d != today),
            verdict: evaluation.verdict,
            tier: evaluation.tier,
            findings: evaluation.findings.iter().map(FindingRow::of).collect(),
            history,
            policy,
            can_edit,
            s: stored.supplier,
        },
    ))
}

/// `POST /suppliers/{id}/archive`.
pub async fn archive(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
    data: FormData,
) -> Result<Response, PageError> {
    set_archived(session, &state, &id, &data, true).await
}

/// `POST /suppliers/{id}/restore`.
pub async fn restore(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
    data: FormData,
) -> Result<Response, PageError> {
    set_archived(session, &state, &id, &data, false).await
}

async fn set_archived(
    session: super::Session,
    state: &AppState,
    id: &str,
    data: &FormData,
    archive: bool,
) -> Result<Response, PageError> {
    let id = parse_id(id)?;
    let expected = data.version()?;
    let change = Change::now(session.principal.actor());
    let result = if archive {
        state.store.archive_supplier(&id, expected, &change).await
    } else {
        state.store.restore_supplier(&id, expected, &change).await
    };
    let (verb, notice) = if archive {
        ("archive", Notice::Archived)
    } else {
        ("restore", Notice::Restored)
    };
    match result {
        Ok(_) => Ok(back_to(&id, notice, "top")),
        Err(StoreError::Stale { current }) => {
            let retry = (current.archived != archive).then(|| Retry {
                action: format!("/suppliers/{}/{verb}", segment(id.as_str())),
                button: format!("{} it now", label(verb)),
                version: current.version,
                confirm: None,
            });
            Ok(stale_page(&StalePage {
                chrome: Chrome::new(session, Nav::Register),
                title: format!("The supplier was not {verb}d"),
                message: stale_message(&current, archive),
                crumb: Crumb::of(&current),
                rows: Vec::<ConflictRow>::new(),
                retry,
            }))
        }
        Err(e) => Err(e.into()),
    }
}

fn stale_message(current: &StoredSupplier, archive: bool) -> String {
    let state = if current.archived {
        "archived"
    } else {
        "in the register"
    };
    let wanted = if archive { "archive" } else { "restore" };
    format!(
        "Someone else changed the supplier since you loaded the page (it is now at version {}, {state}), so nothing was done. Check the supplier page, then {wanted} it again if you still mean to.",
        current.version
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn advice_is_what_follows_the_last_colon_outside_parentheses() {
        assert_eq!(
            super::split_advice(
                "processes personal data but no agreement in force on 2026-01-01 is a GDPR Art. 28 DPA: sign a data processing agreement (gdpr_art28: true)"
            ),
            (
                "processes personal data but no agreement in force on 2026-01-01 is a GDPR Art. 28 DPA",
                "sign a data processing agreement (gdpr_art28: true)"
            )
        );
        assert_eq!(
            super::split_advice("coverage lapses within 30 days of 2026-01-01: MSA: renew it"),
            (
                "coverage lapses within 30 days of 2026-01-01: MSA",
                "renew it"
            )
        );
        assert_eq!(super::split_advice("no colon"), ("no colon", ""));
    }

    use super::*;

    #[test]
    fn findings_split_into_what_is_wrong_and_what_to_do() {
        let f = Finding {
            rule: "x".into(),
            severity: vetted_core::report::Severity::Fail,
            message: "exception \"CC6.2: late\" unacknowledged: acknowledge it".into(),
            controls: &["5.19", "5.22"],
        };
        let row = FindingRow::of(&f);
        assert_eq!(row.message, "Exception \"CC6.2: late\" unacknowledged");
        assert_eq!(row.advice, "Acknowledge it");
        assert_eq!(row.controls, "5.19, 5.22");
    }

    #[test]
    fn changed_fields_name_the_parts_in_record_order() {
        let before = serde_json::json!({"id": "a", "name": "A", "locations": [1], "risk": {}});
        let after = serde_json::json!({"id": "a", "name": "B", "locations": [2], "public_listing": {"listed": true}, "risk": {}});
        assert_eq!(
            changed_fields(Some(&before), Some(&after)),
            ["Name", "Locations", "Public listing"]
        );
    }
}
