//! Import over HTTP and the audit trail over HTTP, on SQLite and PostgreSQL: the API round
//! trip (import, export, the same register), dry runs and bad imports that write nothing,
//! entries with their actor and the record before and after, verification intact and then
//! broken by editing the database directly.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, Guard, app, bytes, error, example_register, get, json, send};
use serde_json::{Value, json};
use sqlx::Connection;
use vetted_core::audit::AuditKey;
use vetted_core::model::Register;
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};
use vetted_core::same::same_register;
use vetted_web::auth::Role;
use vetted_web::{AppState, WebConfig};

on_both_backends!(
    import_then_export_is_the_same_register,
    a_dry_run_says_what_would_change_and_writes_nothing,
    a_bad_import_writes_nothing_and_lists_every_problem,
    an_import_needs_a_known_content_type,
    entries_carry_the_actor_and_the_record_before_and_after,
    the_trail_is_paged_and_filtered,
    verify_is_intact_then_names_the_edited_entry,
    the_export_is_json_lines_of_every_entry,
    the_evidence_signing_key_is_the_instance_s_and_verifies_its_packs,
);

fn key() -> AuditKey {
    AuditKey::from_bytes(&[7; 32]).unwrap()
}

/// An empty store of `backend` (no supplier yet), with the audit key.
async fn empty(backend: Backend) -> (Guard, AppState) {
    let (guard, url) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = dir.path().join("vetted.db").display().to_string();
            (Guard::Sqlite(dir), url)
        }
        Backend::Postgres => {
            let db = common::scratch::ScratchDatabase::create(
                &common::scratch::server_url(),
                "vetted_web_test",
            )
            .await;
            let url = db.url().to_string();
            (Guard::Postgres(db), url)
        }
    };
    let store = vetted_store::open_with_audit_key(&vetted_store::DatabaseUrl::new(&url), key())
        .await
        .unwrap();
    let state = AppState::new(store, Policy::default(), WebConfig::default()).with_audit_key(key());
    (guard, state)
}

/// The example register's state, with the audit key.
async fn example(backend: Backend) -> (Guard, AppState) {
    let (guard, state) = backend.state().await;
    (guard, state.with_audit_key(key()))
}

async fn import(
    app: &Router,
    content_type: &str,
    query: &str,
    body: impl Into<Body>,
) -> axum::response::Response {
    send(
        app,
        Request::post(format!("/api/v1/register/import{query}"))
            .header("content-type", content_type)
            .body(body.into())
            .unwrap(),
    )
    .await
}

fn example_json() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/register.json"
    ))
    .unwrap()
}

