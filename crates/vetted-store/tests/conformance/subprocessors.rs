//! The public subprocessor list's versions, objections, subscribers, rate limits and instance
//! secrets, written against `&dyn Store`: each backend's test file runs them through
//! `subprocessors_conformance_tests!`.

use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use vetted_core::audit::{Actor, AuditEntry};
use vetted_core::country::Country;
use vetted_core::publication::{
    Decision, DecisionKind, ListVersion, NewVersion, ObjectionOutcome, ObjectionVia, PublicEntry,
    Resolution,
};
use vetted_store::subprocessors::{NewObjection, SubscriberStatus, action};
use vetted_store::{AuditQuery, Change, Store, StoreError};

use super::key;

/// Runs every test of this file, each on a fresh store from `$fresh`.
macro_rules! subprocessors_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                conformance::subprocessors::$name(store.as_ref()).await;
                store.close().await;
            }
        )*
    };
}

const T0: OffsetDateTime = datetime!(2026-03-01 12:00:00.25 UTC);

fn admin(id: &str) -> Actor {
    Actor::User { id: id.to_string() }
}

fn by(actor: Actor, at: OffsetDateTime) -> Change {
    Change { actor, at }
}

fn country(code: &str) -> Country {
    Country::parse(code).unwrap()
}

/// An entry with every field set.
fn full_entry(supplier: &str, name: &str) -> PublicEntry {
    PublicEntry {
        supplier: supplier.to_string(),
        name: name.to_string(),
        purpose: Some("Cloud hosting".into()),
        processing: vec![country("DE"), country("US")],
        storage: vec![country("DE")],
        data_categories: vec!["customer conversations".into(), "contact details".into()],
        since: Some(date!(2025 - 02 - 01)),
    }
}

/// An entry with only what is required.
fn bare_entry(supplier: &str, name: &str) -> PublicEntry {
    PublicEntry {
        supplier: supplier.to_string(),
        name: name.to_string(),
        purpose: None,
        processing: vec![],
        storage: vec![],
        data_categories: vec![],
        since: None,
    }
}

fn new_version(number: i64, entries: Vec<PublicEntry>) -> NewVersion {
    NewVersion {
        number,
        effective: date!(2026 - 04 - 01),
        notice_days: 30,
        note: None,
        entries,
    }
}

async fn publish(store: &dyn Store, number: i64) -> ListVersion {
    store
        .publish_list_version(
            &new_version(number, vec![bare_entry("aws", "AWS")]),
            &by(admin("u1"), T0),
        )
        .await
        .unwrap()
}

