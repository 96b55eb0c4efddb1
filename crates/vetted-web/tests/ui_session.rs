//! The login, logout and setup pages, the static files, and what every page's frame shows.

mod common;

use axum::http::StatusCode;
use common::pages::{PASSWORD, Visitor};
use sha2::{Digest, Sha256};
use vetted_web::auth::Role;

async fn sqlite() -> (tempfile::TempDir, vetted_web::AppState) {
    let dir = tempfile::tempdir().unwrap();
    let state = common::state_with_example(&dir, vetted_web::WebConfig::default()).await;
    (dir, state)
}

#[tokio::test]
async fn a_page_sends_an_anonymous_browser_to_login_and_back() {
    let (_dir, state) = sqlite().await;
    state
        .accounts
        .create_user(
            "ciso@example.org",
            PASSWORD,
            Role::Admin,
            vetted_core::audit::Actor::System,
        )
        .await
        .unwrap();
    let v = Visitor::anonymous(vetted_web::router(state));
    let page = v.get("/?as_of=2026-01-01").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let location = page.location.unwrap();
    assert_eq!(location, "/login?next=%2F%3Fas_of%3D2026-01-01");

    let login = v.get(&location).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(
        login.one(r#"input[name="next"]"#).attr("value"),
        Some("/?as_of=2026-01-01")
    );
    assert!(login.has(r#"label[for="email"]"#) && login.has(r#"label[for="password"]"#));

    let back = v
        .post_raw(
            "/login",
            &[
                ("email", "ciso@example.org"),
                ("password", PASSWORD),
                ("next", "/?as_of=2026-01-01"),
            ],
        )
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(back.location.as_deref(), Some("/?as_of=2026-01-01"));
}

#[tokio::test]
async fn a_wrong_password_keeps_the_address_and_says_so_and_next_never_leaves_the_site() {
    let (_dir, state) = sqlite().await;
    let _ = Visitor::signed_in(&state, Role::Viewer).await;
    let v = Visitor::anonymous(vetted_web::router(state));
    let page = v
        .post_raw(
            "/login",
            &[
                ("email", "viewer@example.org"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(page.one("#email").attr("value"), Some("viewer@example.org"));
    assert!(page.text_of("[role=alert]").contains("wrong"));
    assert!(
        page.all("#password")
            .iter()
            .all(|p| p.attr("value").is_none())
    );

    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let page = v
            .post_raw(
                "/login",
                &[
                    ("email", "viewer@example.org"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(page.location.as_deref(), Some("/"), "next={next}");
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let (_dir, state) = sqlite().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let home = v.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text_of("header nav").contains("editor@example.org"));
    let out = v.post("/logout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/login?notice=signed-out"));
    // The same cookie, replayed, is no longer a session.
    assert_eq!(v.get("/").await.status, StatusCode::SEE_OTHER);
    let login = v.get("/login?notice=signed-out").await;
    assert_eq!(login.text_of("[role=status]"), "You are signed out.");
}

#[tokio::test]
async fn the_menu_shows_what_the_role_may_use() {
    let (_dir, state) = sqlite().await;
    for (role, import, admin) in [
        (Role::Viewer, false, false),
        (Role::Editor, true, false),
        (Role::Admin, true, true),
    ] {
        let v = Visitor::signed_in(&state, role).await;
        let home = v.get("/").await;
        assert_eq!(home.has(r#"nav a[href="/import"]"#), import, "{role}");
        assert_eq!(home.has(r#"nav a[href="/admin"]"#), admin, "{role}");
        assert_eq!(
            home.one(r#"nav a[href="/"][aria-current="page"]"#)
                .attr("href"),
            Some("/")
        );
    }
}

#[tokio::test]
async fn pages_forbid_framing_and_inline_scripts() {
    let (_dir, state) = sqlite().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let res = common::send(
        &v.app,
        axum::http::Request::get("/login")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(res.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn an_unknown_page_is_a_page_and_an_unknown_api_path_is_json() {
    let (_dir, state) = sqlite().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let page = v.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.content_type.starts_with("text/html"));
    let api = v.get("/api/v1/no-such").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.content_type, "application/json");
}

/// `static/README.md` lists each vendored file's SHA-256: the embedded bytes are those files,
/// and every asset a page links loads, with a long cache lifetime.
#[tokio::test]
async fn the_static_files_are_the_vendored_ones_and_every_linked_one_loads() {
    let readme = include_str!("../static/README.md");
    for (file, bytes) in [
        (
            "htmx-2.0.11.min.js",
            &include_bytes!("../static/htmx-2.0.11.min.js")[..],
        ),
        (
            "pico-2.1.1.min.css",
            &include_bytes!("../static/pico-2.1.1.min.css")[..],
        ),
    ] {
        let hash: String = Sha256::digest(bytes)
            .iter()
            .fold(String::new(), |mut s, b| {
                use std::fmt::Write;
                let _ = write!(s, "{b:02x}");
                s
            });
        let row = readme
            .lines()
            .find(|l| l.contains(&format!("`{file}`")))
            .unwrap_or_else(|| panic!("{file} in static/README.md"));
        assert!(row.contains(&hash), "{file}: {hash} is not in {row}");
    }

    let (_dir, state) = sqlite().await;
    let v = Visitor::signed_in(&state, Role::Admin).await;
    let home = v.get("/").await;
    let mut linked: Vec<String> = home
        .all("link[rel=stylesheet]")
        .iter()
        .filter_map(|l| l.attr("href").map(str::to_string))
        .collect();
    linked.extend(
        home.all("script[src]")
            .iter()
            .filter_map(|s| s.attr("src").map(str::to_string)),
    );
    assert_eq!(linked.len(), 4, "{linked:?}");
    for url in linked {
        assert!(url.contains("?v="), "{url} carries its content hash");
        let res = common::get(&v.app, &url).await;
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
    }
}

/// Upload forms are `multipart/form-data`: their `csrf_token` part is checked like a plain
/// form's field.
#[tokio::test]
async fn a_multipart_form_carries_its_csrf_token_in_a_part() {
    let (_dir, state) = sqlite().await;
    let v = Visitor::signed_in(&state, Role::Viewer).await;
    let multipart = |token: &str| {
        let body = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--XyZ--\r\n"
        );
        axum::http::Request::post("/logout")
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .header("cookie", v.cookie.clone().unwrap())
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let refused = common::send(&v.app, multipart("not-the-token")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(v.get("/").await.status, StatusCode::OK, "still signed in");
    let done = common::send(&v.app, multipart(&v.csrf)).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(v.get("/").await.status, StatusCode::SEE_OTHER, "signed out");
}
