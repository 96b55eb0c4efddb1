//! The editors' forms: a supplier's own fields (`/suppliers/new`, `/suppliers/{id}/edit`,
//! [`supplier`]) and each nested record ([`records`]: `/suppliers/{id}/{section}/new`,
//! `…/{section}/{index}/edit`, `…/{section}/{index}/delete`, and `…/{section}/edit` for the
//! one-object sections), with the tier preview of the risk form ([`tier`]). Each is a plain
//! HTML form that works without JavaScript. Sections are named as in the REST API and the
//! register format.
//!
//! Every form is saved the same way:
//! 1. the typed values ([`fields::Values`]) become the record as JSON, on top of the stored
//!    record where the form does not show everything (a supplier's nested sections);
//! 2. the register decoder checks it against the active policy, exactly as for an API body or
//!    an import (`crate::extract::decode_record`, `decode_supplier`); its problems come back
//!    next to their fields ([`fields::Errors::from_problems`]), answered 422 with the input kept;
//! 3. the write goes through the API's own write path under the version the form was read
//!    at (its hidden `version`): `vetted_app::suppliers::edit_supplier` for nested records,
//!    `Store::create_supplier`/`update_supplier` for the supplier, the user as the audit actor;
//! 4. a lost race (`StoreError::Stale`) answers 409 with the form again: the user's values
//!    beside the current ones, and the current version in the form, so submitting it applies
//!    the change to the current version ([`Conflict`]);
//! 5. success redirects (303) to the supplier page with `?notice=saved` and the section's anchor.
//!
//! The templates are `templates/forms/`: `record.html` draws any form from its
//! [`fields::GroupView`]s, `_input.html` one control, `stale.html` a refused delete, archive or
//! restore, `tier.html` the tier preview fragment.

pub mod fields;
pub(crate) mod records;
pub(crate) mod supplier;
pub(crate) mod tier;

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use vetted_core::model::SupplierId;
use vetted_store::{StoreError, StoredSupplier};

use super::page::Notice;
use super::{Chrome, EDITOR, PageError, Pages, render};
use crate::AppState;
use crate::error::ApiError;
use fields::{ConflictRow, Control, Errors, GroupView, SummaryItem, Values};
use tier::TierPreview;

/// The form routes (all for editors).
pub fn pages() -> Pages {
    Pages::new()
        .get("/suppliers/new", EDITOR, supplier::new_form)
        .post("/suppliers/new", EDITOR, supplier::create)
        .get("/suppliers/{id}/edit", EDITOR, supplier::edit_form)
        .post("/suppliers/{id}/edit", EDITOR, supplier::update)
        .get("/suppliers/{id}/risk/tier", EDITOR, tier::preview)
        .get("/suppliers/{id}/{section}/new", EDITOR, records::new_form)
        .post("/suppliers/{id}/{section}/new", EDITOR, records::create)
        .get(
            "/suppliers/{id}/{section}/edit",
            EDITOR,
            records::whole_form,
        )
        .post(
            "/suppliers/{id}/{section}/edit",
            EDITOR,
            records::update_whole,
        )
        .get(
            "/suppliers/{id}/{section}/{index}/edit",
            EDITOR,
            records::edit_form,
        )
        .post(
            "/suppliers/{id}/{section}/{index}/edit",
            EDITOR,
            records::update,
        )
        .post(
            "/suppliers/{id}/{section}/{index}/delete",
            EDITOR,
            records::delete,
        )
}

