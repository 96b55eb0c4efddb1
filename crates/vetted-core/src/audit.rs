//! The audit trail's pure core: a tamper-evident, keyed hash chain of [`AuditEntry`]s.
//!
//! Every change to the register is recorded as an entry: who ([`Actor`], by opaque id only),
//! when, what (`action`, `subject`) and the whole record `before` and `after`, so the register as
//! it stood at any past moment can be rebuilt from the trail. [`seal`] gives each entry the next
//! `seq` and a MAC: HMAC-SHA-256 under the instance's [`AuditKey`] over the entry's
//! [canonical encoding](canonical_bytes), which includes `prev`, the MAC of the entry before it.
//! [`verify`] walks a whole trail and names the first broken entry and why.
//!
//! Why a keyed MAC and not a plain hash chain: anyone who can write the database could edit an
//! entry and recompute every plain hash after it, leaving a chain that checks out. The key lives
//! outside the database (a key file the store creates on first start), so someone who can only
//! write the database cannot compute valid MACs: editing, inserting or forging an entry breaks
//! the chain at that entry. Deleting the newest entries leaves a valid, shorter chain; an auditor
//! who kept an exported [`ChainHead`] detects that too (`verify` with `expected_head`).
//!
//! People appear only as ids, never as names or e-mail addresses, so a person's data can be
//! erased elsewhere (GDPR) without touching a sealed entry.
//!
//! This module does no I/O and reads no clock: callers pass the time and the key bytes. The store
//! (`vetted-store`) keeps the entries and the key file; the use cases (`vetted-app`) seal an entry
//! in the same transaction as the change it records.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use sha2::Sha256;
use time::{Duration, OffsetDateTime, UtcOffset};

type HmacSha256 = Hmac<Sha256>;

/// The first field of every canonical encoding: names the format, so a MAC made under the audit
/// key for this purpose can never be mistaken for one of another format or version.
pub const DOMAIN: &str = "vetted-audit/1";

/// What [`AuditKey::fingerprint`] MACs: not a canonical encoding (those start with a length), so
/// a fingerprint can never equal an entry's MAC.
const FINGERPRINT_LABEL: &str = "vetted-audit-key-fingerprint/1";

/// The `action` names the application records.
pub mod action {
    /// A supplier was added to the register.
    pub const SUPPLIER_CREATE: &str = "supplier.create";
    /// A supplier's record was changed.
    pub const SUPPLIER_UPDATE: &str = "supplier.update";
    /// A supplier was archived.
    pub const SUPPLIER_ARCHIVE: &str = "supplier.archive";
    /// An archived supplier was brought back into the register.
    pub const SUPPLIER_RESTORE: &str = "supplier.restore";
    /// A register document was imported.
    pub const REGISTER_IMPORT: &str = "register.import";
    /// A new policy version was uploaded.
    pub const POLICY_UPLOAD: &str = "policy.upload";
    /// A user account was created (by an admin, the CLI, or the first-run setup).
    pub const USER_CREATE: &str = "user.create";
    /// A user's role changed, or the account was disabled or enabled.
    pub const USER_UPDATE: &str = "user.update";
    /// A user's TOTP second factor was turned on (or off).
    pub const USER_TOTP: &str = "user.totp";
    /// An API token was created (its id and user, never the token).
    pub const TOKEN_CREATE: &str = "token.create";
    /// An API token was revoked.
    pub const TOKEN_REVOKE: &str = "token.revoke";
}

// ---------------------------------------------------------------------------------------------
// Digest
// ---------------------------------------------------------------------------------------------

/// A 32-byte HMAC-SHA-256 value, written as 64 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    /// All zero: the `prev` of the first entry of a trail.
    pub const ZERO: Digest = Digest([0; 32]);

    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Wraps 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Digest {
        Digest(bytes)
    }
}

/// Why a text is not a [`Digest`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a digest is 64 hexadecimal digits")]
pub struct DigestError;

impl FromStr for Digest {
    type Err = DigestError;

