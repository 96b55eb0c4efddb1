//! Journey 3: an editor notes the dashboard's count of overdue reviews, follows it to the due
//! queue and opens an overdue supplier, records today's review with the four re-checks ticked
//! (the review form), sees `review.overdue` no longer failing on the supplier page, and back on
//! the dashboard the count has dropped by one.

use time::OffsetDateTime;
use vetted_web::auth::Role;

use crate::harness::{App, Browser};
use crate::test_name;

/// The dashboard's link counting the overdue reviews (its `data-value` is the number).
const OVERDUE_COUNT: &str = "#due-summary tr[data-rule='review.overdue'] a";

/// The overdue reviews the dashboard counts.
async fn overdue_on_dashboard(browser: &Browser) -> usize {
    let value = browser
        .attr(OVERDUE_COUNT, "data-value")
        .await
        .expect("the count's data-value");
    assert_eq!(
        browser.text(OVERDUE_COUNT).await,
        value,
        "the number shown is the number counted"
    );
    value.parse().expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_a_review_clears_an_overdue_supplier() {
    let app = App::with_example_register().await;
    let editor = app.add_user(Role::Editor).await;
    let browser = Browser::open(&app, &test_name!()).await;
    browser.sign_in(&editor.email, &editor.password).await;

    // The dashboard counts the overdue reviews; the example register has some.
    browser.wait_for_path("/").await;
    assert_eq!(
        browser
            .text("#due-summary tr[data-rule='review.overdue'] th")
            .await,
        "Reviews overdue"
    );
    let overdue = overdue_on_dashboard(&browser).await;
    assert!(overdue > 0, "the example register has overdue reviews");
    browser.screenshot("dashboard-before").await;

    // The count leads to the due queue, which lists as many.
    browser.click(OVERDUE_COUNT).await;
    browser.wait_for_path("/due?rule=review.overdue").await;
    let rows = "#due tbody tr[data-rule='review.overdue']";
    browser.wait_for(rows).await;
    assert_eq!(browser.count(rows).await, overdue);
    assert_eq!(browser.count("#due tbody tr").await, overdue);
    let first = format!("{rows}:first-child");
    let id = browser
        .attr(&first, "data-supplier")
        .await
        .expect("the row's supplier");
    let name = browser.text(&format!("{first} th a")).await;

    // Its supplier page says why.
    browser.click_link(&name).await;
    browser.wait_for_path(&format!("/suppliers/{id}")).await;
    assert_eq!(browser.text("main h1").await, name);
    let finding = "table.findings tr[data-rule='review.overdue']";
    assert_eq!(browser.text(&format!("{finding} .severity")).await, "Fail");
    let reviews_before = browser.count("#reviews tbody tr").await;

    // Today's review, complete: all four re-checks.
    let today = OffsetDateTime::now_utc().date().to_string();
    browser.click_button("Record a review").await;
    browser
        .wait_for_path(&format!("/suppliers/{id}/reviews/new"))
        .await;
    assert_eq!(browser.text("main h1").await, "Add a review");
    browser.fill("Date", &today).await;
    browser.fill("Reviewer", &editor.email).await;
    browser.select("Trigger", "Scheduled").await;
    browser.select("Outcome", "Pass").await;
    for check in [
        "Assurance: certificates and reports are current",
        "DPA: an agreement with the GDPR Art. 28 terms is in force",
        "Residency: every location is in an allowed country",
        "Risk: the risk inputs and the tier still hold",
    ] {
        browser.check(check).await;
    }
    browser
        .fill("Notes", "Annual review, all re-checks done.")
        .await;
    browser.click_button("Add the review").await;

    // Back on the supplier page: the review is listed and the rule holds.
    browser.wait_for_path(&format!("/suppliers/{id}")).await;
    assert_eq!(browser.text("p.notice").await, "Saved.");
    assert_eq!(browser.count("#reviews tbody tr").await, reviews_before + 1);
    let added = format!("#reviews tbody tr:nth-child({})", reviews_before + 1);
    assert_eq!(browser.text(&format!("{added} td")).await, today);
    assert_eq!(
        browser.count(&format!("{added} ul.checks li.done")).await,
        4
    );
    assert!(!browser.has(finding).await, "review.overdue holds again");
    assert!(
        !browser
            .has("table.findings tr[data-rule='review.incomplete']")
            .await
    );
    browser.screenshot("reviewed").await;
    let stored = app.supplier(&id).await.expect("the supplier");
    assert_eq!(
        stored.supplier.reviews.last().map(|r| r.date.to_string()),
        Some(today)
    );

    // The dashboard counts one fewer.
    browser.click_link("Dashboard").await;
    browser.wait_for_path("/").await;
    assert_eq!(overdue_on_dashboard(&browser).await, overdue - 1);
    browser.finish().await;
}
