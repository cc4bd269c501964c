//! Escalation triggers and paths.
