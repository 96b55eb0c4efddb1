//! What every page shares: [`Chrome`] (the signed-in user and the active menu entry, which
//! `templates/base.html` draws), [`render`] (a template to a response), [`PageError`] (an error
//! as an HTML page, or a redirect to the login page) and [`Notice`] (the one-line message a page
//! shows after a redirect, chosen from a fixed list so no text is reflected from the URL).

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::Session;
use crate::auth::Role;
use crate::error::ApiError;

/// The top menu's entries; the page's own is marked `aria-current="page"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    /// `/`.
    Dashboard,
    /// `/suppliers` and a supplier's pages.
    Register,
    /// `/due`.
    Due,
    /// `/risks` and a risk's pages.
    Risks,
    /// `/import`.
    Import,
    /// `/public-list`: the subprocessor list.
    PublicList,
    /// `/admin/…`.
    Admin,
    /// A page outside the menu.
    None,
}

/// What `base.html` needs from every signed-in page.
#[derive(Clone, Debug)]
pub struct Chrome {
    /// Who is signed in.
    pub session: Session,
    /// The menu entry to mark.
    pub nav: Nav,
    /// A message to show once, from the `notice` query parameter.
    pub notice: Option<Notice>,
    /// The past moment the page shows the register at (`?at=`), if not now: `base.html`
    /// draws its banner, the page offers no edits and its links keep `at`.
    pub past: Option<super::past::PastView>,
}

impl Chrome {
    /// The chrome of a page under `nav`.
    pub fn new(session: Session, nav: Nav) -> Chrome {
        Chrome {
            session,
            nav,
            notice: None,
            past: None,
        }
    }

    /// The same chrome showing the register at a past moment (or now, for `None`).
    #[must_use]
    pub fn with_past(mut self, past: Option<super::past::PastView>) -> Chrome {
        self.past = past;
        self
    }

    /// Whether the page offers edits: an editor's page of the register now (a past page
    /// would edit today's data).
    pub fn can_edit(&self) -> bool {
        self.past.is_none() && self.session.can_edit()
    }

    /// `href` to another page of the register, keeping the past moment shown (`at`).
    pub fn link(&self, href: impl AsRef<str>) -> String {
        super::past::keep_at(href.as_ref(), self.past.as_ref().map(|p| p.param.as_str()))
    }

    /// The same chrome showing `notice`.
    #[must_use]
    pub fn with_notice(mut self, notice: Option<Notice>) -> Chrome {
        self.notice = notice;
        self
    }

    /// `aria-current="page"` for the active entry (askama escapes nothing here: a constant).
    pub fn current(&self, nav: Nav) -> &'static str {
        if self.nav == nav { "page" } else { "false" }
    }
}

/// A message shown once after a redirect (`?notice=saved`); unknown codes show nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A record was saved.
    Saved,
    /// A record was deleted.
    Deleted,
    /// A supplier was archived.
    Archived,
    /// A supplier was restored.
    Restored,
    /// An import was written.
    Imported,
    /// Signed out.
    SignedOut,
    /// A review was recorded.
    Reviewed,
}

impl Notice {
    /// The notice named by a `notice` query value.
    pub fn from_code(code: &str) -> Option<Notice> {
        Some(match code {
            "saved" => Notice::Saved,
            "deleted" => Notice::Deleted,
            "archived" => Notice::Archived,
            "restored" => Notice::Restored,
            "imported" => Notice::Imported,
            "signed-out" => Notice::SignedOut,
            "reviewed" => Notice::Reviewed,
            _ => return None,
        })
    }

    /// Its code, for a redirect's `?notice=`.
    pub fn code(self) -> &'static str {
        match self {
            Notice::Saved => "saved",
            Notice::Deleted => "deleted",
            Notice::Archived => "archived",
            Notice::Restored => "restored",
            Notice::Imported => "imported",
            Notice::SignedOut => "signed-out",
            Notice::Reviewed => "reviewed",
        }
    }

    /// The sentence shown.
    pub fn message(self) -> &'static str {
        match self {
            Notice::Saved => "Saved.",
            Notice::Deleted => "Deleted.",
            Notice::Archived => "The supplier is archived.",
            Notice::Restored => "The supplier is restored.",
            Notice::Imported => "The register was imported.",
            Notice::SignedOut => "You are signed out.",
            Notice::Reviewed => {
                "The review is recorded. The next review date below follows from it."
            }
        }
    }
}

/// Pages load scripts, styles and images from this server only, run no inline script or style
/// attribute, are never framed and post forms only here. (SVG charts use presentation
/// attributes such as `fill`, which this allows, not `style`.)
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// Renders `template` with `status`; a template that fails to render (it cannot, short of a
/// bug in a value's `Display`) is logged and answered 500.
pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => html_page(status, html),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page failed to render",
            )
                .into_response()
        }
    }
}

/// A rendered page with the headers every page has (no caching, the CSP, no framing).
pub fn html_page(status: StatusCode, html: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        ],
        html.into(),
    )
        .into_response()
}

/// An error met while serving a page.
#[derive(Debug)]
pub enum PageError {
    /// Nobody is signed in: go to the login page, then back to `next`.
    SignIn {
        /// The path (and query) to return to after signing in.
        next: String,
    },
    /// Signed in, but the role is below the one named (403 page).
    Forbidden(Role),
    /// Anything the API would answer with an error, shown as a page with its status.
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        match e {
            ApiError::Forbidden(role) => PageError::Forbidden(role),
            e => PageError::Api(e),
        }
    }
}

impl From<vetted_store::StoreError> for PageError {
    fn from(e: vetted_store::StoreError) -> PageError {
        PageError::Api(e.into())
    }
}

impl From<vetted_app::accounts::AccountError> for PageError {
    fn from(e: vetted_app::accounts::AccountError) -> PageError {
        PageError::Api(e.into())
    }
}

/// `templates/error.html`: a status, a title and what to do.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The HTTP status code, shown.
    pub status: u16,
    /// The headline.
    pub title: String,
    /// The explanation.
    pub message: String,
}

/// `/login?next=…` for a path to come back to; only local paths are kept (no open redirect).
pub fn login_location(next: &str) -> String {
    if is_local_path(next) && next != "/" {
        format!(
            "/login?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        )
    } else {
        "/login".to_string()
    }
}

/// Whether `path` is a path on this site (`/x`, not `//host` or `/\host`).
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\")
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::SignIn { next } => {
                return Redirect::to(&login_location(&next)).into_response();
            }
            PageError::Forbidden(role) => (
                StatusCode::FORBIDDEN,
                "Not allowed".to_string(),
                format!("This page needs the {role} role. Ask an admin if you need it."),
            ),
            PageError::Api(e) => {
                let (status, _) = e.status_and_code();
                let title = status.canonical_reason().unwrap_or("Error").to_string();
                let message = if status.is_server_error() {
                    "Something went wrong on the server; it has been logged.".to_string()
                } else {
                    e.to_string()
                };
                (status, title, message)
            }
        };
        render(
            status,
            &ErrorPage {
                status: status.as_u16(),
                title,
                message,
            },
        )
    }
}
