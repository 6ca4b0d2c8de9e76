//! Invitations by e-mail: the recipients (an address with its invitation
//! and link), the templates their messages are written from, and the
//! durable outbox that senders claim messages from.
//!
//! A sender claims one due message at a time with a lease: on PostgreSQL
//! with `FOR UPDATE SKIP LOCKED`, so that several instances never claim
//! the same row, and on SQLite under the write lock `BEGIN IMMEDIATE`
//! takes. A message whose lease ran out while it was being handed to the
//! relay (its sender died) is not sent again: the relay may have taken it,
//! and a second copy is worse than a visible "may not have arrived".

use sqlx::Row;

use crate::records::parse_attributes;
use crate::util::new_id;
use crate::{Attributes, InvitationState, Result, Store, begin_write, claim_assessment, on_pool};

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EmailKind {
    Invitation,
    Reminder,
}

impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Invitation => "invitation",
            EmailKind::Reminder => "reminder",
        }
    }

    fn parse(text: &str) -> EmailKind {
        match text {
            "reminder" => EmailKind::Reminder,
            _ => EmailKind::Invitation,
        }
    }
}

/// Where a message is in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutboxState {
    Queued,
    /// Claimed by a sender, which is handing it to the relay.
    Sending,
    Sent,
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> OutboxState {
        match text {
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "failed" => OutboxState::Failed,
            _ => OutboxState::Queued,
        }
    }
}

/// A subject and a body as the consultant wrote them, checked by the mail
/// crate's template rules before they reach the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmailTemplate {
    pub kind: EmailKind,
    pub subject: String,
    pub body: String,
}

/// One address to invite, with the invitation made for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmailRecipient {
    pub address: String,
    /// The address in lower case: an address already invited to the
    /// assessment under this key is refused.
    pub address_key: String,
    /// The link's secret, which the messages carry.
    pub token: String,
    pub token_hash: Vec<u8>,
    pub attributes: Attributes,
}

/// What became of a batch of e-mail invitations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueOutcome {
    Queued(u64),
    /// The assessment is not open: nothing was stored.
    NotOpen,
    /// This address (as given) is invited already: nothing was stored.
    AlreadyInvited(String),
}

/// A message a sender claimed: everything it needs to write and send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedEmail {
    pub outbox_id: String,
    pub kind: EmailKind,
    /// 1 on the first try.
    pub attempt: i64,
    pub address: String,
    pub link_token: String,
    pub subject: String,
    pub body: String,
    pub assessment_id: String,
    pub assessment_title: String,
    pub organization_name: String,
    pub anonymity_min: Option<u32>,
    /// The attributes preset on the invitation.
    pub attributes: Attributes,
}

/// How handing a claimed message to the relay ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// A transient failure: queued again for `at` (Unix seconds).
    Retry {
        error: String,
        at: i64,
    },
    Failed {
        error: String,
    },
}

/// One invited address, as the consultant's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailRecipientRow {
    pub id: String,
    pub address: String,
    pub attributes: Attributes,
    pub invitation_state: InvitationState,
    /// The latest message to the address.
    pub latest_kind: EmailKind,
    pub latest_state: OutboxState,
    pub attempts: i64,
    /// The relay's answer to the latest failed try.
    pub error: Option<String>,
    /// When the invitation was accepted by the relay.
    pub invited_at: Option<i64>,
    pub reminders_sent: i64,
}

/// How many messages of a kind are in a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailCount {
    pub kind: EmailKind,
    pub state: OutboxState,
    pub messages: i64,
}

/// The answer a sender records for a message whose lease ran out.
pub const INTERRUPTED: &str = "the sender stopped while handing this message to the relay, which may or may not have taken it; it is not sent again on its own, so that no one gets it twice";

