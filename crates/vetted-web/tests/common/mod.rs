//! Shared set-up of the API tests: a fresh store holding `examples/register.json`, the router
//! with a test layer that signs a request in as a given role (the real authentication
//! middleware replaces this layer later), and request helpers.

#![allow(
    dead_code,
    reason = "each test file uses its own part of these helpers"
)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;
use tower::ServiceExt;
use vetted_core::model::Register;
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};
use vetted_web::auth::{Principal, Role, Via};
use vetted_web::{AppState, WebConfig};

/// Page tests' helpers (a signed-in browser-like visitor, HTML with CSS selectors).
pub mod pages;

/// The store's scratch `PostgreSQL` databases, shared with its own tests.
#[path = "../../../vetted-store/tests/scratch/mod.rs"]
pub mod scratch;

/// The example register, as a file import reads it.
pub fn example_register() -> Register {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/register.json"
    ))
    .expect("examples/register.json");
    let policy = Policy::default();
    read_register(
        &text,
        Syntax::Json,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
    .expect("the example register is valid")
}

/// A state over a fresh `SQLite` store in `dir`, holding the example register.
pub async fn state_with_example(dir: &tempfile::TempDir, config: WebConfig) -> AppState {
    let url = dir.path().join("vetted.db").display().to_string();
    state_at(&url, config).await
}

/// A state over a fresh store at `url`, holding the example register.
async fn state_at(url: &str, config: WebConfig) -> AppState {
    let key = vetted_core::audit::AuditKey::from_bytes(&[7; 32]).expect("a test key");
    let store =
        vetted_store::open_with_audit_key(&vetted_store::DatabaseUrl::new(url), key.clone())
            .await
            .expect("open a fresh store");
    let change = vetted_store::Change::now(vetted_core::audit::Actor::System);
    store
        .upsert_register(&example_register(), &change, &|_| {})
        .await
        .expect("import the example register");
    AppState::new(store, Policy::default(), config).with_audit_key(key)
}

/// The storage backends the API tests run on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    /// A `SQLite` file in a temporary folder.
    Sqlite,
    /// A scratch database on the server of `VETTED_TEST_POSTGRES_URL` (the test fails without
    /// it; it never skips).
    Postgres,
}

/// What keeps a test's database alive: dropped at the end of the test.
pub enum Guard {
    Sqlite(tempfile::TempDir),
    Postgres(scratch::ScratchDatabase),
}

impl Backend {
    /// A fresh store of this backend holding the example register, and its guard.
    pub async fn state(self) -> (Guard, AppState) {
        match self {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let state = state_with_example(&dir, WebConfig::default()).await;
                (Guard::Sqlite(dir), state)
            }
            Backend::Postgres => {
                let db =
                    scratch::ScratchDatabase::create(&scratch::server_url(), "vetted_web_test")
                        .await;
                let state = state_at(db.url(), WebConfig::default()).await;
                (Guard::Postgres(db), state)
            }
        }
    }
}

/// Runs each named `async fn(Backend)` as a test on `SQLite` and one on `PostgreSQL`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name($crate::common::Backend::Sqlite).await })+
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name($crate::common::Backend::Postgres).await })+
        }
    };
}

/// A signed-in principal of `role`, as the authentication middleware will insert it.
pub fn principal(role: Role) -> Principal {
    Principal {
        user_id: "u-test".into(),
        role,
        via: Via::Token {
            id: "t-test".into(),
        },
    }
}

/// The application, with requests signed in as `role` (`None`: anonymous).
pub fn app(state: AppState, role: Option<Role>) -> Router {
    let router = vetted_web::router(state);
    match role {
        Some(role) => router.layer(axum::Extension(principal(role))),
        None => router,
    }
}

/// Sends one request.
pub async fn send(app: &Router, req: Request<Body>) -> Response {
    app.clone().oneshot(req).await.expect("the router answers")
}

/// Sends `GET uri`.
pub async fn get(app: &Router, uri: &str) -> Response {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

/// The body's bytes.
pub async fn bytes(res: Response) -> Vec<u8> {
    res.into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

/// Asserts the status and that the body is JSON; returns it.
pub async fn json(res: Response, status: StatusCode) -> serde_json::Value {
    assert_eq!(res.status(), status, "status");
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    let body = bytes(res).await;
    assert_eq!(
        content_type,
        "application/json",
        "{}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).expect("a JSON body")
}

/// Asserts an error answer: status, JSON body, its `error` code; returns the body.
pub async fn error(res: Response, status: StatusCode, code: &str) -> serde_json::Value {
    let body = json(res, status).await;
    assert_eq!(body["error"], code, "{body:#}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body:#}"
    );
    body
}
