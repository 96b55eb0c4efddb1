//! The public subprocessor list's use cases: publishing a version, the subscribers' double
//! opt-in, change notices and objections. The rules are the core's
//! ([`vetted_core::publication`]); the records the store's ([`vetted_store::SubprocessorStore`]);
//! mail goes out through the reminders' delivery log ([`crate::notify`]), so notices are
//! retried, logged and sent once per subscriber and version like every other message.

pub mod links;
pub mod pages;
pub mod render;

use askama::Template;
use sha2::{Digest as _, Sha256};
use time::{Date, Duration, OffsetDateTime};
use vetted_core::publication::{
    ChangeClosed, ListVersion, Objection, ObjectionVia, PublicEntry, Publication, PublishError,
};
use vetted_core::remind::is_address;
use vetted_store::notify::{DeliveryKind, NewDelivery};
use vetted_store::subprocessors::{NewObjection, SubscriberStatus};
use vetted_store::{Change, Store, StoreError};

use crate::notify::message::Email;
use links::{CONFIRM_DAYS, Links, Signed};
use render::{VersionLine, View};

/// The instance secret that names the feed (`urn:uuid:` made of its first 16 bytes).
pub const FEED_SECRET: &str = "feed-id";

/// The list's versions and objections evaluated on `today`.
///
/// # Errors
/// When the store cannot be read.
pub async fn publication(store: &dyn Store, today: Date) -> Result<Publication, StoreError> {
    let (versions, objections) = store.publication_records().await?;
    Ok(Publication::new(versions, objections, today))
}

/// The signed links of this instance, to the server at `base`.
///
/// # Errors
/// When the store cannot be read or written.
pub async fn links(store: &dyn Store, base: &str) -> Result<Links, StoreError> {
    Ok(Links::new(
        store.instance_secret(links::SECRET_NAME).await?,
        base,
    ))
}

/// The feed's id: a random UUID made once per instance, so the feed keeps its identity
/// wherever it is hosted.
///
/// # Errors
/// When the store cannot be read or written.
pub async fn feed_id(store: &dyn Store) -> Result<String, StoreError> {
    let b = store.instance_secret(FEED_SECRET).await?;
    let mut u = [0u8; 16];
    u.copy_from_slice(&b[..16]);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    let h = hex::encode(u);
    Ok(format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// A short fingerprint of a list (SHA-256 of its JSON): a publish form carries the one it
/// showed, so what is published is what the editor saw.
pub fn fingerprint(entries: &[PublicEntry]) -> String {
    let json = serde_json::to_vec(entries).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// Why a publication was refused.
#[derive(Debug, thiserror::Error)]
pub enum PublishFailure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Rule(#[from] PublishError),
    /// The register's list is no longer the one the editor reviewed.
    #[error("the list changed since you reviewed it: review the changes again")]
    Changed,
}

/// What an editor asks to publish.
#[derive(Clone, Debug, Default)]
pub struct PublishRequest {
    /// Default: the earliest day allowed.
    pub effective: Option<Date>,
    pub note: Option<String>,
    /// The [`fingerprint`] of the list the editor reviewed.
    pub reviewed: Option<String>,
}

/// Publishes `draft` (the register's list now) as the next version.
///
/// # Errors
/// [`PublishFailure::Changed`] when `draft` is not the reviewed list, a rule of
/// [`Publication::plan`], or the store's (a conflict when someone published meanwhile).
pub async fn publish(
    store: &dyn Store,
    draft: Vec<PublicEntry>,
    request: &PublishRequest,
    notice_days: u32,
    change: &Change,
) -> Result<ListVersion, PublishFailure> {
    if request
        .reviewed
        .as_ref()
        .is_some_and(|r| *r != fingerprint(&draft))
    {
        return Err(PublishFailure::Changed);
    }
    let p = publication(store, change.at.date()).await?;
    let new = p.plan(draft, request.effective, notice_days, request.note.clone())?;
    Ok(store.publish_list_version(&new, change).await?)
}

/// What the mails say and where their links point.
#[derive(Clone, Debug)]
pub struct Mailing<'a> {
    pub links: &'a Links,
    /// "Subprocessors of Example Ltd".
    pub title: &'a str,
}

#[derive(Template)]
#[template(path = "mail/list_confirm.txt")]
struct ConfirmText<'a> {
    title: &'a str,
    days: i64,
    confirm_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/list_confirm.html")]
struct ConfirmHtml<'a> {
    subject: &'a str,
    title: &'a str,
    days: i64,
    confirm_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/list_notice.txt")]
struct NoticeText<'a> {
    pending: bool,
    withdrawn: bool,
    headline: &'a str,
    v: &'a VersionLine,
    list_url: &'a str,
    object_url: &'a str,
    unsubscribe_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/list_notice.html")]
struct NoticeHtml<'a> {
    pending: bool,
    withdrawn: bool,
    headline: &'a str,
    subject: &'a str,
    v: &'a VersionLine,
    list_url: &'a str,
    object_url: &'a str,
    unsubscribe_url: &'a str,
}

fn delivery(kind: DeliveryKind, email: &Email) -> Result<NewDelivery, String> {
    Ok(NewDelivery {
        kind,
        recipient: format!("email:{}", email.to),
        subject: email.subject.clone(),
        payload: serde_json::to_string(email).map_err(|e| e.to_string())?,
        items: 1,
    })
}

/// What became of a request to subscribe. The page says the same in every case ("check your
/// inbox"), so the form does not tell who is subscribed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscribed {
    /// A confirmation request was queued.
    Queued,
    /// The address is confirmed already: nothing was sent.
    AlreadyConfirmed,
    /// The honeypot was filled in: nothing was done.
    Ignored,
}

