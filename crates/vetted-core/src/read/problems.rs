//! Problems as the decoder finds them (positions still raw) and their conversion to the public
//! [`Problem`]s, sorted by position, with line and column computed in one pass over the text.

use super::Problem;
use super::source::Pos;

/// A reference to an earlier place, appended to a message once positions are resolved.
#[derive(Clone, Debug)]
pub(crate) enum Earlier {
    /// ` (first at line L, column C)`.
    At(Pos),
    /// ` (first at suppliers[I], line L)`.
    Supplier { path: String, at: Pos },
}

/// A problem before its positions are turned into lines and columns.
#[derive(Clone, Debug)]
pub(crate) struct RawProblem {
    pub at: Pos,
    pub path: String,
    pub message: String,
    pub earlier: Option<Earlier>,
}

/// Turns byte offsets into 1-based lines and columns (in characters), for offsets given in
/// ascending order: one pass over the text however many problems there are.
struct LineCounter<'t> {
    text: &'t str,
    offset: usize,
    line: usize,
    column: usize,
}

impl LineCounter<'_> {
    fn advance(&mut self, to: usize) -> (usize, usize) {
        let mut to = to.min(self.text.len());
        while !self.text.is_char_boundary(to) {
            to -= 1;
        }
        if to > self.offset {
            let span = &self.text[self.offset..to];
            match span.rfind('\n') {
                Some(last) => {
                    self.line += span.bytes().filter(|b| *b == b'\n').count();
                    self.column = span[last + 1..].chars().count() + 1;
                }
                None => self.column += span.chars().count(),
            }
            self.offset = to;
        }
        (self.line, self.column)
    }
}

/// Sorts the problems by position and resolves their positions against `text`.
pub(crate) fn resolve(text: &str, mut raw: Vec<RawProblem>) -> Vec<Problem> {
    raw.sort_by_key(|p| p.at);
    // Every byte offset that needs a line and column, ascending.
    let mut offsets: Vec<usize> = Vec::new();
    for p in &raw {
        if let Pos::Offset(o) = p.at {
            offsets.push(o);
        }
        if let Some(
            Earlier::At(Pos::Offset(o))
            | Earlier::Supplier {
                at: Pos::Offset(o), ..
            },
        ) = p.earlier
        {
            offsets.push(o);
        }
    }
    offsets.sort_unstable();
    offsets.dedup();
    let mut counter = LineCounter {
        text,
        offset: 0,
        line: 1,
        column: 1,
    };
    let resolved: Vec<(usize, (usize, usize))> =
        offsets.iter().map(|&o| (o, counter.advance(o))).collect();
    let line_col = |pos: Pos| match pos {
        Pos::LineCol(l, c) => (l, c),
        Pos::Offset(o) => resolved
            .binary_search_by_key(&o, |(k, _)| *k)
            .map_or((0, 0), |i| resolved[i].1),
    };
    raw.into_iter()
        .map(|p| {
            let (line, column) = line_col(p.at);
            let message = match p.earlier {
                None => p.message,
                Some(Earlier::At(at)) => {
                    let (l, c) = line_col(at);
                    format!("{} (first at line {l}, column {c})", p.message)
                }
                Some(Earlier::Supplier { path, at }) => {
                    let (l, _) = line_col(at);
                    format!("{} (first at {path}, line {l})", p.message)
                }
            };
            Problem {
                path: p.path,
                line: Some(line),
                column: Some(column),
                message,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_resolve_like_line_col() {
        let text = "ab\néü\n\nxyz";
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|o| text.is_char_boundary(*o))
            .collect();
        let mut counter = LineCounter {
            text,
            offset: 0,
            line: 1,
            column: 1,
        };
        for o in offsets {
            assert_eq!(counter.advance(o), super::super::line_col(text, o), "{o}");
        }
    }
}
