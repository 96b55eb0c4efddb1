//! `vetted supplier list` and `vetted supplier show ID`.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{Context as _, Result};
use serde::Serialize;
use time::Date;
use vetted_core::date::format_date;
use vetted_core::engine::{Facts, evaluate};
use vetted_core::model::{Category, Status, Supplier, SupplierId, Tier, Verdict};
use vetted_core::policy::Policy;
use vetted_core::report::{Evaluation, Finding};

use super::OutputFormat;
use super::check::parse_verdict;
use crate::context::{Context, parse_as_of};
use crate::output::{Paint, pad, verdict_label};

/// List suppliers or show one.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List suppliers with their tier, verdict and next review.
    List(ListOpts),
    /// Show every section of one supplier and its findings.
    Show(ShowOpts),
}

/// Sort keys of `supplier list`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Register order.
    Register,
    Id,
    Name,
    /// Worst verdict first.
    Verdict,
    /// Highest tier first.
    Tier,
    /// Earliest next review first.
    NextReview,
}

#[derive(clap::Args, Debug)]
pub struct ListOpts {
    /// Only these verdicts (repeatable).
    #[arg(long = "verdict", value_parser = parse_verdict)]
    pub verdicts: Vec<Verdict>,
    /// Only these tiers (repeatable; `none` for suppliers without a tier).
    #[arg(long = "tier", value_parser = parse_tier)]
    pub tiers: Vec<Option<Tier>>,
    /// Only these categories (repeatable).
    #[arg(long = "category", value_parser = parse_category)]
    pub categories: Vec<Category>,
    /// Only these statuses (repeatable).
    #[arg(long = "status", value_parser = parse_status)]
    pub statuses: Vec<Status>,
    #[arg(long, value_enum, default_value_t = SortKey::Register)]
    pub sort: SortKey,
    /// The date to evaluate on (default: today; with `--at`, the date of that moment).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// List the register as it was recorded at this moment (rebuilt from the audit trail),
    /// under the policy version in force then: `2026-03-01T12:00:00Z`, or a date for the end
    /// of that day (UTC).
    #[arg(long, value_name = "TIME", value_parser = super::parse_at)]
    pub at: Option<time::OffsetDateTime>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(clap::Args, Debug)]
pub struct ShowOpts {
    /// The supplier id.
    pub id: String,
    /// The date to evaluate on (default: today; with `--at`, the date of that moment).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// Show the supplier as it was recorded at this moment (rebuilt from the audit trail),
    /// under the policy version in force then: `2026-03-01T12:00:00Z`, or a date for the end
    /// of that day (UTC).
    #[arg(long, value_name = "TIME", value_parser = super::parse_at)]
    pub at: Option<time::OffsetDateTime>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

fn parse_tier(s: &str) -> Result<Option<Tier>, String> {
    if s == "none" {
        return Ok(None);
    }
    Tier::parse(s)
        .map(Some)
        .ok_or_else(|| format!("expected {} or none", Tier::expected()))
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::parse(s).ok_or_else(|| format!("expected {}", Category::expected()))
}

fn parse_status(s: &str) -> Result<Status, String> {
    Status::parse(s).ok_or_else(|| format!("expected {}", Status::expected()))
}

/// One row of `supplier list --format json`.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    name: Option<&'a str>,
    category: Option<Category>,
    status: Option<Status>,
    tier: Option<Tier>,
    verdict: Verdict,
    #[serde(with = "vetted_core::date::serde_opt")]
    next_review: Option<Date>,
    fails: usize,
    warnings: usize,
}

fn next_review(s: &Supplier, policy: &Policy, as_of: Date, e: &Evaluation) -> Option<Date> {
    let engaged_in_scope = matches!(
        e.verdict,
        Verdict::Ineligible | Verdict::NonCompliant | Verdict::Attention | Verdict::Compliant
    ) && s.status.is_some_and(Status::is_engaged);
    engaged_in_scope
        .then(|| Facts::new(s, policy, as_of).next_review)
        .flatten()
}

pub async fn run(ctx: &Context, c: Command) -> Result<u8> {
    match c {
        Command::List(o) => list(ctx, o).await,
        Command::Show(o) => show(ctx, o).await,
    }
}

/// The day to evaluate on: `--as-of`, else the date of `--at`, else today.
fn as_of(ctx: &Context, as_of: Option<Date>, at: Option<time::OffsetDateTime>) -> Date {
    as_of
        .or(at.map(time::OffsetDateTime::date))
        .unwrap_or(ctx.today)
}

