//! Saving answers with group commit.
//!
//! With `synchronous=FULL`, every SQLite commit waits for the disk; one
//! commit per answer would cap the platform at about a thousand answers a
//! second. Instead, one writer task takes every waiting answer, writes them
//! in one transaction and acknowledges each only after the commit: one
//! fsync covers many answers, and no answer is acknowledged before it is
//! durable. PostgreSQL gets the same treatment, which also bounds the
//! connections that autosaving can take.

use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::{Pool, Result, StoreError, on_pool};

/// The most answers in one transaction; more wait for the next one.
const MAX_BATCH: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveAnswer {
    pub invitation_id: String,
    pub item_id: String,
    /// `None` records an explicit "don't know".
    pub value: Option<u8>,
}

/// What became of a write by a respondent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved,
    AlreadySubmitted,
    NotOpen,
    UnknownInvitation,
}

/// Answers written together, all or none: one answer, or a whole form.
struct Request {
    saves: Vec<SaveAnswer>,
    reply: oneshot::Sender<Result<SaveOutcome>>,
}

#[derive(Clone)]
pub(crate) struct AnswerWriter {
    sender: mpsc::Sender<Request>,
}

impl AnswerWriter {
    pub(crate) fn start(pool: Pool) -> AnswerWriter {
        let (sender, receiver) = mpsc::channel(8 * MAX_BATCH);
        tokio::spawn(run(pool, receiver));
        AnswerWriter { sender }
    }

    /// Saves answers in one transaction; the outcome is `Saved` only when
    /// all of them were written.
    pub(crate) async fn save(&self, saves: Vec<SaveAnswer>) -> Result<SaveOutcome> {
        let (reply, outcome) = oneshot::channel();
        self.sender
            .send(Request { saves, reply })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        outcome.await.map_err(|_| StoreError::WriterStopped)?
    }
}

async fn run(pool: Pool, mut receiver: mpsc::Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let groups: Vec<&[SaveAnswer]> = batch
            .iter()
            .map(|request| request.saves.as_slice())
            .collect();
        match write_batch(&pool, &groups).await {
            Ok(outcomes) => {
                for (request, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = request.reply.send(Ok(outcome));
                }
            }
            Err(error) => {
                // One bad write must not fail its neighbours: retry each
                // request on its own, so only the faulty one reports the
                // error.
                tracing::warn!(error = %error, requests = batch.len(), "a batch of answers failed; writing them one by one");
                for request in batch.drain(..) {
                    let outcome = write_batch(&pool, &[request.saves.as_slice()])
                        .await
                        .map(|mut o| o.remove(0));
                    let _ = request.reply.send(outcome);
                }
            }
        }
    }
}

/// Whether an invitation can take writes, read inside the caller's
/// transaction.
macro_rules! writable_state {
    ($executor:expr, $invitation_id:expr) => {{
        let row = sqlx::query(
            "SELECT i.state AS invitation_state, a.state AS assessment_state FROM invitations i
             JOIN assessments a ON a.id = i.assessment_id WHERE i.id = $1",
        )
        .bind($invitation_id)
        .fetch_optional($executor)
        .await?;
        match row {
            None => $crate::SaveOutcome::UnknownInvitation,
            Some(row) => {
                let invitation_state: String = row.try_get("invitation_state")?;
                let assessment_state: String = row.try_get("assessment_state")?;
                if invitation_state == "submitted" {
                    $crate::SaveOutcome::AlreadySubmitted
                } else if assessment_state != "open" {
                    $crate::SaveOutcome::NotOpen
                } else {
                    $crate::SaveOutcome::Saved
                }
            }
        }
    }};
}

pub(crate) async fn writable_state_sqlite(
    connection: &mut sqlx::SqliteConnection,
    invitation_id: &str,
) -> Result<SaveOutcome> {
    Ok(writable_state!(connection, invitation_id))
}

pub(crate) async fn writable_state_postgres(
    connection: &mut sqlx::PgConnection,
    invitation_id: &str,
) -> Result<SaveOutcome> {
    Ok(writable_state!(connection, invitation_id))
}

/// Dispatches to the back-end's version of `writable_state`.
pub(crate) trait WritableState {
    async fn writable_state(&mut self, invitation_id: &str) -> Result<SaveOutcome>;
}

impl WritableState for sqlx::SqliteConnection {
    async fn writable_state(&mut self, invitation_id: &str) -> Result<SaveOutcome> {
        writable_state_sqlite(self, invitation_id).await
    }
}

