//! Ticket priority. Ordered, so queues can sort by it.

/// How urgent a ticket is; `Ord` puts `Urgent` last (highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
    Urgent,
}

crate::wire_enum!(Priority, "priority", {
    Low => "low",
    Medium => "medium",
    High => "high",
    Urgent => "urgent",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_and_round_trips() {
        assert!(Priority::Urgent > Priority::High && Priority::High > Priority::Medium);
        assert!(Priority::Medium > Priority::Low);
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>().unwrap(), *p);
        }
        let err = "critical".parse::<Priority>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown priority \"critical\"; expected one of: low medium high urgent"
        );
        assert_eq!(serde_json::to_string(&Priority::High).unwrap(), "\"high\"");
    }
}
