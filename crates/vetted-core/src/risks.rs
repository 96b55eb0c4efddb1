//! The risk register: every supplier's `risks[]` entries grouped by risk id.
//!
//! The register format keeps risk entries under the suppliers they concern; an entry with the
//! same `id` under several suppliers is one risk linked to several suppliers. Its copies must
//! agree (an edit through the risk register writes every copy in one transaction); when they do
//! not, [`Risk::differing`] names the fields and the values shown are those of the first copy in
//! register order (`vetted check` warns about it, see `docs/register-format-extensions.md`).
//! Entries without an id are not part of the register (they cannot be linked or named).
//!
//! [`RiskRegister`] is built a supplier at a time ([`RiskRegister::add`]), so the server can
//! build it while it reads the register page by page. [`apply`] writes one risk into a
//! supplier, [`next_id`] suggests the next free `R-n`, [`check_rules`] checks rule ids against
//! a policy.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use crate::engine::{rule_info, supplier_rules};
use crate::model::{RiskEntry, RiskStatus, Supplier, SupplierId, Treatment};
use crate::policy::Policy;

/// A supplier a risk is linked to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Linked {
    /// The supplier's id.
    pub id: SupplierId,
    /// Its name, if recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Linked {
    /// Its name, or its id.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(self.id.as_str())
    }
}

/// One risk of the register.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Risk {
    /// The risk's values: its first copy in register order (`id` always present).
    #[serde(flatten)]
    pub entry: RiskEntry,
    /// Every supplier holding a copy, in register order.
    pub suppliers: Vec<Linked>,
    /// The fields in which another copy differs from the first (empty when they agree).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differing: Vec<String>,
}

/// Why a risk needs a decision now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overdue {
    /// Open, and its treatment's due date has passed.
    PastDue,
    /// Accepted, and the acceptance ended before the day.
    AcceptanceExpired,
}

impl Overdue {
    /// How it reads: "past its due date", "acceptance expired".
    pub fn as_str(self) -> &'static str {
        match self {
            Overdue::PastDue => "past its due date",
            Overdue::AcceptanceExpired => "acceptance expired",
        }
    }
}

impl Risk {
    /// The risk's id.
    pub fn id(&self) -> &str {
        self.entry.id.as_deref().unwrap_or_default()
    }

    /// Whether the risk needs a decision on `as_of`, and why: open past its due date, or
    /// accepted with an expired acceptance.
    pub fn overdue(&self, as_of: Date) -> Option<Overdue> {
        overdue(&self.entry, as_of)
    }

    /// Whether `supplier` is linked.
    pub fn links(&self, supplier: &SupplierId) -> bool {
        self.suppliers.iter().any(|l| l.id == *supplier)
    }
}

/// Whether `entry` needs a decision on `as_of` (see [`Risk::overdue`]).
pub fn overdue(entry: &RiskEntry, as_of: Date) -> Option<Overdue> {
    if entry.status == Some(RiskStatus::Open) && entry.due.is_some_and(|d| d < as_of) {
        Some(Overdue::PastDue)
    } else if entry.acceptance_expired(as_of) {
        Some(Overdue::AcceptanceExpired)
    } else {
        None
    }
}

/// The fields of two copies of one risk that differ (rules compared as a set).
pub fn differing_fields(a: &RiskEntry, b: &RiskEntry) -> Vec<&'static str> {
    let sorted = |r: &RiskEntry| {
        let mut rules = r.rules.clone();
        rules.sort();
        rules.dedup();
        rules
    };
    let mut out = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("title", a.title != b.title);
    check("status", a.status != b.status);
    check("treatment", a.treatment != b.treatment);
    check("owner", a.owner != b.owner);
    check("due", a.due != b.due);
    check("description", a.description != b.description);
    check("rules", sorted(a) != sorted(b));
    check("opened", a.opened != b.opened);
    check("accepted_by", a.accepted_by != b.accepted_by);
    check("accepted_until", a.accepted_until != b.accepted_until);
    out
}

