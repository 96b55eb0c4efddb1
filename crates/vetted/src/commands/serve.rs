//! `vetted serve`: the HTTP server (crates/vetted-web) on the register, configured by
//! [`crate::config`] (defaults < `vetted.toml` < `VETTED_*` < flags).
//!
//! Prints `listening on http://ADDR` on standard output once the socket is bound (with the
//! actual port when port 0 was asked for), logs to standard error, and stops gracefully on
//! Ctrl-C or SIGTERM.
//!
//! The policy in force: the newest version stored in the database (`PUT /api/v1/policy`,
//! `vetted policy upload`) when there is one, else `--policy FILE`, else the built-in policy.
//! A `--policy` file given while the database holds versions is ignored with a warning (it does
//! not seed a version: uploading is an audited act of an admin, not a side effect of a flag). A
//! background task ([`vetted_web::current::Refresher`]) checks every `policy_poll_seconds` for a
//! version uploaded through another server and refreshes stored evaluations at start and when
//! the date changes.
//!
//! Reminders ([`vetted_web::reminders::Scheduler`]): every minute the server sends what is due
//! (new digests, retries), and once a day after `[reminders] send_hour` (UTC) it runs the
//! day's reminders, unless `[reminders] enabled = false` (then run `vetted notify` from cron).
//!
//! `--demo` serves a throwaway database instead of the configured one: a new temporary folder
//! (removed when the server stops; after a crash or `kill -9` it stays in the system's
//! temporary directory) holding the database and its audit key, seeded with the example
//! register (`examples/register.json`, built into the binary) by the system actor, and a demo
//! admin whose generated password is printed once on standard output (never logged).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use tracing_subscriber::EnvFilter;
use vetted_app::accounts::AccountSettings;
use vetted_app::notify::Notifier;
use vetted_web::current::Refresher;
use vetted_web::metrics::MetricsToken;
use vetted_web::reminders::Scheduler;
use vetted_web::{AppState, Server, WebConfig};

use crate::config::{self, Layer, LogFormat};
use crate::context::{Context, Global};

/// Serve the register over HTTP until Ctrl-C or SIGTERM.
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// A configuration file. Default: vetted.toml in the working directory, if there is one.
    #[arg(long, env = "VETTED_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The address to listen on (env: `VETTED_LISTEN`; default 127.0.0.1:8080). Port 0 picks a
    /// free port.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// How logs are written to standard error (env: `VETTED_LOG_FORMAT`; default text).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Serve a throwaway demo: a fresh database in a temporary folder (deleted on stop) holding
    /// the example register, and a demo admin whose password is printed once. The configured
    /// database is not opened.
    #[arg(long)]
    pub demo: bool,
}

/// The demo admin's e-mail address.
pub const DEMO_ADMIN: &str = "admin@demo.example";

/// The example register, built into the binary for `--demo`.
const EXAMPLE_REGISTER: &str = include_str!("../../../../examples/register.json");

