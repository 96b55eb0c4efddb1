//! Reminders: what is due, cut into items that are each sent once per *window*, and grouped
//! into digests by recipient.
//!
//! The items are the due list's ([`crate::due`]) plus the policy's own review. An item's
//! [`Reminder::key`] names the thing and the date it falls due on, so a new date (a review
//! recorded, a certificate renewed) is a new item. Its [`Reminder::window`] says when it is
//! sent again:
//! - due soon: once (`soon`), while it stays due soon;
//! - overdue, triggered or missing: once every `repeat_days` (`overdue-0`, `overdue-1`, …),
//!   counted from the date it fell due, or from 1970-01-01 when it has none, so that every
//!   server computes the same window on the same day.
//!
//! Whether a (recipient, key, window) was sent already is the store's business (one row each,
//! claimed in a transaction); this module is pure.

use serde::Serialize;
use time::Date;

use crate::date::{add_days, add_months, format_date};
use crate::due::{DueItem, DueKind};
use crate::engine::POLICY_REVIEW;
use crate::policy::Policy;

/// How reminders are cut into windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Look this many days ahead for things falling due.
    pub within_days: u32,
    /// Remind again of an overdue item after this many days (at least 1).
    pub repeat_days: u32,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            within_days: 30,
            repeat_days: 7,
        }
    }
}

/// One thing to remind of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// Stable across runs and servers: the rule, the supplier, the date and what it is.
    pub key: String,
    /// The window this run falls in (`soon`, `overdue-N`).
    pub window: String,
    #[serde(flatten)]
    pub item: DueItem,
}

impl Reminder {
    /// Whether it goes to admins only (the policy's own review) rather than to a supplier's owner
    /// too.
    pub fn is_policy(&self) -> bool {
        self.item.rule == POLICY_REVIEW.id
    }
}

/// The policy's own review as a due item: overdue once `policy.review` warns, due soon within
/// `within_days` of that.
pub fn policy_item(policy: &Policy, as_of: Date, within_days: u32) -> Option<DueItem> {
    let due = add_months(policy.last_review, policy.review_interval_months);
    let (kind, what) = if as_of > due {
        (
            DueKind::Overdue,
            format!(
                "policy `{}` version {} was last reviewed on {}: review it and record the review",
                policy.name,
                policy.version,
                format_date(policy.last_review)
            ),
        )
    } else if due < add_days(as_of, within_days) {
        (
            DueKind::DueSoon,
            format!(
                "policy `{}` version {} is due for its yearly review",
                policy.name, policy.version
            ),
        )
    } else {
        return None;
    };
    Some(DueItem {
        supplier: String::new(),
        name: None,
        owner: Some(policy.owner.clone()),
        kind,
        rule: POLICY_REVIEW.id,
        date: Some(due),
        what,
        risk: None,
    })
}

/// The window `item` falls in on `as_of`.
pub fn window(item: &DueItem, as_of: Date, schedule: Schedule) -> String {
    match item.kind {
        DueKind::DueSoon => "soon".into(),
        DueKind::Overdue | DueKind::Triggered | DueKind::Missing => {
            let from = item.date.unwrap_or(Date::MIN).max(epoch());
            let days = (as_of - from).whole_days().max(0);
            let n = days / i64::from(schedule.repeat_days.max(1));
            format!("overdue-{n}")
        }
    }
}

fn epoch() -> Date {
    Date::from_ordinal_date(1970, 1).unwrap_or(Date::MIN)
}

/// The stable key of `item`. A risk's item is keyed by the risk, not the supplier: a risk
/// linked to several suppliers is one reminder.
pub fn key(item: &DueItem) -> String {
    let date = item.date.map_or_else(|| "-".to_string(), format_date);
    let subject = match (&item.risk, item.supplier.is_empty()) {
        (Some(risk), _) => format!("risk:{risk}"),
        (None, true) => "policy".to_string(),
        (None, false) => item.supplier.clone(),
    };
    format!("{}|{subject}|{date}|{}", item.rule, item.what)
}

/// Every reminder on `as_of`: the due list's items (already computed, most urgent first) and
/// the policy's own review, each with its key and window; an item whose key came before (a
/// risk linked to several suppliers) only once, the first.
pub fn reminders(
    due: impl IntoIterator<Item = DueItem>,
    policy: &Policy,
    as_of: Date,
    schedule: Schedule,
) -> Vec<Reminder> {
    let mut seen = std::collections::HashSet::new();
    policy_item(policy, as_of, schedule.within_days)
        .into_iter()
        .chain(due)
        .map(|item| Reminder {
            key: key(&item),
            window: window(&item, as_of, schedule),
            item,
        })
        .filter(|r| seen.insert(r.key.clone()))
        .collect()
}

