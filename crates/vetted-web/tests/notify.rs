//! Reminders end to end against real channels: a real SMTP server on loopback (`aiosmtpd`,
//! tests/smtp) and a webhook receiver on loopback, on both backends, with the date and the
//! clock set by the test.

mod common;
mod smtp;

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::macros::{date, datetime};
use time::{Date, Duration, OffsetDateTime};
use vetted_app::notify::{
    DeliverReport, Notifier, Security, Settings, SmtpSettings, Webhook, WebhookFormat,
};
use vetted_core::audit::Actor;
use vetted_core::model::Supplier;
use vetted_core::policy::Policy;
use vetted_core::role::Role;
use vetted_store::notify::DeliveryStatus;
use vetted_store::{Change, Store};

use common::{Backend, Guard};
use smtp::SmtpServer;

const AS_OF: Date = date!(2026 - 11 - 25);
const NOW: OffsetDateTime = datetime!(2026-11-25 07:00:00 UTC);

/// A store holding the example register and three accounts: an admin, a disabled admin and a
/// viewer (only the first gets the admins' digest).
async fn setup(backend: Backend) -> (Guard, Arc<dyn Store>) {
    let (guard, state) = backend.state().await;
    let store = Arc::clone(&state.store);
    for (id, email, role, disabled) in [
        ("u-admin", "admin@example.eu", Role::Admin, false),
        ("u-gone", "gone@example.eu", Role::Admin, true),
        ("u-viewer", "viewer@example.eu", Role::Viewer, false),
    ] {
        let change = Change::now(Actor::System);
        let user = store
            .create_user(
                &vetted_store::accounts::NewUser {
                    id: id.into(),
                    email: email.into(),
                    role,
                    password_hash: "not a hash: nobody signs in here".into(),
                    now: NOW,
                },
                &change,
            )
            .await
            .unwrap();
        if disabled {
            store
                .update_user(
                    &user.id,
                    &vetted_store::accounts::UserChange {
                        disabled: Some(true),
                        ..Default::default()
                    },
                    &change,
                )
                .await
                .unwrap();
        }
    }
    (guard, store)
}

async fn suppliers(store: &dyn Store) -> Vec<Supplier> {
    store
        .list_suppliers()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.supplier)
        .collect()
}

fn smtp_settings(port: u16) -> Settings {
    Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(port),
            security: Security::None,
            username: Some("vetted".into()),
            password: Some("s3cret".into()),
            from: "Vetted <vetted@example.eu>".into(),
            ca_pem: None,
            timeout_seconds: 10,
        }),
        base_url: "https://vetted.example.eu".into(),
        ..Settings::default()
    }
}

fn text(v: &serde_json::Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_string()
}

