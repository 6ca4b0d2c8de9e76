//! An organisation's action plan, and the history of every action's
//! status: each change is kept with who made it and when, written in the
//! transaction that made it.

use simm_core::ActionStatus;
use sqlx::Row;

use crate::records::parse_date;
use crate::util::{new_id, now};
use crate::{
    Action, ActionChanges, NewAction, Result, StatusChange, Store, StoreError, begin_write, on_pool,
};

const ACTION_COLUMNS: &str = "SELECT id, organization_id, title, item_id, area_id, owner, due, status, notes, created_at, updated_at FROM actions";

const CHANGE_COLUMNS: &str =
    "SELECT c.id, c.action_id, c.from_status, c.to_status, c.changed_at, u.email
     FROM action_status_changes c JOIN users u ON u.id = c.changed_by";

/// Records a status change inside the transaction `$tx`, numbered after
/// the action's last one.
macro_rules! record_change {
    ($tx:expr, $action:expr, $from:expr, $to:expr, $user:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO action_status_changes
               (id, action_id, position, from_status, to_status, changed_by, changed_at)
             SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3, $4, $5, $6
             FROM action_status_changes WHERE action_id = $7",
        )
        .bind(new_id())
        .bind($action)
        .bind($from.map(ActionStatus::as_str))
        .bind($to.as_str())
        .bind($user)
        .bind($at)
        .bind($action)
        .execute(&mut *$tx)
        .await?
    };
}

