//! The harness's own check: the verbs the journeys are written in (filling by label, choosing,
//! ticking, uploading, following a link, waiting for something to go) work in Chromium, on a
//! fixture form opened as a `data:` page, so a journey that fails points at Vetted, not at the
//! harness.

use std::fmt::Write as _;

use crate::harness::{App, Browser};
use crate::test_name;

/// A form with one control of each kind the journeys use.
const FIXTURE: &str = r##"<!doctype html>
<html lang="en"><head><title>Harness fixture</title></head><body>
<main>
<form>
  <label for="name">Supplier name <small>(as in the contract)</small></label>
  <input id="name" type="text" value="old">
  <label for="due">Next review</label>
  <input id="due" type="date">
  <label for="tier">Tier</label>
  <select id="tier"><option value="low">Low</option><option value="high">High</option></select>
  <label><input type="checkbox" id="dpa"> Signed a DPA</label>
  <label><input type="checkbox" id="scc" checked> Standard contractual clauses</label>
  <label for="doc">Document</label>
  <input id="doc" type="file">
  <p id="pending">Working…</p>
  <button type="button" onclick="document.getElementById('pending').remove()">Done</button>
  <a href="#finished" onclick="document.body.dataset.followed = 'yes'; return false;">Finish</a>
</form>
</main>
</body></html>"##;

/// `html` as a `data:` URL (every byte but letters and digits percent-encoded).
fn data_url(html: &str) -> String {
    let mut url = String::from("data:text/html;charset=utf-8,");
    for byte in html.bytes() {
        if byte.is_ascii_alphanumeric() {
            url.push(char::from(byte));
        } else {
            let _ = write!(url, "%{byte:02X}");
        }
    }
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verbs_work_on_a_form() {
    let app = App::empty().await;
    let browser = Browser::open(&app, &test_name!()).await;
    browser
        .client()
        .goto(&data_url(FIXTURE))
        .await
        .expect("open the fixture");
    assert_eq!(browser.title().await, "Harness fixture");

    // A label's start finds its control; filling replaces what was there.
    browser.fill("Supplier name", "Stratocloud EMEA").await;
    assert_eq!(browser.value("#name").await, "Stratocloud EMEA");
    // A date is set whatever the browser's locale.
    browser.fill("Next review", "2026-03-31").await;
    assert_eq!(browser.value("Next review").await, "2026-03-31");
    browser.select("Tier", "High").await;
    assert_eq!(browser.value("Tier").await, "high");
    browser.select("Tier", "low").await;
    assert_eq!(browser.value("Tier").await, "low", "by value as well");
    // A label wrapping its checkbox; ticking twice keeps it ticked.
    browser.check("Signed a DPA").await;
    browser.check("Signed a DPA").await;
    browser.uncheck("Standard contractual clauses").await;
    let ticked = browser
        .execute(
            "return [document.getElementById('dpa').checked, document.getElementById('scc').checked];",
            vec![],
        )
        .await;
    assert_eq!(ticked, serde_json::json!([true, false]));
    // A click by selector ticks it again.
    browser.click("#scc").await;
    assert!(browser.has("#scc:checked").await);

    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("soc2-report.pdf");
    std::fs::write(&file, b"%PDF-1.7 not really").expect("write the file to upload");
    browser.upload("Document", &file).await;
    let chosen = browser
        .execute(
            "const f = document.getElementById('doc').files[0]; return [f.name, f.size];",
            vec![],
        )
        .await;
    assert_eq!(chosen, serde_json::json!(["soc2-report.pdf", 19]));

    assert_eq!(browser.count("#pending").await, 1);
    browser.click_button("Done").await;
    browser.wait_gone("#pending").await;
    browser.click_link("Finish").await;
    // (Chromium refuses to navigate to a data: URL from a page, even for a fragment: the
    // fixture notes the click instead.)
    let followed = browser
        .execute("return document.body.dataset.followed;", vec![])
        .await;
    assert_eq!(followed, "yes");
    assert_eq!(
        browser.attr("a", "href").await.as_deref(),
        Some("#finished")
    );

    // The store side of the set-up helpers.
    let supplier =
        vetted_core::model::Supplier::new(vetted_core::model::SupplierId::parse("acme").unwrap());
    app.add_supplier(&supplier).await;
    assert!(app.supplier("acme").await.is_some());
    assert_eq!(app.count_suppliers().await, 1);
    browser.finish().await;
}
