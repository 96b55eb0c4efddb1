//! The report as one self-contained HTML document (its stylesheet inline, no script, no outside
//! file), laid out for A4 when printed: what `--format html` writes, what the server shows and
//! what Chromium prints to PDF. Every figure links to the list of suppliers behind it, and every
//! supplier to its record when the document is served ([`Links::server`]).

use askama::Template;
use vetted_core::date::format_date;
use vetted_core::iso::{self, Figure, SupplierRef};

use super::IsoDocument;

/// Suppliers a figure's list shows; past it the document says how many more there are (the
/// JSON report and the evidence pack hold every one). Keeps the document of a register of
/// thousands printable.
pub const NAMES_SHOWN: usize = 200;

/// Rows a table shows (nonconformities of a control, reviews, due reviews, triggered reviews).
pub const ROWS_SHOWN: usize = 300;

/// Where supplier names link to.
#[derive(Clone, Debug, Default)]
pub struct Links {
    /// A supplier's record is this, its id, and `supplier_suffix`; none in a file (names only).
    pub supplier_prefix: Option<String>,
    pub supplier_suffix: String,
}

impl Links {
    /// A file handed over: supplier names without links.
    pub fn file() -> Links {
        Links::default()
    }

    /// Served by Vetted: suppliers link to their page as recorded at `at` (the moment the
    /// register was rebuilt at: RFC 3339).
    pub fn server(at: &str) -> Links {
        Links {
            supplier_prefix: Some("/suppliers/".into()),
            supplier_suffix: format!("?at={at}"),
        }
    }

    fn supplier(&self, s: &SupplierRef) -> Named {
        Named {
            name: s.name.clone(),
            id: s.id.clone(),
            href: self
                .supplier_prefix
                .as_ref()
                .map(|p| format!("{p}{}{}", s.id, self.supplier_suffix)),
        }
    }
}

/// A supplier as the template shows it.
struct Named {
    name: String,
    id: String,
    href: Option<String>,
}

struct FigureLine {
    key: String,
    label: String,
    value: String,
    yes: Vec<Named>,
    no: Vec<Named>,
    /// Suppliers not listed (past [`NAMES_SHOWN`]).
    yes_more: usize,
    no_more: usize,
    share: bool,
}

struct Requirement {
    rule: String,
    severity: &'static str,
    text: String,
}

struct NonconformityLine {
    supplier: Named,
    rule: String,
    message: String,
}

struct ControlView {
    control: String,
    /// The control as an HTML id: `5-19`.
    anchor: String,
    title: String,
    requires: Vec<Requirement>,
    figures: Vec<FigureLine>,
    nonconformities: Vec<NonconformityLine>,
    nonconformities_more: usize,
}

struct Row {
    supplier: Named,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "report/iso27001.html")]
struct Document<'a> {
    title: String,
    organization: Option<&'a str>,
    period: String,
    as_of: String,
    cut: bool,
    generated: String,
    policy: String,
    basis: String,
    summary: Vec<&'a FigureLine>,
    controls: &'a [ControlView],
    reviews: Vec<Row>,
    due: Vec<Row>,
    triggered: Vec<Row>,
    /// Rows of each table not shown (past [`ROWS_SHOWN`]).
    reviews_more: usize,
    due_more: usize,
    triggered_more: usize,
    mean_days: String,
    escalations: Vec<(String, String, Vec<Named>, Vec<String>)>,
    versions: Vec<Vec<String>>,
    /// Extra markup before the document (the server's navigation), trusted.
    header: &'a str,
    /// Where the whole lists are.
    json_hint: &'static str,
}

fn value(f: &Figure) -> String {
    match (f.of, f.percent) {
        (Some(of), Some(p)) => format!("{} of {of} ({p:.1} %)", f.count),
        (Some(of), None) => format!("{} of {of}", f.count),
        _ => f.count.to_string(),
    }
}

fn opt(d: Option<time::Date>) -> String {
    d.map_or_else(|| "—".to_string(), format_date)
}

