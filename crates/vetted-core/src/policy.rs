//! The supplier policy as data: every number and list of `shared/spec/policy.md`, read from TOML.
//!
//! [`Policy::default()`] is the seed policy embedded from `policy/default.toml`; [`Policy::from_toml`]
//! reads a custom one and reports problems with their line and column. The rules themselves live in
//! [`crate::engine`]; this module only says what they are parameterised with.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::Date;

use crate::country::Country;
use crate::model::{
    BusinessImpact, Category, DataAccess, EventKind, Replaceability, ReviewCheck, RiskInputs, Tier,
};

/// The text of the default policy, as shipped.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../policy/default.toml");

/// The clause whose `hours` parameter `agreement.incident-hours` checks.
pub const INCIDENT_NOTIFICATION: &str = "incident_notification";
/// The clause `model.no-training` requires.
pub const NO_TRAINING: &str = "no_training";

/// A problem in a policy file, with its position when the TOML parser knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyProblem {
    /// 1-based line and column.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Dotted path of the key, when known (`review.interval_months.high`).
    pub path: Option<String>,
    pub message: String,
}

impl std::fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "{l}:{c}: ")?;
        }
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The type of a clause parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamKind {
    /// A non-negative number.
    Number,
    /// A number from 0 to 100.
    Percent,
    /// Free text.
    Text,
}

impl ParamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Number => "number",
            ParamKind::Percent => "percent",
            ParamKind::Text => "text",
        }
    }
}

/// One clause an agreement may contain.
#[derive(Clone, Debug, PartialEq)]
pub struct ClauseDef {
    pub key: String,
    pub title: String,
    pub params: BTreeMap<String, ParamKind>,
}

/// A value per tier, plus one for suppliers whose tier cannot be computed.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerTier<T> {
    pub critical: T,
    pub high: T,
    pub medium: T,
    pub low: T,
    pub none: T,
}

impl<T> PerTier<T> {
    pub fn get(&self, tier: Option<Tier>) -> &T {
        match tier {
            Some(Tier::Critical) => &self.critical,
            Some(Tier::High) => &self.high,
            Some(Tier::Medium) => &self.medium,
            Some(Tier::Low) => &self.low,
            None => &self.none,
        }
    }
}

/// Assurance windows.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssurancePolicy {
    pub soc2_type2_validity_months: u32,
    pub questionnaire_validity_months: u32,
    pub expiry_warning_days: u32,
}

/// The review cycle.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewPolicy {
    pub interval_months: PerTier<u32>,
    pub due_soon_days: u32,
    pub trigger_events: Vec<EventKind>,
    pub required_checks: Vec<ReviewCheck>,
}

/// The public subprocessor list: how far ahead a published change takes effect, so customers
/// can object in time (GDPR Art. 28(2)). `[subprocessor_list]` in the policy file; absent, the
/// defaults apply.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubprocessorListPolicy {
    /// Days between publishing a change and the day it takes effect, at least.
    #[serde(default = "SubprocessorListPolicy::default_notice_days")]
    pub notice_days: u32,
}

impl SubprocessorListPolicy {
    fn default_notice_days() -> u32 {
        30
    }
}

impl Default for SubprocessorListPolicy {
    fn default() -> Self {
        SubprocessorListPolicy {
            notice_days: Self::default_notice_days(),
        }
    }
}

/// Agreement windows and limits.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementPolicy {
    pub expiry_warning_days: u32,
    pub incident_notification_max_hours: f64,
}

/// Scores of the three risk inputs and the tier thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct TierPolicy {
    pub business_impact: [u32; 3],
    pub data_access: [u32; 3],
    pub replaceability: [u32; 3],
    pub critical: u32,
    pub high: u32,
    pub medium: u32,
}

impl TierPolicy {
    /// The tier of a supplier, when all three inputs are recorded.
    pub fn tier(&self, risk: &RiskInputs) -> Option<Tier> {
        let score = self.score(risk)?;
        Some(if score >= self.critical {
            Tier::Critical
        } else if score >= self.high {
            Tier::High
        } else if score >= self.medium {
            Tier::Medium
        } else {
            Tier::Low
        })
    }