    /// Parses 64 hexadecimal digits (either case; [`Display`](fmt::Display) writes lowercase).
    fn from_str(s: &str) -> Result<Digest, DigestError> {
        let mut bytes = [0; 32];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| DigestError)?;
        Ok(Digest(bytes))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Key
// ---------------------------------------------------------------------------------------------

/// The instance's secret audit key: at least 32 bytes, kept outside the database.
///
/// The caller supplies the bytes (the store generates them once and keeps them in a key file);
/// `Debug` never shows them.
#[derive(Clone)]
pub struct AuditKey {
    bytes: Box<[u8]>,
    /// HMAC keyed once; each MAC starts from a clone.
    mac: HmacSha256,
}

/// Why bytes or a key file's text are not an [`AuditKey`]. Never contains key material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditKeyError {
    /// Fewer than [`AuditKey::MIN_LEN`] bytes.
    #[error("an audit key must be at least 32 bytes long; this one has {0}")]
    TooShort(usize),
    /// The key file's text is not hexadecimal digits.
    #[error("an audit key file must hold the key as hexadecimal digits (at least 64)")]
    NotHex,
}

impl AuditKey {
    /// The shortest key accepted, in bytes.
    pub const MIN_LEN: usize = 32;

    /// A key from raw bytes (at least [`MIN_LEN`](Self::MIN_LEN)).
    pub fn from_bytes(bytes: &[u8]) -> Result<AuditKey, AuditKeyError> {
        if bytes.len() < Self::MIN_LEN {
            return Err(AuditKeyError::TooShort(bytes.len()));
        }
        let mac = <HmacSha256 as KeyInit>::new_from_slice(bytes)
            .map_err(|_| AuditKeyError::TooShort(bytes.len()))?;
        Ok(AuditKey {
            bytes: bytes.into(),
            mac,
        })
    }

    /// A key from a key file's text: hexadecimal digits, surrounding whitespace ignored.
    pub fn from_hex(text: &str) -> Result<AuditKey, AuditKeyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| AuditKeyError::NotHex)?;
        AuditKey::from_bytes(&bytes)
    }

    /// The key as lowercase hexadecimal digits, for writing the key file. Handle with care.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.bytes)
    }

    /// A MAC of a fixed label under this key: stored beside a trail so that a store opened with
    /// another key can refuse to extend or verify it, without revealing the key.
    pub fn fingerprint(&self) -> Digest {
        Digest(
            self.mac_of(FINGERPRINT_LABEL.as_bytes())
                .finalize()
                .into_bytes()
                .into(),
        )
    }

    fn mac_of(&self, bytes: &[u8]) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(bytes);
        mac
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

/// Who made a change, by opaque id only (never a name or an e-mail address).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A signed-in user.
    User {
        /// The user's id.
        id: String,
    },
    /// An API token, acting for its user.
    Token {
        /// The token's id (not the token).
        id: String,
        /// The id of the user the token belongs to.
        user_id: String,
    },
    /// Vetted itself (migrations, the demo seed, scheduled work).
    System,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::User { id } => write!(f, "user {id}"),
            Actor::Token { id, user_id } => write!(f, "token {id} (user {user_id})"),
            Actor::System => f.write_str("system"),
        }
    }
}

/// The seq and MAC of a trail's last entry: exported so an auditor can later detect that entries
/// were cut from the end (see [`verify`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainHead {
    /// The last entry's seq.
    pub seq: u64,
    /// The last entry's MAC.
    pub mac: Digest,
}

/// A change to record, before it is sealed into an [`AuditEntry`].
#[derive(Clone, Debug, PartialEq)]
pub struct NewEntry {
    /// When the change happened (the caller's clock). [`seal`] keeps it in UTC, to the microsecond.
    pub at: OffsetDateTime,
    /// Who made it.
    pub actor: Actor,
    /// What was done, e.g. [`action::SUPPLIER_UPDATE`].
    pub action: String,
    /// What it was done to, e.g. the supplier id.
    pub subject: Option<String>,
    /// The whole record before the change (`None` for a creation).
    pub before: Option<Value>,
    /// The whole record after the change (`None` for a deletion).
    pub after: Option<Value>,
}

