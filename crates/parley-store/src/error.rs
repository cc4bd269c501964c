use parley_core::TransitionError;

/// Everything the store can refuse or fail with. The server maps each
/// variant to an HTTP status and a stable error code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error(
        "the customer's 24-hour window is closed (their last message was more than 24 hours ago); send a template instead"
    )]
    WindowClosed,
    #[error("{0}")]
    Conflict(String),
    /// Someone else answered the customer after the message the agent had seen.
    #[error("{by} replied since you opened this conversation: {text:?}")]
    RepliedSince {
        message_id: i64,
        by: String,
        text: String,
        at: i64,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// True for a unique-constraint violation, e.g. an email already taken.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}
