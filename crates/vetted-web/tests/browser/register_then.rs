//! Journey: an editor looks at the register as it was recorded at an earlier moment. After
//! the moment a supplier is renamed; the dashboard's picker set to that moment shows the
//! read-only banner, the register then holds the old name and links to the supplier as it was,
//! the supplier page then has no edit control (even for an editor), and "Back to today" shows
//! the new name again.

use vetted_core::audit::Actor;
use vetted_store::Change;
use vetted_web::auth::Role;

use crate::harness::{App, Browser};
use crate::test_name;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_reads_the_register_as_it_was_before_a_rename() {
    let app = App::with_example_register().await;
    let editor = app.add_user(Role::Editor).await;

    // The moment: a whole second after the import (the picker has seconds), then the rename.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let moment = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let stored = app.supplier("stratocloud").await.expect("in the example");
    let mut renamed = stored.supplier.clone();
    renamed.name = Some("Stratocloud renamed later".into());
    app.state
        .store
        .update_supplier(&renamed, stored.version, &Change::now(Actor::System))
        .await
        .expect("the rename");

    let browser = Browser::open(&app, &test_name!()).await;
    browser.sign_in(&editor.email, &editor.password).await;
    browser.wait_for_path("/").await;
    assert!(!browser.has("#past-banner").await, "today: no banner");

    let picked = moment
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]"
        ))
        .unwrap();
    browser.fill("#at", &picked).await;
    browser.click("#at-form button[type='submit']").await;
    browser.wait_for("#past-banner").await;
    assert!(
        browser.text("#past-banner").await.contains("read only"),
        "the banner says what the page is"
    );

    // The register then, reached from the dashboard, keeps the moment and the old name.
    browser.click("#total-suppliers").await;
    browser.wait_for("table#register").await;
    assert!(browser.path().await.starts_with("/suppliers?"));
    assert!(browser.has("#past-banner").await);
    let row = "table#register tbody tr[data-id='stratocloud']";
    assert!(
        browser
            .text(row)
            .await
            .contains("Stratocloud EMEA S.à r.l."),
        "the name then"
    );
    assert!(
        !browser.has("a[href='/suppliers/new']").await,
        "no new supplier then"
    );

    // The supplier then: the old name, no form that writes, even for an editor.
    browser.click(&format!("{row} a")).await;
    browser.wait_for("#past-banner").await;
    assert_eq!(browser.text("main h1").await, "Stratocloud EMEA S.à r.l.");
    assert_eq!(
        browser.texts("main form[method='post'] button").await,
        Vec::<String>::new(),
        "no edit, archive or delete on a past page"
    );

    // Back to today: the new name.
    browser.click("#back-to-today").await;
    browser.wait_for_path("/suppliers/stratocloud").await;
    assert!(!browser.has("#past-banner").await);
    assert_eq!(browser.text("main h1").await, "Stratocloud renamed later");
    browser.finish().await;
}
