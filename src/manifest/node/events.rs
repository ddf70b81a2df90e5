//! Nodes built straight from the YAML event parser that serde-saphyr itself runs on
//! (granit-parser), without a serde round trip.
//!
//! Reading manifests through serde builds every node through `Spanned<T>`, with two
//! locations each: most of the cost of loading a fleet. This builder walks the same
//! parser's events and makes each [`Node`] from its event and span, so values and
//! locations are the parser's own, in every YAML style (block, flow, quoted, block
//! scalars, multi-line plain scalars, comments anywhere).
//!
//! It reads what it can read exactly as serde-saphyr would and returns `None` — and
//! serde-saphyr reads the file instead, with its budgets and its error messages — for
//! everything else: syntax errors, anchors and aliases, tags, directives, merge keys,
//! duplicate keys, complex keys, empty values, and every plain scalar whose type is not
//! plainly a decimal integer, a decimal fraction, `true`, `false`, `null` or a string
//! (so `yes`, `True`, `0x1F`, `1e3`, `.inf`, `007`, `~` go to serde-saphyr). Budgets are
//! checked at half of serde-saphyr's, so a file near a limit is left to it too.

use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle, Span, StrInput};

use super::{Key, MAX_DEPTH, MAX_DOCUMENTS, MAX_NODES, Mark, Node, NodeValue};

/// Events one file may produce here (serde-saphyr's default budget allows a million).
const MAX_EVENTS: usize = 1_000_000 / 2;
/// Bytes of scalar text one file may hold here (serde-saphyr's budget allows 64 MiB).
const MAX_SCALAR_BYTES: usize = 64 * 1024 * 1024 / 2;

/// Parses every document of `text`; `None` means "let serde-saphyr read it".
pub fn parse(text: &str) -> Option<Vec<Node>> {
    let options = granit_parser::options! { emit_comments: false };
    let mut builder = Builder {
        parser: Parser::new_from_str_with_options(text, options),
        events: 0,
        nodes: 0,
        scalar_bytes: 0,
    };
    let mut docs = Vec::new();
    loop {
        match builder.next()? {
            (Event::StreamStart, _) => {}
            (Event::DocumentStart(_, None), _) if docs.len() < MAX_DOCUMENTS => {
                let (event, span) = builder.next()?;
                docs.push(builder.node(event, &span, 0)?);
                if !matches!(builder.next()?, (Event::DocumentEnd, _)) {
                    return None;
                }
            }
            (Event::StreamEnd, _) => break,
            _ => return None,
        }
    }
    (!docs.is_empty()).then_some(docs)
}

struct Builder<'t> {
    parser: Parser<'t, StrInput<'t>>,
    events: usize,
    nodes: usize,
    scalar_bytes: usize,
}

impl<'t> Builder<'t> {
    /// The next event; `None` on a syntax error or past the event budget.
    fn next(&mut self) -> Option<(Event<'t>, Span)> {
        self.events += 1;
        if self.events > MAX_EVENTS {
            return None;
        }
        self.parser.next_event()?.ok()
    }

    /// The node that starts with `event`.
    fn node(&mut self, event: Event<'t>, span: &Span, depth: usize) -> Option<Node> {
        self.nodes += 1;
        if self.nodes > MAX_NODES / 2 || depth > MAX_DEPTH / 2 {
            return None;
        }
        let value = match event {
            Event::Scalar(text, style, 0, None) => {
                self.scalar_bytes += text.len();
                if self.scalar_bytes > MAX_SCALAR_BYTES {
                    return None;
                }
                scalar(text, style)?
            }
            Event::SequenceStart(_, 0, None) => {
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        (Event::SequenceEnd, _) => break,
                        (event, span) => items.push(self.node(event, &span, depth + 1)?),
                    }
                }
                NodeValue::Seq(items)
            }
            Event::MappingStart(_, 0, None) => {
                let mut entries: Vec<(Key, Node)> = Vec::new();
                loop {
                    let key = match self.next()? {
                        (Event::MappingEnd, _) => break,
                        (Event::Scalar(text, style, 0, None), span) => {
                            self.nodes += 1;
                            key(text, style, &span)?
                        }
                        _ => return None, // a complex key, an alias, a tag
                    };
                    if entries.iter().any(|(k, _)| k.value == key.value) {
                        return None;
                    }
                    let (event, span) = self.next()?;
                    let value = self.node(event, &span, depth + 1)?;
                    entries.push((key, value));
                }
                NodeValue::Map(entries)
            }
            _ => return None, // an alias, an anchor, a tag
        };
        Some(Node {
            value,
            referenced: mark(span),
        })
    }
}

