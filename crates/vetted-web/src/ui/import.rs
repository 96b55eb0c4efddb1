//! The import page (editors): `GET /import` (the upload form), `POST /import` (the preview:
//! every problem of the file, or what it would change), `POST /import/confirm` (the write).
//!
//! The file is read with the readers of `POST /api/v1/register/import` and `vetted import`
//! ([`vetted_app::import::read_upload`]): a JSON or YAML register document, an XLSX workbook of
//! the flat layout, or one CSV file standing for the `suppliers` sheet; the format comes from
//! the file's extension. A file with problems shows every one of them in a table with its place
//! (sheet, row and column of a spreadsheet; line, column and field path of a document), and
//! nothing is written. A valid file shows, per supplier, whether it would be created, updated
//! (with the fields and sections that differ) or left unchanged, computed against the store as
//! it is by [`vetted_app::import::plan`], the same plan as the API's `?dry_run=true`.
//!
//! **Carrying the upload to the confirmation.** The preview page re-sends the file in its
//! "Confirm import" form rather than keeping it on the server: hidden fields hold the file
//! (gzip, then base64url), its SHA-256, its name and format, and the stored version of each
//! supplier the preview was computed against (the plan's
//! [`versions`](vetted_app::import::ImportPlan::versions), also gzip + base64url). Nothing
//! from the client is trusted: the confirmation decodes the file, checks its SHA-256 (a damaged
//! or truncated form is refused), reads and validates it again under the policy in force, and
//! writes with [`vetted_store::Store::upsert_register_as_planned`], which compares those
//! versions with the stored ones inside the import's own transaction. If anyone changed one of
//! the file's suppliers (or created one of its new ids) since the preview, nothing is written
//! and the page says so, showing what the import would change now. Chosen over keeping the
//! parsed file in server memory because several `vetted serve` processes may share one
//! database behind a load balancer (the confirmation may reach another one), a restart loses
//! nothing, and no per-upload memory is held for previews that are never confirmed. A client
//! that edits the hidden fields gains nothing: what is written is what the fields say, read and
//! checked like any upload by an editor, who may import anything anyway. The cost is the file
//! travelling twice; a file whose encoded form would not fit the request body limit is
//! previewed but not confirmable here (the page points to `vetted import` and the API).
//!
//! The audit actor of the import is the signed-in user.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::FormRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use vetted_app::files::FileFormat;
use vetted_app::import::{ImportPlan, PlannedChange, UploadError, plan, read_upload};
use vetted_app::tabular::TabularProblem;
use vetted_core::model::Register;
use vetted_store::{Change, PlannedVersions, StoreError};

use super::page::Notice;
use super::{CanEdit, Chrome, EDITOR, Nav, PageError, Pages, Session, render};
use crate::AppState;
use crate::error::ApiError;

/// The import routes.
pub fn pages() -> Pages {
    Pages::new()
        .get("/import", EDITOR, form)
        .post("/import", EDITOR, preview)
        .post("/import/confirm", EDITOR, confirm)
}

/// The extensions the upload form accepts, for its `accept` attribute.
const ACCEPT: &str = ".json,.yaml,.yml,.csv,.xlsx";

/// Room left in the body limit for the confirmation form's other fields and encoding.
const CONFIRM_FORM_OVERHEAD: usize = 64 * 1024;