    /// The sum of the three scores, when all three inputs are recorded.
    pub fn score(&self, risk: &RiskInputs) -> Option<u32> {
        let bi = match risk.business_impact? {
            BusinessImpact::Low => 0,
            BusinessImpact::Medium => 1,
            BusinessImpact::High => 2,
        };
        let da = match risk.data_access? {
            DataAccess::None => 0,
            DataAccess::Internal => 1,
            DataAccess::Customer => 2,
        };
        let re = match risk.replaceability? {
            Replaceability::Easy => 0,
            Replaceability::Moderate => 1,
            Replaceability::Hard => 2,
        };
        Some(self.business_impact[bi] + self.data_access[da] + self.replaceability[re])
    }
}

/// The whole policy, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub name: String,
    pub version: String,
    pub owner: String,
    pub last_review: Date,
    pub review_interval_months: u32,
    pub allowed_countries: BTreeSet<Country>,
    pub model_regions: BTreeSet<Country>,
    pub assurance: AssurancePolicy,
    pub review: ReviewPolicy,
    pub agreements: AgreementPolicy,
    pub tiers: TierPolicy,
    /// The clause catalogue, in the order of the policy file.
    pub clauses: Vec<ClauseDef>,
    pub required_by_tier: PerTier<Vec<String>>,
    pub required_by_category: BTreeMap<Category, Vec<String>>,
    /// The public subprocessor list (an extension of the spec's policy, optional in the file).
    pub subprocessor_list: SubprocessorListPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        match Policy::from_toml(DEFAULT_POLICY_TOML) {
            Ok(p) => p,
            Err(problems) => panic!("the embedded default policy is invalid: {problems:?}"),
        }
    }
}

impl Policy {
    /// The clause definition for `key`, if the policy defines it.
    pub fn clause(&self, key: &str) -> Option<&ClauseDef> {
        self.clauses.iter().find(|c| c.key == key)
    }

    /// The clause keys required of a supplier of `tier` and `category`: tier clauses in their
    /// listed order, then category clauses not already listed.
    pub fn required_clauses(&self, tier: Option<Tier>, category: Option<Category>) -> Vec<&str> {
        let mut keys: Vec<&str> = self
            .required_by_tier
            .get(tier)
            .iter()
            .map(String::as_str)
            .collect();
        if let Some(extra) = category.and_then(|c| self.required_by_category.get(&c)) {
            for k in extra {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
        keys
    }

    /// Reads and validates a policy from TOML text.
    pub fn from_toml(text: &str) -> Result<Policy, Vec<PolicyProblem>> {
        let raw: raw::PolicyFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((None, None), |s| {
                let (l, c) = crate::read::line_col(text, s.start);
                (Some(l), Some(c))
            });
            vec![PolicyProblem {
                line,
                column,
                path: None,
                message: e.message().trim().to_string(),
            }]
        })?;
        raw.validate(text)
    }
}

