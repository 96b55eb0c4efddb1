//! Write a register as XLSX or CSV, read it back: the same register, field for field.

use calamine::Reader;
use proptest::prelude::*;
use time::Date;
use time::macros::date;
use vetted_app::tabular::{read_csv_sheets, read_xlsx, write_csv_sheets, write_xlsx};
use vetted_core::country::Country;
use vetted_core::model::{
    Agreement, AgreementKind, Assessment, AssessmentOutcome, Assurance, AssuranceKind,
    BusinessImpact, Category, ClauseParams, Clauses, DataAccess, Document, DocumentHash, Event,
    EventKind, Location, Mechanism, MediaType, Number, ParamValue, Purpose, Register,
    Replaceability, Review, ReviewCheck, ReviewOutcome, ReviewTrigger, RiskEntry, RiskStatus,
    Status, Subprocessor, Supplier, SupplierId, Treatment,
};
use vetted_core::policy::Policy;

fn id(s: &str) -> SupplierId {
    SupplierId::parse(s).unwrap()
}

fn country(s: &str) -> Country {
    Country::parse(s).unwrap()
}

fn clauses(items: &[(&str, &[(&str, ParamValue)])]) -> Clauses {
    items
        .iter()
        .map(|(k, params)| {
            (
                k.to_string(),
                params
                    .iter()
                    .map(|(p, v)| (p.to_string(), v.clone()))
                    .collect(),
            )
        })
        .collect()
}

