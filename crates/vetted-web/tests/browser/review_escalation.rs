//! Journey 6: an editor follows the dashboard's "failing without an escalation" to a supplier,
//! starts its review from the supplier page, ticks the four re-checks with the evidence beside
//! them, records the outcome `escalate` (which opens a risk), lands on the supplier page with
//! the next review date moved and `escalation.risk` answered, and finds the risk in the risk
//! register, linked to the supplier. Keyboard: the review form's submit button is reached with
//! Tab.

use time::OffsetDateTime;
use vetted_core::date::add_months;
use vetted_web::auth::Role;

use crate::harness::{App, Browser};
use crate::test_name;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_that_escalates_opens_a_risk() {
    let app = App::with_example_register().await;
    let editor = app.add_user(Role::Editor).await;
    let browser = Browser::open(&app, &test_name!()).await;
    browser.sign_in(&editor.email, &editor.password).await;
    browser.wait_for_path("/").await;

    // The dashboard names corpora-data among the failing suppliers without an escalation.
    let flagged = "#unescalated li[data-id='corpora-data']";
    browser.wait_for(flagged).await;
    browser.click(&format!("{flagged} a")).await;
    browser.wait_for_path("/suppliers/corpora-data").await;
    assert!(
        browser
            .has("table.findings tr[data-rule='escalation.risk']")
            .await
    );

    browser.click_button("Start review").await;
    browser
        .wait_for_path("/suppliers/corpora-data/review")
        .await;
    assert_eq!(browser.text("main h1").await, "Review Corpora Data OÜ");
    assert!(
        browser
            .has("#required-clauses li.missing[data-clause='data_sourcing_transparency']")
            .await
    );
    browser.screenshot("review-form").await;
    for check in [
        "Assurance: certificates and reports are current",
        "DPA: an agreement with the GDPR Art. 28 terms is in force",
        "Residency: every location is in an allowed country",
        "Risk: the risk inputs and the tier still hold",
    ] {
        browser.check(check).await;
    }
    browser.select("Outcome", "Escalate").await;
    browser
        .fill("Notes", "The contract lacks the sourcing clause.")
        .await;
    browser
        .fill("New risk's title", "Sourcing transparency clause missing")
        .await;
    browser.tab_to("#record-review").await;
    browser.press(fantoccini::key::Key::Enter).await;

    browser.wait_for_path("/suppliers/corpora-data").await;
    assert_eq!(
        browser.text("p.notice").await,
        "The review is recorded. The next review date below follows from it."
    );
    let today = OffsetDateTime::now_utc().date();
    assert_eq!(
        browser.text("#next-review time").await,
        add_months(today, 12).to_string()
    );
    assert!(
        !browser
            .has("table.findings tr[data-rule='escalation.risk']")
            .await
    );

    // The risk is in the register, linked to the supplier, owned by the reviewer.
    browser.click_link("Risks").await;
    browser.wait_for_path("/risks").await;
    let row = "#risks tr[data-risk='R-23']";
    browser.wait_for(row).await;
    assert_eq!(
        browser.text(&format!("{row} td.title")).await,
        "Sourcing transparency clause missing"
    );
    assert_eq!(
        browser.text(&format!("{row} td.treatment")).await,
        "Escalate"
    );
    assert_eq!(browser.text(&format!("{row} td.owner")).await, editor.email);
    browser.screenshot("risks").await;

    // On a tablet (800 px wide) the register and the review form still fit: no sideways
    // scrolling of the page itself.
    for path in ["/risks", "/suppliers/corpora-data/review", "/risks/R-23"] {
        // (A screenshot sets the window back to its 1280 px, so this is sized each time.)
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
    browser.finish().await;
}
