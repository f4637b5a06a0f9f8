//! Predicted boxes from a completion: bare `[x1, y1, x2, y2]` lists,
//! Qwen2.5-VL style objects `{"bbox_2d": [...], "label": "...", "score": 0.9}`
//! (also inside ```json fences or an enclosing list), and Qwen2-VL tuples
//! `(x1,y1),(x2,y2)`. One pass over the text, at most `max_boxes` kept.

use crate::bbox::BBox;
use crate::lexer::{Token, TokenStream};

/// Object keys whose value is the box.
pub const BOX_KEYS: &[&str] = &["bbox_2d", "bbox", "box_2d", "box"];
/// Object keys whose value is the label.
pub const LABEL_KEYS: &[&str] = &["label", "category", "class"];
/// Object keys whose value is the confidence.
pub const CONFIDENCE_KEYS: &[&str] = &["score", "confidence", "conf"];

/// Objects nested deeper than this are skipped (their boxes are then read
/// as bare lists); the bound keeps the object stack small on hostile input.
const MAX_OBJECT_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Predicted {
    pub bbox: BBox,
    pub label: Option<String>,
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// In order of appearance.
    pub boxes: Vec<Predicted>,
    /// Boxes found beyond `max_boxes` and ignored.
    pub dropped: usize,
}

/// The part of the completion that holds the answer: the text between the
/// first `<answer>` and the next `</answer>` (or the end, when unclosed),
/// else the whole completion.
pub fn answer_region(text: &str) -> &str {
    const OPEN: &str = "<answer>";
    const CLOSE: &str = "</answer>";
    match text.find(OPEN) {
        Some(i) => {
            let rest = &text[i + OPEN.len()..];
            match rest.find(CLOSE) {
                Some(j) => &rest[..j],
                None => rest,
            }
        }
        None => text,
    }
}

/// An object being read: what it has said so far, and where its box went.
#[derive(Default)]
struct OpenObject {
    label: Option<String>,
    confidence: Option<f64>,
    emitted: Option<usize>,
    has_box: bool,
}

/// Reads every box in `text`, keeping the first `max_boxes`.
pub fn parse(text: &str, max_boxes: usize) -> Parsed {
    let mut ts = TokenStream::new(text);
    let mut out = Parsed::default();
    let mut objects: Vec<OpenObject> = Vec::new();
    let mut skipped_depth = 0usize;

    loop {
        let head = match ts.peek(0) {
            None => break,
            Some(Token::Punct(b'{')) => Head::Open,
            Some(Token::Punct(b'}')) => Head::Close,
            Some(Token::Punct(b'[')) | Some(Token::Punct(b'(')) => Head::MaybeBox,
            Some(Token::Str(_)) => Head::Str,
            Some(_) => Head::Other,
        };
        match head {
            Head::Open => {
                if objects.len() < MAX_OBJECT_DEPTH {
                    objects.push(OpenObject::default());
                } else {
                    skipped_depth += 1;
                }
                ts.advance(1);
            }
            Head::Close => {
                if skipped_depth > 0 {
                    skipped_depth -= 1;
                } else {
                    objects.pop();
                }
                ts.advance(1);
            }
            Head::Str
                if skipped_depth == 0
                    && !objects.is_empty()
                    && ts.peek(1) == Some(&Token::Punct(b':')) =>
            {
                let Some(Token::Str(key)) = ts.take() else {
                    continue;
                };
                ts.advance(1);
                if let Some(obj) = objects.last_mut() {
                    read_member(&key, obj, &mut ts, &mut out, max_boxes);
                }
            }
            Head::MaybeBox => match match_box(&mut ts) {
                Some((bbox, len)) => {
                    ts.advance(len);
                    emit(
                        &mut out,
                        max_boxes,
                        Predicted {
                            bbox,
                            label: None,
                            confidence: None,
                        },
                    );
                }
                None => ts.advance(1),
            },
            Head::Str | Head::Other => ts.advance(1),
        }
    }
    out
}

/// The kind of token at the stream's head, copied out so the stream can be
/// borrowed again.
enum Head {
    Open,
    Close,
    MaybeBox,
    Str,
    Other,
}

