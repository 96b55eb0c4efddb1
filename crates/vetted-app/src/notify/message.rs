//! What a digest says: e-mail (subject, text and HTML bodies from the embedded templates in
//! `templates/mail/`), a generic JSON webhook body, and a Slack-compatible one. Pure: rendering
//! needs no I/O, and what is rendered is stored, so a retry sends the same bytes.

use std::fmt::Write as _;

use askama::Template;
use serde::{Deserialize, Serialize};
use time::Date;
use vetted_core::date::format_date;
use vetted_core::due::DueKind;
use vetted_core::remind::Reminder;

/// A rendered e-mail, as the delivery log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A rendered webhook call, as the delivery log keeps it: the configured webhook's name (its
/// URL and secret stay in the configuration) and the exact body that is signed and sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hook {
    pub webhook: String,
    pub body: String,
}

/// `s` as one URL path segment: unreserved characters as they are, every other byte
/// percent-encoded (a risk id is free text).
fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One line of a digest.
pub(crate) struct Line {
    pub subject: String,
    pub what: String,
    pub date: Option<String>,
    pub rule: &'static str,
    pub url: String,
}

/// Lines of one kind.
pub(crate) struct Group {
    pub title: &'static str,
    /// How many reminders of this kind the digest carries.
    pub total: usize,
    /// The first [`MAX_LINES`] of them.
    pub lines: Vec<Line>,
    /// How many more there are than lines.
    pub more: usize,
}

/// Lines per kind in an e-mail or Slack message: past this, the message says how many more
/// there are and links the due queue (a first run over a large register can have thousands;
/// the JSON webhook body always carries every item).
pub const MAX_LINES: usize = 100;

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct Text<'a> {
    test: bool,
    everything: bool,
    headline: &'a str,
    groups: &'a [Group],
    due_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct Html<'a> {
    test: bool,
    everything: bool,
    subject: &'a str,
    headline: &'a str,
    groups: &'a [Group],
    due_url: &'a str,
}

/// What a digest is about: its reminders, the day, and where links point.
pub struct Digest<'a> {
    pub items: Vec<&'a Reminder>,
    pub as_of: Date,
    /// The server's address as users reach it, without a trailing slash.
    pub base_url: &'a str,
    /// An admin's (or webhook's) digest of everything, rather than an owner's own.
    pub everything: bool,
    /// Sent by hand to test the channel.
    pub test: bool,
}

fn title(kind: DueKind) -> &'static str {
    match kind {
        DueKind::Overdue => "Overdue",
        DueKind::Triggered => "Reviews triggered by an event",
        DueKind::Missing => "Missing",
        DueKind::DueSoon => "Due soon",
    }
}

