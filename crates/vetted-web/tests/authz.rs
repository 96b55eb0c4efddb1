//! The authorization matrix: every operation of the OpenAPI document (read from
//! [`vetted_web::api::openapi`], so a new route cannot escape) × every kind of caller, sent
//! through the real router with real credentials (tokens made by `Accounts`, sessions by a real
//! login with their CSRF token), on `SQLite` and on `PostgreSQL`.
//!
//! What each operation needs comes from ONE table, [`MIN_ROLE`]; the test fails when the
//! document has an operation the table lacks (printing the row to add) or the table has one the
//! document lacks. Expected answers:
//! - anonymous: 401 below a login, the public answer on public routes;
//! - a revoked, expired or disabled user's token: 401 everywhere (a bad token is an error, not
//!   an anonymous request); a disabled user's session cookie: 401 below a login;
//! - a role below the operation's: 403; at or above: never 401 or 403, and the exact success
//!   status where [`valid_request`] knows how to make the request valid.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Backend, bytes, send};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use vetted_app::accounts::secret;
use vetted_core::audit::Actor;
use vetted_store::Change;
use vetted_store::accounts::NewToken;
use vetted_web::AppState;
use vetted_web::auth::Role;

/// What an operation needs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Need {
    /// Anyone, signed in or not (health probes, the document, setup, login).
    Public,
    /// A signed-in caller of at least this role.
    Role(Role),
}

use Need::Public;
const VIEWER: Need = Need::Role(Role::Viewer);
const EDITOR: Need = Need::Role(Role::Editor);
const ADMIN: Need = Need::Role(Role::Admin);

/// THE table: method and path template of every operation → what it needs. Routes added
/// elsewhere get their row here (the test prints it when missing).
const MIN_ROLE: &[(&str, &str, Need)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/api/openapi.json", Public),
    ("GET", "/setup", Public),
    ("POST", "/setup", Public),
    ("POST", "/api/v1/auth/login", Public),
    ("GET", "/api/v1/auth/me", VIEWER),
    ("POST", "/api/v1/auth/logout", VIEWER),
    ("GET", "/api/v1/policy", VIEWER),
    ("PUT", "/api/v1/policy", ADMIN),
    ("GET", "/api/v1/policy/versions", VIEWER),
    ("GET", "/api/v1/policy/versions/{number}", VIEWER),
    ("POST", "/api/v1/policy/review", ADMIN),
    ("GET", "/api/v1/risks", VIEWER),
    ("GET", "/api/v1/reports/iso27001", VIEWER),
    ("GET", "/api/v1/risks/{id}", VIEWER),
    ("PUT", "/api/v1/risks/{id}", EDITOR),
    ("GET", "/api/v1/due", VIEWER),
    ("GET", "/api/v1/subprocessors", VIEWER),
    ("POST", "/api/v1/subprocessors/publish", EDITOR),
    ("GET", "/api/v1/subprocessors/objections", VIEWER),
    ("POST", "/api/v1/subprocessors/objections", ADMIN),
    (
        "PUT",
        "/api/v1/subprocessors/objections/{objection}/outcome",
        ADMIN,
    ),
    (
        "POST",
        "/api/v1/subprocessors/versions/{number}/decision",
        ADMIN,
    ),
    ("GET", "/api/v1/notifications/deliveries", ADMIN),
    ("POST", "/api/v1/notifications/run", ADMIN),
    ("POST", "/api/v1/notifications/test", ADMIN),
    (
        "POST",
        "/api/v1/notifications/deliveries/{delivery}/retry",
        ADMIN,
    ),
    ("GET", "/api/v1/evaluation/summary", VIEWER),
    ("GET", "/api/v1/register/export", VIEWER),
    ("GET", "/api/v1/suppliers/{id}", VIEWER),
    ("GET", "/api/v1/suppliers/{id}/findings", VIEWER),
    ("GET", "/api/v1/suppliers/{id}/{section}", VIEWER),
    ("GET", "/api/v1/suppliers/{id}/{section}/{index}", VIEWER),
    ("GET", "/api/v1/suppliers", VIEWER),
    ("POST", "/api/v1/suppliers", EDITOR),
    ("PUT", "/api/v1/suppliers/{id}", EDITOR),
    ("POST", "/api/v1/suppliers/{id}/archive", EDITOR),
    ("POST", "/api/v1/suppliers/{id}/restore", EDITOR),
    ("GET", "/api/v1/suppliers/{id}/history", VIEWER),
    ("POST", "/api/v1/suppliers/{id}/{section}", EDITOR),
    ("PUT", "/api/v1/suppliers/{id}/{section}", EDITOR),
    ("PUT", "/api/v1/suppliers/{id}/{section}/{index}", EDITOR),
    ("DELETE", "/api/v1/suppliers/{id}/{section}/{index}", EDITOR),
    ("POST", "/api/v1/register/import", EDITOR),
    ("GET", "/api/v1/audit", VIEWER),
    ("GET", "/api/v1/audit/export", VIEWER),
    ("GET", "/api/v1/audit/head", VIEWER),
    ("GET", "/api/v1/evidence/public-key", VIEWER),
    ("GET", "/api/v1/audit/verify", VIEWER),
    ("GET", "/api/v1/users", ADMIN),
    ("POST", "/api/v1/users", ADMIN),
    ("PATCH", "/api/v1/users/{id}", ADMIN),
    ("GET", "/api/v1/tokens", ADMIN),
    ("POST", "/api/v1/tokens", ADMIN),
    ("DELETE", "/api/v1/tokens/{id}", ADMIN),
];

