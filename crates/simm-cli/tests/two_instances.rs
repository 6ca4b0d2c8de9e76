//! Several instances on one PostgreSQL (issue 8, section 4): two real
//! `simm serve` processes share one database and nothing else. A consultant
//! signs in through the first and carries on through the second with the
//! same session cookie and the CSRF token of either; respondents' answers
//! go alternately to both, through the JSON API and the page route the
//! script uses (respondent pages carry no CSRF token: the link's token is
//! their credential); the first instance is killed with SIGKILL in
//! mid-stream, its respondents carry on through the second, and every
//! acknowledged answer is found through the second.
//!
//! The database is created for the test on the server of
//! `SIMM_TEST_POSTGRES_URL` (set by `./scripts/test`) and dropped at the
//! end; without that variable the test fails.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use simm_store::{Role, Store, new_token};
use tokio::sync::{Mutex, Notify};

#[path = "support/server.rs"]
mod server;

use server::Server;

const RESPONDENTS: usize = 16;
/// Kill the first instance once this many answers have been acknowledged,
/// while the respondents are still answering.
const KILL_AFTER: usize = 200;

#[path = "../../simm-store/tests/support/postgres_database.rs"]
mod postgres_database;
use postgres_database::TestDatabase;

/// Waits until the server answers its health check, a bounded number of
/// tries.
async fn healthy(client: &reqwest::Client, server: &Server) {
    for _ in 0..100 {
        if let Ok(response) = client.get(server.url("/healthz")).send().await {
            assert_eq!(response.status(), 200);
            assert_eq!(response.text().await.unwrap(), "ok");
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("{} never answered /healthz", server.address);
}

fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("the page has a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The session cookie a sign-in sets, as a `Cookie` header value.
fn session_cookie(response: &reqwest::Response) -> String {
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .expect("signing in sets a cookie")
        .to_str()
        .unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

/// A page of the console, as the consultant with the cookie.
async fn page(client: &reqwest::Client, server: &Server, cookie: &str, path: &str) -> String {
    let response = client
        .get(server.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path} on {}", server.address);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_and_answers_and_survive_a_sigkill() {
    let database = TestDatabase::create().await;
    let email = "consultant@example.com";
    let password = "correct horse battery staple";
    let tokens: Vec<String> = (0..RESPONDENTS).map(|_| new_token()).collect();
    {
        let store = Store::connect(database.url()).await.unwrap();
        simm_web::accounts::add_user(&store, email, Role::Consultant, password)
            .await
            .unwrap();
        let user = store.user_by_email(email).await.unwrap().unwrap();
        server::open_assessment(&store, &user, "Two instances", &tokens).await;
        store.close().await;
    }

    let mut first = Server::start(database.url());
    let second = Arc::new(Server::start(database.url()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    healthy(&client, &first).await;
    healthy(&client, &second).await;

    // Signed in through the first instance, the consultant carries on
    // through the second: the session lives in the database.
    let response = client
        .post(first.url("/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        303,
        "signing in through the first instance"
    );
    let cookie = session_cookie(&response);
    let home = page(&client, &second, &cookie, "/").await;
    assert!(
        home.contains(email),
        "the second instance knows the session"
    );
    // A change made through the second with the CSRF token of a page of
    // the first, and the other way round.
    for (name, token_from, change_on) in [
        ("Made on the second", &first, &*second),
        ("Made on the first", &*second, &first),
    ] {
        let csrf = csrf_in(&page(&client, token_from, &cookie, "/").await);
        let response = client
            .post(change_on.url("/organizations"))
            .header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("name", name)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "creating {name:?}");
        for server in [&first, &*second] {
            assert!(page(&client, server, &cookie, "/").await.contains(name));
        }
    }

    // Respondents answer every item, alternately through both instances
    // and both surfaces; those whose instance is killed carry on through
    // the other.
    let items: Vec<String> = simm_core::builtin_model()
        .items()
        .iter()
        .map(|i| i.id.to_string())
        .collect();
    let first_address = first.address.clone();
    let acknowledged: Arc<Mutex<HashMap<(String, String), u8>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let enough = Arc::new(Notify::new());
    let mut respondents = tokio::task::JoinSet::new();
    for (respondent, token) in tokens.iter().enumerate() {
        let (client, token, items) = (client.clone(), token.clone(), items.clone());
        let (first_address, second) = (first_address.clone(), second.clone());
        let (acknowledged, count, killed, enough) = (
            acknowledged.clone(),
            count.clone(),
            killed.clone(),
            enough.clone(),
        );
        respondents.spawn(async move {
            let mut first_gone = false;
            for (index, item) in items.iter().enumerate() {
                let value = ((respondent + index) % 5 + 1) as u8;
                loop {
                    let on_first = (respondent + index) % 2 == 0 && !first_gone;
                    let address = if on_first {
                        &first_address
                    } else {
                        &second.address
                    };
                    let request = if index % 2 == 0 {
                        client
                            .put(format!("{address}/api/v1/r/{token}/answers/{item}"))
                            .json(&serde_json::json!({ "value": value }))
                    } else {
                        client
                            .post(format!("{address}/r/{token}/answer"))
                            .form(&[("item", item.as_str()), ("value", &value.to_string())])
                    };
                    match request.send().await {
                        Ok(response) if response.status().is_success() => {
                            acknowledged
                                .lock()
                                .await
                                .insert((token.clone(), item.clone()), value);
                            if count.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                                enough.notify_one();
                            }
                            break;
                        }
                        Ok(response) => panic!(
                            "{address} refused an answer: {} {}",
                            response.status(),
                            response.text().await.unwrap_or_default()
                        ),
                        // Only the killed instance may stop answering; the
                        // answer goes to the other.
                        Err(error) => {
                            assert!(
                                on_first && killed.load(Ordering::SeqCst),
                                "{address} failed before any kill: {error}"
                            );
                            first_gone = true;
                        }
                    }
                }
            }
        });
    }
    assert!(
        RESPONDENTS * items.len() > 2 * KILL_AFTER,
        "the stream must outlast the kill"
    );
    // A respondent that panics (a refused answer) must fail the test, not
    // leave it waiting for a notification that never comes.
    tokio::select! {
        () = enough.notified() => {}
        () = async {
            while let Some(finished) = respondents.join_next().await {
                finished.unwrap();
            }
        } => panic!("the respondents finished before the kill; raise the work per respondent"),
    }
    killed.store(true, Ordering::SeqCst);
    first.kill();
    while let Some(finished) = respondents.join_next().await {
        finished.unwrap();
    }

    // Every acknowledged answer, through the instance that is left; and
    // the session still holds there.
    let acknowledged = acknowledged.lock().await.clone();
    assert_eq!(acknowledged.len(), RESPONDENTS * items.len());
    let mut missing = Vec::new();
    for token in &tokens {
        let body = second.questionnaire(&client, token).await;
        for ((answered, item), value) in &acknowledged {
            if answered == token && body["answers"][item].as_u64() != Some(u64::from(*value)) {
                missing.push(format!("{item}={value}, stored {}", body["answers"][item]));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} acknowledged answers were not found: {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(page(&client, &second, &cookie, "/").await.contains(email));
}
