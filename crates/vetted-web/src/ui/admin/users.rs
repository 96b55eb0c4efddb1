//! `/admin/users`: every account (e-mail address, role, disabled, second factor, created), a
//! form to create one, and per account a role change and disable/enable.
//!
//! Changes go through `Accounts` as `POST /api/v1/users` and `PATCH /api/v1/users/{id}` do: the
//! e-mail and password rules, a taken address, and the refusal to let an admin disable or demote
//! themselves (`AccountError::OwnAccount`) are the service's. The signed-in admin's own row
//! shows no controls for that reason; a forged request is refused anyway.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vetted_app::accounts::AccountError;
use vetted_store::StoreError;

use super::{AdminNotice, Moment, NoticeQuery, form, path, sentence};
use crate::AppState;
use crate::auth::Role;
use crate::ui::{ADMIN, Chrome, IsAdmin, Nav, PageError, Pages, Session, render};

/// The user routes.
pub fn pages() -> Pages {
    Pages::new()
        .get("/admin/users", ADMIN, list)
        .post("/admin/users", ADMIN, create)
        .post("/admin/users/{id}/role", ADMIN, change_role)
        .post("/admin/users/{id}/disable", ADMIN, disable)
        .post("/admin/users/{id}/enable", ADMIN, enable)
}

/// One account as a row of the list.
#[derive(Clone, Debug)]
pub struct UserRow {
    /// The user's id (for the forms' URLs).
    pub id: String,
    /// Their e-mail address.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Whether TOTP is on.
    pub totp: bool,
    /// When it was created.
    pub created: Moment,
    /// Whether this is the signed-in admin (no controls: they cannot demote or disable
    /// themselves).
    pub is_self: bool,
}

/// The "create a user" form, as typed (the password is never sent back).
#[derive(Clone, Debug, Default)]
pub struct NewUserForm {
    /// The address typed.
    pub email: String,
    /// The role chosen (`viewer` unless another was).
    pub role: String,
    /// A problem with the address (invalid, taken).
    pub email_error: Option<String>,
    /// A problem with the password.
    pub password_error: Option<String>,
    /// A problem with the role.
    pub role_error: Option<String>,
}

/// `templates/admin/users.html`.
#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    chrome: Chrome,
    notice: Option<AdminNotice>,
    users: Vec<UserRow>,
    roles: [Role; 3],
    new_user: NewUserForm,
    /// Why a role change or disable/enable was refused.
    action_problem: Option<String>,
}

async fn users_page(
    state: &AppState,
    session: Session,
    notice: Option<AdminNotice>,
    new_user: NewUserForm,
    action_problem: Option<String>,
) -> Result<UsersPage, PageError> {
    let own_id = session.principal.user_id.clone();
    let users = state
        .accounts
        .list_users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_self: u.id == own_id,
            id: u.id,
            email: u.email,
            role: u.role,
            disabled: u.disabled,
            totp: u.totp_secret.is_some(),
            created: Moment::of(u.created_at),
        })
        .collect();
    Ok(UsersPage {
        chrome: Chrome::new(session, Nav::Admin),
        notice,
        users,
        roles: Role::ALL,
        new_user,
        action_problem,
    })
}

async fn list(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let new_user = NewUserForm {
        role: Role::Viewer.as_str().to_string(),
        ..NewUserForm::default()
    };
    let page = users_page(&state, session, q.notice(), new_user, None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The fields of the "create a user" form.
#[derive(Deserialize, Debug, Default)]
pub struct CreateUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

async fn create(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    fields: Result<Form<CreateUserForm>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = form(fields)?;
    let mut new_user = NewUserForm {
        email: fields.email.clone(),
        role: fields.role.clone(),
        ..NewUserForm::default()
    };
    let Some(role) = Role::parse(&fields.role) else {
        new_user.role_error = Some("Choose a role: viewer, editor or admin.".to_string());
        let page = users_page(&state, session, None, new_user, None).await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let created = state
        .accounts
        .create_user(
            &fields.email,
            &fields.password,
            role,
            session.principal.actor(),
        )
        .await;
    let status = match created {
        Ok(user) => {
            tracing::info!(user.id = %user.id, "user created");
            return Ok(
                Redirect::to(&AdminNotice::UserCreated.location("/admin/users")).into_response(),
            );
        }
        Err(AccountError::Invalid { field, message }) => {
            let message = sentence(&message);
            if field == "password" {
                new_user.password_error = Some(message);
            } else {
                new_user.email_error = Some(message);
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AccountError::Store(StoreError::Conflict { .. })) => {
            new_user.email_error = Some("A user with this e-mail address exists.".to_string());
            StatusCode::CONFLICT
        }
        Err(e) => return Err(e.into()),
    };
    let page = users_page(&state, session, None, new_user, None).await?;
    Ok(render(status, &page))
}

/// The field of the role form.
#[derive(Deserialize, Debug, Default)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    fields: Result<Form<RoleForm>, FormRejection>,
) -> Result<Response, PageError> {
    let id = path(id)?;
    let fields = form(fields)?;
    let Some(role) = Role::parse(&fields.role) else {
        return refused(
            &state,
            session,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a role: viewer, editor or admin.",
        )
        .await;
    };
    update(
        &state,
        session,
        &id,
        Some(role),
        None,
        AdminNotice::RoleChanged,
    )
    .await
}

async fn disable(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    let id = path(id)?;
    update(
        &state,
        session,
        &id,
        None,
        Some(true),
        AdminNotice::UserDisabled,
    )
    .await
}

async fn enable(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    let id = path(id)?;
    update(
        &state,
        session,
        &id,
        None,
        Some(false),
        AdminNotice::UserEnabled,
    )
    .await
}

async fn update(
    state: &AppState,
    session: Session,
    id: &str,
    role: Option<Role>,
    disabled: Option<bool>,
    done: AdminNotice,
) -> Result<Response, PageError> {
    match state
        .accounts
        .update_user(id, role, disabled, session.principal.actor())
        .await
    {
        Ok(user) => {
            tracing::info!(user.id = %user.id, "user updated");
            Ok(Redirect::to(&done.location("/admin/users")).into_response())
        }
        Err(AccountError::OwnAccount) => {
            refused(
                state,
                session,
                StatusCode::CONFLICT,
                "You cannot disable your own account or lower your own role: ask another admin.",
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn refused(
    state: &AppState,
    session: Session,
    status: StatusCode,
    message: &str,
) -> Result<Response, PageError> {
    let new_user = NewUserForm {
        role: Role::Viewer.as_str().to_string(),
        ..NewUserForm::default()
    };
    let page = users_page(state, session, None, new_user, Some(message.to_string())).await?;
    Ok(render(status, &page))
}
