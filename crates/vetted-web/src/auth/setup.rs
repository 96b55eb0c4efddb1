//! First-run setup: `GET /setup?token=…` serves a minimal form and `POST /setup` (form or
//! JSON: `token`, `email`, `password`) creates the first admin with that one-time token, then
//! the link is dead. No login is needed; the token is the proof (`vetted serve` prints the link
//! on standard output when the database has no users).
//!
//! The pages are plain, self-contained HTML strings until the real templates arrive; every
//! value put into them is escaped. The routes are in the OpenAPI document (tag `accounts`, no
//! security: the token is the proof) like every other route.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
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

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title} · Vetted</title></head>\n<body><main><h1>{title}</h1>\n{body}\n</main></body></html>\n"
    )
}

fn gone() -> Response {
    (
        StatusCode::GONE,
        Html(page(
            "Setup link no longer valid",
            "<p>This setup link was used already, has expired, or an account exists. \
             Sign in, or restart <code>vetted serve</code> on an empty database for a new link.</p>",
        )),
    )
        .into_response()
}

fn setup_form(token: &str, problem: Option<&str>) -> String {
    let problem = problem.map_or_else(String::new, |p| {
        format!("<p role=\"alert\"><strong>{}</strong></p>\n", escape(p))
    });
    page(
        "Create the first admin",
        &format!(
            "{problem}<form method=\"post\" action=\"/setup\">\
             <input type=\"hidden\" name=\"token\" value=\"{token}\">\
             <p><label>E-mail address <input type=\"email\" name=\"email\" required autocomplete=\"username\"></label></p>\
             <p><label>Password (at least {MIN_PASSWORD_CHARS} characters) \
             <input type=\"password\" name=\"password\" required minlength=\"{MIN_PASSWORD_CHARS}\" autocomplete=\"new-password\"></label></p>\
             <p><button type=\"submit\">Create admin</button></p></form>",
            token = escape(token)
        ),
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
    Ok(Html(setup_form(&q.token, None)).into_response())
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
            Ok((
                StatusCode::CREATED,
                Html(page(
                    "Admin created",
                    "<p>The first admin account exists. Sign in with its e-mail address and password.</p>",
                )),
            )
                .into_response())
        }
        (Err(AccountError::SetupClosed), false) => Ok(gone()),
        (Err(AccountError::Invalid { message, .. }), false) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(setup_form(&input.token, Some(&message))),
        )
            .into_response()),
        (Err(e), _) => Err(e.into()),
    }
}
