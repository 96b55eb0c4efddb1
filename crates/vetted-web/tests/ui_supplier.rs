//! The supplier page, `GET /suppliers/{id}`: every section of the record, the findings the
//! engine computes (rule id, ISO control, what to do) on today or `as_of`, the change history,
//! and the edit controls only editors see (a viewer's forged post is refused and writes
//! nothing). Archive and restore. Each test runs on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::pages::{Page, Visitor, text};
use vetted_core::engine::evaluate;
use vetted_core::model::SupplierId;
use vetted_core::policy::Policy;
use vetted_core::report::Severity;
use vetted_web::AppState;
use vetted_web::auth::Role;

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

fn id(s: &str) -> SupplierId {
    SupplierId::parse(s).unwrap()
}

async fn version(state: &AppState, s: &str) -> i64 {
    state.store.get_supplier(&id(s)).await.unwrap().version
}

/// The texts of every element matching `css`.
fn texts(page: &Page, css: &str) -> Vec<String> {
    page.all(css).into_iter().map(text).collect()
}

/// The findings table as (rule, severity badge, controls, what to do) per row.
fn finding_rows(page: &Page) -> Vec<(String, String, String, String)> {
    page.all("table.findings tbody tr")
        .into_iter()
        .map(|tr| {
            let cell = |css: &str| {
                let sel = scraper::Selector::parse(css).unwrap();
                tr.select(&sel).next().map(text).unwrap_or_default()
            };
            (
                tr.attr("data-rule").unwrap().to_string(),
                cell(".severity"),
                cell(".controls"),
                cell(".advice"),
            )
        })
        .collect()
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Fail => "Fail",
        Severity::Warn => "Warn",
        Severity::Info => "Info",
    }
}

/// Every supplier's page lists exactly the engine's findings, in its order, with rule id,
/// severity, ISO controls and something to do; the verdict and tier are the engine's.
async fn every_page_shows_the_engines_findings(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let policy = Policy::default();
    let mut seen_findings = 0;
    for stored in state.store.list_suppliers().await.unwrap() {
        let s = &stored.supplier;
        let page = v.get(&format!("/suppliers/{}", s.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", s.id);
        let e = evaluate(s, &policy, today());
        let rows = finding_rows(&page);
        let expected: Vec<(String, String, String)> = e
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule.clone(),
                    severity_label(f.severity).to_string(),
                    f.controls.join(", "),
                )
            })
            .collect();
        let got: Vec<(String, String, String)> = rows
            .iter()
            .map(|(r, s, c, _)| (r.clone(), s.clone(), c.clone()))
            .collect();
        assert_eq!(got, expected, "{}", s.id);
        for (rule, _, _, advice) in &rows {
            assert!(!advice.is_empty(), "{}: {rule} says what to do", s.id);
        }
        assert_eq!(
            page.text_of("#verdict")
                .to_lowercase()
                .replace([' ', '-'], "_"),
            e.verdict.as_str(),
            "{}",
            s.id
        );
        match e.tier {
            Some(t) => assert_eq!(page.text_of("#tier").to_lowercase(), t.as_str()),
            None => assert!(page.text_of("#tier").starts_with("Not rated")),
        }
        seen_findings += rows.len();
    }
    assert!(
        seen_findings > 20,
        "the example register has findings to show"
    );
}

