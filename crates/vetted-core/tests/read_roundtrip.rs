//! Property tests: what the writers write, the readers read back unchanged; a shuffled register is
//! the same register and a changed one is not. Run with `--features testing`; 256 cases each by
//! default, `PROPTEST_CASES=…` for more.
#![cfg(feature = "testing")]

use proptest::prelude::*;
use vetted_core::model::{Register, Supplier, SupplierId};
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register, read_supplier_json};
use vetted_core::same::{canonical, same_register};
use vetted_core::testing::{arb_register, arb_register_and_shuffle, arb_supplier, shuffle};
use vetted_core::write::{to_json, to_yaml};

fn read(text: &str, syntax: Syntax) -> Result<Register, String> {
    let policy = Policy::default();
    read_register(
        text,
        syntax,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
    .map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        format!("{}\n--- in ---\n{text}", list.join("\n"))
    })
}

/// A register that differs from `r` in one field of one supplier (or in having a supplier).
fn changed(r: &Register, which: u8) -> Register {
    let mut r = r.clone();
    let Some(s) = r.suppliers.first_mut() else {
        r.suppliers
            .push(Supplier::new(SupplierId::parse("new").unwrap()));
        return r;
    };
    match which % 4 {
        0 => s.name = Some(format!("{}!", s.name.as_deref().unwrap_or_default())),
        1 => s.data.personal_data = !s.data.personal_data,
        2 => s.inference.provides = !s.inference.provides,
        _ => s.services.push("one more".into()),
    }
    r
}

proptest! {
    #[test]
    fn json_round_trips(r in arb_register()) {
        let again = read(&to_json(&r), Syntax::Json).map_err(TestCaseError::fail)?;
        prop_assert_eq!(again, r);
    }

    #[test]
    fn yaml_round_trips(r in arb_register()) {
        let again = read(&to_yaml(&r), Syntax::Yaml).map_err(TestCaseError::fail)?;
        prop_assert_eq!(again, r);
    }

    #[test]
    fn compact_json_round_trips(r in arb_register()) {
        let text = serde_json::to_string(&serde_json::json!({
            "format": "supplier-register/1",
            "suppliers": r.suppliers,
        })).unwrap();
        let again = read(&text, Syntax::Json).map_err(TestCaseError::fail)?;
        prop_assert_eq!(again, r);
    }

    #[test]
    fn a_stored_supplier_reads_back(s in arb_supplier()) {
        let policy = Policy::default();
        let text = serde_json::to_string(&s).unwrap();
        let again = read_supplier_json(&text, &ReadOptions { clauses: Some(&policy.clauses) })
            .map_err(|p| TestCaseError::fail(format!("{p:#?}\n{text}")))?;
        prop_assert_eq!(again, s);
    }

    #[test]
    fn a_shuffled_register_is_the_same((r, shuffled) in arb_register_and_shuffle()) {
        prop_assert!(same_register(&r, &shuffled));
        prop_assert!(same_register(&shuffled, &r));
        prop_assert_eq!(canonical(&r), canonical(&shuffled));
    }

    #[test]
    fn a_changed_register_is_not_the_same(r in arb_register(), which in any::<u8>(), seed in any::<u64>()) {
        let other = changed(&r, which);
        prop_assert!(!same_register(&r, &other));
        prop_assert!(!same_register(&shuffle(&r, seed), &other));
    }

    #[test]
    fn canonical_is_idempotent_and_the_same(r in arb_register()) {
        let c = canonical(&r);
        prop_assert_eq!(canonical(&c), c.clone());
        prop_assert!(same_register(&c, &r));
    }
}