async fn digests_go_to_admins_and_owners_once_per_window(backend: Backend) {
    let (_guard, store) = setup(backend).await;
    let server = SmtpServer::start(&["--auth", "vetted:s3cret"]);
    let notifier = Notifier::new(Arc::clone(&store), smtp_settings(server.port)).unwrap();
    let register = suppliers(store.as_ref()).await;
    let policy = Policy::default();

    let first = notifier
        .run(&register, &policy, AS_OF, NOW, false)
        .await
        .unwrap();
    assert!(first.reminders > 10, "the example register has plenty due");
    let recipients: Vec<&str> = first.digests.iter().map(|d| d.recipient.as_str()).collect();
    assert!(
        recipients.contains(&"email:admin@example.eu"),
        "{recipients:?}"
    );
    assert!(
        !recipients.contains(&"email:gone@example.eu"),
        "a disabled admin gets nothing"
    );
    assert!(
        !recipients.contains(&"email:viewer@example.eu"),
        "a viewer owns nothing"
    );
    let admin = first
        .digests
        .iter()
        .find(|d| d.recipient == "email:admin@example.eu")
        .unwrap();
    assert_eq!(
        admin.items.len(),
        first.reminders,
        "the admins' digest has everything"
    );
    for d in first
        .digests
        .iter()
        .filter(|d| d.recipient != "email:admin@example.eu")
    {
        let owner = d.recipient.strip_prefix("email:").unwrap();
        assert!(
            d.items
                .iter()
                .all(|r| r.item.owner.as_deref() == Some(owner)),
            "an owner's digest holds their own suppliers only: {d:?}"
        );
    }

    let sent = notifier.deliver(NOW).await.unwrap();
    assert_eq!(sent.sent, first.digests.len());
    let messages = server.wait_for(first.digests.len());
    assert_eq!(messages.len(), first.digests.len());
    for m in &messages {
        assert_eq!(text(m, "login"), "vetted", "the client authenticated");
        assert_eq!(m["mail_from"], "vetted@example.eu");
        assert_eq!(text(m, "from"), "Vetted <vetted@example.eu>");
        assert!(text(m, "subject").starts_with("Vetted: "), "{m}");
        assert!(text(m, "subject").ends_with("on 2026-11-25"), "{m}");
    }
    let to_admin = messages
        .iter()
        .find(|m| m["rcpt_tos"] == serde_json::json!(["admin@example.eu"]))
        .expect("the admin's digest arrived");
    let body = text(to_admin, "text");
    let html = text(to_admin, "html");
    assert_eq!(
        body.lines().filter(|l| l.starts_with("- ")).count(),
        first.reminders,
        "one line per reminder: {body}"
    );
    for r in &admin.items {
        if !r.is_policy() {
            let link = match &r.item.risk {
                Some(risk) => format!("https://vetted.example.eu/risks/{risk}"),
                None => format!("https://vetted.example.eu/suppliers/{}", r.item.supplier),
            };
            assert!(body.contains(&link), "{link} in {body}");
            assert!(
                html.contains(&format!("href=\"{link}\"")),
                "{link} in the HTML part"
            );
        }
    }
    assert!(body.contains("as a Vetted administrator"));

    // The same day again, as after a restart: nothing new, nothing sent.
    let again = notifier
        .run(&register, &policy, AS_OF, NOW + Duration::hours(3), false)
        .await
        .unwrap();
    assert!(again.digests.is_empty(), "{:?}", again.digests);
    assert_eq!(
        notifier
            .deliver(NOW + Duration::hours(3))
            .await
            .unwrap()
            .sent,
        0
    );
    assert_eq!(server.messages().len(), messages.len());

    // A week later: the overdue items are in their next window and go out again; what was
    // due soon and still is does not.
    let week = AS_OF + Duration::days(7);
    let later = notifier
        .run(&register, &policy, week, NOW + Duration::days(7), false)
        .await
        .unwrap();
    let admin_later = later
        .digests
        .iter()
        .find(|d| d.recipient == "email:admin@example.eu")
        .expect("overdue items are sent again a week later");
    let overdue_before: Vec<&str> = admin
        .items
        .iter()
        .filter(|r| r.window.starts_with("overdue-"))
        .map(|r| r.key.as_str())
        .collect();
    for r in &admin_later.items {
        if r.window == "soon" {
            assert!(
                !admin.items.iter().any(|b| b.key == r.key),
                "a due-soon item is sent once: {}",
                r.key
            );
        }
    }
    assert!(
        admin_later
            .items
            .iter()
            .any(|r| overdue_before.contains(&r.key.as_str())),
        "some overdue item of the first run is sent again in its next window"
    );
    // Exactly what was not claimed before: every reminder of the week whose key and window
    // the first run did not send.
    let sent_first: std::collections::BTreeSet<(&str, &str)> = admin
        .items
        .iter()
        .map(|r| (r.key.as_str(), r.window.as_str()))
        .collect();
    let expected: Vec<(String, String)> = notifier
        .reminders(&register, &policy, week)
        .into_iter()
        .filter(|r| !sent_first.contains(&(r.key.as_str(), r.window.as_str())))
        .map(|r| (r.key, r.window))
        .collect();
    let got: Vec<(String, String)> = admin_later
        .items
        .iter()
        .map(|r| (r.key.clone(), r.window.clone()))
        .collect();
    assert_eq!(got, expected);
}

