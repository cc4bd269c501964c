//! parley-bot: knowledge base, intent matching and handoff.
//!
//! The first piece is [`matcher`], a built-in, dependency-free intent matcher that is
//! trained at start-up from the knowledge base's example questions.

pub mod matcher;
