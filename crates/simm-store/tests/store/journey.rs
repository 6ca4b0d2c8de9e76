//! The maturity journey's storage: targets, the action plan with its
//! status history, and rounds. Each scenario runs on both back-ends, as
//! the rest of the suite does.

use simm_core::{ActionStatus, CalendarDate, StageLevel, Target, builtin_model};
use simm_store::{
    Action, ActionChanges, NewAction, Organization, StatusChange, Store, StoreError, User, new_id,
};

use super::{check_corrupt, consultant, execute_past_check, execute_raw, organization};
// For the scenarios the macros generate, which find them in `super`.
use super::{TestDatabase, postgres_store, sqlite_store, sqlite_url};

on_both_backends!(
    a_target_is_set_replaced_and_read_per_organization,
    actions_are_created_listed_in_due_order_changed_and_deleted,
    history_keeps_exactly_the_status_changes_with_who_and_when,
    a_failed_change_leaves_the_action_and_its_history_as_they_were,
    history_brought_in_is_dated_as_it_happened,
);

on_both_backends_with_url!(
    rounds_are_the_closed_assessments_in_closing_order,
    corrupt_journey_rows_are_errors_that_name_the_row,
);

async fn organization_of(store: &Store, email: &str) -> (User, Organization) {
    let user = consultant(store, email).await;
    let org = store
        .create_organization(&organization("Acme"), &user.id)
        .await
        .unwrap();
    (user, org)
}

fn date(text: &str) -> CalendarDate {
    CalendarDate::parse(text).unwrap()
}

fn new_action(title: &str, due: Option<&str>) -> NewAction {
    NewAction {
        title: title.into(),
        item: Some("VS-2-01".into()),
        area: Some("vision".into()),
        owner: Some("Procurement".into()),
        due: due.map(date),
        status: ActionStatus::Planned,
        notes: String::new(),
    }
}

fn stages(pairs: &[(&str, u8)]) -> Vec<(String, u8)> {
    pairs
        .iter()
        .map(|&(id, stage)| (id.into(), stage))
        .collect()
}

async fn a_target_is_set_replaced_and_read_per_organization(store: Store) {
    let (ana, org) = organization_of(&store, "ana@example.com").await;
    let (_, other) = organization_of(&store, "eve@example.com").await;
    let bob = consultant(&store, "bob@example.com").await;
    assert_eq!(store.target(&org.id).await.unwrap(), None);

    let model = builtin_model();
    let current: Vec<_> = model
        .areas()
        .iter()
        .map(|area| (area.id.clone(), StageLevel::new(1).unwrap()))
        .collect();
    let first = Target::parse(&model, &[("vision", 3)], Some("2027-12-31"), &current).unwrap();
    let before = now();
    let stored = store.set_target(&org.id, &first, &ana.id).await.unwrap();
    // Stored in area id order, whatever the model's order.
    let expected = stages(&[
        ("management", 2),
        ("organization", 2),
        ("technology", 2),
        ("vision", 3),
    ]);
    assert_eq!(stored.areas, expected);
    assert_eq!(stored.date, Some(date("2027-12-31")));
    assert_eq!(stored.set_by_email, "ana@example.com");
    assert!((before..=now()).contains(&stored.set_at), "{stored:?}");
    assert_eq!(store.target(&org.id).await.unwrap(), Some(stored));

    // Setting it again replaces it whole, date too.
    let second = Target::parse(&model, &[("technology", 4)], None, &current).unwrap();
    let replaced = store.set_target(&org.id, &second, &bob.id).await.unwrap();
    assert_eq!(
        replaced.areas,
        stages(&[
            ("management", 2),
            ("organization", 2),
            ("technology", 4),
            ("vision", 2),
        ])
    );
    assert_eq!(replaced.date, None);
    assert_eq!(replaced.set_by_email, "bob@example.com");
    assert_eq!(store.target(&org.id).await.unwrap(), Some(replaced));
    // What the web layer does with it: back into the core's target.
    let read = store.target(&org.id).await.unwrap().unwrap();
    let pairs: Vec<(&str, u8)> = read
        .areas
        .iter()
        .map(|(id, stage)| (id.as_str(), *stage))
        .collect();
    assert_eq!(
        Target::parse(&model, &pairs, None, &current).unwrap(),
        second
    );
    assert_eq!(store.target(&other.id).await.unwrap(), None);
}

