//! One spreadsheet cell as the reader sees it, whichever file it came from, and the parsing of
//! its text into the register's values with the messages a person can act on.

use std::borrow::Cow;

use time::{Date, Month};
use vetted_core::country::Country;
use vetted_core::date::{format_date, parse_date};
use vetted_core::model::{Document, DocumentHash, MediaType};

/// A cell: text (all a CSV file has), or what an XLSX cell holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Bool(bool),
    /// An Excel date cell: the date, or `None` for a serial number that is no calendar date.
    Date(Option<Date>, f64),
    /// An Excel error value (`#N/A`).
    Error(String),
}

impl Cell<'_> {
    /// Blank: empty, or text of spaces only. A blank cell means "absent".
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, as a spreadsheet program would show it (numbers without a trailing
    /// `.0`, dates as `YYYY-MM-DD`); an error cell is a problem.
    pub(crate) fn text(&self) -> Result<Cow<'_, str>, String> {
        match self {
            Cell::Empty => Ok(Cow::Borrowed("")),
            Cell::Text(s) => Ok(Cow::Borrowed(s)),
            Cell::Number(n) => Ok(Cow::Owned(format_number(*n))),
            Cell::Bool(true) => Ok(Cow::Borrowed("TRUE")),
            Cell::Bool(false) => Ok(Cow::Borrowed("FALSE")),
            Cell::Date(Some(d), _) => Ok(Cow::Owned(format_date(*d))),
            Cell::Date(None, serial) => Ok(Cow::Owned(format_number(*serial))),
            Cell::Error(e) => Err(format!("the cell holds the error {e}")),
        }
    }
}

/// A number as text: integers without a decimal point, others in the shortest form that reads
/// back to the same number.
pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The column letter of a 0-based column index: `A`, … `Z`, `AA`, ….
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The date of an Excel serial date (days since 1899-12-30, or 1904-01-01 in the 1904 system, as
/// calamine converts them).
pub(crate) fn excel_date(cell: &calamine::ExcelDateTime) -> Option<Date> {
    if cell.as_f64() < 1.0 {
        return None;
    }
    let (year, month, day, ..) = cell.to_ymd_hms_milli();
    Date::from_calendar_date(i32::from(year), Month::try_from(month).ok()?, day).ok()
}

/// `"x"`: a value quoted for a message, with line breaks shown as `\n`.
pub(crate) fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\n', "\\n").replace('\r', "\\r"))
}

/// yes, true, x → true; no, false → false; case-insensitive, spaces around ignored. `None` for
/// anything else (a blank cell is handled before).
pub(crate) fn parse_yes_no(cell: &Cell<'_>) -> Result<bool, String> {
    if let Cell::Bool(b) = cell {
        return Ok(*b);
    }
    let text = cell.text()?;
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "x" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(format!(
            "unknown value {}: expected yes, no, true, false, x or blank",
            quoted(text.trim())
        )),
    }
}

/// A date: an Excel date cell or `YYYY-MM-DD` text.
pub(crate) fn parse_date_cell(cell: &Cell<'_>) -> Result<Date, String> {
    match cell {
        Cell::Date(Some(d), _) => return Ok(*d),
        Cell::Date(None, serial) => {
            return Err(format!(
                "the date cell holds {}, which is not a calendar date",
                format_number(*serial)
            ));
        }
        _ => {}
    }
    let text = cell.text()?;
    let text = text.trim();
    if let Some(d) = parse_date(text) {
        return Ok(d);
    }
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if shaped {
        Err(format!("{} is not a date in the calendar", quoted(text)))
    } else {
        Err(format!("{} is not a date (YYYY-MM-DD)", quoted(text)))
    }
}

/// One value of a fixed set, case-insensitive.
pub(crate) fn parse_choice<T>(
    cell: &Cell<'_>,
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<T, String> {
    let text = cell.text()?;
    parse_choice_text(text.trim(), parse, expected)
}

fn parse_choice_text<T>(
    text: &str,
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<T, String> {
    parse(text)
        .or_else(|| parse(&text.to_ascii_lowercase()))
        .ok_or_else(|| format!("unknown value {}: expected {}", quoted(text), expected()))
}

/// A country code: upper case, officially assigned.
pub(crate) fn parse_country_text(text: &str) -> Result<Country, String> {
    Country::parse(text).ok_or_else(|| {
        let hint = Country::hint(text)
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        format!(
            "{} is not an ISO 3166-1 alpha-2 country code{hint}",
            quoted(text)
        )
    })
}

/// The items of a list cell: one per line; blank lines are skipped; a line keeps its spaces.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty())
}

/// One line of a `documents` cell: `SHA256 MEDIA_TYPE SIZE NAME`, separated by single spaces;
/// the name is the rest of the line, spaces included (empty when left out).
pub(crate) fn parse_document(line: &str) -> Result<Document, String> {
    let mut parts = line.splitn(4, ' ');
    let (Some(sha256), Some(media_type), Some(size)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "{} is not a document: expected its SHA-256, media type, size and name separated by spaces",
            quoted(line)
        ));
    };
    let sha256 = DocumentHash::parse(sha256)
        .map_err(|why| format!("{} is not a SHA-256: it {why}", quoted(sha256)))?;
    let media_type = MediaType::parse(media_type).ok_or_else(|| {
        format!(
            "{} is not an accepted media type: expected {}",
            quoted(media_type),
            MediaType::expected()
        )
    })?;
    let size = size
        .parse::<u64>()
        .ok()
        .filter(|n| *n < 1 << 53)
        .ok_or_else(|| format!("{} is not a size in bytes", quoted(size)))?;
    Ok(Document {
        sha256,
        name: parts.next().unwrap_or("").to_string(),
        media_type,
        size,
    })
}

