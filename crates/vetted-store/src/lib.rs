//! Vetted's storage: the [`Store`] trait and its backends.
//!
//! - [`store`]: the trait, taking and returning domain types ([`vetted_core::model`]).
//! - [`accounts`]: [`AccountStore`], users, API tokens, sessions, login failures, setup tokens.
//! - [`sqlite`]: [`SqliteStore`], one `SQLite` file (schema in `migrations/sqlite/`).
//! - [`postgres`]: [`PostgresStore`], a `PostgreSQL` database (schema in `migrations/postgres/`).
//! - [`url`]: [`DatabaseUrl`], how configuration names the database; [`open`] picks the backend.
//! - [`error`]: the [`StoreError`] type.
//!
//! The conformance suite in `tests/conformance/` is written against `&dyn Store`, so every
//! backend passes the same tests: `tests/sqlite.rs` and `tests/postgres.rs` run it.

pub mod accounts;
mod decode;
pub mod error;
mod import;
pub mod postgres;
pub mod sqlite;
pub mod store;
pub mod url;

use std::sync::Arc;

pub use accounts::AccountStore;
pub use error::StoreError;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use store::{ImportSummary, Store, StoredSupplier};
pub use url::DatabaseUrl;

use url::Target;

/// Opens the database that `url_or_path` names: `sqlite:PATH`, `sqlite://PATH` or a plain
/// path is a `SQLite` file (created on first use); `postgres://…` or `postgresql://…` is a
/// `PostgreSQL` database (which must exist). Both are migrated on open. Other schemes are
/// [`StoreError::Unsupported`] with a message that says why; passwords never appear in errors.
pub async fn open(url_or_path: &str) -> Result<Arc<dyn Store>, StoreError> {
    open_url(&DatabaseUrl::new(url_or_path)).await
}

/// [`open`] for a [`DatabaseUrl`] from configuration.
pub async fn open_url(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    match url.target()? {
        Target::Sqlite(path) => Ok(Arc::new(SqliteStore::open(&path).await?)),
        Target::Postgres(url) => Ok(Arc::new(PostgresStore::connect(&url).await?)),
    }
}
