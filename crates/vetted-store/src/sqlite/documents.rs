//! [`DocumentStore`] in `SQLite`: the `documents` table (migration 0006).

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_core::model::{DocumentHash, MediaType};

use super::SqliteStore;
use crate::documents::{self, DocumentStore, PutDocument, StoredDocument};
use crate::error::context;
use crate::{Change, StoreError};

#[async_trait]
impl DocumentStore for SqliteStore {
    async fn put_document(
        &self,
        content: &[u8],
        media_type: MediaType,
        change: &Change,
    ) -> Result<PutDocument, StoreError> {
        let sha256 = DocumentHash::of(content);
        let at = documents::to_micros(change.at)
            .format(&Rfc3339)
            .map_err(context("formatting a document's upload time"))?;
        // One statement, no read first: a second writer of the same bytes meets the primary
        // key and does nothing, whoever came first.
        let written = sqlx::query(
            "INSERT INTO documents (sha256, media_type, size, content, created_at, created_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256.as_str())
        .bind(media_type.as_str())
        .bind(i64::try_from(content.len()).unwrap_or(i64::MAX))
        .bind(content)
        .bind(at)
        .bind(documents::encode_actor(&change.actor)?)
        .execute(&self.pool)
        .await
        .map_err(context(format!("storing document {sha256}")))?
        .rows_affected();
        Ok(PutDocument {
            sha256,
            created: written == 1,
        })
    }

    async fn find_document(
        &self,
        sha256: &DocumentHash,
    ) -> Result<Option<StoredDocument>, StoreError> {
        let what = || format!("reading document {sha256}");
        let Some(row) = sqlx::query(
            "SELECT sha256, media_type, size, content, created_at, created_by FROM documents \
             WHERE sha256 = ?1",
        )
        .bind(sha256.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(context(what()))?
        else {
            return Ok(None);
        };
        let text = |i: usize| row.try_get::<String, _>(i).map_err(context(what()));
        let size: i64 = row.try_get(2).map_err(context(what()))?;
        let at = text(4)?;
        Ok(Some(StoredDocument {
            sha256: documents::decode_hash(&text(0)?)?,
            media_type: documents::decode_media_type(&text(1)?)?,
            size: u64::try_from(size).unwrap_or(0),
            content: row.try_get(3).map_err(context(what()))?,
            created_at: OffsetDateTime::parse(&at, &Rfc3339)
                .map_err(context("reading a document's upload time"))?,
            created_by: documents::decode_actor(&text(5)?)?,
        }))
    }

    async fn count_documents(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(&self.pool)
            .await
            .map_err(context("counting documents"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
