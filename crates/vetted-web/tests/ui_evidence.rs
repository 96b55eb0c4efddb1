//! The assurance evidence pages through the real router and real sessions, on both backends:
//! uploads stored once under their SHA-256 and referenced by the supplier, downloads with
//! their headers, refused files and fields shown beside their inputs with the input kept,
//! stale saves answered 409 and applied on the next save, viewers who read but cannot write,
//! and the references kept through an export and an import.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::pages::{Page, Visitor, page, text};
use vetted_core::audit::Actor;
use vetted_core::model::{AssuranceKind, Document, DocumentHash, MediaType, Supplier, SupplierId};
use vetted_store::{AuditQuery, Change, StoredSupplier};
use vetted_web::auth::Role;
use vetted_web::{AppState, WebConfig};

const ID: &str = "stratocloud";

/// A small PDF: the right first bytes, then bytes no text column would keep (NUL, 0xFF).
fn pdf(tag: &str) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.7\n% {tag}\n").into_bytes();
    bytes.extend((0..=255u8).cycle().take(4096));
    bytes
}

/// A file part of a form: field name, file name, declared type, bytes.
struct File<'a> {
    name: &'a str,
    content_type: &'a str,
    bytes: &'a [u8],
}

/// `POST uri` as `multipart/form-data`, the CSRF token first (as the page's form sends it),
/// then `fields` in order, then the file under `document`.
async fn post_multipart(
    v: &Visitor,
    uri: &str,
    fields: &[(&str, &str)],
    file: Option<File<'_>>,
) -> Page {
    let boundary = "----vetted-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    let mut part = |headers: String, content: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    let csrf = v.csrf.clone();
    for (name, value) in
        std::iter::once(("csrf_token", csrf.as_str())).chain(fields.iter().copied())
    {
        part(
            format!("Content-Disposition: form-data; name=\"{name}\""),
            value.as_bytes(),
        );
    }
    if let Some(f) = file {
        part(
            format!(
                "Content-Disposition: form-data; name=\"document\"; filename=\"{}\"\r\nContent-Type: {}",
                f.name, f.content_type
            ),
            f.bytes,
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut req = Request::post(uri).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if let Some(c) = &v.cookie {
        req = req.header(header::COOKIE, c);
    }
    page(common::send(&v.app, req.body(Body::from(body)).unwrap()).await).await
}

async fn stored(state: &AppState) -> StoredSupplier {
    state
        .store
        .get_supplier(&SupplierId::parse(ID).unwrap())
        .await
        .unwrap()
}

/// The `version` the form at `uri` carries.
async fn form_version(v: &Visitor, uri: &str) -> String {
    let form = v.get(uri).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    form.one(r#"form.evidence-form input[name="version"]"#)
        .attr("value")
        .unwrap()
        .to_string()
}

/// The fields of a new ISO 27001 certificate, at `version`.
fn certificate(version: &str) -> Vec<(&str, &str)> {
    vec![
        ("version", version),
        ("kind", "iso27001"),
        ("issuer", "BSI Group"),
        ("scope", "Hosting, EU regions"),
        ("valid_from", "2026-01-15"),
        ("valid_until", "2029-01-14"),
        ("covers_service", "yes"),
        ("exceptions", ""),
        ("compensating_controls", ""),
    ]
}

/// A `GET` with the visitor's session, answered as is (downloads are not pages).
async fn raw_get(v: &Visitor, uri: &str) -> axum::response::Response {
    let mut req = Request::get(uri);
    if let Some(c) = &v.cookie {
        req = req.header(header::COOKIE, c);
    }
    common::send(&v.app, req.body(Body::empty()).unwrap()).await
}

async fn an_uploaded_pdf_is_stored_once_referenced_and_downloaded(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let before = stored(&state).await;
    let items = before.supplier.assurance.len();
    let bytes = pdf("certificate");
    let hash = DocumentHash::of(&bytes);

    let new = format!("/suppliers/{ID}/assurance/new");
    let version = form_version(&editor, &new).await;
    assert_eq!(version, before.version.to_string());
    let saved = post_multipart(
        &editor,
        &new,
        &certificate(&version),
        Some(File {
            name: "ISO cert 2026.pdf",
            content_type: "application/pdf",
            bytes: &bytes,
        }),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(
        saved.location.as_deref(),
        Some("/suppliers/stratocloud?notice=saved#assurance")
    );

    // Stored once, under the SHA-256 of exactly these bytes.
    assert_eq!(state.store.count_documents().await.unwrap(), 1);
    let document = state.store.find_document(&hash).await.unwrap().unwrap();
    assert!(
        document.content == bytes,
        "the stored bytes are the uploaded ones"
    );
    assert_eq!(document.media_type, MediaType::Pdf);

    // The supplier references it from the new item, one version later, audited as an update.
    let after = stored(&state).await;
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after.supplier.assurance.len(), items + 1);
    let item = after.supplier.assurance.last().unwrap();
    assert_eq!(item.kind, AssuranceKind::Iso27001);
    assert_eq!(item.issuer.as_deref(), Some("BSI Group"));
    let reference = Document {
        sha256: hash.clone(),
        name: "ISO cert 2026.pdf".into(),
        media_type: MediaType::Pdf,
        size: bytes.len() as u64,
    };
    assert_eq!(item.documents, vec![reference.clone()]);
    let entries = state
        .store
        .audit_entries(&AuditQuery {
            subject: Some(ID.into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last.action, "supplier.update");
    assert_eq!(
        last.after.as_ref().unwrap()["assurance"][items]["documents"][0]["sha256"],
        hash.as_str()
    );

    // The section lists it as a download link named after the reference.
    let overview = editor.get(&format!("/suppliers/{ID}/assurance")).await;
    let links = overview.all(&format!("#assurance-{items} a.document-link"));
    assert_eq!(links.len(), 1);
    assert_eq!(text(links[0]), "ISO cert 2026.pdf");
    let href = links[0].attr("href").unwrap().to_string();
    assert_eq!(href, format!("/documents/{hash}?supplier=stratocloud"));

    // A viewer downloads the same bytes, as an attachment, never sniffed, privately cached.
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let res = raw_get(&viewer, &href).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        h[header::CONTENT_DISPOSITION],
        "attachment; filename=\"ISO cert 2026.pdf\"; filename*=UTF-8''ISO%20cert%202026.pdf"
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::CACHE_CONTROL], "private");
    assert!(common::bytes(res).await == bytes, "identical bytes");
    // Without the supplier, the file is named after its hash.
    let res = raw_get(&viewer, &format!("/documents/{hash}")).await;
    assert_eq!(
        res.headers()[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"{hash}.pdf\"; filename*=UTF-8''{hash}.pdf").as_str()
    );

    // The same file attached to another item: referenced twice, stored once.
    let edit = format!("/suppliers/{ID}/assurance/0/edit");
    let version = form_version(&editor, &edit).await;
    let form = editor.get(&edit).await;
    let kept = |css: &str| form.one(css).attr("value").unwrap_or("").to_string();
    let (issuer, from, until) = (kept("#issuer"), kept("#valid_from"), kept("#valid_until"));
    let saved = post_multipart(
        &editor,
        &edit,
        &[
            ("version", &version),
            ("kind", "iso27001"),
            ("issuer", &issuer),
            ("valid_from", &from),
            ("valid_until", &until),
            ("covers_service", "yes"),
        ],
        Some(File {
            name: "copy.pdf",
            content_type: "application/pdf",
            bytes: &bytes,
        }),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(state.store.count_documents().await.unwrap(), 1);
    let after = stored(&state).await;
    assert_eq!(after.supplier.assurance[0].documents.len(), 1);
    assert_eq!(after.supplier.assurance[0].documents[0].sha256, hash);
    assert_eq!(after.supplier.assurance[0].documents[0].name, "copy.pdf");
    assert_eq!(
        after.supplier.assurance[0].issuer,
        before.supplier.assurance[0].issuer
    );

    // Removing it from that item keeps the file (the other item still references it).
    let version = form_version(&editor, &edit).await;
    let form = editor.get(&edit).await;
    assert_eq!(
        form.one(r#"input[name="remove"]"#).attr("value"),
        Some(hash.as_str())
    );
    let saved = post_multipart(
        &editor,
        &edit,
        &[
            ("version", &version),
            ("kind", "iso27001"),
            ("issuer", &issuer),
            ("valid_from", &from),
            ("valid_until", &until),
            ("covers_service", "yes"),
            ("remove", hash.as_str()),
        ],
        None,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let after = stored(&state).await;
    assert!(after.supplier.assurance[0].documents.is_empty());
    assert_eq!(after.supplier.assurance[items].documents, vec![reference]);
    assert_eq!(state.store.count_documents().await.unwrap(), 1);
}

async fn a_viewer_reads_and_downloads_but_cannot_change_anything(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let bytes = pdf("viewer");
    let hash = DocumentHash::of(&bytes);
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let new = format!("/suppliers/{ID}/assurance/new");
    let version = form_version(&editor, &new).await;
    let file = || File {
        name: "report.pdf",
        content_type: "application/pdf",
        bytes: &bytes,
    };
    let saved = post_multipart(&editor, &new, &certificate(&version), Some(file())).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // The editor sees the controls the viewer must not.
    let overview = editor.get(&format!("/suppliers/{ID}/assurance")).await;
    assert!(overview.has("#assurance a.edit-link"));
    assert!(overview.has(r#"#assurance form[action$="/delete"]"#));

    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let overview = viewer.get(&format!("/suppliers/{ID}/assurance")).await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.has("#assurance a.document-link"));
    assert!(!overview.has("#assurance a.edit-link"));
    assert!(!overview.has("#assurance form"));
    assert!(!overview.has(r#"#assurance a[href$="/assurance/new"]"#));
    let res = raw_get(&viewer, &format!("/documents/{hash}?supplier={ID}")).await;
    assert_eq!(res.status(), StatusCode::OK);

    // A forged upload and a forged delete (with the viewer's own CSRF token) are refused.
    let before = stored(&state).await;
    let documents = state.store.count_documents().await.unwrap();
    let forged = post_multipart(
        &viewer,
        &new,
        &certificate(&before.version.to_string()),
        Some(File {
            name: "forged.pdf",
            content_type: "application/pdf",
            bytes: &pdf("forged"),
        }),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let forged = viewer
        .post(
            &format!("/suppliers/{ID}/assurance/0/delete"),
            &[("version", &before.version.to_string())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(stored(&state).await, before);
    assert_eq!(state.store.count_documents().await.unwrap(), documents);

    // Nobody signed in: the download sends to the login page, and back.
    let anonymous = Visitor::anonymous(vetted_web::router(state.clone()));
    let res = raw_get(&anonymous, &format!("/documents/{hash}")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/login?next=%2Fdocuments%2F{hash}").as_str()
    );
}

/// A state whose uploads may be 1 KiB at most.
fn with_upload_limit(state: &AppState, bytes: usize) -> AppState {
    let mut state = state.clone();
    state.config = Arc::new(WebConfig {
        max_upload_bytes: bytes,
        ..(*state.config).clone()
    });
    state
}

/// The file field shows `expected` beside it, marked invalid and described by the message.
fn file_refused(page: &Page, expected: &str) {
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    let input = page.one("#document");
    assert_eq!(input.attr("aria-invalid"), Some("true"));
    assert!(
        input
            .attr("aria-describedby")
            .unwrap()
            .split(' ')
            .any(|id| id == "document-error")
    );
    let message = page.text_of("#document-error");
    assert!(message.contains(expected), "{message}");
    assert!(page.has(r##"#problems a[href="#document"]"##));
}

async fn a_wrong_or_oversize_file_is_refused_beside_the_file_field(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let state = with_upload_limit(&state, 1024);
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let before = stored(&state).await;
    let new = format!("/suppliers/{ID}/assurance/new");
    let version = before.version.to_string();

    // A Word file named and declared as a PDF: the content decides.
    let refused = post_multipart(
        &editor,
        &new,
        &certificate(&version),
        Some(File {
            name: "certificate.pdf",
            content_type: "application/pdf",
            bytes: b"PK\x03\x04word/document.xml",
        }),
    )
    .await;
    file_refused(&refused, "is not a PDF, PNG, JPEG or WebP file");
    // Everything typed is kept.
    assert_eq!(refused.one("#issuer").attr("value"), Some("BSI Group"));
    assert_eq!(
        refused.one("#valid_until").attr("value"),
        Some("2029-01-14")
    );
    assert_eq!(
        refused.one("#kind option[selected]").attr("value"),
        Some("iso27001")
    );
    assert!(refused.one("#covers_service").attr("checked").is_some());
    assert!(!refused.has(r#"input[name="pending"]"#));

    // Over the limit, by one byte.
    let mut big = pdf("big");
    big.truncate(1025);
    let refused = post_multipart(
        &editor,
        &new,
        &certificate(&version),
        Some(File {
            name: "big.pdf",
            content_type: "application/pdf",
            bytes: &big,
        }),
    )
    .await;
    file_refused(&refused, "big.pdf is larger than the limit of 1 KiB");
    assert_eq!(
        refused.one("#scope").attr("value"),
        Some("Hosting, EU regions")
    );

    // Nothing stored, nothing written.
    assert_eq!(state.store.count_documents().await.unwrap(), 0);
    assert_eq!(stored(&state).await, before);

    // At the limit exactly, it is taken.
    big.truncate(1024);
    let saved = post_multipart(
        &editor,
        &new,
        &certificate(&version),
        Some(File {
            name: "big.pdf",
            content_type: "application/octet-stream",
            bytes: &big,
        }),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(state.store.count_documents().await.unwrap(), 1);
}

async fn field_problems_are_shown_beside_their_fields_and_a_good_file_is_kept(
    backend: common::Backend,
) {
    let (_guard, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let before = stored(&state).await;
    let new = format!("/suppliers/{ID}/assurance/new");
    let version = before.version.to_string();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR scan".to_vec();

    let refused = post_multipart(
        &editor,
        &new,
        &[
            ("version", &version),
            ("kind", ""),
            ("issuer", "Schellman"),
            ("valid_from", "2026-02-30"),
            ("period_start", "2026-03-01"),
            ("period_end", "2026-01-31"),
            ("exceptions", "CC7.2 late review\n\n  "),
        ],
        Some(File {
            name: "scan.png",
            content_type: "image/png",
            bytes: &png,
        }),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    for (field, message) in [
        ("kind", "Choose what kind of evidence this is."),
        (
            "valid_from",
            "\"2026-02-30\" is not a date: expected YYYY-MM-DD that exists",
        ),
        ("period_end", "The period ends before it starts."),
    ] {
        let input = refused.one(&format!("#{field}"));
        assert_eq!(input.attr("aria-invalid"), Some("true"), "{field}");
        assert!(
            input
                .attr("aria-describedby")
                .unwrap()
                .contains(&format!("{field}-error")),
            "{field}"
        );
        assert_eq!(refused.text_of(&format!("#{field}-error")), message);
    }
    assert_eq!(refused.all("#problems li").len(), 3);
    assert!(!refused.has("#issuer[aria-invalid]"));
    assert_eq!(refused.one("#valid_from").attr("value"), Some("2026-02-30"));
    assert_eq!(
        refused.text_of("#exceptions"),
        "CC7.2 late review",
        "the text area keeps what was typed"
    );
    // The good file was stored and rides along with the form: it is not chosen again.
    let hash = DocumentHash::of(&png);
    let pending = refused
        .one(r#"input[name="pending"]"#)
        .attr("value")
        .unwrap();
    assert_eq!(pending, format!("{hash} scan.png"));
    assert!(refused.text_of("li.pending").starts_with("scan.png"));
    assert_eq!(stored(&state).await, before, "nothing written");

    let saved = post_multipart(
        &editor,
        &new,
        &[
            ("version", &version),
            ("kind", "soc2_type2"),
            ("issuer", "Schellman"),
            ("period_start", "2025-02-01"),
            ("period_end", "2026-01-31"),
            ("exceptions", "CC7.2 late review"),
            ("pending", pending),
        ],
        None,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let item = stored(&state).await.supplier.assurance.pop().unwrap();
    assert_eq!(item.kind, AssuranceKind::Soc2Type2);
    assert!(!item.covers_service, "left unticked");
    assert_eq!(item.exceptions, vec!["CC7.2 late review".to_string()]);
    assert_eq!(
        item.documents,
        vec![Document {
            sha256: hash,
            name: "scan.png".into(),
            media_type: MediaType::Png,
            size: png.len() as u64,
        }]
    );
}

async fn a_stale_save_is_409_and_the_next_save_applies_it(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let edit = format!("/suppliers/{ID}/assurance/1/edit");
    let read = form_version(&editor, &edit).await;

    // Someone else saves the supplier meanwhile.
    let theirs = stored(&state).await;
    let mut other: Supplier = theirs.supplier.clone();
    other.owner = Some("someone-else@example.eu".into());
    state
        .store
        .update_supplier(
            &other,
            theirs.version,
            &Change::now(Actor::User { id: "other".into() }),
        )
        .await
        .unwrap();
    let between = stored(&state).await;

    let bytes = pdf("stale");
    let fields = [
        ("version", read.as_str()),
        ("kind", "soc2_type2"),
        ("issuer", "Mine & Partners"),
        ("period_start", "2025-04-01"),
        ("period_end", "2026-03-31"),
        ("exceptions", "CC6.2: late deprovisioning"),
        ("exceptions_acknowledged", "yes"),
    ];
    let conflict = post_multipart(
        &editor,
        &edit,
        &fields,
        Some(File {
            name: "soc2.pdf",
            content_type: "application/pdf",
            bytes: &bytes,
        }),
    )
    .await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.text);
    assert!(conflict.has("#conflict"));
    assert!(
        conflict.has("#conflict-current"),
        "the stored item is shown"
    );
    // Nothing overwritten: the other change stands, this one is not written.
    assert_eq!(stored(&state).await, between);
    // Nothing lost: the entries and the file are kept, and the form now carries the
    // current version.
    assert_eq!(
        conflict.one("#issuer").attr("value"),
        Some("Mine & Partners")
    );
    let version = conflict
        .one(r#"form.evidence-form input[name="version"]"#)
        .attr("value")
        .unwrap()
        .to_string();
    assert_eq!(version, between.version.to_string());
    let pending = conflict
        .one(r#"input[name="pending"]"#)
        .attr("value")
        .unwrap()
        .to_string();
    assert_eq!(
        conflict.one("form.evidence-form").attr("action"),
        Some(edit.as_str())
    );

    let mut again: Vec<(&str, &str)> = fields.to_vec();
    again[0] = ("version", &version);
    again.push(("pending", &pending));
    let saved = post_multipart(&editor, &edit, &again, None).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let after = stored(&state).await;
    assert_eq!(after.version, between.version + 1);
    assert_eq!(
        after.supplier.owner.as_deref(),
        Some("someone-else@example.eu")
    );
    let item = &after.supplier.assurance[1];
    assert_eq!(item.issuer.as_deref(), Some("Mine & Partners"));
    assert_eq!(item.documents.len(), 1);
    assert_eq!(item.documents[0].sha256, DocumentHash::of(&bytes));
}

async fn deleting_an_item_is_versioned_too(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let before = stored(&state).await;
    let overview = editor.get(&format!("/suppliers/{ID}/assurance")).await;
    let form = overview.one(r#"#assurance-2 form[action$="/delete"]"#);
    let action = form.attr("action").unwrap().to_string();
    assert_eq!(action, format!("/suppliers/{ID}/assurance/2/delete"));
    let outdated = (before.version - 1).to_string();

    let refused = editor.post(&action, &[("version", &outdated)]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.has("#conflict"));
    assert_eq!(stored(&state).await, before);
    // The page offers the delete again, at the current version.
    let offered = refused.one(r#"form[action$="/assurance/2/delete"] input[name="version"]"#);
    assert_eq!(
        offered.attr("value"),
        Some(before.version.to_string().as_str())
    );

    let done = editor
        .post(&action, &[("version", &before.version.to_string())])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(
        done.location.as_deref(),
        Some("/suppliers/stratocloud?notice=deleted#assurance")
    );
    let after = stored(&state).await;
    assert_eq!(after.supplier.assurance.len(), 2);
    assert_eq!(after.supplier.assurance[..], before.supplier.assurance[..2]);
}

async fn a_reference_to_a_file_not_stored_here_says_so(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    // A register imported from elsewhere names a file this server never received.
    let current = stored(&state).await;
    let mut s = current.supplier.clone();
    let elsewhere = DocumentHash::of(b"a file on another server");
    s.assurance[0].documents.push(Document {
        sha256: elsewhere.clone(),
        name: "cert.pdf".into(),
        media_type: MediaType::Pdf,
        size: 24,
    });
    state
        .store
        .update_supplier(&s, current.version, &Change::now(Actor::System))
        .await
        .unwrap();
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let overview = viewer.get(&format!("/suppliers/{ID}/assurance")).await;
    let link = overview.one("#assurance-0 a.document-link");
    let missing = viewer.get(link.attr("href").unwrap()).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.content_type.starts_with("text/html"));
    assert_eq!(missing.text_of("h1"), "Document not stored here (404)");
    assert!(missing.text_of("article p").contains(elsewhere.as_str()));
    // Not a hash at all: the same answer, nothing looked up.
    assert_eq!(
        viewer.get("/documents/not-a-hash").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Export with the references, import into another server: the references arrive (JSON and
/// XLSX); the files stay where they were stored.
async fn exports_and_imports_keep_the_references(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let new = format!("/suppliers/{ID}/assurance/new");
    let version = form_version(&editor, &new).await;
    let bytes = pdf("export");
    let saved = post_multipart(
        &editor,
        &new,
        &certificate(&version),
        Some(File {
            name: "Zertifikat ÄÖÜ.pdf",
            content_type: "application/pdf",
            bytes: &bytes,
        }),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let expected = stored(&state).await.supplier.assurance;

    for (format, content_type) in [
        ("json", "application/json"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let api = common::app(state.clone(), Some(Role::Editor));
        let res = common::get(&api, &format!("/api/v1/register/export?format={format}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{format}");
        let exported = common::bytes(res).await;

        let (_other_guard, other) = backend.state().await;
        let other_api = common::app(other.clone(), Some(Role::Editor));
        let res = common::send(
            &other_api,
            Request::post("/api/v1/register/import")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(exported))
                .unwrap(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK, "{format}");
        assert_eq!(
            stored(&other).await.supplier.assurance,
            expected,
            "{format}: the references came through"
        );
        // The other server holds no file: it says so rather than failing.
        let viewer = Visitor::signed_in(&other, Role::Viewer).await;
        let hash = DocumentHash::of(&bytes);
        assert_eq!(
            viewer.get(&format!("/documents/{hash}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

/// Each item's badge says where it stands today, by the engine's definitions; the form's
/// controls all have labels and the CSRF token is the form's first part.
async fn items_show_where_they_stand_today_and_the_form_is_labelled(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let today = time::OffsetDateTime::now_utc().date();
    let day = |n: i64| today + time::Duration::days(n);
    let current = stored(&state).await;
    let mut s = current.supplier.clone();
    let certificate = |from: time::Date, until: time::Date| {
        let mut a = vetted_core::model::Assurance::new(AssuranceKind::Iso27001);
        a.valid_from = Some(from);
        a.valid_until = Some(until);
        a
    };
    s.assurance = vec![
        certificate(day(-300), day(400)),
        certificate(day(-300), day(10)),
        certificate(day(-800), day(-1)),
        certificate(day(5), day(700)),
        vetted_core::model::Assurance::new(AssuranceKind::Pentest),
    ];
    state
        .store
        .update_supplier(&s, current.version, &Change::now(Actor::System))
        .await
        .unwrap();
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let overview = editor.get(&format!("/suppliers/{ID}/assurance")).await;
    let badges: Vec<String> = (0..5)
        .map(|i| overview.text_of(&format!("#assurance-{i} .badge")))
        .collect();
    assert_eq!(
        badges,
        [
            "Valid",
            "Expiring soon",
            "Expired",
            "Not yet valid",
            "Not counted"
        ]
    );
    assert!(overview.has("#assurance-2 .badge.fail"));
    assert_eq!(overview.all("#assurance thead th[scope=col]").len(), 5);
    assert_eq!(overview.all("#assurance tbody th[scope=row]").len(), 5);

    let form = editor.get(&format!("/suppliers/{ID}/assurance/new")).await;
    let first = form.one("form.evidence-form input");
    assert_eq!(first.attr("name"), Some("csrf_token"));
    assert_eq!(
        form.one("form.evidence-form").attr("enctype"),
        Some("multipart/form-data")
    );
    let controls = form.all(
        "form.evidence-form input:not([type=hidden]), form.evidence-form select, form.evidence-form textarea",
    );
    assert!(controls.len() >= 12);
    for control in controls {
        let id = control.attr("id").expect("every control has an id");
        assert!(
            form.has(&format!(r#"label[for="{id}"]"#)),
            "no label for #{id}"
        );
    }
    // The file input comes last, so every other part arrives before the file.
    let last = *form
        .all("form.evidence-form input, form.evidence-form select, form.evidence-form textarea")
        .last()
        .unwrap();
    assert_eq!(last.attr("type"), Some("file"));
}

/// The upload forms take an upload's size; the API and the other pages keep the smaller body
/// limit; a request far over both is refused before it is read, as a page for a browser.
async fn uploads_have_their_own_limit_and_the_rest_keeps_the_body_limit(backend: common::Backend) {
    let (_guard, state) = backend.state().await;
    let mut state = state.clone();
    state.config = Arc::new(WebConfig {
        body_limit_bytes: 16 * 1024,
        max_upload_bytes: 64 * 1024,
        ..(*state.config).clone()
    });
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let version = stored(&state).await.version.to_string();

    // 40 KiB: over the body limit, within the upload limit.
    let mut big = pdf("forty");
    big.resize(40 * 1024, b'x');
    let saved = post_multipart(
        &editor,
        &format!("/suppliers/{ID}/assurance/new"),
        &certificate(&version),
        Some(File {
            name: "forty.pdf",
            content_type: "application/pdf",
            bytes: &big,
        }),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);

    // The same size to the API, or to another page's form: 413.
    let api = common::app(state.clone(), Some(Role::Editor));
    let body = format!(
        r#"{{"kind": "other", "scope": "{}"}}"#,
        "x".repeat(40 * 1024)
    );
    let res = common::send(
        &api,
        Request::post(format!("/api/v1/suppliers/{ID}/assurance"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::IF_MATCH, "\"1\"")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    common::error(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let padding = "x".repeat(40 * 1024);
    let refused = editor
        .post(
            &format!("/suppliers/{ID}/assurance/0/delete"),
            &[("version", &version), ("padding", &padding)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        stored(&state).await.supplier.assurance.len(),
        4,
        "nothing deleted"
    );

    // Far over the upload limit, from a browser: refused unread, with a page.
    let mut huge = pdf("huge");
    huge.resize(2 * 1024 * 1024, b'x');
    let boundary = "b0undary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"huge.pdf\"\r\n\r\n",
        editor.csrf
    )
    .into_bytes();
    body.extend_from_slice(&huge);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = common::send(
        &editor.app,
        Request::post(format!("/suppliers/{ID}/assurance/new"))
            .header(header::COOKIE, editor.cookie.as_deref().unwrap())
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    let refused = page(res).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused.content_type.starts_with("text/html"));
    assert!(refused.has("article h1"));
}

on_both_backends!(
    an_uploaded_pdf_is_stored_once_referenced_and_downloaded,
    a_viewer_reads_and_downloads_but_cannot_change_anything,
    a_wrong_or_oversize_file_is_refused_beside_the_file_field,
    field_problems_are_shown_beside_their_fields_and_a_good_file_is_kept,
    a_stale_save_is_409_and_the_next_save_applies_it,
    deleting_an_item_is_versioned_too,
    a_reference_to_a_file_not_stored_here_says_so,
    exports_and_imports_keep_the_references,
    items_show_where_they_stand_today_and_the_form_is_labelled,
    uploads_have_their_own_limit_and_the_rest_keeps_the_body_limit,
);
