//! The target and the action plan in the console: the consultant's and
//! the viewer's forms, adopting a practice, and the CSV and JSON
//! downloads.

use reqwest::Method;
use serde_json::{Value, json};
use simm_store::Role;

use crate::actions::{expect, organization};
use crate::console::{csrf_in, get, post};
use crate::spawn_app;

#[tokio::test]
async fn actions_download_as_neutralised_csv_and_as_json() {
    let app = spawn_app().await;
    let (token, _, org) = organization(&app).await;
    let (client, viewer_email) = app.signed_in(Role::Viewer).await;
    let viewer = app
        .store
        .user_by_email(&viewer_email)
        .await
        .unwrap()
        .unwrap();
    app.store.grant_access(&org, &viewer.id).await.unwrap();
    let formula = "=HYPERLINK(\"https://evil.example\",\"x\")";
    let created = expect(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/organizations/{org}/actions"),
        Some(json!({"title": formula, "owner": "+Ops", "notes": "@risk, \"quoted\"", "item": "VS-2-01"})),
        201,
    )
    .await;
    let response = client
        .get(app.url(&format!("/organizations/{org}/actions.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"simm-actions-")
    );
    let csv = response.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("id,title,item,area,owner,due,status,overdue,notes,created_at,updated_at")
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(&row[0], created["id"].as_str().unwrap());
    assert_eq!(&row[1], format!("'{formula}"));
    assert_eq!(&row[2], "VS-2-01");
    assert_eq!(&row[3], "vision");
    assert_eq!(&row[4], "'+Ops");
    assert_eq!(&row[6], "planned");
    assert_eq!(&row[7], "no");
    assert_eq!(&row[8], "'@risk, \"quoted\"");
    assert_eq!(&row[9], created["created_at"].as_str().unwrap());
    // The JSON download is the API's list.
    let response = client
        .get(app.url(&format!("/organizations/{org}/actions.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let downloaded: Value = response.json().await.unwrap();
    assert_eq!(downloaded, json!([created]));
}

/// The consultant's and the viewer's forms on the plan's page.
#[tokio::test]
async fn actions_page_lets_consultants_plan_and_viewers_report_progress() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (consultant, _) = app.signed_in(Role::Consultant).await;
    let home = get(&consultant, &app, "/").await.1;
    let csrf = csrf_in(&home);
    let created = post(
        &consultant,
        &app,
        "/organizations",
        &[("csrf", csrf.as_str()), ("name", "Acme")],
    )
    .await;
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let org = location
        .strip_prefix("/organizations/")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let plan = format!("/organizations/{org}/actions");
    let page = get(&consultant, &app, &format!("/organizations/{org}"))
        .await
        .1;
    assert!(
        page.contains(&format!("href=\"{plan}\"")),
        "the organisation page links the plan"
    );
    // Adopting a practice, then a titled action due long ago.
    let item = &model.items()[0];
    let adopted = post(
        &consultant,
        &app,
        &format!("{plan}/adopt"),
        &[("csrf", csrf.as_str()), ("item", item.id.as_str())],
    )
    .await;
    assert_eq!(adopted.status(), 303);
    assert!(
        adopted.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&format!("{plan}?notice=action-created#action-"))
    );
    let made = post(
        &consultant,
        &app,
        &plan,
        &[
            ("csrf", csrf.as_str()),
            ("title", "Train <the> buyers"),
            ("item", ""),
            ("owner", "Procurement"),
            ("due", "2001-01-31"),
            ("status", "planned"),
            ("notes", ""),
        ],
    )
    .await;
    assert_eq!(made.status(), 303);
    let refused = post(
        &consultant,
        &app,
        &plan,
        &[
            ("csrf", csrf.as_str()),
            ("title", ""),
            ("due", "2027-02-30"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("The action was not added"), "{refused}");
    assert!(refused.contains("title: must not be empty"));
    let actions = app.store.actions(&org).await.unwrap();
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0].title, "Train <the> buyers");
    assert_eq!(actions[1].title, item.practice);
    let page = get(&consultant, &app, &plan).await.1;
    assert!(page.contains("Train &#60;the&#62; buyers"));
    assert!(
        page.contains("class=\"overdue\""),
        "the late action is marked"
    );
    assert!(page.contains("<strong class=\"late\">overdue</strong>"));
    assert!(page.contains("1 action is overdue"));
    assert!(
        page.contains("id=\"new-title\""),
        "the consultant may create"
    );
    assert!(page.contains(&format!("action=\"/actions/{}/delete\"", actions[0].id)));
    // The viewer's page: the same plan, only status and notes to change.
    let (viewer_client, viewer_email) = app.signed_in(Role::Viewer).await;
    let viewer = app
        .store
        .user_by_email(&viewer_email)
        .await
        .unwrap()
        .unwrap();
    app.store.grant_access(&org, &viewer.id).await.unwrap();
    let page = get(&viewer_client, &app, &plan).await.1;
    assert!(page.contains("Train &#60;the&#62; buyers"));
    assert!(page.contains(&format!("id=\"status-{}\"", actions[0].id)));
    assert!(page.contains(&format!("id=\"notes-{}\"", actions[0].id)));
    for absent in [
        "id=\"new-title\"",
        "name=\"title\"",
        "name=\"owner\"",
        "name=\"due\"",
        "name=\"item\"",
        "/delete\"",
    ] {
        assert!(!page.contains(absent), "the viewer's page holds {absent}");
    }
    let viewer_csrf = csrf_in(&page);
    let saved = post(
        &viewer_client,
        &app,
        &format!("/actions/{}", actions[0].id),
        &[
            ("csrf", viewer_csrf.as_str()),
            ("status", "in_progress"),
            ("notes", "Started in March"),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    let forged = post(
        &viewer_client,
        &app,
        &format!("/actions/{}", actions[0].id),
        &[
            ("csrf", viewer_csrf.as_str()),
            ("status", "done"),
            ("owner", "Me"),
        ],
    )
    .await;
    assert_eq!(forged.status(), 403);
    let without_token = post(
        &viewer_client,
        &app,
        &format!("/actions/{}", actions[0].id),
        &[("status", "done")],
    )
    .await;
    assert_eq!(without_token.status(), 403);
    let page = get(&consultant, &app, &plan).await.1;
    assert!(page.contains("Started in March"));
    assert!(page.contains(&format!(
        "planned → in progress <span class=\"muted\">by {viewer_email}"
    )));
    // A refused change shows the form again with what was sent.
    let refused = post(
        &consultant,
        &app,
        &format!("/actions/{}", actions[0].id),
        &[
            ("csrf", csrf.as_str()),
            ("title", "Renamed buyers training"),
            ("item", ""),
            ("owner", "Procurement"),
            ("due", "2027-02-30"),
            ("status", "done"),
            ("notes", "Started in March"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("The action was not saved"), "{refused}");
    assert!(refused.contains("is not a date: February 2027 has 28 days"));
    assert!(refused.contains("value=\"Renamed buyers training\""));
    let action = app.store.action(&actions[0].id).await.unwrap().unwrap();
    assert_eq!(action.status, simm_core::ActionStatus::InProgress);
    assert_eq!(action.owner.as_deref(), Some("Procurement"));
    // The target form.
    let target = format!("/organizations/{org}/target");
    let set = post(
        &consultant,
        &app,
        &target,
        &[
            ("csrf", csrf.as_str()),
            ("area:vision", "4"),
            ("date", "2027-12-31"),
        ],
    )
    .await;
    assert_eq!(set.status(), 303);
    let stored = app.store.target(&org).await.unwrap().unwrap();
    assert!(stored.areas.contains(&("vision".to_owned(), 4)));
    assert_eq!(stored.date.unwrap().to_string(), "2027-12-31");
    let wrong = post(
        &consultant,
        &app,
        &target,
        &[("csrf", csrf.as_str()), ("area:vision", "7")],
    )
    .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("areas.vision: stage 7 is not a stage")
    );
    let page = get(&viewer_client, &app, &target).await.1;
    assert!(page.contains("By 2027-12-31."));
    assert!(
        !page.contains("name=\"area:vision\""),
        "viewers read the target only"
    );
}
