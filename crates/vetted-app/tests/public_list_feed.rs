//! The subprocessor list's Atom feed as a feed reader reads it: Python's `feedparser` (Debian's
//! `python3-feedparser`, which `scripts/with-smtp` installs) parses the feed of a list with
//! three versions (the first list, a replacement and a removal, a planned location change),
//! with names holding `&`, `<`, quotes and non-ASCII letters. It must parse without complaint
//! (`bozo == 0`) and give back the feed's title and id and each entry's id, title, link, dates
//! and changes exactly. The interpreter is `VETTED_TEST_PYTHON` (default `/usr/bin/python3`);
//! without feedparser the test fails and says how to get it.
//!
//! Run: `scripts/with-smtp cargo nextest run -p vetted-app --test public_list_feed`.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;
use time::macros::date;
use time::{Date, OffsetDateTime};
use vetted_app::publication::render::View;
use vetted_core::audit::Actor;
use vetted_core::country::Country;
use vetted_core::publication::{ListVersion, PublicEntry, Publication};

const FEED_ID: &str = "urn:uuid:6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b";
const BASE: &str = "https://vetted.example.eu";
const ORGANIZATION: &str = "Müller & Söhne <Holding> \"Q\" 'N'";

/// Reads the feed on standard input and prints what a reader sees of it, as JSON. HTML content
/// is reduced to its text (inline tags dropped, block tags a space, entities decoded), as a
/// person reads it.
const READER: &str = r#"
import html, json, re, sys
import feedparser

d = feedparser.parse(sys.stdin.buffer.read())

def text(value):
    value = re.sub(r"</?(strong|em|b|i)>", "", value)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", value))).strip()

print(json.dumps({
    "bozo": int(d.bozo),
    "bozo_exception": repr(d.get("bozo_exception")),
    "version": d.version,
    "feed": {
        "title": d.feed.get("title"),
        "id": d.feed.get("id"),
        "updated": d.feed.get("updated"),
        "author": d.feed.get("author"),
        "links": [[l.get("rel"), l.get("type"), l.get("href")] for l in d.feed.get("links", [])],
    },
    "entries": [{
        "id": e.get("id"),
        "title": e.get("title"),
        "link": e.get("link"),
        "published": e.get("published"),
        "updated": e.get("updated"),
        "summary": text(e.get("summary", "")),
        "content": text(e.content[0].value) if e.get("content") else None,
    } for e in d.entries],
}))
"#;