async fn audit(store: &dyn Store) -> Vec<AuditEntry> {
    store.audit_entries(&AuditQuery::default()).await.unwrap()
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, on: &str) {
    match result {
        Err(StoreError::Conflict { what, id, .. }) => {
            assert_eq!((what, id.as_str()), ("subprocessor list version", on));
        }
        other => panic!("expected a conflict on version {on}, got {other:?}"),
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>, kind: &str, on: &str) {
    match result {
        Err(StoreError::NotFound { what, id }) => assert_eq!((what, id.as_str()), (kind, on)),
        other => panic!("expected {kind} {on} not found, got {other:?}"),
    }
}

/// Every field of a version round-trips, including a time finer than the microseconds the
/// tables keep: what a publish returns is what a read gives.
pub async fn versions_are_published_in_order_and_round_trip(store: &dyn Store) {
    assert!(store.list_versions().await.unwrap().is_empty());
    let first = store
        .publish_list_version(
            &new_version(1, vec![bare_entry("aws", "AWS")]),
            &by(admin("u1"), T0),
        )
        .await
        .unwrap();
    assert_eq!(first.number, 1);
    assert_eq!(first.published_by, admin("u1"));
    assert_eq!(first.published_at, T0);
    assert_eq!(first.decision, None);

    let second_new = NewVersion {
        number: 2,
        effective: date!(2026 - 05 - 15),
        notice_days: 45,
        note: Some("We add Hetzner for backups in Germany.".into()),
        entries: vec![
            full_entry("aws", "AWS"),
            full_entry("hetzner", "Hetzner Online"),
        ],
    };
    let at = datetime!(2026-04-02 08:15:30.123_456_789 UTC);
    let token = Actor::Token {
        id: "t1".into(),
        user_id: "u2".into(),
    };
    let second = store
        .publish_list_version(&second_new, &by(token.clone(), at))
        .await
        .unwrap();
    assert_eq!(
        second,
        ListVersion {
            number: 2,
            published_at: datetime!(2026-04-02 08:15:30.123_456 UTC),
            published_by: token,
            effective: second_new.effective,
            notice_days: 45,
            note: second_new.note.clone(),
            entries: second_new.entries.clone(),
            decision: None,
        }
    );
    assert_eq!(
        store.list_versions().await.unwrap(),
        vec![first, second],
        "oldest first, every field as published"
    );
}

/// A number that does not follow the newest stored one is refused and nothing is written: no
/// version, no audit entry.
pub async fn publishing_out_of_turn_is_a_conflict_and_writes_nothing(store: &dyn Store) {
    let change = by(admin("u1"), T0);
    assert_conflict(
        store
            .publish_list_version(&new_version(2, vec![]), &change)
            .await,
        "2",
    );
    assert!(store.list_versions().await.unwrap().is_empty());
    assert!(audit(store).await.is_empty());

    let one = publish(store, 1).await;
    for number in [1, 3, 0] {
        assert_conflict(
            store
                .publish_list_version(&new_version(number, vec![]), &change)
                .await,
            &number.to_string(),
        );
    }
    assert_eq!(store.list_versions().await.unwrap(), vec![one]);
    assert_eq!(audit(store).await.len(), 1, "only the first publication");

    let two = publish(store, 2).await;
    assert_eq!(two.number, 2);
    assert_eq!(audit(store).await.len(), 2);
}

/// A publication's audit entry holds the whole version.
pub async fn a_publication_is_audited(store: &dyn Store) {
    let new = NewVersion {
        note: Some("First list".into()),
        ..new_version(1, vec![full_entry("aws", "AWS")])
    };
    store
        .publish_list_version(&new, &by(admin("u1"), T0))
        .await
        .unwrap();
    let entries = audit(store).await;
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.action, action::PUBLISH);
    assert_eq!(e.actor, admin("u1"));
    assert_eq!(e.subject.as_deref(), Some("subprocessors/v1"));
    assert_eq!(e.before, None);
    let after = e.after.as_ref().unwrap();
    assert_eq!(after["number"], 1);
    assert_eq!(after["effective"], "2026-04-01");
    assert_eq!(after["notice_days"], 30);
    assert_eq!(after["note"], "First list");
    assert_eq!(
        serde_json::from_value::<Vec<PublicEntry>>(after["entries"].clone()).unwrap(),
        new.entries
    );
    assert!(store.verify_audit(&key(), None).await.unwrap().is_ok());
}

/// A decision is recorded once, with who made it and when; a second one is refused.
pub async fn a_decision_is_recorded_once_and_audited(store: &dyn Store) {
    let decision = Decision {
        kind: DecisionKind::Proceed,
        on: date!(2026 - 04 - 03),
        by: admin("u9"),
        at: datetime!(2026-04-03 10:00:00.5 UTC),
        note: Some("Objections answered".into()),
    };
    assert_not_found(
        store.decide_list_version(1, &decision).await,
        "subprocessor list version",
        "1",
    );
    let before = publish(store, 1).await;
    publish(store, 2).await;
    let decided = store.decide_list_version(1, &decision).await.unwrap();
    assert_eq!(
        decided,
        ListVersion {
            decision: Some(decision.clone()),
            ..before.clone()
        }
    );
    let withdraw = Decision {
        kind: DecisionKind::Withdraw,
        note: None,
        ..decision.clone()
    };
    assert_conflict(store.decide_list_version(1, &withdraw).await, "1");
    let versions = store.list_versions().await.unwrap();
    assert_eq!(versions[0], decided, "the first decision stays");
    assert_eq!(versions[1].decision, None);

    // A withdrawal without a note round-trips too.
    let withdrawn = store.decide_list_version(2, &withdraw).await.unwrap();
    assert_eq!(withdrawn.decision, Some(withdraw));
    assert_eq!(store.list_versions().await.unwrap()[1], withdrawn);

    let entries = audit(store).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            action::PUBLISH,
            action::PUBLISH,
            action::DECIDE,
            action::DECIDE
        ]
    );
    let e = &entries[2];
    assert_eq!((e.actor.clone(), e.at), (decision.by.clone(), decision.at));
    assert_eq!(e.subject.as_deref(), Some("subprocessors/v1"));
    assert_eq!(
        e.before.as_ref().unwrap()["decision"],
        serde_json::Value::Null
    );
    assert_eq!(
        e.after.as_ref().unwrap()["decision"],
        serde_json::json!({"kind": "proceed", "on": "2026-04-03", "note": "Objections answered"})
    );
    assert!(store.verify_audit(&key(), None).await.unwrap().is_ok());
}

