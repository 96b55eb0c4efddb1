//! `vetted generate` (hidden): a synthetic register for benchmarks and load tests.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;

/// Write a synthetic register document (JSON) of N suppliers.
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// How many suppliers.
    #[arg(long, default_value_t = 1000)]
    pub suppliers: usize,
    /// Seed of the generator (same seed, same register).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(o: &Opts) -> Result<u8> {
    let register = vetted_app::generate::generate_register(o.suppliers, o.seed);
    let text = vetted_core::write::to_json(&register);
    match &o.out {
        Some(path) => std::fs::write(path, text)?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(0)
}
