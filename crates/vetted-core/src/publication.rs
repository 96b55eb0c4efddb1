//! The public subprocessor list (GDPR Art. 28(2)): what customers may see of the register,
//! its published versions, the notice before a change takes effect, and the objections that
//! hold a change back.
//!
//! - [`entry`]/[`entries`]: a supplier's public face. Only the fields of [`PublicEntry`] ever
//!   leave the register: name, the listing's purpose, countries of processing and storage,
//!   data categories and the since-date. Everything else (services, owner, notes, regions,
//!   agreements, assurance, risks, fourth parties) stays inside.
//! - [`diff`]: what changed between two lists, as customers read it (addition, removal,
//!   replacement, location change, purpose change, other details).
//! - [`Publication`]: the versions published so far and the objections to them, evaluated on a
//!   day: which version is in effect, which is planned, on hold, withdrawn or replaced.
//! - [`Publication::plan`]: the rules for publishing a new version (the first takes effect at
//!   once, every later one at least the policy's notice period ahead).
//!
//! Pure: the store keeps the versions and objections, the server and the CLI render them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::audit::Actor;
use crate::country::Country;
use crate::date::add_days;
use crate::model::{Purpose, Supplier};

/// One subprocessor as the public list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicEntry {
    /// The register's id: the entry's identity from one version to the next. Stored with the
    /// version, never shown publicly.
    pub supplier: String,
    pub name: String,
    /// `public_listing.purpose`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Where the data is processed: locations used for processing, inference or remote access
    /// (all processing under GDPR Art. 4(2)), sorted, each once.
    #[serde(default)]
    pub processing: Vec<Country>,
    /// Where the data is stored, sorted, each once.
    #[serde(default)]
    pub storage: Vec<Country>,
    /// `data.categories`, in the register's order.
    #[serde(default)]
    pub data_categories: Vec<String>,
    /// `public_listing.since`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub since: Option<Date>,
}

/// The supplier's public entry, when it is on the list: `public_listing.listed` is true and the
/// supplier is not rejected or terminated (a terminated supplier no longer processes anything,
/// so terminating one plans its removal).
pub fn entry(supplier: &Supplier) -> Option<PublicEntry> {
    let listed = supplier.public_listing.listed
        && !supplier
            .status
            .is_some_and(crate::model::Status::is_inactive);
    if !listed {
        return None;
    }
    let countries = |keep: &dyn Fn(Purpose) -> bool| {
        supplier
            .locations
            .iter()
            .filter(|l| keep(l.purpose))
            .map(|l| l.country)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    };
    Some(PublicEntry {
        supplier: supplier.id.to_string(),
        name: supplier
            .name
            .clone()
            .unwrap_or_else(|| supplier.id.to_string()),
        purpose: supplier
            .public_listing
            .purpose
            .as_ref()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty()),
        processing: countries(&|p| p != Purpose::Storage),
        storage: countries(&|p| p == Purpose::Storage),
        data_categories: supplier.data.categories.clone(),
        since: supplier.public_listing.since,
    })
}

/// The public entries of these suppliers, in the list's order ([`sort`]).
pub fn entries<'a>(suppliers: impl IntoIterator<Item = &'a Supplier>) -> Vec<PublicEntry> {
    let mut list: Vec<PublicEntry> = suppliers.into_iter().filter_map(entry).collect();
    sort(&mut list);
    list
}

/// The list's order: by name without regard to case, then by id.
pub fn sort(list: &mut [PublicEntry]) {
    list.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.supplier.cmp(&b.supplier))
    });
}

/// What kind of change a customer is told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Addition,
    Removal,
    /// A subprocessor removed and another added for the same purpose.
    Replacement,
    /// Countries of processing or storage changed.
    LocationChange,
    PurposeChange,
    /// The name, data categories or since-date changed.
    DetailChange,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Addition => "addition",
            ChangeKind::Removal => "removal",
            ChangeKind::Replacement => "replacement",
            ChangeKind::LocationChange => "location_change",
            ChangeKind::PurposeChange => "purpose_change",
            ChangeKind::DetailChange => "detail_change",
        }
    }

    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Addition => "Addition",
            ChangeKind::Removal => "Removal",
            ChangeKind::Replacement => "Replacement",
            ChangeKind::LocationChange => "Location change",
            ChangeKind::PurposeChange => "Purpose change",
            ChangeKind::DetailChange => "Other details",
        }
    }
}

