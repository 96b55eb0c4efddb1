//! TOTP (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 6 digits, 30-second steps, and a code
//! from the step before or after is accepted too (clocks drift). Secrets are 20 random bytes,
//! shown as base32 (RFC 4648, no padding) in an `otpauth://` URI for authenticator apps.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::secret::random_bytes;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;

/// Digits per code.
pub const DIGITS: u32 = 6;

/// A new random secret, base32.
pub fn new_secret() -> String {
    base32_encode(&random_bytes::<20>())
}

/// The HOTP value (RFC 4226) of `key` for `counter`, truncated to `digits` digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[h.len() - 1] & 0x0f) as usize;
    let code =
        u32::from_be_bytes([h[offset], h[offset + 1], h[offset + 2], h[offset + 3]]) & 0x7fff_ffff;
    code % 10u32.pow(digits)
}

/// The code of `key` at `unix_secs`.
pub fn code_at(key: &[u8], unix_secs: i64) -> u32 {
    hotp(key, (unix_secs.max(0) / STEP_SECS) as u64, DIGITS)
}

/// The time step whose code `code` (six digits, spaces allowed) is, for the base32 `secret`
/// at `unix_secs`: the current step, or one before or after; `None` if none matches. Every
/// candidate is compared, in constant time.
pub fn matching_step(secret_b32: &str, code: &str, unix_secs: i64) -> Option<i64> {
    let key = base32_decode(secret_b32)?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_secs.max(0) / STEP_SECS;
    let mut found = None;
    for step in [now - 1, now, now + 1] {
        let expected = format!("{:06}", hotp(&key, step.max(0) as u64, DIGITS));
        if super::secret::constant_time_eq(&expected, &code) {
            found = Some(step);
        }
    }
    found
}

/// Whether `code` is good at `unix_secs` (see [`matching_step`]); says nothing about reuse.
pub fn verify(secret_b32: &str, code: &str, unix_secs: i64) -> bool {
    matching_step(secret_b32, code, unix_secs).is_some()
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(secret_b32: &str, account: &str) -> String {
    let label: String = account
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!(
        "otpauth://totp/Vetted:{label}?secret={secret_b32}&issuer=Vetted&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}"
    )
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648) without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Base32 (RFC 4648), case-insensitive, padding and spaces ignored; `None` if not base32.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
    {
        let v = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits, key "12345678901234567890").
    #[test]
    fn rfc_6238_test_vectors() {
        let key = b"12345678901234567890";
        for (t, expected) in [
            (59_u64, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(hotp(key, t / 30, 8), expected, "T = {t}");
        }
    }

    /// RFC 4226 appendix D: HOTP, 6 digits.
    #[test]
    fn rfc_4226_test_vectors() {
        let expected = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871,
            520_489,
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", counter as u64, 6), *code);
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift_and_no_more() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let now = 1_111_111_109;
        let code = format!("{:06}", code_at(b"12345678901234567890", now));
        assert_eq!(code, "081804");
        assert!(verify(&secret, &code, now));
        assert!(verify(&secret, "081 804", now + 30));
        assert!(verify(&secret, &code, now - 30));
        assert!(!verify(&secret, &code, now + 90));
        assert!(!verify(&secret, "81804", now));
        assert!(!verify(&secret, "abcdef", now));
        assert!(!verify("not base32!", &code, now));
    }

    #[test]
    fn base32_round_trips() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(base32_decode(&base32_encode(bytes)).as_deref(), Some(bytes));
        }
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        let uri = otpauth_uri("ABC", "ada+x@example.org");
        assert!(
            uri.starts_with("otpauth://totp/Vetted:ada%2Bx@example.org?secret=ABC&issuer=Vetted"),
            "{uri}"
        );
    }
}
