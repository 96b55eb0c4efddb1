//! `/admin/notifications`: how reminders go out (the e-mail server and sender, the webhooks,
//! the schedule; never a password, secret or webhook path), a "Send test e-mail" form, "Run
//! reminders now" with a preview (a dry run), and the delivery log with a retry button for a
//! failed delivery.
//!
//! The test e-mail is the digest of everything due today, sent at once to the address typed
//! (the admin's own by default), and the page answers with the outcome: sent, or the SMTP
//! server's error. Running now is the daily run ([`crate::reminders::run_reminders`]): it
//! queues only what is new in its window, so pressing it twice sends nothing twice.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use vetted_app::notify::{DeliverReport, Notifier, NotifyError, RunReport};
use vetted_store::notify::{Delivery, DeliveryStatus};

use super::{Moment, form, path, sentence};
use crate::AppState;
use crate::error::ApiError;
use crate::reminders::run_reminders;
use crate::ui::{ADMIN, Chrome, IsAdmin, Nav, PageError, Pages, Session, render};

/// The notification routes.
pub fn pages() -> Pages {
    Pages::new()
        .get("/admin/notifications", ADMIN, show)
        .get("/admin/notifications/preview", ADMIN, preview)
        .post("/admin/notifications/test", ADMIN, send_test)
        .post("/admin/notifications/run", ADMIN, run_now)
        .post("/admin/notifications/{delivery}/retry", ADMIN, retry)
}

/// Rows of the delivery log per page.
const LOG_PAGE: u32 = 50;

/// The e-mail server as shown.
pub struct EmailView {
    pub server: String,
    pub security: &'static str,
    pub from: String,
    pub authenticated: bool,
}

/// A webhook as shown: its name, format, host (the path can hold a token) and whether signed.
pub struct WebhookView {
    pub name: String,
    pub format: &'static str,
    pub host: String,
    pub signed: bool,
}

/// One row of the delivery log.
pub struct DeliveryRow {
    pub id: i64,
    pub created: Moment,
    pub kind: &'static str,
    pub channel: &'static str,
    pub to: String,
    pub subject: String,
    pub items: u32,
    pub status: &'static str,
    pub attempts: u32,
    pub next_attempt: Option<Moment>,
    pub sent: Option<Moment>,
    pub error: Option<String>,
}

impl DeliveryRow {
    fn of(d: &Delivery) -> DeliveryRow {
        let (channel, to) = match d.recipient.split_once(':') {
            Some(("email", to)) => ("e-mail", to.to_string()),
            Some(("webhook", name)) => ("webhook", name.to_string()),
            _ => ("?", d.recipient.clone()),
        };
        DeliveryRow {
            id: d.id,
            created: Moment::of(d.created_at),
            kind: d.kind.as_str(),
            channel,
            to,
            subject: d.subject.clone(),
            items: d.items,
            status: d.status.as_str(),
            attempts: d.attempts,
            next_attempt: (d.status == DeliveryStatus::Pending && d.attempts > 0)
                .then(|| Moment::of(d.next_attempt_at)),
            sent: d.sent_at.map(Moment::of),
            error: d.last_error.clone(),
        }
    }
}

/// The outcome of "Send test e-mail".
pub struct TestOutcome {
    pub sent: bool,
    pub to: String,
    pub subject: String,
    pub error: Option<String>,
}

/// One digest of a run or a preview.
pub struct DigestRow {
    pub channel: &'static str,
    pub to: String,
    pub items: usize,
}

/// The outcome of a run or a preview.
pub struct RunView {
    pub dry_run: bool,
    pub as_of: String,
    pub reminders: usize,
    pub digests: Vec<DigestRow>,
    pub notes: Vec<String>,
    pub delivered: Option<DeliverReport>,
}

impl RunView {
    fn of(r: &RunReport, delivered: Option<DeliverReport>) -> RunView {
        RunView {
            dry_run: r.dry_run,
            as_of: r.as_of.to_string(),
            reminders: r.reminders,
            digests: r
                .digests
                .iter()
                .map(|d| {
                    let (channel, to) = match d.recipient.split_once(':') {
                        Some(("webhook", n)) => ("webhook", n.to_string()),
                        Some((_, to)) => ("e-mail", to.to_string()),
                        None => ("?", d.recipient.clone()),
                    };
                    DigestRow {
                        channel,
                        to,
                        items: d.items.len(),
                    }
                })
                .collect(),
            notes: r.notes.clone(),
            delivered,
        }
    }
}

/// `templates/admin/notifications.html`.
#[derive(Template)]
#[template(path = "admin/notifications.html")]
pub struct NotificationsPage {
    chrome: Chrome,
    /// `false`: the server runs without a notifier at all.
    available: bool,
    email: Option<EmailView>,
    webhooks: Vec<WebhookView>,
    send_hour: u8,
    within_days: u32,
    repeat_days: u32,
    base_url: String,
    admin_emails: Vec<String>,
    /// The test form's address, as typed or the admin's own.
    test_to: String,
    test_error: Option<String>,
    test: Option<TestOutcome>,
    run: Option<RunView>,
    notice: Option<&'static str>,
    log: Vec<DeliveryRow>,
    /// The id to page on for older rows, when there are more.
    older: Option<i64>,
}

