//! The public outputs of the list: JSON, CSV, Markdown, the Atom feed, and the HTML page and
//! snippet (askama, `templates/public/`). The server answers them at `/subprocessors*` and
//! `vetted subprocessors export` writes them to files, from the same [`View`].
//!
//! Only [`PublicEntry`]'s public fields are ever written (never its supplier id), plus what
//! was published about the versions (number, dates, standing, the publisher's note).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use vetted_core::date::format_date;
use vetted_core::publication::{EntryChange, ListVersion, PublicEntry, Publication, Standing};

use crate::tabular::table::neutralise;

/// The stylesheet of the public page, served by the server and written beside an export.
pub const PUBLIC_CSS: &str = include_str!("../../templates/public/public.css");

/// The format name of the JSON output.
pub const JSON_FORMAT: &str = "subprocessor-list/1";

/// One entry as written publicly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub name: String,
    pub purpose: Option<String>,
    pub processing_countries: Vec<String>,
    pub storage_countries: Vec<String>,
    pub data_categories: Vec<String>,
    pub since: Option<String>,
}

impl Item {
    pub fn of(e: &PublicEntry) -> Item {
        Item {
            name: e.name.clone(),
            purpose: e.purpose.clone(),
            processing_countries: e
                .processing
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            storage_countries: e.storage.iter().map(|c| c.as_str().to_string()).collect(),
            data_categories: e.data_categories.clone(),
            since: e.since.map(format_date),
        }
    }

    pub fn processing(&self) -> String {
        self.processing_countries.join(", ")
    }

    pub fn storage(&self) -> String {
        self.storage_countries.join(", ")
    }

    pub fn categories(&self) -> String {
        self.data_categories.join(", ")
    }

    pub fn purpose_text(&self) -> &str {
        self.purpose.as_deref().unwrap_or("")
    }

    pub fn since_text(&self) -> &str {
        self.since.as_deref().unwrap_or("")
    }
}

/// One change as written publicly.
#[derive(Clone, Debug)]
pub struct ChangeLine {
    pub kinds: Vec<&'static str>,
    pub label: String,
    pub summary: String,
    pub before: Option<Item>,
    pub after: Option<Item>,
}

impl ChangeLine {
    pub fn of(c: &EntryChange) -> ChangeLine {
        ChangeLine {
            kinds: c.kinds.iter().map(|k| k.as_str()).collect(),
            label: c
                .kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(", "),
            summary: c.summary(),
            before: c.before.as_ref().map(Item::of),
            after: c.after.as_ref().map(Item::of),
        }
    }

    /// What a reader needs beside the kind: the entry's purpose and places, and what they
    /// were.
    pub fn detail(&self) -> String {
        let mut parts = Vec::new();
        if let Some(i) = self.after.as_ref().or(self.before.as_ref()) {
            if let Some(p) = &i.purpose {
                parts.push(p.clone());
            }
            if !i.processing_countries.is_empty() {
                parts.push(format!("processing: {}", i.processing()));
            }
            if !i.storage_countries.is_empty() {
                parts.push(format!("storage: {}", i.storage()));
            }
        }
        if let (Some(b), Some(a)) = (&self.before, &self.after)
            && !self.kinds.contains(&"replacement")
        {
            if b.processing_countries != a.processing_countries {
                parts.push(format!("processing was: {}", or_none(&b.processing())));
            }
            if b.storage_countries != a.storage_countries {
                parts.push(format!("storage was: {}", or_none(&b.storage())));
            }
            if b.purpose != a.purpose {
                parts.push(format!(
                    "purpose was: {}",
                    b.purpose.as_deref().unwrap_or("none")
                ));
            }
            if b.name != a.name {
                parts.push(format!("name was: {}", b.name));
            }
        }
        parts.join("; ")
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "none" } else { s }
}

/// A published version as the public outputs describe it.
#[derive(Clone, Debug)]
pub struct VersionLine {
    pub number: i64,
    pub published: String,
    pub published_at: OffsetDateTime,
    pub effective: String,
    /// `planned`, `on_hold`, `in_effect`, `past`, `replaced`, `withdrawn`.
    pub status: &'static str,
    /// The standing in words: "In effect since 2026-11-01".
    pub standing: String,
    pub note: Option<String>,
    pub changes: Vec<ChangeLine>,
    pub entries: Vec<Item>,
}

impl VersionLine {
    pub fn is_pending(&self) -> bool {
        matches!(self.status, "planned" | "on_hold")
    }

