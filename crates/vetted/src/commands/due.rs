//! `vetted due`: what needs action, most urgent first.

use std::io::Write as _;

use anyhow::Result;
use time::Date;
use vetted_core::due::DueItem;

use super::OutputFormat;
use crate::context::{Context, parse_as_of};
use crate::output::{Paint, pad};

/// What needs action, most urgent first.
///
/// The CISO's list: reviews overdue, triggered or due soon; certificates, reports and agreements
/// expiring; engaged suppliers without due diligence; failing suppliers without an escalation.
/// Each with its date and rule id.
#[derive(clap::Args, Debug)]
pub struct Opts {
    /// Look this far ahead: `30d`, `8w`, `3m` (months of 30 days) or a number of days
    /// (default: the policy's review due-soon window; with `--at`, that of the policy then).
    #[arg(long, value_name = "DURATION", value_parser = parse_within)]
    pub within: Option<u32>,
    /// The date to evaluate on (default: today; with `--at`, the date of that moment).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// What was due in the register as it was recorded at this moment (rebuilt from the audit
    /// trail), under the policy version in force then: `2026-03-01T12:00:00Z`, or a date for
    /// the end of that day (UTC).
    #[arg(long, value_name = "TIME", value_parser = super::parse_at)]
    pub at: Option<time::OffsetDateTime>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `30d`, `8w`, `3m` or `30` → days.
pub fn parse_within(s: &str) -> Result<u32, String> {
    vetted_core::due::parse_within(s)
}

pub async fn run(ctx: &Context, o: Opts) -> Result<u8> {
    let (register, policy) = super::load_db_or_at(ctx, o.at).await?;
    let as_of = o
        .as_of
        .or(o.at.map(time::OffsetDateTime::date))
        .unwrap_or(ctx.today);
    let within = o.within.unwrap_or(policy.review.due_soon_days);
    let items: Vec<DueItem> =
        vetted_app::evaluate::due_list(&register.suppliers, &policy, as_of, Some(within));
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match o.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, &items)?;
            writeln!(stdout)?;
        }
        OutputFormat::Text => {
            let paint = Paint::new(ctx.global.color);
            writeln!(
                stdout,
                "{} on {}, looking {within} days ahead: {} item{}",
                paint.bold("Due"),
                vetted_core::date::format_date(as_of),
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            )?;
            let id_w = items
                .iter()
                .map(|i| i.supplier.chars().count())
                .max()
                .unwrap_or(8)
                .max(8);
            let rule_w = items.iter().map(|i| i.rule.len()).max().unwrap_or(4);
            for i in &items {
                let date = i
                    .date
                    .map_or_else(|| "-".to_string(), vetted_core::date::format_date);
                let kind = pad(i.kind.as_str(), 9);
                let kind = match i.kind {
                    vetted_core::due::DueKind::DueSoon => {
                        paint.severity(vetted_core::report::Severity::Warn, &kind)
                    }
                    _ => paint.severity(vetted_core::report::Severity::Fail, &kind),
                };
                writeln!(
                    stdout,
                    "  {kind}  {}  {}  {}  {}{}",
                    pad(&date, 10),
                    paint.bold(&pad(&i.supplier, id_w)),
                    pad(i.rule, rule_w),
                    i.what,
                    i.owner
                        .as_deref()
                        .map(|o| format!(" (owner {o})"))
                        .unwrap_or_default()
                )?;
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::parse_within("30d"), Ok(30));
        assert_eq!(super::parse_within("2w"), Ok(14));
        assert_eq!(super::parse_within("3m"), Ok(90));
        assert_eq!(super::parse_within("45"), Ok(45));
        assert!(super::parse_within("soon").is_err());
        assert!(super::parse_within("-3d").is_err());
    }
}
