//! Every kind of bad input, with the exact path, line, column and message the reader reports.

use rstest::rstest;
use vetted_core::policy::Policy;
use vetted_core::read::{Problem, ReadOptions, Syntax, read_register, read_supplier_json};

/// Marks, in a test document, where the reported problem must point; removed before reading.
const HERE: char = '⟨';

fn problems(text: &str, syntax: Syntax) -> Vec<Problem> {
    let policy = Policy::default();
    match read_register(
        text,
        syntax,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    ) {
        Ok(r) => panic!("no problem reported; read {r:?}"),
        Err(problems) => problems,
    }
}

/// Reads a supplier whose body (after `"id": "a", `) is `fragment`, on line 2, and checks that
/// exactly one problem is reported, at the marker, with this path and message.
#[rstest]
#[case::unknown_field(
    r#"⟨"colour": 1"#,
    "suppliers[0].colour",
    "unknown field: expected one of id, name, category, services, status, owner, website, data, locations, inference, assurance, agreements, risk, assessments, reviews, events, risks, subprocessors or public_listing"
)]
#[case::unknown_field_with_hint(
    r#"⟨"stauts": "active""#,
    "suppliers[0].stauts",
    "unknown field: expected one of id, name, category, services, status, owner, website, data, locations, inference, assurance, agreements, risk, assessments, reviews, events, risks, subprocessors or public_listing (did you mean \"status\"?)"
)]
#[case::unknown_value(
    r#""status": ⟨"actve""#,
    "suppliers[0].status",
    "unknown value \"actve\": expected proposed, due_diligence, approved, active, offboarding, terminated or rejected (did you mean \"active\"?)"
)]
#[case::enum_not_a_string(
    r#""category": ⟨3"#,
    "suppliers[0].category",
    "expected one of cloud_infrastructure, model_provider, data_provider, annotation, saas, observability, communications, professional_services, subcontractor or other, found number 3"
)]
#[case::key_given_twice(
    r#""name": "x", ⟨"name": "y""#,
    "suppliers[0].name",
    "key given twice (first at line 2, column 13)"
)]
#[case::string_is_a_number(
    r#""name": ⟨48"#,
    "suppliers[0].name",
    "expected a string, found number 48"
)]
#[case::string_is_a_boolean(
    r#""website": ⟨true"#,
    "suppliers[0].website",
    "expected a string, found boolean true"
)]
#[case::string_is_an_object(
    r#""owner": ⟨{"a": 1}"#,
    "suppliers[0].owner",
    "expected a string, found an object"
)]
#[case::list_is_a_string(
    r#""services": ⟨"hosting""#,
    "suppliers[0].services",
    "expected a list, found string \"hosting\""
)]
#[case::null_list_item(
    r#""services": ["x", ⟨null]"#,
    "suppliers[0].services[1]",
    "expected a string, found null"
)]
#[case::list_in_list(
    r#""data": {"categories": [⟨["x"]]}"#,
    "suppliers[0].data.categories[0]",
    "expected a string, found a list"
)]
#[case::boolean_is_a_string(
    r#""data": {"personal_data": ⟨"yes"}"#,
    "suppliers[0].data.personal_data",
    "expected a boolean (true or false), found string \"yes\""
)]
#[case::boolean_is_a_number(
    r#""inference": {"provides": ⟨1}"#,
    "suppliers[0].inference.provides",
    "expected a boolean (true or false), found number 1"
)]
#[case::object_is_a_list(
    r#""risk": ⟨[]"#,
    "suppliers[0].risk",
    "expected an object, found a list"
)]
#[case::unknown_risk_value(
    r#""risk": {"business_impact": ⟨"huge"}"#,
    "suppliers[0].risk.business_impact",
    "unknown value \"huge\": expected low, medium or high"
)]
#[case::unknown_nested_field(
    r#""data": {⟨"personal": true}"#,
    "suppliers[0].data.personal",
    "unknown field: expected one of personal_data, customer_data, confidential, production_dependency or categories"
)]
#[case::country_greece(
    r#""locations": [{"country": ⟨"EL", "purpose": "storage"}]"#,
    "suppliers[0].locations[0].country",
    "\"EL\" is not an ISO 3166-1 alpha-2 country code (Greece is GR)"
)]
#[case::country_uk(
    r#""locations": [{"country": ⟨"UK", "purpose": "storage"}]"#,
    "suppliers[0].locations[0].country",
    "\"UK\" is not an ISO 3166-1 alpha-2 country code (the United Kingdom is GB)"
)]
#[case::country_eu(
    r#""subprocessors": {"list": [{"countries": [⟨"EU"]}]}"#,
    "suppliers[0].subprocessors.list[0].countries[0]",
    "\"EU\" is not an ISO 3166-1 alpha-2 country code (EU is not a country: list each member state)"
)]
#[case::country_lower_case(
    r#""locations": [{"country": ⟨"de", "purpose": "storage"}]"#,
    "suppliers[0].locations[0].country",
    "\"de\" is not an ISO 3166-1 alpha-2 country code (country codes are upper case)"
)]
#[case::country_unassigned(
    r#""locations": [{"country": ⟨"XX", "purpose": "storage"}]"#,
    "suppliers[0].locations[0].country",
    "\"XX\" is not an ISO 3166-1 alpha-2 country code: expected an officially assigned code in upper case, such as DE"
)]
#[case::country_not_a_string(
    r#""locations": [{"country": ⟨49, "purpose": "storage"}]"#,
    "suppliers[0].locations[0].country",
    "expected a country code (ISO 3166-1 alpha-2), found number 49"
)]
#[case::missing_required(
    r#""locations": [⟨{"purpose": "storage"}]"#,
    "suppliers[0].locations[0]",
    "missing required field \"country\""
)]
#[case::null_required(
    r#""locations": [{"country": ⟨null, "purpose": "storage"}]"#,
    "suppliers[0].locations[0].country",
    "missing required field \"country\": null means absent"
)]
#[case::null_list_object(
    r#""locations": [⟨null]"#,
    "suppliers[0].locations[0]",
    "expected an object, found null"
)]
#[case::missing_kind(
    r#""assurance": [⟨{"issuer": "x"}]"#,
    "suppliers[0].assurance[0]",
    "missing required field \"kind\""
)]
#[case::missing_date(
    r#""reviews": [⟨{"outcome": "pass"}]"#,
    "suppliers[0].reviews[0]",
    "missing required field \"date\""
)]
#[case::missing_event_kind(
    r#""events": [⟨{"date": "2025-01-01"}]"#,
    "suppliers[0].events[0]",
    "missing required field \"kind\""
)]
#[case::missing_outcome(
    r#""assessments": [⟨{"date": "2025-01-01"}]"#,
    "suppliers[0].assessments[0]",
    "missing required field \"outcome\""
)]
#[case::date_that_does_not_exist(
    r#""assessments": [{"date": ⟨"2025-02-30", "outcome": "approved"}]"#,
    "suppliers[0].assessments[0].date",
    "\"2025-02-30\" is not a date: expected YYYY-MM-DD that exists"
)]
#[case::date_badly_written(
    r#""risks": [{"due": ⟨"30.06.2026"}]"#,
    "suppliers[0].risks[0].due",
    "\"30.06.2026\" is not a date: expected YYYY-MM-DD that exists"
)]
#[case::date_is_a_number(
    r#""public_listing": {"since": ⟨20250101}"#,
    "suppliers[0].public_listing.since",
    "expected a date (YYYY-MM-DD), found number 20250101"
)]
#[case::check_unknown(
    r#""reviews": [{"date": "2025-01-01", "checks": ["dpa", ⟨"legal"]}]"#,
    "suppliers[0].reviews[0].checks[1]",
    "unknown value \"legal\": expected assurance, dpa, residency or risk"
)]
#[case::negative_number(
    r#""agreements": [{"clauses": {"incident_notification": {"hours": ⟨-3}}}]"#,
    "suppliers[0].agreements[0].clauses.incident_notification.hours",
    "-3 is negative: expected a number ≥ 0"
)]
#[case::percent_out_of_range(
    r#""agreements": [{"clauses": {"security_sla": {"availability": ⟨120}}}]"#,
    "suppliers[0].agreements[0].clauses.security_sla.availability",
    "availability 120 is out of range: expected 0–100"
)]
#[case::negative_percent(
    r#""agreements": [{"clauses": {"security_sla": {"availability": ⟨-0.5}}}]"#,
    "suppliers[0].agreements[0].clauses.security_sla.availability",
    "availability -0.5 is out of range: expected 0–100"
)]
#[case::number_as_string(
    r#""agreements": [{"clauses": {"incident_notification": {"hours": ⟨"48"}}}]"#,
    "suppliers[0].agreements[0].clauses.incident_notification.hours",
    "expected a number ≥ 0, found string \"48\""
)]
#[case::percent_as_string(
    r#""agreements": [{"clauses": {"security_sla": {"availability": ⟨"99.9%"}}}]"#,
    "suppliers[0].agreements[0].clauses.security_sla.availability",
    "expected a number from 0 to 100, found string \"99.9%\""
)]
#[case::text_as_number(
    r#""agreements": [{"clauses": {"bcdr": {"backup_location": ⟨5}}}]"#,
    "suppliers[0].agreements[0].clauses.bcdr.backup_location",
    "expected a string, found number 5"
)]
#[case::unknown_clause(
    r#""agreements": [{"clauses": {⟨"incident_hours": {"hours": 4}}}]"#,
    "suppliers[0].agreements[0].clauses.incident_hours",
    "unknown clause: expected one of data_protection_confidentiality, incident_notification, security_sla, audit_right, subcontractors, bcdr, exit, no_training, ai_security_testing or data_sourcing_transparency"
)]
#[case::clause_without_parameters(
    r#""agreements": [{"clauses": {"audit_right": {⟨"scope": "x"}}}]"#,
    "suppliers[0].agreements[0].clauses.audit_right.scope",
    "unknown parameter: audit_right takes no parameters"
)]
#[case::unknown_parameter(
    r#""agreements": [{"clauses": {"exit": {⟨"deletion_dayz": 30}}}]"#,
    "suppliers[0].agreements[0].clauses.exit.deletion_dayz",
    "unknown parameter: expected deletion_days (did you mean \"deletion_days\"?)"
)]
#[case::clause_not_an_object(
    r#""agreements": [{"clauses": {"no_training": ⟨true}}]"#,
    "suppliers[0].agreements[0].clauses.no_training",
    "expected an object of clause parameters ({} for none), found boolean true"
)]
#[case::clauses_not_an_object(
    r#""agreements": [{"clauses": ⟨["exit"]}]"#,
    "suppliers[0].agreements[0].clauses",
    "expected an object of clauses, found a list"
)]
#[case::clause_given_twice(
    r#""agreements": [{"clauses": {"exit": {}, ⟨"exit": {"deletion_days": 3}}}]"#,
    "suppliers[0].agreements[0].clauses.exit",
    "key given twice (first at line 2, column 41)"
)]
#[case::parameter_given_twice(
    r#""agreements": [{"clauses": {"exit": {"deletion_days": 3, ⟨"deletion_days": 4}}}]"#,
    "suppliers[0].agreements[0].clauses.exit.deletion_days",
    "key given twice (first at line 2, column 50)"
)]
#[case::document_hash_too_short(
    r#""assurance": [{"kind": "iso27001", "documents": [{"sha256": ⟨"abc", "name": "c.pdf", "media_type": "application/pdf", "size": 3}]}]"#,
    "suppliers[0].assurance[0].documents[0].sha256",
    "\"abc\" is not a SHA-256: it must be 64 hexadecimal digits"
)]
#[case::document_media_type_unknown(
    r#""assurance": [{"kind": "iso27001", "documents": [{"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "name": "c.doc", "media_type": ⟨"application/msword", "size": 3}]}]"#,
    "suppliers[0].assurance[0].documents[0].media_type",
    "unknown value \"application/msword\": expected application/pdf, image/png, image/jpeg or image/webp"
)]
#[case::document_size_negative(
    r#""assurance": [{"kind": "iso27001", "documents": [{"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "name": "c.pdf", "media_type": "application/pdf", "size": ⟨-1}]}]"#,
    "suppliers[0].assurance[0].documents[0].size",
    "-1 is not a size: expected a whole number of bytes (an integer ≥ 0)"
)]
#[case::document_size_fractional(
    r#""assurance": [{"kind": "iso27001", "documents": [{"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "name": "c.pdf", "media_type": "application/pdf", "size": ⟨1.5}]}]"#,
    "suppliers[0].assurance[0].documents[0].size",
    "1.5 is not a size: expected a whole number of bytes (an integer ≥ 0)"
)]
#[case::document_size_as_string(
    r#""assurance": [{"kind": "iso27001", "documents": [{"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "name": "c.pdf", "media_type": "application/pdf", "size": ⟨"3"}]}]"#,
    "suppliers[0].assurance[0].documents[0].size",
    "expected a whole number of bytes (an integer ≥ 0), found string \"3\""
)]
#[case::document_missing_hash(
    r#""assurance": [{"kind": "iso27001", "documents": [⟨{"name": "c.pdf", "media_type": "application/pdf", "size": 3}]}]"#,
    "suppliers[0].assurance[0].documents[0]",
    "missing required field \"sha256\""
)]
#[case::document_unknown_field(
    r#""assurance": [{"kind": "iso27001", "documents": [{"sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "name": "c.pdf", "media_type": "application/pdf", "size": 3, ⟨"url": "x"}]}]"#,
    "suppliers[0].assurance[0].documents[0].url",
    "unknown field: expected one of sha256, name, media_type or size"
)]
#[case::document_hash_upper_case(
    r#""assurance": [{"kind": "iso27001", "documents": [{"sha256": ⟨"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", "name": "c.pdf", "media_type": "application/pdf", "size": 3}]}]"#,
    "suppliers[0].assurance[0].documents[0].sha256",
    "\"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789A…\" is not a SHA-256: it must be lowercase hexadecimal digits (0-9, a-f)"
)]
#[case::risk_rule_blank(
    r#""risks": [{"id": "R-1", "rules": ["selection.dpa", ⟨"  "]}]"#,
    "suppliers[0].risks[0].rules[1]",
    "\"  \" is not a rule id: name a rule of the policy, such as selection.residency"
)]
#[case::risk_rule_not_a_string(
    r#""risks": [{"id": "R-1", "rules": [⟨7]}]"#,
    "suppliers[0].risks[0].rules[0]",
    "expected a rule id (a string such as selection.residency), found number 7"
)]
#[case::risk_accepted_until_not_a_date(
    r#""risks": [{"id": "R-1", "status": "accepted", "accepted_until": ⟨"2026-02-30"}]"#,
    "suppliers[0].risks[0].accepted_until",
    "\"2026-02-30\" is not a date: expected YYYY-MM-DD that exists"
)]
#[case::risk_unknown_field(
    r#""risks": [{"id": "R-1", ⟨"accepted_untill": "2026-01-01"}]"#,
    "suppliers[0].risks[0].accepted_untill",
    "unknown field: expected one of id, title, status, treatment, owner, due, description, rules, opened, accepted_by or accepted_until (did you mean \"accepted_until\"?)"
)]
#[case::odd_key(
    r#"⟨"a key": 1"#,
    "suppliers[0][\"a key\"]",
    "unknown field: expected one of id, name, category, services, status, owner, website, data, locations, inference, assurance, agreements, risk, assessments, reviews, events, risks, subprocessors or public_listing"
)]
fn one_bad_value(#[case] fragment: &str, #[case] path: &str, #[case] message: &str) {
    let column = 13 + fragment.chars().take_while(|c| *c != HERE).count();
    let text = format!(
        "{{\"format\": \"supplier-register/1\", \"suppliers\": [\n{{\"id\": \"a\", {}}}]}}",
        fragment.replace(HERE, "")
    );
    let got = problems(&text, Syntax::Json);
    let want = vec![Problem {
        path: path.into(),
        line: Some(2),
        column: Some(column),
        message: message.into(),
    }];
    assert_eq!(got, want, "{text}");
}

