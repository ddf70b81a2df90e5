//! A YAML document as a tree of nodes that remember where they came from, so every
//! validation problem can point at file:line:column.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

mod fast;
mod typed;

pub use typed::Failure;

/// Where a node's text starts: 1-based line and column (in characters), and the byte
/// range of a scalar's text when known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    pub line: u64,
    pub column: u64,
    pub byte_offset: Option<u64>,
    pub byte_len: Option<u64>,
}

impl From<&serde_saphyr::Location> for Mark {
    fn from(l: &serde_saphyr::Location) -> Mark {
        let span = l.span();
        Mark {
            line: l.line(),
            column: l.column(),
            byte_offset: span.byte_offset(),
            byte_len: span.byte_len(),
        }
    }
}

/// A YAML node with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub referenced: Mark,
}

impl Node {
    /// A tree of a JSON value (an object read from the cluster), without locations.
    pub fn from_json(json: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match json {
            J::Null => NodeValue::Null,
            J::Bool(b) => NodeValue::Bool(*b),
            J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => NodeValue::Int(i.into()),
                (_, Some(u), _) => NodeValue::Int(u.into()),
                (_, _, f) => NodeValue::Float(f.unwrap_or(f64::NAN)),
            },
            J::String(s) => NodeValue::Str(s.clone()),
            J::Array(items) => NodeValue::Seq(items.iter().map(Node::from_json).collect()),
            J::Object(entries) => NodeValue::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = Key {
                            value: key_name(k),
                            referenced: Mark::default(),
                        };
                        (key, Node::from_json(v))
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            referenced: Mark::default(),
        }
    }

    /// Where reading `T` from this node fails, if it does: the innermost node, with
    /// its field path below this one.
    pub fn locate_failure<T: de::DeserializeOwned>(&self) -> Option<Failure> {
        typed::locate::<T>(self)
    }
}

/// A mapping key with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The field names of manifests are shared, not allocated for every entry.
    pub value: Cow<'static, str>,
    pub referenced: Mark,
}

/// The name of a mapping key: one of the manifest format's field names is borrowed
/// (a fleet's manifests repeat `name`, `address`, `value` hundreds of thousands of
/// times); anything else is copied.
pub fn key_name(name: &str) -> Cow<'static, str> {
    macro_rules! borrow_fields {
        ($($field:literal),* $(,)?) => {
            match name {
                $($field => Cow::Borrowed($field),)*
                _ => Cow::Owned(name.to_owned()),
            }
        };
    }
    borrow_fields!(
        "address",
        "annotations",
        "apiVersion",
        "autoCorrect",
        "baudRate",
        "bit",
        "byteOrder",
        "caFile",
        "certFile",
        "dataBits",
        "device",
        "deviceAddress",
        "duration",
        "keyFile",
        "kind",
        "labels",
        "length",
        "limits",
        "max",
        "maxGap",
        "maxReadBits",
        "maxReadRegisters",
        "maxWriteBits",
        "maxWriteRegisters",
        "metadata",
        "min",
        "minWriteIntervalMs",
        "mode",
        "model",
        "name",
        "namespace",
        "offset",
        "parity",
        "pollIntervalSecs",
        "port",
        "readAddress",
        "registers",
        "requestIntervalMs",
        "scale",
        "schedule",
        "serial",
        "serverName",
        "spec",
        "status",
        "stopBits",
        "tags",
        "targetRegister",
        "targetValue",
        "timeZone",
        "timeoutMs",
        "tls",
        "tolerance",
        "transport",
        "type",
        "unitId",
        "value",
        "values",
        "wordOrder",
        "writeFunction",
        "writeWindows",
    )
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<NodeValue>::deserialize(d)?;
        Ok(Node {
            referenced: Mark::from(&spanned.referenced),
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<String>::deserialize(d)?;
        Ok(Key {
            referenced: Mark::from(&spanned.referenced),
            value: Cow::Owned(spanned.value),
        })
    }
}

