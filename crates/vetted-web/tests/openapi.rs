//! The OpenAPI document: its snapshot, a structural check of the OpenAPI 3.1 rules we rely on,
//! and that the router and the document list the same routes.

mod common;

use std::collections::{BTreeSet, HashSet};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{app, bytes, send, state_with_example};
use serde_json::Value;
use vetted_web::WebConfig;
use vetted_web::auth::Role;

async fn served_document() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let app = app(state_with_example(&dir, WebConfig::default()).await, None);
    let res = common::get(&app, "/api/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    serde_json::from_slice(&bytes(res).await).unwrap()
}

#[tokio::test]
async fn the_document_is_snapshot_tested() {
    let doc = served_document().await;
    insta::assert_json_snapshot!("openapi", doc);
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every `$ref` in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// The rules of OpenAPI 3.1 that a generator can get wrong, checked on the served document.
#[tokio::test]
async fn the_document_is_structurally_valid_openapi_3_1() {
    let doc = served_document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let security_schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(security_schemes["bearer"]["type"], "http");
    assert_eq!(security_schemes["bearer"]["scheme"], "bearer");
    assert_eq!(security_schemes["session"]["type"], "apiKey");
    assert_eq!(security_schemes["session"]["in"], "cookie");
    let tags: HashSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();

    // Every reference resolves.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(schemas.contains_key(name), "dangling reference {r}");
    }

    let mut operation_ids = HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with('/'), "{path}");
        let templated: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for (method, op) in item.as_object().unwrap() {
            assert!(METHODS.contains(&method.as_str()), "{path}: {method}");
            let what = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: no operationId"));
            assert!(
                operation_ids.insert(id.to_string()),
                "{what}: operationId {id} repeated"
            );
            for t in op["tags"].as_array().unwrap() {
                assert!(
                    tags.contains(t.as_str().unwrap()),
                    "{what}: undeclared tag {t}"
                );
            }
            // Path parameters: exactly the template's, each required.
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let declared: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    assert_eq!(p["required"], true, "{what}: {p}");
                    p["name"].as_str().unwrap()
                })
                .collect();
            assert_eq!(declared, templated, "{what}");
            let mut names = HashSet::new();
            for p in &params {
                assert!(["path", "query", "header", "cookie"].contains(&p["in"].as_str().unwrap()));
                assert!(p["schema"].is_object(), "{what}: {p}");
                assert!(
                    p["description"].is_string(),
                    "{what}: parameter without description {p}"
                );
                assert!(
                    names.insert((p["in"].clone(), p["name"].clone())),
                    "{what}: repeated {p}"
                );
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what}: no success response"
            );
            for (status, r) in responses {
                assert!(
                    status.len() == 3 && status.parse::<u16>().is_ok(),
                    "{what}: {status}"
                );
                assert!(r["description"].is_string(), "{what} {status}");
            }
            // The API needs a login, declares how, and documents its refusal.
            if path.starts_with("/api/v1/") {
                let security = op["security"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{what}: no security"));
                for requirement in security {
                    for scheme in requirement.as_object().unwrap().keys() {
                        assert!(security_schemes.contains_key(scheme), "{what}: {scheme}");
                    }
                }
                assert!(responses.contains_key("401"), "{what}");
            } else {
                assert!(op.get("security").is_none(), "{what}");
            }
        }
    }
}

/// Fills a documented path's parameters with values that exist in the example register.
fn concrete(path: &str) -> String {
    let id = if path.starts_with("/api/v1/risks/") {
        "R-07"
    } else {
        "stratocloud"
    };
    path.replace("{id}", id)
        .replace("{section}", "locations")
        .replace("{index}", "0")
        .replace("{number}", "1")
}

/// The router serves every documented operation, and nothing undocumented on a documented
/// path: each other method is a 405. Routes are registered only through utoipa-axum's
/// `routes!` (checked in the source below), so a path cannot be routed without being
/// documented either. Reads answer 200 here; writes, sent without a body, answer whatever
/// their handler says of that (a 4xx), but never 405 or "no such endpoint" (`tests/authz.rs`
/// sends every operation with real credentials and checks the exact status).
#[tokio::test]
async fn the_router_and_the_document_list_the_same_routes() {
    let dir = tempfile::tempdir().unwrap();
    // With the audit key, so `audit/verify` can answer.
    let state = state_with_example(&dir, WebConfig::default())
        .await
        .with_audit_key(vetted_core::audit::AuditKey::from_bytes(&[7; 32]).unwrap());
    // Policy version 1 exists, for `/api/v1/policy/versions/{number}`.
    state
        .store
        .add_policy_version(
            vetted_core::policy::DEFAULT_POLICY_TOML,
            &vetted_store::Change::now(vetted_core::audit::Actor::System),
        )
        .await
        .unwrap();
    let app = app(state, Some(Role::Admin));
    let doc = vetted_web::api::openapi();
    let doc = serde_json::to_value(doc).unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let documented: HashSet<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for method in ["get", "put", "post", "delete", "patch"] {
            let req = Request::builder()
                .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                .uri(concrete(path))
                .body(Body::empty())
                .unwrap();
            let res = send(&app, req).await;
            if documented.contains(method) {
                operations += 1;
                let status = res.status();
                let body = String::from_utf8_lossy(&bytes(res).await).into_owned();
                if method == "get" && !path.starts_with("/api/v1/auth/") && path != "/setup" {
                    assert_eq!(status, StatusCode::OK, "{method} {path}: {body}");
                }
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                assert!(
                    !body.contains("no such endpoint"),
                    "{method} {path} is documented but not routed"
                );
            } else {
                assert_eq!(
                    res.status(),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is routed but not documented"
                );
            }
        }
    }
    assert!(operations >= 11, "{operations}");

    for (file, source) in [
        ("lib.rs", include_str!("../src/lib.rs")),
        ("health.rs", include_str!("../src/health.rs")),
        ("api/mod.rs", include_str!("../src/api/mod.rs")),
        ("api/suppliers.rs", include_str!("../src/api/suppliers.rs")),
        (
            "api/evaluation.rs",
            include_str!("../src/api/evaluation.rs"),
        ),
        ("api/policy.rs", include_str!("../src/api/policy.rs")),
        ("api/register.rs", include_str!("../src/api/register.rs")),
        ("api/audit.rs", include_str!("../src/api/audit.rs")),
        ("api/risks.rs", include_str!("../src/api/risks.rs")),
        ("auth.rs", include_str!("../src/auth.rs")),
        ("auth/api.rs", include_str!("../src/auth/api.rs")),
        ("auth/setup.rs", include_str!("../src/auth/setup.rs")),
        (
            "auth/middleware.rs",
            include_str!("../src/auth/middleware.rs"),
        ),
        ("auth/cookie.rs", include_str!("../src/auth/cookie.rs")),
    ] {
        for plain in [".route(", ".route_service(", ".nest(", ".nest_service("] {
            assert!(
                !source.contains(plain),
                "{file} registers a route with {plain}: use routes!() so it is documented"
            );
        }
    }
}
