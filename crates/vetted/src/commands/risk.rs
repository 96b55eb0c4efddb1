//! `vetted risk list` and `vetted risk show ID`: the risk register of the database, every
//! supplier's risk entries grouped by risk id (`vetted_core::risks`), as the server's `/risks`
//! pages and `GET /api/v1/risks` show it. Edits are made in the browser or through the API.

use std::io::Write as _;

use anyhow::{Result, bail};
use serde::Serialize;
use time::Date;
use vetted_core::date::format_date;
use vetted_core::engine::rule_info;
use vetted_core::model::{RiskStatus, SupplierId, Treatment};
use vetted_core::risks::{Overdue, Risk, RiskFilter, RiskRegister};

use crate::context::{Context, parse_as_of};
use crate::output::{Paint, pad};

/// List the risk register or show one risk.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List the risks (one per risk id, with the suppliers it is linked to).
    List(ListOpts),
    /// Show one risk: its values, suppliers and the rules it answers.
    Show(ShowOpts),
}

/// `--format` of `risk list`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    /// Aligned columns for people.
    Table,
    /// A JSON array.
    Json,
    /// CSV (UTF-8 with a byte-order mark; texts never run as formulas in a spreadsheet).
    Csv,
}

/// `--format` of `risk show`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ListOpts {
    /// Only risks of this status: open, treated, accepted or closed.
    #[arg(long, value_parser = parse_status)]
    pub status: Option<RiskStatus>,
    /// Only risks treated this way: remediate, replace, escalate or accept.
    #[arg(long, value_parser = parse_treatment)]
    pub treatment: Option<Treatment>,
    /// Only risks of this owner (any case).
    #[arg(long)]
    pub owner: Option<String>,
    /// Only risks that need a decision (open past their due date, or an expired acceptance).
    #[arg(long)]
    pub overdue: bool,
    /// Only risks linked to this supplier.
    #[arg(long, value_name = "ID")]
    pub supplier: Option<String>,
    /// The day overdue is judged on (default: today; with `--at`, the date of that moment).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// List the risks as they were recorded at this moment (rebuilt from the audit trail):
    /// an RFC 3339 time or a date (the end of that day, UTC).
    #[arg(long, value_name = "TIME", value_parser = super::parse_at)]
    pub at: Option<time::OffsetDateTime>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(clap::Args, Debug)]
pub struct ShowOpts {
    /// The risk's id, such as R-12.
    pub id: String,
    /// The day overdue is judged on (default: today; with `--at`, the date of that moment).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// Show the risk as it was recorded at this moment (rebuilt from the audit trail), with
    /// the rules of the policy version in force then: an RFC 3339 time or a date (the end of
    /// that day, UTC).
    #[arg(long, value_name = "TIME", value_parser = super::parse_at)]
    pub at: Option<time::OffsetDateTime>,
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

fn parse_status(s: &str) -> Result<RiskStatus, String> {
    RiskStatus::parse(s).ok_or_else(|| format!("expected {}", RiskStatus::expected()))
}

fn parse_treatment(s: &str) -> Result<Treatment, String> {
    Treatment::parse(s).ok_or_else(|| format!("expected {}", Treatment::expected()))
}

/// A risk with why it needs a decision, as `--format json` writes it.
#[derive(Serialize)]
struct Json<'a> {
    #[serde(flatten)]
    risk: &'a Risk,
    #[serde(skip_serializing_if = "Option::is_none")]
    overdue: Option<&'static str>,
}

fn overdue_key(o: Overdue) -> &'static str {
    match o {
        Overdue::PastDue => "past_due",
        Overdue::AcceptanceExpired => "acceptance_expired",
    }
}

pub async fn run(ctx: &Context, c: Command) -> Result<u8> {
    let at = match &c {
        Command::List(o) => o.at,
        Command::Show(o) => o.at,
    };
    // With `--at`, the register and the policy as recorded then.
    let (register, policy) = match at {
        Some(at) => {
            let (register, policy) = super::load_db_at(ctx, at).await?;
            (register, Some(policy))
        }
        None => (super::load_db(ctx).await?, None),
    };
    let risks = RiskRegister::of(&register.suppliers);
    for warning in risks.warnings() {
        eprintln!("warning: {warning}");
    }
    match c {
        Command::List(o) => list(ctx, &risks, &o),
        Command::Show(o) => show(ctx, &risks, policy, &o).await,
    }
}

/// The day overdue is judged on: `--as-of`, else the date of `--at`, else today.
fn as_of(ctx: &Context, as_of: Option<Date>, at: Option<time::OffsetDateTime>) -> Date {
    as_of
        .or(at.map(time::OffsetDateTime::date))
        .unwrap_or(ctx.today)
}

