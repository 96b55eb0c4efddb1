//! Journey 4: a viewer reads the dashboard, the register and a supplier page and finds no edit,
//! add, delete, archive, import or "New supplier" control on them; writes forged from the viewer's own browser session,
//! CSRF token and all, are refused (a REST API call and a page form's post), and nothing
//! changes in the store. The same requests from an editor's session are accepted, so the
//! refusal is the role's, not the requests'.

use serde_json::{Value, json};
use vetted_web::auth::Role;

use crate::common;
use crate::harness::browser::Fetched;
use crate::harness::{App, Browser};
use crate::test_name;

/// A new supplier in the register format, as the API's `POST /api/v1/suppliers` takes it.
fn forged_supplier() -> String {
    json!({"id": "forged-ltd", "name": "Forged Ltd", "category": "saas", "status": "active"})
        .to_string()
}

/// The supplier whose first location the forged page post deletes.
const SUPPLIER: &str = "stratocloud";

/// What the delete button of a location row posts: the session's CSRF token and the version
/// the page showed, form-encoded.
fn delete_form(csrf: &str, version: i64) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf_token", csrf)
        .append_pair("version", &version.to_string())
        .finish()
}

/// Posts the first location's delete form of [`SUPPLIER`] from the page, as its button would.
async fn post_delete(browser: &Browser, csrf: &str, version: i64) -> Fetched {
    browser
        .fetch(
            "POST",
            &format!("/suppliers/{SUPPLIER}/locations/0/delete"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some(&delete_form(csrf, version)),
        )
        .await
}

/// The text of the first element matching `css` in the HTML `body` (parsed by the browser).
async fn text_in(browser: &Browser, body: &str, css: &str) -> Value {
    browser
        .execute(
            "const [html, css] = arguments; \
             const e = new DOMParser().parseFromString(html, 'text/html').querySelector(css); \
             return e ? e.textContent.replace(/\\s+/g, ' ').trim() : null;",
            vec![json!(body), json!(css)],
        )
        .await
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
        [
            "Vetted",
            "Dashboard",
            "Register",
            "Due",
            "Risks",
            "Subprocessors",
            "Audit report"
        ],
        "a viewer's menu has no Import and no Admin"
    );
    assert!(!browser.has("a[href='/import'], a[href^='/admin']").await);
    // No form on the page writes anything but the sign-out.
    assert_eq!(
        browser.texts("form[method='post'] button").await,
        ["Sign out"]
    );
    browser.screenshot("viewer-dashboard").await;

    // The register: every supplier listed, but no "New supplier" and no form that writes.
    browser.click_link("Register").await;
    browser.wait_for_path("/suppliers").await;
    assert_eq!(browser.text("main h1").await, "Register");
    assert_eq!(
        browser.count("#register tbody tr").await,
        usize::try_from(register).expect("a small register")
    );
    assert!(!browser.has("#new-supplier, a[href='/suppliers/new']").await);
    assert_eq!(
        browser.texts("form[method='post'] button").await,
        ["Sign out"]
    );
    assert!(
        browser.has("main form#filters[method='get']").await,
        "filtering is reading"
    );
    browser.screenshot("viewer-register").await;

    // A supplier page, opened from the register: every section shown, but no control that
    // changes anything.
    browser.click_link("Stratocloud EMEA S.à r.l.").await;
    browser
        .wait_for_path(&format!("/suppliers/{SUPPLIER}"))
        .await;
    assert_eq!(browser.text("main h1").await, "Stratocloud EMEA S.à r.l.");
    assert_eq!(browser.count("#locations tbody tr").await, 3);
    assert!(browser.has("#agreements article.agreement").await);
    for control in [
        "#edit-supplier",
        "#archive",
        "#restore",
        ".head-actions",
        ".row-actions",
        "main a[href$='/new']",
        "main a[href$='/edit']",
        "main form[method='post']",
        "main a[role='button']",
    ] {
        assert_eq!(
            browser.count(control).await,
            0,
            "a viewer sees no `{control}`"
        );
    }
    // The one form left is the read-only "evaluate on another day", a GET.
    assert_eq!(
        browser.attr("main form", "method").await.as_deref(),
        Some("get")
    );
    assert_eq!(
        browser.texts("form[method='post'] button").await,
        ["Sign out"]
    );
    browser.screenshot("viewer-supplier").await;

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

    // And the delete button an editor would have, posted with the page's token and version.
    let before = app.supplier(SUPPLIER).await.expect("the supplier");
    let forged_delete = post_delete(&browser, &csrf, before.version).await;
    assert_eq!(forged_delete.status, 403, "{}", forged_delete.body);
    assert_eq!(
        text_in(&browser, &forged_delete.body, "h1").await,
        "Not allowed (403)",
        "the refusal is the HTML error page"
    );

    // The browser saw the three refusals; nothing else went wrong on the pages.
    let console = browser.console_errors().await;
    assert_eq!(console.len(), 3, "{console:#?}");
    assert!(
        console.iter().all(|e| e.contains("status of 403")),
        "{console:#?}"
    );
    assert!(app.supplier("forged-ltd").await.is_none());
    assert_eq!(app.count_suppliers().await, register, "nothing was created");
    let after = app.supplier(SUPPLIER).await.expect("the supplier");
    assert_eq!(after.version, before.version, "nothing was changed");
    assert_eq!(after.supplier, before.supplier);

    // The very same requests from an editor's session are valid ones.
    browser.sign_out().await;
    browser.sign_in(&editor.email, &editor.password).await;
    browser.wait_for_path("/").await;
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
            "Import"
        ],
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
    // The delete is answered with the redirect back to the supplier page (which `fetch`, told
    // not to follow it, reports as status 0), and the location is gone.
    let deleted = post_delete(&browser, &csrf, before.version).await;
    assert_eq!(deleted.status, 0, "an opaque redirect: {}", deleted.body);
    let after = app.supplier(SUPPLIER).await.expect("the supplier");
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after.supplier.locations, before.supplier.locations[1..]);

    // Back to the dashboard, which counts the new supplier.
    browser.goto("/").await;
    assert_eq!(
        browser.text("#total-suppliers").await,
        format!("{} suppliers", register + 1)
    );
    browser.finish().await;
}
