//! A small streaming JSON (RFC 8259) reader with byte positions: it hands the decoder one value,
//! key or list item at a time and borrows strings from the input when they hold no escapes.
//!
//! `serde_json` is not used here because it loses positions and keeps the last of two equal keys
//! silently; duplicate keys are found by the decoder, which knows the fields.

use std::borrow::Cow;

use super::source::{Fatal, Pos, Scalar, Source, Tok};

/// A JSON document being read.
pub(crate) struct JsonSource<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// Set when an object or list has just opened: its first member needs no comma.
    first: bool,
}

impl<'a> JsonSource<'a> {
    pub(crate) fn new(text: &'a str) -> JsonSource<'a> {
        // RFC 8259 lets a reader ignore a byte order mark.
        let at = if text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        JsonSource {
            text,
            bytes: text.as_bytes(),
            at,
            first: false,
        }
    }

    fn fatal(at: usize, message: impl Into<String>) -> Fatal {
        Fatal::new(Pos::Offset(at), message)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// What stands at `at`, for "found …" in syntax errors.
    fn found(&self, at: usize) -> String {
        match self.text.get(at..).and_then(|rest| rest.chars().next()) {
            None => "the end of the document".to_string(),
            Some('\'') => "\"'\"".to_string(),
            Some(c) if c.is_control() => format!("U+{:04X}", u32::from(c)),
            Some(c) => format!("'{c}'"),
        }
    }

    /// The string whose opening quote is at `self.at`. Strings are most of a register's bytes,
    /// so the common case (no escapes) is a SIMD search for the closing quote and a borrow.
    fn string(&mut self) -> Result<Cow<'a, str>, Fatal> {
        let open = self.at;
        let start = open + 1;
        let (end, stop) = self.run(open, start)?;
        if stop == b'"' {
            self.at = end + 1;
            return Ok(Cow::Borrowed(&self.text[start..end]));
        }
        // Slow path: escapes.
        let mut out = String::with_capacity(end - start + 16);
        out.push_str(&self.text[start..end]);
        let mut i = self.escape(end, &mut out)?;
        loop {
            let (end, stop) = self.run(open, i)?;
            out.push_str(&self.text[i..end]);
            if stop == b'"' {
                self.at = end + 1;
                return Ok(Cow::Owned(out));
            }
            i = self.escape(end, &mut out)?;
        }
    }

    /// From `from` inside the string opened at `open`, the offset of the next `"` or `\\` and
    /// which one it is; an unescaped control character before it is an error.
    fn run(&self, open: usize, from: usize) -> Result<(usize, u8), Fatal> {
        let b = self.bytes;
        let mut i = from;
        // Eight bytes at a time while no byte needs a look.
        while let Some(chunk) = b.get(i..i + 8) {
            let word = u64::from_le_bytes([
                chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
            ]);
            let special = special_bytes(word);
            if special != 0 {
                i += (special.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        loop {
            match b.get(i) {
                Some(&c @ (b'"' | b'\\')) => return Ok((i, c)),
                Some(&c) if c < 0x20 => return Err(Self::control_char(i, c)),
                Some(_) => i += 1,
                None => return Err(Self::unterminated(open)),
            }
        }
    }

    fn unterminated(open: usize) -> Fatal {
        Self::fatal(open, "unterminated string: expected a closing \"")
    }

    fn control_char(at: usize, c: u8) -> Fatal {
        Self::fatal(
            at,
            format!(
                "unescaped control character U+{c:04X} in a string: expected an escape such as \\n or \\u{c:04X}"
            ),
        )
    }

    /// Decodes the escape at `at` (a backslash) into `out`; returns the offset after it.
    fn escape(&self, at: usize, out: &mut String) -> Result<usize, Fatal> {
        let c = match self.bytes.get(at + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4(at)?;
                if (0xDC00..0xE000).contains(&high) {
                    return Err(Self::fatal(
                        at,
                        format!(
                            "unpaired surrogate \\u{high:04X}: expected a high surrogate first"
                        ),
                    ));
                }
                if !(0xD800..0xDC00).contains(&high) {
                    out.push(char::from_u32(high).unwrap_or('\u{fffd}'));
                    return Ok(at + 6);
                }
                let low = if self.bytes.get(at + 6..at + 8) == Some(b"\\u") {
                    self.hex4(at + 6).ok()
                } else {
                    None
                };
                match low {
                    Some(low) if (0xDC00..0xE000).contains(&low) => {
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        return Ok(at + 12);
                    }
                    _ => {
                        return Err(Self::fatal(
                            at,
                            format!(
                                "unpaired surrogate \\u{high:04X}: expected a low surrogate \\uDC00–\\uDFFF after it"
                            ),
                        ));
                    }
                }
            }
            Some(_) => {
                let what = self
                    .text
                    .get(at..)
                    .and_then(|r| r.chars().nth(1))
                    .unwrap_or('?');
                return Err(Self::fatal(
                    at,
                    format!(
                        "invalid escape \"\\{what}\": expected \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX"
                    ),
                ));
            }
            None => {
                return Err(Self::fatal(
                    at,
                    "unterminated string: expected a closing \"",
                ));
            }
        };
        out.push(c);
        Ok(at + 2)
    }

    /// The four hex digits of the `\u` escape at `at`.
    fn hex4(&self, at: usize) -> Result<u32, Fatal> {
        let digits = self
            .bytes
            .get(at + 2..at + 6)
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit));
        let Some(digits) = digits else {
            return Err(Self::fatal(
                at,
                "invalid \\u escape: expected four hex digits",
            ));
        };
        Ok(digits.iter().fold(0, |acc, d| {
            acc * 16 + char::from(*d).to_digit(16).unwrap_or(0)
        }))
    }

    /// The word at `at` (letters, digits and number punctuation), for messages on bad values.
    fn word(&self, at: usize) -> &'a str {
        let end = self.bytes[at..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_')))
            .map_or(self.bytes.len(), |n| at + n);
        &self.text[at..end]
    }

    fn number(&mut self) -> Result<Scalar<'a>, Fatal> {
        let start = self.at;
        let b = self.bytes;
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let mut ok = match b.get(i) {
            Some(b'0') => {
                i += 1;
                true
            }
            Some(b'1'..=b'9') => {
                i = digits(i);
                true
            }
            _ => false,
        };
        if ok && b.get(i) == Some(&b'.') {
            let after = digits(i + 1);
            ok = after > i + 1;
            i = after;
        }
        if ok && matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let after = digits(i);
            ok = after > i;
            i = after;
        }
        if ok
            && b.get(i).is_some_and(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_')
            })
        {
            ok = false;
        }
        let raw = &self.text[start..i];
        match raw.parse::<f64>() {
            Ok(value) if ok => {
                self.at = i;
                Ok(Scalar::Number {
                    raw: Cow::Borrowed(raw),
                    value,
                })
            }
            _ => Err(Self::fatal(
                start,
                format!(
                    "invalid number {:?}: expected a JSON number such as 48 or 99.95",
                    self.word(start)
                ),
            )),
        }
    }

    fn literal(&mut self) -> Result<Scalar<'a>, Fatal> {
        let word = self.word(self.at);
        let scalar = match word {
            "true" => Scalar::Bool(true),
            "false" => Scalar::Bool(false),
            "null" => Scalar::Null,
            _ => return Err(self.not_a_value(self.at)),
        };
        self.at += word.len();
        Ok(scalar)
    }

    fn not_a_value(&self, at: usize) -> Fatal {
        let word = self.word(at);
        let found = if word.is_empty() {
            self.found(at)
        } else {
            format!("{word:?}")
        };
        let hint = match self.bytes.get(at) {
            Some(b'\'') => " (JSON strings use double quotes)",
            _ if word.eq_ignore_ascii_case("true")
                || word.eq_ignore_ascii_case("false")
                || word.eq_ignore_ascii_case("null") =>
            {
                " (JSON literals are lower case)"
            }
            _ => "",
        };
        Self::fatal(
            at,
            format!(
                "expected a value (string, number, object, list, true, false or null), found {found}{hint}"
            ),
        )
    }
}

