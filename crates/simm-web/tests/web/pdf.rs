//! The PDF downloads, read back with poppler (`pdftotext`, `pdfinfo`) as a
//! reader of the file sees them: every area's reason, computed on its own
//! from the JSON results with `simm_report::area_reason`, the
//! organisation's name and the server's branding on the cover, and no
//! group the policy hides.

use std::io::Write as _;
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::{Value, json};
use simm_core::{AreaId, AreaResult, StageFulfilment, StageLevel};
use simm_store::Role;

use crate::api::{call, organization_with_assessment};
use crate::{Backend, TestApp, spawn_app, spawn_app_with};

/// Runs a poppler tool on `pdf` given on standard input (`outputs` are
/// the arguments after the input: "-" for pdftotext's standard output). Without poppler
/// the test fails and says what to install, rather than passing.
fn poppler(tool: &str, args: &[&str], outputs: &[&str], pdf: &[u8]) -> String {
    let mut child = Command::new(tool)
        .args(args)
        .arg("-")
        .args(outputs)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run {tool} ({error}): install Debian's poppler-utils (scripts/test does)"
            )
        });
    let mut stdin = child.stdin.take().unwrap();
    let pdf = pdf.to_vec();
    // Written from another thread, so that a tool that answers before it
    // has read everything cannot block on a full pipe.
    let writer = std::thread::spawn(move || stdin.write_all(&pdf));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The text of the PDF, with single spaces where the layout broke lines.
fn text(pdf: &[u8]) -> String {
    text_of(pdf, &[])
}

fn text_of(pdf: &[u8], pages: &[&str]) -> String {
    let mut args = vec!["-enc", "UTF-8"];
    args.extend(pages);
    poppler("pdftotext", &args, &["-"], pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn pages(pdf: &[u8]) -> usize {
    poppler("pdfinfo", &[], &[], pdf)
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("pdfinfo gives the page count")
}

/// Downloads a PDF; answers its bytes after checking it is one.
async fn download(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let response = app
        .client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"simm-") && disposition.ends_with(".pdf\""),
        "{disposition}"
    );
    let bytes = response.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF-"), "{path}");
    bytes
}