/// The value of a YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl NodeValue {
    /// The entry of a mapping with the given key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            NodeValue::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Deserializes a typed value (the resource, a register) straight from the tree,
    /// exactly as `serde_json::from_value(self.to_json())` would.
    pub fn deserialize<T: de::DeserializeOwned>(&self) -> Result<T, typed::Error> {
        typed::deserialize(self)
    }

    /// Converts to JSON (tests compare [`Self::deserialize`] with this route). Integers beyond 64 bits were rejected by validation before
    /// this is called.
    #[cfg(test)]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            NodeValue::Null => J::Null,
            NodeValue::Bool(b) => J::Bool(*b),
            NodeValue::Int(i) => {
                if let Ok(v) = i64::try_from(*i) {
                    J::from(v)
                } else if let Ok(v) = u64::try_from(*i) {
                    J::from(v)
                } else {
                    J::Null
                }
            }
            NodeValue::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            NodeValue::Str(s) => J::String(s.clone()),
            NodeValue::Seq(items) => J::Array(items.iter().map(|n| n.value.to_json()).collect()),
            NodeValue::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.to_string(), v.value.to_json()))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_none<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<NodeValue, E> {
        Ok(NodeValue::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<NodeValue, E> {
        i128::try_from(v)
            .map(NodeValue::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(NodeValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(NodeValue::Map(entries))
    }
}

/// Most nodes (scalars, lists, mappings) one file may hold, aliases expanded.
pub const MAX_NODES: usize = 1_000_000;
/// Most documents one file may hold.
pub const MAX_DOCUMENTS: usize = 1_024;
/// Deepest nesting of lists and mappings.
pub const MAX_DEPTH: usize = 64;
/// Most events aliases may replay in one file (alias bombs expand exponentially).
pub const MAX_ALIAS_EVENTS: usize = 10_000;

/// Parses every document of a YAML stream into nodes, within budgets that keep
/// hostile input (alias bombs, deep nesting, document storms) bounded in time and
/// memory. YAML 1.2 booleans only (`on`/`off`/`yes`/`no` stay strings); NaN and
/// infinities parse, so the register rules can say why they are refused.
///
/// Files in the common subset of YAML that manifests use are read by a fast parser
/// ([`fast`]) with exactly the same result; everything else, errors included, by
/// serde-saphyr.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, serde_saphyr::Error> {
    match fast::parse(text) {
        Some(docs) => Ok(docs),
        None => parse_full(text),
    }
}

/// [`parse_documents`] with serde-saphyr alone.
fn parse_full(text: &str) -> Result<Vec<Node>, serde_saphyr::Error> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::PassThrough;
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_EVENTS;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = MAX_NODES;
    budget.max_documents = MAX_DOCUMENTS;
    budget.max_depth = MAX_DEPTH;
    options.budget = Some(budget);
    serde_saphyr::from_str_multiple_with_options(text, options)
}

/// A user-facing description of a parse error and a hint: the budget breaches say
/// what limit was hit instead of the parser's internal names.
pub fn describe_error(e: &serde_saphyr::Error) -> (String, &'static str) {
    const SYNTAX: &str = "fix the YAML syntax; nothing in this file was checked further";
    const LIMIT: &str =
        "this limit keeps fabctl safe from hostile input; split the file or drop the aliases";
    let message = describe(e);
    let hint = if message.contains("limit")
        || message.starts_with("more than")
        || message.starts_with("nesting deeper")
        || message.contains("YAML aliases")
    {
        LIMIT
    } else {
        SYNTAX
    };
    (message, hint)
}

fn describe(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::budget::BudgetBreach;
    match e.without_snippet() {
        serde_saphyr::Error::Budget { breach, .. } => match breach {
            BudgetBreach::Documents { .. } => {
                format!("more than {MAX_DOCUMENTS} documents in one file")
            }
            BudgetBreach::Nodes { .. } => {
                format!("more than {MAX_NODES} values in one file (with aliases expanded)")
            }
            BudgetBreach::Depth { .. } => format!("nesting deeper than {MAX_DEPTH} levels"),
            BudgetBreach::Aliases { .. } | BudgetBreach::Anchors { .. } => {
                "too many YAML aliases or anchors".to_owned()
            }
            other => format!("the file exceeds a parser limit ({other:?})"),
        },
        serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. } => {
            format!("YAML aliases expand to more than {MAX_ALIAS_EVENTS} values (an alias bomb?)")
        }
        _ => {
            let text = e.to_string();
            if text.contains("recursion limit exceeded") {
                return format!("nesting deeper than {MAX_DEPTH} levels");
            }
            let first = text.lines().next().unwrap_or_default();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            // "line 2 column 4: unclosed bracket" -> the location is printed separately.
            match first.split_once(": ") {
                Some((head, rest)) if head.starts_with("line ") => rest.to_owned(),
                _ => first.to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_line_and_column() {
        let docs = parse_documents("a: 1\nb:\n  c: [x, 2.5]\n---\nd: true\n").unwrap();
        assert_eq!(docs.len(), 2);
        let b = docs[0].value.get("b").unwrap();
        let c = b.value.get("c").unwrap();
        assert_eq!((c.referenced.line, c.referenced.column), (3, 6));
        let NodeValue::Seq(items) = &c.value else {
            panic!("expected a list")
        };
        assert_eq!(items[1].value, NodeValue::Float(2.5));
        assert_eq!(docs[1].value.get("d").unwrap().value, NodeValue::Bool(true));
    }

    #[test]
    fn every_field_of_the_spec_is_a_borrowed_key() {
        fn fields(schema: &serde_json::Value, out: &mut Vec<String>) {
            if let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) {
                for (name, sub) in properties {
                    out.push(name.clone());
                    fields(sub, out);
                }
            }
            for nested in ["items", "additionalProperties"] {
                if let Some(sub) = schema.get(nested) {
                    fields(sub, out);
                }
            }
        }
        let schema = crate::manifest::schema::document_schema();
        let mut names = vec!["apiVersion".to_owned(), "kind".to_owned()];
        fields(&schema["properties"]["spec"], &mut names);
        assert!(names.len() > 20, "{names:?}");
        for name in names {
            assert!(
                matches!(key_name(&name), Cow::Borrowed(_)),
                "add {name:?} to key_name's fields"
            );
        }
        assert!(matches!(key_name("adress"), Cow::Owned(s) if s == "adress"));
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let err = parse_documents("a: 1\nb: [1, 2\n").unwrap_err();
        let loc = err.location().unwrap();
        assert_eq!((loc.line(), loc.column()), (2, 4));
    }
}
