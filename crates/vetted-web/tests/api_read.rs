//! The read endpoints under `/api/v1`, through the whole router, on a store holding
//! `examples/register.json`; results compared with the engine and the writers the CLI uses.

mod common;

use axum::http::StatusCode;
use common::{Backend, app, bytes, error, example_register, get, json};
use vetted_core::date::parse_date;
use vetted_core::engine::{check_register, evaluate};
use vetted_core::model::SupplierId;
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};
use vetted_core::same::same_register;
use vetted_web::auth::Role;

const AS_OF: &str = "2026-03-01";

on_both_backends!(
    a_supplier_comes_with_its_version_as_etag,
    findings_of_every_example_supplier_match_the_engine,
    as_of_defaults_to_today,
    nested_sections_and_items,
    summary_counts_as_vetted_check_does,
    the_due_list_is_vetted_due,
    today_s_summary_and_due_list_follow_writes,
    the_policy_is_shown_as_toml_and_parsed,
    export_round_trips_to_the_imported_register,
    unknown_suppliers_are_404,
);

async fn a_supplier_comes_with_its_version_as_etag(backend: Backend) {
    let (_db, state) = backend.state().await;
    let stored = state
        .store
        .get_supplier(&SupplierId::parse("stratocloud").unwrap())
        .await
        .unwrap();
    let app = app(state, Some(Role::Viewer));
    let res = get(&app, "/api/v1/suppliers/stratocloud").await;
    assert_eq!(res.headers()["etag"], format!("\"{}\"", stored.version));
    let body = json(res, StatusCode::OK).await;
    assert_eq!(body["version"], stored.version);
    assert_eq!(
        body["supplier"],
        serde_json::to_value(&stored.supplier).unwrap()
    );
    assert!(body.get("evaluation").is_none());
}

