//! Every kind of bad input, each reported with its exact message, sheet, row and column.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use vetted_app::tabular::{ColumnPosition, TabularProblem, read_csv_sheets, read_xlsx};
use vetted_core::model::{ParamValue, Register};
use vetted_core::policy::Policy;

/// CSV files from `(sheet, text)` pairs, named `<sheet>.csv`.
fn csv(sheets: &[(&str, &str)]) -> Result<Register, Vec<TabularProblem>> {
    let files: Vec<(String, String, Vec<u8>)> = sheets
        .iter()
        .map(|(sheet, text)| {
            (
                sheet.to_string(),
                format!("{sheet}.csv"),
                text.as_bytes().to_vec(),
            )
        })
        .collect();
    read_csv_sheets(&files, &Policy::default())
}

/// The problems, displayed, one per line.
fn problems(result: Result<Register, Vec<TabularProblem>>) -> Vec<String> {
    match result {
        Ok(r) => panic!("expected problems, read {} suppliers", r.suppliers.len()),
        Err(p) => p.iter().map(ToString::to_string).collect(),
    }
}

const SUPPLIERS: &str = "id,name\nacme,Acme\nbeta,Beta\n";

/// A cell of a child sheet: (header, value) on one row for supplier `acme`, in the sheet's
/// column 2 (CSV).
fn one_bad(sheet: &str, header: &str, value: &str) -> Vec<String> {
    let text = format!("supplier,{header}\nacme,{value}\n");
    problems(csv(&[("suppliers", SUPPLIERS), (sheet, &text)]))
}

#[test]
fn bad_values_in_csv_cells() {
    // (sheet, header, row, column of the bad cell, message)
    let cases: &[(&str, &str, &str, usize, &str)] = &[
        (
            "locations",
            "country,purpose",
            "UK,storage",
            2,
            "\"UK\" is not an ISO 3166-1 alpha-2 country code (the United Kingdom is GB)",
        ),
        (
            "locations",
            "country,purpose",
            "EL,storage",
            2,
            "\"EL\" is not an ISO 3166-1 alpha-2 country code (Greece is GR)",
        ),
        (
            "locations",
            "country,purpose",
            "de,storage",
            2,
            "\"de\" is not an ISO 3166-1 alpha-2 country code (country codes are upper case)",
        ),
        (
            "locations",
            "country,purpose",
            "XX,storage",
            2,
            "\"XX\" is not an ISO 3166-1 alpha-2 country code",
        ),
        (
            "locations",
            "country,purpose,mechanism",
            "DE,storage,sccs",
            4,
            "unknown value \"sccs\": expected scc, adequacy, bcr or derogation",
        ),
        (
            "assessments",
            "date,outcome",
            "05/01/2025,approved",
            2,
            "\"05/01/2025\" is not a date (YYYY-MM-DD)",
        ),
        (
            "assessments",
            "date,outcome",
            "2025-02-29,approved",
            2,
            "\"2025-02-29\" is not a date in the calendar",
        ),
        (
            "assessments",
            "date,outcome",
            "2025-02-28,ok",
            3,
            "unknown value \"ok\": expected approved, approved_with_conditions or rejected",
        ),
        (
            "events",
            "date,kind",
            "2025-01-01,outage",
            3,
            "unknown value \"outage\": expected incident, ownership_change, location_change, service_change or other",
        ),
        (
            "assurance",
            "kind,covers_service",
            "iso27001,maybe",
            3,
            "unknown value \"maybe\": expected yes, no, true, false, x or blank",
        ),
        (
            "assurance",
            "kind",
            "iso9001",
            2,
            "unknown value \"iso9001\": expected iso27001, soc2_type2, soc2_type1, iso27701, iso42001, c5, questionnaire, pentest or other",
        ),
        (
            "reviews",
            "date,checks",
            "2025-01-01,legal",
            3,
            "unknown value \"legal\": expected assurance, dpa, residency or risk",
        ),
        (
            "risks",
            "due",
            "soon",
            2,
            "\"soon\" is not a date (YYYY-MM-DD)",
        ),
        (
            "agreements",
            "incident_notification.hours",
            "-3",
            2,
            "\"-3\" is negative: expected a number of 0 or more",
        ),
        (
            "agreements",
            "security_sla.availability",
            "101",
            2,
            "\"101\" is out of range: expected a percentage from 0 to 100",
        ),
        (
            "agreements",
            "exit.deletion_days",
            "thirty",
            2,
            "\"thirty\" is not a number",
        ),
        (
            "agreements",
            "audit_right",
            "perhaps",
            2,
            "unknown value \"perhaps\": expected yes, no, true, false, x or blank",
        ),
        (
            "agreements",
            "kind",
            "contract",
            2,
            "unknown value \"contract\": expected msa, dpa, sla, nda, scc, order_form or other",
        ),
    ];
    for (sheet, header, value, column, message) in cases {
        let name = format!("supplier,{header}")
            .split(',')
            .nth(column - 1)
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            one_bad(sheet, header, value),
            [format!(
                "{sheet}.csv: sheet {sheet}, row 2, column {column} ({name}): {message}"
            )],
            "{value}"
        );
    }
}