impl Digest<'_> {
    fn url(&self, r: &Reminder) -> String {
        if r.is_policy() {
            format!("{}/admin/policy", self.base_url)
        } else if let Some(risk) = &r.item.risk {
            format!("{}/risks/{}", self.base_url, path_segment(risk))
        } else {
            format!("{}/suppliers/{}", self.base_url, r.item.supplier)
        }
    }

    fn subject_of(r: &Reminder) -> String {
        if r.is_policy() {
            "Supplier policy".into()
        } else {
            r.item
                .name
                .clone()
                .unwrap_or_else(|| r.item.supplier.clone())
        }
    }

    pub(crate) fn groups(&self) -> Vec<Group> {
        let mut kinds: Vec<DueKind> = self.items.iter().map(|r| r.item.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
            .into_iter()
            .map(|kind| {
                let of_kind = || self.items.iter().filter(move |r| r.item.kind == kind);
                let total = of_kind().count();
                Group {
                    title: title(kind),
                    total,
                    more: total.saturating_sub(MAX_LINES),
                    lines: of_kind()
                        .take(MAX_LINES)
                        .map(|r| Line {
                            subject: Self::subject_of(r),
                            what: r.item.what.clone(),
                            date: r.item.date.map(format_date),
                            rule: r.item.rule,
                            url: self.url(r),
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// "3 reminders (1 overdue) on 2026-11-25".
    pub fn headline(&self) -> String {
        let n = self.items.len();
        let urgent = self
            .items
            .iter()
            .filter(|r| r.item.kind != DueKind::DueSoon)
            .count();
        let mut s = format!("{n} reminder{}", if n == 1 { "" } else { "s" });
        if urgent > 0 {
            let _ = write!(s, " ({urgent} need action now)");
        }
        let _ = write!(s, " on {}", format_date(self.as_of));
        s
    }

    /// The e-mail's subject line.
    pub fn subject(&self) -> String {
        if self.test {
            format!("Vetted test message: {}", self.headline())
        } else {
            format!("Vetted: {}", self.headline())
        }
    }

    /// The e-mail to `to`.
    pub fn email(&self, to: &str) -> Result<Email, String> {
        let groups = self.groups();
        let subject = self.subject();
        let headline = self.headline();
        let due_url = format!("{}/due", self.base_url);
        let text = Text {
            test: self.test,
            everything: self.everything,
            headline: &headline,
            groups: &groups,
            due_url: &due_url,
        }
        .render()
        .map_err(|e| format!("rendering the text body: {e}"))?;
        let html = Html {
            test: self.test,
            everything: self.everything,
            subject: &subject,
            headline: &headline,
            groups: &groups,
            due_url: &due_url,
        }
        .render()
        .map_err(|e| format!("rendering the HTML body: {e}"))?;
        Ok(Email {
            to: to.to_string(),
            subject,
            text,
            html,
        })
    }

    /// The generic JSON body: `{"type": "vetted.reminders", "as_of", "test", "count", "items":
    /// [{key, window, kind, rule, supplier, name, owner, date, what, url}]}`.
    pub fn json(&self) -> Result<String, String> {
        #[derive(Serialize)]
        struct Item<'a> {
            #[serde(flatten)]
            reminder: &'a Reminder,
            url: String,
        }
        #[derive(Serialize)]
        struct Body<'a> {
            r#type: &'static str,
            as_of: String,
            test: bool,
            count: usize,
            items: Vec<Item<'a>>,
        }
        serde_json::to_string(&Body {
            r#type: "vetted.reminders",
            as_of: format_date(self.as_of),
            test: self.test,
            count: self.items.len(),
            items: self
                .items
                .iter()
                .map(|r| Item {
                    reminder: r,
                    url: self.url(r),
                })
                .collect(),
        })
        .map_err(|e| format!("encoding the webhook body: {e}"))
    }

    /// A Slack-compatible body (`{"text": …}` with mrkdwn links), which Slack's, Mattermost's
    /// and Rocket.Chat's incoming webhooks accept.
    pub fn slack(&self) -> Result<String, String> {
        fn esc(s: &str) -> String {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        }
        let mut text = format!("*{}*", esc(&self.subject()));
        for g in self.groups() {
            let _ = write!(text, "\n\n*{}*", g.title);
            let more = g.more;
            for l in g.lines {
                let _ = write!(
                    text,
                    "\n• <{}|{}>: {}{}",
                    l.url,
                    esc(&l.subject),
                    esc(&l.what),
                    l.date.map(|d| format!(" ({d})")).unwrap_or_default()
                );
            }
            if more > 0 {
                let _ = write!(
                    text,
                    "\n• … and {more} more: <{}/due|the due queue>",
                    self.base_url
                );
            }
        }
        serde_json::to_string(&serde_json::json!({ "text": text }))
            .map_err(|e| format!("encoding the Slack body: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use vetted_core::due::DueItem;
    use vetted_core::policy::Policy;
    use vetted_core::remind::{Schedule, reminders};

    fn sample() -> Vec<Reminder> {
        let item = |id: &str, kind, what: &str| DueItem {
            supplier: id.into(),
            name: Some(format!("{id} <GmbH> & Co")),
            owner: Some("owner@example.eu".into()),
            kind,
            rule: "review.overdue",
            date: Some(date!(2026 - 11 - 01)),
            what: what.into(),
            risk: None,
        };
        reminders(
            [
                item("acme", DueKind::Overdue, "review overdue"),
                item("beta", DueKind::DueSoon, "ISO 27001 certificate expires"),
            ],
            &Policy::default(),
            date!(2026 - 11 - 25),
            Schedule::default(),
        )
    }

    #[test]
    fn an_email_has_both_bodies_with_every_item_and_link_escaped_in_html() {
        let r = sample();
        let d = Digest {
            items: r.iter().collect(),
            as_of: date!(2026 - 11 - 25),
            base_url: "https://vetted.example.eu",
            everything: false,
            test: false,
        };
        let e = d.email("owner@example.eu").unwrap();
        assert_eq!(
            e.subject,
            "Vetted: 2 reminders (1 need action now) on 2026-11-25"
        );
        assert!(
            e.text
                .contains("Overdue (1)\n- acme <GmbH> & Co: review overdue (2026-11-01)")
        );
        assert!(e.text.contains("https://vetted.example.eu/suppliers/beta"));
        assert!(e.text.contains("because you own these suppliers"));
        assert!(
            e.html.contains("acme &#60;GmbH&#62; &#38; Co")
                || e.html.contains("acme &lt;GmbH&gt; &amp; Co"),
            "{}",
            e.html
        );
        assert!(
            e.html
                .contains(r#"<a href="https://vetted.example.eu/suppliers/acme">"#)
        );
        assert!(e.html.find("Overdue").unwrap() < e.html.find("Due soon").unwrap());
    }

    #[test]
    fn a_long_digest_lists_the_first_lines_of_each_kind_and_counts_the_rest() {
        let many: Vec<Reminder> = (0..MAX_LINES + 7)
            .map(|n| {
                let mut r = sample().remove(0);
                r.item.supplier = format!("s{n:03}");
                r.key = format!("k{n}");
                r
            })
            .collect();
        let d = Digest {
            items: many.iter().collect(),
            as_of: date!(2026 - 11 - 25),
            base_url: "https://v.example.eu",
            everything: true,
            test: false,
        };
        let e = d.email("a@example.eu").unwrap();
        assert!(
            e.text.contains(&format!("Overdue ({})", MAX_LINES + 7)),
            "{}",
            e.text
        );
        assert_eq!(
            e.text.lines().filter(|l| l.starts_with("- ")).count(),
            MAX_LINES
        );
        assert!(
            e.text.contains("… and 7 more: see the due queue"),
            "{}",
            e.text
        );
        assert!(e.html.contains("… and 7 more"));
        let slack = d.slack().unwrap();
        assert!(slack.contains("… and 7 more: <https://v.example.eu/due|the due queue>"));
        let v: serde_json::Value = serde_json::from_str(&d.json().unwrap()).unwrap();
        assert_eq!(
            v["items"].as_array().unwrap().len(),
            MAX_LINES + 7,
            "JSON has all"
        );
    }

    #[test]
    fn a_risk_links_to_its_page() {
        let mut r = sample();
        r[0].item.risk = Some("R 12/a".into());
        let d = Digest {
            items: r.iter().collect(),
            as_of: date!(2026 - 11 - 25),
            base_url: "https://v.example.eu",
            everything: true,
            test: false,
        };
        assert!(
            d.email("a@example.eu")
                .unwrap()
                .text
                .contains("https://v.example.eu/risks/R%2012%2Fa")
        );
    }

    #[test]
    fn webhook_bodies_carry_keys_windows_and_links() {
        let r = sample();
        let d = Digest {
            items: r.iter().collect(),
            as_of: date!(2026 - 11 - 25),
            base_url: "http://127.0.0.1:8080",
            everything: true,
            test: true,
        };
        let v: serde_json::Value = serde_json::from_str(&d.json().unwrap()).unwrap();
        assert_eq!(v["type"], "vetted.reminders");
        assert_eq!(v["count"], 2);
        assert_eq!(v["test"], true);
        assert_eq!(v["items"][0]["supplier"], "acme");
        assert_eq!(v["items"][0]["window"], "overdue-3");
        assert_eq!(v["items"][0]["url"], "http://127.0.0.1:8080/suppliers/acme");
        let s: serde_json::Value = serde_json::from_str(&d.slack().unwrap()).unwrap();
        let text = s["text"].as_str().unwrap();
        assert!(text.starts_with("*Vetted test message: 2 reminders"));
        assert!(text.contains("• <http://127.0.0.1:8080/suppliers/acme|acme &lt;GmbH&gt; &amp; Co>: review overdue (2026-11-01)"), "{text}");
    }
}
