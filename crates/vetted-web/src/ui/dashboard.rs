//! The dashboard, `/`: what needs attention in the register today. Suppliers by verdict and
//! by tier, what is due within the policy's window, the ineligible model suppliers, the
//! failing suppliers without an escalation, and two charts drawn here as SVG (verdicts by
//! tier; the most frequent failing rules), each with its numbers as a table beside it.
//!
//! Everything comes from the register's [`crate::snapshot`], so a request costs one read of
//! the store's change counter and the rendering. Every number and every bar links to the view
//! it counts: the register filtered (`/suppliers?verdict=…`, `?tier=…`, `?rule=…`) or the due
//! queue (`/due?rule=…`), which show as many rows as the number says.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use vetted_core::model::{Tier, Verdict};

use super::due::DUE_RULES;
use super::page::Notice;
use super::past::{Source, at_param, keep_at, without_at};
use super::register::{query_string, tier_label, url_segment, verdict_label};
use super::{Chrome, Nav, PageError, Pages, SignedIn, VIEWER, render};
use crate::AppState;
use crate::snapshot::{Snapshot, SupplierFacts};

/// `GET /`.
pub fn pages() -> Pages {
    Pages::new().get("/", VIEWER, dashboard)
}

/// How many ineligible or unescalated suppliers the dashboard names (the rest are a link away).
const LISTED: usize = 10;

/// How many failing rules the chart shows.
const TOP_RULES: usize = 10;

/// The charts' width in SVG units (they scale to the page).
const CHART_WIDTH: u32 = 640;

/// A verdict's colour in the charts: text beside each one says the same (legend, titles, the
/// table), and each has at least 3:1 contrast with the white page.
fn verdict_fill(v: Verdict) -> &'static str {
    match v {
        Verdict::Ineligible => "#7f1d1d",
        Verdict::NonCompliant => "#c53030",
        Verdict::Attention => "#b45309",
        Verdict::Compliant => "#2f855a",
        Verdict::OutOfScope => "#64748b",
        Verdict::Inactive => "#334155",
    }
}

/// A number with its label and the view it counts.
#[derive(Clone, Debug)]
pub struct Stat {
    /// What is counted.
    pub label: &'static str,
    /// The count.
    pub value: usize,
    /// The view that lists them.
    pub href: String,
    /// A stable name for the number (`compliant`, `high`, `none` …): the badge's class and
    /// the element's `data-key`.
    pub key: &'static str,
}

/// A line of "what is due": a kind of item and how many there are.
#[derive(Clone, Debug)]
pub struct DueLine {
    /// What is due.
    pub label: String,
    /// The rule of its items.
    pub rule: &'static str,
    /// How many items.
    pub count: usize,
    /// The due queue showing them.
    pub href: String,
}

/// A supplier named on the dashboard, with the rules that put it there.
#[derive(Clone, Debug)]
pub struct Flagged {
    /// Its name, or its id.
    pub name: String,
    /// Its id.
    pub id: String,
    /// Its page.
    pub href: String,
    /// The rules shown beside it.
    pub rules: Vec<String>,
    /// How many other failing rules are not shown.
    pub more: usize,
    /// "Open a risk" for it, prefilled with every rule it fails (editors see the link).
    pub open_risk: String,
}

impl Flagged {
    fn of(s: &SupplierFacts, rules: Vec<String>, more: usize, at: Option<&str>) -> Flagged {
        let id = s.id.to_string();
        Flagged {
            name: s.name.clone().unwrap_or_else(|| id.clone()),
            href: keep_at(&format!("/suppliers/{}", url_segment(&id)), at),
            open_risk: crate::ui::risks::open_risk_url(&id, s.failing.iter().map(String::as_str)),
            id,
            rules,
            more,
        }
    }
}

/// A piece of a stacked bar: one verdict of one tier.
#[derive(Clone, Debug)]
pub struct Segment {
    /// Left edge and width, in SVG units.
    pub x: String,
    /// See `x`.
    pub width: String,
    /// The verdict's colour.
    pub fill: &'static str,
    /// The register of this tier and verdict.
    pub href: String,
    /// Its accessible name and tooltip ("High, compliant: 3 suppliers").
    pub title: String,
}

/// One tier's stacked bar.
#[derive(Clone, Debug)]
pub struct TierBar {
    /// The tier as read.
    pub label: &'static str,
    /// The bar's top, and the label's baseline.
    pub y: u32,
    /// See `y`.
    pub text_y: u32,
    /// The tier's total, written after the bar at `total_x`.
    pub total: usize,
    /// See `total`.
    pub total_x: String,
    /// The register of this tier.
    pub href: String,
    /// The verdicts, worst first.
    pub segments: Vec<Segment>,
}

/// A verdict in the chart's legend.
#[derive(Clone, Debug)]
pub struct Legend {
    /// The verdict as read.
    pub label: &'static str,
    /// Its colour.
    pub fill: &'static str,
}

