//! Prometheus metrics at `/metrics`: webhooks received and rejected, messages
//! in and out, outbox depth, delivery latency, commit and send timings.

use axum::extract::State;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl Metrics {
    /// Installs the global recorder once per process (tests start several
    /// servers in one process; they share it).
    pub fn install() -> Metrics {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE
            .get_or_init(|| {
                let recorder = PrometheusBuilder::new().build_recorder();
                let handle = recorder.handle();
                let _ = metrics::set_global_recorder(recorder);
                handle
            })
            .clone();
        Metrics { handle }
    }

    pub fn render(&self) -> String {
        self.handle.render()
    }
}

pub async fn handler(State(state): State<crate::AppState>) -> String {
    if let Ok((pending, dead)) = state
        .store
        .webhook_backlog(crate::ingest::MAX_ATTEMPTS)
        .await
    {
        metrics::gauge!("parley_webhook_backlog").set(pending as f64);
        metrics::gauge!("parley_webhook_dead_letters").set(dead as f64);
    }
    if let Ok(depth) = state.store.outbox_depth().await {
        metrics::gauge!("parley_outbox_depth").set(depth as f64);
    }
    if let Ok(n) = state.store.pending_timers().await {
        metrics::gauge!("parley_timers_pending").set(n as f64);
    }
    if let Ok(depths) = state.store.queue_depths().await {
        let queued: i64 = depths.values().map(|d| d.0).sum();
        metrics::gauge!("parley_tickets_queued").set(queued as f64);
    }
    state.metrics.render()
}
