//! Sign-in, session and API tokens, and the extractor every `/api/v1`
//! handler uses to know who is calling and what their role allows.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use parley_core::Role;
use parley_store::{Agent, TokenKind};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < 8 {
        return Err("the password must have at least 8 characters".into());
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A fresh random bearer token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("pt_{}", hex::encode(bytes))
}

/// The signed-in agent making the request.
#[derive(Debug, Clone)]
pub struct AuthAgent(pub Agent);

impl AuthAgent {
    /// Refuses the request unless the agent's role allows `role`.
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.0.role.allows(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {role} role; you are {}",
                self.0.role
            )))
        }
    }
}

pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequestParts<AppState> for AuthAgent {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::unauthorized("missing Authorization: Bearer <token> header")
        })?;
        match state.store.agent_by_token(token, state.now()).await? {
            Some(agent) => Ok(AuthAgent(agent)),
            None => Err(ApiError::unauthorized(
                "the token is invalid, expired or revoked",
            )),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: i64,
    pub agent: Agent,
}

/// Signs in with email and password; answers a session token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    body: Result<Json<LoginRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<LoginResponse>> {
    let Json(req) = body?;
    if state
        .login_limiter
        .check_key(&req.email.trim().to_lowercase())
        .is_err()
    {
        metrics::counter!("parley_logins_throttled_total").increment(1);
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many sign-in attempts for this email; wait a minute and try again",
        ));
    }
    let creds = state.store.agent_credentials(&req.email).await?;
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    let password = req.password;
    // argon2 is deliberately slow; keep it off the async workers. An unknown
    // email still pays for a verification so timing does not reveal it.
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            let _ = verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let creds = match creds {
        Some(c) if ok && c.agent.active => c,
        _ => {
            metrics::counter!("parley_logins_failed_total").increment(1);
            return Err(ApiError::unauthorized("wrong email or password"));
        }
    };
    let token = new_token();
    let now = state.now();
    let expires_at = now + state.config.session_ttl_ms;
    state
        .store
        .create_token(
            creds.agent.id,
            &token,
            TokenKind::Session,
            None,
            Some(expires_at),
            now,
        )
        .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        agent: creds.agent,
    }))
}

fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

/// Ends the current session (revokes the token used).
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)), security(("bearer" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    _agent: AuthAgent,
    headers: axum::http::HeaderMap,
) -> ApiResult<StatusCode> {
    if let Some(token) = bearer(&headers) {
        state.store.revoke_token(token, state.now()).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in agent.
#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, body = Agent)), security(("bearer" = [])))]
pub async fn me(agent: AuthAgent) -> Json<Agent> {
    Json(agent.0)
}

#[derive(Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// What the token is for, e.g. "crm-sync".
    pub name: String,
    /// The agent the token acts as; default: the caller.
    pub agent_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    /// Shown once; Parley keeps only its hash.
    pub token: String,
}

/// Creates a long-lived API token (admins only).
#[utoipa::path(post, path = "/tokens", tag = "auth", request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedToken), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    agent: AuthAgent,
    body: Result<Json<CreateTokenRequest>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    agent.require(Role::Admin)?;
    let Json(req) = body?;
    let owner = req.agent_id.unwrap_or(agent.0.id);
    state.store.get_agent(owner).await?;
    let token = new_token();
    let id = state
        .store
        .create_token(
            owner,
            &token,
            TokenKind::Api,
            Some(req.name.trim()),
            None,
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, token })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(hash_password("short").is_err());
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_random() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
    }
}