const PASSWORD: &str = "correct horse battery";

/// Who sends a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Caller {
    Anonymous,
    Token(Role),
    Session(Role),
    RevokedToken,
    ExpiredToken,
    DisabledUsersToken,
    DisabledUsersSession,
}

const CALLERS: [Caller; 11] = [
    Caller::Anonymous,
    Caller::Token(Role::Viewer),
    Caller::Token(Role::Editor),
    Caller::Token(Role::Admin),
    Caller::Session(Role::Viewer),
    Caller::Session(Role::Editor),
    Caller::Session(Role::Admin),
    Caller::RevokedToken,
    Caller::ExpiredToken,
    Caller::DisabledUsersToken,
    Caller::DisabledUsersSession,
];

/// A browser session: its cookie pair and CSRF token.
#[derive(Clone, Debug)]
struct Session {
    cookie: String,
    csrf: String,
}

/// The accounts and credentials of one run.
struct World {
    app: Router,
    state: AppState,
    tokens: [(Role, String); 3],
    sessions: [(Role, Session); 3],
    revoked: String,
    expired: String,
    disabled_token: String,
    disabled_session: Session,
    /// A viewer that `PATCH /api/v1/users/{id}` changes (to viewer again).
    target_user: String,
    /// A token that `DELETE /api/v1/tokens/{id}` revokes (again and again).
    target_token: String,
    emails: AtomicUsize,
}

fn email(role: Role) -> String {
    format!("{role}@example.org")
}

fn login_request(email: &str) -> Request<Body> {
    Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": email, "password": PASSWORD}).to_string(),
        ))
        .unwrap()
}

async fn login(app: &Router, email: &str) -> Session {
    let res = send(app, login_request(email)).await;
    assert_eq!(res.status(), StatusCode::OK, "login of {email}");
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body: Value = serde_json::from_slice(&bytes(res).await).unwrap();
    Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
    }
}

