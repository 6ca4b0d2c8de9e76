//! The results workbook through the API and the console: the sheets each
//! caller gets, the Responses sheet holding exactly the rows of
//! responses.csv for consultants and absent for viewers, and the areas'
//! stages equal to the results JSON.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::Method;
use simm_core::Item;

use crate::actions::{expect, organization, viewer_of};
use crate::journey::{closed_round, uniform};
use crate::spawn_app;

async fn download(app: &crate::TestApp, token: &str, path: &str) -> Xlsx<Cursor<Vec<u8>>> {
    let response = app
        .client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        simm_report::XLSX_MEDIA_TYPE,
        "{path}"
    );
    let bytes = response.bytes().await.unwrap().to_vec();
    open_workbook_from_rs(Cursor::new(bytes)).expect("an xlsx workbook")
}

#[tokio::test]
async fn consultants_get_the_responses_sheet_and_viewers_do_not() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, _, org) = organization(&app).await;
    let (viewer, _) = viewer_of(&app, &org).await;
    let k = model.scoring().anonymity_min.get() as usize;
    // Stages 1 and 2 fulfilled, the rest not: every area at stage 2.
    let answer = |item: &Item| if item.stage.get() <= 2 { 5 } else { 1 };
    let id = closed_round(
        &app,
        &org,
        "Round 1",
        &uniform(k + 2, "employee", answer),
        1,
    )
    .await;
    let path = format!("/api/v1/assessments/{id}/results.xlsx");
    let mut consultant = download(&app, &token, &path).await;
    let names = consultant.sheet_names();
    for sheet in [
        "Summary",
        "Areas",
        "Stage fulfilment",
        "Items",
        "Consensus",
        "Responses",
        "Actions",
        "Trend",
    ] {
        assert!(names.iter().any(|n| n == sheet), "{sheet} in {names:?}");
    }
    let responses = consultant.worksheet_range("Responses").unwrap();
    let csv = app
        .client()
        .get(app.url(&format!("/api/v1/assessments/{id}/responses.csv")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        responses.height(),
        csv.lines().count(),
        "header and one row per response"
    );
    assert_eq!(responses.height(), k + 3);

    let results = expect(
        &app,
        &token,
        Method::GET,
        &format!("/api/v1/assessments/{id}/results"),
        None,
        200,
    )
    .await;
    let areas = consultant.worksheet_range("Areas").unwrap();
    let header: Vec<String> = areas
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let stage_column = header
        .iter()
        .position(|h| h == "Stage")
        .expect("a Stage column");
    for area in results["areas"].as_array().unwrap() {
        assert_eq!(area["stage"], 2, "{area}");
    }
    let stages: Vec<f64> = areas
        .rows()
        .skip(1)
        .map(|row| match &row[stage_column] {
            Data::Float(value) => *value,
            Data::Int(value) => *value as f64,
            other => panic!("a stage is a number, not {other:?}"),
        })
        .collect();
    assert_eq!(stages, vec![2.0; model.areas().len()]);

    let mut read_only = download(&app, &viewer, &path).await;
    let names = read_only.sheet_names();
    assert!(!names.iter().any(|n| n == "Responses"), "{names:?}");
    assert!(names.iter().any(|n| n == "Actions") && names.iter().any(|n| n == "Trend"));
    assert!(read_only.worksheet_range("Areas").is_ok());
}
