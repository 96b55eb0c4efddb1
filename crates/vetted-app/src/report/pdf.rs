//! PDF through headless Chromium's print-to-PDF: the HTML document ([`super::html`]) printed
//! as A4 by the browser the UI tests already run, so the PDF is the page an auditor sees on
//! screen, typeset by a real layout engine. Chromium runs in a fresh profile in a temporary
//! folder, offline (the document loads nothing), and is stopped after [`TIMEOUT`].

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long Chromium may take to print.
pub const TIMEOUT: Duration = Duration::from_secs(90);

/// Why no PDF was made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "a PDF needs Chromium and none was found: install Debian's `chromium` package, or set \
         VETTED_CHROMIUM to the browser's path (or choose --format html)"
    )]
    NoChromium,
    #[error("Chromium at {path} cannot be started: {source}")]
    Start {
        path: String,
        source: std::io::Error,
    },
    #[error("Chromium did not print the PDF within {} s", TIMEOUT.as_secs())]
    Timeout,
    #[error("Chromium failed to print the PDF ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    #[error("the PDF could not be written in a temporary folder: {0}")]
    Io(#[from] std::io::Error),
}

/// The Chromium to use: `explicit`, else `VETTED_CHROMIUM`, else the first of `chromium`,
/// `chromium-browser`, `google-chrome` on the `PATH`.
pub fn find_chromium(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("VETTED_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Prints `html` to PDF with `chromium`.
///
/// # Errors
/// Chromium missing, failing, or too slow.
pub fn print(chromium: Option<&Path>, html: &str) -> Result<Vec<u8>, PdfError> {
    let chromium = find_chromium(chromium).ok_or(PdfError::NoChromium)?;
    let dir = tempfile::tempdir()?;
    let page = dir.path().join("report.html");
    let out = dir.path().join("report.pdf");
    std::fs::write(&page, html)?;
    // Chromium's messages go to a file: a pipe nobody reads while it runs could fill and stall it.
    let log_path = dir.path().join("chromium.log");
    let log = std::fs::File::create(&log_path)?;
    let mut child = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-pdf-header-footer",
            "--generate-pdf-document-outline",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_CACHE_HOME", dir.path())
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|source| PdfError::Start {
            path: chromium.display().to_string(),
            source,
        })?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(PdfError::Timeout);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let pdf = std::fs::read(&out).unwrap_or_default();
    if !status.success() || !pdf.starts_with(b"%PDF-") {
        let stderr = std::fs::read_to_string(&log_path).unwrap_or_default();
        let stderr: String = stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(5)
            .collect::<Vec<_>>()
            .join(" | ");
        return Err(PdfError::Failed {
            status: status.to_string(),
            stderr,
        });
    }
    Ok(pdf)
}
