//! Every error shape of the API: JSON bodies with a stable code and, where it applies, the
//! problems with their field path (and line and column in a body). Bad input is never
//! answered with text or a 5xx.

mod common;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use common::{app, error, get, json, send, state_with_example};
use vetted_core::section::RecordAt;
use vetted_web::auth::{Role, Viewer};
use vetted_web::error::ApiError;
use vetted_web::extract::{ApiJson, JsonText, SupplierJson, decode_record};
use vetted_web::{AppState, WebConfig, layers};

#[tokio::test]
async fn every_api_route_needs_a_signed_in_user() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(state_with_example(&dir, WebConfig::default()).await, None);
    let doc = vetted_web::api::openapi();
    let mut checked = 0;
    // Every readable path (`tests/authz.rs` sends every operation with every credential).
    for (path, _) in doc
        .paths
        .paths
        .iter()
        .filter(|(p, item)| p.starts_with("/api/v1/") && item.get.is_some())
    {
        let uri = path
            .replace("{id}", "stratocloud")
            .replace("{section}", "locations")
            .replace("{index}", "0");
        let res = get(&app, &uri).await;
        assert_eq!(res.headers()["www-authenticate"], "Bearer", "{uri}");
        error(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} routes");
    // The operational routes need no login.
    json(get(&app, "/healthz").await, StatusCode::OK).await;
    json(get(&app, "/api/openapi.json").await, StatusCode::OK).await;
}

