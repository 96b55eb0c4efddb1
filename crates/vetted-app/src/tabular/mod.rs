//! The flat layout: a supplier register as a compliance team's spreadsheet, read from and
//! written to an XLSX workbook or a directory of CSV files.
//!
//! One sheet per kind of thing: `suppliers` (one row per supplier) and the child sheets
//! `locations`, `assurance`, `agreements`, `assessments`, `reviews`, `events`, `risks` and
//! `subprocessors`, whose rows name their supplier in a `supplier` column. Columns mirror the
//! register document's fields, dotted where nested (`data.personal_data`); the agreements sheet
//! has one column per clause of the policy's catalogue. The full layout, for the people who fill
//! it in, is `docs/spreadsheet-layout.md`; [`layout`] is its single source in code.
//!
//! - Reading ([`read_xlsx`], [`read_csv_sheets`]) is all or nothing: every problem is collected
//!   as a [`TabularProblem`] with its file, sheet, row and column.
//! - Writing ([`write_xlsx`], [`write_csv_sheets`]) and reading back gives the same register,
//!   except what a cell cannot tell apart: an empty cell means absent, so empty texts and list
//!   items that are blank or hold line breaks do not survive.
//! - [`template_xlsx`] is a workbook to start from, with a README sheet and an example supplier.
//! - [`table`]: a plain table of a view ([`table_csv`], [`table_xlsx`]), not the layout, with
//!   every text cell safe from formula injection ([`neutralise`]).
//!
//! Inside: [`layout`] describes sheets and columns; `import` turns sheets of `cell`s into a
//! register, `export` a register into rows; `workbook` and `csv_sheets` handle the files.

mod cell;
mod csv_sheets;
mod example;
mod export;
mod import;
pub mod layout;
mod problem;
pub mod table;
mod workbook;

pub use csv_sheets::{csv_sheet_name, read_csv_sheets, write_csv_sheets};
pub use layout::{IGNORED_SHEETS, SHEETS};
pub use problem::{ColumnPosition, ProblemColumn, TabularError, TabularProblem};
pub use table::{Table, TableCell, neutralise, table_csv, table_xlsx};
pub use workbook::{read_xlsx, template_xlsx, write_xlsx};
