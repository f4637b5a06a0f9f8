//! Reading the judge's reply: one `<infoK>v</infoK>` per annotated fact.

/// The judge's verdicts on one sample's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdicts {
    /// One value per fact, clamped to [0, 1].
    pub values: Vec<f64>,
    /// The reply also judged `<info{K+1}>`, a fact that was not asked about.
    pub extra: bool,
}

/// Longest part of a reply quoted in an error message.
const QUOTE_CHARS: usize = 120;

/// The verdicts on facts 1..=`facts` in `reply`. For each K the last
/// `<infoK>..</infoK>` pair counts (a judge that corrects itself is read at
/// its final word); its content, trimmed, must be a finite number (`1`,
/// `0`, `1.0`, `0.5`, ...) and is clamped to [0, 1]. A missing or
/// non-numeric verdict is an error naming the fact: scoring it 0 would
/// reward a broken judge like a strict one.
pub fn parse(reply: &str, facts: usize) -> Result<Verdicts, String> {
    let mut values = Vec::with_capacity(facts);
    for k in 1..=facts {
        let Some(raw) = last_tagged(reply, k) else {
            return Err(format!(
                "judge reply has no verdict <info{k}>0 or 1</info{k}> ({facts} facts asked): {}",
                quote(reply)
            ));
        };
        let text = raw.trim();
        let value = text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                format!(
                    "judge verdict <info{k}>{}</info{k}> is not a number: {}",
                    quote(text),
                    quote(reply)
                )
            })?;
        values.push(value.clamp(0.0, 1.0));
    }
    Ok(Verdicts {
        values,
        extra: last_tagged(reply, facts + 1).is_some(),
    })
}

/// The content of the last `<info{k}>..</info{k}>` pair: from the last
/// closing tag back to the opening tag nearest before it (two linear scans).
fn last_tagged(reply: &str, k: usize) -> Option<&str> {
    let open = format!("<info{k}>");
    let end = reply.rfind(&format!("</info{k}>"))?;
    let start = reply[..end].rfind(&open)? + open.len();
    Some(&reply[start..end])
}

/// `text` on one line, clipped, in backticks.
fn quote(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut clipped: String = flat.chars().take(QUOTE_CHARS).collect();
    if flat.chars().count() > QUOTE_CHARS {
        clipped.push('…');
    }
    format!("`{clipped}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ones_and_zeros_in_order() {
        let v = parse("<info1>1</info1><info2>0</info2><info3>1</info3>", 3).unwrap();
        assert_eq!(v.values, vec![1.0, 0.0, 1.0]);
        assert!(!v.extra);
    }

    #[test]
    fn whitespace_decimals_and_surrounding_text_are_accepted() {
        let reply = "Sure.\n<info1> 1 </info1>,\n<info2>\n0.0\n</info2> <info3>1.0</info3>\nDone";
        assert_eq!(parse(reply, 3).unwrap().values, vec![1.0, 0.0, 1.0]);
        assert_eq!(parse("<info1>0.5</info1>", 1).unwrap().values, vec![0.5]);
    }

    #[test]
    fn values_are_clamped() {
        let v = parse("<info1>2</info1><info2>-1</info2><info3>1e3</info3>", 3).unwrap();
        assert_eq!(v.values, vec![1.0, 0.0, 1.0]);
    }

    #[test]
    fn the_last_verdict_for_a_fact_wins() {
        let v = parse("<info1>0</info1> wait, <info1>1</info1><info2>1</info2>", 2).unwrap();
        assert_eq!(v.values, vec![1.0, 1.0]);
        // An unclosed later tag does not hide an earlier complete one.
        let v = parse("<info1>0</info1> <info1>1", 1).unwrap();
        assert_eq!(v.values, vec![0.0]);
    }

    #[test]
    fn a_missing_fact_is_an_error_naming_it() {
        let err = parse("<info1>1</info1><info3>1</info3>", 3).unwrap_err();
        assert!(err.contains("<info2>"), "{err}");
        assert!(err.contains("3 facts"), "{err}");
        let err = parse("", 1).unwrap_err();
        assert!(err.contains("<info1>"), "{err}");
        let err = parse("<info1>1", 1).unwrap_err();
        assert!(err.contains("no verdict"), "{err}");
    }

    #[test]
    fn non_numbers_are_errors() {
        for reply in [
            "<info1>yes</info1>",
            "<info1></info1>",
            "<info1>1 or 0</info1>",
            "<info1>NaN</info1>",
            "<info1>inf</info1>",
            "<info1>1.0.0</info1>",
        ] {
            let err = parse(reply, 1).unwrap_err();
            assert!(err.contains("not a number"), "{reply}: {err}");
        }
    }

    #[test]
    fn extra_verdicts_are_flagged_not_scored() {
        let v = parse("<info1>1</info1><info2>0</info2><info3>1</info3>", 2).unwrap();
        assert_eq!(v.values, vec![1.0, 0.0]);
        assert!(v.extra);
    }

    #[test]
    fn info10_does_not_answer_for_info1() {
        let reply: String = (2..=10).map(|k| format!("<info{k}>1</info{k}>")).collect();
        assert!(parse(&reply, 10).unwrap_err().contains("<info1>"));
        let reply = format!("<info1>0</info1>{reply}");
        let v = parse(&reply, 10).unwrap();
        assert_eq!(v.values[0], 0.0);
        assert_eq!(v.values.iter().sum::<f64>(), 9.0);
    }

    #[test]
    fn long_replies_are_quoted_short() {
        let reply = "x".repeat(10_000);
        let err = parse(&reply, 1).unwrap_err();
        assert!(err.chars().count() < 300, "{}", err.len());
    }
}
