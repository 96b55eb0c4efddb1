//! The layout as CSV files, one per sheet, named after the sheet: `suppliers.csv`,
//! `locations.csv`, … in one directory. The caller does the file I/O; [`csv_sheet_name`] gives
//! the sheet a file stands for.
//!
//! Files are written as UTF-8 with a byte-order mark (so that Excel reads the accents right),
//! comma-separated, CRLF between records, RFC 4180 quoting. Reading accepts UTF-8 with or
//! without the mark and, when the header row has semicolons and no commas (Excel in many
//! European locales), semicolon-separated files.

use vetted_core::date::format_date;
use vetted_core::model::Register;
use vetted_core::policy::Policy;

use super::cell::{Cell, format_number};
use super::export::{self, Out};
use super::import::{self, RowIn, SheetIn};
use super::layout::{Layout, SUPPLIERS};
use super::problem::{ColumnPosition, ProblemColumn, TabularProblem};

pub(super) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The sheet a CSV file stands for: its name without the `.csv` extension (any case), or `None`
/// for a file that is not a CSV file. `locations.csv` → `locations`.
pub fn csv_sheet_name(file_name: &str) -> Option<&str> {
    let split = file_name.len().checked_sub(4)?;
    let (stem, extension) = (file_name.get(..split)?, file_name.get(split..)?);
    (extension.eq_ignore_ascii_case(".csv") && !stem.is_empty()).then_some(stem)
}

