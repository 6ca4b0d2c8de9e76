//! The journey through the API and the pages: the trend over an
//! organisation's rounds, by groups too, the roadmap towards the target,
//! and the outcomes of the actions done between rounds. The expected
//! numbers are worked out here from the answers given, by the rules of
//! docs/scoring.md, not by calling the core's scoring.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};
use simm_core::Item;
use simm_store::{NewResponse, ReleasePlan, Role};

use crate::actions::{expect, organization, viewer_of};
use crate::{Backend, TestApp, spawn_app, spawn_app_on};

/// The built-in model's threshold and scale, as docs/scoring.md states
/// them: a stage is reached at 75 % fulfilment, answers run 1 to 5.
const THRESHOLD: f64 = 0.75;

/// Rule 1: the fulfilment of an answer everyone gave.
fn fulfilment(answer: u8) -> f64 {
    f64::from(answer - 1) / 4.0
}

/// `count` respondents of the role who all answer `answer(item)`.
pub fn uniform(count: usize, role: &str, answer: impl Fn(&Item) -> u8) -> Vec<NewResponse> {
    let model = simm_core::builtin_model();
    let answers: Vec<u8> = model.items().iter().map(answer).collect();
    (0..count)
        .map(|_| NewResponse {
            attributes: BTreeMap::from([("role".to_owned(), role.to_owned())]),
            answers: answers.clone(),
        })
        .collect()
}

/// An open assessment of the organisation holding these responses,
/// pending.
async fn open_round(app: &TestApp, org: &str, title: &str, responses: &[NewResponse]) -> String {
    let assessment = app
        .store
        .create_assessment(org, title, &app.builtin_model_version)
        .await
        .unwrap();
    let k = simm_core::builtin_model().scoring().anonymity_min.get();
    app.store.open_assessment(&assessment.id, k).await.unwrap();
    app.store
        .insert_responses(&assessment.id, responses)
        .await
        .unwrap();
    assessment.id
}

/// A round of the organisation with these responses, released and
/// closed as the privacy policy decides, its closing moved to
/// `closed_at` so that the rounds' order does not hang on the clock's
/// second.
pub async fn closed_round(
    app: &TestApp,
    org: &str,
    title: &str,
    responses: &[NewResponse],
    closed_at: i64,
) -> String {
    let assessment = open_round(app, org, title, responses).await;
    simm_web::release_assessment(&app.state, &assessment, true)
        .await
        .unwrap();
    set_closed_at(app, &assessment, closed_at).await;
    assessment
}

/// A round as [`closed_round`], but published with every preset
/// attribute. A release generalises attributes until each published
/// class holds the minimum, so no group it makes is too small; publishing
/// them as preset makes one, which only the views' rule P4 (with the
/// complementary rule) then keeps hidden.
pub async fn closed_round_with_small_groups(
    app: &TestApp,
    org: &str,
    title: &str,
    responses: &[NewResponse],
    closed_at: i64,
) -> String {
    let assessment = open_round(app, org, title, responses).await;
    let outcome = app
        .store
        .release(&assessment, true, |pending| {
            ReleasePlan::Publish(
                pending
                    .iter()
                    .map(|response| Some(response.attributes.clone()))
                    .collect(),
            )
        })
        .await
        .unwrap();
    assert_eq!(
        outcome.assessment.state,
        simm_store::AssessmentState::Closed
    );
    set_closed_at(app, &assessment, closed_at).await;
    assessment
}

/// Moves an assessment's closing in the database.
pub async fn set_closed_at(app: &TestApp, assessment: &str, seconds: i64) {
    macro_rules! update {
        ($pool:ty) => {{
            let pool = <$pool>::connect(&app.database_url).await.unwrap();
            let done = sqlx::query("UPDATE assessments SET closed_at = $1 WHERE id = $2")
                .bind(seconds)
                .bind(assessment)
                .execute(&pool)
                .await
                .unwrap();
            assert_eq!(done.rows_affected(), 1);
            pool.close().await;
        }};
    }
    match app.backend {
        Backend::Sqlite => update!(sqlx::SqlitePool),
        Backend::Postgres => update!(sqlx::PgPool),
    }
}

