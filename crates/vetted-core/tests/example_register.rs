//! The example register against the expectations written down, independently of the engine, in
//! `examples/README.md`: each supplier's tier, verdict and findings in report order on 2026-11-25.

use vetted_core::date::parse_date;
use vetted_core::engine::evaluate;
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/");

/// (id, verdict, findings) from the README's table: `| # | id | status | tier | verdict | findings | why |`.
fn expectations() -> Vec<(String, String, Vec<String>)> {
    let readme = std::fs::read_to_string(format!("{ROOT}README.md")).expect("examples/README.md");
    readme
        .lines()
        .filter(|l| {
            l.starts_with("| ")
                && l.split('|')
                    .nth(1)
                    .is_some_and(|c| c.trim().parse::<u32>().is_ok())
        })
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let id = cells[2].trim_matches('`').to_string();
            let verdict = cells[5].trim_matches('*').to_string();
            let findings = cells[6]
                .split(", ")
                .map(|f| {
                    f.split(' ')
                        .next()
                        .unwrap_or("")
                        .trim_matches('`')
                        .to_string()
                })
                .filter(|f| f != "—" && !f.is_empty())
                .collect();
            (id, verdict, findings)
        })
        .collect()
}

#[test]
fn the_example_register_evaluates_as_documented() {
    let text =
        std::fs::read_to_string(format!("{ROOT}register.json")).expect("examples/register.json");
    let policy = Policy::default();
    let register = read_register(
        &text,
        Syntax::Json,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
    .expect("the example register is valid");
    let expected = expectations();
    assert_eq!(
        expected.len(),
        register.suppliers.len(),
        "one README row per supplier"
    );
    let as_of = parse_date("2026-11-25").unwrap();
    for (s, (id, verdict, findings)) in register.suppliers.iter().zip(&expected) {
        assert_eq!(s.id.as_str(), id);
        let e = evaluate(s, &policy, as_of);
        let rules: Vec<String> = e.findings.iter().map(|f| f.rule.clone()).collect();
        assert_eq!(
            (e.verdict.as_str(), &rules),
            (verdict.as_str(), findings),
            "supplier {id}"
        );
    }
}

/// register-format.md: "Checked on 2026-11-25 under the default policy, this example is
/// `non_compliant` (tier `critical`)" with exactly these findings.
#[test]
fn the_spec_example_evaluates_as_the_spec_says() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/spec-example.json"
    ))
    .expect("the spec example fixture");
    let policy = Policy::default();
    let register = read_register(
        &text,
        Syntax::Json,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
    .unwrap();
    let e = evaluate(
        &register.suppliers[0],
        &policy,
        parse_date("2026-11-25").unwrap(),
    );
    let rules: Vec<(&str, &str)> = e
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.severity.as_str()))
        .collect();
    assert_eq!(e.verdict.as_str(), "non_compliant");
    assert_eq!(
        e.tier.map(vetted_core::model::Tier::as_str),
        Some("critical")
    );
    assert_eq!(
        rules,
        [
            ("selection.assurance-exceptions", "warn"),
            ("selection.residency", "fail"),
            ("fourth-party.residency", "fail"),
            ("review.due-soon", "warn"),
            ("review.triggered", "fail"),
        ]
    );
}
