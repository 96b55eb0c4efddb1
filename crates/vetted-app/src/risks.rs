//! Editing the risk register: one risk written into every supplier it is linked to, in one
//! transaction ([`save_risk`], through `Store::update_suppliers`), after the checks the forms
//! and the API share ([`prepare`]: a known id, linked suppliers, rule ids of the policy in force,
//! an acceptance with its end date and who accepted it).
//!
//! **Versions.** A risk has no version of its own: its copies live in the suppliers. An editor
//! sends the version at which it read each supplier the risk was linked to
//! ([`RiskChange::versions`]); another version stored is [`SaveError::Stale`]. A supplier linked
//! since the read (its version unknown to the editor) is a change the editor has not seen:
//! [`SaveError::LinkedSince`]. Suppliers the edit newly links are written at the version read
//! inside the save (their record is not shown to the editor; the risk is only appended), still
//! guarded by the store's version check.

use std::collections::BTreeMap;

use time::Date;
use vetted_core::model::{RiskEntry, RiskStatus, Supplier, SupplierId};
use vetted_core::policy::Policy;
use vetted_core::risks::{Risk, apply, check_id, check_rules};
use vetted_store::{Change, Store, StoreError, StoredSupplier};

use crate::tabular::table::{Table, TableCell};

/// A risk as an editor submits it.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskChange {
    /// The risk's values, its `id` included.
    pub entry: RiskEntry,
    /// The suppliers to link it to, in the order given.
    pub suppliers: Vec<SupplierId>,
    /// The version at which the editor read each supplier the risk was linked to.
    pub versions: BTreeMap<SupplierId, i64>,
}

