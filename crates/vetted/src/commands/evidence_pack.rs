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
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use time::OffsetDateTime;
use vetted_app::evidence::{self, PublicKey};
use vetted_core::audit::AuditKey;
use vetted_core::date::Period;

use super::OutputFormat;
use crate::context::{Context, Reported};

/// Make, check or sign evidence packs for auditors: a period's register, policy versions,
/// reviews, audit trail and documents in one ZIP file with a signed manifest.
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
    /// it may end today at the latest.
    #[arg(long, value_name = "FROM..TO", value_parser = Period::parse, required = true)]
    period: Option<Period>,
    /// The ZIP file to write (replaced if it exists).
    #[arg(long, value_name = "FILE.zip", required = true)]
    out: Option<PathBuf>,
    /// Whose register it is, named in the pack (default: the configuration's `organization`).
    #[arg(long, value_name = "NAME")]
    organization: Option<String>,
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
    let (Some(period), Some(out)) = (o.period, o.out) else {
        // clap requires both without a subcommand.
        anyhow::bail!("give --period FROM..TO and --out FILE.zip");
    };
    let (ctx, config) = super::subprocessors::configured(ctx, o.config.config)?;
    let organisation = o.organization.or(config.organization);
    let audit_key = audit_key(&ctx);
    let extra = report_files(&ctx, period)?;
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
    write_atomically(&out, &made.bytes)?;
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
            eprintln!("note: no audit key ({e:#}): the pack says the audit trail was not verified");
            None
        }
    }
}

/// The reports added to the pack under `report/`.
// seam: the ISO report. `vetted report iso27001` adds `report/iso27001.html`, `.pdf` and
// `.json` for `period` here.
#[expect(
    clippy::unnecessary_wraps,
    reason = "the seam for the ISO report, which can fail"
)]
fn report_files(_ctx: &Context, _period: Period) -> Result<Vec<(String, Vec<u8>)>> {
    Ok(Vec::new())
}

/// Writes `bytes` to `path` through a temporary file beside it, renamed over it at the end.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
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
