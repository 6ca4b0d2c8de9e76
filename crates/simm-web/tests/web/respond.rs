//! Tests of the respond module: the respondent's pages and JSON API.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use simm_store::{NewInvitation, NewOrganization, Role, hash_token, new_token};

use crate::{Backend, TestApp, spawn_app, spawn_app_on};

/// An assessment of the built-in model with one invitation for a partner;
/// open (anonymity threshold 5) unless `open` is false. Returns the
/// assessment id and the invitation's token.
pub async fn invitation(app: &TestApp, open: bool) -> (String, String) {
    let user = app
        .store
        .create_user(
            &format!("{}@example.com", &new_token()[..10]),
            "hash",
            Role::Consultant,
        )
        .await
        .unwrap();
    let organization = app
        .store
        .create_organization(
            &NewOrganization {
                name: "Acme Logistics".into(),
                industry: None,
                size: None,
                country: None,
            },
            &user.id,
        )
        .await
        .unwrap();
    let assessment = app
        .store
        .create_assessment(
            &organization.id,
            "Baseline 2026",
            &app.builtin_model_version,
        )
        .await
        .unwrap();
    let token = new_token();
    app.store
        .create_invitations(
            &assessment.id,
            &[NewInvitation {
                token_hash: hash_token(&token),
                attributes: BTreeMap::from([("role".to_owned(), "partner".to_owned())]),
            }],
        )
        .await
        .unwrap();
    if open {
        app.store.open_assessment(&assessment.id, 5).await.unwrap();
    }
    (assessment.id, token)
}

/// What the submissions stored, as the store releases it: every pending
/// response with its preset attributes (what a release plan that
/// publishes everything would do), to look at what was kept.
async fn released_as_stored(app: &TestApp, assessment: &str) -> Vec<simm_store::StoredResponse> {
    app.store
        .release(assessment, false, |pending| {
            simm_store::ReleasePlan::Publish(
                pending.iter().map(|p| Some(p.attributes.clone())).collect(),
            )
        })
        .await
        .unwrap();
    app.store.responses(assessment).await.unwrap()
}

