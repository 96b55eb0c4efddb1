//! [`SubprocessorStore`] in postgres: placeholder until migration 0009 lands.
#![allow(unused_variables)]

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};
use vetted_core::publication::{Decision, ListVersion, NewVersion, Objection, Resolution};

use super::PostgresStore;
use crate::subprocessors::{NewObjection, SubprocessorStore, Subscriber, SubscriberStatus};
use crate::{Change, StoreError};

#[async_trait]
impl SubprocessorStore for PostgresStore {
    async fn publish_list_version(
        &self,
        new: &NewVersion,
        change: &Change,
    ) -> Result<ListVersion, StoreError> {
        todo!()
    }
    async fn list_versions(&self) -> Result<Vec<ListVersion>, StoreError> {
        todo!()
    }
    async fn decide_list_version(
        &self,
        number: i64,
        decision: &Decision,
    ) -> Result<ListVersion, StoreError> {
        todo!()
    }
    async fn add_objection(
        &self,
        new: &NewObjection,
        change: &Change,
    ) -> Result<Objection, StoreError> {
        todo!()
    }
    async fn resolve_objection(
        &self,
        id: i64,
        resolution: &Resolution,
    ) -> Result<Objection, StoreError> {
        todo!()
    }
    async fn list_objections(&self) -> Result<Vec<Objection>, StoreError> {
        todo!()
    }
    async fn publication_records(&self) -> Result<(Vec<ListVersion>, Vec<Objection>), StoreError> {
        todo!()
    }
    async fn subscribe(&self, email: &str, at: OffsetDateTime) -> Result<Subscriber, StoreError> {
        todo!()
    }
    async fn find_subscriber(&self, id: &str) -> Result<Option<Subscriber>, StoreError> {
        todo!()
    }
    async fn confirm_subscriber(
        &self,
        id: &str,
        requested_at: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<Option<Subscriber>, StoreError> {
        todo!()
    }
    async fn unsubscribe(
        &self,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<Option<Subscriber>, StoreError> {
        todo!()
    }
    async fn list_subscribers(
        &self,
        status: Option<SubscriberStatus>,
    ) -> Result<Vec<Subscriber>, StoreError> {
        todo!()
    }
    async fn take_rate_slot(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        todo!()
    }
    async fn instance_secret(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        todo!()
    }
}
