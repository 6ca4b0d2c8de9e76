//! Tests of the consultant and viewer JSON API under /api/v1: the whole
//! flow, every refusal with its message, tenancy, roles, credentials, and
//! the OpenAPI document against what the server answers.

use reqwest::Method;
use serde_json::{Value, json};
use simm_core::{Answer, AttributeId, GroupTallies, Tally};
use simm_store::Role;

use crate::{Backend, TestApp, spawn_app, spawn_app_on};

/// A request to the API as the holder of `token` (none: anonymous), with a
/// JSON body, or a raw one when `body` is a string that is not JSON.
pub async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.client().request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// Sends a body as it is, with a content type.
async fn call_raw(
    app: &TestApp,
    token: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, Value) {
    let response = app
        .client()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = call(app, Some(token), Method::GET, path, None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

async fn get_text(app: &TestApp, token: &str, path: &str) -> String {
    let response = app
        .client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    assert_eq!(response.headers()["content-type"], "application/json");
    response.text().await.unwrap()
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value, expected: u16) -> Value {
    let (status, answer) = call(app, Some(token), Method::POST, path, Some(body)).await;
    assert_eq!(status, expected, "POST {path}: {answer}");
    answer
}

/// An organisation with an assessment, made through the API by the
/// consultant with `token`: (organisation id, assessment id).
pub async fn organization_with_assessment(app: &TestApp, token: &str) -> (String, String) {
    let organization = post(
        app,
        token,
        "/api/v1/organizations",
        json!({"name": "Acme"}),
        201,
    )
    .await;
    let org = organization["id"].as_str().unwrap().to_owned();
    let assessment = post(
        app,
        token,
        &format!("/api/v1/organizations/{org}/assessments"),
        json!({"title": "Baseline"}),
        201,
    )
    .await;
    (org, assessment["id"].as_str().unwrap().to_owned())
}

/// The answer respondent `r` gives to item `i`: a spread of values, some
/// "don't know" (`Some(None)`) and some left out (`None`).
fn answer_of(r: usize, i: usize, points: u8) -> Option<Option<u8>> {
    match (r * 7 + i * 3) % 13 {
        0 => None,
        1 => Some(None),
        n => Some(Some((((n + r) % usize::from(points)) + 1) as u8)),
    }
}

const ROLES: [&str; 7] = [
    "executive",
    "manager",
    "manager",
    "employee",
    "employee",
    "employee",
    "partner",
];

async fn whole_flow(app: TestApp) {
    let model = simm_core::builtin_model();
    let points = model.scale().points;
    let token = app.api_token(Role::Consultant).await;

    // Organisation.
    let organization = post(
        &app,
        &token,
        "/api/v1/organizations",
        json!({"name": "  Acme Logistics ", "industry": "Logistics", "country": "NL"}),
        201,
    )
    .await;
    let org = organization["id"].as_str().unwrap().to_owned();
    assert_eq!(
        organization,
        json!({"id": org, "name": "Acme Logistics", "industry": "Logistics", "size": null, "country": "NL"})
    );
    assert_eq!(
        get(&app, &token, "/api/v1/organizations").await,
        json!([organization])
    );
    assert_eq!(
        get(&app, &token, &format!("/api/v1/organizations/{org}")).await,
        organization
    );

    // Assessment, on the newest version of the built-in model.
    let assessment = post(
        &app,
        &token,
        &format!("/api/v1/organizations/{org}/assessments"),
        json!({"title": "Baseline 2026"}),
        201,
    )
    .await;
    let id = assessment["id"].as_str().unwrap().to_owned();
    assert_eq!(
        assessment,
        json!({
            "id": id, "title": "Baseline 2026", "state": "draft",
            "model": {"id": "smartsourcing", "version": model.version()},
            "anonymity_min": null, "organization_id": org,
        })
    );
    let exact = post(
        &app,
        &token,
        &format!("/api/v1/organizations/{org}/assessments"),
        json!({"title": "Pinned", "model": "smartsourcing", "model_version": model.version()}),
        201,
    )
    .await;
    assert_eq!(exact["model"]["version"], model.version());
    let listed = get(
        &app,
        &token,
        &format!("/api/v1/organizations/{org}/assessments"),
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed.as_array().unwrap().contains(&assessment));

    // Invitations: one per row, then some sharing attributes.
    let rows: Vec<Value> = ROLES
        .iter()
        .enumerate()
        .map(|(n, role)| json!({"role": role.to_uppercase(), "unit": format!("Unit {}", n % 2)}))
        .collect();
    let created = post(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/invitations"),
        json!({"rows": rows}),
        201,
    )
    .await;
    let invitations = created["invitations"].as_array().unwrap().clone();
    assert_eq!(invitations.len(), ROLES.len());
    for (invitation, role) in invitations.iter().zip(ROLES) {
        let token = invitation["token"].as_str().unwrap();
        assert_eq!(invitation["url"], format!("{}/r/{token}", app.address));
        assert_eq!(invitation["attributes"]["role"], role, "canonical spelling");
    }
    let extra = post(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/invitations"),
        json!({"count": 2, "attributes": {"role": "Partner"}}),
        201,
    )
    .await;
    assert_eq!(extra["invitations"].as_array().unwrap().len(), 2);
    assert_eq!(
        extra["invitations"][1]["attributes"],
        json!({"role": "partner"})
    );

    // Opening freezes the model's anonymity threshold.
    let opened = post(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/open"),
        json!(null),
        200,
    )
    .await;
    let k = model.scoring().anonymity_min.get();
    assert_eq!(opened["state"], "open");
    assert_eq!(opened["anonymity_min"], k);
    assert_eq!(
        get(&app, &token, &format!("/api/v1/assessments/{id}")).await,
        opened
    );
    assert_eq!(
        get(&app, &token, &format!("/api/v1/assessments/{id}/results")).await,
        json!({"respondents": 0, "suppressed": true, "anonymity_min": k})
    );

    // Respondents answer through their API; the last one only starts.
    let mut expected_total = Tally::new(&model);
    let mut submitted_answers = Vec::new();
    for (r, invitation) in invitations.iter().enumerate() {
        let respondent = invitation["token"].as_str().unwrap();
        let mut answers = vec![None; model.items().len()];
        for (i, item) in model.items().iter().enumerate() {
            let Some(value) = answer_of(r, i, points) else {
                continue;
            };
            let (status, body) = call(
                &app,
                None,
                Method::PUT,
                &format!("/api/v1/r/{respondent}/answers/{}", item.id),
                Some(json!({ "value": value })),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            answers[i] = value.and_then(|v| Answer::new(v, points));
        }
        if r == invitations.len() - 1 {
            break;
        }
        let (status, body) = call(
            &app,
            None,
            Method::POST,
            &format!("/api/v1/r/{respondent}/submit"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        expected_total.add(&answers);
        submitted_answers.push(answers);
    }
    // The responses wait for a release: nothing is shown yet, and
    // participation says how many wait.
    assert_eq!(
        get(&app, &token, &format!("/api/v1/assessments/{id}/results")).await,
        json!({"respondents": 0, "suppressed": true, "anonymity_min": k})
    );
    let snapshot = post(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/snapshot"),
        json!(null),
        201,
    )
    .await;
    assert_eq!(
        snapshot,
        json!({"released": submitted_answers.len(), "blank": 0})
    );
    // The release publishes each response with the attributes that at
    // least k responses of the release share: the policy's classes.
    let policy = simm_core::Policy::of_assessment(Some(k), &model);
    let presets: Vec<[Option<String>; 2]> = (0..submitted_answers.len())
        .map(|r| [Some(ROLES[r].to_owned()), Some(format!("Unit {}", r % 2))])
        .collect();
    let preset_cells: Vec<Vec<Option<&str>>> = presets
        .iter()
        .map(|row| row.iter().map(Option::as_deref).collect())
        .collect();
    let pending: Vec<simm_core::Pending<'_>> = preset_cells
        .iter()
        .map(|attributes| simm_core::Pending {
            attributes,
            answering: true,
        })
        .collect();
    let simm_core::Release::Publish(batch) = policy.release(&pending) else {
        panic!("six answering responses are released")
    };
    let mut expected_groups = GroupTallies::new(&model, AttributeId::parse("role").unwrap());
    for (r, answers) in submitted_answers.iter().enumerate() {
        let shown = batch.shown(r).unwrap();
        expected_groups.add(shown.shows(0).then_some(ROLES[r]), answers);
    }
    let submitted = (ROLES.len() - 1) as i64;
    assert!(
        submitted >= i64::from(k),
        "enough respondents to show results"
    );

    let participation = get(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/participation"),
    )
    .await;
    assert_eq!(participation["invitations"], ROLES.len() + 2);
    assert_eq!(participation["started"], 1);
    assert_eq!(participation["submitted"], submitted);
    let groups = participation["by_group"].as_array().unwrap();
    let partners = groups
        .iter()
        .find(|g| g["attributes"] == json!({"role": "partner"}))
        .unwrap();
    assert_eq!(
        partners,
        &json!({"attributes": {"role": "partner"}, "invitations": 2, "opened": 0, "pending": 2, "started": 0, "submitted": 0, "response_rate": 0.0, "low": true})
    );
    let total: i64 = groups
        .iter()
        .map(|g| {
            g["pending"].as_i64().unwrap()
                + g["started"].as_i64().unwrap()
                + g["submitted"].as_i64().unwrap()
        })
        .sum();
    assert_eq!(total, ROLES.len() as i64 + 2);

    // Results are the engine's, exactly: the same bytes as serialising
    // simm_core's results (compared as text, since parsing JSON numbers
    // may round the last bit). The intervals resample the released
    // responses by their ids, unsalted, as `simm score` does.
    let mut resamples = simm_core::Resamples::new(&model, simm_core::Replicates::DEFAULT, 0);
    for response in app.store.responses(&id).await.unwrap() {
        let answers: Vec<Option<simm_core::Answer>> = (0..model.items().len())
            .map(|index| {
                let value = response.answers.get(index)?;
                simm_core::Answer::new(*value, model.scale().points)
            })
            .collect();
        resamples.add(&response.id, &answers);
    }
    let shown = |total: &Tally| {
        simm_core::with_uncertainty(
            &model,
            simm_core::score_shown(&model, total, policy),
            &resamples,
        )
    };
    let text = get_text(&app, &token, &format!("/api/v1/assessments/{id}/results")).await;
    let engine = shown(&expected_total);
    assert!(engine.areas[0].stage_probability.is_some());
    assert_eq!(text, serde_json::to_string(&engine).unwrap());
    let results: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results["respondents"], submitted);
    let text = get_text(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/results?group_by=role"),
    )
    .await;
    let grouped =
        simm_core::score_grouped(&model, shown(&expected_total), &expected_groups, policy);
    assert!(grouped.groups.is_some());
    assert_eq!(text, serde_json::to_string(&grouped).unwrap());

    // The download is a sheet that scores to the same results.
    let response = app
        .client()
        .get(app.url(&format!("/api/v1/assessments/{id}/responses.csv")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(headers["cache-control"], "no-store");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename="),
        "{disposition}"
    );
    let sheet = response.text().await.unwrap();
    let mut from_sheet = Tally::new(&model);
    let summary = simm_sheet::read_sheet(sheet.as_bytes(), &model, |row| {
        from_sheet.add(row.answers);
    })
    .unwrap();
    assert_eq!(summary.rows, submitted as u64);
    // Every aggregate the web shows comes out of the sheet: the items the
    // web leaves out for too few answers are blank in it.
    // The intervals are left out: the web salts its resamples with the
    // assessment, a sheet scored on its own is unsalted.
    let rescored = simm_core::score(&model, &from_sheet);
    let engine = simm_core::score_shown(&model, &expected_total, policy);
    assert_eq!(
        (&rescored.overall, &rescored.areas, rescored.common_language),
        (&engine.overall, &engine.areas, engine.common_language)
    );
    for (sheet, web) in rescored.items.iter().zip(&engine.items) {
        assert_eq!(
            (sheet.fulfilment, sheet.rwg),
            (web.fulfilment, web.rwg),
            "{}",
            web.id
        );
        assert_eq!(
            sheet.answered == 0,
            web.suppressed || web.answered == 0,
            "{}",
            web.id
        );
    }
    assert!(
        engine.items.iter().any(|item| item.suppressed),
        "some items have too few answers"
    );

    // Closing, twice, then the respondent who only started is refused.
    let closed = post(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/close"),
        json!(null),
        200,
    )
    .await;
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["anonymity_min"], k);
    post(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/close"),
        json!(null),
        200,
    )
    .await;
    let last = invitations.last().unwrap()["token"].as_str().unwrap();
    let (status, _) = call(
        &app,
        None,
        Method::PUT,
        &format!("/api/v1/r/{last}/answers/{}", model.items()[0].id),
        Some(json!({"value": 1})),
    )
    .await;
    assert_eq!(status, 409);

    // A draft cannot be closed: the store's message, as a 409.
    let draft = exact["id"].as_str().unwrap();
    let (status, body) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{draft}/close"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        body,
        json!({"error": "the assessment is draft and cannot become closed"})
    );
}

#[tokio::test]
async fn the_whole_flow_through_the_api_on_sqlite() {
    whole_flow(spawn_app().await).await;
}

#[tokio::test]
async fn the_whole_flow_through_the_api_on_postgres() {
    whole_flow(spawn_app_on(Backend::Postgres).await).await;
}

#[tokio::test]
async fn bad_input_is_refused_with_a_message_naming_the_field() {
    let app = spawn_app().await;
    let token = app.api_token(Role::Consultant).await;
    let (org, id) = organization_with_assessment(&app, &token).await;
    let orgs = "/api/v1/organizations".to_owned();
    let assessments = format!("/api/v1/organizations/{org}/assessments");
    let invitations = format!("/api/v1/assessments/{id}/invitations");
    let long_name = format!("{{\"name\": \"{}\"}}", "x".repeat(201));
    let cases: Vec<(&str, &str, &str)> = vec![
        // (path, raw JSON body, a part of the expected message)
        (
            &orgs,
            "{\"name\": \"Acme\"",
            "Failed to parse the request body as JSON",
        ),
        (&orgs, "not json", "expected ident at line 1 column 2"),
        (
            &orgs,
            "{\"name\": \"Acme\", \"nmae\": 1}",
            "unknown field `nmae`",
        ),
        (&orgs, "{}", "missing field `name`"),
        (
            &orgs,
            "{\"name\": 7}",
            "name: invalid type: integer `7`, expected a string",
        ),
        (&orgs, "{\"name\": \"   \"}", "name: must not be empty"),
        (
            &orgs,
            &long_name,
            "name: must be at most 200 characters, not 201",
        ),
        (
            &orgs,
            "{\"name\": \"A\", \"country\": \"\\u0007\"}",
            "country: must not contain control characters",
        ),
        (&assessments, "{}", "missing field `title`"),
        (
            &assessments,
            "{\"title\": \"\"}",
            "title: must not be empty",
        ),
        (
            &assessments,
            "{\"title\": \"T\", \"modle\": \"x\"}",
            "unknown field `modle`",
        ),
        (
            &assessments,
            "{\"title\": \"T\", \"model\": \"smartsorcing\"}",
            "model: no model \"smartsorcing\" is stored; did you mean \"smartsourcing\"?",
        ),
        (
            &assessments,
            "{\"title\": \"T\", \"model_version\": \"0.0.0-nope\"}",
            "model_version: model smartsourcing has no version \"0.0.0-nope\"; stored versions: ",
        ),
        (
            &invitations,
            "{\"count\": 0}",
            "count: must be 1 to 5000, not 0",
        ),
        (
            &invitations,
            "{\"count\": 5001}",
            "count: must be 1 to 5000, not 5001",
        ),
        (
            &invitations,
            "{\"count\": -1}",
            "count: invalid value: integer `-1`, expected a whole number from 0 to 4294967295",
        ),
        (
            &invitations,
            "{\"count\": \"3\"}",
            "count: invalid type: string \"3\"",
        ),
        (&invitations, "{}", "count: is required"),
        (
            &invitations,
            "{\"count\": 1, \"extra\": true}",
            "unknown field `extra`",
        ),
        (
            &invitations,
            "{\"count\": 1, \"attributes\": {\"rol\": \"partner\"}}",
            "attributes.rol: the model has no attribute \"rol\"; did you mean \"role\"?",
        ),
        (
            &invitations,
            "{\"count\": 1, \"attributes\": {\"role\": \"boss\"}}",
            "attributes.role: \"boss\" is not a value of \"role\"; expected one of executive, manager, employee, partner",
        ),
        (
            &invitations,
            "{\"count\": 1, \"attributes\": {\"role\": 3}}",
            "attributes.role: invalid type: integer `3`, expected a string",
        ),
        (
            &invitations,
            "{\"rows\": [{\"role\": \"manager\"}, {}, {}, {\"role\": \"mangaer\"}, {\"role\": \"nobody\"}]}",
            "rows[3].role: \"mangaer\" is not a value of \"role\"; expected one of executive, manager, employee, partner; did you mean \"manager\"?",
        ),
        (
            &invitations,
            "{\"rows\": [{\"team\": \"x\"}]}",
            "rows[0].team: the model has no attribute \"team\"; its attributes are role, unit, language",
        ),
        (
            &invitations,
            "{\"rows\": []}",
            "rows: must hold 1 to 5000 attribute sets, not 0",
        ),
        (
            &invitations,
            "{\"count\": 1, \"rows\": [{}]}",
            "either count (with optional attributes) or rows, not both",
        ),
        (
            &invitations,
            "{\"rows\": [{}], \"attributes\": {}}",
            "attributes: goes with count",
        ),
    ];
    let mut failures = Vec::new();
    for (path, body, expected) in &cases {
        let (status, answer) = call_raw(&app, &token, path, "application/json", body).await;
        let message = answer["error"].as_str().unwrap_or_default();
        if status != 400 || !message.contains(expected) {
            failures.push(format!(
                "POST {path} {body}\n  expected 400 with {expected:?}\n  got {status} {answer}"
            ));
        }
    }
    // JSON without its content type, and a form, are refused too.
    let (status, answer) = call_raw(&app, &token, &orgs, "text/plain", "{\"name\": \"A\"}").await;
    if status != 400
        || !answer["error"]
            .as_str()
            .unwrap()
            .contains("application/json")
    {
        failures.push(format!("text/plain body: got {status} {answer}"));
    }
    let results = format!("/api/v1/assessments/{id}/results");
    for (query, expected) in [
        (
            "?group_by=rol",
            "the model has no attribute \"rol\" to group by (it has: role, unit, language); did you mean \"role\"?",
        ),
        (
            "?group_by=zzz",
            "the model has no attribute \"zzz\" to group by (it has: role, unit, language)",
        ),
        ("?groupby=role", "unknown field `groupby`"),
    ] {
        let (status, answer) = call(
            &app,
            Some(&token),
            Method::GET,
            &format!("{results}{query}"),
            None,
        )
        .await;
        let message = answer["error"].as_str().unwrap_or_default();
        if status != 400 || !message.contains(expected) {
            failures.push(format!(
                "GET {results}{query}\n  expected 400 with {expected:?}\n  got {status} {answer}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Nothing was stored by the refused requests.
    let participation = get(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/participation"),
    )
    .await;
    assert_eq!(participation["invitations"], 0);
    assert_eq!(get(&app, &token, &orgs).await.as_array().unwrap().len(), 1);
    // The largest batch is accepted.
    let created = post(&app, &token, &invitations, json!({"count": 5000}), 201).await;
    assert_eq!(created["invitations"].as_array().unwrap().len(), 5000);
}

/// Every route that names an object, for the tenancy and role tests.
fn routes_with_ids(org: &str, id: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, format!("/api/v1/organizations/{org}"), None),
        (
            Method::GET,
            format!("/api/v1/organizations/{org}/assessments"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{org}/assessments"),
            Some(json!({"title": "T"})),
        ),
        (Method::GET, format!("/api/v1/assessments/{id}"), None),
        (Method::POST, format!("/api/v1/assessments/{id}/open"), None),
        (
            Method::POST,
            format!("/api/v1/assessments/{id}/close"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/assessments/{id}/invitations"),
            Some(json!({"count": 1})),
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{id}/participation"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{id}/results"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{id}/results?group_by=role"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{id}/responses.csv"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/organizations/{org}/access"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/organizations/{org}/access"),
            Some(json!({"email": "nobody@example.com"})),
        ),
    ]
}

#[tokio::test]
async fn another_tenants_objects_are_not_found() {
    let app = spawn_app().await;
    let owner = app.api_token(Role::Consultant).await;
    let other = app.api_token(Role::Consultant).await;
    let (org, id) = organization_with_assessment(&app, &owner).await;
    let mut failures = Vec::new();
    for (org, id) in [(org.as_str(), id.as_str()), ("missing", "missing")] {
        for (method, path, body) in routes_with_ids(org, id) {
            let (status, answer) = call(&app, Some(&other), method.clone(), &path, body).await;
            if status != 404 || answer != json!({"error": "not found"}) {
                failures.push(format!("{method} {path}: {status} {answer}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "expected 404:\n{}",
        failures.join("\n")
    );
    assert_eq!(get(&app, &other, "/api/v1/organizations").await, json!([]));
    // The owner's assessment was left alone.
    let assessment = get(&app, &owner, &format!("/api/v1/assessments/{id}")).await;
    assert_eq!(assessment["state"], "draft");
}

#[tokio::test]
async fn viewers_read_what_they_are_granted_but_never_write_nor_download() {
    let app = spawn_app().await;
    let owner = app.api_token(Role::Consultant).await;
    let (org, id) = organization_with_assessment(&app, &owner).await;
    let (email, _) = app.add_user(Role::Viewer).await;
    let viewer = simm_web::accounts::create_token(&app.store, &email)
        .await
        .unwrap();
    // Before the grant, the viewer sees nothing.
    assert_eq!(get(&app, &viewer, "/api/v1/organizations").await, json!([]));
    let (status, _) = call(
        &app,
        Some(&viewer),
        Method::GET,
        &format!("/api/v1/organizations/{org}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let user = app.store.user_by_email(&email).await.unwrap().unwrap();
    app.store.grant_access(&org, &user.id).await.unwrap();

    let mut failures = Vec::new();
    for (method, path, body) in routes_with_ids(&org, &id) {
        // Who was granted is for consultants, like the responses.
        let write =
            method != Method::GET || path.ends_with("responses.csv") || path.ends_with("/access");
        let expected = if write { 403 } else { 200 };
        let (status, answer) = call(&app, Some(&viewer), method.clone(), &path, body).await;
        if status != expected {
            failures.push(format!(
                "{method} {path}: expected {expected}, got {status} {answer}"
            ));
        }
        if write
            && answer["error"]
                .as_str()
                .is_none_or(|m| !m.contains("only consultants"))
        {
            failures.push(format!("{method} {path}: {answer}"));
        }
    }
    let (status, _) = call(
        &app,
        Some(&viewer),
        Method::POST,
        "/api/v1/organizations",
        Some(json!({"name": "V"})),
    )
    .await;
    if status != 403 {
        failures.push(format!("POST /api/v1/organizations: {status}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        get(&app, &viewer, "/api/v1/organizations")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn credentials_are_required_and_checked() {
    let app = spawn_app().await;
    let token = app.api_token(Role::Consultant).await;
    let (org, id) = organization_with_assessment(&app, &token).await;
    let mut routes = routes_with_ids(&org, &id);
    routes.push((Method::GET, "/api/v1/organizations".into(), None));
    routes.push((
        Method::POST,
        "/api/v1/organizations".into(),
        Some(json!({"name": "X"})),
    ));
    let mut failures = Vec::new();
    for (method, path, body) in routes {
        for (credential, message) in [
            (None, "sign in first"),
            (Some("not-a-token"), "the API token is not valid"),
            (Some(&token[1..]), "the API token is not valid"),
        ] {
            let mut request = app.client().request(method.clone(), app.url(&path));
            if let Some(credential) = credential {
                request = request.bearer_auth(credential);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let challenge = response.headers().get("www-authenticate").cloned();
            let answer: Value = response.json().await.unwrap();
            if status != 401 || answer != json!({ "error": message }) || challenge.is_none() {
                failures.push(format!(
                    "{method} {path} with {credential:?}: {status} {answer} {challenge:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A session cookie works as well as a token.
    let (client, _) = app.signed_in(Role::Admin).await;
    let response = client
        .get(app.url("/api/v1/organizations"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let all: Value = response.json().await.unwrap();
    assert_eq!(
        all.as_array().unwrap().len(),
        1,
        "admins see every organisation"
    );
    // The document needs no credentials.
    let (status, document) = call(&app, None, Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.1.0");
}

/// Fills a documented path's parameters with values that reach the
/// handler: the handler then answers (404 for unknown ids), whereas for a
/// route the router lacks it answers "no API route matches …" or 405.
fn probe_path(template: &str) -> String {
    template
        .replace("{org}", "missing")
        .replace("{id}", "missing")
        .replace("{token}", "missing")
        .replace("{item}", "VS-2-01")
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routes_the_server_answers() {
    let app = spawn_app().await;
    let token = app.api_token(Role::Consultant).await;
    let (_, document) = call(&app, None, Method::GET, "/api/v1/openapi.json", None).await;
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{}", paths.len());
    let mut failures = Vec::new();
    for (template, item) in paths {
        // The API, and the operator's probes and metrics.
        assert!(
            template.starts_with("/api/v1/")
                || ["/healthz", "/readyz", "/metrics"].contains(&template.as_str()),
            "{template}"
        );
        let path = probe_path(template);
        for method in ["get", "post", "put", "patch", "delete"] {
            let documented = item.get(method).is_some();
            let mut request = app
                .client()
                .request(method.to_uppercase().parse().unwrap(), app.url(&path))
                .bearer_auth(&token);
            if method != "get" {
                request = request.json(&json!({}));
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            let answered = status != 405 && !(status == 404 && body.contains("no API route"));
            if documented != answered {
                failures.push(format!(
                    "{} {template}: documented {documented}, server answered {status} {body:?}",
                    method.to_uppercase()
                ));
            }
            if documented && status >= 400 {
                let error: Value = serde_json::from_str(&body).unwrap_or_default();
                if !error["error"].is_string() {
                    failures.push(format!(
                        "{method} {template}: error body {body:?} is not {{error}}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The bearer scheme is declared and applies by default.
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer", "description": "An API token from `simm token create EMAIL`."})
    );
    assert!(
        document["security"]
            .as_array()
            .unwrap()
            .contains(&json!({"bearer": []}))
    );
}

/// A 400 whose message starts with `start`.
async fn refused(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
    expected: u16,
    start: &str,
) {
    let (status, answer) = call(app, Some(token), method.clone(), path, Some(body.clone())).await;
    let message = answer["error"].as_str().unwrap_or_default();
    assert!(
        status == expected && message.starts_with(start),
        "{method} {path} {body}: expected {expected} starting {start:?}, got {status} {answer}"
    );
}

#[tokio::test]
async fn consultants_list_and_grant_access_through_the_api() {
    let app = spawn_app().await;
    let (owner_email, _) = app.add_user(Role::Consultant).await;
    let owner = simm_web::accounts::create_token(&app.store, &owner_email)
        .await
        .unwrap();
    let (org, _) = organization_with_assessment(&app, &owner).await;
    let access = format!("/api/v1/organizations/{org}/access");
    // The creator was granted the organisation.
    assert_eq!(
        get(&app, &owner, &access).await,
        json!([{"email": owner_email, "role": "consultant"}])
    );
    let (viewer_email, _) = app.add_user(Role::Viewer).await;
    let viewer = simm_web::accounts::create_token(&app.store, &viewer_email)
        .await
        .unwrap();
    let (status, _) = call(
        &app,
        Some(&viewer),
        Method::GET,
        &format!("/api/v1/organizations/{org}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "not granted yet");
    // Case and spaces of the email do not matter.
    let shouted = format!("  {}  ", viewer_email.to_uppercase());
    let response = app
        .client()
        .post(app.url(&access))
        .bearer_auth(&owner)
        .json(&json!({ "email": shouted }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["location"], access.as_str());
    let granted: Value = response.json().await.unwrap();
    assert_eq!(granted, json!({"email": viewer_email, "role": "viewer"}));
    // Granting again changes nothing.
    let again = post(&app, &owner, &access, json!({ "email": viewer_email }), 200).await;
    assert_eq!(again, granted);
    assert_eq!(
        get(&app, &owner, &access).await.as_array().unwrap().len(),
        2
    );
    get(&app, &viewer, &format!("/api/v1/organizations/{org}")).await;
    // The viewer reads the organisation but not who else may.
    let (status, _) = call(&app, Some(&viewer), Method::GET, &access, None).await;
    assert_eq!(status, 403);

    let (admin_email, _) = app.add_user(Role::Admin).await;
    for (body, start) in [
        (
            json!({"email": "not an email"}),
            "email: \"not an email\" is not an email address",
        ),
        (
            json!({"email": "nobody@example.com"}),
            "email: no viewer or consultant with that email can be granted access",
        ),
        (
            json!({ "email": admin_email }),
            "email: no viewer or consultant with that email can be granted access",
        ),
        (
            json!({}),
            "Failed to deserialize the JSON body into the target type: missing field `email`",
        ),
        (
            json!({"email": viewer_email, "role": "viewer"}),
            "Failed to deserialize the JSON body into the target type: role: unknown field `role`",
        ),
        (
            json!({"email": 3}),
            "Failed to deserialize the JSON body into the target type: email: invalid type",
        ),
    ] {
        refused(&app, &owner, Method::POST, &access, body, 400, start).await;
    }
    assert_eq!(
        get(&app, &owner, &access).await.as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn anyone_signed_in_lists_the_stored_models() {
    let app = spawn_app().await;
    let viewer = app.api_token(Role::Viewer).await;
    let models = get(&app, &viewer, "/api/v1/models").await;
    let models = models.as_array().unwrap();
    assert_eq!(models.len(), 1, "{models:?}");
    let model = &models[0];
    assert_eq!(model["id"], app.builtin_model_version.as_str());
    assert_eq!(model["model_id"], "smartsourcing");
    assert_eq!(model["version"], simm_core::builtin_model().version());
    assert_eq!(model["content_hash"].as_str().unwrap().len(), 64);
    assert!(model["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(model.as_object().unwrap().len(), 5);
}

#[tokio::test]
async fn admins_list_and_add_users_through_the_api() {
    let app = spawn_app().await;
    let (admin_email, _) = app.add_user(Role::Admin).await;
    let admin = simm_web::accounts::create_token(&app.store, &admin_email)
        .await
        .unwrap();
    let users = get(&app, &admin, "/api/v1/users").await;
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["email"], admin_email.as_str());
    assert_eq!(users[0]["role"], "admin");
    let created = post(
        &app,
        &admin,
        "/api/v1/users",
        json!({"email": " Ana@Example.com ", "role": "consultant", "password": "long enough password"}),
        201,
    )
    .await;
    assert_eq!(created["email"], "ana@example.com");
    assert_eq!(created["role"], "consultant");
    assert!(created["id"].is_string());
    let users = get(&app, &admin, "/api/v1/users").await;
    assert_eq!(users.as_array().unwrap().len(), 2);
    assert!(users.as_array().unwrap().contains(&created));
    // The new user signs in with the password.
    let response = app
        .client()
        .post(app.url("/login"))
        .form(&[
            ("email", "ana@example.com"),
            ("password", "long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);

    let user = |email: &str, role: &str, password: &str| json!({"email": email, "role": role, "password": password});
    for (body, status, start) in [
        (
            user("ana@example.com", "viewer", "long enough password"),
            409,
            "",
        ),
        (
            user("bo@example.com", "viewer", "short"),
            400,
            "password: the password is too short: use at least 12 characters",
        ),
        (
            user("bo@example.com", "viewer", &"p".repeat(1025)),
            400,
            "password: the password is too long: use at most 1024 bytes",
        ),
        (
            user("bo@example", "viewer", "long enough password"),
            400,
            "email: \"bo@example\" is not an email address",
        ),
        (
            user("bo@example.com", "consultnat", "long enough password"),
            400,
            "role: \"consultnat\" is not a role; did you mean \"consultant\"? use one of viewer, consultant, steward, admin",
        ),
        (
            json!({"email": "bo@example.com", "role": "viewer"}),
            400,
            "Failed to deserialize the JSON body into the target type: missing field `password`",
        ),
        (
            json!({"email": "bo@example.com", "role": "viewer", "password": "long enough password", "name": "Bo"}),
            400,
            "Failed to deserialize the JSON body into the target type: name: unknown field `name`",
        ),
    ] {
        refused(
            &app,
            &admin,
            Method::POST,
            "/api/v1/users",
            body,
            status,
            start,
        )
        .await;
    }
    assert_eq!(
        get(&app, &admin, "/api/v1/users")
            .await
            .as_array()
            .unwrap()
            .len(),
        2,
        "nothing refused was stored"
    );
    // Consultants neither list nor add users.
    let consultant = app.api_token(Role::Consultant).await;
    let (status, answer) = call(&app, Some(&consultant), Method::GET, "/api/v1/users", None).await;
    assert_eq!(
        (status, answer),
        (403, json!({"error": "only admins may do this"}))
    );
    refused(
        &app,
        &consultant,
        Method::POST,
        "/api/v1/users",
        user("cy@example.com", "admin", "long enough password"),
        403,
        "only admins may do this",
    )
    .await;
}

#[tokio::test]
async fn users_change_their_password_through_the_api() {
    let app = spawn_app().await;
    let (email, old) = app.add_user(Role::Viewer).await;
    let token = simm_web::accounts::create_token(&app.store, &email)
        .await
        .unwrap();
    let path = "/api/v1/account/password";
    let new = "a brand new passphrase";
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    for (body, start) in [
        (
            change(&old, "short"),
            "new_password: is too short: use at least 12 characters",
        ),
        // Sign-ins refuse longer passwords, so none can be set.
        (
            change(&old, &"p".repeat(1025)),
            "new_password: is too long: use at most 1024 bytes",
        ),
        (change("wrong password", new), "current_password: is wrong"),
        (
            json!({"current_password": old}),
            "Failed to deserialize the JSON body into the target type: missing field `new_password`",
        ),
        (
            json!({"current": old, "new": new}),
            "Failed to deserialize the JSON body into the target type: current: unknown field `current`",
        ),
    ] {
        refused(&app, &token, Method::POST, path, body, 400, start).await;
    }
    // A browser session of the same user, which the change ends.
    let browser = app.client();
    let response = browser
        .post(app.url("/login"))
        .form(&[("email", &email), ("password", &old)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        browser.get(app.url("/")).send().await.unwrap().status(),
        200
    );

    let (status, answer) = call(
        &app,
        Some(&token),
        Method::POST,
        path,
        Some(change(&old, new)),
    )
    .await;
    assert_eq!(status, 204, "{answer}");
    assert_eq!(
        browser.get(app.url("/")).send().await.unwrap().status(),
        303
    );
    // The API token stays valid; the old password no longer signs in.
    get(&app, &token, "/api/v1/organizations").await;
    let response = app
        .client()
        .post(app.url("/login"))
        .form(&[("email", &email), ("password", &old)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // Through the session cookie (with its CSRF header), the cookie is cleared.
    let response = browser
        .post(app.url("/login"))
        .form(&[("email", email.as_str()), ("password", new)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let page = browser
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::console::csrf_in(&page);
    let response = browser
        .post(app.url(path))
        .header("x-csrf-token", csrf)
        .json(&change(new, "yet another passphrase"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    assert_eq!(
        browser.get(app.url("/")).send().await.unwrap().status(),
        303
    );
}

#[tokio::test]
async fn granting_access_does_not_tell_who_has_an_account_or_which_role() {
    let app = spawn_app().await;
    let owner = app.api_token(Role::Consultant).await;
    let (org, _) = organization_with_assessment(&app, &owner).await;
    let access = format!("/api/v1/organizations/{org}/access");
    let (admin, _) = app.add_user(Role::Admin).await;
    let (steward, _) = app.add_user(Role::Steward).await;
    let mut answers = Vec::new();
    for email in ["nobody@example.com", &admin, &steward] {
        let response = app
            .client()
            .post(app.url(&access))
            .bearer_auth(&owner)
            .json(&json!({ "email": email }))
            .send()
            .await
            .unwrap();
        answers.push((response.status().as_u16(), response.bytes().await.unwrap()));
    }
    assert_eq!(answers[0].0, 400);
    assert_eq!(
        answers[0].1,
        r#"{"error":"email: no viewer or consultant with that email can be granted access"}"#
    );
    assert_eq!(answers[1], answers[0], "an admin's email");
    assert_eq!(answers[2], answers[0], "a steward's email");
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    let token = app.api_token(Role::Viewer).await;
    let check = |scheme: &'static str, expected: u16| {
        let request = app
            .client()
            .get(app.url("/api/v1/organizations"))
            .header("authorization", format!("{scheme} {token}"));
        async move {
            let status = request.send().await.unwrap().status().as_u16();
            assert_eq!(status, expected, "{scheme}");
        }
    };
    check("Bearer", 200).await;
    check("bearer", 200).await;
    check("BEARER", 200).await;
    check("bEaReR", 200).await;
    check("Basic", 401).await;
    check("Bearerx", 401).await;
}

#[tokio::test]
async fn bidirectional_formatting_characters_are_refused_in_names() {
    let app = spawn_app().await;
    let token = app.api_token(Role::Consultant).await;
    let admin = app.api_token(Role::Admin).await;
    let (org, id) = organization_with_assessment(&app, &token).await;
    let organizations = "/api/v1/organizations".to_owned();
    let assessments = format!("/api/v1/organizations/{org}/assessments");
    let invitations = format!("/api/v1/assessments/{id}/invitations");
    let bidi = "must not contain bidirectional formatting characters, which change the order text is shown in; it holds";
    let cases = [
        (
            &token,
            &organizations,
            json!({"name": "Acme\u{202E}cod.exe"}),
            format!("name: {bidi} U+202E"),
        ),
        (
            &token,
            &organizations,
            json!({"name": "Acme", "industry": "\u{2066}Retail\u{2069}"}),
            format!("industry: {bidi} U+2066"),
        ),
        (
            &token,
            &assessments,
            json!({"title": "Baseline\u{202D}"}),
            format!("title: {bidi} U+202D"),
        ),
        (
            &token,
            &invitations,
            json!({"count": 1, "attributes": {"unit": "IT\u{200F}"}}),
            format!("attributes.unit: {bidi} U+200F"),
        ),
        (
            &token,
            &invitations,
            json!({"rows": [{"unit": "IT"}, {"unit": "\u{202A}Sales"}]}),
            format!("rows[1].unit: {bidi} U+202A"),
        ),
        (
            &admin,
            &"/api/v1/users".to_owned(),
            json!({"email": "ana\u{202E}@example.com", "role": "viewer", "password": "correct horse battery"}),
            "email: \"ana\\u{202e}@example.com\" is not an email address".to_owned(),
        ),
    ];
    for (credential, path, body, message) in cases {
        let (status, answer) = call(&app, Some(credential), Method::POST, path, Some(body)).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(answer, json!({ "error": message }), "{path}");
    }
    // Nothing was created.
    assert_eq!(
        get(&app, &token, &organizations)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get(&app, &token, &assessments)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let participation = get(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/participation"),
    )
    .await;
    assert_eq!(participation["invitations"], 0);
    assert_eq!(
        get(&app, &admin, "/api/v1/users")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// What an error answer under /api/ must look like: the status, JSON
/// `{"error"}` with a message holding `part`, and the JSON content type.
async fn check_json_error(
    failures: &mut Vec<String>,
    what: &str,
    response: reqwest::Response,
    status: u16,
    part: &str,
) -> reqwest::header::HeaderMap {
    let got = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap_or_default();
    let message = body["error"].as_str().unwrap_or_default();
    let shape = body.as_object().is_some_and(|o| o.len() == 1);
    if got != status || content_type != "application/json" || !shape || !message.contains(part) {
        failures.push(format!(
            "{what}: expected {status} application/json {{\"error\": …{part:?}…}}, got {got} {content_type:?} {text:?}"
        ));
    }
    headers
}

#[tokio::test]
async fn every_api_error_has_a_json_body_and_pages_keep_html() {
    let app = spawn_app().await;
    let token = app.api_token(Role::Consultant).await;
    let client = app.client();
    let limit = app.state.config.body_limit;
    let orgs = app.url("/api/v1/organizations");
    let too_big = format!("{{\"name\": \"{}\"}}", "x".repeat(limit));
    let mut failures = Vec::new();
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, String)> = vec![
        (
            "no route",
            client.get(app.url("/api/v1/nowhere")).bearer_auth(&token),
            404,
            "no API route matches /api/v1/nowhere".into(),
        ),
        (
            "no route, anonymous",
            client.get(app.url("/api/v2/organizations")),
            404,
            "no API route matches /api/v2/organizations".into(),
        ),
        (
            "wrong method",
            client.delete(orgs.clone()).bearer_auth(&token),
            405,
            "DELETE is not allowed on /api/v1/organizations; the Allow header lists".into(),
        ),
        (
            "body above the limit",
            client
                .post(orgs.clone())
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(too_big.clone()),
            413,
            format!("the request body is larger than the limit of {limit} bytes"),
        ),
        (
            "body above the limit, respondent",
            client
                .put(app.url("/api/v1/r/missing/answers/VS-2-01"))
                .header("content-type", "application/json")
                .body(too_big),
            413,
            format!("the request body is larger than the limit of {limit} bytes"),
        ),
        (
            "JSON syntax",
            client
                .post(orgs.clone())
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{\"name\": "),
            400,
            "Failed to parse the request body as JSON".into(),
        ),
        (
            "no content type",
            client
                .post(orgs.clone())
                .bearer_auth(&token)
                .body("{\"name\": \"A\"}"),
            400,
            "application/json".into(),
        ),
        (
            "path parameter that is not UTF-8",
            client
                .put(app.url("/api/v1/r/%FF/answers/VS-2-01"))
                .json(&json!({"value": 1})),
            400,
            "Invalid URL".into(),
        ),
        ("no credentials", client.get(orgs.clone()), 401, "".into()),
    ];
    for (what, request, status, part) in cases {
        let response = request.send().await.unwrap();
        let headers = check_json_error(&mut failures, what, response, status, &part).await;
        if status == 405
            && headers
                .get("allow")
                .is_none_or(|allow| allow != "GET,HEAD,POST")
        {
            failures.push(format!("{what}: the Allow header is gone"));
        }
        if headers.get("content-security-policy").is_none() {
            failures.push(format!("{what}: no security headers"));
        }
    }
    // Pages keep their own error pages, never JSON.
    for (what, request) in [
        ("page with no route", client.get(app.url("/nowhere"))),
        (
            "page body above the limit",
            client
                .post(app.url("/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("x".repeat(limit + 1)),
        ),
    ] {
        let response = request.send().await.unwrap();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if content_type.starts_with("application/json") {
            failures.push(format!("{what}: answered JSON"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_get_route_refuses_an_unknown_query_parameter() {
    let app = spawn_app().await;
    // Admins pass every role check, so the query is what is refused.
    let token = app.api_token(Role::Admin).await;
    let (_, document) = call(&app, None, Method::GET, "/api/v1/openapi.json", None).await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for (template, item) in document["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        let path = format!(
            "{}?bogus=1",
            probe_path(template)
                .replace("{model_id}", "smartsourcing")
                .replace("{version}", "1.1.0")
        );
        let response = app
            .client()
            .get(app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        check_json_error(&mut failures, &path, response, 400, "unknown field `bogus`").await;
        checked += 1;
    }
    assert!(checked >= 15, "{checked} GET routes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn integral_numbers_are_integers_and_null_is_not_an_absent_field() {
    let app = spawn_app().await;
    let token = app.api_token(Role::Consultant).await;
    let (org, id) = organization_with_assessment(&app, &token).await;
    let invitations = format!("/api/v1/assessments/{id}/invitations");
    let created = post(&app, &token, &invitations, json!({"count": 3.0}), 201).await;
    assert_eq!(created["invitations"].as_array().unwrap().len(), 3);
    let created = post(&app, &token, &invitations, json!({"count": 2e0}), 201).await;
    assert_eq!(created["invitations"].as_array().unwrap().len(), 2);
    // The document marks the organisation's optional texts nullable: null
    // is absent there.
    let organization = post(
        &app,
        &token,
        "/api/v1/organizations",
        json!({"name": "B", "industry": null}),
        201,
    )
    .await;
    assert_eq!(organization["industry"], Value::Null);
    let assessments = format!("/api/v1/organizations/{org}/assessments");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            &invitations,
            json!({"count": 2.5}),
            "count: invalid value: floating point `2.5`, expected a whole number from 0 to 4294967295",
        ),
        (
            &invitations,
            json!({"count": null}),
            "count: must not be null; leave the field out instead",
        ),
        (
            &invitations,
            json!({"count": 1, "attributes": null}),
            "attributes: must not be null",
        ),
        (
            &invitations,
            json!({"rows": null}),
            "rows: must not be null",
        ),
        (
            &assessments,
            json!({"title": "T", "model": null}),
            "model: must not be null",
        ),
        (
            &assessments,
            json!({"title": "T", "model_version": null}),
            "model_version: must not be null",
        ),
    ];
    let mut failures = Vec::new();
    for (path, body, expected) in cases {
        let (status, answer) =
            call(&app, Some(&token), Method::POST, path, Some(body.clone())).await;
        let message = answer["error"].as_str().unwrap_or_default();
        if status != 400 || !message.contains(expected) {
            failures.push(format!(
                "POST {path} {body}: expected 400 with {expected:?}, got {status} {answer}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let participation = get(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/participation"),
    )
    .await;
    assert_eq!(participation["invitations"], 5);
}
