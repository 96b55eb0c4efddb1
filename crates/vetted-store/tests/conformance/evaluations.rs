//! Stored evaluations and the list query, written against `&dyn Store`: every query's answer
//! is checked against the same query answered in memory from the engine's own evaluation.

use std::cmp::Ordering;
use std::sync::Arc;

use time::Date;
use time::macros::date;
use vetted_core::model::{Register, Status, Supplier, Tier, Verdict};
use vetted_core::policy::{DEFAULT_POLICY_TOML, Policy};
use vetted_core::projection::project;
use vetted_store::{Evaluator, ListedSupplier, SortKey, Store, SupplierQuery, SupplierSummary};

use super::{change, id, import, supplier};

/// Runs every test of this file, each on a fresh store from `$fresh`.
macro_rules! evaluations_conformance_tests {
    ($fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (_guard, store) = $fresh().await;
                conformance::evaluations::$name(store.as_ref()).await;
                store.close().await;
            }
        )*
    };
}

fn example() -> Register {
    let text = include_str!("../../../../examples/register.json");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    Register {
        suppliers: serde_json::from_value(value["suppliers"].clone()).unwrap(),
    }
}

fn evaluator(as_of: Date) -> Evaluator {
    Evaluator::new(Arc::new(Policy::default()), DEFAULT_POLICY_TOML, as_of)
}

/// The summary a listed supplier must have: its stored columns and its evaluation.
fn summary_of(item: &ListedSupplier) -> SupplierSummary {
    let s = &item.stored.supplier;
    SupplierSummary {
        id: s.id.clone(),
        name: s.name.clone(),
        category: s.category,
        status: s.status,
        version: item.stored.version,
        archived: item.stored.archived,
        verdict: item.verdict,
        tier: item.tier,
        next_due: item.next_due,
    }
}

/// `None` last whatever the direction.
fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) if descending => b.cmp(&a),
        (Some(a), Some(b)) => a.cmp(&b),
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
    }
}

/// The query answered in memory: `register` in register order with archived flags.
fn expected(register: &[(Supplier, bool)], q: &SupplierQuery, as_of: Date) -> (Vec<String>, u64) {
    let policy = Policy::default();
    let mut rows: Vec<(usize, &Supplier, vetted_core::projection::Projection)> = register
        .iter()
        .enumerate()
        .filter(|(_, (_, archived))| q.archived.is_none_or(|a| a == *archived))
        .map(|(i, (s, _))| (i, s, project(s, &policy, as_of)))
        .filter(|(_, s, p)| {
            (q.verdicts.is_empty() || q.verdicts.contains(&p.verdict))
                && q.tier.is_none_or(|t| p.tier == t)
                && q.category.is_none_or(|c| s.category == Some(c))
                && q.status.is_none_or(|st| s.status == Some(st))
                && q.country.as_ref().is_none_or(|c| p.countries.contains(c))
                && q.search
                    .as_ref()
                    .is_none_or(|t| p.search.contains(&t.to_lowercase()))
                && q.rule.as_ref().is_none_or(|r| p.rules.contains(r))
        })
        .collect();
    let tier_rank = |t: Option<Tier>| t.and_then(|t| Tier::ALL.iter().position(|x| *x == t));
    rows.sort_by(|a, b| {
        let d = q.descending;
        let key = match q.sort {
            SortKey::Register | SortKey::Updated => Ordering::Equal,
            SortKey::Name => nulls_last(a.1.name.as_deref(), b.1.name.as_deref(), d),
            SortKey::Id => nulls_last(Some(a.1.id.as_str()), Some(b.1.id.as_str()), d),
            SortKey::Verdict => nulls_last(
                Some(a.2.verdict.badness_rank()),
                Some(b.2.verdict.badness_rank()),
                d,
            ),
            SortKey::Tier => nulls_last(tier_rank(a.2.tier), tier_rank(b.2.tier), d),
            SortKey::NextDue => nulls_last(a.2.next_due, b.2.next_due, d),
        };
        key.then(if d { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) })
    });
    let total = rows.len() as u64;
    let ids = rows
        .into_iter()
        .skip(q.offset as usize)
        .take(q.limit.min(1_000) as usize)
        .map(|(_, s, _)| s.id.to_string())
        .collect();
    (ids, total)
}

