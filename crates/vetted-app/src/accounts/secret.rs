//! Random ids and secrets, their SHA-256 digests, and constant-time comparison.
//!
//! Secrets (API tokens, session secrets, setup tokens) are 32 random bytes from the operating
//! system. Only their SHA-256 is stored: a stolen database yields no usable secret, and since
//! the secrets are random a plain (unsalted, fast) hash is enough.

use sha2::{Digest, Sha256};

/// The prefix of every API token: recognisable in a leaked file, by secret scanners and people.
pub const TOKEN_PREFIX: &str = "vetted_";

/// `n` random bytes from the operating system.
///
/// # Panics
/// When the operating system has no randomness to give, which leaves nothing safe to do.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    buf
}

/// A new opaque id: 16 random bytes, hex (32 characters).
pub fn new_id() -> String {
    hex::encode(random_bytes::<16>())
}

/// A new secret: 32 random bytes, hex (64 characters).
pub fn new_secret() -> String {
    hex::encode(random_bytes::<32>())
}

/// A new API token: [`TOKEN_PREFIX`] and 32 random bytes in hex.
pub fn new_api_token() -> String {
    format!("{TOKEN_PREFIX}{}", new_secret())
}

/// The hex SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `a` and `b` are equal, in a time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    constant_time_eq::constant_time_eq(a.as_bytes(), b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_long() {
        let (a, b) = (new_api_token(), new_api_token());
        assert_ne!(a, b);
        assert!(a.starts_with("vetted_") && a.len() == 7 + 64, "{a}");
        assert_eq!(new_id().len(), 32);
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