/// One row of the numbers behind the tier chart.
#[derive(Clone, Debug)]
pub struct TierRow {
    /// The tier.
    pub tier: Stat,
    /// Its suppliers by verdict, worst first.
    pub cells: Vec<Stat>,
}

/// One failing rule's bar.
#[derive(Clone, Debug)]
pub struct RuleBar {
    /// The rule id.
    pub rule: String,
    /// How many suppliers fail it.
    pub count: usize,
    /// The register of the suppliers that break it.
    pub href: String,
    /// The label's baseline, the bar's top, its width and where the count is written.
    pub text_y: u32,
    /// See `text_y`.
    pub bar_y: u32,
    /// See `text_y`.
    pub width: String,
    /// See `text_y`.
    pub count_x: String,
}

/// `templates/dashboard/index.html`.
#[derive(Template)]
#[template(path = "dashboard/index.html")]
pub struct DashboardPage {
    chrome: Chrome,
    /// The day evaluated on, `YYYY-MM-DD`.
    as_of: String,
    /// The policy's name and version.
    policy: String,
    /// Every supplier not archived.
    total: usize,
    /// Suppliers with a `fail` finding.
    failing: usize,
    verdicts: Vec<Stat>,
    tiers: Vec<Stat>,
    /// The policy's due-soon window in days.
    window: u32,
    due: Vec<DueLine>,
    due_total: usize,
    ineligible: Vec<Flagged>,
    ineligible_total: usize,
    unescalated: Vec<Flagged>,
    unescalated_total: usize,
    chart_width: u32,
    tier_chart_height: u32,
    tier_bars: Vec<TierBar>,
    tier_rows: Vec<TierRow>,
    legend: Vec<Legend>,
    rules_chart_height: u32,
    rule_bars: Vec<RuleBar>,
}

/// The register filtered by `params`, at the moment `at` when the page shows a past one.
fn register_href(params: &[(&str, &str)], at: Option<&str>) -> String {
    keep_at(
        &format!("/suppliers{}", query_string(params.iter().copied())),
        at,
    )
}

fn tier_key(t: Option<Tier>) -> &'static str {
    t.map_or("none", Tier::as_str)
}

/// A length in SVG units, to one decimal.
fn units(x: f64) -> String {
    format!("{x:.1}")
}

#[expect(
    clippy::cast_precision_loss,
    reason = "counts of suppliers are far below 2^52"
)]
fn share(count: usize, max: usize, width: f64) -> f64 {
    if max == 0 {
        0.0
    } else {
        count as f64 / max as f64 * width
    }
}

/// The stacked bars of verdicts by tier: a label column, the bars, the totals after them.
fn tier_bars(snapshot: &Snapshot, at: Option<&str>) -> (Vec<TierBar>, u32) {
    const LABEL: f64 = 90.0;
    const ROW: u32 = 34;
    let area = f64::from(CHART_WIDTH) - LABEL - 60.0;
    let max = snapshot
        .by_tier
        .iter()
        .map(crate::snapshot::TierVerdicts::total)
        .max()
        .unwrap_or(0);
    let mut bars = Vec::new();
    for (i, row) in snapshot.by_tier.iter().enumerate() {
        let y = 8 + ROW * u32::try_from(i).unwrap_or(0);
        let tier = tier_key(row.tier);
        let mut x = LABEL;
        let mut segments = Vec::new();
        for v in Verdict::WORST_FIRST {
            let n = row.verdicts.get(v);
            if n == 0 {
                continue;
            }
            let width = share(n, max, area);
            segments.push(Segment {
                x: units(x),
                width: units(width),
                fill: verdict_fill(v),
                href: register_href(&[("tier", tier), ("verdict", v.as_str())], at),
                title: format!(
                    "{}, {}: {n} supplier{}",
                    tier_label(row.tier),
                    verdict_label(v).to_lowercase(),
                    if n == 1 { "" } else { "s" }
                ),
            });
            x += width;
        }
        bars.push(TierBar {
            label: tier_label(row.tier),
            y,
            text_y: y + 15,
            total: row.total(),
            total_x: units(x + 6.0),
            href: register_href(&[("tier", tier)], at),
            segments,
        });
    }
    let height = 8 + ROW * u32::try_from(bars.len()).unwrap_or(0);
    (bars, height)
}

/// The horizontal bars of the most frequent failing rules: each rule's id above its bar (ids
/// are long), the count after it.
fn rule_bars(snapshot: &Snapshot, at: Option<&str>) -> (Vec<RuleBar>, u32) {
    const ROW: u32 = 42;
    let area = f64::from(CHART_WIDTH) - 60.0;
    let top: Vec<&(String, usize)> = snapshot.failing_rules.iter().take(TOP_RULES).collect();
    let max = top.first().map_or(0, |(_, n)| *n);
    let bars: Vec<RuleBar> = top
        .iter()
        .enumerate()
        .map(|(i, (rule, count))| {
            let text_y = 16 + ROW * u32::try_from(i).unwrap_or(0);
            let width = share(*count, max, area).max(2.0);
            RuleBar {
                rule: rule.clone(),
                count: *count,
                href: register_href(&[("rule", rule)], at),
                text_y,
                bar_y: text_y + 6,
                width: units(width),
                count_x: units(width + 6.0),
            }
        })
        .collect();
    let height = 8 + ROW * u32::try_from(bars.len()).unwrap_or(0);
    (bars, height)
}

