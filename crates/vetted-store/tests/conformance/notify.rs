//! The reminders' delivery log and once-per-window claims, written against `&dyn Store`: each
//! backend's test file runs them through `notify_conformance_tests!`.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use vetted_store::Store;
use vetted_store::notify::{DeliveryKind, DeliveryStatus, NewDelivery, Outcome};

/// Runs every test of this file, each on a fresh store from `$fresh`.
macro_rules! notify_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                conformance::notify::$name(store.as_ref()).await;
                store.close().await;
            }
        )*
    };
}

const NOW: OffsetDateTime = datetime!(2026-11-25 07:00:00 UTC);

fn claims(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, w)| ((*k).to_string(), (*w).to_string()))
        .collect()
}

/// A digest naming the claims it was made of, so the test sees what `render` was given.
fn render(recipient: &str, claims: &[(String, String)], fresh: &[usize]) -> NewDelivery {
    let keys: Vec<&str> = fresh.iter().map(|i| claims[*i].0.as_str()).collect();
    NewDelivery {
        kind: DeliveryKind::Digest,
        recipient: recipient.into(),
        subject: format!("{} reminders", fresh.len()),
        payload: keys.join(","),
        items: u32::try_from(fresh.len()).unwrap(),
    }
}

async fn queue(
    store: &dyn Store,
    recipient: &str,
    list: &[(&str, &str)],
) -> Option<(i64, Vec<usize>)> {
    let c = claims(list);
    let r = |fresh: &[usize]| Ok(render(recipient, &c, fresh));
    store.queue_digest(recipient, &c, NOW, &r).await.unwrap()
}

