//! The store test suite. Every test runs twice, on SQLite and on
//! PostgreSQL, each time against a fresh database.
//!
//! PostgreSQL comes from `SIMM_TEST_POSTGRES_URL`, which `scripts/test`
//! sets after starting a local server (`scripts/postgres`).

use std::collections::BTreeMap;
use std::time::Duration;

use simm_core::builtin_model;
#[path = "support/database_bytes.rs"]
mod database_bytes;
#[path = "support/postgres_database.rs"]
mod postgres_database;
use database_bytes::database_bytes;
use postgres_database::TestDatabase;

use simm_store::{
    AssessmentState, InvitationState, NewInvitation, NewOrganization, Role, SaveAnswer,
    SaveOutcome, Store, StoreError, hash_token, new_id, new_token,
};

fn sqlite_url() -> String {
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("store-tests");
    std::fs::create_dir_all(&folder).unwrap();
    format!(
        "sqlite://{}",
        folder.join(format!("{}.db", new_id())).display()
    )
}

async fn sqlite_store() -> Store {
    Store::connect(&sqlite_url()).await.unwrap()
}

/// Runs statements on a store's database directly, past the store, as
/// damage or an older version of simm would.
async fn execute_raw(url: &str, statements: &[&str]) {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        for statement in statements {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        for statement in statements {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
}

/// Runs one statement past a CHECK constraint of `table`, as damage
/// would: SQLite ignores CHECKs on the connection it runs on, and
/// PostgreSQL drops the constraint first.
async fn execute_past_check(url: &str, table: &str, constraint: &str, statement: &str) {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let mut connection = pool.acquire().await.unwrap();
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *connection)
            .await
            .unwrap();
        sqlx::query(statement)
            .execute(&mut *connection)
            .await
            .unwrap();
        drop(connection);
        pool.close().await;
    } else {
        execute_raw(
            url,
            &[
                &format!("ALTER TABLE {table} DROP CONSTRAINT {constraint}"),
                statement,
            ],
        )
        .await;
    }
}

/// The migrations of one back-end that come before `version`: a database
/// as an older simm left it.
fn migrations_before(version: i64, postgres: bool) -> sqlx::migrate::Migrator {
    let mut migrator = if postgres {
        sqlx::migrate!("migrations/postgres")
    } else {
        sqlx::migrate!("migrations/sqlite")
    };
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|migration| migration.version < version)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    migrator
}

/// Checks that `result` is the store's error for corrupt data, with a
/// message that contains `place`.
#[track_caller]
fn check_corrupt<T: std::fmt::Debug>(result: Result<T, StoreError>, place: &str) {
    match result {
        Err(StoreError::Corrupt(message)) | Err(StoreError::CorruptModel(message)) => assert!(
            message.contains(place),
            "expected {place:?} in the message {message:?}"
        ),
        other => panic!("expected corrupt data at {place:?}, got {other:?}"),
    }
}

/// A store on a fresh PostgreSQL database, which is dropped with the guard.
async fn postgres_store() -> (Store, TestDatabase) {
    let database = TestDatabase::create().await;
    (Store::connect(database.url()).await.unwrap(), database)
}

/// Generates, for each scenario, one test per back-end.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() { super::$scenario(super::sqlite_store().await).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                let (store, _database) = super::postgres_store().await;
                super::$scenario(store).await
            })*
        }
    };
}

on_both_backends!(
    users_are_unique_by_email,
    password_change_ends_sessions,
    sessions_and_api_tokens_resolve_to_users,
    failures_are_counted_per_key,
    organizations_are_visible_only_with_access,
    model_versions_never_change,
    assessment_states_and_frozen_anonymity,
    answers_are_saved_only_while_writable,
    a_form_of_answers_is_saved_all_or_none,
    comments_of_submitted_responses_are_listed_in_a_fixed_order,
    submitted_responses_keep_no_link_to_the_invitation,
    concurrent_answers_are_all_acknowledged_and_kept,
    invitations_are_stored_all_or_none,
    participation_counts_invitations_by_state,
    access_is_listed_and_responses_counted,
    respondents_see_the_organization_name,
    stewards_are_a_role_of_their_own,
    answers_are_pooled_over_every_assessment_of_a_version,
    releases_publish_what_the_plan_says_in_one_batch,
    a_batch_of_answers_gives_each_request_its_own_outcome,
);

/// Generates, for each scenario that needs the database's URL to write to
/// it past the store, one test per back-end.
macro_rules! on_both_backends_with_url {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite_with_url {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() { super::$scenario(&super::sqlite_url()).await })*
        }
        mod postgres_with_url {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                let database = super::TestDatabase::create().await;
                super::$scenario(database.url()).await
            })*
        }
    };
}

on_both_backends_with_url!(
    corrupt_stored_data_is_an_error_that_names_the_row,
    versions_stored_before_migration_6_get_their_title_at_start,
);

// After the macros, which it uses too.
#[path = "store/journey.rs"]
mod journey;

/// Releases every pending response of an open assessment with its preset
/// attributes, as a release that the privacy policy let through would.
async fn publish_all(store: &Store, assessment: &str) -> simm_store::ReleaseOutcome {
    store
        .release(assessment, false, |pending| {
            simm_store::ReleasePlan::Publish(
                pending.iter().map(|p| Some(p.attributes.clone())).collect(),
            )
        })
        .await
        .unwrap()
}

async fn consultant(store: &Store, email: &str) -> simm_store::User {
    store
        .create_user(email, "hash", Role::Consultant)
        .await
        .unwrap()
}

fn organization(name: &str) -> NewOrganization {
    NewOrganization {
        name: name.into(),
        industry: Some("Logistics".into()),
        size: None,
        country: Some("NL".into()),
    }
}

