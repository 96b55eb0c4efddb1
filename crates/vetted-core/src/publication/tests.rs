use super::*;
use crate::date::parse_date;
use serde_json::json;

fn day(s: &str) -> Date {
    parse_date(s).unwrap()
}

fn supplier(v: serde_json::Value) -> Supplier {
    serde_json::from_value(v).unwrap()
}

fn e(id: &str, purpose: &str, storage: &[&str]) -> PublicEntry {
    PublicEntry {
        supplier: id.into(),
        name: id.to_uppercase(),
        purpose: Some(purpose.into()),
        processing: vec![],
        storage: storage.iter().map(|c| Country::parse(c).unwrap()).collect(),
        data_categories: vec![],
        since: None,
    }
}

fn at(s: &str) -> OffsetDateTime {
    day(s).midnight().assume_utc()
}

fn version(
    number: i64,
    published: &str,
    effective: &str,
    entries: Vec<PublicEntry>,
) -> ListVersion {
    ListVersion {
        number,
        published_at: at(published),
        published_by: Actor::System,
        effective: day(effective),
        notice_days: 30,
        note: None,
        entries,
        decision: None,
    }
}

fn objection(id: i64, version: i64, received: &str, resolved: Option<&str>) -> Objection {
    Objection {
        id,
        version,
        customer: "Customer".into(),
        contact: "Contact".into(),
        email: None,
        grounds: "grounds".into(),
        received: day(received),
        via: ObjectionVia::Admin,
        recorded_at: at(received),
        recorded_by: Some(Actor::System),
        resolution: resolved.map(|r| Resolution {
            outcome: ObjectionOutcome::Accommodated,
            on: day(r),
            notes: None,
            by: Actor::System,
            at: at(r),
        }),
    }
}

#[test]
fn only_listed_active_suppliers_appear_with_public_fields() {
    let listed = supplier(json!({
        "id": "aws", "name": "AWS", "status": "active",
        "data": {"categories": ["contacts"], "personal_data": true},
        "locations": [
            {"country": "DE", "purpose": "storage", "region": "eu-central-1", "note": "secret"},
            {"country": "US", "purpose": "access"},
            {"country": "IE", "purpose": "inference"},
            {"country": "DE", "purpose": "processing"}
        ],
        "public_listing": {"listed": true, "purpose": " Hosting ", "since": "2025-02-01"}
    }));
    let got = entry(&listed).unwrap();
    assert_eq!(got.name, "AWS");
    assert_eq!(got.purpose.as_deref(), Some("Hosting"));
    let codes = |v: &[Country]| v.iter().map(|c| c.as_str().to_string()).collect::<Vec<_>>();
    assert_eq!(codes(&got.processing), ["DE", "IE", "US"]);
    assert_eq!(codes(&got.storage), ["DE"]);
    assert_eq!(got.data_categories, ["contacts"]);
    assert_eq!(got.since, Some(day("2025-02-01")));

    let unlisted = supplier(json!({"id": "x", "public_listing": {"listed": false}}));
    assert_eq!(entry(&unlisted), None);
    let terminated =
        supplier(json!({"id": "t", "status": "terminated", "public_listing": {"listed": true}}));
    assert_eq!(entry(&terminated), None);
    let nameless = supplier(json!({"id": "n", "public_listing": {"listed": true}}));
    assert_eq!(entry(&nameless).unwrap().name, "n");
}

#[test]
fn diff_names_each_kind_of_change() {
    let before = vec![
        e("a", "Hosting", &["DE"]),
        e("b", "Email", &["DE"]),
        e("c", "Support", &[]),
    ];
    let mut moved = e("a", "Hosting", &["FR"]);
    moved.name = "A renamed".into();
    let after = vec![moved, e("d", "email", &["IE"]), e("f", "Analytics", &[])];
    let changes = diff(&before, &after);
    let kinds: Vec<(String, Vec<ChangeKind>)> = changes
        .iter()
        .map(|c| (c.name().to_string(), c.kinds.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "A renamed".to_string(),
                vec![ChangeKind::LocationChange, ChangeKind::DetailChange]
            ),
            ("C".to_string(), vec![ChangeKind::Removal]),
            ("D".to_string(), vec![ChangeKind::Replacement]),
            ("F".to_string(), vec![ChangeKind::Addition]),
        ]
    );
    assert_eq!(changes[2].before.as_ref().unwrap().supplier, "b");
    assert_eq!(changes[2].summary(), "Replacement: D replaces B");
    let mut repurposed = e("a", "Backups", &["DE"]);
    repurposed.name = "A".into();
    let mut base = e("a", "Hosting", &["DE"]);
    base.name = "A".into();
    assert_eq!(
        diff(&[base.clone()], &[repurposed])[0].kinds,
        [ChangeKind::PurposeChange]
    );
    assert!(diff(&[base.clone()], &[base]).is_empty());
}

#[test]
fn the_first_version_takes_effect_at_once_and_later_ones_after_the_notice() {
    let empty = Publication::new(vec![], vec![], day("2026-01-10"));
    assert_eq!(empty.earliest_effective(30), day("2026-01-10"));
    let first = empty
        .plan(vec![e("a", "Hosting", &[])], None, 30, None)
        .unwrap();
    assert_eq!((first.number, first.effective), (1, day("2026-01-10")));

    let p = Publication::new(
        vec![version(
            1,
            "2026-01-10",
            "2026-01-10",
            vec![e("a", "Hosting", &[])],
        )],
        vec![],
        day("2026-01-12"),
    );
    assert_eq!(
        p.standings,
        [Standing::InEffect {
            since: day("2026-01-10")
        }]
    );
    assert_eq!(
        p.plan(vec![e("a", "Hosting", &[])], None, 30, None),
        Err(PublishError::NothingChanged)
    );
    let draft = vec![e("a", "Hosting", &[]), e("b", "Email", &[])];
    assert_eq!(
        p.plan(draft.clone(), Some(day("2026-02-10")), 30, None),
        Err(PublishError::TooSoon {
            earliest: day("2026-02-11")
        })
    );
    let next = p.plan(draft.clone(), None, 30, Some("  ".into())).unwrap();
    assert_eq!(
        (next.number, next.effective, next.note),
        (2, day("2026-02-11"), None)
    );
    assert_eq!(p.unpublished(&draft).len(), 1);
}

