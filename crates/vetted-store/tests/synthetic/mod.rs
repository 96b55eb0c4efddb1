//! Synthetic suppliers for load tests and the import benchmark: realistic in shape (about 1 KB
//! of JSON each, every part of the model filled in) and different from one another.

use serde_json::json;
use vetted_core::model::{Category, Register, Status, Supplier};

/// The `n`th synthetic supplier, with id `s{n:06}`. `edition` changes its name, so that a
/// register of a later edition updates every supplier.
pub fn supplier(n: usize, edition: u32) -> Supplier {
    let category = Category::ALL[n % Category::ALL.len()];
    let status = Status::ALL[n % Status::ALL.len()];
    let countries = ["DE", "FR", "IE", "NL", "US", "GB", "SE"];
    let country = countries[n % countries.len()];
    let doc = json!({
        "id": format!("s{n:06}"),
        "name": format!("Synthetic Supplier {n} GmbH (edition {edition})"),
        "category": category.as_str(),
        "services": [format!("Service line {} for the production platform", n % 97)],
        "status": status.as_str(),
        "owner": format!("owner{}@example.eu", n % 13),
        "website": format!("https://supplier-{n}.example.com"),
        "data": {"personal_data": n.is_multiple_of(2), "customer_data": n.is_multiple_of(3),
                 "categories": ["contact details", "usage logs"]},
        "locations": [
            {"country": country, "region": "eu-central-1", "purpose": "storage"},
            {"country": "US", "purpose": "access", "note": "support", "mechanism": "scc"}
        ],
        "assurance": [
            {"kind": "iso27001", "issuer": "Certification Body Ltd", "valid_from": "2025-01-01",
             "valid_until": "2027-12-31"},
            {"kind": "soc2_type2", "period_start": "2025-04-01", "period_end": "2026-03-31"}
        ],
        "agreements": [
            {"kind": "dpa", "title": "Data processing agreement", "signed": "2025-01-10",
             "gdpr_art28": true,
             "clauses": {"incident_notification": {"hours": 24 + n % 48},
                         "security_sla": {"availability": 99.9},
                         "exit": {"deletion_days": 30}}}
        ],
        "risk": {"business_impact": "medium", "data_access": "customer", "replaceability": "moderate"},
        "assessments": [{"date": "2025-01-05", "assessor": "ciso@example.eu", "outcome": "approved"}],
        "reviews": [{"date": "2025-12-01", "reviewer": "ciso@example.eu", "trigger": "scheduled",
                     "outcome": "pass", "checks": ["assurance", "dpa"]}],
        "subprocessors": {"known": true, "list": [{"name": "Hosting Inc.", "countries": [country]}]}
    });
    serde_json::from_value(doc).expect("the synthetic supplier is valid")
}

/// Suppliers `0..count` of `edition`.
pub fn register(count: usize, edition: u32) -> Register {
    Register {
        suppliers: (0..count).map(|n| supplier(n, edition)).collect(),
    }
}
