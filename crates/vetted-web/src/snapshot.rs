//! The register evaluated in memory, shared by the dashboard, the due queue and the risk
//! register: every supplier's verdict, tier and failing rules, the counts the dashboard shows,
//! the due list and the risks grouped by id, computed once and answered again until the
//! register, the policy or the date changes.
//!
//! Evaluating 20,000 suppliers means decoding every stored document (the narrow table of
//! stored evaluations holds no findings or due items) and running the engine on each: some
//! hundred milliseconds, too slow for every request. A [`Snapshot`] is built by
//! [`Snapshots::get`] under a [`SnapshotKey`]: the store's change counter
//! ([`vetted_store::EvaluationStore::list_generation`], raised in the transaction of every write
//! by any process on the database), the policy's fingerprint and the date. Each request reads
//! the counter (one single-row statement) and is answered from the snapshot when the key is
//! the same. The counter is read *before* the suppliers, so a snapshot is never older than its
//! key says; a write in between only makes the next request build again. The suppliers are
//! read a page of 1,000 documents at a time (the next page while the last is evaluated), so
//! memory holds one page and the compact snapshot, not the whole register; when the counter
//! moved while the pages were read (a write could shift a supplier from one page to the
//! next), they are read again.
//!
//! **One build at a time.** Requests that find the snapshot out of date queue on one lock; the
//! first builds, and the others take its snapshot instead of building the same one again when
//! the counter has not moved since it was read, or when the build *started* after they arrived
//! (it then saw every write they could have seen).
//!
//! The due list is kept for the longest window a page offers ([`MAX_WINDOW_DAYS`], or the
//! policy's own if longer): a shorter window is the same list without the `due soon` items
//! dated past it ([`Snapshot::due_within`]), which is how the engine builds it too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use time::Date;
use vetted_core::date::add_days;
use vetted_core::due::{DueItem, DueKind};
use vetted_core::engine::{ESCALATION_RISK, MODEL_RULES};
use vetted_core::model::{Supplier, SupplierId, Tier, Verdict};
use vetted_core::policy::Policy;
use vetted_core::report::{Severity, Summary};
use vetted_core::risks::RiskRegister;
use vetted_store::{Evaluator, StoreError, SupplierQuery};

use crate::AppState;
use crate::api::evaluation::TierCounts;

/// The longest due window a page offers (`within=90d`).
pub const MAX_WINDOW_DAYS: u32 = 90;

/// What a snapshot was built under: equal keys, equal snapshots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotKey {
    /// The store's change counter, read before the suppliers.
    pub generation: i64,
    /// The policy's fingerprint.
    pub fingerprint: String,
    /// The day evaluated on.
    pub as_of: Date,
}

/// One supplier as the dashboard needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierFacts {
    /// Its id.
    pub id: SupplierId,
    /// Its name, if recorded.
    pub name: Option<String>,
    /// Its verdict.
    pub verdict: Verdict,
    /// Its tier.
    pub tier: Option<Tier>,
    /// The rules of its `fail` findings, in the policy's order.
    pub failing: Vec<String>,
}

impl SupplierFacts {
    /// The failing model rules (what makes a supplier ineligible).
    pub fn model_rules(&self) -> impl Iterator<Item = &str> {
        self.failing
            .iter()
            .map(String::as_str)
            .filter(|r| MODEL_RULES.contains(r))
    }

    /// Whether it fails without an open risk entry (`escalation.risk`).
    pub fn unescalated(&self) -> bool {
        self.failing.iter().any(|r| r == ESCALATION_RISK.id)
    }
}

/// How many suppliers of one tier (or of none) have each verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierVerdicts {
    /// The tier; `None` for suppliers without one.
    pub tier: Option<Tier>,
    /// Their verdicts.
    pub verdicts: Summary,
}

impl TierVerdicts {
    /// How many suppliers in all.
    pub fn total(&self) -> usize {
        Verdict::ALL.iter().map(|v| self.verdicts.get(*v)).sum()
    }
}