/// One change between two lists: what it is, the entry before and after. An addition has no
/// `before`, a removal no `after`; a replacement has the removed entry before and the added
/// one after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryChange {
    /// Every kind that applies, in [`ChangeKind`]'s order (a move can also rename).
    pub kinds: Vec<ChangeKind>,
    pub before: Option<PublicEntry>,
    pub after: Option<PublicEntry>,
}

impl EntryChange {
    /// The name the change is listed under (the new one when there is one).
    pub fn name(&self) -> &str {
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .map_or("", |e| e.name.as_str())
    }

    /// A one-line description: "Addition: Acme (Hosting)".
    pub fn summary(&self) -> String {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.label()).collect();
        match (&self.before, &self.after) {
            (Some(b), Some(a)) if self.kinds.contains(&ChangeKind::Replacement) => {
                format!("{}: {} replaces {}", kinds.join(", "), a.name, b.name)
            }
            _ => format!("{}: {}", kinds.join(", "), self.name()),
        }
    }
}

fn norm(purpose: Option<&String>) -> Option<String> {
    purpose
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
}

/// What changed from `before` to `after`, entries matched by supplier id, in the order of
/// `after`'s names (removals by their old name). A removal and an addition with the same
/// purpose are one replacement.
pub fn diff(before: &[PublicEntry], after: &[PublicEntry]) -> Vec<EntryChange> {
    let old: BTreeMap<&str, &PublicEntry> =
        before.iter().map(|e| (e.supplier.as_str(), e)).collect();
    let new: BTreeMap<&str, &PublicEntry> =
        after.iter().map(|e| (e.supplier.as_str(), e)).collect();
    let mut changes = Vec::new();
    let mut added = Vec::new();
    let mut removed: Vec<&PublicEntry> = before
        .iter()
        .filter(|e| !new.contains_key(e.supplier.as_str()))
        .collect();
    for a in after {
        match old.get(a.supplier.as_str()) {
            None => added.push(a),
            Some(b) if *b == a => {}
            Some(b) => {
                let mut kinds = Vec::new();
                if b.processing != a.processing || b.storage != a.storage {
                    kinds.push(ChangeKind::LocationChange);
                }
                if norm(b.purpose.as_ref()) != norm(a.purpose.as_ref()) {
                    kinds.push(ChangeKind::PurposeChange);
                }
                if b.name != a.name
                    || b.data_categories != a.data_categories
                    || b.since != a.since
                    || (kinds.is_empty() && b.purpose != a.purpose)
                {
                    kinds.push(ChangeKind::DetailChange);
                }
                changes.push(EntryChange {
                    kinds,
                    before: Some((*b).clone()),
                    after: Some(a.clone()),
                });
            }
        }
    }
    for a in added {
        let purpose = norm(a.purpose.as_ref());
        let partner = purpose.as_ref().and_then(|p| {
            removed
                .iter()
                .position(|r| norm(r.purpose.as_ref()).as_ref() == Some(p))
        });
        match partner {
            Some(i) => {
                let b = removed.remove(i);
                changes.push(EntryChange {
                    kinds: vec![ChangeKind::Replacement],
                    before: Some(b.clone()),
                    after: Some(a.clone()),
                });
            }
            None => changes.push(EntryChange {
                kinds: vec![ChangeKind::Addition],
                before: None,
                after: Some(a.clone()),
            }),
        }
    }
    for b in removed {
        changes.push(EntryChange {
            kinds: vec![ChangeKind::Removal],
            before: Some(b.clone()),
            after: None,
        });
    }
    changes.sort_by(|x, y| {
        x.name()
            .to_lowercase()
            .cmp(&y.name().to_lowercase())
            .then_with(|| x.kinds.cmp(&y.kinds))
    });
    changes
}

/// An admin's explicit decision on a change that has not taken effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Take effect on the planned date (or at once, when it has passed) despite objections.
    Proceed,
    /// Never take effect.
    Withdraw,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Proceed => "proceed",
            DecisionKind::Withdraw => "withdraw",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionKind> {
        match s {
            "proceed" => Some(DecisionKind::Proceed),
            "withdraw" => Some(DecisionKind::Withdraw),
            _ => None,
        }
    }
}

/// A decision with who made it and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub kind: DecisionKind,
    /// The day it counts from.
    pub on: Date,
    pub by: Actor,
    pub at: OffsetDateTime,
    pub note: Option<String>,
}

/// One published version of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListVersion {
    /// 1, 2, … in publishing order.
    pub number: i64,
    pub published_at: OffsetDateTime,
    pub published_by: Actor,
    /// The day it takes effect, unless objections hold it or it is withdrawn or replaced.
    pub effective: Date,
    /// The notice period it was published under (the policy's at the time).
    pub notice_days: u32,
    /// What the publisher wrote for customers about the change.
    pub note: Option<String>,
    /// The whole list, in the list's order.
    pub entries: Vec<PublicEntry>,
    pub decision: Option<Decision>,
}