/// A browser session of a user made by `TestApp::add_user`.
pub async fn signed_in_as(app: &TestApp, email: &str) -> reqwest::Client {
    let client = app.client();
    let signed = client
        .post(app.url("/login"))
        .form(&[
            ("email", email),
            ("password", "correct horse battery staple"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303, "signing in as {email}");
    client
}

fn close(a: &Value, b: f64, what: &str) {
    let a = a
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {a} is no number"));
    assert!((a - b).abs() < 1e-9, "{what}: {a}, expected {b}");
}

/// An interval of one value: everyone answered alike, so every
/// replicate agrees.
fn point_interval(interval: &Value, value: f64, what: &str) {
    close(&interval["low"], value, &format!("{what} low"));
    close(&interval["high"], value, &format!("{what} high"));
}

fn area<'a>(round: &'a Value, id: &str) -> &'a Value {
    round["areas"]
        .as_array()
        .unwrap_or_else(|| panic!("no areas in {round}"))
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no area {id} in {round}"))
}

async fn the_trend_follows_the_answers(app: TestApp) {
    let model = simm_core::builtin_model();
    let (token, _, org) = organization(&app).await;
    // Everyone answers 2: every stage at 25 %, so every area at stage 1
    // with 25/75 of the way to stage 2.
    let first = closed_round(
        &app,
        &org,
        "Round 1",
        &uniform(8, "manager", |_| 2),
        1_750_000_000,
    )
    .await;
    // Too few to release: the round closes with nothing shown.
    let hidden = closed_round(
        &app,
        &org,
        "Round 2",
        &uniform(3, "manager", |_| 5),
        1_760_000_000,
    )
    .await;
    // Vision's stage-2 practices in place (answer 4 is 75 %, the
    // threshold), the rest as before.
    let third = closed_round(
        &app,
        &org,
        "Round 3",
        &uniform(8, "manager", |item| {
            if item.area.as_str() == "vision" && item.stage.get() == 2 {
                4
            } else {
                2
            }
        }),
        1_770_000_000,
    )
    .await;
    let before = 1.0 + fulfilment(2) / THRESHOLD;
    let vision_after = 2.0 + fulfilment(2) / THRESHOLD;

    let trend = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/organizations/{org}/trend"),
        None,
        200,
    )
    .await;
    assert!(trend.get("groups").is_none(), "{trend}");
    let rounds = trend["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 3, "{trend}");
    for (round, (id, title, closed)) in rounds.iter().zip([
        (&first, "Round 1", "2025-06-15T15:06:40Z"),
        (&hidden, "Round 2", "2025-10-09T08:53:20Z"),
        (&third, "Round 3", "2026-02-02T02:40:00Z"),
    ]) {
        assert_eq!(round["assessment"], id.as_str());
        assert_eq!(round["title"], title);
        assert_eq!(round["closed_at"], closed);
        assert_eq!(round["model"]["id"], model.id().as_str());
        assert_eq!(round["model"]["version"], model.version());
    }

    let (r1, r2, r3) = (&rounds[0], &rounds[1], &rounds[2]);
    assert_eq!(r1["respondents"], 8);
    assert_eq!(r1["shown"], true);
    assert_eq!(r1["overall"]["stage"], 1);
    close(&r1["overall"]["score"], before, "round 1 overall");
    point_interval(&r1["overall"]["score_interval"], before, "round 1 overall");
    assert_eq!(
        r1["overall"]["delta"],
        Value::Null,
        "the first round has no change"
    );
    assert_eq!(r1["areas"].as_array().unwrap().len(), model.areas().len());
    for a in model.areas() {
        let shown = area(r1, a.id.as_str());
        assert_eq!(shown["stage"], 1, "{}", a.id);
        close(&shown["score"], before, a.id.as_str());
        point_interval(&shown["score_interval"], before, a.id.as_str());
        assert_eq!(shown["delta"], Value::Null, "{}", a.id);
    }

    // Nothing of round 2 is shown, not even what it would have been.
    assert_eq!(r2["shown"], false, "{r2}");
    assert_eq!(r2["overall"], Value::Null);
    assert_eq!(r2["areas"], Value::Null);
    let k = model.scoring().anonymity_min.get() as u64;
    assert!(r2["respondents"].as_u64().unwrap() < k, "{r2}");

    // Round 3 is compared with round 1, the last one shown.
    assert_eq!(r3["respondents"], 8);
    assert_eq!(r3["overall"]["stage"], 1, "the weakest area holds it back");
    close(&r3["overall"]["score"], before, "round 3 overall");
    let overall = &r3["overall"]["delta"];
    close(&overall["value"], 0.0, "overall change");
    point_interval(&overall["interval"], 0.0, "overall change");
    assert_eq!(overall["real"], false);
    for a in model.areas() {
        let shown = area(r3, a.id.as_str());
        let (stage, score) = if a.id.as_str() == "vision" {
            (2, vision_after)
        } else {
            (1, before)
        };
        assert_eq!(shown["stage"], stage, "{}", a.id);
        close(&shown["score"], score, a.id.as_str());
        point_interval(&shown["score_interval"], score, a.id.as_str());
        let delta = &shown["delta"];
        close(&delta["value"], score - before, a.id.as_str());
        point_interval(&delta["interval"], score - before, a.id.as_str());
        assert_eq!(
            delta["real"],
            a.id.as_str() == "vision",
            "{}: {delta}",
            a.id
        );
    }
}

