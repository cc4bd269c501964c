//! Media files: content-addressed storage in the data directory, the fetcher
//! that downloads inbound media from Meta, and the API to upload and serve.

use crate::AppState;
use crate::auth::AuthAgent;
use crate::error::{ApiError, ApiResult};
use crate::ingest::publish_message;
use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use parley_core::retry::Backoff;
use parley_store::{Media, NewMedia};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;

/// Files named by the SHA-256 of their bytes: the same file stored twice
/// takes the space once, and a name can never point at other content.
#[derive(Clone)]
pub struct MediaStore {
    root: PathBuf,
}

impl MediaStore {
    pub fn new(root: PathBuf) -> std::io::Result<MediaStore> {
        std::fs::create_dir_all(&root)?;
        Ok(MediaStore { root })
    }

    fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Writes the bytes (atomically: temp file, then rename) and returns their hash.
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(sha);
        }
        tokio::fs::create_dir_all(path.parent().expect("has parent")).await?;
        let tmp = path.with_extension(format!("tmp{}", rand::rng().random::<u32>()));
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(sha)
    }

    pub async fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "bad media hash",
            ));
        }
        tokio::fs::read(self.path_of(sha256)).await
    }
}

/// Downloads pending inbound media from Meta, retrying with backoff.
pub async fn run_fetcher(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let backoff = Backoff {
        base_ms: 2_000,
        max_ms: 10 * 60 * 1000,
        max_attempts: 10,
    };
    let never = tokio::sync::Notify::new();
    loop {
        let pending = state
            .store
            .pending_media(state.now(), 20)
            .await
            .unwrap_or_default();
        let busy = !pending.is_empty();
        for m in pending {
            fetch_one(&state, &m, &backoff).await;
        }
        if !busy && !crate::idle(&never, Duration::from_millis(500), &mut shutdown).await {
            return;
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

async fn fetch_one(state: &AppState, m: &Media, backoff: &Backoff) {
    let Some(wa_id) = &m.wa_media_id else { return };
    match state.graph.download_media(wa_id).await {
        Ok((info, bytes)) => match state.media.put(&bytes).await {
            Ok(sha) => {
                let mime = m.mime_type.clone().unwrap_or(info.mime_type);
                let new = NewMedia {
                    sha256: sha,
                    mime_type: mime,
                    filename: m.filename.clone(),
                    size: bytes.len() as i64,
                };
                if let Err(e) = state.store.media_downloaded(m.id, &new).await {
                    tracing::error!(media = m.id, error = %e, "recording media failed");
                }
                metrics::counter!("parley_media_downloaded_total").increment(1);
            }
            Err(e) => tracing::error!(media = m.id, error = %e, "writing media failed"),
        },
        Err(e) => {
            let attempts = m.attempts as u32 + 1;
            let next = (e.is_retryable() && !backoff.exhausted(attempts))
                .then(|| state.now() + backoff.delay_ms(attempts, rand::rng().random::<f64>()));
            tracing::warn!(media = m.id, error = %e, retry = next.is_some(), "media download failed");
            let _ = state
                .store
                .media_download_failed(m.id, &e.to_string(), next)
                .await;
        }
    }
    if let Ok(Some(msg)) = state.store.message_id_for_media(m.id).await {
        publish_message(state, msg, "message.updated").await;
    }
}

/// Largest upload accepted (WhatsApp's document limit).
pub const MAX_UPLOAD: usize = 100 * 1024 * 1024;

/// Uploads a file (multipart field `file`) to attach to a reply.
#[utoipa::path(post, path = "/media", tag = "media",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = Media), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    _agent: AuthAgent,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<Media>)> {
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(e.to_string()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().map(str::to_string);
        let mime = field
            .content_type()
            .map(str::to_string)
            .unwrap_or_else(|| "application/octet-stream".into());
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        if bytes.is_empty() {
            return Err(ApiError::bad_request("the file is empty"));
        }
        let sha = state
            .media
            .put(&bytes)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let media = state
            .store
            .create_media(
                &NewMedia {
                    sha256: sha,
                    mime_type: mime,
                    filename,
                    size: bytes.len() as i64,
                },
                state.now(),
            )
            .await?;
        return Ok((StatusCode::CREATED, Json(media)));
    }
    Err(ApiError::bad_request("no `file` field in the form"))
}

/// The bytes of a stored media file (signed-in agents only).
#[utoipa::path(get, path = "/media/{id}", tag = "media", params(("id" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn serve(
    State(state): State<AppState>,
    _agent: AuthAgent,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let media = state.store.get_media(id).await?;
    let Some(sha) = media.sha256.filter(|_| media.state == "ready") else {
        return Err(ApiError::not_found(format!(
            "media {id} is not downloaded yet ({})",
            media.state
        )));
    };
    let bytes = state
        .media
        .get(&sha)
        .await
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let mime = media
        .mime_type
        .unwrap_or_else(|| "application/octet-stream".into());
    let mut resp = Response::builder()
        .header(header::CONTENT_TYPE, mime)
        .header(header::CACHE_CONTROL, "private, max-age=86400, immutable")
        .header("X-Content-Type-Options", "nosniff");
    if let Some(name) = media.filename {
        let safe: String = name
            .chars()
            .filter(|c| !c.is_control() && *c != '"')
            .collect();
        resp = resp.header(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{safe}\""),
        );
    }
    resp.body(Body::from(bytes))
        .map_err(|e| ApiError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn content_addressed_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path().to_path_buf()).unwrap();
        let a = store.put(b"hello").await.unwrap();
        let b = store.put(b"hello").await.unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(store.get(&a).await.unwrap(), b"hello");
        assert!(store.get("../../etc/passwd").await.is_err());
    }
}
