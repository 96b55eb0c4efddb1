//! `vetted check --at` and `vetted export --at` as users meet them: the real binary on a
//! temporary database. The register before its import is empty; after it, the one imported;
//! a change made since does not show at the earlier moment.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[test]
fn export_and_check_at_a_past_moment() {
    let dir = tempfile::tempdir().unwrap();
    let o = vetted(dir.path(), &["import", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let imported = out(&vetted(dir.path(), &["export"]));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let after_import = now();
    std::thread::sleep(std::time::Duration::from_millis(20));

    // A change since: a modified copy of the register imported again.
    let text = std::fs::read_to_string(example()).unwrap().replacen(
        "\"Stratocloud EMEA S.à r.l.\"",
        "\"Stratocloud renamed later\"",
        1,
    );
    let changed = dir.path().join("changed.json");
    std::fs::write(&changed, text).unwrap();
    let o = vetted(dir.path(), &["import", changed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&vetted(dir.path(), &["export"])).contains("Stratocloud renamed later"));

    let o = vetted(dir.path(), &["export", "--at", &after_import]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), imported, "the register as it was after the import");
    assert!(
        err(&o).contains("note: the register as recorded at"),
        "{}",
        err(&o)
    );

    let o = vetted(dir.path(), &["export", "--at", "2020-01-01"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("\"suppliers\": []"), "{}", out(&o));

    let o = vetted(
        dir.path(),
        &["check", "--at", &after_import, "--format", "json"],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "some example supplier fails: {}",
        err(&o)
    );
    let report: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(
        report["as_of"],
        &after_import[..10],
        "as_of defaults to the date of --at"
    );
    assert!(!out(&o).contains("Stratocloud renamed later"));
    assert!(out(&o).contains("Stratocloud EMEA"));

    let o = vetted(dir.path(), &["check", "--at", "next week"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("is not a time"), "{}", err(&o));
    let o = vetted(dir.path(), &["export", "--at", "2999-01-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("future"), "{}", err(&o));
}
