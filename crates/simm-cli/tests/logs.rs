//! A whole session against the real `simm serve --log-format json`: a
//! consultant signs in, sets up an assessment in the console and through
//! the API, respondents answer and submit through their links, the
//! consultant closes the assessment and signs out, and the metrics are
//! scraped with their token. Every line the server logged is JSON, every
//! line of a request carries its request id, and no secret used in the
//! session appears anywhere in its output: no invitation token, API
//! token, session cookie, CSRF token, password or metrics token.
//!
//! The server is this test's alone, so its metrics are checked exactly.

#[path = "support/server.rs"]
mod server;

use std::collections::BTreeSet;
use std::path::Path;

use reqwest::Client;
use server::Server;
use simm_store::{Role, Store, new_id};

const RESPONDENTS: usize = 5;
const METRICS_TOKEN: &str = "metrics-token-of-the-session-test";

fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("the page has a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Remembers the request id of every response.
struct Session {
    client: Client,
    ids: Vec<String>,
}

impl Session {
    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let response = request.send().await.unwrap();
        self.ids.push(
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        response
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_logs_json_lines_with_request_ids_and_no_secret() {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("logs");
    std::fs::create_dir_all(&folder).unwrap();
    let database = format!(
        "sqlite://{}",
        folder.join(format!("{}.db", new_id())).display()
    );
    let email = "consultant@example.com";
    let password = "a password nobody logs 7f3a";
    let api_token = {
        let store = Store::connect(&database).await.unwrap();
        simm_web::accounts::add_user(&store, email, Role::Consultant, password)
            .await
            .unwrap();
        let token = simm_web::accounts::create_token(&store, email)
            .await
            .unwrap();
        store.close().await;
        token
    };
    let server = Server::start_with(
        &database,
        &["--log-format", "json"],
        &[("SIMM_METRICS_TOKEN", METRICS_TOKEN)],
    );
    let mut secrets = vec![
        password.to_owned(),
        api_token.clone(),
        METRICS_TOKEN.to_owned(),
    ];
    let mut session = Session {
        client: Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        ids: Vec::new(),
    };
    let client = session.client.clone();
    let url = |path: &str| server.url(path);

    // The consultant signs in and creates an organisation in the console.
    let signed_in = session
        .send(
            client
                .post(url("/login"))
                .form(&[("email", email), ("password", password)]),
        )
        .await;
    assert_eq!(signed_in.status(), 303);
    for cookie in signed_in.headers().get_all("set-cookie") {
        let (_, value) = cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap();
        // Long values only: a short one would match by chance.
        if value.len() >= 16 {
            secrets.push(value.to_owned());
        }
    }
    assert!(secrets.len() > 3, "signing in set no cookie");
    let home = session.send(client.get(url("/"))).await;
    let csrf = csrf_in(&home.text().await.unwrap());
    secrets.push(csrf.clone());
    let created = session
        .send(
            client
                .post(url("/organizations"))
                .form(&[("csrf", csrf.as_str()), ("name", "Acme")]),
        )
        .await;
    assert_eq!(created.status(), 303);
    let organization = created.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    // The assessment and its invitations through the API.
    // Without the console's cookie: API writes by session need CSRF.
    let plain = Client::new();
    let api = |request: reqwest::RequestBuilder| request.bearer_auth(&api_token);
    let assessment: serde_json::Value = session
        .send(api(plain
            .post(url(&format!(
                "/api/v1/organizations/{organization}/assessments"
            )))
            .json(&serde_json::json!({ "title": "Baseline" }))))
        .await
        .json()
        .await
        .unwrap();
    let assessment = assessment["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no assessment for {organization}: {assessment}"))
        .to_owned();
    let invitations: serde_json::Value = session
        .send(api(plain
            .post(url(&format!(
                "/api/v1/assessments/{assessment}/invitations"
            )))
            .json(&serde_json::json!({ "count": RESPONDENTS }))))
        .await
        .json()
        .await
        .unwrap();
    let tokens: Vec<String> = invitations["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|invitation| invitation["token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens.len(), RESPONDENTS);
    secrets.extend(tokens.iter().cloned());
    let opened = session
        .send(api(
            plain.post(url(&format!("/api/v1/assessments/{assessment}/open")))
        ))
        .await;
    assert_eq!(opened.status(), 200);

    // Respondents open their page, answer every item and submit.
    let items: Vec<String> = simm_core::builtin_model()
        .items()
        .iter()
        .map(|item| item.id.to_string())
        .collect();
    let respondent = Client::new();
    for (number, token) in tokens.iter().enumerate() {
        let page = session
            .send(respondent.get(url(&format!("/r/{token}"))))
            .await;
        assert_eq!(page.status(), 200);
        for (index, item) in items.iter().enumerate() {
            let saved = session
                .send(
                    respondent
                        .put(url(&format!("/api/v1/r/{token}/answers/{item}")))
                        .json(&serde_json::json!({ "value": (number + index) % 5 + 1 })),
                )
                .await;
            assert_eq!(saved.status(), 200);
        }
        let submitted = session
            .send(respondent.post(url(&format!("/api/v1/r/{token}/submit"))))
            .await;
        assert!(submitted.status().is_success(), "{}", submitted.status());
    }

    // The consultant closes the assessment, reads the results, signs out.
    let closed = session
        .send(
            client
                .post(url(&format!("/assessments/{assessment}/close")))
                .form(&[("csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(closed.status(), 303);
    let results = session
        .send(client.get(url(&format!("/assessments/{assessment}/results"))))
        .await;
    assert_eq!(results.status(), 200);
    let out = session
        .send(client.post(url("/logout")).form(&[("csrf", csrf.as_str())]))
        .await;
    assert_eq!(out.status(), 303);

    // The metrics count exactly this session.
    let metrics = session
        .send(client.get(url("/metrics")).bearer_auth(METRICS_TOKEN))
        .await;
    assert_eq!(metrics.status(), 200);
    let metrics = metrics.text().await.unwrap();
    let answers = RESPONDENTS * items.len();
    // The series of `name` with exactly these labels, in any order.
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        let wanted: BTreeSet<String> = labels
            .iter()
            .map(|(label, value)| format!("{label}=\"{value}\""))
            .collect();
        metrics
            .lines()
            .filter(|line| !line.starts_with('#'))
            .find_map(|line| {
                let (key, value) = line.rsplit_once(' ')?;
                let (metric, rest) = key.split_once('{').unwrap_or((key, "}"));
                let found: BTreeSet<String> = rest
                    .strip_suffix('}')?
                    .split(',')
                    .filter(|pair| !pair.is_empty())
                    .map(str::to_owned)
                    .collect();
                (metric == name && found == wanted).then(|| value.parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{metrics}"))
    };
    assert_eq!(value("simm_answers_saved_total", &[]), answers as f64);
    assert_eq!(
        value(
            "simm_http_requests_total",
            &[
                ("method", "PUT"),
                ("route", "/api/v1/r/{token}/answers/{item}"),
                ("status", "200")
            ]
        ),
        answers as f64
    );
    assert_eq!(
        value(
            "simm_http_requests_total",
            &[
                ("method", "GET"),
                ("route", "/r/{token}"),
                ("status", "200")
            ]
        ),
        RESPONDENTS as f64
    );

    let (stdout, stderr) = server.kill_and_read();
    let output = format!("{stdout}\n{stderr}");
    for secret in &secrets {
        assert!(
            !output.contains(secret.as_str()),
            "a secret of the session is in the server's output: {secret}"
        );
    }
    let mut logged_ids = BTreeSet::new();
    let mut request_lines = 0;
    for line in stderr.lines() {
        let entry: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line}"));
        assert!(entry["level"].is_string(), "{line}");
        if let Some(span) = entry.get("span") {
            let id = span["request_id"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "a line of a request without its id: {line}");
            assert!(span["route"].is_string(), "{line}");
            logged_ids.insert(id.to_owned());
            request_lines += 1;
        }
    }
    assert!(
        request_lines >= session.ids.len(),
        "{request_lines} request lines"
    );
    let unlogged: Vec<&String> = session
        .ids
        .iter()
        .filter(|id| !logged_ids.contains(*id))
        .collect();
    assert!(unlogged.is_empty(), "requests not in the log: {unlogged:?}");
    assert!(stderr.contains("\"route\":\"/api/v1/r/{token}/answers/{item}\""));
}
