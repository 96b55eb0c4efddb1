//! The risk register's API (`/api/v1/risks…`) and the policy's own review
//! (`POST /api/v1/policy/review`) through the whole router, on SQLite and PostgreSQL: the list
//! and its filters, one risk with its suppliers' versions, a risk written into every supplier
//! it links and removed from those it no longer does, the version rule (428 without versions,
//! 409 with the risk as it is now), the checks of the register format and the policy (422 with
//! each problem's path), and a policy review stored as a new version with the rest of the file
//! kept.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, app, error, get, json, send};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use vetted_core::model::SupplierId;
use vetted_web::auth::Role;

on_both_backends!(
    the_list_filters_as_the_page_does,
    one_risk_carries_the_versions_of_its_suppliers,
    a_put_writes_every_copy_and_unlinks,
    writes_need_the_versions_read,
    bad_risks_are_422_with_their_path,
    a_policy_review_is_a_new_version_with_the_rest_kept,
    a_policy_review_in_the_future_is_refused,
);

fn put(uri: &str, body: &Value) -> Request<Body> {
    Request::put(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn post(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn the_list_filters_as_the_page_does(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Viewer));
    let all = json(get(&app, "/api/v1/risks").await, StatusCode::OK).await;
    assert_eq!(all["total"], 8);
    assert_eq!(
        ids(&all),
        [
            "R-03", "R-07", "R-09", "R-15", "R-18", "R-19", "R-21", "R-22"
        ]
    );
    let r07 = &all["items"][1];
    assert_eq!(r07["suppliers"][0]["id"], "frontier-reasoning");
    assert_eq!(r07["treatment"], "replace");
    for (query, expected) in [
        ("status=accepted", vec!["R-09"]),
        ("treatment=replace", vec!["R-07"]),
        ("owner=people-ops%40example.eu", vec!["R-19"]),
        ("supplier=postwerk", vec!["R-18"]),
        ("overdue=false&status=closed", vec!["R-03"]),
    ] {
        let body = json(
            get(&app, &format!("/api/v1/risks?{query}")).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(ids(&body), expected, "{query}");
    }
    let body = error(
        get(&app, "/api/v1/risks?status=opne").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
    assert_eq!(body["problems"][0]["path"], "status");
    error(
        get(&app, "/api/v1/risks?colour=red").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
}

async fn one_risk_carries_the_versions_of_its_suppliers(backend: Backend) {
    let (_db, state) = backend.state().await;
    let version = state
        .store
        .get_supplier(&SupplierId::parse("officium").unwrap())
        .await
        .unwrap()
        .version;
    let app = app(state, Some(Role::Viewer));
    let body = json(get(&app, "/api/v1/risks/R-09").await, StatusCode::OK).await;
    assert_eq!(body["id"], "R-09");
    assert_eq!(body["status"], "accepted");
    assert_eq!(body["versions"], json!({"officium": version}));
    assert!(
        body.get("overdue").is_none(),
        "an acceptance without an end never expires"
    );
    error(
        get(&app, "/api/v1/risks/R-99").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn a_put_writes_every_copy_and_unlinks(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state.clone(), Some(Role::Editor));
    // A new risk for two suppliers: no versions needed.
    let until = (OffsetDateTime::now_utc().date() + Duration::days(60)).to_string();
    let body = json(
        send(
            &app,
            put(
                "/api/v1/risks/R-30",
                &json!({"title": "Shared US support", "status": "accepted", "treatment": "accept",
                        "accepted_until": until, "rules": ["selection.residency"],
                        "suppliers": ["officium", "helpdeck"]}),
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["accepted_by"], "user u-test");
    let linked: Vec<&str> = body["suppliers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(linked, ["helpdeck", "officium"], "register order");
    let versions = body["versions"].clone();

    // Unlink helpdeck, retitle: written into officium, removed from helpdeck.
    let body = json(
        send(
            &app,
            put(
                "/api/v1/risks/R-30",
                &json!({"id": "R-30", "title": "US support", "status": "accepted",
                        "treatment": "accept", "accepted_until": until,
                        "suppliers": ["officium"], "versions": versions}),
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["title"], "US support");
    assert_eq!(body["suppliers"].as_array().unwrap().len(), 1);
    let helpdeck = state
        .store
        .get_supplier(&SupplierId::parse("helpdeck").unwrap())
        .await
        .unwrap();
    assert!(
        helpdeck
            .supplier
            .risks
            .iter()
            .all(|r| r.id.as_deref() != Some("R-30"))
    );
    // Viewers may not write.
    let viewer = common::app(state, Some(Role::Viewer));
    error(
        send(
            &viewer,
            put("/api/v1/risks/R-30", &json!({"suppliers": ["officium"]})),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

async fn writes_need_the_versions_read(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state.clone(), Some(Role::Editor));
    let risk = json!({"title": "Customer conversations sent to US inference", "status": "open",
                      "treatment": "replace", "suppliers": ["frontier-reasoning"]});
    error(
        send(&app, put("/api/v1/risks/R-07", &risk)).await,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    let read = json(get(&app, "/api/v1/risks/R-07").await, StatusCode::OK).await;
    let mut outdated = risk.clone();
    outdated["versions"] =
        json!({"frontier-reasoning": read["versions"]["frontier-reasoning"].as_i64().unwrap() - 1});
    let body = error(
        send(&app, put("/api/v1/risks/R-07", &outdated)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(body["current"]["id"], "R-07");
    assert_eq!(body["current"]["versions"], read["versions"]);
    // With the versions read, and a closing status.
    let mut fresh = risk.clone();
    fresh["versions"] = read["versions"].clone();
    fresh["status"] = json!("closed");
    let body = json(
        send(&app, put("/api/v1/risks/R-07", &fresh)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["status"], "closed");
    // The versions just read are stale now.
    error(
        send(&app, put("/api/v1/risks/R-07", &fresh)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
}

async fn bad_risks_are_422_with_their_path(backend: Backend) {
    let (_db, state) = backend.state().await;
    let app = app(state, Some(Role::Editor));
    for (body, path) in [
        (
            json!({"title": "x", "status": "opne", "suppliers": ["officium"]}),
            "status",
        ),
        (
            json!({"title": "x", "status": "open", "due": "2026-02-30", "suppliers": ["officium"]}),
            "due",
        ),
        (
            json!({"title": "x", "status": "open", "rules": ["nope"], "suppliers": ["officium"]}),
            "rules[0]",
        ),
        (
            json!({"title": "x", "status": "accepted", "suppliers": ["officium"]}),
            "accepted_until",
        ),
        (
            json!({"title": "x", "status": "open", "suppliers": []}),
            "suppliers",
        ),
        (
            json!({"title": "x", "status": "open", "suppliers": ["no-such"]}),
            "suppliers[0]",
        ),
        (json!({"title": "x", "status": "open"}), "suppliers"),
        (
            json!({"id": "R-41", "title": "x", "status": "open", "suppliers": ["officium"]}),
            "id",
        ),
        (
            json!({"title": "x", "status": "open", "colour": 1, "suppliers": ["officium"]}),
            "colour",
        ),
    ] {
        let res = error(
            send(&app, put("/api/v1/risks/R-40", &body)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        )
        .await;
        let paths: Vec<&str> = res["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, [path], "{body}");
    }
    let list = json(get(&app, "/api/v1/risks").await, StatusCode::OK).await;
    assert_eq!(list["total"], 8, "nothing written");
}

async fn a_policy_review_is_a_new_version_with_the_rest_kept(backend: Backend) {
    let (_db, state) = backend.state().await;
    let admin = app(state.clone(), Some(Role::Admin));
    let editor = app(state.clone(), Some(Role::Editor));
    error(
        send(&editor, post("/api/v1/policy/review", &json!({}))).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let today = OffsetDateTime::now_utc().date().to_string();
    let body = json(
        send(
            &admin,
            post(
                "/api/v1/policy/review",
                &json!({"version": "2", "owner": "Head of Security"}),
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["last_review"], today);
    assert_eq!(body["version"], "2");
    assert_eq!(body["owner"], "Head of Security");
    assert_eq!(body["stored_version"]["number"], 1);
    // In force at once, and the file otherwise as it was.
    let now = json(get(&admin, "/api/v1/policy").await, StatusCode::OK).await;
    assert_eq!(now["last_review"], today);
    let text = now["toml"].as_str().unwrap();
    let default = vetted_core::policy::DEFAULT_POLICY_TOML;
    let changed: Vec<(&str, &str)> = default
        .lines()
        .zip(text.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 3, "{changed:?}");
    assert_eq!(default.lines().count(), text.lines().count());
    // Audited as an upload.
    let trail = state
        .store
        .audit_entries(&vetted_store::AuditQuery::default())
        .await
        .unwrap();
    assert_eq!(trail.last().unwrap().action, "policy.upload");
}

async fn a_policy_review_in_the_future_is_refused(backend: Backend) {
    let (_db, state) = backend.state().await;
    let admin = app(state.clone(), Some(Role::Admin));
    let tomorrow = (OffsetDateTime::now_utc().date() + Duration::days(1)).to_string();
    for (body, path) in [
        (json!({"date": tomorrow}), "date"),
        (json!({"date": "2020-01-01"}), "date"),
        (json!({"version": "  "}), "version"),
    ] {
        let res = error(
            send(&admin, post("/api/v1/policy/review", &body)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        )
        .await;
        assert_eq!(res["problems"][0]["path"], path, "{body}");
    }
    assert!(
        state.store.policy_versions().await.unwrap().is_empty(),
        "nothing stored"
    );
}
