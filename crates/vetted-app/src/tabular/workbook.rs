//! The layout as an XLSX workbook: one worksheet per sheet. Reading goes through calamine,
//! writing through `rust_xlsxwriter`; both meet the shared layout in [`super::import`] and
//! [`super::export`].

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatAlign, Workbook,
    Worksheet,
};
use time::Date;
use vetted_core::date::{format_date, parse_date};
use vetted_core::model::Register;
use vetted_core::policy::Policy;

use super::cell::{Cell, excel_date};
use super::export::{self, Out};
use super::import::{self, RowIn, SheetIn};
use super::layout::{IGNORED_SHEETS, Layout, SHEETS, Sheet, Values};
use super::problem::{TabularError, TabularProblem};

/// The most rows an XLSX worksheet holds, header included.
pub(super) const MAX_ROWS: usize = 1_048_576;
/// The longest text an XLSX cell holds, in UTF-16 code units.
pub(super) const MAX_CELL: usize = 32_767;

/// Reads a register from an XLSX workbook.
///
/// Every problem in the workbook is reported, each with `file_name`, its sheet, row and column;
/// the register is returned only when there is none. A sheet named `README` or `instructions`
/// is skipped.
pub fn read_xlsx(
    bytes: &[u8],
    file_name: &str,
    policy: &Policy,
) -> Result<Register, Vec<TabularProblem>> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        vec![TabularProblem {
            file: file_name.to_string(),
            sheet: None,
            row: None,
            column: None,
            message: format!("not a readable XLSX workbook: {e}"),
        }]
    })?;
    let mut problems = Vec::new();
    let mut ranges = Vec::new();
    for name in workbook.sheet_names() {
        // Unknown sheets are reported by name and README sheets skipped: neither is read.
        if !SHEETS.contains(&name.trim().to_lowercase().as_str()) {
            ranges.push((name, None));
            continue;
        }
        match workbook.worksheet_range(&name) {
            Ok(range) => ranges.push((name, Some(range))),
            Err(e) => {
                problems.push(TabularProblem {
                    file: file_name.to_string(),
                    sheet: Some(name.clone()),
                    row: None,
                    column: None,
                    message: format!("the sheet cannot be read: {e}"),
                });
            }
        }
    }
    let sheets: Vec<SheetIn<'_>> = ranges
        .iter()
        .map(|(name, range)| {
            let (first_row, first_col) = range
                .as_ref()
                .and_then(calamine::Range::start)
                .unwrap_or((0, 0));
            let rows = range
                .iter()
                .flat_map(calamine::Range::rows)
                .enumerate()
                .map(|(i, cells)| RowIn {
                    number: first_row as usize + i + 1,
                    cells: cells.iter().map(cell).collect(),
                })
                .collect();
            SheetIn {
                file: file_name,
                name: name.clone(),
                letters: true,
                first_col: first_col as usize,
                rows,
            }
        })
        .collect();
    import::import(&sheets, problems, file_name, policy)
}

fn cell(data: &Data) -> Cell<'_> {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DurationIso(s) => Cell::Text(s),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => Cell::Date(excel_date(dt), dt.as_f64()),
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) => match s.get(..10).and_then(parse_date) {
            Some(d) => Cell::Date(Some(d), 0.0),
            None => Cell::Text(s),
        },
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Writes a register as an XLSX workbook: one worksheet per sheet of the layout (child sheets
/// without rows keep their header), a bold frozen header row with filters, drop-down lists for
/// fixed values, dates as date cells.
pub fn write_xlsx(register: &Register, policy: &Policy) -> Result<Vec<u8>, TabularError> {
    let layout = Layout::for_register(policy, register);
    let mut workbook = Workbook::new();
    // Saving is mostly compression: level 3 instead of the default 6 saves seconds on a big
    // register for a file about a tenth larger (100,000 suppliers: 20 MB instead of 18).
    workbook.set_zip_compression_level(3);
    write_sheets(&mut workbook, &layout, register)?;
    Ok(workbook.save_to_buffer()?)
}

/// The workbook to start a register from: a README sheet explaining every sheet, column and
/// allowed value, then every sheet with its header and one example supplier filled in (it
/// imports as it is; replace it with your own).
pub fn template_xlsx(policy: &Policy) -> Result<Vec<u8>, TabularError> {
    let example = super::example::register();
    let layout = Layout::for_register(policy, &example);
    let mut workbook = Workbook::new();
    write_readme(workbook.add_worksheet(), &layout)?;
    write_sheets(&mut workbook, &layout, &example)?;
    Ok(workbook.save_to_buffer()?)
}

fn write_sheets(
    workbook: &mut Workbook,
    layout: &Layout,
    register: &Register,
) -> Result<(), TabularError> {
    let header = Format::new().set_bold();
    let date = Format::new()
        .set_num_format("yyyy-mm-dd")
        .set_align(FormatAlign::Left);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for sheet in &layout.sheets {
        let rows = export::row_count(register, sheet.name);
        if rows >= MAX_ROWS {
            return Err(TabularError::TooManyRows {
                sheet: sheet.name.to_string(),
                rows: rows + 1,
            });
        }
        let ws = workbook.add_worksheet();
        ws.set_name(sheet.name)?;
        let mut widths: Vec<usize> = Vec::with_capacity(sheet.columns.len());
        for (c, column) in sheet.columns.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, &column.name, &header)?;
            widths.push(column.name.chars().count());
            if column.values == Values::Date {
                ws.set_column_format(c, &date)?;
                widths[usize::from(c)] = widths[usize::from(c)].max(10);
            } else if column.values.is_list() {
                ws.set_column_format(c, &wrap)?;
            }
        }
        let mut row = 0u32;
        export::each_row(register, sheet, |cells| {
            row += 1;
            for (c, out) in cells.iter().enumerate() {
                write_cell(ws, row, c, out, sheet, &mut widths)?;
            }
            Ok::<(), TabularError>(())
        })?;
        finish_sheet(ws, sheet, row, &widths)?;
    }
    Ok(())
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    c: usize,
    out: &Out<'_>,
    sheet: &Sheet,
    widths: &mut [usize],
) -> Result<(), TabularError> {
    let col = c as u16;
    match out {
        Out::Blank => {}
        Out::Text(text) => {
            let length = text.encode_utf16().count();
            if length > MAX_CELL {
                return Err(TabularError::CellTooLong {
                    sheet: sheet.name.to_string(),
                    row: row as usize + 1,
                    column: sheet
                        .columns
                        .get(c)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                    length,
                });
            }
            ws.write_string(row, col, text.as_ref())?;
            if let Some(w) = widths.get_mut(c) {
                // Measuring every cell of a big sheet costs little next to writing it.
                let longest = if length <= *w {
                    0
                } else {
                    text.split('\n')
                        .map(|l| l.chars().count())
                        .max()
                        .unwrap_or(0)
                };
                *w = (*w).max(longest);
            }
        }
        Out::Number(n) => {
            ws.write_number(row, col, *n)?;
        }
        Out::Date(d) => match excel_date_time(*d) {
            Some(dt) => {
                ws.write_datetime(row, col, &dt)?;
            }
            // Excel's calendar starts in 1900 (and miscounts its first two months).
            None => {
                ws.write_string(row, col, format_date(*d))?;
            }
        },
    }
    Ok(())
}