impl ListVersion {
    /// The day it was published (UTC).
    pub fn published_on(&self) -> Date {
        self.published_at.date()
    }
}

/// What became of an objection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionOutcome {
    Accommodated,
    AlternativeOffered,
    ContractTerminated,
    Withdrawn,
}

impl ObjectionOutcome {
    pub const ALL: [ObjectionOutcome; 4] = [
        ObjectionOutcome::Accommodated,
        ObjectionOutcome::AlternativeOffered,
        ObjectionOutcome::ContractTerminated,
        ObjectionOutcome::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionOutcome::Accommodated => "accommodated",
            ObjectionOutcome::AlternativeOffered => "alternative_offered",
            ObjectionOutcome::ContractTerminated => "contract_terminated",
            ObjectionOutcome::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ObjectionOutcome::Accommodated => "Accommodated",
            ObjectionOutcome::AlternativeOffered => "Alternative offered",
            ObjectionOutcome::ContractTerminated => "Contract terminated",
            ObjectionOutcome::Withdrawn => "Withdrawn by the customer",
        }
    }

    pub fn parse(s: &str) -> Option<ObjectionOutcome> {
        ObjectionOutcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// How an objection reached us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectionVia {
    /// A subscriber followed the signed link of a change notice.
    Link { subscriber: String },
    /// An admin recorded it on a customer's behalf.
    Admin,
}

/// An objection's outcome, once recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub outcome: ObjectionOutcome,
    /// The day the outcome was reached.
    pub on: Date,
    pub notes: Option<String>,
    pub by: Actor,
    pub at: OffsetDateTime,
}

/// A customer's objection to a planned change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Objection {
    pub id: i64,
    /// The version (the change) objected to.
    pub version: i64,
    /// The customer (company).
    pub customer: String,
    /// Who to talk to.
    pub contact: String,
    pub email: Option<String>,
    pub grounds: String,
    /// The day it was received.
    pub received: Date,
    pub via: ObjectionVia,
    pub recorded_at: OffsetDateTime,
    /// The admin who recorded it (none when it came through a link).
    pub recorded_by: Option<Actor>,
    pub resolution: Option<Resolution>,
}

impl Objection {
    /// Open on `day`: received by then and without an outcome reached by then.
    pub fn is_open_on(&self, day: Date) -> bool {
        self.received <= day && self.resolution.as_ref().is_none_or(|r| r.on > day)
    }
}

/// Where a version stands on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Published; takes effect on `effective` unless objections hold it.
    Planned { effective: Date },
    /// Its date has come, but objections are open and no admin has decided.
    OnHold { effective: Date, open: usize },
    /// The list in force since `since`.
    InEffect { since: Date },
    /// It was in force from `since` until a later version took effect on `until`.
    Past { since: Date, until: Date },
    /// A later version was published before it took effect: it never will.
    Replaced { by: i64 },
    /// An admin withdrew it before it took effect.
    Withdrawn { on: Date },
}

impl Standing {
    pub fn as_str(&self) -> &'static str {
        match self {
            Standing::Planned { .. } => "planned",
            Standing::OnHold { .. } => "on_hold",
            Standing::InEffect { .. } => "in_effect",
            Standing::Past { .. } => "past",
            Standing::Replaced { .. } => "replaced",
            Standing::Withdrawn { .. } => "withdrawn",
        }
    }

    /// Planned or on hold: published, not yet in effect, still able to be.
    pub fn is_pending(&self) -> bool {
        matches!(self, Standing::Planned { .. } | Standing::OnHold { .. })
    }

    /// In effect now or before.
    pub fn took_effect(&self) -> bool {
        matches!(self, Standing::InEffect { .. } | Standing::Past { .. })
    }
}

/// Why a version cannot be published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublishError {
    /// The register shows the same list as the newest published version.
    NothingChanged,
    /// The effective date is inside the notice period.
    TooSoon { earliest: Date },
}

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublishError::NothingChanged => f.write_str(
                "nothing to publish: the list is the same as the last version published",
            ),
            PublishError::TooSoon { earliest } => write!(
                f,
                "the change can take effect on {} at the earliest (the policy's notice period)",
                crate::date::format_date(*earliest)
            ),
        }
    }
}

impl std::error::Error for PublishError {}

