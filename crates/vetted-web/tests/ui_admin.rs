//! The admin pages: users (create, role, disable, enable; no self-demotion), API tokens (shown
//! once; revoked ones refused), the policy (a bad upload shows its places and changes nothing,
//! a good one is in force at once), and the audit trail (verified intact, then broken by raw
//! SQL and the entry named). Through the real router with real sessions, on `SQLite` and
//! `PostgreSQL`.

mod common;
mod upload;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::pages::{PASSWORD, Page, Visitor, text};
use common::{Backend, Guard, bytes, send};
use sqlx::Connection;
use upload::Part;
use vetted_app::accounts::AccountError;
use vetted_core::audit::Actor;
use vetted_core::policy::DEFAULT_POLICY_TOML;
use vetted_web::AppState;
use vetted_web::auth::Role;

async fn user_id(state: &AppState, email: &str) -> String {
    state.accounts.get_user_by_email(email).await.unwrap().id
}

fn row<'a>(page: &'a Page, email: &str) -> scraper::ElementRef<'a> {
    page.one(&format!(r#"#users tr[data-user="{email}"]"#))
}

fn inner(e: scraper::ElementRef<'_>, css: &str) -> Option<String> {
    e.select(&scraper::Selector::parse(css).unwrap())
        .next()
        .map(text)
}

async fn the_admin_index_links_every_section(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let page = admin.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.one(r#"nav a[href="/admin"]"#).attr("aria-current"),
        Some("page")
    );
    for section in ["users", "tokens", "policy", "audit"] {
        assert!(
            page.has(&format!(r#"main a[href="/admin/{section}"]"#)),
            "{section}"
        );
        assert_eq!(
            admin.get(&format!("/admin/{section}")).await.status,
            StatusCode::OK,
            "{section}"
        );
    }
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    assert!(!editor.get("/").await.has(r#"nav a[href="/admin"]"#));
    assert_eq!(editor.get("/admin").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        editor.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn users_are_created_changed_disabled_and_enabled(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;

    // Refused input stays in the form, the message next to its field.
    let short = admin
        .post(
            "/admin/users",
            &[
                ("email", "Dana@Example.org"),
                ("password", "short"),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        short.one("#new-email").attr("value"),
        Some("Dana@Example.org")
    );
    assert_eq!(
        short.one("#new-role option[selected]").attr("value"),
        Some("editor")
    );
    let password = short.one("#new-password");
    assert_eq!(password.attr("aria-invalid"), Some("true"));
    assert!(
        password
            .attr("aria-describedby")
            .unwrap()
            .contains("new-password-error")
    );
    assert!(
        short
            .text_of("#new-password-error")
            .contains("12 characters")
    );
    assert_eq!(
        password.attr("value"),
        None,
        "a password is never sent back"
    );

    let bad_email = admin
        .post(
            "/admin/users",
            &[
                ("email", "dana"),
                ("password", PASSWORD),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad_email.one("#new-email").attr("aria-invalid"),
        Some("true")
    );
    assert!(bad_email.has("#new-email-error"));

    let bad_role = admin
        .post(
            "/admin/users",
            &[
                ("email", "dana@example.org"),
                ("password", PASSWORD),
                ("role", "root"),
            ],
        )
        .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_role.one("#new-role").attr("aria-invalid"), Some("true"));
    assert!(
        state
            .accounts
            .get_user_by_email("dana@example.org")
            .await
            .is_err()
    );

    // Created.
    let created = admin
        .post(
            "/admin/users",
            &[
                ("email", "Dana@Example.org"),
                ("password", PASSWORD),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let list = admin.get(created.location.as_deref().unwrap()).await;
    assert!(list.has(".notice"));
    let dana_row = row(&list, "dana@example.org");
    assert_eq!(
        inner(dana_row, "td.user-role option[selected]").as_deref(),
        Some("editor")
    );
    assert_eq!(inner(dana_row, "td.status").as_deref(), Some("active"));
    assert_eq!(inner(dana_row, "td.totp").as_deref(), Some("off"));
    assert!(inner(dana_row, "td.created time").is_some());
    let dana = user_id(&state, "dana@example.org").await;
    assert_eq!(
        state.accounts.get_user(&dana).await.unwrap().role,
        Role::Editor
    );

    // The address is taken, whatever its case.
    let taken = admin
        .post(
            "/admin/users",
            &[
                ("email", "DANA@example.org"),
                ("password", PASSWORD),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.text_of("#new-email-error").contains("exists"));

    // Role change.
    let changed = admin
        .post(&format!("/admin/users/{dana}/role"), &[("role", "viewer")])
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        state.accounts.get_user(&dana).await.unwrap().role,
        Role::Viewer
    );

    // Disabling ends Dana's session; enabling lets her sign in again.
    let mut dana_browser = Visitor::anonymous(vetted_web::router(state.clone()));
    dana_browser.sign_in("dana@example.org", PASSWORD).await;
    let disable = row(&admin.get("/admin/users").await, "dana@example.org")
        .select(&scraper::Selector::parse("form[action$='/disable'] button").unwrap())
        .next()
        .unwrap()
        .attr("data-confirm")
        .map(str::to_string);
    assert!(disable.is_some_and(|m| m.contains("dana@example.org")));
    let disabled = admin
        .post(&format!("/admin/users/{dana}/disable"), &[])
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert!(state.accounts.get_user(&dana).await.unwrap().disabled);
    assert_eq!(dana_browser.get("/").await.status, StatusCode::SEE_OTHER);
    let list = admin.get("/admin/users").await;
    assert_eq!(
        inner(row(&list, "dana@example.org"), "td.status").as_deref(),
        Some("disabled")
    );
    let enabled = admin
        .post(&format!("/admin/users/{dana}/enable"), &[])
        .await;
    assert_eq!(enabled.status, StatusCode::SEE_OTHER);
    assert!(!state.accounts.get_user(&dana).await.unwrap().disabled);
    dana_browser.sign_in("dana@example.org", PASSWORD).await;
}

async fn an_admin_cannot_demote_or_disable_themselves(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let me = user_id(&state, "admin@example.org").await;

    // No controls on one's own row.
    let list = admin.get("/admin/users").await;
    let own = row(&list, "admin@example.org");
    assert!(inner(own, "select").is_none());
    assert!(inner(own, "form").is_none());

    // A forged request is refused by the service, and said so.
    for (uri, fields) in [
        (format!("/admin/users/{me}/role"), vec![("role", "editor")]),
        (format!("/admin/users/{me}/disable"), vec![]),
    ] {
        let refused = admin.post(&uri, &fields).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{uri}");
        assert!(refused.text_of("#action-problem").contains("another admin"));
    }
    let stored = state.accounts.get_user(&me).await.unwrap();
    assert_eq!((stored.role, stored.disabled), (Role::Admin, false));
    assert_eq!(admin.get("/admin").await.status, StatusCode::OK);

    // The rule is the service's, so the API and a token acting for the admin get it too.
    let by_token = state
        .accounts
        .update_user(
            &me,
            Some(Role::Viewer),
            None,
            Actor::Token {
                id: "t".into(),
                user_id: me.clone(),
            },
        )
        .await;
    assert!(
        matches!(by_token, Err(AccountError::OwnAccount)),
        "{by_token:?}"
    );
    let res = send(
        &admin.app,
        Request::patch(format!("/api/v1/users/{me}"))
            .header(header::COOKIE, admin.cookie.as_deref().unwrap())
            .header("x-csrf-token", &admin.csrf)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"disabled": true}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Raising one's own role, or enabling oneself, is not refused by the rule; another admin
    // may demote them.
    state
        .accounts
        .update_user(
            &me,
            Some(Role::Admin),
            Some(false),
            Actor::User { id: me.clone() },
        )
        .await
        .unwrap();
    let second = state
        .accounts
        .create_user("second@example.org", PASSWORD, Role::Admin, Actor::System)
        .await
        .unwrap();
    state
        .accounts
        .update_user(&me, Some(Role::Editor), None, Actor::User { id: second.id })
        .await
        .unwrap();
    assert_eq!(admin.get("/admin").await.status, StatusCode::FORBIDDEN);
}

async fn bearer_me(app: &axum::Router, token: &str) -> StatusCode {
    send(
        app,
        Request::get("/api/v1/auth/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .status()
}

async fn a_token_is_shown_once_and_a_revoked_one_no_longer_works(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let _editor = Visitor::signed_in(&state, Role::Editor).await;
    let editor = user_id(&state, "editor@example.org").await;

    let page = admin.get("/admin/tokens").await;
    assert!(page.has("#no-tokens"));
    assert!(page.has(r#"label[for="token-user"]"#) && page.has(r#"label[for="token-expires"]"#));

    // Refused: no user, an expiry that is not a date, one in the past.
    let no_user = admin.post("/admin/tokens", &[("name", "x")]).await;
    assert_eq!(no_user.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        no_user.one("#token-user").attr("aria-invalid"),
        Some("true")
    );
    assert!(no_user.has("#token-user-error"));
    for expires in ["next week", "2001-01-01"] {
        let bad = admin
            .post(
                "/admin/tokens",
                &[
                    ("user_id", &editor),
                    ("name", "nightly export"),
                    ("expires", expires),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{expires}");
        assert_eq!(bad.one("#token-expires").attr("aria-invalid"), Some("true"));
        assert!(bad.has("#token-expires-error"));
        assert_eq!(bad.one("#token-expires").attr("value"), Some(expires));
        assert_eq!(bad.one("#token-name").attr("value"), Some("nightly export"));
    }
    assert!(state.accounts.list_tokens().await.unwrap().is_empty());

    // Created: the token is on the answer, once, with the warning.
    let created = admin
        .post(
            "/admin/tokens",
            &[
                ("user_id", &editor),
                ("name", "nightly export"),
                ("expires", "2099-12-31"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let secret = created.text_of("#token-secret");
    assert!(
        created
            .text_of("#new-token-secret")
            .contains("works until 2099-12-31, end of day")
    );
    assert!(secret.starts_with("vetted_"), "{secret}");
    assert!(
        created
            .text_of("#new-token-secret [role=alert]")
            .contains("only this once")
    );
    assert_eq!(bearer_me(&admin.app, &secret).await, StatusCode::OK);

    // Never again: not on the list, which shows the token's details.
    let list = admin.get("/admin/tokens").await;
    assert!(!list.text.contains(&secret));
    assert!(!list.text.contains(&secret[7..]));
    let token = state.accounts.list_tokens().await.unwrap().remove(0);
    let tr = list.one(&format!(r#"#tokens tr[data-token="{}"]"#, token.id));
    assert_eq!(inner(tr, "th.name").as_deref(), Some("nightly export"));
    assert_eq!(inner(tr, "td.user").as_deref(), Some("editor@example.org"));
    assert!(inner(tr, "td.expires time").as_deref() == Some("2099-12-31"));
    assert!(
        inner(tr, "td.last-used time").is_some(),
        "it was used above"
    );
    assert_eq!(inner(tr, "td.status").as_deref(), Some("active"));

    // Revoked: refused from now on.
    let revoke = admin
        .post(&format!("/admin/tokens/{}/revoke", token.id), &[])
        .await;
    assert_eq!(revoke.status, StatusCode::SEE_OTHER);
    assert_eq!(
        revoke.location.as_deref(),
        Some("/admin/tokens?notice=token-revoked")
    );
    assert_eq!(
        bearer_me(&admin.app, &secret).await,
        StatusCode::UNAUTHORIZED
    );
    let list = admin.get("/admin/tokens?notice=token-revoked").await;
    assert!(list.has(".notice"));
    let tr = list.one(&format!(r#"#tokens tr[data-token="{}"]"#, token.id));
    assert!(inner(tr, "td.status").is_some_and(|s| s.starts_with("revoked")));
    assert!(inner(tr, "form").is_none(), "no second revoke button");
}

/// The 1-based line of the first line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
}

async fn stratocloud(v: &Visitor) -> serde_json::Value {
    let res = send(
        &v.app,
        Request::get("/api/v1/suppliers/stratocloud/findings")
            .header(header::COOKIE, v.cookie.as_deref().unwrap())
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    serde_json::from_slice(&bytes(res).await).unwrap()
}

async fn a_bad_policy_is_refused_with_its_places_and_a_good_one_is_in_force(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;

    let page = admin.get("/admin/policy").await;
    assert!(page.text_of("#active-number").contains("none uploaded"));
    assert!(page.text_of("#policy-toml").contains("allowed_countries"));
    assert!(page.has("#no-versions"));
    assert_eq!(
        page.one("form#policy-upload input").attr("name"),
        Some("csrf_token")
    );

    // A policy that does not parse: the problem with its line and column; nothing stored.
    let bad = DEFAULT_POLICY_TOML.replace(
        "review_interval_months = 12",
        "review_interval_months = \"twelve\"",
    );
    let refused = upload::post(&admin, "/admin/policy", &[Part::Text("toml", &bad)]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    let problem = refused.one("#policy-problem-table tbody tr");
    let line = line_of(&bad, "review_interval_months");
    assert_eq!(inner(problem, "td.line"), Some(line.to_string()));
    let column = bad.lines().nth(line - 1).unwrap().find('"').unwrap() + 1;
    assert_eq!(inner(problem, "td.column"), Some(column.to_string()));
    assert!(inner(problem, "td.message").is_some_and(|m| m.contains("twelve")));

    // A policy that parses but refers to an unknown clause: line, column and the key's path.
    let bad = DEFAULT_POLICY_TOML.replacen(
        "low = [\"data_protection_confidentiality\", \"incident_notification\"",
        "low = [\"data_protection_confidentiality\", \"incident_notifcation\"",
        1,
    );
    assert_ne!(bad, DEFAULT_POLICY_TOML);
    let refused = upload::post(&admin, "/admin/policy", &[Part::Text("toml", &bad)]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    let problems = refused.all("#policy-problem-table tbody tr");
    assert_eq!(problems.len(), 1, "{}", refused.text);
    let problem = problems[0];
    let line = line_of(&bad, "low = [");
    assert_eq!(inner(problem, "td.line"), Some(line.to_string()));
    let column = bad
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("\"incident_notifcation")
        .unwrap()
        + 1;
    assert_eq!(inner(problem, "td.column"), Some(column.to_string()));
    assert!(
        inner(problem, "td.path").is_some_and(|p| p.starts_with("required_clauses.by_tier.low")),
        "{}",
        text(problem)
    );
    let textarea = refused.one("#policy-text");
    assert_eq!(textarea.attr("aria-invalid"), Some("true"));
    assert!(
        text(textarea).contains("incident_notifcation"),
        "the text is kept"
    );
    assert_eq!(state.store.latest_policy_number().await.unwrap(), None);
    assert!(state.policy().version.is_none());

    // A good one, as a file: Ireland is no longer allowed, so stratocloud (with a location in
    // IE) fails residency from now on.
    let before = stratocloud(&admin).await;
    assert!(
        !before["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "selection.residency"),
        "{before:#}"
    );
    let good = DEFAULT_POLICY_TOML.replacen("\"IE\", ", "", 1);
    assert_ne!(good, DEFAULT_POLICY_TOML);
    let done = upload::post(
        &admin,
        "/admin/policy",
        &[
            Part::File("file", "policy.toml", good.as_bytes()),
            Part::Text("toml", ""),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(
        done.location.as_deref(),
        Some("/admin/policy?notice=policy-uploaded")
    );
    assert_eq!(state.store.latest_policy_number().await.unwrap(), Some(1));
    let after = stratocloud(&admin).await;
    assert!(
        after["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "selection.residency"),
        "{after:#}"
    );
    assert_ne!(before["verdict"], after["verdict"]);

    let page = admin.get(done.location.as_deref().unwrap()).await;
    assert!(page.has(".notice"));
    assert_eq!(page.text_of("#active-number"), "1");
    assert_eq!(
        page.text_of("#policy-toml"),
        good.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    assert_eq!(page.text_of("#active-uploaded-by"), "admin@example.org");
    let version = page.one(r#"#policy-versions tr[data-version="1"]"#);
    assert!(inner(version, "th").is_some_and(|t| t.contains("in force")));
    assert!(inner(version, "td").is_some());
    let text_page = admin.get("/admin/policy/versions/1").await;
    assert_eq!(text_page.status, StatusCode::OK);
    assert!(
        text_page
            .text_of("#version-toml")
            .contains("allowed_countries")
    );
    assert_eq!(
        admin.get("/admin/policy/versions/2").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Runs `sql` on the test's own connection to the database, beside the server's.
async fn tamper(guard: &Guard, sql: &'static str) {
    match guard {
        Guard::Sqlite(dir) => {
            let options =
                sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("vetted.db"));
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
        Guard::Postgres(db) => {
            let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
    }
}

async fn the_audit_trail_verifies_then_names_the_tampered_entry(backend: Backend) {
    let (guard, state) = backend.state().await;
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let head = state.store.audit_head().await.unwrap().unwrap();

    let page = admin.get("/admin/audit").await;
    assert_eq!(page.text_of("#entry-count"), head.seq.to_string());
    assert_eq!(page.text_of("#last-mac"), head.mac.to_string());
    assert_eq!(page.text_of("#head"), format!("{}:{}", head.seq, head.mac));
    assert_eq!(
        page.one("#export-link").attr("href"),
        Some("/api/v1/audit/export")
    );
    assert!(!page.has("#verification"));
    // The evidence-signing key, as packs name it and `vetted evidence-pack public-key` prints.
    let evidence = vetted_app::evidence::instance_key(state.store.as_ref())
        .await
        .unwrap()
        .public_key();
    assert_eq!(page.text_of("#evidence-public-key"), evidence.to_string());
    assert_eq!(
        page.text_of("#evidence-fingerprint"),
        evidence.fingerprint()
    );
    assert!(page.text_of("#evidence-public-key").starts_with("ed25519:"));
    assert_eq!(
        page.one("form#verify-form").attr("action"),
        Some("/admin/audit/verify")
    );

    let ok = admin.get("/admin/audit/verify").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.one("#verification").attr("data-status"), Some("ok"));
    assert!(
        ok.text_of("#verification")
            .contains(&format!("All {} entries", head.seq))
    );
    let kept = format!("{}:{}", head.seq, head.mac);
    let ok_at_head = admin.get(&format!("/admin/audit/verify?head={kept}")).await;
    assert_eq!(
        ok_at_head.one("#verification").attr("data-status"),
        Some("ok")
    );
    assert_eq!(
        ok_at_head.one("#expected-head").attr("value"),
        Some(kept.as_str())
    );

    let bad_head = admin.get("/admin/audit/verify?head=12").await;
    assert_eq!(bad_head.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad_head.one("#expected-head").attr("aria-invalid"),
        Some("true")
    );
    assert!(bad_head.has("#expected-head-error"));
    assert!(!bad_head.has("#verification"));

    // Someone with write access to the database edits entry 5.
    tamper(
        &guard,
        "UPDATE audit_entries SET actor = '{\"kind\":\"user\",\"id\":\"mallory\"}' WHERE seq = 5",
    )
    .await;
    let broken = admin.get("/admin/audit/verify").await;
    assert_eq!(broken.status, StatusCode::OK);
    let result = broken.one("#verification");
    assert_eq!(result.attr("data-status"), Some("broken"));
    assert_eq!(result.attr("role"), Some("alert"));
    assert_eq!(broken.text_of("#broken-seq"), "5");
    assert_eq!(broken.text_of("#broken-reason"), "mac_mismatch");
    assert!(!broken.text_of("#broken-message").is_empty());
}

on_both_backends!(
    the_admin_index_links_every_section,
    users_are_created_changed_disabled_and_enabled,
    an_admin_cannot_demote_or_disable_themselves,
    a_token_is_shown_once_and_a_revoked_one_no_longer_works,
    a_bad_policy_is_refused_with_its_places_and_a_good_one_is_in_force,
    the_audit_trail_verifies_then_names_the_tampered_entry,
);

#[tokio::test]
async fn without_the_audit_key_the_page_says_verification_cannot_run() {
    let (_guard, state) = Backend::Sqlite.state().await;
    let state = AppState {
        audit_key: None,
        ..state
    };
    let admin = Visitor::signed_in(&state, Role::Admin).await;
    let page = admin.get("/admin/audit/verify").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.has("#verification-unavailable"));
    assert!(!page.has("#verification"));
}
