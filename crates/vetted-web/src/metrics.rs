//! `GET /metrics`: Prometheus text format (version 0.0.4), written by hand (a few counters and
//! one histogram do not need a metrics crate).
//!
//! - `vetted_http_requests_total{method, route, status}`: requests answered, by the route's
//!   template (`/api/v1/suppliers/{id}`, never the raw URL; `<unmatched>` for unknown paths);
//! - `vetted_http_request_duration_seconds{method, route}`: a latency histogram;
//! - `vetted_suppliers{verdict}`: suppliers not archived, by stored verdict (one indexed count
//!   per verdict at each scrape, on today's evaluations);
//! - `vetted_policy_version`: the stored policy version in force (0: none stored);
//! - `process_resident_memory_bytes`, `process_start_time_seconds` (Linux, from `/proc`).
//!
//! Recorded by [`record`], a middleware inside the router so that the matched route is known.
//! The endpoint sits outside `/api` (and outside the OpenAPI document) and answers only with
//! the configured token (`metrics_token`: `Authorization: Bearer TOKEN`, compared in constant
//! time); with no token configured it answers 404, as if it did not exist. Label values are
//! route templates, methods and status codes only: no user input, no secret.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use vetted_core::model::Verdict;
use vetted_store::SupplierQuery;

use crate::AppState;
use crate::error::ApiError;

/// The histogram's upper bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "<unmatched>";

/// The token `/metrics` asks for. Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// `token`, or `None` when it is empty (an empty token would let anyone in).
    pub fn new(token: impl Into<String>) -> Option<MetricsToken> {
        let token = token.into();
        (!token.trim().is_empty()).then(|| MetricsToken(token.trim().to_string()))
    }
}

impl fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MetricsToken(<redacted>)")
    }
}

#[derive(Default)]
struct Histogram {
    /// Counts per bucket of [`BUCKETS`] (not cumulative), then the count above the last.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Recorded {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

/// The server's request metrics, shared by every request.
#[derive(Default)]
pub struct Metrics {
    recorded: Mutex<Recorded>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut r = self
            .recorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *r.requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let h = r
            .latency
            .entry((method.to_string(), route.to_string()))
            .or_default();
        let bucket = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        h.buckets[bucket] += 1;
        h.sum += seconds;
        h.count += 1;
    }

    /// The request metrics in the text format.
    fn render(&self, out: &mut String) -> fmt::Result {
        let r = self
            .recorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        writeln!(
            out,
            "# HELP vetted_http_requests_total HTTP requests answered, by route template and status."
        )?;
        writeln!(out, "# TYPE vetted_http_requests_total counter")?;
        for ((method, route, status), n) in &r.requests {
            writeln!(
                out,
                "vetted_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            )?;
        }
        writeln!(
            out,
            "# HELP vetted_http_request_duration_seconds Time to answer HTTP requests, by route template."
        )?;
        writeln!(out, "# TYPE vetted_http_request_duration_seconds histogram")?;
        for ((method, route), h) in &r.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                writeln!(
                    out,
                    "vetted_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                )?;
            }
            writeln!(
                out,
                "vetted_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            )?;
            writeln!(
                out,
                "vetted_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            )?;
            writeln!(
                out,
                "vetted_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            )?;
        }
        Ok(())
    }
}

/// A label value with `\`, `"` and newlines escaped, as the text format wants.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware counting every request by method, route template and status, with its latency.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_string();
    let res = next.run(req).await;
    state.metrics.observe(
        &method,
        &route,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}

/// The `/metrics` route (outside `/api` and the OpenAPI document).
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Whether the request carries the configured token.
fn authorized(headers: &HeaderMap, token: &MetricsToken) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    constant_time_eq::constant_time_eq(given.trim().as_bytes(), token.0.as_bytes())
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Some(token) = &state.config.metrics_token else {
        return Err(ApiError::NoRoute);
    };
    if !authorized(&headers, token) {
        return Err(ApiError::Unauthenticated);
    }
    let mut out = String::new();
    let write = |e: fmt::Error| ApiError::internal("writing the metrics", &e);
    state.metrics.render(&mut out).map_err(write)?;

    let evaluator = state.evaluator(time::OffsetDateTime::now_utc().date());
    writeln!(
        out,
        "# HELP vetted_suppliers Suppliers not archived, by verdict (stored evaluations of today)."
    )
    .map_err(write)?;
    writeln!(out, "# TYPE vetted_suppliers gauge").map_err(write)?;
    for verdict in Verdict::WORST_FIRST {
        let query = SupplierQuery {
            verdicts: vec![verdict],
            limit: 0,
            ..SupplierQuery::default()
        };
        let page = state.store.query_suppliers(&query, &evaluator).await?;
        writeln!(
            out,
            "vetted_suppliers{{verdict=\"{}\"}} {}",
            verdict.as_str(),
            page.total
        )
        .map_err(write)?;
    }
    let version = state.policy().version.as_ref().map_or(0, |v| v.number);
    writeln!(
        out,
        "# HELP vetted_policy_version The stored policy version in force (0: none stored).\n\
         # TYPE vetted_policy_version gauge\nvetted_policy_version {version}"
    )
    .map_err(write)?;
    process(&mut out).map_err(write)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        out,
    )
        .into_response())
}

/// Resident memory and start time of this process, where `/proc` tells them (Linux).
fn process(out: &mut String) -> fmt::Result {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return Ok(());
    };
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    if let Some(kib) = rss_kib {
        writeln!(
            out,
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n\
             # TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {}",
            kib * 1024
        )?;
    }
    writeln!(
        out,
        "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n\
         # TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {}",
        started_at()
    )
}

/// The process's start, taken as the first call of this function, which [`crate::router`]
/// makes while the server starts (close enough for a restart counter, without parsing
/// `/proc/self/stat` and the boot time).
fn started_at() -> u64 {
    static START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *START.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    })
}

/// Notes the process's start time (called when the router is built).
pub(crate) fn note_start() {
    let _ = started_at();
}
