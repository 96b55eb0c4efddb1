//! Journey: an auditor with a viewer's account opens "Audit report" from the menu, reads the
//! summary of the ISO 27001 A.5.19–5.23 report, narrows the period with the form, follows a
//! figure to the suppliers behind it, and from there opens one supplier's record as it was at
//! the period's end.

use vetted_web::auth::Role;

use crate::harness::{App, Browser};
use crate::test_name;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_reads_the_report_and_follows_a_figure_to_a_record() {
    let app = App::with_example_register().await;
    let auditor = app.add_user(Role::Viewer).await;
    let browser = Browser::open(&app, &test_name!()).await;
    browser.sign_in(&auditor.email, &auditor.password).await;
    browser.wait_for_path("/").await;

    browser.click_link("Audit report").await;
    browser.wait_for_path("/reports/iso27001").await;
    assert_eq!(
        browser.text("h1").await,
        "Supplier security: ISO/IEC 27001:2022 A.5.19–A.5.23"
    );
    assert_eq!(
        browser.texts("section.control > h2").await[..5],
        [
            "A.5.19 Information security in supplier relationships",
            "A.5.20 Addressing information security within supplier agreements",
            "A.5.21 Managing information security in the ICT supply chain",
            "A.5.22 Monitoring, review and change management of supplier services",
            "A.5.23 Information security for use of cloud services",
        ]
    );
    let in_scope = browser.text(".summary a[href='#fig-in_scope'] .v").await;
    assert!(in_scope.parse::<usize>().unwrap() > 10, "{in_scope}");

    // The period's form: from the first of this year (the register was recorded today).
    let today = time::OffsetDateTime::now_utc().date();
    let from = format!("{}-01-01", today.year());
    browser.fill("From", &from).await;
    browser.click_button("Show").await;
    let to = vetted_core::date::format_date(today);
    browser
        .wait_for_path(&format!("/reports/iso27001?from={from}&to={to}"))
        .await;
    assert!(
        browser
            .text("dl.meta dd")
            .await
            .starts_with(&format!("{from} to {to}"))
    );

    // A figure leads to the suppliers it counts, and one of them to its record.
    browser
        .click(".summary a[href='#fig-current_assurance']")
        .await;
    let listed = browser.count("#fig-current_assurance li a").await;
    assert!(listed > 0);
    let name = browser
        .text("#fig-current_assurance li:first-child a")
        .await;
    browser
        .click("#fig-current_assurance li:first-child a")
        .await;
    browser.wait_for("main h1").await;
    assert!(browser.path().await.starts_with("/suppliers/"));
    assert_eq!(browser.text("main h1").await, name);
    browser.finish().await;
}
