//! Journey 8: the public subprocessor list's notice and objection cycle (GDPR Art. 28(2)). An
//! editor publishes the first version from the menu's "Subprocessors"; a customer, signed out,
//! reads the list on `/subprocessors`, subscribes, and confirms from the mail the real SMTP
//! server on loopback received; the editor takes a supplier off the list in its public-listing
//! form and publishes the change with the default date (30 days ahead); the notice arrives and
//! the customer objects through its link, typing into the form; an admin finds the objection
//! in the log, records an outcome, and the team's page counts it against the planned change;
//! the public page still shows the supplier, with the change planned for its date. Both pages
//! fit an 800 px wide window without sideways scrolling.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::Value;
use time::OffsetDateTime;
use vetted_app::notify::{Security, Settings, SmtpSettings};
use vetted_core::date::{add_days, format_date};
use vetted_core::publication::entries;
use vetted_web::auth::Role;

use crate::common::example_register;
use crate::harness::{App, Browser};
use crate::smtp::SmtpServer;
use crate::test_name;

/// The supplier the editor takes off the public list.
const UNLISTED: &str = "stratocloud";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_subscribes_is_notified_and_objects() {
    let smtp = SmtpServer::start(&[]);
    let port = smtp.port;
    let app = App::with_mail(move |own_address| Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(port),
            security: Security::None,
            username: None,
            password: None,
            from: "Vetted <vetted@example.eu>".into(),
            ca_pem: None,
            timeout_seconds: 10,
        }),
        base_url: own_address.to_string(),
        ..Settings::default()
    })
    .await;
    let editor = app.add_user(Role::Editor).await;
    let admin = app.add_user(Role::Admin).await;
    let browser = Browser::open(&app, &test_name!()).await;
    let today = OffsetDateTime::now_utc().date();
    let listed: Vec<String> = entries(example_register().suppliers.iter())
        .into_iter()
        .map(|e| e.name)
        .collect();
    let gone = entries(example_register().suppliers.iter())
        .into_iter()
        .find(|e| e.supplier == UNLISTED)
        .expect("the example register lists stratocloud publicly")
        .name;
    // How a change reads on every page: the entry as it was.
    let removal = format!("Removal: {gone} (Cloud hosting; processing: DE; storage: DE, IE)");

    // 1. The editor publishes the first version: it takes effect at once.
    browser.sign_in(&editor.email, &editor.password).await;
    browser.click_link("Subprocessors").await;
    browser.wait_for_path("/public-list").await;
    assert_eq!(
        browser.text("#current").await,
        "Nothing has been published yet."
    );
    browser.click_button("Publish version 1").await;
    browser.wait_for_path("/public-list?notice=published").await;
    assert_eq!(
        browser.text("#current").await,
        format!(
            "Version 1, in effect since {}: {} subprocessors.",
            format_date(today),
            listed.len()
        )
    );
    assert!(browser.has("#nothing-to-publish").await);
    browser.sign_out().await;

    // 2. A customer, signed out, reads the list and subscribes.
    browser.goto("/subprocessors").await;
    browser.wait_for("table.subprocessors").await;
    assert_eq!(
        browser
            .texts("table.subprocessors tbody tr td:first-child")
            .await,
        listed
    );
    assert!(browser.text("main").await.contains(&format!(
        "Version 1, in effect since {}.",
        format_date(today)
    )));
    assert!(!browser.has(".planned").await, "nothing is planned yet");
    browser
        .fill("E-mail address", "dana@customer.example")
        .await;
    browser.click_button("Subscribe").await;
    browser
        .wait_for_path("/subprocessors?notice=check-inbox")
        .await;
    assert!(
        browser
            .text("p.notice")
            .await
            .contains("a message with a confirmation link is on its way")
    );

    // 3. The confirmation request arrives (the server sends it at once, in the background);
    //    its link opens here, and only the button confirms.
    let mail = inbox(&smtp, 1).await;
    assert_eq!(
        mail[0]["rcpt_tos"],
        serde_json::json!(["dana@customer.example"])
    );
    let confirm = link(&app, &mail[0], "/subprocessors/confirm");
    browser.goto(&confirm).await;
    browser.click_button("Confirm subscription").await;
    browser.wait_for_text("h1", "You are subscribed").await;

    // 4. The editor takes a supplier off the public list in its form and publishes the
    //    change: planned, with the default date 30 days ahead.
    browser.sign_in(&editor.email, &editor.password).await;
    browser.goto(&format!("/suppliers/{UNLISTED}")).await;
    assert_eq!(browser.text("#listed").await, "Yes");
    browser.click_link("Edit the public listing").await;
    browser
        .wait_for_path(&format!("/suppliers/{UNLISTED}/public_listing/edit"))
        .await;
    browser
        .uncheck("Listed on our public subprocessor list")
        .await;
    browser.click_button("Save the public listing").await;
    browser
        .wait_for_path(&format!("/suppliers/{UNLISTED}"))
        .await;
    assert_eq!(browser.text("#listed").await, "No");

    browser.click_link("Subprocessors").await;
    browser.wait_for_path("/public-list").await;
    assert_eq!(browser.text("#unpublished-changes").await, removal);
    let earliest = format_date(add_days(today, 30));
    assert_eq!(browser.value("Takes effect on").await, earliest);
    assert_eq!(
        browser.text("#publish-form small").await,
        format!("At the earliest {earliest} (30 days' notice).")
    );
    browser
        .fill(
            "Note to customers",
            "We move hosting to our other provider.",
        )
        .await;
    browser.click_button("Publish version 2").await;
    browser.wait_for_path("/public-list?notice=published").await;
    assert_eq!(
        browser.text("#pending-heading").await,
        "Planned change: version 2"
    );
    assert!(
        browser.text("#pending-standing").await.contains(&earliest),
        "{}",
        browser.text("#pending-standing").await
    );
    assert!(
        browser
            .text("#pending")
            .await
            .contains("0 objections, 0 open.")
    );
    browser.sign_out().await;

    // 5. The notice arrives; the customer objects through its link, with the keyboard.
    let mail = inbox(&smtp, 2).await;
    let notice = &mail[1];
    assert_eq!(
        notice["rcpt_tos"],
        serde_json::json!(["dana@customer.example"])
    );
    assert!(
        notice["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Planned change")),
        "{}",
        notice["subject"]
    );
    let text = notice["text"].as_str().unwrap_or_default();
    assert!(text.contains(&gone) && text.contains(&earliest), "{text}");
    let object = link(&app, notice, "/subprocessors/object");
    browser.goto(&object).await;
    assert_eq!(
        browser.text("h1").await,
        "Object to the planned change (version 2)"
    );
    assert_eq!(browser.text("ul.changes").await, removal);
    browser.fill("Your organisation", "Acme GmbH").await;
    browser.fill("Contact person", "Dana Data").await;
    browser
        .fill(
            "Grounds for the objection",
            "Our contract requires hosting in Luxembourg.",
        )
        .await;
    browser.tab_to("main form button[type=submit]").await;
    browser.press(Key::Enter).await;
    browser
        .wait_for_text("h1", "Your objection is recorded")
        .await;

    // 6. An admin finds the objection in the log and records its outcome; the team's page
    //    counts it against the planned change.
    browser.sign_in(&admin.email, &admin.password).await;
    browser.click_link("Subprocessors").await;
    browser.wait_for_path("/public-list").await;
    assert!(
        browser
            .text("#pending")
            .await
            .contains("1 objection, 1 open."),
        "{}",
        browser.text("#pending").await
    );
    browser.click("#objections-link").await;
    browser.wait_for_path("/public-list/objections").await;
    let row = "#objection-log tbody tr";
    assert_eq!(browser.count(row).await, 1);
    assert_eq!(
        browser.text(&format!("{row} td.customer")).await,
        "Acme GmbH"
    );
    assert_eq!(
        browser.text(&format!("{row} td.grounds")).await,
        "Our contract requires hosting in Luxembourg."
    );
    let whole = browser.text(row).await;
    assert!(
        whole.contains("Version 2") && whole.contains("Dana Data dana@customer.example"),
        "{whole}"
    );
    assert!(
        browser
            .text(&format!("{row} td.outcome .badge"))
            .await
            .contains("open")
    );
    browser.select("Outcome", "Alternative offered").await;
    browser
        .fill("Notes", "Hosting in Luxembourg on the premium plan.")
        .await;
    browser.click_button("Record outcome").await;
    browser.wait_gone(&format!("{row} td.outcome .badge")).await;
    assert!(
        browser
            .text(&format!("{row} td.outcome"))
            .await
            .starts_with("Alternative offered Hosting in Luxembourg on the premium plan."),
        "{}",
        browser.text(&format!("{row} td.outcome")).await
    );
    browser.click_link("Subprocessor list").await;
    browser.wait_for_path("/public-list").await;
    assert!(
        browser
            .text("#pending")
            .await
            .contains("1 objection, 0 open."),
        "{}",
        browser.text("#pending").await
    );
    fits_800px(&browser, "/public-list").await;
    browser.sign_out().await;

    // 7. The public page still lists the supplier: the removal is planned, with its date.
    browser.goto("/subprocessors").await;
    assert!(
        browser
            .texts("table.subprocessors tbody tr td:first-child")
            .await
            .contains(&gone),
        "in effect until the date"
    );
    let planned = browser.text(".planned").await;
    assert!(
        planned.contains(&format!("takes effect on {earliest}"))
            && planned.contains(&removal)
            && planned.contains("We move hosting to our other provider."),
        "{planned}"
    );
    fits_800px(&browser, "/subprocessors").await;
    browser.finish().await;
}

