//! How long 100,000 suppliers take to write and read as XLSX and CSV sheets; run with
//! `cargo run --release -p vetted-app --example tabular_bench`.

use std::time::Instant;

use time::macros::date;
use vetted_app::tabular::{read_csv_sheets, read_xlsx, write_csv_sheets, write_xlsx};
use vetted_core::country::Country;
use vetted_core::model::{
    Agreement, AgreementKind, Assurance, AssuranceKind, Category, ClauseParams, Event, EventKind,
    Location, Number, ParamValue, Purpose, Register, Review, ReviewCheck, RiskEntry, Status,
    Subprocessor, Supplier, SupplierId,
};
use vetted_core::policy::Policy;

fn register(n: usize) -> Register {
    let de = Country::parse("DE").unwrap();
    let us = Country::parse("US").unwrap();
    let suppliers = (0..n)
        .map(|i| {
            let mut s = Supplier::new(SupplierId::parse(&format!("supplier-{i}")).unwrap());
            s.name = Some(format!("Supplier number {i} GmbH"));
            s.category = Some(Category::Saas);
            s.status = Some(Status::Active);
            s.owner = Some("owner@example.eu".into());
            s.services = vec!["Hosting".into(), format!("Service {i}")];
            s.data.personal_data = i % 2 == 0;
            s.locations = vec![
                Location {
                    country: de,
                    region: Some("eu-central-1".into()),
                    purpose: Purpose::Storage,
                    note: None,
                    mechanism: None,
                },
                Location {
                    country: us,
                    region: None,
                    purpose: Purpose::Access,
                    note: Some("support".into()),
                    mechanism: None,
                },
            ];
            let mut a = Assurance::new(AssuranceKind::Iso27001);
            a.valid_from = Some(date!(2025 - 01 - 01));
            a.valid_until = Some(date!(2028 - 01 - 01));
            s.assurance = vec![a];
            let mut agreement = Agreement {
                kind: Some(AgreementKind::Dpa),
                signed: Some(date!(2025 - 01 - 10)),
                ..Agreement::default()
            };
            agreement
                .clauses
                .insert("audit_right".into(), ClauseParams::new());
            agreement.clauses.insert(
                "incident_notification".into(),
                [("hours".to_string(), ParamValue::Number(Number(48.0)))].into(),
            );
            s.agreements = vec![agreement];
            s.reviews = vec![Review {
                date: date!(2025 - 12 - 01),
                reviewer: Some("ciso".into()),
                trigger: None,
                outcome: None,
                checks: vec![ReviewCheck::Dpa, ReviewCheck::Risk],
                notes: None,
            }];
            s.events = vec![Event {
                date: date!(2026 - 03 - 02),
                kind: EventKind::Incident,
                summary: Some("outage".into()),
            }];
            s.risks = vec![RiskEntry {
                title: Some("risk".into()),
                ..RiskEntry::default()
            }];
            s.subprocessors.list = vec![Subprocessor {
                name: Some("Sub".into()),
                purpose: None,
                countries: vec![de],
            }];
            s
        })
        .collect();
    Register { suppliers }
}

fn main() {
    let policy = Policy::default();
    let register = register(100_000);

    let t = Instant::now();
    let bytes = write_xlsx(&register, &policy).unwrap();
    let write = t.elapsed();
    let t = Instant::now();
    let back = read_xlsx(&bytes, "big.xlsx", &policy).unwrap();
    let read = t.elapsed();
    assert!(back == register);
    println!(
        "xlsx: write {write:.2?}, read {read:.2?}, {} MB",
        bytes.len() / 1_000_000
    );

    let t = Instant::now();
    let files = write_csv_sheets(&register, &policy);
    let write = t.elapsed();
    let size: usize = files.iter().map(|(_, b)| b.len()).sum();
    let files: Vec<(String, String, Vec<u8>)> = files
        .into_iter()
        .map(|(s, b)| (s.clone(), format!("{s}.csv"), b))
        .collect();
    let t = Instant::now();
    let back = read_csv_sheets(&files, &policy).unwrap();
    let read = t.elapsed();
    assert!(back == register);
    println!(
        "csv: write {write:.2?}, read {read:.2?}, {} MB",
        size / 1_000_000
    );
}
