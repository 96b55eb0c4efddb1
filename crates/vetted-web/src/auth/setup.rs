//! First-run setup: `GET /setup?token=…` serves a minimal form and `POST /setup` (form or
//! JSON: `token`, `email`, `password`) creates the first admin with that one-time token, then
//! the link is dead. No login is needed; the token is the proof (`vetted serve` prints the link
//! on standard output when the database has no users).
//!
//! The pages are the askama templates `templates/setup/*.html`. The routes are in the OpenAPI document (tag `accounts`, no
//! security: the token is the proof) like every other route.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_app::accounts::AccountError;
use vetted_app::accounts::password::MIN_PASSWORD_CHARS;

use super::api::UserView;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::ui::render;

/// The setup routes, documented.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(form, submit))
}

/// `?token=` of the setup link.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The one-time setup token `vetted serve` printed.
    #[serde(default)]
    token: String,
}

/// The first admin to create, with the setup token.
#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupBody {
    /// The one-time setup token `vetted serve` printed.
    pub token: String,
    /// The admin's e-mail address.
    pub email: String,
    /// At least 12 characters.
    pub password: String,
}

/// `templates/setup/form.html`.
#[derive(Template)]
#[template(path = "setup/form.html")]
struct SetupPage<'a> {
    token: &'a str,
    email: &'a str,
    problem: Option<&'a str>,
    min_password_chars: usize,
}

/// `templates/setup/message.html`.
#[derive(Template)]
#[template(path = "setup/message.html")]
struct SetupMessage {
    title: &'static str,
    message: &'static str,
    sign_in: bool,
}

fn gone() -> Response {
    render(
        StatusCode::GONE,
        &SetupMessage {
            title: "Setup link no longer valid",
            message: "This setup link was used already, has expired, or an account exists. \
                      Sign in, or restart `vetted serve` on an empty database for a new link.",
            sign_in: true,
        },
    )
}

fn setup_form(status: StatusCode, token: &str, email: &str, problem: Option<&str>) -> Response {
    render(
        status,
        &SetupPage {
            token,
            email,
            problem,
            min_password_chars: MIN_PASSWORD_CHARS,
        },
    )
}

/// The form that creates the first admin (HTML), while the setup link is usable.
#[utoipa::path(
    get,
    path = "/setup",
    operation_id = "setup_form",
    tag = "accounts",
    params(TokenQuery),
    responses(
        (status = 200, description = "The form", content_type = "text/html", body = String),
        (status = 410, description = "The link was used, has expired, or an account exists", content_type = "text/html", body = String),
    )
)]
async fn form(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Response, ApiError> {
    if q.token.is_empty() || !state.accounts.setup_usable(&q.token).await? {
        return Ok(gone());
    }
    Ok(setup_form(StatusCode::OK, &q.token, "", None))
}

/// Creates the first admin with the one-time setup token, from the form (answers HTML) or
/// from JSON (answers JSON); the link is dead afterwards. Audit action `user.create` by the
/// system.
#[utoipa::path(
    post,
    path = "/setup",
    operation_id = "setup_submit",
    tag = "accounts",
    request_body(content(
        (SetupBody = "application/x-www-form-urlencoded"),
        (SetupBody = "application/json"),
    )),
    responses(
        (status = 201, description = "The admin exists (HTML, or the user as JSON)", body = UserView),
        (status = 400, description = "A JSON body that is not JSON", body = ErrorBody),
        (status = 409, description = "JSON: the link was used, has expired, or an account exists", body = ErrorBody),
        (status = 410, description = "Form: the link was used, has expired, or an account exists", content_type = "text/html", body = String),
        (status = 422, description = "A field is missing or invalid (JSON: named; form: the form again with the problem)", body = ErrorBody),
    )
)]
async fn submit(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let input: SetupBody = if is_json {
        ApiJson::<SetupBody>::from_request(req, &state).await?.0
    } else {
        let body = Bytes::from_request(req, &state)
            .await
            .map_err(|e| ApiError::bad_parameter("body", e.body_text()))?;
        serde_urlencoded::from_bytes(&body)
            .map_err(|e| ApiError::invalid("", format!("the form is incomplete: {e}")))?
    };
    let result = state
        .accounts
        .complete_setup(&input.token, &input.email, &input.password)
        .await;
    match (result, is_json) {
        (Ok(user), true) => {
            tracing::info!(user.id = %user.id, "first admin created");
            Ok((StatusCode::CREATED, Json(UserView::from(&user))).into_response())
        }
        (Ok(user), false) => {
            tracing::info!(user.id = %user.id, "first admin created");
            Ok(render(
                StatusCode::CREATED,
                &SetupMessage {
                    title: "Admin created",
                    message: "The first admin account exists. Sign in with its e-mail address and password.",
                    sign_in: true,
                },
            ))
        }
        (Err(AccountError::SetupClosed), false) => Ok(gone()),
        (Err(AccountError::Invalid { message, .. }), false) => Ok(setup_form(
            StatusCode::UNPROCESSABLE_ENTITY,
            &input.token,
            &input.email,
            Some(&message),
        )),
        (Err(e), _) => Err(e.into()),
    }
}
