use serde::{Deserialize, Serialize};

/// Per-reward sandbox limits (`[reward.limits]` in a reward set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxLimits {
    /// Wall-clock deadline for one call (one batch), enforced by epoch
    /// interruption.
    pub timeout_ms: u64,
    /// Linear-memory cap in MiB.
    pub memory_mb: u64,
    /// Optional deterministic instruction budget per call.
    pub fuel: Option<u64>,
}

impl SandboxLimits {
    /// The largest `memory_mb` a reward may ask for.
    pub const MAX_MEMORY_MB: u64 = 4096;
    /// The longest `timeout_ms` a reward may ask for.
    pub const MAX_TIMEOUT_MS: u64 = 600_000;

    /// Checks the values are in range.
    pub fn validate(&self) -> Result<(), String> {
        if self.timeout_ms == 0 || self.timeout_ms > Self::MAX_TIMEOUT_MS {
            return Err(format!(
                "limits.timeout_ms must be in 1..={}",
                Self::MAX_TIMEOUT_MS
            ));
        }
        if self.memory_mb == 0 || self.memory_mb > Self::MAX_MEMORY_MB {
            return Err(format!(
                "limits.memory_mb must be in 1..={}",
                Self::MAX_MEMORY_MB
            ));
        }
        if self.fuel == Some(0) {
            return Err("limits.fuel must be positive (omit it for no fuel budget)".into());
        }
        Ok(())
    }

    /// The memory cap in bytes.
    pub fn memory_bytes(&self) -> usize {
        usize::try_from(self.memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }
}

impl Default for SandboxLimits {
    fn default() -> Self {
        SandboxLimits {
            timeout_ms: 1000,
            memory_mb: 128,
            fuel: None,
        }
    }
}

/// Enforces the memory cap of one store and remembers that it was hit, so a
/// trap that follows a refused `memory.grow` is reported as out-of-memory.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    max_bytes: usize,
    max_table_elements: usize,
    pub(crate) hit: bool,
    /// The largest linear memory granted so far, in bytes (what vetting
    /// reports as peak memory).
    pub(crate) peak_bytes: usize,
}

impl MemoryLimiter {
    pub(crate) fn new(limits: &SandboxLimits) -> Self {
        MemoryLimiter {
            max_bytes: limits.memory_bytes(),
            max_table_elements: 1 << 20,
            hit: false,
            peak_bytes: 0,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = true;
            return Ok(false);
        }
        self.peak_bytes = self.peak_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_table_elements {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_zero_is_not() {
        assert!(SandboxLimits::default().validate().is_ok());
        let bad = SandboxLimits {
            timeout_ms: 0,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("timeout_ms"));
        let bad = SandboxLimits {
            memory_mb: 10_000,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("memory_mb"));
        let bad = SandboxLimits {
            fuel: Some(0),
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("fuel"));
    }

    #[test]
    fn limiter_refuses_growth_past_cap_and_records_it() {
        use wasmtime::ResourceLimiter;
        let mut l = MemoryLimiter::new(&SandboxLimits {
            memory_mb: 1,
            ..Default::default()
        });
        assert!(l.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!l.hit);
        assert_eq!(l.peak_bytes, 1 << 20);
        assert!(!l.memory_growing(1 << 20, (1 << 20) + 65536, None).unwrap());
        assert!(l.hit);
    }
}