/// Problems of the document as a whole and of supplier ids, at an explicit line and column.
#[rstest]
#[case::missing_format("{\"suppliers\": []}", "", 1, 1, "missing required field \"format\"")]
#[case::wrong_format(
    "{\"format\": \"supplier-register/2\"}",
    "format",
    1,
    12,
    "format must be \"supplier-register/1\""
)]
#[case::format_not_a_string(
    "{\"format\": 1}",
    "format",
    1,
    12,
    "expected a string, found number 1"
)]
#[case::null_format(
    "{\"format\": null}",
    "format",
    1,
    12,
    "missing required field \"format\": null means absent"
)]
#[case::unknown_root_field(
    "{\"format\": \"supplier-register/1\",\n \"supplier\": []}",
    "supplier",
    2,
    2,
    "unknown field: expected format or suppliers (did you mean \"suppliers\"?)"
)]
#[case::root_not_an_object(
    "[]",
    "",
    1,
    1,
    "expected an object with \"format\" and \"suppliers\", found a list"
)]
#[case::suppliers_not_a_list(
    "{\"format\": \"supplier-register/1\", \"suppliers\": {}}",
    "suppliers",
    1,
    48,
    "expected a list of suppliers, found an object"
)]
#[case::null_supplier(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [null]}",
    "suppliers[0]",
    1,
    49,
    "expected a supplier (an object), found null"
)]
#[case::supplier_not_an_object(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [\"aws\"]}",
    "suppliers[0]",
    1,
    49,
    "expected a supplier (an object), found string \"aws\""
)]
#[case::missing_id(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"name\": \"x\"}]}",
    "suppliers[0]",
    1,
    49,
    "missing required field \"id\""
)]
#[case::empty_id(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"\"}]}",
    "suppliers[0].id",
    1,
    56,
    "supplier id must not be empty"
)]
#[case::id_with_space(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"a b\"}]}",
    "suppliers[0].id",
    1,
    56,
    "supplier id \"a b\" must not contain whitespace"
)]
#[case::id_with_slash(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"a/b\"}]}",
    "suppliers[0].id",
    1,
    56,
    "supplier id \"a/b\" must not contain `/`"
)]
#[case::id_not_a_string(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": 7}]}",
    "suppliers[0].id",
    1,
    56,
    "expected a supplier id (a string), found number 7"
)]
#[case::duplicate_id(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [\n  {\"id\": \"aws\"},\n  {\"id\": \"gcp\"},\n  {\"id\": \"aws\"}\n]}",
    "suppliers[2].id",
    4,
    10,
    "duplicate supplier id \"aws\" (first at suppliers[0], line 2)"
)]
fn one_bad_document(
    #[case] text: &str,
    #[case] path: &str,
    #[case] line: usize,
    #[case] column: usize,
    #[case] message: &str,
) {
    let want = vec![Problem {
        path: path.into(),
        line: Some(line),
        column: Some(column),
        message: message.into(),
    }];
    assert_eq!(problems(text, Syntax::Json), want, "{text}");
}

