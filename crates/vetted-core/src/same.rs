//! "The same register", as `shared/spec/register-format.md` defines it: equal after key order, the
//! order of suppliers and of every list, and absent values are set aside.
//!
//! The model already makes absent, `null`, empty and default values one value and `48` equal to
//! `48.0`, and keeps clauses in ordered maps; what remains is order. [`canonical`] sorts the
//! suppliers and every list (by each element's JSON, after sorting the lists inside it), and two
//! registers are the same when their canonical forms are equal.

use serde::Serialize;

use crate::model::{Register, Supplier};

/// Sorts a list by each element's JSON: a total order on the model's values that keeps
/// duplicates (lists are compared as multisets).
fn sort_by_json<T: Serialize>(items: &mut Vec<T>) {
    let mut keyed: Vec<(String, T)> = items
        .drain(..)
        .map(|item| (serde_json::to_string(&item).unwrap_or_default(), item))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    items.extend(keyed.into_iter().map(|(_, item)| item));
}

/// The supplier with every list in canonical order.
fn canonical_supplier(supplier: &Supplier) -> Supplier {
    let mut s = supplier.clone();
    s.services.sort();
    s.data.categories.sort();
    sort_by_json(&mut s.locations);
    for a in &mut s.assurance {
        a.exceptions.sort();
        a.compensating_controls.sort();
        sort_by_json(&mut a.documents);
    }
    sort_by_json(&mut s.assurance);
    sort_by_json(&mut s.agreements);
    sort_by_json(&mut s.assessments);
    for r in &mut s.reviews {
        r.checks.sort();
    }
    sort_by_json(&mut s.reviews);
    sort_by_json(&mut s.events);
    for r in &mut s.risks {
        r.rules.sort();
    }
    sort_by_json(&mut s.risks);
    for p in &mut s.subprocessors.list {
        p.countries.sort();
    }
    sort_by_json(&mut s.subprocessors.list);
    s
}

/// The register with its suppliers and every list in a canonical order.
pub fn canonical(register: &Register) -> Register {
    let mut suppliers: Vec<Supplier> = register.suppliers.iter().map(canonical_supplier).collect();
    sort_by_json(&mut suppliers);
    Register { suppliers }
}

/// Whether two registers are the same register in the spec's sense.
pub fn same_register(a: &Register, b: &Register) -> bool {
    a.suppliers.len() == b.suppliers.len() && canonical(a) == canonical(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ReviewCheck, SupplierId};

    fn supplier(id: &str) -> Supplier {
        Supplier::new(SupplierId::parse(id).unwrap())
    }

    #[test]
    fn order_of_suppliers_and_lists_is_set_aside() {
        let mut a = supplier("a");
        a.services = vec!["x".into(), "y".into()];
        let mut b = a.clone();
        b.services.reverse();
        let one = Register {
            suppliers: vec![a.clone(), supplier("z")],
        };
        let two = Register {
            suppliers: vec![supplier("z"), b],
        };
        assert!(same_register(&one, &two));
        a.services.push("x".into());
        assert!(!same_register(
            &one,
            &Register {
                suppliers: vec![supplier("z"), a]
            }
        ));
    }

    #[test]
    fn nested_lists_are_sorted_before_their_parents() {
        let review = |checks: Vec<ReviewCheck>| {
            let mut s = supplier("a");
            s.reviews = vec![crate::model::Review {
                date: time::macros::date!(2025 - 01 - 01),
                reviewer: None,
                trigger: None,
                outcome: None,
                checks,
                notes: None,
            }];
            Register { suppliers: vec![s] }
        };
        assert!(same_register(
            &review(vec![ReviewCheck::Risk, ReviewCheck::Dpa]),
            &review(vec![ReviewCheck::Dpa, ReviewCheck::Risk])
        ));
        assert!(!same_register(
            &review(vec![ReviewCheck::Risk]),
            &review(vec![ReviewCheck::Dpa])
        ));
    }
}