async fn page(
    state: &AppState,
    session: Session,
    before: Option<i64>,
) -> Result<NotificationsPage, PageError> {
    let mut log_rows = state.store.list_deliveries(LOG_PAGE + 1, before).await?;
    let older = (log_rows.len() > LOG_PAGE as usize).then(|| {
        log_rows.truncate(LOG_PAGE as usize);
        log_rows.last().map_or(0, |d| d.id)
    });
    let n = state.notifier.as_deref();
    let settings = n.map(Notifier::settings);
    Ok(NotificationsPage {
        available: n.is_some(),
        email: settings.and_then(|s| s.smtp.as_ref()).map(|s| EmailView {
            server: format!("{}:{}", s.host, s.port()),
            security: s.security.label(),
            from: s.from.clone(),
            authenticated: s.username.is_some(),
        }),
        webhooks: settings
            .map(|s| {
                s.webhooks
                    .iter()
                    .map(|w| WebhookView {
                        name: w.name.clone(),
                        format: match w.format {
                            vetted_app::notify::WebhookFormat::Json => "JSON",
                            vetted_app::notify::WebhookFormat::Slack => "Slack",
                        },
                        host: w.origin().unwrap_or_default().to_string(),
                        signed: w.secret.is_some(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        send_hour: settings.map_or(7, |s| s.send_hour),
        within_days: settings.map_or(30, |s| s.schedule.within_days),
        repeat_days: settings.map_or(7, |s| s.schedule.repeat_days),
        base_url: settings.map(|s| s.base_url.clone()).unwrap_or_default(),
        admin_emails: settings.map(|s| s.admin_emails.clone()).unwrap_or_default(),
        test_to: session.email.clone(),
        test_error: None,
        test: None,
        run: None,
        notice: None,
        log: log_rows.iter().map(DeliveryRow::of).collect(),
        older,
        chrome: Chrome::new(session, Nav::Admin),
    })
}

/// `?before=` (the log's paging) and `?done=` (after a retry).
#[derive(Deserialize, Debug, Default)]
pub struct ShowQuery {
    before: Option<i64>,
    #[serde(default)]
    done: String,
}

async fn show(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let mut p = page(&state, session, q.before).await?;
    p.notice = (q.done == "retried")
        .then_some("The delivery was tried again: its row in the log shows the outcome.");
    Ok(render(StatusCode::OK, &p))
}

fn notifier(state: &AppState) -> Result<&Notifier, PageError> {
    state
        .notifier
        .as_deref()
        .ok_or(PageError::Api(ApiError::Unavailable(
            "this server was started without reminders",
        )))
}

fn failure(e: NotifyError) -> PageError {
    match e {
        NotifyError::Store(e) => e.into(),
        other => {
            tracing::error!(error = %other, "reminders failed");
            PageError::Api(ApiError::Unavailable(
                "reminders could not run: the server log says why",
            ))
        }
    }
}

async fn preview(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let n = notifier(&state)?;
    let now = OffsetDateTime::now_utc();
    let report = run_reminders(&state, n, now.date(), now, true)
        .await
        .map_err(failure)?;
    let mut p = page(&state, session, None).await?;
    p.run = Some(RunView::of(&report, None));
    Ok(render(StatusCode::OK, &p))
}

async fn run_now(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let n = notifier(&state)?;
    let now = OffsetDateTime::now_utc();
    let report = run_reminders(&state, n, now.date(), now, false)
        .await
        .map_err(failure)?;
    let delivered = n.deliver(now).await.map_err(failure)?;
    tracing::info!(
        by = %session.email,
        digests = report.digests.len(),
        sent = delivered.sent,
        "reminders run by hand"
    );
    let mut p = page(&state, session, None).await?;
    p.run = Some(RunView::of(&report, Some(delivered)));
    Ok(render(StatusCode::OK, &p))
}

/// The test form.
#[derive(Deserialize, Debug)]
pub struct TestForm {
    #[serde(default)]
    to: String,
}

async fn send_test(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    f: Result<Form<TestForm>, FormRejection>,
) -> Result<Response, PageError> {
    let f = form(f)?;
    let n = notifier(&state)?;
    let to = f.to.trim().to_string();
    let mut p = page(&state, session, None).await?;
    p.test_to.clone_from(&to);
    let now = OffsetDateTime::now_utc();
    let suppliers = state.store.register().await?.suppliers;
    let policy = std::sync::Arc::clone(&state.policy().policy);
    match n.send_test(&to, &suppliers, &policy, now.date(), now).await {
        Ok(d) => {
            p.test = Some(TestOutcome {
                sent: d.status == DeliveryStatus::Sent,
                to,
                subject: d.subject.clone(),
                error: d.last_error.clone(),
            });
            // The log above the form shows the new delivery.
            p.log = state
                .store
                .list_deliveries(LOG_PAGE, None)
                .await?
                .iter()
                .map(DeliveryRow::of)
                .collect();
            Ok(render(StatusCode::OK, &p))
        }
        Err(NotifyError::Test(message)) => {
            p.test_error = Some(sentence(&message));
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(failure(e)),
    }
}

async fn retry(
    IsAdmin(_session): IsAdmin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, PageError> {
    let id = path(id)?;
    let now = OffsetDateTime::now_utc();
    if !state.store.retry_delivery(id, now).await? {
        return Err(PageError::Api(ApiError::NotFound {
            what: "failed delivery",
            id: id.to_string(),
        }));
    }
    // Sent now rather than by the next scheduled pass, so the log shows the outcome.
    if let Some(n) = state.notifier.as_deref() {
        n.deliver(now).await.map_err(failure)?;
    }
    Ok(Redirect::to("/admin/notifications?done=retried").into_response())
}
