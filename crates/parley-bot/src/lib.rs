//! parley-bot: knowledge base, intent matching and handoff.
//!
//! [`kb`] reads the knowledge base the business writes as a folder of TOML
//! files and checks it; [`matcher`] is the built-in intent matcher (no
//! download, no network), trained at start-up from the knowledge base's
//! example questions.

pub mod actions;
pub mod dialog;
pub mod embedding;
pub mod eval;
pub mod kb;
pub mod kb_edit;
pub mod llm;
pub mod matcher;
pub mod model;
pub mod sentiment;
pub mod static_vectors;
