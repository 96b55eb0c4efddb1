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

/// Archives `id` in the database of `dir` at the current time, as the API's archive does (the
/// command line has no archive command).
fn archive(dir: &Path, id: &str) {
    let db = dir.join("vetted.db").display().to_string();
    let url = vetted_store::DatabaseUrl::new(db.as_str());
    let key_path = vetted_store::keyfile::default_path(&url, dir).unwrap();
    let key = vetted_store::keyfile::load(&key_path).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = vetted_store::open_with_audit_key(&url, key).await.unwrap();
            let id = vetted_core::model::SupplierId::parse(id).unwrap();
            let version = store.get_supplier(&id).await.unwrap().version;
            let change = vetted_store::Change::now(vetted_core::audit::Actor::System);
            store.archive_supplier(&id, version, &change).await.unwrap();
            store.close().await;
        });
}

fn pause() {
    std::thread::sleep(std::time::Duration::from_millis(20));
}

fn json(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "{}", err(o));
    serde_json::from_str(&out(o)).unwrap()
}

#[test]
fn due_and_supplier_list_and_show_at_a_past_moment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let before_import = now();
    pause();
    let o = vetted(d, &["import", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let day = "2026-03-01";
    let list_then = out(&vetted(
        d,
        &["supplier", "list", "--as-of", day, "--format", "json"],
    ));
    let due_then = out(&vetted(d, &["due", "--as-of", day, "--format", "json"]));
    let due_text_then = out(&vetted(d, &["due", "--as-of", day]));
    let show_then = out(&vetted(
        d,
        &["supplier", "show", "stratocloud", "--as-of", day],
    ));
    pause();
    let after_import = now();
    pause();

    // Since: stratocloud renamed (an import), forgehub archived.
    let text = std::fs::read_to_string(example()).unwrap().replacen(
        "\"Stratocloud EMEA S.à r.l.\"",
        "\"Stratocloud renamed later\"",
        1,
    );
    let changed = d.join("changed.json");
    std::fs::write(&changed, text).unwrap();
    let o = vetted(d, &["import", changed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    archive(d, "forgehub");
    let list_now = out(&vetted(
        d,
        &["supplier", "list", "--as-of", day, "--format", "json"],
    ));
    assert_ne!(list_now, list_then, "the register has changed since");

    // `supplier list --at`: the list as it was, filters and sorting as today's.
    let o = vetted(
        d,
        &[
            "supplier",
            "list",
            "--at",
            &after_import,
            "--as-of",
            day,
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o), list_then, "the list as it was after the import");
    assert!(
        err(&o).contains("note: the register as recorded at"),
        "{}",
        err(&o)
    );
    let o = vetted(
        d,
        &[
            "supplier",
            "list",
            "--at",
            &now(),
            "--as-of",
            day,
            "--format",
            "json",
        ],
    );
    assert_eq!(out(&o), list_now, "the list at this moment is today's");
    let filtered = |at: Option<&str>| {
        let mut args = vec![
            "supplier",
            "list",
            "--as-of",
            day,
            "--verdict",
            "non_compliant",
            "--verdict",
            "attention",
            "--sort",
            "tier",
            "--format",
            "json",
        ];
        if let Some(at) = at {
            args.extend(["--at", at]);
        }
        json(&vetted(d, &args))
    };
    let at_now = now();
    let (past, current) = (filtered(Some(&at_now)), filtered(None));
    assert_eq!(past, current, "filters and sorting apply as today");
    assert!(
        !past.as_array().unwrap().is_empty(),
        "some example supplier needs attention"
    );
    assert!(
        past.as_array()
            .unwrap()
            .iter()
            .all(|r| { r["verdict"] == "non_compliant" || r["verdict"] == "attention" }),
        "{past}"
    );
    let empty = json(&vetted(
        d,
        &[
            "supplier",
            "list",
            "--at",
            &before_import,
            "--format",
            "json",
        ],
    ));
    assert_eq!(
        empty,
        serde_json::json!([]),
        "nothing was recorded before the import"
    );

    // `due --at`: what was due then; as today's at this moment.
    let o = vetted(
        d,
        &[
            "due",
            "--at",
            &after_import,
            "--as-of",
            day,
            "--format",
            "json",
        ],
    );
    assert_eq!(out(&o), due_then, "{}", err(&o));
    let o = vetted(d, &["due", "--at", &after_import, "--as-of", day]);
    assert_eq!(out(&o), due_text_then, "{}", err(&o));
    assert!(
        due_then.contains("forgehub"),
        "the archived supplier had something due then"
    );
    let due_now = out(&vetted(d, &["due", "--as-of", day, "--format", "json"]));
    assert!(!due_now.contains("forgehub"), "archived since");
    let o = vetted(
        d,
        &["due", "--at", &now(), "--as-of", day, "--format", "json"],
    );
    assert_eq!(out(&o), due_now);
    let o = vetted(d, &["due", "--at", &after_import, "--format", "json"]);
    let items: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert!(items.is_array(), "{}", err(&o));
    let o = vetted(d, &["due", "--at", &after_import]);
    assert!(
        out(&o).contains(&format!("on {}", &after_import[..10])),
        "--as-of defaults to the date of --at: {}",
        out(&o)
    );

    // `supplier show --at`: the record then, its version then.
    let o = vetted(
        d,
        &[
            "supplier",
            "show",
            "stratocloud",
            "--at",
            &after_import,
            "--as-of",
            day,
        ],
    );
    assert_eq!(out(&o), show_then, "{}", err(&o));
    let then = json(&vetted(
        d,
        &[
            "supplier",
            "show",
            "stratocloud",
            "--at",
            &after_import,
            "--format",
            "json",
        ],
    ));
    assert_eq!(then["supplier"]["name"], "Stratocloud EMEA S.à r.l.");
    assert_eq!(then["version"], 1);
    assert_eq!(then["as_of"], &after_import[..10]);
    let current = json(&vetted(
        d,
        &["supplier", "show", "stratocloud", "--format", "json"],
    ));
    assert_eq!(current["supplier"]["name"], "Stratocloud renamed later");
    assert_eq!(current["version"], 2);
    let at_now = json(&vetted(
        d,
        &[
            "supplier",
            "show",
            "stratocloud",
            "--at",
            &now(),
            "--format",
            "json",
        ],
    ));
    assert_eq!(at_now["supplier"], current["supplier"]);
    assert_eq!(at_now["version"], current["version"]);

    // Not in the register then: the error says why.
    let o = vetted(d, &["supplier", "show", "forgehub", "--at", &now()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("was archived"), "{}", err(&o));
    let o = vetted(d, &["supplier", "show", "forgehub", "--at", &after_import]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "held before it was archived: {}",
        err(&o)
    );
    let o = vetted(
        d,
        &["supplier", "show", "stratocloud", "--at", &before_import],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("had not been created"), "{}", err(&o));
    let o = vetted(
        d,
        &["supplier", "show", "stratocloud", "--at", "2999-01-01"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("future"), "{}", err(&o));
    let o = vetted(d, &["due", "--at", "tomorrow-ish"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("is not a time"), "{}", err(&o));
}

#[test]
fn risk_list_and_show_at_a_past_moment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let before_import = now();
    pause();
    let o = vetted(d, &["import", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let listed = json(&vetted(d, &["risk", "list", "--format", "json"]));
    let shown = json(&vetted(d, &["risk", "show", "R-07", "--format", "json"]));
    pause();
    let after_import = now();
    pause();

    // Since then: R-07 is closed and retitled, R-21's supplier archived (the risk leaves the
    // register with it).
    let text = std::fs::read_to_string(example()).unwrap();
    let mut register: serde_json::Value = serde_json::from_str(&text).unwrap();
    for s in register["suppliers"].as_array_mut().unwrap() {
        for r in s["risks"].as_array_mut().into_iter().flatten() {
            if r["id"] == "R-07" {
                r["status"] = "closed".into();
                r["title"] = "Closed later".into();
            }
        }
    }
    let changed = d.join("changed.json");
    std::fs::write(&changed, register.to_string()).unwrap();
    let o = vetted(d, &["import", changed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    archive(d, "helpdeck");
    let now_listed = json(&vetted(d, &["risk", "list", "--format", "json"]));
    assert_ne!(now_listed, listed, "the risk register changed since");
    assert!(!now_listed.to_string().contains("R-21"));

    // At the earlier moment: the list and the risk as they were, judged on the same day.
    let day = time::OffsetDateTime::now_utc().date().to_string();
    let o = vetted(
        d,
        &[
            "risk",
            "list",
            "--at",
            &after_import,
            "--as-of",
            &day,
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(json(&o), listed);
    assert!(
        err(&o).contains("the register as recorded at"),
        "{}",
        err(&o)
    );
    let o = vetted(
        d,
        &[
            "risk",
            "show",
            "R-07",
            "--at",
            &after_import,
            "--as-of",
            &day,
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(json(&o), shown);
    let o = vetted(d, &["risk", "show", "R-07", "--at", &after_import]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        out(&o).contains("status") && !out(&o).contains("Closed later"),
        "{}",
        out(&o)
    );
    // Filters apply to the past register: R-07 was open then, and is not now.
    let open_then = json(&vetted(
        d,
        &[
            "risk",
            "list",
            "--at",
            &after_import,
            "--status",
            "open",
            "--format",
            "json",
        ],
    ));
    assert!(open_then.to_string().contains("R-07"), "{open_then}");
    let open_now = json(&vetted(
        d,
        &["risk", "list", "--status", "open", "--format", "json"],
    ));
    assert!(!open_now.to_string().contains("R-07"), "{open_now}");

    // Before the import there was no risk; a future or unreadable moment is refused.
    let o = vetted(
        d,
        &["risk", "list", "--at", &before_import, "--format", "json"],
    );
    assert_eq!(json(&o), serde_json::json!([]));
    let o = vetted(d, &["risk", "show", "R-07", "--at", &before_import]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        err(&o).contains("no risk `R-07` in the register as recorded at"),
        "{}",
        err(&o)
    );
    let o = vetted(d, &["risk", "list", "--at", "2999-01-01"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("future"), "{}", err(&o));
    let o = vetted(d, &["risk", "show", "R-07", "--at", "whenever"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--at"), "{}", err(&o));
}
