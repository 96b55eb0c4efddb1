//! `vetted export`: the register in any format, to standard output or a file.

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use vetted_app::files::FileFormat;
use vetted_app::tabular;
use vetted_core::write::{to_json, to_yaml};

use super::import::parse_format;
use crate::context::Context;

/// Export the register (or an empty spreadsheet template) as JSON, YAML, CSV or XLSX.
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// Output format (default: from --out's extension, else json).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<FileFormat>,
    /// Write to this file (for csv: a directory of sheet files) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Write the spreadsheet template (headers, instructions, an example row) instead of the
    /// register. Only `xlsx` is supported.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub template: Option<FileFormat>,
    /// Export the register as it was recorded at this moment (rebuilt from the audit trail):
    /// `2026-03-01T12:00:00Z`, or a date for the end of that day (UTC).
    #[arg(long, value_name = "TIME", value_parser = super::parse_at, conflicts_with = "template")]
    pub at: Option<time::OffsetDateTime>,
}

pub async fn run(ctx: &Context, o: Opts) -> Result<u8> {
    let (policy, register) = match o.at {
        Some(at) => {
            let (register, policy) = super::load_db_at(ctx, at).await?;
            (policy, Some(register))
        }
        None => (ctx.db_policy().await?.0, None),
    };
    if let Some(t) = o.template {
        if t != FileFormat::Xlsx {
            bail!("only an xlsx template is available (--template xlsx)");
        }
        let bytes = tabular::template_xlsx(&policy)?;
        return write_bytes(o.out.as_ref(), &bytes, "xlsx");
    }
    let format = o
        .format
        .or_else(|| o.out.as_deref().and_then(FileFormat::from_path))
        .unwrap_or(FileFormat::Json);
    let register = match register {
        Some(r) => r,
        None => super::load_db(ctx).await?,
    };
    match format {
        FileFormat::Json => write_bytes(o.out.as_ref(), to_json(&register).as_bytes(), "json"),
        FileFormat::Yaml => write_bytes(o.out.as_ref(), to_yaml(&register).as_bytes(), "yaml"),
        FileFormat::Xlsx => write_bytes(
            o.out.as_ref(),
            &tabular::write_xlsx(&register, &policy)?,
            "xlsx",
        ),
        FileFormat::Csv => {
            let sheets = tabular::write_csv_sheets(&register, &policy);
            if let Some(dir) = &o.out {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                for (sheet, bytes) in &sheets {
                    let file = dir.join(format!("{sheet}.csv"));
                    std::fs::write(&file, bytes)
                        .with_context(|| format!("cannot write {}", file.display()))?;
                }
                eprintln!("Wrote {} sheets to {}", sheets.len(), dir.display());
                return Ok(0);
            }
            let (_, suppliers) = sheets.first().context("no suppliers sheet")?;
            std::io::stdout().lock().write_all(suppliers)?;
            let has_children = |s: &vetted_core::model::Supplier| {
                !(s.locations.is_empty()
                    && s.assurance.is_empty()
                    && s.agreements.is_empty()
                    && s.assessments.is_empty()
                    && s.reviews.is_empty()
                    && s.events.is_empty()
                    && s.risks.is_empty()
                    && s.subprocessors.list.is_empty())
            };
            if register.suppliers.iter().any(has_children) {
                eprintln!(
                    "note: standard output holds the suppliers sheet only; write every sheet with --out DIR"
                );
            }
            Ok(0)
        }
    }
}

fn write_bytes(out: Option<&PathBuf>, bytes: &[u8], kind: &str) -> Result<u8> {
    if let Some(path) = out {
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("Wrote {}", path.display());
        return Ok(0);
    }
    if kind == "xlsx" && std::io::stdout().is_terminal() {
        bail!("an xlsx workbook is binary: give --out FILE.xlsx or redirect standard output");
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()?;
    Ok(0)
}
