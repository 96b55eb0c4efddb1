//! `vetted import FILE`: upsert a register file into the database, all or nothing.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use vetted_app::files::FileFormat;

use vetted_core::audit::Actor;
use vetted_store::Change;

use crate::context::Context;

/// Import a register (JSON, YAML, XLSX, or CSV sheets) into the database.
///
/// Suppliers are upserted by id. All or nothing: when any record is bad, nothing is written and
/// every problem is listed with its file and place (exit 2).
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// The register file: .json, .yaml/.yml, .xlsx, .csv (a suppliers.csv with sibling sheet
    /// files), or a directory of CSV sheets.
    pub file: PathBuf,
    /// The file's format, when its name does not tell.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<FileFormat>,
    /// Validate only: report what would change, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn parse_format(s: &str) -> Result<FileFormat, String> {
    FileFormat::parse(s).ok_or_else(|| "expected json, yaml, csv or xlsx".into())
}

pub async fn run(ctx: &Context, o: Opts) -> Result<u8> {
    let (policy, _, _) = ctx.db_policy().await?;
    let show_progress = std::io::stderr().is_terminal();
    let spinner = show_progress.then(|| {
        let pb = ProgressBar::new_spinner().with_message(format!("reading {}", o.file.display()));
        pb.enable_steady_tick(Duration::from_millis(100));
        pb
    });
    let loaded = super::load_file(&o.file, o.format, &policy);
    if let Some(pb) = spinner {
        pb.finish_and_clear();
    }
    let register = loaded?;
    let n = register.suppliers.len();
    let store = if o.dry_run {
        ctx.store().await?
    } else {
        ctx.writable_store().await?
    };
    if o.dry_run {
        let existing = store.list_suppliers().await;
        store.close().await;
        let existing = existing?;
        let (mut created, mut updated, mut unchanged) = (0, 0, 0);
        for s in &register.suppliers {
            match existing.iter().find(|e| e.supplier.id == s.id) {
                None => created += 1,
                Some(e) if e.supplier == *s => unchanged += 1,
                Some(_) => updated += 1,
            }
        }
        println!(
            "{}: {n} suppliers valid; would create {created}, update {updated}, leave {unchanged} unchanged (dry run: nothing written)",
            o.file.display()
        );
        return Ok(0);
    }
    let bar = (show_progress && n >= 1000).then(|| {
        let pb = ProgressBar::new(n as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} suppliers ({eta})")
        {
            pb.set_style(style);
        }
        pb.set_message("importing");
        pb
    });
    let progress = |done: usize| {
        if let Some(pb) = &bar {
            pb.set_position(done as u64);
        }
    };
    let change = Change::now(Actor::System);
    let summary = store.upsert_register(&register, &change, &progress).await;
    // Closing checkpoints the write-ahead log, so the next open need not replay it.
    store.close().await;
    let summary = summary?;
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    println!(
        "Imported {n} suppliers from {} into {}: {} created, {} updated, {} unchanged",
        o.file.display(),
        ctx.db_location()?,
        summary.created,
        summary.updated,
        summary.unchanged
    );
    Ok(0)
}
