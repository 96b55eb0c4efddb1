//! [`SubprocessorStore`] in `SQLite`: the `list_versions`, `objections`, `subscribers`,
//! `rate_events` and `instance_secrets` tables (migration 0009). Audited writes take the write
//! lock up front (`BEGIN IMMEDIATE`) with the audit key, like every other audited write; the
//! rate limit takes the lock without the key, so what it counts cannot change before it
//! records.

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, SqliteConnection};
use time::{Duration, OffsetDateTime};
use vetted_core::publication::{Decision, ListVersion, NewVersion, Objection, Resolution};

use super::{SqliteStore, audit};
use crate::error::context;
use crate::notify::micros;
use crate::subprocessors::{
    self as sp, NewObjection, ObjectionRow, SUBSCRIBER_COLUMNS, SubprocessorStore, Subscriber,
    SubscriberRow, SubscriberStatus, VersionRow,
};
use crate::{Change, StoreError};

const SELECT_VERSIONS: &str = "SELECT number, published_us, published_by, effective, \
    notice_days, note, entries, decision, decision_on, decision_note, decided_by, decided_us \
    FROM list_versions";

const SELECT_OBJECTIONS: &str = "SELECT id, version, customer, contact, email, grounds, \
    received, via, subscriber, recorded_us, recorded_by, outcome, outcome_on, outcome_notes, \
    outcome_by, outcome_us FROM objections";

async fn versions(conn: &mut SqliteConnection) -> Result<Vec<ListVersion>, StoreError> {
    let rows: Vec<VersionRow> =
        sqlx::query_as(AssertSqlSafe(format!("{SELECT_VERSIONS} ORDER BY number")))
            .fetch_all(conn)
            .await
            .map_err(context("reading the subprocessor list's versions"))?;
    sp::decode_all(rows, VersionRow::decode)
}

async fn version(
    conn: &mut SqliteConnection,
    number: i64,
) -> Result<Option<ListVersion>, StoreError> {
    let row: Option<VersionRow> = sqlx::query_as(AssertSqlSafe(format!(
        "{SELECT_VERSIONS} WHERE number = ?1"
    )))
    .bind(number)
    .fetch_optional(conn)
    .await
    .map_err(context(format!(
        "reading version {number} of the subprocessor list"
    )))?;
    row.map(VersionRow::decode).transpose()
}

async fn objections(conn: &mut SqliteConnection) -> Result<Vec<Objection>, StoreError> {
    let rows: Vec<ObjectionRow> =
        sqlx::query_as(AssertSqlSafe(format!("{SELECT_OBJECTIONS} ORDER BY id")))
            .fetch_all(conn)
            .await
            .map_err(context("reading the objections"))?;
    sp::decode_all(rows, ObjectionRow::decode)
}

async fn objection(conn: &mut SqliteConnection, id: i64) -> Result<Option<Objection>, StoreError> {
    let row: Option<ObjectionRow> =
        sqlx::query_as(AssertSqlSafe(format!("{SELECT_OBJECTIONS} WHERE id = ?1")))
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(context(format!("reading objection {id}")))?;
    row.map(ObjectionRow::decode).transpose()
}

