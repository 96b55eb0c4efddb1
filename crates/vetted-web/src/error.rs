//! The one error type of HTTP handlers, [`ApiError`], and its JSON form.
//!
//! Each variant is mapped to a status code by an exhaustive `match`, so a new variant forces a
//! decision. Internal causes are logged where the error is made, never sent to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
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
    /// A session-authenticated write without the session's CSRF token.
    #[error("this request needs the session's CSRF token in the X-CSRF-Token header")]
    CsrfMismatch,
    /// The request's input is unacceptable; `field` names the field when one is to blame.
    #[error("{message}")]
    InvalidInput {
        /// The field's path in the request (`email`, `role`), if one is to blame.
        field: Option<String>,
        /// What is wrong, for a person.
        message: String,
    },
    /// The e-mail address, password or TOTP code is wrong (or the account is disabled).
    #[error("the e-mail address, password or code is wrong")]
    BadCredentials,
    /// The password was right; the account also needs its TOTP code (`totp`).
    #[error("this account needs the code from its authenticator app in `totp`")]
    TotpRequired,
    /// Too many failed logins; `Retry-After` says when to try again.
    #[error("too many failed logins: try again in {0} seconds")]
    TooManyAttempts(u64),
    /// The record named does not exist.
    #[error("{what} `{id}` not found")]
    NotFound {
        /// The kind of record, such as `user`.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The change contradicts what is stored (an e-mail address taken, a setup link used).
    #[error("{0}")]
    Conflict(String),
    /// Something failed inside the server; the cause was logged, the client learns nothing.
    #[error("something went wrong on the server; the error was logged")]
    Internal,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// A stable, machine-readable code such as `unavailable`.
    pub error: &'static str,
    /// A human-readable explanation that reveals no internal detail.
    pub message: String,
    /// The path of the field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::CsrfMismatch => (StatusCode::FORBIDDEN, "csrf"),
            ApiError::InvalidInput { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            ApiError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            ApiError::TotpRequired => (StatusCode::UNAUTHORIZED, "totp_required"),
            ApiError::TooManyAttempts(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// An [`ApiError::InvalidInput`] blaming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::InvalidInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Logs an internal failure with its cause chain and returns [`ApiError::Internal`].
    pub fn internal(context: &str, error: &(dyn std::error::Error + 'static)) -> ApiError {
        let mut chain = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        tracing::error!(error = %chain, "{context}");
        ApiError::Internal
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let retry_after = match &self {
            ApiError::TooManyAttempts(secs) => Some(*secs),
            _ => None,
        };
        let field = match &self {
            ApiError::InvalidInput { field, .. } => field.clone(),
            _ => None,
        };
        let body = ErrorBody {
            error: code,
            message: self.to_string(),
            field,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
