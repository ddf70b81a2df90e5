//! [`Table`]: one sparse Modbus data table (holding, input, coils or discrete inputs)
//! that holds only the declared addresses.
//!
//! Declared addresses are merged into contiguous blocks, sorted by start address. A
//! request is served when its whole range lies in one block, which is exactly "every
//! address is declared": adjacent declarations always merge. Lookup is a binary search
//! plus a slice, so a 125-register read copies nothing but the reply bytes, and
//! memory is proportional to what is declared (1,000 devices × 100 registers ≈ 200 KB).

/// A sparse table of values of type `T` (`u16` registers or `bool` bits).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table<T> {
    blocks: Vec<Block<T>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Block<T> {
    start: u16,
    values: Vec<T>,
}

impl<T> Block<T> {
    /// One past the last address, as u32 so that a block ending at 65535 fits.
    fn end(&self) -> u32 {
        u32::from(self.start) + self.values.len() as u32
    }
}

impl<T: Copy + Default> Table<T> {
    /// A table declaring every address in `ranges` (`(start, count)` pairs, which may
    /// overlap or touch), all initialised to `T::default()`. Ranges running past
    /// 65535 are cut at 65535; callers validate addresses beforehand.
    pub fn with_ranges(ranges: impl IntoIterator<Item = (u16, u16)>) -> Self {
        let mut ranges: Vec<(u32, u32)> = ranges
            .into_iter()
            .filter(|&(_, count)| count > 0)
            .map(|(start, count)| {
                let start = u32::from(start);
                (start, (start + u32::from(count)).min(1 << 16))
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        let blocks = merged
            .into_iter()
            .map(|(start, end)| Block {
                start: u16::try_from(start).unwrap_or(u16::MAX),
                values: vec![T::default(); (end - start) as usize],
            })
            .collect();
        Table { blocks }
    }
}

impl<T> Table<T> {
    /// Index of the block holding all of `address..address + count`, if one does.
    fn block_of(&self, address: u16, count: u16) -> Option<usize> {
        let i = self
            .blocks
            .partition_point(|b| b.start <= address)
            .checked_sub(1)?;
        let block = self.blocks.get(i)?;
        (u32::from(address) + u32::from(count) <= block.end()).then_some(i)
    }

    /// The values at `address..address + count`, or `None` if any address in the
    /// range is undeclared (or the range is empty).
    pub fn get(&self, address: u16, count: u16) -> Option<&[T]> {
        if count == 0 {
            return None;
        }
        let block = &self.blocks[self.block_of(address, count)?];
        let offset = usize::from(address - block.start);
        block.values.get(offset..offset + usize::from(count))
    }

    /// Mutable access to `address..address + count`, under the same rule as [`get`](Self::get).
    pub fn get_mut(&mut self, address: u16, count: u16) -> Option<&mut [T]> {
        if count == 0 {
            return None;
        }
        let i = self.block_of(address, count)?;
        let block = &mut self.blocks[i];
        let offset = usize::from(address - block.start);
        block.values.get_mut(offset..offset + usize::from(count))
    }

    /// Number of declared addresses.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.blocks.iter().map(|b| b.values.len()).sum()
    }

    /// Whether no address is declared.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_only_fully_declared_ranges() {
        let table: Table<u16> = Table::with_ranges([(100, 2), (102, 1), (200, 4)]);
        assert_eq!(table.len(), 7);
        assert_eq!(table.get(100, 3), Some(&[0, 0, 0][..]));
        assert_eq!(table.get(101, 2).map(<[u16]>::len), Some(2));
        assert_eq!(table.get(100, 4), None, "103 is undeclared");
        assert_eq!(table.get(99, 1), None);
        assert_eq!(table.get(150, 1), None);
        assert_eq!(table.get(203, 1).map(<[u16]>::len), Some(1));
        assert_eq!(table.get(203, 2), None);
        assert_eq!(table.get(100, 0), None);
    }

    #[test]
    fn overlapping_and_unsorted_declarations_merge() {
        let table: Table<bool> = Table::with_ranges([(10, 4), (5, 6), (14, 1), (0, 0)]);
        assert_eq!(table.len(), 10);
        assert!(table.get(5, 10).is_some());
        assert!(table.get(4, 1).is_none());
    }

    #[test]
    fn writes_land_where_reads_see_them() {
        let mut table: Table<u16> = Table::with_ranges([(4001, 1), (4002, 2)]);
        table.get_mut(4002, 2).unwrap().copy_from_slice(&[7, 8]);
        assert_eq!(table.get(4001, 3), Some(&[0, 7, 8][..]));
        assert!(table.get_mut(4003, 2).is_none());
    }

    #[test]
    fn the_top_of_the_address_space_works() {
        let table: Table<u16> = Table::with_ranges([(65534, 2), (65535, 9)]);
        assert_eq!(table.len(), 2);
        assert!(table.get(65534, 2).is_some());
        assert!(table.get(65535, 2).is_none());
        let empty: Table<u16> = Table::default();
        assert!(empty.is_empty() && empty.get(0, 1).is_none());
    }
}