async fn subscriber(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<Subscriber>, StoreError> {
    let row: Option<SubscriberRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = ?1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
    .map_err(context("reading a subscriber"))?;
    row.map(SubscriberRow::decode).transpose()
}

#[async_trait]
impl SubprocessorStore for SqliteStore {
    async fn publish_list_version(
        &self,
        new: &NewVersion,
        change: &Change,
    ) -> Result<ListVersion, StoreError> {
        let what = || format!("publishing version {} of the subprocessor list", new.number);
        let (mut tx, key) = self.begin_write(&what()).await?;
        let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM list_versions")
            .fetch_one(&mut *tx)
            .await
            .map_err(context(what()))?;
        let version = sp::next_version(latest, new, change)?;
        let mut sealer = audit::start(&mut tx, key).await?;
        sqlx::query(
            "INSERT INTO list_versions (number, published_us, published_by, effective, \
             notice_days, note, entries) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(version.number)
        .bind(micros(version.published_at))
        .bind(sp::encode_actor(&version.published_by)?)
        .bind(sp::encode_date(version.effective))
        .bind(i64::from(version.notice_days))
        .bind(&version.note)
        .bind(sp::encode_entries(&version.entries)?)
        .execute(&mut *tx)
        .await
        .map_err(context(what()))?;
        audit::append(&mut tx, &mut sealer, [sp::publish_entry(&version)]).await?;
        tx.commit().await.map_err(context(what()))?;
        Ok(version)
    }

    async fn list_versions(&self) -> Result<Vec<ListVersion>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("reading the subprocessor list's versions"))?;
        versions(&mut conn).await
    }

    async fn decide_list_version(
        &self,
        number: i64,
        decision: &Decision,
    ) -> Result<ListVersion, StoreError> {
        let what = || format!("deciding on version {number} of the subprocessor list");
        let (mut tx, key) = self.begin_write(&what()).await?;
        let before = version(&mut tx, number)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: sp::VERSION,
                id: number.to_string(),
            })?;
        let after = sp::decided(&before, decision)?;
        let d = decision;
        let mut sealer = audit::start(&mut tx, key).await?;
        sqlx::query(
            "UPDATE list_versions SET decision = ?2, decision_on = ?3, decision_note = ?4, \
             decided_by = ?5, decided_us = ?6 WHERE number = ?1 AND decision IS NULL",
        )
        .bind(number)
        .bind(d.kind.as_str())
        .bind(sp::encode_date(d.on))
        .bind(&d.note)
        .bind(sp::encode_actor(&d.by)?)
        .bind(micros(d.at))
        .execute(&mut *tx)
        .await
        .map_err(context(what()))?;
        audit::append(
            &mut tx,
            &mut sealer,
            [sp::decide_entry(&before, &after, &d.by, d.at)],
        )
        .await?;
        tx.commit().await.map_err(context(what()))?;
        Ok(after)
    }

    async fn add_objection(
        &self,
        new: &NewObjection,
        change: &Change,
    ) -> Result<Objection, StoreError> {
        let what = || format!("recording an objection to version {}", new.version);
        let (mut tx, key) = self.begin_write(&what()).await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT number FROM list_versions WHERE number = ?1")
                .bind(new.version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(context(what()))?;
        if exists.is_none() {
            return Err(StoreError::NotFound {
                what: sp::VERSION,
                id: new.version.to_string(),
            });
        }
        let mut sealer = audit::start(&mut tx, key).await?;
        let draft = sp::recorded(0, new, change)?;
        let (via, subscriber) = sp::via_columns(&draft.via);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO objections (version, customer, contact, email, grounds, received, via, \
             subscriber, recorded_us, recorded_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
        )
        .bind(draft.version)
        .bind(&draft.customer)
        .bind(&draft.contact)
        .bind(&draft.email)
        .bind(&draft.grounds)
        .bind(sp::encode_date(draft.received))
        .bind(via)
        .bind(subscriber)
        .bind(micros(draft.recorded_at))
        .bind(
            draft
                .recorded_by
                .as_ref()
                .map(sp::encode_actor)
                .transpose()?,
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(context(what()))?;
        let stored = Objection { id, ..draft };
        audit::append(
            &mut tx,
            &mut sealer,
            [sp::objection_entry(
                None,
                &stored,
                &change.actor,
                stored.recorded_at,
            )],
        )
        .await?;
        tx.commit().await.map_err(context(what()))?;
        Ok(stored)
    }

    async fn resolve_objection(
        &self,
        id: i64,
        resolution: &Resolution,
    ) -> Result<Objection, StoreError> {
        let what = || format!("recording the outcome of objection {id}");
        let (mut tx, key) = self.begin_write(&what()).await?;
        let before = objection(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: sp::OBJECTION,
                id: id.to_string(),
            })?;
        let after = sp::resolved(&before, resolution)?;
        let r = resolution;
        let mut sealer = audit::start(&mut tx, key).await?;
        sqlx::query(
            "UPDATE objections SET outcome = ?2, outcome_on = ?3, outcome_notes = ?4, \
             outcome_by = ?5, outcome_us = ?6 WHERE id = ?1",
        )
        .bind(id)
        .bind(r.outcome.as_str())
        .bind(sp::encode_date(r.on))
        .bind(&r.notes)
        .bind(sp::encode_actor(&r.by)?)
        .bind(micros(r.at))
        .execute(&mut *tx)
        .await
        .map_err(context(what()))?;
        audit::append(
            &mut tx,
            &mut sealer,
            [sp::objection_entry(Some(&before), &after, &r.by, r.at)],
        )
        .await?;
        tx.commit().await.map_err(context(what()))?;
        Ok(after)
    }

    async fn list_objections(&self) -> Result<Vec<Objection>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("reading the objections"))?;
        objections(&mut conn).await
    }

    async fn publication_records(&self) -> Result<(Vec<ListVersion>, Vec<Objection>), StoreError> {
        // A deferred transaction: in WAL mode both reads see the snapshot of the first.
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(context("reading the subprocessor list"))?;
        let v = versions(&mut tx).await?;
        let o = objections(&mut tx).await?;
        tx.rollback()
            .await
            .map_err(context("reading the subprocessor list"))?;
        Ok((v, o))
    }

    async fn subscribe(&self, email: &str, at: OffsetDateTime) -> Result<Subscriber, StoreError> {
        let email = email.to_lowercase();
        let row: SubscriberRow = sqlx::query_as(AssertSqlSafe(format!(
            "INSERT INTO subscribers (id, email, status, requested_us) \
             VALUES (?1, ?2, 'pending', ?3) \
             ON CONFLICT (email) DO UPDATE SET \
             requested_us = CASE WHEN subscribers.status = 'confirmed' \
                THEN subscribers.requested_us ELSE excluded.requested_us END, \
             confirmed_us = CASE WHEN subscribers.status = 'confirmed' \
                THEN subscribers.confirmed_us END, \
             unsubscribed_us = CASE WHEN subscribers.status = 'confirmed' \
                THEN subscribers.unsubscribed_us END, \
             status = CASE WHEN subscribers.status = 'confirmed' \
                THEN 'confirmed' ELSE 'pending' END \
             RETURNING {SUBSCRIBER_COLUMNS}"
        )))
        .bind(sp::new_subscriber_id()?)
        .bind(&email)
        .bind(micros(at))
        .fetch_one(&self.pool)
        .await
        .map_err(context("recording a request to subscribe"))?;
        row.decode()
    }

    async fn find_subscriber(&self, id: &str) -> Result<Option<Subscriber>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("reading a subscriber"))?;
        subscriber(&mut conn, id).await
    }

    async fn confirm_subscriber(
        &self,
        id: &str,
        requested_at: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<Option<Subscriber>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("confirming a subscriber"))?;
        sqlx::query(
            "UPDATE subscribers SET status = 'confirmed', confirmed_us = ?3 \
             WHERE id = ?1 AND status = 'pending' AND requested_us = ?2",
        )
        .bind(id)
        .bind(micros(requested_at))
        .bind(micros(at))
        .execute(&mut *conn)
        .await
        .map_err(context("confirming a subscriber"))?;
        subscriber(&mut conn, id).await
    }

    async fn unsubscribe(
        &self,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Subscriber>, StoreError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(context("unsubscribing"))?;
        sqlx::query(
            "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_us = ?2 \
             WHERE id = ?1 AND status <> 'unsubscribed'",
        )
        .bind(id)
        .bind(micros(at))
        .execute(&mut *conn)
        .await
        .map_err(context("unsubscribing"))?;
        subscriber(&mut conn, id).await
    }

    async fn list_subscribers(
        &self,
        status: Option<SubscriberStatus>,
    ) -> Result<Vec<Subscriber>, StoreError> {
        let rows: Vec<SubscriberRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers \
             WHERE ?1 IS NULL OR status = ?1 ORDER BY requested_us, id"
        )))
        .bind(status.map(SubscriberStatus::as_str))
        .fetch_all(&self.pool)
        .await
        .map_err(context("listing subscribers"))?;
        sp::decode_all(rows, SubscriberRow::decode)
    }

    async fn take_rate_slot(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let what = || format!("counting the rate of `{bucket}`");
        let now_us = micros(now);
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(context(what()))?;
        sqlx::query("DELETE FROM rate_events WHERE at_us < ?1")
            .bind(now_us.saturating_sub(sp::micros_of(sp::RATE_EVENTS_KEPT)))
            .execute(&mut *tx)
            .await
            .map_err(context(what()))?;
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM rate_events WHERE bucket = ?1 AND at_us > ?2 AND at_us <= ?3",
        )
        .bind(bucket)
        .bind(now_us.saturating_sub(sp::micros_of(window)))
        .bind(now_us)
        .fetch_one(&mut *tx)
        .await
        .map_err(context(what()))?;
        let free = taken < i64::from(limit);
        if free {
            sqlx::query("INSERT INTO rate_events (bucket, at_us) VALUES (?1, ?2)")
                .bind(bucket)
                .bind(now_us)
                .execute(&mut *tx)
                .await
                .map_err(context(what()))?;
        }
        tx.commit().await.map_err(context(what()))?;
        Ok(free)
    }

    async fn instance_secret(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        let what = || format!("reading the instance secret `{name}`");
        let mut conn = self.pool.acquire().await.map_err(context(what()))?;
        sqlx::query(
            "INSERT INTO instance_secrets (name, secret, created_us) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(sp::new_secret()?.as_slice())
        .bind(micros(OffsetDateTime::now_utc()))
        .execute(&mut *conn)
        .await
        .map_err(context(what()))?;
        sqlx::query_scalar("SELECT secret FROM instance_secrets WHERE name = ?1")
            .bind(name)
            .fetch_one(&mut *conn)
            .await
            .map_err(context(what()))
    }
}