fn admin_objection(version: i64) -> NewObjection {
    NewObjection {
        version,
        customer: "Globex Corporation".into(),
        contact: "Hank Scorpio".into(),
        email: Some("hank@globex.example".into()),
        grounds: "Our contract forbids processing in the United States".into(),
        received: date!(2026 - 03 - 10),
        via: ObjectionVia::Admin,
    }
}

fn link_objection(version: i64, subscriber: &str) -> NewObjection {
    NewObjection {
        version,
        customer: "Initech".into(),
        contact: "Bill Lumbergh".into(),
        email: None,
        grounds: "Yeah, we are going to need you to keep the old provider".into(),
        received: date!(2026 - 03 - 11),
        via: ObjectionVia::Link {
            subscriber: subscriber.to_string(),
        },
    }
}

/// Objections are recorded (by an admin, or through a link by nobody), resolved and resolved
/// again; an unknown version or objection is not found and writes nothing.
pub async fn objections_are_recorded_and_resolved(store: &dyn Store) {
    assert_not_found(
        store
            .add_objection(&admin_objection(1), &by(admin("u1"), T0))
            .await,
        "subprocessor list version",
        "1",
    );
    publish(store, 1).await;
    let entries_before = audit(store).await.len();
    assert_not_found(
        store
            .add_objection(&admin_objection(2), &by(admin("u1"), T0))
            .await,
        "subprocessor list version",
        "2",
    );
    assert!(store.list_objections().await.unwrap().is_empty());
    assert_eq!(audit(store).await.len(), entries_before);

    let by_admin = store
        .add_objection(&admin_objection(1), &by(admin("u1"), T0))
        .await
        .unwrap();
    let new = admin_objection(1);
    assert_eq!(
        (
            by_admin.version,
            by_admin.customer.as_str(),
            by_admin.contact.as_str(),
            by_admin.email.as_deref(),
            by_admin.grounds.as_str(),
            by_admin.received,
            by_admin.via.clone(),
        ),
        (
            1,
            new.customer.as_str(),
            new.contact.as_str(),
            new.email.as_deref(),
            new.grounds.as_str(),
            new.received,
            ObjectionVia::Admin,
        )
    );
    assert_eq!(
        (by_admin.recorded_at, by_admin.recorded_by.clone()),
        (T0, Some(admin("u1")))
    );
    assert_eq!(by_admin.resolution, None);

    let later = T0 + Duration::hours(1);
    let by_link = store
        .add_objection(
            &link_objection(1, &"ab".repeat(16)),
            &by(Actor::System, later),
        )
        .await
        .unwrap();
    assert_ne!(by_link.id, by_admin.id);
    assert_eq!(by_link.recorded_by, None, "nobody recorded it by hand");
    assert_eq!(
        by_link.via,
        ObjectionVia::Link {
            subscriber: "ab".repeat(16)
        }
    );
    assert_eq!(
        store.list_objections().await.unwrap(),
        vec![by_admin.clone(), by_link.clone()],
        "oldest first, every field as recorded"
    );

    let first = Resolution {
        outcome: ObjectionOutcome::AlternativeOffered,
        on: date!(2026 - 03 - 20),
        notes: Some("EU-only region offered".into()),
        by: admin("u2"),
        at: datetime!(2026-03-20 15:00:00.75 UTC),
    };
    let resolved = store.resolve_objection(by_admin.id, &first).await.unwrap();
    assert_eq!(resolved.resolution, Some(first.clone()));
    let second = Resolution {
        outcome: ObjectionOutcome::ContractTerminated,
        on: date!(2026 - 03 - 25),
        notes: None,
        by: admin("u3"),
        at: datetime!(2026-03-25 09:00:00 UTC),
    };
    let replaced = store.resolve_objection(by_admin.id, &second).await.unwrap();
    assert_eq!(
        replaced,
        vetted_core::publication::Objection {
            resolution: Some(second.clone()),
            ..by_admin.clone()
        }
    );
    assert_eq!(
        store.list_objections().await.unwrap(),
        vec![replaced, by_link.clone()]
    );
    assert_not_found(
        store.resolve_objection(by_link.id + 100, &first).await,
        "objection",
        &(by_link.id + 100).to_string(),
    );

    let entries = audit(store).await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            action::PUBLISH,
            action::OBJECTION_CREATE,
            action::OBJECTION_CREATE,
            action::OBJECTION_RESOLVE,
            action::OBJECTION_RESOLVE,
        ]
    );
    assert_eq!(entries[1].actor, admin("u1"));
    assert_eq!(entries[2].actor, Actor::System);
    let last = &entries[4];
    assert_eq!(
        (last.actor.clone(), last.at),
        (second.by.clone(), second.at)
    );
    assert_eq!(
        last.subject.as_deref(),
        Some(format!("objection/{}", by_admin.id).as_str())
    );
    assert_eq!(
        last.before.as_ref().unwrap()["outcome"],
        "alternative_offered"
    );
    assert_eq!(
        last.after.as_ref().unwrap()["outcome"],
        "contract_terminated"
    );
    assert_eq!(last.after.as_ref().unwrap()["outcome_on"], "2026-03-25");

    // Ids, dates and outcomes only: erasing the personal data breaks no chain.
    for e in &entries[1..] {
        let recorded = format!("{:?} {:?}", e.before, e.after);
        for personal in [
            "Globex",
            "Hank Scorpio",
            "hank@globex.example",
            "United States",
            "Initech",
            "Lumbergh",
            "old provider",
            "EU-only region",
        ] {
            assert!(
                !recorded.contains(personal),
                "`{personal}` in the audit entry {recorded}"
            );
        }
    }
    assert!(store.verify_audit(&key(), None).await.unwrap().is_ok());
}