/// What a wire value reads as on a page: `due_diligence` is "Due diligence", `dpa` "DPA (data
/// processing agreement)".
pub fn label(wire: &str) -> String {
    let fixed = match wire {
        "msa" => "MSA (master services agreement)",
        "dpa" => "DPA (data processing agreement)",
        "sla" => "SLA (service levels)",
        "nda" => "NDA (non-disclosure agreement)",
        "scc" => "SCC (standard contractual clauses)",
        "bcr" => "BCR (binding corporate rules)",
        "saas" => "SaaS",
        "iso27001" => "ISO 27001",
        "iso27701" => "ISO 27701",
        "iso42001" => "ISO 42001",
        "soc2_type2" => "SOC 2 Type II",
        "soc2_type1" => "SOC 2 Type I",
        "c5" => "C5",
        "pentest" => "Penetration test",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let spaced = wire.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A supplier id as a URL path segment (ids have no `/` or whitespace, but may hold `?`, `#`
/// or `%`).
pub fn segment(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// `/suppliers/{id}` with the id encoded.
pub fn supplier_url(id: &SupplierId) -> String {
    format!("/suppliers/{}", segment(id.as_str()))
}

/// The supplier page after a write: `?notice=…` and the anchor of the section written.
pub fn back_to(id: &SupplierId, notice: Notice, anchor: &str) -> Response {
    Redirect::to(&format!(
        "{}?notice={}#{anchor}",
        supplier_url(id),
        notice.code()
    ))
    .into_response()
}

/// A path's parameters for a page: a 400 page when they cannot be read.
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<PagePath<T>, PageError> {
        crate::extract::ApiPath::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PagePath(p.0))
            .map_err(PageError::from)
    }
}

/// A submitted form (`application/x-www-form-urlencoded`): its values and the version it was
/// read at.
pub struct FormData {
    /// The record's values.
    pub values: Values,
    /// The hidden `version` field as sent.
    version: Option<String>,
}

impl FormData {
    /// The version the form was read at: a 400 page when it is missing or not a number (a
    /// form of this server always carries it).
    pub fn version(&self) -> Result<i64, PageError> {
        self.version
            .as_deref()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                ApiError::bad_parameter(
                    "version",
                    "the form does not say which version of the supplier it was read at: reload the page and submit it again",
                )
                .into()
            })
    }
}

impl FromRequest<AppState> for FormData {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<FormData, PageError> {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|rejection| ApiError::bad_parameter("body", rejection.body_text()))?;
        let version = pairs
            .iter()
            .find(|(k, _)| k == "version")
            .map(|(_, v)| v.clone());
        Ok(FormData {
            values: Values::from_pairs(pairs),
            version,
        })
    }
}

/// Why a form's write did not happen.
pub enum WriteError {
    /// Someone else changed the supplier since the form was read: the supplier now.
    Stale(Box<StoredSupplier>),
    /// Anything else, as a page.
    Page(PageError),
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> WriteError {
        match e {
            StoreError::Stale { current } => WriteError::Stale(current),
            e => WriteError::Page(e.into()),
        }
    }
}

impl From<PageError> for WriteError {
    fn from(e: PageError) -> WriteError {
        WriteError::Page(e)
    }
}

impl From<ApiError> for WriteError {
    fn from(e: ApiError) -> WriteError {
        WriteError::Page(e.into())
    }
}

/// A breadcrumb back to the supplier.
#[derive(Clone, Debug)]
pub struct Crumb {
    /// The supplier page.
    pub url: String,
    /// Its name (or id).
    pub label: String,
}

impl Crumb {
    /// The crumb of a stored supplier.
    pub fn of(stored: &StoredSupplier) -> Crumb {
        let s = &stored.supplier;
        Crumb {
            url: supplier_url(&s.id),
            label: s.name.clone().unwrap_or_else(|| s.id.to_string()),
        }
    }
}

/// A stale edit explained: the version now, the user's values beside the current ones, and
/// where "discard and reload" goes.
#[derive(Clone, Debug)]
pub struct Conflict {
    /// The version stored now (the form below carries it).
    pub version: i64,
    /// Field by field; empty for a new record (nothing to compare with).
    pub rows: Vec<ConflictRow>,
    /// A sentence for a special case (the record edited is gone).
    pub note: Option<String>,
    /// The form read afresh.
    pub reload: String,
}

impl Conflict {
    /// How many fields differ.
    pub fn differing(&self) -> usize {
        self.rows.iter().filter(|r| r.differs).count()
    }
}

/// `templates/forms/record.html`: any form of a supplier or a record.
#[derive(Template)]
#[template(path = "forms/record.html")]
pub struct FormPage {
    /// The frame.
    pub chrome: Chrome,
    /// The heading: "Add a location", "Edit the supplier".
    pub title: String,
    /// Back to the supplier (none on the new-supplier form).
    pub crumb: Option<Crumb>,
    /// A sentence under the heading.
    pub intro: Option<String>,
    /// Where the form posts.
    pub action: String,
    /// Where "Cancel" goes.
    pub cancel: String,
    /// The version the form is based on (the hidden `version`).
    pub version: Option<i64>,
    /// The controls, filled in.
    pub groups: Vec<GroupView>,
    /// Every problem, linked to its field.
    pub summary: Vec<SummaryItem>,
    /// Set on a 409: the comparison above the form.
    pub conflict: Option<Conflict>,
    /// The submit button's text.
    pub submit: String,
    /// The risk form's tier preview and the URL that recomputes it.
    pub tier: Option<TierPreview>,
    /// `hx-get` of the tier preview.
    pub tier_url: String,
}