async fn actions_are_created_listed_in_due_order_changed_and_deleted(store: Store) {
    let (ana, org) = organization_of(&store, "ana@example.com").await;
    let (eve, other) = organization_of(&store, "eve@example.com").await;
    let undated = store
        .create_action(&org.id, &new_action("Undated", None), &ana.id)
        .await
        .unwrap();
    let march = store
        .create_action(&org.id, &new_action("March", Some("2027-03-01")), &ana.id)
        .await
        .unwrap();
    let january = store
        .create_action(&org.id, &new_action("January", Some("2027-01-15")), &ana.id)
        .await
        .unwrap();
    // Same due date as march, made later: after it.
    let march_too = store
        .create_action(
            &org.id,
            &new_action("March too", Some("2027-03-01")),
            &ana.id,
        )
        .await
        .unwrap();
    store
        .create_action(&other.id, &new_action("Elsewhere", None), &eve.id)
        .await
        .unwrap();
    let titles = |actions: Vec<Action>| -> Vec<String> {
        actions.into_iter().map(|action| action.title).collect()
    };
    let listed = store.actions(&org.id).await.unwrap();
    let march_first = if (march.created_at, &march.id) < (march_too.created_at, &march_too.id) {
        ["January", "March", "March too", "Undated"]
    } else {
        ["January", "March too", "March", "Undated"]
    };
    assert_eq!(titles(listed.clone()), march_first);
    assert_eq!(listed[0], january);
    assert_eq!(
        store.action(&undated.id).await.unwrap(),
        Some(undated.clone())
    );
    assert_eq!(undated.created_at, undated.updated_at);

    // Nullable fields are cleared with Some(None), others left alone.
    let changes = ActionChanges {
        title: Some("Train the buyers".into()),
        owner: Some(None),
        due: Some(Some(date("2027-06-30"))),
        notes: Some("Two sessions\nin June".into()),
        ..ActionChanges::default()
    };
    let changed = store
        .update_action(&undated.id, &changes, &ana.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            changed.title.as_str(),
            changed.owner.as_deref(),
            changed.due,
            changed.notes.as_str(),
            changed.item.as_deref(),
            changed.area.as_deref(),
            changed.status,
        ),
        (
            "Train the buyers",
            None,
            Some(date("2027-06-30")),
            "Two sessions\nin June",
            Some("VS-2-01"),
            Some("vision"),
            ActionStatus::Planned,
        )
    );
    assert!(changed.updated_at >= undated.updated_at);
    assert_eq!(store.action(&undated.id).await.unwrap(), Some(changed));
    let cleared = store
        .update_action(
            &undated.id,
            &ActionChanges {
                item: Some(None),
                area: Some(None),
                due: Some(None),
                ..ActionChanges::default()
            },
            &ana.id,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (cleared.item, cleared.area, cleared.due),
        (None, None, None)
    );
    assert_eq!(
        store
            .update_action("missing", &changes, &ana.id)
            .await
            .unwrap(),
        None
    );

    assert!(store.delete_action(&march.id).await.unwrap());
    assert!(!store.delete_action(&march.id).await.unwrap());
    assert_eq!(store.action(&march.id).await.unwrap(), None);
    assert_eq!(
        titles(store.actions(&org.id).await.unwrap()),
        ["January", "March too", "Train the buyers"]
    );
    assert_eq!(
        titles(store.actions(&other.id).await.unwrap()),
        ["Elsewhere"]
    );
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A change as (from, to, by whom), without its time.
fn steps(changes: &[StatusChange]) -> Vec<(Option<ActionStatus>, ActionStatus, &str)> {
    changes
        .iter()
        .map(|change| (change.from, change.to, change.changed_by_email.as_str()))
        .collect()
}