pub async fn run(ctx: &Context, opts: Opts) -> Result<u8> {
    let flags = Layer {
        listen: opts.listen,
        log_format: opts.log_format,
        ..Layer::default()
    };
    let loaded = super::load_config(ctx, opts.config, flags)?;
    let config = loaded.config;
    init_logging(config.log_format);

    // `--demo`: a throwaway folder for the database and its key, removed when this returns.
    let demo_dir = if opts.demo {
        if config.db.is_some() {
            tracing::warn!("--demo serves a throwaway database: the configured one is not opened");
        }
        Some(
            tempfile::Builder::new()
                .prefix("vetted-demo-")
                .tempdir()
                .context("cannot create a temporary folder for the demo database")?,
        )
    } else {
        None
    };
    // The configured database and policy, through the same loading as every other command.
    let effective = Context::new(
        Global {
            db: match &demo_dir {
                Some(dir) => Some(dir.path().join("vetted.db").display().to_string()),
                None => config.db.clone(),
            },
            policy: config.policy.clone(),
            audit_key: match &demo_dir {
                Some(dir) => Some(dir.path().join("audit.key")),
                None => config.audit_key_file.clone(),
            },
            color: ctx.global.color,
        },
        ctx.today,
    );
    let (policy, policy_toml, policy_source) = effective.policy()?;
    // The server writes: it needs the audit key (created on first start).
    let store = effective.writable_store().await?;

    let web = WebConfig {
        listen: config.listen,
        accounts: AccountSettings {
            session_idle: time::Duration::minutes(config.session_idle_minutes.into()),
            session_absolute: time::Duration::hours(config.session_absolute_hours.into()),
            ..AccountSettings::default()
        },
        secure_cookies: config.secure_cookies,
        trust_forwarded_headers: config.trust_forwarded_headers,
        metrics_token: metrics_token(&config)?,
        max_upload_bytes: usize::try_from(config.max_upload_bytes).unwrap_or(usize::MAX),
        organization: config.organization.clone(),
        ..WebConfig::default()
    };
    let server = Server::bind(&web).await?;
    let addr = server.local_addr()?;
    // The same key the store was opened with (the file exists now): `audit/verify` needs it.
    let audit_key = effective.audit_key()?;
    let notify_settings = config.notify.settings(addr)?;
    let notifier = Arc::new(
        Notifier::new(store.clone(), notify_settings).context("reminders cannot be set up")?,
    );
    let state = AppState::new(store.clone(), policy, web)
        .with_policy_toml(&policy_toml)
        .with_audit_key(audit_key)
        .with_notifier(Arc::clone(&notifier));
    let policy_source = match vetted_web::current::activate_latest(&state)
        .await
        .context("cannot read the stored policy version")?
    {
        Some(number) => {
            if config.policy.is_some() {
                tracing::warn!(
                    policy.version = number,
                    "the database holds policy versions: --policy/VETTED_POLICY is ignored; \
                     store a new version with `vetted policy upload FILE`"
                );
            }
            format!("stored version {number}")
        }
        None => policy_source,
    };
    let refresher = Refresher::new(state.clone()).spawn(std::time::Duration::from_secs(
        config.policy_poll_seconds.max(1).into(),
    ));
    // The daily reminders; not in the demo, whose owners are example addresses (an admin can
    // still send a test e-mail or run them from Admin → Notifications).
    let scheduler = (config.notify.schedule_enabled() && demo_dir.is_none()).then(|| {
        Scheduler::new(state.clone(), Arc::clone(&notifier))
            .spawn(std::time::Duration::from_mins(1))
    });
    println!("listening on http://{addr}");
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    if demo_dir.is_some() {
        let (password, token) = seed_demo(&state).await?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "demo: {} suppliers from the example register; open http://{addr}/ and sign in \
             as {DEMO_ADMIN} with password {password} (shown once; the demo database is deleted \
             when the server stops)\n\
             demo: or try the API with the demo admin's token:\n  \
             curl -H 'Authorization: Bearer {token}' 'http://{addr}/api/v1/suppliers?sort=verdict&limit=5'\n\
             demo: the API is described at http://{addr}/api/openapi.json",
            state.store.count_suppliers().await.context("cannot count the demo suppliers")?
        )
        .and_then(|()| out.flush())
        .context("cannot write to standard output")?;
    }
    // First run: a one-time link to create the first admin, on standard output only (never
    // in a log line: whoever holds it can become admin).
    if let Some(token) = state
        .accounts
        .open_setup()
        .await
        .context("cannot create the first-run setup link")?
    {
        let mut out = std::io::stdout().lock();
        let shown = writeln!(
            out,
            "open http://{addr}/setup?token={token} to create the first admin"
        )
        .and_then(|()| out.flush());
        // A closed standard output must not stop the server; the link is just not shown.
        if shown.is_err() {
            tracing::warn!(
                "standard output is closed: the first-run setup link could not be shown; \
                 restart with standard output open, or add an admin with `vetted user add`"
            );
        }
    }
    tracing::info!(
        listen = %addr,
        config.file = loaded.file.as_ref().map(|p| p.display().to_string()),
        // Redacted: a PostgreSQL URL may carry a password.
        db = %vetted_store::DatabaseUrl::new(effective.db_location()?).redacted(),
        policy = %policy_source,
        "serving"
    );

    let result = server.run(state, vetted_web::shutdown_signal()).await;
    refresher.abort();
    if let Some(s) = scheduler {
        s.abort();
    }
    store.close().await;
    if let Some(dir) = demo_dir {
        dir.close()
            .context("cannot remove the demo database's temporary folder")?;
    }
    result?;
    Ok(0)
}

