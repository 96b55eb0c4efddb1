//! The channels: e-mail over SMTP (lettre, rustls) and webhooks over HTTP(S) (reqwest, rustls),
//! signed with HMAC-SHA-256. Each attempt ends in [`Attempt`]: sent, worth retrying, or not
//! (a permanent SMTP rejection, a webhook's 4xx), which the caller turns into the delivery's
//! next state. Secrets never appear in errors or logs.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

use super::message::{Email, Hook};
use super::{Security, SmtpSettings, Webhook};

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// Failed in a way that may pass later (a connection refused, a 4xx SMTP reply, a 5xx HTTP
    /// status, a timeout).
    Transient(String),
    /// Failed in a way that will not pass by itself (a 5xx SMTP reply, an HTTP 4xx, a bad
    /// address): kept as failed for a person to look at.
    Permanent(String),
}

/// The way out for e-mail: the SMTP transport and the sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// The mailer `settings` describe; an error naming the setting that cannot work.
pub fn mailer(settings: &SmtpSettings) -> Result<Mailer, String> {
    let from: Mailbox = settings.from.parse().map_err(|e| {
        format!(
            "smtp.from `{}` is not an e-mail address: {e}",
            settings.from
        )
    })?;
    let host = settings.host.as_str();
    let tls = || -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(host.to_string());
        if let Some(pem) = &settings.ca_pem {
            let cert = lettre::transport::smtp::client::Certificate::from_pem(pem.as_bytes())
                .map_err(|e| format!("smtp.ca_file is not a PEM certificate: {e}"))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls()
            .map_err(|e| format!("setting up TLS for {host}: {e}"))
    };
    let builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(settings.port());
    let builder = match settings.security {
        Security::None => builder.tls(Tls::None),
        Security::Starttls => builder.tls(Tls::Required(tls()?)),
        Security::Tls => builder.tls(Tls::Wrapper(tls()?)),
    };
    let builder = builder.timeout(Some(Duration::from_secs(u64::from(
        settings.timeout_seconds.max(1),
    ))));
    let builder = match (&settings.username, &settings.password) {
        (Some(u), Some(p)) => builder.credentials(Credentials::new(u.clone(), p.clone())),
        _ => builder,
    };
    Ok(Mailer {
        transport: builder.build(),
        from,
    })
}

/// Sends `email`.
pub async fn send_email(mailer: &Mailer, email: &Email) -> Attempt {
    let to: Mailbox = match email.to.parse() {
        Ok(m) => m,
        Err(e) => {
            return Attempt::Permanent(format!("the address `{}` is not valid: {e}", email.to));
        }
    };
    let message = match Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        )) {
        Ok(m) => m,
        Err(e) => return Attempt::Permanent(format!("building the message: {e}")),
    };
    match mailer.transport.send(message).await {
        Ok(_) => Attempt::Sent,
        Err(e) if e.is_permanent() => Attempt::Permanent(format!("the SMTP server refused: {e}")),
        Err(e) => Attempt::Transient(format!("SMTP: {e}")),
    }
}

/// The signature header's value for `body`: `sha256=` and the hex HMAC-SHA-256 of the exact
/// body bytes under `secret` (as GitHub's webhooks do, so receivers have code for it).
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The header carrying [`signature`].
pub const SIGNATURE_HEADER: &str = "X-Vetted-Signature-256";
/// The header carrying the delivery's id, the same on every retry: receivers drop repeats.
pub const DELIVERY_HEADER: &str = "X-Vetted-Delivery";

/// Posts `hook`'s body to `webhook`.
pub async fn send_webhook(
    client: &reqwest::Client,
    webhook: &Webhook,
    delivery: i64,
    hook: &Hook,
) -> Attempt {
    let mut req = client
        .post(&webhook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            reqwest::header::USER_AGENT,
            concat!("Vetted/", env!("CARGO_PKG_VERSION")),
        )
        .header(DELIVERY_HEADER, delivery.to_string());
    if let Some(secret) = &webhook.secret {
        req = req.header(SIGNATURE_HEADER, signature(secret, hook.body.as_bytes()));
    }
    match req.body(hook.body.clone()).send().await {
        Ok(r) if r.status().is_success() => Attempt::Sent,
        Ok(r) => {
            let status = r.status();
            let why = format!("webhook `{}` answered {status}", webhook.name);
            if status.is_client_error()
                && status != reqwest::StatusCode::REQUEST_TIMEOUT
                && status != reqwest::StatusCode::TOO_MANY_REQUESTS
            {
                Attempt::Permanent(why)
            } else {
                Attempt::Transient(why)
            }
        }
        // reqwest's error names the URL; webhook URLs can hold a token in their path (Slack's
        // do), so the message is built without it.
        Err(e) => Attempt::Transient(format!(
            "webhook `{}`: {}",
            webhook.name,
            describe(&e.without_url())
        )),
    }
}

fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_the_hex_hmac_of_the_body() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
