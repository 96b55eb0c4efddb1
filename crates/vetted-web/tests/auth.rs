//! Accounts over HTTP, in-process (`tower::ServiceExt::oneshot`), each test on `SQLite` and on
//! `PostgreSQL` (a scratch database on the server `VETTED_TEST_POSTGRES_URL` names; without it
//! the `postgres` tests fail, they never skip). The clock is the test's: sessions and tokens
//! age without waiting.

#[path = "../../vetted-store/tests/scratch/mod.rs"]
mod scratch;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;
use vetted_core::audit::Actor;
use vetted_core::policy::Policy;
use vetted_core::role::Role;
use vetted_store::Store;
use vetted_web::{AppState, WebConfig, router};

const PASSWORD: &str = "correct horse battery";

/// The application under test, its state and the clock it reads.
struct App {
    state: AppState,
    clock: Arc<Mutex<OffsetDateTime>>,
    _guard: Box<dyn std::any::Any + Send>,
}

impl App {
    fn on(store: Arc<dyn Store>, guard: Box<dyn std::any::Any + Send>) -> App {
        let clock = Arc::new(Mutex::new(
            OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap(),
        ));
        let read = Arc::clone(&clock);
        let state = AppState::with_clock(
            store,
            Policy::default(),
            WebConfig::default(),
            Arc::new(move || *read.lock().unwrap()),
        );
        App {
            state,
            clock,
            _guard: guard,
        }
    }

    fn advance(&self, by: Duration) {
        *self.clock.lock().unwrap() += by;
    }

    fn router(&self) -> Router {
        router(self.state.clone())
    }

    async fn send(&self, req: Request<Body>) -> Response {
        self.router().oneshot(req).await.unwrap()
    }

    async fn user(&self, email: &str, role: Role) -> String {
        self.state
            .accounts
            .create_user(email, PASSWORD, role, Actor::System)
            .await
            .unwrap()
            .id
    }

    /// Signs in; returns the cookie pair (`vetted_session=…`) and the CSRF token.
    async fn login(&self, email: &str) -> (String, String) {
        let res = self.send(login_req(email, PASSWORD, None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let cookie = set_cookie(&res);
        let body = json_body(res).await;
        let pair = cookie.split(';').next().unwrap().to_string();
        (pair, body["csrf_token"].as_str().unwrap().to_string())
    }

    async fn close(self) {
        self.state.store.close().await;
    }
}

/// The audit key of the test stores: account changes are sealed into the audit trail.
fn audit_key() -> vetted_core::audit::AuditKey {
    vetted_core::audit::AuditKey::from_bytes(&[7; 32]).unwrap()
}

async fn sqlite() -> App {
    let dir = tempfile::tempdir().unwrap();
    let url = vetted_store::DatabaseUrl::new(dir.path().join("vetted.db").to_str().unwrap());
    let store = vetted_store::open_with_audit_key(&url, audit_key())
        .await
        .unwrap();
    App::on(store, Box::new(dir))
}

async fn postgres() -> App {
    let db = scratch::ScratchDatabase::create(&scratch::server_url(), "vetted_web").await;
    let store =
        vetted_store::open_with_audit_key(&vetted_store::DatabaseUrl::new(db.url()), audit_key())
            .await
            .unwrap();
    App::on(store, Box::new(db))
}

/// Each test twice: `sqlite::name` and `postgres::name`.
macro_rules! web_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = super::sqlite().await;
                    super::$name(&app).await;
                    app.close().await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = super::postgres().await;
                    super::$name(&app).await;
                    app.close().await;
                }
            )*
        }
    };
}

web_tests!(
    login_sets_a_session_cookie_and_me_answers,
    wrong_password_unknown_user_and_disabled_user_look_the_same,
    totp_is_asked_for_and_checked,
    an_idle_session_ends_and_activity_keeps_it_alive,
    a_session_ends_at_its_absolute_expiry,
    logout_ends_the_session_on_the_server,
    cookie_writes_need_the_csrf_token,
    a_form_may_carry_the_csrf_token_in_a_field,
    bearer_writes_need_no_csrf_and_bad_tokens_are_401,
    roles_are_enforced,
    failed_logins_are_throttled_per_account,
    failed_logins_are_throttled_per_address,
    disabling_a_user_ends_their_sessions_and_tokens,
    bad_input_is_422_naming_the_field,
    the_setup_link_works_once,
);