/// One sealed entry of the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the trail: 1, 2, 3 … with no gaps.
    pub seq: u64,
    /// When the change happened, in UTC (RFC 3339 in JSON).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who made the change.
    pub actor: Actor,
    /// What was done, e.g. `supplier.update`.
    pub action: String,
    /// What it was done to, e.g. the supplier id.
    pub subject: Option<String>,
    /// The whole record before the change.
    pub before: Option<Value>,
    /// The whole record after the change.
    pub after: Option<Value>,
    /// The previous entry's MAC; [`Digest::ZERO`] for the first entry.
    pub prev: Digest,
    /// HMAC-SHA-256 under the audit key of [`canonical_bytes`] of this entry.
    pub mac: Digest,
}

impl AuditEntry {
    /// This entry as the head of its trail.
    pub fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.seq,
            mac: self.mac,
        }
    }

    /// Whether `mac` matches this entry's content under `key` (compared in constant time).
    pub fn mac_is_valid(&self, key: &AuditKey) -> bool {
        key.mac_of(&canonical_bytes(self))
            .verify_slice(self.mac.as_bytes())
            .is_ok()
    }
}

/// Seals a change as the entry after `prev` (`None`: the first entry of the trail).
///
/// The entry gets `seq` one past `prev`'s, `prev` set to `prev`'s MAC, `at` converted to UTC and
/// truncated to whole microseconds (what a PostgreSQL `timestamptz` keeps), and its MAC.
pub fn seal(key: &AuditKey, prev: Option<&ChainHead>, new: NewEntry) -> AuditEntry {
    let NewEntry {
        at,
        actor,
        action,
        subject,
        before,
        after,
    } = new;
    let at = at.to_offset(UtcOffset::UTC);
    let sub_micro = i64::from(at.nanosecond() % 1_000);
    let at = at
        .checked_sub(Duration::nanoseconds(sub_micro))
        .unwrap_or(at);
    let mut entry = AuditEntry {
        seq: prev.map_or(1, |h| h.seq.saturating_add(1)),
        at,
        actor,
        action,
        subject,
        before,
        after,
        prev: prev.map_or(Digest::ZERO, |h| h.mac),
        mac: Digest::ZERO,
    };
    entry.mac = Digest(
        key.mac_of(&canonical_bytes(&entry))
            .finalize()
            .into_bytes()
            .into(),
    );
    entry
}

// ---------------------------------------------------------------------------------------------
// Canonical encoding
// ---------------------------------------------------------------------------------------------

/// The bytes an entry's MAC is computed over: every field except `mac`, in a fixed order, each
/// unambiguous on its own.
///
/// - A *field* is its length as a `u64` big-endian (8 bytes) followed by its UTF-8 bytes.
/// - An *option* is the byte `0` for `None`, or the byte `1` followed by the value.
///
/// In order: the field [`DOMAIN`]; `seq` as `u64` big-endian; `at` as microseconds since
/// 1970-01-01T00:00:00Z as `i128` big-endian (16 bytes; any sub-microsecond part is dropped);
/// the actor as one tag byte (`0` system, `1` user, `2` token) then its fields (user: `id`; token:
/// `id`, `user_id`); `action` as a field; `subject`, `before` and `after` as options, the JSON values
/// as fields holding their [`canonical_json`]; `prev` as its 32 bytes.
pub fn canonical_bytes(entry: &AuditEntry) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    put_field(&mut out, DOMAIN.as_bytes());
    out.extend_from_slice(&entry.seq.to_be_bytes());
    out.extend_from_slice(&(entry.at.unix_timestamp_nanos() / 1_000).to_be_bytes());
    match &entry.actor {
        Actor::System => out.push(0),
        Actor::User { id } => {
            out.push(1);
            put_field(&mut out, id.as_bytes());
        }
        Actor::Token { id, user_id } => {
            out.push(2);
            put_field(&mut out, id.as_bytes());
            put_field(&mut out, user_id.as_bytes());
        }
    }
    put_field(&mut out, entry.action.as_bytes());
    put_option(&mut out, entry.subject.as_deref().map(str::as_bytes));
    for value in [&entry.before, &entry.after] {
        put_option(
            &mut out,
            value
                .as_ref()
                .map(canonical_json)
                .as_deref()
                .map(str::as_bytes),
        );
    }
    out.extend_from_slice(entry.prev.as_bytes());
    out
}

