//! The register page (`/suppliers`) and its exports, on the example register, on both
//! backends: every view is compared with the list API's answer to the same query (which the
//! store's conformance suite checks against the engine), and the rows with the engine itself.

mod common;

use std::collections::HashSet;
use std::io::Cursor;

use axum::http::{StatusCode, header};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use common::pages::{Page, Visitor, text};
use common::{Backend, bytes, get, json};
use vetted_core::audit::Actor;
use vetted_core::model::{Supplier, SupplierId, Verdict};
use vetted_core::policy::Policy;
use vetted_store::Change;
use vetted_web::AppState;
use vetted_web::auth::Role;

/// The ids and total of the API's list for `query` (at most 1,000 rows).
async fn api_list(state: &AppState, query: &str) -> (Vec<String>, u64) {
    let app = common::app(state.clone(), Some(Role::Viewer));
    let sep = if query.is_empty() { "" } else { "&" };
    let body = json(
        get(&app, &format!("/api/v1/suppliers?limit=1000{sep}{query}")).await,
        StatusCode::OK,
    )
    .await;
    let ids = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    (ids, body["total"].as_u64().unwrap())
}

/// The row ids of a register page, in order.
fn row_ids(page: &Page) -> Vec<String> {
    page.all("table#register tbody tr")
        .iter()
        .map(|r| r.attr("data-id").unwrap().to_string())
        .collect()
}

/// The total a register (or due) page says it shows.
fn total(page: &Page) -> u64 {
    page.one("#result-count")
        .attr("data-total")
        .unwrap()
        .parse()
        .unwrap()
}

/// The example's suppliers, evaluated by the engine today.
fn evaluated(state: &AppState) -> Vec<(Supplier, vetted_core::report::Evaluation)> {
    let policy = Policy::clone(&state.policy().policy);
    let today = time::OffsetDateTime::now_utc().date();
    common::example_register()
        .suppliers
        .into_iter()
        .map(|s| {
            let e = vetted_core::engine::evaluate(&s, &policy, today);
            (s, e)
        })
        .collect()
}