/// Why a request to subscribe was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    #[error("enter a valid e-mail address")]
    Invalid,
    #[error("too many requests: try again later")]
    Limited,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Render(String),
}

/// Requests per client address per hour, per e-mail address per day, and for the whole
/// instance per hour.
pub const LIMITS: [(&str, u32, Duration); 3] = [
    ("subscribe-client", 10, Duration::HOUR),
    ("subscribe-address", 3, Duration::DAY),
    ("subscribe-all", 500, Duration::HOUR),
];

fn hashed(s: &str) -> String {
    hex::encode(&Sha256::digest(s.as_bytes())[..12])
}

/// Handles the public form's request to subscribe `email` from `client` (its network
/// address): rate limits (the address kept only as a hash), the honeypot (`trap` non-empty:
/// a bot), then a pending subscriber and its confirmation mail.
///
/// # Errors
/// A bad address, a limit reached, or the store's.
pub async fn request_subscription(
    store: &dyn Store,
    mailing: &Mailing<'_>,
    email: &str,
    trap: &str,
    client: &str,
    now: OffsetDateTime,
) -> Result<Subscribed, SubscribeError> {
    let email = email.trim().to_lowercase();
    if !trap.trim().is_empty() {
        return Ok(Subscribed::Ignored);
    }
    if email.len() > 254 || !is_address(&email) {
        return Err(SubscribeError::Invalid);
    }
    for (bucket, limit, window) in LIMITS {
        let key = match bucket {
            "subscribe-client" => format!("{bucket}:{}", hashed(client)),
            "subscribe-address" => format!("{bucket}:{}", hashed(&email)),
            _ => bucket.to_string(),
        };
        if !store.take_rate_slot(&key, limit, window, now).await? {
            return Err(SubscribeError::Limited);
        }
    }
    let sub = store.subscribe(&email, now).await?;
    if sub.status == SubscriberStatus::Confirmed {
        return Ok(Subscribed::AlreadyConfirmed);
    }
    let expires = (now + Duration::days(CONFIRM_DAYS)).unix_timestamp();
    let url = mailing.links.url(&Signed::Confirm {
        subscriber: sub.id.clone(),
        requested_us: micros(sub.requested_at),
        expires,
    });
    let subject = format!("Confirm: change notices of {}", mailing.title);
    let render = |e: askama::Error| SubscribeError::Render(e.to_string());
    let email = Email {
        to: sub.email.clone(),
        text: ConfirmText {
            title: mailing.title,
            days: CONFIRM_DAYS,
            confirm_url: &url,
        }
        .render()
        .map_err(render)?,
        html: ConfirmHtml {
            subject: &subject,
            title: mailing.title,
            days: CONFIRM_DAYS,
            confirm_url: &url,
        }
        .render()
        .map_err(render)?,
        subject,
    };
    let d = delivery(DeliveryKind::Confirmation, &email).map_err(SubscribeError::Render)?;
    store.queue(&d, now).await?;
    Ok(Subscribed::Queued)
}

/// A time as Unix microseconds (what a confirmation link carries).
pub fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// The claim that makes a version's notice go to a subscriber once.
fn notice_claim(version: i64) -> (String, String) {
    (format!("subprocessors:v{version}"), "notice".to_string())
}

/// Queues version `number`'s notice to every confirmed subscriber who has not had it (a
/// second call, on any server, queues nothing new): a planned change, a version in effect, or,
/// for a withdrawn version, its withdrawal to those who were told of it. Returns how many were
/// queued.
///
/// # Errors
/// The store's, or a message that cannot be rendered.
pub async fn queue_notices(
    store: &dyn Store,
    mailing: &Mailing<'_>,
    number: i64,
    now: OffsetDateTime,
) -> Result<usize, SubscribeError> {
    queue_notices_to(store, mailing, number, None, now).await
}

/// A subscriber who confirms while a change is pending is told of it too (they could not
/// have been when it was published): queues the pending change's notice to `subscriber`
/// alone, if there is a pending change and they have not had its notice.
///
/// # Errors
/// The store's, or a message that cannot be rendered.
pub async fn queue_pending_notice(
    store: &dyn Store,
    mailing: &Mailing<'_>,
    subscriber: &str,
    now: OffsetDateTime,
) -> Result<usize, SubscribeError> {
    let p = publication(store, now.date()).await?;
    match p.pending() {
        Some((v, _)) => queue_notices_to(store, mailing, v.number, Some(subscriber), now).await,
        None => Ok(0),
    }
}