async fn list(ctx: &Context, o: ListOpts) -> Result<u8> {
    let (register, policy) = super::load_db_or_at(ctx, o.at).await?;
    let as_of = as_of(ctx, o.as_of, o.at);
    let mut rows: Vec<(usize, Row<'_>)> = register
        .suppliers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let e = evaluate(s, &policy, as_of);
            let count = |sev| e.findings.iter().filter(|f| f.severity == sev).count();
            let row = Row {
                id: s.id.as_str(),
                name: s.name.as_deref(),
                category: s.category,
                status: s.status,
                tier: e.tier,
                verdict: e.verdict,
                next_review: next_review(s, &policy, as_of, &e),
                fails: count(vetted_core::report::Severity::Fail),
                warnings: count(vetted_core::report::Severity::Warn),
            };
            (i, row)
        })
        .filter(|(_, r)| o.verdicts.is_empty() || o.verdicts.contains(&r.verdict))
        .filter(|(_, r)| o.tiers.is_empty() || o.tiers.contains(&r.tier))
        .filter(|(_, r)| {
            o.categories.is_empty() || r.category.is_some_and(|c| o.categories.contains(&c))
        })
        .filter(|(_, r)| o.statuses.is_empty() || r.status.is_some_and(|s| o.statuses.contains(&s)))
        .collect();
    match o.sort {
        SortKey::Register => {}
        SortKey::Id => rows.sort_by(|a, b| a.1.id.cmp(b.1.id)),
        SortKey::Name => rows.sort_by(|a, b| {
            a.1.name
                .map(str::to_lowercase)
                .cmp(&b.1.name.map(str::to_lowercase))
        }),
        SortKey::Verdict => rows.sort_by_key(|(i, r)| (r.verdict.badness_rank(), *i)),
        SortKey::Tier => rows.sort_by_key(|(i, r)| (r.tier.map_or(4, |t| t as usize), *i)),
        SortKey::NextReview => {
            rows.sort_by_key(|(i, r)| (r.next_review.is_none(), r.next_review, *i));
        }
    }
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if o.format == OutputFormat::Json {
        let rows: Vec<&Row<'_>> = rows.iter().map(|(_, r)| r).collect();
        serde_json::to_writer_pretty(&mut stdout, &rows)?;
        writeln!(stdout)?;
        return Ok(0);
    }
    let paint = Paint::new(ctx.global.color);
    let id_w = rows
        .iter()
        .map(|(_, r)| r.id.chars().count())
        .max()
        .unwrap_or(2)
        .max(2);
    let name_w = rows
        .iter()
        .map(|(_, r)| r.name.unwrap_or("").chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 40);
    writeln!(
        stdout,
        "{}",
        paint.dim(&format!(
            "{}  {}  {}  {}  {}  {}  {}  FAILS  WARNS",
            pad("ID", id_w),
            pad("NAME", name_w),
            pad("CATEGORY", 21),
            pad("STATUS", 13),
            pad("TIER", 8),
            pad("VERDICT", 13),
            pad("NEXT REVIEW", 11)
        ))
    )?;
    for (_, r) in &rows {
        let name: String = r.name.unwrap_or("").chars().take(40).collect();
        writeln!(
            stdout,
            "{}  {}  {}  {}  {}  {}  {}  {:>5}  {:>5}",
            paint.bold(&pad(r.id, id_w)),
            pad(&name, name_w),
            pad(r.category.map_or("-", Category::as_str), 21),
            pad(r.status.map_or("-", Status::as_str), 13),
            pad(r.tier.map_or("-", Tier::as_str), 8),
            paint.verdict(r.verdict, &pad(verdict_label(r.verdict), 13)),
            pad(
                &r.next_review.map_or_else(|| "-".to_string(), format_date),
                11
            ),
            r.fails,
            r.warnings
        )?;
    }
    writeln!(stdout, "{} suppliers", rows.len())?;
    Ok(0)
}

/// `supplier show --format json`.
#[derive(Serialize)]
struct ShowJson<'a> {
    supplier: &'a Supplier,
    version: i64,
    #[serde(with = "vetted_core::date::serde_date")]
    as_of: Date,
    tier: Option<Tier>,
    verdict: Verdict,
    #[serde(with = "vetted_core::date::serde_opt")]
    next_review: Option<Date>,
    findings: &'a [Finding],
}

/// The supplier `id` as recorded at `at` and its version then, under the policy in force then;
/// an error saying why when the register did not hold it then.
async fn show_at(
    ctx: &Context,
    id: &SupplierId,
    at: time::OffsetDateTime,
) -> Result<(Supplier, i64, Policy)> {
    let at_text = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    match super::supplier_at(ctx, id, at).await? {
        super::SupplierThen::Held(s, version) => {
            let (_, policy) = super::load_db_at(ctx, at).await?;
            Ok((*s, version, policy))
        }
        super::SupplierThen::Archived => {
            anyhow::bail!(
                "supplier `{id}` was archived at {at_text}: the register did not hold it then"
            )
        }
        super::SupplierThen::Unknown => {
            anyhow::bail!("supplier `{id}` had not been created by {at_text}")
        }
    }
}

