//! Accounts: users, their roles and password hashes.

use sqlx::Row;

use crate::util::{new_id, now};
use crate::{Result, Role, Store, StoreError, User, begin_write, on_pool};

impl Store {
    pub async fn create_user(&self, email: &str, password_hash: &str, role: Role) -> Result<User> {
        let user = User {
            id: new_id(),
            email: email.to_owned(),
            role,
        };
        let now = now();
        let inserted = on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, role, created_at, password_changed_at)
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (email) DO NOTHING",
            )
            .bind(&user.id)
            .bind(&user.email)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "a user with the email {email:?} exists already"
            )));
        }
        Ok(user)
    }

    /// The user and their password hash, for logging in.
    pub async fn user_with_password(&self, email: &str) -> Result<Option<(User, String)>> {
        on_pool!(&self.pool, |pool| {
            let row =
                sqlx::query("SELECT id, email, role, password_hash FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(pool)
                    .await?;
            row.map(|row| Ok((user_from_row(&row)?, row.try_get("password_hash")?)))
                .transpose()
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(self.user_with_password(email).await?.map(|(user, _)| user))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query("SELECT id, email, role FROM users ORDER BY email")
                .fetch_all(pool)
                .await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    /// Sets a new password and ends every session of the user.
    pub async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            sqlx::query(
                "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
            )
            .bind(password_hash)
            .bind(now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

pub(crate) fn user_from_row<R: Row>(row: &R) -> Result<User>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    // Not a viewer by default: the table's CHECK allows only the four, so
    // any other value is damage, and a role decides what a user may see.
    let role = Role::parse(&role).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "users row {id}, column role: unknown role {role:?}"
        ))
    })?;
    Ok(User {
        id,
        email: row.try_get("email")?,
        role,
    })
}
