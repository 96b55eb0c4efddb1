//! The register and the policy as they were recorded at a past moment
//! ([`vetted_core::history`]), read from the store's audit trail a page at a time.

use time::OffsetDateTime;
use vetted_core::history::{HistoryError, RecordedSupplier, RegisterAt};
use vetted_core::model::Register;
use vetted_core::policy::{Policy, PolicyProblem};
use vetted_store::{AuditQuery, Store, StoreError};

/// Entries read per page of the trail.
const PAGE: u32 = 1_000;

/// The register at a past moment, with what it was rebuilt from.
#[derive(Clone, Debug)]
pub struct Past {
    /// The moment.
    pub at: OffsetDateTime,
    /// Every supplier recorded by then, archived ones included, in register order, each as
    /// last recorded by then with its version and last change then.
    pub records: Vec<RecordedSupplier>,
    /// The policy version in force then (its number and parsed text), when one had been
    /// uploaded by then; otherwise the caller's policy applies (the built-in or configured one,
    /// which the trail does not record).
    pub policy: Option<(u64, Policy)>,
    /// Entries of the trail recorded by then, and the last one's seq.
    pub entries: u64,
    pub last_seq: u64,
}

impl Past {
    /// The register then: the suppliers not archived, in register order.
    pub fn into_register(self) -> Register {
        Register {
            suppliers: self
                .records
                .into_iter()
                .filter(|r| !r.archived)
                .map(|r| r.supplier)
                .collect(),
        }
    }
}

/// Why the past cannot be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum PastError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the audit trail cannot be read: {0}")]
    Trail(#[from] HistoryError),
    #[error("the policy version in force then does not read: {0:?}")]
    Policy(Vec<PolicyProblem>),
    /// The moment is in the future.
    #[error("`at` is in the future: the register can be shown as it was, not as it will be")]
    Future,
}

/// Rebuilds the register (and the policy) as recorded at `at`, which must not be after `now`.
///
/// # Errors
/// A future moment, the store's, or a trail that does not read.
pub async fn register_at(
    store: &dyn Store,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<Past, PastError> {
    let mut past = registers_at(store, &[at], now).await?;
    Ok(past.remove(0))
}

/// The register (and the policy) as recorded at each of `moments` (none after `now`), from one
/// pass over the trail.
///
/// # Errors
/// A future moment, the store's, or a trail that does not read.
pub async fn registers_at(
    store: &dyn Store,
    moments: &[OffsetDateTime],
    now: OffsetDateTime,
) -> Result<Vec<Past>, PastError> {
    if moments.iter().any(|at| *at > now) {
        return Err(PastError::Future);
    }
    let mut folds: Vec<RegisterAt> = moments.iter().map(|at| RegisterAt::new(*at)).collect();
    each_page(store, |page| add_all(&mut folds, page)).await?;
    finish(folds)
}

/// The register (and the policy) as recorded at `at`, from trail entries already read (the
/// whole trail, oldest first).
///
/// # Errors
/// A trail that does not read.
pub fn register_in(
    entries: &[vetted_core::audit::AuditEntry],
    at: OffsetDateTime,
) -> Result<Past, PastError> {
    let mut folds = vec![RegisterAt::new(at)];
    add_all(&mut folds, entries)?;
    Ok(finish(folds)?.remove(0))
}

fn add_all(
    folds: &mut [RegisterAt],
    entries: &[vetted_core::audit::AuditEntry],
) -> Result<(), PastError> {
    for e in entries {
        for fold in folds.iter_mut() {
            fold.add(e)?;
        }
    }
    Ok(())
}

fn finish(folds: Vec<RegisterAt>) -> Result<Vec<Past>, PastError> {
    folds
        .into_iter()
        .map(|fold| {
            let policy = fold
                .policy()
                .map(|(n, text)| Policy::from_toml(text).map(|p| (n, p)))
                .transpose()
                .map_err(PastError::Policy)?;
            let (entries, last_seq) = fold.folded();
            Ok(Past {
                at: fold.at(),
                records: fold.records()?,
                policy,
                entries,
                last_seq,
            })
        })
        .collect()
}

/// Calls `each` with every page of the whole trail (1,000 entries), oldest first.
///
/// # Errors
/// The store's, or the first `each` returns.
pub async fn each_page(
    store: &dyn Store,
    mut each: impl FnMut(&[vetted_core::audit::AuditEntry]) -> Result<(), PastError>,
) -> Result<(), PastError> {
    let mut after = None;
    loop {
        let page = store
            .audit_entries(&AuditQuery {
                subject: None,
                after_seq: after,
                limit: Some(PAGE),
            })
            .await?;
        each(&page)?;
        match page.last() {
            Some(last) if page.len() == PAGE as usize => after = Some(last.seq),
            _ => return Ok(()),
        }
    }
}

/// One supplier as recorded at a past moment (see [`supplier_at`]).
#[derive(Clone, Debug)]
pub enum SupplierThen {
    /// Not created by then.
    Unknown,
    /// Archived then: out of the register.
    Archived,
    /// In the register then: its record as last recorded by then, and the version it had
    /// (one per recorded change, as the store counts them).
    Held(Box<vetted_core::model::Supplier>, i64),
}

/// Supplier `id` as recorded at `at` (not after `now`), from its own entries of the trail.
///
/// # Errors
/// A future moment, the store's, or a trail that does not read.
pub async fn supplier_at(
    store: &dyn Store,
    id: &vetted_core::model::SupplierId,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<SupplierThen, PastError> {
    use vetted_core::audit::action;
    if at > now {
        return Err(PastError::Future);
    }
    let mut fold = RegisterAt::new(at);
    let mut version = 0_i64;
    let mut after = None;
    loop {
        let page = store
            .audit_entries(&AuditQuery {
                subject: Some(id.to_string()),
                after_seq: after,
                limit: Some(PAGE),
            })
            .await?;
        for e in &page {
            let changes_it = [
                action::SUPPLIER_CREATE,
                action::SUPPLIER_UPDATE,
                action::SUPPLIER_ARCHIVE,
                action::SUPPLIER_RESTORE,
            ]
            .contains(&e.action.as_str());
            if changes_it && e.at <= at {
                version += 1;
            }
            fold.add(e)?;
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => after = Some(last.seq),
            _ => break,
        }
    }
    Ok(match fold.all()?.into_iter().find(|(s, _)| s.id == *id) {
        None => SupplierThen::Unknown,
        Some((_, true)) => SupplierThen::Archived,
        Some((s, false)) => SupplierThen::Held(Box::new(s), version),
    })
}
