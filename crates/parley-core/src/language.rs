//! Language detection of customer messages.
