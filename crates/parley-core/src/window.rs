//! WhatsApp's 24-hour customer-service window: free-form messages may only be
//! sent within 24 hours of the customer's last message; outside it, only
//! templates (Meta answers 131047 otherwise).

/// The window's length.
pub const CUSTOMER_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// When the window closes, if the customer ever wrote.
pub fn expires_at(last_inbound_at: Option<i64>) -> Option<i64> {
    last_inbound_at.map(|t| t + CUSTOMER_WINDOW_MS)
}

/// Whether a free-form message may be sent at `now`.
pub fn is_open(last_inbound_at: Option<i64>, now: i64) -> bool {
    expires_at(last_inbound_at).is_some_and(|end| now < end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_closes_exactly_after_24_hours() {
        let t = 1_700_000_000_000;
        assert!(is_open(Some(t), t));
        assert!(is_open(Some(t), t + CUSTOMER_WINDOW_MS - 1));
        assert!(!is_open(Some(t), t + CUSTOMER_WINDOW_MS));
        assert!(!is_open(None, t), "never wrote: templates only");
        assert_eq!(expires_at(Some(0)), Some(CUSTOMER_WINDOW_MS));
    }
}
