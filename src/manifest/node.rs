//! A YAML document as a tree of nodes that remember where they came from, so every
//! validation problem can point at file:line:column.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A YAML node with its location.
pub type Node = Spanned<NodeValue>;

/// The value of a YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Spanned<String>, Node)>),
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

    /// Converts to JSON for typed deserialization. Integers beyond 64 bits were
    /// rejected by validation before this is called.
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
                    .map(|(k, v)| (k.value.clone(), v.value.to_json()))
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

/// Parses every document of a YAML stream into nodes.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, serde_saphyr::Error> {
    serde_saphyr::from_str_multiple(text)
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
        assert_eq!((c.referenced.line(), c.referenced.column()), (3, 6));
        let NodeValue::Seq(items) = &c.value else {
            panic!("expected a list")
        };
        assert_eq!(items[1].value, NodeValue::Float(2.5));
        assert_eq!(docs[1].value.get("d").unwrap().value, NodeValue::Bool(true));
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let err = parse_documents("a: 1\nb: [1, 2\n").unwrap_err();
        let loc = err.location().unwrap();
        assert_eq!((loc.line(), loc.column()), (2, 4));
    }
}