fn stamp(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// Renders the document; `header` is markup placed above it (empty for a file).
pub fn render(doc: &IsoDocument, links: &Links, header: &str) -> String {
    let r = &doc.report;
    let controls: Vec<ControlView> = r
        .controls
        .iter()
        .map(|c| ControlView {
            control: c.control.to_string(),
            anchor: c.control.replace('.', "-"),
            title: c.title.to_string(),
            requires: c
                .requires
                .iter()
                .map(|q| Requirement {
                    rule: q.rule.clone(),
                    severity: q.severity.as_str(),
                    text: q.text.clone(),
                })
                .collect(),
            figures: c
                .figures
                .iter()
                .map(|f| FigureLine {
                    key: f.key.to_string(),
                    label: f.label.to_string(),
                    value: value(f),
                    yes: f
                        .suppliers
                        .iter()
                        .take(NAMES_SHOWN)
                        .map(|s| links.supplier(s))
                        .collect(),
                    no: f
                        .missing
                        .iter()
                        .take(NAMES_SHOWN)
                        .map(|s| links.supplier(s))
                        .collect(),
                    yes_more: f.suppliers.len().saturating_sub(NAMES_SHOWN),
                    no_more: f.missing.len().saturating_sub(NAMES_SHOWN),
                    share: f.of.is_some(),
                })
                .collect(),
            nonconformities_more: c.nonconformities.len().saturating_sub(ROWS_SHOWN),
            nonconformities: c
                .nonconformities
                .iter()
                .take(ROWS_SHOWN)
                .map(|n| NonconformityLine {
                    supplier: links.supplier(&n.supplier),
                    rule: n.rule.clone(),
                    message: n.message.clone(),
                })
                .collect(),
        })
        .collect();
    let summary_keys = [
        "in_scope",
        "current_assurance",
        "dpa_in_force",
        "reviews_on_time",
        "triggered_reviewed",
        "escalations_opened",
        "escalations_closed",
    ];
    let summary = summary_keys
        .iter()
        .filter_map(|k| {
            controls
                .iter()
                .flat_map(|c| &c.figures)
                .find(|f| f.key == *k)
        })
        .collect();
    let policy = match doc.policy.number {
        Some(n) => format!(
            "{} {} (stored version {n}), owner {}",
            doc.policy.name, doc.policy.version, doc.policy.owner
        ),
        None => format!(
            "{} {}, owner {} (configured; no version was stored by then)",
            doc.policy.name, doc.policy.version, doc.policy.owner
        ),
    };
    let html = Document {
        title: "Supplier security: ISO/IEC 27001:2022 A.5.19–A.5.23".into(),
        organization: doc.organization.as_deref(),
        period: format!(
            "{} to {}",
            format_date(r.period.from),
            format_date(r.period.to)
        ),
        as_of: format_date(r.as_of),
        cut: doc.basis.cut_at_today,
        generated: stamp(doc.generated_at),
        policy,
        basis: format!(
            "the register as recorded at {}: {} entries of the audit trail, up to #{}",
            stamp(doc.basis.recorded_at),
            doc.basis.trail_entries,
            doc.basis.last_seq
        ),
        summary,
        controls: &controls,
        reviews_more: r.reviews.len().saturating_sub(ROWS_SHOWN),
        reviews: r
            .reviews
            .iter()
            .take(ROWS_SHOWN)
            .map(|c| Row {
                supplier: links.supplier(&c.supplier),
                cells: vec![
                    format_date(c.date),
                    match c.kind {
                        iso::CheckRecordKind::Review => "review".into(),
                        iso::CheckRecordKind::DueDiligence => "due diligence".into(),
                    },
                    c.trigger.clone().unwrap_or_default(),
                    c.outcome.clone().unwrap_or_default(),
                    c.by.clone().unwrap_or_default(),
                    c.checks.join(", "),
                ],
            })
            .collect(),
        due_more: r.due_reviews.len().saturating_sub(ROWS_SHOWN),
        due: r
            .due_reviews
            .iter()
            .take(ROWS_SHOWN)
            .map(|d| Row {
                supplier: links.supplier(&d.supplier),
                cells: vec![
                    format_date(d.due),
                    opt(d.done),
                    if d.on_time {
                        "on time".into()
                    } else if d.done.is_some() {
                        "late".into()
                    } else {
                        "not done".into()
                    },
                ],
            })
            .collect(),
        triggered_more: r.triggered.len().saturating_sub(ROWS_SHOWN),
        triggered: r
            .triggered
            .iter()
            .take(ROWS_SHOWN)
            .map(|t| Row {
                supplier: links.supplier(&t.supplier),
                cells: vec![
                    format_date(t.event),
                    t.kind.replace('_', " "),
                    t.summary.clone().unwrap_or_default(),
                    opt(t.reviewed),
                    if t.reviewed.is_some() {
                        t.days.to_string()
                    } else {
                        format!("{} so far", t.days)
                    },
                ],
            })
            .collect(),
        mean_days: iso::mean_days(&r.triggered).map_or_else(String::new, |d| format!("{d:.1}")),
        escalations: r
            .escalations
            .iter()
            .map(|e| {
                (
                    e.risk.clone(),
                    e.title.clone(),
                    e.suppliers.iter().map(|s| links.supplier(s)).collect(),
                    vec![
                        opt(e.opened),
                        e.status_at_start.clone().unwrap_or_else(|| "—".into()),
                        e.status_at_end.clone().unwrap_or_else(|| "—".into()),
                        match (e.opened_in_period, e.closed_in_period) {
                            (true, true) => "opened and closed".into(),
                            (true, false) => "opened".into(),
                            (false, true) => "closed".into(),
                            (false, false) => "still open".into(),
                        },
                    ],
                )
            })
            .collect(),
        versions: doc
            .policy_versions
            .iter()
            .map(|v| {
                vec![
                    v.number.to_string(),
                    v.version.clone(),
                    stamp(v.from),
                    v.until.map_or_else(|| "in force".into(), stamp),
                    v.by.clone(),
                    v.fingerprint.chars().take(16).collect(),
                ]
            })
            .collect(),
        header,
        json_hint: "`vetted report iso27001 --format json`, the API, or report/iso27001.json in an evidence pack",
    };
    html.render()
        .unwrap_or_else(|e| format!("the report could not be rendered: {e}"))
}
