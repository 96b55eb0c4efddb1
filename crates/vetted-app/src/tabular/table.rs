//! A plain table, a header row then rows of cells, written as CSV or as a workbook of one
//! sheet: what a view of the register exports (the register page's "export this view"). The
//! rest of this module writes the flat layout, which round-trips a whole register; a table
//! is for reading.
//!
//! Cells are data, never formulas. A text that a spreadsheet program would take for a formula
//! (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`
//! ([`neutralise`]), the usual defence against formula injection: supplier names and other
//! texts come from users and imported files, and an exported view is opened by someone else.
//! CSV files are UTF-8 with a byte-order mark, CRLF and RFC 4180 quoting, as the layout's.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, FormatAlign, Workbook};
use time::Date;
use vetted_core::date::format_date;

use super::csv_sheets::{BOM, field};
use super::problem::TabularError;
use super::workbook::{MAX_CELL, MAX_ROWS, excel_date_time};

/// One cell of a [`Table`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableCell {
    /// Nothing.
    Blank,
    /// A text, written as text (never as a formula).
    Text(String),
    /// A date: `YYYY-MM-DD` in CSV, a date cell in XLSX.
    Date(Date),
}

impl From<Option<String>> for TableCell {
    fn from(text: Option<String>) -> TableCell {
        text.map_or(TableCell::Blank, TableCell::Text)
    }
}

impl From<Option<Date>> for TableCell {
    fn from(date: Option<Date>) -> TableCell {
        date.map_or(TableCell::Blank, TableCell::Date)
    }
}

/// A header row and rows of cells; each row has as many cells as there are columns (missing
/// cells are blank, extra ones are left out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// The worksheet's name in XLSX (at most 31 characters, none of `[]:*?/\`).
    pub sheet: String,
    /// The column headings.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<TableCell>>,
}

/// `text` as a spreadsheet shows it rather than runs it: with a leading `'` when it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The cells of `row`, exactly one per column.
fn cells(row: &[TableCell], columns: usize) -> impl Iterator<Item = &TableCell> {
    row.iter()
        .chain(std::iter::repeat(&TableCell::Blank))
        .take(columns)
}

/// The table as a CSV file.
pub fn table_csv(table: &Table) -> Vec<u8> {
    let mut out = BOM.to_vec();
    let line = |out: &mut Vec<u8>, texts: &mut dyn Iterator<Item = Cow<'_, str>>| {
        for (c, text) in texts.enumerate() {
            if c > 0 {
                out.push(b',');
            }
            field(out, &text);
        }
        out.extend_from_slice(b"\r\n");
    };
    line(&mut out, &mut table.columns.iter().map(|c| neutralise(c)));
    for row in &table.rows {
        line(
            &mut out,
            &mut cells(row, table.columns.len()).map(|cell| match cell {
                TableCell::Blank => Cow::Borrowed(""),
                TableCell::Text(t) => neutralise(t),
                TableCell::Date(d) => Cow::Owned(format_date(*d)),
            }),
        );
    }
    out
}