/// The Excel date of `d`; `None` before 1900-03-01, where Excel's calendar is wrong.
pub(super) fn excel_date_time(d: Date) -> Option<ExcelDateTime> {
    let first = Date::from_calendar_date(1900, time::Month::March, 1).ok()?;
    if d < first {
        return None;
    }
    ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, u8::from(d.month()), d.day()).ok()
}

/// Freeze the header, filter, widths and drop-down lists.
fn finish_sheet(
    ws: &mut Worksheet,
    sheet: &Sheet,
    last_row: u32,
    widths: &[usize],
) -> Result<(), TabularError> {
    let last_col = sheet.columns.len().saturating_sub(1) as u16;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last_row, last_col)?;
    for (c, (column, width)) in sheet.columns.iter().zip(widths).enumerate() {
        let c = c as u16;
        ws.set_column_width(c, ((*width + 3).clamp(8, 60)) as f64)?;
        if let Some(values) = column.values.drop_down() {
            // A list longer than Excel allows (a policy's own values) goes without a drop-down.
            let validation = DataValidation::new()
                .allow_list_strings(&values)
                .and_then(|v| v.set_error_title("Unexpected value"))
                .and_then(|v| {
                    v.set_error_message(format!("Vetted expects one of: {}", values.join(", ")))
                })
                .map(|v| v.set_error_style(DataValidationErrorStyle::Warning));
            if let Ok(validation) = validation {
                ws.add_data_validation(1, c, (MAX_ROWS - 1) as u32, c, &validation)?;
            }
        }
    }
    Ok(())
}

/// The README sheet: the general rules, then every sheet and column.
fn write_readme(ws: &mut Worksheet, layout: &Layout) -> Result<(), TabularError> {
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let top = Format::new().set_align(FormatAlign::Top);
    ws.set_name(IGNORED_SHEETS[0])?;
    ws.write_string_with_format(0, 0, "Vetted supplier register", &title)?;
    let mut row = 2u32;
    for line in README_RULES {
        ws.write_string(row, 0, *line)?;
        row += 1;
    }
    row += 1;
    for (c, heading) in ["sheet", "column", "required", "values", "meaning"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(row, c as u16, *heading, &bold)?;
    }
    for sheet in &layout.sheets {
        row += 1;
        ws.write_string_with_format(row, 0, sheet.name, &bold)?;
        ws.write_string_with_format(row, 4, sheet.help, &wrap)?;
        for column in &sheet.columns {
            row += 1;
            ws.write_string_with_format(row, 0, sheet.name, &top)?;
            ws.write_string_with_format(row, 1, &column.name, &top)?;
            if column.required {
                ws.write_string_with_format(row, 2, "required", &top)?;
            }
            ws.write_string_with_format(row, 3, column.values.describe(), &wrap)?;
            ws.write_string_with_format(row, 4, &column.help, &wrap)?;
        }
    }
    for (c, width) in [16, 34, 10, 60, 80].into_iter().enumerate() {
        ws.set_column_width(c as u16, width)?;
    }
    Ok(())
}

/// The general rules at the top of the README sheet.
const README_RULES: &[&str] = &[
    "This workbook holds a supplier register for Vetted. Each sheet below is a table whose first row names its columns.",
    "suppliers has one row per supplier; every other sheet has one row per item and names its supplier in the supplier column (the supplier's id).",
    "Column names are matched without regard to capitals; columns may be in any order and may be left out. An unknown column or sheet is an error.",
    "A blank cell means \"not recorded\". Yes/no cells take yes or no (x and true also mean yes).",
    "Dates are written YYYY-MM-DD (2026-03-31), or entered as date cells. Countries are ISO codes in capitals: DE, FR, GB (not UK), GR (not EL).",
    "Cells that hold a list (services, exceptions, checks, countries, ...) take one item per line: press Alt+Enter (Option+Enter on a Mac) between items.",
    "On the agreements sheet, write yes (or x) under each clause the agreement contains; filling in a clause parameter implies its clause.",
    "Vetted reads the whole workbook or nothing: every problem is reported with its sheet, row and column. This README sheet is skipped.",
];