/// An open assessment of the built-in model with invitations for the
/// given roles; returns the assessment id and the invitations' tokens.
async fn open_assessment(store: &Store, roles: &[&str]) -> (String, Vec<String>) {
    let user = consultant(store, &format!("{}@example.com", new_id())).await;
    let org = store
        .create_organization(&organization("Acme"), &user.id)
        .await
        .unwrap();
    let model = builtin_model();
    let version = store
        .store_model_version(&model, simm_core::BUILTIN_MODEL_SOURCE)
        .await
        .unwrap();
    let assessment = store
        .create_assessment(&org.id, "2026", &version.id)
        .await
        .unwrap();
    let tokens: Vec<String> = roles.iter().map(|_| new_token()).collect();
    let invitations: Vec<NewInvitation> = tokens
        .iter()
        .zip(roles)
        .map(|(token, role)| NewInvitation {
            token_hash: hash_token(token),
            attributes: BTreeMap::from([("role".to_owned(), (*role).to_owned())]),
        })
        .collect();
    store
        .create_invitations(&assessment.id, &invitations)
        .await
        .unwrap();
    store.open_assessment(&assessment.id, 5).await.unwrap();
    (assessment.id, tokens)
}

async fn invitation_id(store: &Store, token: &str) -> String {
    store
        .invitation_by_token(&hash_token(token))
        .await
        .unwrap()
        .unwrap()
        .id
}

fn save(invitation_id: &str, item: &str, value: Option<u8>) -> SaveAnswer {
    SaveAnswer {
        invitation_id: invitation_id.into(),
        item_id: item.into(),
        value,
    }
}