async fn show(ctx: &Context, o: ShowOpts) -> Result<u8> {
    let id = SupplierId::parse(&o.id).map_err(|e| anyhow::anyhow!("supplier id {e}"))?;
    let (supplier, version, policy) = if let Some(at) = o.at {
        show_at(ctx, &id, at).await?
    } else {
        let (policy, _, _) = ctx.db_policy().await?;
        let store = ctx.store().await?;
        let found = store.find_supplier(&id).await;
        store.close().await;
        let stored = found?.with_context(|| format!("no supplier `{}` in the register", o.id))?;
        (stored.supplier, stored.version, policy)
    };
    let s = &supplier;
    let as_of = as_of(ctx, o.as_of, o.at);
    let e = evaluate(s, &policy, as_of);
    let next = next_review(s, &policy, as_of, &e);
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if o.format == OutputFormat::Json {
        let view = ShowJson {
            supplier: s,
            version,
            as_of,
            tier: e.tier,
            verdict: e.verdict,
            next_review: next,
            findings: &e.findings,
        };
        serde_json::to_writer_pretty(&mut stdout, &view)?;
        writeln!(stdout)?;
        return Ok(0);
    }
    let paint = Paint::new(ctx.global.color);
    stdout.write_all(render_supplier(s, &e, next, as_of, paint).as_bytes())?;
    Ok(0)
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn od(d: Option<Date>) -> String {
    d.map_or_else(|| "-".to_string(), format_date)
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Every section of a supplier as text.
#[expect(
    clippy::many_single_char_names,
    reason = "short names keep this long template readable"
)]
fn render_supplier(
    s: &Supplier,
    e: &Evaluation,
    next: Option<Date>,
    as_of: Date,
    paint: Paint,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}  {}",
        paint.bold(s.id.as_str()),
        s.name.as_deref().unwrap_or("")
    );
    let _ = writeln!(
        o,
        "{} on {}, tier {}, next review {}",
        paint.verdict(e.verdict, verdict_label(e.verdict)),
        format_date(as_of),
        opt(e.tier),
        od(next)
    );
    let _ = writeln!(o, "\n{}", paint.bold("Findings"));
    if e.findings.is_empty() {
        let _ = writeln!(o, "  none: every rule holds");
    }
    for f in &e.findings {
        let _ = writeln!(
            o,
            "  {} {}  [{}]  {}",
            paint.severity(f.severity, &pad(f.severity.as_str(), 4)),
            f.rule,
            f.controls.join(", "),
            f.message
        );
    }
    let _ = writeln!(o, "\n{}", paint.bold("Entry"));
    let _ = writeln!(
        o,
        "  category  {}\n  status    {}\n  owner     {}\n  website   {}",
        opt(s.category),
        opt(s.status),
        opt(s.owner.as_deref()),
        opt(s.website.as_deref())
    );
    for (i, svc) in s.services.iter().enumerate() {
        let _ = writeln!(
            o,
            "  {}{svc}",
            if i == 0 { "services  " } else { "          " }
        );
    }
    let d = &s.data;
    let _ = writeln!(
        o,
        "\n{}\n  personal data {}, customer data {}, confidential {}, production dependency {}, model inference {}",
        paint.bold("Data"),
        yes(d.personal_data),
        yes(d.customer_data),
        yes(d.confidential),
        yes(d.production_dependency),
        yes(s.inference.provides)
    );
    if !d.categories.is_empty() {
        let _ = writeln!(o, "  categories: {}", d.categories.join("; "));
    }
    let _ = writeln!(o, "\n{}", paint.bold("Locations"));
    if s.locations.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for l in &s.locations {
        let _ = writeln!(
            o,
            "  {:<10} {}{}{}{}",
            l.purpose.as_str(),
            l.country,
            l.region
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            l.mechanism.map(|m| format!(", {m}")).unwrap_or_default(),
            l.note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(o, "\n{}", paint.bold("Assurance"));
    if s.assurance.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for a in &s.assurance {
        let mut line = format!("  {:<13}", a.kind.as_str());
        if let Some(i) = &a.issuer {
            let _ = write!(line, " {i}");
        }
        if a.valid_from.is_some() || a.valid_until.is_some() {
            let _ = write!(line, " valid {}..{}", od(a.valid_from), od(a.valid_until));
        }
        if a.period_start.is_some() || a.period_end.is_some() {
            let _ = write!(line, " period {}..{}", od(a.period_start), od(a.period_end));
        }
        if let Some(c) = a.completed {
            let _ = write!(line, " completed {}", format_date(c));
        }
        if !a.covers_service {
            line.push_str(" (does not cover the service)");
        }
        if !a.exceptions.is_empty() {
            let _ = write!(
                line,
                "; exceptions{}: {}",
                if a.exceptions_acknowledged {
                    " (acknowledged)"
                } else {
                    ""
                },
                a.exceptions.join("; ")
            );
        }
        if !a.compensating_controls.is_empty() {
            let _ = write!(
                line,
                "; compensating controls: {}",
                a.compensating_controls.join("; ")
            );
        }
        let _ = writeln!(o, "{line}");
    }
    let _ = writeln!(o, "\n{}", paint.bold("Agreements"));
    if s.agreements.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for a in &s.agreements {
        let in_force = vetted_core::engine::in_force(a, as_of);
        let _ = writeln!(
            o,
            "  {} {}: signed {}, expires {}, terminated {}{}{}",
            opt(a.kind),
            a.title.as_deref().unwrap_or(""),
            od(a.signed),
            od(a.expires),
            od(a.terminated),
            if a.gdpr_art28 { ", GDPR Art. 28" } else { "" },
            if in_force {
                ", in force"
            } else {
                ", not in force"
            }
        );
        for (k, params) in &a.clauses {
            let ps: Vec<String> = params
                .iter()
                .map(|(n, v)| format!("{n} {}", serde_json::to_string(v).unwrap_or_default()))
                .collect();
            let _ = writeln!(
                o,
                "    - {k}{}",
                if ps.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ps.join(", "))
                }
            );
        }
    }
    let r = &s.risk;
    let _ = writeln!(
        o,
        "\n{}\n  business impact {}, data access {}, replaceability {}",
        paint.bold("Risk inputs"),
        opt(r.business_impact),
        opt(r.data_access),
        opt(r.replaceability)
    );
    let _ = writeln!(o, "\n{}", paint.bold("Due diligence"));
    if s.assessments.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for a in &s.assessments {
        let _ = writeln!(
            o,
            "  {} {} by {}{}",
            format_date(a.date),
            a.outcome,
            opt(a.assessor.as_deref()),
            a.notes
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(o, "\n{}", paint.bold("Reviews"));
    if s.reviews.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for rv in &s.reviews {
        let checks: Vec<&str> = rv.checks.iter().map(|c| c.as_str()).collect();
        let _ = writeln!(
            o,
            "  {} {} ({}) by {}, checked {}{}",
            format_date(rv.date),
            opt(rv.outcome),
            opt(rv.trigger),
            opt(rv.reviewer.as_deref()),
            if checks.is_empty() {
                "-".to_string()
            } else {
                checks.join(", ")
            },
            rv.notes
                .as_deref()
                .filter(|n| !n.is_empty())
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(o, "\n{}", paint.bold("Events"));
    if s.events.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for ev in &s.events {
        let _ = writeln!(
            o,
            "  {} {}{}",
            format_date(ev.date),
            ev.kind,
            ev.summary
                .as_deref()
                .map(|x| format!(": {x}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(o, "\n{}", paint.bold("Risks"));
    if s.risks.is_empty() {
        let _ = writeln!(o, "  none recorded");
    }
    for rk in &s.risks {
        let _ = writeln!(
            o,
            "  {} {} [{}, {}] owner {}, due {}",
            opt(rk.id.as_deref()),
            rk.title.as_deref().unwrap_or(""),
            opt(rk.status),
            opt(rk.treatment),
            opt(rk.owner.as_deref()),
            od(rk.due)
        );
    }
    let _ = writeln!(
        o,
        "\n{} ({})",
        paint.bold("Subprocessors"),
        if s.subprocessors.known {
            "known"
        } else {
            "not known"
        }
    );
    for sp in &s.subprocessors.list {
        let cs: Vec<&str> = sp
            .countries
            .iter()
            .map(vetted_core::country::Country::as_str)
            .collect();
        let _ = writeln!(
            o,
            "  {} ({}) in {}",
            sp.name.as_deref().unwrap_or("-"),
            sp.purpose.as_deref().unwrap_or("-"),
            if cs.is_empty() {
                "-".to_string()
            } else {
                cs.join(", ")
            }
        );
    }
    let pl = &s.public_listing;
    let _ = writeln!(
        o,
        "\n{}\n  listed {}{}{}",
        paint.bold("Public listing"),
        yes(pl.listed),
        pl.purpose
            .as_deref()
            .map(|p| format!(", purpose: {p}"))
            .unwrap_or_default(),
        pl.since
            .map(|d| format!(", since {}", format_date(d)))
            .unwrap_or_default()
    );
    o
}
