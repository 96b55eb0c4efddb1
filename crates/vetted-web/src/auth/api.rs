//! The account routes under `/api/v1`: login, logout and `me` for everyone; users and API
//! tokens for admins. Bodies are JSON; a body that does not parse is 422 naming the field.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Extension, Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_app::accounts::LoginInput;
use vetted_store::accounts::{ApiToken, User};

use super::{Admin, CsrfToken, Principal, Role, Via, cookie};
use crate::AppState;
use crate::error::ApiError;

/// The account routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}", patch(update_user))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", axum::routing::delete(revoke_token))
}

/// Parses a JSON body, naming the field at fault when serde can tell.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let message = e.to_string();
        let field = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|p| message.split_once(p))
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(name, _)| name.to_string());
        ApiError::invalid(
            field.unwrap_or_default(),
            format!("the JSON body is invalid: {message}"),
        )
    })
}

/// Where the request came from, for per-address throttling: the peer's IP, or the first
/// `X-Forwarded-For` entry when forwarded headers are trusted.
pub(crate) fn client_address(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
) -> String {
    if state.config.trust_forwarded_headers
        && let Some(first) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return first.to_string();
    }
    peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string())
}

/// A user as the API shows it: no password hash, no TOTP secret.
#[derive(Serialize, Debug)]
pub struct UserView {
    /// Opaque id.
    pub id: String,
    /// Lower-cased e-mail address.
    pub email: String,
    /// `viewer`, `editor` or `admin`.
    pub role: Role,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Whether a TOTP second factor is on.
    pub totp: bool,
    /// RFC 3339.
    pub created_at: String,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

impl From<&User> for UserView {
    fn from(u: &User) -> UserView {
        UserView {
            id: u.id.clone(),
            email: u.email.clone(),
            role: u.role,
            disabled: u.disabled,
            totp: u.totp_secret.is_some(),
            created_at: rfc3339(u.created_at),
        }
    }
}

/// An API token as the API shows it (never the token).
#[derive(Serialize, Debug)]
pub struct TokenView {
    /// Opaque id, to revoke it.
    pub id: String,
    /// The user it acts as.
    pub user_id: String,
    /// Its name.
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, if it expires.
    pub expires_at: Option<String>,
    /// RFC 3339, if revoked.
    pub revoked_at: Option<String>,
    /// RFC 3339, to the minute.
    pub last_used_at: Option<String>,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> TokenView {
        TokenView {
            id: t.id.clone(),
            user_id: t.user_id.clone(),
            name: t.name.clone(),
            created_at: rfc3339(t.created_at),
            expires_at: t.expires_at.map(rfc3339),
            revoked_at: t.revoked_at.map(rfc3339),
            last_used_at: t.last_used_at.map(rfc3339),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: String,
    #[serde(default)]
    totp: Option<String>,
}

/// What a login answers: the user and the CSRF token unsafe requests must carry.
#[derive(Serialize, Debug)]
pub struct SessionView {
    /// Who is signed in.
    pub user: UserView,
    /// Send it in `X-CSRF-Token` with every POST, PUT, PATCH and DELETE of this session.
    pub csrf_token: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: LoginBody = parse_json(&body)?;
    let address = client_address(&state, &headers, peer.map(|c| c.0.0));
    let login = state
        .accounts
        .login(LoginInput {
            email: &body.email,
            password: &body.password,
            totp: body.totp.as_deref(),
            address: &address,
        })
        .await?;
    tracing::info!(user.id = %login.user.id, session.id = %login.session.id, "signed in");
    let max_age = state.accounts.settings().session_absolute.whole_seconds();
    let set = cookie::set(
        &login.secret,
        max_age,
        cookie::secure(&state.config, &headers),
    );
    let view = SessionView {
        user: UserView::from(&login.user),
        csrf_token: Some(login.session.csrf_token),
    };
    Ok(([(header::SET_COOKIE, set)], Json(view)).into_response())
}

async fn logout(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Via::Session { id } = &principal.via {
        state.accounts.logout(id).await?;
        tracing::info!(user.id = %principal.user_id, session.id = %id, "signed out");
    }
    let clear = cookie::clear(cookie::secure(&state.config, &headers));
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

async fn me(
    State(state): State<AppState>,
    principal: Principal,
    csrf: Option<CsrfToken>,
) -> Result<Json<SessionView>, ApiError> {
    let user = state.accounts.get_user(&principal.user_id).await?;
    Ok(Json(SessionView {
        user: UserView::from(&user),
        csrf_token: csrf.map(|c| c.0),
    }))
}

async fn list_users(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let users = state.accounts.list_users().await?;
    Ok(Json(users.iter().map(UserView::from).collect()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    email: String,
    password: String,
    role: Role,
}

async fn create_user(
    State(state): State<AppState>,
    _: Admin,
    body: Bytes,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let body: NewUserBody = parse_json(&body)?;
    let user = state
        .accounts
        .create_user(&body.email, &body.password, body.role)
        .await?;
    tracing::info!(user.id = %user.id, "user created");
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    disabled: Option<bool>,
}

async fn update_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<UserView>, ApiError> {
    let body: UserPatch = parse_json(&body)?;
    if id == admin.user_id
        && (body.disabled == Some(true) || body.role.is_some_and(|r| r < Role::Admin))
    {
        return Err(ApiError::conflict(
            "an admin cannot disable or demote themselves; ask another admin",
        ));
    }
    let user = state
        .accounts
        .update_user(&id, body.role, body.disabled)
        .await?;
    tracing::info!(user.id = %user.id, "user updated");
    Ok(Json(UserView::from(&user)))
}

async fn list_tokens(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let tokens = state.accounts.list_tokens().await?;
    Ok(Json(tokens.iter().map(TokenView::from).collect()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    /// The user the token acts as; default: the caller.
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// `YYYY-MM-DD` (the end of that day, UTC) or RFC 3339.
    #[serde(default)]
    expires: Option<String>,
}

/// A token just created: shown once.
#[derive(Serialize, Debug)]
pub struct CreatedToken {
    /// The stored token.
    #[serde(flatten)]
    pub token: TokenView,
    /// The token itself, for `Authorization: Bearer …`; it cannot be shown again.
    pub secret: String,
}

/// `YYYY-MM-DD` (the end of that day, UTC) or an RFC 3339 time.
pub fn parse_expiry(s: &str) -> Option<OffsetDateTime> {
    if let Some(date) = vetted_core::date::parse_date(s) {
        return Some(date.next_day()?.midnight().assume_utc());
    }
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

async fn create_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    body: Bytes,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let body: NewTokenBody = parse_json(&body)?;
    let expires = match body.expires.as_deref() {
        None => None,
        Some(s) => Some(parse_expiry(s).ok_or_else(|| {
            ApiError::invalid(
                "expires",
                "expected a date (YYYY-MM-DD) or an RFC 3339 time",
            )
        })?),
    };
    let user_id = body.user_id.unwrap_or(admin.user_id);
    let (token, secret) = state
        .accounts
        .create_token(&user_id, body.name.as_deref().unwrap_or(""), expires)
        .await?;
    tracing::info!(token.id = %token.id, user.id = %token.user_id, "API token created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: TokenView::from(&token),
            secret,
        }),
    ))
}

async fn revoke_token(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.accounts.revoke_token(&id).await?;
    tracing::info!(token.id = %id, "API token revoked");
    Ok(StatusCode::NO_CONTENT)
}
