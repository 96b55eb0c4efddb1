//! [`StoreError`]: the few outcomes callers decide on (missing, conflicting, unsupported) and
//! everything else, wrapped with what the store was doing. Backend error types stay inside
//! this crate: [`StoreError::Other`] boxes them.

use std::error::Error as StdError;

/// What can go wrong in a [`Store`](crate::Store).
///
/// Small on purpose: the web layer maps it to status codes with one exhaustive `match`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (`get_*` methods; `find_*` return `None` instead).
    #[error("{what} `{id}` not found")]
    NotFound {
        /// The kind of record, such as `supplier`.
        what: &'static str,
        /// The id that was looked up.
        id: String,
    },

    /// The change contradicts the stored data or itself: a supplier given twice in one
    /// register, or a record changed by someone else while this change was being written.
    #[error("{what} `{id}`: {reason}")]
    Conflict {
        /// The kind of record, such as `supplier`.
        what: &'static str,
        /// The record's id.
        id: String,
        /// Why the change was refused, as a sentence fragment.
        reason: String,
    },

    /// A write carried a version that is no longer the stored one: someone else changed the
    /// supplier since it was read. Nothing was written; `current` is what is stored now (the
    /// server answers 409 with it).
    #[error("supplier `{}` was changed by someone else: it is at version {}", current.supplier.id, current.version)]
    Stale {
        /// The supplier as stored now.
        current: Box<crate::StoredSupplier>,
    },

    /// The audit key given is not the one the database's trail was sealed with (their
    /// fingerprints differ), or a write needs the key and the store was opened without one.
    /// Nothing was written: writing on would fork or break the chain.
    #[error("{0}")]
    AuditKey(String),

    /// The request cannot be served by this build or this backend, such as a database URL
    /// with an unknown scheme. The message says what to do instead.
    #[error("{0}")]
    Unsupported(String),

    /// Any other failure of the backend, with what the store was doing when it failed.
    #[error("{context}")]
    Other {
        /// What the store was doing, such as `listing suppliers`.
        context: String,
        /// The backend's error.
        #[source]
        source: Box<dyn StdError + Send + Sync + 'static>,
    },
}

impl StoreError {
    /// Wraps a backend error with what the store was doing.
    pub fn other(
        context: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> StoreError {
        StoreError::Other {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// `map_err` adapter: `.map_err(context("listing suppliers"))`.
pub(crate) fn context<E>(context: impl Into<String>) -> impl FnOnce(E) -> StoreError
where
    E: Into<Box<dyn StdError + Send + Sync + 'static>>,
{
    let context = context.into();
    move |source| StoreError::other(context, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_record_and_keep_the_source() {
        let e = StoreError::NotFound {
            what: "supplier",
            id: "aws".into(),
        };
        assert_eq!(e.to_string(), "supplier `aws` not found");

        let e = StoreError::other("listing suppliers", "disk I/O error");
        assert_eq!(e.to_string(), "listing suppliers");
        assert_eq!(
            e.source().map(ToString::to_string).as_deref(),
            Some("disk I/O error")
        );
    }
}
