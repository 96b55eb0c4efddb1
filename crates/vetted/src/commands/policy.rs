//! `vetted policy show`, `vetted policy check FILE`, and the policy versions stored in the
//! database: `vetted policy upload FILE` (validated, stored as the next version with its audit
//! entry by the system actor, as `PUT /api/v1/policy` stores it; a running server puts it in
//! force within its poll interval), `vetted policy history` and `vetted policy review` (the
//! policy in force stored again with a new `last_review`).

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
    /// Record a review of the policy in force (`policy.review`): store its next version with
    /// `last_review` set to the review's date, and a new version string or owner if given;
    /// every other line of the file is kept as written.
    // `--version` here names the policy's new version, not Vetted's.
    #[command(disable_version_flag = true)]
    Review {
        /// The day of the review (default: today); not in the future, not before the last one.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::context::parse_as_of)]
        date: Option<time::Date>,
        /// A new version string for the policy.
        #[arg(long, value_name = "VERSION")]
        version: Option<String>,
        /// A new owner of the policy.
        #[arg(long, value_name = "OWNER")]
        owner: Option<String>,
    },
}

pub async fn run(ctx: &Context, c: Command) -> Result<u8> {
    match c {
        Command::Review {
            date,
            version,
            owner,
        } => review(ctx, date, version, owner).await,
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

/// `vetted policy review`: the policy in force on the database (`--policy FILE` when given,
/// else the newest stored version, else the built-in one), reviewed and stored as the next
/// version by the system actor, as `POST /api/v1/policy/review` does for an admin.
async fn review(
    ctx: &Context,
    date: Option<time::Date>,
    version: Option<String>,
    owner: Option<String>,
) -> Result<u8> {
    let (current, text, source) = ctx.db_policy().await?;
    let date = date.unwrap_or(ctx.today);
    if date > ctx.today {
        anyhow::bail!("{date} is in the future: record a review once it took place");
    }
    if date < current.last_review {
        anyhow::bail!(
            "{date} is before the last review recorded, {}",
            current.last_review
        );
    }
    let reviewed = vetted_app::policy_review::reviewed_text(
        &text,
        &vetted_app::policy_review::PolicyReview {
            date,
            version,
            owner,
        },
    )
    .with_context(|| format!("cannot record the review of the {source}"))?;
    let p = load_policy_text(&reviewed, std::path::Path::new(&source))?;
    let store = ctx.writable_store().await?;
    let stored = store
        .add_policy_version(&reviewed, &Change::now(Actor::System))
        .await;
    store.close().await;
    let stored = stored.context("cannot store the policy version")?;
    println!(
        "recorded the review of policy {} v{} (owner {}, last reviewed {}) as version {} (fingerprint {})",
        p.name,
        p.version,
        p.owner,
        vetted_core::date::format_date(p.last_review),
        stored.number,
        stored.fingerprint
    );
    Ok(0)
}