pub async fn queries_filter_sort_and_page_as_the_engine_would(store: &dyn Store) {
    let as_of = date!(2026 - 11 - 25);
    let ev = evaluator(as_of);
    let register = example();
    import(store, &register).await;
    // Archive two, so "archived" has something to show and the others lose them.
    let archived_ids = [
        register.suppliers[1].id.clone(),
        register.suppliers[4].id.clone(),
    ];
    for id in &archived_ids {
        store.archive_supplier(id, 1, &change()).await.unwrap();
    }
    let state: Vec<(Supplier, bool)> = register
        .suppliers
        .iter()
        .map(|s| (s.clone(), archived_ids.contains(&s.id)))
        .collect();

    let q = SupplierQuery::default;
    let mut queries = vec![
        q(),
        SupplierQuery {
            archived: Some(true),
            ..q()
        },
        SupplierQuery {
            verdicts: vec![Verdict::NonCompliant, Verdict::Attention],
            ..q()
        },
        SupplierQuery {
            verdicts: vec![Verdict::Compliant],
            ..q()
        },
        SupplierQuery {
            tier: Some(Some(Tier::High)),
            ..q()
        },
        SupplierQuery {
            status: Some(Status::Active),
            ..q()
        },
        SupplierQuery {
            category: register.suppliers[0].category,
            ..q()
        },
        SupplierQuery {
            country: Some("DE".into()),
            ..q()
        },
        SupplierQuery {
            country: Some("US".into()),
            ..q()
        },
        SupplierQuery {
            search: Some("CLOUD".into()),
            ..q()
        },
        SupplierQuery {
            search: Some(register.suppliers[3].id.as_str()[..3].into()),
            ..q()
        },
        SupplierQuery {
            tier: Some(None),
            ..q()
        },
        SupplierQuery {
            rule: Some("review.overdue".into()),
            ..q()
        },
        SupplierQuery {
            rule: Some("selection.residency".into()),
            verdicts: vec![Verdict::Ineligible, Verdict::NonCompliant],
            ..q()
        },
        SupplierQuery {
            archived: None,
            ..q()
        },
        SupplierQuery {
            archived: None,
            rule: Some("selection.residency".into()),
            sort: SortKey::Name,
            ..q()
        },
        SupplierQuery {
            limit: 3,
            offset: 2,
            ..q()
        },
        SupplierQuery {
            limit: 5,
            offset: 1_000,
            ..q()
        },
    ];
    for sort in [
        SortKey::Name,
        SortKey::Id,
        SortKey::Verdict,
        SortKey::Tier,
        SortKey::NextDue,
    ] {
        for descending in [false, true] {
            queries.push(SupplierQuery {
                sort,
                descending,
                ..q()
            });
            queries.push(SupplierQuery {
                sort,
                descending,
                limit: 4,
                offset: 3,
                ..q()
            });
        }
    }
    let listed = (register.suppliers.len() - archived_ids.len()) as u64;
    for (n, query) in queries.iter().enumerate() {
        let page = store.query_suppliers(query, &ev).await.unwrap();
        if (2..=13).contains(&n) {
            // Each filter keeps some and drops some: none of these checks is vacuous.
            assert!(
                0 < page.total && page.total < listed,
                "{query:?}: {}",
                page.total
            );
        }
        let ids: Vec<String> = page
            .items
            .iter()
            .map(|i| i.stored.supplier.id.to_string())
            .collect();
        assert_eq!(
            (ids, page.total),
            expected(&state, query, as_of),
            "{query:?}"
        );
        for item in &page.items {
            let p = project(&item.stored.supplier, &Policy::default(), as_of);
            assert_eq!(
                (item.verdict, item.tier, item.next_due),
                (p.verdict, p.tier, p.next_due)
            );
        }
        // The summaries are the same page, row by row, without the documents; asked again
        // (from the page cache), the same.
        let summaries = store.query_summaries(query, &ev).await.unwrap();
        assert_eq!(summaries.items.len(), page.items.len(), "{query:?}");
        assert_eq!(summaries.total, page.total, "{query:?}");
        for (summary, item) in summaries.items.iter().zip(&page.items) {
            assert_eq!(summary, &summary_of(item), "{query:?}");
        }
        let again = store.query_summaries(query, &ev).await.unwrap();
        assert_eq!(again, summaries, "{query:?}");
    }
    // The example has suppliers of several verdicts, so the filters above were not vacuous.
    let verdicts = store
        .query_suppliers(
            &SupplierQuery {
                sort: SortKey::Verdict,
                ..q()
            },
            &ev,
        )
        .await
        .unwrap();
    let first = verdicts.items.first().unwrap().verdict;
    let last = verdicts.items.last().unwrap().verdict;
    assert_ne!(first, last);
    // Archived and not: every supplier.
    let both = store
        .query_summaries(
            &SupplierQuery {
                archived: None,
                ..q()
            },
            &ev,
        )
        .await
        .unwrap();
    assert_eq!(both.total, register.suppliers.len() as u64);
}

