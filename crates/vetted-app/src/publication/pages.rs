//! The public HTML pages of the list, rendered from a [`View`]: the page, the embeddable
//! snippet, the version history, one version, a comparison, messages and the objection form.
//! The server and `vetted subprocessors export` render the same templates; only the links
//! ([`Hrefs`]) differ.

use askama::Template;
use vetted_core::publication::diff;

use super::render::{ChangeLine, Item, VersionLine, View};

/// Where a page's links point.
#[derive(Clone, Debug)]
pub struct Hrefs {
    pub stylesheet: String,
    pub home: String,
    pub json: String,
    pub csv: String,
    pub md: String,
    pub atom: String,
    pub versions: String,
    /// Version `n`'s page is this, `n` and [`Hrefs::version_suffix`].
    pub version_base: String,
    pub version_suffix: String,
    /// The comparison form's action; none where nothing answers it (a static export).
    pub compare: Option<String>,
}

impl Hrefs {
    /// Version `n`'s page.
    pub fn version(&self, n: i64) -> String {
        format!("{}{n}{}", self.version_base, self.version_suffix)
    }

    /// The server's own paths (`stylesheet`: the hashed static URL).
    pub fn server(stylesheet: &str) -> Hrefs {
        Hrefs {
            stylesheet: stylesheet.to_string(),
            home: "/subprocessors".into(),
            json: "/subprocessors.json".into(),
            csv: "/subprocessors.csv".into(),
            md: "/subprocessors.md".into(),
            atom: "/subprocessors.atom".into(),
            versions: "/subprocessors/versions".into(),
            version_base: "/subprocessors/versions/".into(),
            version_suffix: String::new(),
            compare: Some("/subprocessors/versions/compare".into()),
        }
    }

    /// Files side by side in one folder (a static export): the page is `index.html`.
    pub fn files() -> Hrefs {
        Hrefs {
            stylesheet: "subprocessors.css".into(),
            home: "index.html".into(),
            json: "subprocessors.json".into(),
            csv: "subprocessors.csv".into(),
            md: "subprocessors.md".into(),
            atom: "subprocessors.atom".into(),
            versions: "versions.html".into(),
            version_base: "version-".into(),
            version_suffix: ".html".into(),
            compare: None,
        }
    }
}

/// The formats' links on the page.
pub struct Formats {
    pub json: String,
    pub csv: String,
    pub md: String,
    pub atom: String,
    pub versions: String,
}

/// The subscription form on the page.
pub struct SubscribeForm {
    pub action: String,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "public/page.html")]
pub struct Page {
    pub title: String,
    pub stylesheet: String,
    pub notice: Option<String>,
    pub current: Option<(i64, String)>,
    pub items: Vec<Item>,
    pub planned: Option<VersionLine>,
    pub formats: Formats,
    pub subscribe: Option<SubscribeForm>,
}

#[derive(Template)]
#[template(path = "public/snippet.html")]
pub struct Snippet {
    pub current: Option<(i64, String)>,
    pub items: Vec<Item>,
    pub planned: Option<VersionLine>,
}

#[derive(Template)]
#[template(path = "public/versions.html")]
pub struct Versions {
    pub title: String,
    pub stylesheet: String,
    pub home: String,
    pub compare_action: Option<String>,
    pub hrefs: Hrefs,
    pub versions: Vec<VersionLine>,
}

#[derive(Template)]
#[template(path = "public/version.html")]
pub struct Version {
    pub title: String,
    pub stylesheet: String,
    pub home: String,
    pub history: String,
    pub v: VersionLine,
}

/// The changes between two versions.
pub struct Changes {
    pub changes: Vec<ChangeLine>,
}

#[derive(Template)]
#[template(path = "public/compare.html")]
pub struct Compare {
    pub title: String,
    pub stylesheet: String,
    pub history: String,
    pub from: i64,
    pub to: i64,
    pub v: Changes,
}

/// A button that posts hidden fields (a confirmation that a mail scanner's GET cannot do).
pub struct PostButton {
    pub action: String,
    pub hidden: Vec<(String, String)>,
    pub button: String,
}

#[derive(Template)]
#[template(path = "public/message.html")]
pub struct Message {
    pub stylesheet: String,
    pub home: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub form: Option<PostButton>,
}

/// The objection form's messages per field.
#[derive(Default)]
pub struct ObjectionErrors {
    pub customer: Option<String>,
    pub contact: Option<String>,
    pub grounds: Option<String>,
}

#[derive(Template)]
#[template(path = "public/object.html")]
pub struct ObjectForm {
    pub stylesheet: String,
    pub v: VersionLine,
    pub action: String,
    pub hidden: Vec<(String, String)>,
    pub customer: String,
    pub contact: String,
    pub grounds: String,
    pub errors: ObjectionErrors,
}

impl View<'_> {
    /// The list's page.
    pub fn page(
        &self,
        hrefs: &Hrefs,
        subscribe: Option<SubscribeForm>,
        notice: Option<String>,
    ) -> Page {
        Page {
            title: self.title(),
            stylesheet: hrefs.stylesheet.clone(),
            notice,
            current: self.current(),
            items: self.items(),
            planned: self.planned(),
            formats: Formats {
                json: hrefs.json.clone(),
                csv: hrefs.csv.clone(),
                md: hrefs.md.clone(),
                atom: hrefs.atom.clone(),
                versions: hrefs.versions.clone(),
            },
            subscribe,
        }
    }

    /// The snippet to embed in another page (no styles of its own; class names to style).
    pub fn snippet(&self) -> Snippet {
        Snippet {
            current: self.current(),
            items: self.items(),
            planned: self.planned(),
        }
    }

    /// The version history.
    pub fn history(&self, hrefs: &Hrefs) -> Versions {
        Versions {
            title: self.title(),
            stylesheet: hrefs.stylesheet.clone(),
            home: hrefs.home.clone(),
            compare_action: hrefs.compare.clone(),
            hrefs: hrefs.clone(),
            versions: self.versions(),
        }
    }

    /// Version `number`'s page, if there is one.
    pub fn version_page(&self, hrefs: &Hrefs, number: i64) -> Option<Version> {
        let (v, s) = self.publication.version(number)?;
        Some(Version {
            title: self.title(),
            stylesheet: hrefs.stylesheet.clone(),
            home: hrefs.home.clone(),
            history: hrefs.versions.clone(),
            v: self.version_line(v, s),
        })
    }

    /// The changes from version `from` to version `to`, if both exist.
    pub fn compare(&self, hrefs: &Hrefs, from: i64, to: i64) -> Option<Compare> {
        let (a, _) = self.publication.version(from)?;
        let (b, _) = self.publication.version(to)?;
        Some(Compare {
            title: self.title(),
            stylesheet: hrefs.stylesheet.clone(),
            history: hrefs.versions.clone(),
            from,
            to,
            v: Changes {
                changes: diff(&a.entries, &b.entries)
                    .iter()
                    .map(ChangeLine::of)
                    .collect(),
            },
        })
    }
}
