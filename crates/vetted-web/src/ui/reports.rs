//! `/reports/iso27001`: the ISO/IEC 27001 A.5.19–5.23 report over a period as a page (the
//! same self-contained document `vetted report iso27001` writes, with a bar to choose the
//! period and download it), and its downloads: `.html` (the file an auditor keeps: names
//! without links) and `.pdf` (printed by headless Chromium on the server, when it has one).
//! Viewers and up: an auditor's read-only account sees it.

use std::sync::LazyLock;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use vetted_app::report::{IsoDocument, html, pdf};
use vetted_core::date::{Period, format_date};

use super::{PageError, Pages, SignedIn, VIEWER};
use crate::AppState;
use crate::api::reports::{PeriodQuery, document};
use crate::error::ApiError;
use crate::extract::{FromQuery, QueryParams};

/// The report's page and downloads.
pub fn pages() -> Pages {
    Pages::new()
        .get("/reports/iso27001", VIEWER, page)
        .get("/reports/iso27001.html", VIEWER, download_html)
        .get("/reports/iso27001.pdf", VIEWER, download_pdf)
}

/// PDFs printed at once: each is a Chromium process.
static PRINTERS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(2));

fn period_of(raw: Option<&str>) -> Result<Period, PageError> {
    let mut q = QueryParams::parse(raw.unwrap_or(""));
    let query = PeriodQuery::from_query(&mut q)?;
    q.finish(PeriodQuery::PARAMS)?;
    Ok(query.period())
}

/// The bar above the document on screen (not printed): back to Vetted, the period's form, the
/// downloads. Only dates and fixed text: nothing to escape.
fn bar(period: Period) -> String {
    let (from, to) = (format_date(period.from), format_date(period.to));
    let q = format!("period={from}..{to}");
    format!(
        r#"<nav class="bar noprint" aria-label="Report">
<a href="/">← Vetted</a>
<form method="get" action="/reports/iso27001">
<label>From <input type="date" name="from" value="{from}" required></label>
<label>To <input type="date" name="to" value="{to}" required></label>
<button type="submit">Show</button>
</form>
<span class="downloads">Download: <a href="/reports/iso27001.pdf?{q}">PDF</a> · <a href="/reports/iso27001.html?{q}">HTML</a> · <a href="/api/v1/reports/iso27001?{q}">JSON</a></span>
</nav>"#
    )
}

fn file_name(doc: &IsoDocument, ext: &str) -> String {
    format!(
        "iso27001-{}-{}.{ext}",
        format_date(doc.report.period.from),
        format_date(doc.report.period.to)
    )
}

fn attachment(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /reports/iso27001[?period=FROM..TO | ?from=&to=]`.
async fn page(
    SignedIn(_): SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let period = period_of(raw.as_deref())?;
    let doc = document(&state, period).await?;
    // The moment the register was rebuilt at (the end of the period, or now when it ends today).
    let at = doc
        .basis
        .recorded_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format_date(doc.report.as_of));
    let body = html::render(&doc, &html::Links::server(&at), &bar(doc.report.period));
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

/// `GET /reports/iso27001.html`: the document as a file.
async fn download_html(
    SignedIn(_): SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let doc = document(&state, period_of(raw.as_deref())?).await?;
    let body = html::render(&doc, &html::Links::file(), "");
    Ok(attachment(
        "text/html; charset=utf-8",
        &file_name(&doc, "html"),
        body.into_bytes(),
    ))
}

/// `GET /reports/iso27001.pdf`: printed by the server's Chromium; 503 without one.
async fn download_pdf(
    SignedIn(_): SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let doc = document(&state, period_of(raw.as_deref())?).await?;
    if pdf::find_chromium(None).is_none() {
        return Err(ApiError::Unavailable(
            "a PDF needs Chromium on the server (Debian's chromium package, or VETTED_CHROMIUM): \
             download the HTML and print it instead",
        )
        .into());
    }
    let body = html::render(&doc, &html::Links::file(), "");
    let _permit = PRINTERS
        .acquire()
        .await
        .map_err(|e| ApiError::internal("waiting for the PDF printer", &e))?;
    let printed = tokio::task::spawn_blocking(move || pdf::print(None, &body))
        .await
        .map_err(|e| ApiError::internal("printing the report", &e))?;
    match printed {
        Ok(bytes) => Ok(attachment(
            "application/pdf",
            &file_name(&doc, "pdf"),
            bytes,
        )),
        Err(e) => {
            tracing::error!(error = %e, "the ISO 27001 report could not be printed");
            Ok((
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("The PDF could not be printed: {e}"),
            )
                .into_response())
        }
    }
}
