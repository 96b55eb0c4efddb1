//! Readers for the register document (JSON and YAML): untrusted text in, a valid
//! [`Register`] or every problem in the text out.
//!
//! The document is read as a stream (`source`): `json` is a small RFC 8259 reader of our own
//! (positions, duplicate keys), `yaml` wraps `yaml-rust2`'s event parser with the YAML 1.2 core
//! schema. `decode` turns either into the model value by value, so a register of 100,000
//! suppliers is never held as a tree; `problems` sorts what it found and adds lines and columns.
//! A JSON document with more than 4 MB of suppliers has its second half read on a second,
//! scoped thread from a supplier boundary that the first thread then confirms (see
//! `decode::Decoder::supplier_items`): pure computation, same result as reading in order.
//! The format itself is `shared/spec/register-format.md`.

mod decode;
pub(crate) mod json;
mod problems;
pub(crate) mod source;
mod yaml;

use crate::model::{Register, Supplier};
use crate::policy::ClauseDef;
use crate::section::{Record, RecordAt};
use decode::Decoder;
use json::JsonSource;
use yaml::YamlSource;

/// The syntax of a register document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// RFC 8259 JSON.
    Json,
    /// YAML 1.2 (core schema), one document.
    Yaml,
}

/// What the reader accepts beyond the fixed format.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions<'a> {
    /// The clause catalogue of the active policy: clause keys outside it are an error and
    /// parameters are typed by it. `None` accepts any clause key, typing parameters by their
    /// JSON type (used for data the store wrote itself).
    pub clauses: Option<&'a [ClauseDef]>,
}

/// One problem in a document: where (path, and line and column where the syntax gives them) and
/// what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `suppliers[3].agreements[0].clauses.incident_notification.hours`; empty for the root.
    pub path: String,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "{l}:{c}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Reads a whole register document: the register, or every problem in the document sorted by
/// position (reading stops early only at a syntax error). CPU-bound; a large JSON document is
/// read on two threads, joined before this returns.
pub fn read_register(
    text: &str,
    syntax: Syntax,
    options: &ReadOptions<'_>,
) -> Result<Register, Vec<Problem>> {
    let (register, problems) = match syntax {
        Syntax::Json => Decoder::new(JsonSource::new(text), options.clauses).register(),
        Syntax::Yaml => Decoder::new(YamlSource::new(text), options.clauses).register(),
    };
    register.ok_or_else(|| problems::resolve(text, problems))
}

/// Reads one supplier object in JSON (as the store keeps it); paths are relative to it.
pub fn read_supplier_json(text: &str, options: &ReadOptions<'_>) -> Result<Supplier, Vec<Problem>> {
    let (supplier, problems) = Decoder::new(JsonSource::new(text), options.clauses).lone_supplier();
    supplier.ok_or_else(|| problems::resolve(text, problems))
}

/// Reads one nested record of a supplier in JSON (a request body): the record, or every
/// problem with the path the record will have inside its supplier (`locations[3].country`), the
/// same paths and messages as a file import, lines and columns counted in `text`.
pub fn read_record_json(
    text: &str,
    at: RecordAt,
    options: &ReadOptions<'_>,
) -> Result<Record, Vec<Problem>> {
    let (record, problems) = Decoder::new(JsonSource::new(text), options.clauses).lone_record(at);
    record.ok_or_else(|| problems::resolve(text, problems))
}

/// Checks that `text` is one well-formed JSON value (RFC 8259, as [`read_register`] reads it):
/// the first syntax error with its line and column, else nothing. The server tells malformed
/// JSON (400) from JSON that breaks the register format (422) with it.
pub fn check_json_syntax(text: &str) -> Result<(), Problem> {
    use source::Source as _;
    let mut src = JsonSource::new(text);
    let result = src.skip_value().and_then(|()| src.finish());
    result.map_err(|fatal| {
        let raw = problems::RawProblem {
            at: fatal.pos,
            path: String::new(),
            message: fatal.message,
            earlier: None,
        };
        problems::resolve(text, vec![raw])
            .pop()
            .unwrap_or_else(|| Problem {
                path: String::new(),
                line: None,
                column: None,
                message: "not valid JSON".into(),
            })
    })
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