fn login_req(email: &str, password: &str, totp: Option<&str>) -> Request<Body> {
    let mut body = json!({"email": email, "password": password});
    if let Some(code) = totp {
        body["totp"] = json!(code);
    }
    Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

fn bearer(method: &str, uri: &str, token: &str, body: Option<Value>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap()
}

fn with_cookie(
    method: &str,
    uri: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = csrf {
        b = b.header("x-csrf-token", t);
    }
    b.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap()
}

fn set_cookie(res: &Response) -> String {
    res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string()
}

async fn text_body(res: Response) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn json_body(res: Response) -> Value {
    serde_json::from_str(&text_body(res).await).unwrap()
}

async fn error_code(res: Response) -> String {
    json_body(res).await["error"].as_str().unwrap().to_string()
}

fn new_user_body(email: &str) -> Value {
    json!({"email": email, "password": PASSWORD, "role": "viewer"})
}

async fn login_sets_a_session_cookie_and_me_answers(app: &App) {
    let id = app.user("Ada@Example.org", Role::Editor).await;
    let res = app.send(login_req("ada@example.ORG", PASSWORD, None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = set_cookie(&res);
    let attrs: Vec<&str> = cookie.split("; ").collect();
    assert!(
        attrs[0].starts_with("vetted_session=") && attrs[0].len() > 60,
        "{cookie}"
    );
    assert_eq!(
        attrs[1..],
        ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"]
    );
    let body = json_body(res).await;
    assert_eq!(body["user"]["id"], id.as_str());
    assert_eq!(body["user"]["email"], "ada@example.org");
    assert_eq!(body["user"]["role"], "editor");
    assert!(body["user"].get("password_hash").is_none());
    let csrf = body["csrf_token"].as_str().unwrap();

    let res = app.send(get("/api/v1/auth/me", Some(attrs[0]))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me = json_body(res).await;
    assert_eq!(me["user"]["id"], id.as_str());
    assert_eq!(me["csrf_token"], csrf);

    // Signing in again from a browser that still holds the cookie needs no CSRF token.
    let mut again = login_req("ada@example.org", PASSWORD, None);
    again
        .headers_mut()
        .insert(header::COOKIE, attrs[0].parse().unwrap());
    assert_eq!(app.send(again).await.status(), StatusCode::OK);

    let res = app.send(get("/api/v1/auth/me", None)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .send(get("/api/v1/auth/me", Some("vetted_session=forged")))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn wrong_password_unknown_user_and_disabled_user_look_the_same(app: &App) {
    app.user("ada@example.org", Role::Editor).await;
    let bob = app.user("bob@example.org", Role::Editor).await;
    app.state
        .accounts
        .update_user(&bob, None, Some(true), Actor::System)
        .await
        .unwrap();
    let mut bodies = Vec::new();
    for (email, password) in [
        ("ada@example.org", "wrong password!"),
        ("nobody@example.org", PASSWORD),
        ("bob@example.org", PASSWORD),
    ] {
        let res = app.send(login_req(email, password, None)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{email}");
        assert!(res.headers().get(header::SET_COOKIE).is_none());
        bodies.push(text_body(res).await);
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[1], bodies[2]);
    assert!(bodies[0].contains("bad_credentials"), "{}", bodies[0]);
}

async fn totp_is_asked_for_and_checked(app: &App) {
    let id = app.user("ada@example.org", Role::Viewer).await;
    let (secret, uri) = app
        .state
        .accounts
        .enable_totp(&id, Actor::System)
        .await
        .unwrap();
    assert!(uri.contains(&secret) && uri.starts_with("otpauth://totp/Vetted:ada@example.org"));
    let res = app.send(login_req("ada@example.org", PASSWORD, None)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res).await, "totp_required");

    let key = vetted_app::accounts::totp::base32_decode(&secret).unwrap();
    let now = app.state.accounts.now().unix_timestamp();
    let wrong = format!(
        "{:06}",
        (vetted_app::accounts::totp::code_at(&key, now) + 1) % 1_000_000
    );
    let res = app
        .send(login_req("ada@example.org", PASSWORD, Some(&wrong)))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res).await, "bad_credentials");

    let code = format!("{:06}", vetted_app::accounts::totp::code_at(&key, now));
    let res = app
        .send(login_req("ada@example.org", PASSWORD, Some(&code)))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The same code is good once, even within its 30 seconds.
    let res = app
        .send(login_req("ada@example.org", PASSWORD, Some(&code)))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.advance(Duration::seconds(30));
    let now = app.state.accounts.now().unix_timestamp();
    let next = format!("{:06}", vetted_app::accounts::totp::code_at(&key, now));
    let res = app
        .send(login_req("ada@example.org", PASSWORD, Some(&next)))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "the next step's code");
}

async fn an_idle_session_ends_and_activity_keeps_it_alive(app: &App) {
    app.user("ada@example.org", Role::Viewer).await;
    let (cookie, _) = app.login("ada@example.org").await;
    for _ in 0..3 {
        app.advance(Duration::minutes(50));
        let res = app.send(get("/api/v1/auth/me", Some(&cookie))).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "activity within the idle time"
        );
    }
    app.advance(Duration::minutes(61));
    let res = app.send(get("/api/v1/auth/me", Some(&cookie))).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "idle for over an hour"
    );
}

async fn a_session_ends_at_its_absolute_expiry(app: &App) {
    app.user("ada@example.org", Role::Viewer).await;
    let (cookie, _) = app.login("ada@example.org").await;
    // Active every 30 minutes: never idle, yet over after 12 hours.
    for _ in 0..23 {
        app.advance(Duration::minutes(30));
        let res = app.send(get("/api/v1/auth/me", Some(&cookie))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    app.advance(Duration::minutes(30));
    let res = app.send(get("/api/v1/auth/me", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn logout_ends_the_session_on_the_server(app: &App) {
    app.user("ada@example.org", Role::Viewer).await;
    let (cookie, csrf) = app.login("ada@example.org").await;
    let res = app
        .send(with_cookie(
            "POST",
            "/api/v1/auth/logout",
            &cookie,
            Some(&csrf),
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(set_cookie(&res).contains("Max-Age=0"));
    // The browser would drop the cookie; a copy of it is dead too.
    let res = app.send(get("/api/v1/auth/me", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn cookie_writes_need_the_csrf_token(app: &App) {
    app.user("ada@example.org", Role::Admin).await;
    let (cookie, csrf) = app.login("ada@example.org").await;
    for token in [None, Some("wrong")] {
        let res = app
            .send(with_cookie(
                "POST",
                "/api/v1/users",
                &cookie,
                token,
                Some(new_user_body("b@example.org")),
            ))
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{token:?}");
        assert_eq!(error_code(res).await, "csrf");
    }
    assert_eq!(
        app.state.accounts.list_users().await.unwrap().len(),
        1,
        "nothing written"
    );
    let res = app
        .send(with_cookie(
            "POST",
            "/api/v1/users",
            &cookie,
            Some(&csrf),
            Some(new_user_body("b@example.org")),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Reads need none.
    let res = app.send(get("/api/v1/users", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn a_form_may_carry_the_csrf_token_in_a_field(app: &App) {
    app.user("ada@example.org", Role::Viewer).await;
    let form = |cookie: &str, token: &str| {
        Request::post("/api/v1/auth/logout")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("other=1&csrf_token={token}")))
            .unwrap()
    };
    let (cookie, csrf) = app.login("ada@example.org").await;
    let res = app.send(form(&cookie, "wrong")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.send(form(&cookie, &csrf)).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

async fn bearer_writes_need_no_csrf_and_bad_tokens_are_401(app: &App) {
    let admin = app.user("ada@example.org", Role::Admin).await;
    let expires = app.state.accounts.now() + Duration::days(1);
    let (token, secret) = app
        .state
        .accounts
        .create_token(&admin, "ci", Some(expires), Actor::System)
        .await
        .unwrap();
    assert!(secret.starts_with("vetted_"));
    let res = app
        .send(bearer(
            "POST",
            "/api/v1/users",
            &secret,
            Some(new_user_body("b@example.org")),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .send(bearer("GET", "/api/v1/auth/me", &secret, None))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_body(res).await["csrf_token"], Value::Null);

    for bad in ["vetted_0000", "", "garbage"] {
        let res = app.send(bearer("GET", "/api/v1/auth/me", bad, None)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
    }
    // A bad token is refused even where no login is needed: it is not anonymous.
    let res = app
        .send(bearer("GET", "/healthz", "vetted_0000", None))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    app.advance(Duration::days(1));
    let res = app
        .send(bearer("GET", "/api/v1/auth/me", &secret, None))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "expired");

    let (token2, secret2) = app
        .state
        .accounts
        .create_token(&admin, "two", None, Actor::System)
        .await
        .unwrap();
    let res = app
        .send(bearer("GET", "/api/v1/tokens", &secret2, None))
        .await;
    let listed = json_body(res).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        !listed.to_string().contains(&secret2),
        "the token itself is never listed"
    );
    let res = app
        .send(bearer(
            "DELETE",
            &format!("/api/v1/tokens/{}", token.id),
            &secret2,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .send(bearer(
            "DELETE",
            &format!("/api/v1/tokens/{}", token2.id),
            &secret2,
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .send(bearer("GET", "/api/v1/auth/me", &secret2, None))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "revoked");
}

async fn roles_are_enforced(app: &App) {
    app.user("viewer@example.org", Role::Viewer).await;
    let (cookie, csrf) = app.login("viewer@example.org").await;
    let res = app.send(get("/api/v1/users", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .send(with_cookie(
            "POST",
            "/api/v1/tokens",
            &cookie,
            Some(&csrf),
            Some(json!({})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.send(get("/api/v1/users", None)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn failed_logins_are_throttled_per_account(app: &App) {
    app.user("ada@example.org", Role::Viewer).await;
    for n in 0..5 {
        let res = app
            .send(login_req("ada@example.org", "wrong password!", None))
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "failure {n}");
        app.advance(Duration::seconds(10));
    }
    // Even the right password is refused now.
    let res = app.send(login_req("ADA@example.org", PASSWORD, None)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        retry,
        15 * 60 - 50,
        "until the first failure leaves the window"
    );
    assert_eq!(error_code(res).await, "too_many_attempts");

    app.advance(Duration::seconds(retry));
    let res = app.send(login_req("ada@example.org", PASSWORD, None)).await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn failed_logins_are_throttled_per_address(app: &App) {
    app.user("ada@example.org", Role::Viewer).await;
    let from = |req: Request<Body>, ip: [u8; 4]| {
        let mut req = req;
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
        req
    };
    for n in 0..5 {
        let email = format!("guess{n}@example.org");
        let res = app
            .send(from(
                login_req(&email, "wrong password!", None),
                [10, 0, 0, 1],
            ))
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .send(from(
            login_req("ada@example.org", PASSWORD, None),
            [10, 0, 0, 1],
        ))
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = app
        .send(from(
            login_req("ada@example.org", PASSWORD, None),
            [10, 0, 0, 2],
        ))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "another address is not throttled"
    );
}

async fn disabling_a_user_ends_their_sessions_and_tokens(app: &App) {
    let admin = app.user("admin@example.org", Role::Admin).await;
    let bob = app.user("bob@example.org", Role::Editor).await;
    let (_, admin_token) = app
        .state
        .accounts
        .create_token(&admin, "", None, Actor::System)
        .await
        .unwrap();
    let (_, bob_token) = app
        .state
        .accounts
        .create_token(&bob, "", None, Actor::System)
        .await
        .unwrap();
    let (bob_cookie, _) = app.login("bob@example.org").await;

    let res = app
        .send(bearer(
            "PATCH",
            &format!("/api/v1/users/{bob}"),
            &admin_token,
            Some(json!({"disabled": true})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_body(res).await["disabled"], true);
    let res = app.send(get("/api/v1/auth/me", Some(&bob_cookie))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .send(bearer("GET", "/api/v1/auth/me", &bob_token, None))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // An admin cannot lock themselves out.
    let res = app
        .send(bearer(
            "PATCH",
            &format!("/api/v1/users/{admin}"),
            &admin_token,
            Some(json!({"role": "viewer"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .send(bearer(
            "PATCH",
            "/api/v1/users/nobody",
            &admin_token,
            Some(json!({"role": "viewer"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn bad_input_is_422_naming_the_field(app: &App) {
    let admin = app.user("admin@example.org", Role::Admin).await;
    let (_, token) = app
        .state
        .accounts
        .create_token(&admin, "", None, Actor::System)
        .await
        .unwrap();
    for (body, field) in [
        (
            json!({"email": "b@example.org", "password": "short", "role": "viewer"}),
            "password",
        ),
        (
            json!({"email": "not-an-address", "password": PASSWORD, "role": "viewer"}),
            "email",
        ),
        (json!({"password": PASSWORD, "role": "viewer"}), "email"),
        (
            json!({"email": "b@example.org", "password": PASSWORD, "role": "viewer", "x": 1}),
            "x",
        ),
    ] {
        let res = app
            .send(bearer("POST", "/api/v1/users", &token, Some(body.clone())))
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let error = json_body(res).await;
        assert_eq!(error["problems"][0]["path"], field, "{error}");
    }
    let res = app
        .send(bearer(
            "POST",
            "/api/v1/users",
            &token,
            Some(json!({"email": "admin@EXAMPLE.org", "password": PASSWORD, "role": "viewer"})),
        ))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "the e-mail address is taken"
    );
    let res = app
        .send(bearer(
            "POST",
            "/api/v1/tokens",
            &token,
            Some(json!({"expires": "tomorrow"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_body(res).await["problems"][0]["path"], "expires");
}

async fn the_setup_link_works_once(app: &App) {
    let token = app.state.accounts.open_setup().await.unwrap().unwrap();
    let res = app.send(get(&format!("/setup?token={token}"), None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = text_body(res).await;
    assert!(
        page.contains("<form method=\"post\" action=\"/setup\">"),
        "{page}"
    );
    assert!(page.contains(&format!("name=\"token\" value=\"{token}\"")));

    let res = app.send(get("/setup?token=wrong", None)).await;
    assert_eq!(res.status(), StatusCode::GONE);

    let post = |password: &str| {
        Request::post("/setup")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "token={token}&email=root%40example.org&password={}",
                password.replace(' ', "+")
            )))
            .unwrap()
    };
    let res = app.send(post("short")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_body(res).await.contains("at least 12 characters"));

    let res = app.send(post(PASSWORD)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let users = app.state.accounts.list_users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].email.as_str(), users[0].role),
        ("root@example.org", Role::Admin)
    );

    // The link is dead.
    let res = app.send(post(PASSWORD)).await;
    assert_eq!(res.status(), StatusCode::GONE);
    let res = app.send(get(&format!("/setup?token={token}"), None)).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(
        app.state.accounts.open_setup().await.unwrap().is_none(),
        "a user exists now"
    );
    app.login("root@example.org").await;
}

/// A log sink for the test's subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_of_a_login_and_a_token_creation_hold_no_secret() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = sqlite().await;
    app.user("ada@example.org", Role::Admin).await;
    let res = app.send(login_req("ada@example.org", PASSWORD, None)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = set_cookie(&res);
    let session_secret = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("vetted_session=")
        .to_string();
    let csrf = json_body(res).await["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .send(with_cookie(
            "POST",
            "/api/v1/tokens",
            &format!("vetted_session={session_secret}"),
            Some(&csrf),
            Some(json!({"name": "ci"})),
        ))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = json_body(res).await["secret"].as_str().unwrap().to_string();
    let res = app
        .send(login_req("ada@example.org", "a wrong password", None))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.close().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("signed in") && logs.contains("API token created"),
        "{logs}"
    );
    for secret in [
        PASSWORD,
        "a wrong password",
        &session_secret,
        &csrf,
        &token,
        "ada@example.org",
    ] {
        assert!(!logs.contains(secret), "`{secret}` is in the logs:\n{logs}");
    }
}

/// Two servers on one `PostgreSQL` database work as one: a session opened on one is good on
/// the other, logout on one ends it on both, and failed logins count across both.
#[tokio::test]
async fn two_servers_on_one_postgres_database_share_sessions_and_throttling() {
    let db = scratch::ScratchDatabase::create(&scratch::server_url(), "vetted_web").await;
    let url = vetted_store::DatabaseUrl::new(db.url());
    let open = async || {
        vetted_store::open_with_audit_key(&url, audit_key())
            .await
            .unwrap()
    };
    let one = App::on(open().await, Box::new(()));
    let two = App::on(open().await, Box::new(()));
    one.user("ada@example.org", Role::Viewer).await;

    let (cookie, csrf) = one.login("ada@example.org").await;
    let res = two.send(get("/api/v1/auth/me", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = two
        .send(with_cookie(
            "POST",
            "/api/v1/auth/logout",
            &cookie,
            Some(&csrf),
            None,
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = one.send(get("/api/v1/auth/me", Some(&cookie))).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    for n in 0..5 {
        let app = if n % 2 == 0 { &one } else { &two };
        let res = app
            .send(login_req("ada@example.org", "wrong password!", None))
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for app in [&one, &two] {
        let res = app.send(login_req("ada@example.org", PASSWORD, None)).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    one.close().await;
    two.close().await;
    drop(db);
}
