//! The instance's evidence-signing key: Ed25519 (RFC 8032), its 32-byte seed the store's
//! instance secret `evidence-signing` ([`vetted_store::SubprocessorStore::instance_secret`]), so
//! every server on one database signs with the same key, and a backup restores it.
//!
//! The public key's text form is `ed25519:` and the standard base64 of its 32 bytes; its
//! [`PublicKey::fingerprint`] (the first 8 bytes of its SHA-256 in hex, in groups of four) is
//! for people comparing keys by eye, as the admin page and `vetted evidence-pack public-key`
//! show them.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signer as _;
use sha2::Digest as _;
use vetted_store::{Store, StoreError};

/// The name of the instance secret the signing key's seed is.
pub const SECRET_NAME: &str = "evidence-signing";

/// The prefix of a public key's text form.
const PREFIX: &str = "ed25519:";

/// An Ed25519 public key: what a pack names as its signer, and what an auditor compares.
/// Its bytes are a valid key (checked when made), kept compressed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// The key's 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The first 8 bytes of the SHA-256 of the key's bytes, as four groups of four hex digits
    /// (`1a2b 3c4d 5e6f 7081`): short enough to compare by eye.
    pub fn fingerprint(&self) -> String {
        let digest = sha2::Sha256::digest(self.0);
        let hex = hex::encode(&digest[..8]);
        let groups: Vec<&str> = (0..4).map(|i| &hex[i * 4..i * 4 + 4]).collect();
        groups.join(" ")
    }

    /// Whether `signature` is this key's signature of `message` (RFC 8032, strict: no
    /// malleable or small-order forms).
    pub fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        ed25519_dalek::VerifyingKey::from_bytes(&self.0)
            .is_ok_and(|key| key.verify_strict(message, &signature).is_ok())
    }
}

impl fmt::Display for PublicKey {
    /// `ed25519:` + base64 (standard alphabet, padded) of the 32 bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", STANDARD.encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl serde::Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a text is not a [`PublicKey`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    #[error("a public key starts with `ed25519:` (as `vetted evidence-pack public-key` prints it)")]
    Prefix,
    #[error("the part after `ed25519:` is not base64")]
    Base64,
    #[error("an Ed25519 public key is 32 bytes; this one has {0}")]
    Length(usize),
    #[error("these 32 bytes are not an Ed25519 public key")]
    Point,
}

impl FromStr for PublicKey {
    type Err = PublicKeyError;

    /// Parses the text form, surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<PublicKey, PublicKeyError> {
        let b64 = s
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(PublicKeyError::Prefix)?;
        let bytes = STANDARD
            .decode(b64.trim())
            .map_err(|_| PublicKeyError::Base64)?;
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| PublicKeyError::Length(bytes.len()))?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(|_| PublicKey(bytes))
            .map_err(|_| PublicKeyError::Point)
    }
}

/// An Ed25519 signing key. Its `Debug` shows the public key only.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// The key whose seed is `seed` (the RFC 8032 private key, 32 bytes); `None` for another
    /// length.
    pub fn from_seed(seed: &[u8]) -> Option<SigningKey> {
        let seed: &[u8; 32] = seed.try_into().ok()?;
        Some(SigningKey(ed25519_dalek::SigningKey::from_bytes(seed)))
    }

    /// Its public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// The signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public {})", self.public_key())
    }
}

/// The instance's signing key (made on first use; the same on every server of the database).
///
/// # Errors
/// When the store cannot be read or written, or holds a secret that is not 32 bytes.
pub async fn instance_key(store: &dyn Store) -> Result<SigningKey, StoreError> {
    let seed = store.instance_secret(SECRET_NAME).await?;
    SigningKey::from_seed(&seed).ok_or_else(|| {
        StoreError::other(
            "reading the evidence-signing key",
            format!(
                "the instance secret `{SECRET_NAME}` has {} bytes, not 32",
                seed.len()
            ),
        )
    })
}

/// The signature's text form in a pack (`manifest.sig`): standard base64 and a newline.
pub fn signature_text(signature: &[u8; 64]) -> String {
    format!("{}\n", STANDARD.encode(signature))
}

/// A signature from its text form (surrounding whitespace ignored).
///
/// # Errors
/// A sentence naming what is wrong.
pub fn parse_signature(text: &str) -> Result<[u8; 64], String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| "manifest.sig is not base64".to_string())?;
    bytes.as_slice().try_into().map_err(|_| {
        format!(
            "manifest.sig holds {} bytes; an Ed25519 signature is 64",
            bytes.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_reads_back_and_bad_forms_say_why() {
        let key = SigningKey::from_seed(&[7; 32]).unwrap().public_key();
        let text = key.to_string();
        assert!(text.starts_with("ed25519:"));
        assert_eq!(text.parse::<PublicKey>().unwrap(), key);
        assert_eq!(format!("  {text}\n").parse::<PublicKey>().unwrap(), key);
        assert_eq!(
            "AAAA".parse::<PublicKey>().unwrap_err(),
            PublicKeyError::Prefix
        );
        assert_eq!(
            "ed25519:!!".parse::<PublicKey>().unwrap_err(),
            PublicKeyError::Base64
        );
        assert_eq!(
            "ed25519:AAAA".parse::<PublicKey>().unwrap_err(),
            PublicKeyError::Length(3)
        );
        let fp = key.fingerprint();
        assert_eq!(fp.len(), 19, "{fp}");
        assert_eq!(fp.split(' ').count(), 4);
    }

    #[test]
    fn rfc_8032_test_vector_1() {
        // RFC 8032 section 7.1, TEST 1: the empty message.
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap();
        let key = SigningKey::from_seed(&seed).unwrap();
        assert_eq!(
            hex::encode(key.public_key().to_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = key.sign(b"");
        assert_eq!(
            hex::encode(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert!(key.public_key().verifies(b"", &sig));
        assert!(!key.public_key().verifies(b"x", &sig));
        assert_eq!(parse_signature(&signature_text(&sig)).unwrap(), sig);
    }
}
