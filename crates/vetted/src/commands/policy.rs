//! `vetted policy show` and `vetted policy check FILE`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::context::{Context, load_policy_text};

/// Show or validate the supplier policy.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print the active policy (the built-in default, or --policy FILE) as TOML.
    Show,
    /// Validate a policy file; problems are reported with line and column (exit 2).
    Check {
        /// The policy file (TOML).
        file: PathBuf,
    },
}

pub fn run(ctx: &Context, c: Command) -> Result<u8> {
    match c {
        Command::Show => {
            let (_, text, _) = ctx.policy()?;
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