/// The change counter of `reader` moves with every write of `writer` (the same store, or
/// another one on the same database) and stays put while nothing is written: reads, a refused
/// write and a refresh that finds nothing to do leave it as it is.
pub async fn the_change_counter_moves_with_every_write(writer: &dyn Store, reader: &dyn Store) {
    let register = example();
    let empty = reader.list_generation().await.unwrap();
    assert_eq!(reader.list_generation().await.unwrap(), empty, "a read");
    import(writer, &register).await;
    let imported = reader.list_generation().await.unwrap();
    assert_ne!(imported, empty, "an import");

    // Evaluating writes the stored evaluations (a change); once they are current, reading the
    // list and refreshing again change nothing.
    let ev = evaluator(date!(2026 - 11 - 25));
    reader
        .query_summaries(&SupplierQuery::default(), &ev)
        .await
        .unwrap();
    let evaluated = reader.list_generation().await.unwrap();
    assert_ne!(evaluated, imported, "the evaluations were stored");
    assert_eq!(reader.refresh_evaluations(&ev).await.unwrap(), 0);
    reader
        .query_summaries(&SupplierQuery::default(), &ev)
        .await
        .unwrap();
    reader.list_suppliers().await.unwrap();
    assert_eq!(reader.list_generation().await.unwrap(), evaluated, "reads");

    let first = &register.suppliers[0];
    let mut renamed = first.clone();
    renamed.name = Some("Renamed Ltd".into());
    assert!(
        writer
            .update_supplier(&renamed, 7, &change())
            .await
            .is_err(),
        "a stale version is refused"
    );
    assert_eq!(
        reader.list_generation().await.unwrap(),
        evaluated,
        "a refused write"
    );

    let mut seen = vec![evaluated];
    let mut moved = async |what: &str| {
        let now = reader.list_generation().await.unwrap();
        assert!(
            !seen.contains(&now),
            "{what}: {now} seen before in {seen:?}"
        );
        seen.push(now);
    };
    writer
        .update_supplier(&renamed, 1, &change())
        .await
        .unwrap();
    moved("an update").await;
    writer
        .archive_supplier(&first.id, 2, &change())
        .await
        .unwrap();
    moved("an archive").await;
    writer
        .restore_supplier(&first.id, 3, &change())
        .await
        .unwrap();
    moved("a restore").await;
    writer
        .create_supplier(&supplier("zz-new", "New"), &change())
        .await
        .unwrap();
    moved("a creation").await;
    reader.refresh_evaluations(&ev).await.unwrap();
    moved("a refresh of the written rows").await;
}

