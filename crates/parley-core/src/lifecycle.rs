//! The ticket lifecycle: new → assigned → in progress → pending → resolved → closed.
//!
//! Every status change, whether an agent asked for it or an event implied it,
//! goes through [`TicketStatus::transition`], so a bad change is refused the
//! same way everywhere (the API answers 409 with the error's text).

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketStatus {
    /// Nobody owns it yet.
    New,
    /// An agent owns it but has not answered yet.
    Assigned,
    /// An agent is working on it.
    InProgress,
    /// Waiting on the customer.
    Pending,
    /// The agent considers it solved; a customer message reopens it.
    Resolved,
    /// Final. A later customer message starts a new ticket.
    Closed,
}

crate::wire_enum!(TicketStatus, "status", {
    New => "new",
    Assigned => "assigned",
    InProgress => "in_progress",
    Pending => "pending",
    Resolved => "resolved",
    Closed => "closed",
});

/// A refused status change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a ticket cannot go from {from} to {to}{hint}")]
pub struct TransitionError {
    pub from: TicketStatus,
    pub to: TicketStatus,
    hint: &'static str,
}

impl TicketStatus {
    /// Open tickets are the ones someone still has to act on or wait for.
    pub fn is_open(self) -> bool {
        !matches!(self, TicketStatus::Resolved | TicketStatus::Closed)
    }

    /// Every open status, in [`TicketStatus::ALL`]'s order.
    pub fn open_statuses() -> Vec<TicketStatus> {
        TicketStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect()
    }

    /// Checks a requested change and returns the new status.
    ///
    /// Changing to the current status is allowed and changes nothing, so a
    /// retried request does not fail.
    pub fn transition(self, to: TicketStatus) -> Result<TicketStatus, TransitionError> {
        use TicketStatus::*;
        if self == to {
            return Ok(to);
        }
        let allowed = match self {
            New => matches!(to, Assigned | InProgress | Pending | Resolved | Closed),
            Assigned => matches!(to, New | InProgress | Pending | Resolved | Closed),
            InProgress => matches!(to, Assigned | Pending | Resolved | Closed),
            Pending => matches!(to, InProgress | Resolved | Closed),
            Resolved => matches!(to, New | InProgress | Closed),
            Closed => false,
        };
        if allowed {
            Ok(to)
        } else {
            let hint = match (self, to) {
                (Closed, _) => {
                    " (closed tickets are final; the customer's next message opens a new ticket)"
                }
                (Resolved, _) => " (reopen it first: to in_progress, or to new if nobody owns it)",
                (_, New) => " (only an assigned ticket nobody has worked on can go back to new)",
                _ => "",
            };
            Err(TransitionError {
                from: self,
                to,
                hint,
            })
        }
    }

    /// The status after a customer message arrives on this ticket, or `None`
    /// when the message belongs on a new ticket (this one is closed).
    pub fn on_customer_message(self, has_assignee: bool) -> Option<TicketStatus> {
        use TicketStatus::*;
        match self {
            Closed => None,
            Pending => Some(InProgress),
            Resolved if has_assignee => Some(InProgress),
            Resolved => Some(New),
            other => Some(other),
        }
    }

    /// The status after the ticket's assignee changes.
    pub fn on_assignment(self, has_assignee: bool) -> TicketStatus {
        use TicketStatus::*;
        match (self, has_assignee) {
            (New, true) => Assigned,
            (Assigned, false) => New,
            (other, _) => other,
        }
    }

    /// The status after an agent sends the customer a reply.
    pub fn on_agent_reply(self) -> TicketStatus {
        use TicketStatus::*;
        match self {
            New | Assigned => InProgress,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TicketStatus::*;
    use super::*;

    #[test]
    fn the_happy_path_is_allowed() {
        let path = [
            New, Assigned, InProgress, Pending, InProgress, Resolved, Closed,
        ];
        for pair in path.windows(2) {
            assert_eq!(pair[0].transition(pair[1]), Ok(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn closed_is_final_and_explains_itself() {
        for to in TicketStatus::ALL.iter().filter(|s| **s != Closed) {
            let err = Closed.transition(*to).unwrap_err();
            assert!(
                err.to_string().contains("closed tickets are final"),
                "{err}"
            );
        }
        assert_eq!(Closed.transition(Closed), Ok(Closed));
    }

    #[test]
    fn resolved_only_reopens_or_closes() {
        assert_eq!(Resolved.transition(InProgress), Ok(InProgress));
        assert_eq!(Resolved.transition(Closed), Ok(Closed));
        assert!(Resolved.transition(Pending).is_err());
        assert!(Resolved.transition(Assigned).is_err());
        assert!(InProgress.transition(New).is_err());
        assert!(Pending.transition(Assigned).is_err());
    }

    #[test]
    fn customer_messages_reopen_or_start_over() {
        assert_eq!(Closed.on_customer_message(true), None);
        assert_eq!(Resolved.on_customer_message(true), Some(InProgress));
        assert_eq!(Resolved.on_customer_message(false), Some(New));
        assert_eq!(Pending.on_customer_message(true), Some(InProgress));
        assert_eq!(New.on_customer_message(false), Some(New));
        // Every implied change is itself a valid transition.
        for s in TicketStatus::ALL {
            for a in [true, false] {
                if let Some(next) = s.on_customer_message(a) {
                    assert!(s.transition(next).is_ok(), "{s} -> {next}");
                }
                assert!(s.transition(s.on_assignment(a)).is_ok());
            }
            if s.is_open() {
                assert!(s.transition(s.on_agent_reply()).is_ok());
            }
        }
    }

    #[test]
    fn assignment_moves_between_new_and_assigned() {
        assert_eq!(New.on_assignment(true), Assigned);
        assert_eq!(Assigned.on_assignment(false), New);
        assert_eq!(InProgress.on_assignment(false), InProgress);
        assert_eq!(Assigned.on_agent_reply(), InProgress);
        assert_eq!(Pending.on_agent_reply(), Pending);
    }

    #[test]
    fn wire_names() {
        assert_eq!(InProgress.as_str(), "in_progress");
        assert_eq!("pending".parse::<TicketStatus>().unwrap(), Pending);
        assert!(!Resolved.is_open() && !Closed.is_open() && Pending.is_open());
    }
}
