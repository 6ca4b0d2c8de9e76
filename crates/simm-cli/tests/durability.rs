//! Nothing acknowledged is lost: the real `simm serve` binary takes answers
//! from many concurrent respondents, is killed with SIGKILL in mid-stream,
//! restarts, and still has every answer it acknowledged with a 2xx.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use simm_store::{Role, Store, new_id, new_token};
use tokio::sync::{Mutex, Notify};

#[path = "support/server.rs"]
mod server;

use server::Server;

const RESPONDENTS: usize = 64;

/// Acknowledged answers: (token, item) → (value, round).
type Acknowledged = HashMap<(String, String), (u8, u8)>;
/// Kill the server once this many answers have been acknowledged, while
/// the clients are still sending.
const KILL_AFTER: usize = 1500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_answers_survive_sigkill() {
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("durability");
    std::fs::create_dir_all(&folder).unwrap();
    let database = format!(
        "sqlite://{}",
        folder.join(format!("{}.db", new_id())).display()
    );

    // Set up an open assessment with invitations, then let go of the file.
    let tokens: Vec<String> = (0..RESPONDENTS).map(|_| new_token()).collect();
    {
        let store = Store::connect(&database).await.unwrap();
        let user = store
            .create_user("c@example.com", "unused", Role::Consultant)
            .await
            .unwrap();
        server::open_assessment(&store, &user, "Durability", &tokens).await;
        store.close().await;
    }

    let mut server = Server::start(&database);
    let address = server.address.clone();
    let items: Vec<String> = simm_core::builtin_model()
        .items()
        .iter()
        .map(|i| i.id.to_string())
        .collect();
    let acknowledged: Arc<Mutex<Acknowledged>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    // Told once KILL_AFTER answers have been acknowledged.
    let enough = Arc::new(Notify::new());
    let client = reqwest::Client::new();
    let mut clients = tokio::task::JoinSet::new();
    for (respondent, token) in tokens.iter().enumerate() {
        let (client, address, token, items) = (
            client.clone(),
            address.clone(),
            token.clone(),
            items.clone(),
        );
        let (acknowledged, count, enough) = (acknowledged.clone(), count.clone(), enough.clone());
        clients.spawn(async move {
            // Each respondent answers every item, twice over with changed
            // values, so the stream outlasts the kill.
            for round in 0..2u8 {
                for (index, item) in items.iter().enumerate() {
                    let value = ((respondent + index + usize::from(round)) % 5 + 1) as u8;
                    let url = format!("{address}/api/v1/r/{token}/answers/{item}");
                    match client
                        .put(url)
                        .json(&serde_json::json!({ "value": value }))
                        .send()
                        .await
                    {
                        Ok(response) if response.status().is_success() => {
                            acknowledged
                                .lock()
                                .await
                                .insert((token.clone(), item.clone()), (value, round));
                            if count.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                                // Kept as a permit if the test is not
                                // waiting yet.
                                enough.notify_one();
                            }
                        }
                        Ok(response) => {
                            panic!("the server refused an answer: {}", response.status())
                        }
                        // The server is gone: this client stops.
                        Err(_) => return,
                    }
                }
            }
        });
    }
    // Wait for enough acknowledgements, then kill without warning.
    tokio::select! {
        () = enough.notified() => {}
        () = async {
            while let Some(finished) = clients.join_next().await {
                finished.unwrap();
            }
        } => panic!("the clients finished before the kill; raise the work per client"),
    }
    server.kill();
    while let Some(finished) = clients.join_next().await {
        finished.unwrap();
    }
    let acknowledged = acknowledged.lock().await.clone();
    assert!(
        acknowledged.len() >= KILL_AFTER.min(RESPONDENTS * items.len()) / 2,
        "{} answers",
        acknowledged.len()
    );

    // Restart on the same file and read every answer back through the
    // respondent API.
    let mut server = Server::start(&database);
    let mut missing = Vec::new();
    for token in &tokens {
        let body = server.questionnaire(&client, token).await;
        for ((answered_token, item), (value, round)) in &acknowledged {
            if answered_token != token {
                continue;
            }
            // The first round's answer may since have been replaced by the
            // second round's, whose write was cut off before its
            // acknowledgement; the last round's answer must be exact.
            let stored = body["answers"][item].as_u64();
            let exact = stored == Some(u64::from(*value));
            let replaced = *round == 0 && stored.is_some_and(|s| s != u64::from(*value));
            if !(exact || replaced) {
                missing.push(format!(
                    "{item}={value} (round {round}) but stored {stored:?}"
                ));
            }
        }
    }
    server.kill();
    assert!(
        missing.is_empty(),
        "{} acknowledged answers were lost: {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );

    let pool = sqlx::SqlitePool::connect(&database).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
}
