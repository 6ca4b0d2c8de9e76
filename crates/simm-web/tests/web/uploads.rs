//! Offline responses uploaded into an assessment, through the API and the
//! console: every row or none, only while it is open, counted as imported,
//! released like answers given online, and with nothing of the file's
//! respondent ids or identifying columns kept. The expected stages are
//! worked out here from the answers uploaded, by docs/scoring.md's rules.

use reqwest::Method;
use serde_json::Value;
use simm_core::Model;
use simm_store::Role;

use crate::actions::{expect, organization, viewer_of};
use crate::{Backend, TestApp, spawn_app, spawn_app_on};

const BOUNDARY: &str = "simm-test-boundary";

/// One part of a multipart body: field name, file name, bytes.
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let file = file
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub async fn post_multipart(
    app: &TestApp,
    client: &reqwest::Client,
    token: Option<&str>,
    path: &str,
    parts: &[Part<'_>],
) -> (u16, String) {
    let mut request = client
        .post(app.url(path))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(parts));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A sheet in simm's layout where each row answers 5 to the items of
/// stages 1 and 2 and 1 to the rest: by rules 1 and 3 every area is then
/// fulfilled at stages 1 and 2 and not at all above, so stands at stage 2.
fn stage_two_sheet(model: &Model, roles: &[&str], ids: &str) -> String {
    let mut sheet = simm_sheet::template(model);
    for (index, role) in roles.iter().enumerate() {
        let mut cells = vec![format!("{ids}-{index}")];
        cells.extend(model.attributes().iter().map(|a| {
            if a.id.as_str() == "role" {
                role.to_string()
            } else {
                String::new()
            }
        }));
        cells.extend(
            model
                .items()
                .iter()
                .map(|item| if item.stage.get() <= 2 { "5" } else { "1" }.to_owned()),
        );
        sheet.push_str(&cells.join(","));
        sheet.push('\n');
    }
    sheet
}

async fn open_assessment(app: &TestApp, token: &str, org: &str) -> String {
    let created = expect(
        app,
        token,
        Method::POST,
        &format!("/api/v1/organizations/{org}/assessments"),
        Some(serde_json::json!({"title": "Workshop"})),
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    expect(
        app,
        token,
        Method::POST,
        &format!("/api/v1/assessments/{id}/open"),
        None,
        200,
    )
    .await;
    id
}

#[tokio::test]
async fn an_uploaded_sheet_is_stored_whole_counted_and_released_like_any_answer_sqlite() {
    uploaded_sheet_round_trip(spawn_app().await).await;
}

#[tokio::test]
async fn an_uploaded_sheet_is_stored_whole_counted_and_released_like_any_answer_postgres() {
    uploaded_sheet_round_trip(spawn_app_on(Backend::Postgres).await).await;
}

async fn uploaded_sheet_round_trip(app: TestApp) {
    let model = simm_core::builtin_model();
    let (token, email, org) = organization(&app).await;
    let id = open_assessment(&app, &token, &org).await;
    let k = model.scoring().anonymity_min.get() as usize;
    let roles: Vec<&str> = (0..k).map(|i| ["employee", "manager"][i % 2]).collect();
    let sheet = stage_two_sheet(&model, &roles, "paper");
    let imports = format!("/api/v1/assessments/{id}/imports");
    let (status, body) = post_multipart(
        &app,
        &app.client(),
        Some(&token),
        &imports,
        &[("file", Some("workshop.csv"), sheet.as_bytes())],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(created["responses"], k as i64);
    assert_eq!(created["format"], "csv");
    assert_eq!(created["imported_by"], email.as_str());
    assert_eq!(created["dropped"], serde_json::json!([]));

    let listed = expect(&app, &token, Method::GET, &imports, None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], created["id"]);
    // Viewers read the uploads and the counts, as they read participation.
    let (viewer, _) = viewer_of(&app, &org).await;
    expect(&app, &viewer, Method::GET, &imports, None, 200).await;
    let participation = expect(
        &app,
        &viewer,
        Method::GET,
        &format!("/api/v1/assessments/{id}/participation"),
        None,
        200,
    )
    .await;
    assert_eq!(participation["imported"], k as i64);
    assert_eq!(participation["invitations"], 0);
    assert_eq!(participation["awaiting_release"], k as i64);
    assert_eq!(participation["released"], 0);

    // Nothing shows before a release, as for answers given online.
    let before = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/assessments/{id}/results"),
        None,
        200,
    )
    .await;
    assert_eq!(before["suppressed"], true, "{before}");
    assert_eq!(before["respondents"], 0, "{before}");
    expect(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/assessments/{id}/close"),
        None,
        200,
    )
    .await;
    let results = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/assessments/{id}/results"),
        None,
        200,
    )
    .await;
    assert_eq!(results["respondents"], k as i64, "{results}");
    for area in results["areas"].as_array().unwrap() {
        assert_eq!(area["stage"], 2, "{area}");
    }
    // The file's respondent ids never reached the store.
    let response = app
        .client()
        .get(app.url(&format!("/api/v1/assessments/{id}/responses.csv")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let download = response.text().await.unwrap();
    assert_eq!(download.lines().count(), k + 1, "{download}");
    assert!(!download.contains("paper-"), "{download}");

    // A closed assessment takes no more.
    let (status, body) = post_multipart(
        &app,
        &app.client(),
        Some(&token),
        &imports,
        &[("file", Some("late.csv"), sheet.as_bytes())],
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("only into an open assessment"), "{body}");
    let listed = expect(&app, &token, Method::GET, &imports, None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_row_refuses_the_whole_upload_naming_row_and_column() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, _, org) = organization(&app).await;
    let id = open_assessment(&app, &token, &org).await;
    let mut sheet = stage_two_sheet(&model, &["employee", "manager", "partner"], "r");
    // The third row's role is misspelt, the second's first answer is off the scale.
    sheet = sheet.replacen(",partner,", ",parnter,", 1);
    let lines: Vec<&str> = sheet.lines().collect();
    let second = lines[2].replacen(",5,", ",9,", 1);
    let sheet = [lines[0], lines[1], &second, lines[3]].join("\n");
    let imports = format!("/api/v1/assessments/{id}/imports");
    let check =
        |format: Option<&'static str>, file: &'static [u8], needles: &'static [&'static str]| {
            let app = &app;
            let token = token.clone();
            let imports = imports.clone();
            async move {
                let mut parts: Vec<Part<'_>> = vec![("file", Some("sheet.csv"), file)];
                if let Some(format) = format {
                    parts.push(("format", None, format.as_bytes()));
                }
                let (status, body) =
                    post_multipart(app, &app.client(), Some(&token), &imports, &parts).await;
                assert_eq!(status, 400, "{body}");
                let error: Value = serde_json::from_str(&body).expect("errors are JSON");
                let message = error["error"].as_str().unwrap();
                for needle in needles {
                    assert!(message.contains(needle), "{needle:?} in {message}");
                }
            }
        };
    let sheet: &'static str = Box::leak(sheet.into_boxed_str());
    check(
        None,
        sheet.as_bytes(),
        &[
            "sheet.csv:4",
            "parnter",
            "did you mean \"partner\"",
            "sheet.csv:3",
            "9",
        ],
    )
    .await;
    check(
        Some("csvv"),
        sheet.as_bytes(),
        &["format", "did you mean \"csv\""],
    )
    .await;
    check(None, b"respondent,role\n", &["no responses"]).await;
    check(None, b"\xff\xfe,,", &["not UTF-8"]).await;
    // Nothing of any refused upload was kept.
    assert_eq!(
        expect(&app, &token, Method::GET, &imports, None, 200).await,
        serde_json::json!([])
    );
    let pending = app.store.pending_counts(&id).await.unwrap();
    assert_eq!((pending.answering, pending.blank), (0, 0));
}

#[tokio::test]
async fn the_console_upload_page_stores_a_sheet_and_shows_what_it_did() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, _, org) = organization(&app).await;
    let id = open_assessment(&app, &token, &org).await;
    let (client, email) = app.signed_in(Role::Consultant).await;
    let user = app.store.user_by_email(&email).await.unwrap().unwrap();
    app.store.grant_access(&org, &user.id).await.unwrap();
    let page = client
        .get(app.url(&format!("/assessments/{id}/upload")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let sheet = stage_two_sheet(&model, &["employee", "partner"], "p");
    let path = format!("/assessments/{id}/upload");
    // Without the form's token nothing is stored.
    let (status, _) = post_multipart(
        &app,
        &client,
        None,
        &path,
        &[("file", Some("paper.csv"), sheet.as_bytes())],
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = post_multipart(
        &app,
        &client,
        None,
        &path,
        &[
            ("csrf", None, csrf.as_bytes()),
            ("format", None, b"csv"),
            ("file", Some("paper.csv"), sheet.as_bytes()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("2 responses were stored"), "{body}");
    assert!(
        body.contains(&email),
        "the uploads list names who uploaded: {body}"
    );
    // A bad file shows every problem and stores nothing more.
    let (status, body) = post_multipart(
        &app,
        &client,
        None,
        &path,
        &[
            ("csrf", None, csrf.as_bytes()),
            ("file", Some("bad.csv"), b"respondent,role\nx,chief\n"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Nothing was stored"), "{body}");
    assert!(body.contains("chief"), "{body}");
    assert_eq!(app.store.imports(&id).await.unwrap().len(), 1);
    // The assessment page links here and counts the upload.
    let assessment = client
        .get(app.url(&format!("/assessments/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(assessment.contains(&format!("/assessments/{id}/upload")));
    assert!(
        assessment.contains("2 responses were uploaded offline"),
        "{assessment}"
    );
}

const QUALTRICS: &str = include_str!("../../../simm-sheet/tests/fixtures/import/qualtrics.csv");
const QUALTRICS_MAPPING: &str =
    include_str!("../../../simm-sheet/tests/fixtures/import/qualtrics.toml");

#[tokio::test]
async fn a_survey_tool_export_is_uploaded_with_its_mapping_and_its_identifying_columns_dropped() {
    let app = spawn_app().await;
    let (token, _, org) = organization(&app).await;
    let id = open_assessment(&app, &token, &org).await;
    let imports = format!("/api/v1/assessments/{id}/imports");
    let rows = QUALTRICS.lines().filter(|l| l.starts_with("2026-")).count();
    let (status, body) = post_multipart(
        &app,
        &app.client(),
        Some(&token),
        &imports,
        &[
            ("format", None, b"qualtrics"),
            ("file", Some("export.csv"), QUALTRICS.as_bytes()),
            (
                "mapping",
                Some("qualtrics.toml"),
                QUALTRICS_MAPPING.as_bytes(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(created["format"], "qualtrics");
    assert_eq!(created["responses"], rows as i64);
    let dropped: Vec<&str> = created["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    for column in [
        "RecipientEmail",
        "IPAddress",
        "ResponseId",
        "LocationLatitude",
        "StartDate",
    ] {
        assert!(
            dropped
                .iter()
                .any(|line| line.contains(column) && line.contains("never reached simm")),
            "{column} in {dropped:?}"
        );
    }
    let pending = app.store.pending_counts(&id).await.unwrap();
    assert_eq!(pending.answering + pending.blank, rows as u64);

    // Without the mapping the role question is unmapped, and a misspelt
    // label is named with its row and column; neither stores anything.
    let (status, body) = post_multipart(
        &app,
        &app.client(),
        Some(&token),
        &imports,
        &[
            ("format", None, b"qualtrics"),
            ("file", Some("export.csv"), QUALTRICS.as_bytes()),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Q2"), "{body}");
    let misspelt = QUALTRICS.replacen(",Strongly agree,", ",Strongly agre,", 1);
    let (status, body) = post_multipart(
        &app,
        &app.client(),
        Some(&token),
        &imports,
        &[
            ("format", None, b"qualtrics"),
            ("file", Some("export.csv"), misspelt.as_bytes()),
            (
                "mapping",
                Some("qualtrics.toml"),
                QUALTRICS_MAPPING.as_bytes(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Strongly agre"), "{body}");
    assert!(body.contains("did you mean"), "{body}");
    let (status, body) = post_multipart(
        &app,
        &app.client(),
        Some(&token),
        &imports,
        &[
            ("file", Some("export.csv"), QUALTRICS.as_bytes()),
            (
                "mapping",
                Some("qualtrics.toml"),
                QUALTRICS_MAPPING.as_bytes(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("needs no mapping"), "{body}");
    assert_eq!(app.store.imports(&id).await.unwrap().len(), 1);
}
