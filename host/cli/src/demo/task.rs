//! The demo's bundled task: short arithmetic questions, plain and as word
//! problems in the style of the GSM-symbolic templates (names, items and
//! numbers filled into fixed sentences), generated from a seed so every run
//! of the demo trains on the same rows.

use serde_json::{json, Value};

/// The system message of every demo prompt.
pub const SYSTEM: &str = "Answer briefly.";

/// One question and its integer answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The template's name (kept in the row's metadata).
    pub kind: &'static str,
    pub question: String,
    pub answer: i64,
}

/// SplitMix64: small, seedable, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const NAMES: &[&str] = &[
    "Tom", "Mia", "Ravi", "Lena", "Omar", "Sofia", "Ken", "Ada", "Luis", "Nora",
];
const ITEMS: &[&str] = &[
    "apples", "stickers", "marbles", "books", "pencils", "cookies", "stamps", "shells",
];

/// `n` problems from `seed`: plain sums and differences, and one-step word
/// problems (add, take away, equal groups), in a fixed rotation.
pub fn problems(n: usize, seed: u64) -> Vec<Problem> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let name = rng.pick(NAMES);
            let item = rng.pick(ITEMS);
            match i % 5 {
                0 | 1 => {
                    let (a, b) = (rng.range(2, 30), rng.range(2, 30));
                    Problem {
                        kind: "sum",
                        question: format!("What is {a} + {b}?"),
                        answer: a + b,
                    }
                }
                2 => {
                    let (a, b) = (rng.range(10, 40), rng.range(2, 9));
                    Problem {
                        kind: "difference",
                        question: format!("What is {a} - {b}?"),
                        answer: a - b,
                    }
                }
                3 => {
                    let (a, b) = (rng.range(2, 20), rng.range(2, 20));
                    Problem {
                        kind: "more",
                        question: format!(
                            "{name} has {a} {item} and gets {b} more. How many {item} does {name} have now?"
                        ),
                        answer: a + b,
                    }
                }
                _ => {
                    let (a, b) = (rng.range(2, 9), rng.range(2, 5));
                    Problem {
                        kind: "groups",
                        question: format!(
                            "{name} has {b} bags with {a} {item} in each bag. How many {item} does {name} have?"
                        ),
                        answer: a * b,
                    }
                }
            }
        })
        .collect()
}

/// The dataset rows (`messages`, `reference`, `metadata`, `id`) of
/// [`problems`], one JSON object per problem.
pub fn rows(n: usize, seed: u64) -> Vec<Value> {
    problems(n, seed)
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "id": format!("demo-{:04}", i + 1),
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": p.question},
                ],
                "reference": p.answer.to_string(),
                "metadata": {"kind": p.kind},
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_rows_and_answers_are_right() {
        assert_eq!(rows(50, 7), rows(50, 7));
        assert_ne!(rows(50, 7), rows(50, 8));
        for p in problems(200, 3) {
            let nums: Vec<i64> = p
                .question
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().expect("digits"))
                .collect();
            let want = match p.kind {
                "sum" | "more" => nums[0] + nums[1],
                "difference" => nums[0] - nums[1],
                "groups" => nums[0] * nums[1],
                other => panic!("unknown kind {other}"),
            };
            assert_eq!(p.answer, want, "{}", p.question);
            assert!(p.answer > 0, "{}", p.question);
        }
    }

    #[test]
    fn every_kind_occurs() {
        let kinds: std::collections::BTreeSet<_> = problems(10, 1).iter().map(|p| p.kind).collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
    }
}
