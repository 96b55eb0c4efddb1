//! Times the `SQLite` store on a large register of synthetic suppliers (about 1 KB of JSON
//! each) in a fresh temporary database:
//!
//! ```text
//! cargo run --release -p vetted-store --example bulk_import -- [COUNT]   # default 100000
//! ```
//!
//! It imports the register into the empty database, lists and counts it, imports it again
//! unchanged, then imports a later edition that changes every supplier, and lists again.

#[path = "../tests/synthetic/mod.rs"]
mod synthetic;

use std::error::Error;
use std::time::Instant;

use vetted_store::{SqliteStore, Store};

fn no_progress(_: usize) {}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let count: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 100_000,
    };
    let first = synthetic::register(count, 1);
    let second = synthetic::register(count, 2);
    let json_bytes: usize = first
        .suppliers
        .iter()
        .map(|s| serde_json::to_string(s).map(|j| j.len()))
        .sum::<Result<_, _>>()?;
    println!(
        "{count} suppliers, {} bytes of JSON on average",
        json_bytes / count.max(1)
    );

    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("bench.db")).await?;

    let timed = Instant::now();
    let summary = store.upsert_register(&first, &no_progress).await?;
    println!(
        "import into an empty database: {:>6} ms  {summary:?}",
        timed.elapsed().as_millis()
    );

    let timed = Instant::now();
    let listed = store.list_suppliers().await?;
    println!(
        "list_suppliers:                {:>6} ms  ({} suppliers)",
        timed.elapsed().as_millis(),
        listed.len()
    );

    let timed = Instant::now();
    let counted = store.count_suppliers().await?;
    println!(
        "count_suppliers:               {:>6} ms  ({counted})",
        timed.elapsed().as_millis()
    );

    let timed = Instant::now();
    let summary = store.upsert_register(&first, &no_progress).await?;
    println!(
        "import again, unchanged:       {:>6} ms  {summary:?}",
        timed.elapsed().as_millis()
    );

    let timed = Instant::now();
    let summary = store.upsert_register(&second, &no_progress).await?;
    println!(
        "import, every supplier changed:{:>6} ms  {summary:?}",
        timed.elapsed().as_millis()
    );

    let timed = Instant::now();
    let listed = store.list_suppliers().await?;
    println!(
        "list_suppliers:                {:>6} ms  ({} suppliers)",
        timed.elapsed().as_millis(),
        listed.len()
    );

    store.close().await;
    let size = std::fs::metadata(dir.path().join("bench.db"))?.len();
    println!("database file: {} MB", size / 1_000_000);
    Ok(())
}
