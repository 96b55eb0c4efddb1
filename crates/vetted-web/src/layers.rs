//! The layers every request goes through, outermost first: a request id (`x-request-id`, kept
//! from the client or generated), a tracing span with the method, route and request id and one
//! event per response with its status and `duration_ms`, the id copied to the response, and a
//! body size limit (413 beyond it).
//!
//! Headers are never recorded: `Authorization` and `Cookie` carry secrets.

use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, Response};
use tower::ServiceBuilder;
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
            .layer(RequestBodyLimitLayer::new(body_limit_bytes)),
    )
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
