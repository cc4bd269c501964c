//! Agents, teams and authentication tokens. Tokens are stored as SHA-256
//! hashes, so a copy of the database does not hand out sessions.

use crate::{Agent, AgentCredentials, Result, Store, StoreError, Team};
use parley_core::Role;
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone)]
pub struct NewAgent {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// An argon2 PHC string; hashing is the caller's job.
    pub password_hash: String,
}

/// A sign-in session (expires) or an API token an admin created (does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Session,
    Api,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
        }
    }
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The columns every agent query selects, in [`agent_from`]'s order.
pub(crate) const AGENT_COLUMNS: &str = "a.id, a.email, a.name, a.role, a.active, a.created_at,
    a.availability, a.availability_at, a.skills, a.languages, a.seniority, a.capacity,
    a.last_assigned_at,
    (SELECT COUNT(*) FROM tickets o WHERE o.assignee_id = a.id AND o.status IN ('assigned', 'in_progress')) AS open_tickets";

#[derive(sqlx::FromRow)]
pub(crate) struct AgentRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    active: i64,
    created_at: i64,
    availability: String,
    availability_at: i64,
    skills: String,
    languages: String,
    seniority: i64,
    capacity: i64,
    last_assigned_at: i64,
    open_tickets: i64,
}

pub(crate) fn agent_from(row: AgentRow) -> Result<Agent> {
    Ok(Agent {
        id: row.id,
        email: row.email,
        name: row.name,
        role: row
            .role
            .parse()
            .map_err(|e| StoreError::Invalid(format!("{e}")))?,
        active: row.active != 0,
        created_at: row.created_at,
        availability: row.availability,
        availability_at: row.availability_at,
        skills: serde_json::from_str(&row.skills).unwrap_or_default(),
        languages: serde_json::from_str(&row.languages).unwrap_or_default(),
        seniority: row.seniority,
        capacity: row.capacity,
        open_tickets: row.open_tickets,
        last_assigned_at: row.last_assigned_at,
    })
}

/// An admin's change to an agent's profile. `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct AgentPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub skills: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    pub seniority: Option<i64>,
    pub capacity: Option<i64>,
}