/// Where an event starts, as serde-saphyr reports it: 1-based line and column (in
/// characters) and the bytes the event covers.
fn mark(span: &Span) -> Mark {
    let (start, end) = (&span.start, &span.end);
    let bytes = start
        .byte_offset()
        .zip(end.byte_offset())
        .map(|(start, end)| (start as u64, end.saturating_sub(start) as u64));
    Mark {
        line: start.line() as u64,
        column: start.col() as u64 + 1,
        byte_offset: bytes.map(|(start, _)| start),
        byte_len: bytes.map(|(_, len)| len),
    }
}

/// A mapping key: a string, quoted or plainly one (not `true`, `1`, `<<`...).
fn key(text: Cow<'_, str>, style: ScalarStyle, span: &Span) -> Option<Key> {
    if style == ScalarStyle::Plain && !matches!(plain(&text), Some(NodeValue::Str(_))) {
        return None;
    }
    Some(Key {
        value: super::key_name(&text),
        referenced: mark(span),
    })
}

/// The value of an untagged scalar: quoted and block scalars are strings.
fn scalar(text: Cow<'_, str>, style: ScalarStyle) -> Option<NodeValue> {
    match style {
        ScalarStyle::Plain => plain(&text),
        _ => Some(NodeValue::Str(text.into_owned())),
    }
}

/// The value of a plain scalar, when its type is beyond doubt.
fn plain(text: &str) -> Option<NodeValue> {
    let first = *text.as_bytes().first()?;
    if first.is_ascii_digit() || first == b'-' {
        return number(text);
    }
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'/') {
        return None;
    }
    match text {
        "true" => return Some(NodeValue::Bool(true)),
        "false" => return Some(NodeValue::Bool(false)),
        "null" => return Some(NodeValue::Null),
        _ => {}
    }
    // Other spellings of booleans, null, NaN and infinity (YAML 1.1's included, which
    // serde-saphyr keeps as strings or not depending on its options).
    const DOUBTFUL: [&str; 12] = [
        "true", "false", "null", "y", "n", "yes", "no", "on", "off", "nan", "inf", "infinity",
    ];
    if text.len() <= 8 && DOUBTFUL.iter().any(|w| w.eq_ignore_ascii_case(text)) {
        return None;
    }
    Some(NodeValue::Str(text.to_owned()))
}

/// `-?(0|[1-9][0-9]*)` as an integer, `-?(0|[1-9][0-9]*)\.[0-9]+` as a float, digits
/// and two or more dots (an IPv4 address) as a string; anything else is in doubt.
fn number(text: &str) -> Option<NodeValue> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    match fraction {
        None if text == "-0" => None,
        None => {
            let v: i128 = text.parse().ok()?;
            (i64::try_from(v).is_ok() || u64::try_from(v).is_ok()).then_some(NodeValue::Int(v))
        }
        Some(f) if digits(f) => text.parse().ok().map(NodeValue::Float),
        Some(f)
            if !text.starts_with('-') && f.split('.').count() >= 2 && f.split('.').all(digits) =>
        {
            Some(NodeValue::Str(text.to_owned()))
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests;