/// Syntax errors stop reading; they carry the path of the value being read.
#[rstest]
#[case::missing_comma(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"a\" \"name\": \"x\"}]}",
    "suppliers[0]",
    1,
    60,
    "expected \",\" or \"}\" after object member, found '\"'"
)]
#[case::trailing_comma(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"a\"},]}",
    "suppliers",
    1,
    61,
    "expected a value after \",\" (JSON allows no trailing comma)"
)]
#[case::single_quotes(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": 'a'}]}",
    "suppliers[0].id",
    1,
    56,
    "expected a value (string, number, object, list, true, false or null), found \"'\" (JSON strings use double quotes)"
)]
#[case::unterminated(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"a}]}",
    "suppliers[0].id",
    1,
    56,
    "unterminated string: expected a closing \""
)]
#[case::truncated(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"a\"}",
    "suppliers",
    1,
    60,
    "expected \",\" or \"]\" after list item, found the end of the document"
)]
#[case::after_the_end(
    "{\"format\": \"supplier-register/1\"} x",
    "",
    1,
    35,
    "unexpected 'x' after the document: expected the end of the text"
)]
#[case::line_break_in_string(
    "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"a\", \"name\": \"x\ny\"}]}",
    "suppliers[0].name",
    1,
    71,
    "unescaped control character U+000A in a string: expected an escape such as \\n or \\u000A"
)]
fn syntax_errors(
    #[case] text: &str,
    #[case] path: &str,
    #[case] line: usize,
    #[case] column: usize,
    #[case] message: &str,
) {
    let want = vec![Problem {
        path: path.into(),
        line: Some(line),
        column: Some(column),
        message: message.into(),
    }];
    assert_eq!(problems(text, Syntax::Json), want, "{text}");
}

