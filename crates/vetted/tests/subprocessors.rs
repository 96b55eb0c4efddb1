//! `vetted subprocessors publish|status|export` as users meet them: the real binary on a
//! database holding the example register, on SQLite and on PostgreSQL. The first version takes
//! effect at once; a change made afterwards waits for the policy's notice period (30 days), and
//! an earlier date is refused with the earliest one. The export writes every file, and its
//! JSON and page list exactly the suppliers the register lists publicly, then the planned
//! change. With e-mail configured, publishing mails the change notice to the confirmed
//! subscribers (a real SMTP server on loopback: run through `scripts/with-smtp`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use time::{Date, Duration, OffsetDateTime};
use vetted_core::date::format_date;

/// The store's scratch `PostgreSQL` databases, shared with its own tests.
#[path = "../../vetted-store/tests/scratch/mod.rs"]
mod scratch;

/// A real SMTP server on loopback (Python's aiosmtpd: run through `scripts/with-smtp`).
#[path = "../../vetted-web/tests/smtp/mod.rs"]
mod smtp;

use smtp::SmtpServer;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/register.json")
}

/// The binary on database `db`, with its audit key and any default files inside `dir`, and
/// no configuration but what `env` adds.
fn vetted(db: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vetted"));
    c.args(args)
        .current_dir(dir)
        .env("VETTED_DB", db)
        .env("VETTED_AUDIT_KEY_FILE", dir.join("audit.key"))
        .env("XDG_DATA_HOME", dir)
        .env_remove("VETTED_POLICY")
        .env_remove("VETTED_CONFIG")
        .env_remove("VETTED_PUBLIC_URL")
        .env("NO_COLOR", "1");
    for (k, _) in std::env::vars() {
        if k.starts_with("VETTED_SMTP_") {
            c.env_remove(k);
        }
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the vetted binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(o), stderr(o));
    stdout(o)
}

/// The day the command counts in (UTC).
fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn day(offset: i64) -> String {
    format_date(today() + Duration::days(offset))
}