/// A version about to be published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVersion {
    /// The number it will get; the store refuses it when another was published meanwhile.
    pub number: i64,
    pub effective: Date,
    pub notice_days: u32,
    pub note: Option<String>,
    pub entries: Vec<PublicEntry>,
}

/// Why an objection cannot be recorded against a version, or a decision made on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeClosed {
    NoSuchVersion,
    /// It took effect, or was withdrawn or replaced: nothing left to object to or decide.
    NotPending,
    /// A decision was recorded already.
    Decided,
}

impl std::fmt::Display for ChangeClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChangeClosed::NoSuchVersion => "there is no such version of the list",
            ChangeClosed::NotPending => {
                "this change is no longer planned: it took effect, or was withdrawn or replaced"
            }
            ChangeClosed::Decided => "a decision on this change was recorded already",
        })
    }
}

impl std::error::Error for ChangeClosed {}

/// The published versions and their objections, as they stand on one day.
#[derive(Clone, Debug)]
pub struct Publication {
    pub today: Date,
    /// Oldest first.
    pub versions: Vec<ListVersion>,
    /// Parallel to `versions`.
    pub standings: Vec<Standing>,
    pub objections: Vec<Objection>,
}

impl Publication {
    /// Evaluates `versions` (any order) and `objections` on `today`. Only what was published,
    /// received, resolved or decided by `today` counts.
    pub fn new(
        mut versions: Vec<ListVersion>,
        objections: Vec<Objection>,
        today: Date,
    ) -> Publication {
        versions.retain(|v| v.published_on() <= today);
        versions.sort_by_key(|v| v.number);
        // The day each version's hold is lifted, if it has one: `None` = no hold;
        // `Some(None)` = held; `Some(Some(day))` = released on day.
        let start = |v: &ListVersion| -> Option<Date> {
            let decision = v.decision.as_ref().filter(|d| d.on <= today);
            if decision.is_some_and(|d| d.kind == DecisionKind::Withdraw) {
                return None;
            }
            let mine: Vec<&Objection> = objections
                .iter()
                .filter(|o| o.version == v.number && o.received <= today)
                .collect();
            if mine.is_empty() {
                return Some(v.effective);
            }
            if let Some(d) = decision {
                return Some(v.effective.max(d.on));
            }
            // Objections open on the effective date hold the change until the last of them
            // gets its outcome.
            if mine.iter().any(|o| o.is_open_on(today)) {
                return None;
            }
            let released = mine
                .iter()
                .filter_map(|o| o.resolution.as_ref().map(|r| r.on))
                .max()
                .unwrap_or(v.effective);
            Some(v.effective.max(released))
        };
        let starts: Vec<Option<Date>> = versions.iter().map(start).collect();
        let mut standings = Vec::with_capacity(versions.len());
        for (i, v) in versions.iter().enumerate() {
            if let Some(d) = v.decision.as_ref().filter(|d| d.on <= today)
                && d.kind == DecisionKind::Withdraw
            {
                standings.push(Standing::Withdrawn { on: d.on });
                continue;
            }
            // Replaced when a later version was published before this one took effect.
            let began = starts[i].filter(|s| *s <= today);
            let replaced_by = versions[i + 1..]
                .iter()
                .find(|w| began.is_none_or(|s| w.published_on() < s))
                .map(|w| w.number);
            if let Some(by) = replaced_by {
                standings.push(Standing::Replaced { by });
                continue;
            }
            match (starts[i], began) {
                (_, Some(since)) => standings.push(Standing::InEffect { since }),
                (Some(_), None) => standings.push(Standing::Planned {
                    effective: v.effective,
                }),
                (None, None) => {
                    let open = objections
                        .iter()
                        .filter(|o| o.version == v.number && o.is_open_on(today))
                        .count();
                    if v.effective <= today {
                        standings.push(Standing::OnHold {
                            effective: v.effective,
                            open,
                        });
                    } else {
                        standings.push(Standing::Planned {
                            effective: v.effective,
                        });
                    }
                }
            }
        }
        // Only the newest version that took effect is in effect; the earlier ones are past.
        let mut next_start: Option<Date> = None;
        for s in standings.iter_mut().rev() {
            if let Standing::InEffect { since } = *s {
                if let Some(until) = next_start {
                    *s = Standing::Past { since, until };
                }
                next_start = Some(since);
            }
        }
        Publication {
            today,
            versions,
            standings,
            objections,
        }
    }