fn parse(text: &str, syntax: Syntax) -> Register {
    let policy = Policy::default();
    read_register(
        text,
        syntax,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
    .unwrap()
}

async fn head(app: &Router) -> Value {
    json(get(app, "/api/v1/audit/head").await, StatusCode::OK).await
}

async fn import_then_export_is_the_same_register(backend: Backend) {
    let (_db, state) = empty(backend).await;
    let app = app(state, Some(Role::Editor));
    let res = import(&app, "application/json", "", example_json()).await;
    let body = json(res, StatusCode::OK).await;
    assert_eq!(
        body,
        json!({"dry_run": false, "created": 22, "updated": 0, "unchanged": 0})
    );

    let exported =
        String::from_utf8(bytes(get(&app, "/api/v1/register/export?format=json").await).await)
            .unwrap();
    assert!(same_register(
        &parse(&exported, Syntax::Json),
        &example_register()
    ));
    let yaml =
        String::from_utf8(bytes(get(&app, "/api/v1/register/export?format=yaml").await).await)
            .unwrap();
    assert!(same_register(
        &parse(&yaml, Syntax::Yaml),
        &example_register()
    ));

    // The YAML export imported again changes nothing, and seals no entry.
    let before = head(&app).await;
    let body = json(
        import(&app, "application/yaml", "", yaml).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        body,
        json!({"dry_run": false, "created": 0, "updated": 0, "unchanged": 22})
    );
    assert_eq!(head(&app).await, before);

    // The XLSX export imports too (as a dry run: the flat layout keeps the register's
    // substance, not every list's order, so some suppliers may count as updated).
    let xlsx = bytes(get(&app, "/api/v1/register/export?format=xlsx").await).await;
    let body = json(
        import(&app, vetted_web::api::register::XLSX, "?dry_run=true", xlsx).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["created"], 0, "{body}");
    assert_eq!(
        body["created"].as_u64().unwrap()
            + body["updated"].as_u64().unwrap()
            + body["unchanged"].as_u64().unwrap(),
        22
    );
    assert_eq!(head(&app).await, before);
}

async fn a_dry_run_says_what_would_change_and_writes_nothing(backend: Backend) {
    let (_db, state) = example(backend).await;
    let app = app(state.clone(), Some(Role::Editor));
    let mut doc: Value = serde_json::from_str(&example_json()).unwrap();
    doc["suppliers"][1]["owner"] = json!("someone else");
    doc["suppliers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "newco", "name": "NewCo"}));
    let before = head(&app).await;
    let count = state.store.count_suppliers().await.unwrap();
    let res = import(&app, "application/json", "?dry_run=true", doc.to_string()).await;
    let body = json(res, StatusCode::OK).await;
    assert_eq!(
        body,
        json!({"dry_run": true, "created": 1, "updated": 1, "unchanged": 21,
               "created_ids": ["newco"], "updated_ids": ["kestrel-cloud"]})
    );
    assert_eq!(head(&app).await, before);
    assert_eq!(state.store.count_suppliers().await.unwrap(), count);
    // The same import for real does what the dry run said.
    let body = json(
        import(&app, "application/json", "", doc.to_string()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        body,
        json!({"dry_run": false, "created": 1, "updated": 1, "unchanged": 21})
    );
    assert_eq!(
        head(&app).await["seq"].as_u64(),
        before["seq"].as_u64().map(|s| s + 2)
    );
}

async fn a_bad_import_writes_nothing_and_lists_every_problem(backend: Backend) {
    let (_db, state) = example(backend).await;
    let app = app(state.clone(), Some(Role::Editor));
    let mut doc: Value = serde_json::from_str(&example_json()).unwrap();
    doc["suppliers"][0]["owner"] = json!("changed, but the import fails");
    doc["suppliers"][3]["locations"][0]["country"] = json!("UK");
    doc["suppliers"][5]["status"] = json!("alive");
    let before = head(&app).await;
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let body = error(
        import(&app, "application/json", "", text).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    let problems = body["problems"].as_array().unwrap();
    let paths: Vec<&str> = problems
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["suppliers[3].locations[0].country", "suppliers[5].status"],
        "{body:#}"
    );
    assert!(
        problems
            .iter()
            .all(|p| p["line"].is_u64() && p["column"].is_u64()),
        "{body:#}"
    );
    assert_eq!(head(&app).await, before);
    let stored = state
        .store
        .get_supplier(&vetted_core::model::SupplierId::parse("stratocloud").unwrap())
        .await
        .unwrap();
    assert_ne!(
        stored.supplier.owner.as_deref(),
        Some("changed, but the import fails")
    );
    // Malformed JSON is 400 with its place; a CSV with a bad cell names sheet and row.
    let body = error(
        import(&app, "application/json", "", "{\"suppliers\": [}").await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    assert_eq!(body["problems"][0]["line"], 1);
    let csv = "id,name,status\nacme,Acme,alive\n";
    let body = error(
        import(&app, "text/csv", "", csv).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_eq!(body["problems"][0]["line"], 2, "{body:#}");
    assert!(
        body["problems"][0]["path"]
            .as_str()
            .unwrap()
            .contains("row 2"),
        "{body:#}"
    );
    assert_eq!(head(&app).await, before);
}

async fn an_import_needs_a_known_content_type(backend: Backend) {
    let (_db, state) = example(backend).await;
    let app = app(state, Some(Role::Editor));
    error(
        import(&app, "text/plain", "", "suppliers: []").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let body = error(
        import(&app, "application/json", "?dry_run=yes", "{}").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
    assert_eq!(body["problems"][0]["path"], "dry_run");
}

async fn entries_carry_the_actor_and_the_record_before_and_after(backend: Backend) {
    let (_db, state) = example(backend).await;
    let app = app(state, Some(Role::Editor));
    let body = json(
        get(&app, "/api/v1/suppliers/helpdeck").await,
        StatusCode::OK,
    )
    .await;
    let (mut supplier, version) = (body["supplier"].clone(), body["version"].as_i64().unwrap());
    let old_owner = supplier["owner"].clone();
    supplier["owner"] = json!("it-ops");
    let res = send(
        &app,
        Request::put("/api/v1/suppliers/helpdeck")
            .header("content-type", "application/json")
            .header("if-match", format!("\"{version}\""))
            .body(Body::from(supplier.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let history = json(
        get(&app, "/api/v1/suppliers/helpdeck/history").await,
        StatusCode::OK,
    )
    .await;
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{history:#}");
    assert_eq!(entries[0]["action"], "supplier.create");
    assert_eq!(entries[0]["actor"], json!({"kind": "system"}));
    let last = &entries[1];
    assert_eq!(last["action"], "supplier.update");
    assert_eq!(last["subject"], "helpdeck");
    // The test layer signs in with token t-test of user u-test: ids only.
    assert_eq!(
        last["actor"],
        json!({"kind": "token", "id": "t-test", "user_id": "u-test"})
    );
    assert_eq!(last["before"]["owner"], old_owner);
    assert_eq!(last["after"], supplier);
    assert_eq!(last["prev"].as_str().unwrap().len(), 64);
    assert_eq!(head(&app).await["seq"], last["seq"]);
    // Unknown suppliers have no history.
    error(
        get(&app, "/api/v1/suppliers/nobody/history").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn the_trail_is_paged_and_filtered(backend: Backend) {
    let (_db, state) = example(backend).await;
    let app = app(state, Some(Role::Viewer));
    let all = json(get(&app, "/api/v1/audit?limit=1000").await, StatusCode::OK).await;
    let all = all["entries"].as_array().unwrap().clone();
    assert_eq!(all.len(), 22);
    let mut paged = Vec::new();
    let mut uri = "/api/v1/audit?limit=5".to_string();
    loop {
        let page = json(get(&app, &uri).await, StatusCode::OK).await;
        paged.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["next_after_seq"].as_u64() {
            Some(seq) => uri = format!("/api/v1/audit?limit=5&after_seq={seq}"),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let one = json(
        get(&app, "/api/v1/audit?subject=vektora").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["entries"].as_array().unwrap().len(), 1);
    assert_eq!(one["entries"][0]["subject"], "vektora");
    for (query, param) in [
        ("limit=0", "limit"),
        ("after_seq=-1", "after_seq"),
        ("who=me", "who"),
    ] {
        let body = error(
            get(&app, &format!("/api/v1/audit?{query}")).await,
            StatusCode::BAD_REQUEST,
            "bad_parameter",
        )
        .await;
        assert_eq!(body["problems"][0]["path"], param);
    }
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

async fn verify_is_intact_then_names_the_edited_entry(backend: Backend) {
    let (db, state) = example(backend).await;
    let without_key = app(
        AppState {
            audit_key: None,
            ..state.clone()
        },
        Some(Role::Viewer),
    );
    let app = app(state, Some(Role::Viewer));
    let head = head(&app).await;
    assert_eq!(head["seq"], 22);
    let text = head["head"].as_str().unwrap().to_string();
    assert_eq!(text, format!("22:{}", head["mac"].as_str().unwrap()));
    let ok = json(
        get(&app, &format!("/api/v1/audit/verify?head={text}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ok, json!({"status": "ok", "entries": 22, "head": text}));

    error(
        get(&without_key, "/api/v1/audit/verify").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    let body = error(
        get(&app, "/api/v1/audit/verify?head=22:zz").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
    assert_eq!(body["problems"][0]["path"], "head");

    // Someone with write access to the database edits entry 5.
    tamper(
        &db,
        "UPDATE audit_entries SET actor = '{\"kind\":\"user\",\"id\":\"mallory\"}' WHERE seq = 5",
    )
    .await;
    let broken = json(get(&app, "/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(broken["status"], "broken", "{broken:#}");
    assert_eq!(broken["at_seq"], 5);
    assert_eq!(broken["reason"], "mac_mismatch");
    assert!(broken["message"].as_str().is_some_and(|m| !m.is_empty()));

    // Cutting the tail is caught against the head kept earlier.
    tamper(&db, "UPDATE audit_entries SET actor = '{\"kind\":\"system\"}' WHERE seq = 5; DELETE FROM audit_entries WHERE seq = 22").await;
    let cut = json(
        get(&app, &format!("/api/v1/audit/verify?head={text}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (cut["status"].as_str(), cut["reason"].as_str()),
        (Some("broken"), Some("truncated")),
        "{cut:#}"
    );
}

async fn the_export_is_json_lines_of_every_entry(backend: Backend) {
    let (_db, state) = example(backend).await;
    let app = app(state, Some(Role::Viewer));
    let res = get(&app, "/api/v1/audit/export").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    let text = String::from_utf8(bytes(res).await).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let all = json(get(&app, "/api/v1/audit?limit=1000").await, StatusCode::OK).await;
    assert_eq!(Value::Array(lines), all["entries"]);
}

/// `GET /api/v1/evidence/public-key` answers the key packs made from this database are signed
/// with: the same on a second server of the database, and it verifies a pack made there.
async fn the_evidence_signing_key_is_the_instance_s_and_verifies_its_packs(backend: Backend) {
    let (_db, state) = example(backend).await;
    let store = state.store.clone();
    let viewer = app(state, Some(Role::Viewer));
    let body = json(
        get(&viewer, "/api/v1/evidence/public-key").await,
        StatusCode::OK,
    )
    .await;
    let text = body["public_key"].as_str().unwrap();
    let public: vetted_app::evidence::PublicKey = text.parse().unwrap();
    assert_eq!(body["fingerprint"], public.fingerprint());
    // A second server (another state over the same store) answers the same key.
    let second = app(
        AppState::new(store.clone(), Policy::default(), WebConfig::default()),
        Some(Role::Viewer),
    );
    let again = json(
        get(&second, "/api/v1/evidence/public-key").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again, body);
    let today = time::OffsetDateTime::now_utc().date();
    let period = vetted_core::date::Period::new(today, today).unwrap();
    let made = vetted_app::evidence::assemble(
        store.as_ref(),
        Some(&key()),
        period,
        None,
        Vec::new(),
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let verdict = vetted_app::evidence::verify(&made.bytes, Some(&public));
    assert!(verdict.verified, "{:?}", verdict.problems);
    let bad = json(
        get(&viewer, "/api/v1/evidence/public-key?x=1").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(bad["error"], "bad_parameter");
}
