//! [`Words`]: the 16-bit words (or bits, one per word) of one register. Numbers take
//! at most four words and are stored inline: a fleet plan holds three of these per
//! register, so they live in the struct rather than in a heap allocation each. Only a
//! string wider than four words has its words on the heap.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};

use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};

/// The words of one register: at most [`Words::MAX`], compared, hashed and
/// serialized exactly like the slice they hold (`[16712, 0]` in JSON).
#[derive(Clone)]
pub struct Words(Store);

#[derive(Clone)]
enum Store {
    Inline {
        len: u8,
        buf: [u16; Words::INLINE],
    },
    /// Boxed, so that `Words` stays 16 bytes (a `Vec` inline would make it 24): a
    /// plan holds two per register, and strings wider than four words are rare.
    #[allow(clippy::box_collection)]
    Heap(Box<Vec<u16>>),
}

impl Default for Words {
    fn default() -> Words {
        Words(Store::Inline {
            len: 0,
            buf: [0; Words::INLINE],
        })
    }
}

impl Words {
    /// The widest register: a string of 123 registers, the most one write request
    /// (FC16) carries. A value is never split across requests.
    pub const MAX: usize = 123;

    /// The widest number (u64, i64, f64) takes four words; up to this many are inline.
    const INLINE: usize = 4;

    /// The words of `slice`, or `None` when it has more than [`Words::MAX`].
    pub fn try_from_slice(slice: &[u16]) -> Option<Words> {
        if slice.len() > Words::MAX {
            return None;
        }
        let mut words = Words::default();
        for &word in slice {
            words.push(word);
        }
        Some(words)
    }

    /// Appends a word.
    ///
    /// # Panics
    /// When already full: callers build at most a register's width, never more than
    /// [`Words::MAX`].
    pub fn push(&mut self, word: u16) {
        assert!(
            self.len() < Words::MAX,
            "a register is at most {} words wide",
            Words::MAX
        );
        match &mut self.0 {
            Store::Inline { len, buf } if usize::from(*len) < Words::INLINE => {
                buf[usize::from(*len)] = word;
                *len += 1;
            }
            Store::Inline { len, buf } => {
                let mut heap = buf[..usize::from(*len)].to_vec();
                heap.push(word);
                self.0 = Store::Heap(Box::new(heap));
            }
            Store::Heap(heap) => heap.push(word),
        }
    }
}

impl<const N: usize> From<[u16; N]> for Words {
    fn from(array: [u16; N]) -> Words {
        const { assert!(N <= Words::MAX, "a register is at most 123 words wide") };
        let mut words = Words::default();
        for word in array {
            words.push(word);
        }
        words
    }
}

impl Deref for Words {
    type Target = [u16];

    fn deref(&self) -> &[u16] {
        match &self.0 {
            Store::Inline { len, buf } => &buf[..usize::from(*len)],
            Store::Heap(heap) => heap,
        }
    }
}

impl DerefMut for Words {
    fn deref_mut(&mut self) -> &mut [u16] {
        match &mut self.0 {
            Store::Inline { len, buf } => &mut buf[..usize::from(*len)],
            Store::Heap(heap) => heap,
        }
    }
}

impl PartialEq for Words {
    fn eq(&self, other: &Words) -> bool {
        **self == **other
    }
}

impl Eq for Words {}

impl Hash for Words {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<const N: usize> PartialEq<[u16; N]> for Words {
    fn eq(&self, other: &[u16; N]) -> bool {
        **self == *other
    }
}

impl PartialEq<Vec<u16>> for Words {
    fn eq(&self, other: &Vec<u16>) -> bool {
        **self == **other
    }
}

impl Serialize for Words {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Words {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Words, D::Error> {
        struct WordsVisitor;

        impl<'de> Visitor<'de> for WordsVisitor {
            type Value = Words;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of at most {} 16-bit words", Words::MAX)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Words, A::Error> {
                let mut words = Words::default();
                while let Some(word) = seq.next_element::<u16>()? {
                    if words.len() == Words::MAX {
                        return Err(A::Error::invalid_length(Words::MAX + 1, &self));
                    }
                    words.push(word);
                }
                Ok(words)
            }
        }

        deserializer.deserialize_seq(WordsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_words_and_derefs_to_them() {
        let words = Words::try_from_slice(&[1, 2, 3, 4]).unwrap();
        assert_eq!(&*words, &[1, 2, 3, 4]);
        assert_eq!(words, [1, 2, 3, 4]);
        assert!(Words::try_from_slice(&[0; 124]).is_none());
        assert!(Words::try_from_slice(&[]).unwrap().is_empty());
    }

    #[test]
    fn equality_ignores_unused_slots() {
        let mut a = Words::try_from_slice(&[7, 8]).unwrap();
        a.push(9);
        let b = Words::try_from_slice(&[7, 8, 9]).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, Words::try_from_slice(&[7, 8]).unwrap());
    }

    #[test]
    fn serializes_like_a_list() {
        let words = Words::try_from_slice(&[0x4148, 0]).unwrap();
        assert_eq!(serde_json::to_string(&words).unwrap(), "[16712,0]");
        let back: Words = serde_json::from_str("[16712,0]").unwrap();
        assert_eq!(back, words);
        assert_eq!(serde_json::to_string(&Words::default()).unwrap(), "[]");
    }

    #[test]
    fn strings_spill_to_the_heap_up_to_the_widest_register() {
        let long: Vec<u16> = (0..123).collect();
        let words = Words::try_from_slice(&long).unwrap();
        assert_eq!(&*words, &long[..]);
        assert_eq!(words, Words::try_from_slice(&long).unwrap());
        if cfg!(target_pointer_width = "64") {
            assert_eq!(std::mem::size_of::<Words>(), 16, "numbers stay small");
        }
        let mut five = Words::from([1, 2, 3, 4]);
        five.push(5);
        assert_eq!(five, [1, 2, 3, 4, 5]);
        let json: String = serde_json::to_string(&long).unwrap();
        assert_eq!(serde_json::from_str::<Words>(&json).unwrap(), words);
    }

    #[test]
    fn refuses_more_than_the_widest_register_or_non_words() {
        let long: Vec<u16> = (0..124).collect();
        let long =
            serde_json::from_str::<Words>(&serde_json::to_string(&long).unwrap()).unwrap_err();
        assert!(long.to_string().contains("at most 123"), "{long}");
        assert!(serde_json::from_str::<Words>("[65536]").is_err());
        assert!(serde_json::from_str::<Words>("\"1\"").is_err());
    }
}
