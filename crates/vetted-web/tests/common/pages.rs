//! Page tests' helpers: a [`Visitor`] that signs in through the login form like a browser,
//! keeps its session cookie and CSRF token, and reads pages as parsed HTML ([`Page`]) to be
//! asserted with CSS selectors.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::{ElementRef, Html, Selector};
use vetted_core::audit::Actor;
use vetted_web::AppState;
use vetted_web::auth::Role;

use super::{bytes, send};

/// The password of every user [`Visitor::signed_in`] creates.
pub const PASSWORD: &str = "correct horse battery";

/// An answered page: status, headers and parsed HTML.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: String,
    pub html: Html,
    pub text: String,
}

impl Page {
    /// Every element matching `css`.
    pub fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        let selector = Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"));
        self.html.select(&selector).collect()
    }

    /// The one element matching `css` (panics with the page when there is none).
    pub fn one(&self, css: &str) -> ElementRef<'_> {
        let found = self.all(css);
        assert!(
            !found.is_empty(),
            "no element matches `{css}` on this page (status {}):\n{}",
            self.status,
            self.text
        );
        found[0]
    }

    /// Whether some element matches `css`.
    pub fn has(&self, css: &str) -> bool {
        !self.all(css).is_empty()
    }

    /// The text of the first element matching `css`, whitespace collapsed.
    pub fn text_of(&self, css: &str) -> String {
        text(self.one(css))
    }
}

impl Page {
    /// What a browser would send for the form matching `form` as the page shows it: hidden
    /// and text inputs, ticked boxes, selected options, text areas (the CSRF token among them).
    pub fn form_fields(&self, form: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let css = format!("{form} input[name], {form} select[name], {form} textarea[name]");
        for e in self.all(&css) {
            let name = e.attr("name").unwrap().to_string();
            match e.value().name() {
                "input" if e.attr("type") == Some("checkbox") => {
                    if e.attr("checked").is_some() {
                        out.push((name, e.attr("value").unwrap_or("on").to_string()));
                    }
                }
                "input" => out.push((name, e.attr("value").unwrap_or_default().to_string())),
                "select" => {
                    let sel = Selector::parse("option[selected]").unwrap();
                    let v = e
                        .select(&sel)
                        .next()
                        .and_then(|o| o.attr("value"))
                        .unwrap_or_default();
                    out.push((name, v.to_string()));
                }
                _ => out.push((name, e.text().collect())),
            }
        }
        out
    }
}

/// `fields` with every value of `name` replaced by `values` (none: the field is left out, as
/// an unticked box is).
pub fn set(fields: &mut Vec<(String, String)>, name: &str, values: &[&str]) {
    fields.retain(|(k, _)| k != name);
    fields.extend(values.iter().map(|v| (name.to_string(), (*v).to_string())));
}

impl Visitor {
    /// Submits `fields` (as [`Page::form_fields`] gives them, changed at will) to `action`.
    pub async fn submit(&self, action: &str, fields: &[(String, String)]) -> Page {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.post_raw(action, &pairs).await
    }
}

/// An element's text, whitespace collapsed.
pub fn text(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A browser-like client of the router: a session cookie (once signed in) and its CSRF token,
/// read from the pages' `<meta name="csrf-token">`.
pub struct Visitor {
    pub app: Router,
    pub cookie: Option<String>,
    pub csrf: String,
}

impl Visitor {
    /// Nobody signed in.
    pub fn anonymous(app: Router) -> Visitor {
        Visitor {
            app,
            cookie: None,
            csrf: String::new(),
        }
    }

    /// Creates a user of `role` (e-mail `{role}@example.org` unless it exists) and signs in
    /// through `POST /login`.
    pub async fn signed_in(state: &AppState, role: Role) -> Visitor {
        let email = format!("{role}@example.org");
        if state.accounts.get_user_by_email(&email).await.is_err() {
            state
                .accounts
                .create_user(&email, PASSWORD, role, Actor::System)
                .await
                .expect("create the user");
        }
        let mut v = Visitor::anonymous(vetted_web::router(state.clone()));
        v.sign_in(&email, PASSWORD).await;
        v
    }

    /// Signs in with the login form; panics unless it succeeds.
    pub async fn sign_in(&mut self, email: &str, password: &str) {
        let res = send(
            &self.app,
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(
                    serde_urlencoded::to_string([("email", email), ("password", password)])
                        .unwrap(),
                ))
                .unwrap(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "login of {email}");
        let cookie = res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        self.cookie = Some(cookie);
        let home = self.get("/").await;
        self.csrf = home
            .one(r#"meta[name="csrf-token"]"#)
            .attr("content")
            .unwrap()
            .to_string();
    }

    fn request(&self, method: &str, uri: &str) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        b
    }

    /// `GET uri`.
    pub async fn get(&self, uri: &str) -> Page {
        let res = send(
            &self.app,
            self.request("GET", uri).body(Body::empty()).unwrap(),
        )
        .await;
        page(res).await
    }

    /// `POST uri` with a form of `fields`, plus the CSRF token.
    pub async fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(uri, &all).await
    }

    /// `POST uri` with exactly `fields` (no CSRF token added).
    pub async fn post_raw(&self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let res = send(
            &self.app,
            self.request("POST", uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
                .unwrap(),
        )
        .await;
        page(res).await
    }
}

/// Reads an answer as a page.
pub async fn page(res: axum::response::Response) -> Page {
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes(res).await).into_owned();
    Page {
        status,
        location,
        content_type,
        html: Html::parse_document(&text),
        text,
    }
}
