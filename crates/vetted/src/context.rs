//! What every command shares: global options (database, policy, colour), today's date, and the
//! loading of the active policy and the store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use time::Date;
use vetted_core::audit::AuditKey;
use vetted_core::policy::{DEFAULT_POLICY_TOML, Policy};
use vetted_store::{DatabaseUrl, Store};

use crate::output::ColorChoice;

/// Options every command takes.
#[derive(clap::Args, Debug)]
pub struct Global {
    /// The database: a SQLite file path, created on first use, or a `postgres://` URL. Default:
    /// vetted/vetted.db under the XDG data directory (`$XDG_DATA_HOME`, else `~/.local/share`).
    #[arg(long, global = true, env = "VETTED_DB", value_name = "PATH")]
    pub db: Option<String>,
    /// A policy file (TOML) to check against instead of the policy in force (the newest version
    /// stored in the database, else the built-in default); never stored. `serve` uses it only
    /// while the database stores no version.
    #[arg(long, global = true, env = "VETTED_POLICY", value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The audit key file, created on first use (32 random bytes as hex, mode 0600). Default:
    /// beside a SQLite database as `<db file>.audit-key`; for PostgreSQL vetted/audit.key under
    /// the XDG data directory. Servers sharing a PostgreSQL database need the same file.
    #[arg(
        long,
        global = true,
        env = "VETTED_AUDIT_KEY_FILE",
        value_name = "FILE"
    )]
    pub audit_key: Option<PathBuf>,
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// The per-invocation context.
pub struct Context {
    pub global: Global,
    pub today: Date,
}

/// An error that has already been reported as a list of problems: exit 2 without more noise.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Reported(pub String);

impl Context {
    pub fn new(global: Global, today: Date) -> Context {
        Context { global, today }
    }

    /// The active policy and its TOML text: `--policy FILE` or the built-in default.
    pub fn policy(&self) -> Result<(Policy, String, String)> {
        match &self.global.policy {
            None => Ok((
                Policy::default(),
                DEFAULT_POLICY_TOML.to_string(),
                "built-in default policy".into(),
            )),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the policy file {}", path.display()))?;
                let policy = load_policy_text(&text, path)?;
                Ok((policy, text, path.display().to_string()))
            }
        }
    }

    /// The policy in force for commands on the database: `--policy FILE` when given (a what-if
    /// check against another policy), else the newest version stored in the database (`vetted
    /// policy upload`, `PUT /api/v1/policy`: what `serve` enforces), else the built-in default.
    pub async fn db_policy(&self) -> Result<(Policy, String, String)> {
        if self.global.policy.is_some() {
            return self.policy();
        }
        let store = self.store().await?;
        let latest = store.latest_policy().await;
        store.close().await;
        match latest.context("cannot read the stored policy")? {
            Some(version) => {
                let source = format!("stored policy version {}", version.number);
                let policy = load_policy_text(&version.toml, Path::new(&source))?;
                Ok((policy, version.toml, source))
            }
            None => self.policy(),
        }
    }

    /// The database path or URL in effect.
    pub fn db_location(&self) -> Result<String> {
        if let Some(db) = &self.global.db {
            return Ok(db.clone());
        }
        default_db_path().map(|p| p.display().to_string())
    }

    /// The audit key file in effect: `--audit-key`, else the default for the database.
    pub fn audit_key_path(&self) -> Result<PathBuf> {
        if let Some(path) = &self.global.audit_key {
            return Ok(path.clone());
        }
        let db = DatabaseUrl::new(self.db_location()?);
        // A SQLite file's key sits beside it; only PostgreSQL's needs the data folder.
        let data_dir = default_db_path()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf));
        let data_dir = match data_dir {
            Some(dir) => dir,
            None if !db.expose().contains("://") => PathBuf::new(),
            None => anyhow::bail!(
                "no default place for the audit key file (neither XDG_DATA_HOME nor HOME is \
                 set): give it with --audit-key FILE"
            ),
        };
        Ok(vetted_store::keyfile::default_path(&db, &data_dir)?)
    }

    /// The audit key, from its file (created on first use).
    pub fn audit_key(&self) -> Result<AuditKey> {
        let path = self.audit_key_path()?;
        Ok(vetted_store::keyfile::load_or_create(&path)?)
    }

    /// Opens (and creates on first use) the store with the audit key, for commands that write.
    pub async fn writable_store(&self) -> Result<Arc<dyn Store>> {
        let location = self.db_location()?;
        let key = self.audit_key()?;
        vetted_store::open_with_audit_key(&DatabaseUrl::new(location.as_str()), key)
            .await
            .with_context(|| format!("cannot open the database {location}"))
    }

    /// Opens (and creates on first use) the store, for commands that only read.
    pub async fn store(&self) -> Result<Arc<dyn Store>> {
        let location = self.db_location()?;
        vetted_store::open(&location)
            .await
            .with_context(|| format!("cannot open the database {location}"))
    }
}

/// Parses a policy, turning problems into one error that lists them with file, line and column.
pub fn load_policy_text(text: &str, path: &Path) -> Result<Policy> {
    Policy::from_toml(text).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| match (p.line, p.column) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}: {}", path.display(), problem_text(p)),
                _ => format!("{}: {}", path.display(), problem_text(p)),
            })
            .collect();
        anyhow::Error::new(Reported(format!(
            "invalid policy:\n  {}",
            lines.join("\n  ")
        )))
    })
}

fn problem_text(p: &vetted_core::policy::PolicyProblem) -> String {
    match &p.path {
        Some(path) => format!("{path}: {}", p.message),
        None => p.message.clone(),
    }
}

/// `$XDG_DATA_HOME/vetted/vetted.db`, else `~/.local/share/vetted/vetted.db`.
pub fn default_db_path() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("vetted").join("vetted.db"));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty()).context(
        "neither --db, VETTED_DB, XDG_DATA_HOME nor HOME is set: give the database with --db PATH",
    )?;
    Ok(PathBuf::from(home).join(".local/share/vetted/vetted.db"))
}

/// Today's date in the machine's local time zone (`TZ` configures it), falling back to UTC.
pub fn local_today() -> Date {
    time::OffsetDateTime::now_local()
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .date()
}

/// Parses `--as-of`.
pub fn parse_as_of(s: &str) -> Result<Date, String> {
    vetted_core::date::parse_date(s)
        .ok_or_else(|| format!("`{s}` is not a date: expected YYYY-MM-DD"))
}
