//! Retry timing for outbound deliveries: exponential backoff with jitter, so
//! a Graph API outage is not followed by every queued reply at once.

/// How retries are spaced.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base_ms: i64,
    pub max_ms: i64,
    /// Give up after this many attempts and mark the message failed.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base_ms: 1_000,
            max_ms: 5 * 60 * 1000,
            max_attempts: 12,
        }
    }
}

impl Backoff {
    /// Delay before attempt `attempt + 1`, after `attempt` failures (1-based).
    ///
    /// `unit` is a random number in `[0, 1)`; the delay is drawn from the upper
    /// half of the exponential step ("equal jitter"), so it never collapses to
    /// zero yet spreads retries apart.
    pub fn delay_ms(&self, attempt: u32, unit: f64) -> i64 {
        let exp = self
            .base_ms
            .saturating_mul(1_i64 << attempt.saturating_sub(1).min(30))
            .min(self.max_ms);
        let half = exp / 2;
        half + (half as f64 * unit.clamp(0.0, 1.0)) as i64
    }

    pub fn exhausted(&self, attempts: u32) -> bool {
        attempts >= self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grows_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.delay_ms(1, 0.0), 500);
        assert_eq!(b.delay_ms(2, 0.0), 1_000);
        assert_eq!(b.delay_ms(3, 0.999_999), 3_999);
        assert_eq!(b.delay_ms(40, 1.0), b.max_ms);
        assert!(b.exhausted(12) && !b.exhausted(11));
    }

    proptest! {
        #[test]
        fn delay_is_within_bounds(attempt in 1u32..100, unit in 0.0f64..1.0) {
            let b = Backoff::default();
            let d = b.delay_ms(attempt, unit);
            prop_assert!(d >= b.base_ms / 2);
            prop_assert!(d <= b.max_ms);
            prop_assert!(b.delay_ms(attempt + 1, unit) >= d || d >= b.max_ms / 2);
        }
    }
}
