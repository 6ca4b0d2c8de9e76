//! Offline responses uploaded into an assessment: all rows or none, only
//! while it is open, into the pending pool like answers given online.

use std::collections::BTreeMap;

use simm_core::builtin_model;
use simm_store::{ImportOutcome, NewResponse, Store, User};

use super::{consultant, execute_raw, open_assessment, organization, publish_all};
// For the scenarios the macros generate, which find them in `super`.
use super::{TestDatabase, postgres_store, sqlite_store, sqlite_url};

on_both_backends!(
    an_import_lands_in_the_pending_pool_whole_and_is_released_like_any_answer,
    an_assessment_that_is_not_open_takes_no_import,
);

on_both_backends_with_url!(a_failed_import_leaves_no_row_and_no_record);

fn response(role: &str, value: u8) -> NewResponse {
    NewResponse {
        attributes: BTreeMap::from([("role".to_owned(), role.to_owned())]),
        answers: vec![value; builtin_model().items().len()],
    }
}

async fn uploader(store: &Store) -> User {
    consultant(store, &format!("{}@example.com", simm_store::new_id())).await
}

async fn an_import_lands_in_the_pending_pool_whole_and_is_released_like_any_answer(store: Store) {
    let (assessment, _) = open_assessment(&store, &["partner"]).await;
    let user = uploader(&store).await;
    let rows = [
        response("partner", 4),
        response("employee", 2),
        response("employee", 0),
    ];
    let outcome = store
        .import_responses(&assessment, "qualtrics", &user.id, &rows)
        .await
        .unwrap();
    let ImportOutcome::Imported(record) = outcome else {
        panic!("an open assessment takes the import: {outcome:?}");
    };
    assert_eq!((record.rows, record.source.as_str()), (3, "qualtrics"));
    assert_eq!(record.imported_by_email, user.email);
    assert_eq!(store.imports(&assessment).await.unwrap(), vec![record]);
    assert!(store.imports("missing").await.unwrap().is_empty());

    // Nothing is published until a release, as for answers given online;
    // the row with no answer is blank, as a respondent who answered nothing.
    assert_eq!(store.response_count(&assessment).await.unwrap(), 0);
    let pending = store.pending_counts(&assessment).await.unwrap();
    assert_eq!((pending.answering, pending.blank), (2, 1));
    publish_all(&store, &assessment).await;
    let mut published: Vec<(String, u8)> = store
        .responses(&assessment)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.attributes["role"].clone(), r.answers[0]))
        .collect();
    published.sort();
    assert_eq!(
        published,
        [
            ("employee".to_owned(), 0),
            ("employee".to_owned(), 2),
            ("partner".to_owned(), 4)
        ]
    );
}

async fn an_assessment_that_is_not_open_takes_no_import(store: Store) {
    let user = uploader(&store).await;
    let org = store
        .create_organization(&organization("Acme"), &user.id)
        .await
        .unwrap();
    let version = store
        .store_model_version(&builtin_model(), simm_core::BUILTIN_MODEL_SOURCE)
        .await
        .unwrap();
    let draft = store
        .create_assessment(&org.id, "draft", &version.id)
        .await
        .unwrap();
    let (closed, _) = open_assessment(&store, &[]).await;
    store.close_assessment(&closed).await.unwrap();
    for assessment in [&draft.id, &closed, &"missing".to_owned()] {
        let outcome = store
            .import_responses(assessment, "csv", &user.id, &[response("partner", 3)])
            .await
            .unwrap();
        assert_eq!(outcome, ImportOutcome::NotOpen, "{assessment}");
        assert!(store.imports(assessment).await.unwrap().is_empty());
        let pending = store.pending_counts(assessment).await.unwrap();
        assert_eq!((pending.answering, pending.blank), (0, 0));
    }
}

async fn a_failed_import_leaves_no_row_and_no_record(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let (assessment, _) = open_assessment(&store, &[]).await;
    let user = uploader(&store).await;
    // The database refuses the third row, after two were inserted.
    let refuse = if url.starts_with("sqlite:") {
        vec![
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON pending_responses
             WHEN NEW.attributes LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'boom'); END",
        ]
    } else {
        vec![
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.attributes LIKE '%boom%' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON pending_responses
             FOR EACH ROW EXECUTE FUNCTION refuse_boom()",
        ]
    };
    execute_raw(url, &refuse).await;
    let rows = [
        response("partner", 4),
        response("employee", 2),
        response("boom", 1),
    ];
    store
        .import_responses(&assessment, "csv", &user.id, &rows)
        .await
        .expect_err("the third row is refused");
    assert!(store.imports(&assessment).await.unwrap().is_empty());
    let pending = store.pending_counts(&assessment).await.unwrap();
    assert_eq!((pending.answering, pending.blank), (0, 0));
    // The same rows without the refused one go in.
    let outcome = store
        .import_responses(&assessment, "csv", &user.id, &rows[..2])
        .await
        .unwrap();
    assert!(matches!(outcome, ImportOutcome::Imported(ref r) if r.rows == 2));
}
