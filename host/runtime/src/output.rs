//! Turning what a plugin returned (or how it failed) into typed results.

use rewasm_api::{RewardError, Score};
use wasmtime::Trap;

use crate::bindings::wit;
use crate::capability::{CapabilityDenied, HostState, ImportDenied};
use crate::SandboxLimits;

/// Longest note accepted from a plugin.
pub(crate) const NOTE_MAX_BYTES: usize = 4096;
/// Most parts accepted per score.
pub(crate) const PARTS_MAX: usize = 256;
/// Longest part name accepted.
pub(crate) const PART_NAME_MAX_BYTES: usize = 128;
/// Longest error message kept from a plugin.
const MESSAGE_MAX_BYTES: usize = 4096;

/// Classifies a failed call. The limiter's flag wins over the trap it caused:
/// a refused `memory.grow` usually surfaces as an abort inside the guest.
pub(crate) fn classify_failure(
    err: &wasmtime::Error,
    state: &HostState,
    limits: &SandboxLimits,
) -> RewardError {
    if let Some(denied) = err.downcast_ref::<CapabilityDenied>() {
        return RewardError::Trap(denied.to_string());
    }
    if let Some(denied) = err.downcast_ref::<ImportDenied>() {
        return RewardError::Trap(denied.to_string());
    }
    if let Some(trap) = err.downcast_ref::<Trap>() {
        return match trap {
            Trap::Interrupt => RewardError::Timeout {
                timeout_ms: limits.timeout_ms,
            },
            Trap::OutOfFuel => RewardError::FuelExhausted {
                fuel: limits.fuel.unwrap_or(0),
            },
            _ if state.limiter.hit => RewardError::OutOfMemory {
                limit_mb: limits.memory_mb,
            },
            Trap::StackOverflow => {
                RewardError::Trap("stack overflow (recursion too deep for the guest stack)".into())
            }
            other => RewardError::Trap(other.to_string()),
        };
    }
    if state.limiter.hit {
        return RewardError::OutOfMemory {
            limit_mb: limits.memory_mb,
        };
    }
    // Anything else failed while moving values across the boundary: a string
    // that is not UTF-8, a pointer out of bounds, a bad discriminant.
    RewardError::InvalidOutput(truncate(format!("{err:#}")))
}

/// Checks a score call's results against the batch and converts them.
pub(crate) fn convert_results(
    results: Vec<Result<wit::Score, wit::RewardError>>,
    expected: usize,
) -> Result<Vec<Result<Score, RewardError>>, RewardError> {
    if results.len() != expected {
        return Err(RewardError::InvalidOutput(format!(
            "plugin returned {} results for {} samples",
            results.len(),
            expected
        )));
    }
    Ok(results
        .into_iter()
        .map(|r| match r {
            Ok(s) => convert_score(s),
            Err(e) => Err(convert_guest_error(e)),
        })
        .collect())
}

fn convert_score(s: wit::Score) -> Result<Score, RewardError> {
    if !s.value.is_finite() {
        return Err(RewardError::InvalidOutput(format!(
            "score value is {}",
            s.value
        )));
    }
    if s.parts.len() > PARTS_MAX {
        return Err(RewardError::InvalidOutput(format!(
            "{} parts (at most {PARTS_MAX})",
            s.parts.len()
        )));
    }
    let mut parts = Vec::with_capacity(s.parts.len());
    for p in s.parts {
        if p.name.is_empty() || p.name.len() > PART_NAME_MAX_BYTES {
            return Err(RewardError::InvalidOutput(format!(
                "part name of {} bytes (1..={PART_NAME_MAX_BYTES})",
                p.name.len()
            )));
        }
        if !p.value.is_finite() {
            return Err(RewardError::InvalidOutput(format!(
                "part `{}` is {}",
                p.name, p.value
            )));
        }
        parts.push((p.name, p.value));
    }
    if let Some(n) = &s.note {
        if n.len() > NOTE_MAX_BYTES {
            return Err(RewardError::InvalidOutput(format!(
                "note of {} bytes (at most {NOTE_MAX_BYTES})",
                n.len()
            )));
        }
    }
    Ok(Score {
        value: s.value,
        parts,
        note: s.note,
    })
}

/// Converts an error the plugin returned.
pub(crate) fn convert_guest_error(e: wit::RewardError) -> RewardError {
    match e {
        wit::RewardError::InvalidInput(m) => {
            RewardError::Guest(truncate(format!("invalid input: {m}")))
        }
        wit::RewardError::Internal(m) => RewardError::Guest(truncate(format!("internal: {m}"))),
        wit::RewardError::Unsupported(m) => RewardError::Unsupported(truncate(m)),
    }
}

fn truncate(mut s: String) -> String {
    if s.len() > MESSAGE_MAX_BYTES {
        let mut cut = MESSAGE_MAX_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(value: f64) -> wit::Score {
        wit::Score {
            value,
            parts: vec![],
            note: None,
        }
    }

    #[test]
    fn wrong_count_is_invalid_output_for_all() {
        let err = convert_results(vec![Ok(score(1.0))], 2).unwrap_err();
        assert_eq!(err.kind(), rewasm_api::ErrorKind::InvalidOutput);
        assert!(err.to_string().contains("1 results for 2 samples"));
    }

    #[test]
    fn nan_and_inf_are_rejected_per_sample() {
        let out = convert_results(
            vec![
                Ok(score(f64::NAN)),
                Ok(score(0.5)),
                Ok(score(f64::INFINITY)),
            ],
            3,
        )
        .unwrap();
        assert!(matches!(out[0], Err(RewardError::InvalidOutput(_))));
        assert_eq!(out[1].as_ref().unwrap().value, 0.5);
        assert!(matches!(out[2], Err(RewardError::InvalidOutput(_))));
    }

    #[test]
    fn oversized_note_and_bad_parts_are_rejected() {
        let mut s = score(1.0);
        s.note = Some("x".repeat(NOTE_MAX_BYTES + 1));
        assert!(convert_score(s).is_err());
        let mut s = score(1.0);
        s.parts.push(wit::Part {
            name: "p".into(),
            value: f64::NAN,
        });
        assert!(convert_score(s).is_err());
        let mut s = score(1.0);
        s.parts.push(wit::Part {
            name: String::new(),
            value: 1.0,
        });
        assert!(convert_score(s).is_err());
    }

    #[test]
    fn guest_errors_keep_their_kind() {
        let e = convert_guest_error(wit::RewardError::Unsupported("images".into()));
        assert_eq!(e, RewardError::Unsupported("images".into()));
        let e = convert_guest_error(wit::RewardError::InvalidInput("bad ref".into()));
        assert_eq!(e.kind(), rewasm_api::ErrorKind::Guest);
        assert!(e.message().contains("bad ref"));
    }
}
