//! The model steward's pages and API: stored versions and their use, the
//! pooled calibration and its refusals, the proposed model file, and the
//! re-scoring of an assessment under another model version.

use std::collections::BTreeMap;

use simm_core::{Model, StageLevel, StageMove, Tally, builtin_model, propose_model};
use simm_store::{NewOrganization, NewResponse, Role, Store};

use crate::{Backend, TestApp, spawn_app, spawn_app_on};

/// An organisation of a new consultant with one open assessment on the
/// stored version `model_version` holding `responses`; answers the
/// assessment's id.
async fn assessment_with(app: &TestApp, model_version: &str, responses: &[NewResponse]) -> String {
    assessment_with_minimum(app, model_version, responses, 5).await
}

/// As [`assessment_with`], opened with the anonymity minimum `minimum`.
async fn assessment_with_minimum(
    app: &TestApp,
    model_version: &str,
    responses: &[NewResponse],
    minimum: u32,
) -> String {
    let store: &Store = &app.store;
    let owner = store
        .create_user(
            &format!("{}@example.com", &simm_store::new_id()[..12]),
            "no password",
            Role::Consultant,
        )
        .await
        .unwrap();
    let organization = store
        .create_organization(
            &NewOrganization {
                name: "Pooled".into(),
                industry: None,
                size: None,
                country: None,
            },
            &owner.id,
        )
        .await
        .unwrap();
    let assessment = store
        .create_assessment(&organization.id, "Baseline", model_version)
        .await
        .unwrap();
    store
        .insert_responses(&assessment.id, responses)
        .await
        .unwrap();
    store
        .open_assessment(&assessment.id, minimum)
        .await
        .unwrap();
    simm_web::release_assessment(&app.state, &assessment.id, false)
        .await
        .unwrap();
    assessment.id
}

/// The responses as assessments of the built-in version, `parts` of about
/// equal size.
async fn assessments_of(app: &TestApp, responses: &[NewResponse], parts: usize) {
    for part in responses.chunks(responses.len().div_ceil(parts)) {
        assessment_with(app, &app.builtin_model_version, part).await;
    }
}

const CALIBRATION: &str = "/api/v1/models/smartsourcing/versions/1.1.0/calibration";
const PROPOSAL: &str = "/api/v1/models/smartsourcing/versions/1.1.0/proposal.toml";

