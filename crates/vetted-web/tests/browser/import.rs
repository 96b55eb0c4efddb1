//! Journey 5: an editor imports an XLSX register with one bad row: the import page lists the
//! problem by file, sheet, row and column, and nothing is written. With the row fixed (a second
//! file), the preview says what the import creates, still without writing; confirmed, the new
//! suppliers are in the register.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::Workbook;
use vetted_web::auth::Role;

use crate::harness::{App, Browser};
use crate::test_name;

/// The three suppliers of the file, as (id, name, category) rows of its `suppliers` sheet: the
/// shape of `tests/ui_import.rs`'s workbook. The second row's category is `category`.
fn rows(category: &str) -> [[&str; 3]; 3] {
    [
        ["acme", "Acme Analytics GmbH", "saas"],
        ["globex", "Globex Hosting SE", category],
        ["initech", "Initech Payroll BV", "saas"],
    ]
}

/// Writes a workbook with a `suppliers` sheet of `rows` (under a header row `id`, `name`,
/// `category`) as `dir/name`, and returns its path.
fn workbook(dir: &Path, name: &str, rows: &[[&str; 3]]) -> PathBuf {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("suppliers").expect("name the sheet");
    for (column, header) in (0u16..).zip(["id", "name", "category"]) {
        sheet
            .write_string(0, column, header)
            .expect("write a header");
    }
    for (row, cells) in (1u32..).zip(rows) {
        for (column, cell) in (0u16..).zip(cells) {
            sheet
                .write_string(row, column, *cell)
                .expect("write a cell");
        }
    }
    let path = dir.join(name);
    book.save(&path).expect("save the workbook");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_with_a_bad_row_is_refused_then_imported_once_fixed() {
    let app = App::with_example_register().await;
    let editor = app.add_user(Role::Editor).await;
    let before = app.count_suppliers().await;
    let files = tempfile::tempdir().expect("a folder for the workbooks");
    let bad = workbook(files.path(), "suppliers.xlsx", &rows("spaceships"));
    let fixed = workbook(files.path(), "suppliers-fixed.xlsx", &rows("saas"));
    let browser = Browser::open(&app, &test_name!()).await;
    browser.sign_in(&editor.email, &editor.password).await;

    // The menu's Import page.
    browser.wait_for_path("/").await;
    browser.click_link("Import").await;
    browser.wait_for_path("/import").await;
    assert_eq!(browser.text("main h1").await, "Import a register");
    browser.upload("Register file", &bad).await;
    browser.click_button("Preview the import").await;

    // Every problem, placed in the workbook; nothing written.
    browser.wait_for("table#problems").await;
    assert_eq!(
        browser.text("#problems-heading").await,
        "1 problem in suppliers.xlsx"
    );
    assert_eq!(
        browser.texts("#problems thead th[scope='col']").await,
        ["File", "Sheet", "Row", "Column", "Problem"]
    );
    assert_eq!(browser.count("#problems tbody tr").await, 1);
    assert_eq!(browser.text("#problems td.file").await, "suppliers.xlsx");
    assert_eq!(browser.text("#problems td.sheet").await, "suppliers");
    assert_eq!(
        browser.text("#problems td.row").await,
        "3",
        "globex is on the sheet's third row, under the header"
    );
    assert_eq!(browser.text("#problems td.column").await, "C (category)");
    assert!(
        browser
            .text("#problems td.message")
            .await
            .contains("spaceships"),
        "the message quotes the value"
    );
    assert!(!browser.has("#confirm-form").await, "nothing to confirm");
    // The page answered 422, which the browser logs.
    let console = browser.console_errors().await;
    assert_eq!(console.len(), 1, "{console:#?}");
    assert!(console[0].contains("status of 422"), "{console:#?}");
    assert_eq!(app.count_suppliers().await, before, "nothing was written");
    assert!(app.supplier("acme").await.is_none());
    browser.screenshot("problems").await;

    // The corrected file, through the same page's form: a preview of three new suppliers.
    assert_eq!(
        browser.text("#upload-heading").await,
        "Upload the corrected file"
    );
    browser.upload("Register file", &fixed).await;
    browser.click_button("Preview the import").await;
    browser.wait_for_text("main h1", "Import preview").await;
    assert_eq!(browser.text("#count-created").await, "3");
    assert_eq!(browser.text("#count-updated").await, "0");
    assert_eq!(
        browser
            .texts("#changes tbody tr.created .badge.created")
            .await
            .len(),
        3
    );
    for id in ["acme", "globex", "initech"] {
        assert!(
            browser
                .has(&format!("#changes tr[data-supplier='{id}']"))
                .await,
            "{id} is previewed"
        );
    }
    assert_eq!(
        app.count_suppliers().await,
        before,
        "a preview writes nothing"
    );

    // Confirmed: written, and the register lists them.
    browser.click_button("Confirm import").await;
    browser.wait_for_path("/suppliers").await;
    assert_eq!(browser.text("p.notice").await, "The register was imported.");
    assert_eq!(app.count_suppliers().await, before + 3);
    for [id, name, _] in rows("saas") {
        assert_eq!(
            browser
                .text(&format!("#register tr[data-id='{id}'] th a"))
                .await,
            name
        );
    }
    assert_eq!(
        browser.attr("#result-count", "data-total").await.as_deref(),
        Some((before + 3).to_string().as_str())
    );
    // One of them, opened from the register, is the file's row.
    browser.click_link("Globex Hosting SE").await;
    browser.wait_for_path("/suppliers/globex").await;
    assert_eq!(browser.text("main h1").await, "Globex Hosting SE");
    assert_eq!(browser.text("#category").await, "SaaS");
    assert_eq!(
        browser.text("#history td.who").await,
        editor.email,
        "the import is the editor's"
    );
    browser.finish().await;
}
