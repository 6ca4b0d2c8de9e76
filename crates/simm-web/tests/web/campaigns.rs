//! Invitations by e-mail through a real SMTP server: the mail sink that
//! `scripts/smtp-sink` starts on loopback (aiosmtpd with STARTTLS and
//! AUTH). The tests read the delivered messages, follow their links to
//! answer, and check who gets reminders, the relay's answers, and that two
//! servers on one database send each message once.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use simm_store::{Role, new_id};

use crate::api::{call, organization_with_assessment};
use crate::{Backend, MailSink, TestApp, serve_app, spawn_app, spawn_app_on, spawn_app_with};

/// Waits, a bounded time, until `condition` gives a value: messages are
/// delivered by the server's sender, which runs on its own.
pub async fn eventually<T, F, Fut>(what: &str, mut condition: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = condition().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `address` has `count` messages, and returns them.
pub async fn wait_for(
    sink: &MailSink,
    address: &str,
    count: usize,
) -> Vec<crate::mail_sink::Delivered> {
    eventually(&format!("{count} messages to {address}"), || {
        let delivered = sink.delivered_to(address);
        async move { (delivered.len() >= count).then_some(delivered) }
    })
    .await
}

/// Addresses no other test uses, in a domain of their own.
fn addresses(names: &[&str]) -> Vec<String> {
    let domain = format!("{}.campaign.example", &new_id()[..12]);
    names
        .iter()
        .map(|name| format!("{name}@{domain}"))
        .collect()
}

/// An organisation with an open assessment; its id and the token.
pub async fn open_assessment(app: &TestApp) -> (String, String) {
    let token = app.api_token(Role::Consultant).await;
    let (_, assessment) = organization_with_assessment(app, &token).await;
    let (status, body) = call(
        app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/open"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (assessment, token)
}

async fn emails(app: &TestApp, token: &str, assessment: &str) -> Value {
    let (status, body) = call(
        app,
        Some(token),
        Method::GET,
        &format!("/api/v1/assessments/{assessment}/emails"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Each address's state in the e-mail list.
async fn states(app: &TestApp, token: &str, assessment: &str) -> BTreeMap<String, String> {
    emails(app, token, assessment).await["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["email"].as_str().unwrap().to_owned(),
                row["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Answers one item through the respondent API and submits.
async fn answer_and_submit(app: &TestApp, respondent: &str) {
    let (status, questionnaire) = call(
        app,
        None,
        Method::GET,
        &format!("/api/v1/r/{respondent}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{questionnaire}");
    answer_one(app, respondent).await;
    let (status, body) = call(
        app,
        None,
        Method::POST,
        &format!("/api/v1/r/{respondent}/submit"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn answer_one(app: &TestApp, respondent: &str) {
    let item = simm_core::builtin_model().items()[0].id.as_str().to_owned();
    let (status, body) = call(
        app,
        None,
        Method::PUT,
        &format!("/api/v1/r/{respondent}/answers/{item}"),
        Some(json!({"value": 4})),
    )
    .await;
    assert!(status == 200 || status == 204, "{status} {body}");
}

async fn invite(app: &TestApp, token: &str, assessment: &str, body: Value) -> (u16, Value) {
    call(
        app,
        Some(token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/invitations/email"),
        Some(body),
    )
    .await
}

async fn e_mailed_invitations_arrive_and_lead_to_the_questionnaire(app: TestApp) {
    let sink = MailSink::required();
    let (assessment, token) = open_assessment(&app).await;
    let to = addresses(&["ana", "bob", "cy"]);
    let (status, body) = invite(
        &app,
        &token,
        &assessment,
        json!({
            "recipients": [
                {"email": to[0], "attributes": {"role": "partner"}},
                {"email": to[1]},
                {"email": to[2], "attributes": {"role": "manager"}},
            ],
            "subject": "Your view on {organization}",
            "body": "Hello,\n\n{organization} <b>asks</b> for {assessment}.\n\n{link}\n\nGroups of at least {anonymity_min}.",
        }),
    )
    .await;
    assert_eq!((status, &body), (202, &json!({"queued": 3})));

    let ana = wait_for(&sink, &to[0], 1).await.remove(0);
    assert_eq!(ana.header("Subject"), Some("Your view on Acme"));
    assert_eq!(
        ana.header("From"),
        Some("\"Acme Consulting\" <simm@consulting.example>")
    );
    assert_eq!(ana.header("X-Sink-TLS"), Some("yes"));
    assert!(ana.raw.contains("multipart/alternative"));
    assert!(
        ana.decoded.contains("Acme <b>asks</b> for Baseline."),
        "{}",
        ana.decoded
    );
    assert!(
        ana.decoded
            .contains("Acme &lt;b&gt;asks&lt;/b&gt; for Baseline."),
        "{}",
        ana.decoded
    );
    assert!(
        ana.decoded.contains("Groups of at least 5."),
        "{}",
        ana.decoded
    );
    assert!(
        ana.decoded
            .contains(&format!("{}/r/{}", app.address, ana.token()))
    );
    assert!(ana.decoded.contains("deleted when the assessment closes"));
    let bob = wait_for(&sink, &to[1], 1).await.remove(0);
    let cy = wait_for(&sink, &to[2], 1).await.remove(0);
    let tokens = [ana.token(), bob.token(), cy.token()];
    assert!(tokens.iter().all(|t| t.len() == 64), "{tokens:?}");
    assert_ne!(tokens[0], tokens[1]);

    // The links open the questionnaire, with the attributes preset.
    answer_and_submit(&app, &tokens[0]).await;
    let (status, page) = call(&app, None, Method::GET, &format!("/r/{}", tokens[1]), None).await;
    assert_eq!(status, 200);
    assert!(
        page.as_str()
            .unwrap()
            .contains("deleted when the assessment closes"),
        "the first page says what becomes of the address"
    );
    let expected = BTreeMap::from([
        (to[0].clone(), "submitted".to_owned()),
        (to[1].clone(), "sent".to_owned()),
        (to[2].clone(), "sent".to_owned()),
    ]);
    assert_eq!(states(&app, &token, &assessment).await, expected);
    let list = emails(&app, &token, &assessment).await;
    assert_eq!(
        list["recipients"][0]["attributes"],
        json!({"role": "partner"})
    );
    assert_eq!(list["messages"]["invitation"]["sent"], 3);
    assert_eq!(list["addresses_deleted"], false);

    // The address never reaches the response; closing deletes it and keeps
    // the counts.
    let (status, _) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/close"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    // No address and no link is left anywhere in the database, whose
    // bytes are read whole: the SQLite file with its log, or a dump.
    let bytes = crate::database_bytes(&app.database_url).await;
    let domain = to[0].split('@').nth(1).unwrap().to_owned();
    for needle in [domain.as_str(), tokens[1].as_str()] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle:?} is still in the database"
        );
    }
    let list = emails(&app, &token, &assessment).await;
    assert_eq!(list["recipients"], json!([]));
    assert_eq!(list["addresses_deleted"], true);
    assert_eq!(list["messages"]["invitation"]["sent"], 3);
    // A closed assessment sends nothing more.
    let (status, body) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/reminders"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mailed_invitations_arrive_and_lead_to_the_questionnaire_on_sqlite() {
    e_mailed_invitations_arrive_and_lead_to_the_questionnaire(spawn_app().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mailed_invitations_arrive_and_lead_to_the_questionnaire_on_postgres() {
    e_mailed_invitations_arrive_and_lead_to_the_questionnaire(
        spawn_app_on(Backend::Postgres).await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_reach_only_those_who_have_not_submitted() {
    let sink = MailSink::required();
    let app = spawn_app().await;
    let (assessment, token) = open_assessment(&app).await;
    let to = addresses(&["done", "started", "silent"]);
    let recipients: Vec<Value> = to.iter().map(|email| json!({"email": email})).collect();
    let (status, _) = invite(&app, &token, &assessment, json!({"recipients": recipients})).await;
    assert_eq!(status, 202);
    let links: Vec<String> = {
        let mut links = Vec::new();
        for address in &to {
            links.push(wait_for(&sink, address, 1).await[0].token());
        }
        links
    };
    answer_and_submit(&app, &links[0]).await;
    answer_one(&app, &links[1]).await;

    let reminders = format!("/api/v1/assessments/{assessment}/reminders");
    let (status, body) = call(
        &app,
        Some(&token),
        Method::POST,
        &reminders,
        Some(json!({"subject": "Reminder from {organization}", "body": "Still time: {link}"})),
    )
    .await;
    assert_eq!((status, &body), (202, &json!({"queued": 2})));
    let started = wait_for(&sink, &to[1], 2).await;
    let silent = wait_for(&sink, &to[2], 2).await;
    assert_eq!(started[1].header("Subject"), Some("Reminder from Acme"));
    // The reminder carries the same link as the invitation.
    assert_eq!(started[1].token(), links[1]);
    assert_eq!(silent[1].token(), links[2]);
    eventually("the reminders marked sent", || {
        let (app, token, assessment) = (&app, &token, &assessment);
        async move {
            let list = emails(app, token, assessment).await;
            (list["messages"]["reminder"]["sent"] == 2).then_some(())
        }
    })
    .await;
    // Whoever submitted got the invitation only. Reading the sink once
    // the server recorded both reminders sent: any reminder to her would
    // have been handed over before that.
    assert_eq!(sink.delivered_to(&to[0]).len(), 1);
    let list = emails(&app, &token, &assessment).await;
    let reminded: Vec<i64> = list["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reminders_sent"].as_i64().unwrap())
        .collect();
    assert_eq!(reminded, [0, 1, 1]);
}

/// Each body is refused whole, with the message naming the first bad
/// entry; nothing is queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_recipients_and_templates_refuse_the_whole_batch() {
    let app = spawn_app().await;
    let (assessment, token) = open_assessment(&app).await;
    let to = addresses(&["one", "two"]);
    let (status, _) = invite(
        &app,
        &token,
        &assessment,
        json!({"recipients": [{"email": to[0]}]}),
    )
    .await;
    assert_eq!(status, 202);
    let check = |body: Value, expected: (u16, &'static str)| {
        let (app, token, assessment) = (&app, &token, &assessment);
        async move {
            let (status, answer) = invite(app, token, assessment, body.clone()).await;
            let message = answer["error"].as_str().unwrap_or_default().to_owned();
            assert_eq!(status, expected.0, "{body}: {answer}");
            assert!(message.contains(expected.1), "{body}: {message}");
        }
    };
    check(
        json!({"recipients": [{"email": to[1]}, {"email": "bob@"}]}),
        (400, "recipients[1].email: \"bob@\" is not an address"),
    )
    .await;
    check(
        json!({"recipients": [{"email": "a@b.example\r\nBcc: eve@c.example"}]}),
        (400, "recipients[0].email"),
    )
    .await;
    check(
        json!({"recipients": [{"email": to[1]}, {"email": to[1].to_uppercase()}]}),
        (400, "recipients[1].email: "),
    )
    .await;
    check(
        json!({"recipients": [{"email": to[1]}, {"email": to[0]}]}),
        (400, "recipients[1].email: "),
    )
    .await;
    check(json!({"recipients": [{"email": to[1], "attributes": {"rol": "partner"}}]}), (400, "recipients[0].attributes.rol: the model has no attribute \"rol\"; did you mean \"role\"?")).await;
    check(
        json!({"recipients": [{"email": to[1], "attributes": {"role": "parnter"}}]}),
        (400, "recipients[0].attributes.role"),
    )
    .await;
    check(
        json!({"recipients": []}),
        (400, "recipients: must hold 1 to"),
    )
    .await;
    check(
        json!({"recipients": [{"email": to[1]}], "body": "No link"}),
        (400, "body: must hold {link}"),
    )
    .await;
    check(
        json!({"recipients": [{"email": to[1]}], "subject": "Hi\r\nBcc: eve@c.example"}),
        (400, "subject: must not contain control characters"),
    )
    .await;
    check(json!({"recipients": [{"email": to[1]}], "body": "{link} from {organisation}"}), (400, "body line 1, column 13: \"{organisation}\" is not a placeholder; did you mean {organization}?")).await;
    let list = emails(&app, &token, &assessment).await;
    assert_eq!(list["recipients"].as_array().unwrap().len(), 1, "{list}");

    // A draft takes none; neither does a server without a relay.
    let (_, draft) = organization_with_assessment(&app, &token).await;
    check_status(&app, &token, &draft, 409, "while it is open").await;
    let without = spawn_app_with(Backend::Sqlite, |config| config.mail = None).await;
    let (assessment, token) = open_assessment(&without).await;
    check_status(&without, &token, &assessment, 409, "--smtp-url").await;
}

async fn check_status(app: &TestApp, token: &str, assessment: &str, status: u16, needle: &str) {
    let (got, body) = invite(
        app,
        token,
        assessment,
        json!({"recipients": [{"email": "x@y.example"}]}),
    )
    .await;
    assert_eq!(got, status, "{body}");
    assert!(body["error"].as_str().unwrap().contains(needle), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_address_shows_the_relay_answer_and_a_deferred_one_is_retried() {
    let sink = MailSink::required();
    let app = spawn_app().await;
    let (assessment, token) = open_assessment(&app).await;
    let to = addresses(&["reject-me", "tempfail-me"]);
    let (status, _) = invite(
        &app,
        &token,
        &assessment,
        json!({"recipients": [{"email": to[0]}, {"email": to[1]}]}),
    )
    .await;
    assert_eq!(status, 202);
    // The sink refuses "tempfail" twice with 451, then takes it.
    wait_for(&sink, &to[1], 1).await;
    let rows = eventually("both addresses settled", || {
        let (app, token, assessment) = (&app, &token, &assessment);
        async move {
            let list = emails(app, token, assessment).await;
            let rows = list["recipients"].as_array().unwrap().clone();
            rows.iter()
                .all(|r| r["state"] == "sent" || r["state"] == "failed")
                .then_some(rows)
        }
    })
    .await;
    assert_eq!(rows[0]["state"], "failed");
    assert!(
        rows[0]["error"].as_str().unwrap().contains("550"),
        "{}",
        rows[0]
    );
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(rows[1]["state"], "sent");
    assert_eq!(rows[1]["attempts"], 3);
    assert!(sink.delivered_to(&to[0]).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_shows_the_message_without_sending_it() {
    let app = spawn_app().await;
    let (assessment, token) = open_assessment(&app).await;
    let path = format!("/api/v1/assessments/{assessment}/invitations/email/preview");
    let (status, preview) = call(
        &app,
        Some(&token),
        Method::POST,
        &path,
        Some(json!({"subject": "{organization} <i>", "body": "Go: {link}"})),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["subject"], "Acme <i>");
    assert!(
        preview["text"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Go: {}/r/your-personal-link", app.address))
    );
    assert!(
        preview["html"]
            .as_str()
            .unwrap()
            .contains("<title>Acme &lt;i&gt;</title>")
    );
    let (status, preview) = call(
        &app,
        Some(&token),
        Method::POST,
        &path,
        Some(json!({"kind": "reminder"})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        preview["subject"]
            .as_str()
            .unwrap()
            .starts_with("Reminder: Acme")
    );
    let (status, preview) = call(
        &app,
        Some(&token),
        Method::POST,
        &path,
        Some(json!({"kind": "nudge"})),
    )
    .await;
    assert_eq!(status, 400, "{preview}");
    assert!(
        emails(&app, &token, &assessment).await["recipients"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// Two servers on one PostgreSQL database, both sending: every address
/// gets its invitation exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_send_each_message_once() {
    let sink = MailSink::required();
    let first = spawn_app_on(Backend::Postgres).await;
    let store = simm_store::Store::connect(&first.database_url)
        .await
        .unwrap();
    let second = serve_app(store, Backend::Postgres, first.database_url.clone(), |_| {}).await;
    let (assessment, token) = open_assessment(&first).await;
    let names: Vec<String> = (0..30).map(|n| format!("person{n}")).collect();
    let to = addresses(&names.iter().map(String::as_str).collect::<Vec<_>>());
    let recipients: Vec<Value> = to.iter().map(|email| json!({"email": email})).collect();
    let (status, _) = invite(
        &second,
        &token,
        &assessment,
        json!({"recipients": recipients}),
    )
    .await;
    assert_eq!(status, 202);
    eventually("every invitation sent", || {
        let (app, token, assessment) = (&first, &token, &assessment);
        async move {
            (emails(app, token, assessment).await["messages"]["invitation"]["sent"] == 30)
                .then_some(())
        }
    })
    .await;
    for address in &to {
        assert_eq!(sink.delivered_to(address).len(), 1, "{address}");
    }
}

/// The console's page: a CSV list with a bad row is refused whole, with
/// its row and column; a good one is sent; the preview shows the message;
/// the reminder button reminds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_page_sends_a_list_refuses_a_bad_one_whole_and_reminds() {
    let sink = MailSink::required();
    let app = spawn_app().await;
    let (assessment, token) = open_assessment(&app).await;
    let (client, email) = app.signed_in(Role::Consultant).await;
    let user = app.store.user_by_email(&email).await.unwrap().unwrap();
    let org = app
        .store
        .assessment(&assessment)
        .await
        .unwrap()
        .unwrap()
        .organization_id;
    app.store.grant_access(&org, &user.id).await.unwrap();
    let path = format!("/assessments/{assessment}/emails");
    let page = client
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let to = addresses(&["lee", "kim"]);
    let post = |parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let (app, client, path) = (&app, &client, &path);
        async move {
            let parts: Vec<(&str, Option<&str>, &[u8])> = parts
                .iter()
                .map(|(n, f, b)| (*n, *f, b.as_slice()))
                .collect();
            crate::uploads::post_multipart(app, client, None, path, &parts).await
        }
    };
    let form = |list: String, action: &'static str| {
        vec![
            ("csrf", None, csrf.clone().into_bytes()),
            ("list", Some("people.csv"), list.into_bytes()),
            ("subject", None, b"{organization} asks".to_vec()),
            ("body", None, b"Please answer: {link}".to_vec()),
            ("action", None, action.as_bytes().to_vec()),
        ]
    };
    let bad = format!("email,role\n{},partner\nnot-an-address,manger\n", to[0]);
    let (status, body) = post(form(bad, "send")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("people.csv:3:1: row 2, column &#34;email&#34;: &#34;not-an-address&#34; is not an address"), "{body}");
    assert!(
        body.contains("people.csv:3:2: row 2, column &#34;role&#34;"),
        "{body}"
    );
    assert!(
        emails(&app, &token, &assessment).await["recipients"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let good = format!("Email;Role\n{};partner\n{};\n", to[0], to[1]);
    let (status, body) = post(form(good.clone(), "preview")).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Acme asks") && body.contains("/r/your-personal-link"),
        "{body}"
    );
    assert!(
        emails(&app, &token, &assessment).await["recipients"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (status, body) = post(form(good, "send")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("2 invitations are queued"), "{body}");
    let lee = wait_for(&sink, &to[0], 1).await.remove(0);
    assert_eq!(lee.header("Subject"), Some("Acme asks"));
    wait_for(&sink, &to[1], 1).await;
    let list = emails(&app, &token, &assessment).await;
    let lee_row = list["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["email"] == to[0].as_str())
        .unwrap();
    assert_eq!(lee_row["attributes"], json!({"role": "partner"}));
    eventually("both invitations recorded sent", || {
        let (app, token, assessment) = (&app, &token, &assessment);
        async move {
            (emails(app, token, assessment).await["messages"]["invitation"]["sent"] == 2)
                .then_some(())
        }
    })
    .await;

    // Without the form's token nothing is sent; with it, both are reminded.
    let reminders = format!("/assessments/{assessment}/reminders");
    let refused = client
        .post(app.url(&reminders))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let reminded = client
        .post(app.url(&reminders))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(reminded.status(), 200);
    assert!(
        reminded
            .text()
            .await
            .unwrap()
            .contains("2 reminders are queued")
    );
    wait_for(&sink, &to[0], 2).await;
    wait_for(&sink, &to[1], 2).await;
    let page = client
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&to[0]) && page.contains("role: partner"),
        "{page}"
    );
}
