//! `vetted evidence-pack`: the evidence an auditor asks for about a period, in one ZIP file
//! with a SHA-256 manifest signed by the instance's Ed25519 key (`vetted_app::evidence`).
//!
//! - `evidence-pack --period FROM..TO --out FILE.zip` makes the pack (written through a
//!   temporary file and renamed, so a half-written pack never exists under the name);
//! - `evidence-pack public-key` prints the instance's public key and its fingerprint;
//! - `evidence-pack verify FILE.zip [--public-key KEY]` checks a pack, with no access to the
//!   server needed: exit 0 verified, 1 not (every problem named).
//!
//! Configured like `notify` (`vetted.toml`, `VETTED_*`, then the global options): the
//! database, the audit key, and `organization` for the pack's title.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use time::OffsetDateTime;
use vetted_app::evidence::{self, PublicKey};
use vetted_core::audit::AuditKey;
use vetted_core::date::Period;

use super::OutputFormat;
use crate::context::{Context, Reported};

/// Make, check or sign evidence packs for auditors: a period's register, policy versions,
/// reviews, audit trail, documents and ISO report in one ZIP file with a signed manifest.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Opts {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    make: MakeOpts,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Print the instance's evidence-signing public key (first line) and its fingerprint:
    /// what an auditor compares a pack's signer with.
    PublicKey(ConfigOpts),
    /// Check a pack: its signature, its signer (with --public-key), every file's SHA-256 and
    /// size, and every other byte of the ZIP file. Exit 0 verified, 1 not.
    Verify(VerifyOpts),
}

#[derive(clap::Args, Debug)]
struct MakeOpts {
    /// The period the pack covers, both days included: FROM..TO (e.g. 2025-01-01..2025-12-31);
    /// it may end today at the latest (default: the twelve months to today, as the report's).
    #[arg(long, value_name = "FROM..TO", value_parser = Period::parse)]
    period: Option<Period>,
    /// The ZIP file to write (replaced if it exists).
    #[arg(long, value_name = "FILE.zip", required = true)]
    out: Option<PathBuf>,
    /// Whose register it is, named in the pack (default: the configuration's `organization`).
    #[arg(long, value_name = "NAME")]
    organization: Option<String>,
    /// The Chromium that prints the ISO report's PDF (default: `VETTED_CHROMIUM`, else
    /// `chromium` on the PATH).
    #[arg(long, value_name = "PATH", env = "VETTED_CHROMIUM")]
    chromium: Option<PathBuf>,
    /// Leave the report's PDF out (where no Chromium can run); the HTML and JSON stay in.
    #[arg(long)]
    no_pdf: bool,
    #[command(flatten)]
    config: ConfigOpts,
}

#[derive(clap::Args, Debug)]
struct ConfigOpts {
    /// A configuration file. Default: vetted.toml in the working directory, if there is one.
    #[arg(long, env = "VETTED_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct VerifyOpts {
    /// The pack.
    #[arg(value_name = "FILE.zip")]
    file: PathBuf,
    /// The key the pack must be signed with (`ed25519:…`, as `public-key` prints it and the
    /// admin page shows it). Without it, the pack is only shown to be intact and signed by the
    /// key it names.
    #[arg(long, value_name = "KEY", value_parser = parse_public_key)]
    public_key: Option<PublicKey>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

fn parse_public_key(s: &str) -> Result<PublicKey, String> {
    s.parse()
        .map_err(|e: evidence::PublicKeyError| e.to_string())
}

pub async fn run(ctx: &Context, o: Opts) -> Result<u8> {
    match o.command {
        Some(Command::PublicKey(c)) => public_key(ctx, c).await,
        Some(Command::Verify(v)) => verify(&v),
        None => make(ctx, o.make).await,
    }
}

async fn public_key(ctx: &Context, c: ConfigOpts) -> Result<u8> {
    let (ctx, _) = super::subprocessors::configured(ctx, c.config)?;
    let store = ctx.store().await?;
    let key = evidence::instance_key(store.as_ref()).await;
    store.close().await;
    let key = key
        .context("cannot read the evidence-signing key")?
        .public_key();
    // One write, so `| head -1` (the key alone) does not meet a closed pipe half-way.
    let text = format!("{key}\nfingerprint: {}\n", key.fingerprint());
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("cannot write to standard output")?;
    Ok(0)
}

fn verify(o: &VerifyOpts) -> Result<u8> {
    let bytes = std::fs::read(&o.file)
        .with_context(|| format!("cannot read the pack {}", o.file.display()))?;
    let verdict = evidence::verify(&bytes, o.public_key.as_ref());
    match o.format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&verdict)?),
        OutputFormat::Text => {
            let mut out = std::io::stdout().lock();
            let name = o.file.display();
            if verdict.verified {
                writeln!(out, "evidence pack VERIFIED: {name}")?;
            } else {
                writeln!(out, "evidence pack NOT VERIFIED: {name}")?;
                for p in &verdict.problems {
                    writeln!(out, "  - {p}")?;
                }
            }
            if let (Some(period), Some(created)) = (&verdict.period, &verdict.created_at) {
                writeln!(
                    out,
                    "  period {}..{}, made {created}, {} files listed{}",
                    period.from,
                    period.to,
                    verdict.files,
                    verdict
                        .organisation
                        .as_deref()
                        .map_or_else(String::new, |o| format!(", for {o}"))
                )?;
            }
            if let Some(signer) = &verdict.signer {
                writeln!(
                    out,
                    "  signed by {} (fingerprint {})",
                    signer.public_key, signer.fingerprint
                )?;
            }
            writeln!(out, "{}", verdict.meaning)?;
        }
    }
    // Exit 1: the pack does not verify.
    Ok(u8::from(!verdict.verified))
}

