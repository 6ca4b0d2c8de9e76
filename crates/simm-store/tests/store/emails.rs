//! Invitations by e-mail in the store: recipients queued whole, the
//! outbox's claims (each message to one sender only), retries, the lease
//! that stops a message from going out twice, reminders to those who have
//! not submitted only, and the addresses gone at close.

use std::collections::{BTreeMap, BTreeSet};

use simm_core::builtin_model;
use simm_store::{
    EmailKind, INTERRUPTED, InvitationState, NewEmailRecipient, NewEmailTemplate, OutboxState,
    QueueOutcome, SendOutcome, Store, hash_token, new_token,
};

use super::{database_bytes, open_assessment, save};
// For the scenarios the macros generate, which find them in `super`.
use super::{TestDatabase, postgres_store, sqlite_store, sqlite_url};

on_both_backends!(
    e_mail_invitations_are_queued_whole_once_per_address_and_only_while_open,
    a_claimed_message_is_sent_retried_or_failed_with_the_relay_answer,
    a_message_whose_sender_died_is_not_sent_again,
    reminders_go_only_to_those_who_have_not_submitted,
    concurrent_senders_never_claim_the_same_message,
);

on_both_backends_with_url!(closing_deletes_every_address_and_keeps_the_counts);

const NOW: i64 = 1_800_000_000;
const LEASE: i64 = 300;

fn template(kind: EmailKind) -> NewEmailTemplate {
    NewEmailTemplate {
        kind,
        subject: "Your view, {organization}".into(),
        body: "Hello\n\n{link}".into(),
    }
}

fn recipient(address: &str, role: &str) -> NewEmailRecipient {
    let token = new_token();
    NewEmailRecipient {
        address: address.into(),
        address_key: address.to_lowercase(),
        token_hash: hash_token(&token),
        token,
        attributes: BTreeMap::from([("role".to_owned(), role.to_owned())]),
    }
}

async fn queue(store: &Store, assessment: &str, addresses: &[&str]) -> QueueOutcome {
    let recipients: Vec<_> = addresses.iter().map(|a| recipient(a, "employee")).collect();
    store
        .queue_email_invitations(
            assessment,
            &template(EmailKind::Invitation),
            &recipients,
            NOW,
        )
        .await
        .unwrap()
}

/// Claims every due message and marks each sent; the addresses, sorted.
async fn send_all(store: &Store, now: i64) -> Vec<String> {
    let mut sent = Vec::new();
    while let Some(claimed) = store.claim_email(now, LEASE).await.unwrap() {
        assert!(
            store
                .finish_email(&claimed.outbox_id, &SendOutcome::Sent, now)
                .await
                .unwrap()
        );
        sent.push(claimed.address);
    }
    sent.sort();
    sent
}

async fn e_mail_invitations_are_queued_whole_once_per_address_and_only_while_open(store: Store) {
    let (assessment, _) = open_assessment(&store, &[]).await;
    assert_eq!(
        queue(
            &store,
            &assessment,
            &["ana@acme.example", "bob@acme.example"]
        )
        .await,
        QueueOutcome::Queued(2)
    );
    let participation = store.participation(&assessment).await.unwrap();
    assert_eq!(
        participation.iter().map(|row| row.invitations).sum::<i64>(),
        2
    );
    // One address already invited (in another case) refuses the whole
    // batch: the new address is not stored either.
    assert_eq!(
        queue(
            &store,
            &assessment,
            &["cy@acme.example", "ANA@acme.example"]
        )
        .await,
        QueueOutcome::AlreadyInvited("ANA@acme.example".into())
    );
    let rows = store.email_recipients(&assessment).await.unwrap();
    let addresses: Vec<&str> = rows.iter().map(|row| row.address.as_str()).collect();
    assert_eq!(addresses, ["ana@acme.example", "bob@acme.example"]);
    assert!(
        rows.iter()
            .all(|row| row.latest_state == OutboxState::Queued
                && row.latest_kind == EmailKind::Invitation
                && row.invitation_state == InvitationState::Pending)
    );
    assert_eq!(rows[0].attributes["role"], "employee");

    let draft = {
        let existing = store.assessment(&assessment).await.unwrap().unwrap();
        store
            .create_assessment(
                &existing.organization_id,
                "draft",
                &existing.model_version_id,
            )
            .await
            .unwrap()
    };
    assert_eq!(
        queue(&store, &draft.id, &["dee@acme.example"]).await,
        QueueOutcome::NotOpen
    );
    assert!(store.email_recipients(&draft.id).await.unwrap().is_empty());
}

