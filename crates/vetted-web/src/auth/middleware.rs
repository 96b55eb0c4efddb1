//! [`authenticate`]: the middleware that turns a request's credentials into a [`Principal`].
//!
//! - `Authorization: Bearer TOKEN`: the token must be known, not revoked, not expired, and its
//!   user enabled; otherwise the answer is 401 at once (a bad token is an error, not an
//!   anonymous request). Bearer requests need no CSRF token: browsers never add that header.
//! - Else the session cookie ([`super::cookie::SESSION_COOKIE`]): a live session makes the
//!   request its user's; a dead or unknown one leaves the request anonymous (the extractors
//!   answer 401 where a login is needed). An unsafe method (POST, PUT, PATCH, DELETE) on a
//!   session must carry the session's CSRF token, in `X-CSRF-Token` or, for an HTML form
//!   (`application/x-www-form-urlencoded` or `multipart/form-data`), in its `csrf_token`
//!   field; else 403.
//!
//! Signing in and the first-run setup never use the session (no CSRF token needed there).
//!
//! The session's CSRF token also goes into the request's extensions as [`CsrfToken`], for
//! pages to put in their forms' hidden field.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cookie::session_secret;
use super::{Principal, Via};
use crate::AppState;
use crate::error::ApiError;

/// The header a session-authenticated write carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The form field an HTML form carries its CSRF token in.
pub const CSRF_FIELD: &str = "csrf_token";

/// Paths that never act as a session, so a browser still holding a session cookie can post
/// them without a CSRF token: signing in (again), the first-run setup, and the public
/// subprocessor list's forms (for people without an account; their links are signed).
const SESSIONLESS_PATHS: &[&str] = &[
    "/api/v1/auth/login",
    "/login",
    "/setup",
    "/subprocessors/subscribe",
    "/subprocessors/confirm",
    "/subprocessors/unsubscribe",
    "/subprocessors/object",
];

/// The signed-in user's e-mail address (pages show it in their menu), put into the request's
/// extensions beside the [`Principal`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedInEmail(pub String);

/// The CSRF token of the request's session, for a form's hidden field
/// (`<input type="hidden" name="csrf_token" value="…">`). Absent for bearer and anonymous
/// requests; as an extractor it answers 401 then.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<CsrfToken, ApiError> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<CsrfToken>, Self::Rejection> {
        Ok(parts.extensions.get::<CsrfToken>().cloned())
    }
}

fn bearer(headers: &HeaderMap) -> Option<Result<&str, ApiError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    Some(token.ok_or(ApiError::Unauthenticated))
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Authenticates the request (see the module's documentation) and runs the rest of the stack.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let page = !req.uri().path().starts_with("/api/");
    match authenticate_inner(&state, &mut req).await {
        Ok(()) => next.run(req).await,
        // A browser's page request gets its refusal as a page.
        Err(e) if page => crate::ui::PageError::from(e).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn authenticate_inner(state: &AppState, req: &mut Request) -> Result<(), ApiError> {
    if let Some(token) = bearer(req.headers()) {
        let token = token?;
        let found = state.accounts.authenticate_token(token).await?;
        let Some(found) = found else {
            return Err(ApiError::Unauthenticated);
        };
        req.extensions_mut().insert(SignedInEmail(found.user.email));
        req.extensions_mut().insert(Principal {
            user_id: found.user.id,
            role: found.user.role,
            via: Via::Token {
                id: found.credential.id,
            },
        });
        return Ok(());
    }
    if SESSIONLESS_PATHS.contains(&req.uri().path()) {
        return Ok(());
    }
    let Some(secret) = session_secret(req.headers()) else {
        return Ok(());
    };
    let Some(found) = state.accounts.authenticate_session(&secret).await? else {
        return Ok(());
    };
    let csrf = found.credential.csrf_token.clone();
    if is_unsafe(req.method()) {
        check_csrf(req, &csrf).await?;
    }
    req.extensions_mut().insert(CsrfToken(csrf));
    req.extensions_mut().insert(SignedInEmail(found.user.email));
    req.extensions_mut().insert(Principal {
        user_id: found.user.id,
        role: found.user.role,
        via: Via::Session {
            id: found.credential.id,
        },
    });
    Ok(())
}

/// The text of the first part named `name` of a `multipart/form-data` body (an upload form's
/// hidden field), if the body is well formed that far.
async fn multipart_field(
    content_type: &str,
    bytes: axum::body::Bytes,
    name: &str,
) -> Option<String> {
    use axum::extract::{FromRequest, Multipart};
    let req = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .ok()?;
    let mut parts = Multipart::from_request(req, &()).await.ok()?;
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// Checks the CSRF token of an unsafe session request: the header, else an HTML form's field,
/// url-encoded or multipart (the form is read here, within the body limit, and handed on
/// unchanged).
async fn check_csrf(req: &mut Request, expected: &str) -> Result<(), ApiError> {
    if let Some(sent) = req.headers().get(CSRF_HEADER) {
        let sent = sent.to_str().unwrap_or("");
        return if vetted_app::accounts::secret::constant_time_eq(sent, expected) {
            Ok(())
        } else {
            Err(ApiError::CsrfMismatch)
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_multipart = content_type.starts_with("multipart/form-data");
    if !is_form && !is_multipart {
        return Err(ApiError::CsrfMismatch);
    }
    let body = std::mem::take(req.body_mut());
    // The body limit layer outside already bounds the size; usize::MAX defers to it.
    let bytes = to_bytes(body, usize::MAX)
        .await
        .map_err(|_| ApiError::invalid("body", "the form could not be read"))?;
    let sent = if is_form {
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        fields
            .into_iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v)
    } else {
        multipart_field(&content_type, bytes.clone(), CSRF_FIELD).await
    };
    let ok = sent.is_some_and(|v| vetted_app::accounts::secret::constant_time_eq(&v, expected));
    *req.body_mut() = Body::from(bytes);
    if ok {
        Ok(())
    } else {
        Err(ApiError::CsrfMismatch)
    }
}