/// One problem of an uploaded file, as a row of the problem table.
#[derive(Clone, Debug)]
pub struct ProblemRow {
    /// Spreadsheets: the sheet.
    pub sheet: Option<String>,
    /// Spreadsheets: the row number as the spreadsheet shows it.
    pub row: Option<usize>,
    /// Spreadsheets: the column (`C (country)`); documents: the column of `line`.
    pub column: Option<String>,
    /// Documents: the line.
    pub line: Option<usize>,
    /// Documents: the field path (`suppliers[3].locations[0].country`).
    pub path: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

/// Every problem of one file.
#[derive(Clone, Debug)]
pub struct ProblemList {
    /// The file's name as uploaded.
    pub file_name: String,
    /// Whether the places are spreadsheet cells (sheet, row, column) rather than document
    /// positions (line, column, field).
    pub tabular: bool,
    /// The problems, in the reader's order.
    pub rows: Vec<ProblemRow>,
}

impl ProblemList {
    fn of(file_name: &str, error: UploadError) -> ProblemList {
        let document = |p: vetted_core::read::Problem| ProblemRow {
            sheet: None,
            row: None,
            column: p.column.map(|c| c.to_string()),
            line: p.line,
            path: Some(p.path).filter(|p| !p.is_empty()),
            message: p.message,
        };
        let (tabular, rows) = match error {
            UploadError::NotUtf8 { line, column } => (
                false,
                vec![ProblemRow {
                    sheet: None,
                    row: None,
                    column: Some(column.to_string()),
                    line: Some(line),
                    path: None,
                    message: "the file is not UTF-8 text: save it as UTF-8".to_string(),
                }],
            ),
            UploadError::Malformed(p) => (false, vec![document(p)]),
            UploadError::Document(problems) => {
                (false, problems.into_iter().map(document).collect())
            }
            UploadError::Tabular(problems) => {
                (true, problems.into_iter().map(tabular_row).collect())
            }
        };
        ProblemList {
            file_name: file_name.to_string(),
            tabular,
            rows,
        }
    }
}

fn tabular_row(p: TabularProblem) -> ProblemRow {
    ProblemRow {
        sheet: p.sheet,
        row: p.row,
        column: p.column.map(|c| {
            if c.name.is_empty() {
                c.position.to_string()
            } else {
                format!("{} ({})", c.position, c.name)
            }
        }),
        line: None,
        path: None,
        message: p.message,
    }
}

/// `templates/import/form.html`: the upload form, with the last upload's problems if any.
#[derive(Template)]
#[template(path = "import/form.html")]
pub struct ImportFormPage {
    chrome: Chrome,
    accept: &'static str,
    /// The body limit, for people (`16 MB`).
    limit: String,
    /// What is wrong with the file field itself (none chosen, an unknown extension).
    file_error: Option<String>,
    /// Why a confirmation could not go ahead (shown above the form).
    problem: Option<String>,
    /// Every problem of the last file.
    problems: Option<ProblemList>,
}

/// One supplier the import would create or update, as a row of the preview.
#[derive(Clone, Debug)]
pub struct ChangeRow {
    /// The supplier's id.
    pub id: String,
    /// Its name in the file.
    pub name: Option<String>,
    /// `created` or `updated` (also the badge's class).
    pub kind: &'static str,
    /// What differs, for an update.
    pub fields: Vec<String>,
    /// The stored supplier is archived (and stays so).
    pub archived: bool,
    /// The supplier's page, for a stored one.
    pub href: Option<String>,
}

/// The hidden fields of the "Confirm import" form.
#[derive(Clone, Debug)]
pub struct Carry {
    /// The file's name as uploaded.
    pub file_name: String,
    /// `json`, `yaml`, `csv` or `xlsx`.
    pub format: &'static str,
    /// Hex SHA-256 of the file as uploaded.
    pub sha256: String,
    /// The file, gzip-compressed and base64url-encoded.
    pub content: String,
    /// The plan's stored versions (JSON), gzip-compressed and base64url-encoded.
    pub planned: String,
}

/// `templates/import/preview.html`: what the import would change.
#[derive(Template)]
#[template(path = "import/preview.html")]
pub struct PreviewPage {
    chrome: Chrome,
    file_name: String,
    sha256: String,
    created: usize,
    updated: usize,
    unchanged: usize,
    /// The suppliers that would be created or updated, in the file's order.
    changes: Vec<ChangeRow>,
    /// The ids left unchanged.
    unchanged_ids: Vec<String>,
    /// The confirmation form's fields; `None` when nothing would change or the file is too
    /// large to carry.
    carry: Option<Carry>,
    /// Why the file cannot be confirmed from the browser.
    too_large: Option<String>,
    /// Set when a confirmation found the register changed since the preview: why.
    stale: Option<String>,
}

fn megabytes(bytes: usize) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 10.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

fn form_page(state: &AppState, session: Session) -> ImportFormPage {
    ImportFormPage {
        chrome: Chrome::new(session, Nav::Import),
        accept: ACCEPT,
        limit: megabytes(state.config.body_limit_bytes),
        file_error: None,
        problem: None,
        problems: None,
    }
}

async fn form(CanEdit(session): CanEdit, State(state): State<AppState>) -> Response {
    render(StatusCode::OK, &form_page(&state, session))
}

/// The format of a file by its extension (any case); never by the server's file system.
fn format_of(file_name: &str) -> Option<FileFormat> {
    let (_, extension) = file_name.rsplit_once('.')?;
    FileFormat::parse(&extension.to_ascii_lowercase())
}

fn format_name(format: FileFormat) -> &'static str {
    match format {
        FileFormat::Json => "json",
        FileFormat::Yaml => "yaml",
        FileFormat::Csv => "csv",
        FileFormat::Xlsx => "xlsx",
    }
}

/// The last part of an uploaded file's name (some browsers send a whole path).
fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .trim()
        .to_string()
}

