//! The tier a supplier's three risk inputs give under the active policy, as a small HTML
//! fragment: `GET /suppliers/{id}/risk/tier?business_impact=&data_access=&replaceability=`.
//!
//! The risk form's `<output>` asks for it with htmx whenever an input changes, so the editor
//! sees the tier while choosing; without JavaScript the form shows the stored inputs' tier
//! and the supplier page the new one after saving. The fragment is the same template the
//! form includes (`templates/forms/tier.html`), computed by the policy's own
//! [`TierPolicy::tier`](vetted_core::policy::TierPolicy::tier), the function the engine uses.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use vetted_core::model::{BusinessImpact, DataAccess, Replaceability, RiskInputs, Tier};
use vetted_core::policy::Policy;

use super::super::{CanEdit, PageError, render};
use crate::AppState;

/// The tier of some risk inputs, and their score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierPreview {
    /// The tier; `None` until all three inputs are chosen.
    pub tier: Option<Tier>,
    /// The sum of the three scores.
    pub score: Option<u32>,
    /// The highest score possible under the policy.
    pub max: u32,
}

impl TierPreview {
    /// The tier `policy` gives `risk`.
    pub fn of(risk: &RiskInputs, policy: &Policy) -> TierPreview {
        let t = &policy.tiers;
        let max = [&t.business_impact, &t.data_access, &t.replaceability]
            .iter()
            .map(|scores| scores.iter().copied().max().unwrap_or(0))
            .sum();
        TierPreview {
            tier: t.tier(risk),
            score: t.score(risk),
            max,
        }
    }
}

/// `templates/forms/tier.html`, alone: the fragment htmx swaps in.
#[derive(Template)]
#[template(path = "forms/tier.html")]
pub struct TierFragment {
    /// The tier shown.
    pub tier: TierPreview,
}

/// The three inputs from a query string; an unknown or absent value counts as not chosen
/// (the fragment then asks for all three), whatever else the form sends is ignored.
fn inputs(query: &str) -> RiskInputs {
    let mut risk = RiskInputs::default();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "business_impact" => risk.business_impact = BusinessImpact::parse(&v),
            "data_access" => risk.data_access = DataAccess::parse(&v),
            "replaceability" => risk.replaceability = Replaceability::parse(&v),
            _ => {}
        }
    }
    risk
}

/// `GET /suppliers/{id}/risk/tier`: the fragment for the inputs in the query.
pub async fn preview(
    CanEdit(_): CanEdit,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let risk = inputs(query.as_deref().unwrap_or(""));
    Ok(render(
        StatusCode::OK,
        &TierFragment {
            tier: TierPreview::of(&risk, &state.policy().policy),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_read_and_unknown_values_ignored() {
        let r =
            inputs("business_impact=high&data_access=customer&replaceability=nope&csrf_token=x");
        assert_eq!(r.business_impact, Some(BusinessImpact::High));
        assert_eq!(r.data_access, Some(DataAccess::Customer));
        assert_eq!(r.replaceability, None);
        let p = TierPreview::of(&r, &Policy::default());
        assert_eq!((p.tier, p.score, p.max), (None, None, 9));
    }
}
