//! `vetted report iso27001`: the ISO/IEC 27001 A.5.19–5.23 report over a period, as an auditor
//! receives it (HTML, PDF through Chromium, or JSON), rebuilt from the audit trail.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use time::OffsetDateTime;
use vetted_app::report::{IsoDocument, html, pdf};
use vetted_core::date::Period;

use crate::context::{Context, Reported};

/// Reports for auditors.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// ISO/IEC 27001:2022 A.5.19–5.23 over a period: per control the policy's rules, the
    /// register's figures (suppliers in scope, current assurance, DPAs in force, reviews on
    /// time, triggered reviews and their days, escalations), the nonconformities at the end
    /// and the reviews performed. Rebuilt from the audit trail: the register as it was.
    Iso27001(IsoOpts),
}

/// `--format` of the report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained HTML document (prints as A4).
    Html,
    /// PDF, printed by headless Chromium (`chromium`, or `VETTED_CHROMIUM`).
    Pdf,
    /// The figures and records as JSON (`vetted-iso27001-report/1`).
    Json,
}

#[derive(clap::Args, Debug)]
pub struct IsoOpts {
    /// The period, both days included: FROM..TO (default: the twelve months to today). A
    /// period that ends after today stops at today.
    #[arg(long, value_name = "FROM..TO", value_parser = Period::parse)]
    pub period: Option<Period>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// The file to write (default: standard output; a PDF needs a file unless output is piped).
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Whose report it is (default: the configuration's `organization`).
    #[arg(long, value_name = "NAME")]
    pub organization: Option<String>,
    /// The Chromium that prints the PDF (default: `VETTED_CHROMIUM`, else `chromium` on the PATH).
    #[arg(long, value_name = "PATH", env = "VETTED_CHROMIUM")]
    pub chromium: Option<PathBuf>,
    /// A configuration file. Default: vetted.toml in the working directory, if there is one.
    #[arg(long, env = "VETTED_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub async fn run(ctx: &Context, command: Command) -> Result<u8> {
    match command {
        Command::Iso27001(o) => iso27001(ctx, o).await,
    }
}

/// The report document for `period` from the database `ctx` names.
pub async fn document(
    ctx: &Context,
    period: Period,
    organization: Option<String>,
) -> Result<IsoDocument> {
    let (fallback, _, _) = ctx.policy()?;
    let store = ctx.store().await?;
    let doc = vetted_app::report::iso27001(
        store.as_ref(),
        period,
        organization,
        &fallback,
        OffsetDateTime::now_utc(),
    )
    .await;
    store.close().await;
    doc.map_err(|e| Reported(format!("cannot make the report: {e}")).into())
}

/// The report's HTML (for a file: supplier names without links).
pub fn html_of(doc: &IsoDocument) -> String {
    html::render(doc, &html::Links::file(), "")
}

/// The report printed to PDF.
pub async fn pdf_of(html: String, chromium: Option<PathBuf>) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || pdf::print(chromium.as_deref(), &html))
        .await
        .context("the PDF printer stopped")?
        .map_err(|e| Reported(e.to_string()).into())
}

/// The period asked for, or the twelve months to today.
pub fn period_or_default(ctx: &Context, period: Option<Period>) -> Period {
    period.unwrap_or_else(|| {
        vetted_app::report::last_twelve_months(OffsetDateTime::now_utc().date().min(ctx.today))
    })
}

async fn iso27001(ctx: &Context, o: IsoOpts) -> Result<u8> {
    let (ctx, config) = super::subprocessors::configured(ctx, o.config)?;
    let period = period_or_default(&ctx, o.period);
    if o.format == ReportFormat::Pdf && o.out.is_none() && std::io::stdout().is_terminal() {
        return Err(Reported(
            "a PDF is not for the terminal: give --out FILE.pdf (or pipe the output)".into(),
        )
        .into());
    }
    let doc = document(&ctx, period, o.organization.or(config.organization)).await?;
    let bytes = match o.format {
        ReportFormat::Json => {
            let mut j = doc.json();
            j.push('\n');
            j.into_bytes()
        }
        ReportFormat::Html => html_of(&doc).into_bytes(),
        ReportFormat::Pdf => pdf_of(html_of(&doc), o.chromium).await?,
    };
    if let Some(path) = &o.out {
        super::write_file(path, &bytes)?;
        eprintln!(
            "wrote {} ({} bytes): ISO/IEC 27001 A.5.19–5.23, {}",
            path.display(),
            bytes.len(),
            doc.report.period
        );
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)?;
        out.flush()?;
    }
    Ok(0)
}
