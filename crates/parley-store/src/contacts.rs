//! Contacts: one per WhatsApp user, with the profile agents maintain.

use crate::models::phone_of;
use crate::{Contact, Result, Store, StoreError, TicketSummary, json_text, parse_json};
use serde_json::Value;

/// An agent's edit of a contact. `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub tags: Option<Vec<String>>,
    pub segment: Option<Option<String>>,
    pub vip: Option<bool>,
    pub attributes: Option<Value>,
    /// `Some(None)` clears it; checked to look like an address.
    pub email: Option<Option<String>>,
}

type ContactRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    i64,
    String,
    i64,
    i64,
    Option<String>,
);

const CONTACT_SELECT: &str = "SELECT id, wa_id, user_id, name, username, tags, segment, vip, attributes, created_at, updated_at, email FROM contacts";

fn contact_from(row: ContactRow) -> Contact {
    let (
        id,
        wa_id,
        user_id,
        name,
        username,
        tags,
        segment,
        vip,
        attributes,
        created_at,
        updated_at,
        email,
    ) = row;
    Contact {
        id,
        phone: phone_of(&wa_id),
        wa_id,
        user_id,
        name,
        username,
        email,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        segment,
        vip: vip != 0,
        attributes: parse_json(&attributes),
        created_at,
        updated_at,
        tickets: Vec::new(),
    }
}

impl Store {
    /// A contact with all of its tickets, newest first.
    pub async fn get_contact(&self, id: i64) -> Result<Contact> {
        let row: Option<ContactRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CONTACT_SELECT} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let mut c = contact_from(row.ok_or(StoreError::NotFound("contact"))?);
        type Row = (
            i64,
            String,
            String,
            Option<String>,
            i64,
            Option<i64>,
            Option<String>,
            Option<i64>,
        );
        let tickets: Vec<Row> = sqlx::query_as(
            "SELECT t.id, t.status, t.priority, t.last_message_preview, t.created_at,
                    s.rating, s.comment, s.rated_at
             FROM tickets t LEFT JOIN csat_surveys s ON s.ticket_id = t.id
             WHERE t.contact_id = $1 ORDER BY t.id DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        c.tickets = tickets
            .into_iter()
            .filter_map(
                |(
                    id,
                    status,
                    priority,
                    last_message_preview,
                    created_at,
                    rating,
                    comment,
                    rated_at,
                )| {
                    Some(TicketSummary {
                        id,
                        status: status.parse().ok()?,
                        priority: priority.parse().ok()?,
                        last_message_preview,
                        created_at,
                        csat_rating: rating,
                        csat_comment: comment,
                        csat_rated_at: rated_at,
                    })
                },
            )
            .collect();
        Ok(c)
    }

    /// Contacts by most recently updated, optionally matching a name or id.
    pub async fn list_contacts(
        &self,
        search: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Contact>> {
        let pattern = search.map(|s| format!("%{}%", s.trim().to_lowercase()));
        let rows: Vec<ContactRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CONTACT_SELECT} WHERE ($1 IS NULL OR LOWER(COALESCE(name, '')) LIKE $1
                 OR COALESCE(wa_id, '') LIKE $1 OR LOWER(COALESCE(user_id, '')) LIKE $1)
             ORDER BY updated_at DESC, id DESC LIMIT $2 OFFSET $3"
        )))
        .bind(pattern)
        .bind(limit.clamp(1, 200))
        .bind(offset.max(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(contact_from).collect())
    }

    pub async fn update_contact(
        &self,
        id: i64,
        actor_id: i64,
        patch: &ContactPatch,
        now: i64,
    ) -> Result<Contact> {
        let mut tx = self.begin_write().await?;
        let row: Option<ContactRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CONTACT_SELECT} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        let c = contact_from(row.ok_or(StoreError::NotFound("contact"))?);
        if let Some(attrs) = &patch.attributes
            && !attrs.is_object()
        {
            return Err(StoreError::Invalid(
                "attributes must be a JSON object".into(),
            ));
        }
        let name = patch.name.clone().or(c.name.clone());
        let tags = patch.tags.clone().unwrap_or(c.tags.clone());
        let segment = patch.segment.clone().unwrap_or(c.segment.clone());
        let vip = patch.vip.unwrap_or(c.vip);
        let attributes = patch.attributes.clone().unwrap_or(c.attributes.clone());
        let email = match &patch.email {
            Some(Some(e)) => {
                let e = e.trim();
                let plausible = e.len() <= 254
                    && !e.contains(char::is_whitespace)
                    && e.split_once('@').is_some_and(|(local, domain)| {
                        !local.is_empty()
                            && domain.contains('.')
                            && !domain.starts_with('.')
                            && !domain.ends_with('.')
                    });
                if !plausible {
                    return Err(StoreError::Invalid(format!(
                        "{e:?} is not an email address"
                    )));
                }
                Some(e.to_string())
            }
            Some(None) => None,
            None => c.email.clone(),
        };
        sqlx::query(
            "UPDATE contacts SET name = $1, tags = $2, segment = $3, vip = $4, attributes = $5, updated_at = $6, email = $8 WHERE id = $7",
        )
        .bind(&name)
        .bind(json_text(&serde_json::json!(tags)))
        .bind(&segment)
        .bind(vip as i64)
        .bind(json_text(&attributes))
        .bind(now)
        .bind(id)
        .bind(&email)
        .execute(&mut **tx)
        .await?;
        crate::ingest::audit(
            &mut tx,
            None,
            Some(id),
            Some(actor_id),
            "contact_updated",
            &serde_json::json!({"name": name, "tags": tags, "segment": segment, "vip": vip, "email": email}),
            now,
        )
        .await?;
        // A new segment or VIP flag changes the SLA targets of open tickets.
        if segment != c.segment || vip != c.vip {
            let open: Vec<(i64,)> = sqlx::query_as(
                "SELECT id FROM tickets WHERE contact_id = $1 AND status NOT IN ('resolved', 'closed')",
            )
            .bind(id)
            .fetch_all(&mut **tx)
            .await?;
            for (ticket,) in open {
                crate::sla::refresh_in(&mut tx, ticket, now).await?;
            }
        }
        tx.commit().await?;
        self.get_contact(id).await
    }
}
