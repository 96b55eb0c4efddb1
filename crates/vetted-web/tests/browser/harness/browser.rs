//! The browser of a journey and its verbs.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::error::CmdError;
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use super::chromium::{Driver, Programs, capabilities};
use super::{App, WAIT, WINDOW};

/// A headless Chromium on one [`App`], for one test. Drop it (or [`Browser::finish`] it) before
/// the [`App`]: declare it after.
pub struct Browser {
    client: Option<Client>,
    base: String,
    name: String,
    driver: Driver,
}

/// What [`Browser::fetch`] got back.
#[derive(Debug)]
pub struct Fetched {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

impl Fetched {
    /// The body as JSON (panics when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {}", self.body))
    }
}

impl Browser {
    /// Starts chromedriver and Chromium for the test `name` (use [`test_name!`]) on `app`, and
    /// opens a blank 1280×900 window.
    pub async fn open(app: &App, name: &str) -> Browser {
        let programs = Programs::find();
        let driver = Driver::start(&programs).await;
        let profile = driver.dir.path().join("profile");
        let connecting = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(&programs, &profile))
            .connect(&driver.url())
            .await;
        let client = match connecting {
            Ok(client) => client,
            Err(e) => panic!(
                "Chromium did not start ({e}); chromedriver's log:\n{}",
                driver.log()
            ),
        };
        let browser = Browser {
            client: Some(client),
            base: app.url(""),
            name: name.to_string(),
            driver,
        };
        set_viewport(browser.client(), WINDOW.0, WINDOW.1)
            .await
            .expect("size the window");
        browser
    }

    /// The `WebDriver` client, for what the verbs do not cover.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the browser is open")
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    // --- navigation -------------------------------------------------------------------

    /// Opens `path` (`/suppliers?tier=high`) and waits for it to load.
    pub async fn goto(&self, path: &str) {
        self.client()
            .goto(&self.url(path))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The current path with its query: `/login?notice=signed-out`.
    pub async fn path(&self) -> String {
        let url = self.client().current_url().await.expect("the current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits until the current path (with its query when `expected` has one) is `expected`.
    pub async fn wait_for_path(&self, expected: &str) {
        self.poll(&format!("the address to become {expected}"), || async {
            let url = self
                .client()
                .current_url()
                .await
                .map_err(|e| e.to_string())?;
            let path = if expected.contains('?') {
                format!("{}?{}", url.path(), url.query().unwrap_or(""))
            } else {
                url.path().to_string()
            };
            if path == expected {
                Ok(())
            } else {
                Err(format!("it is {path}"))
            }
        })
        .await;
    }

    /// The document's title.
    pub async fn title(&self) -> String {
        self.client().title().await.expect("the title")
    }

    // --- reading ----------------------------------------------------------------------

    /// The first element matching `css`, once there is one.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.poll(&format!("an element matching `{css}`"), || async {
            self.client()
                .find(Locator::Css(css))
                .await
                .map_err(|e| e.to_string())
        })
        .await
    }

    /// Waits until the first element matching `css` reads `expected` (whitespace collapsed):
    /// how a journey knows the page after a click has arrived.
    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        self.poll(&format!("`{css}` to read {expected:?}"), || async {
            let element = self
                .client()
                .find(Locator::Css(css))
                .await
                .map_err(|e| e.to_string())?;
            let text = collapse(&element.text().await.map_err(|e| e.to_string())?);
            if text == expected {
                Ok(())
            } else {
                Err(format!("it reads {text:?}"))
            }
        })
        .await;
    }

    /// Waits until no element matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        self.poll(&format!("no element matching `{css}`"), || async {
            match self.count(css).await {
                0 => Ok(()),
                n => Err(format!("{n} still match")),
            }
        })
        .await;
    }

    /// Whether an element matches `css` now (no waiting: check the page has loaded first,
    /// with [`Browser::wait_for`] or [`Browser::wait_for_path`]).
    pub async fn has(&self, css: &str) -> bool {
        self.count(css).await > 0
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.client()
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find `{css}`: {e}"))
            .len()
    }

    /// The rendered text of the first element matching `css`, once there is one, whitespace
    /// collapsed (hidden text is not rendered, so not included).
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        collapse(&element.text().await.expect("an element's text"))
    }

    /// The rendered texts of every element matching `css` now, whitespace collapsed.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self
            .client()
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find `{css}`: {e}"))
        {
            texts.push(collapse(&element.text().await.expect("an element's text")));
        }
        texts
    }

    /// An attribute of the first element matching `css`, once there is one.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.wait_for(css)
            .await
            .attr(name)
            .await
            .expect("an element's attribute")
    }

    // --- forms ------------------------------------------------------------------------

    /// The form control labelled `field` (the label's text, whitespace collapsed, either the
    /// whole text or its start before a space: "Password" finds "Password (at least 12
    /// characters)"), else the element matching `field` as a CSS selector. Waits for it; a
    /// label text shared by several controls is an error (use a selector).
    pub async fn field(&self, field: &str) -> Element {
        const FIND: &str = r"
            const [want] = arguments;
            const norm = (s) => s.replace(/\s+/g, ' ').trim();
            const labels = [...document.querySelectorAll('label')].filter((l) => l.control);
            let found = labels.filter((l) => norm(l.textContent) === want);
            if (found.length === 0) {
              found = labels.filter((l) => norm(l.textContent).startsWith(want + ' '));
            }
            const controls = [...new Set(found.map((l) => l.control))];
            if (controls.length > 1) {
              return { error: `${controls.length} controls are labelled '${want}': use a CSS selector` };
            }
            if (controls.length === 1) { return { element: controls[0] }; }
            try {
              const byCss = document.querySelector(want);
              if (byCss) { return { element: byCss }; }
            } catch (e) { /* not a selector either */ }
            return { error: `no control labelled '${want}' and no element matching it as CSS` };
        ";
        self.poll(&format!("the field `{field}`"), || async {
            let found = self
                .client()
                .execute(FIND, vec![json!(field)])
                .await
                .map_err(|e| e.to_string())?;
            if let Some(error) = found.get("error").and_then(Value::as_str) {
                return Err(error.to_string());
            }
            self.element_from(found.get("element"))
        })
        .await
    }

    /// Types `value` into the field (see [`Browser::field`]) after clearing it. Date, time,
    /// colour and range inputs get the value set directly (typed keys depend on the locale),
    /// with the `input` and `change` events a user's edit fires.
    pub async fn fill(&self, field: &str, value: &str) {
        let element = self.field(field).await;
        let kind = element
            .attr("type")
            .await
            .expect("the field's type")
            .unwrap_or_default();
        if matches!(
            kind.as_str(),
            "date" | "time" | "datetime-local" | "month" | "week" | "color" | "range"
        ) {
            self.client()
                .execute(
                    "const [el, v] = arguments; el.value = v; \
                     el.dispatchEvent(new Event('input', { bubbles: true })); \
                     el.dispatchEvent(new Event('change', { bubbles: true }));",
                    vec![element_json(&element), json!(value)],
                )
                .await
                .unwrap_or_else(|e| panic!("set `{field}` to {value:?}: {e}"));
            return;
        }
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear `{field}`: {e}"));
        element
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into `{field}`: {e}"));
    }

    /// The current value of the field (see [`Browser::field`]).
    pub async fn value(&self, field: &str) -> String {
        self.field(field)
            .await
            .prop("value")
            .await
            .expect("the field's value")
            .unwrap_or_default()
    }

    /// Chooses the option whose visible text is `option` (else whose value is) in the select
    /// labelled `field`.
    pub async fn select(&self, field: &str, option: &str) {
        let element = self.field(field).await;
        if element.select_by_label(option).await.is_err() {
            element
                .select_by_value(option)
                .await
                .unwrap_or_else(|e| panic!("no option `{option}` in `{field}`: {e}"));
        }
    }

    /// Ticks the checkbox (or chooses the radio button) labelled `field`, if it is not already.
    pub async fn check(&self, field: &str) {
        self.set_checked(field, true).await;
    }

    /// Unticks the checkbox labelled `field`, if it is ticked.
    pub async fn uncheck(&self, field: &str) {
        self.set_checked(field, false).await;
    }

    async fn set_checked(&self, field: &str, checked: bool) {
        let element = self.field(field).await;
        if element.is_selected().await.expect("whether it is ticked") != checked {
            element
                .click()
                .await
                .unwrap_or_else(|e| panic!("click `{field}`: {e}"));
        }
    }

    /// Chooses the local file `path` in the file input labelled `field` (or matching it as CSS).
    pub async fn upload(&self, field: &str, path: &Path) {
        let path = std::fs::canonicalize(path)
            .unwrap_or_else(|e| panic!("the file to upload {}: {e}", path.display()));
        self.field(field)
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("choose {} in `{field}`: {e}", path.display()));
    }

    // --- acting -----------------------------------------------------------------------

    /// Clicks the first element matching `css`, once there is one.
    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    /// Clicks the one visible button whose text is `text` (a `<button>`, an
    /// `<input type=submit>` or a link with `role="button"`).
    pub async fn click_button(&self, text: &str) {
        let t = xpath_literal(text);
        let xpath = format!(
            "//button[normalize-space(.)={t}] | //input[(@type='submit' or @type='button') and \
             normalize-space(@value)={t}] | //a[@role='button' and normalize-space(.)={t}]"
        );
        self.click_one_visible(&xpath, &format!("the button `{text}`"))
            .await;
    }

    /// Clicks the one visible link whose text is `text`.
    pub async fn click_link(&self, text: &str) {
        let xpath = format!("//a[normalize-space(.)={}]", xpath_literal(text));
        self.click_one_visible(&xpath, &format!("the link `{text}`"))
            .await;
    }

    async fn click_one_visible(&self, xpath: &str, what: &str) {
        let element = self
            .poll(what, || async {
                let mut visible = Vec::new();
                for e in self
                    .client()
                    .find_all(Locator::XPath(xpath))
                    .await
                    .map_err(|e| e.to_string())?
                {
                    if e.is_displayed().await.map_err(|e| e.to_string())? {
                        visible.push(e);
                    }
                }
                match visible.len() {
                    1 => Ok(visible.remove(0)),
                    0 => Err("none is visible".to_string()),
                    n => Err(format!("{n} are visible: click a CSS selector instead")),
                }
            })
            .await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {what}: {e}"));
    }

    /// Presses and releases `key` (`Key::Enter`, `Key::Tab`, …) on the keyboard: it goes to
    /// whatever has the focus, the page itself when nothing has.
    pub async fn press(&self, key: Key) {
        let value = char::from(key);
        let keys = KeyActions::new("keyboard".to_string())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client()
            .perform_actions(keys)
            .await
            .unwrap_or_else(|e| panic!("press {key:?}: {e}"));
    }

    /// Presses Tab until the focused element matches `css`, as a keyboard user moves through
    /// the page; returns how many presses it took. Fails after 50.
    pub async fn tab_to(&self, css: &str) -> usize {
        for presses in 0..=50 {
            if self.focus_matches(css).await {
                return presses;
            }
            self.press(Key::Tab).await;
        }
        panic!(
            "50 presses of Tab never reached `{css}`; focus is on {}",
            self.describe_focus().await
        );
    }

    /// Whether the focused element matches `css`.
    pub async fn focus_matches(&self, css: &str) -> bool {
        self.client()
            .execute(
                "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
                vec![json!(css)],
            )
            .await
            .unwrap_or_else(|e| panic!("match the focus against `{css}`: {e}"))
            .as_bool()
            .unwrap_or(false)
    }

    /// The focused element as a person would name it: `button "Sign in"`.
    pub async fn describe_focus(&self) -> String {
        self.client()
            .execute(
                "const e = document.activeElement; if (!e) { return 'nothing'; } \
                 const text = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim(); \
                 return `${e.tagName.toLowerCase()} \"${text}\"`;",
                vec![],
            )
            .await
            .map_or_else(
                |e| format!("unknown ({e})"),
                |v| v.as_str().unwrap_or("?").to_string(),
            )
    }

    // --- signing in ---------------------------------------------------------------------

    /// Signs in with the login form and waits to leave the login page; panics with the page's
    /// message when the login fails.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.goto("/login").await;
        self.fill("E-mail address", email).await;
        self.fill("Password", password).await;
        self.click_button("Sign in").await;
        self.poll(&format!("signing in as {email}"), || async {
            if !self.path().await.starts_with("/login") {
                return Ok(());
            }
            let problems = self.texts(".problem").await;
            Err(if problems.is_empty() {
                "still on the login page".to_string()
            } else {
                format!("the login page says: {}", problems.join(" "))
            })
        })
        .await;
    }

    /// Signs out with the menu's button and waits for the login page.
    pub async fn sign_out(&self) {
        self.click_button("Sign out").await;
        self.wait_for_path("/login").await;
    }

    /// The session's CSRF token, from the page's `<meta name="csrf-token">`.
    pub async fn csrf_token(&self) -> String {
        self.attr("meta[name='csrf-token']", "content")
            .await
            .unwrap_or_default()
    }

    /// Sends a request from the page with its session cookie (`fetch`, same origin), as a
    /// script on the page could: how a journey forges a request the page offers no control
    /// for. `headers` are added; `body` is sent as is.
    pub async fn fetch(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Fetched {
        const FETCH: &str = r"
            const [method, path, headers, body, done] = arguments;
            fetch(path, { method, headers, body, credentials: 'same-origin', redirect: 'manual' })
              .then(async (r) => done({ status: r.status, body: await r.text() }))
              .catch((e) => done({ error: String(e) }));
        ";
        let headers: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| ((*k).to_string(), json!(v)))
            .collect();
        let answer = self
            .client()
            .execute_async(
                FETCH,
                vec![
                    json!(method),
                    json!(path),
                    Value::Object(headers),
                    json!(body),
                ],
            )
            .await
            .unwrap_or_else(|e| panic!("fetch {method} {path}: {e}"));
        if let Some(error) = answer.get("error") {
            panic!("fetch {method} {path} failed: {error}");
        }
        Fetched {
            status: answer["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .expect("a status"),
            body: answer["body"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// Runs `script` in the page (`arguments[i]` are `args`) and returns what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.client()
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("run a script: {e}"))
    }

    /// The console's errors since the last call (chromedriver hands each entry out once):
    /// scripts that threw, resources that failed to load, and content refused by the page's
    /// Content Security Policy (an inline `style=` or script). [`Browser::finish`] fails the
    /// journey on any left unread, so a test that provokes one on purpose (a refused request)
    /// reads it here first.
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = self
            .client()
            .issue_cmd(ConsoleLog)
            .await
            .unwrap_or_else(|e| panic!("read the console: {e}"));
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    // --- artifacts ----------------------------------------------------------------------

    /// Saves the window as `<artifacts>/<test>--<label>.png` and returns its path.
    pub async fn screenshot(&self, label: &str) -> PathBuf {
        let path = artifacts_dir().join(format!("{}--{label}.png", file_stem(&self.name)));
        save_screenshot(self.client(), &path).await;
        path
    }

    /// Saves the last page as `<artifacts>/<test>.png`, closes the session and stops the
    /// browser. Dropping the browser does the same (for a failed test), only less politely.
    ///
    /// Fails when the console logged errors the journey did not read (see
    /// [`Browser::console_errors`]): every page of every journey is checked for broken
    /// scripts, missing files and content its CSP refuses.
    pub async fn finish(mut self) -> PathBuf {
        let errors = self.console_errors().await;
        let path = last_screenshot_path(&self.name);
        let client = self.client.take().expect("the browser is open");
        save_screenshot(&client, &path).await;
        let _ = client.close().await;
        assert!(
            errors.is_empty(),
            "the browser's console logged errors during the journey:\n{}",
            errors.join("\n")
        );
        path
    }

    // --- internals ----------------------------------------------------------------------

    /// Runs `attempt` until it succeeds, for up to [`WAIT`]; then fails with what it waited for,
    /// the last reason and the page's address.
    async fn poll<T, F, Fut>(&self, what: &str, mut attempt: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, String>>,
    {
        let start = Instant::now();
        loop {
            match attempt().await {
                Ok(value) => return value,
                Err(reason) if start.elapsed() > WAIT => {
                    let at = self
                        .client()
                        .current_url()
                        .await
                        .map_or_else(|e| format!("unknown ({e})"), |u| u.to_string());
                    panic!("waited {WAIT:?} for {what}: {reason} (on {at})");
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// An element a script returned.
    fn element_from(&self, value: Option<&Value>) -> Result<Element, String> {
        let id = value
            .and_then(|v| v.get(ELEMENT_KEY))
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the script returned no element: {value:?}"))?;
        Ok(Element::from_element_id(
            self.client().clone(),
            ElementRef::from(id.to_string()),
        ))
    }
}

impl Drop for Browser {
    /// A browser not [`Browser::finish`]ed is a test that failed half-way: save its page, the
    /// evidence of what went wrong, then close the session. Async work in a drop needs the
    /// multi-threaded runtime's `block_in_place`; on another runtime only the processes end.
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let path = last_screenshot_path(&self.name);
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async {
                    let saved = tokio::time::timeout(
                        Duration::from_secs(10),
                        save_screenshot(&client, &path),
                    )
                    .await;
                    if saved.is_ok() {
                        eprintln!("the browser's last page: {}", path.display());
                    }
                    let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
                });
            });
        } else {
            eprintln!(
                "no screenshot of the last page: journeys need \
                 #[tokio::test(flavor = \"multi_thread\")]"
            );
        }
        if std::thread::panicking() {
            eprintln!("chromedriver's log:\n{}", self.driver.log());
        }
    }
}

/// chromedriver's console log of the session (`POST /session/{id}/se/log`, an extension
/// command `WebDriver` does not standardise).
#[derive(Debug)]
struct ConsoleLog;

impl WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(r#"{"type":"browser"}"#.to_string()))
    }
}

