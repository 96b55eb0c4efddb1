//! `vetted subprocessors export|status|publish`: the public subprocessor list (GDPR Art. 28(2))
//! from the command line, with the same use cases as the server (`vetted_app::publication`).
//!
//! - `export --out DIR` writes the list as static files: the page (`index.html`, without the
//!   subscription form, which needs the server), JSON, CSV, Markdown, the Atom feed, the
//!   stylesheet, the embeddable snippet, the version history and one page per version.
//! - `status` says which version is in effect, the pending change (its standing and
//!   objections) and what the register changes that is not published yet.
//! - `publish` publishes the register's list as the next version, by the system actor, under
//!   the policy's notice period (`[subprocessor_list] notice_days`); with e-mail configured
//!   (`[smtp]`, as for `vetted notify`) the change notices go out to the confirmed subscribers.
//!
//! Configured like `notify` (`vetted.toml`, `VETTED_*`, then the global options): the database,
//! the policy, `public_url` (the feed's and the mails' links) and `[smtp]`. Days are UTC days,
//! as the server counts them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use serde_json::json;
use time::{Date, OffsetDateTime};
use vetted_app::notify::Notifier;
use vetted_app::publication::pages::Hrefs;
use vetted_app::publication::render::{ChangeLine, PUBLIC_CSS, View, standing_text};
use vetted_app::publication::{Mailing, PublishFailure, PublishRequest};
use vetted_core::audit::Actor;
use vetted_core::date::format_date;
use vetted_core::publication::{EntryChange, Publication, Standing, diff, entries};
use vetted_store::subprocessors::SubscriberStatus;
use vetted_store::{Change, Store};

use crate::config::{Config, Layer};
use crate::context::{Context, Global, Reported, parse_as_of};

/// Publish the public subprocessor list, export it as files, or see where it stands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Write the public list as static files into a folder (created if missing): index.html,
    /// subprocessors.json, .csv, .md, .atom, subprocessors.css, snippet.html, versions.html and
    /// version-N.html for each version.
    Export(ExportOpts),
    /// Show the version in effect, the pending change with its standing and objections, and
    /// the register's changes that are not published yet.
    Status(StatusOpts),
    /// Publish the register's list as the next version. The first version takes effect at
    /// once; every later one no sooner than the policy's notice period from today. With
    /// e-mail configured, the change notice goes to every confirmed subscriber.
    Publish(PublishOpts),
}

#[derive(clap::Args, Debug)]
pub struct ExportOpts {
    /// The folder to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The address the files will be served at, for the feed's absolute links (default: the
    /// configuration's `public_url`, else links relative to the folder).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The day the list is shown as of (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// Who publishes the list: the title becomes "Subprocessors of NAME" (default: the
    /// configuration's `organization`).
    #[arg(long, value_name = "NAME")]
    pub organization: Option<String>,
    /// Print nothing (by default, one line per file written).
    #[arg(long)]
    pub quiet: bool,
    /// A configuration file. Default: vetted.toml in the working directory, if there is one.
    #[arg(long, env = "VETTED_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `--format` of `status`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFormat {
    /// Lines for people.
    Table,
    /// One JSON object.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct StatusOpts {
    /// The day to look at (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
    /// A configuration file. Default: vetted.toml in the working directory, if there is one.
    #[arg(long, env = "VETTED_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct PublishOpts {
    /// The day the change takes effect (default: the earliest allowed: today for the first
    /// version, else today plus the policy's notice period).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub effective: Option<Date>,
    /// What customers are told about the change (shown with it on the page, in the feed and
    /// in the notice).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Say what would be published, and publish nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Who publishes the list, for the notices' subject: "Subprocessors of NAME" (default: the
    /// configuration's `organization`).
    #[arg(long, value_name = "NAME")]
    pub organization: Option<String>,
    /// A configuration file. Default: vetted.toml in the working directory, if there is one.
    #[arg(long, env = "VETTED_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub async fn run(ctx: &Context, c: Command) -> Result<u8> {
    match c {
        Command::Export(o) => export(ctx, o).await,
        Command::Status(o) => status(ctx, o).await,
        Command::Publish(o) => publish(ctx, o).await,
    }
}

