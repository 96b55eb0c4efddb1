//! The dashboard (`/`) on the example register, on both backends: its numbers equal the API's
//! summary and due list and the engine's findings; every number and bar leads to a view with
//! as many rows; it follows writes of another server; its snapshot is built once for many
//! requests at a time.

mod common;

use std::collections::HashMap;

use axum::http::StatusCode;
use common::pages::{Page, Visitor, text};
use common::{Backend, Guard, get, json};
use vetted_core::audit::Actor;
use vetted_core::model::{Status, SupplierId, Verdict};
use vetted_core::policy::Policy;
use vetted_core::report::Severity;
use vetted_store::Change;
use vetted_web::auth::Role;
use vetted_web::{AppState, WebConfig};

/// The number an element says, from its `data-value` (the same as its text).
fn value(page: &Page, css: &str) -> u64 {
    let e = page.one(css);
    let v: u64 = e.attr("data-value").unwrap().parse().unwrap();
    assert_eq!(
        text(e)
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap(),
        v,
        "{css}: the text says the number"
    );
    v
}

/// The total a register or due page says it shows.
fn total(page: &Page) -> u64 {
    page.one("#result-count")
        .attr("data-total")
        .unwrap()
        .parse()
        .unwrap()
}

async fn api(state: &AppState, uri: &str) -> serde_json::Value {
    let app = common::app(state.clone(), Some(Role::Viewer));
    json(get(&app, uri).await, StatusCode::OK).await
}

async fn the_numbers_are_the_apis_and_the_engines(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/").await;
    assert_eq!(page.status, StatusCode::OK);

    let summary = api(&state, "/api/v1/evaluation/summary").await;
    assert_eq!(value(&page, "#total-suppliers"), summary["suppliers"]);
    for verdict in Verdict::ALL {
        assert_eq!(
            value(
                &page,
                &format!("#verdict-stats a[data-key={}]", verdict.as_str())
            ),
            summary["verdicts"][verdict.as_str()],
            "{verdict}"
        );
    }
    for tier in ["critical", "high", "medium", "low", "none"] {
        assert_eq!(
            value(&page, &format!("#tier-stats a[data-key={tier}]")),
            summary["tiers"][tier],
            "{tier}"
        );
    }
    assert!(
        page.text_of("#dashboard-summary")
            .contains(&format!("{} failing", summary["failing"])),
        "{}",
        page.text_of("#dashboard-summary")
    );

    // What is due: the API's due list (the policy's window) counted by rule.
    let due = api(&state, "/api/v1/due").await;
    let items = due["items"].as_array().unwrap();
    assert_eq!(value(&page, "#due-total"), items.len() as u64);
    let mut by_rule: HashMap<&str, u64> = HashMap::new();
    for item in items {
        *by_rule.entry(item["rule"].as_str().unwrap()).or_default() += 1;
    }
    let lines = page.all("#due-summary tbody tr");
    assert_eq!(lines.len(), 8);
    for line in lines {
        let rule = line.attr("data-rule").unwrap();
        let shown = value(&page, &format!("#due-summary tr[data-rule=\"{rule}\"] a"));
        assert_eq!(shown, by_rule.get(rule).copied().unwrap_or(0), "{rule}");
    }
    assert!(by_rule.len() >= 3, "the example has several kinds due");

    // Ineligible and unescalated suppliers, and the failing rules: the engine's findings.
    let policy = Policy::default();
    let today = time::OffsetDateTime::now_utc().date();
    let mut ineligible = Vec::new();
    let mut unescalated = Vec::new();
    let mut rules: HashMap<String, u64> = HashMap::new();
    for s in common::example_register().suppliers {
        let e = vetted_core::engine::evaluate(&s, &policy, today);
        let mut failing: Vec<&str> = e
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Fail)
            .map(|f| f.rule.as_str())
            .collect();
        failing.sort_unstable();
        failing.dedup();
        let model: Vec<&str> = failing
            .iter()
            .copied()
            .filter(|r| r.starts_with("model."))
            .collect();
        if !model.is_empty() {
            ineligible.push((s.id.to_string(), model.join(", ")));
        }
        if failing.contains(&"escalation.risk") {
            unescalated.push(s.id.to_string());
        }
        for r in failing {
            *rules.entry(r.to_string()).or_default() += 1;
        }
    }
    assert!(!ineligible.is_empty() && !unescalated.is_empty());
    assert_eq!(value(&page, "#ineligible-total"), ineligible.len() as u64);
    for (id, model_rules) in &ineligible {
        let item = page.one(&format!("#ineligible li[data-id=\"{id}\"]"));
        let named: Vec<String> = item
            .select(&scraper::Selector::parse("code").unwrap())
            .map(text)
            .collect();
        assert_eq!(named.join(", "), *model_rules, "{id}");
    }
    assert_eq!(value(&page, "#unescalated-total"), unescalated.len() as u64);
    let listed: Vec<&str> = page
        .all("#unescalated li")
        .iter()
        .map(|li| li.attr("data-id").unwrap())
        .collect();
    assert_eq!(listed, unescalated[..unescalated.len().min(10)]);

    let mut expected: Vec<(String, u64)> = rules.into_iter().collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    expected.truncate(10);
    let shown: Vec<(String, u64)> = page
        .all("#rules-table tbody tr")
        .iter()
        .map(|tr| {
            let rule = tr.attr("data-rule").unwrap().to_string();
            let n = value(&page, &format!("#rules-table tr[data-rule=\"{rule}\"] a"));
            (rule, n)
        })
        .collect();
    assert_eq!(shown, expected);
    // The chart draws the same rules, longest bar first.
    let bars = page.all("#rules-chart a");
    assert_eq!(bars.len(), expected.len());
    for (bar, (rule, n)) in bars.iter().zip(&expected) {
        assert_eq!(
            bar.attr("aria-label"),
            Some(format!("{rule}: {n} suppliers").as_str())
        );
    }
}