async fn filters_search_and_sorting_show_what_the_api_lists(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let queries = [
        "",
        "verdict=non_compliant",
        "verdict=attention&verdict=compliant",
        "tier=high",
        "tier=none",
        "category=model_provider",
        "status=active",
        "country=DE",
        "country=US",
        "q=cloud",
        "rule=review.overdue",
        "rule=selection.residency&tier=critical",
        "sort=name",
        "sort=name&order=desc",
        "sort=verdict",
        "sort=tier&order=desc",
        "sort=next_due",
        "verdict=non_compliant&sort=next_due&order=desc",
    ];
    let all = api_list(&state, "").await.1;
    let mut narrowed = 0;
    for query in queries {
        let page = v.get(&format!("/suppliers?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        let (ids, n) = api_list(&state, query).await;
        assert_eq!(total(&page), n, "{query}");
        assert_eq!(row_ids(&page), ids, "{query}");
        if n > 0 && n < all {
            narrowed += 1;
        }
    }
    assert!(narrowed >= 9, "most filters keep some and drop some");

    // The rows say what the engine says: each verdict filter shows exactly the suppliers of
    // that verdict, with the badge; the rule filter exactly those that break the rule.
    let engine = evaluated(&state);
    for verdict in Verdict::ALL {
        let page = v
            .get(&format!("/suppliers?verdict={}", verdict.as_str()))
            .await;
        let expected: HashSet<String> = engine
            .iter()
            .filter(|(_, e)| e.verdict == *verdict)
            .map(|(s, _)| s.id.to_string())
            .collect();
        assert_eq!(
            row_ids(&page).into_iter().collect::<HashSet<_>>(),
            expected,
            "{verdict}"
        );
        for badge in page.all("table#register tbody td.verdict .badge") {
            assert!(
                badge.value().classes().any(|c| c == verdict.as_str()),
                "{verdict}"
            );
        }
    }
    let page = v.get("/suppliers?rule=review.overdue").await;
    let expected: HashSet<String> = engine
        .iter()
        .filter(|(_, e)| e.findings.iter().any(|f| f.rule == "review.overdue"))
        .map(|(s, _)| s.id.to_string())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(row_ids(&page).into_iter().collect::<HashSet<_>>(), expected);
    // The filter form shows the filters in force.
    let page = v
        .get("/suppliers?verdict=attention&verdict=compliant&tier=none&q=cloud&country=DE")
        .await;
    let ticked: Vec<&str> = page
        .all("input[name=verdict][checked]")
        .iter()
        .map(|i| i.attr("value").unwrap())
        .collect();
    assert_eq!(ticked, ["attention", "compliant"]);
    assert_eq!(
        page.one("#tier option[selected]").attr("value"),
        Some("none")
    );
    assert_eq!(page.one("#q").attr("value"), Some("cloud"));
    assert_eq!(page.one("#country").attr("value"), Some("DE"));
}

async fn the_sorted_column_is_marked_and_its_header_reverses_it(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/suppliers?verdict=non_compliant").await;
    assert!(
        !page.has("th[aria-sort]"),
        "register order: no column sorted"
    );
    let name = page
        .all("table#register thead th a.sort")
        .into_iter()
        .find(|a| text(*a) == "Supplier")
        .unwrap();
    let href = name.attr("href").unwrap().to_string();
    assert_eq!(href, "/suppliers?verdict=non_compliant&sort=name");

    let page = v.get(&href).await;
    let sorted = page.all("th[aria-sort]");
    assert_eq!(sorted.len(), 1);
    assert_eq!(sorted[0].attr("aria-sort"), Some("ascending"));
    assert!(text(sorted[0]).starts_with("Supplier"));
    let names: Vec<String> = page
        .all("table#register tbody th a")
        .iter()
        .map(|a| text(*a))
        .collect();
    let mut in_order = names.clone();
    in_order.sort();
    assert_eq!(names, in_order);
    assert!(names.len() > 1);
    let reverse = sorted[0]
        .select(&scraper::Selector::parse("a").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        reverse.attr("href"),
        Some("/suppliers?verdict=non_compliant&sort=name&order=desc")
    );
    let page = v.get(reverse.attr("href").unwrap()).await;
    assert_eq!(
        page.one("th[aria-sort]").attr("aria-sort"),
        Some("descending")
    );
    let mut reversed = names.clone();
    reversed.reverse();
    assert_eq!(
        page.all("table#register tbody th a")
            .iter()
            .map(|a| text(*a))
            .collect::<Vec<_>>(),
        reversed
    );
    // Category and status cannot be sorted on: no link.
    assert!(
        page.all("table#register thead th")
            .iter()
            .filter(|th| text(**th) == "Category" || text(**th) == "Status")
            .all(|th| th
                .select(&scraper::Selector::parse("a").unwrap())
                .next()
                .is_none())
    );
}

/// Adds `n` generated suppliers to the example register, through the store.
async fn add_generated(state: &AppState, n: usize) {
    let register = vetted_app::generate::generate_register(n, 3);
    state
        .store
        .upsert_register(&register, &Change::now(Actor::System), &|_| {})
        .await
        .unwrap();
}

async fn pages_of_fifty_keep_the_filters_in_their_links(backend: Backend) {
    let (_db, state) = backend.state().await;
    add_generated(&state, 90).await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let (all_ids, all) = api_list(&state, "sort=name").await;
    assert!(all > 100, "{all}");

    let first = v.get("/suppliers?sort=name").await;
    assert_eq!(first.text_of("#result-count"), format!("1–50 of {all}"));
    assert_eq!(row_ids(&first), all_ids[..50]);
    assert!(!first.has("#prev-page"));
    let next = first.one("#next-page").attr("href").unwrap().to_string();
    assert_eq!(next, "/suppliers?sort=name&offset=50");
    let second = v.get(&next).await;
    assert_eq!(second.text_of("#result-count"), format!("51–100 of {all}"));
    assert_eq!(row_ids(&second), all_ids[50..100]);
    assert_eq!(
        second.one("#prev-page").attr("href"),
        Some("/suppliers?sort=name")
    );
    // The last page.
    let mut page = second;
    let mut seen = 100;
    while let Some(next) = page
        .all("#next-page")
        .first()
        .map(|a| a.attr("href").unwrap().to_string())
    {
        page = v.get(&next).await;
        seen += row_ids(&page).len() as u64;
    }
    assert_eq!(seen, all);
    assert_eq!(
        page.text_of("#result-count"),
        format!("{}–{all} of {all}", all - (all - 1) % 50)
    );

    // Past the end: nothing, and "previous" goes to the last page.
    let past = v.get("/suppliers?sort=name&offset=5000").await;
    assert!(row_ids(&past).is_empty());
    assert!(
        past.text_of("#result-count")
            .starts_with("Nothing on this page")
    );
    assert_eq!(
        past.one("#prev-page").attr("href"),
        Some(format!("/suppliers?sort=name&offset={}", (all - 1) / 50 * 50).as_str())
    );
    assert!(!past.has("#next-page"));

    // With filters, every link keeps them: next, previous, the sort headers, the exports.
    let query = "verdict=non_compliant&verdict=attention&tier=high&sort=next_due&order=desc";
    let (ids, n) = api_list(&state, query).await;
    let filtered = v.get(&format!("/suppliers?{query}&limit=5")).await;
    assert_eq!(total(&filtered), n);
    assert!(n > 5, "{n}");
    assert_eq!(row_ids(&filtered), ids[..5]);
    assert_eq!(
        filtered.one("#next-page").attr("href"),
        Some(format!("/suppliers?{query}&limit=5&offset=5").as_str())
    );
    assert_eq!(
        filtered.one("#export-csv").attr("href"),
        Some(format!("/suppliers/export.csv?{query}").as_str())
    );
    for th in filtered.all("table#register thead th a.sort") {
        let href = th.attr("href").unwrap();
        assert!(
            href.starts_with("/suppliers?verdict=non_compliant&verdict=attention&tier=high&sort="),
            "{href}"
        );
        assert!(
            !href.contains("offset"),
            "a new sort starts at its first page: {href}"
        );
    }
    let next = v
        .get(filtered.one("#next-page").attr("href").unwrap())
        .await;
    assert_eq!(row_ids(&next), ids[5..10.min(ids.len())]);
    assert_eq!(
        next.one("#prev-page").attr("href"),
        Some(format!("/suppliers?{query}&limit=5").as_str())
    );
}

async fn archived_suppliers_show_only_when_included(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let id = SupplierId::parse("stratocloud").unwrap();
    let stored = state.store.get_supplier(&id).await.unwrap();
    state
        .store
        .archive_supplier(&id, stored.version, &Change::now(Actor::System))
        .await
        .unwrap();
    let everyone = common::example_register().suppliers.len() as u64;

    let page = v.get("/suppliers").await;
    assert_eq!(total(&page), everyone - 1);
    assert!(!row_ids(&page).contains(&"stratocloud".to_string()));
    assert!(!page.has("#archived[checked]"));

    let page = v.get("/suppliers?archived=all").await;
    assert_eq!(total(&page), everyone);
    assert!(page.has("#archived[checked]"));
    let row = page.one("tr[data-id=stratocloud]");
    assert!(row.value().classes().any(|c| c == "archived"));
    assert_eq!(
        text(
            row.select(&scraper::Selector::parse(".badge.na").unwrap())
                .next()
                .unwrap()
        ),
        "Archived"
    );
    // The toggle is a field of the filter form, named as the API's parameter.
    assert_eq!(
        page.one("form#filters input#archived").attr("name"),
        Some("archived")
    );
    assert_eq!(
        row_ids(&v.get("/suppliers?archived=true").await),
        ["stratocloud"]
    );
}

async fn a_value_that_does_not_parse_is_shown_at_its_field(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v
        .get("/suppliers?q=cloud&country=EL&rule=review%20overdue&tier=")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(!page.has("table#register"));
    assert!(page.has("#fix-filters"));
    for (field, message) in [
        ("country", "`EL` is not a country code: Greece is GR"),
        ("rule", "is not a rule id"),
    ] {
        let input = page.one(&format!("#{field}"));
        assert_eq!(input.attr("aria-invalid"), Some("true"), "{field}");
        let described = input.attr("aria-describedby").unwrap();
        assert_eq!(described, format!("{field}-error"));
        let error = page.one(&format!("#{described}.field-error"));
        assert!(text(error).contains(message), "{field}: {}", text(error));
    }
    // What was typed is kept; the valid field is not marked.
    assert_eq!(page.one("#country").attr("value"), Some("EL"));
    assert_eq!(page.one("#rule").attr("value"), Some("review overdue"));
    assert_eq!(page.one("#q").attr("value"), Some("cloud"));
    assert_eq!(page.one("#q").attr("aria-invalid"), None);

    // An unknown parameter is said above the form.
    let page = v.get("/suppliers?colour=red").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.text_of("form#filters .problem").contains("colour"));
}

async fn editors_see_the_new_supplier_button_and_viewers_do_not(backend: Backend) {
    let (_db, state) = backend.state().await;
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    assert!(!viewer.get("/suppliers").await.has("#new-supplier"));
    let page = editor.get("/suppliers").await;
    let button = page.one("a#new-supplier");
    assert_eq!(button.attr("href"), Some("/suppliers/new"));
    assert_eq!(button.attr("role"), Some("button"));
    // Each row links to the supplier's page; every header is a column header.
    let row = page.one("table#register tbody tr[data-id=stratocloud] th[scope=row] a");
    assert_eq!(row.attr("href"), Some("/suppliers/stratocloud"));
    assert_eq!(
        page.all("table#register thead th").len(),
        page.all("table#register thead th[scope=col]").len()
    );
    assert!(!page.has("[style]"), "no inline styles (CSP)");
}

/// A CSV export's rows, without the byte-order mark.
fn csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    let body = body
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a byte-order mark");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn exports_hold_every_row_of_the_view_in_its_order(backend: Backend) {
    let (_db, state) = backend.state().await;
    // More than one page of the store's largest (1,000), so the export reads several.
    add_generated(&state, 1_020).await;
    // A name a spreadsheet program would run as a formula.
    let mut evil = Supplier::new(SupplierId::parse("evil").unwrap());
    evil.name = Some("=HYPERLINK(\"http://attacker.example\",\"click\")".into());
    state
        .store
        .create_supplier(&evil, &Change::now(Actor::System))
        .await
        .unwrap();
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let app = v.app.clone();
    let cookie = v.cookie.clone().unwrap();
    let download = |uri: String| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let res = common::send(
                &app,
                axum::http::Request::get(uri)
                    .header(header::COOKIE, cookie)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(res.status(), StatusCode::OK);
            let headers = res.headers().clone();
            (headers, bytes(res).await)
        }
    };

    let (headers, body) = download("/suppliers/export.csv?sort=name".into()).await;
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let today = vetted_core::date::format_date(time::OffsetDateTime::now_utc().date());
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"vetted-register-{today}.csv\"").as_str()
    );
    let rows = csv_rows(&body);
    assert_eq!(
        rows[0],
        [
            "Id", "Name", "Category", "Status", "Tier", "Verdict", "Next due", "Archived"
        ]
    );
    let (mut ids, total) = api_list(&state, "sort=name").await;
    let (rest, _) = api_list(&state, "sort=name&offset=1000").await;
    ids.extend(rest);
    assert!(total > 1_000);
    assert_eq!(rows.len() as u64, total + 1, "every row, not one page");
    assert_eq!(
        rows[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ids,
        "in the order of the view"
    );
    let evil_row = rows.iter().find(|r| r[0] == "evil").unwrap();
    assert_eq!(
        evil_row[1],
        "'=HYPERLINK(\"http://attacker.example\",\"click\")"
    );
    // The columns say what the page says.
    let page = v.get("/suppliers?q=stratocloud").await;
    let cells: Vec<String> = page
        .all("tr[data-id=stratocloud] td")
        .iter()
        .map(|td| text(*td))
        .collect();
    let strato = rows.iter().find(|r| r[0] == "stratocloud").unwrap();
    assert_eq!(strato[2..6], cells[..4]);
    assert!(cells[4].starts_with(&strato[6]), "{cells:?} {strato:?}");
    assert_eq!(strato[7], "no");

    // A filtered view exports only its rows; the page links to it with its query.
    let query = "verdict=non_compliant&tier=high";
    let (ids, n) = api_list(&state, query).await;
    let page = v.get(&format!("/suppliers?{query}")).await;
    let link = page.one("#export-csv").attr("href").unwrap().to_string();
    let (_, body) = download(link).await;
    let rows = csv_rows(&body);
    assert_eq!(rows.len() as u64, n + 1);
    assert_eq!(
        rows[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ids
    );
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[5] == "Non-compliant" && r[4] == "High")
    );

    // The workbook holds the same rows, the formula as text.
    let link = page.one("#export-xlsx").attr("href").unwrap().to_string();
    assert_eq!(link, format!("/suppliers/export.xlsx?{query}"));
    let (headers, body) = download(link).await;
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .ends_with(".xlsx\"")
    );
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(body)).unwrap();
    let sheet = book.worksheet_range("suppliers").unwrap();
    assert_eq!(sheet.height() as u64, n + 1);
    let sheet_ids: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(sheet_ids, ids);
    let (_, body) = download("/suppliers/export.xlsx?q=evil".into()).await;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(body)).unwrap();
    let sheet = book.worksheet_range("suppliers").unwrap();
    assert_eq!(
        sheet.get_value((1, 1)),
        Some(&Data::String(
            "'=HYPERLINK(\"http://attacker.example\",\"click\")".into()
        ))
    );
}

on_both_backends!(
    filters_search_and_sorting_show_what_the_api_lists,
    the_sorted_column_is_marked_and_its_header_reverses_it,
    pages_of_fifty_keep_the_filters_in_their_links,
    archived_suppliers_show_only_when_included,
    a_value_that_does_not_parse_is_shown_at_its_field,
    editors_see_the_new_supplier_button_and_viewers_do_not,
    exports_hold_every_row_of_the_view_in_its_order,
);