fn list(ctx: &Context, register: &RiskRegister, o: &ListOpts) -> Result<u8> {
    let as_of = as_of(ctx, o.as_of, o.at);
    let supplier = match &o.supplier {
        Some(s) => Some(
            SupplierId::parse(s)
                .map_err(|why| anyhow::anyhow!("--supplier: a supplier id {why}"))?,
        ),
        None => None,
    };
    let filter = RiskFilter {
        status: o.status,
        treatment: o.treatment,
        owner: o.owner.clone(),
        overdue: o.overdue.then_some(true),
        supplier,
    };
    let risks: Vec<&Risk> = register
        .risks()
        .iter()
        .filter(|r| filter.matches(r, as_of))
        .collect();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match o.format {
        ListFormat::Json => {
            let rows: Vec<Json<'_>> = risks
                .iter()
                .map(|r| Json {
                    risk: r,
                    overdue: r.overdue(as_of).map(overdue_key),
                })
                .collect();
            serde_json::to_writer_pretty(&mut stdout, &rows)?;
            writeln!(stdout)?;
        }
        ListFormat::Csv => {
            let table = vetted_app::risks::risk_table(&risks, as_of);
            stdout.write_all(&vetted_app::tabular::table_csv(&table))?;
        }
        ListFormat::Table => {
            let paint = Paint::new(ctx.global.color);
            if risks.is_empty() {
                writeln!(stdout, "no risk matches")?;
                return Ok(0);
            }
            let id_w = risks
                .iter()
                .map(|r| r.id().chars().count())
                .max()
                .unwrap_or(2)
                .max(2);
            writeln!(
                stdout,
                "{}",
                paint.dim(&format!(
                    "{}  {}  {}  {}  {}  {}",
                    pad("ID", id_w),
                    pad("STATUS", 8),
                    pad("TREATMENT", 9),
                    pad("DUE", 10),
                    pad("SUPPLIERS", 24),
                    "TITLE"
                ))
            )?;
            for r in &risks {
                let e = &r.entry;
                let suppliers: Vec<&str> = r.suppliers.iter().map(|l| l.id.as_str()).collect();
                let due = e.due.map(format_date).unwrap_or_default();
                let due = match r.overdue(as_of) {
                    Some(_) => paint.severity(vetted_core::report::Severity::Fail, &pad(&due, 10)),
                    None => pad(&due, 10),
                };
                writeln!(
                    stdout,
                    "{}  {}  {}  {}  {}  {}{}",
                    pad(r.id(), id_w),
                    pad(e.status.map_or("", RiskStatus::as_str), 8),
                    pad(e.treatment.map_or("", Treatment::as_str), 9),
                    due,
                    pad(&suppliers.join(","), 24),
                    e.title.as_deref().unwrap_or_default(),
                    match r.overdue(as_of) {
                        Some(o) => format!("  ({})", o.as_str()),
                        None => String::new(),
                    }
                )?;
            }
        }
    }
    stdout.flush()?;
    Ok(0)
}

async fn show(
    ctx: &Context,
    register: &RiskRegister,
    policy: Option<vetted_core::policy::Policy>,
    o: &ShowOpts,
) -> Result<u8> {
    let as_of = as_of(ctx, o.as_of, o.at);
    let Some(r) = register.get(&o.id) else {
        match o.at {
            Some(at) => bail!(
                "no risk `{}` in the register as recorded at {}",
                o.id,
                at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            ),
            None => bail!("no risk `{}` in the register", o.id),
        }
    };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    if o.format == ShowFormat::Json {
        serde_json::to_writer_pretty(
            &mut stdout,
            &Json {
                risk: r,
                overdue: r.overdue(as_of).map(overdue_key),
            },
        )?;
        writeln!(stdout)?;
        stdout.flush()?;
        return Ok(0);
    }
    let policy = match policy {
        Some(policy) => policy,
        None => ctx.db_policy().await?.0,
    };
    let e = &r.entry;
    let paint = Paint::new(ctx.global.color);
    let line = |label: &str, value: Option<String>| {
        format!(
            "{}  {}",
            pad(label, 14),
            value.unwrap_or_else(|| "-".into())
        )
    };
    writeln!(
        stdout,
        "{}",
        paint.bold(&format!(
            "{} {}",
            r.id(),
            e.title.as_deref().unwrap_or_default()
        ))
    )?;
    let status = e.status.map(|s| s.as_str().to_string());
    let status = match r.overdue(as_of) {
        Some(o) => status.map(|s| format!("{s} ({} on {})", o.as_str(), format_date(as_of))),
        None => status,
    };
    for text in [
        line("status", status),
        line("treatment", e.treatment.map(|t| t.as_str().to_string())),
        line("owner", e.owner.clone()),
        line("opened", e.opened.map(format_date)),
        line("due", e.due.map(format_date)),
        line("accepted by", e.accepted_by.clone()),
        line("accepted until", e.accepted_until.map(format_date)),
        line("description", e.description.clone()),
    ] {
        writeln!(stdout, "{text}")?;
    }
    writeln!(stdout, "suppliers")?;
    for l in &r.suppliers {
        writeln!(
            stdout,
            "  {}  {}",
            l.id,
            l.name.as_deref().unwrap_or_default()
        )?;
    }
    writeln!(stdout, "rules")?;
    if e.rules.is_empty() {
        writeln!(stdout, "  -")?;
    }
    for id in &e.rules {
        match rule_info(&policy, id) {
            Some((rule, text)) => {
                writeln!(stdout, "  {id}  [{}]  {text}", rule.controls.join(", "))?;
            }
            None => writeln!(stdout, "  {id}  (not a rule of the policy in force)")?,
        }
    }
    if !r.differing.is_empty() {
        writeln!(
            stdout,
            "{}",
            paint.severity(
                vetted_core::report::Severity::Warn,
                &format!(
                    "its copies differ in {}: the first supplier's copy is shown",
                    r.differing.join(", ")
                )
            )
        )?;
    }
    stdout.flush()?;
    Ok(0)
}