#[tokio::test]
async fn journey_trend_follows_the_answers_on_sqlite() {
    the_trend_follows_the_answers(spawn_app().await).await;
}

#[tokio::test]
async fn journey_trend_follows_the_answers_on_postgres() {
    the_trend_follows_the_answers(spawn_app_on(Backend::Postgres).await).await;
}

fn group<'a>(trend: &'a Value, value: &str) -> &'a Value {
    trend["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups in {trend}"))
        .iter()
        .find(|g| g["value"] == value)
        .unwrap_or_else(|| panic!("no group {value} in {trend}"))
}

#[tokio::test]
async fn journey_trend_by_role_hides_small_groups_and_answers_only_its_readers() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, _, org) = organization(&app).await;
    let mut first = uniform(6, "executive", |_| 2);
    first.extend(uniform(6, "manager", |_| 3));
    first.extend(uniform(2, "partner", |_| 5));
    closed_round_with_small_groups(&app, &org, "Round 1", &first, 1_750_000_000).await;
    let mut second = uniform(6, "executive", |_| 3);
    second.extend(uniform(6, "manager", |_| 3));
    second.extend(uniform(6, "partner", |_| 4));
    closed_round(&app, &org, "Round 2", &second, 1_760_000_000).await;

    let path = format!("/api/v1/organizations/{org}/trend?group_by=role");
    let trend = expect(&app, &token, Method::GET, &path, None, 200).await;
    assert_eq!(trend["rounds"].as_array().unwrap().len(), 2, "{trend}");
    let partner = group(&trend, "partner");
    assert_eq!(partner["attribute"], "role");
    let rounds = partner["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2, "{partner}");
    assert_eq!(rounds[0]["shown"], false, "two partners are too few");
    assert_eq!(rounds[0]["overall"], Value::Null);
    assert_eq!(rounds[0]["areas"], Value::Null);
    assert_eq!(rounds[1]["shown"], true);
    // Every stage at 75 %: the top stage, with no next one to progress to.
    assert_eq!(fulfilment(4), THRESHOLD);
    assert_eq!(rounds[1]["overall"]["stage"], model.top_stage().get());
    close(
        &rounds[1]["overall"]["score"],
        f64::from(model.top_stage().get()),
        "partners in round 2",
    );
    assert_eq!(
        rounds[1]["overall"]["delta"],
        Value::Null,
        "nothing to compare with"
    );
    for a in model.areas() {
        assert_eq!(area(&rounds[1], a.id.as_str())["delta"], Value::Null);
    }

    let viewer = viewer_of(&app, &org).await.0;
    assert_eq!(
        expect(&app, &viewer, Method::GET, &path, None, 200).await,
        trend
    );
    let refused = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/organizations/{org}/trend?group_by=rol"),
        None,
        400,
    )
    .await;
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("the model has no attribute \"rol\" to group by (it has: role, unit, language); did you mean \"role\"?"),
        "{refused}"
    );
    let stranger = app.api_token(Role::Consultant).await;
    for path in [path.clone(), format!("/api/v1/organizations/{org}/trend")] {
        let answer = expect(&app, &stranger, Method::GET, &path, None, 404).await;
        assert!(answer["error"].is_string(), "{answer}");
    }
}

