//! The layers every request goes through, outermost first: a request id (`x-request-id`, kept
//! from the client or generated), a tracing span with the method, route and request id and one
//! event per response with its status and `duration_ms`, the id copied to the response, gzip
//! for clients that accept it, and a body size limit (413 beyond it, answered with the JSON error body like every other error;
//! axum's own smaller default limit is turned off so the configured one is the only one).
//!
//! Headers are never recorded: `Authorization` and `Cookie` carry secrets.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, Response, StatusCode, header};
use axum::response::IntoResponse;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;

/// The request id header: `x-request-id`.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Wraps `router` in the common layers, with a request body limit of `body_limit_bytes`.
pub fn layers(router: Router, body_limit_bytes: usize) -> Router {
    let header = HeaderName::from_static(REQUEST_ID_HEADER);
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(header.clone(), MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(make_span)
                    .on_request(())
                    .on_response(on_response)
                    .on_failure(()),
            )
            .layer(PropagateRequestIdLayer::new(header))
            // Pages, CSS, scripts and JSON travel gzipped to clients that accept it.
            .layer(CompressionLayer::new())
            .layer(axum::middleware::map_response_with_state(
                body_limit_bytes,
                json_payload_too_large,
            ))
            .layer(RequestBodyLimitLayer::new(body_limit_bytes))
            .layer(DefaultBodyLimit::disable()),
    )
}

/// The limit layer answers a declared `Content-Length` over the limit itself, in plain text:
/// that answer becomes the JSON error. (A streamed body over the limit fails while it is read,
/// and the body extractors answer that one.)
async fn json_payload_too_large<B>(
    State(limit_bytes): State<usize>,
    res: Response<B>,
) -> axum::response::Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !json {
        crate::error::ApiError::PayloadTooLarge { limit_bytes }.into_response()
    } else {
        res.map(axum::body::Body::new)
    }
}

fn make_span(req: &Request) -> Span {
    // The route template (`/api/v1/suppliers/{id}`) groups requests; unmatched paths are logged
    // as such rather than echoing whatever a scanner sent.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("<unmatched>", MatchedPath::as_str);
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        http.method = %req.method(),
        http.route = route,
        request.id = request_id,
    )
}

fn on_response<B>(res: &Response<B>, latency: Duration, _span: &Span) {
    let duration_ms = latency.as_secs_f64() * 1000.0;
    tracing::info!(http.status = res.status().as_u16(), duration_ms, "response");
}
