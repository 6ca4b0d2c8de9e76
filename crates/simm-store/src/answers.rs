//! Saving answers with group commit.
//!
//! With `synchronous=FULL`, every SQLite commit waits for the disk; one
//! commit per answer would cap the platform at about a thousand answers a
//! second. Instead, one writer task takes every waiting answer, writes them
//! in one transaction and acknowledges each only after the commit: one
//! fsync covers many answers, and no answer is acknowledged before it is
//! durable. PostgreSQL gets the same treatment, which also bounds the
//! connections that autosaving can take. On both a whole batch is one
//! statement, not one per answer: on PostgreSQL a statement is a network
//! round trip, on SQLite a hand-off to the connection's thread and back.

use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::{Pool, Result, StoreError};

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
            Some(row) => $crate::answers::outcome_of(
                &row.try_get::<String, _>("invitation_state")?,
                &row.try_get::<String, _>("assessment_state")?,
            ),
        }
    }};
}

/// What a write to an invitation in these states comes to.
pub(crate) fn outcome_of(invitation_state: &str, assessment_state: &str) -> SaveOutcome {
    if invitation_state == "submitted" {
        SaveOutcome::AlreadySubmitted
    } else if assessment_state != "open" {
        SaveOutcome::NotOpen
    } else {
        SaveOutcome::Saved
    }
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

/// Writes each group of answers, all or none per group; returns each
/// group's outcome once every answer written is durable.
async fn write_batch(pool: &Pool, groups: &[&[SaveAnswer]]) -> Result<Vec<SaveOutcome>> {
    match pool {
        Pool::Sqlite(pool) => write_batch_sqlite(pool, groups).await,
        Pool::Postgres(pool) => write_batch_postgres(pool, groups).await,
    }
}

/// Saves a whole batch on SQLite in one statement, in one transaction
/// whose write lock (BEGIN IMMEDIATE) excludes every other writer, so the
/// existence check needs no lock of its own. SQLite costs no network round
/// trip, but sqlx hands every statement to the connection's own thread and
/// back, so one statement per answer paid a thread hand-off per answer in
/// the one writer every save waits for. The answers travel as one JSON
/// array of (invitation, item, value), written in order, so that the last
/// of two answers to an item wins; the statement returns the invitation of
/// every row it wrote (the first answer marks the invitation as started
/// through a trigger, migration 0002).
const SAVE_BATCH_SQLITE: &str = "INSERT INTO draft_answers (invitation_id, item_id, value)
     SELECT answer.value ->> 0, answer.value ->> 1, answer.value ->> 2
     FROM json_each($1) AS answer
     WHERE EXISTS (
       SELECT 1 FROM invitations i JOIN assessments a ON a.id = i.assessment_id
       WHERE i.id = answer.value ->> 0 AND i.state <> 'submitted' AND a.state = 'open')
     ORDER BY answer.key
     ON CONFLICT (invitation_id, item_id) DO UPDATE SET value = excluded.value
     RETURNING invitation_id";

async fn write_batch_sqlite(
    pool: &sqlx::SqlitePool,
    groups: &[&[SaveAnswer]],
) -> Result<Vec<SaveOutcome>> {
    let answers: Vec<serde_json::Value> = groups
        .iter()
        .flat_map(|group| group.iter())
        .map(|save| serde_json::json!([save.invitation_id, save.item_id, save.value]))
        .collect();
    let mut tx = crate::begin_write!(pool);
    let written: std::collections::HashSet<String> = sqlx::query_scalar(SAVE_BATCH_SQLITE)
        .bind(serde_json::Value::Array(answers).to_string())
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    let mut outcomes = Vec::with_capacity(groups.len());
    for group in groups {
        // Every answer of a group names its one invitation, which takes
        // them all or none; why one did not is read only then.
        let refused = group
            .iter()
            .find(|save| !written.contains(&save.invitation_id));
        let outcome = match refused {
            None => SaveOutcome::Saved,
            Some(save) => {
                let outcome = writable_state(&mut *tx, &save.invitation_id).await?;
                debug_assert_ne!(outcome, SaveOutcome::Saved);
                outcome
            }
        };
        outcomes.push(outcome);
    }
    let committing = std::time::Instant::now();
    tx.commit().await?;
    crate::telemetry::batch_committed(groups, &outcomes, committing.elapsed());
    Ok(outcomes)
}

/// Saves a whole batch on PostgreSQL in one statement, so one round trip,
/// in a transaction of its own (autocommit: the statement returns once
/// its commit is durable). Its rows are (request, invitation, item, value)
/// in batch order. The existence check locks every invitation of the batch
/// and its assessment (`FOR SHARE OF`), so that a concurrent submit or
/// close waits for this statement, or this statement sees its result; a
/// request is written only when every invitation it names can take
/// writes, all or none. Where the batch names an item of an invitation
/// twice, the last answer wins, as it would written one after the other
/// (and an upsert may touch a row once per statement). The statement
/// returns the requests it wrote.
const SAVE_BATCH_POSTGRES: &str = "
WITH input AS (
    SELECT * FROM UNNEST($1::int4[], $2::text[], $3::text[], $4::int8[])
        WITH ORDINALITY AS t(request, invitation_id, item_id, value, position)
),
writable AS (
    SELECT i.id FROM invitations i JOIN assessments a ON a.id = i.assessment_id
    WHERE i.id = ANY($2) AND i.state <> 'submitted' AND a.state = 'open'
    FOR SHARE OF i, a
),
accepted AS (
    SELECT input.request FROM input LEFT JOIN writable ON writable.id = input.invitation_id
    GROUP BY input.request HAVING bool_and(writable.id IS NOT NULL)
),
saved AS (
    INSERT INTO draft_answers (invitation_id, item_id, value)
    SELECT DISTINCT ON (invitation_id, item_id) invitation_id, item_id, value FROM input
    WHERE request IN (SELECT request FROM accepted)
    ORDER BY invitation_id, item_id, position DESC
    ON CONFLICT (invitation_id, item_id) DO UPDATE SET value = excluded.value
)
SELECT request FROM accepted";

/// Runs [`SAVE_BATCH_POSTGRES`] on the requests `groups` picks out of
/// `requests`; returns the indices (into `requests`) it wrote.
async fn save_batch_postgres<'e, E>(
    executor: E,
    requests: &[&[SaveAnswer]],
    groups: &[usize],
) -> Result<Vec<usize>>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    let rows: usize = groups.iter().map(|&group| requests[group].len()).sum();
    let (mut request, mut invitation, mut item, mut value) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    for &group in groups {
        for save in requests[group] {
            request.push(group as i32);
            invitation.push(save.invitation_id.as_str());
            item.push(save.item_id.as_str());
            value.push(save.value.map(i64::from));
        }
    }
    let accepted: Vec<i32> = sqlx::query_scalar(SAVE_BATCH_POSTGRES)
        .bind(request)
        .bind(invitation)
        .bind(item)
        .bind(value)
        .fetch_all(executor)
        .await?;
    Ok(accepted.into_iter().map(|group| group as usize).collect())
}

