//! `vetted notify`: the day's reminders, for cron: queues a digest of what is new in its
//! window for each recipient (admins, supplier owners with an e-mail address, webhooks) and
//! sends what is due, including earlier failures whose retry has come. Configured like `serve`
//! (`vetted.toml`, `VETTED_SMTP_*`).
//!
//! `--dry-run` says what would be queued and writes nothing; `--as-of` runs another day (the
//! windows follow it); `--send-test ADDRESS` sends the digest of everything due to one address
//! now, as the admin page's button does. Exit status 0 when everything queued was sent, 1 when
//! something failed or waits for a retry (the delivery log has it; nothing is dropped), 2 when
//! the configuration or the database is unusable.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use time::{Date, OffsetDateTime};
use vetted_app::notify::{Notifier, NotifyError};
use vetted_store::notify::DeliveryStatus;

use super::OutputFormat;
use crate::config::Layer;
use crate::context::{Context, Global, Reported, parse_as_of};

/// Send the day's reminders by e-mail and webhook (for cron).
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// A configuration file. Default: vetted.toml in the working directory, if there is one.
    #[arg(long, env = "VETTED_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Say what would be sent, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The day to run for (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// Send the digest of everything due to this address now, and nothing else.
    #[arg(long, value_name = "ADDRESS", conflicts_with = "dry_run")]
    pub send_test: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

pub async fn run(ctx: &Context, o: Opts) -> Result<u8> {
    let config = super::load_config(ctx, o.config, Layer::default())?.config;
    let effective = Context::new(
        Global {
            db: config.db.clone(),
            policy: config.policy.clone(),
            audit_key: config.audit_key_file.clone(),
            color: ctx.global.color,
        },
        ctx.today,
    );
    let settings = config
        .notify
        .settings(config.listen)
        .map_err(|e| Reported(e.to_string()))?;
    let (policy, _, _) = effective.db_policy().await?;
    let store = effective.store().await?;
    let notifier =
        Notifier::new(Arc::clone(&store), settings).map_err(|e| Reported(e.to_string()))?;
    let now = OffsetDateTime::now_utc();
    let as_of = o.as_of.unwrap_or_else(|| now.date());
    let suppliers = store.register().await?.suppliers;
    let mut out = std::io::stdout().lock();

    if let Some(to) = o.send_test {
        let d = match notifier
            .send_test(&to, &suppliers, &policy, as_of, now)
            .await
        {
            Ok(d) => d,
            Err(NotifyError::Test(m)) => return Err(Reported(m).into()),
            Err(e) => return Err(e.into()),
        };
        store.close().await;
        return if d.status == DeliveryStatus::Sent {
            writeln!(out, "sent to {to}: {}", d.subject)?;
            Ok(0)
        } else {
            writeln!(
                out,
                "not sent to {to}: {}",
                d.last_error.as_deref().unwrap_or("unknown error")
            )?;
            Ok(1)
        };
    }

    let report = notifier
        .run(&suppliers, &policy, as_of, now, o.dry_run)
        .await
        .context("cannot run the reminders")?;
    let delivered = if o.dry_run {
        None
    } else {
        Some(
            notifier
                .deliver(now)
                .await
                .context("cannot send the reminders")?,
        )
    };
    store.close().await;
    match o.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({"run": report, "delivered": delivered}),
            )?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            writeln!(
                out,
                "{} on {}: {} due; {} digest{} {}",
                if o.dry_run {
                    "Reminders (dry run)"
                } else {
                    "Reminders"
                },
                vetted_core::date::format_date(as_of),
                report.reminders,
                report.digests.len(),
                if report.digests.len() == 1 { "" } else { "s" },
                if o.dry_run {
                    "would be queued"
                } else {
                    "queued"
                },
            )?;
            for note in &report.notes {
                writeln!(out, "  note: {note}")?;
            }
            for d in &report.digests {
                writeln!(out, "  {}  {} new", d.recipient, d.items.len())?;
            }
            if let Some(d) = &delivered {
                writeln!(
                    out,
                    "sent {}, to retry {}, failed {} (the admin page's delivery log has the details)",
                    d.sent, d.retrying, d.failed
                )?;
            }
        }
    }
    Ok(u8::from(
        delivered.is_some_and(|d| d.retrying > 0 || d.failed > 0),
    ))
}