/// The configuration and a context whose database, policy and audit key are the
/// configuration's (the global options over the file and the environment), as for `notify`.
pub(super) fn configured(ctx: &Context, file: Option<PathBuf>) -> Result<(Context, Config)> {
    let config = super::load_config(ctx, file, Layer::default())?.config;
    let effective = Context::new(
        Global {
            db: config.db.clone(),
            policy: config.policy.clone(),
            audit_key: config.audit_key_file.clone(),
            color: ctx.global.color,
        },
        ctx.today,
    );
    Ok((effective, config))
}

/// Today as the server counts days (UTC).
fn utc_today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// A page rendered (askama templates are `Display`).
fn html(page: &dyn std::fmt::Display) -> Result<Vec<u8>> {
    let mut text = String::new();
    write!(text, "{page}").map_err(|_| anyhow::anyhow!("cannot render a page of the list"))?;
    Ok(text.into_bytes())
}

/// "Subprocessors of NAME", or "Subprocessors".
fn title(organization: Option<&str>) -> String {
    organization.map_or_else(
        || "Subprocessors".to_string(),
        |o| format!("Subprocessors of {o}"),
    )
}

async fn export(ctx: &Context, o: ExportOpts) -> Result<u8> {
    if o.out.exists() && !o.out.is_dir() {
        return Err(Reported(format!(
            "{} exists and is not a folder: give --out a folder (it is created if missing)",
            o.out.display()
        ))
        .into());
    }
    let (ctx, config) = configured(ctx, o.config)?;
    let base = o
        .base_url
        .or(config.notify.public_url)
        .map(|b| b.trim_end_matches('/').to_string())
        .filter(|b| !b.is_empty());
    let as_of = o.as_of.unwrap_or_else(utc_today);
    // The feed's id is an instance secret, made on first use. The secret is bookkeeping, not
    // audited, so the store opens without the audit key: an export runs wherever the
    // database can be reached, without the servers' key file (a missing key file would be
    // created with a new key, which a database with a trail refuses).
    let store = ctx.store().await?;
    let read = async {
        let p = vetted_app::publication::publication(store.as_ref(), as_of).await?;
        let id = vetted_app::publication::feed_id(store.as_ref()).await?;
        Ok::<_, vetted_store::StoreError>((p, id))
    }
    .await;
    store.close().await;
    let (publication, feed_id) = read.context("cannot read the published versions")?;
    let organization = o.organization.or(config.organization);
    let view = View {
        publication: &publication,
        organization: organization.as_deref(),
        base: base.as_deref(),
        feed_id: &feed_id,
    };
    let files = Hrefs::files();
    let mut outputs: Vec<(String, Vec<u8>)> = vec![
        ("index.html".into(), html(&view.page(&files, None, None))?),
        ("subprocessors.json".into(), view.json().into_bytes()),
        ("subprocessors.csv".into(), view.csv()),
        ("subprocessors.md".into(), view.markdown().into_bytes()),
        ("subprocessors.atom".into(), view.atom(&files).into_bytes()),
        ("subprocessors.css".into(), PUBLIC_CSS.as_bytes().to_vec()),
        ("snippet.html".into(), html(&view.snippet())?),
        ("versions.html".into(), html(&view.history(&files))?),
    ];
    for (v, _) in publication.iter() {
        if let Some(page) = view.version_page(&files, v.number) {
            outputs.push((format!("version-{}.html", v.number), html(&page)?));
        }
    }
    std::fs::create_dir_all(&o.out)
        .with_context(|| format!("cannot create the folder {}", o.out.display()))?;
    let mut stdout = std::io::stdout().lock();
    for (name, bytes) in &outputs {
        let path = o.out.join(name);
        super::write_file(&path, bytes)?;
        if !o.quiet {
            writeln!(stdout, "wrote {}", path.display())?;
        }
    }
    Ok(0)
}

/// One change as `status` and `publish` print it: its kinds and its summary with details.
fn change_json(c: &EntryChange) -> serde_json::Value {
    let line = ChangeLine::of(c);
    json!({
        "change": line.kinds,
        "summary": c.summary(),
        "detail": line.detail(),
    })
}