async fn two_servers_on_one_database_send_each_digest_once(backend: Backend) {
    let (guard, store) = setup(backend).await;
    let other: Arc<dyn Store> = match &guard {
        Guard::Sqlite(dir) => {
            vetted_store::open(&dir.path().join("vetted.db").display().to_string())
                .await
                .unwrap()
        }
        Guard::Postgres(db) => vetted_store::open(db.url()).await.unwrap(),
    };
    let server = SmtpServer::start(&[]);
    let mut settings = smtp_settings(server.port);
    if let Some(s) = settings.smtp.as_mut() {
        s.username = None;
        s.password = None;
    }
    let one = Notifier::new(Arc::clone(&store), settings.clone()).unwrap();
    let two = Notifier::new(other, settings).unwrap();
    let register = suppliers(store.as_ref()).await;
    let policy = Policy::default();
    let (first, second) = tokio::join!(
        one.run(&register, &policy, AS_OF, NOW, false),
        two.run(&register, &policy, AS_OF, NOW, false),
    );
    let (a, b) = (first.unwrap(), second.unwrap());
    let mut all: Vec<(String, String, String)> = a
        .digests
        .iter()
        .chain(&b.digests)
        .flat_map(|d| {
            d.items
                .iter()
                .map(|r| (d.recipient.clone(), r.key.clone(), r.window.clone()))
        })
        .collect();
    let queued = all.len();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        queued,
        "no reminder was queued twice for one recipient"
    );
    let (sent_one, sent_two) = tokio::join!(one.deliver(NOW), two.deliver(NOW));
    let sent = sent_one.unwrap().sent + sent_two.unwrap().sent;
    let recipients: std::collections::BTreeSet<&str> = a
        .digests
        .iter()
        .chain(&b.digests)
        .map(|d| d.recipient.as_str())
        .collect();
    assert_eq!(sent, a.digests.len() + b.digests.len());
    let messages = server.wait_for(sent);
    assert_eq!(messages.len(), sent, "each queued digest sent once");
    assert!(recipients.len() <= sent);
}

async fn a_failing_smtp_server_leads_to_a_retry_not_a_loss(backend: Backend) {
    let (_guard, store) = setup(backend).await;
    let server = SmtpServer::start(&["--fail-first", "1", "--auth", "vetted:s3cret"]);
    let notifier = Notifier::new(Arc::clone(&store), smtp_settings(server.port)).unwrap();
    let register = suppliers(store.as_ref()).await;
    let run = notifier
        .run(&register, &Policy::default(), AS_OF, NOW, false)
        .await
        .unwrap();
    let n = run.digests.len();
    let pass = notifier.deliver(NOW).await.unwrap();
    assert_eq!((pass.sent, pass.retrying, pass.failed), (n - 1, 1, 0));
    let log = store.list_deliveries(100, None).await.unwrap();
    let waiting: Vec<_> = log
        .iter()
        .filter(|d| d.status == DeliveryStatus::Pending)
        .collect();
    assert_eq!(waiting.len(), 1);
    let w = waiting[0];
    assert!(
        w.last_error.as_deref().unwrap_or("").contains("451"),
        "{w:?}"
    );
    assert_eq!(
        (w.attempts, w.next_attempt_at),
        (1, NOW + Duration::minutes(1))
    );

    assert_eq!(
        notifier.deliver(NOW + Duration::seconds(30)).await.unwrap(),
        DeliverReport::default(),
        "not before the backoff"
    );
    let retry = notifier.deliver(NOW + Duration::minutes(1)).await.unwrap();
    assert_eq!(retry.sent, 1);
    assert_eq!(
        server.wait_for(n).len(),
        n,
        "every digest arrived in the end"
    );
    let d = store.find_delivery(w.id).await.unwrap().unwrap();
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Sent, 2));
}

async fn a_refusing_smtp_server_leaves_failed_deliveries_to_retry_by_hand(backend: Backend) {
    let (_guard, store) = setup(backend).await;
    let server = SmtpServer::start(&["--reject"]);
    let mut settings = smtp_settings(server.port);
    if let Some(s) = settings.smtp.as_mut() {
        s.username = None;
        s.password = None;
    }
    let notifier = Notifier::new(Arc::clone(&store), settings).unwrap();
    let register = suppliers(store.as_ref()).await;
    let run = notifier
        .run(&register, &Policy::default(), AS_OF, NOW, false)
        .await
        .unwrap();
    let pass = notifier.deliver(NOW).await.unwrap();
    assert_eq!(
        pass.failed,
        run.digests.len(),
        "a 550 is not retried by itself"
    );
    let log = store.list_deliveries(100, None).await.unwrap();
    assert!(log.iter().all(|d| d.status == DeliveryStatus::Failed
        && d.last_error.as_deref().unwrap_or("").contains("550")));
    assert_eq!(
        notifier.deliver(NOW + Duration::days(1)).await.unwrap(),
        DeliverReport::default()
    );
    assert!(store.retry_delivery(log[0].id, NOW).await.unwrap());
    assert_eq!(
        notifier.deliver(NOW).await.unwrap().failed,
        1,
        "retried, refused again"
    );
}

