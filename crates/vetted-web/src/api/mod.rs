//! The REST API under `/api/v1` and its OpenAPI 3.1 document at `GET /api/openapi.json`.
//!
//! Every route is registered through utoipa-axum's `routes!` with its `#[utoipa::path]`
//! annotation, so the router and the document are built from the same list and cannot drift
//! (`tests/openapi.rs` checks both ways). Handlers are thin: extract (a role extractor from
//! [`crate::auth`], [`crate::extract`]'s path, query and body extractors), call the core or
//! the store, return a typed view.
//!
//! - [`suppliers`]: the supplier list, one supplier, its findings, its nested records, and
//!   their writes (versioned by `If-Match`).
//! - [`evaluation`]: the register summary and the due list.
//! - [`policy`]: the active policy, uploads of new versions and their history.
//! - [`register`]: the import and export of the register document.
//! - [`audit`]: the audit trail (entries, a supplier's history, head, verify, export).
//! - [`notifications`]: reminders (admins): the delivery log, a run now, a test e-mail, a retry.
//! - [`risks`]: the risk register (list, one risk, a risk written into its suppliers).
//! - [`reports`]: the ISO/IEC 27001 A.5.19–5.23 report over a period.
//! - [`params`]: query parameters shared by several endpoints (`as_of`).

pub mod audit;
pub mod evaluation;
pub mod notifications;
pub mod params;
pub mod policy;
pub mod register;
pub mod reports;
pub mod risks;
pub mod subprocessors;
pub mod suppliers;

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// The name of the session cookie, as the OpenAPI document declares it.
pub const SESSION_COOKIE: &str = "vetted_session";

/// The document's fixed parts: information, security schemes, shared schemas, tags. The
/// paths come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vetted",
        description = "The supplier register and its policy engine. Every `/api/v1` endpoint needs a signed-in user (a session cookie) or an API token (`Authorization: Bearer TOKEN`); errors are JSON (`ErrorBody`) with the field path of each problem.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only"),
    ),
    modifiers(&SecuritySchemes),
    components(schemas(
        crate::error::ErrorBody,
        crate::error::Problem,
        suppliers::SectionName,
        vetted_core::model::SupplierId,
    )),
    tags(
        (name = "suppliers", description = "Suppliers and their nested records."),
        (name = "evaluation", description = "The policy's verdicts: summary and due list."),
        (name = "policy", description = "The supplier policy in force and its stored versions."),
        (name = "register", description = "The register document: import and export."),
        (name = "risks", description = "The risk register: every supplier's risk entries grouped by risk id."),
        (name = "reports", description = "Evidence for auditors: the ISO/IEC 27001 A.5.19–5.23 report over a period, rebuilt from the audit trail."),
        (name = "audit", description = "The audit trail: entries, a supplier's history, the chain head, verification, export."),
        (name = "operations", description = "Health probes and this document; no login."),
        (name = "accounts", description = "Sign-in, sessions, users and API tokens; the first-run setup."),
        (name = "subprocessors", description = "The public subprocessor list as the team manages it: state, publishing, objections, decisions."),
        (name = "notifications", description = "Reminders by e-mail and webhook: the delivery log, a run now, a test e-mail (admins)."),
    )
)]
struct ApiDoc;

/// Adds the two ways to authenticate.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`vetted token create`), acting with its user's role.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "A browser session (HttpOnly cookie set at sign-in).",
            ))),
        );
    }
}

/// Every route of the server with its documentation: the API, the health probes and the
/// document itself.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::health::routes())
        .routes(routes!(openapi_json))
        .merge(suppliers::routes())
        .merge(evaluation::routes())
        .merge(policy::routes())
        .merge(register::routes())
        .merge(audit::routes())
        .merge(notifications::routes())
        .merge(risks::routes())
        .merge(subprocessors::routes())
        .merge(reports::routes())
        .merge(crate::auth::routes())
}

/// The OpenAPI document of [`routes`], built once.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| routes().into_openapi())
}

/// The OpenAPI 3.1 document of this server.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
async fn openapi_json() -> impl IntoResponse {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| {
        // The document is built from our own types: it always serializes.
        serde_json::to_string_pretty(openapi()).unwrap_or_default()
    });
    ([(header::CONTENT_TYPE, "application/json")], json.as_str())
}
