//! Signed links for people without an account: a subscriber's confirmation, unsubscribe and
//! objection links. Each carries its fields and an HMAC-SHA-256 over them under the instance's
//! link key (`SubprocessorStore::instance_secret("links")`, the same on every server of a
//! database), so nothing per link is stored and a link cannot be made up or altered.

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The instance secret's name for link signing.
pub const SECRET_NAME: &str = "links";

/// How long a confirmation link works.
pub const CONFIRM_DAYS: i64 = 7;

/// Makes and checks signed links under one key.
#[derive(Clone)]
pub struct Links {
    key: Vec<u8>,
    base: String,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// What a verified link asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signed {
    /// Confirm subscriber `subscriber`'s request made at `requested_us` (it expired at
    /// `expires`, Unix seconds).
    Confirm {
        subscriber: String,
        requested_us: i64,
        expires: i64,
    },
    Unsubscribe {
        subscriber: String,
    },
    /// Object to version `version` as subscriber `subscriber`.
    Object {
        subscriber: String,
        version: i64,
    },
}

impl Signed {
    fn message(&self) -> String {
        match self {
            Signed::Confirm {
                subscriber,
                requested_us,
                expires,
            } => format!("confirm\0{subscriber}\0{requested_us}\0{expires}"),
            Signed::Unsubscribe { subscriber } => format!("unsubscribe\0{subscriber}"),
            Signed::Object {
                subscriber,
                version,
            } => format!("object\0{subscriber}\0{version}"),
        }
    }

    /// The link's path and query without the signature.
    fn path(&self) -> String {
        match self {
            Signed::Confirm {
                subscriber,
                requested_us,
                expires,
            } => format!("/subprocessors/confirm?s={subscriber}&r={requested_us}&e={expires}"),
            Signed::Unsubscribe { subscriber } => {
                format!("/subprocessors/unsubscribe?s={subscriber}")
            }
            Signed::Object {
                subscriber,
                version,
            } => format!("/subprocessors/object?s={subscriber}&v={version}"),
        }
    }
}

impl Links {
    /// Links under `key` to the server at `base` (no trailing `/`).
    pub fn new(key: Vec<u8>, base: &str) -> Links {
        Links {
            key,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// The server's address links start with.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn mac(&self, signed: &Signed) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(signed.message().as_bytes());
        mac
    }

    /// The signature of `signed`, in hex.
    pub fn sign(&self, signed: &Signed) -> String {
        hex::encode(self.mac(signed).finalize().into_bytes())
    }

    /// The absolute link of `signed`.
    pub fn url(&self, signed: &Signed) -> String {
        let mut out = format!("{}{}", self.base, signed.path());
        let _ = write!(out, "&sig={}", self.sign(signed));
        out
    }

    /// Whether `sig` (hex) is the signature of `signed`, compared in constant time.
    pub fn verify(&self, signed: &Signed, sig: &str) -> bool {
        hex::decode(sig).is_ok_and(|bytes| self.mac(signed).verify_slice(&bytes).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_verifies_only_unaltered_and_under_its_key() {
        let links = Links::new(vec![7; 32], "https://v.example.eu/");
        let object = Signed::Object {
            subscriber: "abc".into(),
            version: 4,
        };
        let url = links.url(&object);
        assert!(url.starts_with("https://v.example.eu/subprocessors/object?s=abc&v=4&sig="));
        let sig = url.rsplit("sig=").next().unwrap();
        assert!(links.verify(&object, sig));
        let other_version = Signed::Object {
            subscriber: "abc".into(),
            version: 5,
        };
        assert!(!links.verify(&other_version, sig));
        assert!(!links.verify(
            &Signed::Unsubscribe {
                subscriber: "abc".into()
            },
            sig
        ));
        assert!(!Links::new(vec![8; 32], "x").verify(&object, sig));
        assert!(!links.verify(&object, "zz"));
        assert!(!links.verify(&object, &sig[..60]));
    }
}