#[test]
fn bad_values_on_the_suppliers_sheet() {
    let text = "id,status,category,data.personal_data,public_listing.since,risk.business_impact\n\
                acme,actve,Cloud,nope,2025-13-01,HIGH\n";
    assert_eq!(
        problems(csv(&[("suppliers", text)])),
        [
            "suppliers.csv: sheet suppliers, row 2, column 2 (status): unknown value \"actve\": expected proposed, due_diligence, approved, active, offboarding, terminated or rejected",
            "suppliers.csv: sheet suppliers, row 2, column 3 (category): unknown value \"Cloud\": expected cloud_infrastructure, model_provider, data_provider, annotation, saas, observability, communications, professional_services, subcontractor or other",
            "suppliers.csv: sheet suppliers, row 2, column 4 (data.personal_data): unknown value \"nope\": expected yes, no, true, false, x or blank",
            "suppliers.csv: sheet suppliers, row 2, column 5 (public_listing.since): \"2025-13-01\" is not a date in the calendar",
        ]
    );
}

#[test]
fn values_are_trimmed_and_choices_case_insensitive() {
    let text = "id,status,risk.business_impact,data.personal_data,public_listing.since\n acme ,Active,HIGH, X , 2025-01-05 \n";
    let register = csv(&[("suppliers", text)]).unwrap();
    let s = &register.suppliers[0];
    assert_eq!(s.id.as_str(), "acme");
    assert_eq!(
        s.status.map(vetted_core::model::Status::as_str),
        Some("active")
    );
    assert_eq!(
        s.risk
            .business_impact
            .map(vetted_core::model::BusinessImpact::as_str),
        Some("high")
    );
    assert!(s.data.personal_data);
    assert_eq!(
        s.public_listing
            .since
            .map(vetted_core::date::format_date)
            .as_deref(),
        Some("2025-01-05")
    );
}

#[test]
fn lists_of_codes_take_lines_commas_or_semicolons() {
    let register = csv(&[
        ("suppliers", "id\nacme\n"),
        (
            "subprocessors",
            "supplier,countries\nacme,\"DE, FR;\nUS\"\n",
        ),
        (
            "reviews",
            "supplier,date,checks\nacme,2025-01-01,\"Risk\ndpa\"\n",
        ),
    ])
    .unwrap();
    let s = &register.suppliers[0];
    let countries: Vec<&str> = s.subprocessors.list[0]
        .countries
        .iter()
        .map(vetted_core::country::Country::as_str)
        .collect();
    assert_eq!(countries, ["DE", "FR", "US"]);
    let checks: Vec<&str> = s.reviews[0].checks.iter().map(|c| c.as_str()).collect();
    assert_eq!(checks, ["risk", "dpa"]);
    let got = problems(csv(&[
        ("suppliers", "id\nacme\n"),
        ("subprocessors", "supplier,countries\nacme,\"DE\nUK\nEU\"\n"),
    ]));
    assert_eq!(
        got,
        [
            "subprocessors.csv: sheet subprocessors, row 2, column 2 (countries): \"UK\" is not an ISO 3166-1 alpha-2 country code (the United Kingdom is GB)",
            "subprocessors.csv: sheet subprocessors, row 2, column 2 (countries): \"EU\" is not an ISO 3166-1 alpha-2 country code (EU is not a country: list each member state)",
        ]
    );
}

