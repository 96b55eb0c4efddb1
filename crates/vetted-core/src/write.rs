//! Writers for the register document: JSON and YAML, carrying everything the register holds.
//!
//! Both go through the model's `Serialize` impls, which already omit absent values, empty lists and
//! booleans at their default, so what is written is exactly what [`crate::read`] reads back. YAML
//! is written by a small block-style emitter fed by the JSON text (read back with the JSON reader,
//! so keys keep the model's order): every string double-quoted (so `NO`, `null` or `123` stay
//! strings under any YAML schema), numbers and booleans plain.

use std::fmt::Write as _;

use serde::Serialize;

use crate::model::{FORMAT, Register, Supplier};
use crate::read::json::JsonSource;
use crate::read::source::{Fatal, Scalar, Source, Tok};

/// The document as written: the format marker, then the suppliers.
#[derive(Serialize)]
struct Document<'r> {
    format: &'static str,
    suppliers: &'r [Supplier],
}

/// The register as a pretty-printed JSON document (2-space indent), ending with a newline.
pub fn to_json(register: &Register) -> String {
    // Serializing the model cannot fail: every map key is a string and every number finite.
    let document = Document {
        format: FORMAT,
        suppliers: &register.suppliers,
    };
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}

/// The register as a YAML 1.2 document in block style, ending with a newline.
pub fn to_yaml(register: &Register) -> String {
    let json = to_json(register);
    let mut out = String::with_capacity(json.len());
    // The JSON was just written by serde_json, so reading it back cannot fail.
    let _ = write_document(&mut JsonSource::new(&json), &mut out);
    out
}

fn write_document<'a>(src: &mut impl Source<'a>, out: &mut String) -> Result<(), Fatal> {
    match src.value()?.0 {
        Tok::Map => {
            let mut any = false;
            while let Some((key, _)) = src.key()? {
                any = true;
                write_key(out, &key);
                let (tok, _) = src.value()?;
                write_after_indicator(src, tok, 0, out)?;
            }
            if !any {
                out.push_str("{}\n");
            }
        }
        tok => write_after_indicator(src, tok, 0, out)?,
    }
    Ok(())
}

/// Writes the value that starts with `tok` after `key:` or `-` (whose indentation is `indent`):
/// scalars and empty collections on the same line, objects and lists on the following lines.
fn write_after_indicator<'a>(
    src: &mut impl Source<'a>,
    tok: Tok<'a>,
    indent: usize,
    out: &mut String,
) -> Result<(), Fatal> {
    match tok {
        Tok::Map => match src.key()? {
            None => out.push_str(" {}\n"),
            Some((key, _)) => {
                out.push('\n');
                push_indent(out, indent + 2);
                write_members(src, &key, indent + 2, out)?;
            }
        },
        Tok::Seq => {
            if src.item()? {
                out.push('\n');
                write_items(src, indent + 2, out)?;
            } else {
                out.push_str(" []\n");
            }
        }
        Tok::Scalar(s) => {
            out.push(' ');
            write_scalar(out, &s);
            out.push('\n');
        }
        Tok::Unsupported(_) => out.push_str(" null\n"),
    }
    Ok(())
}

/// Writes an object's members, the first (whose key was read and indented already) included.
fn write_members<'a>(
    src: &mut impl Source<'a>,
    first: &str,
    indent: usize,
    out: &mut String,
) -> Result<(), Fatal> {
    write_key(out, first);
    let (tok, _) = src.value()?;
    write_after_indicator(src, tok, indent, out)?;
    while let Some((key, _)) = src.key()? {
        push_indent(out, indent);
        write_key(out, &key);
        let (tok, _) = src.value()?;
        write_after_indicator(src, tok, indent, out)?;
    }
    Ok(())
}

/// Writes list items at `indent` (the first item is known to exist). An object item starts on
/// the dash's line.
fn write_items<'a>(
    src: &mut impl Source<'a>,
    indent: usize,
    out: &mut String,
) -> Result<(), Fatal> {
    loop {
        push_indent(out, indent);
        out.push('-');
        match src.value()?.0 {
            Tok::Map => match src.key()? {
                None => out.push_str(" {}\n"),
                Some((key, _)) => {
                    out.push(' ');
                    write_members(src, &key, indent + 2, out)?;
                }
            },
            tok => write_after_indicator(src, tok, indent, out)?,
        }
        if !src.item()? {
            return Ok(());
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A key, plain when it is a `snake_case` word that YAML cannot read as anything but a string.
fn write_key(out: &mut String, key: &str) {
    let plain = key.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !matches!(key, "null" | "true" | "false");
    if plain {
        out.push_str(key);
    } else {
        write_string(out, key);
    }
    out.push(':');
}

/// A scalar, on one line.
fn write_scalar(out: &mut String, value: &Scalar<'_>) {
    match value {
        Scalar::Null => out.push_str("null"),
        Scalar::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // serde_json writes integers and shortest round-trip floats (`48`, `99.95`, `1e300`), all
        // of which the YAML 1.2 core schema reads as the same numbers.
        Scalar::Number { raw, .. } => out.push_str(raw),
        Scalar::Str(s) => write_string(out, s),
    }
}

/// A double-quoted YAML string. Escapes what JSON escapes plus every character YAML does not
/// allow unescaped in a stream (DEL, C1 controls, the BOM, U+FFFE/U+FFFF) and the Unicode line
/// separators, so the text is one line and reads back exactly.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Supplier, SupplierId};

    fn register_of(ids: &[&str]) -> Register {
        Register {
            suppliers: ids
                .iter()
                .filter_map(|id| SupplierId::parse(id).ok())
                .map(Supplier::new)
                .collect(),
        }
    }

    #[test]
    fn json_carries_the_format_and_ends_with_a_newline() {
        let json = to_json(&register_of(&["aws"]));
        assert_eq!(
            json,
            "{\n  \"format\": \"supplier-register/1\",\n  \"suppliers\": [\n    {\n      \"id\": \"aws\"\n    }\n  ]\n}\n"
        );
    }

    #[test]
    fn yaml_is_block_style_with_quoted_strings() {
        assert_eq!(
            to_yaml(&register_of(&[])),
            "format: \"supplier-register/1\"\nsuppliers: []\n"
        );
        assert_eq!(
            to_yaml(&register_of(&["NO", "a\"b"])),
            "format: \"supplier-register/1\"\nsuppliers:\n  - id: \"NO\"\n  - id: \"a\\\"b\"\n"
        );
    }

    #[test]
    fn strings_escape_what_yaml_cannot_carry() {
        let mut out = String::new();
        write_string(&mut out, "a\u{7f}\u{85}\u{feff}\u{2028}é\n\u{1}");
        assert_eq!(out, r#""a\u007F\u0085\uFEFF\u2028é\n\u0001""#);
    }
}