/// Seeds a fresh demo database: the example register (by the system actor) and the demo
/// admin with an API token; returns the admin's generated password and the token.
async fn seed_demo(state: &AppState) -> Result<(String, String)> {
    let policy = state.policy();
    let register = vetted_core::read::read_register(
        EXAMPLE_REGISTER,
        vetted_core::read::Syntax::Json,
        &vetted_core::read::ReadOptions {
            clauses: Some(&policy.policy.clauses),
        },
    )
    .map_err(|problems| {
        anyhow::anyhow!(
            "the built-in example register does not read under the policy in force ({} problems)",
            problems.len()
        )
    })?;
    let change = vetted_store::Change::now(vetted_core::audit::Actor::System);
    state
        .store
        .upsert_register(&register, &change, &|_| {})
        .await
        .context("cannot seed the demo database")?;
    seed_demo_list(state, &register, &change).await?;
    let password = vetted_app::accounts::secret::new_secret();
    let admin = state
        .accounts
        .create_user(
            DEMO_ADMIN,
            &password,
            vetted_core::role::Role::Admin,
            vetted_core::audit::Actor::System,
        )
        .await
        .context("cannot create the demo admin")?;
    let (_, token) = state
        .accounts
        .create_token(&admin.id, "demo", None, vetted_core::audit::Actor::System)
        .await
        .context("cannot create the demo admin's token")?;
    Ok((password, token))
}

/// The demo's public subprocessor list: version 1 in effect (every listed supplier but the
/// newest), and version 2 adding the newest, planned for the policy's notice period ahead, so
/// the public page shows a list and a planned change.
async fn seed_demo_list(
    state: &AppState,
    register: &vetted_core::model::Register,
    change: &vetted_store::Change,
) -> Result<()> {
    use vetted_core::publication::{NewVersion, entries};
    let all = entries(register.suppliers.iter());
    let newest = all
        .iter()
        .max_by_key(|e| e.since)
        .map(|e| e.supplier.clone());
    let first: Vec<_> = all
        .iter()
        .filter(|e| Some(&e.supplier) != newest.as_ref())
        .cloned()
        .collect();
    let notice_days = state.policy().policy.subprocessor_list.notice_days;
    let today = change.at.date();
    let store = state.store.as_ref();
    store
        .publish_list_version(
            &NewVersion {
                number: 1,
                effective: today,
                notice_days,
                note: None,
                entries: first,
            },
            change,
        )
        .await
        .context("cannot publish the demo's subprocessor list")?;
    if newest.is_some() {
        store
            .publish_list_version(
                &NewVersion {
                    number: 2,
                    effective: vetted_core::date::add_days(today, notice_days),
                    notice_days,
                    note: Some("We are adding a subprocessor; see the change below.".into()),
                    entries: all,
                },
                change,
            )
            .await
            .context("cannot publish the demo's planned change")?;
    }
    Ok(())
}

/// The metrics token from the configuration, or from its file (first line); both is an error.
fn metrics_token(config: &config::Config) -> Result<Option<MetricsToken>> {
    match (&config.metrics_token, &config.metrics_token_file) {
        (Some(_), Some(_)) => bail!(
            "both metrics_token and metrics_token_file are set (in the file, the environment or \
             both): give one"
        ),
        (Some(token), None) => Ok(MetricsToken::new(token.0.as_str())),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("cannot read the metrics token file {}", path.display())
            })?;
            let token = MetricsToken::new(text.lines().next().unwrap_or(""));
            if token.is_none() {
                bail!("the metrics token file {} is empty", path.display());
            }
            Ok(token)
        }
        (None, None) => Ok(None),
    }
}

/// Logs to standard error at `info` (or as `RUST_LOG` says), as text or JSON lines.
fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: log files and collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // A subscriber already set (only possible in tests) is kept.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