/// Every field of the model set, plus the edge cases of the flat layout.
fn full_register() -> Register {
    let mut a = Supplier::new(id("acme-eu"));
    a.name = Some("Acme, \"the\" Cloud; GmbH".into());
    a.category = Some(Category::CloudInfrastructure);
    a.services = vec![
        "Hosting".into(),
        "  Backups, nightly ".into(),
        "=SUM(A1)".into(),
    ];
    a.status = Some(Status::DueDiligence);
    a.owner = Some("cto@example.eu".into());
    a.website = Some("https://acme.example".into());
    a.data.personal_data = true;
    a.data.customer_data = true;
    a.data.confidential = true;
    a.data.production_dependency = true;
    a.data.categories = vec!["contacts".into(), "Überweisungen 💶".into()];
    a.inference.provides = true;
    a.risk.business_impact = Some(BusinessImpact::High);
    a.risk.data_access = Some(DataAccess::Customer);
    a.risk.replaceability = Some(Replaceability::Moderate);
    a.subprocessors.known = true;
    a.public_listing.listed = true;
    a.public_listing.purpose = Some("Hosting".into());
    a.public_listing.since = Some(date!(2025 - 02 - 01));
    a.locations = vec![
        Location {
            country: country("DE"),
            region: Some("eu-central-1".into()),
            purpose: Purpose::Storage,
            note: None,
            mechanism: None,
        },
        Location {
            country: country("US"),
            region: None,
            purpose: Purpose::Access,
            note: Some("support\nfollow the sun".into()),
            mechanism: Some(Mechanism::Scc),
        },
        Location {
            country: country("GR"),
            region: None,
            purpose: Purpose::Inference,
            note: None,
            mechanism: Some(Mechanism::Derogation),
        },
    ];
    let mut cert = Assurance::new(AssuranceKind::Iso27001);
    cert.issuer = Some("EY CertifyPoint".into());
    cert.scope = Some("all".into());
    cert.valid_from = Some(date!(2025 - 11 - 01));
    cert.valid_until = Some(date!(2028 - 10 - 31));
    cert.covers_service = false;
    let mut soc = Assurance::new(AssuranceKind::Soc2Type2);
    soc.period_start = Some(date!(2025 - 04 - 01));
    soc.period_end = Some(date!(2026 - 03 - 31));
    soc.exceptions = vec!["CC6.1: two users".into(), "CC7.2".into()];
    soc.exceptions_acknowledged = true;
    let mut q = Assurance::new(AssuranceKind::Questionnaire);
    q.completed = Some(date!(1899 - 12 - 31));
    q.compensating_controls = vec!["KMS".into()];
    // Evidence files: names with spaces (leading ones too), every media type, the largest size.
    cert.documents = vec![
        Document {
            sha256: DocumentHash::of(b"certificate"),
            name: "ISO 27001 certificate, 2025.pdf".into(),
            media_type: MediaType::Pdf,
            size: 482_113,
        },
        Document {
            sha256: DocumentHash::of(b"scan"),
            name: "  scan.png".into(),
            media_type: MediaType::Png,
            size: (1 << 53) - 1,
        },
    ];
    soc.documents = vec![Document {
        sha256: DocumentHash::of(b"report"),
        name: "é".into(),
        media_type: MediaType::Webp,
        size: 0,
    }];
    a.assurance = vec![cert, soc, q, Assurance::new(AssuranceKind::Other)];
    a.agreements = vec![
        Agreement {
            kind: Some(AgreementKind::Dpa),
            title: Some("DPA".into()),
            signed: Some(date!(2025 - 01 - 10)),
            expires: Some(date!(2030 - 01 - 10)),
            terminated: Some(date!(1900 - 03 - 01)),
            gdpr_art28: true,
            clauses: clauses(&[
                ("data_protection_confidentiality", &[]),
                (
                    "incident_notification",
                    &[("hours", ParamValue::Number(Number(48.0)))],
                ),
                (
                    "security_sla",
                    &[
                        ("availability", ParamValue::Number(Number(99.95))),
                        ("critical_patch_hours", ParamValue::Number(Number(0.125))),
                    ],
                ),
                ("audit_right", &[]),
                (
                    "subcontractors",
                    &[("notice_days", ParamValue::Number(Number(30.0)))],
                ),
                (
                    "bcdr",
                    &[
                        ("backup_frequency", ParamValue::Text("daily".into())),
                        ("backup_location", ParamValue::Text("30".into())),
                    ],
                ),
                ("exit", &[]),
                ("no_training", &[]),
                ("ai_security_testing", &[]),
                ("data_sourcing_transparency", &[]),
            ]),
        },
        // An agreement with nothing but its supplier.
        Agreement::default(),
        Agreement {
            kind: Some(AgreementKind::Msa),
            clauses: clauses(&[(
                "exit",
                &[("deletion_days", ParamValue::Number(Number(1e9)))],
            )]),
            ..Agreement::default()
        },
    ];
    a.assessments = vec![
        Assessment {
            date: date!(2025 - 01 - 05),
            assessor: Some("ciso".into()),
            outcome: AssessmentOutcome::ApprovedWithConditions,
            notes: Some("ok".into()),
        },
        Assessment {
            date: date!(2024 - 02 - 29),
            assessor: None,
            outcome: AssessmentOutcome::Rejected,
            notes: None,
        },
    ];
    a.reviews = vec![
        Review {
            date: date!(2025 - 12 - 01),
            reviewer: Some("ciso".into()),
            trigger: Some(ReviewTrigger::OwnershipChange),
            outcome: Some(ReviewOutcome::Escalate),
            checks: vec![
                ReviewCheck::Risk,
                ReviewCheck::Assurance,
                ReviewCheck::Dpa,
                ReviewCheck::Residency,
            ],
            notes: Some("multi\nline".into()),
        },
        Review {
            date: date!(9999 - 12 - 31),
            reviewer: None,
            trigger: None,
            outcome: None,
            checks: vec![],
            notes: None,
        },
    ];
    a.events = vec![Event {
        date: date!(2026 - 03 - 02),
        kind: EventKind::ServiceChange,
        summary: Some("S3, 3 h".into()),
    }];
    a.risks = vec![
        RiskEntry {
            id: Some("12".into()),
            title: Some("US access".into()),
            status: Some(RiskStatus::Accepted),
            treatment: Some(Treatment::Accept),
            owner: Some("ciso".into()),
            due: Some(date!(2026 - 06 - 30)),
            description: Some("Support reaches EU data from the US".into()),
            rules: vec!["selection.residency".into(), "agreement.clause.exit".into()],
            opened: Some(date!(2026 - 01 - 05)),
            accepted_by: Some("ciso@example.eu".into()),
            accepted_until: Some(date!(2027 - 01 - 31)),
        },
        RiskEntry::default(),
    ];
    a.subprocessors.list = vec![
        Subprocessor {
            name: Some("AWS Inc.".into()),
            purpose: Some("support".into()),
            countries: vec![country("US"), country("IE")],
        },
        Subprocessor::default(),
    ];

    // A supplier with only its id, and one with no child rows but some fields.
    let bare = Supplier::new(id("Bare_1"));
    let mut other = Supplier::new(id("z.9"));
    other.name = Some("  spaced  ".into());
    other.status = Some(Status::Terminated);
    Register {
        suppliers: vec![a, bare, other],
    }
}

