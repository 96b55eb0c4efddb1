//! `vetted default-config`: prints a commented example `vetted.toml` with every key and its
//! default (see [`crate::config`]).

use std::io::Write as _;

use anyhow::{Context as _, Result};

use crate::config::example_toml;
use crate::context::default_db_path;

/// Print a commented example vetted.toml (every key, with its default) to standard output.
#[derive(clap::Args, Debug)]
pub struct Opts {}

pub fn run(_opts: &Opts) -> Result<u8> {
    let default_db = default_db_path().ok();
    std::io::stdout()
        .write_all(example_toml(default_db.as_deref()).as_bytes())
        .context("cannot write to standard output")?;
    Ok(0)
}
