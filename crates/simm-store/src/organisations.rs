//! Organisations and who has access to them.

use sqlx::Row;

use crate::users::user_from_row;
use crate::util::{new_id, now};
use crate::{NewOrganization, Organization, Result, Store, User, begin_write, on_pool};

impl Store {
    /// Creates an organisation; its creator gets access to it.
    pub async fn create_organization(
        &self,
        new: &NewOrganization,
        created_by: &str,
    ) -> Result<Organization> {
        let organization = Organization {
            id: new_id(),
            name: new.name.clone(),
            industry: new.industry.clone(),
            size: new.size.clone(),
            country: new.country.clone(),
        };
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            sqlx::query(
                "INSERT INTO organizations (id, name, industry, size, country, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&organization.id)
            .bind(&organization.name)
            .bind(&organization.industry)
            .bind(&organization.size)
            .bind(&organization.country)
            .bind(created_by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO organization_access (organization_id, user_id) VALUES ($1, $2)",
            )
            .bind(&organization.id)
            .bind(created_by)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(organization)
    }

    pub async fn grant_access(&self, organization_id: &str, user_id: &str) -> Result<()> {
        on_pool!(&self.pool, |pool| {
            sqlx::query(
                "INSERT INTO organization_access (organization_id, user_id) VALUES ($1, $2)
                 ON CONFLICT (organization_id, user_id) DO NOTHING",
            )
            .bind(organization_id)
            .bind(user_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The organisations a user may see: admins see all, others those they
    /// were granted.
    pub async fn organizations_for(&self, user: &User) -> Result<Vec<Organization>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT o.id, o.name, o.industry, o.size, o.country FROM organizations o
                 WHERE $1 = 'admin' OR EXISTS (
                   SELECT 1 FROM organization_access a WHERE a.organization_id = o.id AND a.user_id = $2)
                 ORDER BY o.name, o.id",
            )
            .bind(user.role.as_str())
            .bind(&user.id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(organization_from_row).collect()
        })
    }

    /// The organisation, if the user may see it. Another tenant's
    /// organisation and a missing one look the same.
    pub async fn organization_for(&self, user: &User, id: &str) -> Result<Option<Organization>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT o.id, o.name, o.industry, o.size, o.country FROM organizations o
                 WHERE o.id = $1 AND ($2 = 'admin' OR EXISTS (
                   SELECT 1 FROM organization_access a WHERE a.organization_id = o.id AND a.user_id = $3))",
            )
            .bind(id)
            .bind(user.role.as_str())
            .bind(&user.id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(organization_from_row).transpose()
        })
    }

    /// The users granted access to an organisation, by email. Admins see
    /// every organisation and appear only when granted explicitly.
    pub async fn users_with_access(&self, organization_id: &str) -> Result<Vec<User>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT u.id, u.email, u.role FROM organization_access a JOIN users u ON u.id = a.user_id
                 WHERE a.organization_id = $1 ORDER BY u.email",
            )
            .bind(organization_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    /// The name of the organisation an assessment belongs to, for the pages
    /// of its respondents, who have no account to scope the look-up by.
    /// `None` when the assessment does not exist.
    pub async fn organization_name_of_assessment(
        &self,
        assessment_id: &str,
    ) -> Result<Option<String>> {
        on_pool!(&self.pool, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT o.name FROM assessments a JOIN organizations o ON o.id = a.organization_id
                 WHERE a.id = $1",
            )
            .bind(assessment_id)
            .fetch_optional(pool)
            .await?)
        })
    }
}

fn organization_from_row<R: Row>(row: &R) -> Result<Organization>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    Ok(Organization {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        industry: row.try_get("industry")?,
        size: row.try_get("size")?,
        country: row.try_get("country")?,
    })
}
