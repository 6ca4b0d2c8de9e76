//! Counting failed sign-ins per key, shared by every instance.
//!
//! A key is stored as the hex SHA-256 of the caller's key, so a row is
//! the same small size whatever was typed into a sign-in form, and holds
//! no email or address. Every key must be counted with the same window:
//! rows whose window has ended are purged by it.

use std::sync::atomic::Ordering;
use std::time::Duration;

use sqlx::Row;

use crate::util::{hex, now, sha256};
use crate::{Result, Store, on_pool};

/// How often expired throttle rows are purged, at most, by one process.
const THROTTLE_PURGE_INTERVAL_SECS: i64 = 60;

impl Store {
    /// Counts a failure against `key` and returns the failures within the
    /// current window of `window` seconds. Now and then (at most once a
    /// minute per process) it also deletes every row whose window has
    /// ended, so keys that are never seen again do not pile up.
    pub async fn record_failure(&self, key: &str, window: Duration) -> Result<i64> {
        let now = now();
        let window_start = now - window.as_secs() as i64;
        let key = throttle_key(key);
        let purged_at = self.throttle_purged_at.load(Ordering::Relaxed);
        let purge = now - purged_at >= THROTTLE_PURGE_INTERVAL_SECS
            && self
                .throttle_purged_at
                .compare_exchange(purged_at, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        on_pool!(&self.pool, |pool| {
            if purge {
                // An index on window_start keeps this to the expired rows.
                sqlx::query("DELETE FROM throttle WHERE window_start < $1")
                    .bind(window_start)
                    .execute(pool)
                    .await?;
            }
            let row = sqlx::query(
                "INSERT INTO throttle (key, failures, window_start) VALUES ($1, 1, $2)
                 ON CONFLICT (key) DO UPDATE SET
                   failures = CASE WHEN throttle.window_start < $3 THEN 1 ELSE throttle.failures + 1 END,
                   window_start = CASE WHEN throttle.window_start < $3 THEN $2 ELSE throttle.window_start END
                 RETURNING failures",
            )
            .bind(&key)
            .bind(now)
            .bind(window_start)
            .fetch_one(pool)
            .await?;
            Ok(row.try_get("failures")?)
        })
    }

    /// The failures counted against `key` within the window.
    pub async fn failures(&self, key: &str, window: Duration) -> Result<i64> {
        let window_start = now() - window.as_secs() as i64;
        let key = throttle_key(key);
        on_pool!(&self.pool, |pool| {
            let row =
                sqlx::query("SELECT failures FROM throttle WHERE key = $1 AND window_start >= $2")
                    .bind(&key)
                    .bind(window_start)
                    .fetch_optional(pool)
                    .await?;
            Ok(row.map(|r| r.try_get("failures")).transpose()?.unwrap_or(0))
        })
    }

    pub async fn clear_failures(&self, key: &str) -> Result<()> {
        let key = throttle_key(key);
        on_pool!(&self.pool, |pool| {
            sqlx::query("DELETE FROM throttle WHERE key = $1")
                .bind(&key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

/// The stored form of a throttle key: its SHA-256 in hex.
fn throttle_key(key: &str) -> String {
    hex(&sha256(key.as_bytes()))
}