#[test]
fn missing_required_cells() {
    let got = problems(csv(&[
        ("suppliers", "id,name\nacme,Acme\n,No id\n"),
        (
            "locations",
            "supplier,country,purpose\nacme,,storage\nacme,DE,\n,DE,storage\n",
        ),
        ("assurance", "supplier,kind,issuer\nacme,,EY\n"),
        ("assessments", "supplier,date,outcome\nacme,,\n"),
        ("reviews", "supplier,date,reviewer\nacme,,me\n"),
        ("events", "supplier,date,kind\nacme,,\n"),
    ]));
    assert_eq!(
        got,
        [
            "suppliers.csv: sheet suppliers, row 3, column 1 (id): missing id: every supplier needs one",
            "locations.csv: sheet locations, row 2, column 2 (country): missing country: every location needs one",
            "locations.csv: sheet locations, row 3, column 3 (purpose): missing purpose: every location needs one",
            "locations.csv: sheet locations, row 4, column 1 (supplier): missing supplier: every location names its supplier by id",
            "assurance.csv: sheet assurance, row 2, column 2 (kind): missing kind: every assurance item needs one",
            "assessments.csv: sheet assessments, row 2, column 2 (date): missing date: every assessment needs one",
            "assessments.csv: sheet assessments, row 2, column 3 (outcome): missing outcome: every assessment needs one",
            "reviews.csv: sheet reviews, row 2, column 2 (date): missing date: every review needs one",
            "events.csv: sheet events, row 2, column 2 (date): missing date: every event needs one",
            "events.csv: sheet events, row 2, column 3 (kind): missing kind: every event needs one",
        ]
    );
}

#[test]
fn missing_required_columns() {
    let got = problems(csv(&[
        ("suppliers", "name\nAcme\n"),
        ("locations", "supplier,country\nacme,DE\n"),
        ("events", "date,kind\n2025-01-01,incident\n"),
    ]));
    assert_eq!(
        got,
        [
            "suppliers.csv: sheet suppliers, row 1: missing column \"id\": every supplier needs an id",
            "locations.csv: sheet locations, row 1: missing column \"purpose\": every location needs one",
            "events.csv: sheet events, row 1: missing column \"supplier\": every row of the events sheet names its supplier by id",
        ]
    );
}

#[test]
fn ids_duplicate_invalid_and_unknown() {
    let got = problems(csv(&[
        ("suppliers", "id\nacme\nbeta\nacme\nbad id\nx/y\n"),
        (
            "risks",
            "supplier,title\nacme,ok\ngamma,lost\nbad id,again\n",
        ),
    ]));
    assert_eq!(
        got,
        [
            "suppliers.csv: sheet suppliers, row 4, column 1 (id): duplicate supplier id \"acme\": already on row 2",
            "suppliers.csv: sheet suppliers, row 5, column 1 (id): supplier id \"bad id\" must not contain whitespace",
            "suppliers.csv: sheet suppliers, row 6, column 1 (id): supplier id \"x/y\" must not contain `/`",
            "risks.csv: sheet risks, row 3, column 1 (supplier): unknown supplier \"gamma\": no row of the suppliers sheet has this id",
            "risks.csv: sheet risks, row 4, column 1 (supplier): supplier id \"bad id\" must not contain whitespace",
        ]
    );
}

