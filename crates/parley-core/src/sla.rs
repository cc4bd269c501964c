//! SLA policies and clocks: targets per priority, deadlines, pauses.
