//! A fast path for the YAML manifests are written in: block mappings and sequences,
//! one-line flow collections, one-line plain and quoted scalars, comments, documents
//! separated by `---`.
//!
//! Parsing YAML was four fifths of the cost of loading a fleet's manifests (the full
//! parser builds every node through serde with two locations each). This parser reads
//! that common subset directly into [`Node`]s. It is deliberately narrow: it returns
//! `None` — and the full parser (serde-saphyr, with its budgets and its error
//! messages) reads the file instead — for anything outside the subset or in doubt:
//! anchors, aliases, tags, block scalars, multi-line scalars or flows, empty values,
//! duplicate keys, tabs, carriage returns, directives, and every plain scalar whose
//! type is not plainly a decimal integer, a decimal fraction, `true`, `false`, `null`
//! or a string (so `yes`, `0x1F`, `1e3`, `.inf`, `007` go to the full parser). Within
//! the subset its result equals the full parser's, values and line:column alike; the
//! tests below check that on every manifest of the repository and on generated ones.

use super::{Key, MAX_DEPTH, MAX_DOCUMENTS, MAX_NODES, Mark, Node, NodeValue};

/// Parses `text` if it is within the subset; `None` means "use the full parser".
pub fn parse(text: &str) -> Option<Vec<Node>> {
    if text.starts_with('\u{feff}') || text.contains(['\t', '\r']) {
        return None;
    }
    let lines = significant_lines(text);
    let mut groups: Vec<&[Line]> = Vec::new();
    let mut start = 0;
    for (i, line) in lines.iter().enumerate() {
        let content = &text[line.start + line.indent..line.end];
        if line.indent == 0 && is_marker(content, "---") {
            groups.push(&lines[start..i]);
            start = i + 1;
        } else if line.indent == 0 && (is_marker(content, "...") || content.starts_with('%')) {
            return None;
        }
    }
    groups.push(&lines[start..]);
    // Nothing before the first `---` is no document; an empty one elsewhere is.
    if groups.first().is_some_and(|g| g.is_empty()) {
        groups.remove(0);
    }
    if groups.is_empty() || groups.len() > MAX_DOCUMENTS {
        return None;
    }
    let mut nodes = 0;
    let mut docs = Vec::with_capacity(groups.len());
    for group in groups {
        let first = group.first()?;
        if first.indent != 0 {
            return None;
        }
        let mut parser = Parser {
            text,
            lines: group,
            pos: 0,
            col: first.start,
            nodes,
        };
        let doc = parser.block(0)?;
        if parser.pos != group.len() {
            return None;
        }
        nodes = parser.nodes;
        docs.push(doc);
    }
    Some(docs)
}

/// A line holding something other than spaces and a comment.
struct Line {
    /// Byte offset of the line's first character.
    start: usize,
    /// Leading spaces.
    indent: usize,
    /// Byte offset just past the line's last character (before `\n`).
    end: usize,
    /// 1-based.
    number: u64,
}

fn significant_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1);
    let mut start = 0;
    for (number, raw) in text.split('\n').enumerate() {
        let end = start + raw.len();
        let indent = raw.bytes().take_while(|&b| b == b' ').count();
        let rest = &raw[indent..];
        if !rest.is_empty() && !rest.starts_with('#') {
            lines.push(Line {
                start,
                indent,
                end,
                number: number as u64 + 1,
            });
        }
        start = end + 1;
    }
    lines
}

/// `---` or `...` alone, or followed by a comment.
fn is_marker(content: &str, marker: &str) -> bool {
    content.strip_prefix(marker).is_some_and(|rest| {
        rest.is_empty() || rest.trim_start_matches(' ').starts_with('#') && rest.starts_with(' ')
    })
}

struct Parser<'t> {
    text: &'t str,
    lines: &'t [Line],
    /// The current line.
    pos: usize,
    /// Byte offset where parsing resumes in the current line (past a `- `).
    col: usize,
    nodes: usize,
}

