//! The example supplier of the template: the register format's own example, so that a new
//! workbook shows every sheet filled in the way the register document is.

use vetted_core::model::Register;

/// The example supplier (`shared/spec/register-format.md`), as a register document.
const EXAMPLE: &str = r#"{"suppliers": [{
  "id": "aws",
  "name": "Amazon Web Services EMEA SARL",
  "category": "cloud_infrastructure",
  "services": ["Production hosting: EKS, RDS and S3 in eu-central-1"],
  "status": "active",
  "owner": "cto@example.eu",
  "website": "https://aws.amazon.com",
  "data": {"personal_data": true, "customer_data": true, "confidential": true,
           "production_dependency": true,
           "categories": ["customer conversations", "end-user contact details"]},
  "locations": [
    {"country": "DE", "region": "eu-central-1", "purpose": "storage"},
    {"country": "DE", "region": "eu-central-1", "purpose": "processing"},
    {"country": "US", "purpose": "access", "note": "follow-the-sun support", "mechanism": "scc"}
  ],
  "assurance": [
    {"kind": "iso27001", "issuer": "EY CertifyPoint", "scope": "AWS services in scope list",
     "valid_from": "2025-11-01", "valid_until": "2028-10-31"},
    {"kind": "soc2_type2", "issuer": "Ernst & Young LLP", "period_start": "2025-04-01",
     "period_end": "2026-03-31", "exceptions": ["CC6.1: two terminated users kept access"]},
    {"kind": "questionnaire", "completed": "2026-02-01",
     "compensating_controls": ["customer-managed KMS keys"]}
  ],
  "agreements": [
    {"kind": "dpa", "title": "AWS GDPR DPA", "signed": "2025-01-10", "gdpr_art28": true,
     "clauses": {
       "data_protection_confidentiality": {},
       "incident_notification": {"hours": 48},
       "security_sla": {"availability": 99.95, "critical_patch_hours": 48},
       "audit_right": {},
       "subcontractors": {"notice_days": 30},
       "bcdr": {"backup_frequency": "daily", "backup_location": "DE"},
       "exit": {"deletion_days": 30},
       "no_training": {}
     }}
  ],
  "risk": {"business_impact": "high", "data_access": "customer", "replaceability": "hard"},
  "assessments": [{"date": "2025-01-05", "assessor": "ciso@example.eu", "outcome": "approved"}],
  "reviews": [
    {"date": "2025-12-01", "reviewer": "ciso@example.eu", "trigger": "scheduled",
     "outcome": "pass", "checks": ["assurance", "dpa", "residency", "risk"]}
  ],
  "events": [{"date": "2026-03-02", "kind": "incident", "summary": "Regional S3 outage, 3 h"}],
  "risks": [
    {"id": "R-12", "title": "Support access from the US", "status": "open",
     "treatment": "remediate", "owner": "ciso@example.eu", "due": "2026-06-30"}
  ],
  "subprocessors": {"known": true, "list": [
    {"name": "Amazon Web Services, Inc.", "purpose": "support", "countries": ["US"]}
  ]},
  "public_listing": {"listed": true, "purpose": "Cloud hosting", "since": "2025-02-01"}
}]}"#;

/// The example register. Empty only if the text above stopped parsing, which the test below
/// rules out.
pub(crate) fn register() -> Register {
    serde_json::from_str(EXAMPLE).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_parses() {
        let r = super::register();
        assert_eq!(r.suppliers.len(), 1);
        assert_eq!(r.suppliers[0].agreements[0].clauses.len(), 8);
    }
}