async fn invitation_id(app: &TestApp, token: &str) -> String {
    app.store
        .invitation_by_token(&hash_token(token))
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The saved draft answers, sorted.
async fn drafts(app: &TestApp, token: &str) -> Vec<(String, Option<u8>)> {
    let mut drafts = app
        .store
        .draft_answers(&invitation_id(app, token).await)
        .await
        .unwrap();
    drafts.sort();
    drafts
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client().get(app.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Posts a form; returns the status, the Location header and the body.
async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let response = app
        .client()
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

fn checked(html: &str, item: &str, value: &str) -> bool {
    html.contains(&format!("name=\"item-{item}\" value=\"{value}\" checked>"))
}

#[tokio::test]
async fn the_start_page_introduces_the_assessment_and_promises_anonymity() {
    let app = spawn_app().await;
    let (_, token) = invitation(&app, true).await;
    let response = app
        .client()
        .get(app.url(&format!("/r/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    for expected in [
        "Acme Logistics",
        "Baseline 2026",
        "Smartsourcing Innovation Model",
        "about 10 minutes",
        "48 statements",
        "come back with the same link",
        "groups of at least 5 people",
        "stored without any link to you once you submit",
        "Role: partner",
        &format!("href=\"/r/{token}/area/1\">Start</a>"),
    ] {
        assert!(html.contains(expected), "{expected:?} missing from {html}");
    }
    // The content security policy forbids inline code: none is used.
    assert!(!html.contains("<script>") && !html.contains("style="));
    assert!(html.contains("<script src=\"/assets/respond.js\" defer></script>"));

    let script = app
        .client()
        .get(app.url("/assets/respond.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
}

#[tokio::test]
async fn answers_given_through_the_forms_are_kept() {
    let app = spawn_app().await;
    let (_, token) = invitation(&app, true).await;
    let (status, html) = get(&app, &format!("/r/{token}/area/1")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Area 1 of 4, <span data-answered>0</span> of 48 statements answered"));
    assert!(
        html.contains(
            "<legend><span class=\"number\">1.</span> Our organisation has written plans"
        )
    );
    assert!(html.contains("value=\"dk\"> Don&#39;t know</label>"));
    assert!(html.contains("Strongly disagree"));

    let (status, location, _) = post_form(
        &app,
        &format!("/r/{token}/area/1"),
        &[
            ("item-VS-2-01", "4"),
            ("item-VS-2-02", "dk"),
            ("item-VS-3-01", "1"),
            ("comment", "Plans exist,\r\nbut nobody reads them."),
            ("go", "next"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/r/{token}/area/2"));
    assert_eq!(
        drafts(&app, &token).await,
        [
            ("VS-2-01".to_owned(), Some(4)),
            ("VS-2-02".to_owned(), None),
            ("VS-3-01".to_owned(), Some(1)),
        ]
    );

    // Reloading shows what was kept.
    let (_, html) = get(&app, &format!("/r/{token}/area/1")).await;
    assert!(checked(&html, "VS-2-01", "4"));
    assert!(checked(&html, "VS-2-02", "dk"));
    assert!(checked(&html, "VS-3-01", "1"));
    assert!(!checked(&html, "VS-2-01", "5"));
    assert!(html.contains(">Plans exist,\nbut nobody reads them.</textarea>"));
    assert!(html.contains("Area 1 of 4, <span data-answered>3</span> of 48 statements answered"));
    assert!(html.contains("<progress data-progress max=\"48\" value=\"3\""));

    // Area 2 counts the answers given elsewhere; Previous saves and goes back.
    let (_, html) = get(&app, &format!("/r/{token}/area/2")).await;
    assert!(html.contains("Area 2 of 4, <span data-answered>3</span> of 48"));
    assert!(html.contains("data-answered-elsewhere=\"3\""));
    assert!(html.contains("<span class=\"number\">13.</span>"));
    let (status, location, _) = post_form(
        &app,
        &format!("/r/{token}/area/2"),
        &[("item-MG-2-01", "5"), ("go", "previous")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/r/{token}/area/1"))
    );
    let (_, location, _) =
        post_form(&app, &format!("/r/{token}/area/1"), &[("go", "previous")]).await;
    assert_eq!(location, format!("/r/{token}"));
    let (_, location, _) = post_form(&app, &format!("/r/{token}/area/4"), &[("go", "next")]).await;
    assert_eq!(location, format!("/r/{token}/review"));

    // The start page shows the progress and continues where answers are missing.
    let (_, html) = get(&app, &format!("/r/{token}")).await;
    assert!(html.contains("You have answered 4 of 48 statements."));
    assert!(html.contains(&format!("href=\"/r/{token}/area/1\">Continue</a>")));
}

#[tokio::test]
async fn each_answer_is_saved_the_moment_it_is_given() {
    let app = spawn_app().await;
    let (_, token) = invitation(&app, true).await;
    let response = app
        .client()
        .post(app.url(&format!("/r/{token}/answer")))
        .form(&[("item", "IT-4-04"), ("value", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"saved": true})
    );
    // Changing an answer, and don't know.
    for (value, expected) in [("3", Some(3)), ("dk", None)] {
        let (status, _, _) = post_form(
            &app,
            &format!("/r/{token}/answer"),
            &[("item", "IT-4-04"), ("value", value)],
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            drafts(&app, &token).await,
            [("IT-4-04".to_owned(), expected)]
        );
    }
    let (status, _, _) = post_form(
        &app,
        &format!("/r/{token}/comment"),
        &[("area", "technology"), ("comment", "More tools")],
    )
    .await;
    assert_eq!(status, 200);
    let comments = app
        .store
        .draft_comments(&invitation_id(&app, &token).await)
        .await
        .unwrap();
    assert_eq!(
        comments,
        [("technology".to_owned(), "More tools".to_owned())]
    );

    // Invalid autosaves are refused with the reason, as a page the script reads.
    for fields in [
        [("item", "IT-4-04"), ("value", "6")],
        [("item", "IT-4-04"), ("value", "")],
        [("item", "XX-9-99"), ("value", "1")],
    ] {
        let (status, _, html) = post_form(&app, &format!("/r/{token}/answer"), &fields).await;
        assert_eq!(status, 400, "{fields:?}");
        assert!(html.contains("role=\"alert\""), "{html}");
    }
    let (status, _, _) = post_form(
        &app,
        &format!("/r/{token}/comment"),
        &[("area", "nowhere"), ("comment", "x")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(drafts(&app, &token).await, [("IT-4-04".to_owned(), None)]);
}

#[tokio::test]
async fn invalid_forms_are_refused_and_save_nothing() {
    let app = spawn_app().await;
    let (_, token) = invitation(&app, true).await;
    let area1 = format!("/r/{token}/area/1");
    let long = "x".repeat(2001);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("item-VS-2-01", "4"), ("item-VS-2-02", "6")],
            "is not an answer to statement VS-2-02",
        ),
        (
            vec![("item-VS-2-01", "4"), ("item-VS-2-02", "abc")],
            "is not an answer",
        ),
        (
            vec![("item-VS-2-01", "4"), ("item-VS-2-02", "0")],
            "is not an answer",
        ),
        (
            vec![("item-VS-2-01", "4"), ("item-VS-9-99", "3")],
            "there is no statement",
        ),
        (
            vec![("item-VS-2-01", "4"), ("item-MG-2-01", "3")],
            "is not in the area",
        ),
        (
            vec![("item-VS-2-01", "4"), ("item-VS-2-01", "3")],
            "answered twice",
        ),
        (
            vec![("item-VS-2-01", "4"), ("comment", &long)],
            "at most 2000",
        ),
        (
            vec![("item-VS-2-01", "4"), ("go", "sideways")],
            "is not a way to go",
        ),
        (vec![("item-VS-2-01", "4"), ("extra", "1")], "unknown field"),
    ];
    for (fields, message) in cases {
        let (status, _, html) = post_form(&app, &area1, &fields).await;
        assert_eq!(status, 400, "{fields:?}");
        assert!(
            html.to_lowercase().contains(&message.to_lowercase()),
            "{message:?} missing from {html}"
        );
    }
    for area in ["0", "5", "x", "-1"] {
        let (status, _, html) = post_form(
            &app,
            &format!("/r/{token}/area/{area}"),
            &[("item-VS-2-01", "4")],
        )
        .await;
        assert_eq!(status, 400, "area {area}");
        assert!(html.contains("the areas are numbered 1 to 4"), "{html}");
        let (status, _) = get(&app, &format!("/r/{token}/area/{area}")).await;
        assert_eq!(status, 400);
    }
    // Not a form at all.
    let response = app
        .client()
        .post(app.url(&area1))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(drafts(&app, &token).await.is_empty());
    assert!(
        app.store
            .draft_comments(&invitation_id(&app, &token).await)
            .await
            .unwrap()
            .is_empty()
    );

    // 2000 characters are allowed, with line breaks counted once.
    let longest = format!("{}\r\n{}", "y".repeat(1000), "z".repeat(999));
    let (status, _, _) = post_form(&app, &area1, &[("comment", &longest)]).await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn review_then_submit_stores_an_anonymous_response() {
    review_then_submit(spawn_app().await).await;
}

#[tokio::test]
async fn review_then_submit_on_postgres() {
    review_then_submit(spawn_app_on(Backend::Postgres).await).await;
}

async fn review_then_submit(app: TestApp) {
    let (assessment, token) = invitation(&app, true).await;
    post_form(
        &app,
        &format!("/r/{token}/area/1"),
        &[
            ("item-VS-2-01", "5"),
            ("item-VS-2-02", "dk"),
            ("comment", "<script>alert(1)</script>"),
        ],
    )
    .await;
    post_form(
        &app,
        &format!("/r/{token}/area/4"),
        &[("item-IT-4-04", "2")],
    )
    .await;

    let (status, html) = get(&app, &format!("/r/{token}/review")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("You answered 3 of 48 statements, 1 of them with “Don't know”"),
        "{html}"
    );
    assert!(html.contains("45 statements are not answered"));
    assert!(html.contains("<span class=\"answer given\">Strongly agree</span>"));
    assert!(html.contains("<span class=\"answer dk\">Don"));
    assert!(html.contains("<span class=\"answer none\">Not answered</span>"));
    assert!(html.contains("<span class=\"answer given\">Disagree</span>"));
    for area in 1..=4 {
        assert!(html.contains(&format!("href=\"/r/{token}/area/{area}\"")));
    }
    // The comment is shown as text, never as markup.
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert!(html.contains(&format!("action=\"/r/{token}/submit\"")));

    // Two submits at once (a double click, two tabs) both land on the
    // thank-you page, and make one response.
    let submit = format!("/r/{token}/submit");
    let (first, second) =
        tokio::join!(post_form(&app, &submit, &[]), post_form(&app, &submit, &[]));
    for (status, location, _) in [first, second] {
        assert_eq!((status, location.as_str()), (303, &*format!("/r/{token}")));
    }
    let (status, html) = get(&app, &format!("/r/{token}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("were submitted. Thank you."), "{html}");
    // Submitting again later shows the same page.
    let (status, location, _) = post_form(&app, &submit, &[]).await;
    assert_eq!((status, location.as_str()), (303, &*format!("/r/{token}")));
    let (_, html) = get(&app, &format!("/r/{token}/area/2")).await;
    assert!(html.contains("were submitted. Thank you."));

    // The response waits unseen for a release.
    assert!(app.store.responses(&assessment).await.unwrap().is_empty());
    assert_eq!(
        app.store
            .pending_counts(&assessment)
            .await
            .unwrap()
            .answering,
        1
    );
    let responses = released_as_stored(&app, &assessment).await;
    assert_eq!(responses.len(), 1);
    let response = &responses[0];
    assert_eq!(
        response.attributes,
        BTreeMap::from([("role".to_owned(), "partner".to_owned())])
    );
    let model = simm_core::builtin_model();
    let mut expected = vec![0u8; model.items().len()];
    expected[model.item_index("VS-2-01").unwrap()] = 5;
    expected[model.item_index("IT-4-04").unwrap()] = 2;
    assert_eq!(response.answers, expected);

    // Writes after submission are refused and change nothing.
    let (status, _, html) = post_form(
        &app,
        &format!("/r/{token}/area/1"),
        &[("item-VS-2-01", "1")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(html.contains("submitted already"), "{html}");
    let (status, _, _) = post_form(
        &app,
        &format!("/r/{token}/answer"),
        &[("item", "VS-2-01"), ("value", "1")],
    )
    .await;
    assert_eq!(status, 409);
    let (status, _, _) = post_form(
        &app,
        &format!("/r/{token}/comment"),
        &[("area", "vision"), ("comment", "late")],
    )
    .await;
    assert_eq!(status, 409);
    let response = app
        .client()
        .put(app.url(&format!("/api/v1/r/{token}/answers/VS-2-01")))
        .json(&json!({"value": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    assert!(drafts(&app, &token).await.is_empty());
    assert_eq!(app.store.responses(&assessment).await.unwrap(), responses);
}

#[tokio::test]
async fn a_closed_or_draft_assessment_takes_no_answers() {
    let app = spawn_app().await;
    let (assessment, token) = invitation(&app, true).await;
    post_form(
        &app,
        &format!("/r/{token}/area/1"),
        &[("item-VS-2-01", "4")],
    )
    .await;
    app.store.close_assessment(&assessment).await.unwrap();

    for path in ["", "/area/1", "/review"] {
        let (status, html) = get(&app, &format!("/r/{token}{path}")).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("This assessment is not open"),
            "{path}: {html}"
        );
        assert!(!html.contains("<form"));
    }
    let writes: [(&str, Vec<(&str, &str)>); 4] = [
        ("/area/1", vec![("item-VS-2-01", "1")]),
        ("/answer", vec![("item", "VS-2-01"), ("value", "1")]),
        ("/comment", vec![("area", "vision"), ("comment", "x")]),
        ("/submit", vec![]),
    ];
    for (path, fields) in writes {
        let (status, _, html) = post_form(&app, &format!("/r/{token}{path}"), &fields).await;
        assert_eq!(status, 409, "{path}");
        assert!(
            html.contains("This assessment is not open"),
            "{path}: {html}"
        );
    }
    let response = app
        .client()
        .put(app.url(&format!("/api/v1/r/{token}/answers/VS-2-01")))
        .json(&json!({"value": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    assert!(
        response.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("not open")
    );
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/r/{token}/submit")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    // What was saved before closing is kept, unchanged.
    assert_eq!(
        drafts(&app, &token).await,
        [("VS-2-01".to_owned(), Some(4))]
    );
    assert!(app.store.responses(&assessment).await.unwrap().is_empty());

    let (_, draft_token) = invitation(&app, false).await;
    let (status, html) = get(&app, &format!("/r/{draft_token}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("not open yet"));
    let (status, _, _) = post_form(
        &app,
        &format!("/r/{draft_token}/answer"),
        &[("item", "VS-2-01"), ("value", "1")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(drafts(&app, &draft_token).await.is_empty());
}

#[tokio::test]
async fn unknown_links_are_not_found_and_guessing_is_throttled() {
    let app = spawn_app().await;
    let (_, token) = invitation(&app, true).await;
    let (status, html) = get(&app, &format!("/r/{}", new_token())).await;
    assert_eq!(status, 404);
    assert!(html.contains("This link is not valid."));
    let response = app
        .client()
        .get(app.url(&format!("/api/v1/r/{}", new_token())))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(
        response.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .starts_with("This link is not valid.")
    );
    // Tests allow 5 sign-in failures, so 50 unknown links; two were above.
    let limit = app.state.config.login_attempts * 10;
    for attempt in 3..=limit {
        let (status, _, _) = post_form(
            &app,
            &format!("/r/{}/answer", new_token()),
            &[("item", "VS-2-01"), ("value", "1")],
        )
        .await;
        assert_eq!(status, 404, "attempt {attempt}");
    }
    let (status, html) = get(&app, &format!("/r/{}", new_token())).await;
    assert_eq!(status, 429);
    assert!(html.contains("Too many unknown links from this address"));
    // A real link still works: only failures are counted.
    let (status, _) = get(&app, &format!("/r/{token}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_json_api_answers_and_submits() {
    let app = spawn_app().await;
    let (assessment, token) = invitation(&app, true).await;
    let client = app.client();
    let base = app.url(&format!("/api/v1/r/{token}"));

    let put = |item: &str, body: Value| {
        client
            .put(format!("{base}/answers/{item}"))
            .json(&body)
            .send()
    };
    let response = put("VS-2-01", json!({"value": 4})).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["referrer-policy"] == "no-referrer");
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"saved": true})
    );
    // JSON Schema counts 4.0 as an integer, so the API does.
    assert_eq!(
        put("VS-2-01", json!({"value": 4.0}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        put("VS-2-02", json!({"value": null}))
            .await
            .unwrap()
            .status(),
        200
    );
    post_form(
        &app,
        &format!("/r/{token}/comment"),
        &[("area", "vision"), ("comment", "Fine")],
    )
    .await;

    let questionnaire: Value = client
        .get(&base)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(questionnaire["organization"], "Acme Logistics");
    assert_eq!(
        questionnaire["assessment"],
        json!({"title": "Baseline 2026", "state": "open", "deadline": null})
    );
    assert_eq!(questionnaire["anonymity_min"], 5);
    assert_eq!(questionnaire["scale"]["points"], 5);
    assert_eq!(questionnaire["scale"]["labels"][0], "Strongly disagree");
    let areas = questionnaire["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 4);
    assert_eq!(areas[0]["id"], "vision");
    assert_eq!(areas[0]["name"], "Vision and Strategy");
    assert_eq!(areas[0]["items"].as_array().unwrap().len(), 12);
    assert_eq!(areas[0]["items"][0]["id"], "VS-2-01");
    assert!(
        areas[0]["items"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Our organisation")
    );
    assert_eq!(
        questionnaire["answers"],
        json!({"VS-2-01": 4, "VS-2-02": null})
    );
    assert_eq!(questionnaire["comments"], json!({"vision": "Fine"}));
    assert_eq!(questionnaire["submitted"], false);

    // Invalid requests are refused with a message and save nothing.
    for (item, body) in [
        ("VS-2-03", json!({"value": 6})),
        ("VS-2-03", json!({"value": 0})),
        ("VS-2-03", json!({"value": 2.5})),
        ("VS-2-03", json!({"value": "3"})),
        ("VS-2-03", json!({})),
        ("VS-2-03", json!({"value": 3, "extra": true})),
        ("VS-2-03", json!([3])),
        ("NOPE", json!({"value": 3})),
    ] {
        let response = put(item, body.clone()).await.unwrap();
        assert_eq!(response.status(), 400, "{item} {body}");
        assert!(response.json::<Value>().await.unwrap()["error"].is_string());
    }
    let response = client
        .put(format!("{base}/answers/VS-2-03"))
        .header("content-type", "application/json")
        .body("{\"value\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.json::<Value>().await.unwrap()["error"].is_string());
    assert_eq!(drafts(&app, &token).await.len(), 2);

    // Submitting is idempotent.
    for _ in 0..2 {
        let response = client.post(format!("{base}/submit")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"submitted": true})
        );
    }
    assert_eq!(
        app.store
            .pending_counts(&assessment)
            .await
            .unwrap()
            .answering,
        1
    );
    let response = put("VS-2-01", json!({"value": 1})).await.unwrap();
    assert_eq!(response.status(), 409);
    let questionnaire: Value = client
        .get(&base)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(questionnaire["submitted"], true);
    assert_eq!(questionnaire["answers"], json!({}));
    let response = client
        .put(app.url(&format!("/api/v1/r/{}/answers/VS-2-01", new_token())))
        .json(&json!({"value": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

/// Records every span field and event field, to check what reaches logs.
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: AtomicU64,
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl Capture {
    fn push(&self, metadata: &tracing::Metadata<'_>, record: impl FnOnce(&mut Fields<'_>)) {
        let mut line = format!("{} {}: ", metadata.target(), metadata.name());
        record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.push(span.metadata(), |fields| span.record(fields));
        tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = String::from("record: ");
        values.record(&mut Fields(&mut line));
        self.lines.lock().unwrap().push(line);
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        self.push(event.metadata(), |fields| event.record(fields));
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

// The server runs on this test's single thread, so a thread-local
// subscriber sees every span it makes.
#[tokio::test(flavor = "current_thread")]
async fn tokens_never_reach_the_logs() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    // tracing caches whether a call site is wanted. With a single live
    // subscriber it asks only the current thread's, so a call site first
    // reached by a test on another thread would be cached as unwanted;
    // a second live one makes every thread ask all of them.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let _guard = tracing::subscriber::set_default(Capture {
        lines: lines.clone(),
        next_id: AtomicU64::new(1),
    });
    let app = spawn_app().await;
    let (_, token) = invitation(&app, true).await;
    get(&app, &format!("/r/{token}")).await;
    post_form(
        &app,
        &format!("/r/{token}/area/1"),
        &[("item-VS-2-01", "9")],
    )
    .await;
    post_form(
        &app,
        &format!("/r/{token}/answer"),
        &[("item", "VS-2-01"), ("value", "2")],
    )
    .await;
    app.client()
        .get(app.url(&format!("/api/v1/r/{token}")))
        .send()
        .await
        .unwrap();
    let lines = lines.lock().unwrap();
    assert!(
        lines.iter().any(|line| line.contains("route=/r/{token}")),
        "the request spans were not captured: {lines:#?}"
    );
    let leaks: Vec<&String> = lines.iter().filter(|line| line.contains(&token)).collect();
    assert!(leaks.is_empty(), "the token was logged: {leaks:#?}");
}