/// The items of a list of codes: separated by lines, commas or semicolons, spaces trimmed.
pub(crate) fn codes(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

/// Any of a fixed set of values, one per line (or separated by commas).
pub(crate) fn parse_choices<T>(
    cell: &Cell<'_>,
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<Vec<T>, Vec<String>> {
    let text = cell.text().map_err(|e| vec![e])?;
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for item in codes(&text) {
        match parse_choice_text(item, parse, expected) {
            Ok(v) => values.push(v),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// A number; `percent` limits it to 0–100. Text may carry a trailing `%`.
pub(crate) fn parse_number(cell: &Cell<'_>, percent: bool) -> Result<f64, String> {
    let (value, shown) = if let Cell::Number(n) = cell {
        (*n, format_number(*n))
    } else {
        let text = cell.text()?;
        let text = text.trim();
        let digits = if percent {
            text.strip_suffix('%').unwrap_or(text).trim_end()
        } else {
            text
        };
        match digits.parse::<f64>() {
            Ok(v) if v.is_finite() => (v, text.to_string()),
            _ => return Err(format!("{} is not a number", quoted(text))),
        }
    };
    if percent && !(0.0..=100.0).contains(&value) {
        Err(format!(
            "{} is out of range: expected a percentage from 0 to 100",
            quoted(&shown)
        ))
    } else if value < 0.0 {
        Err(format!(
            "{} is negative: expected a number of 0 or more",
            quoted(&shown)
        ))
    } else {
        // -0 reads as 0.
        Ok(value + 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn column_letters() {
        let letters: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letter)
            .collect();
        assert_eq!(
            letters,
            ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
        );
    }

    #[test]
    fn numbers_and_percentages() {
        assert_eq!(parse_number(&Cell::Text(" 48 "), false), Ok(48.0));
        assert_eq!(parse_number(&Cell::Text("99.95%"), true), Ok(99.95));
        assert_eq!(
            parse_number(&Cell::Number(-0.0), false).map(f64::is_sign_negative),
            Ok(false)
        );
        assert_eq!(
            parse_number(&Cell::Text("NaN"), false),
            Err("\"NaN\" is not a number".into())
        );
        assert_eq!(
            parse_number(&Cell::Text("inf"), false),
            Err("\"inf\" is not a number".into())
        );
        assert_eq!(
            parse_number(&Cell::Text("48h"), false),
            Err("\"48h\" is not a number".into())
        );
        assert_eq!(
            parse_number(&Cell::Text("99.95%"), false),
            Err("\"99.95%\" is not a number".into())
        );
        assert_eq!(
            parse_number(&Cell::Number(-3.0), false),
            Err("\"-3\" is negative: expected a number of 0 or more".into())
        );
        assert_eq!(
            parse_number(&Cell::Text("150"), true),
            Err("\"150\" is out of range: expected a percentage from 0 to 100".into())
        );
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date_cell(&Cell::Text(" 2025-01-05 ")),
            Ok(date!(2025 - 01 - 05))
        );
        assert_eq!(
            parse_date_cell(&Cell::Date(Some(date!(2025 - 01 - 05)), 45662.0)),
            Ok(date!(2025 - 01 - 05))
        );
        assert_eq!(
            parse_date_cell(&Cell::Text("2025-02-30")),
            Err("\"2025-02-30\" is not a date in the calendar".into())
        );
        assert_eq!(
            parse_date_cell(&Cell::Text("05/01/2025")),
            Err("\"05/01/2025\" is not a date (YYYY-MM-DD)".into())
        );
        assert_eq!(
            parse_date_cell(&Cell::Number(45662.0)),
            Err("\"45662\" is not a date (YYYY-MM-DD)".into())
        );
    }

    #[test]
    fn excel_serials() {
        let d = |v| {
            excel_date(&calamine::ExcelDateTime::new(
                v,
                calamine::ExcelDateTimeType::DateTime,
                false,
            ))
        };
        assert_eq!(d(45662.0), Some(date!(2025 - 01 - 05)));
        assert_eq!(d(45662.75), Some(date!(2025 - 01 - 05)));
        assert_eq!(d(61.0), Some(date!(1900 - 03 - 01)));
        assert_eq!(d(60.0), None);
        assert_eq!(d(0.0), None);
    }

    #[test]
    fn list_items() {
        assert_eq!(lines("a\r\n\n b \n").collect::<Vec<_>>(), ["a", " b "]);
        assert_eq!(codes("DE, FR;\nUS").collect::<Vec<_>>(), ["DE", "FR", "US"]);
    }
}