impl Store {
    /// Creates an action; its first status is recorded as a change from
    /// none, by its creator.
    pub async fn create_action(
        &self,
        organization_id: &str,
        new: &NewAction,
        user_id: &str,
    ) -> Result<Action> {
        let at = now();
        let action = Action {
            id: new_id(),
            organization_id: organization_id.to_owned(),
            title: new.title.clone(),
            item: new.item.clone(),
            area: new.area.clone(),
            owner: new.owner.clone(),
            due: new.due,
            status: new.status,
            notes: new.notes.clone(),
            created_at: at,
            updated_at: at,
        };
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            sqlx::query(
                "INSERT INTO actions (id, organization_id, title, item_id, area_id, owner, due,
                   status, notes, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(&action.id)
            .bind(organization_id)
            .bind(&action.title)
            .bind(&action.item)
            .bind(&action.area)
            .bind(&action.owner)
            .bind(action.due.map(|due| due.to_string()))
            .bind(action.status.as_str())
            .bind(&action.notes)
            .bind(user_id)
            .bind(at)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            record_change!(tx, &action.id, None, action.status, user_id, at);
            tx.commit().await?;
        });
        Ok(action)
    }

    /// The organisation's actions: by due date, those without one last,
    /// then in the order they were created.
    pub async fn actions(&self, organization_id: &str) -> Result<Vec<Action>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(&format!(
                "{ACTION_COLUMNS} WHERE organization_id = $1
                 ORDER BY due IS NULL, due, created_at, id"
            ))
            .bind(organization_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(action_from_row).collect()
        })
    }

    pub async fn action(&self, id: &str) -> Result<Option<Action>> {
        on_pool!(&self.pool, |pool| {
            let row = sqlx::query(&format!("{ACTION_COLUMNS} WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(action_from_row).transpose()
        })
    }

    /// Dates an action's latest change to `status`: for history brought
    /// in from before the platform (and the demo's), so that outcomes fall
    /// between the right rounds. `false` when the action never had it.
    pub async fn date_status_change(
        &self,
        action_id: &str,
        status: ActionStatus,
        changed_at: i64,
    ) -> Result<bool> {
        let changed = on_pool!(&self.pool, |pool| {
            sqlx::query(
                "UPDATE action_status_changes SET changed_at = $1
                 WHERE action_id = $2 AND to_status = $3 AND position = (
                   SELECT MAX(position) FROM action_status_changes
                   WHERE action_id = $2 AND to_status = $3)",
            )
            .bind(changed_at)
            .bind(action_id)
            .bind(status.as_str())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    /// Applies the changes; a change of status is recorded, by `user_id`,
    /// in the same transaction, so an action never holds a status its
    /// history lacks. `None` when there is no such action.
    pub async fn update_action(
        &self,
        id: &str,
        changes: &ActionChanges,
        user_id: &str,
    ) -> Result<Option<Action>> {
        let at = now();
        on_pool!(&self.pool, |pool| {
            let mut tx = begin_write!(pool);
            // A write first, so that on PostgreSQL the row is locked before
            // it is read: two changes of one action run one after the
            // other, and each records the status the other left.
            let found = sqlx::query("UPDATE actions SET updated_at = updated_at WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if found == 0 {
                return Ok(None);
            }
            let row = sqlx::query(&format!("{ACTION_COLUMNS} WHERE id = $1"))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let before = action_from_row(&row)?;
            let after = changed(&before, changes, at);
            sqlx::query(
                "UPDATE actions SET title = $1, item_id = $2, area_id = $3, owner = $4, due = $5,
                   status = $6, notes = $7, updated_at = $8
                 WHERE id = $9",
            )
            .bind(&after.title)
            .bind(&after.item)
            .bind(&after.area)
            .bind(&after.owner)
            .bind(after.due.map(|due| due.to_string()))
            .bind(after.status.as_str())
            .bind(&after.notes)
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if after.status != before.status {
                record_change!(tx, id, Some(before.status), after.status, user_id, at);
            }
            tx.commit().await?;
            Ok(Some(after))
        })
    }

    /// Deletes an action and its history; whether there was one.
    pub async fn delete_action(&self, id: &str) -> Result<bool> {
        on_pool!(&self.pool, |pool| {
            Ok(sqlx::query("DELETE FROM actions WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
                > 0)
        })
    }

    /// The action's status changes, first to last.
    pub async fn action_history(&self, id: &str) -> Result<Vec<StatusChange>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(&format!(
                "{CHANGE_COLUMNS} WHERE c.action_id = $1 ORDER BY c.position"
            ))
            .bind(id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(change_from_row).collect()
        })
    }

    /// Every status change of the organisation's actions, by time, for
    /// what was done between two rounds.
    pub async fn status_changes_of_organization(
        &self,
        organization_id: &str,
    ) -> Result<Vec<StatusChange>> {
        on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(&format!(
                "{CHANGE_COLUMNS} JOIN actions a ON a.id = c.action_id
                 WHERE a.organization_id = $1 ORDER BY c.changed_at, c.action_id, c.position"
            ))
            .bind(organization_id)
            .fetch_all(pool)
            .await?;
            rows.iter().map(change_from_row).collect()
        })
    }
}

/// The action after `changes`, touched at `at`.
fn changed(before: &Action, changes: &ActionChanges, at: i64) -> Action {
    let pick = |new: &Option<Option<String>>, old: &Option<String>| match new {
        Some(new) => new.clone(),
        None => old.clone(),
    };
    Action {
        id: before.id.clone(),
        organization_id: before.organization_id.clone(),
        title: changes
            .title
            .clone()
            .unwrap_or_else(|| before.title.clone()),
        item: pick(&changes.item, &before.item),
        area: pick(&changes.area, &before.area),
        owner: pick(&changes.owner, &before.owner),
        due: changes.due.unwrap_or(before.due),
        status: changes.status.unwrap_or(before.status),
        notes: changes
            .notes
            .clone()
            .unwrap_or_else(|| before.notes.clone()),
        created_at: before.created_at,
        updated_at: at,
    }
}

fn parse_status(text: &str, place: &str, column: &str) -> Result<ActionStatus> {
    ActionStatus::parse(text)
        .map_err(|error| StoreError::Corrupt(format!("{place}, column {column}: {error}")))
}

fn action_from_row<R: Row>(row: &R) -> Result<Action>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let id: String = row.try_get("id")?;
    let place = format!("actions row {id}");
    let status: String = row.try_get("status")?;
    let due: Option<String> = row.try_get("due")?;
    Ok(Action {
        organization_id: row.try_get("organization_id")?,
        title: row.try_get("title")?,
        item: row.try_get("item_id")?,
        area: row.try_get("area_id")?,
        owner: row.try_get("owner")?,
        due: parse_date(due.as_deref(), &place, "due")?,
        status: parse_status(&status, &place, "status")?,
        notes: row.try_get("notes")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        id,
    })
}

fn change_from_row<R: Row>(row: &R) -> Result<StatusChange>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
{
    let id: String = row.try_get("id")?;
    let place = format!("action_status_changes row {id}");
    let from: Option<String> = row.try_get("from_status")?;
    let to: String = row.try_get("to_status")?;
    Ok(StatusChange {
        action_id: row.try_get("action_id")?,
        from: from
            .map(|from| parse_status(&from, &place, "from_status"))
            .transpose()?,
        to: parse_status(&to, &place, "to_status")?,
        changed_by_email: row.try_get("email")?,
        changed_at: row.try_get("changed_at")?,
    })
}
