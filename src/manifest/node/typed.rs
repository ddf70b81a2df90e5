//! Typed deserialization straight from a node tree.
//!
//! It mirrors serde_json's `Value` deserializer, so a type sees exactly what
//! `serde_json::from_value(node.to_json())` showed it: non-negative integers visit as
//! u64 and negative ones as i64, integers beyond 64 bits and non-finite floats as null
//! (what `to_json` makes of them), strings as enum unit variants, single-entry
//! mappings as enum variants with content. Going through JSON built and dropped a
//! tree per document, a fifth of the cost of loading a fleet.

use super::{Key, Node, NodeValue};
use serde::de::{self, IntoDeserializer, MapAccess, SeqAccess, Visitor};

/// serde_json's error, so messages read exactly as `from_value`'s did.
pub type Error = serde_json::Error;

/// Deserializes `T` from `value`. Mappings are read in document order; only when that
/// fails is the value read again with keys in sorted order, as serde_json's `Map`
/// holds them, so the error reported is the one `from_value` reported.
pub fn deserialize<T: de::DeserializeOwned>(value: &NodeValue) -> Result<T, Error> {
    T::deserialize(NodeDeserializer(value, false))
        .or_else(|_| T::deserialize(NodeDeserializer(value, true)))
}

/// A [`de::Deserializer`] over one node's value; `true` visits mapping keys sorted.
pub struct NodeDeserializer<'a>(pub &'a NodeValue, pub bool);

impl<'de> de::Deserializer<'de> for NodeDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            NodeValue::Null => visitor.visit_unit(),
            NodeValue::Bool(b) => visitor.visit_bool(*b),
            NodeValue::Int(i) => match (u64::try_from(*i), i64::try_from(*i)) {
                (Ok(u), _) => visitor.visit_u64(u),
                (_, Ok(i)) => visitor.visit_i64(i),
                _ => visitor.visit_unit(),
            },
            NodeValue::Float(f) if f.is_finite() => visitor.visit_f64(*f),
            NodeValue::Float(_) => visitor.visit_unit(),
            NodeValue::Str(s) => visitor.visit_str(s),
            NodeValue::Seq(items) => {
                let mut seq = NodeSeq(items.iter(), self.1);
                let value = visitor.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(value),
                    _ => Err(de::Error::invalid_length(items.len(), &"fewer elements")),
                }
            }
            NodeValue::Map(entries) => {
                let order = if self.1 {
                    let mut sorted: Vec<&(Key, Node)> = entries.iter().collect();
                    sorted.sort_by(|a, b| a.0.value.cmp(&b.0.value));
                    Entries::Sorted(sorted.into_iter())
                } else {
                    Entries::InOrder(entries.iter())
                };
                let mut map = NodeMap {
                    entries: order,
                    value: None,
                    sorted: self.1,
                };
                let value = visitor.visit_map(&mut map)?;
                match map.entries.len() {
                    0 => Ok(value),
                    _ => Err(de::Error::invalid_length(entries.len(), &"fewer elements")),
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            NodeValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            NodeValue::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            NodeValue::Map(entries) if entries.len() == 1 => visitor.visit_enum(NodeEnum {
                variant: &entries[0].0.value,
                content: &entries[0].1.value,
                sorted: self.1,
            }),
            NodeValue::Map(_) => Err(de::Error::invalid_value(
                de::Unexpected::Map,
                &"map with a single key",
            )),
            other => Err(de::Error::invalid_type(unexpected(other), &"string or map")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

fn unexpected(v: &NodeValue) -> de::Unexpected<'_> {
    match v {
        NodeValue::Null => de::Unexpected::Unit,
        NodeValue::Bool(b) => de::Unexpected::Bool(*b),
        NodeValue::Int(i) => match (u64::try_from(*i), i64::try_from(*i)) {
            (Ok(u), _) => de::Unexpected::Unsigned(u),
            (_, Ok(i)) => de::Unexpected::Signed(i),
            _ => de::Unexpected::Unit,
        },
        NodeValue::Float(f) => de::Unexpected::Float(*f),
        NodeValue::Str(s) => de::Unexpected::Str(s),
        NodeValue::Seq(_) => de::Unexpected::Seq,
        NodeValue::Map(_) => de::Unexpected::Map,
    }
}

struct NodeSeq<'a>(std::slice::Iter<'a, Node>, bool);

impl<'de> SeqAccess<'de> for NodeSeq<'_> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|n| seed.deserialize(NodeDeserializer(&n.value, self.1)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A mapping's entries in document order, or sorted by key.
enum Entries<'a> {
    InOrder(std::slice::Iter<'a, (Key, Node)>),
    Sorted(std::vec::IntoIter<&'a (Key, Node)>),
}

impl<'a> Entries<'a> {
    fn next(&mut self) -> Option<&'a (Key, Node)> {
        match self {
            Entries::InOrder(i) => i.next(),
            Entries::Sorted(i) => i.next(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Entries::InOrder(i) => i.len(),
            Entries::Sorted(i) => i.len(),
        }
    }
}

struct NodeMap<'a> {
    entries: Entries<'a>,
    value: Option<&'a NodeValue>,
    sorted: bool,
}

impl<'de> MapAccess<'de> for NodeMap<'_> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(&value.value);
                let key: de::value::StrDeserializer<'_, Error> =
                    key.value.as_ref().into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(NodeDeserializer(value, self.sorted)),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct NodeEnum<'a> {
    variant: &'a str,
    content: &'a NodeValue,
    sorted: bool,
}