fn change_text(c: &EntryChange) -> String {
    let line = ChangeLine::of(c);
    let detail = line.detail();
    if detail.is_empty() {
        c.summary()
    } else {
        format!("{} ({detail})", c.summary())
    }
}

/// The objections to version `number`: open on the publication's day, and in all.
fn objection_counts(p: &Publication, number: i64) -> (usize, usize) {
    let all: Vec<_> = p.objections_to(number).collect();
    let open = all.iter().filter(|o| o.is_open_on(p.today)).count();
    (open, all.len())
}

async fn status(ctx: &Context, o: StatusOpts) -> Result<u8> {
    let (ctx, _) = configured(ctx, o.config)?;
    let (policy, _, _) = ctx.db_policy().await?;
    let notice_days = policy.subprocessor_list.notice_days;
    let as_of = o.as_of.unwrap_or_else(utc_today);
    let store = ctx.store().await?;
    let read = async {
        let p = vetted_app::publication::publication(store.as_ref(), as_of).await?;
        let register = store.register().await?;
        Ok::<_, vetted_store::StoreError>((p, register))
    }
    .await;
    store.close().await;
    let (p, register) = read.context("cannot read the published versions")?;
    let draft = entries(register.suppliers.iter());
    let unpublished = p.unpublished(&draft);
    let earliest = p.earliest_effective(notice_days);
    let mut out = std::io::stdout().lock();
    match o.format {
        StatusFormat::Json => {
            let in_effect = p.iter().find_map(|(v, s)| match s {
                Standing::InEffect { since } => Some(json!({
                    "version": v.number,
                    "since": format_date(*since),
                    "subprocessors": v.entries.len(),
                })),
                _ => None,
            });
            let pending = p.pending().map(|(v, s)| {
                let (open, total) = objection_counts(&p, v.number);
                json!({
                    "version": v.number,
                    "status": s.as_str(),
                    "standing": standing_text(s),
                    "published": format_date(v.published_on()),
                    "effective": format_date(v.effective),
                    "note": v.note,
                    "objections": {"open": open, "total": total},
                    "changes": p.changes(v.number).iter().map(change_json).collect::<Vec<_>>(),
                })
            });
            let doc = json!({
                "as_of": format_date(as_of),
                "versions": p.versions.len(),
                "in_effect": in_effect,
                "pending": pending,
                "unpublished": unpublished.iter().map(change_json).collect::<Vec<_>>(),
                "register_subprocessors": draft.len(),
                "notice_days": notice_days,
                "earliest_effective": format_date(earliest),
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        StatusFormat::Table => {
            writeln!(out, "Subprocessor list on {}", format_date(as_of))?;
            match p
                .iter()
                .find(|(_, s)| matches!(s, Standing::InEffect { .. }))
            {
                Some((v, s)) => writeln!(
                    out,
                    "  in effect: version {} ({}; {} subprocessors)",
                    v.number,
                    standing_text(s),
                    v.entries.len()
                )?,
                None => writeln!(out, "  in effect: none (nothing published yet)")?,
            }
            match p.pending() {
                Some((v, s)) => {
                    let (open, total) = objection_counts(&p, v.number);
                    writeln!(
                        out,
                        "  pending:   version {} ({}; published {}; objections: {open} open, {total} in all)",
                        v.number,
                        standing_text(s),
                        format_date(v.published_on())
                    )?;
                    for c in p.changes(v.number) {
                        writeln!(out, "    {}", change_text(&c))?;
                    }
                }
                None => writeln!(out, "  pending:   none")?,
            }
            if unpublished.is_empty() {
                writeln!(out, "  unpublished changes: none")?;
            } else {
                writeln!(
                    out,
                    "  unpublished changes: {} (`vetted subprocessors publish` can take effect on {} at the earliest)",
                    unpublished.len(),
                    format_date(earliest)
                )?;
                for c in &unpublished {
                    writeln!(out, "    {}", change_text(c))?;
                }
            }
        }
    }
    Ok(0)
}

async fn publish(ctx: &Context, o: PublishOpts) -> Result<u8> {
    let (ctx, config) = configured(ctx, o.config.clone())?;
    let (policy, _, _) = ctx.db_policy().await?;
    let notice_days = policy.subprocessor_list.notice_days;
    // Checked before anything is written, so a bad `[smtp]` stops the publication.
    let settings = config
        .notify
        .settings(config.listen)
        .map_err(|e| Reported(e.to_string()))?;
    let store = ctx.writable_store().await?;
    let organization = o.organization.clone().or(config.organization);
    let result = publish_on(&store, &o, organization.as_deref(), notice_days, settings).await;
    store.close().await;
    result
}

async fn publish_on(
    store: &Arc<dyn Store>,
    o: &PublishOpts,
    organization: Option<&str>,
    notice_days: u32,
    settings: vetted_app::notify::Settings,
) -> Result<u8> {
    let now = OffsetDateTime::now_utc();
    let register = store.register().await?;
    let draft = entries(register.suppliers.iter());
    let mut out = std::io::stdout().lock();
    if o.dry_run {
        let p = vetted_app::publication::publication(store.as_ref(), now.date()).await?;
        let new = p
            .plan(draft, o.effective, notice_days, o.note.clone())
            .map_err(|e| Reported(e.to_string()))?;
        // What the version will change once in effect: against the list in force (a pending
        // change it replaces never took effect), as `publish` prints it.
        let basis = p
            .basis(new.number)
            .map_or(&[][..], |b| b.entries.as_slice());
        let changes = diff(basis, &new.entries);
        writeln!(
            out,
            "would publish version {}, effective {} ({} subprocessors, {} change{}; dry run: nothing was published)",
            new.number,
            format_date(new.effective),
            new.entries.len(),
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        )?;
        for c in &changes {
            writeln!(out, "  {}", change_text(c))?;
        }
        return Ok(0);
    }
    let request = PublishRequest {
        effective: o.effective,
        note: o.note.clone(),
        reviewed: None,
    };
    let change = Change {
        actor: Actor::System,
        at: now,
    };
    let v = match vetted_app::publication::publish(
        store.as_ref(),
        draft,
        &request,
        notice_days,
        &change,
    )
    .await
    {
        Ok(v) => v,
        Err(e @ (PublishFailure::Rule(_) | PublishFailure::Changed)) => {
            return Err(Reported(e.to_string()).into());
        }
        Err(PublishFailure::Store(e)) => {
            return Err(anyhow::Error::new(e).context("cannot publish the list"));
        }
    };
    let p = vetted_app::publication::publication(store.as_ref(), now.date()).await?;
    let changes = p.changes(v.number);
    writeln!(
        out,
        "published version {}, effective {} ({} subprocessors, {} change{}; notice period {} days)",
        v.number,
        format_date(v.effective),
        v.entries.len(),
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        v.notice_days
    )?;
    for c in &changes {
        writeln!(out, "  {}", change_text(c))?;
    }
    if settings.smtp.is_none() {
        let waiting = store
            .list_subscribers(Some(SubscriberStatus::Confirmed))
            .await?
            .len();
        if waiting > 0 {
            eprintln!(
                "note: e-mail is not configured ([smtp]): {waiting} subscriber{} got no change notice",
                if waiting == 1 { "" } else { "s" }
            );
        }
        return Ok(0);
    }
    let links = vetted_app::publication::links(store.as_ref(), &settings.base_url).await?;
    let title = title(organization);
    let mailing = Mailing {
        links: &links,
        title: &title,
    };
    let queued = vetted_app::publication::queue_notices(store.as_ref(), &mailing, v.number, now)
        .await
        .context("cannot queue the change notices")?;
    let notifier =
        Notifier::new(Arc::clone(store), settings).map_err(|e| Reported(e.to_string()))?;
    let delivered = notifier
        .deliver(now)
        .await
        .context("cannot send the change notices")?;
    writeln!(
        out,
        "change notices: {queued} queued; sent {}, to retry {}, failed {}",
        delivered.sent, delivered.retrying, delivered.failed
    )?;
    if delivered.retrying > 0 || delivered.failed > 0 {
        eprintln!(
            "warning: some messages were not sent: they wait in the delivery log (the admin page), and `vetted notify` retries them"
        );
    }
    Ok(0)
}