impl Store {
    /// Stores the template, an invitation and a recipient for every
    /// address, and queues one message to each, all in one transaction and
    /// only while the assessment is open.
    pub async fn queue_email_invitations(
        &self,
        assessment_id: &str,
        template: &NewEmailTemplate,
        recipients: &[NewEmailRecipient],
        now: i64,
    ) -> Result<QueueOutcome> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            if !claim_assessment!(tx, assessment_id, open) {
                tx.rollback().await?;
                return Ok(QueueOutcome::NotOpen);
            }
            for recipient in recipients {
                let taken: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM email_recipients WHERE assessment_id = $1 AND address_key = $2",
                )
                .bind(assessment_id)
                .bind(&recipient.address_key)
                .fetch_optional(&mut *tx)
                .await?;
                if taken.is_some() {
                    tx.rollback().await?;
                    return Ok(QueueOutcome::AlreadyInvited(recipient.address.clone()));
                }
            }
            let template_id = insert_template!(tx, assessment_id, template, now);
            for recipient in recipients {
                let invitation_id = new_id();
                sqlx::query(
                    "INSERT INTO invitations (id, assessment_id, token_hash, attributes, state, created_at)
                     VALUES ($1, $2, $3, $4, 'pending', $5)",
                )
                .bind(&invitation_id)
                .bind(assessment_id)
                .bind(&recipient.token_hash)
                .bind(serde_json::to_string(&recipient.attributes).expect("a map of strings serialises"))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let recipient_id = new_id();
                sqlx::query(
                    "INSERT INTO email_recipients (id, assessment_id, invitation_id, address, address_key, link_token, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&recipient_id)
                .bind(assessment_id)
                .bind(&invitation_id)
                .bind(&recipient.address)
                .bind(&recipient.address_key)
                .bind(&recipient.token)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO email_outbox (id, assessment_id, recipient_id, template_id, kind, state, attempts, next_attempt_at, created_at)
                     VALUES ($1, $2, $3, $4, 'invitation', 'queued', 0, $5, $5)",
                )
                .bind(new_id())
                .bind(assessment_id)
                .bind(&recipient_id)
                .bind(&template_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(QueueOutcome::Queued(recipients.len() as u64))
    }

    /// Queues a reminder to every recipient who has not submitted, whose
    /// invitation reached the relay, and who has no message waiting: the
    /// number queued, or `None` when the assessment is not open.
    pub async fn queue_reminders(
        &self,
        assessment_id: &str,
        template: &NewEmailTemplate,
        now: i64,
    ) -> Result<Option<u64>> {
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            if !claim_assessment!(tx, assessment_id, open) {
                tx.rollback().await?;
                return Ok(None);
            }
            let template_id = insert_template!(tx, assessment_id, template, now);
            let recipients: Vec<String> = sqlx::query_scalar(
                "SELECT r.id FROM email_recipients r JOIN invitations i ON i.id = r.invitation_id
                 WHERE r.assessment_id = $1 AND i.state <> 'submitted'
                   AND EXISTS (SELECT 1 FROM email_outbox o WHERE o.recipient_id = r.id
                               AND o.kind = 'invitation' AND o.state = 'sent')
                   AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.recipient_id = r.id
                                   AND o.state IN ('queued', 'sending'))
                 ORDER BY r.id",
            )
            .bind(assessment_id)
            .fetch_all(&mut *tx)
            .await?;
            for recipient_id in &recipients {
                sqlx::query(
                    "INSERT INTO email_outbox (id, assessment_id, recipient_id, template_id, kind, state, attempts, next_attempt_at, created_at)
                     VALUES ($1, $2, $3, $4, 'reminder', 'queued', 0, $5, $5)",
                )
                .bind(new_id())
                .bind(assessment_id)
                .bind(recipient_id)
                .bind(&template_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Some(recipients.len() as u64))
        })
    }

    /// Claims the next due message for `lease` seconds, or `None` when
    /// nothing is due. Messages whose lease ran out are marked failed
    /// ([`INTERRUPTED`]) first, and a reminder to someone who submitted
    /// meanwhile is dropped unsent.
    pub async fn claim_email(&self, now: i64, lease: i64) -> Result<Option<ClaimedEmail>> {
        let skip_locked = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        on_pool!(&self.pool, |pool| {
            loop {
                let mut tx = begin_write!(pool);
                sqlx::query(
                    "UPDATE email_outbox SET state = 'failed', last_error = $1, claimed_until = NULL
                     WHERE state = 'sending' AND claimed_until < $2",
                )
                .bind(INTERRUPTED)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let claimed: Option<String> = sqlx::query_scalar(&format!(
                    "UPDATE email_outbox SET state = 'sending', claimed_until = $1, attempts = attempts + 1
                     WHERE id = (SELECT id FROM email_outbox WHERE state = 'queued' AND next_attempt_at <= $2
                                 ORDER BY next_attempt_at, id LIMIT 1{skip_locked})
                     RETURNING id"
                ))
                .bind(now + lease)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(outbox_id) = claimed else {
                    tx.commit().await?;
                    return Ok(None);
                };
                let row = sqlx::query(
                    "SELECT o.kind, o.attempts, r.address, r.link_token, t.subject, t.body,
                            a.id AS assessment_id, a.title, a.anonymity_min, g.name AS organization_name,
                            i.state AS invitation_state, i.attributes
                     FROM email_outbox o
                     JOIN email_recipients r ON r.id = o.recipient_id
                     JOIN email_templates t ON t.id = o.template_id
                     JOIN invitations i ON i.id = r.invitation_id
                     JOIN assessments a ON a.id = o.assessment_id
                     JOIN organizations g ON g.id = a.organization_id
                     WHERE o.id = $1",
                )
                .bind(&outbox_id)
                .fetch_one(&mut *tx)
                .await?;
                let kind = EmailKind::parse(&row.try_get::<String, _>("kind")?);
                let invitation_state =
                    InvitationState::parse(&row.try_get::<String, _>("invitation_state")?);
                if kind == EmailKind::Reminder && invitation_state == InvitationState::Submitted {
                    sqlx::query("DELETE FROM email_outbox WHERE id = $1")
                        .bind(&outbox_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    continue;
                }
                let attributes: String = row.try_get("attributes")?;
                let anonymity_min: Option<i64> = row.try_get("anonymity_min")?;
                let claimed = ClaimedEmail {
                    kind,
                    attempt: row.try_get("attempts")?,
                    address: row.try_get("address")?,
                    link_token: row.try_get("link_token")?,
                    subject: row.try_get("subject")?,
                    body: row.try_get("body")?,
                    assessment_id: row.try_get("assessment_id")?,
                    assessment_title: row.try_get("title")?,
                    organization_name: row.try_get("organization_name")?,
                    anonymity_min: anonymity_min.map(|value| value as u32),
                    attributes: parse_attributes(
                        &attributes,
                        format_args!("the invitation of outbox row {outbox_id}"),
                    )?,
                    outbox_id,
                };
                tx.commit().await?;
                return Ok(Some(claimed));
            }
        })
    }

    /// Records how sending a claimed message ended. Only a message still
    /// claimed is changed: `false` when its lease had run out (or the
    /// assessment closed) meanwhile.
    pub async fn finish_email(
        &self,
        outbox_id: &str,
        outcome: &SendOutcome,
        now: i64,
    ) -> Result<bool> {
        let (state, error, next_attempt_at, sent_at) = match outcome {
            SendOutcome::Sent => ("sent", None, None, Some(now)),
            SendOutcome::Retry { error, at } => ("queued", Some(error.as_str()), Some(*at), None),
            SendOutcome::Failed { error } => ("failed", Some(error.as_str()), None, None),
        };
        on_pool!(&self.pool, |pool| {
            let changed = sqlx::query(
                "UPDATE email_outbox SET state = $1, last_error = $2,
                        next_attempt_at = COALESCE($3, next_attempt_at), sent_at = $4, claimed_until = NULL
                 WHERE id = $5 AND state = 'sending'",
            )
            .bind(state)
            .bind(error)
            .bind(next_attempt_at)
            .bind(sent_at)
            .bind(outbox_id)
            .execute(pool)
            .await?
            .rows_affected();
            Ok(changed == 1)
        })
    }

    /// After a close deleted addresses: on SQLite, the write-ahead log,
    /// which still holds the pages as they were before the deletion, is
    /// checkpointed into the file (where `secure_delete` zeroed them) and
    /// truncated. Readers active at that moment can keep the log from
    /// being truncated; the next close truncates it then. PostgreSQL's
    /// dump never shows deleted rows, and autovacuum reclaims their space.
    pub(crate) async fn forget_deleted_pages(&self) -> Result<()> {
        if let crate::Pool::Sqlite(pool) = &self.pool {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Whether the invitation was e-mailed, so that its address is kept
    /// until the assessment closes.
    pub async fn invitation_was_emailed(&self, invitation_id: &str) -> Result<bool> {
        on_pool!(&self.pool, |pool| {
            let found: Option<String> =
                sqlx::query_scalar("SELECT id FROM email_recipients WHERE invitation_id = $1")
                    .bind(invitation_id)
                    .fetch_optional(pool)
                    .await?;
            Ok(found.is_some())
        })
    }

    /// When the next queued message is due, if any is queued.
    pub async fn next_email_due(&self) -> Result<Option<i64>> {
        on_pool!(&self.pool, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT MIN(next_attempt_at) FROM email_outbox WHERE state = 'queued'",
            )
            .fetch_one(pool)
            .await?)
        })
    }

    /// Every address invited to the assessment, with the state of its
    /// latest message, in the order they were added (a batch by address).
    pub async fn email_recipients(&self, assessment_id: &str) -> Result<Vec<EmailRecipientRow>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT r.id, r.address, i.attributes, i.state AS invitation_state,
                        o.kind, o.state, o.attempts, o.last_error,
                        (SELECT MAX(sent_at) FROM email_outbox s WHERE s.recipient_id = r.id AND s.kind = 'invitation') AS invited_at,
                        (SELECT COUNT(*) FROM email_outbox s WHERE s.recipient_id = r.id AND s.kind = 'reminder' AND s.state = 'sent') AS reminders_sent
                 FROM email_recipients r
                 JOIN invitations i ON i.id = r.invitation_id
                 JOIN email_outbox o ON o.id = (SELECT id FROM email_outbox l WHERE l.recipient_id = r.id
                                                ORDER BY l.created_at DESC, l.kind DESC LIMIT 1)
                 WHERE r.assessment_id = $1
                 ORDER BY r.created_at, r.address_key",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let id: String = row.try_get("id")?;
                    let attributes: String = row.try_get("attributes")?;
                    Ok(EmailRecipientRow {
                        attributes: parse_attributes(
                            &attributes,
                            format_args!("email recipient {id}"),
                        )?,
                        id,
                        address: row.try_get("address")?,
                        invitation_state: InvitationState::parse(
                            &row.try_get::<String, _>("invitation_state")?,
                        ),
                        latest_kind: EmailKind::parse(&row.try_get::<String, _>("kind")?),
                        latest_state: OutboxState::parse(&row.try_get::<String, _>("state")?),
                        attempts: row.try_get("attempts")?,
                        error: row.try_get("last_error")?,
                        invited_at: row.try_get("invited_at")?,
                        reminders_sent: row.try_get("reminders_sent")?,
                    })
                })
                .collect()
        })
    }

    /// How many messages of each kind are in each state: from the outbox
    /// while the assessment is open, from the counts kept at its close
    /// after.
    pub async fn email_counts(&self, assessment_id: &str) -> Result<Vec<EmailCount>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(
                "SELECT kind, state, CAST(SUM(messages) AS BIGINT) AS messages FROM (
                     SELECT kind, state, COUNT(*) AS messages FROM email_outbox WHERE assessment_id = $1 GROUP BY kind, state
                     UNION ALL
                     SELECT kind, state, messages FROM email_counts WHERE assessment_id = $1
                 ) counted GROUP BY kind, state ORDER BY kind, state",
            )
            .bind(assessment_id)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(EmailCount {
                        kind: EmailKind::parse(&row.try_get::<String, _>("kind")?),
                        state: OutboxState::parse(&row.try_get::<String, _>("state")?),
                        messages: row.try_get("messages")?,
                    })
                })
                .collect()
        })
    }
}