/// Reads a register from CSV files, one per sheet: `(sheet name, file name, contents)`.
///
/// The caller lists a directory (or the directory of a `suppliers.csv`) and passes every
/// `*.csv` file in it, the sheet name being the file name without `.csv` (see
/// [`csv_sheet_name`]). A file for an unknown sheet is an error; one named `README.csv` or
/// `instructions.csv` is skipped. Every problem is reported; the register is returned only
/// when there is none.
pub fn read_csv_sheets(
    sheets: &[(String, String, Vec<u8>)],
    policy: &Policy,
) -> Result<Register, Vec<TabularProblem>> {
    let mut problems = Vec::new();
    let mut parsed: Vec<(&str, &str, Vec<csv::ByteRecord>, Vec<usize>)> = Vec::new();
    for (sheet, file, bytes) in sheets {
        let (records, rows) = parse(file, sheet, bytes, &mut problems);
        parsed.push((sheet, file, records, rows));
    }
    let inputs: Vec<SheetIn<'_>> = parsed
        .iter()
        .map(|(sheet, file, records, numbers)| SheetIn {
            file,
            name: (*sheet).to_string(),
            letters: false,
            first_col: 0,
            rows: records
                .iter()
                .zip(numbers)
                .map(|(record, number)| RowIn {
                    number: *number,
                    cells: record
                        .iter()
                        .map(|field| std::str::from_utf8(field).map_or(Cell::Empty, Cell::Text))
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let suppliers_file = format!("{SUPPLIERS}.csv");
    import::import(&inputs, problems, &suppliers_file, policy)
}

/// The records of one file and the spreadsheet row number of each (blank lines count as rows,
/// as a spreadsheet program shows them; a record with line breaks in a cell is one row). Text
/// that is not UTF-8 is reported here.
fn parse(
    file: &str,
    sheet: &str,
    bytes: &[u8],
    problems: &mut Vec<TabularProblem>,
) -> (Vec<csv::ByteRecord>, Vec<usize>) {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if !first_line.contains(&b',') && first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut records = Vec::new();
    let mut numbers = Vec::new();
    let (mut row, mut blank_lines) = (0usize, 0usize);
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                row += 1;
                // The reader skips blank lines; a spreadsheet shows them as rows, so count them
                // in the gap between the previous record's end and this one's first byte.
                let from = record
                    .position()
                    .map_or(0, |p| p.byte() as usize)
                    .min(bytes.len());
                let gap = &bytes[from..];
                let gap = &gap[..gap
                    .iter()
                    .position(|b| !matches!(b, b'\r' | b'\n'))
                    .unwrap_or(gap.len())];
                let breaks = gap.split(|b| *b == b'\n').count() - 1;
                // After a CRLF the reader stops between CR and LF: that LF ends the previous record.
                let pending = usize::from(
                    from > 0 && bytes[from - 1] == b'\r' && gap.first() == Some(&b'\n'),
                );
                blank_lines += breaks.saturating_sub(pending);
                row += std::mem::take(&mut blank_lines);
                for (index, field) in record.iter().enumerate() {
                    if std::str::from_utf8(field).is_err() {
                        problems.push(TabularProblem {
                            file: file.to_string(),
                            sheet: Some(sheet.to_string()),
                            row: Some(row),
                            column: Some(ProblemColumn {
                                name: String::new(),
                                position: ColumnPosition::Number(index + 1),
                            }),
                            message: "the text is not UTF-8: save the file as \"CSV UTF-8\"".into(),
                        });
                    }
                }
                records.push(record.clone());
                numbers.push(row);
            }
            Err(e) => {
                problems.push(TabularProblem {
                    file: file.to_string(),
                    sheet: Some(sheet.to_string()),
                    row: None,
                    column: None,
                    message: format!("the file cannot be read as CSV: {e}"),
                });
                break;
            }
        }
    }
    (records, numbers)
}

/// Writes a register as CSV files: `(sheet name, contents)` for every sheet of the layout, child
/// sheets without rows included (header only). Save each as `<sheet>.csv` in one directory.
pub fn write_csv_sheets(register: &Register, policy: &Policy) -> Vec<(String, Vec<u8>)> {
    let layout = Layout::for_register(policy, register);
    layout
        .sheets
        .iter()
        .map(|sheet| {
            let mut out = BOM.to_vec();
            for (c, column) in sheet.columns.iter().enumerate() {
                if c > 0 {
                    out.push(b',');
                }
                field(&mut out, &column.name);
            }
            out.extend_from_slice(b"\r\n");
            let Ok(()) = export::each_row(register, sheet, |cells| {
                for (c, cell) in cells.iter().enumerate() {
                    if c > 0 {
                        out.push(b',');
                    }
                    match cell {
                        Out::Blank => {}
                        Out::Text(t) => field(&mut out, t),
                        Out::Number(n) => field(&mut out, &format_number(*n)),
                        Out::Date(d) => field(&mut out, &format_date(*d)),
                    }
                }
                out.extend_from_slice(b"\r\n");
                Ok::<(), std::convert::Infallible>(())
            });
            (sheet.name.to_string(), out)
        })
        .collect()
}

/// One field, quoted when it holds a comma, a semicolon, a quote or a line break (or spaces at
/// either end, which some programs drop).
pub(super) fn field(out: &mut Vec<u8>, text: &str) {
    let quote = text.contains([',', ';', '"', '\n', '\r'])
        || text.starts_with([' ', '\t'])
        || text.ends_with([' ', '\t']);
    if quote {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_of_files() {
        assert_eq!(csv_sheet_name("locations.csv"), Some("locations"));
        assert_eq!(csv_sheet_name("Locations.CSV"), Some("Locations"));
        assert_eq!(csv_sheet_name(".csv"), None);
        assert_eq!(csv_sheet_name("notes.txt"), None);
        assert_eq!(csv_sheet_name("é.csv"), Some("é"));
    }

    #[test]
    fn fields_are_quoted_when_needed() {
        let mut out = Vec::new();
        for t in ["plain", "a,b", "say \"hi\"", "two\nlines", " lead"] {
            field(&mut out, t);
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8_lossy(&out),
            "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\" lead\"|"
        );
    }

    #[test]
    fn rows_count_blank_lines_but_not_line_breaks_in_cells() {
        for input in [
            "h\na\n\"x\ny\"\n\nb\n\n\nc",
            "\r\nh\r\na\r\n\"x\r\ny\"\r\n\r\nb\r\n\r\n\r\nc\r\n",
        ] {
            let mut problems = Vec::new();
            let (records, rows) = parse("f.csv", "s", input.as_bytes(), &mut problems);
            assert_eq!(records.len(), 5);
            let start = usize::from(input.starts_with('\r'));
            assert_eq!(rows, [1, 2, 3, 5, 8].map(|r| r + start), "{input:?}");
        }
    }
}