async fn a_test_email_carries_the_whole_digest(backend: Backend) {
    let (_guard, store) = setup(backend).await;
    let server = SmtpServer::start(&["--auth", "vetted:s3cret"]);
    let notifier = Notifier::new(Arc::clone(&store), smtp_settings(server.port)).unwrap();
    let register = suppliers(store.as_ref()).await;
    let policy = Policy::default();
    let d = notifier
        .send_test("Newcomer@Example.eu", &register, &policy, AS_OF, NOW)
        .await
        .unwrap();
    assert_eq!(d.status, DeliveryStatus::Sent, "{d:?}");
    let m = &server.wait_for(1)[0];
    assert_eq!(m["rcpt_tos"], serde_json::json!(["Newcomer@Example.eu"]));
    assert!(
        text(m, "subject").starts_with("Vetted test message: "),
        "{m}"
    );
    let body = text(m, "text");
    assert!(
        body.starts_with("This is a test message from Vetted"),
        "{body}"
    );
    let reminders = notifier.reminders(&register, &policy, AS_OF).len();
    assert_eq!(
        body.lines().filter(|l| l.starts_with("- ")).count(),
        reminders
    );
    // A test claims nothing: the day's run still sends everything.
    let run = notifier
        .run(&register, &policy, AS_OF, NOW, false)
        .await
        .unwrap();
    assert!(!run.digests.is_empty());

    let bad = notifier
        .send_test("not an address", &register, &policy, AS_OF, NOW)
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("not an e-mail address"), "{bad}");
    let off = Notifier::new(Arc::clone(&store), Settings::default()).unwrap();
    let err = off
        .send_test("a@example.eu", &register, &policy, AS_OF, NOW)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("e-mail is not configured"),
        "{err}"
    );
}

async fn a_dry_run_writes_nothing(backend: Backend) {
    let (_guard, store) = setup(backend).await;
    let server = SmtpServer::start(&[]);
    let notifier = Notifier::new(Arc::clone(&store), smtp_settings(server.port)).unwrap();
    let register = suppliers(store.as_ref()).await;
    let policy = Policy::default();
    let dry = notifier
        .run(&register, &policy, AS_OF, NOW, true)
        .await
        .unwrap();
    assert!(dry.digests.iter().all(|d| d.delivery.is_none()));
    assert!(store.list_deliveries(10, None).await.unwrap().is_empty());
    let real = notifier
        .run(&register, &policy, AS_OF, NOW, false)
        .await
        .unwrap();
    let plan = |r: &vetted_app::notify::RunReport| -> Vec<(String, usize)> {
        r.digests
            .iter()
            .map(|d| (d.recipient.clone(), d.items.len()))
            .collect()
    };
    assert_eq!(plan(&dry), plan(&real), "the dry run said what the run did");
}

/// What the webhook receiver got: headers and body of each call, per path.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, HeaderMap, String)>>>);

async fn receiver() -> (String, Received) {
    let got = Received::default();
    let flaky_calls = Arc::new(Mutex::new(0u32));
    let record = |path: &'static str, got: Received| {
        move |headers: HeaderMap, body: String| {
            let got = got.clone();
            async move {
                got.0
                    .lock()
                    .unwrap()
                    .push((path.to_string(), headers, body));
                StatusCode::NO_CONTENT
            }
        }
    };
    let flaky = {
        let got = got.clone();
        move |headers: HeaderMap, body: String| {
            let got = got.clone();
            let calls = Arc::clone(&flaky_calls);
            async move {
                let n = {
                    let mut c = calls.lock().unwrap();
                    *c += 1;
                    *c
                };
                if n == 1 {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                got.0.lock().unwrap().push(("flaky".into(), headers, body));
                StatusCode::OK
            }
        }
    };
    let app = axum::Router::new()
        .route("/json", axum::routing::post(record("json", got.clone())))
        .route("/slack", axum::routing::post(record("slack", got.clone())))
        .route("/flaky", axum::routing::post(flaky));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, got)
}