/// The uploaded file of the form: its name and bytes, or what to tell the user.
async fn read_file(
    multipart: Result<Multipart, MultipartRejection>,
    limit: usize,
) -> Result<(String, Vec<u8>), String> {
    let choose = "Choose a register file to import.".to_string();
    let mut multipart = multipart.map_err(|_| choose.clone())?;
    let too_large = || {
        format!(
            "The file is larger than the upload limit of {}.",
            megabytes(limit)
        )
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Err(choose),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err("The upload could not be read; try again.".to_string()),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = base_name(field.file_name().unwrap_or(""));
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err("The upload could not be read; try again.".to_string()),
        };
        if name.is_empty() {
            return Err(choose);
        }
        if bytes.is_empty() {
            return Err(format!("{name} is empty."));
        }
        return Ok((name, bytes.to_vec()));
    }
}

/// Reads `bytes` as a register off the async threads.
async fn read_register(
    state: &AppState,
    format: FileFormat,
    bytes: Arc<Vec<u8>>,
    file_name: &str,
) -> Result<Result<Register, UploadError>, PageError> {
    let policy = Arc::clone(&state.policy().policy);
    let name = file_name.to_string();
    tokio::task::spawn_blocking(move || read_upload(format, &bytes, &name, &policy))
        .await
        .map_err(|e| PageError::Api(ApiError::internal("reading an uploaded register", &e)))
}