async fn a_claimed_message_is_sent_retried_or_failed_with_the_relay_answer(store: Store) {
    let (assessment, _) = open_assessment(&store, &[]).await;
    queue(&store, &assessment, &["ana@acme.example"]).await;
    assert_eq!(store.next_email_due().await.unwrap(), Some(NOW));
    // Not due before it was queued.
    assert!(store.claim_email(NOW - 1, LEASE).await.unwrap().is_none());

    let claimed = store.claim_email(NOW, LEASE).await.unwrap().unwrap();
    assert_eq!((claimed.kind, claimed.attempt), (EmailKind::Invitation, 1));
    assert_eq!(claimed.address, "ana@acme.example");
    assert_eq!(claimed.organization_name, "Acme");
    assert_eq!(claimed.subject, "Your view, {organization}");
    let token = claimed.link_token.clone();
    let invitation = store
        .invitation_by_token(&hash_token(&token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invitation.assessment_id, assessment);
    // Claimed: no other sender gets it.
    assert!(store.claim_email(NOW, LEASE).await.unwrap().is_none());

    let retry = SendOutcome::Retry {
        error: "451 4.3.0 try again later".into(),
        at: NOW + 60,
    };
    assert!(
        store
            .finish_email(&claimed.outbox_id, &retry, NOW)
            .await
            .unwrap()
    );
    let row = &store.email_recipients(&assessment).await.unwrap()[0];
    assert_eq!((row.latest_state, row.attempts), (OutboxState::Queued, 1));
    assert_eq!(row.error.as_deref(), Some("451 4.3.0 try again later"));
    assert!(store.claim_email(NOW + 59, LEASE).await.unwrap().is_none());

    let again = store.claim_email(NOW + 60, LEASE).await.unwrap().unwrap();
    assert_eq!(
        (again.outbox_id.as_str(), again.attempt),
        (claimed.outbox_id.as_str(), 2)
    );
    let failed = SendOutcome::Failed {
        error: "550 5.1.1 mailbox unavailable".into(),
    };
    assert!(
        store
            .finish_email(&again.outbox_id, &failed, NOW + 60)
            .await
            .unwrap()
    );
    // Finishing twice changes nothing.
    assert!(
        !store
            .finish_email(&again.outbox_id, &SendOutcome::Sent, NOW + 61)
            .await
            .unwrap()
    );
    let row = &store.email_recipients(&assessment).await.unwrap()[0];
    assert_eq!((row.latest_state, row.attempts), (OutboxState::Failed, 2));
    assert_eq!(row.error.as_deref(), Some("550 5.1.1 mailbox unavailable"));
    assert_eq!(row.invited_at, None);
    assert_eq!(store.next_email_due().await.unwrap(), None);

    queue(&store, &assessment, &["bob@acme.example"]).await;
    assert_eq!(send_all(&store, NOW + 100).await, ["bob@acme.example"]);
    let rows = store.email_recipients(&assessment).await.unwrap();
    assert_eq!(
        (rows[1].latest_state, rows[1].invited_at),
        (OutboxState::Sent, Some(NOW + 100))
    );
    let counts: BTreeMap<(EmailKind, OutboxState), i64> = store
        .email_counts(&assessment)
        .await
        .unwrap()
        .into_iter()
        .map(|count| ((count.kind, count.state), count.messages))
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([
            ((EmailKind::Invitation, OutboxState::Sent), 1),
            ((EmailKind::Invitation, OutboxState::Failed), 1)
        ])
    );
}

async fn a_message_whose_sender_died_is_not_sent_again(store: Store) {
    let (assessment, _) = open_assessment(&store, &[]).await;
    queue(
        &store,
        &assessment,
        &["ana@acme.example", "bob@acme.example"],
    )
    .await;
    let first = store.claim_email(NOW, LEASE).await.unwrap().unwrap();
    // The sender dies here. Within the lease, the other message is the only
    // one to claim; after it, the dead sender's message is failed, not
    // claimed again.
    let second = store.claim_email(NOW + 1, LEASE).await.unwrap().unwrap();
    assert_ne!(first.outbox_id, second.outbox_id);
    assert!(
        store
            .finish_email(&second.outbox_id, &SendOutcome::Sent, NOW + 1)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_email(NOW + LEASE + 1, LEASE)
            .await
            .unwrap()
            .is_none()
    );
    let rows = store.email_recipients(&assessment).await.unwrap();
    let dead = rows
        .iter()
        .find(|row| row.address == first.address)
        .unwrap();
    assert_eq!(dead.latest_state, OutboxState::Failed);
    assert_eq!(dead.error.as_deref(), Some(INTERRUPTED));
    // A late answer from the dead sender changes nothing.
    assert!(
        !store
            .finish_email(&first.outbox_id, &SendOutcome::Sent, NOW + LEASE + 2)
            .await
            .unwrap()
    );
}