fn via_xlsx(register: &Register, policy: &Policy) -> Register {
    let bytes = write_xlsx(register, policy).unwrap();
    read_xlsx(&bytes, "register.xlsx", policy).unwrap_or_else(|p| panic!("{}", lines(&p)))
}

fn via_csv(register: &Register, policy: &Policy) -> Register {
    let files: Vec<(String, String, Vec<u8>)> = write_csv_sheets(register, policy)
        .into_iter()
        .map(|(sheet, bytes)| (sheet.clone(), format!("{sheet}.csv"), bytes))
        .collect();
    read_csv_sheets(&files, policy).unwrap_or_else(|p| panic!("{}", lines(&p)))
}

fn lines(problems: &[impl std::fmt::Display]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_field_survives_xlsx() {
    let policy = Policy::default();
    let register = full_register();
    assert_eq!(via_xlsx(&register, &policy), register);
}

#[test]
fn every_field_survives_csv() {
    let policy = Policy::default();
    let register = full_register();
    assert_eq!(via_csv(&register, &policy), register);
}

#[test]
fn an_empty_register_survives() {
    let policy = Policy::default();
    assert_eq!(via_xlsx(&Register::default(), &policy), Register::default());
    assert_eq!(via_csv(&Register::default(), &policy), Register::default());
}

#[test]
fn every_sheet_is_written_even_without_rows() {
    let policy = Policy::default();
    let sheets: Vec<String> = write_csv_sheets(&Register::default(), &policy)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(sheets, vetted_app::tabular::SHEETS);
    let bytes = write_xlsx(&Register::default(), &policy).unwrap();
    let workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.sheet_names(), vetted_app::tabular::SHEETS);
}

#[test]
fn empty_text_and_blank_list_items_read_as_absent() {
    // The one loss the flat layout documents: a cell cannot tell "" from absent.
    let policy = Policy::default();
    let mut s = Supplier::new(id("a"));
    s.name = Some(String::new());
    s.services = vec!["one".into(), " ".into(), String::new()];
    let back = via_csv(&Register { suppliers: vec![s] }, &policy);
    assert_eq!(back.suppliers[0].name, None);
    assert_eq!(back.suppliers[0].services, ["one"]);
}

