//! Vetted's use cases, between the domain (`vetted-core`) and the front ends (the web
//! application and the `vetted` command): importing and exporting a register, and the flat
//! CSV/XLSX layout a compliance team keeps its register in.
//!
//! - [`tabular`]: the register as a spreadsheet (XLSX workbook or CSV files), read with every
//!   problem located by sheet, row and column, and written back losslessly.

pub mod tabular;
