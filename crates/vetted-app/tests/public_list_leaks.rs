//! The public subprocessor list shows only the public fields of a supplier (issue 6: "a test
//! walks every field of the register format and proves that only the public ones appear in any
//! public output").
//!
//! How "every field" is made mechanical, so a field added to the model cannot be forgotten:
//!
//! 1. Each supplier is written as JSON with a unique marker in every leaf: every free text a
//!    distinct token (`ZQX-007`), every date a distinct date of the early 1900s (used nowhere
//!    else), every number distinct, every boolean and enum away from its default. It is read
//!    with the model's strict serde `Deserialize` (unknown keys refused), so a misspelt key fails.
//! 2. [`assert_maximal`] walks the supplier as the model serialises it. The model omits every
//!    absent or default value (`skip_serializing_if`), so a field the marker supplier forgot is
//!    a missing key. For every object in the walk, the test asks the model itself which keys the
//!    object may hold: it adds an unknown key there and deserialises, and serde's
//!    `deny_unknown_fields` error lists every field of that struct ("expected one of `id`,
//!    `name`, …"); the object must hold exactly those keys. Clause maps, whose keys come from
//!    the policy, must hold every clause of the default policy's catalogue with every
//!    parameter. No `null`, no empty list, and every string leaf is either a marker, a date, or a
//!    typed value (an enum, a country, a hash: replacing it with text fails to deserialise).
//! 3. The suppliers are published (version 1 in effect, a planned version 2 in which one
//!    supplier changed every public field, one was replaced by another and an objection is
//!    open), and every public output is rendered: JSON, CSV, Markdown, Atom, the page (export
//!    and server links, with the subscription form), the snippet, the version history, each
//!    version's page and the comparison both ways.
//! 4. Every leaf at a public path (`name`, `public_listing.purpose`, `public_listing.since`,
//!    `data.categories[]`, `locations[].country`) appears in some output; no marker, date,
//!    number, hash or country from any other path appears in any output, nor the supplier ids,
//!    nor the objection's details.
//!
//! The notice and confirmation mails are rendered inside `queue_notices` and
//! `request_subscription` from a store: one test publishes the same versions into a SQLite
//! store and reads the queued mails back (subject, text and HTML) for the same check.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template as _;
use serde_json::{Map, Value, json};
use time::macros::{date, datetime};
use time::{Date, Month, OffsetDateTime};
use vetted_app::publication::pages::{Hrefs, SubscribeForm};
use vetted_app::publication::render::View;
use vetted_app::publication::{self, Mailing};
use vetted_core::audit::{Actor, AuditKey};
use vetted_core::country::Country;
use vetted_core::date::{format_date, parse_date};
use vetted_core::model::Supplier;
use vetted_core::policy::{ParamKind, Policy};
use vetted_core::publication::{
    ListVersion, NewVersion, Objection, ObjectionVia, PublicEntry, Publication, entries,
};
use vetted_store::{Change, DatabaseUrl};

/// The paths (indices as `[]`) whose values the public list shows.
const PUBLIC: [&str; 5] = [
    "name",
    "public_listing.purpose",
    "public_listing.since",
    "data.categories[]",
    "locations[].country",
];

/// Makes the distinct values of the marker suppliers.
struct Markers {
    next: u32,
}

impl Markers {
    fn bump(&mut self) -> u32 {
        self.next += 1;
        assert!(self.next < 1000, "markers are three digits");
        self.next
    }

    /// A text token: letters, digits and `-` only, so every output writes it as it is (no HTML,
    /// XML, CSV or Markdown escaping), and no token is the prefix of another.
    fn text(&mut self) -> String {
        format!("ZQX-{:03}", self.bump())
    }

    /// A date of 1901–1999 (one year per marker), far from the publication's 2031.
    fn date(&mut self) -> String {
        let n = self.bump();
        let d = Date::from_calendar_date(
            1900 + (n % 99) as i32 + 1,
            Month::try_from((n % 12) as u8 + 1).unwrap(),
            (n % 28) as u8 + 1,
        )
        .unwrap();
        format_date(d)
    }

    /// A whole number of five digits that no date or other number contains.
    fn number(&mut self) -> u64 {
        70_000 + u64::from(self.bump()) * 17
    }

