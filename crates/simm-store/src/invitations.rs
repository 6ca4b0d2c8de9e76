//! Invitations: a respondent's link, stored by the hash of its token,
//! with the attributes preset on it.

use sqlx::Row;

use crate::records::parse_attributes;
use crate::util::{new_id, now};
use crate::{
    Assessment, AssessmentState, Invitation, InvitationState, NewInvitation, ParticipationRow,
    Result, Store, begin_write, on_pool,
};

impl Store {
    /// Stores invitations, all or none.
    pub async fn create_invitations(
        &self,
        assessment_id: &str,
        invitations: &[NewInvitation],
    ) -> Result<()> {
        let now = now();
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            for invitation in invitations {
                sqlx::query(
                    "INSERT INTO invitations (id, assessment_id, token_hash, attributes, state, created_at)
                     VALUES ($1, $2, $3, $4, 'pending', $5)",
                )
                .bind(new_id())
                .bind(assessment_id)
                .bind(&invitation.token_hash)
                .bind(serde_json::to_string(&invitation.attributes).expect("a map of strings serialises"))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The invitation with this token and its assessment, in one query:
    /// every respondent request starts here.
    pub async fn invitation_with_assessment(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<(Invitation, Assessment)>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(
                "SELECT i.id, i.assessment_id, i.attributes, i.state AS invitation_state,
                        a.organization_id, a.model_version_id, a.title, a.state, a.anonymity_min, a.closed_at
                 FROM invitations i JOIN assessments a ON a.id = i.assessment_id WHERE i.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let id: String = row.try_get("id")?;
            let attributes: String = row.try_get("attributes")?;
            let invitation = Invitation {
                attributes: parse_attributes(&attributes, format_args!("invitations row {id}"))?,
                id,
                assessment_id: row.try_get("assessment_id")?,
                state: InvitationState::parse(&row.try_get::<String, _>("invitation_state")?),
            };
            let anonymity_min: Option<i64> = row.try_get("anonymity_min")?;
            let assessment = Assessment {
                id: invitation.assessment_id.clone(),
                organization_id: row.try_get("organization_id")?,
                model_version_id: row.try_get("model_version_id")?,
                title: row.try_get("title")?,
                state: AssessmentState::parse(&row.try_get::<String, _>("state")?),
                anonymity_min: anonymity_min.map(|v| v as u32),
                closed_at: row.try_get("closed_at")?,
            };
            Ok(Some((invitation, assessment)))
        })
    }

    pub async fn invitation_by_token(&self, token_hash: &[u8]) -> Result<Option<Invitation>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query("SELECT id, assessment_id, attributes, state FROM invitations WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(invitation_from_row).transpose()
        })
    }

    /// Invitations by state and preset attributes, for the participation
    /// view. Counts only; nothing about any one respondent's answers.
    pub async fn participation(&self, assessment_id: &str) -> Result<Vec<ParticipationRow>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT attributes, state, COUNT(*) AS invitations,
                        SUM(CASE WHEN opened OR state <> 'pending' THEN 1 ELSE 0 END) AS opened
                 FROM invitations
                 WHERE assessment_id = $1 GROUP BY attributes, state ORDER BY attributes, state",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let attributes: String = row.try_get("attributes")?;
                    Ok(ParticipationRow {
                        attributes: parse_attributes(
                            &attributes,
                            format_args!("invitations of assessment {assessment_id}"),
                        )?,
                        state: InvitationState::parse(&row.try_get::<String, _>("state")?),
                        invitations: row.try_get("invitations")?,
                        opened: row.try_get::<Option<i64>, _>("opened")?.unwrap_or_default(),
                    })
                })
                .collect()
        })
    }
}

fn invitation_from_row<R: Row>(row: &R) -> Result<Invitation>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let attributes: String = row.try_get("attributes")?;
    let state: String = row.try_get("state")?;
    let id: String = row.try_get("id")?;
    Ok(Invitation {
        attributes: parse_attributes(&attributes, format_args!("invitations row {id}"))?,
        id,
        assessment_id: row.try_get("assessment_id")?,
        state: InvitationState::parse(&state),
    })
}