/// A rich supplier shows every section of its record.
async fn the_page_shows_every_section(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let stored = state.store.get_supplier(&id("stratocloud")).await.unwrap();
    let s = &stored.supplier;
    let page = v.get("/suppliers/stratocloud").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text_of("h1"), s.name.clone().unwrap());
    assert_eq!(page.text_of(".supplier-id code"), "stratocloud");
    assert_eq!(page.text_of("#status"), "Active");
    assert_eq!(page.text_of("#category"), "Cloud infrastructure");
    assert_eq!(page.text_of("#owner"), "cto@example.eu");
    assert_eq!(page.text_of("#version"), stored.version.to_string());
    let link = page.one("#website a");
    assert_eq!(link.attr("href"), Some("https://stratocloud.example"));
    assert_eq!(link.attr("rel"), Some("noopener noreferrer"));

    // Services and data.
    assert_eq!(texts(&page, "#services li"), s.services);
    assert_eq!(texts(&page, "#data-categories li"), s.data.categories);
    assert_eq!(page.text_of("#data-personal"), "Yes");
    assert_eq!(page.text_of("#inference"), "No");
    // Locations: one row each, in order.
    let countries: Vec<String> = s.locations.iter().map(|l| l.country.to_string()).collect();
    assert_eq!(texts(&page, "#locations tbody td.country"), countries);
    // Assurance.
    assert_eq!(page.all("#assurance tbody tr").len(), s.assurance.len());
    // Agreements with their clauses, by key.
    assert_eq!(
        page.all("#agreements article.agreement").len(),
        s.agreements.len()
    );
    let clauses: Vec<String> = page
        .all("#agreements article.agreement:nth-of-type(2) li[data-clause]")
        .iter()
        .map(|li| li.attr("data-clause").unwrap().to_string())
        .collect();
    let mut stored_keys: Vec<String> = s.agreements[1].clauses.keys().cloned().collect();
    let mut shown = clauses.clone();
    stored_keys.sort();
    shown.sort();
    assert_eq!(shown, stored_keys);
    assert!(
        text(page.one("#agreements li[data-clause=\"incident_notification\"]"))
            .contains("hours 48")
    );
    // Risk inputs and tier.
    assert_eq!(page.text_of("#risk-business-impact"), "High");
    assert_eq!(page.text_of("#risk-data-access"), "Customer");
    assert_eq!(page.text_of("#risk-replaceability"), "Hard");
    // Assessments, reviews with their four re-checks, events.
    assert_eq!(page.all("#assessments tbody tr").len(), s.assessments.len());
    assert_eq!(page.all("#reviews tbody tr").len(), s.reviews.len());
    assert_eq!(
        page.all("#reviews tbody tr:first-child ul.checks li.done")
            .len(),
        4
    );
    assert_eq!(page.all("#events tbody tr").len(), s.events.len());
    // Subprocessors and the public listing.
    assert_eq!(
        page.all("#subprocessors tbody tr").len(),
        s.subprocessors.list.len()
    );
    assert_eq!(
        page.text_of("#subprocessors-known"),
        "The supplier's subprocessors are known."
    );
    assert_eq!(page.text_of("#listed"), "Yes");
    // History: the import that created it.
    assert_eq!(texts(&page, "#history tbody td.action"), ["Created"]);
    assert_eq!(texts(&page, "#history tbody td.who"), ["Vetted (system)"]);
    // Headings in order: one h1, sections h2.
    assert_eq!(page.all("h1").len(), 1);
    assert!(
        page.all("main section > .section-head > h2, main section > h2")
            .len()
            >= 12
    );

    // Risks: a supplier that has some.
    let helpdeck = state.store.get_supplier(&id("helpdeck")).await.unwrap();
    let page = v.get("/suppliers/helpdeck").await;
    assert_eq!(
        page.all("#risks tbody tr").len(),
        helpdeck.supplier.risks.len()
    );
    assert!(page.text_of("#risks tbody tr").contains("R-21"));
}

