//! The browser UI: server-rendered pages (askama templates under `templates/`, checked and
//! escaped at compile time) with a little htmx, all embedded in the binary.
//!
//! Every page is registered through [`Pages`], which records the route's method, path and the
//! [`Access`] it needs in one table ([`route_table`]); `tests/ui_authz.rs` walks that table with
//! every kind of caller, so a page cannot be added without its role being tested. Handlers
//! take one of the page extractors of [`session`] ([`SignedIn`], [`CanEdit`], [`IsAdmin`]),
//! which send an anonymous browser to the login page and answer a too-low role with a 403
//! page; the role named in the table must match the extractor, and the test checks it does.
//!
//! - [`session`]: the extractors, [`Session`] (who is signed in, their CSRF token), the login
//!   and logout pages.
//! - [`page`]: [`Chrome`] (what `base.html` needs: the user, the active menu entry),
//!   [`PageError`] (errors as HTML pages) and [`render`].
//! - [`assets`]: the vendored and own static files under `/static/`.
//! - [`supplier`]: `/suppliers/{id}`, a supplier's state explained (findings, every section,
//!   the change history), with archive and restore.
//! - [`forms`]: the editors' forms for a supplier and each of its nested records.
//! - [`import`]: `/import`, a register file previewed (every problem, or what would change),
//!   then written on confirmation.
//! - [`admin`]: `/admin/…`, users, API tokens, the policy and the audit trail (admins only).
//! - [`evidence`]: a supplier's assurance items with their documents: the forms, the upload,
//!   the download, and the assurance section of the supplier page.
//! - [`dashboard`]: `/`, what needs attention, from the register's in-memory
//!   [`crate::snapshot`].
//! - [`register`]: `/suppliers`, the register as a table, and its exports.
//! - [`due`]: `/due`, the due queue.
//! - [`risks`]: `/risks`, the risk register: the list and its exports, one risk, its forms.
//! - [`review`]: `/suppliers/{id}/review`, the review workflow.
//! - [`reports`]: `/reports/iso27001`, the ISO 27001 report over a period, and its downloads.
//! - [`past`]: `?at=` on the pages that read the register: the register as recorded then,
//!   read only, with a banner.
//!
//! The first-run setup page lives with the account routes in `crate::auth::setup` (it also
//! answers JSON), but renders its templates through [`page`].

pub mod admin;
pub mod assets;
pub mod dashboard;
pub mod due;
pub mod evidence;
pub mod forms;
pub mod import;
pub mod page;
pub mod past;
pub mod public_list;
pub mod publication;
pub mod register;
pub mod reports;
pub mod review;
pub mod risks;
pub mod session;
pub mod supplier;

use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};

pub use page::{Chrome, Nav, PageError, render};
pub use session::{CanEdit, IsAdmin, Session, SignedIn};

use crate::AppState;
use crate::auth::Role;

/// Who may use a page route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, static files).
    Public,
    /// A signed-in user with at least this role.
    Signed(Role),
}

/// One page route as [`route_table`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRoute {
    /// `GET` or `POST` (HTML forms know no other methods).
    pub method: &'static str,
    /// The axum path, with `{param}` placeholders.
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
}

/// A router of pages that remembers each route's access in a table.
#[derive(Default)]
pub struct Pages {
    router: Router<AppState>,
    /// The upload forms' routes: they take bodies up to the upload limit, the others keep
    /// the smaller request limit (see `crate::router`).
    uploads: Router<AppState>,
    table: Vec<PageRoute>,
}

impl Pages {
    /// No routes yet.
    pub fn new() -> Pages {
        Pages::default()
    }

    /// Adds `GET path` (and `HEAD`).
    #[must_use]
    pub fn get<H, T>(mut self, path: &'static str, access: Access, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(handler));
        self.table.push(PageRoute {
            method: "GET",
            path,
            access,
        });
        self
    }

    /// Adds `POST path`.
    #[must_use]
    pub fn post<H, T>(mut self, path: &'static str, access: Access, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, post(handler));
        self.table.push(PageRoute {
            method: "POST",
            path,
            access,
        });
        self
    }

    /// Adds `POST path` for a form that uploads files (`multipart/form-data`): its body may be
    /// as large as `WebConfig::max_upload_bytes` allows, where other pages keep
    /// `body_limit_bytes`.
    #[must_use]
    pub fn post_upload<H, T>(mut self, path: &'static str, access: Access, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.uploads = self.uploads.route(path, post(handler));
        self.table.push(PageRoute {
            method: "POST",
            path,
            access,
        });
        self
    }

    /// Both routers' routes.
    #[must_use]
    pub fn merge(mut self, other: Pages) -> Pages {
        self.router = self.router.merge(other.router);
        self.uploads = self.uploads.merge(other.uploads);
        self.table.extend(other.table);
        self
    }
}

/// Every page of the UI.
fn pages() -> Pages {
    Pages::new()
        .merge(assets::pages())
        .merge(session::pages())
        .merge(dashboard::pages())
        .merge(supplier::pages())
        .merge(forms::pages())
        .merge(import::pages())
        .merge(admin::pages())
        .merge(evidence::pages())
        .merge(register::pages())
        .merge(due::pages())
        .merge(risks::pages())
        .merge(review::pages())
        .merge(public_list::pages())
        .merge(publication::pages())
        .merge(reports::pages())
}

/// The UI's routes but the upload forms' (they need `crate::auth::authenticate` around them,
/// which `crate::router` applies, with the request body limit).
pub fn routes() -> Router<AppState> {
    pages().router
}

/// The upload forms' routes ([`Pages::post_upload`]), which take bodies up to the upload limit.
pub fn upload_routes() -> Router<AppState> {
    pages().uploads
}

/// Every UI route with the access it needs: the authorization test's input.
pub fn route_table() -> Vec<PageRoute> {
    pages().table
}

/// The signed-in roles, for `Access::Signed(Viewer)` and so on.
pub const VIEWER: Access = Access::Signed(Role::Viewer);
/// An editor or admin.
pub const EDITOR: Access = Access::Signed(Role::Editor);
/// An admin.
pub const ADMIN: Access = Access::Signed(Role::Admin);
