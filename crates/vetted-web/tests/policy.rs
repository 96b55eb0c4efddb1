//! Policy versions through the API: uploading (admins only, validated, audited, in force at
//! once), the history, and a second server on the same database following within one tick of
//! its background task ([`vetted_web::current::Refresher`]), driven here by the test.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, app, error, get, json, send};
use time::macros::date;
use vetted_core::audit::action;
use vetted_core::policy::{DEFAULT_POLICY_TOML, Policy};
use vetted_store::{AuditQuery, Store};
use vetted_web::auth::Role;
use vetted_web::current::Refresher;
use vetted_web::{AppState, WebConfig};

on_both_backends!(
    an_upload_is_in_force_at_once_and_kept_with_its_history,
    an_invalid_policy_is_422_with_its_problems_and_nothing_is_stored,
    only_an_admin_uploads_and_only_toml,
    another_server_follows_within_one_tick,
    a_tick_refreshes_evaluations_once_per_day_and_policy,
    the_background_task_follows_on_its_own,
);

fn renamed(name: &str) -> String {
    DEFAULT_POLICY_TOML.replace("name = \"default\"", &format!("name = \"{name}\""))
}

fn put(text: &str, content_type: &str) -> Request<Body> {
    Request::put("/api/v1/policy")
        .header("content-type", content_type)
        .body(Body::from(text.to_string()))
        .unwrap()
}