async fn webhooks_are_signed_retried_and_slack_gets_text(backend: Backend) {
    let (_guard, store) = setup(backend).await;
    let (base, got) = receiver().await;
    let hook = |name: &str, format, secret: Option<&str>| Webhook {
        name: name.into(),
        url: format!("{base}/{name}"),
        format,
        secret: secret.map(Into::into),
    };
    let settings = Settings {
        webhooks: vec![
            hook("json", WebhookFormat::Json, Some("whsec-test")),
            hook("slack", WebhookFormat::Slack, None),
            hook("flaky", WebhookFormat::Json, None),
        ],
        base_url: "https://vetted.example.eu".into(),
        ..Settings::default()
    };
    let notifier = Notifier::new(Arc::clone(&store), settings).unwrap();
    let register = suppliers(store.as_ref()).await;
    let run = notifier
        .run(&register, &Policy::default(), AS_OF, NOW, false)
        .await
        .unwrap();
    let recipients: Vec<&str> = run.digests.iter().map(|d| d.recipient.as_str()).collect();
    assert_eq!(
        recipients,
        ["webhook:json", "webhook:slack", "webhook:flaky"]
    );
    assert!(
        run.notes
            .iter()
            .any(|n| n.contains("e-mail is not configured"))
    );

    let pass = notifier.deliver(NOW).await.unwrap();
    assert_eq!((pass.sent, pass.retrying), (2, 1));
    let calls = got.0.lock().unwrap().clone();
    let (_, headers, body) = calls.iter().find(|(p, _, _)| p == "json").unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"whsec-test").unwrap();
    mac.update(body.as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-vetted-signature-256"], expected.as_str());
    assert!(headers.contains_key("x-vetted-delivery"));
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["type"], "vetted.reminders");
    assert_eq!(v["count"], run.reminders);
    assert_eq!(v["items"].as_array().unwrap().len(), run.reminders);
    assert!(v["items"][0]["key"].is_string() && v["items"][0]["window"].is_string());

    let (_, slack_headers, slack) = calls.iter().find(|(p, _, _)| p == "slack").unwrap();
    assert!(
        !slack_headers.contains_key("x-vetted-signature-256"),
        "no secret, no signature"
    );
    let s: serde_json::Value = serde_json::from_str(slack).unwrap();
    assert!(
        s["text"]
            .as_str()
            .unwrap()
            .contains("<https://vetted.example.eu/suppliers/")
    );

    assert!(!calls.iter().any(|(p, _, _)| p == "flaky"));
    assert_eq!(
        notifier
            .deliver(NOW + Duration::minutes(1))
            .await
            .unwrap()
            .sent,
        1
    );
    assert!(got.0.lock().unwrap().iter().any(|(p, _, _)| p == "flaky"));
}

on_both_backends!(
    digests_go_to_admins_and_owners_once_per_window,
    two_servers_on_one_database_send_each_digest_once,
    a_failing_smtp_server_leads_to_a_retry_not_a_loss,
    a_refusing_smtp_server_leaves_failed_deliveries_to_retry_by_hand,
    a_test_email_carries_the_whole_digest,
    a_dry_run_writes_nothing,
    webhooks_are_signed_retried_and_slack_gets_text,
);

/// STARTTLS and TLS from the first byte, to servers with a certificate from a private CA that
/// `ca_pem` trusts; without it the certificate is refused and nothing is sent in the clear.
#[tokio::test]
async fn starttls_and_tls_with_a_private_ca() {
    let (_guard, store) = setup(Backend::Sqlite).await;
    let certs = tempfile::tempdir().unwrap();
    let (cert, key, pem) = smtp::private_ca(certs.path());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let register = suppliers(store.as_ref()).await;
    let policy = Policy::default();
    for (flag, security) in [("--starttls", Security::Starttls), ("--tls", Security::Tls)] {
        let server = SmtpServer::start(&[flag, cert, key, "--auth", "vetted:s3cret"]);
        let mut settings = smtp_settings(server.port);
        let smtp = settings.smtp.as_mut().unwrap();
        smtp.host = "localhost".into();
        smtp.security = security;
        smtp.ca_pem = Some(pem.clone());
        let trusted = Notifier::new(Arc::clone(&store), settings.clone()).unwrap();
        let d = trusted
            .send_test("a@example.eu", &register, &policy, AS_OF, NOW)
            .await
            .unwrap();
        assert_eq!(d.status, DeliveryStatus::Sent, "{flag}: {:?}", d.last_error);
        let got = server.wait_for(1);
        assert_eq!(got[0]["login"], "vetted", "{flag}: authenticated over TLS");

        settings.smtp.as_mut().unwrap().ca_pem = None;
        let untrusted = Notifier::new(Arc::clone(&store), settings).unwrap();
        let d = untrusted
            .send_test("b@example.eu", &register, &policy, AS_OF, NOW)
            .await
            .unwrap();
        assert_ne!(
            d.status,
            DeliveryStatus::Sent,
            "{flag}: an unknown issuer is refused"
        );
        assert!(
            d.last_error
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains("certificate"),
            "{flag}: {d:?}"
        );
        assert_eq!(
            server.messages().len(),
            1,
            "{flag}: nothing sent without trust"
        );
    }
}