/// The register evaluated on one day under one policy.
#[derive(Debug)]
pub struct Snapshot {
    /// What it was built under.
    pub key: SnapshotKey,
    /// Which build it was (see the module's documentation).
    build: u64,
    /// How many days ahead [`Snapshot::due`] looks.
    pub horizon_days: u32,
    /// Every supplier not archived, in register order.
    pub suppliers: Vec<SupplierFacts>,
    /// Suppliers by verdict, as `GET /api/v1/evaluation/summary` counts them.
    pub verdicts: Summary,
    /// Suppliers by tier.
    pub tiers: TierCounts,
    /// Suppliers with at least one `fail` finding.
    pub failing: usize,
    /// Verdicts per tier: critical, high, medium, low, then no tier.
    pub by_tier: Vec<TierVerdicts>,
    /// Each rule that fails somewhere and how many suppliers fail it, most frequent first
    /// (ties by rule id).
    pub failing_rules: Vec<(String, usize)>,
    /// Everything due within [`Snapshot::horizon_days`], most urgent first (as `vetted due`
    /// and `GET /api/v1/due` order it).
    pub due: Vec<DueItem>,
    /// The policy's due-soon window, in days: what the dashboard counts.
    pub window_days: u32,
    /// How many items of each rule are due within [`Snapshot::window_days`].
    pub due_in_window: HashMap<&'static str, usize>,
    /// How many suppliers are ineligible ([`Snapshot::ineligible`]).
    pub ineligible_count: usize,
    /// How many suppliers fail without an escalation ([`Snapshot::unescalated`]).
    pub unescalated_count: usize,
    /// The risk register: every supplier's risk entries grouped by risk id.
    pub risks: RiskRegister,
    /// The register's public subprocessor list now (listed suppliers' public entries, in the
    /// list's order): what an editor would publish.
    pub public: Vec<vetted_core::publication::PublicEntry>,
}

/// A [`Snapshot`] in the making: suppliers are added a page at a time (in register order), so
/// only one page of documents is in memory at once.
#[derive(Debug)]
pub struct SnapshotBuilder {
    snapshot: Snapshot,
    rule_counts: HashMap<String, usize>,
}

impl SnapshotBuilder {
    /// An empty snapshot under `key` and `policy`; its due list will look ahead
    /// [`MAX_WINDOW_DAYS`] or the policy's due-soon window, whichever is longer.
    pub fn new(key: SnapshotKey, policy: &Policy) -> SnapshotBuilder {
        SnapshotBuilder {
            snapshot: Snapshot {
                key,
                build: 0,
                horizon_days: MAX_WINDOW_DAYS.max(policy.review.due_soon_days),
                suppliers: Vec::new(),
                verdicts: Summary::default(),
                tiers: TierCounts::default(),
                failing: 0,
                by_tier: Tier::ALL
                    .iter()
                    .map(|t| Some(*t))
                    .chain([None])
                    .map(|tier| TierVerdicts {
                        tier,
                        verdicts: Summary::default(),
                    })
                    .collect(),
                failing_rules: Vec::new(),
                due: Vec::new(),
                window_days: policy.review.due_soon_days,
                due_in_window: HashMap::new(),
                ineligible_count: 0,
                unescalated_count: 0,
                risks: RiskRegister::new(),
                public: Vec::new(),
            },
            rule_counts: HashMap::new(),
        }
    }