async fn get(client: &reqwest::Client, token: Option<&str>, url: String) -> reqwest::Response {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_calibration_pools_the_responses_of_every_assessment_of_a_version() {
    pooled_calibration(spawn_app().await).await;
}

#[tokio::test]
async fn a_calibration_pools_the_responses_of_every_assessment_on_postgres() {
    pooled_calibration(spawn_app_on(Backend::Postgres).await).await;
}

async fn pooled_calibration(app: TestApp) {
    let model = builtin_model();
    let first = simm_web::demo::synthetic_responses(&model, 160, 11);
    // Only three partners in the second assessment's responses: together
    // with the first one's 20 they make a group, on their own they would
    // not. Every unit but Procurement has more than five members.
    let mut second = simm_web::demo::synthetic_responses(&model, 140, 12);
    for response in &mut second {
        if response.attributes["role"] == "partner" {
            response.attributes.insert("role".into(), "employee".into());
        }
    }
    assessment_with(&app, &app.builtin_model_version, &first).await;
    assessment_with(&app, &app.builtin_model_version, &second).await;
    // Below its own minimum: its results are withheld, and it is left out.
    let few = simm_web::demo::synthetic_responses(&model, 4, 13);
    assessment_with(&app, &app.builtin_model_version, &few).await;

    let (client, _) = app.signed_in(Role::Steward).await;
    let list = client.get(app.url("/models")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    assert!(
        list.contains("/models/smartsourcing/versions/1.1.0"),
        "{list}"
    );
    // The four responses of the assessment below its minimum were never
    // released: only published responses count.
    assert!(list.contains(">3<") && list.contains(">300<"), "{list}");

    let page = client
        .get(app.url("/models/smartsourcing/versions/1.1.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("<button type=\"submit\">Calibrate</button>"),
        "{page}"
    );

    let report = client
        .get(app.url("/models/smartsourcing/versions/1.1.0/calibration?group_by=role"))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let report = report.text().await.unwrap();
    for item in model.items() {
        assert!(report.contains(item.id.as_str()), "{} is missing", item.id);
    }
    assert!(report.to_lowercase().contains("alpha"), "no reliability");
    assert!(report.contains("smartsourcing-1.2.0.toml"), "no proposal");
    assert!(
        report.contains("1 assessment of this version is left out"),
        "{report}"
    );

    let token = app.api_token(Role::Steward).await;
    let client = app.client();
    let response = get(&client, Some(&token), app.url(CALIBRATION)).await;
    assert_eq!(response.status(), 200);
    let calibration: serde_json::Value = response.json().await.unwrap();
    assert_eq!(calibration["respondents"], 300);
    assert_eq!(
        calibration["items"].as_array().unwrap().len(),
        model.items().len()
    );
    assert!(calibration["items"][0]["location"].is_number());
    assert!(calibration["areas"][0]["alpha"].is_number());
    let notes = calibration["notes"].to_string();
    assert!(
        notes.contains("300 published responses of 2 assessments"),
        "{notes}"
    );
    assert!(
        notes.contains("1 assessment of this version is left out"),
        "{notes}"
    );

    // DIF by unit: Procurement holds every partner of the first assessment
    // (20) and is kept; by role, all four roles are big enough.
    let by_role = get(
        &client,
        Some(&token),
        app.url(&format!("{CALIBRATION}?group_by=role")),
    )
    .await;
    assert_eq!(by_role.status(), 200);
    let by_role: serde_json::Value = by_role.json().await.unwrap();
    assert_eq!(by_role["group_by"], "role");
    let groups: Vec<&str> = by_role["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["executive", "manager", "employee", "partner"]);
    assert!(by_role["dif"].as_array().is_some_and(|d| !d.is_empty()));

    let unknown = get(
        &client,
        Some(&token),
        app.url(&format!("{CALIBRATION}?group_by=rol")),
    )
    .await;
    assert_eq!(unknown.status(), 400);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("did you mean \\\"role\\\"")
    );

    let versions = get(
        &client,
        Some(&token),
        app.url("/api/v1/models/smartsourcing/versions"),
    )
    .await;
    assert_eq!(versions.status(), 200);
    let versions: serde_json::Value = versions.json().await.unwrap();
    assert_eq!(versions[0]["assessments"], 3);
    assert_eq!(versions[0]["submitted_responses"], 300);
    assert_eq!(versions[0]["anonymity_min"], 5);
}

/// The group names and the notes of a calibration by `group_by`.
async fn dif_by(app: &TestApp, group_by: &str) -> (Vec<String>, String) {
    let token = app.api_token(Role::Admin).await;
    let response = get(
        &app.client(),
        Some(&token),
        app.url(&format!("{CALIBRATION}?group_by={group_by}")),
    )
    .await;
    assert_eq!(response.status(), 200);
    let calibration: serde_json::Value = response.json().await.unwrap();
    let groups = calibration["groups"]
        .as_array()
        .map(|groups| {
            groups
                .iter()
                .map(|g| g["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    (groups, calibration["notes"].to_string())
}

#[tokio::test]
async fn groups_too_small_in_their_release_never_reach_dif() {
    let app = spawn_app().await;
    let model = builtin_model();
    let mut responses = simm_web::demo::synthetic_responses(&model, 200, 21);
    // Keep three partners; the others become employees. Everyone is in one
    // unit, so that the role alone decides the classes of a release.
    let mut partners = 0;
    for response in &mut responses {
        response
            .attributes
            .insert("unit".into(), "Operations".into());
        if response.attributes["role"] == "partner" {
            partners += 1;
            if partners > 3 {
                response.attributes.insert("role".into(), "employee".into());
            }
        }
    }
    assessments_of(&app, &responses, 2).await;

    let (groups, notes) = dif_by(&app, "role").await;
    // Fewer than five partners in each release: their role was never
    // published, so DIF cannot compare them, nor name them.
    assert_eq!(groups, ["executive", "manager", "employee"], "{notes}");
    assert!(!notes.contains("partner"), "{notes}");
    // That some responses have no role is said, not how many.
    assert!(notes.contains("some responses have no role"), "{notes}");
    assert!(!notes.contains("3 responses"), "{notes}");
}

#[tokio::test]
async fn free_text_groups_too_small_to_publish_are_not_named() {
    let app = spawn_app().await;
    let model = builtin_model();
    let mut responses = simm_web::demo::synthetic_responses(&model, 200, 22);
    for response in responses.iter_mut().take(2) {
        response
            .attributes
            .insert("unit".into(), "Skunkworks".into());
    }
    assessments_of(&app, &responses, 2).await;
    let (groups, notes) = dif_by(&app, "unit").await;
    assert!(!notes.contains("Skunkworks"), "{notes}");
    assert!(!groups.iter().any(|g| g == "Skunkworks"), "{groups:?}");
    assert!(notes.contains("some responses have no unit"), "{notes}");
}

#[tokio::test]
async fn a_pool_of_one_assessment_is_refused() {
    let app = spawn_app().await;
    let model = builtin_model();
    let responses = simm_web::demo::synthetic_responses(&model, 200, 9);
    assessment_with(&app, &app.builtin_model_version, &responses).await;
    // Below its own minimum: it does not make a second.
    let few = simm_web::demo::synthetic_responses(&model, 4, 10);
    assessment_with(&app, &app.builtin_model_version, &few).await;
    let token = app.api_token(Role::Steward).await;
    let client = app.client();
    let refusal = "a pooled calibration needs at least two assessments that published results; one assessment's results are for its consultants";
    for path in [CALIBRATION, PROPOSAL] {
        let response = get(&client, Some(&token), app.url(path)).await;
        assert_eq!(response.status(), 409, "{path}");
        let body = response.text().await.unwrap().to_lowercase();
        assert!(body.contains(refusal), "{body}");
        assert!(
            body.contains("1 more has published fewer than its own minimum"),
            "{body}"
        );
    }
    let (client, _) = app.signed_in(Role::Steward).await;
    let page = client
        .get(app.url("/models/smartsourcing/versions/1.1.0/calibration"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 409);
    let page = page.text().await.unwrap();
    assert!(page.contains("No calibration"), "{page}");
    assert!(
        page.contains("needs at least two assessments that published results")
            && page.contains("results are for its consultants"),
        "{page}"
    );
    let page = client
        .get(app.url("/models/smartsourcing/versions/1.1.0"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("at least two assessments"), "{page}");
    assert!(
        !page.contains("<button type=\"submit\">Calibrate</button>"),
        "{page}"
    );
}

#[tokio::test]
async fn an_assessment_below_its_own_minimum_is_left_out_of_the_pool() {
    let app = spawn_app().await;
    let model = builtin_model();
    let mut responses = simm_web::demo::synthetic_responses(&model, 120, 5);
    // Everyone in the two big assessments gives the third item the same
    // answer ...
    for response in &mut responses {
        response.answers[2] = 3;
    }
    assessments_of(&app, &responses, 2).await;
    // ... and in a small one below its minimum, another: pooled, it would
    // give the item its variance.
    let mut few = simm_web::demo::synthetic_responses(&model, 4, 6);
    for response in &mut few {
        response.answers[2] = 1;
    }
    assessment_with(&app, &app.builtin_model_version, &few).await;
    let token = app.api_token(Role::Steward).await;
    let response = get(&app.client(), Some(&token), app.url(CALIBRATION)).await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(body.contains("every answer is 3"), "{body}");
}

#[tokio::test]
async fn a_calibration_below_the_anonymity_minimum_is_refused() {
    let app = spawn_app().await;
    // A version whose own minimum is 10, and two assessments of it that
    // promised anonymity from 3 respondents: each publishes its 3, but
    // together they are still fewer than the version's minimum.
    let source = simm_core::BUILTIN_MODEL_SOURCE
        .replacen("version = \"1.1.0\"", "version = \"1.1.1\"", 1)
        .replacen("anonymity_min = 5", "anonymity_min = 10", 1);
    let model = Model::parse(&source).unwrap();
    let version = app
        .store
        .store_model_version(&model, &source)
        .await
        .unwrap();
    let responses = simm_web::demo::synthetic_responses(&model, 6, 3);
    for part in responses.chunks(3) {
        assessment_with_minimum(&app, &version.id, part, 3).await;
    }
    let base = "/api/v1/models/smartsourcing/versions/1.1.1";
    let token = app.api_token(Role::Steward).await;
    let client = app.client();
    for path in [
        format!("{base}/calibration"),
        format!("{base}/proposal.toml"),
    ] {
        let response = get(&client, Some(&token), app.url(&path)).await;
        assert_eq!(response.status(), 409, "{path}");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("6 published responses") && body.contains("at least 10"),
            "{body}"
        );
    }
    let (client, _) = app.signed_in(Role::Steward).await;
    let page = client
        .get(app.url("/models/smartsourcing/versions/1.1.1/calibration"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 409);
    let page = page.text().await.unwrap();
    assert!(page.contains("No calibration") && page.contains("at least 10"));
    // The version page says so before anyone tries.
    let page = client
        .get(app.url("/models/smartsourcing/versions/1.1.1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("a calibration needs at least 10"), "{page}");
}

#[tokio::test]
async fn an_item_that_cannot_be_calibrated_is_named_not_a_server_error() {
    let app = spawn_app().await;
    let model = builtin_model();
    let mut responses = simm_web::demo::synthetic_responses(&model, 120, 5);
    // Everyone gives the third item the same answer.
    for response in &mut responses {
        response.answers[2] = 3;
    }
    assessments_of(&app, &responses, 2).await;
    let token = app.api_token(Role::Steward).await;
    let response = get(&app.client(), Some(&token), app.url(CALIBRATION)).await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    let item = model.items()[2].id.as_str();
    assert!(
        body.contains(&format!("item {item}")) && body.contains("every answer is 3"),
        "{body}"
    );
    let (client, _) = app.signed_in(Role::Steward).await;
    let page = client
        .get(app.url("/models/smartsourcing/versions/1.1.0/calibration"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 409);
    assert!(page.text().await.unwrap().contains(item));
}

#[tokio::test]
async fn the_proposal_is_the_model_file_with_a_new_version() {
    let app = spawn_app().await;
    let model = builtin_model();
    let responses = simm_web::demo::synthetic_responses(&model, 200, 8);
    assessments_of(&app, &responses, 2).await;
    let (client, _) = app.signed_in(Role::Steward).await;
    let response = client
        .get(app.url("/models/smartsourcing/versions/1.1.0/proposal.toml"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"smartsourcing-1.2.0.toml\""
    );
    let text = response.text().await.unwrap();
    let proposed = Model::parse(&text).expect("the proposal is a model file");
    assert_eq!(proposed.version(), "1.2.0");
    assert_eq!(proposed.items().len(), model.items().len());

    let token = app.api_token(Role::Admin).await;
    let api = get(&app.client(), Some(&token), app.url(PROPOSAL)).await;
    assert_eq!(api.status(), 200);
    assert_eq!(api.text().await.unwrap(), text);
}

/// Identical answers from `count` respondents: every item 5 except those
/// `low` says, which get 1.
fn uniform(
    model: &Model,
    count: usize,
    low: impl Fn(&simm_core::Item) -> bool,
) -> Vec<NewResponse> {
    let answers: Vec<u8> = model
        .items()
        .iter()
        .map(|item| if low(item) { 1 } else { 5 })
        .collect();
    (0..count)
        .map(|_| NewResponse {
            attributes: BTreeMap::new(),
            answers: answers.clone(),
        })
        .collect()
}

/// The stage of an area under `model` from identical respondents.
fn area_stage(model: &Model, responses: &[NewResponse], area: &str, source: &Model) -> u8 {
    let mut tally = Tally::new(model);
    for response in responses {
        let answers: Vec<_> = model
            .items()
            .iter()
            .map(|item| {
                source
                    .item_index(item.id.as_str())
                    .and_then(|index| simm_core::Answer::new(response.answers[index], 5))
            })
            .collect();
        tally.add(&answers);
    }
    let results = simm_core::score(model, &tally);
    results
        .areas
        .iter()
        .find(|a| a.id.as_str() == area)
        .unwrap()
        .stage
        .get()
}

#[tokio::test]
async fn re_scoring_under_a_version_with_a_moved_item_changes_the_stage() {
    let app = spawn_app().await;
    let model = builtin_model();
    // Vision: three of four stage-3 practices in place, nothing above, so
    // vision reaches stage 3 exactly at the threshold; every other area is
    // at the top.
    let low = |item: &simm_core::Item| {
        item.area.as_str() == "vision" && (item.stage.get() > 3 || item.id.as_str() == "VS-3-04")
    };
    let responses = uniform(&model, 6, low);
    // The next version moves a stage-3 practice that is in place up to
    // stage 4, which leaves stage 3 below the threshold.
    let moved = propose_model(
        simm_core::BUILTIN_MODEL_SOURCE,
        &[StageMove {
            item: simm_core::ItemId::parse("VS-3-01").unwrap(),
            from_stage: StageLevel::new(3).unwrap(),
            to_stage: StageLevel::new(4).unwrap(),
            reason: "the test says so".into(),
        }],
        &[],
    )
    .unwrap();
    assert_eq!(moved.applied.len(), 1);
    let moved_model = Model::parse(&moved.text).unwrap();
    app.store
        .store_model_version(&moved_model, &moved.text)
        .await
        .unwrap();
    let now = area_stage(&model, &responses, "vision", &model);
    let then = area_stage(&moved_model, &responses, "vision", &model);
    assert_eq!((now, then), (3, 2), "the fixture does not move the stage");

    let id = assessment_with(&app, &app.builtin_model_version, &responses).await;
    let token = app.api_token(Role::Admin).await;
    let client = app.client();
    let response = get(
        &client,
        Some(&token),
        app.url(&format!("/api/v1/assessments/{id}/rescore?version=1.2.0")),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["other_model"]["version"], "1.2.0");
    assert_eq!(body["items"]["matched"], model.items().len());
    let vision = body["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "vision")
        .unwrap();
    assert_eq!(vision["current"]["stage"], 3);
    assert_eq!(vision["other"]["stage"], 2);
    assert_eq!(vision["change"], -1);
    assert_eq!(body["overall"]["change"], -1);

    // The page shows the same, for the consultant's console.
    let (client, _) = app.signed_in(Role::Admin).await;
    let moved_id = app
        .store
        .find_model_version("smartsourcing", "1.2.0")
        .await
        .unwrap()
        .unwrap()
        .id;
    let page = client
        .get(app.url(&format!(
            "/assessments/{id}/rescore?model_version={moved_id}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("48 of the 48 items"), "{page}");
    assert!(page.contains("<strong>-1</strong>"), "{page}");

    // A version that is not stored is a 400 naming it.
    let missing = get(
        &app.client(),
        Some(&token),
        app.url(&format!("/api/v1/assessments/{id}/rescore?version=9.9.9")),
    )
    .await;
    assert_eq!(missing.status(), 400);
}

#[tokio::test]
async fn re_scoring_keeps_the_anonymity_rule_of_the_results() {
    let app = spawn_app().await;
    let model = builtin_model();
    let responses = uniform(&model, 4, |_| false);
    let id = assessment_with(&app, &app.builtin_model_version, &responses).await;
    let token = app.api_token(Role::Admin).await;
    let response = get(
        &app.client(),
        Some(&token),
        app.url(&format!("/api/v1/assessments/{id}/rescore?version=1.1.0")),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        // The four responses wait for a release that needs five: none is
        // published, so none is counted.
        serde_json::json!({"respondents": 0, "suppressed": true, "anonymity_min": 5})
    );
}

#[tokio::test]
async fn stewards_see_no_organisation_and_cannot_be_granted_one() {
    let app = spawn_app().await;
    let (client, email) = app.signed_in(Role::Steward).await;
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/models\""), "no Models link");
    assert!(home.contains("Model stewards see no organisation"));
    let token = app.api_token(Role::Consultant).await;
    let body = serde_json::json!({ "name": "Acme" });
    let organization: serde_json::Value = app
        .client()
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = app
        .client()
        .post(app.url(&format!(
            "/api/v1/organizations/{}/access",
            organization["id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("no viewer or consultant with that email can be granted access")
    );
}
