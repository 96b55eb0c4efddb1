//! Measures `read_register` on a large generated JSON register, and prints a document as YAML.
//!
//! `cargo run --release -p vetted-core --example read_bench -- gen N FILE` writes a register of N
//! suppliers (about 1.1 KB each, one per line); `… -- read FILE [json|yaml]` reads it and prints
//! the time taken and the memory used beyond the input text (Linux: from `/proc/self/status`);
//! `… -- yaml FILE` prints a JSON register as YAML. The machine's other load shows in the times:
//! run it several times.

use std::time::Instant;

use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};

/// User and system CPU time of this process so far, in milliseconds (Linux, 10 ms ticks).
fn cpu_ms() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = |i: usize| fields.get(i).copied().unwrap_or(0) * 10;
    (ticks(11), ticks(12))
}

/// `VmRSS` and `VmHWM` (peak) of this process in MB, from `/proc/self/status` (Linux).
fn memory_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// One supplier of about 1 KB, compact, touching most of the format.
fn supplier(i: usize) -> String {
    format!(
        concat!(
            r#"{{"id": "supplier-{i}", "name": "Supplier number {i} \"Ltd\"", "category": "saas", "#,
            r#""services": ["Production hosting in eu-central-1"], "status": "active", "owner": "cto@example.eu", "#,
            r#""data": {{"personal_data": true, "customer_data": true, "#,
            r#""production_dependency": true, "categories": ["customer conversations"]}}, "#,
            r#""locations": [{{"country": "DE", "purpose": "storage"}}, "#,
            r#"{{"country": "US", "purpose": "access", "note": "follow-the-sun support", "mechanism": "scc"}}], "#,
            r#""assurance": [{{"kind": "iso27001", "valid_from": "2025-11-01", "#,
            r#""valid_until": "2028-10-31"}}], "agreements": [{{"kind": "dpa", "#,
            r#""signed": "2025-01-10", "expires": null, "gdpr_art28": true, "clauses": {{"#,
            r#""data_protection_confidentiality": {{}}, "incident_notification": {{"hours": 48}}, "#,
            r#""security_sla": {{"availability": 99.95}}, "no_training": {{}}}}}}], "#,
            r#""risk": {{"business_impact": "high", "data_access": "customer", "replaceability": "hard"}}, "#,
            r#""reviews": [{{"date": "2025-12-01", "reviewer": "ciso@example.eu", "trigger": "scheduled", "#,
            r#""outcome": "pass", "checks": ["assurance", "dpa"], "notes": "caf\u00e9"}}], "#,
            r#""events": [{{"date": "2026-03-02", "kind": "incident", "summary": "Regional outage, 3 h"}}]}}"#
        ),
        i = i
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["gen", n, file] => {
            let n: usize = n.parse().expect("a number of suppliers");
            let body: Vec<String> = (0..n).map(supplier).collect();
            let doc = format!(
                "{{\"format\": \"supplier-register/1\", \"suppliers\": [\n{}\n]}}\n",
                body.join(",\n")
            );
            std::fs::write(file, doc).expect("write");
        }
        ["read", file, rest @ ..] => {
            let syntax = if rest.first() == Some(&"yaml") {
                Syntax::Yaml
            } else {
                Syntax::Json
            };
            let text = std::fs::read_to_string(file).expect("read");
            let policy = Policy::default();
            let options = ReadOptions {
                clauses: Some(&policy.clauses),
            };
            let (before, _) = memory_mb();
            let (user_before, sys_before) = cpu_ms();
            let start = Instant::now();
            let result = read_register(&text, syntax, &options);
            let elapsed = start.elapsed();
            let (user, sys) = cpu_ms();
            println!(
                "cpu: user {} ms, system {} ms",
                user - user_before,
                sys - sys_before
            );
            let (after, peak) = memory_mb();
            println!(
                "memory beyond the input text: peak {} MB, after {} MB (RSS with the input loaded: {before} MB)",
                peak.saturating_sub(before),
                after.saturating_sub(before),
            );
            match result {
                Ok(r) => println!(
                    "{} suppliers, {} bytes, in {elapsed:?}",
                    r.suppliers.len(),
                    text.len()
                ),
                Err(p) => println!("{} problems in {elapsed:?}; first: {}", p.len(), p[0]),
            }
        }
        ["yaml", file] => {
            let text = std::fs::read_to_string(file).expect("read");
            let register = read_register(&text, Syntax::Json, &ReadOptions { clauses: None })
                .expect("a valid register");
            print!("{}", vetted_core::write::to_yaml(&register));
        }
        _ => eprintln!("usage: read_bench gen N FILE | read FILE [json|yaml] | yaml FILE"),
    }
}