#[test]
fn versions_become_planned_in_effect_past_and_replaced_over_time() {
    let v1 = version(1, "2026-01-01", "2026-01-01", vec![e("a", "Hosting", &[])]);
    let v2 = version(
        2,
        "2026-01-05",
        "2026-02-05",
        vec![e("a", "Hosting", &[]), e("b", "Email", &[])],
    );
    let v3 = version(3, "2026-01-20", "2026-02-20", vec![e("b", "Email", &[])]);
    let v4 = version(4, "2026-03-01", "2026-04-01", vec![e("c", "Email", &[])]);
    let all = vec![v4.clone(), v1.clone(), v3.clone(), v2.clone()];

    let jan10 = Publication::new(all.clone(), vec![], day("2026-01-10"));
    assert_eq!(
        jan10.versions.len(),
        2,
        "versions published later do not exist yet"
    );
    assert_eq!(
        jan10.standings[1],
        Standing::Planned {
            effective: day("2026-02-05")
        }
    );
    assert_eq!(jan10.pending().unwrap().0.number, 2);
    assert_eq!(jan10.changes(2)[0].kinds, [ChangeKind::Addition]);

    let mar15 = Publication::new(all.clone(), vec![], day("2026-03-15"));
    assert_eq!(
        mar15.standings,
        [
            Standing::Past {
                since: day("2026-01-01"),
                until: day("2026-02-20")
            },
            Standing::Replaced { by: 3 },
            Standing::InEffect {
                since: day("2026-02-20")
            },
            Standing::Planned {
                effective: day("2026-04-01")
            },
        ]
    );
    assert_eq!(
        mar15.basis(3).unwrap().number,
        1,
        "a replaced version is no basis"
    );
    assert_eq!(mar15.changes(4)[0].kinds, [ChangeKind::Replacement]);
    assert_eq!(mar15.in_effect().unwrap().number, 3);
    assert_eq!(mar15.latest_live().unwrap().number, 4);
    assert!(mar15.may_object(4).is_ok());
    assert_eq!(mar15.may_object(3).unwrap_err(), ChangeClosed::NotPending);
    assert_eq!(
        mar15.may_object(9).unwrap_err(),
        ChangeClosed::NoSuchVersion
    );
}

#[test]
fn open_objections_hold_a_change_until_resolved_or_decided() {
    let v1 = version(1, "2026-01-01", "2026-01-01", vec![e("a", "Hosting", &[])]);
    let v2 = version(2, "2026-01-05", "2026-02-05", vec![e("b", "Hosting", &[])]);
    let held = Publication::new(
        vec![v1.clone(), v2.clone()],
        vec![
            objection(1, 2, "2026-01-20", None),
            objection(2, 2, "2026-01-21", Some("2026-01-30")),
        ],
        day("2026-02-10"),
    );
    assert_eq!(
        held.standings[1],
        Standing::OnHold {
            effective: day("2026-02-05"),
            open: 1
        }
    );
    assert_eq!(held.in_effect().unwrap().number, 1);
    assert!(held.may_decide(2).is_ok());

    // Resolved after the date: in effect from the day the last outcome was reached.
    let released = Publication::new(
        vec![v1.clone(), v2.clone()],
        vec![objection(1, 2, "2026-01-20", Some("2026-02-12"))],
        day("2026-02-15"),
    );
    assert_eq!(
        released.standings[1],
        Standing::InEffect {
            since: day("2026-02-12")
        }
    );
    // Resolved before the date: on the date.
    let early = Publication::new(
        vec![v1.clone(), v2.clone()],
        vec![objection(1, 2, "2026-01-20", Some("2026-01-25"))],
        day("2026-02-15"),
    );
    assert_eq!(
        early.standings[1],
        Standing::InEffect {
            since: day("2026-02-05")
        }
    );

    let decided = |kind, on: &str| {
        let mut v = v2.clone();
        v.decision = Some(Decision {
            kind,
            on: day(on),
            by: Actor::System,
            at: at(on),
            note: None,
        });
        Publication::new(
            vec![v1.clone(), v],
            vec![objection(1, 2, "2026-01-20", None)],
            day("2026-02-20"),
        )
    };
    assert_eq!(
        decided(DecisionKind::Proceed, "2026-02-18").standings[1],
        Standing::InEffect {
            since: day("2026-02-18")
        }
    );
    assert_eq!(
        decided(DecisionKind::Proceed, "2026-01-25").standings[1],
        Standing::InEffect {
            since: day("2026-02-05")
        }
    );
    let withdrawn = decided(DecisionKind::Withdraw, "2026-02-01");
    assert_eq!(
        withdrawn.standings[1],
        Standing::Withdrawn {
            on: day("2026-02-01")
        }
    );
    assert_eq!(withdrawn.latest_live().unwrap().number, 1);
    assert_eq!(
        withdrawn.may_decide(2).unwrap_err(),
        ChangeClosed::NotPending
    );
}
