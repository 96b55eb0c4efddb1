//! Who is using a page: [`Session`] and the page extractors [`SignedIn`] (any role),
//! [`CanEdit`] (editor or admin) and [`IsAdmin`], plus the login and logout pages.
//!
//! The extractors read what `crate::auth::authenticate` found (the [`Principal`], the user's
//! e-mail address, the session's CSRF token). Unlike the API's extractors they answer a browser:
//! nobody signed in is sent to `/login?next=…` (303), a too-low role gets a 403 page.
//!
//! Login is a plain form (`POST /login`: `email`, `password`, `totp` when the account has a
//! second factor, `next`), so it works without JavaScript; it opens the same server-side session
//! as `POST /api/v1/auth/login`. Logout is a form with the CSRF token (`POST /logout`).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use vetted_app::accounts::{AccountError, LoginInput};

use super::page::{Notice, PageError, is_local_path, render};
use super::{Access, Pages};
use crate::AppState;
use crate::auth::api::client_address;
use crate::auth::middleware::SignedInEmail;
use crate::auth::{CsrfToken, Principal, Role, Via, cookie};

/// The login and logout routes.
pub fn pages() -> Pages {
    Pages::new()
        .get("/login", Access::Public, login_form)
        .post("/login", Access::Public, login)
        .post("/logout", super::VIEWER, logout)
}

/// The signed-in user of a page request.
#[derive(Clone, Debug)]
pub struct Session {
    /// Who, with which role, by which credential.
    pub principal: Principal,
    /// Their e-mail address, shown in the menu.
    pub email: String,
    /// The session's CSRF token, for every form's hidden `csrf_token` field (empty for a
    /// bearer-token request, which needs none).
    pub csrf: String,
}

impl Session {
    /// The user's role.
    pub fn role(&self) -> Role {
        self.principal.role
    }

    /// Whether the user may change the register (editor or admin): pages show edit controls
    /// only then (the server checks again on every write).
    pub fn can_edit(&self) -> bool {
        self.principal.role >= Role::Editor
    }

    /// Whether the user is an admin.
    pub fn is_admin(&self) -> bool {
        self.principal.role >= Role::Admin
    }

    fn from_parts(parts: &Parts, role: Role) -> Result<Session, PageError> {
        let Some(principal) = parts.extensions.get::<Principal>().cloned() else {
            let next = if parts.method == axum::http::Method::GET {
                parts
                    .uri
                    .path_and_query()
                    .map_or("/", axum::http::uri::PathAndQuery::as_str)
                    .to_string()
            } else {
                "/".to_string()
            };
            return Err(PageError::SignIn { next });
        };
        if principal.role < role {
            return Err(PageError::Forbidden(role));
        }
        let email = parts
            .extensions
            .get::<SignedInEmail>()
            .map(|e| e.0.clone())
            .unwrap_or_default();
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        Ok(Session {
            principal,
            email,
            csrf,
        })
    }
}

macro_rules! page_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(pub Session);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = PageError;

            async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<$name, PageError> {
                Session::from_parts(parts, $role).map($name)
            }
        }
    };
}

page_extractor!(
    /// A signed-in user of any role; otherwise a redirect to the login page.
    SignedIn,
    Role::Viewer
);
page_extractor!(
    /// A signed-in editor or admin: the login page when nobody is signed in, 403 for a viewer.
    CanEdit,
    Role::Editor
);
page_extractor!(
    /// A signed-in admin: the login page when nobody is signed in, 403 otherwise.
    IsAdmin,
    Role::Admin
);

/// `templates/session/login.html`.
#[derive(Template)]
#[template(path = "session/login.html")]
pub struct LoginPage {
    /// The address typed, kept after a failed attempt.
    pub email: String,
    /// Where to go after signing in.
    pub next: String,
    /// Whether to show the authenticator-code field.
    pub ask_totp: bool,
    /// Why the last attempt failed.
    pub problem: Option<String>,
    /// A message after a redirect (signed out).
    pub notice: Option<Notice>,
}

/// `?next=` and `?notice=` of the login page.
#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    notice: String,
}

async fn login_form(
    principal: Option<Extension<Principal>>,
    Query(q): Query<LoginQuery>,
) -> Response {
    let next = safe_next(&q.next);
    if principal.is_some() {
        return Redirect::to(&next).into_response();
    }
    render(
        StatusCode::OK,
        &LoginPage {
            email: String::new(),
            next,
            ask_totp: false,
            problem: None,
            notice: Notice::from_code(&q.notice),
        },
    )
}

fn safe_next(next: &str) -> String {
    if is_local_path(next) {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let address = client_address(&state, &headers, peer.map(|c| c.0.0));
    let totp = form.totp.trim();
    let result = state
        .accounts
        .login(LoginInput {
            email: &form.email,
            password: &form.password,
            totp: (!totp.is_empty()).then_some(totp),
            address: &address,
        })
        .await;
    let next = safe_next(&form.next);
    let again = |status: StatusCode, ask_totp: bool, problem: String| {
        render(
            status,
            &LoginPage {
                email: form.email.clone(),
                next: next.clone(),
                ask_totp,
                problem: Some(problem),
                notice: None,
            },
        )
    };
    match result {
        Ok(login) => {
            tracing::info!(user.id = %login.user.id, session.id = %login.session.id, "signed in");
            let max_age = state.accounts.settings().session_absolute.whole_seconds();
            let set = cookie::set(
                &login.secret,
                max_age,
                cookie::secure(&state.config, &headers),
            );
            Ok(([(header::SET_COOKIE, set)], Redirect::to(&next)).into_response())
        }
        Err(AccountError::TotpRequired) => Ok(again(
            StatusCode::UNAUTHORIZED,
            true,
            "Enter the code from your authenticator app.".to_string(),
        )),
        Err(AccountError::BadCredentials) => Ok(again(
            StatusCode::UNAUTHORIZED,
            !totp.is_empty(),
            "The e-mail address, password or code is wrong.".to_string(),
        )),
        Err(AccountError::Throttled { retry_after }) => Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            false,
            format!(
                "Too many failed attempts: try again in {} seconds.",
                retry_after.whole_seconds().max(1)
            ),
        )),
        Err(AccountError::Invalid { message, .. }) => {
            Ok(again(StatusCode::UNPROCESSABLE_ENTITY, false, message))
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(
    State(state): State<AppState>,
    super::SignedIn(session): super::SignedIn,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Via::Session { id } = &session.principal.via {
        state.accounts.logout(id).await?;
        tracing::info!(user.id = %session.principal.user_id, session.id = %id, "signed out");
    }
    let clear = cookie::clear(cookie::secure(&state.config, &headers));
    Ok((
        [(header::SET_COOKIE, clear)],
        Redirect::to(&format!("/login?notice={}", Notice::SignedOut.code())),
    )
        .into_response())
}