async fn preview(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let limit = state.config.body_limit_bytes;
    let (file_name, bytes) = match read_file(multipart, limit).await {
        Ok(file) => file,
        Err(message) => {
            let mut page = form_page(&state, session);
            page.file_error = Some(message);
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let Some(format) = format_of(&file_name) else {
        let mut page = form_page(&state, session);
        page.file_error = Some(format!(
            "{file_name}: Vetted reads .json, .yaml, .yml, .csv and .xlsx files; \
             the format is taken from the extension."
        ));
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let bytes = Arc::new(bytes);
    let register = match read_register(&state, format, Arc::clone(&bytes), &file_name).await? {
        Ok(register) => register,
        Err(error) => {
            let mut page = form_page(&state, session);
            page.problems = Some(ProblemList::of(&file_name, error));
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let plan = plan(state.store.as_ref(), &register).await?;
    let sha256 = hex_sha256(&bytes);
    let page = preview_page(
        &state, session, &file_name, format, &bytes, sha256, &plan, None,
    )?;
    Ok(render(StatusCode::OK, &page))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one page built from the upload and its plan"
)]
fn preview_page(
    state: &AppState,
    session: Session,
    file_name: &str,
    format: FileFormat,
    bytes: &[u8],
    sha256: String,
    plan: &ImportPlan,
    changed_since: Option<String>,
) -> Result<PreviewPage, PageError> {
    let mut changes = Vec::new();
    let mut unchanged_ids = Vec::new();
    for s in &plan.suppliers {
        let (kind, fields) = match &s.change {
            PlannedChange::Create => ("created", Vec::new()),
            PlannedChange::Update { fields } => ("updated", fields.clone()),
            PlannedChange::Unchanged => {
                unchanged_ids.push(s.id.clone());
                continue;
            }
        };
        changes.push(ChangeRow {
            id: s.id.clone(),
            name: s.name.clone(),
            kind,
            fields,
            archived: s.archived,
            href: s
                .version
                .is_some()
                .then(|| format!("/suppliers/{}", path_segment(&s.id))),
        });
    }
    let (carry, too_large) = if plan.changes_anything() {
        let carry = Carry {
            file_name: file_name.to_string(),
            format: format_name(format),
            sha256: sha256.clone(),
            content: pack(bytes)?,
            planned: pack(&planned_json(&plan.versions())?)?,
        };
        let size = carry.content.len() + carry.planned.len() + CONFIRM_FORM_OVERHEAD;
        if size > state.config.body_limit_bytes {
            (
                None,
                Some(format!(
                    "This file is too large to confirm from the browser ({} to send back, \
                     and the server takes at most {} a request). Import it with \
                     `vetted import {file_name}` on the server, or send it to \
                     POST /api/v1/register/import.",
                    megabytes(size),
                    megabytes(state.config.body_limit_bytes),
                )),
            )
        } else {
            (Some(carry), None)
        }
    } else {
        (None, None)
    };
    Ok(PreviewPage {
        chrome: Chrome::new(session, Nav::Import),
        file_name: file_name.to_string(),
        sha256,
        created: plan.created(),
        updated: plan.updated(),
        unchanged: plan.unchanged(),
        changes,
        unchanged_ids,
        carry,
        too_large,
        stale: changed_since,
    })
}

/// The hidden fields of the confirmation form.
#[derive(Deserialize, Debug, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    planned: String,
}

async fn confirm(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Result<Response, PageError> {
    let limit = state.config.body_limit_bytes;
    let unreadable = |state: &AppState, session: Session| {
        let mut page = form_page(state, session);
        page.problem = Some(
            "The preview could not be read back, so nothing was imported. Upload the file \
             again."
                .to_string(),
        );
        Ok(render(StatusCode::BAD_REQUEST, &page))
    };
    let Ok(Form(form)) = form else {
        return unreadable(&state, session);
    };
    let file_name = base_name(&form.file_name);
    let format = FileFormat::parse(&form.format);
    let bytes = unpack(&form.content, limit);
    let planned = unpack(&form.planned, limit)
        .and_then(|json| serde_json::from_slice::<BTreeMap<String, Option<i64>>>(&json).ok());
    let (Some(format), Some(bytes), Some(planned)) = (format, bytes, planned) else {
        return unreadable(&state, session);
    };
    if hex_sha256(&bytes) != form.sha256.to_ascii_lowercase() {
        return unreadable(&state, session);
    }
    let planned: PlannedVersions = planned.into_iter().collect();
    let bytes = Arc::new(bytes);
    // Read again: the policy in force may have changed since the preview, and nothing the
    // form carries is trusted.
    let register = match read_register(&state, format, Arc::clone(&bytes), &file_name).await? {
        Ok(register) => register,
        Err(error) => {
            let mut page = form_page(&state, session);
            page.problem = Some(
                "The file no longer reads under the policy in force, so nothing was imported."
                    .to_string(),
            );
            page.problems = Some(ProblemList::of(&file_name, error));
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let actor = session.principal.actor();
    let written = state
        .store
        .upsert_register_as_planned(&register, &planned, &Change::now(actor), &|_| {})
        .await;
    match written {
        Ok(summary) => {
            tracing::info!(
                user.id = %session.principal.user_id,
                created = summary.created,
                updated = summary.updated,
                unchanged = summary.unchanged,
                "register imported"
            );
            Ok(
                Redirect::to(&format!("/suppliers?notice={}", Notice::Imported.code()))
                    .into_response(),
            )
        }
        Err(StoreError::Conflict { id, reason, .. }) => {
            // Show what the import would do now, so the user can decide again.
            let plan = plan(state.store.as_ref(), &register).await?;
            let sha256 = hex_sha256(&bytes);
            let page = preview_page(
                &state,
                session,
                &file_name,
                format,
                &bytes,
                sha256,
                &plan,
                Some(format!(
                    "The register changed since your preview: supplier {id} {reason}. \
                     Below is what the import would change now; confirm again if it is \
                     still right."
                )),
            )?;
            Ok(render(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(e.into()),
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn planned_json(versions: &PlannedVersions) -> Result<Vec<u8>, PageError> {
    let sorted: BTreeMap<&String, &Option<i64>> = versions.iter().collect();
    serde_json::to_vec(&sorted)
        .map_err(|e| PageError::Api(ApiError::internal("encoding an import plan", &e)))
}

/// gzip, then base64url without padding: no character of it needs escaping in a form.
fn pack(bytes: &[u8]) -> Result<String, PageError> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes)
        .and_then(|()| gz.finish())
        .map(|packed| URL_SAFE_NO_PAD.encode(packed))
        .map_err(|e| PageError::Api(ApiError::internal("compressing an upload", &e)))
}

/// The inverse of [`pack`]; `None` for anything that is not its output or that unpacks to more
/// than `limit` bytes (the upload itself was within the limit).
fn unpack(text: &str, limit: usize) -> Option<Vec<u8>> {
    let packed = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(packed.as_slice())
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() <= limit).then_some(out)
}

/// `s` as one URL path segment: unreserved characters as they are, others percent-encoded.
pub fn path_segment(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_and_refuses_what_it_did_not_make() {
        let bytes = b"{\"suppliers\": []}".repeat(100);
        let packed = pack(&bytes).unwrap();
        assert!(
            packed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(unpack(&packed, bytes.len()).as_deref(), Some(&bytes[..]));
        assert_eq!(unpack(&packed, bytes.len() - 1), None, "over the limit");
        assert_eq!(unpack("not base64!", 1000), None);
        assert_eq!(unpack(&URL_SAFE_NO_PAD.encode(b"not gzip"), 1000), None);
    }

    #[test]
    fn formats_come_from_the_extension_only() {
        assert_eq!(format_of("Register.XLSX"), Some(FileFormat::Xlsx));
        assert_eq!(format_of("a.yml"), Some(FileFormat::Yaml));
        assert_eq!(format_of("suppliers.csv"), Some(FileFormat::Csv));
        assert_eq!(format_of("register"), None);
        assert_eq!(format_of("register.txt"), None);
        assert_eq!(base_name("C:\\Users\\me\\register.json"), "register.json");
        assert_eq!(path_segment("a b/ü"), "a%20b%2F%C3%BC");
    }
}