impl<'de, 'a> de::EnumAccess<'de> for NodeEnum<'a> {
    type Error = Error;
    type Variant = NodeDeserializer<'a>;

    fn variant_seed<V: de::DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), Error> {
        let variant: de::value::StrDeserializer<'_, Error> = self.variant.into_deserializer();
        Ok((
            seed.deserialize(variant)?,
            NodeDeserializer(self.content, self.sorted),
        ))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDeserializer<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            NodeValue::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_documents;
    use crate::manifest::{IndustrialPLC, RegisterSpec};

    /// Whatever the tree holds, typed deserialization agrees with the JSON route it
    /// replaced: same value, or an error with the same message.
    #[test]
    fn agrees_with_the_json_route() {
        let texts = [
            include_str!("../../../tests/fixtures/original-sample-plc.yaml"),
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p, namespace: a, labels: {x: y}}\nspec:\n  deviceAddress: 10.0.0.1\n  port: 5502\n  tags: [a, b]\n  registers:\n    - {name: a, address: 0, value: 1, kind: coil}\n    - {name: b, address: 1, type: f32, wordOrder: little, value: -2.5, scale: 0.1, min: -10, max: 10}\n    - {name: c, address: 3, type: u64, value: 18446744073709551615, mode: observe}\n    - {name: d, address: 7, type: bool, value: true}\n",
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec: {deviceAddress: x, port: -1, registers: [{name: a, address: 0, value: 1}]}\n",
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec: {deviceAddress: x, registers: [{name: a, address: 70000, value: 1}]}\n",
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec: {deviceAddress: x, registers: [{name: a, address: 0, value: 1, kind: bogus}]}\n",
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec: {deviceAddress: x, registers: [{name: a, address: 0, value: 1, extra: 2}]}\n",
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec: {deviceAddress: 5, registers: {name: a}}\n",
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec: {deviceAddress: x, targetRegister: 4001, targetValue: .nan, registers: [{name: a, address: 0, value: .inf}]}\n",
        ];
        for text in texts {
            for doc in parse_documents(text).unwrap() {
                let direct = doc.value.deserialize::<IndustrialPLC>();
                let json = serde_json::from_value::<IndustrialPLC>(doc.value.to_json());
                match (&direct, &json) {
                    (Ok(a), Ok(b)) => assert_eq!(
                        serde_json::to_value(a).unwrap(),
                        serde_json::to_value(b).unwrap(),
                        "{text}"
                    ),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
                    _ => panic!("{text}: {direct:?} vs {json:?}"),
                }
                let Some(super::NodeValue::Seq(items)) = doc
                    .value
                    .get("spec")
                    .and_then(|s| s.value.get("registers"))
                    .map(|n| &n.value)
                else {
                    continue;
                };
                for item in items {
                    let direct = item.value.deserialize::<RegisterSpec>();
                    let json = serde_json::from_value::<RegisterSpec>(item.value.to_json());
                    match (&direct, &json) {
                        (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
                        _ => panic!("{text}: {direct:?} vs {json:?}"),
                    }
                }
            }
        }
    }
}
