//! Health probes for load balancers and orchestrators; no login, no data.
//!
//! `GET /healthz` is liveness: the process answers HTTP. `GET /readyz` is readiness: the
//! database answers too. Neither reveals anything about the register (not even its size).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::AppState;
use crate::error::ApiError;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The body of a healthy probe: `{"status":"ok"}`.
#[derive(Debug, Serialize)]
pub struct Status {
    /// Always `ok`.
    pub status: &'static str,
}

const OK: Status = Status { status: "ok" };

/// Liveness: 200 `{"status":"ok"}` whenever the server answers.
pub async fn healthz() -> Json<Status> {
    Json(OK)
}

/// Readiness: 200 `{"status":"ok"}` when the store answers a trivial query, else 503.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    match state.store.count_suppliers().await {
        Ok(_) => Ok(Json(OK)),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: the database is not answering");
            Err(ApiError::Unavailable("the database is not answering"))
        }
    }
}
