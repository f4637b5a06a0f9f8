//! Ground truth from `Sample.reference`: strict JSON, unlike predictions.
//!
//! Accepted: one box `[x1,y1,x2,y2]`; a list of boxes; a list of objects
//! `{"bbox_2d": [...], "label": "..."}` (any key of
//! [`BOX_KEYS`]/[`LABEL_KEYS`]); a single such object; `[]` for "nothing to
//! find". The JSON may be wrapped in `<answer>…</answer>` and/or a Markdown
//! code fence. Anything else, and any box that is not four finite numbers
//! with `x1 <= x2` and `y1 <= y2`, is an `invalid-input` error: a bad
//! reference is a dataset problem, not a zero for the model.

use rewasm_plugin_sdk::RewardError;
use serde_json::Value;

use crate::bbox::BBox;
use crate::predictions::{answer_region, BOX_KEYS, LABEL_KEYS};

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub bbox: BBox,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reference {
    /// A bare `[x1,y1,x2,y2]`: a grounding target.
    Single(BBox),
    /// Zero or more targets.
    Many(Vec<Target>),
}

impl Reference {
    pub fn targets(&self) -> Vec<Target> {
        match self {
            Reference::Single(b) => vec![Target {
                bbox: *b,
                label: None,
            }],
            Reference::Many(t) => t.clone(),
        }
    }
}

/// Parses the reference text; at most `max_boxes` targets.
pub fn parse(text: &str, max_boxes: usize) -> Result<Reference, RewardError> {
    let body = strip_fence(answer_region(text).trim());
    let value: Value =
        serde_json::from_str(body).map_err(|e| invalid(format!("not JSON ({e})")))?;
    let reference = match &value {
        Value::Array(items) if items.len() == 4 && items.iter().all(Value::is_number) => {
            Reference::Single(box_from(&value, "the reference")?)
        }
        Value::Array(items) => {
            if items.len() > max_boxes {
                return Err(invalid(format!(
                    "{} boxes, more than max_boxes = {max_boxes}",
                    items.len()
                )));
            }
            let targets = items
                .iter()
                .enumerate()
                .map(|(i, item)| target_from(item, &format!("item {i}")))
                .collect::<Result<Vec<_>, _>>()?;
            Reference::Many(targets)
        }
        Value::Object(_) => Reference::Many(vec![target_from(&value, "the reference")?]),
        _ => {
            return Err(invalid(
                "expected a box, a list of boxes or a list of objects".to_string(),
            ))
        }
    };
    Ok(reference)
}

fn strip_fence(s: &str) -> &str {
    let Some(rest) = s.strip_prefix("```") else {
        return s;
    };
    // Drop the info string (`json`) up to the end of the first line.
    let rest = rest.find('\n').map_or("", |i| &rest[i + 1..]);
    rest.trim_end().strip_suffix("```").unwrap_or(rest).trim()
}

fn target_from(item: &Value, what: &str) -> Result<Target, RewardError> {
    match item {
        Value::Array(_) => Ok(Target {
            bbox: box_from(item, what)?,
            label: None,
        }),
        Value::Object(map) => {
            let bbox = BOX_KEYS
                .iter()
                .find_map(|k| map.get(*k))
                .ok_or_else(|| invalid(format!("{what} has none of the box keys {BOX_KEYS:?}")))?;
            let label = match LABEL_KEYS.iter().find_map(|k| map.get(*k)) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(invalid(format!("{what}: the label must be a string"))),
            };
            Ok(Target {
                bbox: box_from(bbox, what)?,
                label,
            })
        }
        _ => Err(invalid(format!("{what} is neither a box nor an object"))),
    }
}

fn box_from(value: &Value, what: &str) -> Result<BBox, RewardError> {
    let coords = value
        .as_array()
        .filter(|a| a.len() == 4)
        .ok_or_else(|| invalid(format!("{what}: a box must be a list of four numbers")))?;
    let mut c = [0.0; 4];
    for (slot, v) in c.iter_mut().zip(coords) {
        *slot = v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
            invalid(format!(
                "{what}: a box must be a list of four finite numbers"
            ))
        })?;
    }
    let b = BBox::from_array(c);
    if b.is_reversed() {
        return Err(invalid(format!("{what}: box {c:?} has x2 < x1 or y2 < y1")));
    }
    Ok(b)
}