impl World {
    async fn new(state: AppState) -> World {
        let app = vetted_web::router(state.clone());
        // A stored policy version, for `/api/v1/policy/versions/{number}`.
        state
            .store
            .add_policy_version(
                vetted_core::policy::DEFAULT_POLICY_TOML,
                &Change::now(Actor::System),
            )
            .await
            .unwrap();
        let accounts = &state.accounts;
        let mut ids = Vec::new();
        for role in Role::ALL {
            let user = accounts
                .create_user(&email(role), PASSWORD, role, Actor::System)
                .await
                .unwrap();
            ids.push((role, user.id));
        }
        let mut tokens = Vec::new();
        let mut sessions = Vec::new();
        for (role, id) in &ids {
            let (_, token) = accounts
                .create_token(id, "matrix", None, Actor::System)
                .await
                .unwrap();
            tokens.push((*role, token));
            sessions.push((*role, login(&app, &email(*role)).await));
        }
        let admin = &ids[2].1;

        let (revoked, revoked_secret) = accounts
            .create_token(admin, "revoked", None, Actor::System)
            .await
            .unwrap();
        accounts
            .revoke_token(&revoked.id, Actor::System)
            .await
            .unwrap();

        // `Accounts` refuses an expiry in the past: the store takes what it is given.
        let expired = secret::new_api_token();
        let past = OffsetDateTime::now_utc() - Duration::days(2);
        state
            .store
            .create_token(
                &NewToken {
                    id: secret::new_id(),
                    user_id: admin.clone(),
                    name: "expired".into(),
                    token_hash: secret::digest(&expired),
                    now: past,
                    expires_at: Some(past + Duration::days(1)),
                },
                &Change::now(Actor::System),
            )
            .await
            .unwrap();

        // An admin, so that nothing but being disabled stands in the way.
        let disabled = accounts
            .create_user("disabled@example.org", PASSWORD, Role::Admin, Actor::System)
            .await
            .unwrap();
        let (_, disabled_token) = accounts
            .create_token(&disabled.id, "disabled", None, Actor::System)
            .await
            .unwrap();
        let disabled_session = login(&app, "disabled@example.org").await;
        accounts
            .update_user(&disabled.id, None, Some(true), Actor::System)
            .await
            .unwrap();

        let target_user = accounts
            .create_user("target@example.org", PASSWORD, Role::Viewer, Actor::System)
            .await
            .unwrap()
            .id;
        let (target_token, _) = accounts
            .create_token(admin, "target", None, Actor::System)
            .await
            .unwrap();

        World {
            app,
            state,
            tokens: tokens.try_into().unwrap(),
            sessions: sessions.try_into().unwrap(),
            revoked: revoked_secret,
            expired,
            disabled_token,
            disabled_session,
            target_user,
            target_token: target_token.id,
            emails: AtomicUsize::new(0),
        }
    }

    /// The path with real ids: a supplier of the example register, the target user or token.
    fn concrete(&self, path: &str) -> String {
        let id = if path.starts_with("/api/v1/users/") {
            self.target_user.as_str()
        } else if path.starts_with("/api/v1/tokens/") {
            self.target_token.as_str()
        } else if path.starts_with("/api/v1/risks/") {
            // A risk of the example register (frontier-reasoning's).
            "R-07"
        } else {
            "stratocloud"
        };
        path.replace("{id}", id)
            .replace("{section}", "locations")
            .replace("{index}", "0")
            .replace("{number}", "1")
            .replace("{delivery}", "1")
            .replace("{objection}", "1")
    }

