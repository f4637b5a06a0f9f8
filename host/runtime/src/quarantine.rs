use std::sync::Mutex;

/// When a reward that keeps failing is paused, and for how long.
///
/// Counted in calls, not seconds, so the behaviour is the same on a fast and
/// a slow machine: after `failures` consecutive failed calls the next `skip`
/// calls are answered with a quarantine error without running the plugin;
/// each relapse doubles `skip` up to `max_skip`; one good call resets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarantinePolicy {
    /// Consecutive failed calls that trigger quarantine.
    pub failures: u32,
    /// Calls skipped the first time.
    pub skip: u32,
    /// Upper bound of the doubling.
    pub max_skip: u32,
}

impl Default for QuarantinePolicy {
    fn default() -> Self {
        QuarantinePolicy {
            failures: 3,
            skip: 4,
            max_skip: 256,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    skip_left: u32,
    next_skip: u32,
    times_quarantined: u32,
    calls_skipped: u64,
}

/// The quarantine bookkeeping of one reward.
#[derive(Debug)]
pub(crate) struct Quarantine {
    policy: QuarantinePolicy,
    state: Mutex<State>,
}

/// What the reward's quarantine says about the next call.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    Run,
    Skip { calls_left: u32 },
}

impl Quarantine {
    pub(crate) fn new(policy: QuarantinePolicy) -> Self {
        Quarantine {
            policy,
            state: Mutex::new(State {
                next_skip: policy.skip,
                ..State::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn admit(&self) -> Admission {
        let mut s = self.lock();
        if s.skip_left > 0 {
            s.skip_left -= 1;
            s.calls_skipped += 1;
            Admission::Skip {
                calls_left: s.skip_left,
            }
        } else {
            Admission::Run
        }
    }

    /// Records a call's outcome; returns true when this failure starts a
    /// quarantine.
    pub(crate) fn record(&self, failed: bool) -> bool {
        let mut s = self.lock();
        if !failed {
            s.consecutive_failures = 0;
            s.next_skip = self.policy.skip;
            return false;
        }
        s.consecutive_failures += 1;
        if s.consecutive_failures >= self.policy.failures {
            s.skip_left = s.next_skip;
            s.next_skip = s.next_skip.saturating_mul(2).min(self.policy.max_skip);
            // One more failure after the pause re-quarantines at once.
            s.consecutive_failures = self.policy.failures.saturating_sub(1);
            s.times_quarantined += 1;
            return true;
        }
        false
    }

    /// (times quarantined, calls skipped).
    pub(crate) fn stats(&self) -> (u32, u64) {
        let s = self.lock();
        (s.times_quarantined, s.calls_skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarantines_after_consecutive_failures_with_doubling_backoff() {
        let q = Quarantine::new(QuarantinePolicy {
            failures: 2,
            skip: 1,
            max_skip: 4,
        });
        assert!(!q.record(true));
        assert!(q.record(true));
        assert_eq!(q.admit(), Admission::Skip { calls_left: 0 });
        assert_eq!(q.admit(), Admission::Run);
        // Relapse: quarantined again at once, for twice as long.
        assert!(q.record(true));
        assert_eq!(q.admit(), Admission::Skip { calls_left: 1 });
        assert_eq!(q.admit(), Admission::Skip { calls_left: 0 });
        assert_eq!(q.admit(), Admission::Run);
        assert_eq!(q.stats(), (2, 3));
    }

    #[test]
    fn a_success_resets() {
        let q = Quarantine::new(QuarantinePolicy {
            failures: 2,
            skip: 3,
            max_skip: 8,
        });
        assert!(!q.record(true));
        assert!(!q.record(false));
        assert!(!q.record(true));
        assert_eq!(q.admit(), Admission::Run);
    }
}