/// A problem with a submitted risk: the field (`title`, `rules[1]`, `suppliers`) and what is
/// wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskProblem {
    /// The field, named as in the risk's JSON.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl RiskProblem {
    fn new(field: impl Into<String>, message: impl Into<String>) -> RiskProblem {
        RiskProblem {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a risk was not saved.
#[derive(Debug)]
pub enum SaveError {
    /// The submitted risk breaks a rule of its own: every problem, by field.
    Invalid(Vec<RiskProblem>),
    /// A new risk's id is taken (someone created it meanwhile, or the id was chosen twice).
    Exists(String),
    /// The risk exists and the editor sent no versions: it cannot be saved without knowing
    /// what the editor read.
    VersionsRequired,
    /// The risk was linked to this supplier after the editor read it.
    LinkedSince(SupplierId),
    /// A supplier changed since the editor read it: the supplier as stored now.
    Stale(Box<StoredSupplier>),
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for SaveError {
    fn from(e: StoreError) -> SaveError {
        match e {
            StoreError::Stale { current } => SaveError::Stale(current),
            e => SaveError::Store(e),
        }
    }
}

/// Checks `change` against the policy and completes it: the rule ids are the policy's, at
/// least one supplier is linked and none twice, an accepted risk has `accepted_until` (on or
/// after `today` when the acceptance is new or moved) and is recorded as accepted by `who`;
/// a risk no longer accepted drops its acceptance; a new risk is `opened` today unless given.
/// `current` is the risk as stored (`None` for a new one). Returns every problem, by field.
pub fn prepare(
    change: &mut RiskChange,
    current: Option<&Risk>,
    policy: &Policy,
    today: Date,
    who: &str,
) -> Vec<RiskProblem> {
    let mut problems = Vec::new();
    let e = &mut change.entry;
    let id = e.id.clone().unwrap_or_default();
    if let Err(why) = check_id(&id) {
        problems.push(RiskProblem::new("id", why));
    }
    if e.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        problems.push(RiskProblem::new("title", "give the risk a title"));
    }
    if e.status.is_none() {
        problems.push(RiskProblem::new("status", "choose a status"));
    }
    for (i, message) in check_rules(&e.rules, policy) {
        problems.push(RiskProblem::new(format!("rules[{i}]"), message));
    }
    if change.suppliers.is_empty() {
        problems.push(RiskProblem::new(
            "suppliers",
            "link the risk to at least one supplier",
        ));
    }
    for (i, s) in change.suppliers.iter().enumerate() {
        if change.suppliers[..i].contains(s) {
            problems.push(RiskProblem::new(
                format!("suppliers[{i}]"),
                format!("supplier `{s}` is given twice"),
            ));
        }
    }
    let before = current.map(|r| &r.entry);
    if e.status == Some(RiskStatus::Accepted) {
        let was_accepted = before.is_some_and(|b| b.status == Some(RiskStatus::Accepted));
        let same_end = before.is_some_and(|b| b.accepted_until == e.accepted_until);
        match e.accepted_until {
            None => problems.push(RiskProblem::new(
                "accepted_until",
                "an accepted risk needs the last day the acceptance holds: decide again then",
            )),
            Some(until) if until < today && !(was_accepted && same_end) => {
                problems.push(RiskProblem::new(
                    "accepted_until",
                    format!("{until} is in the past: an acceptance holds from today on"),
                ));
            }
            Some(_) => {}
        }
        if !(was_accepted && same_end) {
            // A new or renewed acceptance is the signed-in user's decision.
            e.accepted_by = Some(who.to_string());
        } else if e.accepted_by.is_none() {
            e.accepted_by = before.and_then(|b| b.accepted_by.clone());
        }
    } else {
        e.accepted_by = None;
        e.accepted_until = None;
    }
    if current.is_none() && e.opened.is_none() {
        e.opened = Some(today);
    }
    problems
}

/// Writes `change` into every supplier it touches, in one transaction with one audit entry per
/// supplier changed: the risk replaces the copy of each supplier linked (or is appended), and is
/// removed from each supplier no longer linked. `current` is the risk as the register holds it
/// now (`None`: no such risk); `creating` says the editor meant a new risk. Call [`prepare`]
/// first. Returns the suppliers as stored now.
pub async fn save_risk(
    store: &dyn Store,
    change: &RiskChange,
    current: Option<&Risk>,
    creating: bool,
    by: &Change,
) -> Result<Vec<StoredSupplier>, SaveError> {
    let id = change.entry.id.clone().unwrap_or_default();
    let linked_now: Vec<SupplierId> = current
        .map(|r| r.suppliers.iter().map(|l| l.id.clone()).collect())
        .unwrap_or_default();
    if creating && current.is_some() {
        return Err(SaveError::Exists(id));
    }
    if current.is_some() && change.versions.is_empty() {
        return Err(SaveError::VersionsRequired);
    }
    if let Some(s) = linked_now
        .iter()
        .find(|s| !change.versions.contains_key(*s))
    {
        return Err(SaveError::LinkedSince(s.clone()));
    }

    let mut touched: Vec<&SupplierId> = change.suppliers.iter().collect();
    touched.extend(linked_now.iter().filter(|s| !change.suppliers.contains(s)));
    let mut updates: Vec<(Supplier, i64)> = Vec::with_capacity(touched.len());
    let mut problems = Vec::new();
    for (i, sid) in touched.into_iter().enumerate() {
        let link = i < change.suppliers.len();
        let Some(stored) = store.find_supplier(sid).await? else {
            problems.push(RiskProblem::new(
                format!("suppliers[{i}]"),
                format!("there is no supplier `{sid}`"),
            ));
            continue;
        };
        if let Some(read) = change.versions.get(sid)
            && *read != stored.version
        {
            return Err(SaveError::Stale(Box::new(stored)));
        }
        if link && stored.archived && !linked_now.contains(sid) {
            problems.push(RiskProblem::new(
                format!("suppliers[{i}]"),
                format!("supplier `{sid}` is archived: restore it before linking a risk to it"),
            ));
            continue;
        }
        let mut supplier = stored.supplier;
        if apply(&mut supplier, &id, link.then_some(&change.entry)) {
            updates.push((supplier, stored.version));
        }
    }
    if !problems.is_empty() {
        return Err(SaveError::Invalid(problems));
    }
    Ok(store.update_suppliers(&updates, by).await?)
}

/// The risks as a table of one sheet, a column per field (`Overdue` says why a risk needs a
/// decision on `as_of`): what the risk register page exports and `vetted risk list --format csv`
/// prints, written by the safe table writers.
pub fn risk_table(risks: &[&Risk], as_of: Date) -> Table {
    let text = |s: &Option<String>| TableCell::from(s.clone());
    let word = |s: Option<&str>| s.map_or(TableCell::Blank, |w| TableCell::Text(w.to_string()));
    Table {
        sheet: "risks".into(),
        columns: [
            "Id",
            "Title",
            "Status",
            "Treatment",
            "Owner",
            "Due",
            "Overdue",
            "Suppliers",
            "Rules",
            "Description",
            "Opened",
            "Accepted by",
            "Accepted until",
        ]
        .map(String::from)
        .to_vec(),
        rows: risks
            .iter()
            .map(|r| {
                let e = &r.entry;
                let ids: Vec<&str> = r.suppliers.iter().map(|l| l.id.as_str()).collect();
                vec![
                    TableCell::Text(r.id().to_string()),
                    text(&e.title),
                    word(e.status.map(RiskStatus::as_str)),
                    word(e.treatment.map(vetted_core::model::Treatment::as_str)),
                    text(&e.owner),
                    e.due.into(),
                    word(r.overdue(as_of).map(vetted_core::risks::Overdue::as_str)),
                    TableCell::Text(ids.join(", ")),
                    TableCell::Text(e.rules.join(", ")),
                    text(&e.description),
                    e.opened.into(),
                    text(&e.accepted_by),
                    e.accepted_until.into(),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;
    use vetted_core::model::Treatment;
    use vetted_core::risks::RiskRegister;

    use super::*;

    fn sid(s: &str) -> SupplierId {
        SupplierId::parse(s).unwrap()
    }

    fn change(status: RiskStatus, until: Option<Date>) -> RiskChange {
        RiskChange {
            entry: RiskEntry {
                id: Some("R-1".into()),
                title: Some("US support".into()),
                status: Some(status),
                treatment: Some(Treatment::Accept),
                accepted_until: until,
                rules: vec!["selection.residency".into()],
                ..RiskEntry::default()
            },
            suppliers: vec![sid("a")],
            versions: BTreeMap::new(),
        }
    }

    #[test]
    fn an_acceptance_needs_its_end_and_records_who_accepted() {
        let policy = Policy::default();
        let today = date!(2026 - 11 - 25);
        let mut c = change(RiskStatus::Accepted, None);
        let problems = prepare(&mut c, None, &policy, today, "ciso@example.eu");
        assert_eq!(
            problems
                .iter()
                .map(|p| p.field.as_str())
                .collect::<Vec<_>>(),
            ["accepted_until"]
        );

        let mut c = change(RiskStatus::Accepted, Some(date!(2026 - 11 - 24)));
        let problems = prepare(&mut c, None, &policy, today, "ciso@example.eu");
        assert!(problems[0].message.contains("in the past"), "{problems:?}");

        let mut c = change(RiskStatus::Accepted, Some(date!(2027 - 01 - 31)));
        assert!(prepare(&mut c, None, &policy, today, "ciso@example.eu").is_empty());
        assert_eq!(c.entry.accepted_by.as_deref(), Some("ciso@example.eu"));
        assert_eq!(c.entry.opened, Some(today), "a new risk is opened today");
    }

    #[test]
    fn an_unchanged_expired_acceptance_may_be_saved_and_keeps_who_accepted() {
        let policy = Policy::default();
        let mut stored = change(RiskStatus::Accepted, Some(date!(2026 - 01 - 31))).entry;
        stored.accepted_by = Some("former@example.eu".into());
        let mut s = Supplier::new(sid("a"));
        s.risks = vec![stored];
        let register = RiskRegister::of([&s]);
        let current = register.get("R-1");
        let mut c = change(RiskStatus::Accepted, Some(date!(2026 - 01 - 31)));
        c.entry.description = Some("more words".into());
        assert!(
            prepare(
                &mut c,
                current,
                &policy,
                date!(2026 - 11 - 25),
                "me@example.eu"
            )
            .is_empty()
        );
        assert_eq!(c.entry.accepted_by.as_deref(), Some("former@example.eu"));
        assert_eq!(
            c.entry.opened, None,
            "an existing risk keeps its opening date as given"
        );
    }

    #[test]
    fn a_risk_no_longer_accepted_drops_its_acceptance_and_rules_are_checked() {
        let policy = Policy::default();
        let mut c = change(RiskStatus::Open, Some(date!(2027 - 01 - 31)));
        c.entry.accepted_by = Some("x".into());
        c.entry.rules.push("nope".into());
        c.suppliers = vec![];
        let problems = prepare(&mut c, None, &policy, date!(2026 - 11 - 25), "me");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["rules[1]", "suppliers"]);
        assert_eq!((c.entry.accepted_by, c.entry.accepted_until), (None, None));
    }

    async fn store_with(suppliers: &[&str]) -> (tempfile::TempDir, std::sync::Arc<dyn Store>) {
        let dir = tempfile::tempdir().unwrap();
        let url = vetted_store::DatabaseUrl::new(dir.path().join("v.db").to_str().unwrap());
        let key = vetted_core::audit::AuditKey::from_bytes(&[1; 32]).unwrap();
        let store = vetted_store::open_with_audit_key(&url, key).await.unwrap();
        let register = vetted_core::model::Register {
            suppliers: suppliers.iter().map(|s| Supplier::new(sid(s))).collect(),
        };
        store
            .upsert_register(&register, &by(), &|_| {})
            .await
            .unwrap();
        (dir, store)
    }

    fn by() -> Change {
        Change::now(vetted_core::audit::Actor::System)
    }

    async fn register(store: &dyn Store) -> RiskRegister {
        let suppliers: Vec<Supplier> = store
            .list_suppliers()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.supplier)
            .collect();
        RiskRegister::of(&suppliers)
    }

    #[tokio::test]
    async fn a_risk_is_written_into_every_linked_supplier_and_removed_from_the_unlinked() {
        let (_dir, store) = store_with(&["a", "b", "c"]).await;
        let mut c = change(RiskStatus::Open, None);
        c.suppliers = vec![sid("a"), sid("b")];
        save_risk(store.as_ref(), &c, None, true, &by())
            .await
            .unwrap();
        let r = register(store.as_ref()).await;
        let linked: Vec<&str> = r
            .get("R-1")
            .unwrap()
            .suppliers
            .iter()
            .map(|l| l.id.as_str())
            .collect();
        assert_eq!(linked, ["a", "b"]);

        // Creating it again is refused; editing needs the versions read.
        assert!(matches!(
            save_risk(store.as_ref(), &c, r.get("R-1"), true, &by()).await,
            Err(SaveError::Exists(_))
        ));
        let mut edit = c.clone();
        edit.suppliers = vec![sid("b"), sid("c")];
        edit.entry.title = Some("Renamed".into());
        assert!(matches!(
            save_risk(store.as_ref(), &edit, r.get("R-1"), false, &by()).await,
            Err(SaveError::VersionsRequired)
        ));
        edit.versions = BTreeMap::from([(sid("a"), 2), (sid("b"), 2)]);
        let written = save_risk(store.as_ref(), &edit, r.get("R-1"), false, &by())
            .await
            .unwrap();
        assert_eq!(written.len(), 3);
        let r = register(store.as_ref()).await;
        let risk = r.get("R-1").unwrap();
        let linked: Vec<&str> = risk.suppliers.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(linked, ["b", "c"]);
        assert_eq!(risk.entry.title.as_deref(), Some("Renamed"));
        assert!(
            store
                .get_supplier(&sid("a"))
                .await
                .unwrap()
                .supplier
                .risks
                .is_empty()
        );

        // An edit from the versions read before that write is stale, and writes nothing.
        let mut late = edit.clone();
        late.entry.title = Some("Late".into());
        late.versions = BTreeMap::from([(sid("b"), 2), (sid("c"), 2)]);
        match save_risk(store.as_ref(), &late, r.get("R-1"), false, &by()).await {
            Err(SaveError::Stale(current)) => assert_eq!(current.supplier.id.as_str(), "b"),
            other => panic!("expected Stale, got {other:?}"),
        }
        // A supplier linked since the read (c) is a change the editor has not seen.
        late.versions = BTreeMap::from([(sid("b"), 3)]);
        assert!(matches!(
            save_risk(store.as_ref(), &late, r.get("R-1"), false, &by()).await,
            Err(SaveError::LinkedSince(s)) if s.as_str() == "c"
        ));
        assert_eq!(
            register(store.as_ref())
                .await
                .get("R-1")
                .unwrap()
                .entry
                .title
                .as_deref(),
            Some("Renamed")
        );
    }

    #[tokio::test]
    async fn an_unknown_supplier_is_a_problem_of_its_field() {
        let (_dir, store) = store_with(&["a"]).await;
        let mut c = change(RiskStatus::Open, None);
        c.suppliers = vec![sid("a"), sid("zz")];
        match save_risk(store.as_ref(), &c, None, true, &by()).await {
            Err(SaveError::Invalid(p)) => assert_eq!(p[0].field, "suppliers[1]"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(register(store.as_ref()).await.risks().is_empty());
    }
}