#[test]
fn clauses_outside_the_policy_are_written_not_lost() {
    let policy = Policy::default();
    let mut s = Supplier::new(id("a"));
    s.agreements = vec![Agreement {
        clauses: clauses(&[
            (
                "model_cards",
                &[("refresh_days", ParamValue::Number(Number(90.0)))],
            ),
            ("exit", &[("notice", ParamValue::Text("3 months".into()))]),
        ]),
        ..Agreement::default()
    }];
    let register = Register { suppliers: vec![s] };
    let files = write_csv_sheets(&register, &policy);
    let agreements = String::from_utf8(files[3].1.clone()).unwrap();
    let header = agreements.lines().next().unwrap();
    assert!(
        header.contains(",exit,exit.deletion_days,exit.notice,no_training,"),
        "{header}"
    );
    assert!(
        header.ends_with(",data_sourcing_transparency,model_cards,model_cards.refresh_days"),
        "{header}"
    );
    // Read back under the policy, they are unknown columns.
    let err = read_xlsx(&write_xlsx(&register, &policy).unwrap(), "r.xlsx", &policy).unwrap_err();
    assert_eq!(err.len(), 3, "{}", lines(&err));
    assert!(
        err[0]
            .message
            .starts_with("unknown column \"exit.notice\": expected supplier, kind, title"),
        "{}",
        err[0]
    );
    // Under a policy that defines them, everything comes back.
    let text = format!(
        "{}\n[clauses.model_cards]\ntitle = \"Model cards\"\nparams = {{ refresh_days = \"number\" }}\n",
        vetted_core::policy::DEFAULT_POLICY_TOML
    )
    .replace("params = { deletion_days = \"number\" }", "params = { deletion_days = \"number\", notice = \"text\" }");
    let custom = Policy::from_toml(&text).unwrap();
    assert_eq!(via_xlsx(&register, &custom), register);
    assert_eq!(via_csv(&register, &custom), register);
}

// The spreadsheet's own generator: `vetted_core::testing::arb_register()` also makes texts that
// no spreadsheet can carry (control characters, blank texts, line breaks inside list items), so
// this one draws from what a cell can hold, and the property is exact equality on that domain.

fn arb_text() -> impl Strategy<Value = String> {
    // No blank texts (a blank cell is absent); anything else, line breaks and quotes included.
    "[a-zA-Z0-9 ,;\"'=ÄéΩ💶\n-]{0,12}[a-zA-Z0-9ÄéΩ💶][a-zA-Z0-9 ,;\"'=ÄéΩ-]{0,6}"
}

fn arb_item() -> impl Strategy<Value = String> {
    // List items: no line breaks, not blank.
    "[a-zA-Z0-9 ,;\"'=é-]{0,8}[a-zA-Z0-9é]"
}

fn arb_opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(arb_text())
}

fn arb_items() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(arb_item(), 0..3)
}

fn arb_date() -> impl Strategy<Value = Date> {
    (0i32..=9999, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| {
        Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
    })
}