/// Every link of the dashboard that carries a number, with the number.
fn counted_links(page: &Page) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for a in page.all("a[data-value]") {
        out.push((
            a.attr("href").unwrap().to_string(),
            a.attr("data-value").unwrap().parse().unwrap(),
        ));
    }
    // The tier chart's pieces: "High, compliant: 3 suppliers".
    for a in page.all("#tier-chart a") {
        let title = page_title(a);
        if let Some(n) = title
            .rsplit_once(": ")
            .and_then(|(_, n)| n.split_whitespace().next())
            .and_then(|n| n.parse().ok())
        {
            out.push((a.attr("href").unwrap().to_string(), n));
        }
    }
    out
}

/// The accessible name of a chart link: its `<title>`, else its `aria-label`.
fn page_title(a: scraper::ElementRef<'_>) -> String {
    a.select(&scraper::Selector::parse("title").unwrap())
        .next()
        .map(text)
        .or_else(|| a.attr("aria-label").map(String::from))
        .unwrap_or_default()
}

async fn every_number_leads_to_a_view_of_as_many_rows(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/").await;
    let links = counted_links(&page);
    assert!(links.len() > 40, "{}", links.len());
    let mut register = 0;
    let mut due = 0;
    let mut chart = 0;
    for (href, n) in &links {
        let view = v.get(href).await;
        assert_eq!(view.status, StatusCode::OK, "{href}");
        assert_eq!(total(&view), *n, "{href}");
        if href.starts_with("/suppliers") {
            register += 1;
            let rows = view.all("table#register tbody tr").len() as u64;
            assert_eq!(rows, (*n).min(50), "{href}");
        } else {
            assert!(href.starts_with("/due"), "{href}");
            due += 1;
        }
        if href.contains("tier=") && href.contains("verdict=") {
            chart += 1;
        }
    }
    assert!(
        register > 30 && due > 8 && chart > 6,
        "{register} {due} {chart}"
    );
    // Every piece of the tier chart is a link with a title.
    for a in page.all("#tier-chart a") {
        assert!(a.attr("href").unwrap().starts_with("/suppliers?tier="));
        assert!(!page_title(a).is_empty());
    }
}

