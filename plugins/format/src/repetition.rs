//! The n-gram repetition penalty of Appendix C.2 of "Demystifying Long
//! Chain-of-Thought Reasoning in LLMs" (arXiv:2502.03373), as used by open-r1/TRL
//! and Perception-R1: words are the lowercased whitespace-separated pieces.

use std::collections::{HashMap, HashSet};

/// `1 - unique/total` over the word `n`-grams of `text`: 0 when nothing
/// repeats, approaching 1 when one n-gram fills the text. Texts shorter than
/// `n` words score 0.
pub fn repeated_fraction(text: &str, n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    // Interning words to ids makes each n-gram a slice of u32, so hashing an
    // n-gram costs n integer hashes instead of n string hashes.
    let mut ids: HashMap<String, u32> = HashMap::new();
    let words: Vec<u32> = text
        .split_whitespace()
        .map(|w| {
            let next = ids.len() as u32;
            *ids.entry(w.to_lowercase()).or_insert(next)
        })
        .collect();
    if words.len() < n {
        return 0.0;
    }
    let total = words.len() - n + 1;
    let unique: HashSet<&[u32]> = words.windows(n).collect();
    1.0 - unique.len() as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::repeated_fraction;

    #[test]
    fn no_repetition_scores_zero() {
        assert_eq!(repeated_fraction("the cat sat on the mat", 3), 0.0);
        assert_eq!(repeated_fraction("", 3), 0.0);
    }

    #[test]
    fn fewer_words_than_n_scores_zero() {
        assert_eq!(repeated_fraction("a a", 3), 0.0);
    }

    #[test]
    fn counts_unique_over_total_ngrams() {
        // 3-grams of "a b c a b c": abc bca cab abc -> 3 unique of 4.
        assert!((repeated_fraction("a b c a b c", 3) - 0.25).abs() < 1e-12);
        // 1-grams: 2 unique of 6.
        assert!((repeated_fraction("x y x y x y", 1) - (1.0 - 2.0 / 6.0)).abs() < 1e-12);
    }

    #[test]
    fn words_are_compared_lowercased_and_split_on_any_whitespace() {
        assert!(
            (repeated_fraction("Hello\tWORLD\nhello world", 2) - (1.0 - 2.0 / 3.0)).abs() < 1e-12
        );
    }

    #[test]
    fn heavy_repetition_approaches_one() {
        let text = "go ".repeat(10_000);
        let f = repeated_fraction(&text, 20);
        assert!(f > 0.999 && f < 1.0, "{f}");
    }

    #[test]
    fn zero_n_is_harmless() {
        assert_eq!(repeated_fraction("a a a", 0), 0.0);
    }
}
