//! `GET /api/v1/register/export`: the register document in JSON, YAML, CSV or XLSX, written
//! by the same writers as `vetted export`.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use vetted_app::tabular;
use vetted_core::model::Register;
use vetted_core::write::{to_json, to_yaml};

use crate::AppState;
use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, FromQuery, QueryParams};

/// The routes of this module.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
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
}

impl FromQuery for ExportQuery {
    const PARAMS: &'static [&'static str] = &["format", "sheet"];

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
        Ok(ExportQuery { format, sheet })
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
    let register = Register {
        suppliers: state
            .store
            .list_suppliers()
            .await?
            .into_iter()
            .map(|s| s.supplier)
            .collect(),
    };
    let policy = std::sync::Arc::clone(&state.policy().policy);
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
