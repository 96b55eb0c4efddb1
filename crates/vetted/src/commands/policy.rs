//! `vetted policy show`, `vetted policy check FILE`, and the policy versions stored in the
//! database: `vetted policy upload FILE` (validated, stored as the next version with its audit
//! entry by the system actor, as `PUT /api/v1/policy` stores it; a running server puts it in
//! force within its poll interval) and `vetted policy history`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use vetted_core::audit::Actor;
use vetted_store::Change;

use crate::context::{Context, load_policy_text};

/// Show, validate, upload or list the versions of the supplier policy.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print the active policy (the built-in default, or --policy FILE) as TOML.
    Show,
    /// Validate a policy file; problems are reported with line and column (exit 2).
    Check {
        /// The policy file (TOML).
        file: PathBuf,
    },
    /// Validate a policy file and store it in the database as the next policy version, in
    /// force at once for `vetted serve` (servers already running pick it up within seconds).
    /// Problems are reported with line and column (exit 2), and nothing is stored.
    Upload {
        /// The policy file (TOML).
        file: PathBuf,
    },
    /// List the policy versions stored in the database, oldest first: number, upload time,
    /// uploader (by id) and fingerprint.
    History,
}

pub async fn run(ctx: &Context, c: Command) -> Result<u8> {
    match c {
        Command::Upload { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read the policy file {}", file.display()))?;
            let p = load_policy_text(&text, &file)?;
            let store = ctx.writable_store().await?;
            let version = store
                .add_policy_version(&text, &Change::now(Actor::System))
                .await;
            store.close().await;
            let version = version.context("cannot store the policy version")?;
            println!(
                "stored policy {} v{} as version {} (fingerprint {})",
                p.name, p.version, version.number, version.fingerprint
            );
            Ok(0)
        }
        Command::History => {
            let store = ctx.store().await?;
            let versions = store.policy_versions().await;
            store.close().await;
            let versions = versions.context("cannot read the policy versions")?;
            if versions.is_empty() {
                println!(
                    "no policy version is stored: `vetted serve` uses --policy FILE or the built-in policy"
                );
            }
            for v in versions {
                let at = v
                    .uploaded_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .context("cannot format an upload time")?;
                println!("{}\t{at}\t{}\t{}", v.number, v.uploaded_by, v.fingerprint);
            }
            Ok(0)
        }
        Command::Show => {
            let (_, text, _) = ctx.db_policy().await?;
            print!("{text}");
            Ok(0)
        }
        Command::Check { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read the policy file {}", file.display()))?;
            let p = load_policy_text(&text, &file)?;
            println!(
                "{}: valid policy {} v{} (owner {}, last reviewed {}), {} clauses",
                file.display(),
                p.name,
                p.version,
                p.owner,
                vetted_core::date::format_date(p.last_review),
                p.clauses.len()
            );
            Ok(0)
        }
    }
}
