//! `/admin/policy`: the policy in force (its stored version's number, uploader, time and
//! fingerprint, and its TOML text), the history of stored versions with each one's text
//! (`/admin/policy/versions/{number}`), and uploading a new version.
//!
//! "Record a policy review" (`POST /admin/policy/review`) shows the policy's owner, version and
//! last review, when the next one is due and whether `policy.review` warns today, and records a
//! review through [`crate::api::policy::review_policy`], the code of
//! `POST /api/v1/policy/review`: a new version whose `last_review` is the date given (today by
//! default), with a new version string or owner if given, uploaded as below.
//!
//! An upload (a `.toml` file, or text pasted in the form) goes through
//! [`crate::api::policy::upload_policy`], as `PUT /api/v1/policy` does: validated with
//! `Policy::from_toml` first (every problem is listed with its line, column and key path,
//! nothing is stored, the text is kept in the form to fix), then stored with its audit entry
//! and put in force at once.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{AdminNotice, Moment, NoticeQuery, actor_name, path};
use crate::AppState;
use crate::api::params::today;
use crate::api::policy::{PolicyReviewBody, review_policy, upload_policy};
use crate::error::{ApiError, Problem};
use crate::ui::forms::FormData;
use crate::ui::{ADMIN, Chrome, IsAdmin, Nav, PageError, Pages, Session, render};

/// The policy routes.
pub fn pages() -> Pages {
    Pages::new()
        .get("/admin/policy", ADMIN, show)
        .post("/admin/policy", ADMIN, upload)
        .get("/admin/policy/versions/{number}", ADMIN, version)
        .post("/admin/policy/review", ADMIN, review)
}

/// The policy's own review as the page shows it.
#[derive(Clone, Debug)]
pub struct ReviewView {
    /// The owner named in the policy.
    pub owner: String,
    /// The policy's version string.
    pub version: String,
    /// The last review recorded in the policy.
    pub last_review: String,
    /// When the next review is due (last review + the policy's interval).
    pub due: String,
    /// The policy's review interval, in months.
    pub interval: u32,
    /// The `policy.review` finding today, if it warns.
    pub warning: Option<String>,
}

/// The review form's values and the problems by field (`date`, `version`, `owner`).
#[derive(Clone, Debug, Default)]
pub struct ReviewForm {
    /// The review's date as typed.
    pub date: String,
    /// A new version string, as typed.
    pub version: String,
    /// A new owner, as typed.
    pub owner: String,
    /// Problems by field.
    pub problems: Vec<Problem>,
}

impl ReviewForm {
    /// The problem of field `name`.
    pub fn problem(&self, name: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.path == name)
            .map(|p| p.message.as_str())
    }

    /// Problems without a field of the form.
    pub fn other_problems(&self) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| !["date", "version", "owner"].contains(&p.path.as_str()))
            .collect()
    }
}

/// The policy in force.
#[derive(Clone, Debug)]
pub struct ActiveView {
    /// The policy's own name (`default`).
    pub name: String,
    /// The policy's own version string, as written in the file.
    pub label: String,
    /// The stored version in force; `None` while none was uploaded.
    pub number: Option<i64>,
    /// Who uploaded it.
    pub uploaded_by: Option<String>,
    /// When.
    pub uploaded_at: Option<Moment>,
    /// SHA-256 of its text.
    pub fingerprint: String,
    /// Its text, when known.
    pub toml: Option<String>,
}

/// One stored version, as a row of the history.
#[derive(Clone, Debug)]
pub struct VersionRow {
    /// 1, 2, …
    pub number: i64,
    /// When it was uploaded.
    pub uploaded_at: Moment,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// SHA-256 of its text.
    pub fingerprint: String,
    /// Whether it is the one in force.
    pub in_force: bool,
}

/// `templates/admin/policy.html`.
#[derive(Template)]
#[template(path = "admin/policy.html")]
pub struct PolicyPage {
    chrome: Chrome,
    notice: Option<AdminNotice>,
    active: ActiveView,
    versions: Vec<VersionRow>,
    /// The text of a refused upload, kept to be fixed.
    text: String,
    /// Why the upload was refused: every problem.
    problems: Vec<Problem>,
    /// A problem with the form itself (nothing given, not UTF-8).
    upload_error: Option<String>,
    /// The policy's own review.
    review: ReviewView,
    /// The review form.
    review_form: ReviewForm,
}

/// `templates/admin/policy_version.html`: one stored version's text.
#[derive(Template)]
#[template(path = "admin/policy_version.html")]
pub struct PolicyVersionPage {
    chrome: Chrome,
    version: VersionRow,
    toml: String,
}

