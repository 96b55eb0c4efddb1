//! `/public-list`: the subprocessor list as the team manages it. Everyone signed in sees what
//! is in effect, the planned change with its objections, the register's unpublished changes
//! and the versions; editors publish; admins decide on a planned change, record objections on
//! a customer's behalf and their outcomes, and see the subscribers.
//!
//! Publishing takes the register's list from the in-memory snapshot (the same evaluation pass
//! as the dashboard), checks it is the list the editor reviewed (its fingerprint rides along
//! with the form), stores the version through `vetted_app::publication::publish`, then queues
//! the notices to every confirmed subscriber and sends them in the background.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use vetted_app::publication::render::{ChangeLine, VersionLine, View};
use vetted_app::publication::{
    self as publication, Mailing, ObjectionError, ObjectionInput, PublishFailure, PublishRequest,
};
use vetted_core::date::{format_date, parse_date};
use vetted_core::publication::{
    Decision, DecisionKind, ObjectionOutcome, ObjectionVia, Publication, PublishError, Resolution,
};
use vetted_store::subprocessors::SubscriberStatus;
use vetted_store::{Change, StoreError};

use super::admin::{form, path, sentence};
use super::public_list::{base_url, deliver_soon, mail_enabled, title};
use super::{
    ADMIN, CanEdit, Chrome, EDITOR, IsAdmin, Nav, PageError, Pages, Session, SignedIn, VIEWER,
    render,
};
use crate::AppState;
use crate::api::params::today;
use crate::error::ApiError;

/// The management routes.
pub fn pages() -> Pages {
    Pages::new()
        .get("/public-list", VIEWER, overview)
        .post("/public-list/publish", EDITOR, publish)
        .post("/public-list/versions/{number}/decision", ADMIN, decide)
        .get("/public-list/objections", VIEWER, objections)
        .post("/public-list/objections", ADMIN, record_objection)
        .post(
            "/public-list/objections/{id}/outcome",
            ADMIN,
            record_outcome,
        )
        .get("/public-list/subscribers", ADMIN, subscribers)
}

#[derive(Template)]
#[template(path = "publication/overview.html")]
pub struct OverviewPage {
    pub chrome: Chrome,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub notice_days: u32,
    pub current: Option<(i64, String)>,
    pub current_count: usize,
    pub pending: Option<VersionLine>,
    pub pending_objections: usize,
    pub pending_open: usize,
    pub pending_decision: Option<String>,
    pub unpublished: Vec<ChangeLine>,
    pub latest_live: Option<i64>,
    pub fingerprint: String,
    pub first: bool,
    pub earliest: String,
    pub effective: String,
    pub effective_error: Option<String>,
    pub note: String,
    pub next_number: i64,
    pub versions: Vec<VersionLine>,
    pub confirmed: usize,
    pub pending_subs: usize,
    pub mail: bool,
}

fn notice(q: Option<&str>) -> Option<&'static str> {
    let code = form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "notice")
        .map(|(_, v)| v.into_owned())?;
    Some(match code.as_str() {
        "published" => "Published. Subscribers are being notified.",
        "decided" => "The decision is recorded.",
        "objection" => "The objection is recorded.",
        "outcome" => "The outcome is recorded.",
        _ => return None,
    })
}

/// What the publish form had, to show it again with a problem.
#[derive(Default)]
struct Typed {
    error: Option<String>,
    effective: Option<String>,
    effective_error: Option<String>,
    note: String,
}

