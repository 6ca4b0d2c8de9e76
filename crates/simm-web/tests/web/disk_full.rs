//! A full database disk (issue 8): every write is refused with a 503 and a
//! message that says what happened, as JSON on the API and as a page
//! elsewhere; once space is back, the same server takes writes and
//! sign-ins again, without a restart.
//!
//! The disk is a real one: SQLite on a small tmpfs that the test mounts
//! (the tests run as root) and fills with a ballast file. Where the
//! environment forbids mounting, the test runs on PostgreSQL instead, whose
//! commits fail with its disk-full error (SQLSTATE 53100) from deferred
//! triggers that the test adds and drops; it says so on stderr rather than
//! skipping.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::json;
use simm_store::{NewInvitation, NewOrganization, Role, Store, StoreError, hash_token, new_token};

use crate::{Backend, TestApp, TestDatabase, serve_app};

#[path = "../../../simm-store/tests/support/full_disk.rs"]
mod full_disk;
use full_disk::{Tmpfs, fill_ballast, inject_postgres_disk_full, lift_postgres_disk_full};

const DISK_FULL: &str = "the database disk is full; nothing was saved, try again later";

/// More requests than the pool has connections, so that each of them
/// serves a refused write.
const ROUNDS: usize = 24;

enum Disk {
    Tmpfs {
        _mount: Tmpfs,
        ballast: PathBuf,
    },
    /// The pool that adds and drops the triggers, and the test's database.
    Postgres {
        pool: sqlx::PgPool,
        _database: TestDatabase,
    },
}

impl Disk {
    async fn fill(&self, store: &Store, user_id: &str) {
        match self {
            Disk::Tmpfs { ballast, .. } => {
                fill_ballast(ballast);
                // Whatever room the database files had left goes too.
                let big = "x".repeat(5000);
                for n in 0..2000 {
                    let name = format!("filling-{n}-{big}");
                    match store
                        .create_organization(&organization(&name), user_id)
                        .await
                    {
                        Ok(_) => {}
                        Err(StoreError::DiskFull) => return,
                        Err(other) => panic!("while filling the disk: {other:?}"),
                    }
                }
                panic!("the store never reported the full disk");
            }
            Disk::Postgres { pool, .. } => inject_postgres_disk_full(pool).await,
        }
    }

    async fn free(&self) {
        match self {
            Disk::Tmpfs { ballast, .. } => std::fs::remove_file(ballast).unwrap(),
            Disk::Postgres { pool, .. } => lift_postgres_disk_full(pool).await,
        }
    }
}

fn organization(name: &str) -> NewOrganization {
    NewOrganization {
        name: name.into(),
        industry: None,
        size: None,
        country: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_503_until_space_is_back() {
    let (store, disk) = match Tmpfs::mount("8m") {
        Some(mount) => {
            let url = format!("sqlite://{}", mount.dir.join("simm.db").display());
            let ballast = mount.dir.join("ballast");
            let store = Store::connect(&url).await.unwrap();
            (
                (store, Backend::Sqlite, url),
                Disk::Tmpfs {
                    _mount: mount,
                    ballast,
                },
            )
        }
        None => {
            eprintln!(
                "this environment forbids mounting a tmpfs; the full disk is PostgreSQL's disk-full error instead"
            );
            let database = TestDatabase::create().await;
            let url = database.url().to_owned();
            let disk = Disk::Postgres {
                pool: sqlx::PgPool::connect(&url).await.unwrap(),
                _database: database,
            };
            (
                (Store::connect(&url).await.unwrap(), Backend::Postgres, url),
                disk,
            )
        }
    };
    let (store, backend, url) = store;
    let app = serve_app(store, backend, url, |_| {}).await;
    let (email, password) = app.add_user(Role::Consultant).await;
    let user = app.store.user_by_email(&email).await.unwrap().unwrap();
    let token = open_invitation(&app, &user.id).await;
    let item = simm_core::builtin_model().items()[0].id.to_string();
    let answer_url = app.url(&format!("/api/v1/r/{token}/answers/{item}"));
    let client = reqwest::Client::new();

    disk.fill(&app.store, &user.id).await;

    // On a real file system, a small write may still fit where a failed
    // one extended the WAL file before it ran out; so requests go on until
    // they are refused, and each is either saved or refused with a 503,
    // never anything else. More of them than the pool has connections.
    let mut refused = (0, 0);
    for round in 0..500 {
        // The API: a 503 with the message as JSON.
        let response = client
            .put(&answer_url)
            .json(&json!({ "value": round % 5 + 1 }))
            .send()
            .await
            .unwrap();
        if response.status() == 503 {
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json")
            );
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body, json!({ "error": DISK_FULL }), "answer #{round}");
            refused.0 += 1;
        } else {
            assert!(
                response.status().is_success(),
                "answer #{round} on a full disk: {}",
                response.status()
            );
        }

        // A page: signing in is a write too, refused with the same message.
        let response = app
            .client()
            .post(app.url("/login"))
            .form(&[("email", &email), ("password", &password)])
            .send()
            .await
            .unwrap();
        if response.status() == 503 {
            let page = response.text().await.unwrap();
            assert!(page.contains("<html"), "{page}");
            assert!(page.contains(DISK_FULL), "{page}");
            refused.1 += 1;
        } else {
            assert_eq!(response.status(), 303, "sign-in #{round} on a full disk");
        }
        if refused.0 >= ROUNDS && refused.1 >= ROUNDS {
            break;
        }
    }
    assert!(
        refused.0 >= ROUNDS && refused.1 >= ROUNDS,
        "{} answers and {} sign-ins refused on the full disk",
        refused.0,
        refused.1
    );

    disk.free().await;

    // The same server, without a restart.
    for round in 0..ROUNDS {
        let response = client
            .put(&answer_url)
            .json(&json!({ "value": round % 5 + 1 }))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "answer #{round} after space came back: {}",
            response.status()
        );
        let signed_in = app.client();
        let response = signed_in
            .post(app.url("/login"))
            .form(&[("email", &email), ("password", &password)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            303,
            "sign-in #{round} after space came back"
        );
        let home = signed_in.get(app.url("/")).send().await.unwrap();
        assert_eq!(home.status(), 200);
    }
}

/// An open assessment of the built-in model with one invitation; its token.
async fn open_invitation(app: &TestApp, user_id: &str) -> String {
    let organization = app
        .store
        .create_organization(&organization("Acme"), user_id)
        .await
        .unwrap();
    let assessment = app
        .store
        .create_assessment(&organization.id, "2026", &app.builtin_model_version)
        .await
        .unwrap();
    let token = new_token();
    app.store
        .create_invitations(
            &assessment.id,
            &[NewInvitation {
                token_hash: hash_token(&token),
                attributes: BTreeMap::new(),
            }],
        )
        .await
        .unwrap();
    app.store.open_assessment(&assessment.id, 5).await.unwrap();
    token
}
