//! The random numbers behind the synthetic datasets.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
//! generators", OOPSLA 2014), written out here because a dataset must stay
//! byte-identical for a seed, which no generator crate promises across its
//! versions. Each row draws from its own stream, derived from the seed and
//! the row's index, so a row does not depend on the rows before it.

/// A SplitMix64 stream.
#[derive(Debug, Clone)]
pub struct Rng(u64);

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

impl Rng {
    /// The stream of row `index` of a dataset made with `seed`; `salt`
    /// keeps the streams of different generators apart.
    pub fn for_row(seed: u64, salt: u64, index: u64) -> Self {
        let mut r = Rng(seed ^ salt.wrapping_mul(GOLDEN));
        let mixed = r.next_u64() ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03);
        Rng(mixed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform in 0..n; `n` must be at least 1.
    pub fn below(&mut self, n: usize) -> usize {
        // The modulo bias is below 2^-40 for the small n used here.
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in lo..=hi.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // The first outputs of SplitMix64 seeded with 0 (reference C code).
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn rows_get_distinct_reproducible_streams() {
        let a = Rng::for_row(7, 1, 0).next_u64();
        assert_eq!(a, Rng::for_row(7, 1, 0).next_u64());
        assert_ne!(a, Rng::for_row(7, 1, 1).next_u64());
        assert_ne!(a, Rng::for_row(7, 2, 0).next_u64());
        assert_ne!(a, Rng::for_row(8, 1, 0).next_u64());
        let mut r = Rng::for_row(0, 0, 0);
        for _ in 0..1000 {
            let x = r.range(2.0, 3.0);
            assert!((2.0..3.0).contains(&x));
            assert!(r.below(5) < 5);
            assert!((-2..=2).contains(&r.int(-2, 2)));
        }
    }
}