async fn overview_page(
    state: &AppState,
    session: Session,
    q: Option<&str>,
    typed: Typed,
) -> Result<OverviewPage, PageError> {
    let today = today();
    let snapshot = state.snapshots.get(state, today).await?;
    let p = publication::publication(state.store.as_ref(), today).await?;
    let base = base_url(state);
    let view = View {
        publication: &p,
        organization: state.config.organization.as_deref(),
        base: Some(&base),
        feed_id: "",
    };
    let notice_days = state.policy().policy.subprocessor_list.notice_days;
    let pending = view.planned();
    let (pending_objections, pending_open, pending_decision) = match p.pending() {
        Some((v, _)) => (
            p.objections_to(v.number).count(),
            p.objections_to(v.number)
                .filter(|o| o.is_open_on(today))
                .count(),
            v.decision.as_ref().map(|d| match d.kind {
                DecisionKind::Proceed => format!("proceed ({})", format_date(d.on)),
                DecisionKind::Withdraw => format!("withdrawn ({})", format_date(d.on)),
            }),
        ),
        None => (0, 0, None),
    };
    let subs = state.store.list_subscribers(None).await?;
    let earliest = p.earliest_effective(notice_days);
    Ok(OverviewPage {
        chrome: Chrome::new(session, Nav::PublicList),
        notice: notice(q),
        error: typed.error,
        notice_days,
        current: view.current(),
        current_count: p.current_entries().len(),
        pending,
        pending_objections,
        pending_open,
        pending_decision,
        unpublished: p
            .unpublished(&snapshot.public)
            .iter()
            .map(ChangeLine::of)
            .collect(),
        latest_live: p.latest_live().map(|v| v.number),
        fingerprint: publication::fingerprint(&snapshot.public),
        first: p.versions.is_empty(),
        earliest: format_date(earliest),
        effective: typed.effective.unwrap_or_else(|| format_date(earliest)),
        effective_error: typed.effective_error,
        note: typed.note,
        next_number: p.versions.last().map_or(1, |v| v.number + 1),
        versions: view.versions(),
        confirmed: subs
            .iter()
            .filter(|s| s.status == SubscriberStatus::Confirmed)
            .count(),
        pending_subs: subs
            .iter()
            .filter(|s| s.status == SubscriberStatus::Pending)
            .count(),
        mail: mail_enabled(state),
    })
}