#[tokio::test]
async fn unknown_suppliers_paths_and_methods() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(
        state_with_example(&dir, WebConfig::default()).await,
        Some(Role::Viewer),
    );
    let body = error(
        get(&app, "/api/v1/suppliers/nobody").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(body["message"], "supplier `nobody` not found");
    error(
        get(&app, "/api/v1/suppliers/nobody/findings").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let body = error(
        get(&app, "/api/v1/suppliers/a%20b").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
    assert_eq!(body["problems"][0]["path"], "id");
    assert_eq!(
        body["problems"][0]["message"],
        "supplier id must not contain whitespace"
    );
    error(
        get(&app, "/api/v1/nowhere").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let res = send(
        &app,
        Request::delete("/api/v1/policy")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    error(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn bad_query_parameters_name_the_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(
        state_with_example(&dir, WebConfig::default()).await,
        Some(Role::Viewer),
    );
    for (uri, param, message) in [
        (
            "/api/v1/due?as_of=2026-02-30",
            "as_of",
            "`2026-02-30` is not a date: expected YYYY-MM-DD (an existing day)",
        ),
        (
            "/api/v1/due?within=soon",
            "within",
            "`soon` is not a duration: expected e.g. 30d, 8w or 3m",
        ),
        (
            "/api/v1/due?as_of=2026-01-01&as_of=2026-01-02",
            "as_of",
            "given more than once",
        ),
        (
            "/api/v1/evaluation/summary?asof=2026-01-01",
            "asof",
            "unknown parameter: expected as_of or at",
        ),
        (
            "/api/v1/policy?verbose=1",
            "verbose",
            "unknown parameter: this endpoint takes none",
        ),
        (
            "/api/v1/suppliers/vektora?include=everything",
            "include",
            "unknown value `everything`: expected findings",
        ),
        (
            "/api/v1/suppliers/vektora?as_of=2026-01-01",
            "as_of",
            "only meaningful with include=findings",
        ),
        (
            "/api/v1/register/export?format=pdf",
            "format",
            "unknown value `pdf`: expected json, yaml, csv or xlsx",
        ),
    ] {
        let body = error(
            get(&app, uri).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        )
        .await;
        assert_eq!(body["problems"][0]["path"], param, "{uri}");
        assert_eq!(body["problems"][0]["message"], message, "{uri}");
        assert_eq!(
            body["message"],
            format!("bad parameter `{param}`: {message}"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_failing_store_is_a_500_that_reveals_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_with_example(&dir, WebConfig::default()).await;
    state.store.close().await;
    let app = app(state, Some(Role::Viewer));
    let body = error(
        get(&app, "/api/v1/suppliers/vektora").await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
    )
    .await;
    assert_eq!(
        body["message"],
        "an internal error occurred; it has been logged"
    );
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
}

/// Write endpoints come later; the body extractors are tested on routes of their own, behind
/// the server's real layers (body limit included).
fn body_app(state: AppState) -> Router {
    let limit = state.config.body_limit_bytes;
    let routes = Router::new()
        .route(
            "/supplier",
            post(|_: Viewer, SupplierJson(s): SupplierJson| async move { s.id.to_string() }),
        )
        .route(
            "/location",
            post(
                |axum::extract::State(state): axum::extract::State<AppState>,
                 JsonText(text): JsonText| async move {
                    decode_record(&text, RecordAt::Location(3), &state.policy().policy)
                        .map(|_| "ok")
                        .into_response()
                },
            ),
        )
        .route(
            "/serde",
            post(
                |ApiJson(v): ApiJson<std::collections::BTreeMap<String, u8>>| async move {
                    v.len().to_string()
                },
            ),
        )
        .with_state(state);
    layers(routes, limit).layer(axum::Extension(common::principal(Role::Editor)))
}

fn post_json(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn a_supplier_body_is_decoded_with_the_import_messages() {
    let dir = tempfile::tempdir().unwrap();
    let app = body_app(state_with_example(&dir, WebConfig::default()).await);
    let res = send(
        &app,
        post_json("/supplier", r#"{"id": "acme", "status": "active"}"#),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = r#"{"id": "acme",
 "stauts": "active",
 "locations": [{"country": "DE", "purpose": "storage"}, {"country": "UK", "purpose": "storage"}]}"#;
    let body = error(
        send(&app, post_json("/supplier", body)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    let problems = body["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{body:#}");
    assert_eq!(problems[0]["path"], "stauts");
    assert_eq!(problems[0]["line"], 2);
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(did you mean \"status\"?)")
    );
    assert_eq!(problems[1]["path"], "locations[1].country");
    assert_eq!(problems[1]["line"], 3);
    assert!(
        problems[1]["message"].as_str().unwrap().contains("GB"),
        "{body:#}"
    );
    assert_eq!(
        body["message"],
        "the body does not match the register format (2 problems)"
    );
}

#[tokio::test]
async fn a_nested_record_has_its_path_inside_the_supplier() {
    let dir = tempfile::tempdir().unwrap();
    let app = body_app(state_with_example(&dir, WebConfig::default()).await);
    let body = error(
        send(
            &app,
            post_json("/location", r#"{"country": "DE", "purpose": "storing"}"#),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_eq!(body["problems"][0]["path"], "locations[3].purpose");
    assert_eq!(body["problems"][0]["column"], 30);
    assert_eq!(
        body["problems"][0]["message"],
        "unknown value \"storing\": expected storage, processing, inference or access"
    );
}

#[tokio::test]
async fn malformed_json_is_400_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let app = body_app(state_with_example(&dir, WebConfig::default()).await);
    let body = error(
        send(
            &app,
            post_json("/supplier", "{\"id\": \"acme\",\n  \"name\": 'Acme'}"),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    let p = &body["problems"][0];
    assert_eq!(
        (p["line"].as_u64(), p["column"].as_u64()),
        (Some(2), Some(11)),
        "{body:#}"
    );
    assert_eq!(p["path"], "");
    error(
        send(&app, post_json("/supplier", "")).await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    error(
        send(&app, post_json("/supplier", vec![b'"', 0xff, b'"'])).await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
}

#[tokio::test]
async fn serde_bodies_name_the_field_too() {
    let dir = tempfile::tempdir().unwrap();
    let app = body_app(state_with_example(&dir, WebConfig::default()).await);
    let body = error(
        send(&app, post_json("/serde", r#"{"a": 1, "b": 300}"#)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_eq!(body["problems"][0]["path"], "b");
}

#[tokio::test]
async fn the_wrong_content_type_is_415() {
    let dir = tempfile::tempdir().unwrap();
    let app = body_app(state_with_example(&dir, WebConfig::default()).await);
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut req = Request::post("/supplier");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = send(&app, req.body(Body::from(r#"{"id":"a"}"#)).unwrap()).await;
        error(
            res,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
}

#[tokio::test]
async fn an_oversize_body_is_a_json_413_declared_or_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let config = WebConfig {
        body_limit_bytes: 64,
        ..WebConfig::default()
    };
    let app = body_app(state_with_example(&dir, config).await);
    let big = format!(r#"{{"id": "acme", "name": "{}"}}"#, "x".repeat(100));
    let body = error(
        send(&app, post_json("/supplier", big.clone())).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert_eq!(
        body["message"],
        "the body is larger than the limit of 64 bytes"
    );
    // No content-length: the limit holds while the body streams in.
    let chunks: Vec<Result<Bytes, std::io::Error>> = big
        .into_bytes()
        .chunks(16)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let req = Request::post("/supplier")
        .header("content-type", "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    error(
        send(&app, req).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
}

#[test]
fn store_errors_map_once() {
    use vetted_store::StoreError;
    let e: ApiError = StoreError::NotFound {
        what: "supplier",
        id: "x".into(),
    }
    .into();
    assert_eq!(e.status_and_code().0, StatusCode::NOT_FOUND);
    let e: ApiError = StoreError::Conflict {
        what: "supplier",
        id: "x".into(),
        reason: "changed meanwhile".into(),
    }
    .into();
    assert_eq!(e.status_and_code(), (StatusCode::CONFLICT, "conflict"));
    assert_eq!(e.to_string(), "supplier `x`: changed meanwhile");
    let e: ApiError =
        StoreError::other("listing suppliers", "disk I/O error at /secret/path").into();
    assert_eq!(e.status_and_code().0, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!serde_json::to_string(&e.body()).unwrap().contains("secret"));
    let body = ApiError::Conflict {
        message: "stale".into(),
        current: Some(serde_json::json!({"version": 4})),
    }
    .body();
    assert_eq!(
        serde_json::to_value(&body).unwrap()["current"]["version"],
        4
    );
}

/// Hostile or broken paths and query strings on every route: always a JSON 4xx (or a 200 for
/// a harmless one), never text and never a 5xx.
#[tokio::test]
async fn bad_input_is_never_text_or_a_5xx() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(
        state_with_example(&dir, WebConfig::default()).await,
        Some(Role::Viewer),
    );
    let ids = [
        "%FF",
        "%00",
        "..",
        "a%2Fb",
        "%20",
        &"x".repeat(5000),
        "stratocloud",
    ];
    let sections = ["locations", "%FF", "LOCATIONS", "0"];
    let indexes = ["0", "-1", "18446744073709551616", "%FF", "1e3"];
    let queries = [
        "",
        "?",
        "?%FF=1",
        "?as_of=%FF",
        "?as_of=",
        "?=",
        "?&&",
        "?as_of=2026-13-01",
        "?within=99999999999d",
        "?include=findings&include=findings",
    ];
    let mut uris = Vec::new();
    for id in ids {
        uris.push(format!("/api/v1/suppliers/{id}"));
        uris.push(format!("/api/v1/suppliers/{id}/findings"));
        for section in sections {
            uris.push(format!("/api/v1/suppliers/{id}/{section}"));
            for index in indexes {
                uris.push(format!("/api/v1/suppliers/{id}/{section}/{index}"));
            }
        }
    }
    for base in [
        "/api/v1/due",
        "/api/v1/evaluation/summary",
        "/api/v1/policy",
        "/api/v1/register/export",
    ] {
        uris.push(base.to_string());
    }
    let mut checked = 0;
    for uri in &uris {
        for query in queries {
            let uri = format!("{uri}{query}");
            let res = get(&app, &uri).await;
            let status = res.status();
            assert!(
                status.is_success() || status.is_client_error(),
                "{uri}: {status}"
            );
            if status.is_client_error() {
                json(res, status).await;
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}
