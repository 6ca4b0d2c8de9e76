//! The e-mail outbox survives a SIGKILL (issue 12): a real `simm serve`
//! sends invitations to the mail sink that `scripts/smtp-sink` runs on
//! loopback, is killed without warning while it sends, and a second
//! process on the same database sends the rest. No one gets a message
//! twice; everyone whose message is recorded sent got it exactly once;
//! and at most the one message in the dead sender's hands is left in
//! doubt, which is never sent again.

use simm_store::{
    EmailKind, NewEmailRecipient, NewEmailTemplate, OutboxState, QueueOutcome, Role, Store,
    hash_token, new_id, new_token,
};
use std::collections::BTreeMap;

#[path = "support/server.rs"]
mod server;

use server::Server;

const MESSAGES: usize = 60;
/// Kill the first server once this many messages have arrived.
const KILL_AFTER: usize = 15;

#[path = "../../simm-mail/tests/support/mail_sink.rs"]
mod mail_sink;
use mail_sink::MailSink;

/// How many messages the sink holds for each address of `domain`.
fn delivered(sink: &MailSink, domain: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in std::fs::read_dir(&sink.maildir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for line in text.lines().take_while(|line| !line.is_empty()) {
            if let Some(to) = line.strip_prefix("X-Sink-To: ")
                && to.ends_with(domain)
            {
                *counts.entry(to.to_owned()).or_default() += 1;
            }
        }
    }
    counts
}

/// Waits, a bounded number of rounds, until `condition` holds: the
/// server sends on its own, at its own pace.
async fn until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1200 {
        if condition().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn queue_invitations(store: &Store, domain: &str) -> String {
    let user = store
        .create_user("consultant@example.com", "hash", Role::Consultant)
        .await
        .unwrap();
    let assessment = server::open_assessment(store, &user, "Outbox", &[]).await;
    let recipients: Vec<NewEmailRecipient> = (0..MESSAGES)
        .map(|n| {
            let token = new_token();
            let address = format!("person{n}@{domain}");
            NewEmailRecipient {
                address_key: address.clone(),
                address,
                token_hash: hash_token(&token),
                token,
                attributes: BTreeMap::new(),
            }
        })
        .collect();
    let template = NewEmailTemplate {
        kind: EmailKind::Invitation,
        subject: "{organization}".into(),
        body: "{link}".into(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let outcome = store
        .queue_email_invitations(&assessment, &template, &recipients, now)
        .await
        .unwrap();
    assert_eq!(outcome, QueueOutcome::Queued(MESSAGES as u64));
    assessment
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_resumes_after_a_sigkill_without_sending_any_message_twice() {
    let sink = MailSink::required();
    let folder = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("outbox");
    std::fs::create_dir_all(&folder).unwrap();
    let database = format!(
        "sqlite://{}",
        folder.join(format!("{}.db", new_id())).display()
    );
    let domain = format!("{}.outbox.example", &new_id()[..12]);
    let store = Store::connect(&database).await.unwrap();
    let assessment = queue_invitations(&store, &domain).await;

    let args = [
        "--smtp-url",
        sink.url.as_str(),
        "--smtp-from",
        "simm@outbox.example",
        "--smtp-rate",
        "20",
    ];
    let env = [("SIMM_SMTP_PASSWORD", sink.password.as_str())];
    let mut first = Server::start_with(&database, &args, &env);
    until("the first server sent some", || {
        let sent: usize = delivered(&sink, &domain).values().sum();
        async move { sent >= KILL_AFTER }
    })
    .await;
    first.kill();
    let at_kill: usize = delivered(&sink, &domain).values().sum();
    assert!(
        at_kill < MESSAGES,
        "the first server sent everything before it was killed ({at_kill})"
    );

    let second = Server::start_with(&database, &args, &env);
    // Done when nothing is queued and at most one message is claimed: the
    // dead sender's. The live one claims one at a time, so two claimed
    // means it is still handing one over.
    until(
        "nothing is queued and only the dead sender's claim is left",
        || async {
            let counts = store.email_counts(&assessment).await.unwrap();
            let of = |state: OutboxState| {
                counts
                    .iter()
                    .filter(|c| c.state == state)
                    .map(|c| c.messages)
                    .sum::<i64>()
            };
            of(OutboxState::Queued) == 0 && of(OutboxState::Sending) <= 1
        },
    )
    .await;
    let rows = store.email_recipients(&assessment).await.unwrap();
    let sent: Vec<&str> = rows
        .iter()
        .filter(|row| row.latest_state == OutboxState::Sent)
        .map(|row| row.address.as_str())
        .collect();
    until("every message recorded sent arrived", || {
        let counts = delivered(&sink, &domain);
        let arrived = sent.iter().all(|address| counts.contains_key(*address));
        async move { arrived }
    })
    .await;
    drop(second);
    let counts = delivered(&sink, &domain);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    // The message the killed sender held, if any, is the only one not sent;
    // it is left for the lease to run out, never sent again.
    let in_doubt: Vec<_> = rows
        .iter()
        .filter(|row| row.latest_state != OutboxState::Sent)
        .collect();
    assert!(in_doubt.len() <= 1, "{} messages not sent", in_doubt.len());
    assert!(
        in_doubt
            .iter()
            .all(|row| row.latest_state == OutboxState::Sending)
    );
    assert_eq!(sent.len() + in_doubt.len(), MESSAGES);
    for address in &sent {
        assert_eq!(counts.get(*address), Some(&1), "{address}");
    }
    assert!(counts.len() >= sent.len() && counts.len() <= MESSAGES);
}
