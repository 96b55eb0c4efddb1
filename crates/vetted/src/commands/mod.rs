//! One module per subcommand, each with its `Opts` (clap) and `run`.

pub mod audit;
pub mod backup;
pub mod check;
pub mod default_config;
pub mod due;
pub mod evidence_pack;
pub mod export;
pub mod generate;
pub mod import;
pub mod notify;
pub mod policy;
pub mod report;
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

/// The register and the policy as recorded at `at` (rebuilt from the audit trail): the policy
/// version in force then, else the policy the command would use without a stored version
/// (`--policy` or the built-in one: the trail records only stored versions). Prints on stderr
/// what the answer rests on.
pub async fn load_db_at(
    ctx: &Context,
    at: time::OffsetDateTime,
) -> Result<(Register, vetted_core::policy::Policy)> {
    let store = ctx.store().await?;
    let past =
        vetted_app::history::register_at(store.as_ref(), at, time::OffsetDateTime::now_utc()).await;
    store.close().await;
    let mut past = past.map_err(|e| crate::context::Reported(e.to_string()))?;
    let at_text = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let policy = if let Some((number, policy)) = past.policy.take() {
        eprintln!(
            "note: the register as recorded at {at_text} ({} entries of the audit trail, up to #{}), under policy version {number}",
            past.entries, past.last_seq
        );
        policy
    } else {
        eprintln!(
            "note: the register as recorded at {at_text} ({} entries of the audit trail, up to #{}); no policy version was stored then, so the configured or built-in policy applies",
            past.entries, past.last_seq
        );
        ctx.policy()?.0
    };
    Ok((past.into_register(), policy))
}

/// The register and the policy as recorded at `at` ([`load_db_at`]), or without it the
/// register held now under the policy in force ([`Context::db_policy`]).
pub async fn load_db_or_at(
    ctx: &Context,
    at: Option<time::OffsetDateTime>,
) -> Result<(Register, Policy)> {
    if let Some(at) = at {
        return load_db_at(ctx, at).await;
    }
    let (policy, _, _) = ctx.db_policy().await?;
    Ok((load_db(ctx).await?, policy))
}

pub use vetted_app::history::SupplierThen;

/// The supplier `id` as recorded at `at`, folded from its own entries of the audit trail
/// ([`vetted_core::history::RegisterAt`], as the whole register is).
///
/// # Errors
/// A future moment, the store's, or a trail that does not read.
pub async fn supplier_at(
    ctx: &Context,
    id: &vetted_core::model::SupplierId,
    at: time::OffsetDateTime,
) -> Result<SupplierThen> {
    let store = ctx.store().await?;
    let then =
        vetted_app::history::supplier_at(store.as_ref(), id, at, time::OffsetDateTime::now_utc())
            .await;
    store.close().await;
    Ok(then.map_err(|e| Reported(e.to_string()))?)
}

/// `--at`: an RFC 3339 time, or a date (the end of that day, UTC).
pub fn parse_at(s: &str) -> std::result::Result<time::OffsetDateTime, String> {
    vetted_core::history::parse_at(s).ok_or_else(|| {
        format!("`{s}` is not a time: expected 2026-03-01T12:00:00Z, or a date (the end of that day, UTC)")
    })
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

/// Writes `bytes` to `path` through a temporary file beside it, synced and renamed over it at
/// the end, so a reader (a web server serving the folder, an auditor's tool) never sees half a
/// file. The file is readable by its owner only, as the temporary file was made.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
