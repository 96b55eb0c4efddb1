//! The ISO 27001 report's page (`/reports/iso27001`) and downloads on the example register, on
//! both backends: the page shows the figures `GET /api/v1/reports/iso27001` gives, each linked to
//! the suppliers behind it and those to their records as of the period's end; a period that
//! cannot be read is a 400 naming it; the HTML download is a file without links to the server,
//! and the PDF one is printed by real Chromium (`scripts/with-browser` installs it).

mod common;

use axum::http::StatusCode;
use common::pages::{Visitor, text};
use common::{Backend, bytes, get, json};
use serde_json::Value;
use vetted_web::auth::Role;

fn value(f: &Value) -> String {
    match (f["of"].as_u64(), f["percent"].as_f64()) {
        (Some(of), Some(p)) => format!("{} of {of} ({p:.1} %)", f["count"]),
        (Some(of), None) => format!("{} of {of}", f["count"]),
        _ => f["count"].to_string(),
    }
}

async fn the_page_shows_the_figures_of_the_api(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = common::app(state.clone(), Some(Role::Viewer));
    // The example register was recorded today: the period runs to today.
    let today = vetted_core::date::format_date(time::OffsetDateTime::now_utc().date());
    let period = format!("period=2025-12-01..{today}");
    let report = json(
        get(&app, &format!("/api/v1/reports/iso27001?{period}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["format"], "vetted-iso27001-report/1");
    assert_eq!(report["period"]["to"], today.as_str());
    assert!(
        report["controls"][0]["figures"][0]["count"]
            .as_u64()
            .unwrap()
            > 10
    );

    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get(&format!("/reports/iso27001?{period}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let mut figures = 0;
    for control in report["controls"].as_array().unwrap() {
        let c = control["control"].as_str().unwrap();
        let section = format!("section#control-{}", c.replace('.', "-"));
        assert!(page.has(&section), "{c}");
        for f in control["figures"].as_array().unwrap() {
            let key = f["key"].as_str().unwrap();
            let link = page.one(&format!("{section} a[href=\"#fig-{key}\"]"));
            assert_eq!(text(link), value(f), "{key}");
            // The target lists the suppliers counted (and, for a share, those missing).
            let target = format!("#fig-{key} li");
            let expected = f["suppliers"].as_array().unwrap().len()
                + f["missing"].as_array().map_or(0, Vec::len);
            assert_eq!(page.all(&target).len(), expected, "{key}");
            figures += 1;
        }
        let nonconformities = control["nonconformities"].as_array().unwrap().len();
        assert_eq!(
            page.all(&format!("{section} table")).len(),
            2 + usize::from(nonconformities > 0),
            "{c}: rules, figures and nonconformities"
        );
    }
    assert!(figures >= 12, "{figures}");
    // They link to the moment the page's report was rebuilt at (now, as the period ends
    // today: not after the API's), and each record opens there.
    let recorded_at = report["basis"]["recorded_at"].as_str().unwrap();
    let first = page.one("#records a").attr("href").unwrap().to_string();
    let at = first.split_once("?at=").unwrap().1;
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
    };
    assert!(parse(at) >= parse(recorded_at), "{first}");
    let record = v.get(&first).await;
    assert_eq!(record.status, StatusCode::OK, "{first}");
    // Suppliers link to their record as it was at the period's end.
    let links: Vec<&str> = page
        .all("#records a")
        .iter()
        .filter_map(|a| a.attr("href"))
        .collect();
    assert!(!links.is_empty());
    assert!(
        links
            .iter()
            .all(|h| h.starts_with("/suppliers/") && h.contains(&format!("?at={today}T")))
    );
    // The period's form and the downloads keep the period.
    assert_eq!(
        page.one("nav.bar input[name=from]").attr("value"),
        Some("2025-12-01")
    );
    assert!(page.has(&format!(
        "nav.bar a[href=\"/reports/iso27001.pdf?{period}\"]"
    )));
    // The form's own fields are read as the period.
    let page = v
        .get("/reports/iso27001?from=2026-02-01&to=2026-03-31")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("2026-02-01 to 2026-03-31"));
}

async fn a_period_that_cannot_be_read_is_a_400_naming_it(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    for (query, name, why) in [
        ("period=2026-01-01", "period", "FROM..TO"),
        ("period=2026-05-01..2026-04-01", "period", "after it ends"),
        ("from=2026-01-01", "to", "missing"),
        ("from=2026-02-30&to=2026-03-01", "from", "not a date"),
        ("period=2099-01-01..2099-02-01", "period", "after today"),
        ("as_of=2026-01-01", "as_of", "unknown parameter"),
    ] {
        let page = v.get(&format!("/reports/iso27001?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            page.text.contains(name) && page.text.contains(why),
            "{query}: {}",
            page.text
        );
        let app = common::app(state.clone(), Some(Role::Viewer));
        let body = json(
            get(&app, &format!("/api/v1/reports/iso27001?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(body["problems"][0]["path"], name, "{query}");
    }
}

async fn downloads_are_files_an_auditor_keeps(backend: Backend) {
    let (_db, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let app = vetted_web::router(state.clone());
    let cookie = v.cookie.clone().expect("signed in");
    let fetch = |path: &'static str| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let req = axum::http::Request::get(path)
                .header("cookie", cookie)
                .body(axum::body::Body::empty())
                .unwrap();
            common::send(&app, req).await
        }
    };
    let res = fetch("/reports/iso27001.html?period=2026-01-01..2026-06-30").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"iso27001-2026-01-01-2026-06-30.html\""
    );
    let html = String::from_utf8(bytes(res).await).unwrap();
    assert!(html.contains("A.5.23"));
    assert!(
        !html.contains("href=\"/"),
        "a file has no links into the server"
    );

    let res = fetch("/reports/iso27001.pdf?period=2026-01-01..2026-06-30").await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the PDF needs Chromium: run through scripts/with-browser"
    );
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = bytes(res).await;
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() > 20_000, "{} bytes", pdf.len());
}

on_both_backends!(
    the_page_shows_the_figures_of_the_api,
    a_period_that_cannot_be_read_is_a_400_naming_it,
    downloads_are_files_an_auditor_keeps,
);
