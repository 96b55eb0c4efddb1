//! The register document: `GET /api/v1/register/export` in JSON, YAML, CSV or XLSX, written
//! by the same writers as `vetted export`; `POST /api/v1/register/import` in JSON, YAML, XLSX
//! or CSV (the suppliers sheet alone), read by the same readers as `vetted import` and written
//! all-or-nothing, or only planned with `?dry_run=true`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_app::files::FileFormat;
use vetted_app::import::{UploadError, plan as import_plan, read_upload};
use vetted_app::tabular;
use vetted_core::model::Register;
use vetted_core::policy::Policy;

use vetted_core::write::{to_json, to_yaml};
use vetted_store::Change;

use crate::AppState;
use crate::auth::{Editor, Viewer};
use crate::error::{ApiError, ErrorBody, Problem};
use crate::extract::{ApiQuery, FromQuery, QueryParams};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(import))
}

/// The format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ExportFormat {
    /// The register document in JSON.
    #[default]
    Json,
    /// The register document in YAML.
    Yaml,
    /// One sheet of the flat spreadsheet layout as CSV (see `sheet`).
    Csv,
    /// The flat spreadsheet layout as an XLSX workbook.
    Xlsx,
}

/// `?format=&sheet=` of the export.
#[derive(Clone, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `json` (default), `yaml`, `csv` or `xlsx`.
    #[param(inline)]
    pub format: Option<ExportFormat>,
    /// With `format=csv`: which sheet of the flat layout (default `suppliers`).
    pub sheet: Option<String>,
    /// The register as recorded at this moment, rebuilt from the audit trail: RFC 3339
    /// (`2026-03-01T12:00:00Z`) or a date (the end of that day, UTC). Default: now.
    #[param(value_type = Option<String>)]
    pub at: Option<time::OffsetDateTime>,
}

impl FromQuery for ExportQuery {
    const PARAMS: &'static [&'static str] = &["format", "sheet", "at"];

    fn from_query(q: &mut QueryParams) -> Result<ExportQuery, ApiError> {
        let format = q.parsed("format", |s| match s {
            "json" => Ok(ExportFormat::Json),
            "yaml" => Ok(ExportFormat::Yaml),
            "csv" => Ok(ExportFormat::Csv),
            "xlsx" => Ok(ExportFormat::Xlsx),
            _ => Err(format!(
                "unknown value `{s}`: expected json, yaml, csv or xlsx"
            )),
        })?;
        let sheet = q.one("sheet")?;
        if sheet.is_some() && format != Some(ExportFormat::Csv) {
            return Err(ApiError::bad_parameter(
                "sheet",
                "only meaningful with format=csv",
            ));
        }
        let at = q.parsed("at", super::params::parse_at)?;
        Ok(ExportQuery { format, sheet, at })
    }
}