/// Orders risk ids as people read them: `R-3` before `R-12` (a trailing number compares as a
/// number), then as text.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    let split = |s: &str| {
        let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, tail) = s.split_at(s.len() - digits);
        (
            head.to_string(),
            tail.trim_start_matches('0').len(),
            tail.trim_start_matches('0').to_string(),
        )
    };
    split(a).cmp(&split(b)).then_with(|| a.cmp(b))
}

/// The register of risks: built from the suppliers in register order.
#[derive(Clone, Debug, Default)]
pub struct RiskRegister {
    risks: Vec<Risk>,
    by_id: HashMap<String, usize>,
    /// Suppliers with an entry that has no id (such entries are not in the register).
    pub without_id: Vec<SupplierId>,
}

impl RiskRegister {
    /// An empty register.
    pub fn new() -> RiskRegister {
        RiskRegister::default()
    }

    /// The register of `suppliers` (in register order).
    pub fn of<'a>(suppliers: impl IntoIterator<Item = &'a Supplier>) -> RiskRegister {
        let mut r = RiskRegister::new();
        for s in suppliers {
            r.add(s);
        }
        r.finish()
    }

    /// Adds the next supplier's entries (suppliers in register order).
    pub fn add(&mut self, supplier: &Supplier) {
        for entry in &supplier.risks {
            let Some(id) = entry.id.as_deref().filter(|id| !id.trim().is_empty()) else {
                if !self.without_id.contains(&supplier.id) {
                    self.without_id.push(supplier.id.clone());
                }
                continue;
            };
            let linked = Linked {
                id: supplier.id.clone(),
                name: supplier.name.clone(),
            };
            if let Some(&i) = self.by_id.get(id) {
                let risk = &mut self.risks[i];
                for field in differing_fields(&risk.entry, entry) {
                    if !risk.differing.iter().any(|f| f == field) {
                        risk.differing.push(field.to_string());
                    }
                }
                if !risk.links(&supplier.id) {
                    risk.suppliers.push(linked);
                }
            } else {
                self.by_id.insert(id.to_string(), self.risks.len());
                self.risks.push(Risk {
                    entry: entry.clone(),
                    suppliers: vec![linked],
                    differing: Vec::new(),
                });
            }
        }
    }

    /// The register with its risks in id order.
    #[must_use]
    pub fn finish(mut self) -> RiskRegister {
        self.risks.sort_by(|a, b| compare_ids(a.id(), b.id()));
        self.by_id = self
            .risks
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id().to_string(), i))
            .collect();
        self
    }

    /// Every risk, in id order (once [`RiskRegister::finish`]ed).
    pub fn risks(&self) -> &[Risk] {
        &self.risks
    }

    /// The risk with this id.
    pub fn get(&self, id: &str) -> Option<&Risk> {
        self.by_id.get(id).map(|&i| &self.risks[i])
    }

    /// The risks linked to `supplier`, in id order.
    pub fn of_supplier<'a>(&'a self, supplier: &'a SupplierId) -> impl Iterator<Item = &'a Risk> {
        self.risks.iter().filter(move |r| r.links(supplier))
    }

    /// The next free id of the `R-n` series: one more than the largest `R-n` in use, written
    /// with at least two digits (`R-07`, as the example register writes them).
    pub fn next_id(&self) -> String {
        let max = self
            .risks
            .iter()
            .filter_map(|r| r.id().strip_prefix("R-")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        format!("R-{:02}", max + 1)
    }

    /// A warning per risk whose copies disagree, and per supplier with an entry without an
    /// id: what `vetted check` prints (the check itself is per supplier and unaffected).
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .risks
            .iter()
            .filter(|r| !r.differing.is_empty())
            .map(|r| {
                let suppliers: Vec<&str> = r.suppliers.iter().map(|l| l.id.as_str()).collect();
                format!(
                    "risk {} is linked to {} but its copies differ in {}: the risk register shows the copy of {}; edit the risk once so every copy agrees",
                    r.id(),
                    crate::model::one_of(suppliers.iter().copied()),
                    crate::model::one_of(r.differing.iter().map(String::as_str)),
                    suppliers.first().copied().unwrap_or_default()
                )
            })
            .collect();
        out.extend(self.without_id.iter().map(|s| {
            format!("supplier {s} has a risk entry without an id: it is not in the risk register; give it an id")
        }));
        out
    }
}