    /// A percentage with three distinctive decimals.
    fn percent(&mut self) -> f64 {
        90.0 + f64::from(self.bump()) / 1000.0
    }

    /// A SHA-256-shaped hash.
    fn hash(&mut self) -> String {
        format!("{:0>64}", format!("abc{:03}def", self.bump()))
    }
}

/// Public countries per supplier (storage, processing, inference, access), and the countries
/// of its own subprocessors, which are not public and appear in no public location.
const PUBLIC_COUNTRIES: [[&str; 4]; 4] = [
    ["DE", "FR", "IE", "NL"],
    ["AT", "BE", "DK", "FI"],
    ["SE", "PL", "PT", "ES"],
    ["IT", "CZ", "GR", "HU"],
];
const PRIVATE_COUNTRIES: [[&str; 2]; 4] = [["TV", "NR"], ["KI", "PW"], ["TO", "WS"], ["FJ", "VU"]];

/// A supplier with every field of the register format set to a marker.
fn maximal(m: &mut Markers, k: usize) -> Supplier {
    let [storage, processing, inference, access] = PUBLIC_COUNTRIES[k];
    let [fourth_a, fourth_b] = PRIVATE_COUNTRIES[k];
    let mut clauses = Map::new();
    for clause in &Policy::default().clauses {
        let mut params = Map::new();
        for (name, kind) in &clause.params {
            let value = match kind {
                ParamKind::Number => json!(m.number()),
                ParamKind::Percent => json!(m.percent()),
                ParamKind::Text => json!(m.text()),
            };
            params.insert(name.clone(), value);
        }
        clauses.insert(clause.key.clone(), Value::Object(params));
    }
    let v = json!({
        "id": m.text(),
        "name": m.text(),
        "category": "model_provider",
        "services": [m.text(), m.text()],
        "status": "active",
        "owner": m.text(),
        "website": m.text(),
        "data": {
            "personal_data": true,
            "customer_data": true,
            "confidential": true,
            "production_dependency": true,
            "categories": [m.text(), m.text()]
        },
        "locations": [
            {"country": storage, "region": m.text(), "purpose": "storage", "note": m.text(), "mechanism": "adequacy"},
            {"country": processing, "region": m.text(), "purpose": "processing", "note": m.text(), "mechanism": "scc"},
            {"country": inference, "region": m.text(), "purpose": "inference", "note": m.text(), "mechanism": "bcr"},
            {"country": access, "region": m.text(), "purpose": "access", "note": m.text(), "mechanism": "derogation"}
        ],
        "inference": {"provides": true},
        "assurance": [{
            "kind": "soc2_type2",
            "issuer": m.text(),
            "scope": m.text(),
            "valid_from": m.date(),
            "valid_until": m.date(),
            "period_start": m.date(),
            "period_end": m.date(),
            "completed": m.date(),
            "covers_service": false,
            "exceptions": [m.text()],
            "exceptions_acknowledged": true,
            "compensating_controls": [m.text()],
            "documents": [{
                "sha256": m.hash(),
                "name": m.text(),
                "media_type": "application/pdf",
                "size": m.number()
            }]
        }],
        "agreements": [{
            "kind": "dpa",
            "title": m.text(),
            "signed": m.date(),
            "expires": m.date(),
            "terminated": m.date(),
            "gdpr_art28": true,
            "clauses": clauses
        }],
        "risk": {"business_impact": "high", "data_access": "customer", "replaceability": "hard"},
        "assessments": [{"date": m.date(), "assessor": m.text(), "outcome": "approved_with_conditions", "notes": m.text()}],
        "reviews": [{
            "date": m.date(),
            "reviewer": m.text(),
            "trigger": "incident",
            "outcome": "remediate",
            "checks": ["assurance", "dpa", "residency", "risk"],
            "notes": m.text()
        }],
        "events": [{"date": m.date(), "kind": "ownership_change", "summary": m.text()}],
        "risks": [{
            "id": m.text(),
            "title": m.text(),
            "status": "accepted",
            "treatment": "accept",
            "owner": m.text(),
            "due": m.date(),
            "description": m.text(),
            "rules": [m.text()],
            "opened": m.date(),
            "accepted_by": m.text(),
            "accepted_until": m.date()
        }],
        "subprocessors": {"known": true, "list": [
            {"name": m.text(), "purpose": m.text(), "countries": [fourth_a, fourth_b]}
        ]},
        "public_listing": {"listed": true, "purpose": m.text(), "since": m.date()}
    });
    serde_json::from_value(v).expect("the marker supplier is a valid supplier")
}

