//! The list's page cache: recent summary pages (and the totals of their filters) kept in
//! memory, answered again only while nothing they depend on can have changed.
//!
//! **Why it is never stale.** Migration `0005_list_generation` keeps one counter,
//! `list_generation.generation`, that triggers raise on every insert, update or delete of
//! `suppliers` and `supplier_evaluations`, in the writing transaction, whoever writes (this
//! server, another server on the same `PostgreSQL` database, `vetted import` on the `SQLite`
//! file the server has open). Each request first reads the counter together with the
//! evaluation keys' freshness in one statement ([`ListState`]); a page is kept under the
//! generation and evaluation key read *before* its statement ran, so it holds rows at least as
//! new as that generation, and it is answered only to a request that read that same
//! generation and key. Any write in between changes the generation, and the entries of the old
//! one are dropped at the next request. Pages are only kept when every row carried the
//! evaluator's key (no row was written since its evaluation).
//!
//! The cache is small and bounded ([`MAX_PAGES`] pages, [`MAX_TOTALS`] totals; an arbitrary
//! entry makes room), one per store (clones of a store share it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::evaluations::SummaryPage;

/// Pages kept: the first pages of the common sorts and filters of a few users at once.
pub(crate) const MAX_PAGES: usize = 64;

/// Totals kept (a total is shared by every page of its filters).
pub(crate) const MAX_TOTALS: usize = 64;

/// The statement of [`ListState`], the same on both backends: the counter and three index
/// probes (the smallest and largest key, any row without one).
pub(crate) const STATE_SQL: &str = "SELECT g.generation, \
    (SELECT MIN(evaluation_key) FROM supplier_evaluations), \
    (SELECT MAX(evaluation_key) FROM supplier_evaluations), \
    EXISTS (SELECT 1 FROM supplier_evaluations WHERE evaluation_key IS NULL) \
    FROM list_generation g WHERE g.id = 1";

/// How many times a query refreshes the stored evaluations before it answers with rows a
/// concurrent writer keeps making stale (uncached, as the query without a cache would).
pub(crate) const REFRESH_ROUNDS: usize = 3;

/// What one statement reads before a page: the change counter and whether every stored
/// evaluation carries one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ListState {
    /// `list_generation.generation`.
    pub generation: i64,
    /// The smallest evaluation key, `None` without rows.
    pub min_key: Option<String>,
    /// The largest evaluation key.
    pub max_key: Option<String>,
    /// Whether some row has no key (written since its evaluation).
    pub unevaluated: bool,
}

impl ListState {
    /// The state from the columns of [`STATE_SQL`].
    pub fn from_row(
        (generation, min_key, max_key, unevaluated): (i64, Option<String>, Option<String>, bool),
    ) -> ListState {
        ListState {
            generation,
            min_key,
            max_key,
            unevaluated,
        }
    }

    /// Whether every row was evaluated under `key`.
    pub fn is_fresh(&self, key: &str) -> bool {
        !self.unevaluated
            && self.min_key.as_deref().is_none_or(|m| m == key)
            && self.max_key.as_deref().is_none_or(|m| m == key)
    }
}

#[derive(Default)]
struct Entries {
    generation: i64,
    key: String,
    pages: HashMap<String, Arc<SummaryPage>>,
    totals: HashMap<String, u64>,
}

impl Entries {
    /// Forgets everything when `generation` or `key` is not the one the entries were kept
    /// under (no order between generations is assumed: a restored backup may go back).
    fn at(&mut self, generation: i64, key: &str) -> &mut Entries {
        if self.generation != generation || self.key != key {
            self.generation = generation;
            key.clone_into(&mut self.key);
            self.pages.clear();
            self.totals.clear();
        }
        self
    }
}

/// Recent pages and totals of one store.
#[derive(Default)]
pub(crate) struct PageCache {
    entries: Mutex<Entries>,
}

impl PageCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // The entries are plain maps, consistent after any panic of a holder.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The page kept under `page_key` at `generation` and `key`.
    pub fn page(&self, generation: i64, key: &str, page_key: &str) -> Option<Arc<SummaryPage>> {
        self.lock().at(generation, key).pages.get(page_key).cloned()
    }

    /// The total kept under `total_key` at `generation` and `key`.
    pub fn total(&self, generation: i64, key: &str, total_key: &str) -> Option<u64> {
        self.lock()
            .at(generation, key)
            .totals
            .get(total_key)
            .copied()
    }

    /// Keeps `page` and its total, read at `generation` and `key`.
    pub fn keep(
        &self,
        generation: i64,
        key: &str,
        page_key: String,
        total_key: String,
        page: Arc<SummaryPage>,
    ) {
        let mut entries = self.lock();
        let entries = entries.at(generation, key);
        make_room(&mut entries.totals, MAX_TOTALS);
        entries.totals.insert(total_key, page.total);
        make_room(&mut entries.pages, MAX_PAGES);
        entries.pages.insert(page_key, page);
    }
}

fn make_room<V>(map: &mut HashMap<String, V>, max: usize) {
    while map.len() >= max {
        let Some(any) = map.keys().next().cloned() else {
            return;
        };
        map.remove(&any);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(total: u64) -> Arc<SummaryPage> {
        Arc::new(SummaryPage {
            items: Vec::new(),
            total,
        })
    }

    #[test]
    fn a_page_is_answered_only_at_its_generation_and_key() {
        let cache = PageCache::default();
        cache.keep(5, "k", "p".into(), "t".into(), page(7));
        assert_eq!(cache.page(5, "k", "p").unwrap().total, 7);
        assert_eq!(cache.total(5, "k", "t"), Some(7));
        assert!(cache.page(5, "k", "other").is_none());
        assert!(cache.page(5, "other key", "p").is_none());
        // The other key dropped everything, even for a request of the old one.
        assert!(cache.page(5, "k", "p").is_none());
        cache.keep(5, "k", "p".into(), "t".into(), page(7));
        assert!(cache.page(6, "k", "p").is_none());
        // A generation that goes back (a restored backup) does not find old pages either.
        assert!(cache.page(5, "k", "p").is_none());
        assert_eq!(cache.total(5, "k", "t"), None);
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = PageCache::default();
        for n in 0..1_000 {
            cache.keep(1, "k", format!("p{n}"), format!("t{n}"), page(n));
        }
        let entries = cache.lock();
        assert_eq!(entries.pages.len(), MAX_PAGES);
        assert_eq!(entries.totals.len(), MAX_TOTALS);
        assert!(entries.pages.contains_key("p999"), "the newest is kept");
    }

    #[test]
    fn freshness_needs_every_row_under_the_key() {
        let state = |min: Option<&str>, max: Option<&str>, unevaluated| ListState {
            generation: 1,
            min_key: min.map(Into::into),
            max_key: max.map(Into::into),
            unevaluated,
        };
        assert!(state(None, None, false).is_fresh("k"), "no rows");
        assert!(state(Some("k"), Some("k"), false).is_fresh("k"));
        assert!(!state(Some("k"), Some("k"), true).is_fresh("k"));
        assert!(!state(Some("j"), Some("k"), false).is_fresh("k"));
        assert!(!state(Some("k"), Some("l"), false).is_fresh("k"));
    }
}
