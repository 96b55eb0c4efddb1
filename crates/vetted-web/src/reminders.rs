//! Reminders while serving: [`run_reminders`] (the day's run over the stored register and the
//! policy in force, shared by the admin page and the schedule) and [`Scheduler`], the
//! in-process daily schedule: once a day after the configured hour (UTC) it runs the day's
//! reminders, and every tick it sends what is due (new digests, retries).
//!
//! Several servers on one database may all run it: the claims in the store make each reminder
//! go out once per window, and leases make each delivery go to one sender. A restart runs the
//! day again, which queues nothing already queued.

use std::sync::Arc;
use std::time::Duration;

use time::{Date, OffsetDateTime};
use tokio::task::JoinHandle;
use vetted_app::notify::{DeliverReport, Notifier, NotifyError, RunReport};

use crate::AppState;

/// The day's run on `as_of` under the policy in force; `dry_run` writes nothing.
pub async fn run_reminders(
    state: &AppState,
    notifier: &Notifier,
    as_of: Date,
    now: OffsetDateTime,
    dry_run: bool,
) -> Result<RunReport, NotifyError> {
    let register = state.store.register().await?;
    let policy = Arc::clone(&state.policy().policy);
    notifier
        .run(&register.suppliers, &policy, as_of, now, dry_run)
        .await
}

/// The daily schedule's state between ticks.
pub struct Scheduler {
    state: AppState,
    notifier: Arc<Notifier>,
    /// The last day this process ran the reminders.
    ran_on: Option<Date>,
}

/// What one tick did.
#[derive(Debug, Default)]
pub struct Tick {
    pub run: Option<RunReport>,
    pub delivered: DeliverReport,
}

impl Scheduler {
    pub fn new(state: AppState, notifier: Arc<Notifier>) -> Scheduler {
        Scheduler {
            state,
            notifier,
            ran_on: None,
        }
    }

    /// Runs the day's reminders if this process has not yet today and `now` is past the send
    /// hour, then sends what is due.
    pub async fn tick(&mut self, now: OffsetDateTime) -> Result<Tick, NotifyError> {
        let now = now.to_offset(time::UtcOffset::UTC);
        let today = now.date();
        let mut tick = Tick::default();
        if self.ran_on != Some(today) && now.hour() >= self.notifier.settings().send_hour {
            tick.run = Some(run_reminders(&self.state, &self.notifier, today, now, false).await?);
            self.ran_on = Some(today);
        }
        tick.delivered = self.notifier.deliver(now).await?;
        Ok(tick)
    }

    /// Ticks every `every` until aborted; a failed tick is logged and the next tries again.
    pub fn spawn(mut self, every: Duration) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if let Err(e) = self.tick(OffsetDateTime::now_utc()).await {
                    tracing::warn!(error = %e, "running reminders failed; trying again later");
                }
            }
        })
    }
}
