//! Named settings documents, such as the desk configuration an admin edits
//! through the API. Stored as text; the caller owns the format.

use crate::{Result, Store};

/// A stored settings document.
#[derive(Debug, Clone)]
pub struct Setting {
    pub value: String,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
}

impl Store {
    pub async fn get_setting(&self, key: &str) -> Result<Option<Setting>> {
        let row: Option<(String, i64, Option<i64>)> =
            sqlx::query_as("SELECT value, updated_at, updated_by FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(value, updated_at, updated_by)| Setting {
            value,
            updated_at,
            updated_by,
        }))
    }

    pub async fn put_setting(
        &self,
        key: &str,
        value: &str,
        updated_by: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3, updated_by = $4",
        )
        .bind(key)
        .bind(value)
        .bind(now)
        .bind(updated_by)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