/// The versions and objections read together are the two lists.
pub async fn publication_records_are_the_versions_and_the_objections(store: &dyn Store) {
    assert_eq!(store.publication_records().await.unwrap(), (vec![], vec![]));
    publish(store, 1).await;
    publish(store, 2).await;
    store
        .add_objection(&admin_objection(2), &by(admin("u1"), T0))
        .await
        .unwrap();
    let records = store.publication_records().await.unwrap();
    assert_eq!(records.0.len(), 2);
    assert_eq!(records.1.len(), 1);
    assert_eq!(
        records,
        (
            store.list_versions().await.unwrap(),
            store.list_objections().await.unwrap()
        )
    );
}

/// An address is stored lower-cased, under one random id, however often and however
/// concurrently it is asked for.
pub async fn subscribing_lower_cases_and_keeps_one_row_per_address(store: &dyn Store) {
    let first = store.subscribe("Ann@Example.ORG", T0).await.unwrap();
    assert_eq!(first.email, "ann@example.org");
    assert_eq!(first.status, SubscriberStatus::Pending);
    assert_eq!(first.requested_at, T0);
    assert_eq!((first.confirmed_at, first.unsubscribed_at), (None, None));
    assert_eq!(first.id.len(), 32);
    assert!(
        first
            .id
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{}",
        first.id
    );

    let t1 = T0 + Duration::minutes(5);
    let again = store.subscribe("ann@EXAMPLE.org", t1).await.unwrap();
    assert_eq!(again.id, first.id, "one subscriber per address");
    assert_eq!(
        (again.status, again.requested_at),
        (SubscriberStatus::Pending, t1)
    );

    let (one, two) = tokio::join!(
        store.subscribe("Bob@example.org", T0),
        store.subscribe("bob@Example.org", T0)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one, two);
    let all = store.list_subscribers(None).await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    assert_ne!(all[0].id, all[1].id, "ids are random");
    assert_eq!(
        all.iter().map(|s| s.email.as_str()).collect::<Vec<_>>(),
        ["bob@example.org", "ann@example.org"],
        "oldest request first"
    );
}

