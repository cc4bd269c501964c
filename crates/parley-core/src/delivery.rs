//! The delivery state of an outbound message, which only ever moves forward.
//!
//! Meta does not guarantee the order of status webhooks: `read` can arrive
//! without `delivered`, and a late `delivered` can arrive after `read`. The
//! state machine ranks states so a late webhook never moves a message back.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Committed with its outbox row, not yet accepted by Meta.
    Queued,
    Sent,
    Delivered,
    Read,
    /// First play of a voice message.
    Played,
    /// Terminal: Meta refused it, now or later (e.g. 131047 as a status).
    Failed,
}

crate::wire_enum!(DeliveryStatus, "delivery status", {
    Queued => "queued",
    Sent => "sent",
    Delivered => "delivered",
    Read => "read",
    Played => "played",
    Failed => "failed",
});

impl DeliveryStatus {
    fn rank(self) -> u8 {
        match self {
            DeliveryStatus::Queued => 0,
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Read => 3,
            DeliveryStatus::Played => 4,
            DeliveryStatus::Failed => 5,
        }
    }

    /// The state after `incoming` is reported, or `None` when the report is
    /// stale and must not change anything.
    ///
    /// `Failed` wins over anything short of the customer having read the
    /// message, and nothing leaves `Failed`.
    pub fn advance(self, incoming: DeliveryStatus) -> Option<DeliveryStatus> {
        use DeliveryStatus::*;
        match (self, incoming) {
            (Failed, _) => None,
            (Read | Played, Failed) => None,
            (_, Failed) => Some(Failed),
            (current, next) if next.rank() > current.rank() => Some(next),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryStatus::*;

    #[test]
    fn never_moves_backwards() {
        assert_eq!(Sent.advance(Delivered), Some(Delivered));
        assert_eq!(Sent.advance(Read), Some(Read), "read without delivered");
        assert_eq!(Read.advance(Delivered), None, "late delivered after read");
        assert_eq!(Delivered.advance(Sent), None);
        assert_eq!(Read.advance(Read), None, "duplicate");
        assert_eq!(Queued.advance(Sent), Some(Sent));
    }

    #[test]
    fn failure_is_terminal_but_not_after_read() {
        assert_eq!(Sent.advance(Failed), Some(Failed), "late 131047 status");
        assert_eq!(Queued.advance(Failed), Some(Failed));
        assert_eq!(Failed.advance(Delivered), None);
        assert_eq!(Read.advance(Failed), None);
    }
}