pub async fn a_new_day_a_new_policy_and_every_write_are_picked_up(store: &dyn Store) {
    let register = example();
    import(store, &register).await;
    let n = register.suppliers.len() as u64;
    let day1 = evaluator(date!(2026 - 01 - 10));
    assert_eq!(store.refresh_evaluations(&day1).await.unwrap(), n);
    assert_eq!(
        store.refresh_evaluations(&day1).await.unwrap(),
        0,
        "nothing left to do"
    );

    // A write clears the supplier's evaluation in its transaction.
    let first = &register.suppliers[0];
    let mut changed = first.clone();
    changed.status = Some(Status::Terminated);
    store.update_supplier(&changed, 1, &change()).await.unwrap();
    let page = store
        .query_suppliers(
            &SupplierQuery {
                verdicts: vec![Verdict::Inactive],
                ..SupplierQuery::default()
            },
            &day1,
        )
        .await
        .unwrap();
    assert!(
        page.items.iter().any(|i| i.stored.supplier.id == first.id),
        "the write is seen"
    );
    assert_eq!(
        store.refresh_evaluations(&day1).await.unwrap(),
        0,
        "the query refreshed it"
    );

    // Another day, another policy: everything again.
    let day2 = evaluator(date!(2027 - 06 - 30));
    assert_eq!(store.refresh_evaluations(&day2).await.unwrap(), n);
    let other_policy = Evaluator::new(
        Arc::new(Policy::default()),
        &format!("{DEFAULT_POLICY_TOML}\n# tuned\n"),
        date!(2027 - 06 - 30),
    );
    let page = store
        .query_suppliers(&SupplierQuery::default(), &other_policy)
        .await
        .unwrap();
    assert_eq!(page.total, n);
    assert_eq!(store.refresh_evaluations(&other_policy).await.unwrap(), 0);
    let due_on_day2: Vec<_> = page.items.iter().map(|i| i.next_due).collect();
    let page1 = store
        .query_suppliers(&SupplierQuery::default(), &day1)
        .await
        .unwrap();
    assert_ne!(
        due_on_day2,
        page1.items.iter().map(|i| i.next_due).collect::<Vec<_>>(),
        "a year and a half later, something else is due"
    );
    assert!(store.get_supplier(&id(first.id.as_str())).await.is_ok());
}

