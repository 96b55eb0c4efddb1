//! Evaluating a whole register on every core: the engine is pure and per supplier, so the
//! register is cut into one contiguous chunk per core and the reports are joined in order.
//! [`due_list`] is the action list of `vetted due` and `GET /api/v1/due`.

use std::num::NonZeroUsize;

use time::Date;
use vetted_core::due::{DueItem, due_items, sort_due};
use vetted_core::engine::check_register;
use vetted_core::model::Supplier;
use vetted_core::policy::Policy;
use vetted_core::report::CheckReport;

/// Below this many suppliers a second thread costs more than it saves.
const PARALLEL_FROM: usize = 4096;

/// The check report of `suppliers` (in their order), evaluated on all available cores.
pub fn check_parallel(suppliers: &[&Supplier], policy: &Policy, as_of: Date) -> CheckReport {
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(16);
    if threads < 2 || suppliers.len() < PARALLEL_FROM {
        return check_register(suppliers.iter().copied(), policy, as_of);
    }
    let chunk = suppliers.len().div_ceil(threads);
    let parts: Vec<CheckReport> = std::thread::scope(|scope| {
        let handles: Vec<_> = suppliers
            .chunks(chunk)
            .map(|part| scope.spawn(move || check_register(part.iter().copied(), policy, as_of)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut parts = parts.into_iter();
    let mut report = parts
        .next()
        .unwrap_or_else(|| check_register([], policy, as_of));
    for part in parts {
        report.summary.merge(&part.summary);
        report.suppliers.extend(part.suppliers);
    }
    report
}

/// Everything due across `suppliers` on `as_of`, looking `within_days` ahead (the policy's
/// review due-soon window when `None`), most urgent first.
pub fn due_list<'a>(
    suppliers: impl IntoIterator<Item = &'a Supplier>,
    policy: &Policy,
    as_of: Date,
    within_days: Option<u32>,
) -> Vec<DueItem> {
    let within = within_days.unwrap_or(policy.review.due_soon_days);
    let mut items: Vec<DueItem> = suppliers
        .into_iter()
        .flat_map(|s| due_items(s, policy, as_of, within))
        .collect();
    sort_due(&mut items);
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generate_register;

    #[test]
    fn parallel_report_equals_the_sequential_one() {
        let register = generate_register(10_000, 3);
        let refs: Vec<&Supplier> = register.suppliers.iter().collect();
        let policy = Policy::default();
        let as_of = vetted_core::date::parse_date("2026-11-25").unwrap();
        assert_eq!(
            check_parallel(&refs, &policy, as_of),
            check_register(refs.iter().copied(), &policy, as_of)
        );
    }
}
