//! `vetted risk list|show` and `vetted policy review` as users meet them: the real binary, a
//! temporary database holding the example register, `--as-of` pinned. The table is an insta
//! snapshot; JSON and CSV are read back; `vetted check` warns about a risk whose copies differ.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AS_OF: &str = "2026-11-25";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/register.json")
}

fn vetted(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vetted"))
        .args(args)
        .env("VETTED_DB", dir.join("vetted.db"))
        .env_remove("VETTED_POLICY")
        .env_remove("VETTED_AUDIT_KEY_FILE")
        .env("NO_COLOR", "1")
        .output()
        .expect("the vetted binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A database holding the example register.
fn imported() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = vetted(dir.path(), &["import", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    dir
}

#[test]
fn risk_list_as_a_table_json_and_csv() {
    let dir = imported();
    let o = vetted(dir.path(), &["risk", "list", "--as-of", "2027-01-05"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("risk_list", stdout(&o));

    let o = vetted(
        dir.path(),
        &[
            "risk",
            "list",
            "--status",
            "open",
            "--overdue",
            "--as-of",
            "2027-01-05",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["R-15", "R-18", "R-19", "R-21"]);
    assert_eq!(rows[0]["overdue"], "past_due");
    assert_eq!(rows[0]["suppliers"][0]["id"], "polyglot-speech");

    let o = vetted(
        dir.path(),
        &["risk", "list", "--treatment", "accept", "--format", "csv"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Id,Title,Status,Treatment,Owner,Due,Overdue,Suppliers")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("R-09,Support access from the US and India,accepted,accept,"),
        "{row}"
    );
    assert_eq!(lines.next(), None);

    let o = vetted(dir.path(), &["risk", "list", "--status", "opne"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected open, treated, accepted or closed"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn risk_show_names_its_suppliers_and_rules() {
    let dir = imported();
    let o = vetted(dir.path(), &["risk", "show", "R-09", "--as-of", AS_OF]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("R-09 Support access from the US and India\n"),
        "{text}"
    );
    assert!(text.contains("\nstatus          accepted\n"), "{text}");
    assert!(text.contains("\n  officium  "), "{text}");
    let o = vetted(dir.path(), &["risk", "show", "R-09", "--format", "json"]);
    let risk: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(risk["treatment"], "accept");
    let o = vetted(dir.path(), &["risk", "show", "R-99"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no risk `R-99`"), "{}", stderr(&o));
}

#[test]
fn check_warns_about_copies_that_differ() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    let suppliers = doc["suppliers"].as_array_mut().unwrap();
    let r07 = suppliers[3]["risks"][0].clone();
    let mut copy = r07.clone();
    copy["title"] = "Another title".into();
    suppliers[2]["risks"] = serde_json::json!([copy]);
    let file = dir.path().join("register.json");
    std::fs::write(&file, serde_json::to_string(&doc).unwrap()).unwrap();
    let o = vetted(
        dir.path(),
        &[
            "check",
            "--register",
            file.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "the report's exit status is unchanged"
    );
    assert!(
        stderr(&o).contains("warning: risk R-07 is linked to azur-models or frontier-reasoning but its copies differ in title"),
        "{}",
        stderr(&o)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["summary"].is_object(), "stdout is the report alone");
}

#[test]
fn policy_review_stores_a_new_version_with_the_date() {
    let dir = imported();
    let o = vetted(
        dir.path(),
        &[
            "policy",
            "review",
            "--date",
            "2026-11-20",
            "--version",
            "2026.2",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("recorded the review of policy default v2026.2 (owner ciso, last reviewed 2026-11-20) as version 1"), "{}", stdout(&o));
    let shown = stdout(&vetted(dir.path(), &["policy", "show"]));
    assert!(shown.contains("\nlast_review = 2026-11-20\n"));
    assert!(shown.contains("\nversion = \"2026.2\"\n"));
    assert!(
        shown.contains("# The policy itself is reviewed at least this often"),
        "comments kept"
    );
    let history = stdout(&vetted(dir.path(), &["policy", "history"]));
    assert_eq!(history.lines().count(), 1);
    // Before the last review, or in the future: refused, nothing stored.
    for date in ["2026-11-19", "2999-01-01"] {
        let o = vetted(dir.path(), &["policy", "review", "--date", date]);
        assert_eq!(o.status.code(), Some(2), "{date}");
    }
    let history = stdout(&vetted(dir.path(), &["policy", "history"]));
    assert_eq!(history.lines().count(), 1);
}