async fn reminders_go_only_to_those_who_have_not_submitted(store: Store) {
    let (assessment, _) = open_assessment(&store, &[]).await;
    queue(
        &store,
        &assessment,
        &[
            "ana@acme.example",
            "bob@acme.example",
            "cy@acme.example",
            "dee@acme.example",
        ],
    )
    .await;
    // dee's invitation is still queued when the reminders are made: she
    // gets no reminder on top of it.
    let mut claimed = Vec::new();
    while let Some(message) = store.claim_email(NOW, LEASE).await.unwrap() {
        claimed.push(message);
    }
    for message in &claimed {
        let outcome = if message.address == "dee@acme.example" {
            SendOutcome::Retry {
                error: "451".into(),
                at: NOW + 3600,
            }
        } else {
            SendOutcome::Sent
        };
        store
            .finish_email(&message.outbox_id, &outcome, NOW)
            .await
            .unwrap();
    }
    let invitation = |address: &str| {
        let token = claimed
            .iter()
            .find(|m| m.address == address)
            .unwrap()
            .link_token
            .clone();
        let store = store.clone();
        async move {
            store
                .invitation_by_token(&hash_token(&token))
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    // ana submits; bob starts answering; cy does nothing.
    let model = builtin_model();
    let items: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    let ana = invitation("ana@acme.example").await;
    store
        .save_answer(save(&ana, items[0], Some(4)))
        .await
        .unwrap();
    store.submit(&ana, &items).await.unwrap();
    let bob = invitation("bob@acme.example").await;
    store
        .save_answer(save(&bob, items[0], Some(2)))
        .await
        .unwrap();

    let queued = store
        .queue_reminders(&assessment, &template(EmailKind::Reminder), NOW + 10)
        .await
        .unwrap();
    assert_eq!(queued, Some(2));
    // A second press before they went out adds none.
    assert_eq!(
        store
            .queue_reminders(&assessment, &template(EmailKind::Reminder), NOW + 11)
            .await
            .unwrap(),
        Some(0)
    );
    // bob submits before his reminder goes out: it is dropped unsent.
    store.submit(&bob, &items).await.unwrap();
    assert_eq!(send_all(&store, NOW + 20).await, ["cy@acme.example"]);
    let rows = store.email_recipients(&assessment).await.unwrap();
    let reminded: Vec<(&str, i64)> = rows
        .iter()
        .map(|r| (r.address.as_str(), r.reminders_sent))
        .collect();
    assert_eq!(
        reminded,
        [
            ("ana@acme.example", 0),
            ("bob@acme.example", 0),
            ("cy@acme.example", 1),
            ("dee@acme.example", 0)
        ]
    );
    let states: Vec<InvitationState> = rows.iter().map(|r| r.invitation_state).collect();
    assert_eq!(
        states,
        [
            InvitationState::Submitted,
            InvitationState::Submitted,
            InvitationState::Pending,
            InvitationState::Pending
        ]
    );
}

async fn concurrent_senders_never_claim_the_same_message(store: Store) {
    let (assessment, _) = open_assessment(&store, &[]).await;
    let addresses: Vec<String> = (0..40).map(|n| format!("person{n}@acme.example")).collect();
    let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
    queue(&store, &assessment, &refs).await;
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(claimed) = store.claim_email(NOW, LEASE).await.unwrap() {
                    store
                        .finish_email(&claimed.outbox_id, &SendOutcome::Sent, NOW)
                        .await
                        .unwrap();
                    mine.push(claimed.address);
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for sender in senders {
        all.extend(sender.await.unwrap());
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (40, 40));
}

async fn closing_deletes_every_address_and_keeps_the_counts(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let (assessment, _) = open_assessment(&store, &[]).await;
    let addresses = [
        "first.person@needle-acme.example",
        "second.person@needle-acme.example",
    ];
    queue(&store, &assessment, &addresses).await;
    let claimed = store.claim_email(NOW, LEASE).await.unwrap().unwrap();
    store
        .finish_email(&claimed.outbox_id, &SendOutcome::Sent, NOW)
        .await
        .unwrap();
    let token = claimed.link_token.clone();
    store
        .release(&assessment, true, |pending| {
            simm_store::ReleasePlan::Publish(vec![None; pending.len()])
        })
        .await
        .unwrap();
    assert!(
        store
            .email_recipients(&assessment)
            .await
            .unwrap()
            .is_empty()
    );
    let counts: Vec<(EmailKind, OutboxState, i64)> = store
        .email_counts(&assessment)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.state, c.messages))
        .collect();
    assert_eq!(
        counts,
        [
            (EmailKind::Invitation, OutboxState::Queued, 1),
            (EmailKind::Invitation, OutboxState::Sent, 1)
        ]
    );
    store.close().await;
    let bytes = database_bytes(url).await;
    for needle in ["needle-acme", token.as_str()] {
        assert!(
            !bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes()),
            "{needle:?} is still in the database's bytes"
        );
    }
}
