//! The template workbook: a README sheet, every sheet's header, and an example that imports.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use vetted_app::tabular::{SHEETS, read_xlsx, template_xlsx, write_csv_sheets};
use vetted_core::model::Register;
use vetted_core::policy::Policy;

#[test]
fn the_template_reads_back_as_its_example() {
    let policy = Policy::default();
    let bytes = template_xlsx(&policy).unwrap();
    let register = read_xlsx(&bytes, "template.xlsx", &policy).unwrap_or_else(|p| {
        panic!(
            "{}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(register.suppliers.len(), 1);
    let s = &register.suppliers[0];
    assert_eq!(s.id.as_str(), "aws");
    assert_eq!(s.locations.len(), 3);
    assert_eq!(s.assurance.len(), 3);
    assert_eq!(s.agreements[0].clauses.len(), 8);
    assert_eq!(s.subprocessors.list.len(), 1);
    assert!(s.public_listing.listed);
}

#[test]
fn the_template_has_a_readme_then_every_sheet_with_its_header() {
    let policy = Policy::default();
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(template_xlsx(&policy).unwrap())).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(names[0], "README");
    assert_eq!(&names[1..], SHEETS);

    let readme = workbook.worksheet_range("README").unwrap();
    let text: Vec<String> = readme
        .rows()
        .flat_map(|r| r.iter().map(ToString::to_string))
        .collect();
    for header in headers(&policy) {
        for column in header.1 {
            assert!(
                readme
                    .rows()
                    .any(|r| r.first() == Some(&Data::String(header.0.clone()))
                        && r.get(1) == Some(&Data::String(column.clone()))),
                "README lacks {}.{column}",
                header.0
            );
        }
    }
    assert!(
        text.iter()
            .any(|t| t.contains("one of: proposed, due_diligence, approved"))
    );

    for (sheet, columns) in headers(&policy) {
        let range = workbook.worksheet_range(&sheet).unwrap();
        let first: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(first, columns, "{sheet}");
    }
}

/// Every sheet's columns, as the CSV writer lays them out.
fn headers(policy: &Policy) -> Vec<(String, Vec<String>)> {
    write_csv_sheets(&Register::default(), policy)
        .into_iter()
        .map(|(sheet, bytes)| {
            let text = String::from_utf8(bytes).unwrap();
            let header = text
                .trim_start_matches('\u{feff}')
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            (sheet, header.split(',').map(str::to_string).collect())
        })
        .collect()
}

#[test]
fn the_documentation_names_every_sheet_and_column() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/spreadsheet-layout.md"
    ))
    .unwrap();
    for (sheet, columns) in headers(&Policy::default()) {
        assert!(
            doc.contains(&format!("## `{sheet}`")),
            "docs lack a section for {sheet}"
        );
        for column in columns {
            assert!(
                doc.contains(&format!("`{column}`")),
                "docs lack {sheet}.{column}"
            );
        }
    }
}
