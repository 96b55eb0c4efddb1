//! Browser journeys: Vetted's pages in real headless Chromium.
//!
//! Debian's `chromium`, driven over `WebDriver` by Debian's `chromedriver` (through the
//! `fantoccini` crate), against a real Vetted server on 127.0.0.1. Each test starts its own
//! server and its own browser ([`harness::App`], [`harness::Browser`]), so tests run in
//! parallel without sharing anything, and leaves a screenshot of its last page under
//! `target/browser-artifacts/<test>.png`, whether it passed or not.
//!
//! Run them alone with `scripts/with-browser cargo nextest run -p vetted-web --test browser`
//! (`scripts/with-browser` installs the two Debian packages when they are missing). Without
//! `/usr/bin/chromium` and `/usr/bin/chromedriver` (or `VETTED_CHROMIUM` and
//! `VETTED_CHROMEDRIVER`) every test fails and says how to install them: they never skip.
//!
//! A journey is one `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` in a module
//! of its own here (the multi-threaded runtime lets the browser's drop guard take the last
//! screenshot after a failed assertion), shaped like this:
//!
//! ```ignore
//! let app = App::with_example_register().await;          // the server, set up
//! let editor = app.add_user(Role::Editor).await;
//! let browser = Browser::open(&app, &test_name!()).await; // after the app: dropped first
//! browser.sign_in(&editor.email, &editor.password).await;
//! browser.goto("/suppliers/stratocloud").await;
//! assert_eq!(browser.text("main h1").await, "Stratocloud EMEA S.à r.l.");
//! browser.finish().await;                                 // screenshot, console checked
//! ```
//!
//! Assert what the user sees with CSS selectors ([`harness::Browser::text`],
//! [`harness::Browser::has`]) and what was stored through [`harness::App::state`].

/// Shared set-up of the web crate's tests (the example register).
#[path = "../common/mod.rs"]
mod common;
mod harness;
/// The real SMTP server of the mail tests.
#[path = "../smtp/mod.rs"]
mod smtp;

mod audit_report;
mod first_run;
mod import;
mod model_provider;
mod notifications;
mod register_then;
mod review;
mod review_escalation;
mod subprocessors;
mod verbs;
mod viewer;
