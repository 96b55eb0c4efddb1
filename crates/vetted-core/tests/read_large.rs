//! Large registers, where the JSON reader reads the second half of the suppliers on another
//! thread: the result and the problems must be exactly those of reading in order.

use vetted_core::model::{Register, RiskEntry, Status, Supplier, SupplierId};
use vetted_core::policy::Policy;
use vetted_core::read::{Problem, ReadOptions, Syntax, read_register};
use vetted_core::write::to_json;

/// Enough suppliers for several megabytes of JSON (the split starts at 4 MB).
const COUNT: usize = 30_000;

fn register(with_risks: bool) -> Register {
    let suppliers = (0..COUNT)
        .map(|i| {
            let mut s = Supplier::new(SupplierId::parse(&format!("supplier-{i}")).unwrap());
            s.name = Some(format!(
                "Supplier {i} with a name long enough to make the document large"
            ));
            s.status = Some(Status::Active);
            s.services = vec!["hosting".into(), format!("service }},{{\"id\" {i}")];
            if with_risks {
                s.risks = (0..3)
                    .map(|r| RiskEntry {
                        id: Some(format!("R-{r}")),
                        ..RiskEntry::default()
                    })
                    .collect();
            }
            s
        })
        .collect();
    Register { suppliers }
}

fn compact(r: &Register) -> String {
    serde_json::to_string(
        &serde_json::json!({"format": "supplier-register/1", "suppliers": r.suppliers}),
    )
    .unwrap()
}

fn read(text: &str) -> Result<Register, Vec<Problem>> {
    let policy = Policy::default();
    read_register(
        text,
        Syntax::Json,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
}

#[test]
fn large_registers_read_back_whatever_the_layout() {
    for with_risks in [false, true] {
        let r = register(with_risks);
        let format_last = format!(
            "{{\"suppliers\": {},\n \"format\": \"supplier-register/1\"}}",
            serde_json::to_string_pretty(&r.suppliers).unwrap()
        );
        for text in [to_json(&r), compact(&r), format_last] {
            assert!(
                text.len() > 4 << 20,
                "{} bytes is too small to split",
                text.len()
            );
            assert!(
                read(&text).is_ok_and(|again| again == r),
                "with_risks: {with_risks}"
            );
        }
    }
}

#[test]
fn a_false_boundary_in_the_middle_falls_back_to_reading_in_order() {
    // The middle of this document is inside one supplier's long list of risks, whose items
    // look like supplier boundaries in compact JSON (`},{"id"`).
    let mut r = register(false);
    r.suppliers.truncate(COUNT / 3);
    let middle = r.suppliers.len() / 2;
    r.suppliers[middle].risks = (0..200_000)
        .map(|i| RiskEntry {
            id: Some(format!("R-{i}")),
            ..RiskEntry::default()
        })
        .collect();
    let text = compact(&r);
    assert!(text.len() > 4 << 20);
    assert!(read(&text).is_ok_and(|again| again == r));
}

#[test]
fn problems_in_both_halves_have_document_paths_and_positions() {
    let r = register(false);
    let mut text = to_json(&r);
    // A bad status near the start and near the end, and a duplicate id across the halves.
    let early = "\"id\": \"supplier-10\",\n      \"name\": \"Supplier 10 with";
    assert!(text.contains(early));
    text = text.replacen("\"status\": \"active\"", "\"status\": \"actif\"", 11);
    text = text.replacen("\"status\": \"actif\"", "\"status\": \"active\"", 10);
    let late = format!("\"id\": \"supplier-{}\"", COUNT - 5);
    text = text.replacen(&late, "\"id\": \"supplier-3\"", 1);
    let tail_status = text.rfind("\"status\": \"active\"").unwrap();
    text.replace_range(
        tail_status..tail_status + "\"status\": \"active\"".len(),
        "\"status\": \"gone\"",
    );

    let problems = read(&text).expect_err("three problems");
    let line_of = |needle: &str, from_end: bool| {
        let at = if from_end {
            text.rfind(needle)
        } else {
            text.find(needle)
        }
        .unwrap();
        text[..at].lines().count() + usize::from(text[..at].ends_with('\n'))
    };
    let summary: Vec<(String, usize, String)> = problems
        .iter()
        .map(|p| (p.path.clone(), p.line.unwrap(), p.message.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "suppliers[10].status".to_string(),
                line_of("\"actif\"", false),
                "unknown value \"actif\": expected proposed, due_diligence, approved, active, offboarding, terminated or rejected".to_string()
            ),
            (
                format!("suppliers[{}].id", COUNT - 5),
                line_of("\"id\": \"supplier-3\"", true),
                format!("duplicate supplier id \"supplier-3\" (first at suppliers[3], line {})", line_of("\"id\": \"supplier-3\"", false)),
            ),
            (
                format!("suppliers[{}].status", COUNT - 1),
                line_of("\"gone\"", false),
                "unknown value \"gone\": expected proposed, due_diligence, approved, active, offboarding, terminated or rejected".to_string()
            ),
        ]
    );
}

#[test]
fn a_syntax_error_in_the_second_half_stops_reading_there() {
    let r = register(false);
    let mut text = to_json(&r);
    let at = text.rfind("\"hosting\",").unwrap();
    text.replace_range(at..at + "\"hosting\",".len(), "\"hosting\" ");
    let problems = read(&text).expect_err("a syntax error");
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].path,
        format!("suppliers[{}].services", COUNT - 1)
    );
    assert_eq!(
        problems[0].message,
        "expected \",\" or \"]\" after list item, found '\"'"
    );
}
