//! The layers every request goes through, outermost first: a request id (`x-request-id`, kept
//! from the client or generated), a tracing span with the method, route and request id and one
//! event per response with its status and `duration_ms`, the id copied to the response, gzip
//! for clients that accept it, and a body size limit (413 beyond it, answered with the JSON error body like every other error,
//! or an HTML page to a browser that asks for HTML;
//! axum's own smaller default limit is turned off so the configured one is the only one).
//!
//! [`limit_body`] is the same limit as a middleware with its own bound, for routes that must
//! stay below the outer one: the server's outer limit fits an evidence upload, the API and the
//! other pages keep `body_limit_bytes` (see `crate::router`).
//!
//! Headers are never recorded: `Authorization` and `Cookie` carry secrets.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, Response, StatusCode, header};
use axum::middleware::Next;
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
            .layer(axum::middleware::from_fn_with_state(
                body_limit_bytes,
                payload_too_large,
            ))
            .layer(RequestBodyLimitLayer::new(body_limit_bytes))
            .layer(DefaultBodyLimit::disable()),
    )
}

/// The limit layer answers a declared `Content-Length` over the limit itself, in plain text:
/// that answer becomes the JSON error, or the error page for a browser (an evidence upload
/// far over the limit is refused before it is read). (A streamed body over the limit fails
/// while it is read, and the body extractors answer that one.)
async fn payload_too_large(
    State(limit_bytes): State<usize>,
    req: Request,
    next: Next,
) -> axum::response::Response {
    let page = wants_html(req.headers());
    let res = next.run(req).await;
    let answered = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
    });
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !answered {
        let error = crate::error::ApiError::PayloadTooLarge { limit_bytes };
        if page {
            crate::ui::PageError::Api(error).into_response()
        } else {
            error.into_response()
        }
    } else {
        res
    }
}

/// Whether the client asked for an HTML page (a browser's navigation or form post).
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// A body limit of `limit_bytes` inside the outer one: a declared `Content-Length` over it is
/// answered at once (413, JSON or a page as above), a streamed body is cut off at the limit
/// while it is read (the body extractors answer 413).
pub(crate) async fn limit_body(
    State(limit_bytes): State<usize>,
    req: Request,
    next: Next,
) -> axum::response::Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit_bytes as u64) {
        let error = crate::error::ApiError::PayloadTooLarge { limit_bytes };
        return if wants_html(req.headers()) {
            crate::ui::PageError::Api(error).into_response()
        } else {
            error.into_response()
        };
    }
    let req =
        req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit_bytes)));
    next.run(req).await
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
