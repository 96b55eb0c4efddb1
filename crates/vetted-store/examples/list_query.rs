//! Times the list query (`EvaluationStore::query_suppliers`) on a register of synthetic
//! suppliers in a temporary `SQLite` file:
//!
//! ```text
//! cargo run --release -p vetted-store --example list_query -- [COUNT]   # default 20000
//! ```
//!
//! It imports the register, evaluates it once (`refresh_evaluations`), then runs each query
//! many times and prints the median and the 99th percentile of one page of 100, end to end
//! through the store (freshness check, the page's one statement, decoding 100 suppliers).

#[path = "../tests/synthetic/mod.rs"]
mod synthetic;

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vetted_core::audit::{Actor, AuditKey};
use vetted_core::model::{Tier, Verdict};
use vetted_core::policy::{DEFAULT_POLICY_TOML, Policy};
use vetted_store::{
    Change, EvaluationStore, Evaluator, SortKey, SqliteStore, Store, SupplierQuery,
};

const RUNS: usize = 200;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let count: usize = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 20_000,
    };
    let dir = tempfile::tempdir()?;
    // VETTED_BENCH_DB=FILE keeps the database for a look with `sqlite3` afterwards.
    let path = std::env::var_os("VETTED_BENCH_DB")
        .map_or_else(|| dir.path().join("bench.db"), std::path::PathBuf::from);
    let store = SqliteStore::open(&path)
        .await?
        .with_audit_key(AuditKey::from_bytes(&[7; 32])?);
    store
        .upsert_register(
            &synthetic::register(count, 1),
            &Change::now(Actor::System),
            &|_| {},
        )
        .await?;
    let evaluator = Evaluator::new(
        Arc::new(Policy::default()),
        DEFAULT_POLICY_TOML,
        time::macros::date!(2026 - 11 - 25),
    );
    let timed = Instant::now();
    let evaluated = store.refresh_evaluations(&evaluator).await?;
    println!(
        "{count} suppliers; evaluated {evaluated} in {} ms",
        timed.elapsed().as_millis()
    );

    let q = SupplierQuery::default;
    let queries = [
        ("first page, register order", q()),
        (
            "page 50, register order",
            SupplierQuery {
                offset: 5_000,
                ..q()
            },
        ),
        (
            "sorted by verdict",
            SupplierQuery {
                sort: SortKey::Verdict,
                ..q()
            },
        ),
        (
            "sorted by next due, desc",
            SupplierQuery {
                sort: SortKey::NextDue,
                descending: true,
                ..q()
            },
        ),
        (
            "sorted by name",
            SupplierQuery {
                sort: SortKey::Name,
                ..q()
            },
        ),
        (
            "verdict non_compliant|attention",
            SupplierQuery {
                verdicts: vec![Verdict::NonCompliant, Verdict::Attention],
                ..q()
            },
        ),
        (
            "tier high, by tier",
            SupplierQuery {
                tier: Some(Some(Tier::High)),
                sort: SortKey::Tier,
                ..q()
            },
        ),
        (
            "search \"line 42\"",
            SupplierQuery {
                search: Some("line 42".into()),
                ..q()
            },
        ),
        (
            "country FR",
            SupplierQuery {
                country: Some("FR".into()),
                ..q()
            },
        ),
    ];
    for (name, query) in &queries {
        let mut samples = Vec::with_capacity(RUNS);
        let mut total = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let page = store.query_suppliers(query, &evaluator).await?;
            samples.push(t.elapsed());
            total = page.total;
        }
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
        println!(
            "{name:<34} total {total:>6}  median {:>6.3} ms  p99 {:>6.3} ms",
            ms(samples[RUNS / 2]),
            ms(samples[RUNS * 99 / 100])
        );
    }
    store.close().await;
    Ok(())
}