#[test]
fn every_problem_in_every_supplier_is_reported_in_document_order() {
    let text = r#"{
  "suppliers": [
    {"id": "aws", "status": "actve",
     "locations": [{"country": "EL", "purpose": "storage"}, {"purpose": "access"}]},
    {"id": "a b", "data": {"personal_data": "yes"}},
    {"id": "gcp", "agreements": [{"clauses": {"incident_notification": {"hours": -3},
                                               "security_sla": {"availability": 120}}}]},
    {"id": "aws", "assessments": [{"date": "2025-02-30", "outcome": "approved"}], "colour": "red"}
  ],
  "format": "supplier-register/1",
  "format": "supplier-register/1"
}"#;
    let got: Vec<String> = problems(text, Syntax::Json)
        .iter()
        .map(ToString::to_string)
        .collect();
    let want = [
        r#"3:29: suppliers[0].status: unknown value "actve": expected proposed, due_diligence, approved, active, offboarding, terminated or rejected (did you mean "active"?)"#,
        r#"4:32: suppliers[0].locations[0].country: "EL" is not an ISO 3166-1 alpha-2 country code (Greece is GR)"#,
        r#"4:61: suppliers[0].locations[1]: missing required field "country""#,
        r#"5:12: suppliers[1].id: supplier id "a b" must not contain whitespace"#,
        r#"5:45: suppliers[1].data.personal_data: expected a boolean (true or false), found string "yes""#,
        "6:82: suppliers[2].agreements[0].clauses.incident_notification.hours: -3 is negative: expected a number ≥ 0",
        "7:81: suppliers[2].agreements[0].clauses.security_sla.availability: availability 120 is out of range: expected 0–100",
        r#"8:12: suppliers[3].id: duplicate supplier id "aws" (first at suppliers[0], line 3)"#,
        r#"8:44: suppliers[3].assessments[0].date: "2025-02-30" is not a date: expected YYYY-MM-DD that exists"#,
        "8:83: suppliers[3].colour: unknown field: expected one of id, name, category, services, status, owner, website, data, locations, inference, assurance, agreements, risk, assessments, reviews, events, risks, subprocessors or public_listing",
        "11:3: format: key given twice (first at line 10, column 3)",
    ];
    assert_eq!(got, want);
}

