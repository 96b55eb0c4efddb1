//! The import page: a file is previewed (every problem with its place, or what would change
//! per supplier) without writing anything, and written on confirmation exactly as previewed,
//! by the signed-in user; a register changed in between is detected. Through the real router
//! with a real session, on `SQLite` and `PostgreSQL`.

mod common;
mod upload;

use axum::http::StatusCode;
use common::Backend;
use common::pages::{Page, Visitor, text};
use rust_xlsxwriter::Workbook;
use upload::Part;
use vetted_core::audit::Actor;
use vetted_core::model::{Register, Supplier, SupplierId};
use vetted_core::write::to_json;
use vetted_store::{AuditQuery, Change};
use vetted_web::AppState;
use vetted_web::auth::Role;

fn id(s: &str) -> SupplierId {
    SupplierId::parse(s).unwrap()
}

/// The example register with `stratocloud` renamed and a supplier `newco` added: one created,
/// one updated, 21 unchanged.
fn changed_register() -> Register {
    let mut register = common::example_register();
    let strato = register
        .suppliers
        .iter_mut()
        .find(|s| s.id.as_str() == "stratocloud")
        .unwrap();
    strato.name = Some("StratoCloud Europe SE".into());
    let mut newco = Supplier::new(id("newco"));
    newco.name = Some("NewCo".into());
    register.suppliers.push(newco);
    register
}

async fn preview(v: &Visitor, file_name: &str, content: &[u8]) -> Page {
    upload::post(v, "/import", &[Part::File("file", file_name, content)]).await
}

/// The hidden fields of the preview's "Confirm import" form, without the CSRF token (the
/// visitor adds its own).
fn confirm_fields(page: &Page) -> Vec<(String, String)> {
    page.all("#confirm-form input[type=hidden]")
        .into_iter()
        .map(|i| {
            (
                i.attr("name").unwrap().to_string(),
                i.attr("value").unwrap_or("").to_string(),
            )
        })
        .filter(|(name, _)| name != "csrf_token")
        .collect()
}

async fn confirm(v: &Visitor, fields: &[(String, String)]) -> Page {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, val)| (n.as_str(), val.as_str()))
        .collect();
    v.post("/import/confirm", &fields).await
}

async fn versions(state: &AppState) -> Vec<(String, i64)> {
    state
        .store
        .list_suppliers()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.supplier.id.to_string(), s.version))
        .collect()
}

