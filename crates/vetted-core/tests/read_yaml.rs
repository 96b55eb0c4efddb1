//! YAML specifics: the YAML 1.2 core schema (`NO` is Norway), quoting, null, positions, and the
//! features the reader refuses rather than guesses at.

use rstest::rstest;
use vetted_core::country::Country;
use vetted_core::model::{Number, ParamValue, Register, Status};
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};

fn read(text: &str) -> Result<Register, Vec<String>> {
    let policy = Policy::default();
    read_register(
        text,
        Syntax::Yaml,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
    .map_err(|problems| problems.iter().map(ToString::to_string).collect())
}

fn supplier_yaml(body: &str) -> String {
    format!("format: supplier-register/1\nsuppliers:\n  - id: a\n{body}")
}

#[test]
fn no_is_norway_and_unquoted_words_are_strings() {
    let text = supplier_yaml(
        "    name: NO\n    owner: yes\n    status: active\n    locations:\n      - country: NO\n        purpose: storage\n      - {country: \"NO\", purpose: access}\n",
    );
    let register = read(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    let s = &register.suppliers[0];
    assert_eq!(s.name.as_deref(), Some("NO"));
    assert_eq!(s.owner.as_deref(), Some("yes"));
    assert_eq!(s.status, Some(Status::Active));
    let norway = Country::parse("NO");
    assert!(s.locations.iter().all(|l| Some(l.country) == norway));
}

#[rstest]
#[case::tilde("~", None)]
#[case::null_word("null", None)]
#[case::null_capitalised("Null", None)]
#[case::empty("", None)]
#[case::quoted_null("'null'", Some("null"))]
#[case::quoted_tilde("\"~\"", Some("~"))]
#[case::quoted_number("\"123\"", Some("123"))]
#[case::quoted_true("'true'", Some("true"))]
#[case::quoted_empty("\"\"", Some(""))]
#[case::str_tag("!!str 123", Some("123"))]
#[case::spaces("\"  both  \"", Some("  both  "))]
#[case::literal_block("|\n      two\n      lines", Some("two\nlines\n"))]
fn strings_and_nulls(#[case] yaml: &str, #[case] name: Option<&str>) {
    let register =
        read(&supplier_yaml(&format!("    name: {yaml}\n"))).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(register.suppliers[0].name.as_deref(), name);
}

#[rstest]
#[case::yes("yes", "expected a boolean (true or false), found string \"yes\"")]
#[case::on("on", "expected a boolean (true or false), found string \"on\"")]
#[case::quoted_true(
    "\"true\"",
    "expected a boolean (true or false), found string \"true\""
)]
#[case::one("1", "expected a boolean (true or false), found number 1")]
fn booleans_must_be_booleans(#[case] yaml: &str, #[case] message: &str) {
    let text = supplier_yaml(&format!("    data:\n      personal_data: {yaml}\n"));
    assert_eq!(
        read(&text).expect_err(yaml),
        [format!("5:22: suppliers[0].data.personal_data: {message}")]
    );
}

#[rstest]
#[case::lower("true", true)]
#[case::capitalised("True", true)]
#[case::upper("FALSE", false)]
#[case::tilde_is_the_default("~", true)]
fn boolean_spellings(#[case] yaml: &str, #[case] covers: bool) {
    let text = supplier_yaml(&format!(
        "    assurance:\n      - kind: iso27001\n        covers_service: {yaml}\n"
    ));
    let register = read(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(register.suppliers[0].assurance[0].covers_service, covers);
}

#[rstest]
#[case::integer("48", 48.0)]
#[case::float("48.0", 48.0)]
#[case::exponent("4.8e1", 48.0)]
#[case::plus("+48", 48.0)]
#[case::octal("0o60", 48.0)]
#[case::hex("0x30", 48.0)]
fn numbers_follow_the_core_schema(#[case] yaml: &str, #[case] hours: f64) {
    let text = supplier_yaml(&format!(
        "    agreements:\n      - clauses:\n          incident_notification: {{hours: {yaml}}}\n"
    ));
    let register = read(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    let params = &register.suppliers[0].agreements[0].clauses["incident_notification"];
    assert_eq!(params["hours"], ParamValue::Number(Number(hours)));
}

#[rstest]
#[case::quoted(
    "\"48\"",
    "6:42: suppliers[0].agreements[0].clauses.incident_notification.hours: expected a number ≥ 0, found string \"48\""
)]
#[case::negative(
    "-3",
    "6:42: suppliers[0].agreements[0].clauses.incident_notification.hours: -3 is negative: expected a number ≥ 0"
)]
#[case::infinite(
    ".inf",
    "6:42: suppliers[0].agreements[0].clauses.incident_notification.hours: .inf is not a finite number: expected a number ≥ 0"
)]
#[case::not_a_number(
    ".nan",
    "6:42: suppliers[0].agreements[0].clauses.incident_notification.hours: .nan is not a finite number: expected a number ≥ 0"
)]
#[case::underscores(
    "1_000",
    "6:42: suppliers[0].agreements[0].clauses.incident_notification.hours: expected a number ≥ 0, found string \"1_000\""
)]
fn bad_numbers(#[case] yaml: &str, #[case] problem: &str) {
    let text = supplier_yaml(&format!(
        "    agreements:\n      - clauses:\n          incident_notification: {{hours: {yaml}}}\n"
    ));
    assert_eq!(read(&text).expect_err(yaml), [problem]);
}

