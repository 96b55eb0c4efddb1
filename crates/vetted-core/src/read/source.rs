//! The pull interface between a syntax ([`super::json`], [`super::yaml`]) and the typed decoder
//! ([`super::decode`]): the decoder asks for one value, key or list item at a time, so a large
//! document is never held as a tree.

use std::borrow::Cow;

/// Where something is in the document. JSON positions are byte offsets, turned into line and
/// column once, for the problems only ([`super::problems`]); YAML positions come from the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Pos {
    Offset(usize),
    /// 1-based line and column (in characters).
    LineCol(usize, usize),
}

/// A scalar value, already typed by its syntax (YAML 1.2 core schema for plain YAML scalars).
#[derive(Debug)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    /// `raw` is the number as written, for messages.
    Number {
        raw: Cow<'a, str>,
        value: f64,
    },
    Str(Cow<'a, str>),
}

/// The start of one value.
#[derive(Debug)]
pub(crate) enum Tok<'a> {
    Scalar(Scalar<'a>),
    /// An object starts: read its members with [`Source::key`] and [`Source::value`], or skip it.
    Map,
    /// A list starts: read its items with [`Source::item`] and [`Source::value`], or skip it.
    Seq,
    /// A value the syntax allows but the reader does not support (a YAML alias or tag). The
    /// source has consumed it; the message says what to write instead.
    Unsupported(String),
}

/// A syntax error: reading stops here.
#[derive(Debug)]
pub(crate) struct Fatal {
    pub pos: Pos,
    /// The path of the innermost value being read, filled in by the decoder.
    pub path: Option<String>,
    pub message: String,
}

impl Fatal {
    pub(crate) fn new(pos: Pos, message: impl Into<String>) -> Fatal {
        Fatal {
            pos,
            path: None,
            message: message.into(),
        }
    }
}

/// A document read one value at a time.
pub(crate) trait Source<'a> {
    /// The start of the next value (after a key, at a list item, or the root).
    fn value(&mut self) -> Result<(Tok<'a>, Pos), Fatal>;

    /// Inside an object: the next key and its position, or `None` at the object's end.
    fn key(&mut self) -> Result<Option<(Cow<'a, str>, Pos)>, Fatal>;

    /// Inside a list: whether another item follows (then read it with [`Source::value`]).
    fn item(&mut self) -> Result<bool, Fatal>;

    /// After the root value: the document must end here.
    fn finish(&mut self) -> Result<(), Fatal>;

    /// Skips the rest of an object (`is_map`) or list whose start [`Source::value`] returned,
    /// still checking its syntax. Iterative, so deep nesting cannot overflow the stack.
    fn skip_container(&mut self, is_map: bool) -> Result<(), Fatal> {
        let mut open = vec![is_map];
        while let Some(&map) = open.last() {
            let more = if map {
                self.key()?.is_some()
            } else {
                self.item()?
            };
            if !more {
                open.pop();
                continue;
            }
            match self.value()?.0 {
                Tok::Map => open.push(true),
                Tok::Seq => open.push(false),
                Tok::Scalar(_) | Tok::Unsupported(_) => {}
            }
        }
        Ok(())
    }

    /// The whole text and the byte offset reached, when the source can also be read from
    /// elsewhere ([`Source::fork`]); JSON can, YAML cannot.
    fn text_and_offset(&self) -> Option<(&'a str, usize)> {
        None
    }

    /// A second source over the same text that starts at `offset`, where a list item starts
    /// (not the list's first). Used to read the second half of the suppliers on another thread.
    fn fork(&self, _offset: usize) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }

    /// Continues at `offset`, just after the end of a list that a fork has read.
    fn seek(&mut self, _offset: usize) {}

    /// Skips one whole value.
    fn skip_value(&mut self) -> Result<(), Fatal> {
        match self.value()?.0 {
            Tok::Map => self.skip_container(true),
            Tok::Seq => self.skip_container(false),
            Tok::Scalar(_) | Tok::Unsupported(_) => Ok(()),
        }
    }
}
