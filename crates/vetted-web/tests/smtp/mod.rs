//! A real SMTP server on loopback for the mail tests: Python's `aiosmtpd` (Debian's
//! `python3-aiosmtpd`, which `scripts/test` installs) running `tests/smtp/server.py`. Each
//! accepted message lands in a temporary folder as JSON, with its text and HTML parts decoded,
//! for the test to read. Without the package the test fails and says how to get it.

#![allow(
    dead_code,
    reason = "each test file uses its own part of these helpers"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server; stopped when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// The Python that has `aiosmtpd`: `VETTED_TEST_PYTHON`, else Debian's.
fn python() -> String {
    std::env::var("VETTED_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

impl SmtpServer {
    /// Starts a server with these extra arguments (`--auth U:P`, `--fail-first N`, `--reject`).
    pub fn start(args: &[&str]) -> SmtpServer {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port on loopback")
            .port();
        // From the crate that includes this file: vetted-web's own tests, or the binary's.
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../vetted-web/tests/smtp/server.py"
        );
        let mut child = Command::new(python())
            .arg(script)
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} for the SMTP server: {e}", python()));
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).ok();
        if line.trim() != "ready" {
            let _ = child.kill();
            let out = child.wait_with_output().expect("the server's output");
            panic!(
                "the test SMTP server did not start: {}\n\
                 It needs Python's aiosmtpd: run the tests with scripts/test, which installs \
                 Debian's python3-aiosmtpd, or set VETTED_TEST_PYTHON to a Python that has it.",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        SmtpServer { child, port, dir }
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut numbered: Vec<(u32, serde_json::Value)> = std::fs::read_dir(self.dir.path())
            .expect("the server's folder")
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let n: u32 = name.strip_suffix(".json")?.parse().ok()?;
                let text = std::fs::read_to_string(e.path()).ok()?;
                Some((
                    n,
                    serde_json::from_str(&text).expect("the server writes JSON"),
                ))
            })
            .collect();
        numbered.sort_by_key(|(n, _)| *n);
        numbered.into_iter().map(|(_, v)| v).collect()
    }

    /// Waits until `n` messages arrived (the client returns when the server answered, so this
    /// is quick), then returns them.
    pub fn wait_for(&self, n: usize) -> Vec<serde_json::Value> {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n || start.elapsed() > Duration::from_secs(10) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private CA and a certificate it signed for `localhost` (ECDSA P-256, one day), made by the
/// `openssl` command in `dir`: the server's certificate and key files, and the CA's certificate
/// as PEM text (what a client configured with a private CA trusts).
pub fn private_ca(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl command (scripts/with-smtp installs Debian's openssl)");
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"],
            &ec[..],
            &["-days", "1", "-subj", "/CN=Vetted test CA"],
        ]
        .concat()
        .into_iter()
        .chain(["-keyout", "ca.key", "-out", "ca.pem"])
        .collect::<Vec<_>>(),
    );
    openssl(
        &[
            &["req"],
            &ec[..],
            &[
                "-subj",
                "/CN=localhost",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\n",
    )
    .expect("the extensions file");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    let pem = std::fs::read_to_string(dir.join("ca.pem")).expect("the CA's certificate");
    (dir.join("server.pem"), dir.join("server.key"), pem)
}
