//! Automatic priority from message keywords and customer segment.
