//! The one error type of HTTP handlers, [`ApiError`], and its JSON form.
//!
//! Each variant is mapped to a status code by an exhaustive `match`, so a new variant forces a
//! decision. Internal causes are logged where the error is made, never sent to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A dependency the request needs (the database) is not answering.
    #[error("the service is not ready: {0}")]
    Unavailable(&'static str),
    /// Nobody is signed in: no valid session and no valid token.
    #[error("sign in or send a valid API token")]
    Unauthenticated,
    /// The caller is signed in but their role is below the one named.
    #[error("this needs the {0} role")]
    Forbidden(crate::auth::Role),
}

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// A stable, machine-readable code such as `unavailable`.
    pub error: &'static str,
    /// A human-readable explanation that reveals no internal detail.
    pub message: String,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = ErrorBody {
            error: code,
            message: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}