async fn make(ctx: &Context, o: MakeOpts) -> Result<u8> {
    let Some(out) = o.out else {
        // clap requires it without a subcommand.
        anyhow::bail!("give --out FILE.zip");
    };
    let period = super::report::period_or_default(ctx, o.period);
    let (ctx, config) = super::subprocessors::configured(ctx, o.config.config)?;
    let organisation = o.organization.or(config.organization);
    if period.to > OffsetDateTime::now_utc().date() {
        let e = evidence::EvidenceError::Future(vetted_core::date::format_date(period.to));
        return Err(Reported(format!("--period: {e}")).into());
    }
    let audit_key = audit_key(&ctx);
    let extra = report_files(&ctx, period, organisation.clone(), o.chromium, o.no_pdf).await?;
    let store = ctx.store().await?;
    let made = evidence::assemble(
        store.as_ref(),
        audit_key.as_ref(),
        period,
        organisation.as_deref(),
        extra,
        OffsetDateTime::now_utc(),
    )
    .await;
    store.close().await;
    let made = made.map_err(|e| match e {
        evidence::EvidenceError::Future(_) => {
            anyhow::Error::new(Reported(format!("--period: {e}")))
        }
        other => anyhow::Error::new(other).context("cannot make the evidence pack"),
    })?;
    super::write_file(&out, &made.bytes)?;
    println!("wrote {}", out.display());
    println!("  {} bytes, {} files", made.bytes.len(), made.paths.len());
    println!("  SHA-256 {}", evidence::pack::sha256_hex(&made.bytes));
    println!(
        "  signed by {} (fingerprint {})",
        made.public_key,
        made.public_key.fingerprint()
    );
    Ok(0)
}

/// The audit key, when its file can be read; otherwise the pack says the trail was not
/// verified (a note on stderr says why).
fn audit_key(ctx: &Context) -> Option<AuditKey> {
    let loaded = ctx
        .audit_key_path()
        .and_then(|path| Ok(vetted_store::keyfile::load(&path)?));
    match loaded {
        Ok(key) => Some(key),
        Err(e) => {
            eprintln!("note: no audit key ({e}): the pack says the audit trail was not verified");
            None
        }
    }
}

/// The ISO 27001 report of `period` added to the pack under `report/`: JSON (every record),
/// HTML and, unless `no_pdf`, PDF printed by Chromium.
async fn report_files(
    ctx: &Context,
    period: Period,
    organisation: Option<String>,
    chromium: Option<PathBuf>,
    no_pdf: bool,
) -> Result<Vec<(String, Vec<u8>)>> {
    let doc = super::report::document(ctx, period, organisation).await?;
    let html = super::report::html_of(&doc);
    let mut json = doc.json();
    json.push('\n');
    let mut files = vec![
        ("report/iso27001.json".to_string(), json.into_bytes()),
        (
            "report/iso27001.html".to_string(),
            html.clone().into_bytes(),
        ),
    ];
    if doc.policy.number.is_none() {
        // No stored version was in force at the end: the report applied the configured or
        // built-in policy, which the trail does not hold. Its text goes in beside the others.
        let (_, text, source) = ctx.policy()?;
        files.push((
            "policy/configured.toml".to_string(),
            format!(
                "# The policy Vetted applied where no stored version was in force ({source}):\n\
                 # configured or built-in, not in the audit trail.\n{text}"
            )
            .into_bytes(),
        ));
    }
    if !no_pdf {
        let pdf = super::report::pdf_of(html, chromium)
            .await
            .context("the ISO report's PDF for the pack (--no-pdf leaves it out)")?;
        files.push(("report/iso27001.pdf".to_string(), pdf));
    }
    Ok(files)
}