async fn charts_have_names_and_their_numbers_beside_them(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/").await;
    for chart in ["#tier-chart", "#rules-chart"] {
        let svg = page.one(chart);
        let label = svg.attr("aria-labelledby").unwrap();
        assert!(!page.text_of(&format!("{chart} title#{label}")).is_empty());
    }
    // The tier chart's numbers, as a table: per tier the verdicts add up to the tier's stat.
    for row in page.all("#tier-table tbody tr") {
        let tier = row.attr("data-tier").unwrap();
        let cells: u64 = row
            .select(&scraper::Selector::parse("td a[data-key]").unwrap())
            .filter(|a| a.attr("data-key") != Some("all"))
            .map(|a| a.attr("data-value").unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(
            cells,
            value(&page, &format!("#tier-stats a[data-key={tier}]")),
            "{tier}"
        );
    }
    assert_eq!(
        page.all("#tier-table thead th[scope=col]").len(),
        Verdict::ALL.len() + 2
    );
    assert_eq!(page.all("#tier-table tbody th[scope=row]").len(), 5);
    assert!(!page.has("[style]"), "no inline styles (CSP)");
    // Headings go in order: one h1, then h2s.
    assert_eq!(page.all("h1").len(), 1);
    assert!(page.all("main h3, main h4").is_empty());
}

/// A second state over the database of `guard`, as a second server would open it.
async fn second_server(guard: &Guard) -> AppState {
    let url = match guard {
        Guard::Sqlite(dir) => dir.path().join("vetted.db").display().to_string(),
        Guard::Postgres(db) => db.url().to_string(),
    };
    let key = vetted_core::audit::AuditKey::from_bytes(&[7; 32]).unwrap();
    let store = vetted_store::open_with_audit_key(&vetted_store::DatabaseUrl::new(&url), key)
        .await
        .expect("a second store on the same database");
    AppState::new(store, Policy::default(), WebConfig::default())
}

async fn the_dashboard_follows_a_write_of_another_server(backend: Backend) {
    let (db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let before = v.get("/").await;
    let inactive = value(&before, "#verdict-stats a[data-key=inactive]");
    let suppliers = value(&before, "#total-suppliers");
    let builds = state.snapshots.builds_started();
    // Nothing changed: the same snapshot answers.
    v.get("/").await;
    assert_eq!(state.snapshots.builds_started(), builds);

    let other = second_server(&db).await;
    let id = SupplierId::parse("stratocloud").unwrap();
    let stored = other.store.get_supplier(&id).await.unwrap();
    assert_ne!(stored.supplier.status, Some(Status::Terminated));
    let mut terminated = stored.supplier.clone();
    terminated.status = Some(Status::Terminated);
    let written = other
        .store
        .update_supplier(&terminated, stored.version, &Change::now(Actor::System))
        .await
        .unwrap();
    let after = v.get("/").await;
    assert_eq!(
        value(&after, "#verdict-stats a[data-key=inactive]"),
        inactive + 1
    );
    other
        .store
        .archive_supplier(&id, written.version, &Change::now(Actor::System))
        .await
        .unwrap();
    let after = v.get("/").await;
    assert_eq!(value(&after, "#total-suppliers"), suppliers - 1);
    assert_eq!(
        value(&after, "#verdict-stats a[data-key=inactive]"),
        inactive
    );
    // The due queue is answered from the same snapshot.
    let due = v.get("/due").await;
    assert!(!due.has("#due tr[data-supplier=stratocloud]"));
    other.store.close().await;
}

async fn concurrent_requests_build_one_snapshot(backend: Backend) {
    let (_db, state) = backend.state().await;
    let today = time::OffsetDateTime::now_utc().date();
    let asks = (0..8).map(|_| state.snapshots.get(&state, today));
    let snapshots = futures_util::future::join_all(asks).await;
    assert_eq!(state.snapshots.builds_started(), 1);
    let first = snapshots[0].as_ref().unwrap();
    for s in &snapshots {
        assert!(std::sync::Arc::ptr_eq(first, s.as_ref().unwrap()));
    }
    // A write: the next requests build once more, together.
    let id = SupplierId::parse("stratocloud").unwrap();
    let stored = state.store.get_supplier(&id).await.unwrap();
    state
        .store
        .archive_supplier(&id, stored.version, &Change::now(Actor::System))
        .await
        .unwrap();
    let asks = (0..8).map(|_| state.snapshots.get(&state, today));
    let snapshots = futures_util::future::join_all(asks).await;
    assert_eq!(state.snapshots.builds_started(), 2);
    let newest = snapshots[0].as_ref().unwrap();
    assert_eq!(newest.suppliers.len() + 1, first.suppliers.len());
    assert!(newest.suppliers.iter().all(|s| s.id != id));
}

/// The background refresher builds the snapshot after a write, so the next dashboard request
/// finds it ready.
async fn the_refresher_rebuilds_the_snapshot_after_a_write(backend: Backend) {
    let (_db, state) = backend.state().await;
    let today = time::OffsetDateTime::now_utc().date();
    let mut refresher = vetted_web::current::Refresher::new(state.clone());
    refresher.tick(today).await.unwrap();
    let built = state.snapshots.builds_started();
    assert_eq!(built, 1);
    refresher.tick(today).await.unwrap();
    assert_eq!(state.snapshots.builds_started(), built, "nothing changed");

    let id = SupplierId::parse("stratocloud").unwrap();
    let stored = state.store.get_supplier(&id).await.unwrap();
    state
        .store
        .archive_supplier(&id, stored.version, &Change::now(Actor::System))
        .await
        .unwrap();
    refresher.tick(today).await.unwrap();
    assert_eq!(state.snapshots.builds_started(), built + 1);
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/").await;
    assert_eq!(state.snapshots.builds_started(), built + 1, "ready");
    assert_eq!(
        value(&page, "#total-suppliers"),
        common::example_register().suppliers.len() as u64 - 1
    );
}

on_both_backends!(
    the_refresher_rebuilds_the_snapshot_after_a_write,
    the_numbers_are_the_apis_and_the_engines,
    every_number_leads_to_a_view_of_as_many_rows,
    charts_have_names_and_their_numbers_beside_them,
    the_dashboard_follows_a_write_of_another_server,
    concurrent_requests_build_one_snapshot,
);