fn page(
    chrome: Chrome,
    snapshot: &Snapshot,
    policy: &vetted_core::policy::Policy,
) -> DashboardPage {
    let at_param = chrome.past.as_ref().map(|p| p.param.clone());
    let at = at_param.as_deref();
    let verdicts = Verdict::WORST_FIRST
        .iter()
        .map(|v| Stat {
            label: verdict_label(*v),
            value: snapshot.verdicts.get(*v),
            href: register_href(&[("verdict", v.as_str())], at),
            key: v.as_str(),
        })
        .collect();
    let tiers: Vec<Stat> = Tier::ALL
        .iter()
        .map(|t| Some(*t))
        .chain([None])
        .map(|t| Stat {
            label: tier_label(t),
            value: match t {
                Some(Tier::Critical) => snapshot.tiers.critical,
                Some(Tier::High) => snapshot.tiers.high,
                Some(Tier::Medium) => snapshot.tiers.medium,
                Some(Tier::Low) => snapshot.tiers.low,
                None => snapshot.tiers.none,
            },
            href: register_href(&[("tier", tier_key(t))], at),
            key: tier_key(t),
        })
        .collect();

    let window = snapshot.window_days;
    let due = DUE_RULES
        .iter()
        .map(|r| DueLine {
            label: r.dashboard_label(window),
            rule: r.rule,
            count: snapshot.due_in_window.get(r.rule).copied().unwrap_or(0),
            href: keep_at(&format!("/due{}", query_string([("rule", r.rule)])), at),
        })
        .collect();

    let ineligible_total = snapshot.ineligible_count;
    let ineligible = snapshot
        .ineligible()
        .take(LISTED)
        .map(|s| Flagged::of(s, s.model_rules().map(String::from).collect(), 0, at))
        .collect();
    let unescalated_total = snapshot.unescalated_count;
    let unescalated = snapshot
        .unescalated()
        .take(LISTED)
        .map(|s| {
            let others: Vec<&String> = s
                .failing
                .iter()
                .filter(|r| *r != vetted_core::engine::ESCALATION_RISK.id)
                .collect();
            let shown = others.iter().take(3).map(|r| (*r).clone()).collect();
            Flagged::of(s, shown, others.len().saturating_sub(3), at)
        })
        .collect();

    let (tier_bars, tier_chart_height) = tier_bars(snapshot, at);
    let tier_rows = snapshot
        .by_tier
        .iter()
        .map(|row| {
            let tier = tier_key(row.tier);
            TierRow {
                tier: Stat {
                    label: tier_label(row.tier),
                    value: row.total(),
                    href: register_href(&[("tier", tier)], at),
                    key: tier,
                },
                cells: Verdict::WORST_FIRST
                    .iter()
                    .map(|v| Stat {
                        label: verdict_label(*v),
                        value: row.verdicts.get(*v),
                        href: register_href(&[("tier", tier), ("verdict", v.as_str())], at),
                        key: v.as_str(),
                    })
                    .collect(),
            }
        })
        .collect();
    let (rule_bars, rules_chart_height) = rule_bars(snapshot, at);

    DashboardPage {
        chrome,
        as_of: vetted_core::date::format_date(snapshot.key.as_of),
        policy: format!("{} (version {})", policy.name, policy.version),
        total: snapshot.suppliers.len(),
        failing: snapshot.failing,
        verdicts,
        tiers,
        window,
        due_total: snapshot.due_in_window.values().sum(),
        due,
        ineligible,
        ineligible_total,
        unescalated,
        unescalated_total,
        chart_width: CHART_WIDTH,
        tier_chart_height,
        tier_bars,
        tier_rows,
        legend: Verdict::WORST_FIRST
            .iter()
            .map(|v| Legend {
                label: verdict_label(*v),
                fill: verdict_fill(*v),
            })
            .collect(),
        rules_chart_height,
        rule_bars,
    }
}

async fn dashboard(
    SignedIn(session): SignedIn,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    // Only `notice` and `at` mean something here; other parameters are ignored, as a browser
    // would expect of a home page.
    let raw = raw.as_deref().unwrap_or("");
    let notice = form_urlencoded::parse(raw.as_bytes())
        .find(|(k, _)| k == "notice")
        .and_then(|(_, v)| Notice::from_code(&v));
    let at = at_param(raw)?;
    let source = Source::load(&state, at, None, without_at("/", raw)).await?;
    let chrome = Chrome::new(session, Nav::Dashboard)
        .with_notice(notice)
        .with_past(source.past.clone());
    Ok(render(
        StatusCode::OK,
        &page(chrome, &source.snapshot, &source.policy),
    ))
}