#[test]
fn unknown_duplicate_and_unnamed_columns() {
    let got = problems(csv(&[(
        "suppliers",
        "id,Colour,NAME,name,\nacme,red,A,B,lost\n",
    )]));
    assert_eq!(
        got,
        [
            "suppliers.csv: sheet suppliers, row 1, column 2 (Colour): unknown column \"Colour\": expected id, name, category, services, status, owner, website, data.personal_data, data.customer_data, data.confidential, data.production_dependency, data.categories, inference.provides, risk.business_impact, risk.data_access, risk.replaceability, subprocessors.known, public_listing.listed, public_listing.purpose or public_listing.since",
            "suppliers.csv: sheet suppliers, row 1, column 4 (name): the column \"name\" is given twice (first in column 3)",
            "suppliers.csv: sheet suppliers, row 2, column 5: the cell has a value but its column has no header",
        ]
    );
    let got = problems(csv(&[
        ("suppliers", "id\nacme\n"),
        ("events", "supplier,date,kind,severity\n"),
    ]));
    assert_eq!(
        got,
        [
            "events.csv: sheet events, row 1, column 4 (severity): unknown column \"severity\": expected supplier, date, kind or summary"
        ]
    );
}

#[test]
fn unknown_and_missing_sheets() {
    let got = problems(csv(&[
        ("suppliers", "id\nacme\n"),
        ("vendors", "id\n"),
        ("README", "anything\n"),
    ]));
    assert_eq!(
        got,
        [
            "vendors.csv: sheet vendors: unknown sheet \"vendors\": expected suppliers, locations, assurance, agreements, assessments, reviews, events, risks or subprocessors (a sheet named README or instructions is skipped)"
        ]
    );
    let got = problems(csv(&[("locations", "supplier,country,purpose\n")]));
    assert_eq!(
        got,
        [
            "suppliers.csv: missing the suppliers sheet: every register needs one, with one row per supplier"
        ]
    );
    let got = problems(csv(&[("suppliers", "id\na\n"), ("Suppliers", "id\nb\n")]));
    assert_eq!(
        got,
        ["Suppliers.csv: sheet Suppliers: the suppliers sheet is given twice"]
    );
    let got = problems(csv(&[("suppliers", "")]));
    assert_eq!(
        got,
        [
            "suppliers.csv: sheet suppliers, row 1: the sheet is empty: its first row names the columns, starting with id"
        ]
    );
}

#[test]
fn headers_and_sheet_names_ignore_case_and_spaces() {
    let register = csv(&[
        (
            "Suppliers",
            " ID , Name ,Data.Personal_Data\nacme,Acme,yes\n",
        ),
        ("LOCATIONS", "Supplier,COUNTRY,purpose\nacme,DE,storage\n"),
        ("instructions", "whatever,goes\n"),
    ])
    .unwrap();
    assert_eq!(register.suppliers[0].name.as_deref(), Some("Acme"));
    assert!(register.suppliers[0].data.personal_data);
    assert_eq!(register.suppliers[0].locations.len(), 1);
}

#[test]
fn clauses_and_their_parameters() {
    let text = "supplier,audit_right,no_training,exit,incident_notification,incident_notification.hours,bcdr.backup_location,security_sla.availability\n\
                acme,x,TRUE,Yes,,48,,\n\
                acme,no,false,,,,DE,99.9%\n\
                acme,,,,no,24,,\n";
    let got = problems(csv(&[("suppliers", "id\nacme\n"), ("agreements", text)]));
    assert_eq!(
        got,
        [
            "agreements.csv: sheet agreements, row 4, column 5 (incident_notification): the incident_notification clause is marked \"no\" but incident_notification.hours is filled in"
        ]
    );
    let register = csv(&[
        ("suppliers", "id\nacme\n"),
        ("agreements", &text.replace(",no,24,", ",,24,")),
    ])
    .unwrap();
    let agreements = &register.suppliers[0].agreements;
    let keys = |i: usize| agreements[i].clauses.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(0),
        [
            "audit_right",
            "exit",
            "incident_notification",
            "no_training"
        ]
    );
    assert_eq!(keys(1), ["bcdr", "security_sla"]);
    assert_eq!(
        agreements[1].clauses["security_sla"]["availability"],
        ParamValue::Number(vetted_core::model::Number(99.9))
    );
    assert_eq!(
        agreements[1].clauses["bcdr"]["backup_location"],
        ParamValue::Text("DE".into())
    );
    assert_eq!(keys(2), ["incident_notification"]);
}