/// A confirmation counts for the latest request only; confirmed stays confirmed; an
/// unsubscribed address that asks again starts over under its id.
pub async fn subscribers_confirm_unsubscribe_and_come_back(store: &dyn Store) {
    let t1 = T0 + Duration::minutes(10);
    let t2 = T0 + Duration::minutes(20);
    let t3 = T0 + Duration::days(3);
    let ann = store.subscribe("ann@example.org", T0).await.unwrap();
    store.subscribe("ann@example.org", t1).await.unwrap();

    let stale = store.confirm_subscriber(&ann.id, T0, t2).await.unwrap();
    let stale = stale.expect("the subscriber exists");
    assert_eq!(
        (stale.status, stale.confirmed_at),
        (SubscriberStatus::Pending, None),
        "an old link confirms nothing"
    );
    let confirmed = store
        .confirm_subscriber(&ann.id, t1, t2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            confirmed.status,
            confirmed.requested_at,
            confirmed.confirmed_at
        ),
        (SubscriberStatus::Confirmed, t1, Some(t2))
    );
    assert_eq!(
        store.confirm_subscriber(&ann.id, t1, t3).await.unwrap(),
        Some(confirmed.clone()),
        "confirmed already: unchanged"
    );
    assert_eq!(
        store.subscribe("ANN@example.org", t3).await.unwrap(),
        confirmed,
        "a confirmed subscriber asking again is unchanged"
    );
    assert_eq!(
        store.find_subscriber(&ann.id).await.unwrap(),
        Some(confirmed.clone())
    );

    let bob = store.subscribe("bob@example.org", t1).await.unwrap();
    let gone = store.unsubscribe(&ann.id, t3).await.unwrap().unwrap();
    assert_eq!(
        (gone.status, gone.unsubscribed_at),
        (SubscriberStatus::Unsubscribed, Some(t3))
    );
    assert_eq!(
        store
            .unsubscribe(&ann.id, t3 + Duration::hours(1))
            .await
            .unwrap(),
        Some(gone.clone()),
        "unsubscribing again keeps the first time"
    );
    assert_eq!(
        store.confirm_subscriber(&ann.id, t1, t3).await.unwrap(),
        Some(gone.clone()),
        "an unsubscribed address is not confirmed by an old link"
    );

    let status = async |s| {
        store
            .list_subscribers(Some(s))
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.email)
            .collect::<Vec<_>>()
    };
    assert_eq!(status(SubscriberStatus::Pending).await, ["bob@example.org"]);
    assert_eq!(
        status(SubscriberStatus::Unsubscribed).await,
        ["ann@example.org"]
    );
    assert!(status(SubscriberStatus::Confirmed).await.is_empty());

    let t4 = t3 + Duration::days(1);
    let back = store.subscribe("ann@example.org", t4).await.unwrap();
    assert_eq!(
        back,
        vetted_store::subprocessors::Subscriber {
            id: ann.id.clone(),
            email: "ann@example.org".into(),
            status: SubscriberStatus::Pending,
            requested_at: t4,
            confirmed_at: None,
            unsubscribed_at: None,
        }
    );
    assert_eq!(
        status(SubscriberStatus::Pending).await,
        ["bob@example.org", "ann@example.org"]
    );
    assert_eq!(store.list_subscribers(None).await.unwrap().len(), 2);
    assert_eq!(
        store.find_subscriber(&bob.id).await.unwrap(),
        Some(bob.clone())
    );

    let unknown = "0".repeat(32);
    assert_eq!(store.find_subscriber(&unknown).await.unwrap(), None);
    assert_eq!(
        store.confirm_subscriber(&unknown, t1, t2).await.unwrap(),
        None
    );
    assert_eq!(store.unsubscribe(&unknown, t2).await.unwrap(), None);
    assert_eq!(store.list_subscribers(None).await.unwrap().len(), 2);
}