async fn queue_notices_to(
    store: &dyn Store,
    mailing: &Mailing<'_>,
    number: i64,
    only: Option<&str>,
    now: OffsetDateTime,
) -> Result<usize, SubscribeError> {
    let p = publication(store, now.date()).await?;
    let Some((v, s)) = p.version(number) else {
        return Ok(0);
    };
    let view = View {
        publication: &p,
        organization: None,
        base: Some(mailing.links.base()),
        feed_id: "",
    };
    let line = view.version_line(v, s);
    let pending = s.is_pending();
    let withdrawn = matches!(s, vetted_core::publication::Standing::Withdrawn { .. });
    let (subject, headline) = if pending {
        (
            format!(
                "Planned change to {}: version {}, effective {}",
                mailing.title, line.number, line.effective
            ),
            format!("{}: a change is planned.", mailing.title),
        )
    } else if withdrawn {
        (
            format!(
                "Withdrawn: the planned change to {} (version {})",
                mailing.title, line.number
            ),
            format!(
                "{}: the planned change (version {}) is withdrawn. It will not take effect; the list in force stays as it is.",
                mailing.title, line.number
            ),
        )
    } else {
        (
            format!("{}: version {} published", mailing.title, line.number),
            format!("{}: a new version of the list is published.", mailing.title),
        )
    };
    let list_url = format!("{}/subprocessors", mailing.links.base());
    // A withdrawal is news only to those who were told of the change.
    let claims = [if withdrawn {
        (format!("subprocessors:v{number}"), "withdrawn".to_string())
    } else {
        notice_claim(number)
    }];
    let mut queued = 0;
    for sub in store
        .list_subscribers(Some(SubscriberStatus::Confirmed))
        .await?
        .into_iter()
        .filter(|s| only.is_none_or(|id| s.id == id))
    {
        if withdrawn
            && !store
                .unclaimed(&format!("email:{}", sub.email), &[notice_claim(number)])
                .await?
                .is_empty()
        {
            continue;
        }
        let object_url = if pending {
            mailing.links.url(&Signed::Object {
                subscriber: sub.id.clone(),
                version: number,
            })
        } else {
            list_url.clone()
        };
        let unsubscribe_url = mailing.links.url(&Signed::Unsubscribe {
            subscriber: sub.id.clone(),
        });
        let render = |_: &[usize]| -> Result<NewDelivery, String> {
            let text = NoticeText {
                pending,
                withdrawn,
                headline: &headline,
                v: &line,
                list_url: &list_url,
                object_url: &object_url,
                unsubscribe_url: &unsubscribe_url,
            }
            .render()
            .map_err(|e| e.to_string())?;
            let html = NoticeHtml {
                pending,
                withdrawn,
                headline: &headline,
                subject: &subject,
                v: &line,
                list_url: &list_url,
                object_url: &object_url,
                unsubscribe_url: &unsubscribe_url,
            }
            .render()
            .map_err(|e| e.to_string())?;
            delivery(
                DeliveryKind::Notice,
                &Email {
                    to: sub.email.clone(),
                    subject: subject.clone(),
                    text,
                    html,
                },
            )
        };
        if store
            .queue_digest(&format!("email:{}", sub.email), &claims, now, &render)
            .await?
            .is_some()
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// What a customer submits against a change.
#[derive(Clone, Debug, Default)]
pub struct ObjectionInput {
    pub customer: String,
    pub contact: String,
    pub email: Option<String>,
    pub grounds: String,
}

/// Why an objection was refused: a field's problem, or the change is closed.
#[derive(Debug, thiserror::Error)]
pub enum ObjectionError {
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: &'static str,
    },
    #[error("{0}")]
    Closed(ChangeClosed),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn required(field: &'static str, value: &str, max: usize) -> Result<String, ObjectionError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ObjectionError::Field {
            field,
            message: "required",
        });
    }
    if v.chars().count() > max {
        return Err(ObjectionError::Field {
            field,
            message: "too long",
        });
    }
    Ok(v.to_string())
}

/// Records an objection to version `version`, received on `received`, if that change is
/// still pending.
///
/// # Errors
/// A field's problem, a closed change, or the store's.
pub async fn object(
    store: &dyn Store,
    version: i64,
    input: &ObjectionInput,
    received: Date,
    via: ObjectionVia,
    change: &Change,
) -> Result<Objection, ObjectionError> {
    let customer = required("customer", &input.customer, 200)?;
    let contact = required("contact", &input.contact, 200)?;
    let grounds = required("grounds", &input.grounds, 5000)?;
    let email = match input.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) if is_address(e) && e.len() <= 254 => Some(e.to_lowercase()),
        Some(_) => {
            return Err(ObjectionError::Field {
                field: "email",
                message: "not an e-mail address",
            });
        }
    };
    let p = publication(store, change.at.date()).await?;
    p.may_object(version).map_err(ObjectionError::Closed)?;
    let new = NewObjection {
        version,
        customer,
        contact,
        email,
        grounds,
        received,
        via,
    };
    Ok(store.add_objection(&new, change).await?)
}