/// A filter of the risk register, as the page, the API and the CLI take it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskFilter {
    /// Only risks of this status.
    pub status: Option<RiskStatus>,
    /// Only risks treated this way.
    pub treatment: Option<Treatment>,
    /// Only risks of this owner (compared without regard to case).
    pub owner: Option<String>,
    /// Only risks that are (`true`) or are not (`false`) overdue on the day.
    pub overdue: Option<bool>,
    /// Only risks linked to this supplier.
    pub supplier: Option<SupplierId>,
}

impl RiskFilter {
    /// Whether `risk` passes on `as_of`.
    pub fn matches(&self, risk: &Risk, as_of: Date) -> bool {
        let e = &risk.entry;
        self.status.is_none_or(|s| e.status == Some(s))
            && self.treatment.is_none_or(|t| e.treatment == Some(t))
            && self.owner.as_deref().is_none_or(|o| {
                e.owner
                    .as_deref()
                    .is_some_and(|x| x.trim().eq_ignore_ascii_case(o.trim()))
            })
            && self
                .overdue
                .is_none_or(|want| risk.overdue(as_of).is_some() == want)
            && self.supplier.as_ref().is_none_or(|s| risk.links(s))
    }
}

/// Writes `entry` as supplier `s`'s copy of risk `id`: it replaces the first copy (in place)
/// and drops any other; without a copy it is appended. `None` removes every copy (the risk is
/// unlinked). Returns whether the supplier changed.
pub fn apply(s: &mut Supplier, id: &str, entry: Option<&RiskEntry>) -> bool {
    let before = s.risks.clone();
    let first = s.risks.iter().position(|r| r.id.as_deref() == Some(id));
    match (first, entry) {
        (Some(i), Some(e)) => {
            s.risks[i] = e.clone();
            let mut seen = 0;
            s.risks.retain(|r| {
                if r.id.as_deref() == Some(id) {
                    seen += 1;
                    seen == 1
                } else {
                    true
                }
            });
        }
        (None, Some(e)) => s.risks.push(e.clone()),
        (_, None) => s.risks.retain(|r| r.id.as_deref() != Some(id)),
    }
    s.risks != before
}

/// Checks a risk's rule ids against `policy`: each problem as (index in `rules`, message).
pub fn check_rules(rules: &[String], policy: &Policy) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        if rule_info(policy, rule).is_none() {
            let known = supplier_rules(policy);
            let hint = known
                .iter()
                .map(|(id, _)| id.as_str())
                .find(|id| id.eq_ignore_ascii_case(rule.trim()))
                .map(|id| format!(" (did you mean {id}?)"))
                .unwrap_or_default();
            out.push((
                i,
                format!(
                    "`{rule}` is not a rule of the policy in force{hint}: name a supplier rule such as selection.residency or agreement.clause.exit"
                ),
            ));
        } else if rules[..i].contains(rule) {
            out.push((i, format!("`{rule}` is given twice")));
        }
    }
    out
}