/// A word with the high bit set in each byte that is `"`, `\\` or a control character (SWAR:
/// the classic "has zero byte" and "has byte less than" tricks). Bits above the first special
/// byte may be spurious, so only the lowest one counts.
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let quote = has_zero(word ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

impl<'a> Source<'a> for JsonSource<'a> {
    fn value(&mut self) -> Result<(Tok<'a>, Pos), Fatal> {
        self.skip_ws();
        let at = self.at;
        let tok = match self.bytes.get(at) {
            Some(b'{') => {
                self.at += 1;
                self.first = true;
                Tok::Map
            }
            Some(b'[') => {
                self.at += 1;
                self.first = true;
                Tok::Seq
            }
            Some(b'"') => Tok::Scalar(Scalar::Str(self.string()?)),
            Some(b'-' | b'0'..=b'9') => Tok::Scalar(self.number()?),
            Some(b't' | b'f' | b'n') => Tok::Scalar(self.literal()?),
            _ => return Err(self.not_a_value(at)),
        };
        Ok((tok, Pos::Offset(at)))
    }

    fn key(&mut self) -> Result<Option<(Cow<'a, str>, Pos)>, Fatal> {
        self.skip_ws();
        if self.first {
            self.first = false;
            if self.bytes.get(self.at) == Some(&b'}') {
                self.at += 1;
                return Ok(None);
            }
        } else {
            match self.bytes.get(self.at) {
                Some(b',') => {
                    self.at += 1;
                    self.skip_ws();
                    if self.bytes.get(self.at) == Some(&b'}') {
                        return Err(Self::fatal(
                            self.at,
                            "expected a key after \",\" (JSON allows no trailing comma)",
                        ));
                    }
                }
                Some(b'}') => {
                    self.at += 1;
                    return Ok(None);
                }
                _ => {
                    return Err(Self::fatal(
                        self.at,
                        format!(
                            "expected \",\" or \"}}\" after object member, found {}",
                            self.found(self.at)
                        ),
                    ));
                }
            }
        }
        let at = self.at;
        if self.bytes.get(at) != Some(&b'"') {
            return Err(Self::fatal(
                at,
                format!("expected a key in double quotes, found {}", self.found(at)),
            ));
        }
        let key = self.string()?;
        self.skip_ws();
        if self.bytes.get(self.at) != Some(&b':') {
            return Err(Self::fatal(
                self.at,
                format!(
                    "expected \":\" after object key, found {}",
                    self.found(self.at)
                ),
            ));
        }
        self.at += 1;
        Ok(Some((key, Pos::Offset(at))))
    }

    fn item(&mut self) -> Result<bool, Fatal> {
        self.skip_ws();
        if self.first {
            self.first = false;
            if self.bytes.get(self.at) == Some(&b']') {
                self.at += 1;
                return Ok(false);
            }
            return Ok(true);
        }
        match self.bytes.get(self.at) {
            Some(b',') => {
                self.at += 1;
                self.skip_ws();
                if self.bytes.get(self.at) == Some(&b']') {
                    return Err(Self::fatal(
                        self.at,
                        "expected a value after \",\" (JSON allows no trailing comma)",
                    ));
                }
                Ok(true)
            }
            Some(b']') => {
                self.at += 1;
                Ok(false)
            }
            _ => Err(Self::fatal(
                self.at,
                format!(
                    "expected \",\" or \"]\" after list item, found {}",
                    self.found(self.at)
                ),
            )),
        }
    }

    fn text_and_offset(&self) -> Option<(&'a str, usize)> {
        Some((self.text, self.at))
    }

    fn fork(&self, offset: usize) -> Option<Self> {
        Some(JsonSource {
            text: self.text,
            bytes: self.bytes,
            at: offset,
            first: false,
        })
    }

    fn seek(&mut self, offset: usize) {
        self.at = offset;
        self.first = false;
    }

    fn finish(&mut self) -> Result<(), Fatal> {
        self.skip_ws();
        if self.at < self.bytes.len() {
            return Err(Self::fatal(
                self.at,
                format!(
                    "unexpected {} after the document: expected the end of the text",
                    self.found(self.at)
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str) -> Result<Scalar<'_>, Fatal> {
        let mut s = JsonSource::new(text);
        match s.value()?.0 {
            Tok::Scalar(v) => {
                s.finish()?;
                Ok(v)
            }
            other => panic!("not a scalar: {other:?}"),
        }
    }

    fn string(text: &str) -> String {
        match scalar(text) {
            Ok(Scalar::Str(s)) => s.into_owned(),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn error(text: &str) -> (usize, String) {
        let mut s = JsonSource::new(text);
        let r = s.value().and_then(|(tok, _)| match tok {
            Tok::Map => s.skip_container(true),
            Tok::Seq => s.skip_container(false),
            _ => Ok(()),
        });
        let e = r.and_then(|()| s.finish()).expect_err(text);
        let Pos::Offset(at) = e.pos else {
            panic!("not an offset")
        };
        (at, e.message)
    }

    #[test]
    fn strings_unescape() {
        assert_eq!(string(r#""plain""#), "plain");
        assert_eq!(
            string(r#""a\"b\\c\/d\b\f\n\r\t""#),
            "a\"b\\c/d\u{8}\u{c}\n\r\t"
        );
        assert_eq!(string(r#""\u00e9\uD83D\uDE00x""#), "é😀x");
        assert_eq!(string("\"é ü\""), "é ü");
        assert!(matches!(
            scalar(r#""no escapes""#),
            Ok(Scalar::Str(Cow::Borrowed(_)))
        ));
    }

    #[test]
    fn numbers_follow_the_grammar() {
        for (text, want) in [
            ("0", 0.0),
            ("-0", 0.0),
            ("48", 48.0),
            ("99.95", 99.95),
            ("1e3", 1000.0),
            ("2.5E-1", 0.25),
        ] {
            match scalar(text) {
                Ok(Scalar::Number { value, raw }) => {
                    assert!((value - want).abs() < f64::EPSILON, "{text}");
                    assert_eq!(raw, text);
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        for bad in [
            "01", "1.", ".5", "-", "1e", "+1", "0x10", "1.5.2", "NaN", "Infinity",
        ] {
            assert!(scalar(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn syntax_errors_say_what_was_expected() {
        let cases = [
            (
                r#"{"a": 1 "b": 2}"#,
                8,
                r#"expected "," or "}" after object member, found '"'"#,
            ),
            (
                r"[1 2]",
                3,
                r#"expected "," or "]" after list item, found '2'"#,
            ),
            (
                r#"{"a" 1}"#,
                5,
                r#"expected ":" after object key, found '1'"#,
            ),
            (r"{a: 1}", 1, r"expected a key in double quotes, found 'a'"),
            (
                r#"{"a": 1,}"#,
                8,
                r#"expected a key after "," (JSON allows no trailing comma)"#,
            ),
            (
                r"[1,]",
                3,
                r#"expected a value after "," (JSON allows no trailing comma)"#,
            ),
            (
                r#"{"a": 'x'}"#,
                6,
                "expected a value (string, number, object, list, true, false or null), found \"'\" (JSON strings use double quotes)",
            ),
            (
                r#"{"a": True}"#,
                6,
                r#"expected a value (string, number, object, list, true, false or null), found "True" (JSON literals are lower case)"#,
            ),
            (
                "",
                0,
                "expected a value (string, number, object, list, true, false or null), found the end of the document",
            ),
            (
                r#"{"a": "x"#,
                6,
                r#"unterminated string: expected a closing ""#,
            ),
            (
                "\"a\nb\"",
                2,
                r"unescaped control character U+000A in a string: expected an escape such as \n or \u000A",
            ),
            (
                r#""\x""#,
                1,
                r#"invalid escape "\x": expected \", \\, \/, \b, \f, \n, \r, \t or \uXXXX"#,
            ),
            (
                r#""\u12""#,
                1,
                r"invalid \u escape: expected four hex digits",
            ),
            (
                r#""\uD800x""#,
                1,
                r"unpaired surrogate \uD800: expected a low surrogate \uDC00–\uDFFF after it",
            ),
            (
                r#""\uDC00""#,
                1,
                r"unpaired surrogate \uDC00: expected a high surrogate first",
            ),
            (
                "{} {}",
                3,
                r"unexpected '{' after the document: expected the end of the text",
            ),
            (
                "[1",
                2,
                r#"expected "," or "]" after list item, found the end of the document"#,
            ),
            (
                "01",
                0,
                r#"invalid number "01": expected a JSON number such as 48 or 99.95"#,
            ),
        ];
        for (text, at, message) in cases {
            assert_eq!(error(text), (at, message.to_string()), "{text}");
        }
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        assert_eq!(string("\u{feff}\"x\""), "x");
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let mut s = JsonSource::new(&deep);
        assert!(matches!(s.value(), Ok((Tok::Seq, _))));
        assert!(s.skip_container(false).is_ok());
        assert!(s.finish().is_ok());
    }
}