fn download(content_type: &'static str, filename: &str, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// The whole register as a document to download.
#[utoipa::path(
    get,
    path = "/api/v1/register/export",
    tag = "register",
    params(ExportQuery),
    responses(
        (status = 200, description = "The register document, as an attachment",
            content(
                (String = "application/json"),
                (String = "application/yaml"),
                (String = "text/csv"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"register.json\"`"))),
        (status = 400, description = "A malformed query parameter or an unknown CSV sheet", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn export(
    _: Viewer,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let (register, policy) = match q.at {
        Some(at) => super::params::past(&state, at).await?,
        None => (
            state.store.register().await?,
            std::sync::Arc::clone(&state.policy().policy),
        ),
    };
    let format = q.format.unwrap_or_default();
    tokio::task::spawn_blocking(move || match format {
        ExportFormat::Json => Ok(download(
            "application/json",
            "register.json",
            to_json(&register).into_bytes(),
        )),
        ExportFormat::Yaml => Ok(download(
            "application/yaml",
            "register.yaml",
            to_yaml(&register).into_bytes(),
        )),
        ExportFormat::Xlsx => tabular::write_xlsx(&register, &policy)
            .map(|bytes| {
                download(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "register.xlsx",
                    bytes,
                )
            })
            .map_err(|e| ApiError::internal("writing the register as XLSX", &e)),
        ExportFormat::Csv => {
            let wanted = q.sheet.as_deref().unwrap_or("suppliers");
            let sheets = tabular::write_csv_sheets(&register, &policy);
            let names: Vec<String> = sheets.iter().map(|(n, _)| n.clone()).collect();
            match sheets.into_iter().find(|(name, _)| name == wanted) {
                Some((name, bytes)) => Ok(download(
                    "text/csv; charset=utf-8",
                    &format!("{name}.csv"),
                    bytes,
                )),
                None => Err(ApiError::bad_parameter(
                    "sheet",
                    format!(
                        "no sheet `{wanted}`: expected {}",
                        vetted_core::model::one_of(names.iter().map(String::as_str))
                    ),
                )),
            }
        }
    })
    .await
    .map_err(|e| ApiError::internal("exporting the register", &e))?
}

/// The media type of an XLSX workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The media types an import reads, for the 415 answer.
const IMPORT_TYPES: &str = "application/json, application/yaml, text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The format of an import body, from its `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ImportFormat {
    Json,
    Yaml,
    Csv,
    Xlsx,
}

impl ImportFormat {
    fn of(content_type: &str) -> Option<ImportFormat> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => Some(ImportFormat::Json),
            "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => {
                Some(ImportFormat::Yaml)
            }
            "text/csv" => Some(ImportFormat::Csv),
            XLSX => Some(ImportFormat::Xlsx),
            e if e.starts_with("application/") && e.ends_with("+json") => Some(ImportFormat::Json),
            _ => None,
        }
    }
}

/// `?dry_run=true` of the import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: answer what the import would change, and write nothing (default `false`).
    pub dry_run: Option<bool>,
}

impl FromQuery for ImportQuery {
    const PARAMS: &'static [&'static str] = &["dry_run"];

    fn from_query(q: &mut QueryParams) -> Result<ImportQuery, ApiError> {
        Ok(ImportQuery {
            dry_run: q.parsed("dry_run", |s| match s {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(format!("unknown value `{s}`: expected true or false")),
            })?,
        })
    }
}

/// What an import changed, or with `dry_run` would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportView {
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Suppliers created.
    pub created: usize,
    /// Suppliers updated.
    pub updated: usize,
    /// Suppliers left as they were (equal in substance).
    pub unchanged: usize,
    /// With `dry_run`: the ids that would be created, in register order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_ids: Option<Vec<String>>,
    /// With `dry_run`: the ids that would be updated, in register order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_ids: Option<Vec<String>>,
}

/// The problems of a spreadsheet, each placed by sheet, row and column (`path`) and row
/// (`line`).
fn tabular_problems(problems: Vec<tabular::TabularProblem>) -> ApiError {
    ApiError::Invalid(
        problems
            .into_iter()
            .map(|p| {
                let mut place = Vec::new();
                if let Some(sheet) = &p.sheet {
                    place.push(format!("sheet {sheet}"));
                }
                if let Some(row) = p.row {
                    place.push(format!("row {row}"));
                }
                if let Some(c) = &p.column {
                    if c.name.is_empty() {
                        place.push(format!("column {}", c.position));
                    } else {
                        place.push(format!("column {} ({})", c.position, c.name));
                    }
                }
                Problem {
                    path: place.join(", "),
                    message: p.message,
                    line: p.row,
                    column: None,
                }
            })
            .collect(),
    )
}

