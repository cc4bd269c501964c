//! WhatsApp message templates as last synced from Meta. Meta is the source of
//! truth: a sync replaces the whole set in one transaction, and a
//! `message_template_status_update` webhook changes one template's status in
//! between syncs.

use crate::{Result, Store, WriteTx, json_text, parse_json};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A template as stored.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WaTemplate {
    pub id: i64,
    /// Meta's id.
    pub meta_id: String,
    pub name: String,
    pub language: String,
    /// `APPROVED`, `PENDING`, `REJECTED`, `PAUSED`, `DISABLED`…
    pub status: String,
    pub category: String,
    pub parameter_format: Option<String>,
    /// Meta's components array.
    #[schema(value_type = Object)]
    pub components: Value,
    pub status_reason: Option<String>,
    pub status_changed_at: i64,
    pub synced_at: i64,
}

/// One template of a sync, as Meta listed it.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRow {
    pub meta_id: String,
    pub name: String,
    pub language: String,
    pub status: String,
    pub category: String,
    pub parameter_format: Option<String>,
    pub components: Value,
    pub status_reason: Option<String>,
}

/// What a sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TemplateSyncReport {
    pub added: usize,
    /// Templates whose status, category or content changed.
    pub updated: usize,
    /// Templates no longer at Meta, deleted here.
    pub removed: usize,
    pub unchanged: usize,
}

/// A status change Meta announced by webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateStatusChange {
    pub meta_id: Option<String>,
    pub name: Option<String>,
    pub language: Option<String>,
    pub status: String,
    pub reason: Option<String>,
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    i64,
    i64,
);

const COLUMNS: &str = "id, meta_id, name, language, status, category, parameter_format, components, status_reason, status_changed_at, synced_at";

fn from_row(r: Row) -> WaTemplate {
    WaTemplate {
        id: r.0,
        meta_id: r.1,
        name: r.2,
        language: r.3,
        status: r.4,
        category: r.5,
        parameter_format: r.6,
        components: parse_json(&r.7),
        status_reason: r.8,
        status_changed_at: r.9,
        synced_at: r.10,
    }
}

impl Store {
    /// Replaces the stored templates with `rows` (Meta's whole list), in one
    /// transaction: new ones are added, changed ones updated in place (their
    /// id stays), and those Meta no longer lists are deleted.
    pub async fn sync_templates(
        &self,
        rows: &[TemplateRow],
        now: i64,
    ) -> Result<TemplateSyncReport> {
        let mut tx = self.begin_write().await?;
        let existing: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM wa_templates"
        )))
        .fetch_all(&mut **tx)
        .await?;
        let existing: Vec<WaTemplate> = existing.into_iter().map(from_row).collect();
        let mut report = TemplateSyncReport::default();
        let mut kept = Vec::new();
        for row in rows {
            let components = json_text(&row.components);
            match existing
                .iter()
                .find(|t| t.name == row.name && t.language == row.language)
            {
                Some(t) => {
                    kept.push(t.id);
                    let same = t.meta_id == row.meta_id
                        && t.status == row.status
                        && t.category == row.category
                        && t.parameter_format == row.parameter_format
                        && t.components == row.components
                        && t.status_reason == row.status_reason;
                    if same {
                        report.unchanged += 1;
                    } else {
                        report.updated += 1;
                    }
                    let changed_at = if t.status == row.status {
                        t.status_changed_at
                    } else {
                        now
                    };
                    sqlx::query(
                        "UPDATE wa_templates SET meta_id = $1, status = $2, category = $3,
                             parameter_format = $4, components = $5, status_reason = $6,
                             status_changed_at = $7, synced_at = $8
                         WHERE id = $9",
                    )
                    .bind(&row.meta_id)
                    .bind(&row.status)
                    .bind(&row.category)
                    .bind(&row.parameter_format)
                    .bind(components)
                    .bind(&row.status_reason)
                    .bind(changed_at)
                    .bind(now)
                    .bind(t.id)
                    .execute(&mut **tx)
                    .await?;
                }
                None => {
                    report.added += 1;
                    sqlx::query(
                        "INSERT INTO wa_templates (meta_id, name, language, status, category,
                             parameter_format, components, status_reason, status_changed_at, synced_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
                         ON CONFLICT (name, language) DO NOTHING",
                    )
                    .bind(&row.meta_id)
                    .bind(&row.name)
                    .bind(&row.language)
                    .bind(&row.status)
                    .bind(&row.category)
                    .bind(&row.parameter_format)
                    .bind(components)
                    .bind(&row.status_reason)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                }
            }
        }
        for t in existing.iter().filter(|t| !kept.contains(&t.id)) {
            report.removed += 1;
            sqlx::query("DELETE FROM wa_templates WHERE id = $1")
                .bind(t.id)
                .execute(&mut **tx)
                .await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Stored templates by name and language; only approved ones when asked.
    pub async fn list_templates(&self, approved_only: bool) -> Result<Vec<WaTemplate>> {
        let filter = if approved_only {
            "WHERE status = 'APPROVED'"
        } else {
            ""
        };
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM wa_templates {filter} ORDER BY name, language"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(from_row).collect())
    }

    pub async fn get_template(&self, name: &str, language: &str) -> Result<Option<WaTemplate>> {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM wa_templates WHERE name = $1 AND language = $2"
        )))
        .bind(name)
        .bind(language)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(from_row))
    }

    /// Applies a status webhook; the template's id if one matched.
    pub async fn set_template_status(
        &self,
        change: &TemplateStatusChange,
        now: i64,
    ) -> Result<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let id = apply_template_status(&mut tx, change, now).await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// Finds the template by Meta's id, else by name and language (the webhook's
/// language code may use `-`), and sets its status.
pub(crate) async fn apply_template_status(
    tx: &mut WriteTx,
    change: &TemplateStatusChange,
    now: i64,
) -> Result<Option<i64>> {
    let mut id: Option<(i64,)> = None;
    if let Some(meta_id) = &change.meta_id {
        id = sqlx::query_as("SELECT id FROM wa_templates WHERE meta_id = $1")
            .bind(meta_id)
            .fetch_optional(&mut ***tx)
            .await?;
    }
    if id.is_none()
        && let (Some(name), Some(language)) = (&change.name, &change.language)
    {
        id = sqlx::query_as("SELECT id FROM wa_templates WHERE name = $1 AND language = $2")
            .bind(name)
            .bind(language.replace('-', "_"))
            .fetch_optional(&mut ***tx)
            .await?;
    }
    let Some((id,)) = id else { return Ok(None) };
    sqlx::query(
        "UPDATE wa_templates SET status = $1, status_reason = $2,
             status_changed_at = CASE WHEN status = $1 THEN status_changed_at ELSE $3 END
         WHERE id = $4",
    )
    .bind(&change.status)
    .bind(&change.reason)
    .bind(now)
    .bind(id)
    .execute(&mut ***tx)
    .await?;
    Ok(Some(id))
}
