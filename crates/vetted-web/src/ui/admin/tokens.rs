//! `/admin/tokens`: every API token (name, user, created, expires, last used, revoked), a form
//! to create one for a user with an optional last day, and revoking.
//!
//! A new token is shown once, on the page that answers the creation (not a redirect: the
//! token must never be in a URL, a browser history or a log), with a warning that it cannot be
//! shown again: only its SHA-256 is stored. Pages are `Cache-Control: no-store` (see
//! [`crate::ui::render`]), so going back does not show it from a cache either.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use vetted_app::accounts::AccountError;
use vetted_store::StoreError;

use super::{AdminNotice, Moment, NoticeQuery, emails, form, path, sentence};
use crate::AppState;
use crate::auth::api::parse_expiry;
use crate::ui::{ADMIN, Chrome, IsAdmin, Nav, PageError, Pages, Session, render};

/// The token routes.
pub fn pages() -> Pages {
    Pages::new()
        .get("/admin/tokens", ADMIN, list)
        .post("/admin/tokens", ADMIN, create)
        .post("/admin/tokens/{id}/revoke", ADMIN, revoke)
}

/// One token as a row of the list (never the token itself: it is not stored).
#[derive(Clone, Debug)]
pub struct TokenRow {
    /// The token's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its user's e-mail address.
    pub user: String,
    /// When it was created.
    pub created: Moment,
    /// When it stops working, if ever.
    pub expires: Option<Moment>,
    /// When it was last used (to the minute), if ever.
    pub last_used: Option<Moment>,
    /// When it was revoked, if it was.
    pub revoked: Option<Moment>,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
}

/// A user to choose in the creation form.
#[derive(Clone, Debug)]
pub struct UserChoice {
    /// The user's id (the option's value).
    pub id: String,
    /// Their address and role, as shown.
    pub label: String,
}

/// The creation form as typed, with its problems.
#[derive(Clone, Debug, Default)]
pub struct NewTokenForm {
    /// The user chosen.
    pub user_id: String,
    /// The name typed.
    pub name: String,
    /// The last day typed (`YYYY-MM-DD`).
    pub expires: String,
    /// A problem with the user.
    pub user_error: Option<String>,
    /// A problem with the name.
    pub name_error: Option<String>,
    /// A problem with the last day.
    pub expires_error: Option<String>,
}

/// `templates/admin/tokens.html`.
#[derive(Template)]
#[template(path = "admin/tokens.html")]
pub struct TokensPage {
    chrome: Chrome,
    notice: Option<AdminNotice>,
    tokens: Vec<TokenRow>,
    users: Vec<UserChoice>,
    new_token: NewTokenForm,
    /// Today (UTC), the earliest last day the form accepts.
    today: String,
}

/// `templates/admin/token_created.html`: the new token, once.
#[derive(Template)]
#[template(path = "admin/token_created.html")]
pub struct TokenCreatedPage {
    chrome: Chrome,
    name: String,
    user: String,
    expires: Option<Moment>,
    secret: String,
}

/// An expiry as people read it: a token made with a last day expires at the next midnight
/// (UTC), which is shown as that last day, "end of day"; any other time as it is.
fn expiry(at: OffsetDateTime) -> Moment {
    let mut moment = Moment::of(at);
    let utc = at.to_offset(time::UtcOffset::UTC);
    if utc.time() == time::Time::MIDNIGHT
        && let Some(last_day) = utc.date().previous_day()
    {
        moment.text = format!("{last_day}, end of day (UTC)");
        moment.date = last_day.to_string();
    }
    moment
}

fn status(t: &vetted_store::accounts::ApiToken, now: OffsetDateTime) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if t.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else {
        "active"
    }
}

async fn tokens_page(
    state: &AppState,
    session: Session,
    notice: Option<AdminNotice>,
    new_token: NewTokenForm,
) -> Result<TokensPage, PageError> {
    let users = state.accounts.list_users().await?;
    let email: HashMap<String, String> = users
        .iter()
        .map(|u| (u.id.clone(), u.email.clone()))
        .collect();
    let now = state.accounts.now();
    let tokens = state
        .accounts
        .list_tokens()
        .await?
        .into_iter()
        .map(|t| TokenRow {
            status: status(&t, now),
            user: email
                .get(&t.user_id)
                .cloned()
                .unwrap_or_else(|| format!("user {}", t.user_id)),
            id: t.id,
            name: t.name,
            created: Moment::of(t.created_at),
            expires: t.expires_at.map(expiry),
            last_used: t.last_used_at.map(Moment::of),
            revoked: t.revoked_at.map(Moment::of),
        })
        .collect();
    let users = users
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| UserChoice {
            label: format!("{} ({})", u.email, u.role),
            id: u.id,
        })
        .collect();
    Ok(TokensPage {
        chrome: Chrome::new(session, Nav::Admin),
        notice,
        tokens,
        users,
        new_token,
        today: now.date().to_string(),
    })
}

async fn list(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let new_token = NewTokenForm {
        user_id: session.principal.user_id.clone(),
        ..NewTokenForm::default()
    };
    let page = tokens_page(&state, session, q.notice(), new_token).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The fields of the creation form.
#[derive(Deserialize, Debug, Default)]
pub struct CreateTokenForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires: String,
}

async fn create(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    fields: Result<Form<CreateTokenForm>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = form(fields)?;
    let mut new_token = NewTokenForm {
        user_id: fields.user_id.clone(),
        name: fields.name.clone(),
        expires: fields.expires.clone(),
        ..NewTokenForm::default()
    };
    let expires_text = fields.expires.trim();
    let expires = if expires_text.is_empty() {
        None
    } else if let Some(at) = parse_expiry(expires_text) {
        Some(at)
    } else {
        new_token.expires_error = Some(
            "Give the last day the token works as a date (YYYY-MM-DD), or leave it empty.".into(),
        );
        let page = tokens_page(&state, session, None, new_token).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    if fields.user_id.is_empty() {
        new_token.user_error = Some("Choose the user the token acts as.".into());
        let page = tokens_page(&state, session, None, new_token).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let created = state
        .accounts
        .create_token(
            &fields.user_id,
            &fields.name,
            expires,
            session.principal.actor(),
        )
        .await;
    let (token, secret) = match created {
        Ok(created) => created,
        Err(AccountError::Invalid { field, message }) => {
            if field == "expires" {
                new_token.expires_error = Some(
                    "The last day must be today or later: a token that has expired is useless."
                        .into(),
                );
            } else {
                new_token.name_error = Some(sentence(&message));
            }
            let page = tokens_page(&state, session, None, new_token).await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(AccountError::Store(StoreError::NotFound { .. })) => {
            new_token.user_error = Some("This user does not exist (any more).".into());
            let page = tokens_page(&state, session, None, new_token).await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(token.id = %token.id, user.id = %token.user_id, "API token created");
    let user = emails(&state)
        .await?
        .remove(&token.user_id)
        .unwrap_or_else(|| token.user_id.clone());
    Ok(render(
        StatusCode::CREATED,
        &TokenCreatedPage {
            chrome: Chrome::new(session, Nav::Admin),
            name: token.name,
            user,
            expires: token.expires_at.map(expiry),
            secret,
        },
    ))
}

async fn revoke(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    let id = path(id)?;
    state
        .accounts
        .revoke_token(&id, session.principal.actor())
        .await?;
    tracing::info!(token.id = %id, "API token revoked");
    Ok(Redirect::to(&AdminNotice::TokenRevoked.location("/admin/tokens")).into_response())
}
