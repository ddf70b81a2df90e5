//! [`Words`]: the 16-bit words (or bits, one per word) of one register, stored
//! inline. No register is wider than four words, and a fleet plan holds three of these
//! per register, so they live in the struct rather than in a heap allocation each.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};

/// The words of one register: at most [`Words::MAX`], compared, hashed and
/// serialized exactly like the slice they hold (`[16712, 0]` in JSON).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Words {
    len: u8,
    buf: [u16; Words::MAX],
}

impl Words {
    /// The widest register type (u64, i64, f64) takes four words.
    pub const MAX: usize = 4;

    /// The words of `slice`, or `None` when it has more than [`Words::MAX`].
    pub fn try_from_slice(slice: &[u16]) -> Option<Words> {
        let mut words = Words::default();
        words.buf.get_mut(..slice.len())?.copy_from_slice(slice);
        words.len = slice.len() as u8;
        Some(words)
    }

    /// Appends a word.
    ///
    /// # Panics
    /// When already full: callers build at most a type's width, never more than
    /// [`Words::MAX`].
    pub fn push(&mut self, word: u16) {
        self.buf[usize::from(self.len)] = word;
        self.len += 1;
    }
}

impl<const N: usize> From<[u16; N]> for Words {
    fn from(array: [u16; N]) -> Words {
        const { assert!(N <= Words::MAX, "a register is at most four words wide") };
        let mut words = Words::default();
        words.buf[..N].copy_from_slice(&array);
        words.len = N as u8;
        words
    }
}

impl Deref for Words {
    type Target = [u16];

    fn deref(&self) -> &[u16] {
        &self.buf[..usize::from(self.len)]
    }
}

impl DerefMut for Words {
    fn deref_mut(&mut self) -> &mut [u16] {
        &mut self.buf[..usize::from(self.len)]
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
    fn holds_up_to_four_words_and_derefs_to_them() {
        let words = Words::try_from_slice(&[1, 2, 3, 4]).unwrap();
        assert_eq!(&*words, &[1, 2, 3, 4]);
        assert_eq!(words, [1, 2, 3, 4]);
        assert!(Words::try_from_slice(&[1, 2, 3, 4, 5]).is_none());
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
    fn refuses_more_than_four_words_or_non_words() {
        let long = serde_json::from_str::<Words>("[1,2,3,4,5]").unwrap_err();
        assert!(long.to_string().contains("at most 4"), "{long}");
        assert!(serde_json::from_str::<Words>("[65536]").is_err());
        assert!(serde_json::from_str::<Words>("\"1\"").is_err());
    }
}
