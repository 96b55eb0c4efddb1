//! The journeys' harness: a Vetted server ([`App`]) and a headless Chromium ([`Browser`]) per
//! test, and the verbs a journey is written in.
//!
//! - [`App`] (`app.rs`) serves the real router (`vetted_web::Server`, as `vetted serve` does)
//!   on 127.0.0.1, port 0, over a fresh `SQLite` database in a temporary folder, empty or
//!   holding the example register; it creates users and suppliers directly through the store
//!   for a journey's set-up, reads what a journey wrote, and stops when dropped.
//! - `chromium.rs` finds Debian's programs and starts chromedriver on a free loopback port in
//!   its own process group, with a fresh Chromium profile and `HOME`/`XDG_*` folders in a
//!   temporary folder: nothing is written to the real home, nothing is shared between parallel
//!   tests.
//! - [`Browser`] (`browser.rs`) opens a 1280×900 headless window and offers the verbs:
//!   [`Browser::goto`], [`Browser::sign_in`], [`Browser::fill`] (by label text or CSS
//!   selector), [`Browser::select`], [`Browser::check`], [`Browser::upload`],
//!   [`Browser::click_button`], [`Browser::click_link`], [`Browser::tab_to`] and
//!   [`Browser::press`] for the keyboard, [`Browser::text`], [`Browser::wait_for`],
//!   [`Browser::fetch`] (a request from the page's own session, to forge one),
//!   [`Browser::console_errors`], [`Browser::screenshot`], [`Browser::finish`].
//!
//! Every verb waits (up to [`WAIT`]) for what it needs to appear, and panics with the page's
//! address when it does not: journeys read as a list of steps, without `?` or `unwrap`.
//! [`Browser::finish`] saves the last page's screenshot and fails the journey if the console
//! logged an error nobody read (a script error, a missing file, content the CSP refused).
//! Dropping a [`Browser`] that was not finished (a failed assertion) still saves the
//! screenshot of the page it was on, closes the `WebDriver` session and kills the process
//! group, so no Chromium outlives its test.

pub mod app;
pub mod browser;
mod chromium;

use std::time::Duration;

pub use app::App;
pub use browser::Browser;

/// How long a verb waits for what it needs (an element, a navigation) before it fails. Generous:
/// two parallel journeys share two cores with the rest of the suite.
pub const WAIT: Duration = Duration::from_secs(20);

/// The browser window's size: a laptop screen.
pub const WINDOW: (u32, u32) = (1280, 900);

/// The test's name for its artifacts: the path of the enclosing function inside the test
/// binary, `first_run::first_admin_sets_up_signs_in_and_out` (as nextest lists it).
#[macro_export]
macro_rules! test_name {
    () => {{
        fn here() {}
        $crate::harness::name_of(::std::any::type_name_of_val(&here))
    }};
}

/// `browser::a::b::{{closure}}::here` → `a::b`.
pub fn name_of(type_name: &str) -> String {
    type_name
        .split("::")
        .filter(|part| *part != "{{closure}}")
        .skip(1)
        .collect::<Vec<_>>()
        .split_last()
        .map(|(_, path)| path.join("::"))
        .unwrap_or_default()
}

#[test]
fn test_names_drop_the_binary_closures_and_the_marker() {
    assert_eq!(
        name_of("browser::first_run::journey::{{closure}}::here"),
        "first_run::journey"
    );
}
