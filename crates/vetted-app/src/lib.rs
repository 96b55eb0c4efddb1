//! Vetted's use cases over the core and the store: loading and writing register files in every
//! format (JSON, YAML, CSV, XLSX), the flat spreadsheet layout ([`tabular`]), and synthetic
//! registers for benchmarks ([`generate`]), accounts ([`accounts`]: passwords, sessions,
//! API tokens, TOTP, first-run setup), versioned edits of one supplier ([`suppliers`]), and
//! imports received in memory ([`import`]: read an upload, plan what it would change),
//! reminders by e-mail and webhook ([`notify`]), the risk register's edits ([`risks`]: one
//! risk written into every linked supplier at once) and the policy's own review
//! ([`policy_review`]: a new version of the policy file's text), and evidence packs for
//! auditors ([`evidence`]: a period's evidence in one ZIP file with a signed manifest).

pub mod accounts;
pub mod evaluate;
pub mod evidence;
pub mod files;
pub mod generate;
pub mod history;
pub mod import;
pub mod notify;
pub mod policy_review;
pub mod publication;
pub mod report;
pub mod risks;
pub mod suppliers;
pub mod tabular;
