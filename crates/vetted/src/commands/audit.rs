//! `vetted audit`: the audit trail of the database. `verify` checks the whole chain (exit 0
//! intact, 1 broken), `head` prints what an auditor keeps, `log` shows entries, `export` writes
//! them as JSON lines.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use vetted_core::audit::{AuditEntry, ChainHead, Verification};
use vetted_store::AuditQuery;

use super::OutputFormat;
use crate::context::Context;

/// Read and check the audit trail.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Verify the whole trail with the audit key: exit 0 if intact, 1 if broken (naming the
    /// first broken entry and why).
    Verify(VerifyOpts),
    /// Print the trail's head as SEQ:MAC: keep it, and pass it to `verify --head` later to
    /// detect entries cut from the end.
    Head,
    /// Show entries, oldest first.
    Log(LogOpts),
    /// Write every sealed entry as JSON lines (one entry per line).
    Export(ExportOpts),
}

#[derive(clap::Args, Debug)]
pub struct VerifyOpts {
    /// A head exported earlier (`vetted audit head`): the trail must still reach it.
    #[arg(long, value_name = "SEQ:MAC", value_parser = parse_head)]
    head: Option<ChainHead>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

#[derive(clap::Args, Debug)]
pub struct LogOpts {
    /// Only the entries about this supplier.
    #[arg(long, value_name = "ID")]
    supplier: Option<String>,
    /// Output format: text, or json (an array of sealed entries).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

#[derive(clap::Args, Debug)]
pub struct ExportOpts {
    /// The file to write; standard output when absent.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Parses `SEQ:MAC`.
pub fn parse_head(s: &str) -> Result<ChainHead, String> {
    let (seq, mac) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}` is not a head: expected SEQ:MAC"))?;
    Ok(ChainHead {
        seq: seq
            .parse()
            .map_err(|_| format!("`{seq}` is not a sequence number"))?,
        mac: mac
            .parse()
            .map_err(|e| format!("`{mac}` is not a MAC: {e}"))?,
    })
}

pub async fn run(ctx: &Context, command: Command) -> Result<u8> {
    let store = ctx.store().await?;
    match command {
        Command::Verify(o) => {
            let path = ctx.audit_key_path()?;
            let key = vetted_store::keyfile::load(&path)?;
            let verification = store.verify_audit(&key, o.head).await;
            store.close().await;
            verify_output(&verification?, o.format)
        }
        Command::Head => {
            let head = store.audit_head().await;
            store.close().await;
            match head? {
                Some(head) => println!("{}:{}", head.seq, head.mac),
                None => eprintln!("the audit trail is empty"),
            }
            Ok(0)
        }
        Command::Log(o) => {
            let entries = store
                .audit_entries(&AuditQuery {
                    subject: o.supplier,
                    ..AuditQuery::default()
                })
                .await;
            store.close().await;
            log_output(&entries?, o.format)
        }
        Command::Export(o) => {
            let entries = store.audit_entries(&AuditQuery::default()).await;
            store.close().await;
            export(&entries?, o.out)
        }
    }
}

fn verify_output(verification: &Verification, format: OutputFormat) -> Result<u8> {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(verification)?),
        OutputFormat::Text => match verification {
            Verification::Ok { entries, head } => match head {
                Some(head) => println!(
                    "audit trail intact: {entries} entries, head {}:{}",
                    head.seq, head.mac
                ),
                None => println!("audit trail intact: no entries yet"),
            },
            Verification::Broken { message, .. } => println!("audit trail BROKEN: {message}"),
        },
    }
    // Exit 1: the trail is broken.
    Ok(u8::from(!verification.is_ok()))
}

fn log_output(entries: &[AuditEntry], format: OutputFormat) -> Result<u8> {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(entries)?),
        OutputFormat::Text => {
            for e in entries {
                let at =
                    e.at.format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                println!(
                    "{:>6}  {at}  {:<16}  {}  by {}",
                    e.seq,
                    e.action,
                    e.subject.as_deref().unwrap_or("-"),
                    e.actor
                );
            }
        }
    }
    Ok(0)
}

fn export(entries: &[AuditEntry], out: Option<PathBuf>) -> Result<u8> {
    let (mut writer, name): (Box<dyn Write>, String) = match &out {
        Some(path) => (
            Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            ),
            path.display().to_string(),
        ),
        None => (Box::new(std::io::stdout().lock()), "standard output".into()),
    };
    let mut writer = BufWriter::new(&mut writer);
    for entry in entries {
        serde_json::to_writer(&mut writer, entry)?;
        writer.write_all(b"\n")?;
    }
    writer
        .flush()
        .with_context(|| format!("cannot write to {name}"))?;
    if let Some(path) = out {
        eprintln!(
            "exported {} audit entries to {}",
            entries.len(),
            path.display()
        );
    }
    Ok(0)
}