    /// "2 changes", "1 change", "the first list".
    pub fn headline(&self) -> String {
        match self.changes.len() {
            _ if self.number == 1 => "First publication".to_string(),
            1 => "1 change".to_string(),
            n => format!("{n} changes"),
        }
    }
}

/// The standing in words.
pub fn standing_text(s: &Standing) -> String {
    match s {
        Standing::Planned { effective } => {
            format!("Planned: takes effect on {}", format_date(*effective))
        }
        Standing::OnHold { effective, .. } => format!(
            "Planned for {}, on hold while objections are considered",
            format_date(*effective)
        ),
        Standing::InEffect { since } => format!("In effect since {}", format_date(*since)),
        Standing::Past { since, until } => format!(
            "In effect from {} to {}",
            format_date(*since),
            format_date(*until)
        ),
        Standing::Replaced { by } => format!("Replaced by version {by} before it took effect"),
        Standing::Withdrawn { on } => format!("Withdrawn on {}", format_date(*on)),
    }
}

/// What the public outputs are made of.
#[derive(Clone, Debug)]
pub struct View<'a> {
    pub publication: &'a Publication,
    /// Who publishes the list ("Subprocessors of …"); none: a plain title.
    pub organization: Option<&'a str>,
    /// Absolute base of links (`https://vetted.example.eu`), when known; else links are
    /// relative to where the file is served.
    pub base: Option<&'a str>,
    /// A stable, unique id of this list for the feed (`urn:uuid:…`).
    pub feed_id: &'a str,
}