/// Stores a template in the transaction; its new id.
macro_rules! insert_template {
    ($tx:expr, $assessment_id:expr, $template:expr, $now:expr) => {{
        let template_id = new_id();
        sqlx::query(
            "INSERT INTO email_templates (id, assessment_id, kind, subject, body, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&template_id)
        .bind($assessment_id)
        .bind($template.kind.as_str())
        .bind(&$template.subject)
        .bind(&$template.body)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        template_id
    }};
}
use insert_template;

/// At close, in the closing transaction: keeps the counts of the
/// assessment's messages and deletes its addresses, links, templates and
/// messages. A message still queued counts as never sent ("queued").
macro_rules! forget_email_addresses {
    ($tx:expr, $assessment_id:expr) => {{
        sqlx::query(
            "INSERT INTO email_counts (assessment_id, kind, state, messages)
             SELECT assessment_id, kind, CASE WHEN state = 'sending' THEN 'failed' ELSE state END, COUNT(*)
             FROM email_outbox WHERE assessment_id = $1
             GROUP BY assessment_id, kind, CASE WHEN state = 'sending' THEN 'failed' ELSE state END",
        )
        .bind($assessment_id)
        .execute(&mut *$tx)
        .await?;
        sqlx::query("DELETE FROM email_outbox WHERE assessment_id = $1")
            .bind($assessment_id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query("DELETE FROM email_recipients WHERE assessment_id = $1")
            .bind($assessment_id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query("DELETE FROM email_templates WHERE assessment_id = $1")
            .bind($assessment_id)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use forget_email_addresses;