/// One leaf of a supplier's JSON: its path with indices as `[]`, and its value.
struct Leaf {
    path: String,
    value: Value,
}

/// The leaves of `v` under `path`.
fn leaves(v: &Value, path: &str, out: &mut Vec<Leaf>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(child, &p, out);
            }
        }
        Value::Array(items) => {
            for child in items {
                leaves(child, &format!("{path}[]"), out);
            }
        }
        _ => out.push(Leaf {
            path: path.to_string(),
            value: v.clone(),
        }),
    }
}

/// The fields the model allows in the object at `pointer` (a JSON pointer into `supplier`),
/// learnt from serde's error for an unknown key there.
fn model_fields(supplier: &Value, pointer: &str) -> BTreeSet<String> {
    let mut probe = supplier.clone();
    probe
        .pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .expect("an object")
        .insert("zqx_probe".into(), json!(1));
    let error = match serde_json::from_value::<Supplier>(probe) {
        Ok(_) => panic!(
            "the model accepts an unknown key at {pointer:?}: give its struct \
             #[serde(deny_unknown_fields)] (this test learns the fields from that error)"
        ),
        Err(e) => e.to_string(),
    };
    let expected = error
        .split_once("unknown field `zqx_probe`, expected")
        .unwrap_or_else(|| panic!("unexpected error at {pointer:?}: {error}"))
        .1;
    // "one of `a`, `b`", "`a` or `b`", "`a`": the names sit between backticks.
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// A key as a JSON pointer's segment.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Checks that the object at `pointer` holds every key the model allows, recursively; clause
/// maps hold every clause and parameter of the default policy.
fn assert_complete(root: &Value, pointer: &str, path: &str) {
    let node = root.pointer(pointer).expect("the node exists");
    match node {
        Value::Object(map) => {
            let keys: BTreeSet<String> = map.keys().cloned().collect();
            if path.ends_with("clauses") {
                let policy = Policy::default();
                let expected: BTreeSet<String> =
                    policy.clauses.iter().map(|c| c.key.clone()).collect();
                assert_eq!(keys, expected, "{path}: every clause of the catalogue");
                for clause in &policy.clauses {
                    let params: BTreeSet<String> = map[&clause.key]
                        .as_object()
                        .unwrap()
                        .keys()
                        .cloned()
                        .collect();
                    let expected: BTreeSet<String> = clause.params.keys().cloned().collect();
                    assert_eq!(params, expected, "{path}.{}: every parameter", clause.key);
                }
                // The parameters are numbers and texts: the leaves' checks take them.
                return;
            }
            let expected = model_fields(root, pointer);
            assert_eq!(
                keys,
                expected,
                "{}: the marker supplier must set every field of the model (a key \
                 missing here is absent or left at its default)",
                if path.is_empty() {
                    "the supplier"
                } else {
                    path
                }
            );
            for k in map.keys() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                assert_complete(root, &format!("{pointer}/{}", escape(k)), &p);
            }
        }
        Value::Array(items) => {
            assert!(
                !items.is_empty(),
                "{path}: an empty list proves nothing about its items"
            );
            for i in 0..items.len() {
                assert_complete(root, &format!("{pointer}/{i}"), &format!("{path}[]"));
            }
        }
        Value::Null => panic!("{path}: null"),
        _ => {}
    }
}

/// What a string leaf is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// Free text holding a marker.
    Marker,
    Date,
    /// An enum, a country, a hash or a media type: the model refuses any other text there.
    Typed,
}

/// Classifies the string leaf at `pointer`, failing when free text holds no marker.
fn kind_of(root: &Value, pointer: &str, path: &str, s: &str) -> Kind {
    if s.starts_with("ZQX-") {
        return Kind::Marker;
    }
    if parse_date(s).is_some() {
        return Kind::Date;
    }
    let mut probe = root.clone();
    *probe.pointer_mut(pointer).unwrap() = json!("ZQX-probe");
    assert!(
        serde_json::from_value::<Supplier>(probe).is_err(),
        "{path} takes free text but holds {s:?}, not a marker"
    );
    Kind::Typed
}

