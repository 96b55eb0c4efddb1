//! `vetted serve` end to end: the real binary on 127.0.0.1 port 0 with a temporary database,
//! a raw HTTP/1.1 request over TCP, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// `vetted` in `dir` (no vetted.toml there unless the test writes one), with a database in it
/// and no `VETTED_*` variables from the environment running the tests.
fn vetted(dir: &Path) -> Command {
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

/// Kills the server if a test fails before stopping it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_exit(child: &mut Child, within: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for the server") {
            return status;
        }
        assert!(
            start.elapsed() < within,
            "the server did not exit within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    response
}

#[test]
fn serve_answers_healthz_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let child = vetted(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("VETTED_LISTNE", "127.0.0.1:1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vetted serve");
    let mut server = Running(child);

    let mut first = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut first)
        .expect("read the listening line");
    let addr: SocketAddr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .parse()
        .expect("a socket address");
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0, "the actual port is printed");

    let response = http_get(addr, "/healthz");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("\r\nx-request-id: "),
        "{response}"
    );
    assert!(
        response.ends_with("\r\n\r\n{\"status\":\"ok\"}"),
        "{response}"
    );

    let response = http_get(addr, "/readyz");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");

    let killed = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = wait_exit(&mut server.0, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0");

    let mut stderr = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains(
            "warning: unknown environment variable VETTED_LISTNE is ignored (did you mean VETTED_LISTEN?)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("/healthz"), "requests are logged: {stderr}");
}

#[test]
fn an_unknown_key_in_vetted_toml_stops_serve_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vetted.toml"),
        "listen = \"127.0.0.1:0\"\nlisten_port = 1\n",
    )
    .unwrap();
    let out = vetted(dir.path()).arg("serve").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("vetted.toml:2:1: unknown field `listen_port`"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("vetted.db").exists(),
        "nothing opened or written"
    );
}

#[test]
fn default_config_prints_every_key_and_is_valid_when_uncommented() {
    let dir = tempfile::tempdir().unwrap();
    let out = vetted(dir.path()).arg("default-config").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for key in ["listen", "db", "policy", "log_format"] {
        assert!(
            text.contains(&format!("\n# {key} = ")),
            "{key} missing:\n{text}"
        );
    }
    assert!(text.contains("# listen = \"127.0.0.1:8080\""), "{text}");
    assert!(text.contains("# log_format = \"text\""), "{text}");
}

/// Sends one request with `headers` and `body`; the raw response.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let extra = headers
        .iter()
        .map(|(name, value)| [*name, ": ", value, "\r\n"].concat())
        .collect::<Vec<_>>()
        .concat();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    response
}

/// The body of a raw response, as JSON.
fn json_body(response: &str) -> serde_json::Value {
    let (_, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {response}"))
}

#[test]
fn serve_demo_seeds_the_example_prints_a_way_in_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let child = vetted(dir.path())
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env_remove("VETTED_DB")
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vetted serve --demo");
    let mut server = Running(child);
    let mut stdout = BufReader::new(server.0.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr: SocketAddr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .parse()
        .unwrap();
    let mut demo = String::new();
    stdout.read_line(&mut demo).unwrap();
    assert!(demo.starts_with("demo: 22 suppliers"), "{demo}");
    let password = demo
        .split(" with password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in {demo:?}"));
    let mut try_line = String::new();
    stdout.read_line(&mut try_line).unwrap();
    let mut curl = String::new();
    stdout.read_line(&mut curl).unwrap();
    let token = curl
        .split("Bearer ")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no token in {curl:?}"))
        .to_string();
    let folders: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(folders.len(), 1, "one demo folder in TMPDIR");

    assert!(http_get(addr, "/readyz").starts_with("HTTP/1.1 200 OK\r\n"));
    let login = http(
        addr,
        "POST",
        "/api/v1/auth/login",
        &[("Content-Type", "application/json")],
        &serde_json::json!({"email": "admin@demo.example", "password": password}).to_string(),
    );
    assert!(login.starts_with("HTTP/1.1 200 OK\r\n"), "{login}");
    let cookie = login
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(": ")?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.split(';').next().unwrap().to_string())
        })
        .expect("a session cookie");
    let export = http(
        addr,
        "GET",
        "/api/v1/register/export",
        &[("Cookie", &cookie)],
        "",
    );
    assert!(export.starts_with("HTTP/1.1 200 OK\r\n"), "{export}");
    assert_eq!(
        json_body(&export)["suppliers"].as_array().unwrap().len(),
        22
    );
    let list = http(
        addr,
        "GET",
        "/api/v1/suppliers?limit=100",
        &[("Cookie", &cookie)],
        "",
    );
    assert!(list.starts_with("HTTP/1.1 200 OK\r\n"), "{list}");
    let list = json_body(&list);
    assert_eq!(list["total"], 22, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 22);
    // The printed curl line works as printed.
    let by_token = http(
        addr,
        "GET",
        "/api/v1/suppliers?sort=verdict&limit=5",
        &[("Authorization", &format!("Bearer {token}"))],
        "",
    );
    assert!(by_token.starts_with("HTTP/1.1 200 OK\r\n"), "{by_token}");
    assert_eq!(json_body(&by_token)["items"].as_array().unwrap().len(), 5);
    let anonymous = http_get(addr, "/api/v1/register/export");
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");

    let killed = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(
        wait_exit(&mut server.0, Duration::from_secs(20)).code(),
        Some(0)
    );
    let mut stderr = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains(password), "the password is never logged");
    assert!(!stderr.contains(&token), "the token is never logged");
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "the demo folder is removed on stop"
    );
    assert!(
        !dir.path().join("vetted.db").exists(),
        "the configured database is not touched"
    );
}