#[test]
fn null_means_absent_and_defaults_apply() {
    let text = r#"{"format": "supplier-register/1", "suppliers": [
        {"id": "a", "name": null, "services": null, "data": null, "locations": null, "risk": null,
         "assurance": [{"kind": "iso27001", "covers_service": null, "exceptions_acknowledged": null, "issuer": ""}],
         "agreements": [{"kind": null, "clauses": {"no_training": null, "exit": {"deletion_days": null}}}],
         "subprocessors": {"known": null, "list": null}, "public_listing": {"since": null}}
    ]}"#;
    let policy = Policy::default();
    let register = read_register(
        text,
        Syntax::Json,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
    .unwrap_or_else(|p| panic!("{p:#?}"));
    let s = &register.suppliers[0];
    assert_eq!(s.name, None);
    assert!(s.services.is_empty() && s.locations.is_empty());
    assert!(
        s.assurance[0].covers_service,
        "covers_service defaults to true"
    );
    assert!(!s.assurance[0].exceptions_acknowledged);
    assert_eq!(
        s.assurance[0].issuer.as_deref(),
        Some(""),
        "empty strings are kept"
    );
    let clauses = &s.agreements[0].clauses;
    assert!(
        !clauses.contains_key("no_training"),
        "a null clause is absent"
    );
    assert!(clauses["exit"].is_empty(), "a null parameter is absent");
}