fn python() -> String {
    std::env::var("VETTED_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

/// What feedparser makes of `feed`.
fn read_feed(feed: &str) -> Value {
    let python = python();
    let check = Command::new(&python)
        .args(["-c", "import feedparser"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    assert!(
        check.status.success(),
        "{python} cannot import feedparser: run this test through scripts/with-smtp, which \
         installs Debian's python3-feedparser, or set VETTED_TEST_PYTHON to a Python that has \
         it.\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let mut child = Command::new(&python)
        .args(["-c", READER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(feed.as_bytes())
        .expect("the feed is written to the reader");
    let out = child.wait_with_output().expect("the reader's output");
    assert!(
        out.status.success(),
        "the feed reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the reader prints JSON")
}

fn entry(id: &str, name: &str, purpose: &str, processing: &[&str]) -> PublicEntry {
    PublicEntry {
        supplier: id.into(),
        name: name.into(),
        purpose: Some(purpose.into()),
        processing: processing
            .iter()
            .map(|c| Country::parse(c).unwrap())
            .collect(),
        storage: vec![Country::parse("DE").unwrap()],
        data_categories: vec!["contact details".into()],
        since: Some(date!(2030 - 01 - 01)),
    }
}

fn at(d: Date) -> OffsetDateTime {
    d.with_hms(10, 30, 0).unwrap().assume_utc()
}

fn version(
    number: i64,
    published: Date,
    effective: Date,
    note: Option<&str>,
    entries: Vec<PublicEntry>,
) -> ListVersion {
    ListVersion {
        number,
        published_at: at(published),
        published_by: Actor::System,
        effective,
        notice_days: 30,
        note: note.map(str::to_string),
        entries,
        decision: None,
    }
}

/// Version 1 (the first list), version 2 (Zeta replaced by Ωmega for monitoring, Ærø
/// removed; in effect) and version 3 (Müller moves its processing; planned), seen on
/// 2031-06-01.
fn publication() -> Publication {
    let muller = entry("muller", "Müller & Söhne GmbH", "Hosting", &["DE"]);
    let quotes = entry("quotes", "A<B \"Quotes\" 'Ltd' & Co", "Ticketing", &["FR"]);
    let aero = entry("aero", "Ærø Øresund ApS", "E-mail delivery", &["DK"]);
    let zeta = entry("zeta", "Zeta Logs", "Monitoring", &["IE"]);
    let omega = entry("omega", "Ωmega Observability", "Monitoring", &["FI"]);
    let mut muller_moved = muller.clone();
    muller_moved.processing = vec![Country::parse("AT").unwrap()];
    let v1 = version(
        1,
        date!(2031 - 01 - 06),
        date!(2031 - 01 - 06),
        None,
        vec![quotes.clone(), muller.clone(), zeta, aero],
    );
    let v2 = version(
        2,
        date!(2031 - 02 - 01),
        date!(2031 - 03 - 05),
        Some("Monitoring moves to Ωmega <EU> & Ærø leaves"),
        vec![quotes.clone(), muller, omega.clone()],
    );
    let v3 = version(
        3,
        date!(2031 - 05 - 20),
        date!(2031 - 06 - 20),
        None,
        vec![quotes, muller_moved, omega],
    );
    Publication::new(vec![v3, v1, v2], Vec::new(), date!(2031 - 06 - 01))
}

#[test]
fn feedparser_reads_the_feed_without_complaint() {
    let p = publication();
    let view = View {
        publication: &p,
        organization: Some(ORGANIZATION),
        base: Some(BASE),
        feed_id: FEED_ID,
    };
    let feed = view.atom(&vetted_app::publication::pages::Hrefs::server(
        "/static/public.css",
    ));
    let read = read_feed(&feed);
    assert_eq!(read["bozo"], 0, "feedparser complains: {read:#}\n{feed}");
    assert_eq!(read["version"], "atom10", "{read:#}");

    let f = &read["feed"];
    assert_eq!(
        f["title"],
        format!("Subprocessors of {ORGANIZATION}"),
        "{f:#}"
    );
    assert_eq!(f["id"], FEED_ID);
    assert_eq!(f["updated"], "2031-05-20T10:30:00Z");
    assert_eq!(f["author"], ORGANIZATION);
    let links = f["links"].as_array().unwrap();
    assert!(
        links.contains(&serde_json::json!([
            "self",
            "application/atom+xml",
            format!("{BASE}/subprocessors.atom")
        ])),
        "{links:?}"
    );
    assert!(
        links.contains(&serde_json::json!([
            "alternate",
            "text/html",
            format!("{BASE}/subprocessors")
        ])),
        "{links:?}"
    );

    let entries = read["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "one entry per version: {read:#}");
    let expected = [
        (
            3,
            "Version 3: 1 change, effective 2031-06-20",
            "2031-05-20T10:30:00Z",
            "Planned: takes effect on 2031-06-20",
        ),
        (
            2,
            "Version 2: 2 changes, effective 2031-03-05",
            "2031-02-01T10:30:00Z",
            "In effect since 2031-03-05",
        ),
        (
            1,
            "Version 1: First publication, effective 2031-01-06",
            "2031-01-06T10:30:00Z",
            "In effect from 2031-01-06 to 2031-03-05",
        ),
    ];
    for (e, (n, title, when, standing)) in entries.iter().zip(expected) {
        assert_eq!(e["id"], format!("{FEED_ID}:v{n}"), "{e:#}");
        assert_eq!(e["title"], title, "{e:#}");
        assert_eq!(
            e["link"],
            format!("{BASE}/subprocessors/versions/{n}"),
            "{e:#}"
        );
        assert_eq!(e["published"], when, "{e:#}");
        assert_eq!(e["updated"], when, "{e:#}");
        assert_eq!(e["summary"], standing, "{e:#}");
    }

    // The changes, as a reader's HTML shows them: names and notes come through unmangled.
    let content = |i: usize| entries[i]["content"].as_str().unwrap().to_string();
    let v3 = content(0);
    assert!(
        v3.contains(
            "Location change: Müller & Söhne GmbH (Hosting; processing: AT; storage: DE; \
             processing was: DE)"
        ),
        "{v3}"
    );
    let v2 = content(1);
    assert!(
        v2.contains("Monitoring moves to Ωmega <EU> & Ærø leaves"),
        "{v2}"
    );
    assert!(
        v2.contains("Replacement: Ωmega Observability replaces Zeta Logs (Monitoring;"),
        "{v2}"
    );
    assert!(
        v2.contains("Removal: Ærø Øresund ApS (E-mail delivery;"),
        "{v2}"
    );
    let v1 = content(2);
    for name in [
        "A<B \"Quotes\" 'Ltd' & Co",
        "Müller & Söhne GmbH",
        "Zeta Logs",
        "Ærø Øresund ApS",
    ] {
        assert!(v1.contains(&format!("Addition: {name} (")), "{name}: {v1}");
    }
}