/// A fixed window: `limit` events in `(now - window, now]`, per bucket.
pub async fn rate_slots_are_limited_per_bucket_and_window(store: &dyn Store) {
    let window = Duration::seconds(60);
    let take = async |bucket: &str, at: OffsetDateTime| {
        store.take_rate_slot(bucket, 3, window, at).await.unwrap()
    };
    let s = Duration::seconds;
    assert!(take("subscribe:1.2.3.4", T0).await);
    assert!(take("subscribe:1.2.3.4", T0 + s(1)).await);
    assert!(take("subscribe:1.2.3.4", T0 + s(2)).await);
    assert!(!take("subscribe:1.2.3.4", T0 + s(3)).await, "the fourth");
    assert!(
        !take("subscribe:1.2.3.4", T0 + s(59)).await,
        "a refusal records nothing, and the window is full still"
    );
    assert!(take("subscribe:5.6.7.8", T0 + s(3)).await, "another bucket");
    // At T0 + 60 s the first event has left the window (its start is open).
    assert!(take("subscribe:1.2.3.4", T0 + s(60)).await);
    assert!(!take("subscribe:1.2.3.4", T0 + s(60)).await);
    // Days later the window is empty again.
    for _ in 0..3 {
        assert!(take("subscribe:1.2.3.4", T0 + Duration::days(2)).await);
    }
    assert!(!take("subscribe:1.2.3.4", T0 + Duration::days(2)).await);
}

/// Two takers of the last slot at once: exactly one gets it.
pub async fn concurrent_takers_of_the_last_slot_get_one(store: &dyn Store) {
    let window = Duration::minutes(1);
    for round in 0..5 {
        let bucket = format!("objection:{round}");
        for _ in 0..2 {
            assert!(store.take_rate_slot(&bucket, 3, window, T0).await.unwrap());
        }
        let (a, b) = tokio::join!(
            store.take_rate_slot(&bucket, 3, window, T0),
            store.take_rate_slot(&bucket, 3, window, T0)
        );
        assert!(
            a.unwrap() ^ b.unwrap(),
            "round {round}: exactly one of two takers"
        );
        assert!(!store.take_rate_slot(&bucket, 3, window, T0).await.unwrap());
    }
}

/// Two stores (two servers) on one database share the limit.
pub async fn two_stores_share_a_rate_limit(one: &dyn Store, two: &dyn Store) {
    let window = Duration::minutes(1);
    for round in 0..5 {
        let bucket = format!("subscribe:{round}");
        assert!(one.take_rate_slot(&bucket, 2, window, T0).await.unwrap());
        let (a, b) = tokio::join!(
            one.take_rate_slot(&bucket, 2, window, T0),
            two.take_rate_slot(&bucket, 2, window, T0)
        );
        assert!(a.unwrap() ^ b.unwrap(), "round {round}");
    }
}

/// A secret is 32 random bytes made once per name, the same however it is asked for.
pub async fn an_instance_secret_is_made_once_per_name(store: &dyn Store) {
    let links = store.instance_secret("links").await.unwrap();
    assert_eq!(links.len(), 32);
    assert_ne!(links, vec![0; 32]);
    assert_eq!(store.instance_secret("links").await.unwrap(), links);

    let (a, b) = tokio::join!(
        store.instance_secret("unsubscribe"),
        store.instance_secret("unsubscribe")
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b, "concurrent first uses agree");
    assert_eq!(a.len(), 32);
    assert_ne!(a, links, "another name, another secret");
    assert_eq!(store.instance_secret("unsubscribe").await.unwrap(), a);
}
