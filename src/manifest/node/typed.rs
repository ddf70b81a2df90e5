//! Typed deserialization straight from a node tree.
//!
//! It mirrors serde_json's `Value` deserializer, so a type sees exactly what
//! `serde_json::from_value(node.to_json())` showed it: non-negative integers visit as
//! u64 and negative ones as i64, integers beyond 64 bits and non-finite floats as null
//! (what `to_json` makes of them), strings as enum unit variants, single-entry
//! mappings as enum variants with content. Going through JSON built and dropped a
//! tree per document, a fifth of the cost of loading a fleet.
//!
//! When reading fails, [`locate`] reads again and says where: the innermost node
//! that failed, with its field path (`spec.registers[0].value`) and line:column.

use std::cell::RefCell;

use super::{Key, Mark, Node, NodeValue};
use serde::de::{self, IntoDeserializer, MapAccess, SeqAccess, Visitor};

/// serde_json's error, so messages read exactly as `from_value`'s did.
pub type Error = serde_json::Error;

/// Deserializes `T` from `value`. Mappings are read in document order; only when that
/// fails is the value read again with keys in sorted order, as serde_json's `Map`
/// holds them, so the error reported is the one `from_value` reported.
pub fn deserialize<T: de::DeserializeOwned>(value: &NodeValue) -> Result<T, Error> {
    T::deserialize(NodeDeserializer::new(value, false))
        .or_else(|_| T::deserialize(NodeDeserializer::new(value, true)))
}

/// Where reading a `T` from a node failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The field path from the node read (`spec.registers[0].value`); empty when the
    /// node itself failed.
    pub path: String,
    /// Where the failing node (or key) starts.
    pub mark: Mark,
    /// What is wrong, in serde's words.
    pub message: String,
}

/// Reads `T` from `node` in document order and, when that fails, says where: the
/// innermost node whose reading failed. `None` when `T` reads.
pub fn locate<T: de::DeserializeOwned>(node: &Node) -> Option<Failure> {
    let failure = RefCell::new(None);
    let root = Place {
        parent: None,
        step: Step::Root,
    };
    let track = Track {
        place: &root,
        failure: &failure,
    };
    let de = NodeDeserializer {
        value: &node.value,
        sorted: false,
        track: Some(track),
    };
    match T::deserialize(de) {
        Ok(_) => None,
        Err(e) => Some(failure.into_inner().unwrap_or_else(|| Failure {
            path: String::new(),
            mark: node.referenced,
            message: e.to_string(),
        })),
    }
}

/// One step of a field path.
#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

/// A node being read: the step that led to it from its parent.
struct Place<'a> {
    parent: Option<&'a Place<'a>>,
    step: Step<'a>,
}

impl Place<'_> {
    fn path(&self) -> String {
        let mut steps = Vec::new();
        let mut at = Some(self);
        while let Some(place) = at {
            steps.push(place.step);
            at = place.parent;
        }
        let mut path = String::new();
        for step in steps.into_iter().rev() {
            match step {
                Step::Root => {}
                Step::Key(key) if path.is_empty() => path.push_str(key),
                Step::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Step::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        path
    }
}

/// The place being read and where the first (innermost) failure is recorded.
#[derive(Clone, Copy)]
struct Track<'a> {
    place: &'a Place<'a>,
    failure: &'a RefCell<Option<Failure>>,
}

impl Track<'_> {
    /// Reads the child at `step`, recording where it failed unless a node inside it
    /// already did.
    fn child<T>(
        this: Option<Self>,
        step: Step<'_>,
        mark: Mark,
        read: impl FnOnce(Option<Track<'_>>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let Some(track) = this else {
            return read(None);
        };
        let place = Place {
            parent: Some(track.place),
            step,
        };
        let child = Track {
            place: &place,
            failure: track.failure,
        };
        read(Some(child)).inspect_err(|e| {
            let mut failure = track.failure.borrow_mut();
            if failure.is_none() {
                *failure = Some(Failure {
                    path: place.path(),
                    mark,
                    message: e.to_string(),
                });
            }
        })
    }
}

/// A [`de::Deserializer`] over one node's value; `sorted` visits mapping keys sorted.
pub struct NodeDeserializer<'a> {
    value: &'a NodeValue,
    sorted: bool,
    track: Option<Track<'a>>,
}

