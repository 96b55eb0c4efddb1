//! [`PostgresStore`]: the [`Store`] on a `PostgreSQL` server, for teams and for several
//! `vetted serve` processes sharing one database.
//!
//! Same rows and semantics as [`crate::sqlite`]; the schema lives in `migrations/postgres/`,
//! embedded and applied on connect (sqlx takes an advisory lock, so two processes starting at
//! once do not both migrate). `doc` is `jsonb`, which reorders keys: documents are compared by
//! decoding them ([`crate::import`] does), never by their text. Imports run in one transaction
//! holding a transaction-scoped advisory lock, so concurrent imports queue as they do on `SQLite`'s
//! write lock; rows go in batches of one `INSERT … SELECT FROM UNNEST(…)` with an array per
//! column, a handful of round trips for a large register.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Row};
use vetted_core::model::{Register, SupplierId};

mod accounts;

use crate::decode;
use crate::error::context;
use crate::import::{self, Existing, Write};
use crate::{DatabaseUrl, ImportSummary, Store, StoreError, StoredSupplier};

/// The schema, from `migrations/postgres/`; files there are never edited once applied.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections in the pool: the server serves readers and writers side by side.
const MAX_CONNECTIONS: u32 = 8;

/// Rows per `INSERT`. One statement carries a batch as seven array parameters, so the size is
/// not bounded by a parameter limit; a thousand rows (about 1 MB of JSON) keeps each statement
/// short and lets progress be reported along the way.
const BATCH_ROWS: usize = 1_000;

/// The key of the advisory lock every import holds until its transaction ends ("vetted" in
/// ASCII): imports queue rather than race for positions.
const IMPORT_LOCK: i64 = 0x7665_7474_6564;

/// Writes a batch given as one array per column. A stored row is replaced only by its next
/// version: a row changed since the import read it is left alone, and the import notices from
/// the count of rows written. `now()` is the transaction's start, the same for every row.
const UPSERT: &str = "INSERT INTO suppliers \
    (id, position, version, doc, name, category, status, created_at, updated_at) \
    SELECT id, position, version, doc::jsonb, name, category, status, now(), now() \
    FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], \
                $7::text[]) AS w (id, position, version, doc, name, category, status) \
    ON CONFLICT (id) DO UPDATE SET \
    version = excluded.version, doc = excluded.doc, name = excluded.name, \
    category = excluded.category, status = excluded.status, updated_at = excluded.updated_at \
    WHERE suppliers.version = excluded.version - 1";

/// The [`Store`] on a `PostgreSQL` database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    url: DatabaseUrl,
}

impl PostgresStore {
    /// Connects to the database `url` names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`) and
    /// applies the migrations it has not seen yet. The database must exist. Errors name the
    /// database with its password redacted.
    pub async fn connect(url: &DatabaseUrl) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(context(format!("reading the database URL {url}")))?
            .application_name("vetted");
        // One direct attempt first: the pool retries a refused connection until its acquire
        // timeout (30 s), but a wrong host or port at start-up should fail at once.
        PgConnection::connect_with(&options)
            .await
            .map_err(context(format!("connecting to the database {url}")))?
            .close()
            .await
            .map_err(context(format!("connecting to the database {url}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_lazy_with(options);
        MIGRATOR
            .run(&pool)
            .await
            .map_err(context(format!("migrating the database {url}")))?;
        Ok(PostgresStore {
            pool,
            url: url.clone(),
        })
    }

    /// The database, as given to [`PostgresStore::connect`] (its `Display` is redacted).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A row of `SELECT id, version, doc::text`.
fn stored_supplier(row: &PgRow) -> Result<StoredSupplier, StoreError> {
    let id: &str = row.try_get(0).map_err(context("reading a supplier row"))?;
    let version: i64 = row.try_get(1).map_err(context("reading a supplier row"))?;
    let doc: &str = row.try_get(2).map_err(context("reading a supplier row"))?;
    decode::stored_supplier(id, version, doc)
}

/// Writes one batch; a row not written means it changed since the import read it.
async fn write_batch(conn: &mut PgConnection, batch: &[Write<'_>]) -> Result<(), StoreError> {
    let written = sqlx::query(UPSERT)
        .bind(batch.iter().map(|w| w.id).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.position).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.version).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.doc.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.name).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.category).collect::<Vec<_>>())
        .bind(batch.iter().map(|w| w.status).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(context("writing suppliers"))?
        .rows_affected();
    if written == batch.len() as u64 {
        return Ok(());
    }
    let stored: HashMap<String, i64> =
        sqlx::query_as("SELECT id, version FROM suppliers WHERE id = ANY($1)")
            .bind(batch.iter().map(|w| w.id).collect::<Vec<_>>())
            .fetch_all(&mut *conn)
            .await
            .map_err(context("reading the versions of conflicting suppliers"))?
            .into_iter()
            .collect();
    Err(import::stale_write(
        batch.iter().map(|w| (w.id, w.version)),
        &stored,
    ))
}

#[async_trait]
impl Store for PostgresStore {
    async fn list_suppliers(&self) -> Result<Vec<StoredSupplier>, StoreError> {
        let rows = sqlx::query("SELECT id, version, doc::text FROM suppliers ORDER BY position")
            .fetch(&self.pool);
        decode::decode_all(rows, stored_supplier).await
    }

    async fn find_supplier(&self, id: &SupplierId) -> Result<Option<StoredSupplier>, StoreError> {
        sqlx::query("SELECT id, version, doc::text FROM suppliers WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(context(format!("finding supplier `{id}`")))?
            .as_ref()
            .map(stored_supplier)
            .transpose()
    }

    async fn count_suppliers(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM suppliers")
            .fetch_one(&self.pool)
            .await
            .map_err(context("counting suppliers"))?;
        u64::try_from(count).map_err(context("counting suppliers"))
    }

    async fn upsert_register(
        &self,
        register: &Register,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<ImportSummary, StoreError> {
        let total = register.suppliers.len();
        let incoming = import::encode(register)?;

        // Dropping the transaction on an error rolls it back: all or nothing.
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(context("starting the import"))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(IMPORT_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(context("waiting for other imports to finish"))?;

        let ids: Vec<&str> = incoming.iter().map(|i| i.supplier.id.as_str()).collect();
        let existing: HashMap<String, Existing> = sqlx::query(
            "SELECT id, version, position, doc::text FROM suppliers WHERE id = ANY($1)",
        )
        .bind(ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(context("reading the stored suppliers"))?
        .iter()
        .map(|row| {
            Ok((
                row.try_get(0)?,
                Existing {
                    version: row.try_get(1)?,
                    position: row.try_get(2)?,
                    doc: row.try_get(3)?,
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(context("reading the stored suppliers"))?;
        let next_position: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM suppliers")
                .fetch_one(&mut *tx)
                .await
                .map_err(context("reading the register order"))?;

        let plan = import::plan(incoming, &existing, next_position);
        drop(existing);

        for batch in plan.writes.chunks(BATCH_ROWS) {
            write_batch(&mut tx, batch).await?;
            progress(batch.last().map_or(0, |w| w.done));
        }

        tx.commit()
            .await
            .map_err(context("committing the import"))?;
        progress(total);
        Ok(plan.summary)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