fn put_field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_option(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => out.push(0),
        Some(bytes) => {
            out.push(1);
            put_field(out, bytes);
        }
    }
}

/// A JSON value as canonical text: object keys sorted by their UTF-8 bytes at every depth, no
/// whitespace, numbers as `serde_json` writes them, strings with only `"`, `\` and the control
/// characters U+0000 to U+001F escaped (`\"`, `\\`, `\u00xx` in lowercase hex), everything else
/// as its literal UTF-8. Two values equal as JSON data give the same text whatever their key order.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value);
    out
}

fn write_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, key);
                out.push(':');
                write_json(out, item);
            }
            out.push('}');
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{0}'..='\u{1f}' => {
                out.push_str("\\u00");
                let b = c as u8;
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/// Why a trail does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokenReason {
    /// The entry's MAC does not match its content: it was edited, or made without the key.
    MacMismatch,
    /// Not one entry's MAC matches: the key is not the trail's, or the whole trail was forged.
    WrongKey,
    /// Entries are missing: a gap in `seq`.
    Deleted,
    /// An extra entry: it repeats a `seq` already seen.
    Inserted,
    /// The expected entry comes later: entries were moved.
    Reordered,
    /// The entry's `prev` is not the previous entry's MAC: it was taken from another trail, or
    /// its neighbours were replaced.
    BrokenLink,
    /// The trail ends before the exported head.
    Truncated,
    /// The entry at the exported head's `seq` has another MAC: the trail was rewritten with the
    /// key, or the head belongs to another trail.
    HeadMismatch,
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verification {
    /// Every entry verifies (and the exported head, if given, is in the trail).
    Ok {
        /// How many entries were checked.
        entries: usize,
        /// The last entry; `None` for an empty trail.
        head: Option<ChainHead>,
    },
    /// The first problem found, walking from entry 1.
    Broken {
        /// The seq of the first broken entry: the one at fault, or where a missing one should be.
        at_seq: u64,
        /// What is wrong.
        reason: BrokenReason,
        /// A sentence for people, e.g. "entry 17 was edited or forged: …".
        message: String,
    },
}

impl Verification {
    /// Whether the trail verified.
    pub fn is_ok(&self) -> bool {
        matches!(self, Verification::Ok { .. })
    }
}

fn broken(at_seq: u64, reason: BrokenReason, message: String) -> Verification {
    Verification::Broken {
        at_seq,
        reason,
        message,
    }
}

