//! Journey 2: an editor adds a model provider that processes customer data with inference in
//! the US, from the register's "New supplier" through the new-supplier and location forms; the supplier page says it is
//! ineligible and names `model.eu-inference`. The editor moves the location to the EU (the
//! location's edit form) and records an agreement in force with the `no_training` clause (the
//! agreement form, the clause ticked): the page no longer says ineligible and no model rule
//! fails.

use time::{Duration, OffsetDateTime};
use vetted_core::engine::evaluate;
use vetted_core::model::Verdict;
use vetted_core::policy::Policy;
use vetted_web::auth::Role;

use crate::harness::{App, Browser};
use crate::test_name;

/// The finding row of `rule` in the supplier page's findings table.
fn finding(rule: &str) -> String {
    format!("table.findings tr[data-rule='{rule}']")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_provider_with_us_inference_is_ineligible_until_fixed() {
    let app = App::with_example_register().await;
    let editor = app.add_user(Role::Editor).await;
    let browser = Browser::open(&app, &test_name!()).await;
    browser.sign_in(&editor.email, &editor.password).await;

    // The register's "New supplier": a model provider that sees customer data and runs
    // inference.
    browser.wait_for_path("/").await;
    browser.click_link("Register").await;
    browser.wait_for_path("/suppliers").await;
    browser.click_button("New supplier").await;
    browser.wait_for_path("/suppliers/new").await;
    assert_eq!(browser.text("main h1").await, "Add a supplier");
    browser.fill("Id", "nimbus-ai").await;
    browser.fill("Name", "Nimbus AI Inc.").await;
    browser.select("Category", "Model provider").await;
    browser.select("Status", "Active").await;
    browser.fill("Owner", "cto@example.eu").await;
    browser.fill("Services", "Hosted LLM inference").await;
    browser.check("Processes customer data").await;
    browser
        .check("Runs model inference on our or our customers' data")
        .await;
    browser.click_button("Add the supplier").await;
    browser.wait_for_path("/suppliers/nimbus-ai").await;
    assert_eq!(browser.text("main h1").await, "Nimbus AI Inc.");
    assert_eq!(browser.text("p.notice").await, "Saved.");
    assert_eq!(
        browser.text("#inference").await,
        "Runs model inference on our data"
    );

    // Its inference runs in the US.
    browser.click_button("Add a location").await;
    browser
        .wait_for_path("/suppliers/nimbus-ai/locations/new")
        .await;
    browser.fill("Country", "US").await;
    browser.select("Purpose", "Inference").await;
    browser.fill("Region", "us-east-1").await;
    browser.click_button("Add the location").await;
    browser.wait_for_path("/suppliers/nimbus-ai").await;
    assert_eq!(browser.texts("#locations td.country").await, ["US"]);
    assert_eq!(browser.texts("#locations td.purpose").await, ["Inference"]);

    // Ineligible: the model gate names the US inference and the missing no-training clause.
    assert_eq!(browser.text("#verdict").await, "Ineligible");
    assert!(browser.has("#verdict.badge.ineligible").await);
    let eu_inference = finding("model.eu-inference");
    assert_eq!(
        browser.text(&format!("{eu_inference} .severity")).await,
        "Fail"
    );
    assert!(
        browser
            .text(&format!("{eu_inference} .message"))
            .await
            .contains("US"),
        "the finding names the country"
    );
    assert!(browser.has(&finding("model.no-training")).await);
    browser.screenshot("ineligible").await;

    // The location moves to Germany, through its edit form (which starts with the stored
    // values: only the country changes).
    browser.click_link("Edit location 1").await;
    browser
        .wait_for_path("/suppliers/nimbus-ai/locations/0/edit")
        .await;
    assert_eq!(browser.value("Country").await, "US");
    assert_eq!(browser.value("Purpose").await, "inference");
    browser.fill("Country", "DE").await;
    browser.fill("Region", "eu-central-1").await;
    browser.click_button("Save the location").await;
    browser.wait_for_path("/suppliers/nimbus-ai").await;
    assert_eq!(browser.texts("#locations td.country").await, ["DE"]);
    assert!(!browser.has(&eu_inference).await);
    // Still ineligible: nothing forbids training on our data yet.
    assert_eq!(browser.text("#verdict").await, "Ineligible");
    assert!(browser.has(&finding("model.no-training")).await);

    // An agreement in force (signed a month ago, no end) with the no-training clause ticked.
    let signed = OffsetDateTime::now_utc().date() - Duration::days(30);
    browser.click_button("Add an agreement").await;
    browser
        .wait_for_path("/suppliers/nimbus-ai/agreements/new")
        .await;
    browser
        .select("Kind", "DPA (data processing agreement)")
        .await;
    browser.fill("Title", "Nimbus DPA").await;
    browser.fill("Signed on", &signed.to_string()).await;
    browser
        .check("Contains the GDPR Art. 28 processor terms")
        .await;
    browser.check("No training on our data").await;
    browser.click_button("Add the agreement").await;
    browser.wait_for_path("/suppliers/nimbus-ai").await;
    assert_eq!(browser.text("#agreements h3").await, "Nimbus DPA In force");
    assert!(
        browser
            .has("#agreements li[data-clause='no_training']")
            .await
    );

    // No longer ineligible: no model rule fails; what remains is the ordinary work of a new
    // supplier (assurance, due diligence, risk inputs…), which makes it non-compliant.
    assert_ne!(browser.text("#verdict").await, "Ineligible");
    assert!(!browser.has("#verdict.ineligible").await);
    assert!(!browser.has(&eu_inference).await);
    assert!(!browser.has(&finding("model.no-training")).await);
    assert!(!browser.has("table.findings tr[data-rule^='model.']").await);
    assert!(browser.has(&finding("selection.assurance")).await);
    // The badge is the engine's verdict on what was stored.
    let stored = app.supplier("nimbus-ai").await.expect("the supplier");
    let verdict = evaluate(
        &stored.supplier,
        &Policy::default(),
        OffsetDateTime::now_utc().date(),
    )
    .verdict;
    assert_eq!(verdict, Verdict::NonCompliant);
    assert!(browser.has("#verdict.badge.non_compliant").await);

    // The register, back through the breadcrumb, agrees.
    browser.click(".crumbs a[href='/suppliers']").await;
    browser.wait_for_path("/suppliers").await;
    let row = "#register tr[data-id='nimbus-ai']";
    assert_eq!(browser.text(&format!("{row} th a")).await, "Nimbus AI Inc.");
    assert!(
        browser
            .has(&format!("{row} td.verdict .badge.non_compliant"))
            .await
    );
    browser.finish().await;
}
