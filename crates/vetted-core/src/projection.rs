//! What the store keeps of a supplier's evaluation so that lists filter and sort by verdict,
//! tier, next due date and the rules a supplier breaks without evaluating every supplier per
//! request: [`project`] computes it, purely, from the supplier, the policy and the date;
//! [`policy_fingerprint`] names the policy it was computed under. The store recomputes a row
//! when its date or fingerprint is not the one asked for.

use sha2::{Digest as _, Sha256};
use time::Date;

use crate::due::due_items;
use crate::engine::evaluate;
use crate::model::{Supplier, Tier, Verdict};
use crate::policy::Policy;
use crate::report::Severity;

/// How far ahead [`project`] looks for the next due date: far enough to find any.
const HORIZON_DAYS: u32 = 36_600;

/// A supplier's evaluation on one date under one policy, as the list query needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projection {
    /// The verdict.
    pub verdict: Verdict,
    /// The risk tier, when the risk inputs give one.
    pub tier: Option<Tier>,
    /// The earliest date something falls due (`vetted due`); an item without a date is due on
    /// the evaluation date. `None`: nothing is due, ever (out of scope, inactive).
    pub next_due: Option<Date>,
    /// The countries of the supplier's locations, sorted, each once.
    pub countries: Vec<String>,
    /// The id, name and services in lower case, one per line: what free-text search matches.
    pub search: String,
    /// The ids of the rules with a `fail` or `warn` finding, sorted, each once: what the list's
    /// rule filter matches (`info` facts are not problems, so they are left out).
    pub rules: Vec<String>,
}

/// Evaluates `supplier` under `policy` on `as_of`.
pub fn project(supplier: &Supplier, policy: &Policy, as_of: Date) -> Projection {
    let evaluation = evaluate(supplier, policy, as_of);
    let next_due = due_items(supplier, policy, as_of, HORIZON_DAYS)
        .iter()
        .map(|item| item.date.unwrap_or(as_of))
        .min();
    let mut countries: Vec<String> = supplier
        .locations
        .iter()
        .map(|l| l.country.as_str().to_string())
        .collect();
    countries.sort_unstable();
    countries.dedup();
    let mut search = supplier.id.as_str().to_lowercase();
    for text in supplier.name.iter().chain(&supplier.services) {
        search.push('\n');
        search.push_str(&text.to_lowercase());
    }
    let mut rules: Vec<String> = evaluation
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| f.rule.clone())
        .collect();
    rules.sort_unstable();
    rules.dedup();
    Projection {
        verdict: evaluation.verdict,
        tier: evaluation.tier,
        next_due,
        countries,
        search,
        rules,
    }
}

/// The policy's fingerprint: SHA-256 of its TOML text, as 64 lowercase hex digits.
pub fn policy_fingerprint(policy_toml: &str) -> String {
    hex::encode(Sha256::digest(policy_toml.as_bytes()))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::model::{Status, SupplierId};
    use crate::policy::DEFAULT_POLICY_TOML;

    fn example() -> Vec<Supplier> {
        let text = include_str!("../../../examples/register.json");
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        serde_json::from_value(value["suppliers"].clone()).unwrap()
    }

    #[test]
    fn the_projection_agrees_with_the_engine_and_the_due_list() {
        let policy = Policy::default();
        let as_of = date!(2026 - 11 - 25);
        for s in example() {
            let p = project(&s, &policy, as_of);
            let e = evaluate(&s, &policy, as_of);
            assert_eq!((p.verdict, p.tier), (e.verdict, e.tier), "{}", s.id);
            let due = due_items(&s, &policy, as_of, HORIZON_DAYS);
            assert_eq!(p.next_due.is_some(), !due.is_empty(), "{}", s.id);
            if let Some(next) = p.next_due {
                assert!(
                    due.iter().all(|d| d.date.unwrap_or(as_of) >= next),
                    "{}",
                    s.id
                );
            }
            assert!(p.search.starts_with(&s.id.as_str().to_lowercase()));
            assert!(p.countries.windows(2).all(|w| w[0] < w[1]));
            let mut problems: Vec<&str> = e
                .findings
                .iter()
                .filter(|f| f.severity != crate::report::Severity::Info)
                .map(|f| f.rule.as_str())
                .collect();
            problems.sort_unstable();
            problems.dedup();
            assert_eq!(p.rules, problems, "{}", s.id);
        }
    }

    #[test]
    fn search_text_is_lower_case_and_an_inactive_supplier_has_nothing_due() {
        let mut s = Supplier::new(SupplierId::parse("Acme-1").unwrap());
        s.name = Some("ACME Cloud".into());
        s.services = vec!["Hosting EU".into()];
        s.status = Some(Status::Terminated);
        let p = project(&s, &Policy::default(), date!(2026 - 01 - 01));
        assert_eq!(p.search, "acme-1\nacme cloud\nhosting eu");
        assert_eq!(p.verdict, Verdict::Inactive);
        assert_eq!(p.next_due, None);
    }

    #[test]
    fn fingerprints_name_the_policy_text() {
        let a = policy_fingerprint(DEFAULT_POLICY_TOML);
        assert_eq!(a.len(), 64);
        assert_eq!(a, policy_fingerprint(DEFAULT_POLICY_TOML));
        assert_ne!(
            a,
            policy_fingerprint(&format!("{DEFAULT_POLICY_TOML}\n# edited\n"))
        );
    }
}