async fn a_valid_json_register_is_previewed_then_written_as_previewed(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;

    let form = v.get("/import").await;
    assert_eq!(form.status, StatusCode::OK);
    let upload = form.one("form#import-form");
    assert_eq!(upload.attr("enctype"), Some("multipart/form-data"));
    assert_eq!(
        form.one("form#import-form input").attr("name"),
        Some("csrf_token"),
        "the CSRF token is the first field"
    );
    let file = form.one(r#"form#import-form input[type="file"]"#);
    assert_eq!(file.attr("accept"), Some(".json,.yaml,.yml,.csv,.xlsx"));
    assert!(form.has(r#"label[for="file"]"#));
    assert_eq!(
        form.one(r#"nav a[href="/import"]"#).attr("aria-current"),
        Some("page")
    );

    let before = versions(&state).await;
    let head = state.store.audit_head().await.unwrap();
    let page = preview(&v, "register.json", to_json(&changed_register()).as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let counts = (
        page.text_of("#count-created"),
        page.text_of("#count-updated"),
        page.text_of("#count-unchanged"),
    );
    assert_eq!(counts, ("1".into(), "1".into(), "21".into()));
    let strato = page.one(r#"#changes tr[data-supplier="stratocloud"]"#);
    let strato_fields: Vec<String> = strato
        .select(&scraper::Selector::parse("td.fields code").unwrap())
        .map(text)
        .collect();
    assert_eq!(strato_fields, ["name"]);
    assert!(page.has(r#"#changes tr[data-supplier="stratocloud"] .badge.updated"#));
    assert!(
        page.has(r#"#changes tr[data-supplier="stratocloud"] a[href="/suppliers/stratocloud"]"#)
    );
    assert!(page.has(r#"#changes tr[data-supplier="newco"] .badge.created"#));
    assert_eq!(page.all("#changes tbody tr").len(), 2);
    assert_eq!(page.all("#unchanged li").len(), 21);
    // The preview wrote nothing.
    assert_eq!(versions(&state).await, before);
    assert_eq!(state.store.audit_head().await.unwrap(), head);

    let done = confirm(&v, &confirm_fields(&page)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(done.location.as_deref(), Some("/suppliers?notice=imported"));

    // The store holds what the preview announced: 22 + 1 created, stratocloud at version 2,
    // every other supplier as it was.
    let after = versions(&state).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().unwrap(), &("newco".to_string(), 1));
    let bumped: Vec<&String> = after
        .iter()
        .filter(|(id, version)| before.iter().any(|(b, bv)| b == id && bv != version))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(bumped, ["stratocloud"]);
    let strato = state.store.get_supplier(&id("stratocloud")).await.unwrap();
    assert_eq!(
        strato.supplier.name.as_deref(),
        Some("StratoCloud Europe SE")
    );

    // By the signed-in user.
    let editor = state
        .accounts
        .get_user_by_email("editor@example.org")
        .await
        .unwrap();
    for subject in ["stratocloud", "newco"] {
        let entries = state
            .store
            .audit_entries(&AuditQuery {
                subject: Some(subject.into()),
                after_seq: None,
                limit: None,
            })
            .await
            .unwrap();
        assert_eq!(
            entries.last().unwrap().actor,
            Actor::User {
                id: editor.id.clone()
            },
            "{subject}"
        );
    }

    // The same file again changes nothing: no confirmation is offered.
    let again = preview(&v, "register.json", to_json(&changed_register()).as_bytes()).await;
    assert_eq!(again.text_of("#count-unchanged"), "23");
    assert!(again.has("#nothing-to-do"));
    assert!(!again.has("#confirm-form"));
}

/// A workbook with a `suppliers` sheet of `rows` (id, name, category).
fn workbook(rows: &[[&str; 3]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("suppliers").unwrap();
    for (c, header) in ["id", "name", "category"].iter().enumerate() {
        sheet.write_string(0, c as u16, *header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn an_xlsx_with_a_bad_row_names_the_cell_and_writes_nothing(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let before = versions(&state).await;
    let head = state.store.audit_head().await.unwrap();

    let bad = workbook(&[
        ["acme", "Acme", "saas"],
        ["globex", "Globex", "spaceships"],
        ["initech", "Initech", "saas"],
    ]);
    let page = preview(&v, "register.xlsx", &bad).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    let rows = page.all("table#problems tbody tr");
    assert_eq!(rows.len(), 1, "{}", page.text);
    assert_eq!(page.text_of("#problems td.file"), "register.xlsx");
    assert_eq!(page.text_of("#problems td.sheet"), "suppliers");
    assert_eq!(page.text_of("#problems td.row"), "3");
    assert_eq!(page.text_of("#problems td.column"), "C (category)");
    assert!(page.text_of("#problems td.message").contains("spaceships"));
    let headers: Vec<String> = page
        .all("#problems thead th[scope=col]")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(headers, ["File", "Sheet", "Row", "Column", "Problem"]);
    assert!(!page.has("#confirm-form"));
    // The form is there again for the corrected file.
    assert!(page.has(r#"form#import-form input[type="file"]"#));
    assert_eq!(versions(&state).await, before);
    assert_eq!(state.store.audit_head().await.unwrap(), head);

    // Fixed, it previews and imports.
    let good = workbook(&[
        ["acme", "Acme", "saas"],
        ["globex", "Globex", "saas"],
        ["initech", "Initech", "saas"],
    ]);
    let page = preview(&v, "register.xlsx", &good).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.text_of("#count-created"), "3");
    let done = confirm(&v, &confirm_fields(&page)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(versions(&state).await.len(), before.len() + 3);
}

async fn a_register_changed_after_the_preview_is_not_written(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let page = preview(&v, "register.json", to_json(&changed_register()).as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK);
    let fields = confirm_fields(&page);

    // Someone else edits stratocloud meanwhile.
    let stored = state.store.get_supplier(&id("stratocloud")).await.unwrap();
    let mut theirs = stored.supplier.clone();
    theirs.owner = Some("someone-else".into());
    state
        .store
        .update_supplier(&theirs, stored.version, &Change::now(Actor::System))
        .await
        .unwrap();
    let before = versions(&state).await;
    let head = state.store.audit_head().await.unwrap();

    let refused = confirm(&v, &fields).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text_of("#stale").contains("stratocloud"));
    assert_eq!(versions(&state).await, before, "nothing written");
    assert_eq!(state.store.audit_head().await.unwrap(), head);
    assert_eq!(
        state
            .store
            .get_supplier(&id("stratocloud"))
            .await
            .unwrap()
            .supplier,
        theirs
    );
    // The page shows the import against the register as it is now: stratocloud now differs
    // in its name and its owner, and it can be confirmed again.
    let strato_fields: Vec<String> = refused
        .all(r#"#changes tr[data-supplier="stratocloud"] td.fields code"#)
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(strato_fields, ["name", "owner"]);
    let again = confirm(&v, &confirm_fields(&refused)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text);
    let strato = state.store.get_supplier(&id("stratocloud")).await.unwrap();
    assert_eq!(strato.version, stored.version + 2);
    assert_eq!(strato.supplier.owner, changed_register().suppliers[0].owner);
}

async fn a_damaged_confirmation_writes_nothing(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let page = preview(&v, "register.json", to_json(&changed_register()).as_bytes()).await;
    let before = versions(&state).await;
    for broken in ["content", "sha256", "planned"] {
        let fields: Vec<(String, String)> = confirm_fields(&page)
            .into_iter()
            .map(|(n, val)| {
                if n == broken {
                    (n, format!("{}x", &val[..val.len() / 2]))
                } else {
                    (n, val)
                }
            })
            .collect();
        let refused = confirm(&v, &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{broken}");
        assert!(refused.has("#import-problem"), "{broken}");
        assert_eq!(versions(&state).await, before, "{broken}");
    }
}

async fn problems_of_a_document_name_line_column_and_field(backend: Backend) {
    let (_guard, state) = backend.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    let yaml = "format: supplier-register/1\nsuppliers:\n  - id: acme\n    name: Acme\n    locations:\n      - country: UK\n        purpose: storage\n  - id: globex\n    category: spaceships\n";
    let page = preview(&v, "register.yaml", yaml.as_bytes()).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    let rows: Vec<(String, String, String)> = page
        .all("table#problems tbody tr")
        .into_iter()
        .map(|tr| {
            let cell = |c: &str| {
                tr.select(&scraper::Selector::parse(c).unwrap())
                    .next()
                    .map(text)
                    .unwrap()
            };
            (cell("td.line"), cell("td.column"), cell("td.path"))
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "6".into(),
                "18".into(),
                "suppliers[0].locations[0].country".into()
            ),
            ("9".into(), "15".into(), "suppliers[1].category".into()),
        ]
    );
    let headers: Vec<String> = page
        .all("#problems thead th[scope=col]")
        .into_iter()
        .map(text)
        .collect();
    assert_eq!(headers, ["File", "Line", "Column", "Field", "Problem"]);
    assert_eq!(state.store.count_suppliers().await.unwrap(), 22);
}

on_both_backends!(
    a_valid_json_register_is_previewed_then_written_as_previewed,
    an_xlsx_with_a_bad_row_names_the_cell_and_writes_nothing,
    a_register_changed_after_the_preview_is_not_written,
    a_damaged_confirmation_writes_nothing,
    problems_of_a_document_name_line_column_and_field,
);

#[tokio::test]
async fn a_file_field_without_a_usable_file_says_so_next_to_it() {
    let (_guard, state) = Backend::Sqlite.state().await;
    let v = Visitor::signed_in(&state, Role::Editor).await;
    for (parts, says) in [
        (vec![], "Choose"),
        (
            vec![Part::File("file", "register.txt", b"{}".as_slice())],
            ".json",
        ),
        (
            vec![Part::File("file", "register.json", b"".as_slice())],
            "empty",
        ),
    ] {
        let page = upload::post(&v, "/import", &parts).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        let input = page.one("input#file");
        assert_eq!(input.attr("aria-invalid"), Some("true"));
        assert!(
            input
                .attr("aria-describedby")
                .is_some_and(|d| d.split(' ').any(|id| id == "file-error"))
        );
        assert!(
            page.text_of("#file-error").contains(says),
            "{}",
            page.text_of("#file-error")
        );
    }
}

#[tokio::test]
async fn a_viewer_cannot_reach_the_import() {
    let (_guard, state) = Backend::Sqlite.state().await;
    let viewer = Visitor::signed_in(&state, Role::Viewer).await;
    let home = viewer.get("/").await;
    assert!(!home.has(r#"nav a[href="/import"]"#), "no menu entry");
    assert_eq!(viewer.get("/import").await.status, StatusCode::FORBIDDEN);
    let json = to_json(&changed_register());
    let forged = preview(&viewer, "register.json", json.as_bytes()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Not even with a confirmation form an editor's preview produced.
    let editor = Visitor::signed_in(&state, Role::Editor).await;
    let page = preview(&editor, "register.json", json.as_bytes()).await;
    let refused = confirm(&viewer, &confirm_fields(&page)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(state.store.count_suppliers().await.unwrap(), 22);
}
