//! `simm backup` copies the SQLite database of a running server under
//! write load, and `simm restore` puts the copy back: every answer
//! acknowledged before the backup began is in the restored database, and
//! answers acknowledged after it ended are not all there, so the restore
//! did replace the database. A restore is refused while a server uses the
//! database, and a bad backup is refused with the database left as it was.

#[path = "support/server.rs"]
mod server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use server::Server;
use simm_store::{Role, Store, new_id, new_token};
use tokio::sync::Notify;

const RESPONDENTS: usize = 48;
/// Start the backup once this many answers are acknowledged, well before
/// the clients are done.
const BACKUP_AFTER: usize = 300;

fn folder(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(name)
        .join(new_id());
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn simm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simm"))
        .args(args)
        .output()
        .expect("simm runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An open assessment of the built-in model with invitations; their
/// tokens. The store is closed again, so the server owns the file.
async fn open_assessment(database: &str, respondents: usize) -> Vec<String> {
    let tokens: Vec<String> = (0..respondents).map(|_| new_token()).collect();
    let store = Store::connect(database).await.unwrap();
    let user = store
        .create_user("c@example.com", "unused", Role::Consultant)
        .await
        .unwrap();
    server::open_assessment(&store, &user, "Backup", &tokens).await;
    store.close().await;
    tokens
}

/// Every stored answer, (token, item) → value, read through the
/// respondent API of a server on `database`.
async fn stored_answers(database: &str, tokens: &[String]) -> HashMap<(String, String), u64> {
    let mut server = Server::start(database);
    let client = reqwest::Client::new();
    let mut answers = HashMap::new();
    for token in tokens {
        let body = server.questionnaire(&client, token).await;
        for (item, value) in body["answers"].as_object().unwrap() {
            if let Some(value) = value.as_u64() {
                answers.insert((token.clone(), item.clone()), value);
            }
        }
    }
    server.kill();
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_answer_acknowledged_before_it() {
    let folder = folder("backup");
    let database = format!("sqlite://{}", folder.join("simm.db").display());
    let backup = folder.join("simm.backup.db");
    let tokens = open_assessment(&database, RESPONDENTS).await;
    let items: Vec<String> = simm_core::builtin_model()
        .items()
        .iter()
        .map(|i| i.id.to_string())
        .collect();
    let mut server = Server::start(&database);

    // Each respondent answers every item once, so an acknowledged answer
    // has one value the database must hold.
    let acknowledged: Arc<Mutex<HashMap<(String, String), u64>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let progress = Arc::new(Notify::new());
    let client = reqwest::Client::new();
    let mut clients = tokio::task::JoinSet::new();
    for (respondent, token) in tokens.iter().enumerate() {
        let (client, url, token, items) = (
            client.clone(),
            server.url("/api/v1/r/"),
            token.clone(),
            items.clone(),
        );
        let (acknowledged, count, progress) =
            (acknowledged.clone(), count.clone(), progress.clone());
        clients.spawn(async move {
            for (index, item) in items.iter().enumerate() {
                let value = ((respondent + index) % 5 + 1) as u64;
                let response = client
                    .put(format!("{url}{token}/answers/{item}"))
                    .json(&serde_json::json!({ "value": value }))
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                acknowledged
                    .lock()
                    .unwrap()
                    .insert((token.clone(), item.clone()), value);
                count.fetch_add(1, Ordering::SeqCst);
                progress.notify_one();
            }
        });
    }
    // A client that panics must fail the test, not leave it waiting.
    while count.load(Ordering::SeqCst) < BACKUP_AFTER {
        tokio::select! {
            () = progress.notified() => {}
            Some(finished) = clients.join_next() => finished.unwrap(),
        }
    }
    let before = acknowledged.lock().unwrap().clone();
    let arguments = [
        "backup".to_owned(),
        backup.display().to_string(),
        "--database".to_owned(),
        database.clone(),
    ];
    let backed_up = tokio::task::spawn_blocking(move || {
        simm(&arguments.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    let when_done = count.load(Ordering::SeqCst);
    assert!(
        backed_up.status.success(),
        "simm backup failed: {}",
        text(&backed_up.stderr)
    );
    assert!(text(&backed_up.stdout).contains("integrity checked"));
    let total = RESPONDENTS * items.len();
    assert!(
        when_done < total,
        "the clients were done before the backup ended; it ran under no load"
    );

    // The server still runs: a restore must be refused, and change nothing.
    let refused = simm(&[
        "restore",
        &backup.display().to_string(),
        "--database",
        &database,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("a simm process is using it"),
        "{}",
        text(&refused.stderr)
    );
    while let Some(finished) = clients.join_next().await {
        finished.unwrap();
    }
    server.kill();
    let everything = acknowledged.lock().unwrap().clone();
    assert_eq!(everything.len(), total);

    let restored = simm(&[
        "restore",
        &backup.display().to_string(),
        "--database",
        &database,
    ]);
    assert!(
        restored.status.success(),
        "simm restore failed: {}",
        text(&restored.stderr)
    );
    let stored = stored_answers(&database, &tokens).await;
    let lost: Vec<_> = before
        .iter()
        .filter(|(key, value)| stored.get(*key) != Some(*value))
        .collect();
    assert!(
        lost.is_empty(),
        "{} answers acknowledged before the backup began are not restored: {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    // Whatever the backup holds was sent, and it is not the database as
    // it was at the end: the restore replaced it.
    for (key, value) in &stored {
        assert_eq!(everything.get(key), Some(value), "{key:?}");
    }
    assert!(
        stored.len() < everything.len(),
        "the restored database has every answer, also those acknowledged after the backup"
    );
    std::fs::remove_dir_all(folder).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_backups_are_refused_and_the_database_stays_as_it_was() {
    let folder = folder("restore");
    let path = folder.join("simm.db");
    let database = format!("sqlite://{}", path.display());
    open_assessment(&database, 1).await;
    let good = folder.join("good.db");
    let made = simm(&[
        "backup",
        &good.display().to_string(),
        "--database",
        &database,
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));

    let not_sqlite = folder.join("notes.txt");
    std::fs::write(
        &not_sqlite,
        "these are not the data you are looking for\n".repeat(200),
    )
    .unwrap();
    let foreign = folder.join("foreign.db");
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", foreign.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let damaged = folder.join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    assert!(bytes.len() > 4 * page, "the backup has pages to damage");
    for byte in &mut bytes[page + 8..3 * page] {
        *byte = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let newer = folder.join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", newer.display()))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (9999, 'from the future', TRUE, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let missing = folder.join("missing.db");

    let before = std::fs::read(&path).unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            // The restore's lock file stays, as the server's does.
            .filter(|name| !name.ends_with("-lock"))
            .collect();
        names.sort();
        names
    };
    let files = listing();
    for (backup, expected) in [
        (&missing, "missing.db: no such database".to_owned()),
        (&not_sqlite, "notes.txt: not a SQLite database".to_owned()),
        (
            &foreign,
            "not a simm database: it has no table of simm's migrations".to_owned(),
        ),
        (&damaged, "damaged".to_owned()),
        (
            &newer,
            "it has migration 9999, which this simm does not know".to_owned(),
        ),
        (&path, "is the database itself".to_owned()),
    ] {
        let output = simm(&[
            "restore",
            &backup.display().to_string(),
            "--database",
            &database,
        ]);
        let stderr = text(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            backup.display()
        );
        // Damage shows either in the integrity check or when SQLite reads
        // the page that holds the schema.
        let matched = stderr.contains(&expected)
            || (expected == "damaged" && stderr.contains("not a SQLite database"));
        assert!(
            matched,
            "{}: expected {expected:?} in {stderr:?}",
            backup.display()
        );
        assert!(
            std::fs::read(&path).unwrap() == before,
            "{}: the database changed",
            backup.display()
        );
        assert_eq!(
            listing(),
            files,
            "{}: files were left behind",
            backup.display()
        );
    }

    // A backup never overwrites, and PostgreSQL is sent to its own tools.
    let exists = simm(&[
        "backup",
        &good.display().to_string(),
        "--database",
        &database,
    ]);
    assert_eq!(exists.status.code(), Some(2));
    assert!(
        text(&exists.stderr).contains("exists already"),
        "{}",
        text(&exists.stderr)
    );
    for command in ["backup", "restore"] {
        let output = simm(&[
            command,
            &good.display().to_string(),
            "--database",
            "postgres://simm@127.0.0.1:1/simm",
        ]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("pg_dump") && stderr.contains("pg_restore"),
            "{stderr}"
        );
    }
    let nothing = simm(&[
        "backup",
        &folder.join("other.db").display().to_string(),
        "--database",
        &format!("sqlite://{}", missing.display()),
    ]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(text(&nothing.stderr).contains("no such database"));
    assert!(
        !missing.exists(),
        "a backup created the database it was to copy"
    );

    // The good backup restores, over the database and into a new place.
    let restored = simm(&[
        "restore",
        &good.display().to_string(),
        "--database",
        &database,
    ]);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    let fresh = folder.join("fresh.db");
    let placed = simm(&[
        "restore",
        &good.display().to_string(),
        "--database",
        &format!("sqlite://{}", fresh.display()),
    ]);
    assert!(placed.status.success(), "{}", text(&placed.stderr));
    let store = Store::connect(&format!("sqlite://{}", fresh.display()))
        .await
        .unwrap();
    assert!(
        store
            .user_by_email("c@example.com")
            .await
            .unwrap()
            .is_some()
    );
    store.close().await;
    std::fs::remove_dir_all(folder).unwrap();
}