/// The policy file as written, before cross-field validation.
mod raw {
    use super::{
        AgreementPolicy, AssurancePolicy, BTreeMap, Category, ClauseDef, Country,
        INCIDENT_NOTIFICATION, NO_TRAINING, ParamKind, PerTier, Policy, PolicyProblem,
        ReviewPolicy, SubprocessorListPolicy, TierPolicy,
    };
    use serde::Deserialize;
    use toml::Spanned;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct PolicyFile {
        name: String,
        version: String,
        owner: String,
        last_review: Spanned<toml::value::Datetime>,
        review_interval_months: u32,
        allowed_countries: Vec<Country>,
        model_regions: Vec<Country>,
        assurance: AssurancePolicy,
        review: ReviewPolicy,
        agreements: AgreementPolicy,
        tiers: Tiers,
        clauses: toml::Table,
        required_clauses: RequiredClauses,
        #[serde(default)]
        subprocessor_list: SubprocessorListPolicy,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Tiers {
        scores: Scores,
        thresholds: Thresholds,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Scores {
        business_impact: Lmh,
        data_access: Nic,
        replaceability: Emh,
    }

    /// The scores of the three levels of each input, by name.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Lmh {
        low: u32,
        medium: u32,
        high: u32,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Nic {
        none: u32,
        internal: u32,
        customer: u32,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Emh {
        easy: u32,
        moderate: u32,
        hard: u32,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Thresholds {
        critical: u32,
        high: u32,
        medium: u32,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ClauseFile {
        title: String,
        #[serde(default)]
        params: BTreeMap<String, ParamKind>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RequiredClauses {
        by_tier: PerTier<Vec<Spanned<String>>>,
        #[serde(default)]
        by_category: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    }

    impl PolicyFile {
        pub(super) fn validate(self, text: &str) -> Result<Policy, Vec<PolicyProblem>> {
            let mut problems = Vec::new();
            let at = |span: std::ops::Range<usize>, path: String, message: String| {
                let (l, c) = crate::read::line_col(text, span.start);
                PolicyProblem {
                    line: Some(l),
                    column: Some(c),
                    path: Some(path),
                    message,
                }
            };
            let nowhere = |path: &str, message: String| PolicyProblem {
                line: None,
                column: None,
                path: Some(path.to_string()),
                message,
            };

            let last_review = {
                let dt = self.last_review.get_ref();
                match (dt.date, dt.time, dt.offset) {
                    (Some(d), None, None) => crate::date::parse_date(&d.to_string()),
                    _ => None,
                }
            };
            if last_review.is_none() {
                problems.push(at(
                    self.last_review.span(),
                    "last_review".into(),
                    "expected a date such as 2026-11-01".into(),
                ));
            }

            // The clause catalogue, in file order (toml::Table keeps insertion order only with the
            // preserve_order feature, so read the order from the text).
            let mut clauses = Vec::new();
            for (key, value) in &self.clauses {
                let path = format!("clauses.{key}");
                if !key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    || key.is_empty()
                {
                    problems.push(nowhere(
                        &path,
                        "clause keys use lower-case letters, digits and `_`".into(),
                    ));
                }
                match ClauseFile::deserialize(value.clone()) {
                    Ok(c) => clauses.push(ClauseDef {
                        key: key.clone(),
                        title: c.title,
                        params: c.params,
                    }),
                    Err(e) => problems.push(nowhere(&path, e.message().trim().to_string())),
                }
            }
            clauses.sort_by_key(|c| {
                text.find(&format!("[clauses.{}]", c.key))
                    .unwrap_or(usize::MAX)
            });
            match clauses.iter().find(|c| c.key == INCIDENT_NOTIFICATION) {
                Some(c) if c.params.get("hours") == Some(&ParamKind::Number) => {}
                _ => problems.push(nowhere(
                    &format!("clauses.{INCIDENT_NOTIFICATION}"),
                    "must be defined with `params = { hours = \"number\" }` (agreement.incident-hours uses it)".into(),
                )),
            }
            if !clauses.iter().any(|c| c.key == NO_TRAINING) {
                problems.push(nowhere(
                    &format!("clauses.{NO_TRAINING}"),
                    "must be defined (model.no-training uses it)".into(),
                ));
            }

            let known = |k: &str| clauses.iter().any(|c| c.key == k);
            let check_list =
                |list: &[Spanned<String>], path: &str, problems: &mut Vec<PolicyProblem>| {
                    list.iter()
                        .filter_map(|k| {
                            if known(k.get_ref()) {
                                Some(k.get_ref().clone())
                            } else {
                                problems.push(at(
                                    k.span(),
                                    path.to_string(),
                                    format!(
                                        "`{}` is not a clause defined under [clauses]",
                                        k.get_ref()
                                    ),
                                ));
                                None
                            }
                        })
                        .collect::<Vec<String>>()
                };
            let bt = &self.required_clauses.by_tier;
            let required_by_tier = PerTier {
                critical: check_list(
                    &bt.critical,
                    "required_clauses.by_tier.critical",
                    &mut problems,
                ),
                high: check_list(&bt.high, "required_clauses.by_tier.high", &mut problems),
                medium: check_list(&bt.medium, "required_clauses.by_tier.medium", &mut problems),
                low: check_list(&bt.low, "required_clauses.by_tier.low", &mut problems),
                none: check_list(&bt.none, "required_clauses.by_tier.none", &mut problems),
            };
            let mut required_by_category = BTreeMap::new();
            for (cat, list) in &self.required_clauses.by_category {
                let path = format!("required_clauses.by_category.{}", cat.get_ref());
                let keys = check_list(list, &path, &mut problems);
                match Category::parse(cat.get_ref()) {
                    Some(c) => {
                        required_by_category.insert(c, keys);
                    }
                    None => problems.push(at(
                        cat.span(),
                        path,
                        format!("unknown category: expected {}", Category::expected()),
                    )),
                }
            }

            let th = &self.tiers.thresholds;
            if !(th.critical > th.high && th.high > th.medium) {
                problems.push(nowhere(
                    "tiers.thresholds",
                    format!(
                        "thresholds must decrease from critical to medium (critical {} > high {} > medium {})",
                        th.critical, th.high, th.medium
                    ),
                ));
            }
            if !self.agreements.incident_notification_max_hours.is_finite()
                || self.agreements.incident_notification_max_hours < 0.0
            {
                problems.push(nowhere(
                    "agreements.incident_notification_max_hours",
                    "must be a non-negative number".into(),
                ));
            }
            if self.allowed_countries.is_empty() {
                problems.push(nowhere(
                    "allowed_countries",
                    "must list at least one country".into(),
                ));
            }
            if self.model_regions.is_empty() {
                problems.push(nowhere(
                    "model_regions",
                    "must list at least one country".into(),
                ));
            }

            let s = &self.tiers.scores;
            let (bi, da, re) = (&s.business_impact, &s.data_access, &s.replaceability);
            match (problems.is_empty(), last_review) {
                (true, Some(last_review)) => Ok(Policy {
                    name: self.name,
                    version: self.version,
                    owner: self.owner,
                    last_review,
                    review_interval_months: self.review_interval_months,
                    allowed_countries: self.allowed_countries.into_iter().collect(),
                    model_regions: self.model_regions.into_iter().collect(),
                    assurance: self.assurance,
                    review: self.review,
                    agreements: self.agreements,
                    tiers: TierPolicy {
                        business_impact: [bi.low, bi.medium, bi.high],
                        data_access: [da.none, da.internal, da.customer],
                        replaceability: [re.easy, re.moderate, re.hard],
                        critical: th.critical,
                        high: th.high,
                        medium: th.medium,
                    },
                    clauses,
                    required_by_tier,
                    required_by_category,
                    subprocessor_list: self.subprocessor_list,
                }),
                _ => Err(problems),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn default_policy_matches_the_spec() {
        let p = Policy::default();
        assert_eq!(
            (p.name.as_str(), p.version.as_str(), p.owner.as_str()),
            ("default", "1", "ciso")
        );
        assert_eq!(p.last_review, date!(2026 - 11 - 01));
        assert_eq!(p.allowed_countries.len(), 27);
        assert_eq!(p.clauses.len(), 10);
        assert_eq!(p.clauses[0].key, "data_protection_confidentiality");
        assert_eq!(p.clauses[9].key, "data_sourcing_transparency");
        assert_eq!(
            p.required_clauses(Some(Tier::Low), Some(Category::ModelProvider)),
            [
                "data_protection_confidentiality",
                "incident_notification",
                "subcontractors",
                "ai_security_testing"
            ]
        );
        assert_eq!(p.required_clauses(Some(Tier::Critical), None).len(), 7);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let text = DEFAULT_POLICY_TOML.replace("due_soon_days = 30", "due_soon_days = -3");
        let err = Policy::from_toml(&text).unwrap_err();
        assert_eq!(err.len(), 1);
        let line = text
            .lines()
            .position(|l| l.starts_with("due_soon_days"))
            .unwrap()
            + 1;
        assert_eq!(err[0].line, Some(line), "{err:?}");

        let text = DEFAULT_POLICY_TOML.replace(
            "medium = [\"data_protection_confidentiality\"",
            "medium = [\"nda_clause\"",
        );
        let err = Policy::from_toml(&text).unwrap_err();
        assert!(
            err[0].message.contains("`nda_clause` is not a clause"),
            "{err:?}"
        );
        assert_eq!(
            err[0].path.as_deref(),
            Some("required_clauses.by_tier.medium")
        );
        assert!(err[0].line.is_some());
    }

    #[test]
    fn custom_clause_keys_are_accepted() {
        let text = format!(
            "{DEFAULT_POLICY_TOML}\n[clauses.model_cards]\ntitle = \"Model cards\"\nparams = {{ refresh_days = \"number\" }}\n"
        )
        .replace("medium = [\"data_protection_confidentiality\"", "medium = [\"model_cards\", \"data_protection_confidentiality\"");
        let p = Policy::from_toml(&text).unwrap();
        assert_eq!(p.clauses.last().unwrap().key, "model_cards");
        assert_eq!(p.required_by_tier.medium[0], "model_cards");
    }
}