/// Token names by id, for "user (token name)" actors.
async fn token_names(state: &AppState) -> Result<HashMap<String, String>, PageError> {
    Ok(state
        .accounts
        .list_tokens()
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

async fn policy_page(
    state: &AppState,
    session: Session,
    notice: Option<AdminNotice>,
    text: String,
    problems: Vec<Problem>,
    upload_error: Option<String>,
) -> Result<PolicyPage, PageError> {
    let form = ReviewForm {
        date: vetted_core::date::format_date(today()),
        ..ReviewForm::default()
    };
    policy_page_with(state, session, notice, text, problems, upload_error, form).await
}

async fn policy_page_with(
    state: &AppState,
    session: Session,
    notice: Option<AdminNotice>,
    text: String,
    problems: Vec<Problem>,
    upload_error: Option<String>,
    review_form: ReviewForm,
) -> Result<PolicyPage, PageError> {
    let emails = super::emails(state).await?;
    let tokens = token_names(state).await?;
    let active = state.policy();
    let in_force = active.version.as_ref().map(|v| v.number);
    let versions = state
        .store
        .policy_versions()
        .await?
        .into_iter()
        .rev()
        .map(|v| VersionRow {
            in_force: Some(v.number) == in_force,
            number: v.number,
            uploaded_at: Moment::of(v.uploaded_at),
            uploaded_by: actor_name(&v.uploaded_by, &emails, &tokens),
            fingerprint: v.fingerprint,
        })
        .collect();
    let active = ActiveView {
        name: active.policy.name.clone(),
        label: active.policy.version.clone(),
        number: in_force,
        uploaded_by: active
            .version
            .as_ref()
            .map(|v| actor_name(&v.uploaded_by, &emails, &tokens)),
        uploaded_at: active.version.as_ref().map(|v| Moment::of(v.uploaded_at)),
        fingerprint: active.fingerprint.clone(),
        toml: active.toml.as_deref().map(str::to_string),
    };
    let policy = &state.policy().policy;
    let review = ReviewView {
        owner: policy.owner.clone(),
        version: policy.version.clone(),
        last_review: vetted_core::date::format_date(policy.last_review),
        due: vetted_core::date::format_date(vetted_core::date::add_months(
            policy.last_review,
            policy.review_interval_months,
        )),
        interval: policy.review_interval_months,
        warning: vetted_core::engine::policy_findings(policy, today())
            .into_iter()
            .next()
            .map(|f| f.message),
    };
    Ok(PolicyPage {
        review,
        review_form,
        chrome: Chrome::new(session, Nav::Admin),
        notice,
        active,
        versions,
        text,
        problems,
        upload_error,
    })
}

async fn show(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let page = policy_page(&state, session, q.notice(), String::new(), Vec::new(), None).await?;
    Ok(render(StatusCode::OK, &page))
}

/// The policy text of the upload form: the file if one was chosen, else the text area.
async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<String, (String, String)> {
    let nothing = || {
        (
            String::new(),
            "Choose a policy file or paste the policy text.".to_string(),
        )
    };
    let mut multipart = multipart.map_err(|_| nothing())?;
    let (mut file, mut text) = (None, String::new());
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("file") => {
                    let bytes = field.bytes().await.map_err(|_| unreadable())?;
                    if !bytes.is_empty() {
                        file = Some(bytes);
                    }
                }
                Some("toml") => text = field.text().await.map_err(|_| unreadable())?,
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return Err(unreadable()),
        }
    }
    match file {
        Some(bytes) => String::from_utf8(bytes.to_vec()).map_err(|_| {
            (
                text,
                "The policy file is not UTF-8 text: save it as UTF-8.".to_string(),
            )
        }),
        None if text.trim().is_empty() => Err(nothing()),
        None => Ok(text),
    }
}

fn unreadable() -> (String, String) {
    (
        String::new(),
        "The upload could not be read; try again.".to_string(),
    )
}

async fn upload(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let text = match read_upload(multipart).await {
        Ok(text) => text,
        Err((text, message)) => {
            let page = policy_page(&state, session, None, text, Vec::new(), Some(message)).await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match upload_policy(&state, &text, session.principal.actor()).await {
        Ok(_) => Ok(
            Redirect::to(&AdminNotice::PolicyUploaded.location("/admin/policy")).into_response(),
        ),
        Err(ApiError::InvalidPolicy(problems)) => {
            let page = policy_page(&state, session, None, text, problems, None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

async fn version(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    number: Result<Path<i64>, PathRejection>,
) -> Result<Response, PageError> {
    let number = path(number)?;
    let found = state
        .store
        .policy_version(number)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "policy version",
            id: number.to_string(),
        })?;
    let emails = super::emails(&state).await?;
    let tokens = token_names(&state).await?;
    let in_force = state.policy().version.as_ref().map(|v| v.number) == Some(found.number);
    Ok(render(
        StatusCode::OK,
        &PolicyVersionPage {
            chrome: Chrome::new(session, Nav::Admin),
            version: VersionRow {
                number: found.number,
                uploaded_at: Moment::of(found.uploaded_at),
                uploaded_by: actor_name(&found.uploaded_by, &emails, &tokens),
                fingerprint: found.fingerprint,
                in_force,
            },
            toml: found.toml,
        },
    ))
}

/// `POST /admin/policy/review`: the review form (`date`, `new_version`, `new_owner`).
async fn review(
    IsAdmin(session): IsAdmin,
    State(state): State<AppState>,
    data: FormData,
) -> Result<Response, PageError> {
    let values = &data.values;
    let form = ReviewForm {
        date: values.first("date").trim().to_string(),
        // Not `version`: that name is the forms' supplier version (`FormData::version`).
        version: values.first("new_version").trim().to_string(),
        owner: values.first("new_owner").trim().to_string(),
        problems: Vec::new(),
    };
    let mut problems = Vec::new();
    let day = if form.date.is_empty() {
        None
    } else if let Some(d) = vetted_core::date::parse_date(&form.date) {
        Some(d)
    } else {
        problems.push(Problem::at(
            "date",
            format!("“{}” is not a date: expected YYYY-MM-DD", form.date),
        ));
        None
    };
    let result = if problems.is_empty() {
        let body = PolicyReviewBody {
            date: day,
            version: (!form.version.is_empty()).then(|| form.version.clone()),
            owner: (!form.owner.is_empty()).then(|| form.owner.clone()),
        };
        review_policy(&state, &body, session.principal.actor()).await
    } else {
        Err(ApiError::Invalid(problems))
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&AdminNotice::PolicyReviewed.location("/admin/policy")).into_response(),
        ),
        Err(ApiError::Invalid(problems) | ApiError::InvalidPolicy(problems)) => {
            let form = ReviewForm { problems, ..form };
            let page =
                policy_page_with(&state, session, None, String::new(), Vec::new(), None, form)
                    .await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
