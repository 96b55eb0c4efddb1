//! Scratch `PostgreSQL` databases for the tests and the import benchmark: each one created
//! under a unique name on the server that `VETTED_TEST_POSTGRES_URL` names (as
//! `scripts/with-postgres` starts it) and dropped when its guard is.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// The variable naming the test server, such as `postgres://vetted@127.0.0.1:5432/postgres`.
pub const URL_VAR: &str = "VETTED_TEST_POSTGRES_URL";

/// The test server's URL. A missing variable fails the test, in CI and elsewhere: a
/// `PostgreSQL` test never passes by skipping.
pub fn server_url() -> String {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ if std::env::var_os("CI").is_some() => panic!(
            "{URL_VAR} is not set: in CI the PostgreSQL tests must run, not skip. .ci/run runs \
             scripts/test, which starts a throwaway PostgreSQL server and sets it"
        ),
        _ => panic!(
            "{URL_VAR} is not set: run the tests with `scripts/test`, which starts a throwaway \
             PostgreSQL server (or `scripts/with-postgres cargo nextest run ...`), or set it to \
             postgres://USER@HOST:PORT/postgres on a server where USER may create databases"
        ),
    }
}

/// A database created for one test; dropped, with its connections, when this is.
pub struct ScratchDatabase {
    server_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates `{prefix}_{pid}_{n}_{nanos}` on the server at `server_url`.
    pub async fn create(server_url: &str, prefix: &str) -> ScratchDatabase {
        static CREATED: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "{prefix}_{}_{}_{nanos}",
            std::process::id(),
            CREATED.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = PgConnection::connect(server_url)
            .await
            .unwrap_or_else(|e| panic!("connecting to the test server {URL_VAR}: {e}"));
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap_or_else(|e| panic!("creating the database {name}: {e}"));
        conn.close().await.ok();
        ScratchDatabase {
            url: with_database(server_url, &name),
            server_url: server_url.to_string(),
            name,
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        // Dropping is synchronous and may happen inside a runtime: a thread of its own
        // runs the statement. A database left behind is harmless (the cluster is throwaway).
        let server_url = self.server_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropping = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&server_url).await {
                    conn.execute(AssertSqlSafe(sql)).await.ok();
                    conn.close().await.ok();
                }
            });
        });
        dropping.join().ok();
    }
}

/// `server_url` with its database replaced by `name`.
pub fn with_database(server_url: &str, name: &str) -> String {
    let (scheme, rest) = server_url
        .split_once("://")
        .unwrap_or(("postgres", server_url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |q| &tail[q..]);
    format!("{scheme}://{authority}/{name}{query}")
}
