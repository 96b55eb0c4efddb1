//! Vetted's use cases over the core and the store: loading and writing register files in every
//! format (JSON, YAML, CSV, XLSX), the flat spreadsheet layout ([`tabular`]), and synthetic
//! registers for benchmarks ([`generate`]), accounts ([`accounts`]: passwords, sessions,
//! API tokens, TOTP, first-run setup), versioned edits of one supplier ([`suppliers`]), and
//! imports received in memory ([`import`]: read an upload, plan what it would change), and
//! reminders by e-mail and webhook ([`notify`]).

pub mod accounts;
pub mod evaluate;
pub mod files;
pub mod generate;
pub mod import;
pub mod notify;
pub mod suppliers;
pub mod tabular;