/// Who a digest goes to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "to", rename_all = "snake_case")]
pub enum Recipient {
    /// An e-mail address: a supplier owner's (their own items) or an admin's (everything).
    Email(String),
    /// A configured webhook, by name (everything).
    Webhook(String),
}

impl Recipient {
    /// The text the store keys claims and deliveries by: `email:ADDRESS`, `webhook:NAME`.
    pub fn as_key(&self) -> String {
        match self {
            Recipient::Email(a) => format!("email:{}", a.to_ascii_lowercase()),
            Recipient::Webhook(n) => format!("webhook:{n}"),
        }
    }
}

/// Whether `s` looks like an e-mail address (one `@` with text on both sides, no spaces): a
/// supplier's owner may also be a team name, which gets no mail of its own.
pub fn is_address(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// One recipient's share of the reminders: the indexes into the reminders it was cut from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub recipient: Recipient,
    /// Whether it is an admin's (or a webhook's) digest of everything, rather than an owner's.
    pub everything: bool,
    pub items: Vec<usize>,
}

/// Cuts `reminders` into digests: each admin address and each webhook gets everything; each
/// owner that is an e-mail address (and not an admin, who has it all already) gets the items
/// of the suppliers they own. Recipients in a stable order; items in the reminders' order.
pub fn shares(reminders: &[Reminder], admins: &[String], webhooks: &[String]) -> Vec<Share> {
    let mut out = Vec::new();
    if reminders.is_empty() {
        return out;
    }
    let all: Vec<usize> = (0..reminders.len()).collect();
    let mut admin_keys: Vec<String> = admins
        .iter()
        .filter(|a| is_address(a))
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    admin_keys.sort();
    admin_keys.dedup();
    for a in &admin_keys {
        out.push(Share {
            recipient: Recipient::Email(a.clone()),
            everything: true,
            items: all.clone(),
        });
    }
    let mut owners: std::collections::BTreeMap<String, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (i, r) in reminders.iter().enumerate() {
        // The policy's owner is a role (`ciso`) unless written as an address: the admins
        // have the policy's review either way.
        if let Some(owner) = r.item.owner.as_deref().filter(|o| is_address(o)) {
            let owner = owner.trim().to_ascii_lowercase();
            if admin_keys.binary_search(&owner).is_err() {
                owners.entry(owner).or_default().push(i);
            }
        }
    }
    for (owner, items) in owners {
        out.push(Share {
            recipient: Recipient::Email(owner),
            everything: false,
            items,
        });
    }
    for w in webhooks {
        out.push(Share {
            recipient: Recipient::Webhook(w.clone()),
            everything: true,
            items: all.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn item(supplier: &str, owner: &str, kind: DueKind, date: Option<Date>) -> DueItem {
        DueItem {
            supplier: supplier.into(),
            name: Some(supplier.to_uppercase()),
            owner: Some(owner.into()),
            kind,
            rule: "review.overdue",
            date,
            what: "review overdue".into(),
            risk: None,
        }
    }

    #[test]
    fn an_overdue_item_is_sent_again_every_repeat_days_counted_from_its_date() {
        let s = Schedule {
            within_days: 30,
            repeat_days: 7,
        };
        let i = item(
            "a",
            "x@example.eu",
            DueKind::Overdue,
            Some(date!(2026 - 11 - 01)),
        );
        assert_eq!(window(&i, date!(2026 - 11 - 02), s), "overdue-0");
        assert_eq!(window(&i, date!(2026 - 11 - 07), s), "overdue-0");
        assert_eq!(window(&i, date!(2026 - 11 - 08), s), "overdue-1");
        assert_eq!(window(&i, date!(2026 - 11 - 25), s), "overdue-3");
        let undated = item("a", "x@example.eu", DueKind::Missing, None);
        let a = window(&undated, date!(2026 - 11 - 25), s);
        assert_eq!(a, window(&undated, date!(2026 - 11 - 25), s));
        assert_ne!(a, window(&undated, date!(2026 - 12 - 02), s));
        let soon = item(
            "a",
            "x@example.eu",
            DueKind::DueSoon,
            Some(date!(2026 - 12 - 01)),
        );
        assert_eq!(window(&soon, date!(2026 - 11 - 02), s), "soon");
        assert_eq!(window(&soon, date!(2026 - 11 - 30), s), "soon");
    }

    #[test]
    fn the_key_names_the_date_so_a_new_date_is_a_new_item() {
        let a = item(
            "a",
            "x@example.eu",
            DueKind::Overdue,
            Some(date!(2026 - 11 - 01)),
        );
        let b = item(
            "a",
            "x@example.eu",
            DueKind::Overdue,
            Some(date!(2027 - 11 - 01)),
        );
        assert_ne!(key(&a), key(&b));
        assert_eq!(key(&a), key(&a.clone()));
        assert_eq!(key(&a), "review.overdue|a|2026-11-01|review overdue");
    }

    #[test]
    fn the_policy_review_is_due_soon_then_overdue() {
        let p = Policy::default(); // last review 2026-11-01, every 12 months
        assert_eq!(policy_item(&p, date!(2026 - 11 - 25), 30), None);
        let soon = policy_item(&p, date!(2027 - 10 - 15), 30).unwrap();
        assert_eq!(soon.kind, DueKind::DueSoon);
        assert_eq!(soon.date, Some(date!(2027 - 11 - 01)));
        // On the due date itself the policy is not yet overdue (`policy.review` warns after).
        assert_eq!(
            policy_item(&p, date!(2027 - 11 - 01), 30).unwrap().kind,
            DueKind::DueSoon
        );
        let late = policy_item(&p, date!(2027 - 11 - 02), 30).unwrap();
        assert_eq!(late.kind, DueKind::Overdue);
        assert_eq!(late.rule, "policy.review");
        let r = reminders([], &p, date!(2027 - 11 - 02), Schedule::default());
        assert_eq!(r.len(), 1);
        assert!(r[0].is_policy());
        assert_eq!(
            r[0].key,
            "policy.review|policy|2027-11-01|".to_string() + &late.what
        );
    }

    #[test]
    fn admins_and_webhooks_get_everything_owners_their_own() {
        let as_of = date!(2026 - 11 - 25);
        let r = reminders(
            [
                item("a", "Owner@Example.eu", DueKind::Overdue, None),
                item("b", "platform team", DueKind::Overdue, None),
                item("c", "owner@example.eu", DueKind::DueSoon, Some(as_of)),
                item("d", "admin@example.eu", DueKind::Triggered, Some(as_of)),
            ],
            &Policy::default(),
            as_of,
            Schedule::default(),
        );
        let s = shares(
            &r,
            &["admin@example.eu".into(), "not an address".into()],
            &["slack".into()],
        );
        let got: Vec<(String, bool, Vec<usize>)> = s
            .iter()
            .map(|x| (x.recipient.as_key(), x.everything, x.items.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("email:admin@example.eu".into(), true, vec![0, 1, 2, 3]),
                ("email:owner@example.eu".into(), false, vec![0, 2]),
                ("webhook:slack".into(), true, vec![0, 1, 2, 3]),
            ]
        );
        assert!(shares(&[], &["admin@example.eu".into()], &[]).is_empty());
    }

    #[test]
    fn a_risk_linked_to_several_suppliers_is_one_reminder() {
        let as_of = date!(2026 - 11 - 25);
        let risk = |supplier: &str| DueItem {
            supplier: supplier.into(),
            name: None,
            owner: Some("ciso@example.eu".into()),
            kind: DueKind::Overdue,
            rule: "escalation.risk",
            date: Some(date!(2026 - 11 - 01)),
            what: "risk R-12 past its due date".into(),
            risk: Some("R-12".into()),
        };
        let r = reminders(
            [risk("a"), risk("b")],
            &Policy::default(),
            as_of,
            Schedule::default(),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].key,
            "escalation.risk|risk:R-12|2026-11-01|risk R-12 past its due date"
        );
        assert_eq!(r[0].item.supplier, "a");
    }

    #[test]
    fn addresses() {
        assert!(is_address("ciso@example.eu"));
        assert!(is_address(" ciso@example.eu "));
        assert!(!is_address("ciso"));
        assert!(!is_address("@example.eu"));
        assert!(!is_address("a@b"));
        assert!(!is_address("a b@example.eu"));
        assert!(!is_address("a@b@example.eu"));
    }
}