    /// Evaluates the next `suppliers` of the register, in its order (the engine's
    /// `check_parallel` and `due_list`, as `GET /api/v1/evaluation/summary` and
    /// `GET /api/v1/due` call them). CPU-bound: call it off the async threads.
    pub fn add(&mut self, suppliers: &[Supplier], policy: &Policy) {
        let s = &mut self.snapshot;
        let as_of = s.key.as_of;
        let refs: Vec<&Supplier> = suppliers.iter().collect();
        let report = vetted_app::evaluate::check_parallel(&refs, policy, as_of);
        s.verdicts.merge(&report.summary);
        // Sorted once all are in (`finish`): a stable sort of the pages' sorted lists, one
        // after the other, is the sort of the whole list.
        s.due.extend(vetted_app::evaluate::due_list(
            suppliers,
            policy,
            as_of,
            Some(s.horizon_days),
        ));
        for (supplier, r) in suppliers.iter().zip(report.suppliers) {
            s.risks.add(supplier);
            s.public.extend(vetted_core::publication::entry(supplier));
            s.tiers.add(r.tier);
            let row = r
                .tier
                .and_then(|t| Tier::ALL.iter().position(|x| *x == t))
                .unwrap_or(Tier::ALL.len());
            s.by_tier[row].verdicts.add(r.verdict);
            let mut fails: Vec<String> = Vec::new();
            for f in r.findings {
                if f.severity == Severity::Fail && !fails.contains(&f.rule) {
                    *self.rule_counts.entry(f.rule.clone()).or_default() += 1;
                    fails.push(f.rule);
                }
            }
            if !fails.is_empty() {
                s.failing += 1;
            }
            s.suppliers.push(SupplierFacts {
                id: supplier.id.clone(),
                name: supplier.name.clone(),
                verdict: r.verdict,
                tier: r.tier,
                failing: fails,
            });
        }
    }

    /// The snapshot of every supplier added.
    pub fn finish(self) -> Snapshot {
        let mut snapshot = self.snapshot;
        vetted_core::due::sort_due(&mut snapshot.due);
        let mut rules: Vec<(String, usize)> = self.rule_counts.into_iter().collect();
        rules.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        snapshot.failing_rules = rules;
        // What the dashboard shows on every request, counted once.
        let mut due_in_window: HashMap<&'static str, usize> = HashMap::new();
        for item in snapshot.due_within(snapshot.window_days) {
            *due_in_window.entry(item.rule).or_default() += 1;
        }
        snapshot.due_in_window = due_in_window;
        snapshot.ineligible_count = snapshot.ineligible().count();
        snapshot.unescalated_count = snapshot.unescalated().count();
        snapshot.risks = std::mem::take(&mut snapshot.risks).finish();
        vetted_core::publication::sort(&mut snapshot.public);
        snapshot
    }
}

impl Snapshot {
    /// Evaluates `suppliers` (the whole register, in its order) under `policy` on
    /// `key.as_of`. CPU-bound: call it off the async threads.
    pub fn build(key: SnapshotKey, suppliers: &[Supplier], policy: &Policy) -> Snapshot {
        let mut builder = SnapshotBuilder::new(key, policy);
        builder.add(suppliers, policy);
        builder.finish()
    }

    /// The due list looking `within_days` ahead (at most [`Snapshot::horizon_days`]): the same
    /// items, in the same order, as `vetted_app::evaluate::due_list` with that window.
    pub fn due_within(&self, within_days: u32) -> impl Iterator<Item = &DueItem> {
        let horizon = add_days(self.key.as_of, within_days.min(self.horizon_days));
        self.due.iter().filter(move |item| {
            // Only "due soon" items depend on the window, and they always have a date.
            item.kind != DueKind::DueSoon || item.date.is_some_and(|d| d <= horizon)
        })
    }

    /// The suppliers a model rule makes ineligible, in register order.
    pub fn ineligible(&self) -> impl Iterator<Item = &SupplierFacts> {
        self.suppliers
            .iter()
            .filter(|s| s.verdict == Verdict::Ineligible)
    }

    /// The failing suppliers without an open risk entry, in register order.
    pub fn unescalated(&self) -> impl Iterator<Item = &SupplierFacts> {
        self.suppliers.iter().filter(|s| s.unescalated())
    }

    /// The supplier with this id (not archived).
    pub fn supplier(&self, id: &str) -> Option<&SupplierFacts> {
        self.suppliers.iter().find(|s| s.id.as_str() == id)
    }
}

