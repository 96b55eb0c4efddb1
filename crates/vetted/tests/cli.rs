//! The CLI as its users meet it: the real binary, a temporary database, the example register.
//! Outputs are insta snapshots with `--as-of` pinned, so they never drift with the calendar.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};
use vetted_core::same::same_register;

const AS_OF: &str = "2026-11-25";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/register.json")
}

/// Runs `vetted` with a database in `dir` and no colour.
fn vetted(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vetted"))
        .args(args)
        .env("VETTED_DB", dir.join("vetted.db"))
        .env_remove("VETTED_POLICY")
        .env_remove("VETTED_AUDIT_KEY_FILE")
        .env("NO_COLOR", "1")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("the vetted binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn export_json(dir: &Path) -> String {
    let o = vetted(dir, &["export", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn check_example_text() {
    let dir = tmp();
    let ex = example();
    let o = vetted(
        dir.path(),
        &[
            "check",
            "--register",
            ex.to_str().unwrap(),
            "--as-of",
            AS_OF,
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "some supplier fails: exit 1; {}",
        stderr(&o)
    );
    insta::assert_snapshot!("check_example_text", stdout(&o));
}

#[test]
fn check_example_json_has_every_verdict() {
    let dir = tmp();
    let ex = example();
    let o = vetted(
        dir.path(),
        &[
            "check",
            "--register",
            ex.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for v in [
        "inactive",
        "out_of_scope",
        "ineligible",
        "non_compliant",
        "attention",
        "compliant",
    ] {
        assert!(
            report["summary"][v].as_u64().unwrap() > 0,
            "no {v} supplier in the example"
        );
    }
    insta::assert_snapshot!("check_example_json", stdout(&o));
}

#[test]
fn filters_narrow_report_summary_and_exit_status() {
    let dir = tmp();
    let ex = example();
    let ex = ex.to_str().unwrap();
    let o = vetted(
        dir.path(),
        &[
            "check",
            "--register",
            ex,
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--verdict",
            "compliant",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "only compliant suppliers: nothing fails"
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        report["suppliers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["verdict"] == "compliant")
    );
    assert_eq!(report["summary"]["non_compliant"], 0);

    let o = vetted(
        dir.path(),
        &["check", "--register", ex, "--supplier", "no-such-supplier"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no supplier `no-such-supplier`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn import_then_check_the_database_equals_checking_the_file() {
    let dir = tmp();
    let ex = example();
    let ex = ex.to_str().unwrap();
    let o = vetted(dir.path(), &["import", ex]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("created"), "{}", stdout(&o));
    let db = vetted(dir.path(), &["check", "--as-of", AS_OF, "--format", "json"]);
    let file = vetted(
        dir.path(),
        &[
            "check",
            "--register",
            ex,
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    assert_eq!(stdout(&db), stdout(&file));

    // A second import changes nothing.
    let o = vetted(dir.path(), &["import", ex]);
    assert!(
        stdout(&o).contains("0 created, 0 updated"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn export_is_lossless_in_every_format() {
    let dir = tmp();
    let ex = example();
    let original = std::fs::read_to_string(&ex).unwrap();
    let policy = Policy::default();
    let opts = ReadOptions {
        clauses: Some(&policy.clauses),
    };
    let original = read_register(&original, Syntax::Json, &opts).unwrap();
    assert_eq!(
        vetted(dir.path(), &["import", ex.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );

    for (format, file) in [
        ("json", "out.json"),
        ("yaml", "out.yaml"),
        ("xlsx", "out.xlsx"),
        ("csv", "csv-out"),
    ] {
        let out = dir.path().join(file);
        let o = vetted(
            dir.path(),
            &["export", "--format", format, "--out", out.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        let other = tmp();
        let o = vetted(other.path(), &["import", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        let back = read_register(&export_json(other.path()), Syntax::Json, &opts).unwrap();
        if format == "json" || format == "yaml" {
            assert!(
                same_register(&original, &back),
                "{format} export lost something"
            );
        } else {
            // A spreadsheet cell cannot tell an empty text from an absent one: the documented
            // limit of the flat layout (docs/spreadsheet-layout.md). Everything else survives.
            let blank_as_absent = |r: &vetted_core::model::Register| {
                let mut v: serde_json::Value =
                    serde_json::from_str(&vetted_core::write::to_json(r)).unwrap();
                drop_empty_strings(&mut v);
                read_register(&v.to_string(), Syntax::Json, &opts).unwrap()
            };
            assert!(
                same_register(&blank_as_absent(&original), &blank_as_absent(&back)),
                "{format} export lost something"
            );
        }
    }
}

fn drop_empty_strings(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|_, x| x.as_str() != Some(""));
            map.values_mut().for_each(drop_empty_strings);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_empty_strings),
        _ => {}
    }
}

#[test]
fn bad_input_reports_every_problem_exits_2_and_changes_nothing() {
    let dir = tmp();
    let ex = example();
    assert_eq!(
        vetted(dir.path(), &["import", ex.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let before = export_json(dir.path());

    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"format": "supplier-register/1", "suppliers": [
  {"id": "new-one", "name": "New"},
  {"id": "x", "locations": [{"country": "UK", "purpose": "storage"}]},
  {"id": "y", "status": "actve", "assessments": [{"date": "2025-02-30", "outcome": "approved"}]}
]}
"#,
    )
    .unwrap();
    let o = vetted(dir.path(), &["import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("3 problems in the input; nothing was changed"),
        "{err}"
    );
    assert!(
        err.contains("bad.json:3:41: suppliers[1].locations[0].country:"),
        "{err}"
    );
    assert!(err.contains("the United Kingdom is GB"), "{err}");
    assert!(err.contains("suppliers[2].status"), "{err}");
    assert!(err.contains("suppliers[2].assessments[0].date"), "{err}");
    assert_eq!(export_json(dir.path()), before, "the database is unchanged");

    let o = vetted(dir.path(), &["check", "--register", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "check of an invalid file exits 2");
}

#[test]
fn policy_show_and_check() {
    let dir = tmp();
    let o = vetted(dir.path(), &["policy", "show"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), vetted_core::policy::DEFAULT_POLICY_TOML);

    let file = dir.path().join("p.toml");
    std::fs::write(
        &file,
        vetted_core::policy::DEFAULT_POLICY_TOML
            .replace("due_soon_days = 30", "due_soon_days = \"soon\""),
    )
    .unwrap();
    let o = vetted(dir.path(), &["policy", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let line = vetted_core::policy::DEFAULT_POLICY_TOML
        .lines()
        .position(|l| l.starts_with("due_soon_days"))
        .unwrap()
        + 1;
    assert!(
        stderr(&o).contains(&format!("p.toml:{line}:17:")),
        "{}",
        stderr(&o)
    );

    // A custom policy changes the outcome without code changes: allow the US.
    std::fs::write(
        &file,
        vetted_core::policy::DEFAULT_POLICY_TOML
            .replace("allowed_countries = [", "allowed_countries = [\"US\", "),
    )
    .unwrap();
    let o = vetted(dir.path(), &["policy", "check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn supplier_list_show_and_due() {
    let dir = tmp();
    let ex = example();
    assert_eq!(
        vetted(dir.path(), &["import", ex.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let o = vetted(
        dir.path(),
        &["supplier", "list", "--as-of", AS_OF, "--sort", "verdict"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("supplier_list", stdout(&o));
    let o = vetted(dir.path(), &["due", "--as-of", AS_OF, "--within", "60d"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("due", stdout(&o));
    let o = vetted(
        dir.path(),
        &["supplier", "show", "vektora", "--as-of", AS_OF],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("supplier_show", stdout(&o));
    let o = vetted(
        dir.path(),
        &[
            "supplier",
            "list",
            "--as-of",
            AS_OF,
            "--verdict",
            "ineligible",
            "--format",
            "json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["frontier-reasoning", "polyglot-speech"]);
    let o = vetted(
        dir.path(),
        &["supplier", "show", "no-such", "--as-of", AS_OF],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no supplier `no-such`"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = tmp();
    let ex = example();
    let ex = ex.to_str().unwrap();
    // Piped (as in this test) and without NO_COLOR: still no escape codes.
    let piped = Command::new(env!("CARGO_BIN_EXE_vetted"))
        .args(["check", "--register", ex, "--as-of", AS_OF])
        .env_remove("NO_COLOR")
        .env("VETTED_DB", dir.path().join("db"))
        .output()
        .unwrap();
    assert!(!stdout(&piped).contains('\x1b'), "no colour when piped");
    let forced = vetted(
        dir.path(),
        &[
            "check",
            "--register",
            ex,
            "--as-of",
            AS_OF,
            "--color",
            "always",
        ],
    );
    assert!(
        stdout(&forced).contains("\x1b[1;31mNON-COMPLIANT (9)\x1b[0m"),
        "{}",
        stdout(&forced)
    );
}

#[test]
fn a_bad_spreadsheet_row_names_sheet_row_and_column_and_writes_nothing() {
    let dir = tmp();
    let sheets = dir.path().join("sheets");
    std::fs::create_dir(&sheets).unwrap();
    std::fs::write(
        sheets.join("suppliers.csv"),
        "id,name,category,status,owner,services\nacme,Acme GmbH,saas,active,ciso@example.eu,Ticketing\nbeta,Beta Oy,saas,active,ciso@example.eu,Chat\n",
    )
    .unwrap();
    std::fs::write(
        sheets.join("locations.csv"),
        "supplier,country,purpose\nacme,DE,storage\nbeta,UK,storage\nghost,FR,storage\n",
    )
    .unwrap();
    let o = vetted(dir.path(), &["import", sheets.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("2 problems in the input; nothing was changed"),
        "{err}"
    );
    assert!(err.contains("locations.csv: sheet locations, row 3, column 2 (country): \"UK\" is not an ISO 3166-1 alpha-2 country code (the United Kingdom is GB)"), "{err}");
    assert!(
        err.contains("row 4"),
        "the unknown supplier `ghost` is named too: {err}"
    );
    let o = vetted(dir.path(), &["supplier", "list", "--format", "json"]);
    assert_eq!(stdout(&o).trim(), "[]", "nothing was written");

    // Fixed, it imports.
    std::fs::write(
        sheets.join("locations.csv"),
        "supplier,country,purpose\nacme,DE,storage\nbeta,FI,storage\n",
    )
    .unwrap();
    let o = vetted(dir.path(), &["import", sheets.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 created"), "{}", stdout(&o));
}

#[test]
fn a_custom_policy_adds_clause_keys_without_code_changes() {
    let dir = tmp();
    let policy = dir.path().join("policy.toml");
    let text = format!(
        "{}\n[clauses.model_cards]\ntitle = \"Model cards kept current\"\n",
        vetted_core::policy::DEFAULT_POLICY_TOML
    )
    .replace(
        "model_provider = [\"ai_security_testing\"]",
        "model_provider = [\"ai_security_testing\", \"model_cards\"]",
    );
    std::fs::write(&policy, text).unwrap();
    let register = dir.path().join("r.yaml");
    std::fs::write(
        &register,
        "format: supplier-register/1\nsuppliers:\n  - id: m\n    agreements:\n      - signed: 2025-01-01\n        clauses:\n          model_cards: {}\n",
    )
    .unwrap();
    let o = vetted(
        dir.path(),
        &[
            "check",
            "--register",
            register.to_str().unwrap(),
            "--as-of",
            AS_OF,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "unknown under the default policy");
    assert!(
        stderr(&o).contains(
            "r.yaml:7:11: suppliers[0].agreements[0].clauses.model_cards: unknown clause"
        ),
        "{}",
        stderr(&o)
    );
    let o = vetted(
        dir.path(),
        &[
            "--policy",
            policy.to_str().unwrap(),
            "check",
            "--register",
            register.to_str().unwrap(),
            "--as-of",
            AS_OF,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn import_seals_an_audit_trail_that_verifies_and_exports() {
    let dir = tmp();
    let ex = example();
    let o = vetted(dir.path(), &["import", ex.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // The key file was created beside the database, private.
    let key_file = dir.path().join("vetted.db.audit-key");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ex).unwrap()).unwrap();
    let n = document["suppliers"].as_array().unwrap().len();
    let o = vetted(dir.path(), &["audit", "head"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let head = stdout(&o).trim().to_string();
    assert!(head.starts_with(&format!("{n}:")), "{head}");

    let o = vetted(dir.path(), &["audit", "verify", "--head", &head]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("intact: {n} entries")),
        "{}",
        stdout(&o)
    );

    // A head the trail no longer reaches: exit 1, naming what is missing.
    let mac = head.split_once(':').unwrap().1;
    let later = format!("{}:{mac}", n + 3);
    let o = vetted(dir.path(), &["audit", "verify", "--head", &later]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let missing = format!("entries {} to {} were removed", n + 1, n + 3);
    assert!(stdout(&o).contains(&missing), "{}", stdout(&o));

    let first = document["suppliers"][0]["id"].as_str().unwrap();
    let o = vetted(
        dir.path(),
        &["audit", "log", "--supplier", first, "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let entries: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(entries[0]["action"], "supplier.create");
    assert_eq!(entries[0]["actor"]["kind"], "system");
    assert_eq!(entries[0]["after"]["id"], first);

    let out = dir.path().join("trail.jsonl");
    let o = vetted(
        dir.path(),
        &["audit", "export", "--out", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.lines().count(), n);
    for (i, line) in lines.lines().enumerate() {
        let entry: vetted_core::audit::AuditEntry = serde_json::from_str(line).unwrap();
        assert_eq!(entry.seq, i as u64 + 1);
    }

    // Importing the same file again changes nothing and seals nothing.
    let o = vetted(dir.path(), &["import", ex.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&vetted(dir.path(), &["audit", "head"])).trim(), head);

    // Another key file is refused, for verifying and for writing, and says why.
    let other = dir.path().join("other.key");
    std::fs::write(&other, "ab".repeat(32)).unwrap();
    let other = other.to_str().unwrap();
    let o = vetted(dir.path(), &["--audit-key", other, "audit", "verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("fingerprints differ"), "{}", stderr(&o));
    let o = vetted(
        dir.path(),
        &["--audit-key", other, "import", ex.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("fingerprints differ"), "{}", stderr(&o));

    // Verifying never creates a key.
    let missing = dir.path().join("missing.key");
    let o = vetted(
        dir.path(),
        &["--audit-key", missing.to_str().unwrap(), "audit", "verify"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.key"), "{}", stderr(&o));
    assert!(!missing.exists());
}

#[test]
fn policy_upload_stores_versions_that_history_lists_and_the_trail_verifies() {
    let dir = tmp();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        vetted_core::policy::DEFAULT_POLICY_TOML
            .replace("due_soon_days = 30", "due_soon_days = \"soon\""),
    )
    .unwrap();
    let o = vetted(dir.path(), &["policy", "upload", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.toml:"), "{}", stderr(&o));
    let o = vetted(dir.path(), &["policy", "history"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("no policy version is stored"),
        "{}",
        stdout(&o)
    );

    let good = dir.path().join("good.toml");
    std::fs::write(&good, vetted_core::policy::DEFAULT_POLICY_TOML).unwrap();
    for number in 1..=2 {
        let o = vetted(dir.path(), &["policy", "upload", good.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!("as version {number} ")),
            "{}",
            stdout(&o)
        );
    }
    let o = vetted(dir.path(), &["policy", "history"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fingerprint =
        vetted_core::projection::policy_fingerprint(vetted_core::policy::DEFAULT_POLICY_TOML);
    let lines: Vec<_> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for (i, line) in lines.iter().enumerate() {
        let fields: Vec<_> = line.split('\t').collect();
        assert_eq!(fields[0], (i + 1).to_string());
        assert_eq!(fields[2], "system");
        assert_eq!(fields[3], fingerprint);
    }
    let o = vetted(dir.path(), &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn commands_on_the_database_use_the_stored_policy_unless_a_policy_file_is_given() {
    let dir = tmp();
    let o = vetted(dir.path(), &["import", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let due = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["due", "--as-of", "2026-11-25"]);
        let o = vetted(dir.path(), &all);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o).lines().count()
    };
    let before = due(&[]);

    let default = dir.path().join("default.toml");
    std::fs::write(&default, vetted_core::policy::DEFAULT_POLICY_TOML).unwrap();
    let wide = dir.path().join("wide.toml");
    std::fs::write(
        &wide,
        vetted_core::policy::DEFAULT_POLICY_TOML
            .replace("name = \"default\"", "name = \"uploaded\"")
            .replace("due_soon_days = 30", "due_soon_days = 365"),
    )
    .unwrap();
    let o = vetted(dir.path(), &["policy", "upload", wide.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = vetted(dir.path(), &["policy", "show"]);
    assert!(stdout(&o).contains("name = \"uploaded\""), "{}", stdout(&o));
    // A year's window lists more than 30 days' did.
    let after = due(&[]);
    assert!(
        after > before,
        "{after} lines with the stored policy, {before} before"
    );
    // An explicit policy file wins (a what-if against another policy).
    assert_eq!(due(&["--policy", default.to_str().unwrap()]), before);
}

#[test]
fn backup_then_restore_into_a_new_database_exports_the_same_and_verifies() {
    let from = tmp();
    let o = vetted(from.path(), &["import", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let file = from.path().join("backup.db");
    let o = vetted(from.path(), &["backup", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("suppliers 22"), "{}", stdout(&o));
    let o = vetted(from.path(), &["backup", file.to_str().unwrap()]);
    assert_ne!(
        o.status.code(),
        Some(0),
        "an existing file is not overwritten"
    );

    let to = tmp();
    let key = from.path().join("vetted.db.audit-key");
    assert!(key.is_file(), "the key sits beside the database");
    let restore = |dir: &Path, extra: &[&str]| {
        let mut args = vec![
            "--audit-key",
            key.to_str().unwrap(),
            "restore",
            file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        vetted(dir, &args)
    };
    let o = restore(to.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(export_json(to.path()), export_json(from.path()));
    let o = vetted(
        to.path(),
        &["--audit-key", key.to_str().unwrap(), "audit", "verify"],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));

    let o = restore(to.path(), &[]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("is not empty"), "{}", stderr(&o));
    let o = restore(to.path(), &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // Without the backup's key (a new one is made beside the new database): refused.
    let other = tmp();
    let o = vetted(other.path(), &["restore", file.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("audit key"), "{}", stderr(&o));
}

/// Standard output closed early (`vetted … | head`): the command stops quietly with the status
/// a shell gives a process stopped by SIGPIPE, not a panic's report. Both ways of writing are
/// covered: `generate` writes through `write_all` (an error), `audit log --format json`
/// through one `println!` (a panic) of more than a pipe holds (75 KB; Linux pipes hold 64 KB),
/// so both are still writing when the reader goes.
#[test]
fn a_closed_standard_output_stops_quietly() {
    use std::io::Read as _;
    let dir = tmp();
    let o = vetted(dir.path(), &["import", "examples/register.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for args in [
        &["generate", "--suppliers", "5000"][..],
        &["audit", "log", "--format", "json"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vetted"))
            .args(args)
            .env("VETTED_DB", dir.path().join("vetted.db"))
            .env_remove("VETTED_POLICY")
            .env_remove("VETTED_AUDIT_KEY_FILE")
            .env("NO_COLOR", "1")
            .env("RUST_BACKTRACE", "0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the vetted binary runs");
        let mut first = [0_u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The reader is gone (dropped above): the next writes meet a closed pipe.
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("error:"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
    }
}