/// A closed assessment of "Acme" answered by one respondent per unit
/// given; answers the consultant's token, the organisation and the
/// assessment.
async fn answered(app: &TestApp, units: &[&str]) -> (String, String, String) {
    let token = app.api_token(Role::Consultant).await;
    let (org, id) = organization_with_assessment(app, &token).await;
    let rows: Vec<Value> = units.iter().map(|unit| json!({ "unit": unit })).collect();
    let (status, created) = call(
        app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{id}/invitations"),
        Some(json!({ "rows": rows })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/api/v1/assessments/{id}/open");
    let (status, body) = call(app, Some(&token), Method::POST, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let model = simm_core::builtin_model();
    for (r, invitation) in created["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let respondent = invitation["token"].as_str().unwrap();
        for (index, item) in model.items().iter().enumerate() {
            let path = format!("/api/v1/r/{respondent}/answers/{}", item.id);
            let value = 1 + ((index * 3 + r) % 5) as u8;
            let (status, body) = call(
                app,
                None,
                Method::PUT,
                &path,
                Some(json!({ "value": value })),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
        let path = format!("/api/v1/r/{respondent}/submit");
        let (status, body) = call(app, None, Method::POST, &path, None).await;
        assert_eq!(status, 200, "{body}");
    }
    let path = format!("/api/v1/assessments/{id}/close");
    let (status, body) = call(app, Some(&token), Method::POST, &path, None).await;
    assert_eq!(status, 200, "{body}");
    (token, org, id)
}

/// An area of the JSON results, as far as its reason sentence needs it.
fn area_of(area: &Value) -> AreaResult {
    let fulfilment = area["fulfilment"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(level, value)| {
            (
                StageLevel::new(level.parse().unwrap()).unwrap(),
                value.as_f64(),
            )
        })
        .collect();
    AreaResult {
        id: AreaId::parse(area["id"].as_str().unwrap()).unwrap(),
        stage: StageLevel::new(area["stage"].as_u64().unwrap() as u8).unwrap(),
        score: area["score"].as_f64().unwrap(),
        fulfilment: StageFulfilment(fulfilment),
        consensus: None,
        gap: None,
        score_interval: None,
        fulfilment_interval: None,
        stage_probability: None,
    }
}

#[tokio::test]
async fn consultants_and_viewers_download_the_report_and_the_slides() {
    // The server's branding, as `simm serve` sets it from `[branding]`.
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.branding =
            Some(simm_report::Branding::parse("Kestrel Advisory", None, Some("#0a7d3b")).unwrap());
    })
    .await;
    let (owner, org, id) = answered(&app, &["Harbour"; 6]).await;
    let (viewer_email, _) = app.add_user(Role::Viewer).await;
    let viewer = simm_web::accounts::create_token(&app.store, &viewer_email)
        .await
        .unwrap();
    let (status, body) = call(
        &app,
        Some(&owner),
        Method::POST,
        &format!("/api/v1/organizations/{org}/access"),
        Some(json!({ "email": viewer_email })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, results) = call(
        &app,
        Some(&owner),
        Method::GET,
        &format!("/api/v1/assessments/{id}/results"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{results}");
    let model = simm_core::builtin_model();
    let threshold = results["threshold"].as_f64().unwrap();
    let reasons: Vec<String> = results["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|area| simm_report::area_reason(&model, &area_of(area), threshold))
        .collect();
    assert_eq!(reasons.len(), model.areas().len());
    for token in [&owner, &viewer] {
        for prefix in ["/api/v1/assessments", "/assessments"] {
            let report = download(&app, token, &format!("{prefix}/{id}/report.pdf")).await;
            assert!(pages(&report) >= 6, "{} pages", pages(&report));
            let shown = text(&report);
            assert!(
                shown.starts_with("Acme") || shown.contains("Acme"),
                "{shown}"
            );
            for reason in &reasons {
                assert!(
                    shown.contains(reason.as_str()),
                    "{reason} not in the report"
                );
            }
            let slides = download(&app, token, &format!("{prefix}/{id}/slides.pdf")).await;
            // Title, overall, the radar, one per area, the roadmap, next steps.
            assert_eq!(pages(&slides), 5 + model.areas().len());
            let title = text_of(&slides, &["-f", "1", "-l", "1"]);
            assert!(title.contains("Acme"), "{title}");
            let shown = text(&slides);
            for reason in &reasons {
                assert!(
                    shown.contains(reason.as_str()),
                    "{reason} not in the slides"
                );
            }
        }
    }
}

#[tokio::test]
async fn no_group_the_policy_hides_is_in_the_pdfs() {
    let app = spawn_app().await;
    // Six in each of two units and one alone in a third: the lone one is
    // below the threshold; what else the policy hides to keep it hidden
    // is read from the JSON results, the policy's own answer. The unit
    // names are words the model's text never uses.
    let units = ["Zanzibar", "Quokkaville", "Xylophonia"];
    let mut rows = vec![units[0]; 6];
    rows.extend([units[1]; 6]);
    rows.push(units[2]);
    let (token, _, id) = answered(&app, &rows).await;
    let (status, grouped) = call(
        &app,
        Some(&token),
        Method::GET,
        &format!("/api/v1/assessments/{id}/results?group_by=unit"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{grouped}");
    let shown: Vec<&str> = grouped["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|group| group["suppressed"] == false)
        .filter_map(|group| group["value"].as_str())
        .collect();
    assert!(!shown.contains(&units[2]), "{grouped}");
    assert!(
        !shown.is_empty(),
        "a comparison to find in the report: {grouped}"
    );
    for prefix in ["/api/v1/assessments", "/assessments"] {
        let report = text(
            &download(
                &app,
                &token,
                &format!("{prefix}/{id}/report.pdf?group_by=unit"),
            )
            .await,
        );
        let slides = text(
            &download(
                &app,
                &token,
                &format!("{prefix}/{id}/slides.pdf?group_by=unit"),
            )
            .await,
        );
        for unit in units {
            // The report compares the groups it may show; the slides
            // need not, but may never name a hidden one.
            assert_eq!(
                report.contains(unit),
                shown.contains(&unit),
                "{unit} in {prefix}'s report: {report}"
            );
            assert!(
                shown.contains(&unit) || !slides.contains(unit),
                "{unit} in {prefix}'s slides: {slides}"
            );
        }
    }
}

#[tokio::test]
async fn three_renders_at_once_all_succeed_two_at_a_time() {
    let app = spawn_app().await;
    let (token, _, id) = answered(&app, &["Harbour"; 6]).await;
    let report_path = format!("/api/v1/assessments/{id}/report.pdf");
    let slides_path = format!("/api/v1/assessments/{id}/slides.pdf");
    let (report, slides, again) = tokio::join!(
        download(&app, &token, &report_path),
        download(&app, &token, &slides_path),
        download(&app, &token, &report_path),
    );
    // The same results on the same day give the same file, whoever waited.
    assert_eq!(report, again);
    assert_eq!(pages(&slides), 5 + simm_core::builtin_model().areas().len());
    let peak = app.state.pdf_renders_peak();
    assert!((1..=2).contains(&peak), "{peak} renders ran at once");
}

#[tokio::test]
async fn the_report_carries_the_action_plan_with_its_text_taken_literally() {
    let app = spawn_app().await;
    let (token, org, id) = answered(&app, &["Harbour"; 6]).await;
    let title = "<script> #set text(red) *b* $x$ @r // plan";
    let actions = format!("/api/v1/organizations/{org}/actions");
    for (title, owner, due) in [
        (title, "Dana #Ops", "2020-01-15"),
        ("Write the innovation strategy", "CIO", "2099-06-30"),
    ] {
        let (status, body) = call(
            &app,
            Some(&token),
            Method::POST,
            &actions,
            Some(json!({ "title": title, "owner": owner, "due": due })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let report = download(
        &app,
        &token,
        &format!("/api/v1/assessments/{id}/report.pdf"),
    )
    .await;
    // pdftotext keeps a table's cells in reading order; the words of a
    // long cell may wrap, so compare with the spaces squeezed out.
    let shown: String = text(&report).split_whitespace().collect();
    assert!(shown.contains("Actionplan"), "no action plan section");
    for expected in [
        title,
        "Dana #Ops",
        "2020-01-15 (overdue)",
        "Write the innovation strategy",
        "CIO",
        "2099-06-30",
    ] {
        let squeezed: String = expected.split_whitespace().collect();
        assert!(
            shown.contains(&squeezed),
            "{expected:?} is not in the report"
        );
    }
    assert!(
        !shown.contains("2099-06-30(overdue)"),
        "a future due day is not overdue"
    );
    // The slides, which carry no plan, and the CLI's report (no
    // organisation, no plan) still build: tests/pdf.rs and the CLI tests.
}

#[tokio::test]
async fn the_report_carries_the_trend_the_trend_api_gives() {
    use crate::journey::{closed_round, uniform};
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (token, _, org) = crate::actions::organization(&app).await;
    let k = model.scoring().anonymity_min.get() as usize;
    // Round 2 puts Vision and Strategy's stage 2 in place, nothing else.
    let before = |_: &simm_core::Item| 1;
    let after = |item: &simm_core::Item| {
        if item.area.as_str() == "vision" && item.stage.get() == 2 {
            5
        } else {
            1
        }
    };
    closed_round(
        &app,
        &org,
        "Baseline round",
        &uniform(k + 1, "employee", before),
        1_750_000_000,
    )
    .await;
    let second = closed_round(
        &app,
        &org,
        "Second round",
        &uniform(k + 1, "employee", after),
        1_780_000_000,
    )
    .await;
    let (status, trend) = call(
        &app,
        Some(&token),
        Method::GET,
        &format!("/api/v1/organizations/{org}/trend"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{trend}");
    let report = download(
        &app,
        &token,
        &format!("/api/v1/assessments/{second}/report.pdf"),
    )
    .await;
    let shown = text(&report);
    let start = shown.find("Trend over rounds").expect("a trend section");
    let end = start
        + shown[start..]
            .find("Consensus")
            .expect("the consensus follows");
    let section: String = shown[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for title in ["Baseline round", "Second round"] {
        assert!(section.contains(title), "{title} not in {section}");
    }
    // Every real change the API reports is in the PDF, with its value,
    // and nothing else is called real.
    let mut real = 0;
    for round in trend["rounds"].as_array().unwrap() {
        for area in round["areas"].as_array().into_iter().flatten() {
            let delta = &area["delta"];
            if delta["real"] == true {
                real += 1;
                let value = format!("{:+.2}", delta["value"].as_f64().unwrap());
                assert!(section.contains(&value), "{value} not in {section}");
            }
        }
        if round["overall"]["delta"]["real"] == true {
            real += 1;
        }
    }
    assert_eq!(real, 1, "only Vision and Strategy changed: {trend}");
    assert_eq!(section.matches("a real change").count(), real, "{section}");
}
