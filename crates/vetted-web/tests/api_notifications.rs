//! The reminders' API (admins): a dry run writes nothing, a run queues and sends once per
//! window, the delivery log pages newest first, a test e-mail reaches a real SMTP server on
//! loopback (tests/smtp) or is refused with the field named, a retry of what did not fail is
//! 404. On `SQLite` and `PostgreSQL`.

mod common;
mod smtp;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Backend, app, error, get, json, send};
use serde_json::json;
use smtp::SmtpServer;
use vetted_app::notify::{Notifier, Security, Settings, SmtpSettings};
use vetted_web::auth::Role;

fn post(uri: &str, body: Option<serde_json::Value>) -> Request<Body> {
    let b = Request::post(uri);
    match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    }
    .unwrap()
}

async fn reminders_through_the_api(backend: Backend) {
    let server = SmtpServer::start(&[]);
    let (_guard, state) = backend.state().await;
    state
        .accounts
        .create_user(
            "ciso@example.eu",
            "correct horse battery",
            Role::Admin,
            vetted_core::audit::Actor::System,
        )
        .await
        .unwrap();
    let settings = Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(server.port),
            security: Security::None,
            username: None,
            password: None,
            from: "vetted@example.eu".into(),
            ca_pem: None,
            timeout_seconds: 10,
        }),
        ..Settings::default()
    };
    let notifier = Arc::new(Notifier::new(Arc::clone(&state.store), settings).unwrap());
    let api = app(state.with_notifier(notifier), Some(Role::Admin));

    let dry = json(
        send(
            &api,
            post(
                "/api/v1/notifications/run?dry_run=true&as_of=2026-11-25",
                None,
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(dry["dry_run"], true);
    assert!(dry["delivered"].is_null());
    let planned = dry["digests"].as_array().unwrap().len();
    assert!(planned >= 2, "{dry:#}");
    let log = json(
        get(&api, "/api/v1/notifications/deliveries").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["deliveries"], json!([]), "a dry run writes nothing");

    let run = json(
        send(
            &api,
            post("/api/v1/notifications/run?as_of=2026-11-25", None),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["digests"].as_array().unwrap().len(), planned);
    assert_eq!(run["delivered"]["sent"], planned);
    let first = &run["digests"][0]["items"][0];
    assert!(
        first["key"].is_string() && first["window"].is_string(),
        "{first}"
    );
    assert_eq!(server.wait_for(planned).len(), planned);

    let again = json(
        send(
            &api,
            post("/api/v1/notifications/run?as_of=2026-11-25", None),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["digests"], json!([]));

    let page = json(
        get(&api, "/api/v1/notifications/deliveries?limit=1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!(page["deliveries"][0]["status"], "sent");
    let before = page["next_before"].as_i64().expect("more pages");
    let next = json(
        get(
            &api,
            &format!("/api/v1/notifications/deliveries?limit=500&before={before}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(next["deliveries"].as_array().unwrap().len(), planned - 1);
    assert!(next["next_before"].is_null());

    let test = json(
        send(
            &api,
            post(
                "/api/v1/notifications/test",
                Some(json!({"to": "dev@example.eu"})),
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (test["kind"].as_str(), test["status"].as_str()),
        (Some("test"), Some("sent"))
    );
    assert_eq!(server.wait_for(planned + 1).len(), planned + 1);

    let bad = error(
        send(
            &api,
            post("/api/v1/notifications/test", Some(json!({"to": "nobody"}))),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_eq!(bad["problems"][0]["path"], "to");
    error(
        send(&api, post("/api/v1/notifications/deliveries/1/retry", None)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    error(
        get(&api, "/api/v1/notifications/deliveries?limit=0").await,
        StatusCode::BAD_REQUEST,
        "bad_parameter",
    )
    .await;
}

on_both_backends!(reminders_through_the_api);
