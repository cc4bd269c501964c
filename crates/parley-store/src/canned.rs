//! Canned responses: saved replies an agent inserts with "/shortcut" and
//! edits before sending. Their `{{variables}}` are filled per ticket by the
//! server (parley_core::placeholders), never stored filled.

use crate::{Result, Store, StoreError};
use parley_core::placeholders;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use utoipa::ToSchema;

/// WhatsApp's limit for a text message body.
pub const MAX_BODY: usize = 4096;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct CannedResponse {
    pub id: i64,
    /// Typed after "/" in the reply box: lowercase letters, digits, `-`, `_`.
    pub shortcut: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewCanned {
    pub shortcut: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, Default)]
pub struct CannedPatch {
    pub shortcut: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
}

fn check_shortcut(s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "shortcut {s:?}: use 1-32 lowercase letters, digits, '-' or '_'"
        )))
    }
}

fn check_title(t: &str) -> Result<()> {
    if t.trim().is_empty() || t.chars().count() > 80 {
        return Err(StoreError::Invalid("a title needs 1-80 characters".into()));
    }
    Ok(())
}

fn check_body(b: &str) -> Result<()> {
    if b.trim().is_empty() {
        return Err(StoreError::Invalid("a canned response needs a body".into()));
    }
    if b.chars().count() > MAX_BODY {
        return Err(StoreError::Invalid(format!(
            "the body is {} characters; WhatsApp takes at most {MAX_BODY}",
            b.chars().count()
        )));
    }
    let unknown = placeholders::unknown_variables(b);
    if !unknown.is_empty() {
        return Err(StoreError::Invalid(format!(
            "unknown variable{} {}; use {} or contact.<attribute>",
            if unknown.len() == 1 { "" } else { "s" },
            unknown
                .iter()
                .map(|v| format!("{{{{{v}}}}}"))
                .collect::<Vec<_>>()
                .join(", "),
            placeholders::KNOWN_VARIABLES.join(", ")
        )));
    }
    Ok(())
}

const COLUMNS: &str = "id, shortcut, title, body, created_at, updated_at";

impl Store {
    /// Canned responses whose shortcut, title or body contains `q` (all of
    /// them without `q`): shortcut matches first, then by shortcut.
    pub async fn list_canned(&self, q: Option<&str>) -> Result<Vec<CannedResponse>> {
        let q = q.map(str::trim).filter(|q| !q.is_empty());
        let Some(q) = q else {
            return Ok(sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM canned_responses ORDER BY shortcut"
            )))
            .fetch_all(&self.pool)
            .await?);
        };
        // LIKE's own wildcards in what the agent typed are literal text.
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let contains = format!("%{escaped}%");
        let prefix = format!("{escaped}%");
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM canned_responses
             WHERE LOWER(shortcut) LIKE $1 ESCAPE '\\' OR LOWER(title) LIKE $1 ESCAPE '\\'
                   OR LOWER(body) LIKE $1 ESCAPE '\\'
             ORDER BY CASE WHEN shortcut LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, shortcut
             LIMIT 50"
        )))
        .bind(contains)
        .bind(prefix)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn get_canned(&self, id: i64) -> Result<CannedResponse> {
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM canned_responses WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("canned response"))
    }

    pub async fn create_canned(
        &self,
        new: &NewCanned,
        author: i64,
        now: i64,
    ) -> Result<CannedResponse> {
        check_shortcut(&new.shortcut)?;
        check_title(&new.title)?;
        check_body(&new.body)?;
        let mut tx = self.begin_write().await?;
        let taken: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM canned_responses WHERE shortcut = $1")
                .bind(&new.shortcut)
                .fetch_optional(&mut **tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "the shortcut /{} is taken",
                new.shortcut
            )));
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO canned_responses (shortcut, title, body, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(&new.shortcut)
        .bind(new.title.trim())
        .bind(&new.body)
        .bind(author)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        tx.commit().await?;
        self.get_canned(id).await
    }

    pub async fn update_canned(
        &self,
        id: i64,
        patch: &CannedPatch,
        now: i64,
    ) -> Result<CannedResponse> {
        let current = self.get_canned(id).await?;
        let shortcut = patch.shortcut.clone().unwrap_or(current.shortcut);
        let title = patch.title.clone().unwrap_or(current.title);
        let body = patch.body.clone().unwrap_or(current.body);
        check_shortcut(&shortcut)?;
        check_title(&title)?;
        check_body(&body)?;
        let mut tx = self.begin_write().await?;
        let taken: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM canned_responses WHERE shortcut = $1 AND id <> $2")
                .bind(&shortcut)
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "the shortcut /{shortcut} is taken"
            )));
        }
        sqlx::query(
            "UPDATE canned_responses SET shortcut = $1, title = $2, body = $3, updated_at = $4
             WHERE id = $5",
        )
        .bind(&shortcut)
        .bind(title.trim())
        .bind(&body)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        self.get_canned(id).await
    }

    pub async fn delete_canned(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM canned_responses WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("canned response"));
        }
        Ok(())
    }
}
