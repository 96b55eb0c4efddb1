//! The one error type of HTTP handlers, [`ApiError`], and its JSON form, [`ErrorBody`].
//!
//! Every error answer is JSON: `{"error": code, "message": …, "problems": [{"path", "message",
//! "line"?, "column"?}]}` (`problems` only when there are some). Each variant is mapped to its
//! status and code by an exhaustive `match`, so a new variant forces a decision. Internal causes
//! are logged where the error is made ([`ApiError::internal`], `From<StoreError>`), never sent
//! to the client.
//!
//! The project's extractors (`crate::extract`) answer with these errors, never axum's plain-text
//! rejections, so bad input is always a JSON 4xx.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use vetted_store::StoreError;

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
    /// A session-authenticated write without the session's CSRF token (403).
    #[error("this request needs the session's CSRF token in the X-CSRF-Token header")]
    CsrfMismatch,
    /// The e-mail address, password or TOTP code is wrong, or the account is disabled (401).
    #[error("the e-mail address, password or code is wrong")]
    BadCredentials,
    /// The password was right; the account also needs its TOTP code (`totp`) (401).
    #[error("this account needs the code from its authenticator app in `totp`")]
    TotpRequired,
    /// Too many failed logins (429); `Retry-After` says when to try again.
    #[error("too many failed logins: try again in {0} seconds")]
    TooManyAttempts(u64),
    /// The body is not JSON at all (400), with the place of the syntax error.
    #[error("the body is not valid JSON: {}", .0.message)]
    MalformedJson(Problem),
    /// The body is JSON but breaks the register format (422): every problem with its path.
    #[error("the body does not match the register format ({} problem{})", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Invalid(Vec<Problem>),
    /// A policy file (TOML) that is not a valid policy (422, code `invalid`): every problem
    /// with its key path, line and column.
    #[error("the body is not a valid policy file ({} problem{})", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    InvalidPolicy(Vec<Problem>),
    /// A query or path parameter is missing or malformed (400): which one and why.
    #[error("bad parameter `{}`: {}", .0.path, .0.message)]
    BadParameter(Problem),
    /// The record asked for does not exist (404).
    #[error("{what} `{id}` not found")]
    NotFound {
        /// The kind of record, such as `supplier`.
        what: &'static str,
        /// The id (or path) looked up.
        id: String,
    },
    /// No route answers this path (404).
    #[error("no such endpoint")]
    NoRoute,
    /// The route exists but not for this method (405).
    #[error("this endpoint does not answer this method")]
    MethodNotAllowed,
    /// The change contradicts the stored data (409): `current` is the state it met, when the
    /// caller can be shown it (the current supplier with its version).
    #[error("{message}")]
    Conflict {
        /// What conflicts, as a sentence.
        message: String,
        /// The current state, sent as `current` in the body.
        current: Option<serde_json::Value>,
    },
    /// A write that does not say which version it read (428): it must send `If-Match` with
    /// the `ETag` of its read (a risk: the `versions` of its read), so it cannot overwrite a
    /// change it has not seen.
    #[error(
        "send the version you read in If-Match (the ETag of your read, such as \"3\"; for a risk, the `versions` of your read in the body), so no change you have not seen is overwritten"
    )]
    PreconditionRequired,
    /// The body is larger than the server accepts (413).
    #[error("the body is larger than the limit of {limit_bytes} bytes")]
    PayloadTooLarge {
        /// The configured limit.
        limit_bytes: usize,
    },
    /// The body's content type is not the one the endpoint reads (415).
    #[error("expected a body of type {expected}")]
    UnsupportedMediaType {
        /// The media type expected, such as `application/json`.
        expected: &'static str,
    },
    /// Something failed inside the server (500); the cause was logged, the client learns
    /// nothing about it.
    #[error("an internal error occurred; it has been logged")]
    Internal,
}

