//! One nested record decoded on its own (a request body), with the path it will have inside
//! its supplier: the same messages as the import of a whole register.

use vetted_core::model::{Purpose, Supplier};
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_record_json, read_register};
use vetted_core::section::{Record, RecordAt, Section};

fn read(text: &str, at: RecordAt) -> Result<Record, Vec<vetted_core::read::Problem>> {
    let policy = Policy::default();
    read_record_json(
        text,
        at,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
}

#[test]
fn a_valid_location_decodes() {
    let Ok(Record::Location(l)) = read(
        r#"{"country": "DE", "purpose": "storage"}"#,
        RecordAt::Location(3),
    ) else {
        panic!("not a location");
    };
    assert_eq!(l.country.as_str(), "DE");
    assert_eq!(l.purpose, Purpose::Storage);
}

#[test]
fn problems_carry_the_path_inside_the_supplier_with_line_and_column() {
    let problems = read(
        "{\"country\": \"XX\",\n \"purpse\": \"storage\"}",
        RecordAt::Location(3),
    )
    .unwrap_err();
    let got: Vec<(String, Option<usize>, Option<usize>)> = problems
        .iter()
        .map(|p| (p.path.clone(), p.line, p.column))
        .collect();
    assert_eq!(
        got,
        vec![
            // The missing `purpose`, at the object's start.
            ("locations[3]".to_string(), Some(1), Some(1)),
            ("locations[3].country".to_string(), Some(1), Some(13)),
            ("locations[3].purpse".to_string(), Some(2), Some(2)),
        ],
        "{problems:#?}"
    );
    assert!(
        problems[2].message.contains("did you mean \"purpose\""),
        "{problems:#?}"
    );
}

/// The message for a bad record is the one the import gives for the same record at the same
/// place in a register.
#[test]
fn messages_equal_the_import_of_the_same_record() {
    let cases = [
        (
            RecordAt::Assurance(0),
            r#"{"kind": "iso9001", "valid_until": "2026-02-30"}"#,
        ),
        (
            RecordAt::Agreement(0),
            r#"{"clauses": {"incident_notification": {"hours": "soon"}}}"#,
        ),
        (
            RecordAt::Review(0),
            r#"{"date": "2026-01-01", "checks": ["dpa", "vibes"]}"#,
        ),
        (RecordAt::Event(0), r#"{"kind": "incident"}"#),
        (RecordAt::Subprocessor(0), r#"{"countries": ["DE", "ZZ"]}"#),
        (RecordAt::PublicListing, r#"{"listed": "yes"}"#),
        (RecordAt::Data, r#"{"personal_data": 1}"#),
    ];
    for (at, body) in cases {
        let mine: Vec<(String, String)> = read(body, at)
            .unwrap_err()
            .into_iter()
            .map(|p| (p.path, p.message))
            .collect();
        let section = at.section().as_str();
        let value = match at {
            RecordAt::Subprocessor(_) => format!(r#"{{"list": [{body}]}}"#),
            _ if at.index().is_some() => format!("[{body}]"),
            _ => body.to_string(),
        };
        let register = format!(
            r#"{{"format": "supplier-register/1", "suppliers": [{{"id": "a", "{section}": {value}}}]}}"#
        );
        let policy = Policy::default();
        let theirs: Vec<(String, String)> = read_register(
            &register,
            Syntax::Json,
            &ReadOptions {
                clauses: Some(&policy.clauses),
            },
        )
        .unwrap_err()
        .into_iter()
        .map(|p| {
            (
                p.path.trim_start_matches("suppliers[0].").to_string(),
                p.message,
            )
        })
        .collect();
        assert!(!mine.is_empty(), "{at}: no problem");
        assert_eq!(mine, theirs, "{at}");
    }
}

#[test]
fn null_and_syntax_errors_are_problems() {
    let p = read("null", RecordAt::Event(1)).unwrap_err();
    assert_eq!(p[0].path, "events[1]");
    assert_eq!(p[0].message, "expected an object, found null");
    let p = read(r#"{"date": "2026-01-01",}"#, RecordAt::Event(0)).unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].line, Some(1));
}

#[test]
fn one_object_sections_decode_whole() {
    let Ok(Record::Subprocessors(s)) = read(
        r#"{"known": true, "list": [{"name": "Hetzner", "countries": ["DE"]}]}"#,
        RecordAt::Subprocessors,
    ) else {
        panic!("not subprocessors");
    };
    assert!(s.known);
    assert_eq!(s.list.len(), 1);
    let mut supplier = Supplier::new(vetted_core::model::SupplierId::parse("a").unwrap());
    supplier.subprocessors = s;
    assert_eq!(
        Section::Subprocessors.item_view(&supplier, 0).unwrap()["name"],
        "Hetzner"
    );
}