/// Waits (at most 10 s, without blocking the runtime the server's sender runs on) until the
/// SMTP server holds `n` messages; fails when it holds another number.
async fn inbox(smtp: &SmtpServer, n: usize) -> Vec<Value> {
    let start = Instant::now();
    while smtp.messages().len() < n && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = smtp.messages();
    assert_eq!(got.len(), n, "the messages received: {got:#?}");
    got
}

/// The link of `message`'s text to `path`, which starts with the server's own address; as a
/// path on it.
fn link(app: &App, message: &Value, path: &str) -> String {
    let base = app.url("");
    let text = message["text"].as_str().unwrap_or_default();
    text.split_whitespace()
        .filter_map(|word| word.strip_prefix(base.as_str()))
        .find(|l| l.starts_with(path))
        .unwrap_or_else(|| panic!("no link to {base}{path} in:\n{text}"))
        .to_string()
}

/// Opens `path` in an 800 px wide window (a tablet) and checks the page itself does not
/// scroll sideways; a wide table may scroll inside its own box.
async fn fits_800px(browser: &Browser, path: &str) {
    browser
        .client()
        .set_window_size(800, 1000)
        .await
        .expect("resize the window");
    browser.goto(path).await;
    let sizes = browser
        .execute(
            "return [window.innerWidth, document.documentElement.scrollWidth - document.documentElement.clientWidth];",
            vec![],
        )
        .await;
    assert!(sizes[0].as_i64().is_some_and(|w| w <= 800), "{sizes}");
    assert_eq!(
        sizes[1].as_i64(),
        Some(0),
        "{path} scrolls sideways at 800 px"
    );
}
