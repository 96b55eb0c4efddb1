//! Properties of the engine over generated suppliers: determinism and monotonicity.
//! (Round trips of the readers and writers are in the read tests.)
#![cfg(feature = "testing")]

use proptest::prelude::*;
use vetted_core::country::Country;
use vetted_core::date::parse_date;
use vetted_core::engine::evaluate;
use vetted_core::model::{Event, EventKind, Location, Purpose, Verdict};
use vetted_core::policy::Policy;
use vetted_core::testing::arb_supplier;

/// Higher is better; inactive and out-of-scope suppliers are not judged, so they must not move.
fn goodness(v: Verdict) -> i32 {
    match v {
        Verdict::Ineligible => 0,
        Verdict::NonCompliant => 1,
        Verdict::Attention => 2,
        Verdict::Compliant => 3,
        Verdict::OutOfScope => 10,
        Verdict::Inactive => 20,
    }
}

fn arb_date() -> impl Strategy<Value = time::Date> {
    (2023i32..2029, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| {
        parse_date(&format!("{y:04}-{m:02}-{d:02}")).expect("a valid generated date")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn evaluation_is_deterministic(s in arb_supplier(), as_of in arb_date()) {
        let p = Policy::default();
        prop_assert_eq!(evaluate(&s, &p, as_of), evaluate(&s, &p, as_of));
    }

    #[test]
    fn a_location_outside_the_allowed_countries_never_improves_a_verdict(
        s in arb_supplier(),
        as_of in arb_date(),
        country in prop::sample::select(vec!["US", "CN", "GB", "NO", "CH", "IN", "BR"]),
        purpose in prop::sample::select(Purpose::ALL.to_vec()),
    ) {
        let p = Policy::default();
        let before = evaluate(&s, &p, as_of).verdict;
        let mut worse = s.clone();
        worse.locations.push(Location {
            country: Country::parse(country).expect("assigned"),
            region: None,
            purpose,
            note: None,
            mechanism: None,
        });
        let after = evaluate(&worse, &p, as_of).verdict;
        prop_assert!(goodness(after) <= goodness(before), "{before:?} -> {after:?}");
        if goodness(before) >= 10 {
            prop_assert_eq!(before, after);
        }
    }

    #[test]
    fn a_trigger_event_never_improves_a_verdict(
        s in arb_supplier(),
        as_of in arb_date(),
        date in arb_date(),
        kind in prop::sample::select(EventKind::ALL.to_vec()),
    ) {
        let p = Policy::default();
        let before = evaluate(&s, &p, as_of).verdict;
        let mut worse = s.clone();
        worse.events.push(Event { date, kind, summary: None });
        let after = evaluate(&worse, &p, as_of).verdict;
        prop_assert!(goodness(after) <= goodness(before), "{before:?} -> {after:?}");
        if goodness(before) >= 10 {
            prop_assert_eq!(before, after);
        }
    }
}
