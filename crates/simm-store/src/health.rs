//! What operating the store needs besides its data: whether the database
//! takes a write now, for readiness probes, and how the connection pool
//! is used, for metrics.

use crate::{Result, Store, on_pool};

/// How the connections of the store's pool are used at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Connections open, idle or handed out.
    pub open: u32,
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

impl Store {
    /// Overwrites the one row of the readiness table (migration 0007) in a
    /// write transaction, so it succeeds only when the database takes
    /// writes now: not read-only, not a standby, not locked by another
    /// writer past the busy timeout. Costs one commit.
    pub async fn check_writable(&self) -> Result<()> {
        let now = crate::util::now();
        on_pool!(&self.pool, |pool| {
            let mut tx = crate::begin_write!(pool);
            sqlx::query(
                "INSERT INTO readiness (id, checked_at) VALUES (1, $1)
                 ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            )
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The pool's use now; cheap, no query.
    pub fn pool_use(&self) -> PoolUse {
        on_pool!(&self.pool, |pool| PoolUse {
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        })
    }
}
