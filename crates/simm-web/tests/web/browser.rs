//! End-to-end tests in a real headless Chromium (Debian's chromium and
//! chromium-driver, which `scripts/browser` installs), against the real
//! server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use simm_store::{Role, new_id};

use crate::{TestApp, spawn_app};

/// A chromedriver process, ended when dropped.
struct Driver {
    process: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn start_driver() -> Driver {
    let driver =
        std::env::var("SIMM_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    // Ask the OS for a free port, then hand it to chromedriver.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut process = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("starting {driver} (run ./scripts/test, which installs it): {e}")
        });
    let stdout = process.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    // chromedriver says when it listens; reading that line is the wait.
    loop {
        let line = lines
            .next()
            .expect("chromedriver prints that it started")
            .unwrap();
        if line.contains("started successfully") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    Driver {
        process,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A browser session with a fresh, empty profile.
async fn browser(driver: &Driver) -> Client {
    let chromium = std::env::var("SIMM_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let profile =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("chromium-{}", new_id()));
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1200,900", format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session starts")
}

async fn fill(client: &Client, selector: &str, text: &str) {
    let field = element(client, selector).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Waits for an element, since a click that navigates returns before the
/// next page is there.
async fn element(client: &Client, selector: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
}

async fn click(client: &Client, selector: &str) {
    element(client, selector).await.click().await.unwrap();
}

async fn checked(client: &Client, item: &str, value: &str) -> bool {
    let selector = format!("input[name='item-{item}'][value='{value}']");
    element(client, &selector)
        .await
        .prop("checked")
        .await
        .unwrap()
        .as_deref()
        == Some("true")
}

async fn page(client: &Client) -> String {
    client.source().await.unwrap()
}

/// The consultant signs in, creates an organisation and an assessment,
/// opens it and makes a partner's link; returns the assessment id and the
/// link.
async fn consultant_prepares(app: &TestApp, client: &Client) -> (String, String) {
    let (email, password) = app.add_user(Role::Consultant).await;
    client.goto(&app.url("/login")).await.unwrap();
    fill(client, "#email", &email).await;
    fill(client, "#password", &password).await;
    // Each form leads to a page with an element of its own; waiting for
    // that element is waiting for the page.
    click(client, "form[action='/login'] button[type=submit]").await;
    fill(client, "#org-name", "Acme Browser Test").await;
    click(client, "form[action='/organizations'] button[type=submit]").await;
    fill(client, "#assessment-title", "Baseline").await;
    click(client, "form[action$='/assessments'] button[type=submit]").await;
    element(client, "form[action$='/open'] button[type=submit]").await;
    let url = client.current_url().await.unwrap();
    let assessment = url.path().rsplit('/').next().unwrap().to_owned();
    click(client, "form[action$='/open'] button[type=submit]").await;
    element(client, "form[action$='/close'] button[type=submit]").await;
    fill(client, "#link-count", "1").await;
    element(client, "#attr-role")
        .await
        .select_by_value("partner")
        .await
        .unwrap();
    click(client, "button[name=output][value=page]").await;
    let links = element(client, "#all-links")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    (assessment, links.trim().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultant_and_a_respondent_go_through_an_assessment() {
    let app = spawn_app().await;
    let driver = start_driver();
    let consultant = browser(&driver).await;
    let (assessment, link) = consultant_prepares(&app, &consultant).await;
    assert!(link.starts_with(&app.url("/r/")), "{link}");

    // Four earlier respondents, so that the fifth brings the assessment to
    // the anonymity threshold and results can show.
    let model = simm_core::builtin_model();
    let earlier = simm_web::demo::synthetic_responses(&model, 4, 7);
    app.store
        .insert_responses(&assessment, &earlier)
        .await
        .unwrap();

    // The respondent answers three statements; each is saved as it is
    // clicked, so a reload and even a new browser find them.
    let respondent = browser(&driver).await;
    respondent.goto(&link).await.unwrap();
    click(&respondent, "a.button").await;
    let first_items: Vec<String> = model
        .items()
        .iter()
        .filter(|i| i.area.as_str() == "vision")
        .take(3)
        .map(|i| i.id.to_string())
        .collect();
    for item in &first_items {
        click(
            &respondent,
            &format!("input[name='item-{item}'][value='4']"),
        )
        .await;
        let mark = format!("#statement-{item} [data-saved]");
        respondent
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(&format!(
                "//*[@id='statement-{item}']//*[@data-saved][normalize-space()='Saved']"
            )))
            .await
            .unwrap_or_else(|e| panic!("{mark} never said Saved: {e}"));
    }
    respondent.refresh().await.unwrap();
    for item in &first_items {
        assert!(
            checked(&respondent, item, "4").await,
            "{item} was not kept over a reload"
        );
    }
    let area_url = respondent.current_url().await.unwrap();
    respondent.close().await.unwrap();

    let respondent = browser(&driver).await;
    respondent.goto(area_url.as_str()).await.unwrap();
    for item in &first_items {
        assert!(
            checked(&respondent, item, "4").await,
            "{item} was not kept in a fresh browser"
        );
    }

    // Through the areas to the review, with a hostile comment on the way.
    let base = link.clone();
    for area in 1..=model.areas().len() {
        let here = url::Url::parse(&format!("{base}/area/{area}")).unwrap();
        respondent
            .wait()
            .at_most(Duration::from_secs(10))
            .for_url(&here)
            .await
            .unwrap();
        if area == model.areas().len() {
            fill(
                &respondent,
                "#comment",
                "<script>alert('x')</script> more tools",
            )
            .await;
        }
        click(&respondent, "button[name=go][value=next]").await;
    }
    let review_url = url::Url::parse(&format!("{base}/review")).unwrap();
    respondent
        .wait()
        .at_most(Duration::from_secs(10))
        .for_url(&review_url)
        .await
        .unwrap();
    let review = page(&respondent).await;
    assert!(
        review.contains("&lt;script&gt;alert('x')&lt;/script&gt; more tools"),
        "the comment is not shown escaped"
    );
    assert!(
        respondent.get_alert_text().await.is_err(),
        "a script from the comment ran"
    );
    click(&respondent, "form[action$='/submit'] button[type=submit]").await;
    respondent
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//h1[contains(., 'Thank you')] | //p[contains(., 'Thank you')]",
        ))
        .await
        .expect("the thank-you page follows the submission");
    respondent.close().await.unwrap();

    // The consultant publishes an interim snapshot of the five waiting
    // responses from the assessment page, then sees the results with the
    // radar chart.
    consultant
        .goto(&app.url(&format!("/assessments/{assessment}")))
        .await
        .unwrap();
    click(&consultant, "form[action$='/snapshot'] button[type=submit]").await;
    element(&consultant, "p.notice.success").await;
    consultant
        .goto(&app.url(&format!("/assessments/{assessment}/results")))
        .await
        .unwrap();
    // The radar chart is on the results page (the wait fails otherwise).
    element(&consultant, "figure.chart svg polygon").await;
    assert!(
        page(&consultant).await.contains("5 respondents")
            || page(&consultant).await.contains("Respondents")
    );
    consultant.close().await.unwrap();
}

async fn sign_in(app: &TestApp, client: &Client, email: &str, password: &str) {
    client.goto(&app.url("/login")).await.unwrap();
    fill(client, "#email", email).await;
    fill(client, "#password", password).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    // The dashboard's sign-out form is on every signed-in page.
    element(client, "form[action='/logout']").await;
}

/// Saves an action's form with a new status, and waits for the plan to
/// show the action in it (the page before showed the old status, so this
/// waits for the save).
async fn change_status(client: &Client, action: &str, status: &str) {
    element(client, &format!("#status-{action}"))
        .await
        .select_by_value(status)
        .await
        .unwrap();
    click(
        client,
        &format!("form[action='/actions/{action}'] button[type=submit]"),
    )
    .await;
    element(client, "p.notice.success").await;
    element(client, &format!("#action-{action} p .status-{status}")).await;
}

async fn count(client: &Client, selector: &str) -> usize {
    client.find_all(Locator::Css(selector)).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultant_plans_from_the_roadmap_and_a_viewer_reports_progress() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let (email, password) = app.add_user(Role::Consultant).await;
    let user = app.store.user_by_email(&email).await.unwrap().unwrap();
    let org = app
        .store
        .create_organization(
            &simm_store::NewOrganization {
                name: "Acme Journey".into(),
                industry: None,
                size: None,
                country: None,
            },
            &user.id,
        )
        .await
        .unwrap()
        .id;
    let round = crate::journey::closed_round(
        &app,
        &org,
        "Baseline",
        &simm_web::demo::synthetic_responses(&model, 12, 5),
        1_750_000_000,
    )
    .await;
    let driver = start_driver();
    let consultant = browser(&driver).await;
    sign_in(&app, &consultant, &email, &password).await;
    consultant
        .goto(&app.url(&format!("/organizations/{org}")))
        .await
        .unwrap();
    click(
        &consultant,
        &format!("a[href='/organizations/{org}/target']"),
    )
    .await;
    element(&consultant, "#target-vision")
        .await
        .select_by_value("4")
        .await
        .unwrap();
    click(&consultant, "form[action$='/target'] button[type=submit]").await;
    element(&consultant, "p.notice.success").await;
    let target = app.store.target(&org).await.unwrap().unwrap();
    assert!(
        target.areas.contains(&("vision".to_owned(), 4)),
        "{target:?}"
    );

    // Two practices of the roadmap adopted, each from the roadmap page.
    let roadmap = app.url(&format!("/assessments/{round}/roadmap"));
    let mut adopted = Vec::new();
    for index in 0..2 {
        consultant.goto(&roadmap).await.unwrap();
        element(&consultant, "form[action$='/actions/adopt']").await;
        let forms = consultant
            .find_all(Locator::Css("form[action$='/actions/adopt']"))
            .await
            .unwrap();
        assert!(forms.len() >= 2, "{} practices to adopt", forms.len());
        let item = forms[index]
            .find(Locator::Css("input[name=item]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap();
        forms[index]
            .find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        element(&consultant, "p.notice.success").await;
        adopted.push(item);
    }
    let actions = app.store.actions(&org).await.unwrap();
    let mut items: Vec<String> = actions.iter().filter_map(|a| a.item.clone()).collect();
    items.sort();
    adopted.sort();
    assert_eq!(items, adopted, "the actions are the practices adopted");
    let (done, other) = (&actions[0].id, &actions[1].id);
    consultant
        .goto(&app.url(&format!("/organizations/{org}/actions")))
        .await
        .unwrap();
    change_status(&consultant, done, "done").await;
    consultant.close().await.unwrap();

    // A viewer granted the organisation changes the other's status, and
    // has nothing else to edit.
    let (viewer_email, viewer_password) = app.add_user(Role::Viewer).await;
    let viewer_user = app
        .store
        .user_by_email(&viewer_email)
        .await
        .unwrap()
        .unwrap();
    app.store.grant_access(&org, &viewer_user.id).await.unwrap();
    let viewer = browser(&driver).await;
    sign_in(&app, &viewer, &viewer_email, &viewer_password).await;
    viewer
        .goto(&app.url(&format!("/organizations/{org}/actions")))
        .await
        .unwrap();
    change_status(&viewer, other, "in_progress").await;
    for selector in [
        "input[name=title]".to_owned(),
        "input[name=owner]".to_owned(),
        "input[name=due]".to_owned(),
        "select[name=item]".to_owned(),
        "form[action$='/delete']".to_owned(),
        format!("form[action='/organizations/{org}/actions']"),
    ] {
        assert_eq!(
            count(&viewer, &selector).await,
            0,
            "a viewer sees {selector}"
        );
    }
    assert_eq!(count(&viewer, "select[name=status]").await, 2);
    viewer.close().await.unwrap();
    let statuses: Vec<(String, simm_core::ActionStatus)> = app
        .store
        .actions(&org)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.status))
        .collect();
    assert!(statuses.contains(&(done.clone(), simm_core::ActionStatus::Done)));
    assert!(statuses.contains(&(other.clone(), simm_core::ActionStatus::InProgress)));

    // The demo's trend: both rounds in the table, and the radar's legend
    // names the previous round and the target.
    let demo = simm_web::demo::ensure_demo(&app.state, &app.builtin_model_version)
        .await
        .unwrap();
    let demo_user = app.store.user_by_email(&demo.email).await.unwrap().unwrap();
    let demo_org = app.store.organizations_for(&demo_user).await.unwrap()[0]
        .id
        .clone();
    let rounds = app.store.rounds(&demo_org).await.unwrap();
    let titles: Vec<&str> = rounds.iter().map(|round| round.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Baseline 2025 (synthetic)", "Round 2 2026 (synthetic)"],
        "the demo's rounds in the order they closed"
    );
    let reader = browser(&driver).await;
    sign_in(
        &app,
        &reader,
        &demo.email,
        demo.password.as_deref().unwrap(),
    )
    .await;
    reader
        .goto(&app.url(&format!("/organizations/{demo_org}/trend")))
        .await
        .unwrap();
    for round in &rounds {
        element(&reader, &format!("tr[data-round='{}']", round.title)).await;
    }
    element(&reader, ".charts svg").await;
    let page = page(&reader).await;
    let previous = format!("Previous round: {}", rounds[0].title);
    assert!(page.contains(&previous), "the legend lacks {previous:?}");
    assert!(page.contains("Target by"), "the legend names no target");
    // The practice done between the demo's rounds shows its outcome.
    assert!(
        page.contains("Baseline 2025 (synthetic) to Round 2 2026 (synthetic): +"),
        "no outcome of the done action"
    );
    reader.close().await.unwrap();
}
