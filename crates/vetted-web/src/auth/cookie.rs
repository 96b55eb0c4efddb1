//! The session cookie: `vetted_session=SECRET; HttpOnly; SameSite=Lax; Path=/`, plus `Secure`
//! when `WebConfig::secure_cookies` is set, or when `WebConfig::trust_forwarded_headers` is set
//! and the request says `X-Forwarded-Proto: https` (a TLS-terminating proxy in front). Vetted
//! serves plain HTTP itself, so without either it cannot know the browser used TLS.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::WebConfig;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "vetted_session";

/// The session secret from the request's `Cookie` headers, if any.
pub fn session_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
}

/// Whether the cookie must be `Secure` for this request.
pub fn secure(config: &WebConfig, headers: &HeaderMap) -> bool {
    config.secure_cookies
        || (config.trust_forwarded_headers
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
}

/// The `Set-Cookie` value that opens a session for `max_age_secs`.
pub fn set(secret: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}"
    ))
    .expect("a hex secret makes a valid header")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}"
    ))
    .expect("a valid header")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_found_among_other_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; vetted_session=abc; b=2"),
        );
        assert_eq!(session_secret(&h).as_deref(), Some("abc"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("vetted_session_x=abc"),
        );
        assert_eq!(session_secret(&h), None);
    }

    #[test]
    fn secure_when_configured_or_forwarded_https_from_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let mut config = WebConfig::default();
        assert!(
            !secure(&config, &h),
            "forwarded headers are not trusted by default"
        );
        config.trust_forwarded_headers = true;
        assert!(secure(&config, &h));
        assert!(!secure(&config, &HeaderMap::new()));
        config.secure_cookies = true;
        assert!(secure(&config, &HeaderMap::new()));
        let v = set("s3", 60, true);
        assert_eq!(
            v.to_str().unwrap(),
            "vetted_session=s3; HttpOnly; SameSite=Lax; Path=/; Max-Age=60; Secure"
        );
    }
}