    /// The versions with their standings, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&ListVersion, &Standing)> {
        self.versions.iter().zip(&self.standings)
    }

    /// The version with this number and its standing.
    pub fn version(&self, number: i64) -> Option<(&ListVersion, &Standing)> {
        self.iter().find(|(v, _)| v.number == number)
    }

    /// The list in force today, if any version took effect.
    pub fn in_effect(&self) -> Option<&ListVersion> {
        self.iter()
            .find(|(_, s)| matches!(s, Standing::InEffect { .. }))
            .map(|(v, _)| v)
    }

    /// The entries in force today (none before the first publication).
    pub fn current_entries(&self) -> &[PublicEntry] {
        self.in_effect().map_or(&[], |v| v.entries.as_slice())
    }

    /// The pending change (planned or on hold), if any: at most one, since publishing again
    /// replaces it.
    pub fn pending(&self) -> Option<(&ListVersion, &Standing)> {
        self.iter().rev().find(|(_, s)| s.is_pending())
    }

    /// The newest version that is in effect or pending: what the register is compared with to
    /// find unpublished changes.
    pub fn latest_live(&self) -> Option<&ListVersion> {
        self.iter()
            .rev()
            .find(|(_, s)| s.is_pending() || matches!(s, Standing::InEffect { .. }))
            .map(|(v, _)| v)
    }

    /// The version a version's changes are read against: the newest earlier version that took
    /// effect (for a pending change, the list in force).
    pub fn basis(&self, number: i64) -> Option<&ListVersion> {
        self.iter()
            .rev()
            .filter(|(v, _)| v.number < number)
            .find(|(_, s)| s.took_effect())
            .map(|(v, _)| v)
    }

    /// What version `number` changes, against its [`basis`](Publication::basis).
    pub fn changes(&self, number: i64) -> Vec<EntryChange> {
        let Some((v, _)) = self.version(number) else {
            return Vec::new();
        };
        let before = self.basis(number).map_or(&[][..], |b| b.entries.as_slice());
        diff(before, &v.entries)
    }

    /// What the register (`draft`, in the list's order) changes against the newest live
    /// version: the changes waiting to be published.
    pub fn unpublished(&self, draft: &[PublicEntry]) -> Vec<EntryChange> {
        let before = self.latest_live().map_or(&[][..], |v| v.entries.as_slice());
        diff(before, draft)
    }

    /// The earliest day a version published today may take effect: today for the first
    /// version, else today plus the notice period.
    pub fn earliest_effective(&self, notice_days: u32) -> Date {
        if self.versions.is_empty() {
            self.today
        } else {
            add_days(self.today, notice_days)
        }
    }

    /// Checks a new version of `draft` taking effect on `effective` (default: the earliest
    /// day allowed).
    ///
    /// # Errors
    /// [`PublishError::NothingChanged`] when `draft` equals the newest live version (and some
    /// version exists), [`PublishError::TooSoon`] inside the notice period.
    pub fn plan(
        &self,
        draft: Vec<PublicEntry>,
        effective: Option<Date>,
        notice_days: u32,
        note: Option<String>,
    ) -> Result<NewVersion, PublishError> {
        let earliest = self.earliest_effective(notice_days);
        if let Some(live) = self.latest_live()
            && live.entries == draft
        {
            return Err(PublishError::NothingChanged);
        }
        let effective = effective.unwrap_or(earliest);
        if effective < earliest {
            return Err(PublishError::TooSoon { earliest });
        }
        Ok(NewVersion {
            number: self.versions.last().map_or(1, |v| v.number + 1),
            effective,
            notice_days,
            note: note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
            entries: draft,
        })
    }

    /// Whether an objection to version `number` may be recorded today.
    ///
    /// # Errors
    /// When there is no such version or it is not pending.
    pub fn may_object(&self, number: i64) -> Result<&ListVersion, ChangeClosed> {
        match self.version(number) {
            None => Err(ChangeClosed::NoSuchVersion),
            Some((v, s)) if s.is_pending() => Ok(v),
            Some(_) => Err(ChangeClosed::NotPending),
        }
    }

    /// Whether an admin may decide on version `number` today.
    ///
    /// # Errors
    /// When there is no such version, it is not pending, or it was decided already.
    pub fn may_decide(&self, number: i64) -> Result<&ListVersion, ChangeClosed> {
        let v = self.may_object(number)?;
        if v.decision.is_some() {
            return Err(ChangeClosed::Decided);
        }
        Ok(v)
    }

    /// The objections to version `number`, oldest first.
    pub fn objections_to(&self, number: i64) -> impl Iterator<Item = &Objection> {
        self.objections.iter().filter(move |o| o.version == number)
    }
}

#[cfg(test)]
mod tests;
