//! `vetted backup FILE` and `vetted restore FILE [--force]`: a consistent online copy of the
//! database (while `serve` runs), and restoring one into an empty database, all or nothing.
//! Formats: see `vetted_store::backup` (a SQLite file for SQLite, JSON lines for PostgreSQL;
//! each restores into its own backend). The audit key is not in the backup: keep it apart, and
//! restore with the same key (`--audit-key`), or the restore is refused.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use vetted_store::BackupSummary;

use crate::context::Context;

/// Write a consistent copy of the database to FILE (servers may keep running).
#[derive(clap::Args, Debug)]
pub struct BackupOpts {
    /// The backup file to create; it must not exist.
    file: PathBuf,
}

/// Restore a backup made by `vetted backup` into an empty database, all or nothing.
#[derive(clap::Args, Debug)]
pub struct RestoreOpts {
    /// The backup file.
    file: PathBuf,
    /// Replace whatever the database holds (suppliers, audit trail, users, policies).
    #[arg(long)]
    force: bool,
}

fn summary(s: &BackupSummary) -> String {
    s.rows
        .iter()
        .map(|(table, n)| format!("{table} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn backup(ctx: &Context, o: BackupOpts) -> Result<u8> {
    let store = ctx.store().await?;
    let done = store.backup(&o.file).await;
    store.close().await;
    let done = done.with_context(|| format!("cannot back up to {}", o.file.display()))?;
    println!("backed up to {}: {}", o.file.display(), summary(&done));
    Ok(0)
}

pub async fn restore(ctx: &Context, o: RestoreOpts) -> Result<u8> {
    let store = ctx.writable_store().await?;
    let done = store.restore(&o.file, o.force).await;
    store.close().await;
    let done = done.with_context(|| format!("cannot restore {}", o.file.display()))?;
    println!("restored {}: {}", o.file.display(), summary(&done));
    Ok(0)
}
