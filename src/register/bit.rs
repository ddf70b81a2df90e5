//! Bits in words: a `bool` register at `bit: N` of a holding or input register is one
//! bit of a 16-bit word (0 = least significant). Reading takes the bit out of the
//! word; writing changes only that bit: with the AND/OR masks of Mask Write Register
//! (FC22), or by changing the bit in a word read just before.

use super::Words;

/// The most significant bit of a word.
pub const MAX_BIT: u8 = 15;

/// The word with only `bit` set; 0 for a bit past [`MAX_BIT`] (validation refuses
/// those, so they never reach a device).
fn mask(bit: u8) -> u16 {
    1u16.checked_shl(u32::from(bit)).unwrap_or(0)
}

/// Whether `bit` of `word` is set.
pub fn get(word: u16, bit: u8) -> bool {
    word & mask(bit) != 0
}

/// `word` with `bit` set to `value`, every other bit as it was.
pub fn set(word: u16, bit: u8, value: bool) -> u16 {
    if value {
        word | mask(bit)
    } else {
        word & !mask(bit)
    }
}

/// The words a register's codec decodes, from the words read at its address: for a
/// bit register the bit as one word 0 or 1, otherwise the words themselves.
pub fn value_words(read: &Words, bit: Option<u8>) -> Words {
    match (bit, read.first()) {
        (Some(bit), Some(&word)) if read.len() == 1 => Words::from([u16::from(get(word, bit))]),
        _ => read.clone(),
    }
}

/// The masks of one Mask Write Register request (FC22), which the device applies as
/// `(word AND and) OR (or AND NOT and)`: bits cleared in `and` take their value from
/// `or`, the others keep theirs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Masks {
    pub and: u16,
    pub or: u16,
}

impl Masks {
    /// Masks that change nothing.
    pub const KEEP: Masks = Masks {
        and: u16::MAX,
        or: 0,
    };

    /// These masks, also setting `bit` to `value`.
    pub fn with(self, bit: u8, value: bool) -> Masks {
        Masks {
            and: self.and & !mask(bit),
            or: set(self.or, bit, value),
        }
    }

    /// What a device holding `word` holds after applying the masks.
    pub fn apply(self, word: u16) -> u16 {
        (word & self.and) | (self.or & !self.and)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bit_zero_is_the_least_significant() {
        assert!(get(0b1000, 3));
        assert!(!get(0b1000, 0));
        assert!(get(0x8000, 15));
        assert_eq!(set(0x00F0, 3, true), 0x00F8);
        assert_eq!(set(0x00F8, 3, false), 0x00F0);
        assert_eq!(value_words(&Words::from([0x0008]), Some(3)), [1]);
        assert_eq!(value_words(&Words::from([0xFFF7]), Some(3)), [0]);
        assert_eq!(value_words(&Words::from([0x0008]), None), [8]);
    }

    #[test]
    fn masks_change_only_their_bits() {
        let masks = Masks::KEEP.with(3, true).with(5, false);
        assert_eq!(
            masks,
            Masks {
                and: !0b10_1000,
                or: 0b00_1000
            }
        );
        assert_eq!(masks.apply(0xFFF7), 0xFFDF);
        assert_eq!(masks.apply(0x0020), 0x0008);
        assert_eq!(Masks::KEEP.apply(0x1234), 0x1234);
    }

    proptest! {
        #[test]
        fn masks_agree_with_setting_each_bit(word in any::<u16>(), changes in proptest::collection::vec((0u8..=15, any::<bool>()), 0..6)) {
            let masks = changes.iter().fold(Masks::KEEP, |m, &(b, v)| m.with(b, v));
            let by_hand = changes.iter().fold(word, |w, &(b, v)| set(w, b, v));
            prop_assert_eq!(masks.apply(word), by_hand);
        }
    }
}
