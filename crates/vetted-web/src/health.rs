//! Health probes for load balancers and orchestrators; no login, no data.
//!
//! `GET /healthz` is liveness: the process answers HTTP. `GET /readyz` is readiness: the
//! database answers too. Neither reveals anything about the register (not even its size).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};

/// The routes of this module, with their documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The body of a healthy probe: `{"status":"ok"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// Always `ok`.
    #[schema(value_type = String, pattern = "^ok$")]
    pub status: &'static str,
}

const OK: Status = Status { status: "ok" };

/// Liveness: 200 `{"status":"ok"}` whenever the server answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The server answers", body = Status))
)]
pub async fn healthz() -> Json<Status> {
    Json(OK)
}

/// Readiness: 200 `{"status":"ok"}` when the store answers a trivial query, else 503.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "The server and its database answer", body = Status),
        (status = 503, description = "The database is not answering", body = ErrorBody),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    match state.store.count_suppliers().await {
        Ok(_) => Ok(Json(OK)),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: the database is not answering");
            Err(ApiError::Unavailable("the database is not answering"))
        }
    }
}
