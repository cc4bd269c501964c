//! Media records. The bytes live in the data directory, named by their
//! SHA-256 (content-addressed, so a file sent twice is stored once); the
//! database keeps what a message needs to show and fetch them.

use crate::{Media, Result, Store, StoreError};

/// An uploaded or downloaded file, already written to disk.
#[derive(Debug, Clone)]
pub struct NewMedia {
    pub sha256: String,
    pub mime_type: String,
    pub filename: Option<String>,
    pub size: i64,
}

type MediaRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    String,
    i64,
    Option<String>,
    i64,
);

fn media_from(r: MediaRow) -> Media {
    Media {
        id: r.0,
        sha256: r.1,
        mime_type: r.2,
        filename: r.3,
        size: r.4,
        wa_media_id: r.5,
        state: r.6,
        attempts: r.7,
        last_error: r.8,
        created_at: r.9,
    }
}

const MEDIA_SELECT: &str = "SELECT id, sha256, mime_type, filename, size, wa_media_id, state, attempts, last_error, created_at FROM media";

impl Store {
    /// Records an agent's upload (ready at once; sent to Meta when used).
    pub async fn create_media(&self, m: &NewMedia, now: i64) -> Result<Media> {
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO media (sha256, mime_type, filename, size, state, created_at)
             VALUES ($1, $2, $3, $4, 'ready', $5) RETURNING id",
        )
        .bind(&m.sha256)
        .bind(&m.mime_type)
        .bind(&m.filename)
        .bind(m.size)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        tx.commit().await?;
        self.get_media(id).await
    }

    pub async fn get_media(&self, id: i64) -> Result<Media> {
        let row: Option<MediaRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{MEDIA_SELECT} WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(media_from).ok_or(StoreError::NotFound("media"))
    }

    /// Inbound media still to download from Meta, due now.
    pub async fn pending_media(&self, now: i64, limit: i64) -> Result<Vec<Media>> {
        let rows: Vec<MediaRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{MEDIA_SELECT} WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(media_from).collect())
    }

    pub async fn media_downloaded(&self, id: i64, m: &NewMedia) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE media SET sha256 = $1, mime_type = $2, size = $3, state = 'ready', last_error = NULL,
                    attempts = attempts + 1, filename = COALESCE(filename, $4) WHERE id = $5",
        )
        .bind(&m.sha256)
        .bind(&m.mime_type)
        .bind(m.size)
        .bind(&m.filename)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A failed download: retried at `next_attempt_at`, or given up (`None`).
    pub async fn media_download_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE media SET attempts = attempts + 1, last_error = $1,
                    state = CASE WHEN $2 IS NULL THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = COALESCE($2, next_attempt_at) WHERE id = $3",
        )
        .bind(error)
        .bind(next_attempt_at)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The message a media record belongs to, for publishing an update.
    pub async fn message_id_for_media(&self, media_id: i64) -> Result<Option<i64>> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM messages WHERE media_id = $1 ORDER BY id LIMIT 1")
                .bind(media_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id,)| id))
    }
}