async fn users_are_unique_by_email(store: Store) {
    let user = consultant(&store, "ana@example.com").await;
    let error = store
        .create_user("ana@example.com", "other", Role::Viewer)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    let (found, hash) = store
        .user_with_password("ana@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found, hash.as_str()), (user, "hash"));
    assert!(
        store
            .user_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

async fn password_change_ends_sessions(store: Store) {
    let user = consultant(&store, "ana@example.com").await;
    let token = hash_token("session");
    store
        .create_session(&token, &user.id, "csrf")
        .await
        .unwrap();
    let long = Duration::from_secs(3600);
    assert!(store.session(&token, long, long).await.unwrap().is_some());
    store.set_password(&user.id, "new hash").await.unwrap();
    assert!(store.session(&token, long, long).await.unwrap().is_none());
    assert_eq!(
        store
            .user_with_password("ana@example.com")
            .await
            .unwrap()
            .unwrap()
            .1,
        "new hash"
    );
}

async fn sessions_and_api_tokens_resolve_to_users(store: Store) {
    let user = consultant(&store, "ana@example.com").await;
    let long = Duration::from_secs(3600);
    store
        .create_session(&hash_token("s1"), &user.id, "csrf-1")
        .await
        .unwrap();
    let session = store
        .session(&hash_token("s1"), long, long)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (session.user, session.csrf_token.as_str()),
        (user.clone(), "csrf-1")
    );
    assert!(
        store
            .session(&hash_token("s2"), long, long)
            .await
            .unwrap()
            .is_none()
    );
    store.delete_session(&hash_token("s1")).await.unwrap();
    assert!(
        store
            .session(&hash_token("s1"), long, long)
            .await
            .unwrap()
            .is_none()
    );

    store
        .create_api_token(&user.id, &hash_token("api"))
        .await
        .unwrap();
    assert_eq!(
        store.user_by_api_token(&hash_token("api")).await.unwrap(),
        Some(user)
    );
    assert_eq!(
        store.user_by_api_token(&hash_token("other")).await.unwrap(),
        None
    );
}

async fn failures_are_counted_per_key(store: Store) {
    let window = Duration::from_secs(900);
    assert_eq!(store.failures("login:ana", window).await.unwrap(), 0);
    for expected in 1..=3 {
        assert_eq!(
            store.record_failure("login:ana", window).await.unwrap(),
            expected
        );
    }
    assert_eq!(store.record_failure("login:bob", window).await.unwrap(), 1);
    assert_eq!(store.failures("login:ana", window).await.unwrap(), 3);
    store.clear_failures("login:ana").await.unwrap();
    assert_eq!(store.failures("login:ana", window).await.unwrap(), 0);
}

async fn organizations_are_visible_only_with_access(store: Store) {
    let ana = consultant(&store, "ana@example.com").await;
    let bob = consultant(&store, "bob@example.com").await;
    let viewer = store
        .create_user("cio@acme.example", "hash", Role::Viewer)
        .await
        .unwrap();
    let admin = store
        .create_user("admin@example.com", "hash", Role::Admin)
        .await
        .unwrap();
    let acme = store
        .create_organization(&organization("Acme"), &ana.id)
        .await
        .unwrap();
    let globex = store
        .create_organization(&organization("Globex"), &bob.id)
        .await
        .unwrap();

    let names =
        |orgs: Vec<simm_store::Organization>| orgs.into_iter().map(|o| o.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.organizations_for(&ana).await.unwrap()),
        ["Acme"]
    );
    assert_eq!(
        names(store.organizations_for(&bob).await.unwrap()),
        ["Globex"]
    );
    assert_eq!(
        names(store.organizations_for(&admin).await.unwrap()),
        ["Acme", "Globex"]
    );
    assert!(
        store
            .organization_for(&ana, &globex.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .organization_for(&ana, &acme.id)
            .await
            .unwrap()
            .unwrap()
            .country
            .as_deref(),
        Some("NL")
    );

    assert!(store.organizations_for(&viewer).await.unwrap().is_empty());
    store.grant_access(&acme.id, &viewer.id).await.unwrap();
    store.grant_access(&acme.id, &viewer.id).await.unwrap();
    assert_eq!(
        names(store.organizations_for(&viewer).await.unwrap()),
        ["Acme"]
    );
}

async fn model_versions_never_change(store: Store) {
    let model = builtin_model();
    let source = simm_core::BUILTIN_MODEL_SOURCE;
    let first = store.store_model_version(&model, source).await.unwrap();
    let again = store.store_model_version(&model, source).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(first.title, "Smartsourcing Innovation Model");

    let changed_source = source.replacen("threshold = 0.75", "threshold = 0.8", 1);
    let changed = simm_core::Model::parse(&changed_source).unwrap();
    let error = store
        .store_model_version(&changed, &changed_source)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("give the changed model a new version"),
        "{error}"
    );

    let bumped_source = changed_source.replacen("version = \"1.1.0\"", "version = \"1.2.0\"", 1);
    let bumped = simm_core::Model::parse(&bumped_source).unwrap();
    let second = store
        .store_model_version(&bumped, &bumped_source)
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(store.model_versions().await.unwrap().len(), 2);
    assert_eq!(store.model(&first.id).await.unwrap().unwrap(), model);
    assert!(store.model("missing").await.unwrap().is_none());
}

async fn assessment_states_and_frozen_anonymity(store: Store) {
    let user = consultant(&store, "ana@example.com").await;
    let org = store
        .create_organization(&organization("Acme"), &user.id)
        .await
        .unwrap();
    let version = store
        .store_model_version(&builtin_model(), simm_core::BUILTIN_MODEL_SOURCE)
        .await
        .unwrap();
    let assessment = store
        .create_assessment(&org.id, "Baseline 2026", &version.id)
        .await
        .unwrap();
    assert_eq!(
        (assessment.state, assessment.anonymity_min),
        (AssessmentState::Draft, None)
    );

    let error = store.close_assessment(&assessment.id).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "the assessment is draft and cannot become closed"
    );
    let opened = store.open_assessment(&assessment.id, 5).await.unwrap();
    assert_eq!(
        (opened.state, opened.anonymity_min),
        (AssessmentState::Open, Some(5))
    );
    assert_eq!(
        store.close_assessment(&assessment.id).await.unwrap().state,
        AssessmentState::Closed
    );
    // Reopening keeps the threshold respondents were promised.
    let reopened = store.open_assessment(&assessment.id, 9).await.unwrap();
    assert_eq!(reopened.anonymity_min, Some(5));
    // Opening twice is harmless.
    assert_eq!(
        store
            .open_assessment(&assessment.id, 5)
            .await
            .unwrap()
            .state,
        AssessmentState::Open
    );

    let other = consultant(&store, "bob@example.com").await;
    assert!(
        store
            .assessment_for(&other, &assessment.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .assessment_for(&user, &assessment.id)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.assessments_of(&org.id).await.unwrap().len(), 1);
}

async fn answers_are_saved_only_while_writable(store: Store) {
    let (assessment, tokens) = open_assessment(&store, &["partner", "employee"]).await;
    let first = invitation_id(&store, &tokens[0]).await;
    assert_eq!(
        store
            .save_answer(save(&first, "VS-2-01", Some(4)))
            .await
            .unwrap(),
        SaveOutcome::Saved
    );
    // Saving again, or changing the answer, is harmless.
    assert_eq!(
        store
            .save_answer(save(&first, "VS-2-01", Some(4)))
            .await
            .unwrap(),
        SaveOutcome::Saved
    );
    assert_eq!(
        store
            .save_answer(save(&first, "VS-2-02", None))
            .await
            .unwrap(),
        SaveOutcome::Saved
    );
    assert_eq!(
        store
            .save_answer(save(&first, "VS-2-02", Some(2)))
            .await
            .unwrap(),
        SaveOutcome::Saved
    );
    let mut drafts = store.draft_answers(&first).await.unwrap();
    drafts.sort();
    assert_eq!(
        drafts,
        [
            ("VS-2-01".to_owned(), Some(4)),
            ("VS-2-02".to_owned(), Some(2))
        ]
    );
    let invitation = store
        .invitation_by_token(&hash_token(&tokens[0]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invitation.state, InvitationState::Started);

    assert_eq!(
        store
            .save_comment(&first, "vision", "Good <b>start</b>")
            .await
            .unwrap(),
        SaveOutcome::Saved
    );
    assert_eq!(
        store.draft_comments(&first).await.unwrap(),
        [("vision".to_owned(), "Good <b>start</b>".to_owned())]
    );

    assert_eq!(
        store
            .save_answer(save("missing", "VS-2-01", Some(1)))
            .await
            .unwrap(),
        SaveOutcome::UnknownInvitation
    );

    store.close_assessment(&assessment).await.unwrap();
    let second = invitation_id(&store, &tokens[1]).await;
    assert_eq!(
        store
            .save_answer(save(&second, "VS-2-01", Some(3)))
            .await
            .unwrap(),
        SaveOutcome::NotOpen
    );
    assert_eq!(
        store.save_comment(&second, "vision", "x").await.unwrap(),
        SaveOutcome::NotOpen
    );
    assert_eq!(
        store.submit(&first, &[]).await.unwrap(),
        SaveOutcome::NotOpen
    );
    // Closing keeps what was saved.
    assert_eq!(store.draft_answers(&first).await.unwrap().len(), 2);
}

async fn submitted_responses_keep_no_link_to_the_invitation(store: Store) {
    let (assessment, tokens) = open_assessment(&store, &["partner"]).await;
    let invitation = invitation_id(&store, &tokens[0]).await;
    let model = builtin_model();
    let item_ids: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    store
        .save_answer(save(&invitation, "VS-2-02", Some(5)))
        .await
        .unwrap();
    store
        .save_answer(save(&invitation, "IT-4-04", Some(1)))
        .await
        .unwrap();
    store
        .save_answer(save(&invitation, "MG-2-01", None))
        .await
        .unwrap();
    store
        .save_comment(&invitation, "technology", "More tools")
        .await
        .unwrap();

    assert_eq!(
        store.submit(&invitation, &item_ids).await.unwrap(),
        SaveOutcome::Saved
    );
    assert_eq!(
        store.submit(&invitation, &item_ids).await.unwrap(),
        SaveOutcome::AlreadySubmitted
    );
    assert_eq!(
        store
            .save_answer(save(&invitation, "VS-2-01", Some(3)))
            .await
            .unwrap(),
        SaveOutcome::AlreadySubmitted
    );

    // Submitted, the response waits unseen for a release.
    assert!(store.responses(&assessment).await.unwrap().is_empty());
    assert_eq!(
        store.pending_counts(&assessment).await.unwrap(),
        simm_store::PendingCounts {
            answering: 1,
            blank: 0
        }
    );
    publish_all(&store, &assessment).await;
    let responses = store.responses(&assessment).await.unwrap();
    assert_eq!(responses.len(), 1);
    let response = &responses[0];
    assert_eq!(
        response.attributes,
        BTreeMap::from([("role".to_owned(), "partner".to_owned())])
    );
    assert_eq!(response.submitted_on.len(), 10);
    let mut expected = vec![0u8; item_ids.len()];
    expected[model.item_index("VS-2-02").unwrap()] = 5;
    expected[model.item_index("IT-4-04").unwrap()] = 1;
    assert_eq!(response.answers, expected);
    assert_ne!(response.id, invitation);
    // The drafts are gone once they became a response.
    assert!(store.draft_answers(&invitation).await.unwrap().is_empty());
    assert!(store.draft_comments(&invitation).await.unwrap().is_empty());
    let used = store
        .invitation_by_token(&hash_token(&tokens[0]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.state, InvitationState::Submitted);
}

async fn concurrent_answers_are_all_acknowledged_and_kept(store: Store) {
    let roles = vec!["employee"; 20];
    let (_, tokens) = open_assessment(&store, &roles).await;
    let model = builtin_model();
    let mut invitations = Vec::new();
    for token in &tokens {
        invitations.push(invitation_id(&store, token).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for invitation in &invitations {
        for item in model.items().iter().take(10) {
            let store = store.clone();
            let save = save(invitation, item.id.as_str(), Some(3));
            tasks.spawn(async move { store.save_answer(save).await });
        }
    }
    let outcomes = tasks.join_all().await;
    assert_eq!(outcomes.len(), 200);
    assert!(
        outcomes.iter().all(|o| matches!(o, Ok(SaveOutcome::Saved))),
        "{outcomes:?}"
    );
    for invitation in &invitations {
        assert_eq!(store.draft_answers(invitation).await.unwrap().len(), 10);
    }
}

async fn invitations_are_stored_all_or_none(store: Store) {
    let (assessment, _) = open_assessment(&store, &[]).await;
    let duplicate = hash_token("same");
    let batch = [
        NewInvitation {
            token_hash: hash_token("fresh"),
            attributes: BTreeMap::new(),
        },
        NewInvitation {
            token_hash: duplicate.clone(),
            attributes: BTreeMap::new(),
        },
        NewInvitation {
            token_hash: duplicate,
            attributes: BTreeMap::new(),
        },
    ];
    assert!(store.create_invitations(&assessment, &batch).await.is_err());
    assert!(
        store
            .invitation_by_token(&hash_token("fresh"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.participation(&assessment).await.unwrap().is_empty());
}

async fn participation_counts_invitations_by_state(store: Store) {
    let (assessment, tokens) = open_assessment(&store, &["partner", "partner", "employee"]).await;
    let model = builtin_model();
    let item_ids: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    let first = invitation_id(&store, &tokens[0]).await;
    store
        .save_answer(save(&first, "VS-2-01", Some(4)))
        .await
        .unwrap();
    let third = invitation_id(&store, &tokens[2]).await;
    store.submit(&third, &item_ids).await.unwrap();
    let rows: Vec<(String, &str, i64)> = store
        .participation(&assessment)
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                row.attributes["role"].clone(),
                row.state.as_str(),
                row.invitations,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("employee".to_owned(), "submitted", 1),
            ("partner".to_owned(), "pending", 1),
            ("partner".to_owned(), "started", 1),
        ]
    );
}

async fn access_is_listed_and_responses_counted(store: Store) {
    let (assessment, _) = open_assessment(&store, &[]).await;
    let organization_id = store
        .assessment(&assessment)
        .await
        .unwrap()
        .unwrap()
        .organization_id;
    let viewer = store
        .create_user("vera@example.com", "hash", Role::Viewer)
        .await
        .unwrap();
    store
        .grant_access(&organization_id, &viewer.id)
        .await
        .unwrap();
    // Granting twice changes nothing.
    store
        .grant_access(&organization_id, &viewer.id)
        .await
        .unwrap();
    let users = store.users_with_access(&organization_id).await.unwrap();
    assert_eq!(users.len(), 2, "{users:?}");
    assert!(users.contains(&viewer));
    assert!(users.iter().any(|user| user.role == Role::Consultant));
    assert!(store.users_with_access("missing").await.unwrap().is_empty());

    assert_eq!(store.response_count(&assessment).await.unwrap(), 0);
    let response = simm_store::NewResponse {
        attributes: BTreeMap::new(),
        answers: vec![3; builtin_model().items().len()],
    };
    store
        .insert_responses(&assessment, &[response.clone(), response])
        .await
        .unwrap();
    assert_eq!(store.response_count(&assessment).await.unwrap(), 0);
    publish_all(&store, &assessment).await;
    assert_eq!(store.response_count(&assessment).await.unwrap(), 2);
    assert_eq!(store.response_count("missing").await.unwrap(), 0);
}

async fn respondents_see_the_organization_name(store: Store) {
    let (assessment, _) = open_assessment(&store, &["partner"]).await;
    assert_eq!(
        store
            .organization_name_of_assessment(&assessment)
            .await
            .unwrap()
            .as_deref(),
        Some("Acme")
    );
    assert_eq!(
        store
            .organization_name_of_assessment("missing")
            .await
            .unwrap(),
        None
    );
}

async fn a_form_of_answers_is_saved_all_or_none(store: Store) {
    let (_, tokens) = open_assessment(&store, &["partner"]).await;
    let invitation = invitation_id(&store, &tokens[0]).await;
    let form = |value| {
        vec![
            save(&invitation, "VS-2-01", Some(value)),
            save(&invitation, "VS-2-02", None),
            save(&invitation, "VS-2-03", Some(value)),
        ]
    };
    assert_eq!(
        store.save_answers(form(4)).await.unwrap(),
        SaveOutcome::Saved
    );
    let mut drafts = store.draft_answers(&invitation).await.unwrap();
    drafts.sort();
    assert_eq!(
        drafts,
        [
            ("VS-2-01".to_owned(), Some(4)),
            ("VS-2-02".to_owned(), None),
            ("VS-2-03".to_owned(), Some(4))
        ]
    );
    assert_eq!(
        store.save_answers(Vec::new()).await.unwrap(),
        SaveOutcome::Saved
    );

    let model = builtin_model();
    let item_ids: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    store.submit(&invitation, &item_ids).await.unwrap();
    assert_eq!(
        store.save_answers(form(2)).await.unwrap(),
        SaveOutcome::AlreadySubmitted
    );
    assert!(store.draft_answers(&invitation).await.unwrap().is_empty());
    let assessment = open_assessment_of(&store, &tokens[0]).await;
    publish_all(&store, &assessment).await;
    let responses = store.responses(&assessment).await.unwrap();
    assert_eq!(
        responses[0].answers[model.item_index("VS-2-01").unwrap()],
        4
    );
}

async fn open_assessment_of(store: &Store, token: &str) -> String {
    store
        .invitation_by_token(&hash_token(token))
        .await
        .unwrap()
        .unwrap()
        .assessment_id
}

async fn comments_of_submitted_responses_are_listed_in_a_fixed_order(store: Store) {
    let (assessment, tokens) = open_assessment(&store, &["partner", "employee", "manager"]).await;
    let model = builtin_model();
    let item_ids: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    for (token, (area, body)) in
        tokens
            .iter()
            .zip([("vision", "b"), ("vision", "a"), ("technology", "c")])
    {
        let invitation = invitation_id(&store, token).await;
        store.save_comment(&invitation, area, body).await.unwrap();
        if body != "c" {
            store.submit(&invitation, &item_ids).await.unwrap();
        }
    }
    // Comments wait with their responses for a release.
    assert!(
        store
            .response_comments(&assessment)
            .await
            .unwrap()
            .is_empty()
    );
    publish_all(&store, &assessment).await;
    // The unsubmitted comment is a draft and not listed.
    let listed = store.response_comments(&assessment).await.unwrap();
    assert_eq!(
        listed,
        [
            ("vision".to_owned(), "a".to_owned()),
            ("vision".to_owned(), "b".to_owned())
        ]
    );
}

// ----- model stewardship ----------------------------------------------------

async fn stewards_are_a_role_of_their_own(store: Store) {
    let steward = store
        .create_user("stella@example.com", "hash", Role::Steward)
        .await
        .unwrap();
    let found = store.user_by_email("stella@example.com").await.unwrap();
    assert_eq!(found, Some(steward.clone()));
    assert_eq!(Role::parse("steward"), Some(Role::Steward));
    // A steward sees no organisation without a grant, like a viewer.
    open_assessment(&store, &[]).await;
    assert!(store.organizations_for(&steward).await.unwrap().is_empty());
}

fn response(role: Option<&str>, answers: Vec<u8>) -> simm_store::NewResponse {
    simm_store::NewResponse {
        attributes: role
            .map(|role| BTreeMap::from([("role".to_owned(), role.to_owned())]))
            .unwrap_or_default(),
        answers,
    }
}

async fn answers_are_pooled_over_every_assessment_of_a_version(store: Store) {
    let model = builtin_model();
    let items = model.items().len();
    let (first, _) = open_assessment(&store, &[]).await;
    let (second, _) = open_assessment(&store, &[]).await;
    // More responses than one page of the pooled read, so that the pages
    // are seen to join up.
    let many: Vec<_> = (0..1003)
        .map(|n| response(Some("employee"), vec![(n % 5) as u8 + 1; items]))
        .collect();
    store.insert_responses(&first, &many).await.unwrap();
    publish_all(&store, &first).await;
    let mut odd = vec![2; items];
    // An answer outside the scale counts as missing.
    odd[0] = 9;
    store
        .insert_responses(
            &second,
            &[
                response(Some("partner"), odd),
                response(None, vec![0; items]),
                response(Some("partner"), vec![5; items]),
                response(Some("partner"), vec![5; items]),
                response(Some("partner"), vec![5; items]),
            ],
        )
        .await
        .unwrap();
    publish_all(&store, &second).await;
    // Below its frozen minimum of 5: left out of the pool.
    let (small, _) = open_assessment(&store, &[]).await;
    store
        .insert_responses(
            &small,
            &[
                response(Some("partner"), vec![1; items]),
                response(Some("partner"), vec![1; items]),
            ],
        )
        .await
        .unwrap();
    publish_all(&store, &small).await;
    // Never opened: its responses cannot be released.
    let draft = {
        let organization = store.assessment(&small).await.unwrap().unwrap();
        store
            .create_assessment(
                &organization.organization_id,
                "draft",
                &organization.model_version_id,
            )
            .await
            .unwrap()
    };
    store
        .insert_responses(&draft.id, &vec![response(None, vec![3; items]); 3])
        .await
        .unwrap();
    // An assessment on another version is not pooled with these.
    let bumped_source =
        simm_core::BUILTIN_MODEL_SOURCE.replacen("version = \"1.1.0\"", "version = \"1.2.0\"", 1);
    let bumped = simm_core::Model::parse(&bumped_source).unwrap();
    let other_version = store
        .store_model_version(&bumped, &bumped_source)
        .await
        .unwrap();
    let (third, _) = open_assessment(&store, &[]).await;
    let organization = store
        .assessment(&third)
        .await
        .unwrap()
        .unwrap()
        .organization_id;
    let elsewhere = store
        .create_assessment(&organization, "other version", &other_version.id)
        .await
        .unwrap();
    store
        .insert_responses(&elsewhere.id, &[response(None, vec![4; items])])
        .await
        .unwrap();
    store.open_assessment(&elsewhere.id, 5).await.unwrap();
    publish_all(&store, &elsewhere.id).await;

    let version = store
        .find_model_version("smartsourcing", "1.1.0")
        .await
        .unwrap()
        .unwrap();
    assert!(
        store
            .find_model_version("smartsourcing", "9.9.9")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .model_version_source(&version.id)
            .await
            .unwrap()
            .as_deref(),
        Some(simm_core::BUILTIN_MODEL_SOURCE)
    );
    assert!(
        store
            .model_version_source("missing")
            .await
            .unwrap()
            .is_none()
    );

    let usage = store.model_version_usage().await.unwrap();
    let counts: Vec<(&str, i64, i64)> = usage
        .iter()
        .map(|u| {
            (
                u.version.version.as_str(),
                u.assessments,
                u.submitted_responses,
            )
        })
        .collect();
    assert_eq!(counts, [("1.1.0", 5, 1010), ("1.2.0", 1, 1)]);
    // Candidates for the policy to choose from: every assessment of the
    // version with its frozen minimum and what it released.
    let candidates = store.pool_candidates(&version.id).await.unwrap();
    let mut released: Vec<(Option<u32>, i64)> = candidates
        .iter()
        .map(|c| (c.anonymity_min, c.released))
        .collect();
    released.sort_unstable();
    assert_eq!(
        released,
        [
            (None, 0),
            (Some(5), 0),
            (Some(5), 2),
            (Some(5), 5),
            (Some(5), 1003)
        ]
    );
    let members: std::collections::HashSet<String> = [first.clone(), second.clone()].into();
    let both = store
        .pooled_answers(&version.id, &members, items, 5, None)
        .await
        .unwrap();
    assert_eq!(both.matrix.respondents(), 1008);
    let pooled = store
        .pooled_answers(&version.id, &members, items, 5, Some("role"))
        .await
        .unwrap();
    assert_eq!(pooled.matrix.respondents(), 1008);
    assert_eq!(pooled.matrix.items(), items);
    assert_eq!(pooled.assessments, 2);
    assert_eq!(pooled.attribute_values.len(), 1008);
    let count = |value: Option<&str>| {
        pooled
            .attribute_values
            .iter()
            .filter(|v| v.as_deref() == value)
            .count()
    };
    assert_eq!(
        (count(Some("employee")), count(Some("partner")), count(None)),
        (1003, 4, 1)
    );
    let rows: Vec<&[u8]> = (0..1008).map(|row| pooled.matrix.row(row)).collect();
    let partner = (0..rows.len())
        .find(|row| {
            pooled.attribute_values[*row].as_deref() == Some("partner") && rows[*row][1] == 2
        })
        .unwrap();
    assert_eq!(
        rows[partner][0], 0,
        "an answer outside the scale is missing"
    );
    let mut sums = [0usize; 6];
    for row in &rows {
        sums[usize::from(row[1])] += 1;
    }
    // 1003 answers cycling through 1..=5, the partner's 2, three 5s and
    // one empty row; none of the small assessment's 1s.
    assert_eq!(sums, [1, 201, 202, 201, 200, 203]);

    // The other version's one assessment is pooled only with its own.
    let elsewhere_only: std::collections::HashSet<String> = [elsewhere.id.clone()].into();
    let without = store
        .pooled_answers(&other_version.id, &elsewhere_only, items, 5, None)
        .await
        .unwrap();
    assert_eq!(without.matrix.respondents(), 1);
    assert!(without.attribute_values.is_empty());
    let not_of_this_version = store
        .pooled_answers(&version.id, &elsewhere_only, items, 5, None)
        .await
        .unwrap();
    assert_eq!(not_of_this_version.matrix.respondents(), 0);
    let none = store
        .pooled_answers("missing", &members, items, 5, None)
        .await
        .unwrap();
    assert_eq!((none.matrix.respondents(), none.assessments), (0, 0));
}

async fn releases_publish_what_the_plan_says_in_one_batch(store: Store) {
    let (assessment, _) = open_assessment(&store, &[]).await;
    let items = builtin_model().items().len();
    let mut pending: Vec<_> = (0..4)
        .map(|_| response(Some("partner"), vec![4; items]))
        .collect();
    pending.push(response(Some("executive"), vec![0; items]));
    store.insert_responses(&assessment, &pending).await.unwrap();
    assert_eq!(
        store.pending_counts(&assessment).await.unwrap(),
        simm_store::PendingCounts {
            answering: 4,
            blank: 1
        }
    );
    // A plan that holds everything back publishes nothing.
    let held = store
        .release(&assessment, false, |pending| {
            assert_eq!(pending.len(), 5);
            assert_eq!(pending.iter().filter(|p| p.answering).count(), 4);
            simm_store::ReleasePlan::Hold
        })
        .await
        .unwrap();
    assert_eq!((held.released, held.held_back), (0, 5));
    assert!(store.responses(&assessment).await.unwrap().is_empty());
    assert!(store.releases(&assessment).await.unwrap().is_empty());
    // A plan publishes with the attributes it gives, and drops what it
    // marks as unpublished.
    let outcome = store
        .release(&assessment, false, |pending| {
            simm_store::ReleasePlan::Publish(
                pending
                    .iter()
                    .map(|p| p.answering.then(BTreeMap::new))
                    .collect(),
            )
        })
        .await
        .unwrap();
    assert_eq!(
        (outcome.released, outcome.blank, outcome.held_back),
        (4, 1, 0)
    );
    let responses = store.responses(&assessment).await.unwrap();
    assert_eq!(responses.len(), 4);
    assert!(responses.iter().all(|r| r.attributes.is_empty()));
    assert_eq!(
        store.pending_counts(&assessment).await.unwrap(),
        Default::default()
    );
    let releases = store.releases(&assessment).await.unwrap();
    assert_eq!(releases.len(), 1);
    assert_eq!(
        (
            releases[0].released,
            releases[0].blank,
            releases[0].at_close
        ),
        (4, 1, false)
    );
    // Closing with too few to publish closes all the same and keeps them.
    store
        .insert_responses(&assessment, &[response(None, vec![2; items])])
        .await
        .unwrap();
    let closed = store
        .release(&assessment, true, |_| simm_store::ReleasePlan::Hold)
        .await
        .unwrap();
    assert_eq!(closed.assessment.state, AssessmentState::Closed);
    assert_eq!(closed.held_back, 1);
    assert_eq!(store.responses(&assessment).await.unwrap().len(), 4);
    // Nothing is released from a closed assessment; closing it again
    // changes nothing.
    let refused = store
        .release(&assessment, false, |_| {
            unreachable!("a closed assessment has no plan")
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let again = store
        .release(&assessment, true, |_| {
            unreachable!("a closed assessment has no plan")
        })
        .await
        .unwrap();
    assert_eq!((again.released, again.held_back), (0, 1));
    // A plan of the wrong length is refused, and nothing is published.
    store.open_assessment(&assessment, 5).await.unwrap();
    let wrong = store
        .release(&assessment, false, |_| {
            simm_store::ReleasePlan::Publish(Vec::new())
        })
        .await;
    assert!(matches!(wrong, Err(StoreError::Conflict(_))), "{wrong:?}");
    assert_eq!(
        store.pending_counts(&assessment).await.unwrap().answering,
        1
    );
    assert_eq!(store.responses(&assessment).await.unwrap().len(), 4);
}

/// On PostgreSQL every row records the transaction that wrote it. A
/// released response must share it with no invitation: the submission
/// marked the invitation, the release wrote the response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_responses_share_no_transaction_with_an_invitation() {
    let (store, database) = postgres_store().await;
    let url = database.url();
    let (assessment, tokens) = open_assessment(&store, &["partner"; 6]).await;
    let model = builtin_model();
    let item_ids: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    for token in &tokens {
        let invitation = invitation_id(&store, token).await;
        store
            .save_answer(save(&invitation, "VS-2-01", Some(4)))
            .await
            .unwrap();
        assert_eq!(
            store.submit(&invitation, &item_ids).await.unwrap(),
            SaveOutcome::Saved
        );
    }
    publish_all(&store, &assessment).await;
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let xmin = |table: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(&format!("SELECT xmin::text FROM {table}"))
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };
    let invitations: std::collections::HashSet<String> =
        xmin("invitations").await.into_iter().collect();
    let responses = xmin("responses").await;
    assert_eq!(responses.len(), 6);
    assert_eq!(
        invitations.len(),
        6,
        "each submission is its own transaction"
    );
    for response in &responses {
        assert!(
            !invitations.contains(response),
            "a released response shares transaction {response} with an invitation"
        );
    }
    // The pending rows, which did share it, are gone.
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_responses")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pending, 0);
}

/// The migration that adds the steward role rebuilds the users table on
/// SQLite; the users, their API tokens, sessions and grants, and the
/// organisations they created, must all survive it.
#[tokio::test]
async fn the_steward_migration_keeps_every_user_and_what_hangs_off_them() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use std::str::FromStr;

    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("store-tests");
    std::fs::create_dir_all(&folder).unwrap();
    let url = format!(
        "sqlite://{}",
        folder.join(format!("{}.db", new_id())).display()
    );
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    migrations_before(3, false).run(&pool).await.unwrap();
    for statement in [
        "INSERT INTO users VALUES ('u1', 'ana@example.com', 'h', 'consultant', 1, 1), ('u2', 'vera@example.com', 'h', 'viewer', 1, 1)",
        "INSERT INTO api_tokens VALUES (x'01', 'u1', 1)",
        "INSERT INTO sessions VALUES (x'02', 'u2', 'csrf', 1, 1)",
        "INSERT INTO organizations VALUES ('o1', 'Acme', NULL, NULL, NULL, 'u1', 1)",
        "INSERT INTO organization_access VALUES ('o1', 'u1'), ('o1', 'u2')",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let store = Store::connect(&url).await.unwrap();
    let ana = store.user_by_api_token(&[1]).await.unwrap().unwrap();
    assert_eq!(ana.email, "ana@example.com");
    let vera = store
        .user_by_email("vera@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.organizations_for(&vera).await.unwrap().len(), 1);
    assert_eq!(store.users_with_access("o1").await.unwrap().len(), 2);
    store
        .create_user("stella@example.com", "h", Role::Steward)
        .await
        .unwrap();
    // Foreign keys still hold, and still cascade.
    store.set_password(&vera.id, "new").await.unwrap();
    assert!(
        store
            .session(
                &[2],
                Duration::from_secs(u64::MAX / 4),
                Duration::from_secs(u64::MAX / 4)
            )
            .await
            .unwrap()
            .is_none()
    );
}

/// Stored JSON that does not decode is an error that names the table, row
/// and column, on every path that reads it, never a respondent without
/// attributes; so is a role that is none of the four.
async fn corrupt_stored_data_is_an_error_that_names_the_row(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let (assessment, tokens) = open_assessment(&store, &["partner"; 4]).await;
    let version = store
        .assessment(&assessment)
        .await
        .unwrap()
        .unwrap()
        .model_version_id;
    let model = builtin_model();
    let item_ids: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    let mut invitations = Vec::new();
    for token in &tokens {
        invitations.push(invitation_id(&store, token).await);
    }
    for invitation in &invitations[1..] {
        store
            .save_answer(save(invitation, "VS-2-01", Some(4)))
            .await
            .unwrap();
        store.submit(invitation, &item_ids).await.unwrap();
    }
    publish_all(&store, &assessment).await;
    // One more submitted response waits in the pending pool.
    let pending = invitation_id(&store, &tokens[0]).await;
    store
        .save_answer(save(&pending, "VS-2-01", Some(4)))
        .await
        .unwrap();
    store.submit(&pending, &item_ids).await.unwrap();
    let responses = store.responses(&assessment).await.unwrap();
    let user = consultant(&store, "corrupt@example.com").await;

    execute_raw(
        url,
        &[
            &format!(
                "UPDATE invitations SET attributes = '{{\"role\": ' WHERE id = '{}'",
                invitations[0]
            ),
            &format!(
                "UPDATE responses SET attributes = '[\"partner\"]' WHERE id = '{}'",
                responses[0].id
            ),
            &format!("UPDATE pending_responses SET attributes = 'partner' WHERE assessment_id = '{assessment}'"),
        ],
    )
    .await;
    // The CHECK on roles stands in the way of damage too; damage goes
    // round it.
    execute_past_check(
        url,
        "users",
        "users_role_check",
        &format!("UPDATE users SET role = 'root' WHERE id = '{}'", user.id),
    )
    .await;

    let invitation_row = format!("invitations row {}, column attributes", invitations[0]);
    check_corrupt(
        store.invitation_by_token(&hash_token(&tokens[0])).await,
        &invitation_row,
    );
    check_corrupt(
        store
            .invitation_with_assessment(&hash_token(&tokens[0]))
            .await,
        &invitation_row,
    );
    check_corrupt(
        store.participation(&assessment).await,
        &format!("invitations of assessment {assessment}, column attributes"),
    );
    let response_row = format!("responses row {}, column attributes", responses[0].id);
    check_corrupt(store.responses(&assessment).await, &response_row);
    let members = std::collections::HashSet::from([assessment.clone()]);
    check_corrupt(
        store
            .pooled_answers(&version, &members, item_ids.len(), 5, Some("role"))
            .await,
        &response_row,
    );
    check_corrupt(
        store
            .release(&assessment, false, |_| simm_store::ReleasePlan::Hold)
            .await,
        "pending_responses row",
    );
    check_corrupt(
        store.user_by_email("corrupt@example.com").await,
        &format!("users row {}, column role: unknown role \"root\"", user.id),
    );
    // What is not damaged still reads.
    assert_eq!(
        store
            .invitation_by_token(&hash_token(&tokens[1]))
            .await
            .unwrap()
            .unwrap()
            .state,
        InvitationState::Submitted
    );
}

/// Versions stored before the title had a column of its own get their
/// title from their model file when the store starts; a model file that
/// does not parse stops the start with an error that names its row.
async fn versions_stored_before_migration_6_get_their_title_at_start(url: &str) {
    let postgres = !url.starts_with("sqlite:");
    let migrator = migrations_before(6, postgres);
    let insert = |id: &str, model_id: &str, source: &str| {
        format!(
            "INSERT INTO model_versions (id, model_id, version, content_hash, source, created_at)
             VALUES ('{id}', '{model_id}', '1', 'hash', '{}', 1)",
            source.replace('\'', "''")
        )
    };
    let statements = [
        insert("good", "smartsourcing", simm_core::BUILTIN_MODEL_SOURCE),
        insert("bad", "broken", "title = "),
    ];
    if postgres {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        migrator.run(&pool).await.unwrap();
        pool.close().await;
    } else {
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        migrator.run(&pool).await.unwrap();
        pool.close().await;
    }
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    execute_raw(url, &statements).await;

    check_corrupt(
        Store::connect(url).await.map(|_| ()),
        "model_versions row bad (broken version 1)",
    );
    execute_raw(url, &["DELETE FROM model_versions WHERE id = 'bad'"]).await;
    let store = Store::connect(url).await.unwrap();
    let versions = store.model_versions().await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].title, builtin_model().title());
    assert!(!versions[0].title.is_empty());
    // A version that an older simm stored after the migration has no
    // title until the next start; reading it says so rather than showing
    // an empty title.
    execute_raw(
        url,
        &[&insert("old", "later", simm_core::BUILTIN_MODEL_SOURCE)],
    )
    .await;
    check_corrupt(
        store.model_versions().await,
        "model_versions row old has no title",
    );
    store.close().await;
    let store = Store::connect(url).await.unwrap();
    let titles: Vec<String> = store
        .model_versions()
        .await
        .unwrap()
        .into_iter()
        .map(|version| version.title)
        .collect();
    assert_eq!(titles, [builtin_model().title(); 2]);
}

/// An invitation's saved answers by item.
async fn drafts_of(store: &Store, invitation: &str) -> BTreeMap<String, Option<u8>> {
    store
        .draft_answers(invitation)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Requests that reach the writer together, and so share a batch, each get
/// their own outcome: a refused one does not fail its neighbours, and a
/// form that names an item twice keeps its last answer.
async fn a_batch_of_answers_gives_each_request_its_own_outcome(store: Store) {
    let (_, tokens) = open_assessment(&store, &["partner"; 2]).await;
    let (closed_assessment, closed_tokens) = open_assessment(&store, &["partner"]).await;
    let model = builtin_model();
    let item_ids: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    let open = invitation_id(&store, &tokens[0]).await;
    let submitted = invitation_id(&store, &tokens[1]).await;
    store.submit(&submitted, &item_ids).await.unwrap();
    let closed = invitation_id(&store, &closed_tokens[0]).await;
    store.close_assessment(&closed_assessment).await.unwrap();
    let unknown = new_id();

    let mut tasks = tokio::task::JoinSet::new();
    for (round, item) in item_ids.iter().enumerate() {
        for (invitation, expected) in [
            (&open, SaveOutcome::Saved),
            (&submitted, SaveOutcome::AlreadySubmitted),
            (&closed, SaveOutcome::NotOpen),
            (&unknown, SaveOutcome::UnknownInvitation),
        ] {
            let store = store.clone();
            let value = Some((round % 5) as u8 + 1);
            let save = save(invitation, item, value);
            tasks.spawn(async move { (store.save_answer(save).await.unwrap(), expected) });
        }
    }
    let form = vec![
        save(&open, "VS-2-01", Some(1)),
        save(&open, "VS-2-02", None),
        save(&open, "VS-2-01", Some(2)),
    ];
    let form_store = store.clone();
    tasks.spawn(async move {
        (
            form_store.save_answers(form).await.unwrap(),
            SaveOutcome::Saved,
        )
    });
    for (outcome, expected) in tasks.join_all().await {
        assert_eq!(outcome, expected);
    }
    let drafts = drafts_of(&store, &open).await;
    assert_eq!(drafts.len(), item_ids.len());
    for (round, item) in item_ids.iter().enumerate() {
        match *item {
            // Written by the single saves and by the form, in some order.
            "VS-2-01" => assert!(
                [Some(2), Some((round % 5) as u8 + 1)].contains(&drafts[*item]),
                "{:?}",
                drafts[*item]
            ),
            "VS-2-02" => assert!(
                [None, Some((round % 5) as u8 + 1)].contains(&drafts[*item]),
                "{:?}",
                drafts[*item]
            ),
            _ => assert_eq!(drafts[*item], Some((round % 5) as u8 + 1), "{item}"),
        }
    }
    for refused in [&submitted, &closed, &unknown] {
        assert!(store.draft_answers(refused).await.unwrap().is_empty());
    }
    // A form on its own keeps the last of two answers to one item.
    let form = vec![
        save(&open, "VS-2-03", Some(1)),
        save(&open, "VS-2-03", Some(5)),
    ];
    assert_eq!(store.save_answers(form).await.unwrap(), SaveOutcome::Saved);
    let drafts = drafts_of(&store, &open).await;
    assert_eq!(drafts["VS-2-03"], Some(5));
}

#[path = "store/imports.rs"]
mod imports;

#[path = "store/emails.rs"]
mod emails;