#[test]
fn many_problems_at_once_all_reported_in_order() {
    let got = problems(csv(&[
        (
            "suppliers",
            "id,status,colour\nacme,weird,x\nacme,active,y\n",
        ),
        (
            "locations",
            "supplier,country,purpose\nacme,UK,storage\nnobody,DE,store\n",
        ),
        ("events", "supplier,date,kind\nacme,yesterday,incident\n"),
    ]));
    assert_eq!(got.len(), 7, "{got:#?}");
    assert!(got[0].contains("row 1, column 3 (colour): unknown column"));
    assert!(got[1].contains("row 2, column 2 (status): unknown value \"weird\""));
    assert!(got[2].contains("row 3, column 1 (id): duplicate supplier id"));
    assert!(
        got[3].starts_with("locations.csv: sheet locations, row 2, column 2 (country): \"UK\"")
    );
    assert!(got[4].contains("row 3, column 1 (supplier): unknown supplier \"nobody\""));
    assert!(got[5].contains("row 3, column 3 (purpose): unknown value \"store\""));
    assert!(got[6].starts_with(
        "events.csv: sheet events, row 2, column 2 (date): \"yesterday\" is not a date"
    ));
}

#[test]
fn csv_details_bom_semicolons_blank_lines_and_encoding() {
    let register = csv(&[("suppliers", "\u{feff}id;name\r\nacme;\"Acme; Inc\"\r\n")]).unwrap();
    assert_eq!(register.suppliers[0].name.as_deref(), Some("Acme; Inc"));

    // Blank lines count as rows, as a spreadsheet shows them; a cell with a line break does not
    // shift the rows after it.
    let got = problems(csv(&[
        ("suppliers", "id\nacme\n"),
        (
            "events",
            "supplier,date,kind,summary\nacme,2025-01-01,incident,\"two\nlines\"\n\nacme,2025-01-01,bad,\n",
        ),
    ]));
    assert_eq!(
        got,
        [
            "events.csv: sheet events, row 4, column 3 (kind): unknown value \"bad\": expected incident, ownership_change, location_change, service_change or other"
        ]
    );

    let files = vec![(
        "suppliers".to_string(),
        "suppliers.csv".to_string(),
        b"id,name\nacme,Caf\xe9\n".to_vec(),
    )];
    let got = problems(read_csv_sheets(&files, &Policy::default()));
    assert_eq!(
        got,
        [
            "suppliers.csv: sheet suppliers, row 2, column 2: the text is not UTF-8: save the file as \"CSV UTF-8\""
        ]
    );
}

#[test]
fn problems_carry_their_parts() {
    let Err(p) = csv(&[
        ("suppliers", "id\nacme\n"),
        ("locations", "supplier,country,purpose\nacme,UK,storage\n"),
    ]) else {
        panic!("expected a problem")
    };
    assert_eq!(p[0].file, "locations.csv");
    assert_eq!(p[0].sheet.as_deref(), Some("locations"));
    assert_eq!(p[0].row, Some(2));
    let column = p[0].column.as_ref().unwrap();
    assert_eq!(
        (column.name.as_str(), &column.position),
        ("country", &ColumnPosition::Number(2))
    );
}

// XLSX: the same reader behind, so these check what is XLSX-specific: letters, typed cells.

fn xlsx(
    build: impl FnOnce(&mut Workbook) -> Result<(), rust_xlsxwriter::XlsxError>,
) -> Result<Register, Vec<TabularProblem>> {
    let mut workbook = Workbook::new();
    build(&mut workbook).unwrap();
    read_xlsx(
        &workbook.save_to_buffer().unwrap(),
        "register.xlsx",
        &Policy::default(),
    )
}

#[test]
fn xlsx_problems_name_column_letters() {
    let got = problems(xlsx(|wb| {
        let s = wb.add_worksheet().set_name("suppliers")?;
        s.write_row(0, 0, ["id", "name"])?;
        s.write_row(1, 0, ["acme", "Acme"])?;
        let l = wb.add_worksheet().set_name("locations")?;
        l.write_row(0, 0, ["supplier", "region", "country", "purpose"])?;
        for r in 1..6 {
            l.write_row(r, 0, ["acme", "", "DE", "storage"])?;
        }
        l.write_row(6, 0, ["acme", "", "UK", "storage"])?;
        let e = wb.add_worksheet().set_name("Vendors")?;
        e.write(0, 0, "x")?;
        Ok(())
    }));
    assert_eq!(
        got,
        [
            "register.xlsx: sheet Vendors: unknown sheet \"Vendors\": expected suppliers, locations, assurance, agreements, assessments, reviews, events, risks or subprocessors (a sheet named README or instructions is skipped)",
            "register.xlsx: sheet locations, row 7, column C (country): \"UK\" is not an ISO 3166-1 alpha-2 country code (the United Kingdom is GB)",
        ]
    );
}