async fn history_keeps_exactly_the_status_changes_with_who_and_when(store: Store) {
    use ActionStatus::{Done, Dropped, InProgress, Planned};
    let (ana, org) = organization_of(&store, "ana@example.com").await;
    let (eve, other) = organization_of(&store, "eve@example.com").await;
    let bob = consultant(&store, "bob@example.com").await;
    let before = now();
    let action = store
        .create_action(&org.id, &new_action("Train", None), &ana.id)
        .await
        .unwrap();
    let status = |status| ActionChanges {
        status: Some(status),
        ..ActionChanges::default()
    };
    let notes = ActionChanges {
        notes: Some("Booked".into()),
        ..ActionChanges::default()
    };
    for (changes, by) in [
        (&notes, &bob),
        (&status(InProgress), &bob),
        // The status it already has: no change to record.
        (&status(InProgress), &ana),
        (&status(Done), &ana),
    ] {
        store
            .update_action(&action.id, changes, &by.id)
            .await
            .unwrap()
            .unwrap();
    }
    let history = store.action_history(&action.id).await.unwrap();
    assert_eq!(
        steps(&history),
        [
            (None, Planned, "ana@example.com"),
            (Some(Planned), InProgress, "bob@example.com"),
            (Some(InProgress), Done, "ana@example.com"),
        ]
    );
    let after = now();
    assert!(
        history
            .iter()
            .all(|change| change.action_id == action.id
                && (before..=after).contains(&change.changed_at)),
        "{history:?}"
    );
    assert!(
        history
            .windows(2)
            .all(|w| w[0].changed_at <= w[1].changed_at)
    );

    // A second action, created in progress, and one in another organisation.
    let mut started = new_action("Started", None);
    started.status = InProgress;
    let second = store
        .create_action(&org.id, &started, &bob.id)
        .await
        .unwrap();
    store
        .update_action(&second.id, &status(Dropped), &bob.id)
        .await
        .unwrap();
    store
        .create_action(&other.id, &new_action("Elsewhere", None), &eve.id)
        .await
        .unwrap();
    let of_organization = store.status_changes_of_organization(&org.id).await.unwrap();
    assert_eq!(of_organization.len(), 5, "{of_organization:?}");
    let of = |id: &str| -> Vec<StatusChange> {
        of_organization
            .iter()
            .filter(|change| change.action_id == id)
            .cloned()
            .collect()
    };
    // Each action's changes keep their order within the organisation's.
    assert_eq!(of(&action.id), history);
    assert_eq!(
        steps(&of(&second.id)),
        [
            (None, InProgress, "bob@example.com"),
            (Some(InProgress), Dropped, "bob@example.com"),
        ]
    );
    assert!(
        of_organization
            .windows(2)
            .all(|w| w[0].changed_at <= w[1].changed_at)
    );

    // Deleting an action deletes its history with it.
    assert!(store.delete_action(&action.id).await.unwrap());
    assert_eq!(store.action_history(&action.id).await.unwrap(), []);
    assert_eq!(
        store
            .status_changes_of_organization(&org.id)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn a_failed_change_leaves_the_action_and_its_history_as_they_were(store: Store) {
    let (ana, org) = organization_of(&store, "ana@example.com").await;
    let action = store
        .create_action(&org.id, &new_action("Train", Some("2027-03-01")), &ana.id)
        .await
        .unwrap();
    // The update itself succeeds; recording the status change by a user
    // who does not exist breaks the foreign key, which must undo it.
    let changes = ActionChanges {
        title: Some("Renamed".into()),
        status: Some(ActionStatus::Done),
        due: Some(None),
        ..ActionChanges::default()
    };
    let error = store
        .update_action(&action.id, &changes, &new_id())
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Database(_)), "{error:?}");
    assert_eq!(
        store.action(&action.id).await.unwrap(),
        Some(action.clone())
    );
    assert_eq!(store.action_history(&action.id).await.unwrap().len(), 1);

    // Creating by a user who does not exist stores nothing either.
    assert!(
        store
            .create_action(&org.id, &new_action("Ghost", None), &new_id())
            .await
            .is_err()
    );
    assert_eq!(store.actions(&org.id).await.unwrap(), vec![action.clone()]);
    assert_eq!(
        store
            .status_changes_of_organization(&org.id)
            .await
            .unwrap()
            .len(),
        1
    );
    // The store still writes afterwards.
    assert!(
        store
            .update_action(&action.id, &changes, &ana.id)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.action_history(&action.id).await.unwrap().len(), 2);
}

