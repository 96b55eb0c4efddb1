//! YAML 1.2 as a [`Source`]: `yaml-rust2`'s event parser, with plain scalars typed by the YAML 1.2
//! core schema (so `NO` is a string and `~` is null), quoted scalars always strings, and the
//! features the register has no use for (aliases, tags other than `!!str`, complex keys, several
//! documents) reported rather than guessed at.

use std::borrow::Cow;
use std::str::Chars;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use super::source::{Fatal, Pos, Scalar, Source, Tok};

/// The tag prefix `!!` stands for.
const CORE: &str = "tag:yaml.org,2002:";

/// A YAML document being read.
pub(crate) struct YamlSource<'a> {
    parser: Parser<Chars<'a>>,
    started: bool,
    /// The stream held no document at all.
    empty: bool,
}

fn pos(m: &Marker) -> Pos {
    // yaml-rust2's lines are 1-based, its columns 0-based.
    Pos::LineCol(m.line(), m.col() + 1)
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "used as `map_err(scan_error)`"
)]
fn scan_error(e: ScanError) -> Fatal {
    Fatal::new(pos(e.marker()), format!("YAML syntax error: {}", e.info()))
}

fn tag_name(tag: &Tag) -> String {
    if tag.handle == CORE {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn is_core(tag: &Tag, name: &str) -> bool {
    tag.handle == CORE && tag.suffix == name
}

impl<'a> YamlSource<'a> {
    pub(crate) fn new(text: &'a str) -> YamlSource<'a> {
        YamlSource {
            parser: Parser::new_from_str(text),
            started: false,
            empty: false,
        }
    }

    fn next(&mut self) -> Result<(Event, Marker), Fatal> {
        self.parser.next_token().map_err(scan_error)
    }

    /// Consumes the stream and document start before the root value.
    fn start(&mut self) -> Result<(), Fatal> {
        self.started = true;
        loop {
            let (event, _) = self.next()?;
            match event {
                Event::StreamStart => {}
                Event::DocumentStart => return Ok(()),
                Event::StreamEnd => {
                    self.empty = true;
                    return Ok(());
                }
                other => {
                    return Err(Fatal::new(
                        Pos::LineCol(1, 1),
                        format!("unexpected YAML event {other:?}"),
                    ));
                }
            }
        }
    }

    /// A block mapping's start marker points past its first key; the key's marker is better.
    fn mapping_pos(&mut self, mark: &Marker) -> Result<Pos, Fatal> {
        let (_, next) = self.parser.peek().map_err(scan_error)?;
        Ok(if next.index() < mark.index() {
            pos(next)
        } else {
            pos(mark)
        })
    }

    /// Skips events to the end of the collection just opened.
    fn skip_events(&mut self) -> Result<(), Fatal> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()?.0 {
                Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
                Event::MappingEnd | Event::SequenceEnd => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }
}

/// Types a plain scalar by the YAML 1.2 core schema.
pub(crate) fn resolve_plain(s: String) -> Scalar<'static> {
    match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Number {
                raw: Cow::Owned(s),
                value: f64::INFINITY,
            };
        }
        "-.inf" | "-.Inf" | "-.INF" => {
            return Scalar::Number {
                raw: Cow::Owned(s),
                value: f64::NEG_INFINITY,
            };
        }
        ".nan" | ".NaN" | ".NAN" => {
            return Scalar::Number {
                raw: Cow::Owned(s),
                value: f64::NAN,
            };
        }
        _ => {}
    }
    let radix = |prefix: &str, radix: u32| {
        s.strip_prefix(prefix)
            .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_digit(radix)))
            .map(|d| {
                d.chars().fold(0.0, |acc, c| {
                    acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
                })
            })
    };
    if let Some(value) = radix("0o", 8).or_else(|| radix("0x", 16)) {
        return Scalar::Number {
            raw: Cow::Owned(s),
            value,
        };
    }
    if is_core_float(&s)
        && let Ok(value) = s.parse::<f64>()
    {
        return Scalar::Number {
            raw: Cow::Owned(s),
            value,
        };
    }
    Scalar::Str(Cow::Owned(s))
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`: the core schema's
/// integers and finite floats.
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i - from)
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let (after, whole) = digits(i);
    i = after;
    if b.get(i) == Some(&b'.') {
        let (after, frac) = digits(i + 1);
        if whole == 0 && frac == 0 {
            return false;
        }
        i = after;
    } else if whole == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let (after, exp) = digits(i);
        if exp == 0 {
            return false;
        }
        i = after;
    }
    i == b.len()
}

impl<'a> Source<'a> for YamlSource<'a> {
    fn value(&mut self) -> Result<(Tok<'a>, Pos), Fatal> {
        if !self.started {
            self.start()?;
            if self.empty {
                return Ok((Tok::Scalar(Scalar::Null), Pos::LineCol(1, 1)));
            }
        }
        let (event, mark) = self.next()?;
        let at = pos(&mark);
        let tok = match event {
            Event::Scalar(s, style, _, tag) => match tag {
                Some(t) if is_core(&t, "str") => Tok::Scalar(Scalar::Str(Cow::Owned(s))),
                Some(t) => Tok::Unsupported(format!(
                    "YAML tag {} is not supported: expected a value without a tag (or !!str)",
                    tag_name(&t)
                )),
                None if style == TScalarStyle::Plain => Tok::Scalar(resolve_plain(s)),
                None => Tok::Scalar(Scalar::Str(Cow::Owned(s))),
            },
            Event::MappingStart(_, tag) => {
                if let Some(t) = tag.filter(|t| !is_core(t, "map")) {
                    self.skip_events()?;
                    return Ok((
                        Tok::Unsupported(format!(
                            "YAML tag {} is not supported: expected an untagged object",
                            tag_name(&t)
                        )),
                        at,
                    ));
                }
                return Ok((Tok::Map, self.mapping_pos(&mark)?));
            }
            Event::SequenceStart(_, tag) => {
                if let Some(t) = tag.filter(|t| !is_core(t, "seq")) {
                    self.skip_events()?;
                    return Ok((
                        Tok::Unsupported(format!(
                            "YAML tag {} is not supported: expected an untagged list",
                            tag_name(&t)
                        )),
                        at,
                    ));
                }
                Tok::Seq
            }
            Event::Alias(_) => Tok::Unsupported(
                "YAML aliases are not supported: write the value out in full".to_string(),
            ),
            other => return Err(Fatal::new(at, format!("unexpected YAML event {other:?}"))),
        };
        Ok((tok, at))
    }

    fn key(&mut self) -> Result<Option<(Cow<'a, str>, Pos)>, Fatal> {
        let (event, mark) = self.next()?;
        match event {
            Event::Scalar(s, ..) => Ok(Some((Cow::Owned(s), pos(&mark)))),
            Event::MappingEnd => Ok(None),
            Event::Alias(_) => Err(Fatal::new(
                pos(&mark),
                "YAML alias as a key is not supported: expected a plain key",
            )),
            Event::MappingStart(..) | Event::SequenceStart(..) => Err(Fatal::new(
                pos(&mark),
                "complex YAML key (an object or list) is not supported: expected a plain key",
            )),
            other => Err(Fatal::new(
                pos(&mark),
                format!("unexpected YAML event {other:?}"),
            )),
        }
    }

    fn item(&mut self) -> Result<bool, Fatal> {
        let (event, _) = self.parser.peek().map_err(scan_error)?;
        if *event == Event::SequenceEnd {
            self.next()?;
            return Ok(false);
        }
        Ok(true)
    }

    fn finish(&mut self) -> Result<(), Fatal> {
        if self.empty {
            return Ok(());
        }
        loop {
            let (event, mark) = self.next()?;
            match event {
                Event::DocumentEnd => {}
                Event::StreamEnd => return Ok(()),
                Event::DocumentStart => {
                    return Err(Fatal::new(
                        pos(&mark),
                        "a second YAML document: expected exactly one document (remove the extra \"---\")",
                    ));
                }
                other => {
                    return Err(Fatal::new(
                        pos(&mark),
                        format!("unexpected YAML event {other:?}"),
                    ));
                }
            }
        }
    }

    fn skip_container(&mut self, _is_map: bool) -> Result<(), Fatal> {
        self.skip_events()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(s: &str) -> String {
        match resolve_plain(s.to_string()) {
            Scalar::Null => "null".into(),
            Scalar::Bool(b) => format!("bool {b}"),
            Scalar::Number { value, .. } => format!("number {value}"),
            Scalar::Str(s) => format!("string {s}"),
        }
    }

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        let cases = [
            ("", "null"),
            ("~", "null"),
            ("null", "null"),
            ("NULL", "null"),
            ("nULL", "string nULL"),
            ("true", "bool true"),
            ("False", "bool false"),
            ("yes", "string yes"),
            ("NO", "string NO"),
            ("on", "string on"),
            ("48", "number 48"),
            ("-3", "number -3"),
            ("+7", "number 7"),
            ("99.95", "number 99.95"),
            ("1.", "number 1"),
            (".5", "number 0.5"),
            ("1e3", "number 1000"),
            ("0o17", "number 15"),
            ("0x1F", "number 31"),
            ("1_000", "string 1_000"),
            ("0b101", "string 0b101"),
            (".", "string ."),
            ("-", "string -"),
            ("1e", "string 1e"),
            ("2025-01-05", "string 2025-01-05"),
            (".inf", "number inf"),
            ("-.Inf", "number -inf"),
            (".nan", "number NaN"),
        ];
        for (plain, want) in cases {
            assert_eq!(resolved(plain), want, "{plain:?}");
        }
    }
}