#[test]
fn xlsx_typed_cells() {
    let register = xlsx(|wb| {
        let s = wb.add_worksheet().set_name("suppliers")?;
        s.write_row(
            0,
            0,
            ["id", "name", "data.personal_data", "public_listing.since"],
        )?;
        s.write(1, 0, 1234)?;
        s.write(1, 1, 42.5)?;
        s.write(1, 2, true)?;
        let date = Format::new().set_num_format("dd/mm/yyyy");
        s.write_datetime_with_format(1, 3, &ExcelDateTime::from_ymd(2025, 1, 5)?, &date)?;
        let a = wb.add_worksheet().set_name("agreements")?;
        a.write_row(
            0,
            0,
            [
                "supplier",
                "incident_notification.hours",
                "security_sla.availability",
                "bcdr.backup_location",
                "no_training",
            ],
        )?;
        a.write(1, 0, 1234)?;
        a.write(1, 1, 48)?;
        a.write(1, 2, "99.95")?;
        a.write(1, 3, 7)?;
        a.write(1, 4, true)?;
        Ok(())
    })
    .unwrap();
    let s = &register.suppliers[0];
    assert_eq!(s.id.as_str(), "1234");
    assert_eq!(s.name.as_deref(), Some("42.5"));
    assert!(s.data.personal_data);
    assert_eq!(
        s.public_listing
            .since
            .map(vetted_core::date::format_date)
            .as_deref(),
        Some("2025-01-05")
    );
    let c = &s.agreements[0].clauses;
    assert_eq!(
        c["incident_notification"]["hours"],
        ParamValue::Number(vetted_core::model::Number(48.0))
    );
    assert_eq!(
        c["security_sla"]["availability"],
        ParamValue::Number(vetted_core::model::Number(99.95))
    );
    assert_eq!(c["bcdr"]["backup_location"], ParamValue::Text("7".into()));
    assert!(c.contains_key("no_training"));
}

#[test]
fn xlsx_bad_typed_cells() {
    let got = problems(xlsx(|wb| {
        let s = wb.add_worksheet().set_name("suppliers")?;
        s.write_row(0, 0, ["id", "public_listing.since", "name", "status"])?;
        s.write(1, 0, "acme")?;
        s.write(1, 1, 45000)?;
        s.write_formula(1, 2, "=1/0")?;
        s.write(1, 3, true)?;
        Ok(())
    }));
    assert_eq!(
        got,
        [
            "register.xlsx: sheet suppliers, row 2, column B (public_listing.since): \"45000\" is not a date (YYYY-MM-DD)",
            "register.xlsx: sheet suppliers, row 2, column D (status): unknown value \"TRUE\": expected proposed, due_diligence, approved, active, offboarding, terminated or rejected",
        ]
    );
}

#[test]
fn xlsx_sheets_may_start_below_row_one_and_right_of_column_a() {
    let got = problems(xlsx(|wb| {
        let s = wb.add_worksheet().set_name("suppliers")?;
        s.write_row(2, 1, ["id", "status"])?;
        s.write_row(4, 1, ["acme", "gone"])?;
        Ok(())
    }));
    assert_eq!(
        got,
        [
            "register.xlsx: sheet suppliers, row 5, column C (status): unknown value \"gone\": expected proposed, due_diligence, approved, active, offboarding, terminated or rejected"
        ]
    );
}

#[test]
fn not_a_workbook() {
    let got = problems(read_xlsx(b"id,name\n", "register.xlsx", &Policy::default()));
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with("register.xlsx: not a readable XLSX workbook: "),
        "{got:?}"
    );
}
