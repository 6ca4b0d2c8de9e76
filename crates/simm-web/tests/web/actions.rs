//! The target and the action plan through the API, on both back-ends:
//! defaults, validation, the viewer's narrow rights, the status history,
//! the overdue flag and tenancy. The pages and downloads are in
//! `actions_pages.rs`.

use reqwest::Method;
use serde_json::{Value, json};
use simm_store::Role;

use crate::api::call;
use crate::{Backend, TestApp, spawn_app, spawn_app_on};

/// A consultant's token and email, and an organisation of theirs made
/// through the API.
pub async fn organization(app: &TestApp) -> (String, String, String) {
    let (email, _) = app.add_user(Role::Consultant).await;
    let token = simm_web::accounts::create_token(&app.store, &email)
        .await
        .unwrap();
    let (status, body) = call(
        app,
        Some(&token),
        Method::POST,
        "/api/v1/organizations",
        Some(json!({"name": "Acme"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (token, email, body["id"].as_str().unwrap().to_owned())
}

/// A viewer granted the organisation: their token and email.
pub async fn viewer_of(app: &TestApp, org: &str) -> (String, String) {
    let (email, _) = app.add_user(Role::Viewer).await;
    let user = app.store.user_by_email(&email).await.unwrap().unwrap();
    app.store.grant_access(org, &user.id).await.unwrap();
    let token = simm_web::accounts::create_token(&app.store, &email)
        .await
        .unwrap();
    (token, email)
}

/// Closes a round of the organisation with enough synthetic responses to
/// show results; its id.
async fn closed_round(app: &TestApp, org: &str) -> String {
    let model = simm_core::builtin_model();
    let assessment = app
        .store
        .create_assessment(org, "Round 1", &app.builtin_model_version)
        .await
        .unwrap();
    let k = model.scoring().anonymity_min.get();
    let responses = simm_web::demo::synthetic_responses(&model, 3 * k as usize, 11);
    app.store
        .insert_responses(&assessment.id, &responses)
        .await
        .unwrap();
    app.store.open_assessment(&assessment.id, k).await.unwrap();
    simm_web::release_assessment(&app.state, &assessment.id, true)
        .await
        .unwrap();
    assessment.id
}

pub async fn expect(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: u16,
) -> Value {
    let (got, answer) = call(app, Some(token), method.clone(), path, body.clone()).await;
    assert_eq!(got, status, "{method} {path} {body:?}: {answer}");
    answer
}

fn is_rfc3339_utc(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.len() == 20
        && bytes[10] == b'T'
        && bytes[19] == b'Z'
        && simm_core::CalendarDate::parse(&text[..10]).is_ok()
}

async fn the_target_defaults_to_the_next_stages_and_round_trips(app: TestApp) {
    let model = simm_core::builtin_model();
    let top = model.top_stage().get();
    let (token, email, org) = organization(&app).await;
    let target = format!("/api/v1/organizations/{org}/target");
    // No round yet: every area counts as at stage 1, so aims at 2.
    let fresh = expect(&app, &token, Method::GET, &target, None, 200).await;
    assert_eq!(fresh["source"], "default");
    assert_eq!(fresh["date"], Value::Null);
    assert_eq!(fresh["set_by"], Value::Null);
    for area in model.areas() {
        assert_eq!(fresh["areas"][area.id.as_str()], 2, "{}", area.id);
    }
    // After a round, the default is the next stage after its results,
    // read here from the results API.
    let round = closed_round(&app, &org).await;
    let results = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/assessments/{round}/results"),
        None,
        200,
    )
    .await;
    let default = expect(&app, &token, Method::GET, &target, None, 200).await;
    let keys: std::collections::BTreeSet<&str> = default["areas"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let ids: Vec<&str> = model.areas().iter().map(|area| area.id.as_str()).collect();
    assert_eq!(keys, ids.iter().copied().collect(), "every area");
    for area in results["areas"].as_array().unwrap() {
        let stage = area["stage"].as_u64().unwrap();
        let expected = (stage + 1).min(u64::from(top));
        assert_eq!(default["areas"][area["id"].as_str().unwrap()], expected);
    }
    // Setting names some areas; the rest keep their default.
    let set = expect(
        &app,
        &token,
        Method::PUT,
        &target,
        Some(json!({"areas": {"vision": 4, "technology": 3.0}, "date": "2027-12-31"})),
        200,
    )
    .await;
    assert_eq!(set["source"], "set");
    assert_eq!(set["set_by"], email);
    assert!(is_rfc3339_utc(set["set_at"].as_str().unwrap()), "{set}");
    assert_eq!(set["date"], "2027-12-31");
    assert_eq!(set["areas"]["vision"], 4);
    assert_eq!(set["areas"]["technology"], 3);
    for id in ids
        .iter()
        .filter(|id| !["vision", "technology"].contains(id))
    {
        assert_eq!(set["areas"][id], default["areas"][id], "{id}");
    }
    assert_eq!(
        expect(&app, &token, Method::GET, &target, None, 200).await,
        set
    );
    // A viewer reads it and may not set it.
    let (viewer, _) = viewer_of(&app, &org).await;
    assert_eq!(
        expect(&app, &viewer, Method::GET, &target, None, 200).await,
        set
    );
    let refused = expect(
        &app,
        &viewer,
        Method::PUT,
        &target,
        Some(json!({"areas": {"vision": 2}})),
        403,
    )
    .await;
    assert_eq!(
        refused["error"],
        "only consultants may set the target; viewers can read it"
    );
    // Clearing the date.
    let cleared = expect(
        &app,
        &token,
        Method::PUT,
        &target,
        Some(json!({"date": null})),
        200,
    )
    .await;
    assert_eq!(cleared["date"], Value::Null);
    assert_eq!(cleared["areas"]["vision"], default["areas"]["vision"]);
}

#[tokio::test]
async fn actions_target_defaults_and_round_trips_on_sqlite() {
    the_target_defaults_to_the_next_stages_and_round_trips(spawn_app().await).await;
}

#[tokio::test]
async fn actions_target_defaults_and_round_trips_on_postgres() {
    the_target_defaults_to_the_next_stages_and_round_trips(spawn_app_on(Backend::Postgres).await)
        .await;
}

/// A round whose results are withheld says nothing of its stages: the
/// default is then as without a round, not a leak of hidden results.
#[tokio::test]
async fn actions_target_default_ignores_a_round_with_withheld_results() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, _, org) = organization(&app).await;
    let assessment = app
        .store
        .create_assessment(&org, "Too few", &app.builtin_model_version)
        .await
        .unwrap();
    let k = model.scoring().anonymity_min.get();
    // Every answer the top of the scale: shown, these would put every area
    // at the top stage, and the default would stay there.
    let top_answers = simm_store::NewResponse {
        attributes: Default::default(),
        answers: vec![model.scale().points; model.items().len()],
    };
    let responses = vec![top_answers; k as usize - 1];
    app.store
        .insert_responses(&assessment.id, &responses)
        .await
        .unwrap();
    app.store.open_assessment(&assessment.id, k).await.unwrap();
    simm_web::release_assessment(&app.state, &assessment.id, true)
        .await
        .unwrap();
    assert_eq!(app.store.rounds(&org).await.unwrap().len(), 1);
    let target = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/organizations/{org}/target"),
        None,
        200,
    )
    .await;
    assert_eq!(target["source"], "default");
    for area in model.areas() {
        assert_eq!(target["areas"][area.id.as_str()], 2, "{}", area.id);
    }
}

#[tokio::test]
async fn actions_and_targets_refuse_bad_input_naming_the_field() {
    let app = spawn_app().await;
    let (token, _, org) = organization(&app).await;
    let target = format!("/api/v1/organizations/{org}/target");
    let actions = format!("/api/v1/organizations/{org}/actions");
    let cases: Vec<(Method, &str, Value, &str)> = vec![
        (
            Method::PUT,
            &target,
            json!({"areas": {"vison": 3}}),
            "areas.vison: the model has no area \"vison\"; did you mean \"vision\"?",
        ),
        (
            Method::PUT,
            &target,
            json!({"areas": {"vision": 9}}),
            "areas.vision: stage 9 is not a stage of the model (it has stages 1 to 4)",
        ),
        (
            Method::PUT,
            &target,
            json!({"areas": {"vision": 2.5}}),
            "areas.vision: invalid value: floating point `2.5`",
        ),
        (
            Method::PUT,
            &target,
            json!({"date": "2027-02-30"}),
            "date: \"2027-02-30\" is not a date: February 2027 has 28 days",
        ),
        (
            Method::PUT,
            &target,
            json!({"areas": null}),
            "areas: must not be null",
        ),
        (
            Method::PUT,
            &target,
            json!({"goal": 3}),
            "unknown field `goal`",
        ),
        (
            Method::POST,
            &actions,
            json!({}),
            "title: must not be empty; give a title, or an item whose practice becomes the title",
        ),
        (
            Method::POST,
            &actions,
            json!({"title": "T", "item": "VS-2-1"}),
            "item: the model smartsourcing 1.1.0 has no item \"VS-2-1\"; did you mean \"VS-2-01\"?",
        ),
        (
            Method::POST,
            &actions,
            json!({"title": "T", "due": "31/12/2027"}),
            "due: \"31/12/2027\" is not a date: write it as YYYY-MM-DD",
        ),
        (
            Method::POST,
            &actions,
            json!({"title": "T", "status": "finished"}),
            "status: \"finished\" is not a status; expected one of planned, in_progress, done, dropped",
        ),
        (
            Method::POST,
            &actions,
            json!({"title": "T", "status": null}),
            "status: must not be null",
        ),
        (
            Method::POST,
            &actions,
            json!({"title": "T", "owner": "o".repeat(121)}),
            "owner: must be at most 120 characters, not 121",
        ),
        (
            Method::POST,
            &actions,
            json!({"title": "T", "notes": "n".repeat(4001)}),
            "notes: must be at most 4000 characters, not 4001",
        ),
        (
            Method::POST,
            &actions,
            json!({"title": "Line\nbreak"}),
            "title: must not contain control characters",
        ),
    ];
    let mut failures = Vec::new();
    for (method, path, body, start) in cases {
        let (status, answer) =
            call(&app, Some(&token), method.clone(), path, Some(body.clone())).await;
        let message = answer["error"].as_str().unwrap_or_default();
        // Refusals of the JSON's shape carry the parser's preamble.
        if status != 400 || !message.contains(start) {
            failures.push(format!(
                "{method} {path} {body}: expected 400 with {start:?}, got {status} {answer}"
            ));
        }
    }
    let created = expect(
        &app,
        &token,
        Method::POST,
        &actions,
        Some(json!({"title": "T"})),
        201,
    )
    .await;
    let action = format!("/api/v1/actions/{}", created["id"].as_str().unwrap());
    for (body, start) in [
        (json!({"title": " "}), "title: must not be empty"),
        (json!({"title": null}), "title: must not be null"),
        (json!({"status": "don"}), "status: \"don\" is not a status"),
        (
            json!({"due": "2027-13-01"}),
            "due: \"2027-13-01\" is not a date",
        ),
        (json!({"item": "nope"}), "item: the model smartsourcing"),
    ] {
        let (status, answer) = call(
            &app,
            Some(&token),
            Method::PATCH,
            &action,
            Some(body.clone()),
        )
        .await;
        let message = answer["error"].as_str().unwrap_or_default();
        if status != 400 || !message.contains(start) {
            failures.push(format!(
                "PATCH {body}: expected 400 with {start:?}, got {status} {answer}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn the_action_plan_through_the_api(app: TestApp) {
    let model = simm_core::builtin_model();
    let (token, email, org) = organization(&app).await;
    let (viewer, viewer_email) = viewer_of(&app, &org).await;
    let actions = format!("/api/v1/organizations/{org}/actions");
    // Adopted from the roadmap: the item alone, its practice the title.
    let item = &model.items()[5];
    let adopted = expect(
        &app,
        &token,
        Method::POST,
        &actions,
        Some(json!({"item": item.id.as_str()})),
        201,
    )
    .await;
    let id = adopted["id"].as_str().unwrap().to_owned();
    let keys: std::collections::BTreeSet<&str> = adopted
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        std::collections::BTreeSet::from([
            "id",
            "organization",
            "title",
            "item",
            "area",
            "practice",
            "owner",
            "due",
            "status",
            "notes",
            "overdue",
            "created_at",
            "updated_at"
        ])
    );
    assert_eq!(adopted["title"], item.practice.as_str());
    assert_eq!(adopted["practice"], item.practice.as_str());
    assert_eq!(adopted["item"], item.id.as_str());
    assert_eq!(adopted["area"], item.area.as_str());
    assert_eq!(adopted["organization"], org.as_str());
    assert_eq!(adopted["status"], "planned");
    assert_eq!(adopted["overdue"], false);
    assert_eq!(adopted["owner"], Value::Null);
    assert!(is_rfc3339_utc(adopted["created_at"].as_str().unwrap()));
    // A titled action, overdue: open and due long ago.
    let late = expect(
        &app,
        &token,
        Method::POST,
        &actions,
        Some(json!({"title": "Train the buyers", "owner": " Procurement ", "due": "2001-01-31", "status": "in_progress", "notes": "first\nsecond"})),
        201,
    )
    .await;
    let late_id = late["id"].as_str().unwrap().to_owned();
    assert_eq!(late["owner"], "Procurement");
    assert_eq!(late["item"], Value::Null);
    assert_eq!(late["practice"], Value::Null);
    assert_eq!(late["overdue"], true);
    assert_eq!(late["notes"], "first\nsecond");
    // The list: by due date, those without one last.
    let listed = expect(&app, &token, Method::GET, &actions, None, 200).await;
    let order: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|action| action["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [late_id.as_str(), id.as_str()]);
    assert_eq!(listed[0], late);
    assert_eq!(
        expect(&app, &viewer, Method::GET, &actions, None, 200).await,
        listed
    );
    // A consultant changes anything; null clears.
    let path = format!("/api/v1/actions/{id}");
    let changed = expect(
        &app,
        &token,
        Method::PATCH,
        &path,
        Some(json!({"title": "Plan yearly", "owner": "CTO", "due": "9999-12-31"})),
        200,
    )
    .await;
    assert_eq!(changed["title"], "Plan yearly");
    assert_eq!(changed["owner"], "CTO");
    assert_eq!(changed["due"], "9999-12-31");
    assert_eq!(changed["overdue"], false);
    assert_eq!(changed["item"], item.id.as_str());
    let cleared = expect(
        &app,
        &token,
        Method::PATCH,
        &path,
        Some(json!({"item": null, "owner": null, "due": null})),
        200,
    )
    .await;
    assert_eq!(cleared["item"], Value::Null);
    assert_eq!(cleared["area"], Value::Null);
    assert_eq!(cleared["practice"], Value::Null);
    assert_eq!(cleared["owner"], Value::Null);
    assert_eq!(cleared["due"], Value::Null);
    assert_eq!(cleared["title"], "Plan yearly");
    // A viewer may change the status and the notes, nothing else.
    let progressed = expect(
        &app,
        &viewer,
        Method::PATCH,
        &path,
        Some(json!({"status": "in_progress", "notes": "Budget agreed"})),
        200,
    )
    .await;
    assert_eq!(progressed["status"], "in_progress");
    assert_eq!(progressed["notes"], "Budget agreed");
    for body in [
        json!({"title": "Mine now"}),
        json!({"status": "done", "owner": "Me"}),
        json!({"due": null}),
        json!({"item": item.id.as_str()}),
    ] {
        let refused = expect(&app, &viewer, Method::PATCH, &path, Some(body), 403).await;
        let message = refused["error"].as_str().unwrap();
        assert!(
            message.starts_with("viewers may change only an action's status and notes"),
            "{message}"
        );
    }
    assert_eq!(
        expect(&app, &viewer, Method::GET, &path, None, 200).await["status"],
        "in_progress",
        "a refused change changes nothing"
    );
    expect(
        &app,
        &viewer,
        Method::POST,
        &actions,
        Some(json!({"title": "T"})),
        403,
    )
    .await;
    expect(&app, &viewer, Method::DELETE, &path, None, 403).await;
    // The consultant finishes it; a change that keeps the status adds
    // nothing to the history.
    expect(
        &app,
        &token,
        Method::PATCH,
        &path,
        Some(json!({"status": "done"})),
        200,
    )
    .await;
    expect(
        &app,
        &token,
        Method::PATCH,
        &path,
        Some(json!({"status": "done", "notes": null})),
        200,
    )
    .await;
    let history = expect(
        &app,
        &viewer,
        Method::GET,
        &format!("{path}/history"),
        None,
        200,
    )
    .await;
    let steps: Vec<(Value, Value, Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|change| {
            assert!(is_rfc3339_utc(change["at"].as_str().unwrap()), "{change}");
            (
                change["from"].clone(),
                change["to"].clone(),
                change["by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (Value::Null, json!("planned"), json!(email)),
            (json!("planned"), json!("in_progress"), json!(viewer_email)),
            (json!("in_progress"), json!("done"), json!(email)),
        ]
    );
    // Deleting: 204, then gone with its history.
    let deleted = app
        .client()
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    expect(&app, &token, Method::GET, &path, None, 404).await;
    expect(
        &app,
        &token,
        Method::GET,
        &format!("{path}/history"),
        None,
        404,
    )
    .await;
    expect(&app, &token, Method::DELETE, &path, None, 404).await;
}

#[tokio::test]
async fn actions_through_the_api_on_sqlite() {
    the_action_plan_through_the_api(spawn_app().await).await;
}

#[tokio::test]
async fn actions_through_the_api_on_postgres() {
    the_action_plan_through_the_api(spawn_app_on(Backend::Postgres).await).await;
}

#[tokio::test]
async fn actions_of_another_tenant_answer_404_like_missing_ones() {
    let app = spawn_app().await;
    let (token, _, org) = organization(&app).await;
    let created = expect(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/organizations/{org}/actions"),
        Some(json!({"title": "Ours"})),
        201,
    )
    .await;
    let action = format!("/api/v1/actions/{}", created["id"].as_str().unwrap());
    let stranger = app.api_token(Role::Consultant).await;
    // A viewer granted some other organisation, not this one.
    let (_, _, elsewhere) = organization(&app).await;
    let (ungranted_viewer, _) = viewer_of(&app, &elsewhere).await;
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::GET,
            format!("/api/v1/organizations/{org}/target"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/organizations/{org}/target"),
            Some(json!({"areas": {"vision": 3}})),
        ),
        (
            Method::GET,
            format!("/api/v1/organizations/{org}/actions"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{org}/actions"),
            Some(json!({"title": "Theirs"})),
        ),
        (Method::GET, action.clone(), None),
        (
            Method::PATCH,
            action.clone(),
            Some(json!({"status": "done"})),
        ),
        (Method::DELETE, action.clone(), None),
        (Method::GET, format!("{action}/history"), None),
        (Method::GET, "/api/v1/actions/missing".to_owned(), None),
    ];
    let mut failures = Vec::new();
    for who in [&stranger, &ungranted_viewer] {
        for (method, path, body) in &requests {
            let (status, answer) = call(&app, Some(who), method.clone(), path, body.clone()).await;
            // A viewer may not create or delete anywhere: refused by role
            // before anything is looked up, so nothing is revealed.
            let by_role = [Method::POST, Method::DELETE].contains(method);
            let expected = if who == &ungranted_viewer && by_role {
                403
            } else {
                404
            };
            if status != expected || !answer["error"].is_string() {
                failures.push(format!("{method} {path}: {status} {answer}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing changed.
    let ours = expect(&app, &token, Method::GET, &action, None, 200).await;
    assert_eq!(ours["status"], "planned");
}
