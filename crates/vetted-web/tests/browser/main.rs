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
//! A journey is one `#[tokio::test(flavor = "multi_thread")]` in a module of its own here;
//! the multi-threaded runtime lets the browser's drop guard take the last screenshot after a
//! failed assertion (see [`harness::Browser`]).

/// Shared set-up of the web crate's tests (the example register).
#[path = "../common/mod.rs"]
mod common;
mod harness;

mod first_run;
mod verbs;
mod viewer;
