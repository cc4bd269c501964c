//! parley-bot