async fn rounds_are_the_closed_assessments_in_closing_order(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let (_, org) = organization_of(&store, "ana@example.com").await;
    let (_, other) = organization_of(&store, "eve@example.com").await;
    let version = store
        .store_model_version(&builtin_model(), simm_core::BUILTIN_MODEL_SOURCE)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (organization, title) in [
        (&org, "late"),
        (&org, "early"),
        (&org, "tie a"),
        (&org, "tie b"),
        (&org, "reopened"),
        (&org, "open"),
        (&org, "draft"),
        (&other, "elsewhere"),
    ] {
        let assessment = store
            .create_assessment(&organization.id, title, &version.id)
            .await
            .unwrap();
        if title != "draft" {
            store.open_assessment(&assessment.id, 5).await.unwrap();
        }
        if title != "draft" && title != "open" {
            store.close_assessment(&assessment.id).await.unwrap();
        }
        ids.push(assessment.id);
    }
    store.open_assessment(&ids[4], 5).await.unwrap();
    // Closing times set by hand: closings within one second are too close
    // to order by the clock.
    let mut statements = Vec::new();
    for (id, closed_at) in ids.iter().zip([300, 100, 200, 200, 50, 0, 0, 10]) {
        statements.push(format!(
            "UPDATE assessments SET closed_at = {closed_at} WHERE id = '{id}' AND closed_at IS NOT NULL"
        ));
    }
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    execute_raw(url, &statements).await;

    let rounds = store.rounds(&org.id).await.unwrap();
    let (tie_first, tie_second) = if ids[2] < ids[3] {
        ("tie a", "tie b")
    } else {
        ("tie b", "tie a")
    };
    assert_eq!(
        rounds
            .iter()
            .map(|round| (round.title.as_str(), round.closed_at))
            .collect::<Vec<_>>(),
        [
            ("early", Some(100)),
            (tie_first, Some(200)),
            (tie_second, Some(200)),
            ("late", Some(300)),
        ]
    );
    // The reopened one keeps its closing time, but is no round while open.
    assert_eq!(
        store.assessment(&ids[4]).await.unwrap().unwrap().closed_at,
        Some(50)
    );
    assert_eq!(store.rounds(&other.id).await.unwrap()[0].title, "elsewhere");
}

async fn corrupt_journey_rows_are_errors_that_name_the_row(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let (ana, org) = organization_of(&store, "ana@example.com").await;
    let (_, dated) = organization_of(&store, "eve@example.com").await;
    let (_, fine) = organization_of(&store, "bob@example.com").await;
    let model = builtin_model();
    let target = Target::default_for(&model, &[]);
    for organization in [&org, &dated, &fine] {
        store
            .set_target(&organization.id, &target, &ana.id)
            .await
            .unwrap();
    }
    let bad_status = store
        .create_action(&org.id, &new_action("Status", None), &ana.id)
        .await
        .unwrap();
    let bad_due = store
        .create_action(&dated.id, &new_action("Due", None), &ana.id)
        .await
        .unwrap();
    let bad_history = store
        .create_action(&fine.id, &new_action("History", None), &ana.id)
        .await
        .unwrap();
    execute_raw(
        url,
        &[
            &format!(
                "UPDATE actions SET due = '31/12/2027' WHERE id = '{}'",
                bad_due.id
            ),
            &format!(
                "UPDATE organization_targets SET areas = '{{\"vision\": ' WHERE organization_id = '{}'",
                org.id
            ),
            &format!(
                "UPDATE organization_targets SET target_date = '2027-02-30' WHERE organization_id = '{}'",
                dated.id
            ),
            &format!(
                "UPDATE action_status_changes SET to_status = 'finished' WHERE action_id = '{}'",
                bad_history.id
            ),
        ],
    )
    .await;
    // The CHECK on statuses stands in the way of damage too; damage goes
    // round it.
    execute_past_check(
        url,
        "actions",
        "actions_status_check",
        &format!(
            "UPDATE actions SET status = 'finished' WHERE id = '{}'",
            bad_status.id
        ),
    )
    .await;

    let status_row = format!(
        "actions row {}, column status: \"finished\" is not a status",
        bad_status.id
    );
    check_corrupt(store.action(&bad_status.id).await, &status_row);
    check_corrupt(store.actions(&org.id).await, &status_row);
    check_corrupt(
        store
            .update_action(&bad_status.id, &ActionChanges::default(), &ana.id)
            .await,
        &status_row,
    );
    check_corrupt(
        store.actions(&dated.id).await,
        &format!(
            "actions row {}, column due: \"31/12/2027\" is not a date",
            bad_due.id
        ),
    );
    check_corrupt(
        store.target(&org.id).await,
        &format!("organization_targets row {}, column areas:", org.id),
    );
    check_corrupt(
        store.target(&dated.id).await,
        &format!(
            "organization_targets row {}, column target_date: \"2027-02-30\" is not a date",
            dated.id
        ),
    );
    check_corrupt(
        store.action_history(&bad_history.id).await,
        "action_status_changes row",
    );
    check_corrupt(
        store.status_changes_of_organization(&fine.id).await,
        "column to_status: \"finished\" is not a status",
    );
    // What is not damaged still reads.
    assert_eq!(
        store.target(&fine.id).await.unwrap().unwrap().areas.len(),
        model.areas().len()
    );
    assert_eq!(
        store.action(&bad_history.id).await.unwrap().unwrap().title,
        "History"
    );
}

