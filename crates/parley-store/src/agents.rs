//! Agents, teams and authentication tokens. Tokens are stored as SHA-256
//! hashes, so a copy of the database does not hand out sessions.

use crate::{Agent, AgentCredentials, Result, Store, StoreError, Team};
use parley_core::Role;
use sha2::{Digest, Sha256};

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

type AgentRow = (i64, String, String, String, i64, i64);

fn agent_from(row: AgentRow) -> Result<Agent> {
    let (id, email, name, role, active, created_at) = row;
    Ok(Agent {
        id,
        email,
        name,
        role: role
            .parse()
            .map_err(|e| StoreError::Invalid(format!("{e}")))?,
        active: active != 0,
        created_at,
    })
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
        let row: Option<AgentRow> = sqlx::query_as(
            "SELECT id, email, name, role, active, created_at FROM agents WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        agent_from(row.ok_or(StoreError::NotFound("agent"))?)
    }

    pub async fn list_agents(&self) -> Result<Vec<Agent>> {
        let rows: Vec<AgentRow> = sqlx::query_as(
            "SELECT id, email, name, role, active, created_at FROM agents ORDER BY name, id",
        )
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
        let row: Option<(i64, String, String, String, i64, i64, String)> = sqlx::query_as(
            "SELECT id, email, name, role, active, created_at, password_hash FROM agents WHERE email = $1",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(
            |(id, email, name, role, active, created_at, password_hash)| {
                Ok(AgentCredentials {
                    agent: agent_from((id, email, name, role, active, created_at))?,
                    password_hash,
                })
            },
        )
        .transpose()
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
        let row: Option<AgentRow> = sqlx::query_as(
            "SELECT a.id, a.email, a.name, a.role, a.active, a.created_at
             FROM auth_tokens t JOIN agents a ON a.id = t.agent_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2) AND a.active = 1",
        )
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
}