/// Checks a risk id as the risk register's forms and API take it: not blank, no whitespace and
/// no `/` (ids appear in URLs).
pub fn check_id(id: &str) -> Result<(), &'static str> {
    if id.is_empty() {
        Err("a risk needs an id, such as R-12")
    } else if id.chars().any(char::is_whitespace) {
        Err("a risk id must not contain whitespace")
    } else if id.contains('/') {
        Err("a risk id must not contain `/`")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn supplier(id: &str, risks: Vec<RiskEntry>) -> Supplier {
        let mut s = Supplier::new(SupplierId::parse(id).unwrap());
        s.name = Some(format!("{id} Ltd"));
        s.risks = risks;
        s
    }

    fn risk(id: &str, title: &str) -> RiskEntry {
        RiskEntry {
            id: Some(id.to_string()),
            title: Some(title.to_string()),
            status: Some(RiskStatus::Open),
            ..RiskEntry::default()
        }
    }

    #[test]
    fn entries_with_one_id_are_one_risk_linked_to_each_supplier() {
        let a = supplier("a", vec![risk("R-12", "US access"), risk("R-3", "Exit")]);
        let b = supplier("b", vec![risk("R-12", "US access")]);
        let c = supplier("c", vec![RiskEntry::default()]);
        let register = RiskRegister::of([&a, &b, &c]);
        let ids: Vec<&str> = register.risks().iter().map(Risk::id).collect();
        assert_eq!(ids, ["R-3", "R-12"]);
        let r12 = register.get("R-12").unwrap();
        let linked: Vec<&str> = r12.suppliers.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(linked, ["a", "b"]);
        assert!(r12.differing.is_empty());
        assert_eq!(register.without_id, [SupplierId::parse("c").unwrap()]);
        assert_eq!(register.next_id(), "R-13");
        assert_eq!(RiskRegister::new().finish().next_id(), "R-01");
    }

    #[test]
    fn copies_that_differ_are_named_and_the_first_is_shown() {
        let a = supplier("a", vec![risk("R-1", "First")]);
        let mut other = risk("R-1", "Second");
        other.rules = vec!["selection.dpa".into()];
        let b = supplier("b", vec![other]);
        let register = RiskRegister::of([&a, &b]);
        let r = register.get("R-1").unwrap();
        assert_eq!(r.entry.title.as_deref(), Some("First"));
        assert_eq!(r.differing, ["title", "rules"]);
        let warnings = register.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(
                "risk R-1 is linked to a or b but its copies differ in title or rules"
            ),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn overdue_is_an_open_risk_past_due_or_an_expired_acceptance() {
        let mut e = risk("R-1", "x");
        e.due = Some(date!(2026 - 11 - 24));
        assert_eq!(overdue(&e, date!(2026 - 11 - 24)), None);
        assert_eq!(overdue(&e, date!(2026 - 11 - 25)), Some(Overdue::PastDue));
        e.status = Some(RiskStatus::Accepted);
        assert_eq!(
            overdue(&e, date!(2026 - 11 - 25)),
            None,
            "an acceptance without an end never expires"
        );
        e.accepted_until = Some(date!(2026 - 11 - 25));
        assert_eq!(
            overdue(&e, date!(2026 - 11 - 25)),
            None,
            "the last day still holds"
        );
        assert!(e.is_open_on(date!(2026 - 11 - 25)));
        assert_eq!(
            overdue(&e, date!(2026 - 11 - 26)),
            Some(Overdue::AcceptanceExpired)
        );
        assert!(!e.is_open_on(date!(2026 - 11 - 26)));
        e.status = Some(RiskStatus::Closed);
        assert_eq!(overdue(&e, date!(2030 - 1 - 1)), None);
    }

    #[test]
    fn apply_replaces_links_and_unlinks() {
        let mut s = supplier(
            "a",
            vec![risk("R-1", "old"), risk("R-2", "keep"), risk("R-1", "dup")],
        );
        assert!(apply(&mut s, "R-1", Some(&risk("R-1", "new"))));
        let titles: Vec<&str> = s.risks.iter().filter_map(|r| r.title.as_deref()).collect();
        assert_eq!(titles, ["new", "keep"]);
        assert!(
            !apply(&mut s, "R-1", Some(&risk("R-1", "new"))),
            "unchanged"
        );
        assert!(apply(&mut s, "R-9", Some(&risk("R-9", "added"))));
        assert_eq!(s.risks.len(), 3);
        assert!(apply(&mut s, "R-1", None));
        assert_eq!(s.risks.len(), 2);
        assert!(!apply(&mut s, "R-1", None));
    }

    #[test]
    fn rule_ids_are_checked_against_the_policy() {
        let policy = Policy::default();
        let rules = vec![
            "selection.residency".to_string(),
            "agreement.clause.exit".into(),
            "Selection.DPA".into(),
            "agreement.clause".into(),
            "policy.review".into(),
            "selection.residency".into(),
        ];
        let problems = check_rules(&rules, &policy);
        let at: Vec<usize> = problems.iter().map(|(i, _)| *i).collect();
        assert_eq!(at, [2, 3, 4, 5]);
        assert!(
            problems[0].1.contains("did you mean selection.dpa?"),
            "{}",
            problems[0].1
        );
        assert!(problems[3].1.contains("given twice"));
    }

    #[test]
    fn ids_sort_by_their_number_and_are_checked() {
        let mut ids = vec!["R-12", "R-3", "A-1", "R-03", "R-100"];
        ids.sort_by(|a, b| compare_ids(a, b));
        assert_eq!(ids, ["A-1", "R-03", "R-3", "R-12", "R-100"]);
        assert!(check_id("R-1").is_ok());
        assert!(check_id("").is_err());
        assert!(check_id("R 1").is_err());
        assert!(check_id("R/1").is_err());
    }

    #[test]
    fn the_extension_fields_read_and_write_back_and_a_spec_acceptance_stays_valid() {
        use crate::read::{ReadOptions, Syntax, read_register};
        let text = r#"{"format": "supplier-register/1", "suppliers": [
            {"id": "a", "risks": [
              {"id": "R-9", "title": "Support from the US", "status": "accepted", "treatment": "accept"},
              {"id": "R-12", "status": "accepted", "treatment": "accept", "description": "Why",
               "rules": ["selection.residency"], "opened": "2026-01-05",
               "accepted_by": "ciso@example.eu", "accepted_until": "2027-01-31"}]}]}"#;
        let register = read_register(text, Syntax::Json, &ReadOptions { clauses: None }).unwrap();
        let r = &register.suppliers[0].risks;
        assert_eq!(r[0].accepted_until, None);
        assert_eq!(r[1].rules, ["selection.residency"]);
        assert_eq!(r[1].accepted_until, Some(date!(2027 - 01 - 31)));
        for written in [
            crate::write::to_json(&register),
            crate::write::to_yaml(&register),
        ] {
            let syntax = if written.starts_with('{') {
                Syntax::Json
            } else {
                Syntax::Yaml
            };
            let again = read_register(&written, syntax, &ReadOptions { clauses: None }).unwrap();
            assert_eq!(again, register);
        }
    }

    #[test]
    fn filters_combine() {
        let mut e = risk("R-1", "x");
        e.owner = Some("CISO@example.eu".into());
        e.treatment = Some(Treatment::Remediate);
        e.due = Some(date!(2026 - 1 - 1));
        let s = supplier("a", vec![e]);
        let register = RiskRegister::of([&s]);
        let r = &register.risks()[0];
        let day = date!(2026 - 11 - 25);
        let f = RiskFilter {
            status: Some(RiskStatus::Open),
            treatment: Some(Treatment::Remediate),
            owner: Some("ciso@example.eu".into()),
            overdue: Some(true),
            supplier: Some(SupplierId::parse("a").unwrap()),
        };
        assert!(f.matches(r, day));
        assert!(
            !RiskFilter {
                overdue: Some(false),
                ..RiskFilter::default()
            }
            .matches(r, day)
        );
        assert!(
            !RiskFilter {
                status: Some(RiskStatus::Closed),
                ..RiskFilter::default()
            }
            .matches(r, day)
        );
    }
}
