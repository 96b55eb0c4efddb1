//! The pages that read the register, with `?at=` (issue 7): the register as recorded at a past
//! moment, on both backends. After the moment a supplier is renamed, two are archived, one is
//! created and a risk is closed; at the moment the register list, the supplier page, the due
//! queue, the dashboard and the risk pages show the old values, under a read-only banner with
//! a way back to today, without any edit control (even for an editor), with links that keep
//! the moment; a bad or future moment is the page's 400 naming `at`.

mod common;

use axum::http::StatusCode;
use common::pages::{Page, Visitor, text};
use common::{Backend, get, json};
use vetted_core::audit::Actor;
use vetted_core::model::{RiskStatus, SupplierId};
use vetted_store::Change;
use vetted_web::AppState;
use vetted_web::auth::Role;

fn id(s: &str) -> SupplierId {
    SupplierId::parse(s).unwrap()
}

fn pause(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

/// The row ids of a register page, in order.
fn row_ids(page: &Page) -> Vec<String> {
    page.all("table#register tbody tr")
        .iter()
        .map(|r| r.attr("data-id").unwrap().to_string())
        .collect()
}

/// The changes made after the moment.
async fn change_after(state: &AppState) {
    let store = &state.store;
    let now = || Change::now(Actor::System);
    let stored = store.get_supplier(&id("stratocloud")).await.unwrap();
    let mut s = stored.supplier.clone();
    s.name = Some("Stratocloud renamed later".into());
    store
        .update_supplier(&s, stored.version, &now())
        .await
        .unwrap();
    for gone in ["kestrel-cloud", "azur-models"] {
        let v = store.get_supplier(&id(gone)).await.unwrap().version;
        store.archive_supplier(&id(gone), v, &now()).await.unwrap();
    }
    let mut created = store.get_supplier(&id("vektora")).await.unwrap().supplier;
    created.id = id("created-later");
    created.name = Some("Created later".into());
    store.create_supplier(&created, &now()).await.unwrap();
    let stored = store.get_supplier(&id("frontier-reasoning")).await.unwrap();
    let mut s = stored.supplier.clone();
    let r = s
        .risks
        .iter_mut()
        .find(|r| r.id.as_deref() == Some("R-07"))
        .unwrap();
    r.status = Some(RiskStatus::Closed);
    r.title = Some("Closed later".into());
    store
        .update_supplier(&s, stored.version, &now())
        .await
        .unwrap();
}

/// The banner of a past page, and that it offers no edit: no post form in the page's content
/// and none of the pages' edit controls.
fn read_only_past(page: &Page, back: &str) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let banner = page.text_of("#past-banner");
    assert!(
        banner.contains("The register as recorded at") && banner.contains("read only"),
        "{banner}"
    );
    assert!(banner.contains("policy"), "{banner}");
    assert_eq!(page.one("#back-to-today").attr("href"), Some(back));
    assert!(
        page.all("main form[method=post]").is_empty(),
        "a past page has no form that writes"
    );
    for edit in [
        "#new-supplier",
        "#edit-supplier",
        "#start-review",
        "#archive",
        "#new-risk",
        "#edit-risk",
        "a.action",
        "a.open-risk",
        "a.edit",
        "a.edit-link",
    ] {
        assert!(!page.has(edit), "no `{edit}` on a past page");
    }
}

/// Every link of the page's content to another page of the register keeps `at`.
fn links_keep_at(page: &Page) {
    let mut n = 0;
    for a in page.all("main a[href]") {
        let href = a.attr("href").unwrap();
        let to_register = ["/suppliers", "/due", "/risks"]
            .iter()
            .any(|p| href.starts_with(p))
            && !href.contains("/export.")
            && !href.contains("/documents/");
        if to_register && a.attr("id") != Some("back-to-today") {
            assert!(href.contains("at="), "`{href}` keeps the moment");
            n += 1;
        }
    }
    for a in page.all("header nav a[href]") {
        let href = a.attr("href").unwrap();
        if ["/", "/suppliers", "/due", "/risks"]
            .iter()
            .any(|p| href.split('?').next() == Some(p))
        {
            assert!(href.contains("at="), "the menu's `{href}` keeps the moment");
        }
    }
    let _ = n;
}

