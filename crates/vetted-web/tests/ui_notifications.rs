//! Admin → Notifications: the channels shown without secrets, "Send test e-mail" delivering
//! the digest to a real SMTP server on loopback (tests/smtp), "Run reminders now" sending once,
//! and a refused delivery kept in the log and retried by hand. Through the real router with
//! real sessions, on `SQLite` and `PostgreSQL`.

mod common;
mod smtp;

use std::sync::Arc;

use axum::http::StatusCode;
use common::pages::{Visitor, text};
use common::{Backend, Guard};
use smtp::SmtpServer;
use vetted_app::notify::{Notifier, Security, Settings, SmtpSettings, Webhook, WebhookFormat};
use vetted_web::AppState;
use vetted_web::auth::Role;

async fn with_smtp(backend: Backend, server: &SmtpServer) -> (Guard, AppState) {
    let (guard, state) = backend.state().await;
    let settings = Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(server.port),
            security: Security::None,
            username: Some("vetted".into()),
            password: Some("smtp-password-never-shown".into()),
            from: "Vetted <vetted@example.eu>".into(),
            ca_pem: None,
            timeout_seconds: 10,
        }),
        webhooks: vec![Webhook {
            name: "security-team".into(),
            // Nothing listens on port 9: calls are refused at once and wait for a retry.
            url: "http://127.0.0.1:9/services/T0/B0/webhook-token-never-shown".into(),
            format: WebhookFormat::Slack,
            secret: Some("webhook-secret-never-shown".into()),
        }],
        base_url: "https://vetted.example.eu".into(),
        ..Settings::default()
    };
    let notifier = Arc::new(Notifier::new(Arc::clone(&state.store), settings).unwrap());
    (guard, state.with_notifier(notifier))
}

async fn the_page_shows_channels_without_secrets(backend: Backend) {
    let server = SmtpServer::start(&["--auth", "vetted:smtp-password-never-shown"]);
    let (_guard, state) = with_smtp(backend, &server).await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let page = admin.get("/admin/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.text_of("#smtp-server"),
        format!("127.0.0.1:{}", server.port)
    );
    assert_eq!(page.text_of("#smtp-from"), "Vetted <vetted@example.eu>");
    assert_eq!(page.text_of("#webhooks tbody th"), "security-team");
    assert!(page.text_of("#webhooks tbody").contains("127.0.0.1:9"));
    for secret in [
        "smtp-password-never-shown",
        "webhook-token-never-shown",
        "webhook-secret-never-shown",
    ] {
        assert!(
            !page.html.html().contains(secret),
            "{secret} is on the page"
        );
    }
    assert_eq!(
        page.one("#test-to").value().attr("value"),
        Some("admin@example.org"),
        "the test goes to the admin by default"
    );
    assert!(page.has("#log-empty"));
    let index = admin.get("/admin").await;
    assert!(index.has(r#"a[href="/admin/notifications"]"#));
}

async fn a_test_email_arrives_and_is_logged(backend: Backend) {
    let server = SmtpServer::start(&["--auth", "vetted:smtp-password-never-shown"]);
    let (_guard, state) = with_smtp(backend, &server).await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let page = admin
        .post(
            "/admin/notifications/test",
            &[("to", "newcomer@example.eu")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.one("#test-outcome").value().attr("data-status"),
        Some("sent")
    );
    let m = &server.wait_for(1)[0];
    assert_eq!(m["rcpt_tos"], serde_json::json!(["newcomer@example.eu"]));
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("Vetted test message: ")
    );
    assert!(
        m["html"]
            .as_str()
            .unwrap()
            .contains("https://vetted.example.eu/suppliers/")
    );
    let row = page.one("#deliveries tbody tr");
    assert_eq!(row.value().attr("data-status"), Some("sent"));
    assert!(text(row).contains("newcomer@example.eu"));

    let bad = admin
        .post("/admin/notifications/test", &[("to", "not an address")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.one("#test-to").value().attr("aria-invalid"),
        Some("true")
    );
    assert!(
        bad.text_of("#test-to-error")
            .contains("not an e-mail address")
    );
    assert_eq!(
        bad.one("#test-to").value().attr("value"),
        Some("not an address")
    );
}

async fn running_now_twice_sends_once(backend: Backend) {
    let server = SmtpServer::start(&["--auth", "vetted:smtp-password-never-shown"]);
    let (_guard, state) = with_smtp(backend, &server).await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let preview = admin.get("/admin/notifications/preview").await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(
        preview.one("#run-report").value().attr("data-dry-run"),
        Some("true")
    );
    let planned = preview.all("#run-digests tbody tr").len();
    assert!(planned >= 2, "the admin, the webhook and owners");
    assert!(server.messages().is_empty(), "a preview sends nothing");

    let run = admin.post("/admin/notifications/run", &[]).await;
    assert_eq!(run.status, StatusCode::OK);
    assert_eq!(
        run.one("#run-report").value().attr("data-dry-run"),
        Some("false")
    );
    assert_eq!(run.all("#run-digests tbody tr").len(), planned);
    // The webhook refuses: its delivery waits for a retry; every e-mail went out.
    let emails = run
        .all("#run-digests tbody tr")
        .iter()
        .filter(|r| text(**r).starts_with("e-mail"))
        .count();
    assert_eq!(server.wait_for(emails).len(), emails);

    let again = admin.post("/admin/notifications/run", &[]).await;
    assert!(!again.has("#run-digests"), "nothing new in this window");
    assert_eq!(server.messages().len(), emails);
}

async fn a_refused_delivery_is_kept_and_retried_by_hand(backend: Backend) {
    let server = SmtpServer::start(&["--reject", "--auth", "vetted:smtp-password-never-shown"]);
    let (_guard, state) = with_smtp(backend, &server).await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let page = admin
        .post("/admin/notifications/test", &[("to", "a@example.eu")])
        .await;
    assert_eq!(
        page.one("#test-outcome").value().attr("data-status"),
        Some("failed")
    );
    let error = page.text_of("#test-error");
    assert!(error.contains("550"), "{error}");
    let row = page.one("#deliveries tbody tr");
    assert_eq!(row.value().attr("data-status"), Some("failed"));
    let id = row
        .value()
        .attr("id")
        .unwrap()
        .trim_start_matches("delivery-")
        .to_string();

    let retried = admin
        .post(&format!("/admin/notifications/{id}/retry"), &[])
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);
    let after = admin.get(retried.location.as_deref().unwrap()).await;
    assert!(after.has("#notice"));
    let row = after.one(&format!("#delivery-{id}"));
    assert_eq!(
        row.value().attr("data-status"),
        Some("failed"),
        "refused again"
    );
    assert_eq!(
        after.text_of(&format!("#delivery-{id} td.attempts")),
        "2",
        "a second attempt"
    );
    assert!(server.messages().is_empty());

    let missing = admin.post("/admin/notifications/999999/retry", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn editors_cannot_send(backend: Backend) {
    let server = SmtpServer::start(&["--auth", "vetted:smtp-password-never-shown"]);
    let (_guard, state) = with_smtp(backend, &server).await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let page = editor
        .post("/admin/notifications/test", &[("to", "a@example.eu")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        editor.post("/admin/notifications/run", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(server.messages().is_empty());
}

on_both_backends!(
    the_page_shows_channels_without_secrets,
    a_test_email_arrives_and_is_logged,
    running_now_twice_sends_once,
    a_refused_delivery_is_kept_and_retried_by_hand,
    editors_cannot_send,
);