/// Lower-cases, trims, drops empties and duplicates, keeps the order given.
fn tidy_list(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let item = item.trim().to_lowercase();
        if !item.is_empty() && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

impl Store {
    pub async fn create_agent(&self, a: &NewAgent, now: i64) -> Result<Agent> {
        let email = a.email.trim().to_lowercase();
        if !email.contains('@') {
            return Err(StoreError::Invalid(format!(
                "{email:?} is not an email address"
            )));
        }
        if a.name.trim().is_empty() {
            return Err(StoreError::Invalid("an agent needs a name".into()));
        }
        let res: Result<(i64,), _> = sqlx::query_as(
            "INSERT INTO agents (email, name, role, password_hash, active, created_at)
             VALUES ($1, $2, $3, $4, 1, $5) RETURNING id",
        )
        .bind(&email)
        .bind(a.name.trim())
        .bind(a.role.as_str())
        .bind(&a.password_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await;
        match res.map_err(StoreError::from) {
            Ok((id,)) => self.get_agent(id).await,
            Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(format!(
                "an agent with email {email} already exists"
            ))),
            Err(e) => Err(e),
        }
    }

    pub async fn get_agent(&self, id: i64) -> Result<Agent> {
        let row: Option<AgentRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents a WHERE a.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        agent_from(row.ok_or(StoreError::NotFound("agent"))?)
    }

    pub async fn list_agents(&self) -> Result<Vec<Agent>> {
        let rows: Vec<AgentRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS} FROM agents a ORDER BY a.name, a.id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(agent_from).collect()
    }

    pub async fn count_agents(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM agents")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    pub async fn agent_credentials(&self, email: &str) -> Result<Option<AgentCredentials>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT id, password_hash FROM agents WHERE email = $1")
                .bind(email.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some((id, password_hash)) => Ok(Some(AgentCredentials {
                agent: self.get_agent(id).await?,
                password_hash,
            })),
            None => Ok(None),
        }
    }

    pub async fn set_password(&self, agent_id: i64, password_hash: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE agents SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(agent_id)
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_agent_active(&self, agent_id: i64, active: bool) -> Result<()> {
        sqlx::query("UPDATE agents SET active = $1 WHERE id = $2")
            .bind(active as i64)
            .bind(agent_id)
            .execute(&self.pool)
            .await?;
        if !active {
            sqlx::query("DELETE FROM auth_tokens WHERE agent_id = $1")
                .bind(agent_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Stores a new token (its hash) for an agent.
    pub async fn create_token(
        &self,
        agent_id: i64,
        token: &str,
        kind: TokenKind,
        name: Option<&str>,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO auth_tokens (agent_id, token_hash, kind, name, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(agent_id)
        .bind(token_hash(token))
        .bind(kind.as_str())
        .bind(name)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&mut **tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The active agent a token belongs to, if the token is valid now.
    pub async fn agent_by_token(&self, token: &str, now: i64) -> Result<Option<Agent>> {
        let row: Option<AgentRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {AGENT_COLUMNS}
             FROM auth_tokens t JOIN agents a ON a.id = t.agent_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2) AND a.active = 1"
        )))
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(agent_from).transpose()
    }

    pub async fn revoke_token(&self, token: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE auth_tokens SET revoked_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash(token))
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_team(&self, name: &str, now: i64) -> Result<Team> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a team needs a name".into()));
        }
        let res: Result<(i64,), _> =
            sqlx::query_as("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(now)
                .fetch_one(&self.pool)
                .await;
        match res.map_err(StoreError::from) {
            Ok((id,)) => Ok(Team {
                id,
                name: name.into(),
                member_ids: vec![],
            }),
            Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(format!(
                "a team named {name} already exists"
            ))),
            Err(e) => Err(e),
        }
    }

    pub async fn add_team_member(&self, team_id: i64, agent_id: i64) -> Result<()> {
        self.get_agent(agent_id).await?;
        sqlx::query(
            "INSERT INTO team_members (team_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(team_id)
        .bind(agent_id)
        .execute(&self.pool)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => {
                StoreError::NotFound("team")
            }
            other => other,
        })?;
        Ok(())
    }

    pub async fn list_teams(&self) -> Result<Vec<Team>> {
        let teams: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM teams ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        let members: Vec<(i64, i64)> =
            sqlx::query_as("SELECT team_id, agent_id FROM team_members ORDER BY agent_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(teams
            .into_iter()
            .map(|(id, name)| Team {
                id,
                name,
                member_ids: members
                    .iter()
                    .filter(|(t, _)| *t == id)
                    .map(|(_, a)| *a)
                    .collect(),
            })
            .collect())
    }

    /// Changes an agent's profile (name, role, routing attributes).
    pub async fn update_agent(&self, id: i64, patch: &AgentPatch) -> Result<Agent> {
        if let Some(name) = &patch.name
            && name.trim().is_empty()
        {
            return Err(StoreError::Invalid("an agent needs a name".into()));
        }
        if let Some(c) = patch.capacity
            && !(1..=100).contains(&c)
        {
            return Err(StoreError::Invalid(format!(
                "capacity {c} is out of range; expected 1 to 100 open conversations"
            )));
        }
        if let Some(s) = patch.seniority
            && !(1..=4).contains(&s)
        {
            return Err(StoreError::Invalid(format!(
                "seniority {s} is out of range; expected 1 (junior) to 4 (lead)"
            )));
        }
        let mut tx = self.begin_write().await?;
        let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM agents WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::NotFound("agent"));
        }
        sqlx::query(
            "UPDATE agents SET name = COALESCE($1, name), role = COALESCE($2, role),
                    skills = COALESCE($3, skills), languages = COALESCE($4, languages),
                    seniority = COALESCE($5, seniority), capacity = COALESCE($6, capacity)
             WHERE id = $7",
        )
        .bind(patch.name.as_deref().map(str::trim))
        .bind(patch.role.map(|r| r.as_str()))
        .bind(
            patch
                .skills
                .as_deref()
                .map(|s| crate::json_text(&tidy_list(s).into())),
        )
        .bind(
            patch
                .languages
                .as_deref()
                .map(|s| crate::json_text(&tidy_list(s).into())),
        )
        .bind(patch.seniority)
        .bind(patch.capacity)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        tx.commit().await?;
        self.get_agent(id).await
    }

    /// Sets an agent's availability (online, away, offline); returns whether it changed.
    pub async fn set_availability(&self, id: i64, availability: &str, now: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE agents SET availability = $1, availability_at = $2
             WHERE id = $3 AND availability <> $1",
        )
        .bind(availability)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            > 0;
        tx.commit().await?;
        Ok(changed)
    }

    /// The id of the team with this name, creating it if needed.
    pub async fn ensure_team(&self, name: &str, now: i64) -> Result<i64> {
        let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM teams WHERE name = $1")
            .bind(name.trim())
            .fetch_optional(&self.pool)
            .await?;
        match found {
            Some((id,)) => Ok(id),
            None => match self.create_team(name, now).await {
                Ok(t) => Ok(t.id),
                // Someone else created it between the two statements.
                Err(StoreError::Conflict(_)) => Box::pin(self.ensure_team(name, now)).await,
                Err(e) => Err(e),
            },
        }
    }

    /// Makes the team's membership exactly `agent_ids`.
    pub async fn set_team_members(&self, team_id: i64, agent_ids: &[i64]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM team_members WHERE team_id = $1")
            .bind(team_id)
            .execute(&mut **tx)
            .await?;
        for agent in agent_ids {
            sqlx::query(
                "INSERT INTO team_members (team_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(team_id)
            .bind(agent)
            .execute(&mut **tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn agent_id_by_email(&self, email: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM agents WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id,)| id))
    }
}
