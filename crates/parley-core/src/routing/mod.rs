//! Routing: ordered rules and assignment strategies.
