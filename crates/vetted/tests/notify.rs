//! `vetted notify`: the real binary on a temporary database, sending to a real SMTP server on
//! loopback (vetted-web's tests/smtp: Python's aiosmtpd), configured through the environment
//! as the README says.

#[path = "../../vetted-web/tests/smtp/mod.rs"]
mod smtp;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use smtp::SmtpServer;

fn command(dir: &Path, port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vetted"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("VETTED_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("VETTED_DB", dir.join("vetted.db"))
        .env("VETTED_SMTP_HOST", "127.0.0.1")
        .env("VETTED_SMTP_PORT", port.to_string())
        .env("VETTED_SMTP_SECURITY", "none")
        .env("VETTED_SMTP_USERNAME", "vetted")
        .env("VETTED_SMTP_PASSWORD", "s3cret-smtp")
        .env("VETTED_SMTP_FROM", "Vetted <vetted@example.eu>")
        .env("VETTED_PUBLIC_URL", "https://vetted.example.eu")
        .env("NO_COLOR", "1")
        .current_dir(dir);
    cmd
}

fn vetted(dir: &Path, port: u16, args: &[&str]) -> Output {
    command(dir, port)
        .args(args)
        .output()
        .expect("the vetted binary runs")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn setup(dir: &Path, port: u16) {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/register.json");
    let o = vetted(dir, port, &["import", example]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let mut child = command(dir, port)
        .args([
            "user",
            "add",
            "ciso@example.eu",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn notify_sends_the_day_once_and_a_dry_run_sends_nothing() {
    let server = SmtpServer::start(&["--auth", "vetted:s3cret-smtp"]);
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), server.port);

    let dry = vetted(
        dir.path(),
        server.port,
        &["notify", "--dry-run", "--as-of", "2026-11-25"],
    );
    assert_eq!(dry.status.code(), Some(0), "{}", out(&dry));
    let text = out(&dry);
    assert!(
        text.starts_with("Reminders (dry run) on 2026-11-25: "),
        "{text}"
    );
    assert!(text.contains("  email:ciso@example.eu  "), "{text}");
    assert!(server.messages().is_empty(), "a dry run sends nothing");

    let run = vetted(
        dir.path(),
        server.port,
        &["notify", "--as-of", "2026-11-25", "--format", "json"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", out(&run));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let digests = report["run"]["digests"].as_array().unwrap().len();
    assert!(
        digests >= 2,
        "the admin and at least one other owner: {report}"
    );
    assert_eq!(report["delivered"]["sent"], digests);
    let messages = server.wait_for(digests);
    assert_eq!(messages.len(), digests);
    let admin = messages
        .iter()
        .find(|m| m["rcpt_tos"] == serde_json::json!(["ciso@example.eu"]))
        .expect("the admin's digest");
    assert_eq!(admin["login"], "vetted");
    assert!(
        admin["text"]
            .as_str()
            .unwrap()
            .contains("https://vetted.example.eu/suppliers/"),
        "links use the public URL"
    );

    let again = vetted(
        dir.path(),
        server.port,
        &["notify", "--as-of", "2026-11-25"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", out(&again));
    assert!(
        out(&again).contains("; 0 digests queued"),
        "{}",
        out(&again)
    );
    assert_eq!(
        server.messages().len(),
        digests,
        "the same day sends nothing twice"
    );

    let by_hand = vetted(
        dir.path(),
        server.port,
        &["notify", "--send-test", "newcomer@example.eu"],
    );
    assert_eq!(by_hand.status.code(), Some(0), "{}", out(&by_hand));
    assert!(out(&by_hand).starts_with("sent to newcomer@example.eu: Vetted test message: "));
    assert_eq!(server.wait_for(digests + 1).len(), digests + 1);
}

#[test]
fn a_failed_delivery_is_exit_status_one_and_bad_configuration_two() {
    let server = SmtpServer::start(&["--reject"]);
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), server.port);
    let mut cmd = command(dir.path(), server.port);
    cmd.env_remove("VETTED_SMTP_USERNAME")
        .env_remove("VETTED_SMTP_PASSWORD");
    let o = cmd
        .args(["notify", "--as-of", "2026-11-25"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("failed "), "{}", out(&o));

    let o = command(dir.path(), server.port)
        .env_remove("VETTED_SMTP_FROM")
        .args(["notify"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("smtp.from"), "{}", out(&o));
    assert!(
        !out(&o).contains("s3cret-smtp"),
        "the password is never printed"
    );
}
