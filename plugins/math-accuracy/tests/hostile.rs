//! Hostile inputs: each must yield a verdict (or, for a broken reference, an
//! `InvalidInput` error) without panicking, within a generous time bound and
//! a fixed thread stack. Release builds run them on a 512 KiB stack, the
//! order of a Wasm runtime's default; debug frames are several times larger,
//! so debug builds get 4 MiB.

use std::time::{Duration, Instant};

use math_accuracy::{verify, Config, Verdict};
use rewasm_plugin_sdk::RewardError;

const STACK: usize = if cfg!(debug_assertions) {
    4 << 20
} else {
    512 << 10
};
const TIME_LIMIT: Duration = Duration::from_secs(2);

fn boxed(s: &str) -> String {
    format!("The answer is \\boxed{{{s}}}.")
}

fn polynomial(terms: usize, bump: Option<usize>) -> String {
    (0..terms)
        .rev()
        .map(|k| {
            let c = if Some(k) == bump { "2" } else { "" };
            match k {
                0 => "1".to_string(),
                1 => format!("{c}x"),
                _ => format!("{c}x^{{{k}}}"),
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn nested_frac(depth: usize) -> String {
    format!("{}1{}", r"\frac{1}{1+".repeat(depth), "}".repeat(depth))
}

/// (completion, reference, expected verdict: Some(correct) or None for a reference error)
fn cases() -> Vec<(String, String, Option<bool>)> {
    let tower = "9^{9^{9^{9^9}}}".to_string();
    let mut big_text = "Let me think about this step by step. 12 + 30 = 42. ".repeat(2000);
    big_text.push_str(&boxed("42"));
    let mut v = vec![
        (boxed(&tower), "1".to_string(), Some(false)),
        (boxed(&tower), tower.clone(), Some(true)),
        (boxed("9^{9^{9^{387420489}}}"), tower.clone(), Some(true)),
        (boxed("9^{9^{9^{387420488}}}"), tower.clone(), Some(false)),
        (boxed("1"), tower.clone(), Some(false)),
        (boxed("(10^8)!"), "100000000!".to_string(), Some(true)),
        (boxed("(10^8)!"), "10^{800000000}".to_string(), Some(false)),
        (
            boxed(&polynomial(400, None)),
            r"\frac{x^{400}-1}{x-1}".to_string(),
            Some(true),
        ),
        (
            boxed(&polynomial(400, Some(200))),
            r"\frac{x^{400}-1}{x-1}".to_string(),
            Some(false),
        ),
        (
            boxed(&polynomial(400, Some(3))),
            polynomial(400, None),
            Some(false),
        ),
        (boxed(&nested_frac(200)), nested_frac(200), Some(true)),
        (
            boxed(&nested_frac(200)),
            "0.6180339887498949".to_string(),
            Some(true),
        ),
        (boxed(&nested_frac(199)), "1".to_string(), Some(false)),
        (
            boxed(&format!("{}1{}", "(".repeat(235), ")".repeat(235))),
            "1".to_string(),
            Some(true),
        ),
        (
            boxed(&format!("{}1{}", "(".repeat(400), ")".repeat(400))),
            "1".to_string(),
            Some(false),
        ),
        (
            boxed("1"),
            format!("{}1{}", "(".repeat(400), ")".repeat(400)),
            None,
        ),
        (
            boxed(&format!("{}x{}", r"\sqrt{".repeat(200), "}".repeat(200))),
            "x".to_string(),
            Some(false),
        ),
        (
            boxed(&format!("{}2{}", "x^{".repeat(200), "}".repeat(200))),
            "x".to_string(),
            Some(false),
        ),
        (
            boxed(&format!("{}x{}", r"\sin(".repeat(200), ")".repeat(200))),
            "x".to_string(),
            Some(false),
        ),
        (
            boxed(&format!("{}x{}", "|".repeat(120), "|".repeat(120))),
            "|x|".to_string(),
            Some(true),
        ),
        (boxed(&"-".repeat(5000)), "1".to_string(), Some(false)),
        (
            boxed("1+".repeat(3000).trim_end_matches('+')),
            "3000".to_string(),
            Some(true),
        ),
        (boxed(&"5!".repeat(1500)), "1".to_string(), Some(false)),
        (boxed(&"9".repeat(5000)), "8".repeat(3000), Some(false)),
        (
            boxed("10^{10^{10^{10}}} - 10^{10^{10^{10}}}"),
            "0".to_string(),
            Some(false),
        ),
        (boxed(r"\binom{10^9}{10^8}"), "1".to_string(), Some(false)),
        (
            boxed("2^{2^{100}}"),
            "2^{2^{100}}+1".to_string(),
            Some(false),
        ),
        (boxed("10^{-400}"), "0".to_string(), Some(false)),
        (boxed("1/0"), "1".to_string(), Some(false)),
        (boxed(r"\ln 0"), r"\ln 0".to_string(), Some(true)),
        (
            boxed("a+b+c+d+e+f+g+h+j+k+l+m+n+p+q+r"),
            "r+q+p+n+m+l+k+j+h+g+f+e+d+c+b+a".to_string(),
            Some(true),
        ),
        (big_text, "42".to_string(), Some(true)),
        (
            format!(r"\boxed{{{}", "{".repeat(100_000)),
            "1".to_string(),
            Some(false),
        ),
        (r"\boxed{".repeat(20_000), "1".to_string(), Some(false)),
        ("<answer>".repeat(20_000), "1".to_string(), Some(false)),
        ("Answer:\n".repeat(20_000), "1".to_string(), Some(false)),
        ("#### ".repeat(20_000), "1".to_string(), Some(false)),
        (boxed(r"\\\\\\"), "1".to_string(), Some(false)),
        (boxed(r"\pm\pm\pm\pm\pm 1"), "1".to_string(), Some(false)),
        (boxed("é∑∫ø≈ç√∂ƒ©˙∆˚¬…æ"), "1".to_string(), Some(false)),
    ];
    let set: Vec<String> = (0..400).map(|k| format!("{k}")).collect();
    let mut shuffled = set.clone();
    shuffled.reverse();
    v.push((
        boxed(&format!(r"\{{{}\}}", set.join(","))),
        format!(r"\{{{}\}}", shuffled.join(",")),
        Some(true),
    ));
    let matrix = |n: usize| {
        let rows: Vec<String> = (0..n)
            .map(|r| {
                (0..n)
                    .map(|c| format!("{}", r * n + c))
                    .collect::<Vec<_>>()
                    .join("&")
            })
            .collect();
        format!(r"\begin{{pmatrix}}{}\end{{pmatrix}}", rows.join(r"\\"))
    };
    v.push((boxed(&matrix(20)), matrix(20), Some(true)));
    v
}

/// Runs one case on a fresh thread with the test stack; the reported time is
/// the best of a few runs, since the machine may be busy with other work.
fn run(completion: String, reference: String) -> (Result<Verdict, RewardError>, Duration) {
    let runs = if cfg!(debug_assertions) { 1 } else { 5 };
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut best = Duration::MAX;
            let mut verdict = None;
            for _ in 0..runs {
                let start = Instant::now();
                let v = verify(&Config::default(), &completion, &reference);
                best = best.min(start.elapsed());
                verdict = Some(v);
            }
            let v = verdict.unwrap_or_else(|| Err(RewardError::Internal("not run".into())));
            (v, best)
        })
        .expect("spawn")
        .join()
        .expect("verify must not panic")
}

#[test]
fn hostile_inputs_get_a_verdict_quickly() {
    let mut slowest = (Duration::ZERO, 0);
    let mut failures = Vec::new();
    for (i, (completion, reference, expected)) in cases().into_iter().enumerate() {
        let (result, took) = run(completion, reference);
        slowest = slowest.max((took, i));
        let got = match &result {
            Ok(v) => Some(v.correct),
            Err(RewardError::InvalidInput(_)) => None,
            Err(e) => panic!("case {i}: unexpected error kind {e:?}"),
        };
        if got != expected || took > TIME_LIMIT {
            failures.push(format!(
                "case {i}: expected {expected:?}, got {result:?} in {took:?}"
            ));
        }
    }
    eprintln!("slowest hostile case: #{} in {:?}", slowest.1, slowest.0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Random strings built from math-heavy fragments and arbitrary characters.
#[test]
fn random_inputs_never_panic() {
    const PIECES: &[&str] = &[
        r"\frac",
        r"\sqrt",
        r"\boxed{",
        r"\fbox{",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        r"\{",
        r"\}",
        "^",
        "_",
        "!",
        "|",
        ",",
        "=",
        "<",
        r"\le",
        r"\pm",
        r"\cup",
        r"\infty",
        r"\pi",
        "x",
        "y",
        "e",
        "i",
        "0",
        "1",
        "9",
        "12",
        ".",
        "-",
        "+",
        "*",
        "/",
        r"\cdot",
        r"\text{cm}",
        r"\%",
        "$",
        " ",
        r"\\",
        "&",
        r"\begin{pmatrix}",
        r"\end{pmatrix}",
        r"\log_",
        r"\sin",
        "</think>",
        "<answer>",
        "</answer>",
        "Answer:",
        "####",
        "\n",
        r"\left(",
        r"\right)",
        r"\overline{3}",
        "0.",
        ",000",
        r"\dfrac",
        r"\binom",
        "é",
        "\u{0}",
        "∞",
        "√",
        r"\mathrm{",
        r"\operatorname{",
        "1e5",
        "e-",
    ];
    let mut state: u64 = 0x1234_5678_9abc_def0;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let mut verdicts = 0;
            for _ in 0..3000 {
                let mut make = |len: u64| {
                    let mut s = String::new();
                    for _ in 0..(next() % len) {
                        let r = next();
                        if r % 7 == 0 {
                            s.push(char::from_u32((r >> 8) as u32 % 0x3000).unwrap_or('?'));
                        } else {
                            s.push_str(PIECES[(r >> 8) as usize % PIECES.len()]);
                        }
                    }
                    s
                };
                let completion = make(80);
                let reference = make(30);
                for c in [completion.clone(), format!(r"\boxed{{{completion}}}")] {
                    let start = Instant::now();
                    let r = verify(&Config::default(), &c, &reference);
                    assert!(
                        start.elapsed() < TIME_LIMIT,
                        "slow on {c:?} / {reference:?}"
                    );
                    if let Ok(v) = r {
                        assert!(v.note.chars().count() < 200);
                        verdicts += 1;
                    }
                }
            }
            verdicts
        })
        .expect("spawn");
    let verdicts = handle
        .join()
        .expect("verify must not panic on random input");
    // Most random references do not parse; some must, or the test tests nothing.
    assert!(verdicts > 100, "only {verdicts} verdicts");
}