async fn findings_of_every_example_supplier_match_the_engine(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let register = example_register();
    let policy = Policy::default();
    let as_of = parse_date(AS_OF).unwrap();
    // `vetted check`'s report, built by the same engine.
    let report = check_register(register.suppliers.iter(), &policy, as_of);
    assert_eq!(report.suppliers.len(), register.suppliers.len());
    for expected in &report.suppliers {
        let body = json(
            get(
                &app,
                &format!("/api/v1/suppliers/{}/findings?as_of={AS_OF}", expected.id),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(body["supplier"], expected.id);
        assert_eq!(body["as_of"], AS_OF);
        assert_eq!(body["verdict"], expected.verdict.as_str());
        assert_eq!(body["tier"], serde_json::to_value(expected.tier).unwrap());
        assert_eq!(
            body["findings"],
            serde_json::to_value(&expected.findings).unwrap(),
            "{}",
            expected.id
        );
    }
    // And `?include=findings` on the supplier itself is the same evaluation.
    let s = &register.suppliers[0];
    let body = json(
        get(
            &app,
            &format!("/api/v1/suppliers/{}?include=findings&as_of={AS_OF}", s.id),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let e = evaluate(s, &policy, as_of);
    assert_eq!(body["evaluation"]["verdict"], e.verdict.as_str());
    assert_eq!(
        body["evaluation"]["findings"],
        serde_json::to_value(&e.findings).unwrap()
    );
}

async fn as_of_defaults_to_today(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let body = json(
        get(&app, "/api/v1/suppliers/vektora/findings").await,
        StatusCode::OK,
    )
    .await;
    let today = vetted_core::date::format_date(time::OffsetDateTime::now_utc().date());
    assert_eq!(body["as_of"], today);
}

async fn nested_sections_and_items(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let s = example_register()
        .suppliers
        .into_iter()
        .find(|s| s.locations.len() > 1 && !s.agreements.is_empty())
        .expect("a supplier with locations and agreements");
    let base = format!("/api/v1/suppliers/{}", s.id);
    let res = get(&app, &format!("{base}/locations")).await;
    assert!(res.headers().contains_key("etag"));
    assert_eq!(
        json(res, StatusCode::OK).await,
        serde_json::to_value(&s.locations).unwrap()
    );
    assert_eq!(
        json(
            get(&app, &format!("{base}/locations/1")).await,
            StatusCode::OK
        )
        .await,
        serde_json::to_value(&s.locations[1]).unwrap()
    );
    assert_eq!(
        json(
            get(&app, &format!("{base}/agreements/0")).await,
            StatusCode::OK
        )
        .await,
        serde_json::to_value(&s.agreements[0]).unwrap()
    );
    assert_eq!(
        json(get(&app, &format!("{base}/risk")).await, StatusCode::OK).await,
        serde_json::to_value(&s.risk).unwrap()
    );
    let past_end = format!("{base}/locations/{}", s.locations.len());
    let body = error(
        get(&app, &past_end).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        body["message"],
        format!(
            "record `{}.locations[{}]` not found",
            s.id,
            s.locations.len()
        )
    );
    error(
        get(&app, &format!("{base}/risk/0")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    error(
        get(&app, &format!("{base}/colours")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let body = error(
        get(&app, &format!("{base}/locations/first")).await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
    assert_eq!(body["problems"][0]["path"], "index");
}

async fn summary_counts_as_vetted_check_does(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let register = example_register();
    let report = check_register(
        register.suppliers.iter(),
        &Policy::default(),
        parse_date(AS_OF).unwrap(),
    );
    let body = json(
        get(&app, &format!("/api/v1/evaluation/summary?as_of={AS_OF}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        body["verdicts"],
        serde_json::to_value(&report.summary).unwrap()
    );
    assert_eq!(body["suppliers"], register.suppliers.len());
    assert_eq!(
        body["failing"],
        report
            .suppliers
            .iter()
            .filter(|s| s
                .findings
                .iter()
                .any(|f| f.severity == vetted_core::report::Severity::Fail))
            .count()
    );
    let tiers = &body["tiers"];
    let total: u64 = ["critical", "high", "medium", "low", "none"]
        .iter()
        .map(|t| tiers[t].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, register.suppliers.len());
    let high = report
        .suppliers
        .iter()
        .filter(|s| s.tier == Some(vetted_core::model::Tier::High))
        .count();
    assert_eq!(tiers["high"], high);
}

async fn the_due_list_is_vetted_due(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let register = example_register();
    let policy = Policy::default();
    let expected = vetted_app::evaluate::due_list(
        &register.suppliers,
        &policy,
        parse_date(AS_OF).unwrap(),
        Some(60),
    );
    assert!(!expected.is_empty(), "the example has something due");
    let body = json(
        get(&app, &format!("/api/v1/due?as_of={AS_OF}&within=2m")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["within_days"], 60);
    assert_eq!(body["items"], serde_json::to_value(&expected).unwrap());
    assert_eq!(body["total"], expected.len());
    // Pages of 3: the same items, in order, with the total on each page.
    let mut paged = Vec::new();
    for offset in (0..expected.len()).step_by(3) {
        let page = json(
            get(
                &app,
                &format!("/api/v1/due?as_of={AS_OF}&within=2m&limit=3&offset={offset}"),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(page["total"], expected.len());
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(
        serde_json::Value::Array(paged),
        serde_json::to_value(&expected).unwrap()
    );
    error(
        get(&app, "/api/v1/due?limit=0").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
    let body = json(
        get(&app, &format!("/api/v1/due?as_of={AS_OF}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["within_days"], policy.review.due_soon_days);
}

async fn the_policy_is_shown_as_toml_and_parsed(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let body = json(get(&app, "/api/v1/policy").await, StatusCode::OK).await;
    let policy = Policy::default();
    assert_eq!(body["toml"], vetted_core::policy::DEFAULT_POLICY_TOML);
    assert_eq!(body["name"], policy.name);
    assert_eq!(body["version"], policy.version);
    assert_eq!(
        body["clauses"].as_array().unwrap().len(),
        policy.clauses.len()
    );
    assert!(
        body["allowed_countries"]
            .as_array()
            .unwrap()
            .contains(&"DE".into())
    );
}

async fn export(app: &axum::Router, format: &str) -> (String, String, Vec<u8>) {
    let res = get(app, &format!("/api/v1/register/export?format={format}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    let cd = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    (ct, cd, bytes(res).await)
}

async fn export_round_trips_to_the_imported_register(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let imported = example_register();
    let policy = Policy::default();
    let options = ReadOptions {
        clauses: Some(&policy.clauses),
    };
    for (format, syntax, media) in [
        ("json", Syntax::Json, "application/json"),
        ("yaml", Syntax::Yaml, "application/yaml"),
    ] {
        let (ct, cd, body) = export(&app, format).await;
        assert_eq!(ct, media);
        assert_eq!(cd, format!("attachment; filename=\"register.{format}\""));
        let back = read_register(std::str::from_utf8(&body).unwrap(), syntax, &options)
            .unwrap_or_else(|p| panic!("{format}: {p:?}"));
        assert!(same_register(&back, &imported), "{format}");
        assert_eq!(back, imported, "{format}: register order kept too");
    }
    let (ct, _, body) = export(&app, "xlsx").await;
    assert_eq!(
        ct,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let back = vetted_app::tabular::read_xlsx(&body, "register.xlsx", &policy).unwrap();
    // The spreadsheet layout cannot tell an empty text from an absent one (the example has an
    // assessment with `"notes": ""`), so the workbook is held to what `vetted export` writes
    // and `vetted import` reads back, not to the JSON document.
    let via_cli = vetted_app::tabular::read_xlsx(
        &vetted_app::tabular::write_xlsx(&imported, &policy).unwrap(),
        "cli.xlsx",
        &policy,
    )
    .unwrap();
    assert_eq!(back, via_cli, "xlsx");
    let (ct, cd, body) = export(&app, "csv").await;
    assert_eq!(ct, "text/csv; charset=utf-8");
    assert_eq!(cd, "attachment; filename=\"suppliers.csv\"");
    let sheets = vetted_app::tabular::write_csv_sheets(&imported, &policy);
    assert_eq!(body, sheets[0].1);
    let res = get(&app, "/api/v1/register/export?format=csv&sheet=locations").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = error(
        get(&app, "/api/v1/register/export?format=csv&sheet=colours").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
    assert_eq!(body["problems"][0]["path"], "sheet");
}

async fn unknown_suppliers_are_404(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let body = error(
        get(&app, "/api/v1/suppliers/nobody").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(body["message"], "supplier `nobody` not found");
    for uri in [
        "/api/v1/suppliers/nobody/findings",
        "/api/v1/suppliers/nobody/locations",
        "/api/v1/suppliers/nobody/locations/0",
    ] {
        error(get(&app, uri).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

/// Today's summary and the due list within 30 days, as the API answers them.
async fn check(app: &axum::Router, verdicts: serde_json::Value, due: serde_json::Value) {
    let summary = json(get(app, "/api/v1/evaluation/summary").await, StatusCode::OK).await;
    assert_eq!(summary["verdicts"], verdicts);
    let list = json(get(app, "/api/v1/due?within=30").await, StatusCode::OK).await;
    assert_eq!(list["items"], due);
    let items = due.as_array().unwrap();
    let page = json(
        get(app, "/api/v1/due?within=30&limit=2&offset=1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["total"], items.len());
    assert_eq!(page["items"].as_array().unwrap()[..], items[1..3]);
}

/// Today's summary and due list (answered from the register's snapshot) equal a fresh
/// evaluation of the stored register, before and after a write.
async fn today_s_summary_and_due_list_follow_writes(backend: Backend) {
    let (_db, state) = backend.state().await;
    let store = std::sync::Arc::clone(&state.store);
    let app = app(state, Some(Role::Viewer));
    let policy = Policy::default();
    let today = time::OffsetDateTime::now_utc().date();
    let fresh = || async {
        let suppliers: Vec<vetted_core::model::Supplier> = store
            .list_suppliers()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.supplier)
            .collect();
        let report = check_register(suppliers.iter(), &policy, today);
        let due = vetted_app::evaluate::due_list(&suppliers, &policy, today, Some(30));
        (
            serde_json::to_value(&report.summary).unwrap(),
            serde_json::to_value(&due).unwrap(),
        )
    };
    let (verdicts, due) = fresh().await;
    check(&app, verdicts, due.clone()).await;

    // Archive a supplier that is due for something: both answers change with the store.
    let id = SupplierId::parse("pulsepoll").unwrap();
    let version = store.get_supplier(&id).await.unwrap().version;
    store
        .archive_supplier(
            &id,
            version,
            &vetted_store::Change::now(vetted_core::audit::Actor::System),
        )
        .await
        .unwrap();
    let (verdicts_after, due_after) = fresh().await;
    assert_ne!(due_after, due, "the archived supplier's items are gone");
    check(&app, verdicts_after, due_after).await;
}