    /// A request the operation accepts, with the status it answers to an allowed caller; `None`
    /// for operations this test does not know how to make valid (then only "not 401/403"
    /// is checked).
    fn valid_request(&self, method: &str, path: &str) -> Option<(Option<Value>, StatusCode)> {
        let ok = StatusCode::OK;
        Some(match (method, path) {
            ("GET", "/setup") => (None, StatusCode::GONE),
            ("POST", "/setup") => (
                Some(
                    json!({"token": "no-such-token", "email": "x@example.org", "password": PASSWORD}),
                ),
                StatusCode::CONFLICT,
            ),
            ("POST", "/api/v1/auth/login") => (
                Some(json!({"email": email(Role::Viewer), "password": PASSWORD})),
                ok,
            ),
            ("POST", "/api/v1/auth/logout") | ("DELETE", "/api/v1/tokens/{id}") => {
                (None, StatusCode::NO_CONTENT)
            }
            ("POST", "/api/v1/users") => {
                let n = self.emails.fetch_add(1, Ordering::Relaxed);
                (
                    Some(
                        json!({"email": format!("new{n}@example.org"), "password": PASSWORD, "role": "viewer"}),
                    ),
                    StatusCode::CREATED,
                )
            }
            ("PATCH", "/api/v1/users/{id}") => (Some(json!({"role": "viewer"})), ok),
            ("POST", "/api/v1/tokens") => (Some(json!({"name": "matrix"})), StatusCode::CREATED),
            // The matrix's server has no mail server: a run reports it (200); a test is
            // refused.
            ("POST", "/api/v1/notifications/test") => (
                Some(json!({"to": "someone@example.org"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // Refused the same way on every call, whoever publishes first: a date in the past
            // is inside the notice period (today for a first version).
            ("POST", "/api/v1/subprocessors/publish") => (
                Some(json!({"effective": "2000-01-01"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // Nothing is published, so there is no change to object to or decide on, and no
            // objection.
            ("POST", "/api/v1/subprocessors/objections") => (
                Some(json!({"version": 1, "customer": "C", "contact": "P", "grounds": "G"})),
                StatusCode::CONFLICT,
            ),
            ("PUT", "/api/v1/subprocessors/objections/{objection}/outcome") => {
                (Some(json!({"outcome": "withdrawn"})), StatusCode::NOT_FOUND)
            }
            ("POST", "/api/v1/subprocessors/versions/{number}/decision") => {
                (Some(json!({"decision": "proceed"})), StatusCode::NOT_FOUND)
            }
            // A review dated today (each call stores one more policy version).
            ("POST", "/api/v1/policy/review") => (Some(json!({})), ok),
            ("GET", _) | ("POST", "/api/v1/notifications/run") => (None, ok),
            _ => return None,
        })
    }

    fn request(
        &self,
        caller: Caller,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Request<Body> {
        let mut req = Request::builder().method(method).uri(self.concrete(path));
        let bearer = |t: &str| format!("Bearer {t}");
        let role_index = |r: Role| Role::ALL.iter().position(|x| *x == r).unwrap();
        let session = match caller {
            Caller::Anonymous => None,
            Caller::Token(role) => {
                req = req.header(
                    header::AUTHORIZATION,
                    bearer(&self.tokens[role_index(role)].1),
                );
                None
            }
            Caller::RevokedToken => {
                req = req.header(header::AUTHORIZATION, bearer(&self.revoked));
                None
            }
            Caller::ExpiredToken => {
                req = req.header(header::AUTHORIZATION, bearer(&self.expired));
                None
            }
            Caller::DisabledUsersToken => {
                req = req.header(header::AUTHORIZATION, bearer(&self.disabled_token));
                None
            }
            Caller::Session(role) => Some(&self.sessions[role_index(role)].1),
            Caller::DisabledUsersSession => Some(&self.disabled_session),
        };
        if let Some(s) = session {
            req = req.header(header::COOKIE, &s.cookie);
            if method != "GET" {
                req = req.header(vetted_web::auth::CSRF_HEADER, &s.csrf);
            }
        }
        match body {
            Some(body) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        }
    }
}

/// The operations of the served document, as (METHOD, path template).
fn documented_operations() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(vetted_web::api::openapi()).unwrap();
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// What `caller` must get from an operation needing `need`: `Err(status)` for a refusal,
/// `Ok(())` when it must get through.
fn expected(caller: Caller, need: Need) -> Result<(), StatusCode> {
    let bad_token = matches!(
        caller,
        Caller::RevokedToken | Caller::ExpiredToken | Caller::DisabledUsersToken
    );
    if bad_token {
        return Err(StatusCode::UNAUTHORIZED);
    }
    match (need, caller) {
        (Public, _) => Ok(()),
        (Need::Role(_), Caller::Anonymous | Caller::DisabledUsersSession) => {
            Err(StatusCode::UNAUTHORIZED)
        }
        (Need::Role(need), Caller::Token(role) | Caller::Session(role)) => {
            if role >= need {
                Ok(())
            } else {
                Err(StatusCode::FORBIDDEN)
            }
        }
        (Need::Role(_), _) => Err(StatusCode::UNAUTHORIZED),
    }
}

#[test]
fn the_table_and_the_document_list_the_same_operations() {
    let documented = documented_operations();
    let table: BTreeSet<(String, String)> = MIN_ROLE
        .iter()
        .map(|(m, p, _)| ((*m).to_string(), (*p).to_string()))
        .collect();
    assert_eq!(
        table.len(),
        MIN_ROLE.len(),
        "a row appears twice in MIN_ROLE"
    );
    let missing: Vec<String> = documented
        .difference(&table)
        .map(|(m, p)| {
            let guess = if m == "GET" { "VIEWER" } else { "EDITOR" };
            format!("    (\"{m}\", \"{p}\", {guess}), // check the role")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "operations of the OpenAPI document missing from MIN_ROLE in tests/authz.rs; add:\n{}",
        missing.join("\n")
    );
    let stale: Vec<String> = table
        .difference(&documented)
        .map(|(m, p)| format!("(\"{m}\", \"{p}\", …)"))
        .collect();
    assert!(
        stale.is_empty(),
        "rows of MIN_ROLE that the OpenAPI document lacks (remove them): {}",
        stale.join(", ")
    );
}

/// Every documented operation × every caller, with the expected status.
async fn every_operation_answers_each_caller_as_its_role_allows(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let world = World::new(state).await;
    let table = |m: &str, p: &str| {
        MIN_ROLE
            .iter()
            .find(|(tm, tp, _)| *tm == m && *tp == p)
            .map(|(_, _, need)| *need)
    };
    // Logout last: it ends the session that sent it.
    let mut operations: Vec<(String, String)> = documented_operations().into_iter().collect();
    operations.sort_by_key(|(m, p)| (p == "/api/v1/auth/logout", m.clone(), p.clone()));

    let mut failures = Vec::new();
    let mut sent = 0;
    for caller in CALLERS {
        for (method, path) in &operations {
            // A missing row fails `the_table_and_the_document_list_the_same_operations`.
            let Some(need) = table(method, path) else {
                continue;
            };
            let valid = world.valid_request(method, path);
            let body = valid.as_ref().and_then(|(b, _)| b.clone());
            let res = send(
                &world.app,
                world.request(caller, method, path, body.as_ref()),
            )
            .await;
            sent += 1;
            let status = res.status();
            let text = String::from_utf8_lossy(&bytes(res).await).into_owned();
            let what = format!("{caller:?} {method} {path} ({need:?}) → {status}: {text}");
            match expected(caller, need) {
                Err(refusal) => {
                    if status != refusal {
                        failures.push(format!("expected {refusal}: {what}"));
                    }
                }
                Ok(()) => match &valid {
                    Some((_, success)) if status != *success => {
                        failures.push(format!("expected {success}: {what}"));
                    }
                    _ if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN => {
                        failures.push(format!("expected to get through: {what}"));
                    }
                    _ => {}
                },
            }
        }
    }
    assert!(sent >= 200, "only {sent} requests");
    assert!(
        failures.is_empty(),
        "{} of {sent} answers are wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    world.state.store.close().await;
}

/// A revoked, an expired and a disabled user's token get the same 401 body as a token nobody
/// ever made: the answer does not tell which tokens exist.
async fn a_bad_token_is_indistinguishable_from_an_unknown_one(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let world = World::new(state).await;
    let unknown = secret::new_api_token();
    let answer = async |token: &str| {
        let req = Request::get("/api/v1/policy")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let res = send(&world.app, req).await;
        let status = res.status();
        let headers = res.headers().clone();
        (
            status,
            headers.get(header::WWW_AUTHENTICATE).cloned(),
            bytes(res).await,
        )
    };
    let reference = answer(&unknown).await;
    assert_eq!(reference.0, StatusCode::UNAUTHORIZED);
    for (name, token) in [
        ("revoked", &world.revoked),
        ("expired", &world.expired),
        ("disabled user's", &world.disabled_token),
    ] {
        let got = answer(token).await;
        assert_eq!(
            got,
            reference,
            "the {name} token's answer differs from an unknown token's: {}",
            String::from_utf8_lossy(&got.2)
        );
    }
    world.state.store.close().await;
}

/// A disabled user's session cookie is refused (401) on reads and writes, even with its CSRF
/// token; a session writing without its CSRF token is 403.
async fn sessions_of_disabled_users_and_writes_without_csrf_are_refused(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let world = World::new(state).await;
    for (method, path) in [("GET", "/api/v1/auth/me"), ("POST", "/api/v1/tokens")] {
        let body = json!({"name": "x"});
        let req = world.request(
            Caller::DisabledUsersSession,
            method,
            path,
            (method == "POST").then_some(&body),
        );
        let res = send(&world.app, req).await;
        common::error(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let admin = &world.sessions[2].1;
    let req = Request::post("/api/v1/tokens")
        .header(header::COOKIE, &admin.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"name": "x"}).to_string()))
        .unwrap();
    common::error(send(&world.app, req).await, StatusCode::FORBIDDEN, "csrf").await;
    world.state.store.close().await;
}

on_both_backends!(
    every_operation_answers_each_caller_as_its_role_allows,
    a_bad_token_is_indistinguishable_from_an_unknown_one,
    sessions_of_disabled_users_and_writes_without_csrf_are_refused,
);
