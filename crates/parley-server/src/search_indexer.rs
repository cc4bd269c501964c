//! Keeps the full-text search index up with new messages, in batches, so the
//! webhook path never pays for it (see the store's `index_search`).

use crate::AppState;
use std::time::Duration;
use tokio::sync::watch;

/// How often to look for unindexed messages. Searches catch up themselves,
/// so this bounds how much a search might have to do, not how fresh it is.
const EVERY: Duration = Duration::from_millis(250);
const BATCH: i64 = 5_000;

pub async fn run_search_indexer(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = crate::stopped(&mut shutdown) => return,
        }
        loop {
            match state.store.index_search(BATCH).await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "search indexing failed; retrying");
                    break;
                }
            }
        }
    }
}