pub async fn a_reminder_is_queued_once_per_recipient_and_window(store: &dyn Store) {
    let to = "email:owner@example.eu";
    let (id, fresh) = queue(store, to, &[("a", "overdue-0"), ("b", "soon")])
        .await
        .expect("new claims queue a digest");
    assert_eq!(fresh, vec![0, 1]);
    let d = store.find_delivery(id).await.unwrap().unwrap();
    assert_eq!(
        (
            d.kind,
            d.recipient.as_str(),
            d.subject.as_str(),
            d.payload.as_str(),
            d.items
        ),
        (DeliveryKind::Digest, to, "2 reminders", "a,b", 2)
    );
    assert_eq!(
        (d.status, d.attempts, d.next_attempt_at),
        (DeliveryStatus::Pending, 0, NOW)
    );

    // The same run again: nothing new, nothing queued.
    assert_eq!(
        queue(store, to, &[("a", "overdue-0"), ("b", "soon")]).await,
        None
    );
    // The next window of `a`, and a new item `c`: only those.
    let (id2, fresh) = queue(
        store,
        to,
        &[
            ("a", "overdue-0"),
            ("a", "overdue-1"),
            ("b", "soon"),
            ("c", "soon"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(fresh, vec![1, 3]);
    assert_eq!(
        store.find_delivery(id2).await.unwrap().unwrap().payload,
        "a,c"
    );
    // Another recipient has claims of its own.
    let (_, fresh) = queue(store, "webhook:slack", &[("a", "overdue-0")])
        .await
        .unwrap();
    assert_eq!(fresh, vec![0]);

    // The dry run's view, which writes nothing.
    let probe = claims(&[("a", "overdue-1"), ("a", "overdue-2"), ("d", "soon")]);
    assert_eq!(store.unclaimed(to, &probe).await.unwrap(), vec![1, 2]);
    assert_eq!(store.unclaimed(to, &probe).await.unwrap(), vec![1, 2]);
    assert_eq!(store.list_deliveries(10, None).await.unwrap().len(), 3);
}

pub async fn a_failed_render_queues_and_claims_nothing(store: &dyn Store) {
    let c = claims(&[("a", "soon")]);
    let fail = |_: &[usize]| Err("template broke".to_string());
    let err = store
        .queue_digest("email:x@example.eu", &c, NOW, &fail)
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("template broke"), "{err:?}");
    assert!(store.list_deliveries(10, None).await.unwrap().is_empty());
    assert_eq!(
        store.unclaimed("email:x@example.eu", &c).await.unwrap(),
        vec![0]
    );
}

fn test_message(to: &str) -> NewDelivery {
    NewDelivery {
        kind: DeliveryKind::Test,
        recipient: to.into(),
        subject: "test".into(),
        payload: "{}".into(),
        items: 0,
    }
}

pub async fn a_delivery_is_leased_retried_failed_and_retried_by_hand(store: &dyn Store) {
    let lease = Duration::minutes(5);
    let id = store
        .queue(&test_message("email:a@example.eu"), NOW)
        .await
        .unwrap();

    let got = store.lease_deliveries(NOW, lease, 10).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].id, got[0].status, got[0].attempts),
        (id, DeliveryStatus::Sending, 1)
    );
    // Leased: nobody else gets it.
    assert!(
        store
            .lease_deliveries(NOW, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let retry_at = NOW + Duration::minutes(1);
    let error = "451 try again later".to_string();
    store
        .finish_delivery(
            id,
            &Outcome::Retry {
                error: error.clone(),
                at: retry_at,
            },
            NOW,
        )
        .await
        .unwrap();
    let d = store.find_delivery(id).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.next_attempt_at, d.last_error.as_deref()),
        (DeliveryStatus::Pending, retry_at, Some(error.as_str()))
    );
    assert!(
        store
            .lease_deliveries(NOW + Duration::seconds(30), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "not before its next attempt"
    );
    let got = store.lease_deliveries(retry_at, lease, 10).await.unwrap();
    assert_eq!(got[0].attempts, 2);

    store
        .finish_delivery(
            id,
            &Outcome::Failed {
                error: "550 no such user".into(),
            },
            retry_at,
        )
        .await
        .unwrap();
    let d = store.find_delivery(id).await.unwrap().unwrap();
    assert_eq!(d.status, DeliveryStatus::Failed);
    assert_eq!(d.last_error.as_deref(), Some("550 no such user"));
    assert!(
        store
            .lease_deliveries(NOW + Duration::days(30), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "a failed delivery waits for a person"
    );

    assert!(store.retry_delivery(id, retry_at).await.unwrap());
    assert!(
        !store.retry_delivery(id, retry_at).await.unwrap(),
        "only failed ones"
    );
    let got = store.lease_deliveries(retry_at, lease, 10).await.unwrap();
    assert_eq!((got[0].id, got[0].attempts), (id, 3));
    let sent_at = retry_at + Duration::seconds(2);
    store
        .finish_delivery(id, &Outcome::Sent, sent_at)
        .await
        .unwrap();
    let d = store.find_delivery(id).await.unwrap().unwrap();
    assert_eq!(
        (d.status, d.sent_at, d.last_error),
        (DeliveryStatus::Sent, Some(sent_at), None)
    );
    assert!(
        store
            .lease_deliveries(NOW + Duration::days(30), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_lease_that_runs_out_makes_the_delivery_due_again(store: &dyn Store) {
    let lease = Duration::minutes(5);
    let id = store
        .queue(&test_message("email:a@example.eu"), NOW)
        .await
        .unwrap();
    assert_eq!(
        store.lease_deliveries(NOW, lease, 10).await.unwrap().len(),
        1
    );
    // The sender died: nothing was recorded.
    assert!(
        store
            .lease_deliveries(NOW + Duration::minutes(4), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let got = store
        .lease_deliveries(NOW + Duration::minutes(5), lease, 10)
        .await
        .unwrap();
    assert_eq!((got[0].id, got[0].attempts), (id, 2));
}

pub async fn leases_take_the_oldest_first_up_to_the_limit_and_lists_page_newest_first(
    store: &dyn Store,
) {
    let mut ids = Vec::new();
    for n in 0..5 {
        let at = NOW + Duration::seconds(n);
        ids.push(
            store
                .queue(&test_message(&format!("email:{n}@example.eu")), at)
                .await
                .unwrap(),
        );
    }
    let later = NOW + Duration::minutes(1);
    let got = store
        .lease_deliveries(later, Duration::minutes(5), 3)
        .await
        .unwrap();
    assert_eq!(
        got.iter().map(|d| d.id).collect::<Vec<_>>(),
        ids[..3].to_vec()
    );
    let page = store.list_deliveries(2, None).await.unwrap();
    assert_eq!(
        page.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![ids[4], ids[3]]
    );
    let next = store.list_deliveries(2, Some(ids[3])).await.unwrap();
    assert_eq!(
        next.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![ids[2], ids[1]]
    );
    assert_eq!(store.find_delivery(i64::MAX).await.unwrap(), None);
}

/// Two servers on one database run the reminders at once: each claim goes to one of them.
pub async fn two_stores_claim_at_once(one: &dyn Store, two: &dyn Store) {
    let list: Vec<(String, String)> = (0..200)
        .map(|n| (format!("item-{n}"), "overdue-0".to_string()))
        .collect();
    let r1 = |f: &[usize]| Ok(render("email:a@example.eu", &list, f));
    let r2 = |f: &[usize]| Ok(render("email:a@example.eu", &list, f));
    let (a, b) = tokio::join!(
        one.queue_digest("email:a@example.eu", &list, NOW, &r1),
        two.queue_digest("email:a@example.eu", &list, NOW, &r2),
    );
    let mut got: Vec<usize> = a
        .unwrap()
        .into_iter()
        .chain(b.unwrap())
        .flat_map(|(_, fresh)| fresh)
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        (0..200).collect::<Vec<_>>(),
        "every claim exactly once"
    );
    let queued: u32 = one
        .list_deliveries(10, None)
        .await
        .unwrap()
        .iter()
        .map(|d| d.items)
        .sum();
    assert_eq!(queued, 200);
}
