//! Keeping every server current: the stored policy version in force, and stored evaluations
//! of today.
//!
//! An upload on this server puts the new version in force at once (`PUT /api/v1/policy`).
//! Another server on the same database learns of it from [`Refresher::tick`], which a
//! background task ([`Refresher::spawn`]) runs every few seconds (`policy_poll_seconds`):
//! it reads the newest version's number (one index probe) and, when it is not the one in
//! force, loads and activates that version. The same tick refreshes the stored evaluations
//! ([`vetted_store::EvaluationStore::refresh_evaluations`]) on its first run and whenever the
//! date or the policy changed since the last, so lists sorted by verdict or next-due date never
//! wait for a whole register to be evaluated on the first request of a day. It then brings the
//! register's in-memory [`crate::snapshot`] up to date (nothing to do unless something was
//! written), so the dashboard rarely waits for one either.

use std::time::Duration;

use time::{Date, OffsetDateTime};
use tokio::task::JoinHandle;
use vetted_store::StoreError;

use crate::{ActivePolicy, AppState};

/// The default time between two ticks.
pub const DEFAULT_POLL: Duration = Duration::from_secs(5);

/// What one tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// The number of the stored version put in force, when it changed.
    pub activated: Option<i64>,
    /// Stored evaluations recomputed (0 when neither the date nor the policy changed).
    pub refreshed: u64,
}

/// Loads the newest stored policy version into `state` if it is not the one in force;
/// returns its number when it changed. A stored text that no longer parses is logged and
/// skipped: the policy in force stays.
pub async fn activate_latest(state: &AppState) -> Result<Option<i64>, StoreError> {
    let Some(newest) = state.store.latest_policy_number().await? else {
        return Ok(None);
    };
    let in_force = state.policy().version.as_ref().map(|v| v.number);
    if in_force == Some(newest) {
        return Ok(None);
    }
    let Some(version) = state.store.latest_policy().await? else {
        return Ok(None);
    };
    match ActivePolicy::from_version(&version) {
        Ok(active) => {
            state.policy_cell.set(active);
            tracing::info!(policy.version = version.number, "policy version in force");
            Ok(Some(version.number))
        }
        Err(problems) => {
            tracing::error!(
                policy.version = version.number,
                problems = problems.len(),
                "the stored policy version does not parse; keeping the policy in force"
            );
            Ok(None)
        }
    }
}

/// The state of the background task between ticks.
pub struct Refresher {
    state: AppState,
    /// The date and policy fingerprint the evaluations were last refreshed for.
    refreshed_for: Option<(Date, String)>,
}

impl Refresher {
    /// A refresher of `state`; its first tick refreshes the evaluations.
    pub fn new(state: AppState) -> Refresher {
        Refresher {
            state,
            refreshed_for: None,
        }
    }

    /// Puts the newest stored policy version in force if it changed, then refreshes the stored
    /// evaluations if `today` or the policy changed since the last tick (always on the first),
    /// then the register's snapshot if the register, the policy or the date changed.
    pub async fn tick(&mut self, today: Date) -> Result<Tick, StoreError> {
        let activated = activate_latest(&self.state).await?;
        let fingerprint = self.state.policy().fingerprint.clone();
        let key = (today, fingerprint);
        let mut refreshed = 0;
        if self.refreshed_for.as_ref() != Some(&key) {
            refreshed = self
                .state
                .store
                .refresh_evaluations(&self.state.evaluator(today))
                .await?;
            self.refreshed_for = Some(key);
        }
        self.state.snapshots.get(&self.state, today).await?;
        Ok(Tick {
            activated,
            refreshed,
        })
    }

    /// Ticks now and then every `every` (UTC dates) until the task is aborted; a failed tick
    /// is logged and the next one tries again.
    pub fn spawn(mut self, every: Duration) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let today = OffsetDateTime::now_utc().date();
                match self.tick(today).await {
                    Ok(Tick { refreshed, .. }) if refreshed > 0 => {
                        tracing::info!(refreshed, "stored evaluations refreshed");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "keeping the server current failed"),
                }
            }
        })
    }
}
