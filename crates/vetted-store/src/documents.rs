//! [`DocumentStore`]: the evidence files that assurance items reference, kept by the SHA-256 of
//! their content (migration 0006).
//!
//! Content-addressed: [`DocumentStore::put_document`] computes the hash itself, so a row's key
//! always matches its bytes, and storing the same bytes twice keeps the one row (the first
//! uploader and time stay). The bytes are in the database rather than in files beside it, so
//! every server on one `PostgreSQL` database serves them and a backup ([`crate::backup`])
//! holds them. Putting a document is not audited: it changes nothing in the register. The
//! supplier update that references it is, like every update. Documents are never deleted by
//! the application: a reference removed from one item may still be another's, or an old
//! version's in the audit trail.

use async_trait::async_trait;
use time::OffsetDateTime;
use vetted_core::audit::Actor;
use vetted_core::model::{DocumentHash, MediaType};

use crate::{Change, StoreError};

/// One stored document.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// The SHA-256 of `content`.
    pub sha256: DocumentHash,
    /// What the content is.
    pub media_type: MediaType,
    /// `content.len()`.
    pub size: u64,
    /// The bytes.
    pub content: Vec<u8>,
    /// When it was first stored (UTC, to the microsecond).
    pub created_at: OffsetDateTime,
    /// Who first stored it (ids only).
    pub created_by: Actor,
}

// The content is left out: a document can be megabytes.
impl std::fmt::Debug for StoredDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredDocument")
            .field("sha256", &self.sha256)
            .field("media_type", &self.media_type)
            .field("size", &self.size)
            .field("created_at", &self.created_at)
            .field("created_by", &self.created_by)
            .finish_non_exhaustive()
    }
}

/// What [`DocumentStore::put_document`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutDocument {
    /// The key the content is stored under: its SHA-256.
    pub sha256: DocumentHash,
    /// Whether this call stored it; `false` when the same bytes were stored already.
    pub created: bool,
}

/// The evidence files.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Stores `content` under its SHA-256, as `media_type` (the caller checks that the content
    /// is of that type), by `change`. The same content stored already: nothing is written and
    /// the stored row stays as it is. Two servers storing the same content at once both
    /// succeed, with one row.
    async fn put_document(
        &self,
        content: &[u8],
        media_type: MediaType,
        change: &Change,
    ) -> Result<PutDocument, StoreError>;

    /// The document stored under `sha256`, if there is one.
    async fn find_document(
        &self,
        sha256: &DocumentHash,
    ) -> Result<Option<StoredDocument>, StoreError>;

    /// How many documents are stored.
    async fn count_documents(&self) -> Result<u64, StoreError>;
}

/// `at` in UTC to the microsecond, as both backends keep times.
pub(crate) fn to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.replace_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

/// The actor column's text.
pub(crate) fn encode_actor(actor: &Actor) -> Result<String, StoreError> {
    serde_json::to_string(actor).map_err(crate::error::context("encoding a document's uploader"))
}

/// The actor from the column's text.
pub(crate) fn decode_actor(text: &str) -> Result<Actor, StoreError> {
    serde_json::from_str(text).map_err(crate::error::context("reading a document's uploader"))
}

/// The media type from the column's text.
pub(crate) fn decode_media_type(text: &str) -> Result<MediaType, StoreError> {
    MediaType::parse(text).ok_or_else(|| {
        StoreError::other(
            "reading a document",
            format!("unknown media type `{text}` in the documents table"),
        )
    })
}

/// The hash from the column's text.
pub(crate) fn decode_hash(text: &str) -> Result<DocumentHash, StoreError> {
    DocumentHash::parse(text)
        .map_err(|why| StoreError::other("reading a document", format!("its sha256 {why}")))
}
