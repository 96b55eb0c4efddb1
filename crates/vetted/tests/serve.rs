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

/// The store's scratch `PostgreSQL` databases, shared with its own tests.
#[path = "../../vetted-store/tests/scratch/mod.rs"]
mod scratch;

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

/// Starts `vetted serve` on port 0 with `env`; returns it and its address.
fn start_serve(dir: &Path, env: &[(&str, &str)]) -> (Running, SocketAddr) {
    let mut cmd = vetted(dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start vetted serve");
    let mut server = Running(child);
    let mut first = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .parse()
        .unwrap();
    (server, addr)
}

fn status(response: &str) -> &str {
    response.get(9..12).unwrap_or(response)
}

/// Two `vetted serve` processes on one PostgreSQL database work as one: a session opened on
/// one is valid on the other, a logout on one ends it on both, and two writes of one supplier
/// from the same version through the two processes give one 200 and one 409 that carries the
/// winner's change.
#[test]
fn two_serve_processes_on_one_postgresql_database_share_sessions_and_lose_no_update() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(scratch::ScratchDatabase::create(
        &scratch::server_url(),
        "vetted_two_serves",
    ));
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("audit.key");
    let env = [
        ("VETTED_DB", db.url()),
        ("VETTED_AUDIT_KEY_FILE", key.to_str().unwrap()),
    ];
    let cli = |args: &[&str], stdin: Option<&str>| {
        let mut cmd = vetted(dir.path());
        for (name, value) in env {
            cmd.env(name, value);
        }
        let mut child = cmd
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/register.json");
    cli(&["import", example], None);
    let password = "correct horse battery staple";
    cli(
        &[
            "user",
            "add",
            "ed@example.org",
            "--role",
            "editor",
            "--password-stdin",
        ],
        Some(&format!("{password}\n")),
    );

    let (_one, a) = start_serve(dir.path(), &env);
    let (_two, b) = start_serve(dir.path(), &env);

    // A session opened on A is valid on B.
    let login = http(
        a,
        "POST",
        "/api/v1/auth/login",
        &[("Content-Type", "application/json")],
        &serde_json::json!({"email": "ed@example.org", "password": password}).to_string(),
    );
    assert_eq!(status(&login), "200", "{login}");
    let cookie = login
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(": ")?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.split(';').next().unwrap().to_string())
        })
        .expect("a session cookie");
    let csrf = json_body(&login)["csrf_token"]
        .as_str()
        .expect("a CSRF token")
        .to_string();
    let read = http(
        b,
        "GET",
        "/api/v1/suppliers/stratocloud",
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status(&read), "200", "{read}");
    let version = json_body(&read)["version"].as_i64().unwrap();
    let supplier = json_body(&read)["supplier"].clone();

    // The same version written through both processes: one wins, one gets 409 with it.
    let if_match = format!("\"{version}\"");
    let put = |addr, owner: &str| {
        let mut changed = supplier.clone();
        changed["owner"] = serde_json::json!(owner);
        http(
            addr,
            "PUT",
            "/api/v1/suppliers/stratocloud",
            &[
                ("Cookie", &cookie),
                ("X-CSRF-Token", &csrf),
                ("If-Match", &if_match),
                ("Content-Type", "application/json"),
            ],
            &changed.to_string(),
        )
    };
    let first = put(a, "owner via A");
    let second = put(b, "owner via B");
    assert_eq!(status(&first), "200", "{first}");
    assert_eq!(status(&second), "409", "{second}");
    assert_eq!(
        json_body(&second)["current"]["supplier"]["owner"],
        "owner via A",
        "{second}"
    );
    let now = json_body(&http(
        b,
        "GET",
        "/api/v1/suppliers/stratocloud",
        &[("Cookie", &cookie)],
        "",
    ));
    assert_eq!(now["supplier"]["owner"], "owner via A");
    assert_eq!(now["version"].as_i64(), Some(version + 1));

    // A logout on B ends the session on A.
    let logout = http(
        b,
        "POST",
        "/api/v1/auth/logout",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        "",
    );
    assert_eq!(status(&logout), "204", "{logout}");
    let after = http(
        a,
        "GET",
        "/api/v1/suppliers/stratocloud",
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(status(&after), "401", "{after}");

    // Both processes sealed into one chain.
    assert!(cli(&["audit", "verify"], None).contains("intact"));
}