#[test]
fn numbers_are_numbers_whether_integer_or_float() {
    let read = |hours: &str| {
        let text = format!(
            r#"{{"format": "supplier-register/1", "suppliers": [{{"id": "a", "agreements": [{{"clauses": {{"incident_notification": {{"hours": {hours}}}}}}}]}}]}}"#
        );
        let policy = Policy::default();
        read_register(
            &text,
            Syntax::Json,
            &ReadOptions {
                clauses: Some(&policy.clauses),
            },
        )
        .unwrap_or_else(|p| panic!("{p:#?}"))
    };
    assert_eq!(read("48"), read("48.0"));
    assert_eq!(read("48"), read("4.8e1"));
    assert_ne!(read("48"), read("48.5"));
}

#[test]
fn without_a_catalogue_any_clause_is_typed_by_its_syntax() {
    use vetted_core::model::{Number, ParamValue};
    let text = r#"{"format": "supplier-register/1", "suppliers": [{"id": "a", "agreements": [{"clauses":
        {"house_rule": {"limit": 3, "note": "x"}}}]}]}"#;
    let register = read_register(text, Syntax::Json, &ReadOptions { clauses: None })
        .unwrap_or_else(|p| panic!("{p:#?}"));
    let params = &register.suppliers[0].agreements[0].clauses["house_rule"];
    assert_eq!(params["limit"], ParamValue::Number(Number(3.0)));
    assert_eq!(params["note"], ParamValue::Text("x".into()));

    let bad = r#"{"format": "supplier-register/1", "suppliers": [{"id": "a", "agreements": [{"clauses":
        {"house_rule": {"on": true, "limit": -1}}}]}]}"#;
    let got: Vec<String> = read_register(bad, Syntax::Json, &ReadOptions { clauses: None })
        .expect_err("bad parameters")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        got,
        [
            "2:31: suppliers[0].agreements[0].clauses.house_rule.on: expected a number or a string, found boolean true",
            "2:46: suppliers[0].agreements[0].clauses.house_rule.limit: -1 is negative: expected a number ≥ 0",
        ]
    );
}

