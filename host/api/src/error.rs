use std::fmt;

/// Why a reward has no score for a sample.
///
/// Sandbox failures (trap, timeout, out-of-memory, invalid output) stay
/// distinct from errors the plugin itself returned, because a trainer reacts
/// differently: the first are the plugin's fault and count toward quarantine,
/// the second are usually the data's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RewardError {
    /// The call ran past its wall-clock deadline.
    #[error("timed out after {timeout_ms} ms")]
    Timeout {
        /// The deadline that was exceeded.
        timeout_ms: u64,
    },
    /// The call used up its deterministic fuel budget.
    #[error("fuel budget of {fuel} exhausted")]
    FuelExhausted {
        /// The budget that was exhausted.
        fuel: u64,
    },
    /// The plugin tried to grow memory past its cap.
    #[error("out of memory: tried to grow past the {limit_mb} MiB cap")]
    OutOfMemory {
        /// The cap in MiB.
        limit_mb: u64,
    },
    /// The plugin trapped (unreachable, stack overflow, a denied capability...).
    #[error("trap: {0}")]
    Trap(String),
    /// The plugin returned something the host cannot accept (wrong number of
    /// results, a NaN score, an oversized note...).
    #[error("invalid output: {0}")]
    InvalidOutput(String),
    /// The plugin reported the sample (or its config) as invalid, or failed
    /// internally.
    #[error("plugin error: {0}")]
    Guest(String),
    /// The plugin cannot score this kind of sample.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The reward failed repeatedly and is paused; the run goes on without it.
    #[error("quarantined: {0}")]
    Quarantined(String),
}

/// The stable, machine-readable kind of a [`RewardError`], as written in
/// output files (`"kind": "timeout"`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// Wall-clock deadline or fuel budget exceeded.
    Timeout,
    /// Memory cap hit.
    OutOfMemory,
    /// The guest trapped.
    Trap,
    /// The guest's output was rejected.
    InvalidOutput,
    /// The guest returned an error.
    Guest,
    /// The guest does not support the sample.
    Unsupported,
    /// The reward is quarantined.
    Quarantined,
}

impl RewardError {
    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RewardError::Timeout { .. } | RewardError::FuelExhausted { .. } => ErrorKind::Timeout,
            RewardError::OutOfMemory { .. } => ErrorKind::OutOfMemory,
            RewardError::Trap(_) => ErrorKind::Trap,
            RewardError::InvalidOutput(_) => ErrorKind::InvalidOutput,
            RewardError::Guest(_) => ErrorKind::Guest,
            RewardError::Unsupported(_) => ErrorKind::Unsupported,
            RewardError::Quarantined(_) => ErrorKind::Quarantined,
        }
    }

    /// True for failures of the sandboxed call itself (as opposed to an error
    /// the plugin chose to return); these count toward quarantine.
    pub fn is_sandbox_failure(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Timeout
                | ErrorKind::OutOfMemory
                | ErrorKind::Trap
                | ErrorKind::InvalidOutput
        )
    }

    /// The message without the kind prefix.
    pub fn message(&self) -> String {
        match self {
            RewardError::Trap(m)
            | RewardError::InvalidOutput(m)
            | RewardError::Guest(m)
            | RewardError::Unsupported(m)
            | RewardError::Quarantined(m) => m.clone(),
            other => other.to_string(),
        }
    }
}

impl ErrorKind {
    /// Every kind, in output order.
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::Timeout,
        ErrorKind::OutOfMemory,
        ErrorKind::Trap,
        ErrorKind::InvalidOutput,
        ErrorKind::Guest,
        ErrorKind::Unsupported,
        ErrorKind::Quarantined,
    ];

    /// The kind as written in output files.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::OutOfMemory => "out-of-memory",
            ErrorKind::Trap => "trap",
            ErrorKind::InvalidOutput => "invalid-output",
            ErrorKind::Guest => "guest",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Quarantined => "quarantined",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_distinct_strings() {
        let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn plugin_errors_do_not_count_toward_quarantine() {
        assert!(!RewardError::Guest("bad reference".into()).is_sandbox_failure());
        assert!(!RewardError::Unsupported("images".into()).is_sandbox_failure());
        assert!(RewardError::Timeout { timeout_ms: 5 }.is_sandbox_failure());
        assert_eq!(
            RewardError::FuelExhausted { fuel: 9 }.kind(),
            ErrorKind::Timeout
        );
    }
}
