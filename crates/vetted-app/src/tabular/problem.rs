//! What can go wrong: [`TabularProblem`] for a spreadsheet that does not read (every problem is
//! collected, each with its file, sheet, row and column) and [`TabularError`] for a register that
//! cannot be written as a workbook.

use std::fmt;

/// Where a problem sits in a row: the column's header and its position as the spreadsheet shows
/// it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProblemColumn {
    /// The column's name: the layout's name for a known column (`country`), the header as written
    /// for an unknown one, empty for a column without a header.
    pub name: String,
    /// The column's position.
    pub position: ColumnPosition,
}

/// A column's position: a letter for an XLSX worksheet, a 1-based number for a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnPosition {
    /// `A`, `B`, … `AA`: the letter a spreadsheet program shows.
    Letter(String),
    /// 1-based field number in a CSV record.
    Number(usize),
}

impl fmt::Display for ColumnPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnPosition::Letter(l) => f.write_str(l),
            ColumnPosition::Number(n) => write!(f, "{n}"),
        }
    }
}

/// One problem in a spreadsheet, with everything needed to find the cell.
///
/// Displays as `register.xlsx: sheet locations, row 7, column C (country): "UK" is not an ISO
/// 3166-1 alpha-2 country code (the United Kingdom is GB)`; parts that do not apply (a problem
/// with the whole workbook has no sheet, a problem with a whole sheet no row) are left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TabularProblem {
    /// The file's name as the caller gave it.
    pub file: String,
    /// The sheet (as named in the workbook, or the sheet a CSV file stands for); `None` for a
    /// problem with the whole workbook.
    pub sheet: Option<String>,
    /// 1-based spreadsheet row number: the header is row 1 (unless rows above it are empty).
    pub row: Option<usize>,
    /// The column, when the problem is in one.
    pub column: Option<ProblemColumn>,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl fmt::Display for TabularProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file)?;
        let mut parts = Vec::new();
        if let Some(sheet) = &self.sheet {
            parts.push(format!("sheet {sheet}"));
        }
        if let Some(row) = self.row {
            parts.push(format!("row {row}"));
        }
        if let Some(column) = &self.column {
            if column.name.is_empty() {
                parts.push(format!("column {}", column.position));
            } else {
                parts.push(format!("column {} ({})", column.position, column.name));
            }
        }
        if !parts.is_empty() {
            write!(f, "{}: ", parts.join(", "))?;
        }
        f.write_str(&self.message)
    }
}

/// A register that cannot be written as an XLSX workbook.
#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    /// A text longer than an XLSX cell holds.
    #[error(
        "sheet {sheet}, row {row}, column {column}: the text is {length} characters long, and an \
         XLSX cell holds at most 32,767 (export as JSON or YAML instead)"
    )]
    CellTooLong {
        sheet: String,
        row: usize,
        column: String,
        /// In UTF-16 code units, as Excel counts.
        length: usize,
    },
    /// More rows than an XLSX worksheet holds.
    #[error(
        "sheet {sheet} would have {rows} rows, and an XLSX worksheet holds at most 1,048,576 \
         (export as CSV, JSON or YAML instead)"
    )]
    TooManyRows { sheet: String, rows: usize },
    /// The XLSX writer failed.
    #[error("writing the XLSX workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_leaves_out_what_does_not_apply() {
        let mut p = TabularProblem {
            file: "register.xlsx".into(),
            sheet: Some("locations".into()),
            row: Some(7),
            column: Some(ProblemColumn {
                name: "country".into(),
                position: ColumnPosition::Letter("C".into()),
            }),
            message: "bad".into(),
        };
        assert_eq!(
            p.to_string(),
            "register.xlsx: sheet locations, row 7, column C (country): bad"
        );
        p.column = Some(ProblemColumn {
            name: String::new(),
            position: ColumnPosition::Number(4),
        });
        assert_eq!(
            p.to_string(),
            "register.xlsx: sheet locations, row 7, column 4: bad"
        );
        p.column = None;
        p.row = None;
        p.sheet = None;
        assert_eq!(p.to_string(), "register.xlsx: bad");
    }
}