/// Handles `"key":` inside an object; the value's tokens are consumed only
/// when the key is one we read, otherwise the main loop walks them.
fn read_member(
    key: &str,
    obj: &mut OpenObject,
    ts: &mut TokenStream<'_>,
    out: &mut Parsed,
    max_boxes: usize,
) {
    if BOX_KEYS.contains(&key) {
        if let Some((bbox, len)) = match_box(ts) {
            ts.advance(len);
            // A second box key in the same object is ignored.
            if !obj.has_box {
                obj.has_box = true;
                let predicted = Predicted {
                    bbox,
                    label: obj.label.clone(),
                    confidence: obj.confidence,
                };
                obj.emitted = emit(out, max_boxes, predicted);
            }
        }
    } else if LABEL_KEYS.contains(&key) {
        if let Some(Token::Str(label)) = ts.peek(0) {
            let label = label.clone();
            ts.advance(1);
            if let Some(p) = obj.emitted.and_then(|i| out.boxes.get_mut(i)) {
                p.label = Some(label.clone());
            }
            obj.label = Some(label);
        }
    } else if CONFIDENCE_KEYS.contains(&key) {
        if let Some(&Token::Number(c)) = ts.peek(0) {
            ts.advance(1);
            if let Some(p) = obj.emitted.and_then(|i| out.boxes.get_mut(i)) {
                p.confidence = Some(c);
            }
            obj.confidence = Some(c);
        }
    }
}

fn emit(out: &mut Parsed, max_boxes: usize, p: Predicted) -> Option<usize> {
    if out.boxes.len() < max_boxes {
        out.boxes.push(p);
        Some(out.boxes.len() - 1)
    } else {
        out.dropped += 1;
        None
    }
}

/// `[n, n, n, n]` or `(n, n), (n, n)` at the stream's head: the box and how
/// many tokens it spans.
fn match_box(ts: &mut TokenStream<'_>) -> Option<(BBox, usize)> {
    const LIST: &[Pat] = &[
        Pat::P(b'['),
        Pat::N,
        Pat::P(b','),
        Pat::N,
        Pat::P(b','),
        Pat::N,
        Pat::P(b','),
        Pat::N,
        Pat::P(b']'),
    ];
    const TUPLES: &[Pat] = &[
        Pat::P(b'('),
        Pat::N,
        Pat::P(b','),
        Pat::N,
        Pat::P(b')'),
        Pat::P(b','),
        Pat::P(b'('),
        Pat::N,
        Pat::P(b','),
        Pat::N,
        Pat::P(b')'),
    ];
    let pattern = match ts.peek(0) {
        Some(Token::Punct(b'[')) => LIST,
        Some(Token::Punct(b'(')) => TUPLES,
        _ => return None,
    };
    let mut nums = [0.0; 4];
    let mut n = 0;
    for (k, pat) in pattern.iter().enumerate() {
        match (pat, ts.peek(k)?) {
            (Pat::P(want), Token::Punct(got)) if want == got => {}
            (Pat::N, Token::Number(v)) => {
                nums[n] = *v;
                n += 1;
            }
            _ => return None,
        }
    }
    Some((BBox::from_array(nums), pattern.len()))
}

enum Pat {
    P(u8),
    N,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(text: &str) -> Vec<Predicted> {
        parse(text, 1000).boxes
    }

    fn b(x1: f64, y1: f64, x2: f64, y2: f64) -> BBox {
        BBox::new(x1, y1, x2, y2)
    }

    #[test]
    fn answer_region_prefers_the_answer_block() {
        assert_eq!(
            answer_region("<think>[1,2,3,4]</think><answer>[5,6,7,8]</answer>"),
            "[5,6,7,8]"
        );
        assert_eq!(answer_region("<answer>[5,6,7,8]"), "[5,6,7,8]");
        assert_eq!(answer_region("just [1,2,3,4]"), "just [1,2,3,4]");
        assert_eq!(answer_region("<answer></answer>[1,2,3,4]"), "");
    }

