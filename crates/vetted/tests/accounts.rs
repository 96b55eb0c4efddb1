//! `vetted user …`, `vetted token …` and the first-run setup link of `vetted serve`: the real
//! binary on a temporary database.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

/// `vetted` in `dir`, with a database in it and no `VETTED_*` variables from the environment.
fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vetted"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("VETTED_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("VETTED_DB", dir.join("vetted.db"))
        .env("NO_COLOR", "1")
        .current_dir(dir);
    cmd
}

fn vetted(dir: &Path, args: &[&str]) -> Output {
    command(dir)
        .args(args)
        .output()
        .expect("the vetted binary runs")
}

/// `vetted` with `input` on standard input.
fn vetted_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = command(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the vetted binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn add(dir: &Path, email: &str, role: &str) -> Output {
    vetted_with_stdin(
        dir,
        &["user", "add", email, "--role", role, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    )
}

#[test]
fn users_are_added_listed_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let o = add(dir.path(), "Ada@Example.org", "admin");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).contains("Created ada@example.org (admin)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        add(dir.path(), "bob@example.org", "viewer").status.code(),
        Some(0)
    );

    let o = vetted(dir.path(), &["user", "list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let users: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let summary: Vec<(String, String, bool)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["email"].as_str().unwrap().into(),
                u["role"].as_str().unwrap().into(),
                u["disabled"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("ada@example.org".into(), "admin".into(), false),
            ("bob@example.org".into(), "viewer".into(), false)
        ]
    );
    assert!(!stdout(&o).contains("argon2"), "no password hash is shown");

    let o = vetted(dir.path(), &["user", "disable", "BOB@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = vetted(dir.path(), &["user", "list"]);
    let text = stdout(&o);
    assert!(text.starts_with("EMAIL"), "{text}");
    let bob = text.lines().find(|l| l.starts_with("bob@")).unwrap();
    assert!(bob.contains("viewer") && bob.contains("disabled"), "{text}");

    // Each change is in the audit trail, by the system (the CLI), by id only; the chain holds.
    let o = vetted(dir.path(), &["audit", "log", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let entries: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let actions: Vec<(&str, &str)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("user.create", "system"),
            ("user.create", "system"),
            ("user.update", "system")
        ]
    );
    assert!(!stdout(&o).contains("example.org"), "{}", stdout(&o));
    let o = vetted(dir.path(), &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn bad_accounts_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let o = vetted_with_stdin(
        dir.path(),
        &[
            "user",
            "add",
            "ada@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("password: a password needs at least 12 characters; this one has 5"),
        "{}",
        stderr(&o)
    );
    let o = vetted(
        dir.path(),
        &["user", "add", "ada@example.org", "--role", "admin"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--password-stdin"), "{}", stderr(&o));
    let o = vetted(
        dir.path(),
        &["user", "add", "ada@example.org", "--role", "root"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected admin, editor or viewer"),
        "{}",
        stderr(&o)
    );

    assert_eq!(
        add(dir.path(), "ada@example.org", "admin").status.code(),
        Some(0)
    );
    let o = add(dir.path(), "ADA@example.org", "viewer");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already taken"), "{}", stderr(&o));
    let o = vetted(dir.path(), &["user", "disable", "nobody@example.org"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
}

#[test]
fn a_token_is_printed_once_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        add(dir.path(), "ada@example.org", "editor").status.code(),
        Some(0)
    );
    let o = vetted(
        dir.path(),
        &[
            "token",
            "create",
            "--user",
            "ada@example.org",
            "--name",
            "ci",
            "--expires",
            "2099-12-31",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let token = out.strip_suffix('\n').unwrap();
    assert!(!token.contains('\n'), "only the token on stdout: {out:?}");
    assert!(token.starts_with("vetted_") && token.len() == 71, "{token}");

    let o = vetted(dir.path(), &["token", "list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !stdout(&o).contains(token),
        "the token is never shown again"
    );
    let tokens: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let listed = &tokens[0];
    assert_eq!(listed["user"], "ada@example.org");
    assert_eq!(listed["name"], "ci");
    assert_eq!(listed["expires_at"], "2100-01-01T00:00:00Z");
    assert_eq!(listed["revoked_at"], serde_json::Value::Null);

    let id = listed["id"].as_str().unwrap();
    let o = vetted(dir.path(), &["token", "revoke", id]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = vetted(dir.path(), &["token", "list"]);
    assert!(stdout(&o).contains("revoked "), "{}", stdout(&o));

    let o = vetted(dir.path(), &["token", "revoke", "no-such-id"]);
    assert_eq!(o.status.code(), Some(2));
    let o = vetted(
        dir.path(),
        &[
            "token",
            "create",
            "--user",
            "ada@example.org",
            "--expires",
            "31/12/2099",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected YYYY-MM-DD"), "{}", stderr(&o));
    let o = vetted(
        dir.path(),
        &["token", "create", "--user", "nobody@example.org"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
}

#[test]
fn totp_prints_the_otpauth_uri() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        add(dir.path(), "ada@example.org", "viewer").status.code(),
        Some(0)
    );
    let o = vetted(dir.path(), &["user", "totp", "ada@example.org"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("otpauth://totp/Vetted:ada@example.org?secret="),
        "{}",
        stdout(&o)
    );
    let o = vetted(dir.path(), &["user", "list", "--format", "json"]);
    assert!(stdout(&o).contains("\"totp\": true"), "{}", stdout(&o));
}

fn http(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    response
}

/// Starts `vetted serve` on port 0; returns the child and its first two stdout lines'
/// reader.
fn serve(dir: &Path) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut child = command(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vetted serve");
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, out)
}

fn stop(mut child: std::process::Child) -> String {
    let _ = child.kill();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let _ = child.wait();
    stderr
}

#[test]
fn serve_prints_a_setup_link_on_an_empty_database_only() {
    let dir = tempfile::tempdir().unwrap();
    let (child, mut out) = serve(dir.path());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .parse()
        .unwrap();
    let mut setup_line = String::new();
    out.read_line(&mut setup_line).unwrap();
    let token = setup_line
        .trim()
        .strip_prefix(&format!("open http://{addr}/setup?token="))
        .and_then(|rest| rest.strip_suffix(" to create the first admin"))
        .unwrap_or_else(|| panic!("unexpected line: {setup_line:?}"));

    let page = http(
        addr,
        &format!("GET /setup?token={token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    let form = format!("token={token}&email=root%40example.org&password=correct+horse+battery");
    let created = http(
        addr,
        &format!(
            "POST /setup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        ),
    );
    assert!(created.starts_with("HTTP/1.1 201 Created\r\n"), "{created}");
    let stderr = stop(child);
    assert!(
        !stderr.contains(token),
        "the setup token is never logged: {stderr}"
    );

    // A database with a user gets no link.
    let (child, mut out) = serve(dir.path());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .parse()
        .unwrap();
    // Serving starts after the link would have been printed: once it answers, stdout is final.
    let health = http(
        addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(health.starts_with("HTTP/1.1 200 OK\r\n"), "{health}");
    let stderr = stop(child);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "nothing more on stdout; stderr: {stderr}");
}