/// Every string leaf of `v` with its pointer and path.
fn string_leaves(v: &Value, pointer: &str, path: &str, out: &mut Vec<(String, String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                string_leaves(child, &format!("{pointer}/{}", escape(k)), &p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                string_leaves(child, &format!("{pointer}/{i}"), &format!("{path}[]"), out);
            }
        }
        Value::String(s) => out.push((pointer.to_string(), path.to_string(), s.clone())),
        _ => {}
    }
}

/// Asserts that `supplier` sets every field of the model, and every free text to a marker.
fn assert_maximal(supplier: &Supplier) {
    let root = serde_json::to_value(supplier).unwrap();
    assert_complete(&root, "", "");
    let mut strings = Vec::new();
    string_leaves(&root, "", "", &mut strings);
    let mut seen = BTreeSet::new();
    for (pointer, path, s) in &strings {
        let kind = kind_of(&root, pointer, path, s);
        if kind != Kind::Typed {
            assert!(seen.insert(s.clone()), "{path}: {s} is used twice");
        }
    }
}

/// Whether `text` holds `code` as a token (not inside a longer word).
fn has_token(text: &str, code: &str) -> bool {
    text.match_indices(code).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + code.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn at(d: Date) -> OffsetDateTime {
    d.with_hms(10, 30, 0).unwrap().assume_utc()
}

fn version(number: i64, published: Date, effective: Date, list: Vec<PublicEntry>) -> ListVersion {
    ListVersion {
        number,
        published_at: at(published),
        published_by: Actor::System,
        effective,
        notice_days: 30,
        note: Some(format!("Publisher's note for version {number}")),
        entries: list,
        decision: None,
    }
}

/// Every public output of `publication`, by name.
fn outputs(publication: &Publication) -> BTreeMap<String, String> {
    let view = View {
        publication,
        organization: Some("Example Org"),
        base: Some("https://vetted.example.test"),
        feed_id: "urn:uuid:00000000-0000-4000-8000-000000000000",
    };
    let mut out = BTreeMap::new();
    out.insert("json".to_string(), view.json());
    out.insert(
        "csv".to_string(),
        String::from_utf8(view.csv()).expect("CSV is UTF-8"),
    );
    out.insert("markdown".to_string(), view.markdown());
    let files = Hrefs::files();
    let server = Hrefs::server("/static/public.css?v=1");
    out.insert("atom".to_string(), view.atom(&server));
    out.insert("atom (export)".to_string(), view.atom(&files));
    out.insert(
        "page (export)".to_string(),
        view.page(&files, None, None).render().unwrap(),
    );
    out.insert(
        "page (server)".to_string(),
        view.page(
            &server,
            Some(SubscribeForm {
                action: "/subprocessors/subscribe".into(),
                email: String::new(),
                error: None,
            }),
            Some("Check your inbox".into()),
        )
        .render()
        .unwrap(),
    );
    out.insert("snippet".to_string(), view.snippet().render().unwrap());
    out.insert(
        "history".to_string(),
        view.history(&server).render().unwrap(),
    );
    for (v, _) in publication.iter() {
        out.insert(
            format!("version {}", v.number),
            view.version_page(&server, v.number)
                .expect("the version exists")
                .render()
                .unwrap(),
        );
    }
    for (from, to) in [(1, 2), (2, 1)] {
        out.insert(
            format!("compare {from} to {to}"),
            view.compare(&server, from, to)
                .expect("both versions exist")
                .render()
                .unwrap(),
        );
    }
    out
}

/// The suppliers of both versions and the publication of them, today 2031-06-10.
struct Fixture {
    suppliers: Vec<Supplier>,
    publication: Publication,
    objection: Objection,
}

fn fixture() -> Fixture {
    let mut m = Markers { next: 0 };
    let a = maximal(&mut m, 0);
    let b = maximal(&mut m, 1);
    // Version 2: `a` with every public field changed (and every other one), `b` replaced by
    // `c` for the same purpose.
    let mut a2 = maximal(&mut m, 2);
    a2.id = a.id.clone();
    let mut c = maximal(&mut m, 3);
    c.public_listing
        .purpose
        .clone_from(&b.public_listing.purpose);
    let objection = Objection {
        id: 1,
        version: 2,
        customer: m.text(),
        contact: m.text(),
        email: Some(format!("{}@example.test", m.text().to_lowercase())),
        grounds: m.text(),
        received: date!(2031 - 06 - 05),
        via: ObjectionVia::Admin,
        recorded_at: datetime!(2031-06-05 09:00 UTC),
        recorded_by: Some(Actor::System),
        resolution: None,
    };
    let v1 = version(
        1,
        date!(2031 - 01 - 06),
        date!(2031 - 01 - 06),
        entries([&a, &b]),
    );
    let v2 = version(
        2,
        date!(2031 - 06 - 02),
        date!(2031 - 07 - 02),
        entries([&a2, &c]),
    );
    let publication =
        Publication::new(vec![v1, v2], vec![objection.clone()], date!(2031 - 06 - 10));
    Fixture {
        suppliers: vec![a, b, a2, c],
        publication,
        objection,
    }
}

#[test]
fn the_marker_suppliers_set_every_field_of_the_model() {
    for s in fixture().suppliers {
        assert_maximal(&s);
    }
}

#[test]
fn the_fixture_renders_what_customers_see() {
    let f = fixture();
    let (v1, s1) = f.publication.version(1).unwrap();
    assert_eq!(s1.as_str(), "in_effect");
    assert_eq!(v1.entries.len(), 2);
    let (_, s2) = f.publication.version(2).unwrap();
    assert_eq!(s2.as_str(), "planned");
    let kinds: Vec<Vec<&str>> = f
        .publication
        .changes(2)
        .iter()
        .map(|c| c.kinds.iter().map(|k| k.as_str()).collect())
        .collect();
    assert!(
        kinds.contains(&vec!["location_change", "purpose_change", "detail_change"]),
        "{kinds:?}"
    );
    assert!(kinds.contains(&vec!["replacement"]), "{kinds:?}");
}

/// Asserts that no value from a non-public path of `suppliers` appears in any of `outputs`,
/// and (with `complete`) that every public value appears in one of them. Returns how many
/// public and private values were checked.
fn assert_only_public(
    suppliers: &[Supplier],
    outputs: &BTreeMap<String, String>,
    complete: bool,
) -> (usize, usize) {
    let all: String = outputs.values().map(String::as_str).collect();
    let mut checked_public = 0;
    let mut checked_private = 0;
    for s in suppliers {
        let root = serde_json::to_value(s).unwrap();
        let mut found = Vec::new();
        leaves(&root, "", &mut found);
        for Leaf { path, value } in found {
            let public = PUBLIC.contains(&path.as_str());
            let text = match &value {
                Value::String(t) => t.clone(),
                Value::Number(n) => n.to_string(),
                // Booleans cannot be told apart in the text; every other check covers them.
                _ => continue,
            };
            let is_country = Country::parse(&text).is_some_and(|c| c.as_str() == text);
            let distinctive = text.starts_with("ZQX-")
                || parse_date(&text).is_some()
                || value.is_number()
                || path.ends_with("sha256")
                || is_country;
            if !distinctive {
                // An enum value: "storage" or "active" may well be public words.
                continue;
            }
            if public {
                checked_public += 1;
                assert!(
                    !complete || all.contains(&text),
                    "the public field {path} ({text}) appears in no public output"
                );
            } else {
                checked_private += 1;
                for (name, output) in outputs {
                    let leaked = if is_country {
                        has_token(output, &text)
                    } else {
                        output.contains(&text)
                    };
                    assert!(!leaked, "{path} ({text}) leaks into the {name}:\n{output}");
                }
            }
        }
    }
    // The ids (the entries' identity from one version to the next) are never shown.
    for s in suppliers {
        assert!(
            !all.contains(s.id.as_str()),
            "the supplier id {} leaks",
            s.id
        );
    }
    (checked_public, checked_private)
}

#[test]
fn only_public_fields_appear_in_any_public_output() {
    let f = fixture();
    let outputs = outputs(&f.publication);
    let (public, private) = assert_only_public(&f.suppliers, &outputs, true);
    assert!(public >= 4 * 9, "{public} public values");
    assert!(private >= 4 * 50, "{private} private values");
    // Nor who objected, or why.
    let all: String = outputs.values().map(String::as_str).collect();
    let o = &f.objection;
    for text in [
        &o.customer,
        &o.contact,
        &o.grounds,
        o.email.as_ref().unwrap(),
    ] {
        assert!(!all.contains(text.as_str()), "the objection's {text} leaks");
    }
}

/// The mails go through the store (the delivery log), so this one publishes the same two
/// versions into a SQLite store, subscribes and confirms a reader, queues the notices of both
/// versions and a confirmation request, and reads every queued message (subject, text and
/// HTML) back.
#[tokio::test]
async fn the_notice_and_confirmation_mails_show_only_public_fields() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let key = AuditKey::from_bytes(&[3; 32]).unwrap();
    let path = dir.path().join("vetted.db");
    let store = vetted_store::open_with_audit_key(&DatabaseUrl::new(path.to_str().unwrap()), key)
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let change = Change {
        actor: Actor::System,
        at: now,
    };
    for (v, _) in f.publication.iter() {
        let new = NewVersion {
            number: v.number,
            effective: if v.number == 1 {
                now.date()
            } else {
                now.date() + time::Duration::days(30)
            },
            notice_days: v.notice_days,
            note: v.note.clone(),
            entries: v.entries.clone(),
        };
        store.publish_list_version(&new, &change).await.unwrap();
    }
    let reader = store.subscribe("reader@example.test", now).await.unwrap();
    store
        .confirm_subscriber(&reader.id, reader.requested_at, now)
        .await
        .unwrap()
        .unwrap();
    let links = publication::links(store.as_ref(), "https://vetted.example.test")
        .await
        .unwrap();
    let mailing = Mailing {
        links: &links,
        title: "Subprocessors of Example Org",
    };
    for number in [1, 2] {
        let queued = publication::queue_notices(store.as_ref(), &mailing, number, now)
            .await
            .unwrap();
        assert_eq!(queued, 1, "version {number}'s notice to the reader");
    }
    let asked = publication::request_subscription(
        store.as_ref(),
        &mailing,
        "new@example.test",
        "",
        "192.0.2.1",
        now,
    )
    .await
    .unwrap();
    assert_eq!(asked, publication::Subscribed::Queued);

    let mut outputs = BTreeMap::new();
    let mut planned = None;
    for d in store.list_deliveries(100, None).await.unwrap() {
        let mail: Value = serde_json::from_str(&d.payload).unwrap();
        if d.subject.starts_with("Planned change") {
            planned = mail["text"].as_str().map(str::to_string);
        }
        for part in ["subject", "text", "html"] {
            let text = mail[part].as_str().unwrap_or_default().to_string();
            outputs.insert(format!("mail {} {part}", d.id), text);
        }
    }
    assert_eq!(
        outputs.len(),
        3 * 3,
        "two notices and a confirmation request"
    );
    let notice = planned.expect("the planned change's notice");
    // The notice does carry the changes: the changed supplier's new name and the replacement.
    for changed in &f.suppliers[2..] {
        assert!(
            notice.contains(changed.name.as_deref().unwrap()),
            "{notice}"
        );
    }
    let (_, private) = assert_only_public(&f.suppliers, &outputs, false);
    assert!(private >= 4 * 50, "{private} private values");
    store.close().await;
}

#[test]
fn the_json_output_holds_exactly_the_public_keys() {
    let f = fixture();
    let view = View {
        publication: &f.publication,
        organization: None,
        base: None,
        feed_id: "urn:uuid:00000000-0000-4000-8000-000000000000",
    };
    let doc: Value = serde_json::from_str(&view.json()).unwrap();
    let public: BTreeSet<&str> = [
        "name",
        "purpose",
        "processing_countries",
        "storage_countries",
        "data_categories",
        "since",
    ]
    .into();
    let keys = |item: &Value| -> BTreeSet<String> {
        item.as_object()
            .expect("an entry is an object")
            .keys()
            .cloned()
            .collect()
    };
    let list = doc["subprocessors"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let mut items = list.clone();
    for change in doc["planned"][0]["changes"].as_array().unwrap() {
        for side in ["before", "after"] {
            if !change[side].is_null() {
                items.push(change[side].clone());
            }
        }
    }
    assert!(items.len() >= 6, "{doc:#}");
    for item in &items {
        let keys = keys(item);
        let keys: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(keys, public, "{item:#}");
    }
}
