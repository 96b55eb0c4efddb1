//! In-process HTTP tests of the probes and the common layers, through `tower::ServiceExt::oneshot`.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use http_body_util::BodyExt;
use tower::ServiceExt;
use vetted_core::policy::Policy;
use vetted_web::{AppState, REQUEST_ID_HEADER, WebConfig, layers, router};

async fn state(dir: &tempfile::TempDir) -> AppState {
    let store = vetted_store::open(&dir.path().join("vetted.db").display().to_string())
        .await
        .expect("open a fresh store");
    AppState::new(store, Policy::default(), WebConfig::default())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

async fn body_text(res: axum::response::Response) -> String {
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

#[tokio::test]
async fn healthz_answers_ok_with_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let res = router(state(&dir).await)
        .oneshot(get("/healthz"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_eq!(body_text(res).await, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn readyz_is_ready_on_a_fresh_store() {
    let dir = tempfile::tempdir().unwrap();
    let res = router(state(&dir).await)
        .oneshot(get("/readyz"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_text(res).await, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn readyz_is_unavailable_when_the_store_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    state.store.close().await;
    let res = router(state).oneshot(get("/readyz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(body["error"], "unavailable");
    // Nothing internal (paths, driver messages) leaks.
    let message = body["message"].as_str().unwrap();
    assert!(!message.contains(&dir.path().display().to_string()));
    assert_eq!(
        message,
        "the service is not ready: the database is not answering"
    );
}

#[tokio::test]
async fn a_request_id_is_generated() {
    let dir = tempfile::tempdir().unwrap();
    let res = router(state(&dir).await)
        .oneshot(get("/healthz"))
        .await
        .unwrap();
    let id = res.headers()[REQUEST_ID_HEADER].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

#[tokio::test]
async fn a_client_request_id_is_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let req = Request::get("/nowhere")
        .header(REQUEST_ID_HEADER, "client-chosen-42")
        .body(Body::empty())
        .unwrap();
    let res = router(state(&dir).await).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()[REQUEST_ID_HEADER], "client-chosen-42");
}

/// No POST route exists yet, so the limit is tested on a test route with the same layers.
fn echo_app(limit: usize) -> Router {
    layers(
        Router::new().route(
            "/echo",
            post(|body: Bytes| async move { body.len().to_string() }),
        ),
        limit,
    )
}

#[tokio::test]
async fn a_body_within_the_limit_is_accepted() {
    let req = Request::post("/echo")
        .body(Body::from(vec![b'x'; 1024]))
        .unwrap();
    let res = echo_app(1024).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_text(res).await, "1024");
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413() {
    let req = Request::post("/echo")
        .header("content-length", "1025")
        .body(Body::from(vec![b'x'; 1025]))
        .unwrap();
    let res = echo_app(1024).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_streamed_body_over_the_limit_gets_413() {
    // No content-length: the limit must hold while the body streams in.
    let chunks = (0..4).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; 512])));
    let req = Request::post("/echo")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let res = echo_app(1024).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