impl<'a> NodeDeserializer<'a> {
    pub fn new(value: &'a NodeValue, sorted: bool) -> Self {
        NodeDeserializer {
            value,
            sorted,
            track: None,
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
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
                let mut seq = NodeSeq {
                    items: items.iter(),
                    index: 0,
                    sorted: self.sorted,
                    track: self.track,
                };
                let value = visitor.visit_seq(&mut seq)?;
                match seq.items.len() {
                    0 => Ok(value),
                    _ => Err(de::Error::invalid_length(items.len(), &"fewer elements")),
                }
            }
            NodeValue::Map(entries) => {
                let order = if self.sorted {
                    let mut sorted: Vec<&(Key, Node)> = entries.iter().collect();
                    sorted.sort_by(|a, b| a.0.value.cmp(&b.0.value));
                    Entries::Sorted(sorted.into_iter())
                } else {
                    Entries::InOrder(entries.iter())
                };
                let mut map = NodeMap {
                    entries: order,
                    entry: None,
                    sorted: self.sorted,
                    track: self.track,
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
        match self.value {
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
        match self.value {
            NodeValue::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            NodeValue::Map(entries) if entries.len() == 1 => visitor.visit_enum(NodeEnum {
                variant: &entries[0].0.value,
                content: &entries[0].1.value,
                sorted: self.sorted,
                track: self.track,
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

struct NodeSeq<'a> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
    sorted: bool,
    track: Option<Track<'a>>,
}

impl<'de> SeqAccess<'de> for NodeSeq<'_> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        let sorted = self.sorted;
        Track::child(self.track, Step::Index(index), node.referenced, |track| {
            seed.deserialize(NodeDeserializer {
                value: &node.value,
                sorted,
                track,
            })
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
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
    /// The entry whose key was read last, its value next to read.
    entry: Option<&'a (Key, Node)>,
    sorted: bool,
    track: Option<Track<'a>>,
}

impl<'de> MapAccess<'de> for NodeMap<'_> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.entry = Some(entry);
        let key = &entry.0;
        Track::child(self.track, Step::Key(&key.value), key.referenced, |_| {
            let name: de::value::StrDeserializer<'_, Error> =
                key.value.as_ref().into_deserializer();
            seed.deserialize(name)
        })
        .map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some((key, value)) = self.entry.take() else {
            return Err(de::Error::custom("value is missing"));
        };
        let sorted = self.sorted;
        Track::child(
            self.track,
            Step::Key(&key.value),
            value.referenced,
            |track| {
                seed.deserialize(NodeDeserializer {
                    value: &value.value,
                    sorted,
                    track,
                })
            },
        )
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct NodeEnum<'a> {
    variant: &'a str,
    content: &'a NodeValue,
    sorted: bool,
    track: Option<Track<'a>>,
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
            NodeDeserializer {
                value: self.content,
                sorted: self.sorted,
                track: self.track,
            },
        ))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDeserializer<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
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

    /// A failure is located at the innermost node that failed, with its field path;
    /// a value that reads has none.
    #[test]
    fn a_failure_names_the_innermost_field_and_its_line() {
        let text = "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec:\n  deviceAddress: x\n  registers:\n    - {name: a, address: 0, value: 1}\n    - name: b\n      address: 1\n      value: [12]\n";
        let docs = parse_documents(text).unwrap();
        let failure = docs[0].locate_failure::<IndustrialPLC>().unwrap();
        assert_eq!(failure.path, "spec.registers[1].value");
        assert_eq!((failure.mark.line, failure.mark.column), (10, 14));
        assert_eq!(
            failure.message,
            "invalid type: sequence, expected a number, a boolean or a string"
        );
        let unknown = parse_documents("{name: a, adress: 0, value: 1}").unwrap();
        let failure = unknown[0].locate_failure::<RegisterSpec>().unwrap();
        assert_eq!(failure.path, "adress");
        assert_eq!((failure.mark.line, failure.mark.column), (1, 11));
        let missing = parse_documents("{name: a, value: 1}").unwrap();
        let failure = missing[0].locate_failure::<RegisterSpec>().unwrap();
        assert_eq!(
            (failure.path.as_str(), failure.message.as_str()),
            ("", "missing field `address`")
        );
        let fine = parse_documents("{name: a, address: 0, value: 1}").unwrap();
        assert_eq!(fine[0].locate_failure::<RegisterSpec>(), None);
    }
}
