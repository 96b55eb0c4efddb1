//! Human output: colours on a terminal (none when piped, with `NO_COLOR`, or `--color never`),
//! the check report as a table grouped by verdict, and error printing.

use std::fmt::Write as _;
use std::io::IsTerminal;

use vetted_core::model::Verdict;
use vetted_core::report::{CheckReport, Severity};

use crate::context::Reported;

/// `--color`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

/// ANSI styling that is a no-op when colour is off.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    on: bool,
}

impl Paint {
    pub fn new(choice: ColorChoice) -> Paint {
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Paint { on }
    }

    fn wrap(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }

    pub fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }

    pub fn verdict(self, v: Verdict, s: &str) -> String {
        let code = match v {
            Verdict::Ineligible => "1;35",
            Verdict::NonCompliant => "1;31",
            Verdict::Attention => "1;33",
            Verdict::Compliant => "1;32",
            Verdict::OutOfScope | Verdict::Inactive => "1;2",
        };
        self.wrap(code, s)
    }

    pub fn severity(self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Fail => "31",
            Severity::Warn => "33",
            Severity::Info => "36",
        };
        self.wrap(code, s)
    }
}

/// A verdict as people say it.
pub fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Inactive => "inactive",
        Verdict::OutOfScope => "out of scope",
        Verdict::Ineligible => "ineligible",
        Verdict::NonCompliant => "non-compliant",
        Verdict::Attention => "attention",
        Verdict::Compliant => "compliant",
    }
}

/// Pads `s` to `width` characters (colour codes are added after padding).
pub fn pad(s: &str, width: usize) -> String {
    format!("{s:<width$}")
}

/// The check report as text: a header, one group per verdict (worst first), and the summary.
pub fn check_text(report: &CheckReport, paint: Paint) -> String {
    let mut out = String::new();
    let p = &report.policy;
    let _ = writeln!(
        out,
        "{} on {} under policy {} v{} (owner {}, last reviewed {})",
        paint.bold("Vetted check"),
        vetted_core::date::format_date(report.as_of),
        p.name,
        p.version,
        p.owner,
        vetted_core::date::format_date(p.last_review)
    );
    for f in &p.findings {
        let _ = writeln!(
            out,
            "  {}  {}  {}",
            paint.severity(f.severity, f.severity.as_str()),
            f.rule,
            f.message
        );
    }
    let id_w = report
        .suppliers
        .iter()
        .map(|s| s.id.chars().count())
        .max()
        .unwrap_or(2)
        .max(8);
    let rule_w = report
        .suppliers
        .iter()
        .flat_map(|s| s.findings.iter().map(|f| f.rule.len()))
        .max()
        .unwrap_or(4);
    for verdict in Verdict::WORST_FIRST {
        let group: Vec<_> = report
            .suppliers
            .iter()
            .filter(|s| s.verdict == verdict)
            .collect();
        if group.is_empty() {
            continue;
        }
        let label = format!(
            "{} ({})",
            verdict_label(verdict).to_uppercase(),
            group.len()
        );
        let _ = writeln!(out, "\n{}", paint.verdict(verdict, &label));
        let _ = writeln!(
            out,
            "  {}  {}  {}",
            paint.dim(&pad("SUPPLIER", id_w)),
            paint.dim(&pad("TIER", 8)),
            paint.dim("NAME")
        );
        for s in group {
            let tier = s.tier.map_or("-", |t| t.as_str());
            let _ = writeln!(
                out,
                "  {}  {}  {}",
                paint.bold(&pad(&s.id, id_w)),
                pad(tier, 8),
                s.name.as_deref().unwrap_or("")
            );
            for f in &s.findings {
                let _ = writeln!(
                    out,
                    "  {}  {} {}  {}",
                    pad("", id_w),
                    paint.severity(f.severity, &pad(f.severity.as_str(), 4)),
                    pad(&f.rule, rule_w),
                    f.message
                );
            }
        }
    }
    let parts: Vec<String> = Verdict::WORST_FIRST
        .iter()
        .map(|v| format!("{} {}", report.summary.get(*v), verdict_label(*v)))
        .collect();
    let _ = writeln!(
        out,
        "\n{} {} suppliers: {}",
        paint.bold("Summary:"),
        report.suppliers.len(),
        parts.join(", ")
    );
    out
}

/// Prints an error chain to standard error.
pub fn print_error(e: &anyhow::Error) {
    if let Some(r) = e.downcast_ref::<Reported>() {
        eprintln!("error: {}", r.0);
        return;
    }
    let mut msg = format!("error: {e}");
    for cause in e.chain().skip(1) {
        // Errors that print their source already (`path: No such file`) need no repeat.
        let text = cause.to_string();
        if !msg.contains(&text) {
            let _ = write!(msg, "\n  caused by: {text}");
        }
    }
    eprintln!("{msg}");
}
