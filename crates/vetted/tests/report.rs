//! `vetted report iso27001` as an auditor's contact meets it: the real binary on a database
//! holding the example register, in JSON, HTML and PDF. The PDF is printed by real headless
//! Chromium and checked by rendering its pages with poppler's `pdftoppm` and reading its text
//! with `pdftotext` (`scripts/with-browser` installs Chromium and poppler-utils; without them
//! these tests fail and say so).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/register.json")
}

fn vetted(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vetted"))
        .args(args)
        .current_dir(dir)
        .env("VETTED_DB", dir.join("vetted.db"))
        .env_remove("VETTED_POLICY")
        .env_remove("VETTED_AUDIT_KEY_FILE")
        .env_remove("VETTED_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("the vetted binary runs")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn imported() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = vetted(dir.path(), &["import", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    dir
}

fn tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is not installed: the PDF report is checked with poppler-utils; run the \
             tests through scripts/test or scripts/with-browser, which install it"
        )
    })
}

fn figure<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["figures"].as_array().unwrap())
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("no figure {key}"))
}

#[test]
fn json_figures_match_the_register_and_the_check() {
    let dir = imported();
    let o = vetted(dir.path(), &["report", "iso27001", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["format"], "vetted-iso27001-report/1");
    let controls: Vec<&str> = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["control"].as_str().unwrap())
        .collect();
    assert_eq!(controls, ["5.19", "5.20", "5.21", "5.22", "5.23"]);

    // In scope, counted from the register file itself: any of the five exposures.
    let register: Value =
        serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    let flag = |s: &Value, path: &[&str]| {
        path.iter()
            .try_fold(s, |v, k| v.get(k))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let in_scope = register["suppliers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            flag(s, &["data", "customer_data"])
                || flag(s, &["data", "confidential"])
                || flag(s, &["data", "personal_data"])
                || flag(s, &["data", "production_dependency"])
                || flag(s, &["inference", "provides"])
        })
        .count();
    assert_eq!(figure(&report, "in_scope")["count"], in_scope);

    // The nonconformities are the check's fail findings on the same day, control by control.
    let as_of = report["as_of"].as_str().unwrap();
    let o = vetted(dir.path(), &["check", "--format", "json", "--as-of", as_of]);
    let check: Value = serde_json::from_slice(&o.stdout).unwrap();
    for control in &controls {
        let expected = check["suppliers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["findings"].as_array().unwrap())
            .filter(|f| {
                f["severity"] == "fail"
                    && f["controls"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|c| c == control)
            })
            .count();
        let section = report["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["control"] == *control)
            .unwrap();
        assert_eq!(
            section["nonconformities"].as_array().unwrap().len(),
            expected,
            "A.{control}"
        );
    }

    // A period before anything was recorded: nothing in scope; bad periods are refused.
    let o = vetted(
        dir.path(),
        &[
            "report",
            "iso27001",
            "--format",
            "json",
            "--period",
            "2020-01-01..2020-12-31",
        ],
    );
    let old: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(figure(&old, "in_scope")["count"], 0);
    let o = vetted(
        dir.path(),
        &["report", "iso27001", "--period", "2026-12-01..2026-01-01"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("after it ends"), "{}", err(&o));
    let o = vetted(
        dir.path(),
        &["report", "iso27001", "--period", "2099-01-01..2099-12-31"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("after today"), "{}", err(&o));
}

#[test]
fn html_is_one_document_whose_figures_link_to_their_records() {
    let dir = imported();
    let o = vetted(
        dir.path(),
        &[
            "report",
            "iso27001",
            "--out",
            "report.html",
            "--organization",
            "Example AI GmbH",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("Example AI GmbH"));
    for c in ["5.19", "5.20", "5.21", "5.22", "5.23"] {
        assert!(
            html.contains(&format!("id=\"control-{}\"", c.replace('.', "-"))),
            "A.{c}"
        );
    }
    // Every figure's link has its target, which names the suppliers behind it.
    let mut links = 0;
    for part in html.split("href=\"#fig-").skip(1) {
        let key = part.split('"').next().unwrap();
        assert!(html.contains(&format!("id=\"fig-{key}\"")), "{key}");
        links += 1;
    }
    assert!(links >= 12, "{links} figure links");
    assert!(html.contains("Stratocloud EMEA S.à r.l."));
    // Nothing outside the file: no script, no stylesheet or image to fetch.
    assert!(!html.contains("<script") && !html.contains("<link rel=\"stylesheet\""));
}

/// The PNG's width and height, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

/// Share of dark pixels of a binary greyscale PGM (P5) page.
fn ink(pgm: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(&pgm[..pgm.len().min(64)]).into_owned();
    let mut fields = text.split_ascii_whitespace();
    assert_eq!(fields.next(), Some("P5"), "a binary PGM");
    let w: usize = fields.next().unwrap().parse().unwrap();
    let h: usize = fields.next().unwrap().parse().unwrap();
    let pixels = &pgm[pgm.len() - w * h..];
    pixels.iter().filter(|p| **p < 128).count() as f64 / pixels.len() as f64
}

#[test]
fn pdf_is_an_a4_document_with_the_report_on_its_pages() {
    let (pdftoppm, pdftotext) = (tool("pdftoppm"), tool("pdftotext"));
    let dir = imported();
    let o = vetted(
        dir.path(),
        &[
            "report",
            "iso27001",
            "--format",
            "pdf",
            "--out",
            "report.pdf",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let pdf = dir.path().join("report.pdf");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    // Every page as PNG: A4 portrait, a page per control at least.
    let pages = dir.path().join("page");
    let status = Command::new(&pdftoppm)
        .args(["-r", "36", "-png"])
        .arg(&pdf)
        .arg(&pages)
        .status()
        .unwrap();
    assert!(status.success());
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    assert!(pngs.len() >= 6, "{} pages", pngs.len());
    for png in &pngs {
        let (w, h) = png_size(&std::fs::read(png).unwrap());
        let ratio = f64::from(h) / f64::from(w);
        assert!(
            (ratio - 297.0 / 210.0).abs() < 0.02,
            "{png:?}: {w}x{h} is not A4"
        );
    }
    // The first page carries the title and the summary: ink, not a blank page.
    let status = Command::new(&pdftoppm)
        .args(["-r", "30", "-gray", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(dir.path().join("first"))
        .status()
        .unwrap();
    assert!(status.success());
    let share = ink(&std::fs::read(dir.path().join("first.pgm")).unwrap());
    assert!(share > 0.005 && share < 0.5, "ink on page 1: {share}");

    // The text on the pages: the title, each control, the summary's figures, as in the JSON.
    let text = Command::new(&pdftotext)
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("ISO/IEC 27001:2022"), "{text}");
    for c in [
        "A.5.19 Information security in supplier",
        "A.5.20 Addressing information security",
        "A.5.21 Managing information security",
        "A.5.22 Monitoring, review",
        "A.5.23 Information security for use",
    ] {
        assert!(text.contains(c), "{c}");
    }
    // Every page is numbered out of the pages rendered.
    for n in 1..=pngs.len() {
        let numbered = format!("Page {n} of {}", pngs.len());
        assert!(text.contains(&numbered), "{numbered}");
    }
    let o = vetted(dir.path(), &["report", "iso27001", "--format", "json"]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = figure(&report, "current_assurance");
    let shown = format!("{} of {}", f["count"], f["of"]);
    assert!(text.contains(&shown), "{shown} in the PDF");
}