/// The current snapshot and the lock builds queue on; one per server ([`AppState`]).
#[derive(Debug, Default)]
pub struct Snapshots {
    current: Mutex<Current>,
    building: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct Current {
    snapshot: Option<Arc<Snapshot>>,
    /// How many builds have started.
    started: u64,
}

impl Snapshots {
    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        // Two plain fields, consistent whatever a panicking holder did.
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many snapshots this server has started to build (one per change of the register,
    /// the policy or the date that a request saw).
    pub fn builds_started(&self) -> u64 {
        self.lock().started
    }

    /// The snapshot of the register now, on `as_of` under the policy in force: the one kept
    /// when nothing changed since it was built, else a new one (built once however many
    /// requests ask at the same time).
    pub async fn get(&self, state: &AppState, as_of: Date) -> Result<Arc<Snapshot>, StoreError> {
        // Builds started before this request arrived; read before the counter, so that any
        // build numbered higher read the register after everything this request can see.
        let seen = self.lock().started;
        let active = state.policy();
        let generation = state.store.list_generation().await?;
        let key = SnapshotKey {
            generation,
            fingerprint: active.fingerprint.clone(),
            as_of,
        };
        if let Some(s) = self.lock().snapshot.as_ref().filter(|s| s.key == key) {
            return Ok(Arc::clone(s));
        }
        let _building = self.building.lock().await;
        // What the build this request waited for (if any) left: it will do when nothing was
        // written since it read the register, or when it started after this request arrived
        // (it saw every write this request could see).
        let now = state.store.list_generation().await?;
        let build = {
            let mut current = self.lock();
            if let Some(s) = current.snapshot.as_ref().filter(|s| {
                s.key.fingerprint == key.fingerprint
                    && s.key.as_of == as_of
                    && (s.key.generation == now || s.build > seen)
            }) {
                return Ok(Arc::clone(s));
            }
            current.started += 1;
            current.started
        };
        let started = std::time::Instant::now();
        let evaluator = state.evaluator(as_of);
        // The pages below are read with `query_suppliers`, which would first refresh stored
        // evaluations that are not current, moving the counter under this build.
        state.store.refresh_evaluations(&evaluator).await?;
        let mut attempts = 0;
        let mut snapshot = loop {
            attempts += 1;
            let generation = state.store.list_generation().await?;
            let key = SnapshotKey {
                generation,
                fingerprint: evaluator.fingerprint.clone(),
                as_of,
            };
            let snapshot = read_register(state, &evaluator, key).await?;
            // A write between two pages may have moved a supplier from one page to another:
            // read again (a few times; under a stream of writes the snapshot is kept under the
            // counter read first, so the next request builds anew).
            if attempts == 3 || state.store.list_generation().await? == generation {
                break snapshot;
            }
        };
        snapshot.build = build;
        let snapshot = Arc::new(snapshot);
        tracing::debug!(
            suppliers = snapshot.suppliers.len(),
            duration_ms = started.elapsed().as_millis(),
            "register snapshot built"
        );
        self.lock().snapshot = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }
}

/// The register (suppliers not archived, in register order) evaluated into a snapshot under
/// `key`: the store's pages of documents are read one at a time, the next while the last is
/// evaluated, so memory holds one page of documents and the snapshot.
async fn read_register(
    state: &AppState,
    evaluator: &Evaluator,
    key: SnapshotKey,
) -> Result<Snapshot, StoreError> {
    let policy = Arc::clone(&evaluator.policy);
    let mut builder = SnapshotBuilder::new(key, &policy);
    let mut query = SupplierQuery {
        limit: vetted_store::evaluations::MAX_LIMIT,
        ..SupplierQuery::default()
    };
    let mut page = state.store.query_suppliers(&query, evaluator).await?;
    loop {
        let suppliers: Vec<Supplier> = page.items.into_iter().map(|i| i.stored.supplier).collect();
        query.offset += suppliers.len() as u64;
        let more = !suppliers.is_empty() && query.offset < page.total;
        let policy = Arc::clone(&policy);
        let evaluated = tokio::task::spawn_blocking(move || {
            builder.add(&suppliers, &policy);
            builder
        });
        let next = async {
            if more {
                Some(state.store.query_suppliers(&query, evaluator).await)
            } else {
                None
            }
        };
        let (evaluated, next) = tokio::join!(evaluated, next);
        builder =
            evaluated.map_err(|e| StoreError::other("evaluating the register", e.to_string()))?;
        match next {
            Some(next) => page = next?,
            None => return Ok(builder.finish()),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;
    use vetted_core::policy::Policy;

    use super::*;

    fn generated(n: usize) -> Vec<Supplier> {
        vetted_app::generate::generate_register(n, 11).suppliers
    }

    fn key(as_of: Date) -> SnapshotKey {
        SnapshotKey {
            generation: 1,
            fingerprint: String::new(),
            as_of,
        }
    }

    #[test]
    fn each_window_is_the_engines_due_list_of_that_window() {
        let policy = Policy::default();
        let suppliers = generated(600);
        for as_of in [date!(2026 - 11 - 25), date!(2027 - 06 - 30)] {
            let snapshot = Snapshot::build(key(as_of), &suppliers, &policy);
            assert_eq!(snapshot.horizon_days, MAX_WINDOW_DAYS);
            for within in [0, 1, 30, 60, 90] {
                let expected =
                    vetted_app::evaluate::due_list(&suppliers, &policy, as_of, Some(within));
                let got: Vec<DueItem> = snapshot.due_within(within).cloned().collect();
                assert_eq!(got, expected, "within {within} on {as_of}");
            }
            let soon = snapshot
                .due_within(90)
                .filter(|i| i.kind == DueKind::DueSoon)
                .count();
            let sooner = snapshot
                .due_within(30)
                .filter(|i| i.kind == DueKind::DueSoon)
                .count();
            assert!(sooner < soon, "the window matters: {sooner} < {soon}");
        }
    }

    #[test]
    fn the_counts_are_the_engines() {
        let policy = Policy::default();
        let suppliers = generated(400);
        let as_of = date!(2026 - 11 - 25);
        let snapshot = Snapshot::build(key(as_of), &suppliers, &policy);
        let mut verdicts = Summary::default();
        let mut failing_rules: HashMap<String, usize> = HashMap::new();
        for s in &suppliers {
            let e = vetted_core::engine::evaluate(s, &policy, as_of);
            verdicts.add(e.verdict);
            let mut rules: Vec<&str> = e
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Fail)
                .map(|f| f.rule.as_str())
                .collect();
            rules.sort_unstable();
            rules.dedup();
            for r in rules {
                *failing_rules.entry(r.to_string()).or_default() += 1;
            }
            let facts = snapshot.suppliers.iter().find(|f| f.id == s.id).unwrap();
            assert_eq!((facts.verdict, facts.tier), (e.verdict, e.tier));
            assert_eq!(
                facts.model_rules().next().is_some(),
                e.verdict == Verdict::Ineligible,
                "{}",
                s.id
            );
        }
        assert_eq!(snapshot.verdicts, verdicts);
        let mut expected: Vec<(String, usize)> = failing_rules.into_iter().collect();
        expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        assert_eq!(snapshot.failing_rules, expected);
        for row in &snapshot.by_tier {
            let of_tier = snapshot
                .suppliers
                .iter()
                .filter(|s| s.tier == row.tier)
                .count();
            assert_eq!(row.total(), of_tier);
        }
        assert_eq!(
            snapshot
                .by_tier
                .iter()
                .map(TierVerdicts::total)
                .sum::<usize>(),
            suppliers.len()
        );
        assert!(snapshot.unescalated().count() > 0 && snapshot.ineligible().count() > 0);
        assert_eq!(snapshot.ineligible_count, verdicts.ineligible);
        assert_eq!(snapshot.unescalated_count, snapshot.unescalated().count());
        // The dashboard's counts of what is due: the engine's list of the policy's window.
        let due = vetted_app::evaluate::due_list(&suppliers, &policy, as_of, None);
        let mut by_rule: HashMap<&str, usize> = HashMap::new();
        for item in &due {
            *by_rule.entry(item.rule).or_default() += 1;
        }
        assert_eq!(snapshot.due_in_window, by_rule);
        assert!(by_rule.len() > 3);
    }
}
