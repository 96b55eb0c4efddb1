//! The example document of `shared/spec/register-format.md` reads without problems, in JSON and
//! (written out and read back) in YAML.

use vetted_core::country::Country;
use vetted_core::model::{ParamValue, Status};
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};
use vetted_core::same::same_register;
use vetted_core::write::{to_json, to_yaml};

const EXAMPLE: &str = include_str!("fixtures/spec-example.json");

#[test]
fn the_spec_example_reads_without_problems() {
    let policy = Policy::default();
    let options = ReadOptions {
        clauses: Some(&policy.clauses),
    };
    let register = match read_register(EXAMPLE, Syntax::Json, &options) {
        Ok(r) => r,
        Err(problems) => panic!("{problems:#?}"),
    };
    assert_eq!(register.suppliers.len(), 1);
    let aws = &register.suppliers[0];
    assert_eq!(aws.id.as_str(), "aws");
    assert_eq!(aws.status, Some(Status::Active));
    assert_eq!(aws.locations[2].country, Country::parse("US").unwrap());
    assert_eq!(aws.assurance.len(), 3);
    assert!(aws.assurance[0].covers_service && aws.assurance[1].covers_service);
    let clauses = &aws.agreements[0].clauses;
    assert_eq!(clauses.len(), 8);
    assert!(clauses["no_training"].is_empty());
    assert!(
        matches!(clauses["security_sla"]["availability"], ParamValue::Number(n) if (n.0 - 99.95).abs() < 1e-9)
    );
    assert_eq!(
        clauses["bcdr"]["backup_location"],
        ParamValue::Text("DE".into())
    );
    assert_eq!(aws.assessments[0].notes.as_deref(), Some(""));
    assert_eq!(
        aws.subprocessors.list[0].countries,
        vec![Country::parse("US").unwrap()]
    );

    for (syntax, text) in [
        (Syntax::Json, to_json(&register)),
        (Syntax::Yaml, to_yaml(&register)),
    ] {
        let again = read_register(&text, syntax, &options)
            .unwrap_or_else(|p| panic!("{syntax:?}: {p:#?}\n{text}"));
        assert_eq!(again, register, "{syntax:?}");
        assert!(same_register(&again, &register));
    }
}
