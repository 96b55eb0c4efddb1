//! Chromium and chromedriver: finding Debian's programs, starting chromedriver on a free
//! loopback port in a process group of its own, and what it is asked to start Chromium with.

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{WAIT, WINDOW};

/// Chromium and chromedriver: `VETTED_CHROMIUM` and `VETTED_CHROMEDRIVER`, by default Debian's
/// `/usr/bin/chromium` and `/usr/bin/chromedriver`.
pub(super) struct Programs {
    pub(super) chromium: PathBuf,
    pub(super) chromedriver: PathBuf,
}

impl Programs {
    /// Both programs, or a failed test that says how to install them (never a skip: a journey
    /// that does not run must not look like one that passed).
    pub(super) fn find() -> Programs {
        Programs::locate(|var| std::env::var_os(var)).unwrap_or_else(|problem| panic!("{problem}"))
    }

    /// The programs named by `env` (or the defaults), when both are files.
    fn locate(env: impl Fn(&str) -> Option<OsString>) -> Result<Programs, String> {
        let find = |var: &str, default: &str| {
            let path = env(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
            if path.is_file() {
                Ok(path)
            } else {
                Err(format!(
                    "{} not found ({var}, by default {default}): the browser tests need \
                     Debian's Chromium and its WebDriver. Install them with `sudo apt-get \
                     install chromium chromium-driver`, or run the tests through \
                     `scripts/with-browser` or `scripts/test`, which install them",
                    path.display()
                ))
            }
        };
        Ok(Programs {
            chromium: find("VETTED_CHROMIUM", "/usr/bin/chromium")?,
            chromedriver: find("VETTED_CHROMEDRIVER", "/usr/bin/chromedriver")?,
        })
    }
}

/// A running chromedriver, leader of its own process group (Chromium and its helpers are in
/// it too), killed with the whole group when dropped.
pub(super) struct Driver {
    child: Child,
    port: u16,
    /// `home/` (`HOME`, `XDG_*`), `profile/` (Chromium's `--user-data-dir`), `driver.log`.
    pub(super) dir: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver on a free loopback port and waits until it is ready for sessions.
    pub(super) async fn start(programs: &Programs) -> Driver {
        let dir = tempfile::Builder::new()
            .prefix("vetted-browser-")
            .tempdir()
            .expect("a temporary folder for the browser");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("create the browser's home folder");
        let log_path = dir.path().join("driver.log");
        let mut last_log = String::new();
        // A port found free may be taken by a parallel test before chromedriver binds it:
        // chromedriver then exits, and another port is tried.
        for _ in 0..5 {
            let port = free_port();
            let log = std::fs::File::create(&log_path).expect("create the driver's log");
            let mut child = Command::new(&programs.chromedriver)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join(".config"))
                .env("XDG_CACHE_HOME", home.join(".cache"))
                .env("XDG_DATA_HOME", home.join(".local/share"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("the driver's log"))
                .stderr(log)
                // Its own process group, so a drop can end Chromium's processes with it.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {}: {e}", programs.chromedriver.display())
                });
            match wait_ready(&mut child, port, &log_path).await {
                Ok(()) => return Driver { child, port, dir },
                Err(log) => {
                    last_log = log;
                    kill_group(&mut child);
                }
            }
        }
        panic!("chromedriver did not start (5 ports tried); its last log:\n{last_log}");
    }

    pub(super) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(super) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("driver.log")).unwrap_or_default()
    }
}

/// Polls chromedriver's `GET /status` until it says `"ready":true`; its log when it exited or
/// did not get ready within [`WAIT`].
async fn wait_ready(child: &mut Child, port: u16, log: &Path) -> Result<(), String> {
    let read_log = || std::fs::read_to_string(log).unwrap_or_default();
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status}:\n{}", read_log()));
        }
        let ready = tokio::task::spawn_blocking(move || driver_status(port))
            .await
            .unwrap_or(false);
        if ready {
            return Ok(());
        }
        if start.elapsed() > WAIT {
            return Err(format!("not ready after {WAIT:?}:\n{}", read_log()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Kills `child`'s whole process group (chromedriver, Chromium, its crash handler) and reaps
/// `child`.
fn kill_group(child: &mut Child) {
    // `kill -KILL -- -PGID`: the standard library signals one process only, and Chromium
    // outlives a killed chromedriver.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Driver {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// A port free on 127.0.0.1 right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// Whether chromedriver on `port` answers `GET /status` with `"ready":true`.
fn driver_status(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200") && response.contains("\"ready\":true")
}

/// What chromedriver is asked for: Debian's Chromium, headless, quiet on a closed network
/// (no background requests, updates, sync or QUIC probes), a fresh profile, a laptop's window.
pub(super) fn capabilities(programs: &Programs, profile: &Path) -> serde_json::Map<String, Value> {
    let args = [
        "--headless".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-quic".to_string(),
        "--no-first-run".to_string(),
        "--no-default-browser-check".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--disable-extensions".to_string(),
        // A container's /dev/shm is often 64 MB, too small for Chromium's shared memory.
        "--disable-dev-shm-usage".to_string(),
        // No keyring daemon to ask for a password store.
        "--password-store=basic".to_string(),
        "--lang=en-GB".to_string(),
        format!("--window-size={},{}", WINDOW.0, WINDOW.1),
        format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        // The console (errors, CSP refusals) for `Browser::console_errors`.
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": programs.chromium.display().to_string(),
            "args": args,
        },
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object"),
    }
}

#[test]
fn missing_programs_fail_with_how_to_install_them() {
    let problem = Programs::locate(|var| {
        (var == "VETTED_CHROMEDRIVER").then(|| OsString::from("/nonexistent/chromedriver"))
    })
    .err()
    .expect("a missing chromedriver is an error");
    assert!(problem.starts_with("/nonexistent/chromedriver not found (VETTED_CHROMEDRIVER"));
    assert!(problem.contains("apt-get install chromium chromium-driver"));
}