#[test]
fn a_lone_supplier_has_relative_paths() {
    let policy = Policy::default();
    let options = ReadOptions {
        clauses: Some(&policy.clauses),
    };
    let supplier = read_supplier_json(r#"{"id": "aws", "status": "active"}"#, &options)
        .unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(supplier.id.as_str(), "aws");

    let got = read_supplier_json(
        "{\"id\": \"aws\",\n \"agreements\": [{\"kind\": \"contract\"}]}",
        &options,
    )
    .expect_err("a bad kind");
    assert_eq!(
        got,
        vec![Problem {
            path: "agreements[0].kind".into(),
            line: Some(2),
            column: Some(26),
            message:
                "unknown value \"contract\": expected msa, dpa, sla, nda, scc, order_form or other"
                    .into(),
        }]
    );
    let got = read_supplier_json("null", &options).expect_err("not an object");
    assert_eq!(
        got[0].message,
        "expected a supplier (an object), found null"
    );
    let got = read_supplier_json(r#"{"name": "x"}"#, &options).expect_err("no id");
    assert_eq!(
        (got[0].path.as_str(), got[0].message.as_str()),
        ("", "missing required field \"id\"")
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "{\"format\": \"supplier-register/1\", \"suppliers\": [{\"id\": \"a\", \"name\": \"ünïcödé\", \"status\": \"x\"}]}";
    let got = problems(text, Syntax::Json);
    assert_eq!((got[0].line, got[0].column), (Some(1), Some(90)));
}