/// The example register's publicly listed suppliers (listed, and neither terminated nor
/// rejected), by name, sorted.
fn listed(register: &Value) -> Vec<String> {
    let mut names: Vec<String> = register["suppliers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["public_listing"]["listed"] == true)
        .filter(|s| !matches!(s["status"].as_str(), Some("terminated" | "rejected")))
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Text as askama writes it in HTML.
fn html(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn names_in(doc: &Value) -> Vec<String> {
    let mut names: Vec<String> = doc["subprocessors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

const FILES: [&str; 9] = [
    "index.html",
    "subprocessors.json",
    "subprocessors.csv",
    "subprocessors.md",
    "subprocessors.atom",
    "subprocessors.css",
    "snippet.html",
    "versions.html",
    "version-1.html",
];

/// The whole story on database `db`.
fn publish_status_and_export(db: &str, dir: &Path) {
    let run = |args: &[&str]| vetted(db, dir, args, &[]);
    ok(&run(&["import", example().to_str().unwrap()]));
    let register: Value =
        serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    let names = listed(&register);
    assert!(names.len() >= 10, "{names:?}");

    // Nothing published yet: every listed supplier is an unpublished addition.
    let status: Value =
        serde_json::from_str(&ok(&run(&["subprocessors", "status", "--format", "json"]))).unwrap();
    assert_eq!(status["in_effect"], Value::Null, "{status:#}");
    assert_eq!(status["pending"], Value::Null, "{status:#}");
    assert_eq!(status["unpublished"].as_array().unwrap().len(), names.len());
    assert_eq!(status["unpublished"][0]["change"][0], "addition");
    assert_eq!(status["earliest_effective"], day(0));

    // The first version takes effect today.
    let out = ok(&run(&["subprocessors", "publish"]));
    assert!(
        out.starts_with(&format!(
            "published version 1, effective {} ({} subprocessors, {} changes;",
            day(0),
            names.len(),
            names.len()
        )),
        "{out}"
    );
    let status: Value =
        serde_json::from_str(&ok(&run(&["subprocessors", "status", "--format", "json"]))).unwrap();
    assert_eq!(status["in_effect"]["version"], 1, "{status:#}");
    assert_eq!(status["in_effect"]["since"], day(0));
    assert_eq!(status["in_effect"]["subprocessors"], names.len());
    assert_eq!(status["pending"], Value::Null);
    assert_eq!(status["unpublished"], serde_json::json!([]));
    assert_eq!(status["earliest_effective"], day(30));

    // Publishing the same list again changes nothing.
    let o = run(&["subprocessors", "publish"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("nothing to publish"), "{}", stderr(&o));

    // The export writes every file into a folder it creates.
    let site = dir.join("site");
    let out = ok(&run(&[
        "subprocessors",
        "export",
        "--out",
        site.to_str().unwrap(),
    ]));
    assert_eq!(out.lines().count(), FILES.len(), "{out}");
    for f in FILES {
        let path = site.join(f);
        assert!(path.is_file(), "{f} is written");
        assert!(
            out.contains(&format!("wrote {}\n", path.display())),
            "{f}: {out}"
        );
    }
    let doc = read_json(&site.join("subprocessors.json"));
    assert_eq!(names_in(&doc), names, "exactly the listed suppliers");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["planned"], serde_json::json!([]));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    for name in &names {
        assert!(index.contains(&html(name)), "{name} on the page");
    }
    assert!(
        !index.contains("<form"),
        "no subscription form in a static export"
    );
    assert!(index.contains("href=\"subprocessors.css\""), "{index}");
    let csv = std::fs::read_to_string(site.join("subprocessors.csv")).unwrap();
    assert_eq!(csv.lines().count(), names.len() + 1, "{csv}");
    let atom = std::fs::read_to_string(site.join("subprocessors.atom")).unwrap();
    let feed_id = between(&atom, "<id>", "</id>");
    assert!(feed_id.starts_with("urn:uuid:"), "{atom}");
    assert!(
        atom.contains("href=\"subprocessors.atom\""),
        "relative links without a base URL: {atom}"
    );

    // A change to the register: one purpose changes, one supplier leaves the list.
    let mut edited = register.clone();
    for s in edited["suppliers"].as_array_mut().unwrap() {
        match s["id"].as_str() {
            Some("vektora") => {
                s["public_listing"]["purpose"] = "Vector search and reranking".into();
            }
            Some("helpdeck") => s["public_listing"]["listed"] = false.into(),
            _ => {}
        }
    }
    let file = dir.join("changed.json");
    std::fs::write(&file, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    ok(&run(&["import", file.to_str().unwrap()]));
    let status: Value =
        serde_json::from_str(&ok(&run(&["subprocessors", "status", "--format", "json"]))).unwrap();
    let kinds: Vec<&str> = status["unpublished"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"][0].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{status:#}");
    assert!(kinds.contains(&"purpose_change") && kinds.contains(&"removal"));

    // Inside the notice period: refused with the earliest day.
    let o = run(&["subprocessors", "publish", "--effective", &day(5)]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(&format!("can take effect on {} at the earliest", day(30))),
        "{}",
        stderr(&o)
    );
    // A dry run says what would happen and publishes nothing.
    let out = ok(&run(&["subprocessors", "publish", "--dry-run"]));
    assert!(
        out.starts_with(&format!("would publish version 2, effective {}", day(30))),
        "{out}"
    );
    assert!(out.contains("\n  Removal: Helpdeck Software Ltd"), "{out}");
    let status: Value =
        serde_json::from_str(&ok(&run(&["subprocessors", "status", "--format", "json"]))).unwrap();
    assert_eq!(
        status["pending"],
        Value::Null,
        "the dry run published nothing"
    );

    // Without --effective: the earliest day, today plus the notice period.
    let out = ok(&run(&[
        "subprocessors",
        "publish",
        "--note",
        "Vektora now also reranks results",
    ]));
    assert!(
        out.starts_with(&format!(
            "published version 2, effective {} ({} subprocessors, 2 changes; notice period 30 days)",
            day(30),
            names.len() - 1
        )),
        "{out}"
    );
    assert!(out.contains("\n  Removal: Helpdeck Software Ltd"), "{out}");
    assert!(
        out.contains("\n  Purpose change: Vektora GmbH (Vector search and reranking;"),
        "{out}"
    );
    let status: Value =
        serde_json::from_str(&ok(&run(&["subprocessors", "status", "--format", "json"]))).unwrap();
    assert_eq!(status["in_effect"]["version"], 1, "{status:#}");
    assert_eq!(status["pending"]["version"], 2);
    assert_eq!(status["pending"]["status"], "planned");
    assert_eq!(status["pending"]["effective"], day(30));
    assert_eq!(
        status["pending"]["objections"],
        serde_json::json!({"open": 0, "total": 0})
    );
    assert_eq!(status["pending"]["changes"].as_array().unwrap().len(), 2);
    assert_eq!(status["unpublished"], serde_json::json!([]));
    let table = ok(&run(&["subprocessors", "status"]));
    assert!(
        table.contains(&format!(
            "  pending:   version 2 (Planned: takes effect on {}; published {}; objections: 0 open, 0 in all)",
            day(30),
            day(0)
        )),
        "{table}"
    );
    assert!(table.contains("  unpublished changes: none"), "{table}");

    // Exported again (into the existing folder): the list in force is still version 1, and
    // the planned change is on the page and in the JSON.
    let out = ok(&run(&[
        "subprocessors",
        "export",
        "--out",
        site.to_str().unwrap(),
        "--base-url",
        "https://trust.example.eu/",
        "--organization",
        "Example Ltd",
    ]));
    assert!(out.contains("version-2.html"), "{out}");
    assert!(site.join("version-2.html").is_file());
    let doc = read_json(&site.join("subprocessors.json"));
    assert_eq!(names_in(&doc), names, "version 1 is still in force");
    assert_eq!(doc["title"], "Subprocessors of Example Ltd");
    let planned = &doc["planned"][0];
    assert_eq!(planned["version"], 2, "{doc:#}");
    assert_eq!(planned["effective"], day(30));
    assert_eq!(planned["note"], "Vektora now also reranks results");
    let changes: Vec<&str> = planned["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"][0].as_str().unwrap())
        .collect();
    assert_eq!(changes.len(), 2, "{planned:#}");
    assert!(changes.contains(&"purpose_change") && changes.contains(&"removal"));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("Planned change: version 2"), "{index}");
    assert!(index.contains("Vector search and reranking"), "{index}");
    let atom = std::fs::read_to_string(site.join("subprocessors.atom")).unwrap();
    assert_eq!(
        between(&atom, "<id>", "</id>"),
        feed_id,
        "the feed keeps its id"
    );
    assert!(
        atom.contains("href=\"https://trust.example.eu/subprocessors.atom\""),
        "{atom}"
    );

    // The configuration's public_url is the base when no --base-url is given.
    let o = vetted(
        db,
        dir,
        &[
            "subprocessors",
            "export",
            "--quiet",
            "--out",
            site.to_str().unwrap(),
        ],
        &[("VETTED_PUBLIC_URL", "https://public.example.eu")],
    );
    assert_eq!(ok(&o), "", "--quiet prints nothing");
    let atom = std::fs::read_to_string(site.join("subprocessors.atom")).unwrap();
    assert!(
        atom.contains("href=\"https://public.example.eu/subprocessors.atom\""),
        "{atom}"
    );

    // An export needs no audit key: it runs where the servers' key file is not.
    let elsewhere = dir.join("no-such-folder").join("audit.key");
    let o = vetted(
        db,
        dir,
        &[
            "subprocessors",
            "export",
            "--quiet",
            "--out",
            site.to_str().unwrap(),
        ],
        &[("VETTED_AUDIT_KEY_FILE", elsewhere.to_str().unwrap())],
    );
    ok(&o);
    assert!(!elsewhere.exists(), "no key file is made");
    let atom = std::fs::read_to_string(site.join("subprocessors.atom")).unwrap();
    assert_eq!(between(&atom, "<id>", "</id>"), feed_id);

    // --as-of shows the list as it stood: before the first publication there was none.
    let past = dir.join("past");
    ok(&run(&[
        "subprocessors",
        "export",
        "--out",
        past.to_str().unwrap(),
        "--as-of",
        &day(-1),
    ]));
    let doc = read_json(&past.join("subprocessors.json"));
    assert_eq!(doc["subprocessors"], serde_json::json!([]), "{doc:#}");
    assert!(!past.join("version-1.html").exists());
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).expect("the start") + start.len();
    let to = text[from..].find(end).expect("the end") + from;
    &text[from..to]
}

#[test]
fn publish_status_and_export_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vetted.db");
    publish_status_and_export(db.to_str().unwrap(), dir.path());
}

#[test]
fn publish_status_and_export_on_postgresql() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(scratch::ScratchDatabase::create(
        &scratch::server_url(),
        "vetted_cli_subprocessors",
    ));
    let dir = tempfile::tempdir().unwrap();
    publish_status_and_export(db.url(), dir.path());
}

#[test]
fn publish_mails_the_change_notice_to_confirmed_subscribers() {
    let server = SmtpServer::start(&[]);
    let port = server.port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vetted.db");
    let db = db.to_str().unwrap();
    let smtp: [(&str, &str); 5] = [
        ("VETTED_SMTP_HOST", "127.0.0.1"),
        ("VETTED_SMTP_PORT", &port),
        ("VETTED_SMTP_SECURITY", "none"),
        ("VETTED_SMTP_FROM", "Vetted <vetted@example.eu>"),
        ("VETTED_PUBLIC_URL", "https://vetted.example.eu"),
    ];
    let run = |args: &[&str]| vetted(db, dir.path(), args, &smtp);
    ok(&run(&["import", example().to_str().unwrap()]));
    let out = ok(&run(&["subprocessors", "publish"]));
    assert!(
        out.contains("change notices: 0 queued; sent 0, to retry 0, failed 0"),
        "nobody has subscribed yet: {out}"
    );

    // One confirmed subscriber and one who never confirmed, as the public form makes them.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = vetted_store::open(db).await.unwrap();
        let now = OffsetDateTime::now_utc();
        let alice = store.subscribe("alice@example.eu", now).await.unwrap();
        store
            .confirm_subscriber(&alice.id, alice.requested_at, now)
            .await
            .unwrap()
            .unwrap();
        store.subscribe("bob@example.eu", now).await.unwrap();
        store.close().await;
    });

    let mut register: Value =
        serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap();
    for s in register["suppliers"].as_array_mut().unwrap() {
        if s["id"] == "helpdeck" {
            s["public_listing"]["listed"] = false.into();
        }
    }
    let file = dir.path().join("changed.json");
    std::fs::write(&file, serde_json::to_string(&register).unwrap()).unwrap();
    ok(&run(&["import", file.to_str().unwrap()]));
    let out = ok(&run(&[
        "subprocessors",
        "publish",
        "--organization",
        "Example Ltd",
        "--note",
        "Ticketing moves in-house",
    ]));
    assert!(
        out.contains("change notices: 1 queued; sent 1, to retry 0, failed 0"),
        "{out}"
    );
    let messages = server.wait_for(1);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let m = &messages[0];
    assert_eq!(m["rcpt_tos"], serde_json::json!(["alice@example.eu"]));
    assert_eq!(
        m["subject"],
        format!(
            "Planned change to Subprocessors of Example Ltd: version 2, effective {}",
            day(30)
        )
    );
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("- Removal: Helpdeck Software Ltd"), "{text}");
    assert!(text.contains("Ticketing moves in-house"), "{text}");
    assert!(
        text.contains("The full list and its history: https://vetted.example.eu/subprocessors"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let at = lines
        .iter()
        .position(|l| *l == "To object to this change before it takes effect, open:")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        lines[at + 1].starts_with("https://vetted.example.eu/subprocessors/object?"),
        "a signed link to object: {text}"
    );
}

#[test]
fn export_refuses_a_file_as_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vetted.db");
    let file = dir.path().join("site");
    std::fs::write(&file, "not a folder").unwrap();
    let o = vetted(
        db.to_str().unwrap(),
        dir.path(),
        &["subprocessors", "export", "--out", file.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(&format!("{} exists and is not a folder", file.display())),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "not a folder",
        "left as it was"
    );
}