/// The `WebDriver` key of an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn element_json(element: &Element) -> Value {
    json!({ ELEMENT_KEY: element.element_id().to_string() })
}

/// `target/browser-artifacts` (under `CARGO_TARGET_DIR` when set: cargo gives integration
/// tests `CARGO_TARGET_TMPDIR`, `<target>/tmp`, at compile time).
pub fn artifacts_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-artifacts")
}

fn last_screenshot_path(name: &str) -> PathBuf {
    artifacts_dir().join(format!("{}.png", file_stem(name)))
}

/// `first_run::x` → `first_run__x`: artifact stores refuse `:` in names.
fn file_stem(name: &str) -> String {
    name.replace("::", "__")
}

/// Saves a PNG of the whole page (the window grown to the page's height for the shot, up to
/// 10,000 pixels, then restored): a long register or supplier page shows all it rendered.
async fn save_screenshot(client: &Client, path: &Path) {
    let height = client
        .execute(
            "return Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .map_or(WINDOW.1, |h| h.clamp(u64::from(WINDOW.1), 10_000) as u32);
    let grown = height > WINDOW.1 && set_viewport(client, WINDOW.0, height).await.is_ok();
    let shot = client.screenshot().await;
    if grown {
        let _ = set_viewport(client, WINDOW.0, WINDOW.1).await;
    }
    match shot {
        Ok(png) => {
            if let Err(e) =
                std::fs::create_dir_all(artifacts_dir()).and_then(|()| std::fs::write(path, png))
            {
                eprintln!("cannot save the screenshot {}: {e}", path.display());
            }
        }
        Err(e) => eprintln!("cannot take a screenshot: {e}"),
    }
}

/// Sizes the window so that the page's viewport (what a screenshot shows) is `width` ×
/// `height`: headless Chromium's window counts a browser frame the page does not get.
async fn set_viewport(client: &Client, width: u32, height: u32) -> Result<(), CmdError> {
    client.set_window_size(width, height).await?;
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await?;
    let (Some(w), Some(h)) = (inner[0].as_u64(), inner[1].as_u64()) else {
        return Ok(());
    };
    let frame_w = u64::from(width).saturating_sub(w) as u32;
    let frame_h = u64::from(height).saturating_sub(h) as u32;
    if frame_w > 0 || frame_h > 0 {
        client
            .set_window_size(width + frame_w, height + frame_h)
            .await?;
    }
    Ok(())
}

/// `text` as an `XPath` string literal (`XPath` 1.0 has no escapes: quotes of the other kind, or
/// `concat()` when the text has both).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// Whitespace runs as one space, trimmed: how the text reads.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn xpath_literals_quote_any_text() {
    assert_eq!(xpath_literal("Save"), "'Save'");
    assert_eq!(xpath_literal("Don't"), "\"Don't\"");
    assert_eq!(xpath_literal("a'b\"c"), "concat('a', \"'\", 'b\"c')");
}
