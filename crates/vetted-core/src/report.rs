//! The check report: findings per supplier and the register summary, exactly as
//! `shared/spec/register-format.md` ("The check report") specifies its JSON.

use serde::Serialize;
use time::Date;

use crate::model::{Tier, Verdict};

/// How much a finding matters. `fail` makes a supplier non-compliant; `warn` asks for attention;
/// `info` records a fact.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Fail,
    Warn,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fail => "fail",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }
}

/// One rule that does not hold (or an `info` fact), with a message that names the concrete values
/// and what to do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable rule id, e.g. `selection.residency` or `agreement.clause.exit`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// ISO/IEC 27001:2022 Annex A controls the rule serves, e.g. `["5.19", "5.23"]`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub controls: &'static [&'static str],
}

/// The evaluation of one supplier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub tier: Option<Tier>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

impl Evaluation {
    /// Whether any finding is a `fail` (the check's exit status 1).
    pub fn has_fail(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Fail)
    }
}

/// The policy as the report names it, with its own findings (`policy.review`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyInfo {
    pub name: String,
    pub version: String,
    pub owner: String,
    #[serde(with = "crate::date::serde_date")]
    pub last_review: Date,
    pub findings: Vec<Finding>,
}

/// One supplier in the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupplierReport {
    pub id: String,
    pub name: Option<String>,
    pub tier: Option<Tier>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
}

/// How many suppliers have each verdict; all six are always present.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub inactive: usize,
    pub out_of_scope: usize,
    pub ineligible: usize,
    pub non_compliant: usize,
    pub attention: usize,
    pub compliant: usize,
}

impl Summary {
    pub fn add(&mut self, v: Verdict) {
        *self.slot(v) += 1;
    }

    /// Adds another summary's counts to this one.
    pub fn merge(&mut self, other: &Summary) {
        for v in Verdict::ALL {
            *self.slot(*v) += other.get(*v);
        }
    }

    pub fn get(&self, v: Verdict) -> usize {
        match v {
            Verdict::Inactive => self.inactive,
            Verdict::OutOfScope => self.out_of_scope,
            Verdict::Ineligible => self.ineligible,
            Verdict::NonCompliant => self.non_compliant,
            Verdict::Attention => self.attention,
            Verdict::Compliant => self.compliant,
        }
    }

    fn slot(&mut self, v: Verdict) -> &mut usize {
        match v {
            Verdict::Inactive => &mut self.inactive,
            Verdict::OutOfScope => &mut self.out_of_scope,
            Verdict::Ineligible => &mut self.ineligible,
            Verdict::NonCompliant => &mut self.non_compliant,
            Verdict::Attention => &mut self.attention,
            Verdict::Compliant => &mut self.compliant,
        }
    }
}

/// The whole report of `vetted check`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    #[serde(with = "crate::date::serde_date")]
    pub as_of: Date,
    pub policy: PolicyInfo,
    pub suppliers: Vec<SupplierReport>,
    pub summary: Summary,
}

impl CheckReport {
    /// 0 when no supplier has a `fail` finding, 1 when one has (2 is for invalid input, decided
    /// before a report exists).
    pub fn exit_code(&self) -> i32 {
        let failing = self
            .suppliers
            .iter()
            .any(|s| s.findings.iter().any(|f| f.severity == Severity::Fail));
        i32::from(failing)
    }
}
