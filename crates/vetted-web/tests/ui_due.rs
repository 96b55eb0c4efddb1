//! The due queue (`/due`) on the example register, on both backends: the same items in the
//! same order as `GET /api/v1/due` for each window, its filters, its pages, the editors'
//! action links, and a window that cannot be shown explained at its field.

mod common;

use axum::http::StatusCode;
use common::pages::{Page, Visitor, text};
use common::{Backend, get, json};
use vetted_core::audit::Actor;
use vetted_store::Change;
use vetted_web::AppState;
use vetted_web::auth::Role;

/// The due list of the API for `query`: (supplier, rule, date) of each item, in order.
async fn api_due(state: &AppState, query: &str) -> Vec<(String, String, String)> {
    let app = common::app(state.clone(), Some(Role::Viewer));
    let body = json(
        get(&app, &format!("/api/v1/due?{query}")).await,
        StatusCode::OK,
    )
    .await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["supplier"].as_str().unwrap().to_string(),
                i["rule"].as_str().unwrap().to_string(),
                i["date"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The rows of a due page as (supplier, rule, date).
fn rows(page: &Page) -> Vec<(String, String, String)> {
    page.all("table#due tbody tr")
        .iter()
        .map(|tr| {
            let date = tr
                .select(&scraper::Selector::parse("time").unwrap())
                .next()
                .and_then(|t| t.attr("datetime"))
                .unwrap_or("")
                .to_string();
            (
                tr.attr("data-supplier").unwrap().to_string(),
                tr.attr("data-rule").unwrap().to_string(),
                date,
            )
        })
        .collect()
}

fn total(page: &Page) -> usize {
    page.one("#result-count")
        .attr("data-total")
        .unwrap()
        .parse()
        .unwrap()
}

async fn each_window_lists_what_the_api_lists_in_its_order(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let mut sizes = Vec::new();
    for (page_query, api_query) in [
        ("", ""),
        ("within=30d", "within=30d"),
        ("within=60d", "within=60d"),
        ("within=90d", "within=90d"),
    ] {
        let page = v.get(&format!("/due?{page_query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{page_query}");
        let expected = api_due(&state, api_query).await;
        assert!(expected.len() <= 100, "one page");
        assert_eq!(rows(&page), expected, "{page_query}");
        assert_eq!(total(&page), expected.len());
        sizes.push(expected.len());
    }
    assert!(sizes[3] > sizes[1], "a longer window shows more: {sizes:?}");
    // The default is the policy's window, marked as such.
    let page = v.get("/due").await;
    let selected = page.one("#within option[selected]");
    assert_eq!(selected.attr("value"), Some("30d"));
    assert!(text(selected).contains("policy"));
    // Each row says what is due and when, in words.
    let late = page.all("table#due tbody td.late");
    assert!(!late.is_empty());
    for td in late {
        assert!(text(td).ends_with("overdue"), "{}", text(td));
    }
}

async fn urgency_and_kind_filters_narrow_the_list(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let app = common::app(state.clone(), Some(Role::Viewer));
    let body = json(get(&app, "/api/v1/due?within=90d").await, StatusCode::OK).await;
    let all: Vec<(String, String, String, String)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let text = |key: &str| i[key].as_str().unwrap_or("").to_string();
            (text("supplier"), text("rule"), text("date"), text("kind"))
        })
        .collect();
    for (name, value) in [
        ("kind", "overdue"),
        ("kind", "due_soon"),
        ("rule", "review.overdue"),
        ("rule", "selection.assurance"),
    ] {
        let page = v.get(&format!("/due?within=90d&{name}={value}")).await;
        let expected: Vec<(String, String, String)> = all
            .iter()
            .filter(|(_, rule, _, kind)| {
                if name == "kind" {
                    kind == value
                } else {
                    rule == value
                }
            })
            .map(|(s, r, d, _)| (s.clone(), r.clone(), d.clone()))
            .collect();
        assert!(
            !expected.is_empty() && expected.len() < all.len(),
            "{name}={value}"
        );
        assert_eq!(rows(&page), expected, "{name}={value}");
        let attr = if name == "kind" {
            "data-kind"
        } else {
            "data-rule"
        };
        for tr in page.all("table#due tbody tr") {
            assert_eq!(tr.attr(attr), Some(value));
        }
        // The form shows the filter in force.
        assert_eq!(
            page.one(&format!("#{name} option[selected]")).attr("value"),
            Some(value)
        );
    }
}

async fn pages_of_a_hundred_keep_the_filters(backend: Backend) {
    let (_db, state) = backend.state().await;
    let register = vetted_app::generate::generate_register(150, 9);
    state
        .store
        .upsert_register(&register, &Change::now(Actor::System), &|_| {})
        .await
        .unwrap();
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let all = api_due(&state, "within=60d").await;
    assert!(all.len() > 100, "{}", all.len());
    let first = v.get("/due?within=60d").await;
    assert_eq!(
        first.text_of("#result-count"),
        format!("1–100 of {} items due within 60 days", all.len())
    );
    assert_eq!(rows(&first), all[..100]);
    assert!(!first.has("#prev-page"));
    let next = first.one("#next-page").attr("href").unwrap().to_string();
    assert_eq!(next, "/due?within=60d&offset=100");
    let second = v.get(&next).await;
    assert_eq!(rows(&second), all[100..all.len().min(200)]);
    assert_eq!(
        second.one("#prev-page").attr("href"),
        Some("/due?within=60d")
    );
    // The policy's window is the default and is left out of links.
    let page = v.get("/due?within=30d&kind=overdue").await;
    if let Some(next) = page.all("#next-page").first() {
        assert_eq!(next.attr("href"), Some("/due?kind=overdue&offset=100"));
    }
}

async fn editors_get_a_link_to_the_form_that_deals_with_each_item(backend: Backend) {
    let (_db, state) = backend.state().await;
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let page = viewer.get("/due?within=90d").await;
    assert!(!page.has("table#due a.action"));
    assert_eq!(page.all("table#due thead th").len(), 5);

    let page = editor.get("/due?within=90d").await;
    assert_eq!(page.all("table#due thead th[scope=col]").len(), 6);
    let mut checked = 0;
    let (mut reviews, mut risks, mut escalations) = (0, 0, 0);
    for tr in page.all("table#due tbody tr") {
        let supplier = tr.attr("data-supplier").unwrap();
        let rule = tr.attr("data-rule").unwrap();
        let kind = tr.attr("data-kind").unwrap();
        let what = text(
            tr.select(&scraper::Selector::parse("td").unwrap())
                .next()
                .unwrap(),
        );
        let action = tr
            .select(&scraper::Selector::parse("a.action").unwrap())
            .next()
            .unwrap_or_else(|| panic!("no action for {rule}"));
        let href = action.attr("href").unwrap();
        match (rule, kind) {
            // A review's rows start the review workflow.
            ("review.overdue" | "review.triggered" | "review.due-soon", _) => {
                assert_eq!(href, format!("/suppliers/{supplier}/review"));
                assert!(text(action).starts_with("Start review"));
                reviews += 1;
            }
            // A failing supplier without an escalation opens a risk prefilled with it.
            ("escalation.risk", "missing") => {
                assert!(
                    href.starts_with(&format!("/risks/new?supplier={supplier}&rule=")),
                    "{href}"
                );
                assert!(!href.contains("rule=escalation.risk"), "{href}");
                escalations += 1;
            }
            // A risk past due or due soon opens that risk's form.
            ("escalation.risk", _) => {
                let id = what.split_whitespace().nth(1).unwrap();
                assert_eq!(href, format!("/risks/{id}/edit"), "{what}");
                risks += 1;
            }
            (other, _) => {
                let section = match other {
                    "selection.assurance" | "selection.assurance-expiring" => "assurance",
                    "agreement.expiring" => "agreements",
                    "selection.due-diligence" => "assessments",
                    other => panic!("an item of {other}"),
                };
                assert_eq!(href, format!("/suppliers/{supplier}/{section}/new"));
            }
        }
        // The link names its supplier for screen readers.
        assert!(text(action).contains(" for "), "{}", text(action));
        checked += 1;
    }
    assert!(checked > 5);
    assert!(
        reviews > 0 && risks > 0 && escalations > 0,
        "{reviews} {risks} {escalations}"
    );
}

async fn a_window_that_cannot_be_shown_is_explained_at_its_field(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/due?within=400d&rule=review.overdue").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let within = page.one("#within");
    assert_eq!(within.attr("aria-invalid"), Some("true"));
    assert_eq!(within.attr("aria-describedby"), Some("within-error"));
    assert_eq!(page.text_of("#within-error"), "at most 90 days ahead");
    assert!(!page.has("table#due"));
    assert!(page.has("#fix-filters"));
    // The other filter is kept.
    assert_eq!(
        page.one("#rule option[selected]").attr("value"),
        Some("review.overdue")
    );
    let page = v.get("/due?kind=later").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.text_of("#kind-error").contains("expected overdue"));
}

on_both_backends!(
    each_window_lists_what_the_api_lists_in_its_order,
    urgency_and_kind_filters_narrow_the_list,
    pages_of_a_hundred_keep_the_filters,
    editors_get_a_link_to_the_form_that_deals_with_each_item,
    a_window_that_cannot_be_shown_is_explained_at_its_field,
);
