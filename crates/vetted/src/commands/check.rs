//! `vetted check`: evaluate every supplier against the policy on a date.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Result, bail};
use time::Date;
use vetted_core::model::{Supplier, Verdict};

use super::OutputFormat;
use crate::context::{Context, parse_as_of};
use crate::output::{Paint, check_text};

/// Evaluate the register against the policy: what holds, what fails, why, and what to do.
///
/// Exit status: 0 when no supplier has a `fail` finding, 1 when one has, 2 when the input or
/// the policy is invalid.
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// Check a register file (JSON, YAML, XLSX, CSV) instead of the database.
    #[arg(long, value_name = "FILE")]
    pub register: Option<PathBuf>,
    /// The date to evaluate on (default: today; with `--at`, the date of that moment).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// Check the register as it was recorded at this moment (rebuilt from the audit trail),
    /// under the policy version in force then: `2026-03-01T12:00:00Z`, or a date for the end
    /// of that day (UTC).
    #[arg(long, value_name = "TIME", value_parser = super::parse_at, conflicts_with = "register")]
    pub at: Option<time::OffsetDateTime>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Only these suppliers (repeatable).
    #[arg(long = "supplier", value_name = "ID")]
    pub suppliers: Vec<String>,
    /// Only suppliers with these verdicts (repeatable).
    #[arg(long = "verdict", value_name = "VERDICT", value_parser = parse_verdict)]
    pub verdicts: Vec<Verdict>,
}

pub fn parse_verdict(s: &str) -> Result<Verdict, String> {
    Verdict::parse(s).ok_or_else(|| format!("expected {}", Verdict::expected()))
}

pub async fn run(ctx: &Context, o: Opts) -> Result<u8> {
    // A register file is checked against `--policy` or the default; the database against the
    // policy in force there.
    let (register, policy) = match (&o.register, o.at) {
        (Some(path), _) => {
            let (policy, _, _) = ctx.policy()?;
            (super::load_file(path, None, &policy)?, policy)
        }
        (None, Some(at)) => super::load_db_at(ctx, at).await?,
        (None, None) => {
            let (policy, _, _) = ctx.db_policy().await?;
            (super::load_db(ctx).await?, policy)
        }
    };
    for id in &o.suppliers {
        if !register.suppliers.iter().any(|s| s.id.as_str() == id) {
            bail!("no supplier `{id}` in the register");
        }
    }
    let selected: Vec<&Supplier> = register
        .suppliers
        .iter()
        .filter(|s| o.suppliers.is_empty() || o.suppliers.iter().any(|id| id == s.id.as_str()))
        .collect();
    // Risks linked to several suppliers whose copies differ: each supplier is checked with its
    // own copy, so this is a warning on stderr, never part of the report or the exit status.
    for warning in vetted_core::risks::RiskRegister::of(&register.suppliers).warnings() {
        eprintln!("warning: {warning}");
    }
    let as_of = o
        .as_of
        .or(o.at.map(time::OffsetDateTime::date))
        .unwrap_or(ctx.today);
    let mut report = vetted_app::evaluate::check_parallel(&selected, &policy, as_of);
    if !o.verdicts.is_empty() {
        report.suppliers.retain(|s| o.verdicts.contains(&s.verdict));
        report.summary = vetted_core::report::Summary::default();
        for s in &report.suppliers {
            report.summary.add(s.verdict);
        }
    }
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match o.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, &report)?;
            writeln!(stdout)?;
        }
        OutputFormat::Text => {
            stdout.write_all(check_text(&report, Paint::new(ctx.global.color)).as_bytes())?;
        }
    }
    stdout.flush()?;
    let code = report.exit_code() as u8;
    // The process ends here: handing a large register back to the allocator one supplier at a
    // time costs more than the rest of the exit, and the operating system reclaims it anyway.
    std::mem::forget(register);
    std::mem::forget(report);
    Ok(code)
}