/// Rule 8 worked by hand for a stage whose practices all stand at
/// `today`: the heaviest first (ties by id), until the weighted mean
/// reaches the threshold.
fn fewest_practices(model: &simm_core::Model, area: &str, stage: u8, today: f64) -> Vec<String> {
    let mut members: Vec<&Item> = model
        .items()
        .iter()
        .filter(|i| i.area.as_str() == area && i.stage.get() == stage)
        .collect();
    members.sort_by(|a, b| {
        b.weight
            .get()
            .total_cmp(&a.weight.get())
            .then_with(|| a.id.cmp(&b.id))
    });
    let total: f64 = members.iter().map(|i| i.weight.get()).sum();
    let mut raised = Vec::new();
    let mut sum = today * total;
    for item in members {
        if sum / total >= THRESHOLD - 1e-9 {
            break;
        }
        sum += (1.0 - today) * item.weight.get();
        raised.push(item.id.to_string());
    }
    raised
}

fn lifts(phase: &Value) -> Vec<(String, u64, u64)> {
    phase["lifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lift| {
            close(
                &lift["fulfilment"],
                fulfilment(2),
                "a lift's fulfilment today",
            );
            (
                lift["area"].as_str().unwrap().to_owned(),
                lift["from"].as_u64().unwrap(),
                lift["to"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn journey_roadmap_follows_the_target_once_results_show() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, _, org) = organization(&app).await;
    let open = open_round(&app, &org, "Open round", &uniform(8, "manager", |_| 3)).await;
    let hidden = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/assessments/{open}/roadmap"),
        None,
        409,
    )
    .await;
    assert!(hidden["error"].is_string(), "{hidden}");

    let round = closed_round(
        &app,
        &org,
        "Round 1",
        &uniform(8, "manager", |_| 2),
        1_750_000_000,
    )
    .await;
    let roadmap = format!("/api/v1/assessments/{round}/roadmap");
    let target = format!("/api/v1/organizations/{org}/target");
    let areas: Vec<&str> = model.areas().iter().map(|a| a.id.as_str()).collect();
    let all_to_2: Vec<(String, u64, u64)> = areas.iter().map(|a| ((*a).to_owned(), 1, 2)).collect();

    expect(
        &app,
        &token,
        Method::PUT,
        &target,
        Some(json!({"areas": {"vision": 3}})),
        200,
    )
    .await;
    let drawn = expect(&app, &token, Method::GET, &roadmap, None, 200).await;
    assert_eq!(drawn["target"]["areas"]["vision"], 3, "{drawn}");
    for id in &areas[1..] {
        assert_eq!(drawn["target"]["areas"][id], 2, "the default for {id}");
    }
    let phases = drawn["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 2, "{drawn}");
    // Every area is at stage 1 and aims at least at 2: all lift together,
    // then vision alone.
    assert_eq!(lifts(&phases[0]), all_to_2);
    assert_eq!(lifts(&phases[1]), vec![("vision".to_owned(), 2, 3)]);
    let practices: Vec<&str> = phases[1]["practices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["item"].as_str().unwrap())
        .collect();
    assert_eq!(
        practices,
        fewest_practices(&model, "vision", 3, fulfilment(2))
    );

    // A new target redraws the phases.
    expect(
        &app,
        &token,
        Method::PUT,
        &target,
        Some(json!({"areas": {"vision": 2, "management": 4}})),
        200,
    )
    .await;
    let drawn = expect(&app, &token, Method::GET, &roadmap, None, 200).await;
    assert_eq!(drawn["target"]["areas"]["management"], 4, "{drawn}");
    let phases = drawn["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 3, "{drawn}");
    assert_eq!(lifts(&phases[0]), all_to_2);
    assert_eq!(lifts(&phases[1]), vec![("management".to_owned(), 2, 3)]);
    assert_eq!(lifts(&phases[2]), vec![("management".to_owned(), 3, 4)]);
    let viewer = viewer_of(&app, &org).await.0;
    assert_eq!(
        expect(&app, &viewer, Method::GET, &roadmap, None, 200).await,
        drawn
    );
}

#[tokio::test]
async fn journey_trend_page_shows_the_outcome_of_an_action_done_between_rounds() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, email, org) = organization(&app).await;
    let item = model
        .items()
        .iter()
        .find(|i| i.area.as_str() == "vision" && i.stage.get() == 2)
        .unwrap();
    closed_round(
        &app,
        &org,
        "Round 1",
        &uniform(8, "manager", |_| 2),
        1_750_000_000,
    )
    .await;
    let action = expect(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/organizations/{org}/actions"),
        Some(json!({"item": item.id.as_str(), "title": "Plan the new products"})),
        201,
    )
    .await;
    expect(
        &app,
        &token,
        Method::PATCH,
        &format!("/api/v1/actions/{}", action["id"].as_str().unwrap()),
        Some(json!({"status": "done"})),
        200,
    )
    .await;
    // The second round closes now, after the action was done.
    let answers = uniform(8, "manager", |i| if i.id == item.id { 4 } else { 2 });
    let assessment = open_round(&app, &org, "Round 2", &answers).await;
    simm_web::release_assessment(&app.state, &assessment, true)
        .await
        .unwrap();

    let page = signed_in_as(&app, &email)
        .await
        .get(app.url(&format!("/organizations/{org}/trend")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    // The item's fulfilment went from 25 % to 75 % for everyone alike.
    let change = (fulfilment(4) - fulfilment(2)) * 100.0;
    let expected = format!(
        "Round 1 to Round 2: +{change:.0} % ({change:.0} % to {change:.0} %), a real change"
    );
    assert!(page.contains("Plan the new products"), "{page}");
    assert!(page.contains(item.id.as_str()), "{page}");
    assert!(page.contains(&expected), "{expected:?} is not in\n{page}");
}

#[tokio::test]
async fn journey_trend_refuses_an_empty_or_unknown_group_by_before_any_round() {
    let app = spawn_app().await;
    let (token, _, org) = organization(&app).await;
    for (query, needle) in [("", "no attribute \"\""), ("rol", "did you mean \"role\"")] {
        let refused = expect(
            &app,
            &token,
            Method::GET,
            &format!("/api/v1/organizations/{org}/trend?group_by={query}"),
            None,
            400,
        )
        .await;
        assert!(
            refused["error"].as_str().unwrap().contains(needle),
            "{query:?}: {refused}"
        );
    }
    let trend = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/organizations/{org}/trend?group_by=role"),
        None,
        200,
    )
    .await;
    assert_eq!(trend["rounds"], serde_json::json!([]));
}
