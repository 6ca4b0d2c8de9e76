//! Sign-in sessions and API tokens, each stored by the hash of its token
//! and resolved to its user.

use std::time::Duration;

use sqlx::Row;

use crate::users::user_from_row;
use crate::util::now;
use crate::{Result, Session, Store, User, on_pool};

impl Store {
    pub async fn create_api_token(&self, user_id: &str, token_hash: &[u8]) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn user_by_api_token(&self, token_hash: &[u8]) -> Result<Option<User>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT u.id, u.email, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(user_from_row).transpose()
        })
    }

    pub async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: &str,
        csrf_token: &str,
    ) -> Result<()> {
        let now = now();
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session with this token, if it has been used within
    /// `idle` and is younger than `absolute`; marks it as used.
    pub async fn session(
        &self,
        token_hash: &[u8],
        idle: Duration,
        absolute: Duration,
    ) -> Result<Option<Session>> {
        let now = now();
        let idle_since = now - idle.as_secs() as i64;
        let created_since = now - absolute.as_secs() as i64;
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT u.id, u.email, u.role, s.csrf_token, s.last_seen_at FROM sessions s
                 JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.last_seen_at >= $2 AND s.created_at >= $3",
            )
            .bind(token_hash)
            .bind(idle_since)
            .bind(created_since)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let last_seen: i64 = row.try_get("last_seen_at")?;
            // Writing on every request would make reads cost a commit;
            // once a minute is precise enough for an idle timeout.
            if now - last_seen > 60 {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(token_hash)
                    .execute(pool)
                    .await?;
            }
            Ok(Some(Session {
                user: user_from_row(&row)?,
                csrf_token: row.try_get("csrf_token")?,
            }))
        })
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