impl View<'_> {
    /// The list in force today, as items.
    pub fn items(&self) -> Vec<Item> {
        self.publication
            .current_entries()
            .iter()
            .map(Item::of)
            .collect()
    }

    /// Every version, newest first, with its changes.
    pub fn versions(&self) -> Vec<VersionLine> {
        self.publication
            .iter()
            .rev()
            .map(|(v, s)| self.version_line(v, s))
            .collect()
    }

    /// One version with its changes.
    pub fn version_line(&self, v: &ListVersion, s: &Standing) -> VersionLine {
        VersionLine {
            number: v.number,
            published: format_date(v.published_on()),
            published_at: v.published_at,
            effective: format_date(v.effective),
            status: s.as_str(),
            standing: standing_text(s),
            note: v.note.clone(),
            changes: self
                .publication
                .changes(v.number)
                .iter()
                .map(ChangeLine::of)
                .collect(),
            entries: v.entries.iter().map(Item::of).collect(),
        }
    }

    /// The pending change, if any.
    pub fn planned(&self) -> Option<VersionLine> {
        self.publication
            .pending()
            .map(|(v, s)| self.version_line(v, s))
    }

    /// `path` under the base, or `path` as it is when there is none.
    pub fn link(&self, path: &str) -> String {
        match self.base {
            Some(b) => format!(
                "{}/{}",
                b.trim_end_matches('/'),
                path.trim_start_matches('/')
            ),
            None => path.to_string(),
        }
    }

    /// "Subprocessors of Example Ltd".
    pub fn title(&self) -> String {
        self.organization.map_or_else(
            || "Subprocessors".to_string(),
            |o| format!("Subprocessors of {o}"),
        )
    }

    /// The version in force: its number and since when.
    pub fn current(&self) -> Option<(i64, String)> {
        self.publication.iter().find_map(|(v, s)| match s {
            Standing::InEffect { since } => Some((v.number, format_date(*since))),
            _ => None,
        })
    }

    /// The JSON output.
    pub fn json(&self) -> String {
        let change = |c: &ChangeLine| {
            json!({
                "change": c.kinds,
                "summary": c.summary,
                "before": c.before,
                "after": c.after,
            })
        };
        let planned: Vec<Value> = self
            .planned()
            .into_iter()
            .map(|v| {
                json!({
                    "version": v.number,
                    "published": v.published,
                    "effective": v.effective,
                    "status": v.status,
                    "note": v.note,
                    "changes": v.changes.iter().map(change).collect::<Vec<_>>(),
                })
            })
            .collect();
        let current = self.current();
        let doc = json!({
            "format": JSON_FORMAT,
            "title": self.title(),
            "as_of": format_date(self.publication.today),
            "version": current.as_ref().map(|c| c.0),
            "in_effect_since": current.as_ref().map(|c| c.1.clone()),
            "subprocessors": self.items(),
            "planned": planned,
        });
        let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
        out.push('\n');
        out
    }

    /// The CSV output: the list in force, one row per subprocessor.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record([
            "name",
            "purpose",
            "processing_countries",
            "storage_countries",
            "data_categories",
            "since",
        ]);
        for i in self.items() {
            let _ = w.write_record([
                neutralise(&i.name).as_ref(),
                neutralise(i.purpose_text()).as_ref(),
                &i.processing_countries.join(";"),
                &i.storage_countries.join(";"),
                neutralise(&i.data_categories.join(";")).as_ref(),
                i.since_text(),
            ]);
        }
        w.into_inner().unwrap_or_default()
    }

    /// The Markdown output: the list in force and the planned change.
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", md(&self.title()));
        match self.current() {
            Some((n, since)) => {
                let _ = writeln!(out, "Version {n}, in effect since {since}.\n");
            }
            None => out.push_str("No list has been published yet.\n\n"),
        }
        out.push_str("| Name | Purpose | Processing countries | Storage countries | Data categories | Since |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for i in self.items() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md(&i.name),
                md(i.purpose_text()),
                i.processing(),
                i.storage(),
                md(&i.categories()),
                i.since_text()
            );
        }
        if let Some(v) = self.planned() {
            let _ = writeln!(
                out,
                "\n## Planned change: version {}\n\n{}.\n",
                v.number,
                md(&v.standing)
            );
            if let Some(note) = &v.note {
                let _ = writeln!(out, "{}\n", md(note));
            }
            for c in &v.changes {
                let _ = writeln!(
                    out,
                    "- **{}**: {} ({})",
                    c.label,
                    md(&c.summary_name()),
                    md(&c.detail())
                );
            }
        }
        out
    }

    /// The Atom feed (RFC 4287): one entry per published version, newest first, linking the
    /// pages where `hrefs` says they are (the server's, or a static export's files).
    pub fn atom(&self, hrefs: &super::pages::Hrefs) -> String {
        let versions = self.versions();
        let updated = versions
            .iter()
            .map(|v| v.published_at)
            .max()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        let _ = writeln!(out, "  <title>{}</title>", xml(&self.title()));
        let _ = writeln!(out, "  <id>{}</id>", xml(self.feed_id));
        let _ = writeln!(out, "  <updated>{}</updated>", rfc3339(updated));
        let _ = writeln!(
            out,
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
            xml(&self.link(&hrefs.atom))
        );
        let _ = writeln!(
            out,
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml(&self.link(&hrefs.home))
        );
        let _ = writeln!(
            out,
            "  <author><name>{}</name></author>",
            xml(self.organization.unwrap_or("Vetted"))
        );
        for v in &versions {
            out.push_str("  <entry>\n");
            let _ = writeln!(
                out,
                "    <title>Version {}: {}, effective {}</title>",
                v.number,
                xml(&v.headline()),
                v.effective
            );
            let _ = writeln!(out, "    <id>{}:v{}</id>", xml(self.feed_id), v.number);
            let _ = writeln!(
                out,
                "    <published>{}</published>",
                rfc3339(v.published_at)
            );
            let _ = writeln!(out, "    <updated>{}</updated>", rfc3339(v.published_at));
            let _ = writeln!(
                out,
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
                xml(&self.link(&hrefs.version(v.number)))
            );
            let _ = writeln!(out, "    <summary>{}</summary>", xml(&v.standing));
            let mut html = format!("<p>{}</p>", xml(&v.standing));
            if let Some(note) = &v.note {
                let _ = write!(html, "<p>{}</p>", xml(note));
            }
            html.push_str("<ul>");
            for c in &v.changes {
                let _ = write!(
                    html,
                    "<li><strong>{}</strong>: {} ({})</li>",
                    xml(&c.label),
                    xml(&c.summary_name()),
                    xml(&c.detail())
                );
            }
            html.push_str("</ul>");
            let _ = writeln!(out, "    <content type=\"html\">{}</content>", xml(&html));
            out.push_str("  </entry>\n");
        }
        out.push_str("</feed>\n");
        out
    }
}

impl ChangeLine {
    /// The entry's name, or "new replaces old".
    pub fn summary_name(&self) -> String {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) if self.kinds.contains(&"replacement") => {
                format!("{} replaces {}", a.name, b.name)
            }
            (_, Some(a)) => a.name.clone(),
            (Some(b), None) => b.name.clone(),
            (None, None) => String::new(),
        }
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Text as XML character data or an attribute value.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Text in a Markdown table cell or line: no line breaks, `|` and Markdown's own characters
/// escaped, `<` as an entity (so no HTML runs where Markdown is rendered).
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
