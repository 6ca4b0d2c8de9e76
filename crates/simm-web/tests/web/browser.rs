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