async fn overview(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let page = overview_page(&state, session, q.as_deref(), Typed::default()).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The publish form.
#[derive(Deserialize, Debug)]
pub struct PublishForm {
    #[serde(default)]
    reviewed: String,
    #[serde(default)]
    effective: String,
    #[serde(default)]
    note: String,
}

/// Queues the notices of version `number` and sends them in the background.
pub async fn notify_subscribers(state: &AppState, number: i64) {
    if !mail_enabled(state) {
        return;
    }
    let now = OffsetDateTime::now_utc();
    let result = async {
        let links = publication::links(state.store.as_ref(), &base_url(state)).await?;
        let title = title(state);
        let mailing = Mailing {
            links: &links,
            title: &title,
        };
        publication::queue_notices(state.store.as_ref(), &mailing, number, now)
            .await
            .map_err(|e| StoreError::other("queueing change notices", e))
    }
    .await;
    match result {
        Ok(n) => {
            tracing::info!(version = number, notices = n, "change notices queued");
            deliver_soon(state, now);
        }
        Err(e) => {
            tracing::error!(version = number, error = %e, "change notices could not be queued");
        }
    }
}

async fn publish(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    f: Result<Form<PublishForm>, FormRejection>,
) -> Result<Response, PageError> {
    let f = form(f)?;
    let effective = f.effective.trim();
    let parsed = if effective.is_empty() {
        None
    } else if let Some(d) = parse_date(effective) {
        Some(d)
    } else {
        let typed = Typed {
            effective: Some(effective.to_string()),
            effective_error: Some("Enter a date such as 2026-12-31.".into()),
            note: f.note.clone(),
            ..Typed::default()
        };
        let page = overview_page(&state, session, None, typed).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let snapshot = state.snapshots.get(&state, today()).await?;
    let request = PublishRequest {
        effective: parsed,
        note: Some(f.note.clone()),
        reviewed: Some(f.reviewed.clone()),
    };
    let notice_days = state.policy().policy.subprocessor_list.notice_days;
    let change = Change::now(session.principal.actor());
    match publication::publish(
        state.store.as_ref(),
        snapshot.public.clone(),
        &request,
        notice_days,
        &change,
    )
    .await
    {
        Ok(v) => {
            tracing::info!(version = v.number, effective = %format_date(v.effective), "subprocessor list published");
            notify_subscribers(&state, v.number).await;
            Ok(Redirect::to("/public-list?notice=published").into_response())
        }
        Err(PublishFailure::Store(e)) if !matches!(e, StoreError::Conflict { .. }) => Err(e.into()),
        Err(e) => {
            let too_soon = matches!(e, PublishFailure::Rule(PublishError::TooSoon { .. }));
            let (status, message) = match &e {
                PublishFailure::Store(_) => (
                    StatusCode::CONFLICT,
                    "Someone published another version meanwhile: review the changes again."
                        .to_string(),
                ),
                PublishFailure::Changed => (StatusCode::CONFLICT, sentence(&e.to_string())),
                PublishFailure::Rule(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, sentence(&e.to_string()))
                }
            };
            let typed = Typed {
                error: (!too_soon).then(|| message.clone()),
                effective: Some(effective.to_string()),
                effective_error: too_soon.then_some(message),
                note: f.note.clone(),
            };
            let page = overview_page(&state, session, None, typed).await?;
            Ok(render(status, &page))
        }
    }
}

/// The decision form.
#[derive(Deserialize, Debug)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    number: Result<Path<i64>, PathRejection>,
    f: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response, PageError> {
    let number = path(number)?;
    let f = form(f)?;
    let Some(kind) = DecisionKind::parse(&f.decision) else {
        return Err(PageError::Api(ApiError::bad_parameter(
            "decision",
            "expected proceed or withdraw",
        )));
    };
    let now = OffsetDateTime::now_utc();
    let p = publication::publication(state.store.as_ref(), now.date()).await?;
    if let Err(e) = p.may_decide(number) {
        let typed = Typed {
            error: Some(sentence(&e.to_string())),
            ..Typed::default()
        };
        let page = overview_page(&state, session, None, typed).await?;
        return Ok(render(StatusCode::CONFLICT, &page));
    }
    let note = f.note.trim();
    let decision = Decision {
        kind,
        on: now.date(),
        by: session.principal.actor(),
        at: now,
        note: (!note.is_empty()).then(|| note.to_string()),
    };
    state.store.decide_list_version(number, &decision).await?;
    if kind == DecisionKind::Withdraw {
        // Those told of the change hear that it will not happen.
        notify_subscribers(&state, number).await;
    }
    tracing::info!(
        version = number,
        decision = kind.as_str(),
        "decision on a planned change"
    );
    Ok(Redirect::to("/public-list?notice=decided").into_response())
}

/// One row of the objection log.
pub struct ObjectionRow {
    pub id: i64,
    pub version: i64,
    pub standing: String,
    pub received: String,
    pub customer: String,
    pub contact: String,
    pub email: Option<String>,
    pub grounds: String,
    pub via: &'static str,
    pub outcome: Option<&'static str>,
    pub outcome_code: Option<String>,
    pub outcome_notes: Option<String>,
}

/// The new-objection form's values.
#[derive(Deserialize, Debug, Default)]
pub struct ObjectionFields {
    #[serde(default)]
    version: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    grounds: String,
    #[serde(default)]
    received: String,
}

#[derive(Template)]
#[template(path = "publication/objections.html")]
pub struct ObjectionsPage {
    pub chrome: Chrome,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub rows: Vec<ObjectionRow>,
    pub outcomes: Vec<(&'static str, &'static str)>,
    pub today: String,
    pub pending: Vec<(i64, String)>,
    pub form: ObjectionFields,
}

async fn objections_page(
    state: &AppState,
    session: Session,
    q: Option<&str>,
    error: Option<String>,
    typed: ObjectionFields,
) -> Result<ObjectionsPage, PageError> {
    let today = today();
    let p = publication::publication(state.store.as_ref(), today).await?;
    let standings: HashMap<i64, String> = p
        .iter()
        .map(|(v, s)| (v.number, vetted_app::publication::render::standing_text(s)))
        .collect();
    let rows = p
        .objections
        .iter()
        .rev()
        .map(|o| ObjectionRow {
            id: o.id,
            version: o.version,
            standing: standings.get(&o.version).cloned().unwrap_or_default(),
            received: format_date(o.received),
            customer: o.customer.clone(),
            contact: o.contact.clone(),
            email: o.email.clone(),
            grounds: o.grounds.clone(),
            via: match o.via {
                ObjectionVia::Link { .. } => "notice link",
                ObjectionVia::Admin => "recorded by an admin",
            },
            outcome: o.resolution.as_ref().map(|r| r.outcome.label()),
            outcome_code: o
                .resolution
                .as_ref()
                .map(|r| r.outcome.as_str().to_string()),
            outcome_notes: o.resolution.as_ref().and_then(|r| r.notes.clone()),
        })
        .collect();
    let pending = p
        .iter()
        .filter(|(_, s)| s.is_pending())
        .map(|(v, s)| {
            (
                v.number,
                format!(
                    "Version {}: {}",
                    v.number,
                    vetted_app::publication::render::standing_text(s)
                ),
            )
        })
        .collect();
    let mut form = typed;
    if form.received.is_empty() {
        form.received = format_date(today);
    }
    Ok(ObjectionsPage {
        chrome: Chrome::new(session, Nav::PublicList),
        notice: notice(q),
        error,
        rows,
        outcomes: ObjectionOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.label()))
            .collect(),
        today: format_date(today),
        pending,
        form,
    })
}

