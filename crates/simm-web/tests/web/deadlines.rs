//! Deadlines and response rates (issue 12): a deadline set in its zone and
//! shown to respondents, assessments that close themselves at it exactly
//! once with two servers on one database, reminders scheduled before it,
//! and participation with the rates of each group against 60 % and 75 %.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use simm_store::Role;

use crate::api::call;
use crate::campaigns::{eventually, open_assessment};
use crate::{Backend, MailSink, TestApp, serve_app, spawn_app_with};

async fn put_deadline(app: &TestApp, token: &str, assessment: &str, body: Value) -> (u16, Value) {
    call(
        app,
        Some(token),
        Method::PUT,
        &format!("/api/v1/assessments/{assessment}/deadline"),
        Some(body),
    )
    .await
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Waits until the schedule of `app` has finished `rounds` more rounds.
async fn schedule_rounds(app: &TestApp, rounds: u64) {
    let target = app.state.schedule_ticks() + rounds;
    eventually("the schedule's next rounds", || {
        let done = app.state.schedule_ticks() >= target;
        async move { done.then_some(()) }
    })
    .await;
}

fn fast(config: &mut simm_web::Config) {
    config.schedule_every = Duration::from_millis(100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_is_read_in_its_zone_shown_to_respondents_and_refused_with_the_field() {
    let sink = MailSink::required();
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let (assessment, token) = open_assessment(&app).await;
    let (status, deadline) = put_deadline(
        &app,
        &token,
        &assessment,
        json!({"closes_at": "2030-12-15T17:00", "time_zone": "Europe/Berlin", "reminders": [1, 3]}),
    )
    .await;
    assert_eq!(status, 200, "{deadline}");
    // 17:00 in Berlin in December is 16:00 UTC (CET, UTC+1).
    assert_eq!(deadline["closes_at_utc"], "2030-12-15T16:00:00Z");
    assert_eq!(deadline["shown"], "15 December 2030, 17:00 (Europe/Berlin)");
    assert_eq!(
        deadline["reminders"],
        json!([
            {"days_before": 3, "due_at": "2030-12-12T16:00:00Z", "sent": false},
            {"days_before": 1, "due_at": "2030-12-14T16:00:00Z", "sent": false},
        ])
    );
    let check = |body: Value, needle: &'static str| {
        let (app, token, assessment) = (&app, &token, &assessment);
        async move {
            let (status, answer) = put_deadline(app, token, assessment, body.clone()).await;
            assert_eq!(status, 400, "{body}: {answer}");
            assert!(
                answer["error"].as_str().unwrap().contains(needle),
                "{body}: {answer}"
            );
        }
    };
    check(
        json!({"closes_at": "2030-12-15T17:00", "time_zone": "Europe/Berln"}),
        "time_zone: \"Europe/Berln\" is not a time zone",
    )
    .await;
    check(
        json!({"closes_at": "2020-01-01T00:00", "time_zone": "UTC"}),
        "closes_at: 1 January 2020, 00:00 (UTC) has passed",
    )
    .await;
    check(
        json!({"closes_at": "2030-03-31T02:30", "time_zone": "Europe/Berlin"}),
        "the clocks skip it",
    )
    .await;
    check(
        json!({"closes_at": "next friday", "time_zone": "UTC"}),
        "closes_at: \"next friday\" is not a local date and time",
    )
    .await;
    check(
        json!({"closes_at": "2030-12-15T17:00", "time_zone": "UTC", "reminders": [0]}),
        "reminders[0]: 0 is not a number of days from 1 to 60",
    )
    .await;
    check(
        json!({"closes_at": "2030-12-15T17:00", "time_zone": "UTC", "reminders": [2, 2]}),
        "reminders[1]: 2 is given twice",
    )
    .await;

    // Respondents read it on the first page, in the API and in messages.
    let to = format!("dee@{}.deadline.example", &simm_store::new_id()[..10]);
    let (status, _) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/invitations/email"),
        Some(json!({"recipients": [{"email": to}], "body": "Answer by {deadline}: {link}"})),
    )
    .await;
    assert_eq!(status, 202);
    let message = crate::campaigns::wait_for(&sink, &to, 1).await.remove(0);
    assert!(
        message
            .decoded
            .contains("Answer by 15 December 2030, 17:00 (Europe/Berlin): "),
        "{}",
        message.decoded
    );
    let respondent = message.token();
    let (_, page) = call(&app, None, Method::GET, &format!("/r/{respondent}"), None).await;
    assert!(
        page.as_str()
            .unwrap()
            .contains("Please answer by <strong>15 December 2030, 17:00 (Europe/Berlin)</strong>"),
        "{page}"
    );
    let (_, survey) = call(
        &app,
        None,
        Method::GET,
        &format!("/api/v1/r/{respondent}"),
        None,
    )
    .await;
    assert_eq!(
        survey["assessment"]["deadline"],
        "15 December 2030, 17:00 (Europe/Berlin)"
    );

    let (status, _) = call(
        &app,
        Some(&token),
        Method::DELETE,
        &format!("/api/v1/assessments/{assessment}/deadline"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, cleared) = call(
        &app,
        Some(&token),
        Method::GET,
        &format!("/api/v1/assessments/{assessment}/deadline"),
        None,
    )
    .await;
    assert_eq!(
        cleared,
        json!({"closes_at": null, "time_zone": null, "closes_at_utc": null, "shown": null, "reminders": []})
    );
    let (status, _) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/close"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = put_deadline(
        &app,
        &token,
        &assessment,
        json!({"closes_at": "2030-12-15T17:00", "time_zone": "UTC"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
}

/// Two servers on one PostgreSQL database both look at the deadlines; the
/// assessment closes once, with one closing release.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assessment_closes_itself_at_its_deadline_once_with_two_servers() {
    let first = spawn_app_with(Backend::Postgres, fast).await;
    let store = simm_store::Store::connect(&first.database_url)
        .await
        .unwrap();
    let second = serve_app(store, Backend::Postgres, first.database_url.clone(), fast).await;
    let (assessment, token) = open_assessment(&first).await;
    // Enough responses for the closing release to publish them.
    let (status, made) = call(
        &first,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/invitations"),
        Some(json!({"count": 6})),
    )
    .await;
    assert_eq!(status, 201);
    let item = simm_core::builtin_model().items()[0].id.to_string();
    for invitation in made["invitations"].as_array().unwrap() {
        let respondent = invitation["token"].as_str().unwrap();
        let (status, _) = call(
            &first,
            None,
            Method::PUT,
            &format!("/api/v1/r/{respondent}/answers/{item}"),
            Some(json!({"value": 3})),
        )
        .await;
        assert!(status < 300);
        let (status, _) = call(
            &second,
            None,
            Method::POST,
            &format!("/api/v1/r/{respondent}/submit"),
            None,
        )
        .await;
        assert_eq!(status, 200);
    }
    // The deadline passes as the servers run: set a second ago, past the
    // API's rule that a new deadline is in the future.
    assert!(
        second
            .store
            .set_deadline(&assessment, now() - 1, "UTC", &[], now())
            .await
            .unwrap()
    );
    eventually("the assessment closed at its deadline", || {
        let store = first.store.clone();
        let assessment = assessment.clone();
        async move {
            let found = store.assessment(&assessment).await.unwrap().unwrap();
            (found.state == simm_store::AssessmentState::Closed).then_some(())
        }
    })
    .await;
    // Both servers look again: neither closes it a second time.
    schedule_rounds(&first, 3).await;
    schedule_rounds(&second, 3).await;
    let closing: Vec<_> = first
        .store
        .releases(&assessment)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.at_close)
        .collect();
    assert_eq!(closing.len(), 1, "{closing:?}");
    assert_eq!(closing[0].released, 6);
}

/// A reminder scheduled three days before the deadline goes when that day
/// has come, once, to those who have not submitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_reminder_goes_once_on_its_day() {
    let sink = MailSink::required();
    let app = spawn_app_with(Backend::Sqlite, fast).await;
    let (assessment, token) = open_assessment(&app).await;
    let domain = format!("{}.schedule.example", &simm_store::new_id()[..10]);
    let to: Vec<String> = ["ann", "ben"]
        .iter()
        .map(|n| format!("{n}@{domain}"))
        .collect();
    let (status, _) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/invitations/email"),
        Some(json!({"recipients": [{"email": to[0]}, {"email": to[1]}]})),
    )
    .await;
    assert_eq!(status, 202);
    let ann = crate::campaigns::wait_for(&sink, &to[0], 1)
        .await
        .remove(0)
        .token();
    crate::campaigns::wait_for(&sink, &to[1], 1).await;
    eventually("both invitations recorded sent", || {
        let (app, token, assessment) = (&app, &token, &assessment);
        async move {
            let (_, list) = call(
                app,
                Some(token),
                Method::GET,
                &format!("/api/v1/assessments/{assessment}/emails"),
                None,
            )
            .await;
            (list["messages"]["invitation"]["sent"] == 2).then_some(())
        }
    })
    .await;
    let (_, _) = call(
        &app,
        None,
        Method::POST,
        &format!("/api/v1/r/{ann}/submit"),
        None,
    )
    .await;
    // Two days and a minute to go, reminders 3 days before: due now.
    assert!(
        app.store
            .set_deadline(&assessment, now() + 2 * 86_400 + 60, "UTC", &[3], now())
            .await
            .unwrap()
    );
    let ben = crate::campaigns::wait_for(&sink, &to[1], 2).await;
    assert!(
        ben[1].header("Subject").unwrap().starts_with("Reminder:"),
        "{}",
        ben[1].raw
    );
    let record = eventually("the schedule marked sent", || {
        let store = app.store.clone();
        let assessment = assessment.clone();
        async move {
            store
                .deadline(&assessment)
                .await
                .unwrap()
                .filter(|d| d.reminders[0].1.is_some())
        }
    })
    .await;
    assert_eq!(record.reminders.len(), 1);
    // Several more looks at the schedule queue nothing more; a reminder
    // queued would be out within them, at the test's 200 a second.
    schedule_rounds(&app, 5).await;
    eventually("the outbox is empty", || {
        let store = app.store.clone();
        async move {
            store
                .next_email_due()
                .await
                .unwrap()
                .is_none()
                .then_some(())
        }
    })
    .await;
    assert_eq!(sink.delivered_to(&to[1]).len(), 2);
    assert_eq!(sink.delivered_to(&to[0]).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participation_counts_opened_links_and_flags_groups_below_sixty_percent() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let (assessment, token) = open_assessment(&app).await;
    let (status, made) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/invitations"),
        Some(json!({"rows": [
            {"role": "partner"}, {"role": "partner"}, {"role": "partner"}, {"role": "partner"}, {"role": "partner"},
            {"role": "manager"}, {"role": "manager"},
        ]})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let tokens: Vec<String> = made["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["token"].as_str().unwrap().to_owned())
        .collect();
    // Three partners submit; one more only opens the link; a manager opens it.
    for token in &tokens[..3] {
        call(
            &app,
            None,
            Method::POST,
            &format!("/api/v1/r/{token}/submit"),
            None,
        )
        .await;
    }
    call(&app, None, Method::GET, &format!("/r/{}", tokens[3]), None).await;
    call(
        &app,
        None,
        Method::GET,
        &format!("/api/v1/r/{}", tokens[5]),
        None,
    )
    .await;
    let (_, participation) = call(
        &app,
        Some(&token),
        Method::GET,
        &format!("/api/v1/assessments/{assessment}/participation"),
        None,
    )
    .await;
    assert_eq!(participation["invitations"], 7);
    assert_eq!(participation["opened"], 5);
    assert_eq!(participation["submitted"], 3);
    assert!((participation["response_rate"].as_f64().unwrap() - 3.0 / 7.0).abs() < 1e-12);
    assert_eq!(
        (
            participation["target_rate"].as_f64(),
            participation["low_rate"].as_f64()
        ),
        (Some(0.75), Some(0.6))
    );
    assert_eq!(participation["meets_target"], false);
    let groups = participation["by_group"].as_array().unwrap();
    let group = |role: &str| {
        groups
            .iter()
            .find(|g| g["attributes"]["role"] == role)
            .unwrap()
            .clone()
    };
    let partners = group("partner");
    assert_eq!(
        (
            partners["invitations"].as_i64(),
            partners["opened"].as_i64(),
            partners["submitted"].as_i64()
        ),
        (Some(5), Some(4), Some(3))
    );
    assert_eq!(
        (
            partners["response_rate"].as_f64(),
            partners["low"].as_bool()
        ),
        (Some(0.6), Some(false))
    );
    let managers = group("manager");
    assert_eq!(
        (
            managers["opened"].as_i64(),
            managers["response_rate"].as_f64(),
            managers["low"].as_bool()
        ),
        (Some(1), Some(0.0), Some(true))
    );
    // The console's page flags the managers and sets the whole against 75 %.
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
    let page = client
        .get(app.url(&format!("/assessments/{assessment}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("below 60 %"), "{page}");
    assert!(page.contains("aim for 75 %"), "{page}");
}
