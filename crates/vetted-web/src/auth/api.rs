//! The account routes under `/api/v1`: login, logout and `me` for everyone; users and API
//! tokens for admins. Registered through utoipa-axum's `routes!` like the rest of the API, so
//! they are in the OpenAPI document (tag `accounts`). Bodies are read with [`ApiJson`]: 400
//! when the body is not JSON, 422 naming the field when it does not fit.
//!
//! Account changes are sealed into the audit trail by the store, in the same transaction, with
//! the caller as actor ([`Principal::actor`]).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_app::accounts::LoginInput;
use vetted_store::accounts::{ApiToken, User};

use super::{Admin, CsrfToken, Principal, Role, Via, cookie};
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath};

/// The account routes, documented.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
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
#[derive(Serialize, Debug, ToSchema)]
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
#[derive(Serialize, Debug, ToSchema)]
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

/// What a login sends.
#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// The account's e-mail address (any case).
    pub email: String,
    /// The account's password.
    pub password: String,
    /// The current code of the authenticator app, when the account has TOTP on.
    #[serde(default)]
    pub totp: Option<String>,
}

/// What a login answers: the user and the CSRF token unsafe requests must carry.
#[derive(Serialize, Debug, ToSchema)]
pub struct SessionView {
    /// Who is signed in.
    pub user: UserView,
    /// Send it in `X-CSRF-Token` with every POST, PUT, PATCH and DELETE of this session.
    pub csrf_token: Option<String>,
}

/// Signs in with e-mail address, password and (when the account has it on) TOTP code: sets
/// the `HttpOnly` session cookie and answers the CSRF token that the session's unsafe requests
/// must carry in `X-CSRF-Token`. Failed logins are throttled per account and per address.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "accounts",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = SessionView,
            headers(("Set-Cookie" = String, description = "The session cookie (HttpOnly, SameSite=Lax)."))),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 401, description = "Wrong e-mail address, password or code, or a disabled account (`bad_credentials`); or the code is missing (`totp_required`)", body = ErrorBody),
        (status = 422, description = "The body does not fit (the field is named)", body = ErrorBody),
        (status = 429, description = "Too many failed logins for this account or address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until logins are accepted again."))),
    ),
    security(())
)]
async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
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

/// Ends the session (server-side) and clears its cookie; with an API token, nothing to end.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "accounts",
    responses(
        (status = 204, description = "Signed out",
            headers(("Set-Cookie" = String, description = "Clears the session cookie."))),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A session request without its CSRF token", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
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

/// Who is signed in, and the session's CSRF token (none with an API token).
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "accounts",
    responses(
        (status = 200, description = "The signed-in user", body = SessionView),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
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

/// Every user, by e-mail address (admins only).
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "accounts",
    responses(
        (status = 200, description = "The users", body = Vec<UserView>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
async fn list_users(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let users = state.accounts.list_users().await?;
    Ok(Json(users.iter().map(UserView::from).collect()))
}

/// A user to create.
#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// The e-mail address the user signs in with; unique whatever its case.
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    /// What the user may do.
    pub role: Role,
}

/// Creates a user (admins only); audit action `user.create`.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "accounts",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin, or a session request without its CSRF token", body = ErrorBody),
        (status = 409, description = "The e-mail address is taken", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid (the e-mail address, a password too short)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
async fn create_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user = state
        .accounts
        .create_user(&body.email, &body.password, body.role, admin.actor())
        .await?;
    tracing::info!(user.id = %user.id, "user created");
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// A change to a user; absent fields stay as they are.
#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// A new role.
    #[serde(default)]
    pub role: Option<Role>,
    /// Disable (`true`: their sessions end, their tokens stop working) or enable (`false`).
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// Changes a user's role, or disables or enables them (admins only); audit action
/// `user.update`. An admin cannot disable or demote themselves.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "The user's id.")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user as changed", body = UserView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin, or a session request without its CSRF token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "An admin disabling or demoting themselves", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
async fn update_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UserPatch>,
) -> Result<Json<UserView>, ApiError> {
    // `Accounts::update_user` refuses an admin disabling or demoting themselves (409).
    let user = state
        .accounts
        .update_user(&id, body.role, body.disabled, admin.actor())
        .await?;
    tracing::info!(user.id = %user.id, "user updated");
    Ok(Json(UserView::from(&user)))
}

/// Every API token, newest first (admins only); never the tokens themselves.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "accounts",
    responses(
        (status = 200, description = "The tokens", body = Vec<TokenView>),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
async fn list_tokens(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let tokens = state.accounts.list_tokens().await?;
    Ok(Json(tokens.iter().map(TokenView::from).collect()))
}

/// An API token to create.
#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// The user the token acts as (with that user's role); default: the caller.
    #[serde(default)]
    pub user_id: Option<String>,
    /// What to call it (at most 100 characters); default `token`.
    #[serde(default)]
    pub name: Option<String>,
    /// `YYYY-MM-DD` (the end of that day, UTC) or RFC 3339; default: never expires.
    #[serde(default)]
    pub expires: Option<String>,
}

/// A token just created: shown once.
#[derive(Serialize, Debug, ToSchema)]
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

/// Creates an API token acting as a user (admins only); the token is in the answer, once.
/// Audit action `token.create` (never the token).
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "accounts",
    request_body = NewTokenBody,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = CreatedToken),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin, or a session request without its CSRF token", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "A field is invalid (an expiry in the past, a name too long)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
async fn create_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let expires = match body.expires.as_deref() {
        None => None,
        Some(s) => Some(parse_expiry(s).ok_or_else(|| {
            ApiError::invalid(
                "expires",
                "expected a date (YYYY-MM-DD) or an RFC 3339 time",
            )
        })?),
    };
    let actor = admin.actor();
    let user_id = body.user_id.unwrap_or(admin.user_id);
    let (token, secret) = state
        .accounts
        .create_token(&user_id, body.name.as_deref().unwrap_or(""), expires, actor)
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

/// Revokes an API token (admins only): it is refused from now on. Audit action
/// `token.revoke`.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "The token's id (not the token).")),
    responses(
        (status = 204, description = "Revoked (or revoked already)"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin, or a session request without its CSRF token", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
async fn revoke_token(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.accounts.revoke_token(&id, admin.actor()).await?;
    tracing::info!(token.id = %id, "API token revoked");
    Ok(StatusCode::NO_CONTENT)
}
