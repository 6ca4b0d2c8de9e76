//! Regression tests of the privacy defects of issue 8, each through the
//! real server: blank submissions counted towards the threshold, an item
//! answered by one person shown as that person's answer, and a download
//! that named the lone member of a small group (docs/privacy.md).

use reqwest::Method;
use serde_json::{Value, json};
use simm_store::Role;

use crate::api::{call, organization_with_assessment};
use crate::{TestApp, spawn_app};

/// An open assessment with one invitation per role given; answers the
/// consultant's token, the assessment id and the respondents' tokens.
async fn campaign(app: &TestApp, roles: &[&str]) -> (String, String, Vec<String>) {
    let token = app.api_token(Role::Consultant).await;
    let (_, id) = organization_with_assessment(app, &token).await;
    let rows: Vec<Value> = roles.iter().map(|role| json!({ "role": role })).collect();
    let (status, created) = call(
        app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{id}/invitations"),
        Some(json!({ "rows": rows })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (status, body) = call(
        app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{id}/open"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let respondents = created["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["token"].as_str().unwrap().to_owned())
        .collect();
    (token, id, respondents)
}

/// Answers `value(item index)` for every item where it gives one, then
/// submits.
async fn respond(app: &TestApp, respondent: &str, value: impl Fn(usize) -> Option<u8>) {
    let model = simm_core::builtin_model();
    for (index, item) in model.items().iter().enumerate() {
        if let Some(value) = value(index) {
            let (status, body) = call(
                app,
                None,
                Method::PUT,
                &format!("/api/v1/r/{respondent}/answers/{}", item.id),
                Some(json!({ "value": value })),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
    }
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

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    call(app, Some(token), Method::GET, path, None).await
}

async fn close(app: &TestApp, token: &str, id: &str) {
    let (status, body) = call(
        app,
        Some(token),
        Method::POST,
        &format!("/api/v1/assessments/{id}/close"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn download(app: &TestApp, token: &str, id: &str) -> (u16, String) {
    let response = app
        .client()
        .get(app.url(&format!("/api/v1/assessments/{id}/responses.csv")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn blank_submissions_do_not_count_towards_the_threshold() {
    let app = spawn_app().await;
    let (token, id, respondents) = campaign(&app, &["employee"; 5]).await;
    // Four submit without a single answer; one answers everything.
    for respondent in &respondents[..4] {
        respond(&app, respondent, |_| None).await;
    }
    respond(&app, &respondents[4], |index| Some(1 + (index % 5) as u8)).await;
    close(&app, &token, &id).await;
    // Five submissions, one with answers: showing them would show that
    // one person's answers.
    let (status, results) = get(&app, &token, &format!("/api/v1/assessments/{id}/results")).await;
    assert_eq!(status, 200);
    assert_eq!(
        results,
        json!({"respondents": 0, "suppressed": true, "anonymity_min": 5})
    );
    let (_, participation) = get(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/participation"),
    )
    .await;
    assert_eq!(participation["submitted"], 5);
    assert_eq!(participation["released"], 0);
    assert_eq!(participation["awaiting_release"], 1);
    assert_eq!(participation["blank"], 4);
    assert_eq!(download(&app, &token, &id).await.0, 409);
}

#[tokio::test]
async fn an_item_answered_by_too_few_is_suppressed() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, id, respondents) = campaign(&app, &["employee"; 6]).await;
    // Everyone answers everything, but only two answer the first item:
    // shown, its mean would be their two answers.
    for (r, respondent) in respondents.iter().enumerate() {
        respond(&app, respondent, |index| {
            (index != 0 || r < 2).then_some(if index == 0 { 5 } else { 2 })
        })
        .await;
    }
    close(&app, &token, &id).await;
    let (status, results) = get(&app, &token, &format!("/api/v1/assessments/{id}/results")).await;
    assert_eq!(status, 200);
    let item = &results["items"][0];
    assert_eq!(item["answered"], 2, "{item}");
    assert_eq!(item["suppressed"], true, "{item}");
    assert_eq!(
        (&item["fulfilment"], &item["rwg"]),
        (&Value::Null, &Value::Null)
    );
    assert!(results["items"][1].get("suppressed").is_none());
    // Left out of its stage too: every other item of that stage is a 2,
    // so the stage's fulfilment is exactly that of a 2, not pulled up by
    // the two 5s.
    let first = &model.items()[0];
    let area = results["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == first.area.as_str())
        .unwrap();
    assert_eq!(area["fulfilment"][first.stage.get().to_string()], 0.25);
    // The download leaves it blank for everyone, so that re-scoring it
    // gives these numbers.
    let (status, sheet) = download(&app, &token, &id).await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(sheet.as_bytes());
    let column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == first.id.as_str())
        .unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|row| row[column].is_empty()), "{sheet}");
}

#[tokio::test]
async fn the_download_names_no_member_of_a_small_group() {
    let app = spawn_app().await;
    let mut roles = vec!["employee"; 5];
    roles.push("partner");
    let (token, id, respondents) = campaign(&app, &roles).await;
    for (r, respondent) in respondents.iter().enumerate() {
        respond(&app, respondent, |index| Some(1 + ((index + r) % 5) as u8)).await;
    }
    close(&app, &token, &id).await;
    // With 5 employees and 1 partner, the role breakdown shows neither
    // group alone, and the download must not give the partner's row away.
    let (status, sheet) = download(&app, &token, &id).await;
    assert_eq!(status, 200);
    assert!(!sheet.contains("partner"), "{sheet}");
    let mut reader = csv::Reader::from_reader(sheet.as_bytes());
    let role = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "role")
        .unwrap();
    let roles: Vec<String> = reader
        .records()
        .map(|row| row.unwrap()[role].to_owned())
        .collect();
    assert_eq!(roles.len(), 6);
    // Employees alone would be the total minus the partner: no role is
    // published at all.
    assert!(roles.iter().all(String::is_empty), "{roles:?}");
    let (_, grouped) = get(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/results?group_by=role"),
    )
    .await;
    let groups = grouped["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{grouped}");
    assert_eq!(groups[0]["value"], Value::Null);
    assert_eq!(groups[0]["respondents"], 6);
}
