//! `GET /metrics`: hidden (404) without a configured token, 401 without the right one, and
//! with it the Prometheus text: request counts by route template and status that move, a
//! latency histogram, suppliers by verdict; no raw URL and no secret in it.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, app, bytes, error, get, send};
use vetted_web::auth::Role;
use vetted_web::metrics::MetricsToken;
use vetted_web::{AppState, WebConfig};

const TOKEN: &str = "metrics-secret-5a1e";

on_both_backends!(counts_move_and_suppliers_are_counted_by_verdict);

fn with_token(state: AppState, token: Option<&str>) -> AppState {
    AppState {
        config: Arc::new(WebConfig {
            metrics_token: token.and_then(MetricsToken::new),
            ..WebConfig::default()
        }),
        ..state
    }
}

fn scrape(token: Option<&str>) -> Request<Body> {
    let req = Request::get("/metrics");
    match token {
        Some(t) => req.header("authorization", format!("Bearer {t}")),
        None => req,
    }
    .body(Body::empty())
    .unwrap()
}

async fn text(app: &axum::Router) -> String {
    let res = send(app, scrape(Some(TOKEN))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    String::from_utf8(bytes(res).await).unwrap()
}

/// The value of the sample named exactly `series` (name and labels), a whole number.
fn sample(text: &str, series: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn without_a_token_configured_metrics_do_not_exist() {
    let (_db, state) = Backend::Sqlite.state().await;
    let app = app(with_token(state, None), Some(Role::Admin));
    for token in [None, Some(TOKEN), Some("")] {
        error(
            send(&app, scrape(token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    assert!(
        MetricsToken::new("  ").is_none(),
        "an empty token is no token"
    );
    assert_eq!(
        format!("{:?}", MetricsToken::new(TOKEN).unwrap()),
        "MetricsToken(<redacted>)"
    );
}

#[tokio::test]
async fn the_token_is_required() {
    let (_db, state) = Backend::Sqlite.state().await;
    let app = app(with_token(state, Some(TOKEN)), None);
    for token in [
        None,
        Some("wrong"),
        Some(&TOKEN[..TOKEN.len() - 1]),
        Some(""),
    ] {
        error(
            send(&app, scrape(token)).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    let session_token = Request::get("/metrics")
        .header("cookie", format!("vetted_session={TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, session_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, scrape(Some(TOKEN))).await.status(),
        StatusCode::OK
    );
}

async fn counts_move_and_suppliers_are_counted_by_verdict(backend: Backend) {
    let (_db, state) = backend.state().await;
    let suppliers = state.store.count_suppliers().await.unwrap();
    let app = app(with_token(state, Some(TOKEN)), Some(Role::Viewer));
    let one =
        r#"vetted_http_requests_total{method="GET",route="/api/v1/suppliers/{id}",status="200"}"#;
    let missing =
        r#"vetted_http_requests_total{method="GET",route="/api/v1/suppliers/{id}",status="404"}"#;
    let before = text(&app).await;
    assert_eq!(sample(&before, one), None);

    get(&app, "/api/v1/suppliers/stratocloud").await;
    get(&app, "/api/v1/suppliers/stratocloud").await;
    get(&app, "/api/v1/suppliers/no-such-one").await;
    get(&app, "/not/a/route/private-path-xyz?q=secret").await;
    let after = text(&app).await;
    assert_eq!(sample(&after, one), Some(2), "{after}");
    assert_eq!(sample(&after, missing), Some(1), "{after}");
    assert_eq!(
        sample(
            &after,
            r#"vetted_http_requests_total{method="GET",route="<unmatched>",status="404"}"#
        ),
        Some(1),
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            r#"vetted_http_request_duration_seconds_count{method="GET",route="/api/v1/suppliers/{id}"}"#
        ),
        Some(3),
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            r#"vetted_http_request_duration_seconds_bucket{method="GET",route="/api/v1/suppliers/{id}",le="+Inf"}"#
        ),
        Some(3),
        "{after}"
    );
    let by_verdict: u64 = after
        .lines()
        .filter(|l| l.starts_with("vetted_suppliers{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(by_verdict, suppliers, "{after}");
    assert_eq!(sample(&after, "vetted_policy_version"), Some(0));
    for leaked in [
        "stratocloud",
        "no-such-one",
        "private-path-xyz",
        "secret",
        TOKEN,
    ] {
        assert!(!after.contains(leaked), "{leaked} in {after}");
    }
}