impl FormPage {
    /// The submit button's text on a conflict page.
    pub fn submit_text(&self) -> &str {
        if self.conflict.is_some() {
            "Apply my change to the current version"
        } else {
            &self.submit
        }
    }
}

/// What goes into a [`FormPage`] besides the frame and the values.
pub struct FormSpec {
    /// The heading.
    pub title: String,
    /// The breadcrumb.
    pub crumb: Option<Crumb>,
    /// A sentence under the heading.
    pub intro: Option<String>,
    /// Where the form posts.
    pub action: String,
    /// Where "Cancel" goes.
    pub cancel: String,
    /// The submit button's text.
    pub submit: String,
    /// The fields.
    pub groups: Vec<fields::Group>,
    /// The risk form's tier preview URL.
    pub tier_url: Option<String>,
}

impl FormSpec {
    /// The form as first shown (200): `values` without problems, at `version`.
    pub fn show(&self, chrome: Chrome, values: &Values, version: Option<i64>) -> Response {
        render(
            StatusCode::OK,
            &self.page(chrome, values, &Errors::default(), version, None, None),
        )
    }

    /// The form again with its problems (422), the user's input kept, nothing written.
    pub fn invalid(
        &self,
        chrome: Chrome,
        values: &Values,
        errors: &Errors,
        version: Option<i64>,
    ) -> Response {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &self.page(chrome, values, errors, version, None, None),
        )
    }

    /// The page with `values`, `errors`, the version and perhaps a conflict.
    pub fn page(
        &self,
        chrome: Chrome,
        values: &Values,
        errors: &Errors,
        version: Option<i64>,
        conflict: Option<Conflict>,
        tier: Option<TierPreview>,
    ) -> FormPage {
        FormPage {
            chrome,
            title: self.title.clone(),
            crumb: self.crumb.clone(),
            intro: self.intro.clone(),
            action: self.action.clone(),
            cancel: self.cancel.clone(),
            version,
            groups: fields::groups(&self.groups, values, errors),
            summary: fields::summary(&self.groups, errors),
            conflict,
            submit: self.submit.clone(),
            tier,
            tier_url: self.tier_url.clone().unwrap_or_default(),
        }
    }
}

/// `templates/forms/stale.html`: a delete, archive or restore refused because the supplier
/// changed (or another conflict), with what is stored now and a way to do it again on the
/// current version.
#[derive(Template)]
#[template(path = "forms/stale.html")]
pub struct StalePage {
    /// The frame.
    pub chrome: Chrome,
    /// The heading.
    pub title: String,
    /// What happened.
    pub message: String,
    /// Back to the supplier.
    pub crumb: Crumb,
    /// The record as stored now, field by field (`current` of each row).
    pub rows: Vec<ConflictRow>,
    /// Doing it again on the current version: where the form posts, its button and the
    /// version; `None` when it cannot be done again.
    pub retry: Option<Retry>,
}

/// The form of a [`StalePage`] that does the action again on the current version.
#[derive(Clone, Debug)]
pub struct Retry {
    /// Where it posts.
    pub action: String,
    /// The button.
    pub button: String,
    /// The version stored now.
    pub version: i64,
    /// Whether to ask first (a delete).
    pub confirm: Option<String>,
}

/// Renders a 409 [`StalePage`].
pub fn stale_page(page: &StalePage) -> Response {
    super::render(StatusCode::CONFLICT, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_words() {
        assert_eq!(label("due_diligence"), "Due diligence");
        assert_eq!(label("soc2_type2"), "SOC 2 Type II");
        assert_eq!(label("saas"), "SaaS");
        assert_eq!(label(""), "");
        assert_eq!(segment("a?b#c%d"), "a%3Fb%23c%25d");
    }
}
