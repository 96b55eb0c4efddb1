//! Test-data builders for the engine tests.
#![allow(dead_code)]

use time::Date;
use vetted_core::country::Country;
use vetted_core::date::parse_date;
use vetted_core::model::*;

pub fn d(s: &str) -> Date {
    parse_date(s).unwrap_or_else(|| panic!("bad test date {s}"))
}

pub fn c(s: &str) -> Country {
    Country::parse(s).unwrap_or_else(|| panic!("bad test country {s}"))
}

pub fn clauses(keys: &[&str]) -> Clauses {
    keys.iter()
        .map(|k| {
            let mut p = ClauseParams::new();
            if *k == "incident_notification" {
                p.insert("hours".into(), ParamValue::Number(Number(48.0)));
            }
            ((*k).to_string(), p)
        })
        .collect()
}

pub const ALL_TIER_CLAUSES: [&str; 7] = [
    "data_protection_confidentiality",
    "incident_notification",
    "security_sla",
    "audit_right",
    "subcontractors",
    "bcdr",
    "exit",
];

/// Builds suppliers; `compliant()` is a critical-tier active SaaS supplier that passes every rule
/// on 2026-11-25, and each method breaks or changes one thing.
pub struct SupplierBuilder(pub Supplier);

impl SupplierBuilder {
    pub fn new(id: &str) -> Self {
        SupplierBuilder(Supplier::new(SupplierId::parse(id).unwrap()))
    }

    pub fn compliant() -> Self {
        let mut s = Supplier::new(SupplierId::parse("acme").unwrap());
        s.name = Some("Acme SaaS GmbH".into());
        s.category = Some(Category::Saas);
        s.services = vec!["Ticketing".into()];
        s.status = Some(Status::Active);
        s.owner = Some("ciso@example.eu".into());
        s.data.personal_data = true;
        s.data.customer_data = true;
        s.locations = vec![
            Location {
                country: c("DE"),
                region: None,
                purpose: Purpose::Storage,
                note: None,
                mechanism: None,
            },
            Location {
                country: c("IE"),
                region: None,
                purpose: Purpose::Processing,
                note: None,
                mechanism: None,
            },
        ];
        let mut iso = Assurance::new(AssuranceKind::Iso27001);
        iso.valid_from = Some(d("2025-01-01"));
        iso.valid_until = Some(d("2027-12-31"));
        s.assurance = vec![iso];
        s.agreements = vec![Agreement {
            kind: Some(AgreementKind::Dpa),
            signed: Some(d("2025-01-10")),
            gdpr_art28: true,
            clauses: clauses(&ALL_TIER_CLAUSES),
            ..Agreement::default()
        }];
        s.risk = RiskInputs {
            business_impact: Some(BusinessImpact::High),
            data_access: Some(DataAccess::Customer),
            replaceability: Some(Replaceability::Hard),
        };
        s.assessments = vec![Assessment {
            date: d("2025-01-05"),
            assessor: None,
            outcome: AssessmentOutcome::Approved,
            notes: None,
        }];
        s.reviews = vec![review("2026-06-01")];
        s.subprocessors.known = true;
        SupplierBuilder(s)
    }

    pub fn with(mut self, f: impl FnOnce(&mut Supplier)) -> Self {
        f(&mut self.0);
        self
    }

    pub fn build(self) -> Supplier {
        self.0
    }
}

pub fn review(date: &str) -> Review {
    Review {
        date: d(date),
        reviewer: None,
        trigger: Some(ReviewTrigger::Scheduled),
        outcome: Some(ReviewOutcome::Pass),
        checks: ReviewCheck::ALL.to_vec(),
        notes: None,
    }
}

pub fn loc(country: &str, purpose: Purpose) -> Location {
    Location {
        country: c(country),
        region: None,
        purpose,
        note: None,
        mechanism: None,
    }
}

pub fn event(date: &str, kind: EventKind) -> Event {
    Event {
        date: d(date),
        kind,
        summary: None,
    }
}

pub fn open_risk() -> RiskEntry {
    RiskEntry {
        id: Some("R-1".into()),
        status: Some(RiskStatus::Open),
        ..RiskEntry::default()
    }
}