async fn pages_at_a_past_moment_show_the_register_recorded_then(backend: Backend) {
    let (_db, state) = backend.state().await;
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    // The moment, as a browser's `datetime-local` input sends it (whole seconds, UTC): after
    // the import, before the changes.
    pause(1_100);
    let moment = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]"
        ))
        .unwrap();
    let at = format!("at={moment}");
    let then = {
        let app = common::app(state.clone(), Some(Role::Viewer));
        json(
            get(&app, "/api/v1/suppliers?limit=1000").await,
            StatusCode::OK,
        )
        .await
    };
    pause(20);
    change_after(&state).await;

    // The register list: the old name, the suppliers archived since, not the one created
    // since; the same rows as the API's list at the moment.
    for v in [&viewer, &editor] {
        let page = v.get(&format!("/suppliers?{at}&limit=1000")).await;
        read_only_past(&page, "/suppliers?limit=1000");
        links_keep_at(&page);
        let ids = row_ids(&page);
        let expected: Vec<String> = then["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, expected, "the register as it was");
        assert!(ids.contains(&"kestrel-cloud".to_string()));
        assert!(!ids.contains(&"created-later".to_string()));
        assert_eq!(
            text(page.one("tr[data-id=stratocloud] th a")),
            "Stratocloud EMEA S.à r.l."
        );
        assert!(page.has("form#filters input[name=at][type=datetime-local]"));
        assert_eq!(
            page.one("form#filters input[name=at]").attr("value"),
            Some(moment.as_str())
        );
    }
    // Today: the changes show and no banner.
    let page = editor.get("/suppliers?limit=1000").await;
    assert!(!page.has("#past-banner"));
    assert!(page.has("#new-supplier"));
    let ids = row_ids(&page);
    assert!(!ids.contains(&"kestrel-cloud".to_string()));
    assert!(ids.contains(&"created-later".to_string()));
    assert_eq!(
        text(page.one("tr[data-id=stratocloud] th a")),
        "Stratocloud renamed later"
    );
    // A filter applies to the register then: the archived view then holds none.
    let page = viewer.get(&format!("/suppliers?{at}&archived=true")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(row_ids(&page).is_empty());

    // The supplier page: its record then, its version then, no edit control.
    let page = editor.get(&format!("/suppliers/stratocloud?{at}")).await;
    read_only_past(&page, "/suppliers/stratocloud");
    links_keep_at(&page);
    assert_eq!(page.text_of("h1"), "Stratocloud EMEA S.à r.l.");
    assert_eq!(page.text_of("#version"), "1");
    let page = editor.get("/suppliers/stratocloud").await;
    assert_eq!(page.text_of("h1"), "Stratocloud renamed later");
    assert!(page.has("#edit-supplier"));
    // Archived since: in the register then.
    let page = viewer.get(&format!("/suppliers/kestrel-cloud?{at}")).await;
    read_only_past(&page, "/suppliers/kestrel-cloud");
    assert!(!page.has("#archived"));
    assert!(
        viewer
            .get("/suppliers/kestrel-cloud")
            .await
            .has("#archived")
    );
    // Created since: not there then.
    let page = viewer.get(&format!("/suppliers/created-later?{at}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text.contains("had not been created"), "{}", page.text);

    // The due queue: the suppliers then, no actions.
    let page = editor.get(&format!("/due?{at}&within=90d")).await;
    read_only_past(&page, "/due?within=90d");
    links_keep_at(&page);
    let due: Vec<String> = page
        .all("table#due tbody tr")
        .iter()
        .map(|r| r.attr("data-supplier").unwrap().to_string())
        .collect();
    assert!(!due.contains(&"created-later".to_string()));
    let now = editor.get("/due?within=90d").await;
    assert!(now.has("a.action"), "editors act on today's queue");
    assert!(
        !now.all("table#due tbody tr")
            .iter()
            .any(|r| r.attr("data-supplier") == Some("kestrel-cloud"))
    );
    // Its filter form keeps the moment.
    assert!(page.has("form#due-filters input[type=hidden][name=at]"));

    // The dashboard: the number of suppliers then, its moment picker.
    let page = editor.get(&format!("/?{at}")).await;
    read_only_past(&page, "/");
    links_keep_at(&page);
    let total = |p: &Page| {
        p.one("#total-suppliers")
            .attr("data-value")
            .unwrap()
            .to_string()
    };
    assert_eq!(total(&page), then["total"].to_string());
    assert!(page.has("form#at-form input[name=at][type=datetime-local]"));
    let today = editor.get("/").await;
    assert_eq!(
        total(&today).parse::<u64>().unwrap() + 1,
        then["total"].as_u64().unwrap(),
        "two archived, one created since"
    );
    assert!(today.has("form#at-form") && !today.has("#past-banner"));

    // The risk register and one risk: R-07 as it was.
    let page = editor.get(&format!("/risks?{at}")).await;
    read_only_past(&page, "/risks");
    links_keep_at(&page);
    let title = page.text_of("tr[data-risk=R-07] td.title");
    assert!(!title.contains("Closed later"), "{title}");
    assert!(page.has("tr[data-risk=R-21]"));
    let now = editor.get("/risks").await;
    assert!(
        now.text_of("tr[data-risk=R-07] td.title")
            .contains("Closed later")
    );
    assert!(now.has("#new-risk"));
    let page = editor.get(&format!("/risks/R-07?{at}")).await;
    read_only_past(&page, "/risks/R-07");
    links_keep_at(&page);
    assert!(!page.text_of("h1").contains("Closed later"));
    assert_ne!(page.text_of("#status"), "Closed");
    let now = editor.get("/risks/R-07").await;
    assert_eq!(now.text_of("#status"), "Closed");
    assert!(now.has("#edit-risk"));

    // The same moment in RFC 3339 reads the same register.
    let rfc = format!("{moment}Z");
    let page = viewer
        .get(&format!("/suppliers?at={}&limit=1000", urlencode(&rfc)))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(row_ids(&page).len() as u64, then["total"].as_u64().unwrap());

    // A bad or future moment: the page's 400, naming `at`.
    for uri in [
        "/suppliers?at=2999-01-01".to_string(),
        "/suppliers?at=last-tuesday".to_string(),
        "/due?at=2999-01-01T00:00".to_string(),
        "/?at=2999-01-01".to_string(),
        "/suppliers/stratocloud?at=soon".to_string(),
        "/risks?at=2999-01-01".to_string(),
        "/risks/R-07?at=2999-01-01".to_string(),
    ] {
        let page = viewer.get(&uri).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}: {}", page.text);
        let main = page.text_of("main");
        assert!(
            main.contains("at") && (main.contains("future") || main.contains("not a time")),
            "{uri}: {main}"
        );
    }
    let page = viewer.get("/suppliers?at=2999-01-01").await;
    assert!(page.has("#at-error"), "the register shows it at its field");
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

on_both_backends!(pages_at_a_past_moment_show_the_register_recorded_then);