/// Two stores on one database (two servers) refresh at once while a third writer changes a
/// supplier: every row ends with the evaluation of its stored version.
pub async fn two_stores_refresh_at_once(one: &dyn Store, two: &dyn Store) {
    let register = example();
    import(one, &register).await;
    let ev = evaluator(date!(2026 - 11 - 25));
    let first = &register.suppliers[0];
    let mut inactive = first.clone();
    inactive.status = Some(Status::Terminated);
    let change = change();
    let (a, b, written) = tokio::join!(
        one.refresh_evaluations(&ev),
        two.refresh_evaluations(&ev),
        two.update_supplier(&inactive, 1, &change),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    written.unwrap();
    assert!(a + b >= register.suppliers.len() as u64, "{a} + {b}");
    let page = two
        .query_suppliers(
            &SupplierQuery {
                limit: 1_000,
                ..SupplierQuery::default()
            },
            &ev,
        )
        .await
        .unwrap();
    for item in &page.items {
        let p = project(&item.stored.supplier, &Policy::default(), ev.as_of);
        assert_eq!(
            (item.verdict, item.tier, item.next_due),
            (p.verdict, p.tier, p.next_due)
        );
    }
    let changed = page
        .items
        .iter()
        .find(|i| i.stored.supplier.id == first.id)
        .unwrap();
    assert_eq!(changed.verdict, Verdict::Inactive);
}

/// The first page of summaries through `reader`, as (id, name, version) rows, with the total.
async fn first_page(
    reader: &dyn Store,
    ev: &Evaluator,
) -> (Vec<(String, Option<String>, i64)>, u64) {
    let page = reader
        .query_summaries(&SupplierQuery::default(), ev)
        .await
        .unwrap();
    let rows = page
        .items
        .iter()
        .map(|s| (s.id.to_string(), s.name.clone(), s.version))
        .collect();
    (rows, page.total)
}

/// The page cache of `reader` is never stale: each write through `writer` (another server on
/// the same database, or the CLI on the server's file) shows in `reader`'s next page, and so
/// does a new day or policy; the same page asked twice in between is the same.
pub async fn a_cached_page_shows_every_write_of_another_store(
    writer: &dyn Store,
    reader: &dyn Store,
) {
    let register = example();
    import(writer, &register).await;
    let ev = evaluator(date!(2026 - 11 - 25));
    let (rows, total) = first_page(reader, &ev).await;
    assert_eq!(total, register.suppliers.len() as u64);
    assert_eq!(
        first_page(reader, &ev).await,
        (rows.clone(), total),
        "cached"
    );

    // An update.
    let first = &register.suppliers[0];
    let mut renamed = first.clone();
    renamed.name = Some("Renamed Ltd".into());
    writer
        .update_supplier(&renamed, 1, &change())
        .await
        .unwrap();
    let (after, _) = first_page(reader, &ev).await;
    assert_eq!(
        after[0],
        (first.id.to_string(), Some("Renamed Ltd".into()), 2),
        "the update is seen"
    );

    // A verdict that changes with the write (the stored evaluation is refreshed first).
    let mut terminated = renamed.clone();
    terminated.status = Some(Status::Terminated);
    writer
        .update_supplier(&terminated, 2, &change())
        .await
        .unwrap();
    let inactive = SupplierQuery {
        verdicts: vec![Verdict::Inactive],
        ..SupplierQuery::default()
    };
    let page = reader.query_summaries(&inactive, &ev).await.unwrap();
    assert!(
        page.items
            .iter()
            .any(|s| s.id == first.id && s.version == 3)
    );

    // An archive, then a creation.
    writer
        .archive_supplier(&first.id, 3, &change())
        .await
        .unwrap();
    let (after, n) = first_page(reader, &ev).await;
    assert_eq!(n, total - 1, "the archive is seen");
    assert!(after.iter().all(|(id, _, _)| id != first.id.as_str()));
    writer
        .create_supplier(&supplier("zz-new", "New"), &change())
        .await
        .unwrap();
    let (_, n) = first_page(reader, &ev).await;
    assert_eq!(n, total, "the creation is seen");

    // An import that changes one supplier.
    let mut edition = register.clone();
    edition.suppliers.remove(0);
    edition.suppliers[0].name = Some("Imported Name".into());
    import(writer, &edition).await;
    let (after, _) = first_page(reader, &ev).await;
    assert_eq!(
        after[0].1.as_deref(),
        Some("Imported Name"),
        "the import is seen"
    );

    // A new day: each row is evaluated again and the page answered under the new key.
    let later = evaluator(date!(2028 - 01 - 01));
    let before = reader
        .query_summaries(&SupplierQuery::default(), &ev)
        .await
        .unwrap();
    let page = reader
        .query_summaries(&SupplierQuery::default(), &later)
        .await
        .unwrap();
    assert_ne!(
        page.items.iter().map(|s| s.next_due).collect::<Vec<_>>(),
        before.items.iter().map(|s| s.next_due).collect::<Vec<_>>(),
        "another day, other due dates"
    );
    for s in &page.items {
        let stored = reader.get_supplier(&s.id).await.unwrap();
        let p = project(&stored.supplier, &Policy::default(), later.as_of);
        assert_eq!(
            (s.verdict, s.tier, s.next_due),
            (p.verdict, p.tier, p.next_due)
        );
        assert_eq!(
            (s.version, &s.name),
            (stored.version, &stored.supplier.name)
        );
    }
}