async fn history_brought_in_is_dated_as_it_happened(store: Store) {
    use ActionStatus::{Done, InProgress};
    let (ana, org) = organization_of(&store, "ana@example.com").await;
    let version = store
        .store_model_version(&builtin_model(), simm_core::BUILTIN_MODEL_SOURCE)
        .await
        .unwrap();
    let mut rounds = Vec::new();
    for title in ["2025", "2026", "open"] {
        let assessment = store
            .create_assessment(&org.id, title, &version.id)
            .await
            .unwrap();
        store.open_assessment(&assessment.id, 5).await.unwrap();
        if title != "open" {
            store.close_assessment(&assessment.id).await.unwrap();
        }
        rounds.push(assessment.id);
    }
    // The later round closed first by the clock; dating the earlier one a
    // year back puts the rounds in their real order.
    assert!(store.date_closing(&rounds[0], 1_000).await.unwrap());
    assert!(store.date_closing(&rounds[1], 2_000).await.unwrap());
    assert!(
        !store.date_closing(&rounds[2], 3_000).await.unwrap(),
        "an open one"
    );
    assert!(!store.date_closing(&new_id(), 3_000).await.unwrap());
    let titles: Vec<(String, Option<i64>)> = store
        .rounds(&org.id)
        .await
        .unwrap()
        .into_iter()
        .map(|round| (round.title, round.closed_at))
        .collect();
    assert_eq!(
        titles,
        [
            ("2025".to_owned(), Some(1_000)),
            ("2026".to_owned(), Some(2_000))
        ]
    );

    let action = store
        .create_action(&org.id, &new_action("Train", None), &ana.id)
        .await
        .unwrap();
    let status = |status| ActionChanges {
        status: Some(status),
        ..ActionChanges::default()
    };
    for step in [InProgress, Done, InProgress, Done] {
        store
            .update_action(&action.id, &status(step), &ana.id)
            .await
            .unwrap();
    }
    // Only the latest change to done is dated.
    assert!(
        store
            .date_status_change(&action.id, Done, 1_500)
            .await
            .unwrap()
    );
    assert!(
        !store
            .date_status_change(&action.id, ActionStatus::Dropped, 1_500)
            .await
            .unwrap()
    );
    let history = store.action_history(&action.id).await.unwrap();
    let done: Vec<i64> = history
        .iter()
        .filter(|change| change.to == Done)
        .map(|change| change.changed_at)
        .collect();
    assert_eq!(done.len(), 2);
    assert_ne!(done[0], 1_500);
    assert_eq!(done[1], 1_500);
}
