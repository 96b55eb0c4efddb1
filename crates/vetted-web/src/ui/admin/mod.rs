//! The admin pages (admins only), linked from the menu's "Admin": `/admin`, an index of the
//! sections, and one module per section:
//!
//! - [`users`]: `/admin/users`, accounts (create, change role, disable, enable);
//! - [`tokens`]: `/admin/tokens`, API tokens (create, shown once; revoke);
//! - [`policy`]: `/admin/policy`, the policy in force, its versions, and uploading a new one;
//! - [`audit`]: `/admin/audit`, the chain head, verification, the export;
//! - [`notifications`]: `/admin/notifications`, reminders' channels, a test e-mail, running
//!   reminders now, and the delivery log.
//!
//! Every change goes through the service the REST API uses (`Accounts`,
//! `crate::api::policy::upload_policy`, `crate::api::audit::verify_trail`), so the rules (an
//! admin cannot demote or disable themselves, a policy is validated before it is stored) hold
//! for both. Forms post with the session's CSRF token and answer 303 with a `notice` after a
//! success; a refused change re-renders its page with the message next to the field.

pub mod audit;
pub mod notifications;
pub mod policy;
pub mod tokens;
pub mod users;

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_core::audit::Actor;

use super::{ADMIN, Chrome, IsAdmin, Nav, PageError, Pages, render};
use crate::AppState;
use crate::error::ApiError;

/// Every admin route.
pub fn pages() -> Pages {
    Pages::new()
        .get("/admin", ADMIN, index)
        .merge(users::pages())
        .merge(tokens::pages())
        .merge(policy::pages())
        .merge(audit::pages())
        .merge(notifications::pages())
}

/// A moment as pages show it: `2026-03-01 12:00 UTC`, with its RFC 3339 form for `<time>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moment {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// For people, in UTC to the minute.
    pub text: String,
    /// The day alone (`2026-03-01`), where the time matters less.
    pub date: String,
}

impl Moment {
    /// `t` in UTC.
    pub fn of(t: OffsetDateTime) -> Moment {
        let utc = t.to_offset(time::UtcOffset::UTC);
        let text = utc
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .unwrap_or_default();
        Moment {
            iso: utc.format(&Rfc3339).unwrap_or_default(),
            text,
            date: utc.date().to_string(),
        }
    }
}

/// What an admin page says after a redirect (`?notice=`): fixed sentences, so nothing is
/// reflected from the URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminNotice {
    /// A user was created.
    UserCreated,
    /// A user's role was changed.
    RoleChanged,
    /// A user was disabled.
    UserDisabled,
    /// A user was enabled.
    UserEnabled,
    /// A token was revoked.
    TokenRevoked,
    /// A policy version was uploaded and is in force.
    PolicyUploaded,
    /// A review of the policy was recorded (as a new version).
    PolicyReviewed,
}

impl AdminNotice {
    const ALL: [AdminNotice; 7] = [
        AdminNotice::UserCreated,
        AdminNotice::RoleChanged,
        AdminNotice::UserDisabled,
        AdminNotice::UserEnabled,
        AdminNotice::TokenRevoked,
        AdminNotice::PolicyUploaded,
        AdminNotice::PolicyReviewed,
    ];

    /// Its code, for a redirect's `?notice=`.
    pub fn code(self) -> &'static str {
        match self {
            AdminNotice::UserCreated => "user-created",
            AdminNotice::RoleChanged => "role-changed",
            AdminNotice::UserDisabled => "user-disabled",
            AdminNotice::UserEnabled => "user-enabled",
            AdminNotice::TokenRevoked => "token-revoked",
            AdminNotice::PolicyUploaded => "policy-uploaded",
            AdminNotice::PolicyReviewed => "policy-reviewed",
        }
    }

    /// The sentence shown.
    pub fn message(self) -> &'static str {
        match self {
            AdminNotice::UserCreated => "The user was created. They can sign in now.",
            AdminNotice::RoleChanged => "The role was changed.",
            AdminNotice::UserDisabled => {
                "The user was disabled: their sessions ended and their tokens stopped working."
            }
            AdminNotice::UserEnabled => "The user was enabled.",
            AdminNotice::TokenRevoked => "The token was revoked: it no longer works.",
            AdminNotice::PolicyUploaded => "The new policy version is in force.",
            AdminNotice::PolicyReviewed => {
                "The policy review is recorded: its new version, with the review date, is in force."
            }
        }
    }

    fn from_code(code: &str) -> Option<AdminNotice> {
        AdminNotice::ALL.into_iter().find(|n| n.code() == code)
    }

    /// Where to go after a change: `path?notice=code`.
    pub fn location(self, path: &str) -> String {
        format!("{path}?notice={}", self.code())
    }
}

/// `?notice=` of an admin page.
#[derive(Deserialize, Debug, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

impl NoticeQuery {
    /// The notice named, if it is one.
    pub fn notice(&self) -> Option<AdminNotice> {
        AdminNotice::from_code(&self.notice)
    }
}

/// A path parameter, or a 400 page.
pub(crate) fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, PageError> {
    p.map(|Path(v)| v)
        .map_err(|e| PageError::Api(ApiError::bad_parameter("path", e.body_text())))
}

/// A url-encoded form, or a 400 page.
pub(crate) fn form<T>(f: Result<Form<T>, FormRejection>) -> Result<T, PageError> {
    f.map(|Form(v)| v)
        .map_err(|e| PageError::Api(ApiError::bad_parameter("form", e.body_text())))
}

/// `an e-mail address is required` → `An e-mail address is required.`
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Who did something, for people: a user's e-mail address (admins see every account anyway),
/// a token's name and its user's address, or "Vetted" for the system.
pub(crate) fn actor_name(
    actor: &Actor,
    emails: &HashMap<String, String>,
    tokens: &HashMap<String, String>,
) -> String {
    let email = |id: &str| {
        emails
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("user {id}"))
    };
    match actor {
        Actor::User { id } => email(id),
        Actor::Token { id, user_id } => {
            let token = tokens.get(id).cloned().unwrap_or_else(|| id.clone());
            format!("{} (token {token})", email(user_id))
        }
        Actor::System => "Vetted (command line or setup)".to_string(),
    }
}

/// Every user's e-mail address by id.
pub(crate) async fn emails(state: &AppState) -> Result<HashMap<String, String>, PageError> {
    Ok(state
        .accounts
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect())
}

/// `templates/admin/index.html`.
#[derive(Template)]
#[template(path = "admin/index.html")]
pub struct AdminIndexPage {
    chrome: Chrome,
    users: usize,
    active_tokens: usize,
    policy_version: Option<i64>,
    audit_entries: u64,
}

async fn index(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let users = state.accounts.list_users().await?.len();
    let now = state.accounts.now();
    let active_tokens = state
        .accounts
        .list_tokens()
        .await?
        .iter()
        .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now))
        .count();
    let audit_entries = state.store.audit_head().await?.map_or(0, |h| h.seq);
    Ok(render(
        StatusCode::OK,
        &AdminIndexPage {
            chrome: Chrome::new(session, Nav::Admin),
            users,
            active_tokens,
            policy_version: state.policy().version.as_ref().map(|v| v.number),
            audit_entries,
        },
    ))
}
