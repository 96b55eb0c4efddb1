//! Journey 7: a newcomer admin configures nothing but SMTP, opens Admin → Notifications, sends
//! a test e-mail to themselves and reads the outcome on the page; the real SMTP server on
//! loopback (tests/smtp) received the digest of the register.

use vetted_app::notify::{Security, Settings, SmtpSettings};
use vetted_web::auth::Role;

use crate::harness::{App, Browser};
use crate::smtp::SmtpServer;
use crate::test_name;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sends_a_test_email_and_it_arrives() {
    let smtp = SmtpServer::start(&[]);
    let app = App::with_reminders(Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(smtp.port),
            security: Security::None,
            username: None,
            password: None,
            from: "Vetted <vetted@example.eu>".into(),
            ca_pem: None,
            timeout_seconds: 10,
        }),
        ..Settings::default()
    })
    .await;
    let admin = app.add_user(Role::Admin).await;
    let browser = Browser::open(&app, &test_name!()).await;
    browser.sign_in(&admin.email, &admin.password).await;

    browser.goto("/admin").await;
    browser.click_link("Notifications").await;
    browser.wait_for_path("/admin/notifications").await;
    assert_eq!(
        browser.text("#smtp-from").await,
        "Vetted <vetted@example.eu>"
    );
    assert_eq!(browser.value("Send to").await, admin.email);
    browser.fill("Send to", "newcomer@example.eu").await;
    browser.click_button("Send test e-mail").await;
    browser.wait_for("#test-outcome").await;
    assert_eq!(
        browser
            .attr("#test-outcome", "data-status")
            .await
            .as_deref(),
        Some("sent")
    );
    assert!(
        browser
            .text("#test-outcome")
            .await
            .starts_with("Sent to newcomer@example.eu"),
    );
    assert_eq!(
        browser
            .attr("#deliveries tbody tr", "data-status")
            .await
            .as_deref(),
        Some("sent")
    );

    let got = smtp.wait_for(1);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]["rcpt_tos"],
        serde_json::json!(["newcomer@example.eu"])
    );
    let body = got[0]["text"].as_str().unwrap();
    assert!(
        body.starts_with("This is a test message from Vetted"),
        "{body}"
    );
    assert!(
        body.contains("/suppliers/"),
        "the digest lists suppliers: {body}"
    );
    browser.finish().await;
}