impl WritableState for sqlx::PgConnection {
    async fn writable_state(&mut self, invitation_id: &str) -> Result<SaveOutcome> {
        writable_state_postgres(self, invitation_id).await
    }
}

pub(crate) async fn writable_state<C: WritableState + ?Sized>(
    connection: &mut C,
    invitation_id: &str,
) -> Result<SaveOutcome> {
    connection.writable_state(invitation_id).await
}

/// Locks an invitation and its assessment against submission and closing
/// until the transaction ends. SQLite needs nothing: a write transaction
/// there (BEGIN IMMEDIATE) already excludes every other writer. On
/// PostgreSQL, whose default isolation takes no locks for a check in a
/// subquery, a concurrent submit could otherwise miss an answer saved at
/// the same moment.
pub(crate) trait LockForWrite {
    async fn lock_for_write(&mut self, invitation_id: &str) -> Result<()>;
}

impl LockForWrite for sqlx::SqliteConnection {
    async fn lock_for_write(&mut self, _invitation_id: &str) -> Result<()> {
        Ok(())
    }
}

impl LockForWrite for sqlx::PgConnection {
    async fn lock_for_write(&mut self, invitation_id: &str) -> Result<()> {
        sqlx::query(
            "SELECT 1 FROM invitations i JOIN assessments a ON a.id = i.assessment_id
             WHERE i.id = $1 FOR SHARE OF i, a",
        )
        .bind(invitation_id)
        .execute(self)
        .await?;
        Ok(())
    }
}

/// The statement that saves one answer when its invitation can take it,
/// per back-end. On PostgreSQL the check locks the invitation and its
/// assessment (`FOR SHARE`), so that a concurrent submit or close waits
/// for this transaction, or this statement sees its result; SQLite's write
/// transaction excludes every other writer already.
pub(crate) trait SaveAnswerStatement {
    const SQL: &'static str;
}

impl SaveAnswerStatement for sqlx::SqliteConnection {
    const SQL: &'static str = "INSERT INTO draft_answers (invitation_id, item_id, value)
         SELECT $1, $2, $3 WHERE EXISTS (
           SELECT 1 FROM invitations i JOIN assessments a ON a.id = i.assessment_id
           WHERE i.id = $1 AND i.state <> 'submitted' AND a.state = 'open')
         ON CONFLICT (invitation_id, item_id) DO UPDATE SET value = excluded.value";
}

impl SaveAnswerStatement for sqlx::PgConnection {
    const SQL: &'static str = "INSERT INTO draft_answers (invitation_id, item_id, value)
         SELECT $1, $2, $3 WHERE EXISTS (
           SELECT 1 FROM invitations i JOIN assessments a ON a.id = i.assessment_id
           WHERE i.id = $1 AND i.state <> 'submitted' AND a.state = 'open'
           FOR SHARE OF i, a)
         ON CONFLICT (invitation_id, item_id) DO UPDATE SET value = excluded.value";
}

fn save_answer_statement<C: SaveAnswerStatement + ?Sized>(_: &C) -> &'static str {
    C::SQL
}

/// Writes each group of answers, all or none per group, in one
/// transaction; returns each group's outcome.
async fn write_batch(pool: &Pool, groups: &[&[SaveAnswer]]) -> Result<Vec<SaveOutcome>> {
    on_pool!(pool, |pool| {
        let mut tx = crate::begin_write!(pool);
        let statement = save_answer_statement(&*tx);
        let mut outcomes = Vec::with_capacity(groups.len());
        for group in groups {
            let mut outcome = SaveOutcome::Saved;
            for save in group.iter() {
                let written = sqlx::query(statement)
                    .bind(&save.invitation_id)
                    .bind(&save.item_id)
                    .bind(save.value.map(i64::from))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                // The first answer marks the invitation as started through
                // a trigger (migration 0002), so a save is one statement.
                if written == 0 {
                    // The invitation cannot take writes, and cannot start to
                    // within this transaction: the rest of the group would
                    // be refused too.
                    outcome = writable_state(&mut *tx, &save.invitation_id).await?;
                    debug_assert_ne!(outcome, SaveOutcome::Saved);
                    break;
                }
            }
            outcomes.push(outcome);
        }
        let committing = std::time::Instant::now();
        tx.commit().await?;
        crate::telemetry::batch_committed(groups, &outcomes, committing.elapsed());
        Ok(outcomes)
    })
}
