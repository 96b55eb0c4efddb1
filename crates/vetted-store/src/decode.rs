//! Turning supplier rows into [`StoredSupplier`]s, shared by the backends: decoding the JSON
//! costs more than reading the rows, so a listing decodes them in chunks on blocking threads
//! while the database streams on, and puts the chunks back in order.

use std::collections::VecDeque;

use futures_util::{Stream, TryStreamExt};
use vetted_core::model::Supplier;

use crate::error::context;
use crate::{StoreError, StoredSupplier};

/// Rows per decoding task: large enough to make a task worth it.
const DECODE_CHUNK: usize = 1_000;

/// Decoding tasks a listing may have queued before it waits for the oldest: enough to keep
/// every core busy, few enough that undecoded rows do not pile up.
const DECODING_IN_FLIGHT: usize = 4;

/// A stored supplier from its id, version and JSON document (not archived; callers that read
/// the flag set it).
pub(crate) fn stored_supplier(
    id: &str,
    version: i64,
    doc: &str,
) -> Result<StoredSupplier, StoreError> {
    let supplier: Supplier =
        serde_json::from_str(doc).map_err(context(format!("decoding stored supplier `{id}`")))?;
    Ok(StoredSupplier {
        supplier,
        version,
        archived: false,
    })
}

/// Every row of `rows`, in order, decoded by `decode` on blocking threads.
pub(crate) async fn decode_all<R, S, F>(
    mut rows: S,
    decode: F,
) -> Result<Vec<StoredSupplier>, StoreError>
where
    S: Stream<Item = Result<R, sqlx::Error>> + Unpin,
    R: Send + 'static,
    F: Fn(&R) -> Result<StoredSupplier, StoreError> + Copy + Send + 'static,
{
    let mut decoding = VecDeque::new();
    let mut suppliers = Vec::new();
    let mut chunk = Vec::with_capacity(DECODE_CHUNK);
    loop {
        let row = rows
            .try_next()
            .await
            .map_err(context("listing suppliers"))?;
        let last = row.is_none();
        chunk.extend(row);
        if chunk.len() == DECODE_CHUNK || (last && !chunk.is_empty()) {
            let rows = std::mem::replace(&mut chunk, Vec::with_capacity(DECODE_CHUNK));
            decoding.push_back(tokio::task::spawn_blocking(move || {
                rows.iter().map(decode).collect::<Result<Vec<_>, _>>()
            }));
        }
        while decoding.len() > DECODING_IN_FLIGHT || (last && !decoding.is_empty()) {
            if let Some(task) = decoding.pop_front() {
                suppliers.extend(task.await.map_err(context("decoding suppliers"))??);
            }
        }
        if last {
            return Ok(suppliers);
        }
    }
}