/// `?as_of=` evaluates on that day: the findings change with it, and are the engine's.
async fn as_of_changes_the_findings(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let s = state
        .store
        .get_supplier(&id("stratocloud"))
        .await
        .unwrap()
        .supplier;
    let policy = Policy::default();
    let rules =
        |page: &Page| -> Vec<String> { finding_rows(page).into_iter().map(|r| r.0).collect() };
    let engine = |day: time::Date| -> Vec<String> {
        evaluate(&s, &policy, day)
            .findings
            .into_iter()
            .map(|f| f.rule)
            .collect()
    };
    let now = v.get("/suppliers/stratocloud").await;
    let later_day = time::Date::from_calendar_date(2029, time::Month::June, 1).unwrap();
    let later = v.get("/suppliers/stratocloud?as_of=2029-06-01").await;
    assert_eq!(later.status, StatusCode::OK);
    assert_eq!(rules(&now), engine(today()));
    assert_eq!(rules(&later), engine(later_day));
    assert_ne!(
        rules(&now),
        rules(&later),
        "the certificate has lapsed by 2029"
    );
    assert!(rules(&later).contains(&"selection.assurance".to_string()));
    assert_eq!(later.text_of("#findings-title"), "Findings on 2029-06-01");
    assert_eq!(later.one("#as_of").attr("value"), Some("2029-06-01"));

    let bad = v.get("/suppliers/stratocloud?as_of=2029-02-30").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.content_type.starts_with("text/html"));
    assert_eq!(
        v.get("/suppliers/nobody").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Editors see the edit, add, delete and archive controls; a viewer sees none, and a
/// viewer's forged posts are refused with nothing written.
async fn only_editors_see_edit_controls(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let controls = "a[href$=\"/edit\"], a[href$=\"/new\"], form[action$=\"/delete\"], form[action$=\"/archive\"], form[action$=\"/restore\"]";
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let page = editor.get("/suppliers/stratocloud").await;
    assert!(
        page.all(controls).len() > 20,
        "edit controls for each record"
    );
    assert!(page.has("#archive[data-confirm]"));
    assert!(
        page.has("form[action=\"/suppliers/stratocloud/locations/0/delete\"] button[data-confirm]")
    );
    assert!(page.has("a[href=\"/suppliers/stratocloud/assurance/0/edit\"]"));
    assert!(page.has("a[href=\"/suppliers/stratocloud/risk/edit\"]"));

    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let page = viewer.get("/suppliers/stratocloud").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.all(controls).is_empty(),
        "a viewer sees no edit controls"
    );
    // The only post form a viewer gets is signing out.
    let posts: Vec<_> = page
        .all("form[method=\"post\"]")
        .iter()
        .map(|f| f.attr("action").unwrap().to_string())
        .collect();
    assert_eq!(posts, ["/logout"]);

    let before = state.store.get_supplier(&id("stratocloud")).await.unwrap();
    let v = before.version.to_string();
    for (uri, fields) in [
        (
            "/suppliers/stratocloud/locations/0/delete",
            vec![("version", v.as_str())],
        ),
        (
            "/suppliers/stratocloud/locations/0/edit",
            vec![
                ("version", v.as_str()),
                ("country", "US"),
                ("purpose", "storage"),
            ],
        ),
        (
            "/suppliers/stratocloud/archive",
            vec![("version", v.as_str())],
        ),
        ("/suppliers/new", vec![("id", "forged")]),
    ] {
        let page = viewer.post(uri, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(page.content_type.starts_with("text/html"), "{uri}");
    }
    assert_eq!(
        state.store.get_supplier(&id("stratocloud")).await.unwrap(),
        before
    );
    assert!(
        state
            .store
            .find_supplier(&id("forged"))
            .await
            .unwrap()
            .is_none()
    );
}

/// Archive and restore, each under the version read; a stale one is explained (409) and
/// can be done again on the current version.
async fn archive_and_restore(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let old = version(&state, "helpdeck").await.to_string();
    let done = editor
        .post("/suppliers/helpdeck/archive", &[("version", &old)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        done.location.as_deref(),
        Some("/suppliers/helpdeck?notice=archived#top")
    );
    assert!(
        state
            .store
            .get_supplier(&id("helpdeck"))
            .await
            .unwrap()
            .archived
    );
    let page = editor.get("/suppliers/helpdeck?notice=archived").await;
    assert_eq!(page.text_of(".notice"), "The supplier is archived.");
    assert!(page.has("#archived"));
    assert!(page.has("#restore"));
    assert!(!page.has("#archive"));

    // With the version read before archiving: refused, explained, and offered again.
    let refused = editor
        .post("/suppliers/helpdeck/restore", &[("version", &old)])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .text_of("[role=alert]")
            .contains("Someone else changed the supplier")
    );
    let retry = refused.one("form[action=\"/suppliers/helpdeck/restore\"] input[name=\"version\"]");
    let now = version(&state, "helpdeck").await;
    assert_eq!(retry.attr("value"), Some(now.to_string().as_str()));
    assert!(
        state
            .store
            .get_supplier(&id("helpdeck"))
            .await
            .unwrap()
            .archived
    );
    let restored = editor
        .post(
            "/suppliers/helpdeck/restore",
            &[("version", &now.to_string())],
        )
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER);
    assert!(
        !state
            .store
            .get_supplier(&id("helpdeck"))
            .await
            .unwrap()
            .archived
    );
    let page = editor.get("/suppliers/helpdeck").await;
    assert_eq!(
        texts(&page, "#history tbody td.action"),
        ["Restored", "Archived", "Created"]
    );
    assert_eq!(
        texts(&page, "#history tbody td.who")[0],
        "editor@example.org"
    );
}

/// The website is a link only for http(s) addresses; anything else is shown as text.
async fn only_web_addresses_are_links(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let created = editor
        .post(
            "/suppliers/new",
            &[("id", "scripted"), ("website", "javascript:alert(1)")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let page = editor.get("/suppliers/scripted").await;
    assert!(!page.has("#website a"));
    assert_eq!(page.text_of("#website"), "javascript:alert(1)");
    // No name: the id is the heading.
    assert_eq!(page.text_of("h1"), "scripted");
}

on_both_backends!(
    every_page_shows_the_engines_findings,
    the_page_shows_every_section,
    as_of_changes_the_findings,
    only_editors_see_edit_controls,
    archive_and_restore,
    only_web_addresses_are_links,
);