fn invalid(message: String) -> RewardError {
    RewardError::InvalidInput(format!("reference: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(x1: f64, y1: f64, x2: f64, y2: f64, label: Option<&str>) -> Target {
        Target {
            bbox: BBox::new(x1, y1, x2, y2),
            label: label.map(str::to_string),
        }
    }

    #[test]
    fn a_bare_box_is_single() {
        assert_eq!(
            parse("[1, 2, 3, 4]", 10),
            Ok(Reference::Single(BBox::new(1.0, 2.0, 3.0, 4.0)))
        );
        assert_eq!(
            parse(" [0.5,0,1,1e0] ", 10),
            Ok(Reference::Single(BBox::new(0.5, 0.0, 1.0, 1.0)))
        );
    }

    #[test]
    fn lists_of_boxes_and_objects_are_many() {
        assert_eq!(
            parse("[[1,2,3,4],[5,6,7,8]]", 10),
            Ok(Reference::Many(vec![
                target(1.0, 2.0, 3.0, 4.0, None),
                target(5.0, 6.0, 7.0, 8.0, None)
            ]))
        );
        assert_eq!(
            parse(
                r#"[{"bbox_2d": [1,2,3,4], "label": "dog"}, {"bbox": [5,6,7,8], "label": null}]"#,
                10
            ),
            Ok(Reference::Many(vec![
                target(1.0, 2.0, 3.0, 4.0, Some("dog")),
                target(5.0, 6.0, 7.0, 8.0, None)
            ]))
        );
        assert_eq!(
            parse(r#"{"box": [1,2,3,4], "category": "cat"}"#, 10),
            Ok(Reference::Many(vec![target(
                1.0,
                2.0,
                3.0,
                4.0,
                Some("cat")
            )]))
        );
        assert_eq!(parse("[]", 10), Ok(Reference::Many(vec![])));
        assert_eq!(parse("[[1,2,3,4]]", 10).unwrap().targets().len(), 1);
    }

    #[test]
    fn wrappers_are_removed() {
        assert!(matches!(
            parse("<answer>[1,2,3,4]</answer>", 10),
            Ok(Reference::Single(_))
        ));
        assert!(matches!(
            parse("```json\n[[1,2,3,4]]\n```", 10),
            Ok(Reference::Many(_))
        ));
        assert!(matches!(
            parse("<answer>\n```\n[1,2,3,4]\n```\n</answer>", 10),
            Ok(Reference::Single(_))
        ));
    }

    #[test]
    fn unparsable_references_are_invalid_input() {
        for bad in [
            "",
            "dog",
            "[1,2,3]",
            "[1,2,3,\"4\"]",
            "[[1,2,3]]",
            "{\"label\": \"dog\"}",
            "[{\"bbox_2d\": [1,2,3,4], \"label\": 7}]",
            "[3, [1,2,3,4]]",
            "[4,3,2,1]",
            "[[0,5,10,4]]",
            "1e999",
            "[1e999, 0, 1, 1]",
            "null",
            "\"[1,2,3,4]\"",
        ] {
            let r = parse(bad, 10);
            assert!(
                matches!(&r, Err(RewardError::InvalidInput(m)) if m.starts_with("reference: ")),
                "{bad:?}: {r:?}"
            );
        }
    }

    #[test]
    fn too_many_boxes_is_an_error() {
        let text = format!("[{}]", ["[0,0,1,1]"; 11].join(","));
        assert!(parse(&text, 10).is_err());
        assert!(parse(&text, 11).is_ok());
    }

    #[test]
    fn zero_area_reference_boxes_are_allowed() {
        assert_eq!(
            parse("[5,5,5,9]", 10),
            Ok(Reference::Single(BBox::new(5.0, 5.0, 5.0, 9.0)))
        );
    }
}