/// One problem of a request: where (a field path such as `suppliers[0].locations[1].country`,
/// or a parameter name) and what is wrong; line and column for problems in a JSON body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// The field path in the body (`locations[1].country`; empty for the whole body) or the
    /// parameter's name.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// 1-based line in the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the body, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Problem {
    /// A problem with a parameter or field, without a position.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl From<vetted_core::read::Problem> for Problem {
    fn from(p: vetted_core::read::Problem) -> Problem {
        Problem {
            path: p.path,
            message: p.message,
            line: p.line,
            column: p.column,
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code: `unavailable`, `unauthenticated`, `forbidden`,
    /// `malformed_json`, `invalid`, `bad_parameter`, `not_found`, `method_not_allowed`,
    /// `conflict`, `precondition_required`, `payload_too_large`, `unsupported_media_type`, `csrf`, `bad_credentials`,
    /// `totp_required`, `too_many_attempts` or `internal`.
    pub error: &'static str,
    /// A human-readable explanation that reveals no internal detail.
    pub message: String,
    /// Every problem found, with its place, for `malformed_json`, `invalid` and
    /// `bad_parameter`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// For `conflict`: the current state of the record (such as the supplier and its version).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

impl ApiError {
    /// Logs `cause` with `context` and returns [`ApiError::Internal`]: the cause never reaches
    /// the client.
    pub fn internal(context: &str, cause: &dyn std::error::Error) -> ApiError {
        tracing::error!(error = %cause, source = ?cause.source().map(ToString::to_string), "{context}");
        ApiError::Internal
    }

    /// An [`ApiError::Invalid`] with one problem, blaming `field` (a path in the body).
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![Problem::at(field, message)])
    }

    /// An [`ApiError::Conflict`] without a current state to show.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::Conflict {
            message: message.into(),
            current: None,
        }
    }

    /// A bad query or path parameter.
    pub fn bad_parameter(name: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::BadParameter(Problem::at(name, message))
    }

    /// The status code and the stable error code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::CsrfMismatch => (StatusCode::FORBIDDEN, "csrf"),
            ApiError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            ApiError::TotpRequired => (StatusCode::UNAUTHORIZED, "totp_required"),
            ApiError::TooManyAttempts(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::Invalid(_) | ApiError::InvalidPolicy(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            }
            ApiError::BadParameter(_) => (StatusCode::BAD_REQUEST, "bad_parameter"),
            ApiError::NotFound { .. } | ApiError::NoRoute => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            ApiError::PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, "precondition_required")
            }
            ApiError::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            ApiError::UnsupportedMediaType { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The JSON body this error answers with.
    pub fn body(self) -> ErrorBody {
        let (_, code) = self.status_and_code();
        let message = self.to_string();
        let (problems, current) = match self {
            ApiError::MalformedJson(p) | ApiError::BadParameter(p) => (vec![p], None),
            ApiError::Invalid(problems) | ApiError::InvalidPolicy(problems) => (problems, None),
            ApiError::Conflict { current, .. } => (Vec::new(), current),
            ApiError::Unavailable(_)
            | ApiError::Unauthenticated
            | ApiError::Forbidden(_)
            | ApiError::CsrfMismatch
            | ApiError::BadCredentials
            | ApiError::TotpRequired
            | ApiError::TooManyAttempts(_)
            | ApiError::NotFound { .. }
            | ApiError::NoRoute
            | ApiError::MethodNotAllowed
            | ApiError::PreconditionRequired
            | ApiError::PayloadTooLarge { .. }
            | ApiError::UnsupportedMediaType { .. }
            | ApiError::Internal => (Vec::new(), None),
        };
        ErrorBody {
            error: code,
            message,
            problems,
            current,
        }
    }
}

impl From<StoreError> for ApiError {
    /// The store's outcomes, mapped once: not found is 404, a conflict 409, anything else a
    /// logged 500.
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound { what, id } => ApiError::NotFound { what, id },
            StoreError::Conflict { what, id, reason } => ApiError::Conflict {
                message: format!("{what} `{id}`: {reason}"),
                current: None,
            },
            StoreError::Stale { current } => ApiError::Conflict {
                message: format!(
                    "supplier `{}` was changed by someone else: it is at version {}; \
                     re-read it, reapply your change and send that version",
                    current.supplier.id, current.version
                ),
                current: Some(serde_json::json!({
                    "supplier": current.supplier,
                    "version": current.version,
                    "archived": current.archived,
                })),
            },
            e @ (StoreError::Unsupported(_)
            | StoreError::AuditKey(_)
            | StoreError::Other { .. }) => ApiError::internal("the store failed", &e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        let unauthenticated = matches!(self, ApiError::Unauthenticated);
        let retry_after = match &self {
            ApiError::TooManyAttempts(secs) => Some(*secs),
            _ => None,
        };
        let mut res = (status, Json(self.body())).into_response();
        if unauthenticated {
            // RFC 9110: a 401 names the scheme to use.
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}