    #[test]
    fn bare_lists_anywhere_in_prose() {
        let got = boxes("The dog is at [10, 20, 30, 40] and the cat at [1.5,2,3,4.25].");
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].bbox, b(10.0, 20.0, 30.0, 40.0));
        assert_eq!(got[1].bbox, b(1.5, 2.0, 3.0, 4.25));
        assert_eq!(got[0].label, None);
    }

    #[test]
    fn lists_that_are_not_four_numbers_are_ignored() {
        assert!(boxes("[1, 2, 3] [1, 2, 3, 4, 5] [a, 1, 2, 3] [1 2 3 4] [1,2,3,4,]").is_empty());
        assert_eq!(boxes("[[1, 2, 3, 4], [5, 6, 7, 8]]").len(), 2);
    }

    #[test]
    fn qwen25_objects_with_labels_and_scores() {
        let text = r#"```json
[
  {"bbox_2d": [10, 20, 30, 40], "label": "dog", "score": 0.9},
  {"label": "cat", "confidence": 0.4, "bbox_2d": [50, 60, 70, 80]}
]
```"#;
        let got = boxes(text);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0],
            Predicted {
                bbox: b(10.0, 20.0, 30.0, 40.0),
                label: Some("dog".into()),
                confidence: Some(0.9)
            }
        );
        assert_eq!(
            got[1],
            Predicted {
                bbox: b(50.0, 60.0, 70.0, 80.0),
                label: Some("cat".into()),
                confidence: Some(0.4)
            }
        );
    }

    #[test]
    fn other_box_keys_and_escaped_labels() {
        let got = boxes(
            r#"{"bbox": [1,2,3,4], "category": "tr\"uck"} {"box_2d": [5,6,7,8], "class": "é"}"#,
        );
        assert_eq!(got[0].label.as_deref(), Some("tr\"uck"));
        assert_eq!(got[1].label.as_deref(), Some("é"));
    }

    #[test]
    fn a_second_box_key_in_one_object_is_ignored() {
        let got = boxes(r#"{"bbox_2d": [1,2,3,4], "bbox": [5,6,7,8], "label": "x"}"#);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].bbox, b(1.0, 2.0, 3.0, 4.0));
    }

    #[test]
    fn boxes_under_other_keys_count_as_bare_boxes() {
        let got = boxes(r#"{"objects": [[1,2,3,4]], "label": "ignored"}"#);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].label, None);
    }

    #[test]
    fn truncated_object_keeps_its_box() {
        let got = boxes(r#"[{"bbox_2d": [1,2,3,4], "label": "dog"}, {"bbox_2d": [5,6,7,8], "lab"#);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].label, None);
    }

    #[test]
    fn qwen2_tuples() {
        let got = boxes("<|box_start|>(100,200),(300,400)<|box_end|>");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].bbox, b(100.0, 200.0, 300.0, 400.0));
        assert!(boxes("(1,2)").is_empty());
    }

    #[test]
    fn nested_objects_keep_their_own_labels() {
        let got = boxes(
            r#"{"label": "outer", "child": {"bbox_2d": [1,2,3,4], "label": "inner"}, "bbox_2d": [5,6,7,8]}"#,
        );
        assert_eq!(got[0].label.as_deref(), Some("inner"));
        assert_eq!(got[1].label.as_deref(), Some("outer"));
    }

    #[test]
    fn max_boxes_caps_and_counts_the_rest() {
        let text = "[0,0,1,1] ".repeat(10);
        let parsed = parse(&text, 3);
        assert_eq!(parsed.boxes.len(), 3);
        assert_eq!(parsed.dropped, 7);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = format!(
            "{}\"bbox_2d\": [1,2,3,4]{}",
            "{".repeat(10_000),
            "}".repeat(10_000)
        );
        let got = boxes(&text);
        assert_eq!(got.len(), 1, "read as a bare list beyond the depth limit");
    }

    #[test]
    fn non_numeric_looking_numbers() {
        let got = boxes("[1e999, 0, 1, 1] [-1, -2, 3, 4]");
        assert_eq!(got.len(), 2);
        assert!(got[0].bbox.is_degenerate());
        assert_eq!(got[1].bbox, b(-1.0, -2.0, 3.0, 4.0));
    }
}