async fn objections(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let page = objections_page(
        &state,
        session,
        q.as_deref(),
        None,
        ObjectionFields::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

async fn record_objection(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    f: Result<Form<ObjectionFields>, FormRejection>,
) -> Result<Response, PageError> {
    let f = form(f)?;
    let today = today();
    let problem = |message: String| async {
        let page = objections_page(
            &state,
            session.clone(),
            None,
            Some(message),
            ObjectionFields {
                version: f.version.clone(),
                customer: f.customer.clone(),
                contact: f.contact.clone(),
                email: f.email.clone(),
                grounds: f.grounds.clone(),
                received: f.received.clone(),
            },
        )
        .await?;
        Ok::<Response, PageError>(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
    };
    let Ok(version) = f.version.trim().parse::<i64>() else {
        return problem("Choose the change objected to.".into()).await;
    };
    let received = match parse_date(f.received.trim()) {
        Some(d) if d <= today => d,
        Some(_) => return problem("The date received cannot be in the future.".into()).await,
        None => return problem("Enter the date received, such as 2026-12-31.".into()).await,
    };
    let input = ObjectionInput {
        customer: f.customer.clone(),
        contact: f.contact.clone(),
        email: Some(f.email.clone()),
        grounds: f.grounds.clone(),
    };
    let change = Change::now(session.principal.actor());
    match publication::object(
        state.store.as_ref(),
        version,
        &input,
        received,
        ObjectionVia::Admin,
        &change,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/public-list/objections?notice=objection").into_response()),
        Err(ObjectionError::Field { field, message }) => {
            problem(format!(
                "{}: {message}.",
                sentence(field).trim_end_matches('.')
            ))
            .await
        }
        Err(ObjectionError::Closed(e)) => problem(sentence(&e.to_string())).await,
        Err(ObjectionError::Store(e)) => Err(e.into()),
    }
}

/// The outcome form.
#[derive(Deserialize, Debug)]
pub struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    notes: String,
}

async fn record_outcome(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    f: Result<Form<OutcomeForm>, FormRejection>,
) -> Result<Response, PageError> {
    let id = path(id)?;
    let f = form(f)?;
    let now = OffsetDateTime::now_utc();
    let Some(outcome) = ObjectionOutcome::parse(&f.outcome) else {
        return Err(PageError::Api(ApiError::bad_parameter(
            "outcome",
            "expected accommodated, alternative_offered, contract_terminated or withdrawn",
        )));
    };
    let on = if f.on.trim().is_empty() {
        now.date()
    } else {
        match parse_date(f.on.trim()) {
            Some(d) if d <= now.date() => d,
            _ => {
                let page = objections_page(
                    &state,
                    session,
                    None,
                    Some(
                        "The outcome's date must be a date such as 2026-12-31, not in the future."
                            .into(),
                    ),
                    ObjectionFields::default(),
                )
                .await?;
                return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
            }
        }
    };
    let notes = f.notes.trim();
    let resolution = Resolution {
        outcome,
        on,
        notes: (!notes.is_empty()).then(|| notes.to_string()),
        by: session.principal.actor(),
        at: now,
    };
    state.store.resolve_objection(id, &resolution).await?;
    Ok(Redirect::to("/public-list/objections?notice=outcome").into_response())
}

/// One subscriber as listed.
pub struct SubscriberRow {
    pub email: String,
    pub status: &'static str,
    pub requested: String,
    pub confirmed: String,
    pub unsubscribed: String,
}

#[derive(Template)]
#[template(path = "publication/subscribers.html")]
pub struct SubscribersPage {
    pub chrome: Chrome,
    pub rows: Vec<SubscriberRow>,
}

async fn subscribers(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let day = |t: Option<OffsetDateTime>| t.map(|t| format_date(t.date())).unwrap_or_default();
    let rows = state
        .store
        .list_subscribers(None)
        .await?
        .into_iter()
        .map(|s| SubscriberRow {
            email: s.email,
            status: s.status.as_str(),
            requested: day(Some(s.requested_at)),
            confirmed: day(s.confirmed_at),
            unsubscribed: day(s.unsubscribed_at),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &SubscribersPage {
            chrome: Chrome::new(session, Nav::PublicList),
            rows,
        },
    ))
}

/// The list's state on a day, for the API.
pub async fn state_on(state: &AppState, day: time::Date) -> Result<Publication, StoreError> {
    publication::publication(state.store.as_ref(), day).await
}