/// The table as an XLSX workbook of one sheet: a bold, frozen header with filters, dates as
/// date cells, columns as wide as their longest text (within reason).
pub fn table_xlsx(table: &Table) -> Result<Vec<u8>, TabularError> {
    if table.rows.len() >= MAX_ROWS {
        return Err(TabularError::TooManyRows {
            sheet: table.sheet.clone(),
            rows: table.rows.len() + 1,
        });
    }
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(&table.sheet)?;
    let bold = Format::new().set_bold();
    let date = Format::new()
        .set_num_format("yyyy-mm-dd")
        .set_align(FormatAlign::Left);
    let mut widths: Vec<usize> = Vec::with_capacity(table.columns.len());
    for (c, name) in table.columns.iter().enumerate() {
        ws.write_string_with_format(0, column(c), neutralise(name), &bold)?;
        widths.push(name.chars().count());
    }
    let mut r = 0u32;
    for row in &table.rows {
        r += 1;
        for (c, cell) in cells(row, table.columns.len()).enumerate() {
            match cell {
                TableCell::Blank => {}
                TableCell::Text(text) => {
                    let text = neutralise(text);
                    let length = text.encode_utf16().count();
                    if length > MAX_CELL {
                        return Err(TabularError::CellTooLong {
                            sheet: table.sheet.clone(),
                            row: r as usize + 1,
                            column: table.columns[c].clone(),
                            length,
                        });
                    }
                    ws.write_string(r, column(c), text.as_ref())?;
                    widths[c] = widths[c].max(text.chars().count());
                }
                TableCell::Date(d) => {
                    match excel_date_time(*d) {
                        Some(dt) => ws.write_datetime_with_format(r, column(c), &dt, &date)?,
                        None => ws.write_string(r, column(c), format_date(*d))?,
                    };
                    widths[c] = widths[c].max(10);
                }
            }
        }
    }
    let last_col = column(table.columns.len().saturating_sub(1));
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, r, last_col)?;
    for (c, width) in widths.iter().enumerate() {
        ws.set_column_width(column(c), ((*width + 3).clamp(8, 60)) as f64)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// An XLSX column number; a table has far fewer than 16,384 columns.
fn column(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    use time::macros::date;

    use super::*;

    fn table() -> Table {
        Table {
            sheet: "suppliers".into(),
            columns: vec!["Name".into(), "Note".into(), "Due".into()],
            rows: vec![
                vec![
                    TableCell::Text("=HYPERLINK(\"http://evil\")".into()),
                    TableCell::Text("a, \"quoted\" text".into()),
                    TableCell::Date(date!(2026 - 12 - 01)),
                ],
                vec![TableCell::Text("-1+2".into())],
                vec![
                    TableCell::Text("@SUM(A1)".into()),
                    TableCell::Text("\tx".into()),
                    TableCell::Blank,
                ],
                vec![
                    TableCell::Text("+cmd".into()),
                    TableCell::Text("\rcr".into()),
                    TableCell::Blank,
                ],
                vec![TableCell::Text("Plain Ltd".into()), TableCell::Blank],
            ],
        }
    }

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for (text, shown) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@x", "'@x"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Acme = good", "Acme = good"),
            ("", ""),
            ("'quoted", "'quoted"),
        ] {
            assert_eq!(neutralise(text), shown, "{text:?}");
        }
    }

    #[test]
    fn the_csv_has_a_header_neutralised_cells_and_blank_padding() {
        let csv = table_csv(&table());
        assert!(csv.starts_with(BOM));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&csv[BOM.len()..]);
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(rows[0], ["Name", "Note", "Due"]);
        assert_eq!(
            rows[1],
            [
                "'=HYPERLINK(\"http://evil\")",
                "a, \"quoted\" text",
                "2026-12-01"
            ]
        );
        assert_eq!(rows[2], ["'-1+2", "", ""], "short rows are padded");
        assert_eq!(rows[3], ["'@SUM(A1)", "'\tx", ""]);
        assert_eq!(rows[4], ["'+cmd", "'\rcr", ""]);
        assert_eq!(rows[5], ["Plain Ltd", "", ""]);
        assert_eq!(rows.len(), 6);
    }

    #[test]
    fn the_workbook_has_text_cells_and_date_cells() {
        let bytes = table_xlsx(&table()).unwrap();
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("suppliers").unwrap();
        let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert_eq!(cell(0, 0), Data::String("Name".into()));
        assert_eq!(
            cell(1, 0),
            Data::String("'=HYPERLINK(\"http://evil\")".into())
        );
        let Data::DateTime(due) = cell(1, 2) else {
            panic!("a date cell: {:?}", cell(1, 2));
        };
        assert_eq!(
            super::super::cell::excel_date(&due),
            Some(date!(2026 - 12 - 01))
        );
        assert_eq!(cell(2, 0), Data::String("'-1+2".into()));
        assert_eq!(cell(5, 0), Data::String("Plain Ltd".into()));
        assert_eq!(cell(5, 1), Data::Empty);
        assert_eq!(range.height(), 6);
    }
}