/// Reads the body as a register with the readers `vetted import` uses
/// ([`vetted_app::import::read_upload`]): 400 for malformed JSON or text that is not UTF-8,
/// 422 with every problem otherwise.
fn read_body(format: ImportFormat, bytes: &[u8], policy: &Policy) -> Result<Register, ApiError> {
    let format = match format {
        ImportFormat::Json => FileFormat::Json,
        ImportFormat::Yaml => FileFormat::Yaml,
        ImportFormat::Csv => FileFormat::Csv,
        ImportFormat::Xlsx => FileFormat::Xlsx,
    };
    read_upload(format, bytes, "body", policy).map_err(|e| match e {
        UploadError::NotUtf8 { line, column } => ApiError::MalformedJson(Problem {
            path: String::new(),
            message: "the body is not UTF-8".into(),
            line: Some(line),
            column: Some(column),
        }),
        UploadError::Malformed(p) => ApiError::MalformedJson(p.into()),
        UploadError::Document(problems) => {
            ApiError::Invalid(problems.into_iter().map(Problem::from).collect())
        }
        UploadError::Tabular(problems) => tabular_problems(problems),
    })
}

/// What an import of `register` would do to the store as it is now
/// ([`vetted_app::import::plan`], the store's rule: a stored supplier equal in substance is
/// unchanged; archived ones are updated, not created).
async fn plan(state: &AppState, register: &Register) -> Result<ImportView, ApiError> {
    let plan = import_plan(state.store.as_ref(), register).await?;
    Ok(ImportView {
        dry_run: true,
        created: plan.created(),
        updated: plan.updated(),
        unchanged: plan.unchanged(),
        created_ids: Some(plan.created_ids()),
        updated_ids: Some(plan.updated_ids()),
    })
}

/// Imports a register document: every supplier created or updated in one transaction with
/// its audit entries, or nothing at all. With `dry_run=true`, answers what would change and
/// writes nothing. The format comes from `Content-Type`: JSON, YAML, an XLSX workbook of the
/// flat layout, or CSV (the `suppliers` sheet alone).
#[utoipa::path(
    post,
    path = "/api/v1/register/import",
    tag = "register",
    params(ImportQuery),
    request_body(description = "The register document", content(
        (String = "application/json"),
        (String = "application/yaml"),
        (String = "text/csv"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    responses(
        (status = 200, description = "Imported (or, with `dry_run`, planned)", body = ImportView),
        (status = 400, description = "A malformed query parameter, or a body that is not JSON or not UTF-8", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an editor", body = ErrorBody),
        (status = 409, description = "An id appears twice, or a supplier changed during the import; nothing was written", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "A content type the import does not read", body = ErrorBody),
        (status = 422, description = "The document breaks the register format: every problem with its path (and line, or sheet and row); nothing was written", body = ErrorBody),
        (status = 500, description = "An internal error (logged; the body says no more)", body = ErrorBody),
    ),
    security(("bearer" = []), ("session" = []))
)]
pub async fn import(
    Editor(who): Editor,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    req: Request,
) -> Result<Json<ImportView>, ApiError> {
    let format = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(ImportFormat::of)
        .ok_or(ApiError::UnsupportedMediaType {
            expected: IMPORT_TYPES,
        })?;
    let limit_bytes = state.config.body_limit_bytes;
    let bytes = Bytes::from_request(req, &state)
        .await
        .map_err(|rejection| match rejection {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                ApiError::PayloadTooLarge { limit_bytes }
            }
            other => ApiError::bad_parameter("body", other.body_text()),
        })?;
    let policy = Arc::clone(&state.policy().policy);
    let register = tokio::task::spawn_blocking(move || read_body(format, &bytes, &policy))
        .await
        .map_err(|e| ApiError::internal("reading an import", &e))??;
    if q.dry_run == Some(true) {
        return Ok(Json(plan(&state, &register).await?));
    }
    let summary = state
        .store
        .upsert_register(&register, &Change::now(who.actor()), &|_| {})
        .await?;
    Ok(Json(ImportView {
        dry_run: false,
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        created_ids: None,
        updated_ids: None,
    }))
}
