//! Passwords: the rules a new one must meet, and argon2id hashing with OWASP's parameters
//! (19 MiB of memory, 2 passes, 1 lane: argon2's defaults, pinned here so they cannot drift).

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The longest password accepted, in bytes: hashing cost grows with length, so it is bounded.
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a password is refused, as a sentence for the person choosing it; `None` if it is fine.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters; this one has {chars}"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Some(format!(
            "a password may have at most {MAX_PASSWORD_BYTES} bytes"
        ));
    }
    if password.trim().is_empty() {
        return Some("a password cannot be only spaces".into());
    }
    None
}

/// The argon2id PHC string of `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> String {
    argon2()
        .hash_password(password.as_bytes())
        .expect("argon2id hashes any password of bounded length")
        .to_string()
}

/// Whether `password` matches the PHC string `hash`; a malformed hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    argon2().verify_password(password.as_bytes(), hash).is_ok()
}

/// A hash to verify against when the account does not exist, so that answering "no such
/// account" takes as long as "wrong password" and timing does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("not a password of anyone"));

/// Spends the time of one [`verify_password`], matching nothing.
pub fn verify_dummy(password: &str) {
    let _ = verify_password(password, &DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse battery");
        let b = hash_password("correct horse battery");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn rules_say_what_is_wrong() {
        assert_eq!(
            password_problem("short").as_deref(),
            Some("a password needs at least 12 characters; this one has 5")
        );
        assert!(password_problem("            ").is_some());
        assert!(password_problem(&"x".repeat(1025)).is_some());
        assert_eq!(password_problem("twelve chars"), None);
        // Characters, not bytes: twelve accented letters are enough.
        assert_eq!(password_problem(&"é".repeat(12)), None);
    }
}