/// Walks a whole trail, in the order it is stored (by `seq`), and names the first broken entry.
///
/// Per entry, in this order: its MAC matches its content under `key`; its `seq` is the next one
/// (else a later entry with the expected `seq` means a reorder, a higher `seq` a deletion, a
/// lower one an insertion); its `prev` is the previous entry's MAC. With `expected_head` (a head
/// exported earlier), the trail must reach that `seq` and the entry there must have that MAC.
///
/// Only a whole trail verifies: a part (one supplier's entries) has gaps by design.
pub fn verify(
    key: &AuditKey,
    entries: &[AuditEntry],
    expected_head: Option<&ChainHead>,
) -> Verification {
    let mut prev_mac = Digest::ZERO;
    for (i, entry) in entries.iter().enumerate() {
        let expected = i as u64 + 1;
        if !entry.mac_is_valid(key) {
            if i == 0 && !entries.iter().any(|e| e.mac_is_valid(key)) {
                return broken(
                    1,
                    BrokenReason::WrongKey,
                    "no entry's MAC matches its content: the key is not the one this trail was \
                     sealed with, or the whole trail was forged"
                        .to_string(),
                );
            }
            let claims = if entry.seq == expected {
                String::new()
            } else {
                format!(" (it now claims to be entry {})", entry.seq)
            };
            return broken(
                expected,
                BrokenReason::MacMismatch,
                format!(
                    "entry {expected} was edited or forged: its MAC does not match its \
                     content{claims}"
                ),
            );
        }
        if entry.seq > expected {
            if entries[i + 1..].iter().any(|e| e.seq == expected) {
                return broken(
                    expected,
                    BrokenReason::Reordered,
                    format!(
                        "entry {expected} is out of order: entry {} stands in its place and \
                         entry {expected} comes later",
                        entry.seq
                    ),
                );
            }
            let after = if expected == 1 {
                format!("the trail starts at entry {}", entry.seq)
            } else {
                format!("entry {} is followed by entry {}", expected - 1, entry.seq)
            };
            let what = if entry.seq - expected == 1 {
                format!("entry {expected} was deleted")
            } else {
                format!("entries {expected} to {} were deleted", entry.seq - 1)
            };
            return broken(expected, BrokenReason::Deleted, format!("{what}: {after}"));
        }
        if entry.seq < expected {
            return broken(
                expected,
                BrokenReason::Inserted,
                format!(
                    "an entry was inserted before entry {expected}: it repeats entry {}",
                    entry.seq
                ),
            );
        }
        if entry.prev != prev_mac {
            let message = if expected == 1 {
                "entry 1 does not start a trail: its previous MAC is not zero".to_string()
            } else {
                format!(
                    "entry {expected} does not follow entry {}: its previous MAC is not that \
                     entry's MAC (an entry was replaced, or taken from another trail)",
                    expected - 1
                )
            };
            return broken(expected, BrokenReason::BrokenLink, message);
        }
        prev_mac = entry.mac;
    }

    let head = entries.last().map(AuditEntry::head);
    if let Some(wanted) = expected_head.filter(|h| h.seq > 0) {
        let last = head.map_or(0, |h| h.seq);
        if wanted.seq > last {
            let what = if wanted.seq - last == 1 {
                format!("entry {} was removed", wanted.seq)
            } else {
                format!("entries {} to {} were removed", last + 1, wanted.seq)
            };
            let ends = if last == 0 {
                "the trail is empty".to_string()
            } else {
                format!("the trail ends at entry {last}")
            };
            return broken(
                last + 1,
                BrokenReason::Truncated,
                format!(
                    "{ends} but the exported head is entry {}: {what}",
                    wanted.seq
                ),
            );
        }
        // The walk above proved entry n sits at index n - 1.
        let at_head = usize::try_from(wanted.seq - 1)
            .ok()
            .and_then(|i| entries.get(i));
        if at_head.map(|e| e.mac) != Some(wanted.mac) {
            return broken(
                wanted.seq,
                BrokenReason::HeadMismatch,
                format!(
                    "entry {} does not match the exported head: its MAC differs, so the trail \
                     was rewritten from there or earlier with the key, or the head is from \
                     another trail",
                    wanted.seq
                ),
            );
        }
    }
    Verification::Ok {
        entries: entries.len(),
        head,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;

    fn key() -> AuditKey {
        AuditKey::from_bytes(&[7; 32]).unwrap()
    }

    fn new(action: &str) -> NewEntry {
        NewEntry {
            at: datetime!(2026-03-01 12:00:00.123456789 +02:00),
            actor: Actor::User { id: "u1".into() },
            action: action.into(),
            subject: Some("acme".into()),
            before: None,
            after: Some(json!({"name": "Acme", "tier": "high"})),
        }
    }

    #[test]
    fn fingerprints_tell_keys_apart_and_are_no_mac_of_an_entry() {
        let other = AuditKey::from_bytes(&[8; 32]).unwrap();
        assert_eq!(key().fingerprint(), key().fingerprint());
        assert_ne!(key().fingerprint(), other.fingerprint());
        let entry = seal(&key(), None, new(action::SUPPLIER_CREATE));
        assert_ne!(entry.mac, key().fingerprint());
        assert!(!key().fingerprint().to_string().contains(&key().to_hex()));
    }

    #[test]
    fn key_must_be_long_enough_and_debug_hides_it() {
        assert_eq!(
            AuditKey::from_bytes(&[1; 31]).unwrap_err(),
            AuditKeyError::TooShort(31)
        );
        let key = AuditKey::from_bytes(&[0xab; 40]).unwrap();
        let shown = format!("{key:?}");
        assert_eq!(shown, "AuditKey(<redacted>)");
        assert!(!shown.contains("ab"));
    }

    #[test]
    fn key_file_text_round_trips_as_hex() {
        let key = AuditKey::from_bytes(&[0x5a; 32]).unwrap();
        let text = format!("  {}\n", key.to_hex());
        let again = AuditKey::from_hex(&text).unwrap();
        assert_eq!(again.to_hex(), key.to_hex());
        assert_eq!(AuditKey::from_hex("zz").unwrap_err(), AuditKeyError::NotHex);
        assert_eq!(
            AuditKey::from_hex("abcd").unwrap_err(),
            AuditKeyError::TooShort(2)
        );
    }

    #[test]
    fn digest_is_lowercase_hex_and_parses_back() {
        let d = Digest::from_bytes([0xab; 32]);
        let text = d.to_string();
        assert_eq!(text, "ab".repeat(32));
        assert_eq!(text.parse::<Digest>().unwrap(), d);
        assert_eq!(text.to_uppercase().parse::<Digest>().unwrap(), d);
        assert!("ab".parse::<Digest>().is_err());
        assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{text}\""));
    }

    #[test]
    fn seal_links_numbers_and_normalises_time() {
        let key = key();
        let first = seal(&key, None, new(action::SUPPLIER_CREATE));
        assert_eq!(first.seq, 1);
        assert_eq!(first.prev, Digest::ZERO);
        assert_eq!(first.at, datetime!(2026-03-01 10:00:00.123456 UTC));
        assert_eq!(first.at.offset(), UtcOffset::UTC);
        let second = seal(&key, Some(&first.head()), new(action::SUPPLIER_UPDATE));
        assert_eq!(second.seq, 2);
        assert_eq!(second.prev, first.mac);
        assert!(first.mac_is_valid(&key) && second.mac_is_valid(&key));
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_escapes_minimally() {
        let value: Value = serde_json::from_str(
            r#"{ "b": [1, 2.5, {"z": null, "a": true}], "a": "x\"\\\n\u00e9" }"#,
        )
        .unwrap();
        assert_eq!(
            canonical_json(&value),
            r#"{"a":"x\"\\\u000aé","b":[1,2.5,{"a":true,"z":null}]}"#
        );
    }

    #[test]
    fn canonical_bytes_tell_fields_apart() {
        // Moving text between adjacent fields changes the encoding.
        let mut base = seal(&key(), None, new("supplier.update"));
        base.subject = Some("x".into());
        let mut shifted = base.clone();
        shifted.action = "supplier.updatex".into();
        shifted.subject = Some(String::new());
        assert_ne!(canonical_bytes(&base), canonical_bytes(&shifted));
        // An absent subject differs from an empty one; null JSON differs from no JSON.
        let mut absent = base.clone();
        absent.subject = None;
        let mut empty = base.clone();
        empty.subject = Some(String::new());
        assert_ne!(canonical_bytes(&absent), canonical_bytes(&empty));
        let mut null = base.clone();
        null.before = Some(Value::Null);
        assert_ne!(canonical_bytes(&base), canonical_bytes(&null));
    }

    #[test]
    fn an_empty_trail_verifies_and_is_truncated_against_a_head() {
        let key = key();
        assert_eq!(
            verify(&key, &[], None),
            Verification::Ok {
                entries: 0,
                head: None
            }
        );
        let head = ChainHead {
            seq: 3,
            mac: Digest::ZERO,
        };
        let Verification::Broken {
            at_seq,
            reason,
            message,
        } = verify(&key, &[], Some(&head))
        else {
            panic!("an empty trail cannot reach entry 3");
        };
        assert_eq!((at_seq, reason), (1, BrokenReason::Truncated));
        assert_eq!(
            message,
            "the trail is empty but the exported head is entry 3: entries 1 to 3 were removed"
        );
    }

    #[test]
    fn verification_serialises_for_the_api() {
        let v = broken(4, BrokenReason::MacMismatch, "m".into());
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"status":"broken","at_seq":4,"reason":"mac_mismatch","message":"m"}"#
        );
    }
}
