//! Journey 4, the part the pages on this branch allow: a viewer sees no edit controls, and a
//! write forged from the viewer's own browser session, CSRF token and all, is refused; the same
//! request from an editor's session is accepted, so the refusal is the role's.
//!
//! When the register and supplier pages land, this journey grows: the viewer opens them and
//! finds no edit, archive or import controls.

use serde_json::json;
use vetted_web::auth::Role;

use crate::common;
use crate::harness::{App, Browser};
use crate::test_name;

/// A new supplier in the register format, as the API's `POST /api/v1/suppliers` takes it.
fn forged_supplier() -> String {
    json!({"id": "forged-ltd", "name": "Forged Ltd", "category": "saas", "status": "active"})
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_sees_no_edit_controls_and_a_forged_write_is_refused() {
    let app = App::with_example_register().await;
    let viewer = app.add_user(Role::Viewer).await;
    let editor = app.add_user(Role::Editor).await;
    let register = common::example_register().suppliers.len() as u64;
    let browser = Browser::open(&app, &test_name!()).await;

    browser.sign_in(&viewer.email, &viewer.password).await;
    browser.wait_for_path("/").await;
    assert_eq!(
        browser.text(".site-header .who").await,
        "viewer@example.org VIEWER"
    );
    assert_eq!(
        browser.texts("nav[aria-label='Main'] a").await,
        ["Vetted", "Dashboard", "Register", "Due"],
        "a viewer's menu has no Import and no Admin"
    );
    assert!(!browser.has("a[href='/import'], a[href^='/admin']").await);
    // No form on the page writes anything but the sign-out.
    assert_eq!(
        browser.texts("form[method='post'] button").await,
        ["Sign out"]
    );
    browser.screenshot("viewer-dashboard").await;

    // A script on the viewer's page posts a new supplier with the session's CSRF token.
    let csrf = browser.csrf_token().await;
    assert!(
        !csrf.is_empty(),
        "the page carries the session's CSRF token"
    );
    let body = forged_supplier();
    let forged = browser
        .fetch(
            "POST",
            "/api/v1/suppliers",
            &[
                ("Content-Type", "application/json"),
                ("X-CSRF-Token", &csrf),
            ],
            Some(&body),
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(forged.json()["error"], "forbidden");
    // Without the token it is refused before the role is even looked at.
    let tokenless = browser
        .fetch(
            "POST",
            "/api/v1/suppliers",
            &[("Content-Type", "application/json")],
            Some(&body),
        )
        .await;
    assert_eq!(tokenless.status, 403, "{}", tokenless.body);
    assert_eq!(tokenless.json()["error"], "csrf");
    // The browser saw both refusals; nothing else went wrong on the page.
    let console = browser.console_errors().await;
    assert_eq!(console.len(), 2, "{console:#?}");
    assert!(
        console
            .iter()
            .all(|e| e.contains("/api/v1/suppliers") && e.contains("status of 403")),
        "{console:#?}"
    );
    assert!(app.supplier("forged-ltd").await.is_none());
    assert_eq!(app.count_suppliers().await, register, "nothing was written");

    // The very same request from an editor's session is a valid one.
    browser.sign_out().await;
    browser.sign_in(&editor.email, &editor.password).await;
    browser.wait_for_path("/").await;
    assert_eq!(
        browser.texts("nav[aria-label='Main'] a").await,
        ["Vetted", "Dashboard", "Register", "Due", "Import"],
        "an editor's menu has Import"
    );
    let csrf = browser.csrf_token().await;
    let allowed = browser
        .fetch(
            "POST",
            "/api/v1/suppliers",
            &[
                ("Content-Type", "application/json"),
                ("X-CSRF-Token", &csrf),
            ],
            Some(&body),
        )
        .await;
    assert_eq!(allowed.status, 201, "{}", allowed.body);
    assert_eq!(
        app.supplier("forged-ltd")
            .await
            .expect("the editor's supplier is stored")
            .supplier
            .name
            .as_deref(),
        Some("Forged Ltd")
    );
    // Back to the dashboard, which counts it.
    browser.goto("/").await;
    assert_eq!(
        browser.text("main a[href='/suppliers']").await,
        format!("{} suppliers", register + 1)
    );
    browser.finish().await;
}