#[test]
fn a_null_clause_is_absent_and_an_empty_map_is_a_clause() {
    let text = supplier_yaml(
        "    agreements:\n      - clauses:\n          no_training:\n          audit_right: {}\n",
    );
    let register = read(&text).unwrap_or_else(|p| panic!("{p:#?}"));
    let clauses = &register.suppliers[0].agreements[0].clauses;
    assert!(!clauses.contains_key("no_training"));
    assert!(clauses["audit_right"].is_empty());
}

#[test]
fn problems_point_at_keys_and_values() {
    let text = "format: supplier-register/1
suppliers:
  - id: aws
    colour: red
    status: actve
    locations:
      - purpose: storage
  - name: no id
  - id: aws
    id: again
";
    assert_eq!(
        read(text).expect_err("bad"),
        [
            "4:5: suppliers[0].colour: unknown field: expected one of id, name, category, services, status, owner, website, data, locations, inference, assurance, agreements, risk, assessments, reviews, events, risks, subprocessors or public_listing",
            "5:13: suppliers[0].status: unknown value \"actve\": expected proposed, due_diligence, approved, active, offboarding, terminated or rejected (did you mean \"active\"?)",
            "7:9: suppliers[0].locations[0]: missing required field \"country\"",
            "8:5: suppliers[1]: missing required field \"id\"",
            "9:9: suppliers[2].id: duplicate supplier id \"aws\" (first at suppliers[0], line 3)",
            "10:5: suppliers[2].id: key given twice (first at line 9, column 5)",
        ]
    );
}

#[rstest]
#[case::alias(
    "    owner: &o someone\n    website: *o\n",
    "5:14: suppliers[0].website: YAML aliases are not supported: write the value out in full"
)]
#[case::custom_tag(
    "    name: !custom x\n",
    "4:19: suppliers[0].name: YAML tag !custom is not supported: expected a value without a tag (or !!str)"
)]
#[case::tagged_map(
    "    data: !set {personal_data: true}\n",
    "4:16: suppliers[0].data: YAML tag !set is not supported: expected an untagged object"
)]
#[case::complex_key(
    "    ? [a, b]\n    : 1\n",
    "4:7: suppliers[0]: complex YAML key (an object or list) is not supported: expected a plain key"
)]
fn unsupported_features_are_reported(#[case] body: &str, #[case] problem: &str) {
    assert_eq!(read(&supplier_yaml(body)).expect_err(body), [problem]);
}

#[rstest]
#[case::two_documents(
    "format: supplier-register/1\n---\nformat: supplier-register/1\n",
    "2:1: a second YAML document: expected exactly one document (remove the extra \"---\")"
)]
#[case::bad_indentation(
    "format: supplier-register/1\nsuppliers:\n  - id: a\n   name: x\n",
    "4:8: suppliers: YAML syntax error: while parsing a block collection, did not find expected '-' indicator"
)]
#[case::unclosed_quote(
    "format: supplier-register/1\nsuppliers:\n  - id: \"a\n",
    "3:9: suppliers[0].id: YAML syntax error: while scanning a quoted scalar, found unexpected end of stream"
)]
#[case::tab_indentation(
    "format: supplier-register/1\nsuppliers:\n\t- id: a\n",
    "3:2: suppliers: YAML syntax error: tabs disallowed within this context (block indentation)"
)]
#[case::empty(
    "",
    "1:1: expected an object with \"format\" and \"suppliers\", found null"
)]
#[case::not_a_map(
    "- a\n",
    "1:1: expected an object with \"format\" and \"suppliers\", found a list"
)]
fn syntax_errors(#[case] text: &str, #[case] problem: &str) {
    assert_eq!(read(text).expect_err(text), [problem]);
}

#[test]
fn explicit_document_markers_are_fine() {
    let register = read("%YAML 1.2\n---\nformat: supplier-register/1\nsuppliers: []\n...\n")
        .unwrap_or_else(|p| panic!("{p:#?}"));
    assert!(register.suppliers.is_empty());
}