impl<'t> Parser<'t> {
    fn line(&self) -> Option<&'t Line> {
        self.lines.get(self.pos)
    }

    /// The rest of the current line from byte offset `at`.
    fn rest(&self, at: usize) -> &'t str {
        let line = &self.lines[self.pos];
        &self.text[at..line.end]
    }

    fn mark(&mut self, at: usize, len: Option<usize>) -> Option<Mark> {
        self.nodes += 1;
        if self.nodes > MAX_NODES / 2 {
            return None;
        }
        let line = &self.lines[self.pos];
        let before = &self.text[line.start..at];
        let column = if before.is_ascii() {
            before.len()
        } else {
            before.chars().count()
        };
        Some(Mark {
            line: line.number,
            column: column as u64 + 1,
            byte_offset: len.map(|_| at as u64),
            byte_len: len.map(|l| l as u64),
        })
    }

    /// Moves to the next line.
    fn next_line(&mut self) {
        self.pos += 1;
        if let Some(line) = self.lines.get(self.pos) {
            self.col = line.start + line.indent;
        }
    }

    /// The indentation (in bytes from the line start) of where parsing resumes.
    fn indent_here(&self) -> usize {
        self.col - self.lines[self.pos].start
    }

    /// A block node starting at the current position.
    fn block(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH / 2 {
            return None;
        }
        let rest = self.rest(self.col);
        if is_dash(rest) {
            self.sequence(depth, false)
        } else if key_len(rest).is_some() {
            self.mapping(depth)
        } else {
            None
        }
    }

    fn mapping(&mut self, depth: usize) -> Option<Node> {
        let indent = self.indent_here();
        let mark = self.mark(self.col, None)?;
        let mut entries: Vec<(Key, Node)> = Vec::new();
        loop {
            let rest = self.rest(self.col);
            let len = key_len(rest)?;
            let name = &rest[..len];
            if !plain_key(name) || entries.iter().any(|(k, _)| k.value == name) {
                return None;
            }
            let key = Key {
                value: super::key_name(name),
                referenced: self.mark(self.col, Some(len))?,
            };
            // Past `key:` and the spaces after it.
            let after = self.col + len + 1;
            let value_at = after + spaces(self.rest(after));
            let value = if ends_here(self.rest(value_at)) {
                self.next_line();
                let line = self.line()?;
                if line.indent > indent {
                    self.block(depth + 1)?
                } else if line.indent == indent && is_dash(self.rest(self.col)) {
                    self.sequence(depth + 1, true)?
                } else {
                    return None; // an empty value
                }
            } else {
                let value = self.inline(value_at, depth + 1)?;
                self.next_line();
                value
            };
            entries.push((key, value));
            match self.line() {
                None => break,
                Some(line) if line.indent < indent => break,
                Some(line) if line.indent == indent && !is_dash(self.rest(self.col)) => {}
                Some(_) => return None,
            }
        }
        Some(Node {
            value: NodeValue::Map(entries),
            referenced: mark,
        })
    }

    /// A block sequence; `indentless` when it sits at its key's indentation, which the
    /// full parser locates at its first item rather than at its first `-`.
    fn sequence(&mut self, depth: usize, indentless: bool) -> Option<Node> {
        let indent = self.indent_here();
        let mut mark = self.mark(self.col, None)?;
        let mut items = Vec::new();
        loop {
            let after = self.col + 1;
            let item_at = after + spaces(self.rest(after));
            let rest = self.rest(item_at);
            let item = if ends_here(rest) {
                self.next_line();
                match self.line() {
                    Some(line) if line.indent > indent => self.block(depth + 1)?,
                    _ => return None, // an empty item
                }
            } else if is_dash(rest) {
                return None; // `- - x`
            } else if key_len(rest).is_some() {
                self.col = item_at;
                self.mapping(depth + 1)?
            } else {
                let value = self.inline(item_at, depth + 1)?;
                self.next_line();
                value
            };
            items.push(item);
            match self.line() {
                None => break,
                Some(line) if line.indent < indent => break,
                Some(line) if line.indent == indent => {
                    if !is_dash(self.rest(self.col)) {
                        break; // a sequence at its key's indentation has ended
                    }
                }
                Some(_) => return None,
            }
        }
        if indentless {
            let first = items.first()?.referenced;
            (mark.line, mark.column) = (first.line, first.column);
        }
        Some(Node {
            value: NodeValue::Seq(items),
            referenced: mark,
        })
    }

    /// A value that ends the current line: a flow collection or a scalar.
    fn inline(&mut self, at: usize, depth: usize) -> Option<Node> {
        let (node, end) = match self.text.as_bytes().get(at)? {
            b'[' | b'{' => self.flow(at, depth)?,
            b'"' | b'\'' => self.quoted(at)?,
            _ => {
                let rest = self.rest(at);
                let len = comment_start(rest);
                let raw = rest[..len].trim_end_matches(' ');
                let value = plain(raw, false)?;
                (
                    Node {
                        value,
                        referenced: self.mark(at, Some(raw.len()))?,
                    },
                    at + len,
                )
            }
        };
        ends_here(self.rest(end)).then_some(node)
    }

    /// A one-line flow collection at `at`; returns it and the offset past it.
    fn flow(&mut self, at: usize, depth: usize) -> Option<(Node, usize)> {
        if depth > MAX_DEPTH / 2 {
            return None;
        }
        let bytes = self.text.as_bytes();
        let end = self.lines[self.pos].end;
        let mark = self.mark(at, None)?;
        let map = bytes[at] == b'{';
        let close = if map { b'}' } else { b']' };
        let mut i = at + 1;
        i += spaces(&self.text[i..end]);
        let mut items = Vec::new();
        let mut entries: Vec<(Key, Node)> = Vec::new();
        if bytes.get(i) == Some(&close) {
            i += 1;
        } else {
            loop {
                if map {
                    let len = key_len(&self.text[i..end])?;
                    let name = &self.text[i..i + len];
                    if !plain_key(name) || entries.iter().any(|(k, _)| k.value == name) {
                        return None;
                    }
                    let key = Key {
                        value: super::key_name(name),
                        referenced: self.mark(i, Some(len))?,
                    };
                    i += len + 1;
                    i += spaces(&self.text[i..end]);
                    let (value, next) = self.flow_value(i, end, depth + 1)?;
                    entries.push((key, value));
                    i = next;
                } else {
                    let (value, next) = self.flow_value(i, end, depth + 1)?;
                    items.push(value);
                    i = next;
                }
                i += spaces(&self.text[i..end]);
                match bytes.get(i) {
                    Some(b',') if i < end => {
                        i += 1;
                        i += spaces(&self.text[i..end]);
                        if matches!(bytes.get(i), Some(b']' | b'}')) {
                            return None; // a trailing comma
                        }
                    }
                    Some(&b) if b == close && i < end => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let value = if map {
            NodeValue::Map(entries)
        } else {
            NodeValue::Seq(items)
        };
        Some((
            Node {
                value,
                referenced: mark,
            },
            i,
        ))
    }

    fn flow_value(&mut self, at: usize, end: usize, depth: usize) -> Option<(Node, usize)> {
        match self.text.as_bytes().get(at) {
            Some(b'[' | b'{') if at < end => self.flow(at, depth),
            Some(b'"' | b'\'') if at < end => self.quoted(at),
            _ => {
                let rest = &self.text[at..end];
                let len = rest.find([',', ']', '}']).unwrap_or(rest.len());
                let raw = rest[..len].trim_end_matches(' ');
                let value = plain(raw, true)?;
                let mark = self.mark(at, Some(raw.len()))?;
                Some((
                    Node {
                        value,
                        referenced: mark,
                    },
                    at + len,
                ))
            }
        }
    }

    /// A quoted scalar that closes on this line; returns it and the offset past it.
    fn quoted(&mut self, at: usize) -> Option<(Node, usize)> {
        let end = self.lines[self.pos].end;
        let quote = self.text.as_bytes()[at];
        let body = &self.text[at + 1..end];
        let mut value = String::new();
        let mut chars = body.char_indices();
        let close = loop {
            let (i, c) = chars.next()?;
            match (quote, c) {
                (b'\'', '\'') => {
                    if body[i + 1..].starts_with('\'') {
                        chars.next();
                        value.push('\'');
                    } else {
                        break i;
                    }
                }
                (b'"', '"') => break i,
                (b'"', '\\') => {
                    let (_, escaped) = chars.next()?;
                    value.push(match escaped {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        '\\' => '\\',
                        '"' => '"',
                        '/' => '/',
                        _ => return None,
                    });
                }
                _ if c.is_control() => return None,
                _ => value.push(c),
            }
        };
        let past = at + 1 + close + 1;
        let mark = self.mark(at, Some(past - at))?;
        Some((
            Node {
                value: NodeValue::Str(value),
                referenced: mark,
            },
            past,
        ))
    }
}

/// Where a comment (` #`) starts in `rest`, or its length.
fn comment_start(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    (1..bytes.len())
        .find(|&i| bytes[i] == b'#' && bytes[i - 1] == b' ')
        .map(|i| i - 1)
        .unwrap_or(bytes.len())
}

/// `-` followed by a space or the end of the line: a block sequence entry.
fn is_dash(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

/// Nothing but spaces and maybe a comment (after at least one space) is left.
fn ends_here(rest: &str) -> bool {
    let trimmed = rest.trim_start_matches(' ');
    trimmed.is_empty() || (trimmed.starts_with('#') && trimmed.len() < rest.len())
}

fn spaces(rest: &str) -> usize {
    rest.bytes().take_while(|&b| b == b' ').count()
}

/// The length of a plain mapping key at the start of `rest` (letters, digits, `_`,
/// `-`, `.`, `/`, starting with a letter or `_`), if a `:` and a space or the end of
/// the line follow it.
fn key_len(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() && bytes[0] != b'_' {
        return None;
    }
    let len = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
        .count();
    match bytes.get(len) {
        Some(b':') if matches!(bytes.get(len + 1), None | Some(b' ')) => Some(len),
        _ => None,
    }
}

/// A key that is plainly a string (not `true`, `null`, `yes`...).
fn plain_key(name: &str) -> bool {
    matches!(plain(name, true), Some(NodeValue::Str(_)))
}

/// The value of a plain scalar, when its type is beyond doubt.
fn plain(raw: &str, in_flow: bool) -> Option<NodeValue> {
    let bytes = raw.as_bytes();
    let first = *bytes.first()?;
    let doubtful = |b: &u8| match b {
        b'#' | b':' | b'"' | b'\'' | b'\\' => true,
        b'[' | b']' | b'{' | b'}' | b',' => in_flow,
        _ => !b.is_ascii() || b.is_ascii_control(),
    };
    if bytes.iter().any(doubtful) {
        return None;
    }
    if first.is_ascii_digit() || first == b'-' {
        return number(raw);
    }
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'/') {
        return None;
    }
    match raw {
        "true" => return Some(NodeValue::Bool(true)),
        "false" => return Some(NodeValue::Bool(false)),
        "null" => return Some(NodeValue::Null),
        _ => {}
    }
    const DOUBTFUL: [&str; 12] = [
        "true", "false", "null", "y", "n", "yes", "no", "on", "off", "nan", "inf", "infinity",
    ];
    if raw.len() <= 8 && DOUBTFUL.iter().any(|w| w.eq_ignore_ascii_case(raw)) {
        return None;
    }
    Some(NodeValue::Str(raw.to_owned()))
}

/// `-?(0|[1-9][0-9]*)` as an integer, `-?(0|[1-9][0-9]*)\.[0-9]+` as a float, digits
/// and two or more dots (an IPv4 address) as a string; anything else is in doubt.
fn number(raw: &str) -> Option<NodeValue> {
    let unsigned = raw.strip_prefix('-').unwrap_or(raw);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    match fraction {
        None if raw == "-0" => None,
        None => {
            let v: i128 = raw.parse().ok()?;
            (i64::try_from(v).is_ok() || u64::try_from(v).is_ok()).then_some(NodeValue::Int(v))
        }
        Some(f) if digits(f) => raw.parse().ok().map(NodeValue::Float),
        Some(f)
            if !raw.starts_with('-') && f.split('.').count() >= 2 && f.split('.').all(digits) =>
        {
            Some(NodeValue::Str(raw.to_owned()))
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests;
