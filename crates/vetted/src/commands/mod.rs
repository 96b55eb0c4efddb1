//! One module per subcommand, each with its `Opts` (clap) and `run`.

pub mod audit;
pub mod backup;
pub mod check;
pub mod default_config;
pub mod due;
pub mod export;
pub mod generate;
pub mod import;
pub mod notify;
pub mod policy;
pub mod risk;
pub mod serve;
pub mod subprocessors;
pub mod supplier;
pub mod token;
pub mod user;

use std::path::Path;

use anyhow::Result;
use vetted_app::files::{FileFormat, LoadError, load_register};
use vetted_core::model::Register;
use vetted_core::policy::Policy;

use crate::context::{Context, Reported};

/// Loads a register file, or reports every problem in it (exit 2).
pub fn load_file(path: &Path, format: Option<FileFormat>, policy: &Policy) -> Result<Register> {
    load_register(path, format, policy).map_err(|e| match e {
        LoadError::Problems(problems) => {
            let n = problems.len();
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            anyhow::Error::new(Reported(format!(
                "{n} problem{} in the input; nothing was changed:\n  {}",
                if n == 1 { "" } else { "s" },
                lines.join("\n  ")
            )))
        }
        other => anyhow::Error::new(other),
    })
}

/// The register held in the database, in register order.
pub async fn load_db(ctx: &Context) -> Result<Register> {
    let store = ctx.store().await?;
    let register = store.register().await;
    store.close().await;
    let register = register?;
    if register.suppliers.is_empty() {
        eprintln!(
            "note: the register in {} is empty: add suppliers with `vetted import FILE` (try examples/register.json)",
            ctx.db_location()?
        );
    }
    Ok(register)
}

/// The configuration of a command configured like `serve` (`vetted.toml` < `VETTED_*` <
/// flags): `--db`, `--policy` and `--audit-key` (which clap has already filled from the
/// environment, keeping that order) are flags over `flags`; warnings are printed.
pub fn load_config(
    ctx: &Context,
    file: Option<std::path::PathBuf>,
    flags: crate::config::Layer,
) -> Result<crate::config::Loaded> {
    let flags = crate::config::Layer {
        db: ctx.global.db.clone(),
        policy: ctx.global.policy.clone(),
        audit_key_file: ctx.global.audit_key.clone(),
        ..flags
    };
    let loaded = crate::config::load(&crate::config::Sources::from_process(file), flags)?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(loaded)
}

/// `--format text|json`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}