async fn write_batch_postgres(
    pool: &sqlx::PgPool,
    groups: &[&[SaveAnswer]],
) -> Result<Vec<SaveOutcome>> {
    // An empty request writes nothing and is saved as it is.
    let mut outcomes: Vec<Option<SaveOutcome>> = groups
        .iter()
        .map(|group| group.is_empty().then_some(SaveOutcome::Saved))
        .collect();
    let pending: Vec<usize> = (0..groups.len())
        .filter(|&g| !groups[g].is_empty())
        .collect();
    // The statement commits as it runs: its time is the commit's.
    let committing = std::time::Instant::now();
    if !pending.is_empty() {
        for group in save_batch_postgres(pool, groups, &pending).await? {
            outcomes[group] = Some(SaveOutcome::Saved);
        }
    }
    let refused: Vec<usize> = pending
        .into_iter()
        .filter(|&g| outcomes[g].is_none())
        .collect();
    if !refused.is_empty() {
        refused_postgres(pool, groups, &refused, &mut outcomes).await?;
    }
    let outcomes: Vec<SaveOutcome> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every request has an outcome"))
        .collect();
    crate::telemetry::batch_committed(groups, &outcomes, committing.elapsed());
    Ok(outcomes)
}

/// The rare path: why the batch statement refused these requests. The
/// states are read under the same locks the statement takes, so they hold
/// until this transaction ends. A request whose invitations can all take
/// writes now (an assessment reopened, an invitation created, since the
/// statement ran) is written here, where the locks guarantee it is taken.
async fn refused_postgres(
    pool: &sqlx::PgPool,
    groups: &[&[SaveAnswer]],
    refused: &[usize],
    outcomes: &mut [Option<SaveOutcome>],
) -> Result<()> {
    let invitations: Vec<&str> = refused
        .iter()
        .flat_map(|&group| groups[group].iter().map(|save| save.invitation_id.as_str()))
        .collect();
    let mut tx = pool.begin().await?;
    let rows = sqlx::query(
        "SELECT i.id, i.state AS invitation_state, a.state AS assessment_state FROM invitations i
         JOIN assessments a ON a.id = i.assessment_id WHERE i.id = ANY($1) FOR SHARE OF i, a",
    )
    .bind(&invitations)
    .fetch_all(&mut *tx)
    .await?;
    let mut states = std::collections::HashMap::with_capacity(rows.len());
    for row in &rows {
        states.insert(
            row.try_get::<String, _>("id")?,
            outcome_of(
                &row.try_get::<String, _>("invitation_state")?,
                &row.try_get::<String, _>("assessment_state")?,
            ),
        );
    }
    let mut writable_now = Vec::new();
    for &group in refused {
        // The first save the invitation of which cannot take writes says
        // why, as it would have stopped a write one answer at a time.
        let why =
            groups[group]
                .iter()
                .find_map(|save| match states.get(&save.invitation_id).copied() {
                    None => Some(SaveOutcome::UnknownInvitation),
                    Some(SaveOutcome::Saved) => None,
                    Some(outcome) => Some(outcome),
                });
        match why {
            Some(outcome) => outcomes[group] = Some(outcome),
            None => writable_now.push(group),
        }
    }
    if !writable_now.is_empty() {
        let written = save_batch_postgres(&mut *tx, groups, &writable_now).await?;
        if written.len() != writable_now.len() {
            return Err(StoreError::Conflict(
                "an invitation changed while its answers were saved; save them again".into(),
            ));
        }
        for group in written {
            outcomes[group] = Some(SaveOutcome::Saved);
        }
    }
    tx.commit().await?;
    Ok(())
}
