//! The backend-independent half of the audit trail: sealing entries in a writing transaction,
//! turning them into table rows and back, checking the key's fingerprint, and verifying rows
//! that may have been tampered with.

use serde_json::Value;
use time::OffsetDateTime;
use vetted_core::audit::{
    self, Actor, AuditEntry, AuditKey, BrokenReason, ChainHead, Digest, NewEntry, Verification,
};

use crate::StoreError;
use crate::error::context;
use crate::store::Change;

/// The `audit_meta` row holding the key's fingerprint.
pub(crate) const FINGERPRINT: &str = "key_fingerprint";

/// An entry as the `audit_entries` columns hold it. `before` and `after` are the canonical
/// JSON that was sealed, so the stored bytes are exactly what the MAC covers.
pub(crate) struct EntryRow {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev: String,
    pub mac: String,
}

impl EntryRow {
    pub fn from_entry(entry: &AuditEntry) -> Result<EntryRow, StoreError> {
        Ok(EntryRow {
            seq: i64::try_from(entry.seq).map_err(context("numbering an audit entry"))?,
            at: entry.at,
            actor: serde_json::to_string(&entry.actor)
                .map_err(context("encoding an audit entry's actor"))?,
            action: entry.action.clone(),
            subject: entry.subject.clone(),
            before: entry.before.as_ref().map(audit::canonical_json),
            after: entry.after.as_ref().map(audit::canonical_json),
            prev: entry.prev.to_string(),
            mac: entry.mac.to_string(),
        })
    }

    /// The entry, or why the row cannot be one (someone edited it into nonsense).
    pub fn into_entry(self) -> Result<AuditEntry, String> {
        let json = |field: &str, text: Option<String>| -> Result<Option<Value>, String> {
            text.map(|t| serde_json::from_str(&t))
                .transpose()
                .map_err(|e| format!("its `{field}` is not JSON ({e})"))
        };
        Ok(AuditEntry {
            seq: u64::try_from(self.seq)
                .map_err(|_| format!("its seq {} is negative", self.seq))?,
            at: self.at,
            actor: serde_json::from_str::<Actor>(&self.actor)
                .map_err(|e| format!("its actor is not one ({e})"))?,
            action: self.action,
            subject: self.subject,
            before: json("before", self.before)?,
            after: json("after", self.after)?,
            prev: self
                .prev
                .parse()
                .map_err(|_| "its `prev` is not a digest".to_string())?,
            mac: self
                .mac
                .parse()
                .map_err(|_| "its `mac` is not a digest".to_string())?,
        })
    }
}

/// Seals the entries of one writing transaction, each after the one before; starts from the
/// head read inside that transaction, under the writers' lock.
pub(crate) struct Sealer<'k> {
    key: &'k AuditKey,
    head: Option<ChainHead>,
}

impl<'k> Sealer<'k> {
    pub fn new(key: &'k AuditKey, head: Option<ChainHead>) -> Sealer<'k> {
        Sealer { key, head }
    }

    pub fn seal(&mut self, new: NewEntry) -> Result<EntryRow, StoreError> {
        let entry = audit::seal(self.key, self.head.as_ref(), new);
        self.head = Some(entry.head());
        EntryRow::from_entry(&entry)
    }
}

/// The head from the last row's `seq` and `mac`; a row that cannot be one is an error, since
/// sealing after it would extend a broken chain.
pub(crate) fn head_of(row: Option<(i64, String)>) -> Result<Option<ChainHead>, StoreError> {
    let Some((seq, mac)) = row else {
        return Ok(None);
    };
    let broken = || {
        StoreError::other(
            "reading the audit trail's head",
            format!("the last audit entry (seq {seq}) is damaged: run `vetted audit verify`"),
        )
    };
    Ok(Some(ChainHead {
        seq: u64::try_from(seq).map_err(|_| broken())?,
        mac: mac.parse::<Digest>().map_err(|_| broken())?,
    }))
}

/// The entry recording `action` on supplier `id` by `change`.
pub(crate) fn supplier_entry(
    change: &Change,
    action: &str,
    id: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> NewEntry {
    NewEntry {
        at: change.at,
        actor: change.actor.clone(),
        action: action.to_string(),
        subject: Some(id.to_string()),
        before,
        after,
    }
}

/// The key a write needs, or the error saying the store was opened without one.
pub(crate) fn required(key: Option<&AuditKey>) -> Result<&AuditKey, StoreError> {
    key.ok_or_else(|| {
        StoreError::AuditKey(
            "this store was opened without the audit key, and every write is sealed with it: \
             open it with the key file (--audit-key FILE)"
                .to_string(),
        )
    })
}

/// Compares the stored fingerprint (if any) with `key`'s.
pub(crate) fn check_fingerprint(stored: Option<&str>, key: &AuditKey) -> Result<(), StoreError> {
    match stored {
        Some(stored) if stored != key.fingerprint().to_string() => Err(StoreError::AuditKey(
            "the audit key is not the one this database's audit trail was sealed with \
             (their fingerprints differ): writing would fork the chain and verifying would fail \
             on every entry. Give every server on this database the same key file"
                .to_string(),
        )),
        _ => Ok(()),
    }
}

/// Verifies rows read in the order they were written; a row that does not decode is broken
/// where it stands, unless an earlier entry is broken already.
pub(crate) fn verify_rows(
    key: &AuditKey,
    rows: Vec<EntryRow>,
    expected_head: Option<&ChainHead>,
) -> Verification {
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        match row.into_entry() {
            Ok(entry) => entries.push(entry),
            Err(why) => {
                let before = audit::verify(key, &entries, None);
                if !before.is_ok() {
                    return before;
                }
                let at_seq = entries.len() as u64 + 1;
                return Verification::Broken {
                    at_seq,
                    reason: BrokenReason::MacMismatch,
                    message: format!("entry {at_seq} was edited: {why}"),
                };
            }
        }
    }
    audit::verify(key, &entries, expected_head)
}
