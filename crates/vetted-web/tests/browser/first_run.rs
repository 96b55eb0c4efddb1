//! Journey 1: the first admin sets Vetted up from the link `vetted serve` prints, signs in
//! (by keyboard), sees the dashboard, signs out, and is signed out for good.

use fantoccini::key::Key;

use crate::harness::{App, Browser};
use crate::test_name;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_admin_sets_up_signs_in_by_keyboard_and_signs_out() {
    let app = App::empty().await;
    let token = app.setup_token().await;
    let browser = Browser::open(&app, &test_name!()).await;
    let email = "ciso@example.eu";
    let password = "a long and secret passphrase";

    // The setup link: a form for the first admin.
    browser.goto(&format!("/setup?token={token}")).await;
    assert_eq!(browser.text("h1").await, "Create the first admin");
    browser.fill("E-mail address", email).await;
    browser.fill("Password", password).await;
    browser.click_button("Create admin").await;
    browser.wait_for_text("h1", "Admin created").await;
    assert_eq!(
        app.state
            .accounts
            .get_user_by_email(email)
            .await
            .expect("the admin exists")
            .role,
        vetted_web::auth::Role::Admin
    );

    // The page's own way on: its "Sign in" button leads to the login form.
    browser.click_button("Sign in").await;
    browser.wait_for_path("/login").await;
    // The form focuses the e-mail field itself: a keyboard user types straight away.
    assert!(browser.focus_matches("input#email").await);
    browser.fill("E-mail address", email).await;
    browser.fill("Password", password).await;
    // From the password, the next stop of Tab is the form's button; Enter presses it.
    let presses = browser
        .tab_to("form[action='/login'] button[type='submit']")
        .await;
    assert_eq!(presses, 1, "Tab from the password reaches the button");
    assert_eq!(browser.describe_focus().await, "button \"Sign in\"");
    browser.press(Key::Enter).await;

    // The dashboard, with the user in the menu, styled and scripted under the page's CSP.
    browser.wait_for_path("/").await;
    assert_eq!(browser.text("main h1").await, "Dashboard");
    assert_eq!(
        browser.text(".site-header .who").await,
        format!("{email} ADMIN")
    );
    let role = browser.wait_for(".site-header .who .role").await;
    assert_eq!(
        role.css_value("text-transform").await.expect("a CSS value"),
        "uppercase",
        "vetted.css is applied"
    );
    assert_eq!(
        browser
            .execute("return typeof htmx === 'object' && htmx.version;", vec![])
            .await,
        "2.0.11",
        "htmx is loaded"
    );
    assert_eq!(
        browser.texts("nav[aria-label='Main'] a").await,
        [
            "Vetted",
            "Dashboard",
            "Register",
            "Due",
            "Risks",
            "Subprocessors",
            "Audit report",
            "Import",
            "Admin"
        ],
        "an admin's menu"
    );

    // Signing out lands on the login page, which says so.
    browser.sign_out().await;
    assert_eq!(browser.path().await, "/login?notice=signed-out");
    assert_eq!(browser.text("p.notice").await, "You are signed out.");

    // The setup link is spent.
    browser.goto(&format!("/setup?token={token}")).await;
    assert_eq!(browser.text("h1").await, "Setup link no longer valid");
    let console = browser.console_errors().await;
    assert_eq!(console.len(), 1, "{console:#?}");
    assert!(console[0].contains("status of 410 (Gone)"), "{console:#?}");

    // The session is gone: the dashboard sends to the login page again.
    browser.goto("/").await;
    browser.wait_for_path("/login").await;
    assert_eq!(
        browser.path().await,
        "/login",
        "no `next` back to the default page"
    );
    assert_eq!(browser.text("h1").await, "Sign in");
    assert!(!browser.has(".site-header .who").await);
    browser.finish().await;
}