fn arb_opt_date() -> impl Strategy<Value = Option<Date>> {
    proptest::option::of(arb_date())
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn arb_country() -> impl Strategy<Value = Country> {
    pick(&["DE", "FR", "US", "GB", "GR", "IE", "NO", "JP"]).prop_map(country)
}

fn arb_number(percent: bool) -> impl Strategy<Value = f64> {
    let whole = if percent { 0u32..=100 } else { 0u32..=100_000 };
    prop_oneof![whole.prop_map(f64::from), 0.0f64..100.0]
}

fn arb_agreement() -> impl Strategy<Value = Agreement> {
    let policy = Policy::default();
    let catalogue: Vec<(String, Vec<(String, vetted_core::policy::ParamKind)>)> = policy
        .clauses
        .iter()
        .map(|c| {
            (
                c.key.clone(),
                c.params.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            )
        })
        .collect();
    let clause_strategies: Vec<_> = catalogue
        .into_iter()
        .map(|(key, params)| {
            let params: Vec<_> = params
                .into_iter()
                .map(|(name, kind)| {
                    let value = match kind {
                        vetted_core::policy::ParamKind::Text => {
                            arb_text().prop_map(ParamValue::Text).boxed()
                        }
                        kind => arb_number(kind == vetted_core::policy::ParamKind::Percent)
                            .prop_map(|n| ParamValue::Number(Number(n)))
                            .boxed(),
                    };
                    proptest::option::of(value).prop_map(move |v| v.map(|v| (name.clone(), v)))
                })
                .collect();
            proptest::option::of(params).prop_map(move |p| {
                p.map(|p| {
                    (
                        key.clone(),
                        p.into_iter().flatten().collect::<ClauseParams>(),
                    )
                })
            })
        })
        .collect();
    (
        proptest::option::of(pick(AgreementKind::ALL)),
        arb_opt_text(),
        arb_opt_date(),
        arb_opt_date(),
        arb_opt_date(),
        any::<bool>(),
        clause_strategies,
    )
        .prop_map(
            |(kind, title, signed, expires, terminated, gdpr_art28, clauses)| Agreement {
                kind,
                title,
                signed,
                expires,
                terminated,
                gdpr_art28,
                clauses: clauses.into_iter().flatten().collect(),
            },
        )
}

fn arb_assurance() -> impl Strategy<Value = Assurance> {
    (
        pick(AssuranceKind::ALL),
        (arb_opt_text(), arb_opt_text()),
        (
            arb_opt_date(),
            arb_opt_date(),
            arb_opt_date(),
            arb_opt_date(),
            arb_opt_date(),
        ),
        (any::<bool>(), arb_items(), any::<bool>(), arb_items()),
        proptest::collection::vec(arb_document(), 0..3),
    )
        .prop_map(
            |(
                kind,
                (issuer, scope),
                (vf, vu, ps, pe, c),
                (covers, exceptions, ack, controls),
                documents,
            )| {
                Assurance {
                    kind,
                    issuer,
                    scope,
                    valid_from: vf,
                    valid_until: vu,
                    period_start: ps,
                    period_end: pe,
                    completed: c,
                    covers_service: covers,
                    exceptions,
                    exceptions_acknowledged: ack,
                    compensating_controls: controls,
                    documents,
                }
            },
        )
}

fn arb_document() -> impl Strategy<Value = Document> {
    (
        any::<u64>(),
        "[a-zA-Z0-9 ,;\"'=é.-]{0,12}",
        pick(MediaType::ALL),
        0u64..(1 << 53),
    )
        .prop_map(|(seed, name, media_type, size)| Document {
            sha256: DocumentHash::of(&seed.to_le_bytes()),
            name,
            media_type,
            size,
        })
}

fn arb_supplier(id: String) -> impl Strategy<Value = Supplier> {
    let head = (
        arb_opt_text(),
        proptest::option::of(pick(Category::ALL)),
        arb_items(),
        proptest::option::of(pick(Status::ALL)),
        arb_opt_text(),
        arb_opt_text(),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            arb_items(),
            any::<bool>(),
        ),
        (
            proptest::option::of(pick(BusinessImpact::ALL)),
            proptest::option::of(pick(DataAccess::ALL)),
            proptest::option::of(pick(Replaceability::ALL)),
        ),
        (any::<bool>(), any::<bool>(), arb_opt_text(), arb_opt_date()),
    );
    let locations = proptest::collection::vec(
        (
            arb_country(),
            arb_opt_text(),
            pick(Purpose::ALL),
            arb_opt_text(),
            proptest::option::of(pick(Mechanism::ALL)),
        )
            .prop_map(|(country, region, purpose, note, mechanism)| Location {
                country,
                region,
                purpose,
                note,
                mechanism,
            }),
        0..3,
    );
    let assessments = proptest::collection::vec(
        (
            arb_date(),
            arb_opt_text(),
            pick(AssessmentOutcome::ALL),
            arb_opt_text(),
        )
            .prop_map(|(date, assessor, outcome, notes)| Assessment {
                date,
                assessor,
                outcome,
                notes,
            }),
        0..2,
    );
    let reviews = proptest::collection::vec(
        (
            arb_date(),
            arb_opt_text(),
            proptest::option::of(pick(ReviewTrigger::ALL)),
            proptest::option::of(pick(ReviewOutcome::ALL)),
            proptest::collection::vec(pick(ReviewCheck::ALL), 0..5),
            arb_opt_text(),
        )
            .prop_map(|(date, reviewer, trigger, outcome, checks, notes)| Review {
                date,
                reviewer,
                trigger,
                outcome,
                checks,
                notes,
            }),
        0..2,
    );
    let events = proptest::collection::vec(
        (arb_date(), pick(EventKind::ALL), arb_opt_text()).prop_map(|(date, kind, summary)| {
            Event {
                date,
                kind,
                summary,
            }
        }),
        0..2,
    );
    let risks = proptest::collection::vec(
        (
            (
                arb_opt_text(),
                arb_opt_text(),
                proptest::option::of(pick(RiskStatus::ALL)),
                proptest::option::of(pick(Treatment::ALL)),
                arb_opt_text(),
                arb_opt_date(),
            ),
            (
                arb_opt_text(),
                arb_items(),
                arb_opt_date(),
                arb_opt_text(),
                arb_opt_date(),
            ),
        )
            .prop_map(
                |(
                    (id, title, status, treatment, owner, due),
                    (description, rules, opened, accepted_by, accepted_until),
                )| RiskEntry {
                    id,
                    title,
                    status,
                    treatment,
                    owner,
                    due,
                    description,
                    rules,
                    opened,
                    accepted_by,
                    accepted_until,
                },
            ),
        0..2,
    );
    let subprocessors = proptest::collection::vec(
        (
            arb_opt_text(),
            arb_opt_text(),
            proptest::collection::vec(arb_country(), 0..3),
        )
            .prop_map(|(name, purpose, countries)| Subprocessor {
                name,
                purpose,
                countries,
            }),
        0..2,
    );
    (
        head,
        locations,
        proptest::collection::vec(arb_assurance(), 0..2),
        proptest::collection::vec(arb_agreement(), 0..2),
        (assessments, reviews, events, risks, subprocessors),
    )
        .prop_map(
            move |(
                head,
                locations,
                assurance,
                agreements,
                (assessments, reviews, events, risks, subs),
            )| {
                let (
                    name,
                    category,
                    services,
                    status,
                    owner,
                    website,
                    data,
                    risk,
                    (known, listed, purpose, since),
                ) = head;
                let mut s = Supplier::new(SupplierId::parse(&id).unwrap());
                s.name = name;
                s.category = category;
                s.services = services;
                s.status = status;
                s.owner = owner;
                s.website = website;
                (
                    s.data.personal_data,
                    s.data.customer_data,
                    s.data.confidential,
                    s.data.production_dependency,
                ) = (data.0, data.1, data.2, data.3);
                s.data.categories = data.4;
                s.inference.provides = data.5;
                (
                    s.risk.business_impact,
                    s.risk.data_access,
                    s.risk.replaceability,
                ) = risk;
                s.subprocessors.known = known;
                s.subprocessors.list = subs;
                s.public_listing.listed = listed;
                s.public_listing.purpose = purpose;
                s.public_listing.since = since;
                s.locations = locations;
                s.assurance = assurance;
                s.agreements = agreements;
                s.assessments = assessments;
                s.reviews = reviews;
                s.events = events;
                s.risks = risks;
                s
            },
        )
}

fn arb_register() -> impl Strategy<Value = Register> {
    proptest::collection::btree_set("[a-zA-Z0-9_.-]{1,10}", 0..4)
        .prop_flat_map(|ids| ids.into_iter().map(arb_supplier).collect::<Vec<_>>())
        .prop_map(|suppliers| Register { suppliers })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_register_survives_xlsx(register in arb_register()) {
        let policy = Policy::default();
        prop_assert_eq!(via_xlsx(&register, &policy), register);
    }

    #[test]
    fn any_register_survives_csv(register in arb_register()) {
        let policy = Policy::default();
        prop_assert_eq!(via_csv(&register, &policy), register);
    }
}

#[test]
fn a_text_too_long_for_an_xlsx_cell_is_an_error_naming_it() {
    let mut s = Supplier::new(id("a"));
    s.risks = vec![RiskEntry {
        title: Some("x".repeat(40_000)),
        ..RiskEntry::default()
    }];
    let err = write_xlsx(&Register { suppliers: vec![s] }, &Policy::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sheet risks, row 2, column title: the text is 40000 characters long, and an XLSX cell holds \
         at most 32,767 (export as JSON or YAML instead)"
    );
}
