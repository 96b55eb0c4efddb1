//! Who is asking: [`Principal`] and [`Role`], and the extractors handlers use to demand a role.
//!
//! Authentication (a session cookie or `Authorization: Bearer TOKEN`) happens once per request,
//! in a middleware that puts the authenticated [`Principal`] into the request's extensions.
//! Handlers never look at cookies or headers: they take a [`Principal`] (any signed-in role) and
//! call [`Principal::require`], or take one of [`Viewer`], [`Editor`], [`Admin`], which answer
//! 401 when nobody is signed in and 403 when the role is too low. Roles are ordered:
//! an admin may do what an editor may, an editor what a viewer may.
//!
//! - [`middleware`]: [`authenticate`], the layer that finds the [`Principal`] (bearer token or
//!   session cookie) and enforces CSRF on session writes; [`CsrfToken`] for forms.
//! - [`cookie`]: the session cookie and when it is `Secure`.
//! - [`api`]: `/api/v1/auth/{login,logout,me}`, `/api/v1/users`, `/api/v1/tokens`, in the
//!   OpenAPI document under the tag `accounts`.
//! - [`setup`]: the first-run `/setup` page.

pub mod api;
pub mod cookie;
pub mod middleware;
pub mod setup;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use utoipa_axum::router::OpenApiRouter;
use vetted_core::audit::Actor;
pub use vetted_core::role::Role;

pub use middleware::{CSRF_FIELD, CSRF_HEADER, CsrfToken, authenticate};
use vetted_app::accounts::AccountError;

use crate::AppState;
use crate::error::ApiError;

/// The account and setup routes, documented (they need the [`authenticate`] layer, which
/// `crate::router` applies to every route); `crate::api::routes` merges them.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(api::routes())
        .merge(setup::routes())
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> ApiError {
        match e {
            AccountError::Invalid { field, message } => ApiError::invalid(field, message),
            AccountError::BadCredentials => ApiError::BadCredentials,
            AccountError::TotpRequired => ApiError::TotpRequired,
            AccountError::Throttled { retry_after } => {
                ApiError::TooManyAttempts(retry_after.whole_seconds().max(1) as u64)
            }
            AccountError::SetupClosed => ApiError::conflict("this setup link is no longer valid"),
            e @ AccountError::OwnAccount => ApiError::conflict(e.to_string()),
            AccountError::Store(e) => e.into(),
        }
    }
}

/// How a request was authenticated.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Via {
    /// A browser session (cookie); unsafe methods must also carry the session's CSRF token.
    Session {
        /// The session's id (not its secret).
        id: String,
    },
    /// An API token.
    Token {
        /// The token's id (not the token).
        id: String,
    },
}

/// The authenticated caller of a request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Principal {
    /// The user's opaque id.
    pub user_id: String,
    /// The user's role.
    pub role: Role,
    /// How the request was authenticated.
    pub via: Via,
}

impl Principal {
    /// 403 unless this principal's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(role))
        }
    }

    /// Who the audit trail records for this request: the user, or the token and its user.
    pub fn actor(&self) -> Actor {
        match &self.via {
            Via::Session { .. } => Actor::User {
                id: self.user_id.clone(),
            },
            Via::Token { id } => Actor::Token {
                id: id.clone(),
                user_id: self.user_id.clone(),
            },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Principal, ApiError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Debug)]
        pub struct $name(pub Principal);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<$name, ApiError> {
                let principal = Principal::from_request_parts(parts, state).await?;
                principal.require($role)?;
                Ok($name(principal))
            }
        }
    };
}

role_extractor!(
    /// A signed-in caller of any role: 401 otherwise.
    Viewer,
    Role::Viewer
);
role_extractor!(
    /// A signed-in editor or admin: 401 when nobody is signed in, 403 for a viewer.
    Editor,
    Role::Editor
);
role_extractor!(
    /// A signed-in admin: 401 when nobody is signed in, 403 otherwise.
    Admin,
    Role::Admin
);
