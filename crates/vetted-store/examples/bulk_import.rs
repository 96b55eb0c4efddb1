//! Times a store on a large register of synthetic suppliers (about 1 KB of JSON each) in a
//! fresh database: a temporary `SQLite` file, or with `--postgres` a scratch database created
//! on the `PostgreSQL` server of `VETTED_TEST_POSTGRES_URL` (or of `--postgres=URL`) and
//! dropped afterwards:
//!
//! ```text
//! cargo run --release -p vetted-store --example bulk_import -- [COUNT]   # default 100000
//! scripts/with-postgres cargo run --release -p vetted-store --example bulk_import -- --postgres
//! ```
//!
//! It imports the register into the empty database, lists and counts it, imports it again
//! unchanged, then imports a later edition that changes every supplier, and lists again.

#[path = "../tests/scratch/mod.rs"]
mod scratch;
#[path = "../tests/synthetic/mod.rs"]
mod synthetic;

use std::error::Error;
use std::time::Instant;

use sqlx::{Connection, PgConnection};
use vetted_core::audit::{Actor, AuditKey};
use vetted_store::{Change, DatabaseUrl, PostgresStore, SqliteStore, Store};

fn no_progress(_: usize) {}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut count = 100_000;
    let mut postgres = None;
    for arg in std::env::args().skip(1) {
        if arg == "--postgres" {
            postgres = Some(scratch::server_url());
        } else if let Some(url) = arg.strip_prefix("--postgres=") {
            postgres = Some(url.to_string());
        } else {
            count = arg.parse()?;
        }
    }
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
    let key = AuditKey::from_bytes(&[7; 32])?;
    let scratch = match &postgres {
        Some(server) => Some(scratch::ScratchDatabase::create(server, "vetted_bench").await),
        None => None,
    };
    let store: Box<dyn Store> = match &scratch {
        Some(db) => Box::new(
            PostgresStore::connect(&DatabaseUrl::new(db.url()))
                .await?
                .with_audit_key(key.clone()),
        ),
        None => Box::new(
            SqliteStore::open(&dir.path().join("bench.db"))
                .await?
                .with_audit_key(key.clone()),
        ),
    };
    let change = Change::now(Actor::System);

    let timed = Instant::now();
    let summary = store.upsert_register(&first, &change, &no_progress).await?;
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
    let summary = store.upsert_register(&first, &change, &no_progress).await?;
    println!(
        "import again, unchanged:       {:>6} ms  {summary:?}",
        timed.elapsed().as_millis()
    );

    let timed = Instant::now();
    let summary = store
        .upsert_register(&second, &change, &no_progress)
        .await?;
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
    if let Some(db) = &scratch {
        let mut conn = PgConnection::connect(db.url()).await?;
        let size: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('suppliers')")
            .fetch_one(&mut conn)
            .await?;
        println!(
            "suppliers table with indexes and TOAST: {} MB",
            size / 1_000_000
        );
        conn.close().await?;
    } else {
        let size = std::fs::metadata(dir.path().join("bench.db"))?.len();
        println!("database file: {} MB", size / 1_000_000);
    }
    Ok(())
}