async fn an_upload_is_in_force_at_once_and_kept_with_its_history(backend: Backend) {
    let (_db, state) = backend.state().await;
    let admin = app(state.clone(), Some(Role::Admin));
    let body = json(
        send(&admin, put(&renamed("strict"), "application/toml")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["name"], "strict");
    assert_eq!(body["stored_version"]["number"], 1);
    assert_eq!(body["stored_version"]["uploaded_by"]["kind"], "token");
    assert_eq!(body["stored_version"]["uploaded_by"]["id"], "t-test");
    send(
        &admin,
        put(&renamed("stricter"), "text/plain; charset=utf-8"),
    )
    .await;

    let viewer = app(state.clone(), Some(Role::Viewer));
    let shown = json(get(&viewer, "/api/v1/policy").await, StatusCode::OK).await;
    assert_eq!(shown["name"], "stricter");
    assert_eq!(shown["toml"], renamed("stricter"));
    assert_eq!(shown["stored_version"]["number"], 2);
    assert_eq!(state.policy().policy.name, "stricter");

    let history = json(
        get(&viewer, "/api/v1/policy/versions").await,
        StatusCode::OK,
    )
    .await;
    let numbers: Vec<_> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 2]);
    let first = json(
        get(&viewer, "/api/v1/policy/versions/1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["toml"], renamed("strict"));
    assert_eq!(
        first["fingerprint"],
        vetted_core::projection::policy_fingerprint(&renamed("strict"))
    );
    error(
        get(&viewer, "/api/v1/policy/versions/3").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    error(
        get(&viewer, "/api/v1/policy/versions/x").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;

    let uploads: Vec<_> = state
        .store
        .audit_entries(&AuditQuery::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action::POLICY_UPLOAD)
        .collect();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[1].before.as_ref().unwrap()["number"], 1);
    assert_eq!(
        uploads[1].after.as_ref().unwrap()["toml"],
        renamed("stricter")
    );
}

async fn an_invalid_policy_is_422_with_its_problems_and_nothing_is_stored(backend: Backend) {
    let (_db, state) = backend.state().await;
    let admin = app(state.clone(), Some(Role::Admin));
    let text = DEFAULT_POLICY_TOML.replace("due_soon_days = 30", "due_soon_days = -3");
    let body = error(
        send(&admin, put(&text, "application/toml")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not a valid policy"),
        "{body:#}"
    );
    let problems = body["problems"].as_array().unwrap();
    assert!(!problems.is_empty(), "{body:#}");
    let line = text
        .lines()
        .position(|l| l.contains("due_soon_days = -3"))
        .unwrap()
        + 1;
    assert!(
        problems.iter().any(|p| p["line"] == line),
        "a problem on line {line}: {body:#}"
    );

    let syntax = error(
        send(&admin, put("name = \n", "application/toml")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_eq!(syntax["problems"][0]["line"], 1, "{syntax:#}");

    assert_eq!(state.store.latest_policy_number().await.unwrap(), None);
    assert_eq!(state.policy().policy.name, "default");
    assert!(state.policy().version.is_none());
}

async fn only_an_admin_uploads_and_only_toml(backend: Backend) {
    let (_db, state) = backend.state().await;
    let text = renamed("x");
    for (role, status, code) in [
        (None, StatusCode::UNAUTHORIZED, "unauthenticated"),
        (Some(Role::Viewer), StatusCode::FORBIDDEN, "forbidden"),
        (Some(Role::Editor), StatusCode::FORBIDDEN, "forbidden"),
    ] {
        let app = app(state.clone(), role);
        error(
            send(&app, put(&text, "application/toml")).await,
            status,
            code,
        )
        .await;
    }
    let admin = app(state.clone(), Some(Role::Admin));
    error(
        send(&admin, put(&text, "application/json")).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    assert_eq!(state.store.latest_policy_number().await.unwrap(), None);
}

/// A second server's state over the same database as `state`.
async fn second_server(backend: Backend, guard: &common::Guard) -> AppState {
    let url = match (backend, guard) {
        (Backend::Sqlite, common::Guard::Sqlite(dir)) => {
            dir.path().join("vetted.db").display().to_string()
        }
        (Backend::Postgres, common::Guard::Postgres(db)) => db.url().to_string(),
        _ => unreachable!("the guard is of its backend"),
    };
    let key = vetted_core::audit::AuditKey::from_bytes(&[7; 32]).unwrap();
    let store: Arc<dyn Store> =
        vetted_store::open_with_audit_key(&vetted_store::DatabaseUrl::new(&url), key)
            .await
            .unwrap();
    AppState::new(store, Policy::default(), WebConfig::default())
}

async fn another_server_follows_within_one_tick(backend: Backend) {
    let (guard, one) = backend.state().await;
    let two = second_server(backend, &guard).await;
    let mut refresher = Refresher::new(two.clone());
    assert_eq!(
        refresher
            .tick(date!(2026 - 03 - 01))
            .await
            .unwrap()
            .activated,
        None
    );

    let admin = app(one, Some(Role::Admin));
    json(
        send(&admin, put(&renamed("shared"), "application/toml")).await,
        StatusCode::OK,
    )
    .await;
    let viewer = app(two.clone(), Some(Role::Viewer));
    let before = json(get(&viewer, "/api/v1/policy").await, StatusCode::OK).await;
    assert_eq!(before["name"], "default", "not before the tick");

    let tick = refresher.tick(date!(2026 - 03 - 01)).await.unwrap();
    assert_eq!(tick.activated, Some(1));
    assert!(tick.refreshed > 0, "a new policy re-evaluates: {tick:?}");
    let after = json(get(&viewer, "/api/v1/policy").await, StatusCode::OK).await;
    assert_eq!(after["name"], "shared");
    assert_eq!(after["stored_version"]["number"], 1);
    assert_eq!(
        refresher
            .tick(date!(2026 - 03 - 01))
            .await
            .unwrap()
            .activated,
        None
    );
    two.store.close().await;
}

async fn a_tick_refreshes_evaluations_once_per_day_and_policy(backend: Backend) {
    let (_db, state) = backend.state().await;
    let suppliers = state.store.count_suppliers().await.unwrap();
    let mut refresher = Refresher::new(state.clone());
    let first = refresher.tick(date!(2026 - 03 - 01)).await.unwrap();
    assert_eq!(first.refreshed, suppliers);
    let same_day = refresher.tick(date!(2026 - 03 - 01)).await.unwrap();
    assert_eq!(same_day.refreshed, 0);
    let next_day = refresher.tick(date!(2026 - 03 - 02)).await.unwrap();
    assert_eq!(next_day.refreshed, suppliers);
}

/// The spawned task, not a driven tick: within a few of its (short) intervals.
async fn the_background_task_follows_on_its_own(backend: Backend) {
    let (guard, one) = backend.state().await;
    let two = second_server(backend, &guard).await;
    let task = Refresher::new(two.clone()).spawn(std::time::Duration::from_millis(20));
    one.store
        .add_policy_version(
            &renamed("background"),
            &vetted_store::Change::now(vetted_core::audit::Actor::System),
        )
        .await
        .unwrap();
    let start = std::time::Instant::now();
    while two.policy().policy.name != "background" {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "the second server did not follow"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(two.policy().version.as_ref().map(|v| v.number), Some(1));
    task.abort();
    two.store.close().await;
}
