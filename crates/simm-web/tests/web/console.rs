//! Tests of the console module: the pages for consultants, viewers and
//! admins, driven over HTTP like a browser without JavaScript would.

use std::collections::{BTreeMap, HashSet};

use reqwest::{Client, StatusCode};
use simm_store::{NewResponse, Role, hash_token};

use super::{Backend, TestApp, spawn_app, spawn_app_on};

const SCRIPT: &str = "<script>alert(1)</script>";
const ESCAPED_SCRIPT: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";

pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("the page has a csrf field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub async fn get(client: &Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The CSRF token of the client's session, read from the dashboard.
async fn session_csrf(client: &Client, app: &TestApp) -> String {
    let (status, page) = get(client, app, "/").await;
    assert_eq!(status, 200);
    csrf_in(&page)
}

pub async fn post(
    client: &Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "expected a redirect");
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The id in a redirect such as `/organizations/{id}?notice=created`.
fn id_in(location: &str, prefix: &str) -> String {
    location
        .strip_prefix(prefix)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

async fn create_organization(client: &Client, app: &TestApp, csrf: &str, name: &str) -> String {
    let response = post(
        client,
        app,
        "/organizations",
        &[
            ("csrf", csrf),
            ("name", name),
            ("industry", "Logistics"),
            ("size", "250-999"),
            ("country", "NL"),
        ],
    )
    .await;
    id_in(&location(&response), "/organizations/")
}

async fn create_assessment(
    client: &Client,
    app: &TestApp,
    csrf: &str,
    organization: &str,
    title: &str,
) -> String {
    let response = post(
        client,
        app,
        &format!("/organizations/{organization}/assessments"),
        &[
            ("csrf", csrf),
            ("title", title),
            ("model_version", &app.builtin_model_version),
        ],
    )
    .await;
    id_in(&location(&response), "/assessments/")
}

async fn open(client: &Client, app: &TestApp, csrf: &str, assessment: &str) {
    let response = post(
        client,
        app,
        &format!("/assessments/{assessment}/open"),
        &[("csrf", csrf)],
    )
    .await;
    assert_eq!(
        location(&response),
        format!("/assessments/{assessment}?notice=opened")
    );
}

/// A consultant's client and csrf token, with an open assessment of a new
/// organisation; returns (client, csrf, organisation id, assessment id).
async fn open_assessment(app: &TestApp, name: &str) -> (Client, String, String, String) {
    let (client, _) = app.signed_in(Role::Consultant).await;
    let csrf = session_csrf(&client, app).await;
    let organization = create_organization(&client, app, &csrf, name).await;
    let assessment = create_assessment(&client, app, &csrf, &organization, "Baseline 2026").await;
    open(&client, app, &csrf, &assessment).await;
    (client, csrf, organization, assessment)
}

/// Submits `count` synthetic responses and releases what waits, as an
/// interim snapshot would (it holds them back while too few wait).
async fn add_responses(app: &TestApp, assessment: &str, count: usize) {
    let model = app.state.model(&app.builtin_model_version).await.unwrap();
    let responses = simm_web::demo::synthetic_responses(&model, count, 7);
    app.store
        .insert_responses(assessment, &responses)
        .await
        .unwrap();
    simm_web::release_assessment(&app.state, assessment, false)
        .await
        .unwrap();
}

/// Signs in an existing account in a new client.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Client {
    let client = app.client();
    let response = post(
        &client,
        app,
        "/login",
        &[("email", email), ("password", password)],
    )
    .await;
    assert_eq!(location(&response), "/");
    client
}

/// The distinct invitation links on a page.
fn links_in(app: &TestApp, page: &str) -> Vec<String> {
    let prefix = format!("{}/r/", app.address);
    let mut seen = HashSet::new();
    page.match_indices(&prefix)
        .map(|(at, _)| page[at..at + prefix.len() + 64].to_owned())
        .filter(|link| seen.insert(link.clone()))
        .collect()
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

fn read_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn assert_download(response: &reqwest::Response, content_type: &str, extension: &str) {
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with(content_type),
        "{headers:?}"
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"simm-")
            && disposition.ends_with(&format!(".{extension}\"")),
        "{disposition}"
    );
    assert_eq!(headers["cache-control"], "no-store");
}

#[tokio::test]
async fn a_consultant_creates_an_organisation_an_assessment_and_links() {
    consultant_flow(spawn_app().await).await;
}

#[tokio::test]
async fn a_consultant_creates_an_organisation_an_assessment_and_links_on_postgres() {
    consultant_flow(spawn_app_on(Backend::Postgres).await).await;
}

async fn consultant_flow(app: TestApp) {
    let (client, email) = app.signed_in(Role::Consultant).await;
    let (status, home) = get(&client, &app, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains(&email), "who is signed in");
    assert!(home.contains("action=\"/logout\""));
    assert!(home.contains("New organisation"));
    assert!(!home.contains("href=\"/users\""), "users are for admins");
    let csrf = csrf_in(&home);

    let organization = create_organization(&client, &app, &csrf, "Acme Logistics").await;
    let (_, home) = get(&client, &app, "/").await;
    assert!(home.contains(&format!("href=\"/organizations/{organization}\"")));
    let (status, page) = get(&client, &app, &format!("/organizations/{organization}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Acme Logistics"));
    assert!(page.contains("250-999 employees"));
    assert!(
        page.contains(&format!(
            "<option value=\"{}\" selected>Smartsourcing Innovation Model 1.1.0</option>",
            app.builtin_model_version
        )),
        "the built-in model is the default"
    );

    // A title is required; the form comes back with the problem.
    let response = post(
        &client,
        &app,
        &format!("/organizations/{organization}/assessments"),
        &[
            ("csrf", &csrf),
            ("title", " "),
            ("model_version", &app.builtin_model_version),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Give the assessment a title")
    );

    let assessment = create_assessment(&client, &app, &csrf, &organization, "Baseline 2026").await;
    let (_, page) = get(&client, &app, &format!("/organizations/{organization}")).await;
    assert!(page.contains("Baseline 2026"));
    let (status, page) = get(&client, &app, &format!("/assessments/{assessment}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("state-draft"));
    assert!(page.contains("Open for responses"));
    assert!(page.contains("it is frozen when the assessment first opens"));

    open(&client, &app, &csrf, &assessment).await;
    let (_, page) = get(&client, &app, &format!("/assessments/{assessment}")).await;
    assert!(page.contains("state-open"));
    assert!(page.contains("5 respondents, frozen when the assessment was first opened"));
    assert!(page.contains(">Close</button>"));

    // (a) Three links for partners of Sales, shown on the page.
    let path = format!("/assessments/{assessment}/invitations");
    let response = post(
        &client,
        &app,
        &path,
        &[
            ("csrf", &csrf),
            ("count", "3"),
            ("attr:role", "partner"),
            ("attr:unit", "Sales"),
            ("output", "page"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    assert!(page.contains("shown only this once"));
    let links = links_in(&app, &page);
    assert_eq!(links.len(), 3, "{page}");
    for link in &links {
        let invitation = app
            .store
            .invitation_by_token(&hash_token(token_of(link)))
            .await
            .unwrap()
            .expect("the link's token is stored as a hash");
        assert_eq!(invitation.assessment_id, assessment);
        assert_eq!(
            invitation.attributes,
            BTreeMap::from([
                ("role".to_owned(), "partner".to_owned()),
                ("unit".to_owned(), "Sales".to_owned())
            ])
        );
    }

    // The same form, downloaded as CSV instead; "Executive" is accepted
    // in the declared spelling.
    let response = post(
        &client,
        &app,
        &path,
        &[
            ("csrf", &csrf),
            ("count", "2"),
            ("attr:role", "Executive"),
            ("attr:unit", ""),
            ("output", "csv"),
        ],
    )
    .await;
    assert_download(&response, "text/csv", "csv");
    let rows = read_csv(&response.text().await.unwrap());
    assert_eq!(rows[0], ["link", "role", "unit", "language"]);
    assert_eq!(rows.len(), 3);
    for row in &rows[1..] {
        assert!(row[0].starts_with(&format!("{}/r/", app.address)));
        assert_eq!(row[1..], ["executive", "", ""]);
        let invitation = app
            .store
            .invitation_by_token(&hash_token(token_of(&row[0])))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(invitation.attributes.get("unit"), None);
    }

    // (b) One link per row of a pasted CSV (semicolons work too).
    let response = post(
        &client,
        &app,
        &format!("/assessments/{assessment}/invitations/csv"),
        &[
            ("csrf", &csrf),
            ("csv", "role;unit\r\nmanager;IT\r\nemployee;\r\n"),
            ("output", "page"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert_eq!(links_in(&app, &page).len(), 2);
    assert!(page.contains("<td>manager</td><td>IT</td>"));

    // Too many links at once are refused with a clear message.
    let response = post(
        &client,
        &app,
        &path,
        &[("csrf", &csrf), ("count", "5001"), ("output", "page")],
    )
    .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("At most 5000 links can be made at once"),
        "{page}"
    );
    let response = post(
        &client,
        &app,
        &path,
        &[
            ("csrf", &csrf),
            ("count", "2"),
            ("attr:role", "boss"),
            ("output", "page"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("is not a value of &#34;role&#34;")
    );

    // Participation: one partner submits.
    let model = app.state.model(&app.builtin_model_version).await.unwrap();
    let item_ids: Vec<&str> = model.items().iter().map(|i| i.id.as_str()).collect();
    let invitation = app
        .store
        .invitation_by_token(&hash_token(token_of(&links[0])))
        .await
        .unwrap()
        .unwrap();
    app.store.submit(&invitation.id, &item_ids).await.unwrap();
    let (_, page) = get(&client, &app, &format!("/assessments/{assessment}")).await;
    // 7 invitations, 1 opened (answered counts as opened), 6 not started,
    // 0 started, 1 submitted: 14 %.
    assert!(
        page.contains("<td class=\"number\">7</td><td class=\"number\">1</td><td class=\"number\">6</td><td class=\"number\">0</td><td class=\"number\">1</td><td class=\"number\">14 %</td>"),
        "{page}"
    );
    assert!(page.contains(
        "<th scope=\"row\">partner</th><td class=\"number\">3</td><td class=\"number\">1</td><td class=\"number\">2</td><td class=\"number\">0</td><td class=\"number\">1</td><td class=\"number\">33 % <strong class=\"flag\">below 60 %</strong></td>"
    ));
    assert!(
        page.contains("<th scope=\"row\">(not preset)</th><td class=\"number\">3</td>"),
        "units not preset: 2 executives and 1 employee"
    );

    // Closing works and is shown.
    let response = post(
        &client,
        &app,
        &format!("/assessments/{assessment}/close"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(
        location(&response),
        format!("/assessments/{assessment}?notice=closed")
    );
    let (_, page) = get(&client, &app, &format!("/assessments/{assessment}")).await;
    assert!(page.contains("state-closed"));
}

#[tokio::test]
async fn pasted_csvs_are_checked_all_or_nothing() {
    let app = spawn_app().await;
    let (client, csrf, _, assessment) = open_assessment(&app, "Acme").await;
    let path = format!("/assessments/{assessment}/invitations/csv");
    let refused = |csv: &'static str| {
        let client = client.clone();
        let csrf = csrf.clone();
        let url = app.url(&path);
        async move {
            let response = client
                .post(url)
                .form(&[("csrf", csrf.as_str()), ("csv", csv), ("output", "page")])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 422, "{csv}");
            response.text().await.unwrap()
        }
    };
    let page = refused("rol,unit\npartner,IT\n").await;
    assert!(
        page.contains("CSV:1:1: column &#34;rol&#34;: the column is not an attribute of the model smartsourcing 1.1.0; its attributes are role, unit, language; did you mean &#34;role&#34;?"),
        "{page}"
    );
    let page = refused("role,unit\npartner,IT\nboss,Sales\npartner,IT,extra\n").await;
    assert!(
        page.contains("CSV:3:1: row 2, column &#34;role&#34;: &#34;boss&#34; is not a value of &#34;role&#34;; expected one of executive, manager, employee, partner<"),
        "{page}"
    );
    assert!(page.contains("CSV:4: row 3: the row has 3 cells but the header has 2 columns"));
    // The valid row was not kept: all or nothing.
    assert!(
        app.store
            .participation(&assessment)
            .await
            .unwrap()
            .is_empty()
    );
    let page = refused("role,role\npartner,partner\n").await;
    assert!(page.contains("the column appears twice"));
    let page = refused("role\n").await;
    assert!(page.contains("no rows"));
    let page = refused("   ").await;
    assert!(page.contains("CSV:1: the sheet is empty"));
    let page = refused("role,unit\nmanger,IT\n").await;
    assert!(page.contains("did you mean &#34;manager&#34;?"), "{page}");
    // The pasted text comes back, to be corrected.
    assert!(page.contains("manger,IT"));
    let many = format!("role\n{}", "partner\n".repeat(5001));
    let response = client
        .post(app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("csv", many.as_str()),
            ("output", "csv"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("At most 5000 links")
    );
    assert!(
        app.store
            .participation(&assessment)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn pasted_csvs_are_checked_like_the_api_checks_attribute_values() {
    let app = spawn_app().await;
    let (client, csrf, _, assessment) = open_assessment(&app, "Acme").await;
    let path = format!("/assessments/{assessment}/invitations/csv");
    for (csv, problem) in [
        (
            "role,unit\npartner,IT\nmanager,Sa\u{0}les\n",
            "CSV:3:2: row 2, column &#34;unit&#34;: must not contain control characters; it holds U+0000",
        ),
        (
            "role,unit\npartner,\u{7}IT\n",
            "CSV:2:2: row 1, column &#34;unit&#34;: must not contain control characters; it holds U+0007",
        ),
        (
            "role,unit\npartner,IT\u{202E}\n",
            "CSV:2:2: row 1, column &#34;unit&#34;: must not contain bidirectional formatting characters, which change the order text is shown in; it holds U+202E",
        ),
    ] {
        let response = post(
            &client,
            &app,
            &path,
            &[("csrf", &csrf), ("csv", csv), ("output", "page")],
        )
        .await;
        assert_eq!(response.status(), 422, "{csv:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains(problem), "{csv:?}: {page}");
    }
    // The form of preset attributes is checked the same way.
    let response = post(
        &client,
        &app,
        &format!("/assessments/{assessment}/invitations"),
        &[("csrf", &csrf), ("count", "3"), ("attr:unit", "I\u{7}T")],
    )
    .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Unit: must not contain control characters; it holds U+0007<"),
        "{page}"
    );
    assert!(
        app.store
            .participation(&assessment)
            .await
            .unwrap()
            .is_empty(),
        "an invitation was made"
    );
}

#[tokio::test]
async fn granting_access_in_the_console_does_not_tell_who_has_an_account() {
    let app = spawn_app().await;
    let (client, csrf, organization, _) = open_assessment(&app, "Acme").await;
    let (admin, _) = app.add_user(Role::Admin).await;
    let (steward, _) = app.add_user(Role::Steward).await;
    let grant = format!("/organizations/{organization}/access");
    let mut answers = Vec::new();
    for email in ["nobody@example.com", &admin, &steward] {
        let response = post(&client, &app, &grant, &[("csrf", &csrf), ("email", email)]).await;
        let status = response.status();
        // The page gives the email typed back, to be corrected.
        let page = response.text().await.unwrap().replace(email, "EMAIL");
        answers.push((status, page));
    }
    assert_eq!(answers[0].0, 422);
    assert!(
        answers[0]
            .1
            .contains("No viewer or consultant with that email can be granted access"),
        "{}",
        answers[0].1
    );
    assert!(
        answers[1] == answers[0],
        "an admin's email: {}",
        answers[1].1
    );
    assert!(
        answers[2] == answers[0],
        "a steward's email: {}",
        answers[2].1
    );
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in(Role::Consultant).await;
    let token = session_csrf(&client, &app).await;
    for fields in [
        vec![("name", "Acme")],
        vec![("name", "Acme"), ("csrf", "wrong")],
        vec![("name", "Acme"), ("csrf", "")],
    ] {
        let response = post(&client, &app, "/organizations", &fields).await;
        assert_eq!(response.status(), 403, "{fields:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains("the form has expired or did not come from this site"));
    }
    let (_, home) = get(&client, &app, "/").await;
    assert!(!home.contains("Acme"), "nothing was created");

    // Another session's token is no good either.
    let (other, _) = app.signed_in(Role::Consultant).await;
    let other_token = session_csrf(&other, &app).await;
    assert_ne!(token, other_token);
    let response = post(
        &client,
        &app,
        "/organizations",
        &[("name", "Acme"), ("csrf", &other_token)],
    )
    .await;
    assert_eq!(response.status(), 403);

    let organization = create_organization(&client, &app, &token, "Acme").await;
    let assessment = create_assessment(&client, &app, &token, &organization, "2026").await;
    for path in [
        format!("/assessments/{assessment}/open"),
        format!("/assessments/{assessment}/invitations"),
        format!("/organizations/{organization}/assessments"),
        "/account/password".to_owned(),
    ] {
        let response = post(&client, &app, &path, &[("csrf", "wrong"), ("count", "1")]).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    let (_, page) = get(&client, &app, &format!("/assessments/{assessment}")).await;
    assert!(page.contains("state-draft"));
    assert!(
        app.store
            .participation(&assessment)
            .await
            .unwrap()
            .is_empty()
    );

    // Signing out needs the token too.
    let response = post(&client, &app, "/logout", &[]).await;
    assert_eq!(response.status(), 403);
    assert_eq!(get(&client, &app, "/").await.0, 200, "still signed in");
    let response = post(&client, &app, "/logout", &[("csrf", &token)]).await;
    assert_eq!(location(&response), "/login?notice=signed-out");
    let response = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&response), "/login");
    let (_, login) = get(&client, &app, "/login?notice=signed-out").await;
    assert!(login.contains("You have signed out."));
}

#[tokio::test]
async fn another_consultant_finds_nothing() {
    let app = spawn_app().await;
    let (owner, _, organization, assessment) = open_assessment(&app, "Acme").await;
    add_responses(&app, &assessment, 8).await;
    assert_eq!(
        get(&owner, &app, &format!("/assessments/{assessment}/results"))
            .await
            .0,
        200
    );

    let (stranger, _) = app.signed_in(Role::Consultant).await;
    let csrf = session_csrf(&stranger, &app).await;
    let (_, home) = get(&stranger, &app, "/").await;
    assert!(!home.contains("Acme"));
    for path in [
        format!("/organizations/{organization}"),
        format!("/assessments/{assessment}"),
        format!("/assessments/{assessment}/results"),
        format!("/assessments/{assessment}/results?group_by=role"),
        format!("/assessments/{assessment}/results.json"),
        format!("/assessments/{assessment}/report.html"),
        format!("/assessments/{assessment}/report.pdf"),
        format!("/assessments/{assessment}/slides.pdf"),
        format!("/assessments/{assessment}/responses.csv"),
        "/organizations/missing".to_owned(),
        "/assessments/missing/results".to_owned(),
    ] {
        let (status, page) = get(&stranger, &app, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            !page.contains("Acme") && !page.contains("Baseline"),
            "{path}"
        );
    }
    for (path, fields) in [
        (
            format!("/organizations/{organization}/assessments"),
            vec![
                ("title", "Mine now"),
                ("model_version", app.builtin_model_version.as_str()),
            ],
        ),
        (
            format!("/organizations/{organization}/access"),
            vec![("email", "x@example.com")],
        ),
        (format!("/assessments/{assessment}/open"), vec![]),
        (format!("/assessments/{assessment}/close"), vec![]),
        (
            format!("/assessments/{assessment}/invitations"),
            vec![("count", "1"), ("output", "csv")],
        ),
        (
            format!("/assessments/{assessment}/invitations/csv"),
            vec![("csv", "role\npartner\n"), ("output", "csv")],
        ),
    ] {
        let mut fields = fields;
        fields.push(("csrf", csrf.as_str()));
        let response = post(&stranger, &app, &path, &fields).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    assert!(
        app.store
            .participation(&assessment)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.store.assessments_of(&organization).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_viewer_reads_results_but_changes_nothing_and_sees_no_responses() {
    let app = spawn_app().await;
    let (consultant, csrf, organization, assessment) = open_assessment(&app, "Acme").await;
    add_responses(&app, &assessment, 8).await;
    let (viewer_email, password) = app.add_user(Role::Viewer).await;

    let grant = format!("/organizations/{organization}/access");
    let response = post(
        &consultant,
        &app,
        &grant,
        &[("csrf", &csrf), ("email", "nobody@example.com")],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("No viewer or consultant with that email can be granted access")
    );
    let response = post(
        &consultant,
        &app,
        &grant,
        &[("csrf", &csrf), ("email", &viewer_email.to_uppercase())],
    )
    .await;
    assert_eq!(
        location(&response),
        format!("/organizations/{organization}?notice=access-granted")
    );
    let (_, page) = get(&consultant, &app, &format!("/organizations/{organization}")).await;
    assert!(page.contains(&format!(
        "{viewer_email} <span class=\"muted\">(viewer)</span>"
    )));

    let viewer = sign_in(&app, &viewer_email, &password).await;
    let (_, home) = get(&viewer, &app, "/").await;
    assert!(home.contains("Acme"));
    assert!(!home.contains("New organisation"));
    let viewer_csrf = csrf_in(&home);
    let (status, page) = get(&viewer, &app, &format!("/organizations/{organization}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("New assessment") && !page.contains("Grant access"));
    let (status, page) = get(&viewer, &app, &format!("/assessments/{assessment}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Invitation links") && !page.contains("Open for responses"));

    let (status, page) = get(&viewer, &app, &format!("/assessments/{assessment}/results")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg"));
    assert!(
        !page.contains("responses.csv"),
        "no link to individual responses"
    );
    let response = viewer
        .get(app.url(&format!("/assessments/{assessment}/results.json")))
        .send()
        .await
        .unwrap();
    assert_download(&response, "application/json", "json");
    let response = viewer
        .get(app.url(&format!("/assessments/{assessment}/report.html")))
        .send()
        .await
        .unwrap();
    assert_download(&response, "text/html", "html");
    let (status, _) = get(
        &viewer,
        &app,
        &format!("/assessments/{assessment}/responses.csv"),
    )
    .await;
    assert_eq!(status, 403);

    for (path, fields) in [
        ("/organizations".to_owned(), vec![("name", "Viewer's own")]),
        (
            format!("/organizations/{organization}/assessments"),
            vec![
                ("title", "Viewer's"),
                ("model_version", app.builtin_model_version.as_str()),
            ],
        ),
        (grant.clone(), vec![("email", viewer_email.as_str())]),
        (format!("/assessments/{assessment}/close"), vec![]),
        (
            format!("/assessments/{assessment}/invitations"),
            vec![("count", "1")],
        ),
        (
            format!("/assessments/{assessment}/invitations/csv"),
            vec![("csv", "role\npartner\n")],
        ),
    ] {
        let mut fields = fields;
        fields.push(("csrf", viewer_csrf.as_str()));
        let response = post(&viewer, &app, &path, &fields).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    assert_eq!(
        app.store.assessments_of(&organization).await.unwrap().len(),
        1
    );
    assert!(
        app.store
            .participation(&assessment)
            .await
            .unwrap()
            .is_empty()
    );
    let (_, page) = get(&viewer, &app, &format!("/assessments/{assessment}")).await;
    assert!(page.contains("state-open"));
}

#[tokio::test]
async fn results_stay_hidden_below_the_anonymity_threshold() {
    let app = spawn_app().await;
    let (client, _, _, assessment) = open_assessment(&app, "Acme").await;
    add_responses(&app, &assessment, 4).await;
    let results = format!("/assessments/{assessment}/results");
    let (status, page) = get(&client, &app, &results).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(
            "No results yet: 0 responses are released; results appear once at least 5 are"
        ),
        "{page}"
    );
    assert!(
        page.contains("4 submitted responses are waiting for release."),
        "{page}"
    );
    for shown in [
        "<svg",
        "Overall stage",
        "Consensus",
        "Downloads",
        "Group by",
    ] {
        assert!(
            !page.contains(shown),
            "{shown} must not show below the threshold"
        );
    }
    let (_, page) = get(&client, &app, &format!("{results}?group_by=role")).await;
    assert!(page.contains("4 submitted responses are waiting") && !page.contains("<svg"));

    let response = client
        .get(app.url(&format!("{results}.json")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        json,
        serde_json::json!({"respondents": 0, "anonymity_min": 5, "suppressed": true})
    );
    for path in ["report.html", "report.pdf", "slides.pdf", "responses.csv"] {
        let (status, page) = get(&client, &app, &format!("/assessments/{assessment}/{path}")).await;
        assert_eq!(status, 409, "{path}");
        assert!(
            page.contains("results appear once at least 5 responses are released"),
            "{page}"
        );
    }

    add_responses(&app, &assessment, 1).await;
    let (status, page) = get(&client, &app, &results).await;
    assert_eq!(status, 200);
    assert!(page.contains("Radar chart of the area scores"), "{page}");
    assert!(page.contains("<svg"));
    assert!(page.contains("Overall stage"));
    assert!(page.contains("Vision and Strategy"));
    assert!(page.contains("stays at stage") || page.contains("reaches stage"));
    assert!(
        page.contains("Practice:"),
        "recommended practices of the gaps"
    );

    // Five respondents split by role are too few in every role: the
    // release published no role, and all five count as "(not given)".
    let (status, page) = get(&client, &app, &format!("{results}?group_by=role")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<option value=\"role\" selected>Role</option>"));
    assert!(page.contains("<caption>Results by Role</caption>"));
    assert!(
        page.contains("<th scope=\"row\">(not given)</th><td class=\"number\">5</td>"),
        "{page}"
    );
    for role in ["executive", "manager", "employee", "partner"] {
        assert!(
            !page.contains(&format!("<th scope=\"row\">{role}</th>")),
            "{role}"
        );
    }
    assert!(page.contains("results.json?group_by=role"));
    let (status, page) = get(&client, &app, &format!("{results}?group_by=rol")).await;
    assert_eq!(status, 400);
    assert!(page.contains("did you mean &#34;role&#34;?"), "{page}");
}

#[tokio::test]
async fn hostile_names_are_escaped_on_every_page() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in(Role::Consultant).await;
    let csrf = session_csrf(&client, &app).await;

    // The form shown again with a problem keeps the name, escaped.
    let response = post(
        &client,
        &app,
        "/organizations",
        &[("csrf", &csrf), ("name", SCRIPT), ("size", "huge")],
    )
    .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(!page.contains(SCRIPT) && page.contains(ESCAPED_SCRIPT));

    let organization = create_organization(&client, &app, &csrf, SCRIPT).await;
    let assessment = create_assessment(&client, &app, &csrf, &organization, SCRIPT).await;
    open(&client, &app, &csrf, &assessment).await;
    let links = post(
        &client,
        &app,
        &format!("/assessments/{assessment}/invitations"),
        &[
            ("csrf", &csrf),
            ("count", "1"),
            ("attr:unit", SCRIPT),
            ("output", "page"),
        ],
    )
    .await
    .text()
    .await
    .unwrap();
    let mut pages = vec![("links", links)];
    for path in [
        "/".to_owned(),
        format!("/organizations/{organization}"),
        format!("/assessments/{assessment}"),
        format!("/assessments/{assessment}/results"),
    ] {
        let (status, page) = get(&client, &app, &path).await;
        assert_eq!(status, 200, "{path}");
        pages.push(("page", page));
    }
    let model = app.state.model(&app.builtin_model_version).await.unwrap();
    let mut responses = simm_web::demo::synthetic_responses(&model, 12, 3);
    for response in &mut responses {
        response.attributes.insert("unit".into(), SCRIPT.into());
    }
    app.store
        .insert_responses(&assessment, &responses)
        .await
        .unwrap();
    simm_web::release_assessment(&app.state, &assessment, false)
        .await
        .unwrap();
    for path in [
        format!("/assessments/{assessment}/results"),
        format!("/assessments/{assessment}/results?group_by=unit"),
    ] {
        let (status, page) = get(&client, &app, &path).await;
        assert_eq!(status, 200, "{path}");
        pages.push(("results", page));
    }
    for (name, page) in &pages {
        assert!(!page.contains(SCRIPT), "{name}: raw script in {page}");
        assert!(!page.contains("<script"), "{name}");
    }
    for (name, page) in &pages[..5] {
        assert!(
            page.contains(ESCAPED_SCRIPT),
            "{name}: the name is shown, escaped"
        );
    }
    // The grouped view shows the unit in the heat map (escaped by the SVG
    // code) and the table (escaped by the template).
    let grouped = &pages.last().unwrap().1;
    assert!(grouped.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(grouped.contains(ESCAPED_SCRIPT));
}

#[tokio::test]
async fn downloaded_cells_cannot_run_as_formulas() {
    let app = spawn_app().await;
    let (client, csrf, _, assessment) = open_assessment(&app, "Acme").await;
    let response = post(
        &client,
        &app,
        &format!("/assessments/{assessment}/invitations/csv"),
        &[
            ("csrf", &csrf),
            (
                "csv",
                "unit,role\n\"=HYPERLINK(\"\"http://evil.example\"\")\",partner\n+1,\n@SUM(A1),\n-2,\n",
            ),
            ("output", "csv"),
        ],
    )
    .await;
    assert_download(&response, "text/csv", "csv");
    let rows = read_csv(&response.text().await.unwrap());
    let units: Vec<&str> = rows[1..].iter().map(|row| row[2].as_str()).collect();
    assert_eq!(
        units,
        [
            "'=HYPERLINK(\"http://evil.example\")",
            "'+1",
            "'@SUM(A1)",
            "'-2"
        ]
    );
    // Stored as given; only the download is neutralised.
    let stored = app.store.participation(&assessment).await.unwrap();
    assert!(
        stored
            .iter()
            .any(|row| row.attributes.get("unit").map(String::as_str)
                == Some("=HYPERLINK(\"http://evil.example\")"))
    );

    let model = app.state.model(&app.builtin_model_version).await.unwrap();
    // Everyone in the unit "=1+2", so that the release publishes it.
    let mut responses = simm_web::demo::synthetic_responses(&model, 6, 1);
    for response in &mut responses {
        response.attributes.insert("unit".into(), "=1+2".into());
    }
    app.store
        .insert_responses(&assessment, &responses)
        .await
        .unwrap();
    simm_web::release_assessment(&app.state, &assessment, false)
        .await
        .unwrap();
    let response = client
        .get(app.url(&format!("/assessments/{assessment}/responses.csv")))
        .send()
        .await
        .unwrap();
    assert_download(&response, "text/csv", "csv");
    let rows = read_csv(&response.text().await.unwrap());
    let unit = rows[0].iter().position(|c| c == "unit").unwrap();
    assert!(rows[1..].iter().any(|row| row[unit] == "'=1+2"));
    assert!(rows[1..].iter().all(|row| !row[unit].starts_with('=')));
}

#[tokio::test]
async fn the_responses_sheet_scores_to_the_shown_results() {
    responses_sheet_round_trip(spawn_app().await).await;
}

#[tokio::test]
async fn the_responses_sheet_scores_to_the_shown_results_on_postgres() {
    responses_sheet_round_trip(spawn_app_on(Backend::Postgres).await).await;
}

async fn responses_sheet_round_trip(app: TestApp) {
    let (client, _, _, assessment) = open_assessment(&app, "Acme").await;
    // One response with an answer missing on purpose.
    let model = app.state.model(&app.builtin_model_version).await.unwrap();
    let mut answers = vec![4; model.items().len()];
    answers[3] = 0;
    app.store
        .insert_responses(
            &assessment,
            &[NewResponse {
                attributes: BTreeMap::from([("role".to_owned(), "partner".to_owned())]),
                answers,
            }],
        )
        .await
        .unwrap();
    add_responses(&app, &assessment, 60).await;

    let sheet = client
        .get(app.url(&format!("/assessments/{assessment}/responses.csv")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let role = model
        .attributes()
        .iter()
        .position(|a| a.id.as_str() == "role")
        .unwrap();
    let mut total = simm_core::Tally::new(&model);
    let mut resamples = simm_core::Resamples::new(&model, simm_core::Replicates::DEFAULT, 0);
    let mut groups =
        simm_core::GroupTallies::new(&model, simm_core::AttributeId::parse("role").unwrap());
    let summary = simm_sheet::read_sheet(&sheet[..], &model, |row| {
        total.add(row.answers);
        resamples.add(row.respondent, row.answers);
        groups.add(row.attribute(role), row.answers);
    })
    .unwrap();
    assert_eq!(summary.rows, 61);

    // Compared as text: parsing JSON numbers back may be off in the last
    // digit, and the promise is that the numbers are exactly the same.
    let json = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let shown = json(format!("/assessments/{assessment}/results.json")).await;
    let from_sheet = serde_json::to_string_pretty(&simm_core::with_uncertainty(
        &model,
        simm_core::score(&model, &total),
        &resamples,
    ))
    .unwrap();
    // The web says which anonymity minimum it applied; the sheet scored as
    // it is applies none. Every number is the same.
    let applied = ",\n  \"anonymity_min\": 5\n}";
    assert!(shown.ends_with(applied), "{shown}");
    assert_eq!(shown.replacen(applied, "\n}", 1), from_sheet);
    assert!(shown.contains("\"respondents\": 61"));
    let shown = json(format!(
        "/assessments/{assessment}/results.json?group_by=role"
    ))
    .await;
    let from_sheet = serde_json::to_string_pretty(&simm_core::score_grouped(
        &model,
        simm_core::with_uncertainty(&model, simm_core::score(&model, &total), &resamples),
        &groups,
        simm_core::Policy::of_model(&model),
    ))
    .unwrap();
    assert_eq!(shown, from_sheet);
    assert!(shown.contains("\"groups\": ["));
}

#[tokio::test]
async fn admins_add_users_and_others_may_not() {
    let app = spawn_app().await;
    let (admin, admin_email) = app.signed_in(Role::Admin).await;
    let (status, page) = get(&admin, &app, "/users").await;
    assert_eq!(status, 200);
    assert!(page.contains(&admin_email));
    let (_, home) = get(&admin, &app, "/").await;
    assert!(home.contains("href=\"/users\""));
    let csrf = csrf_in(&page);
    for (email, role, password, problem) in [
        (
            "new@example.com",
            "viewer",
            "short",
            "the password is too short",
        ),
        (
            "not an email",
            "viewer",
            "long enough password",
            "is not an email address",
        ),
        (
            "new@example.com",
            "emperor",
            "long enough password",
            "Choose a role",
        ),
        (
            admin_email.as_str(),
            "viewer",
            "long enough password",
            "exists already",
        ),
    ] {
        let response = post(
            &admin,
            &app,
            "/users",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("role", role),
                ("password", password),
            ],
        )
        .await;
        assert_eq!(response.status(), 422, "{email} {role}");
        let page = response.text().await.unwrap();
        assert!(page.contains(problem), "{problem}: {page}");
    }
    let response = post(
        &admin,
        &app,
        "/users",
        &[
            ("csrf", &csrf),
            ("email", "New@Example.com"),
            ("role", "viewer"),
            ("password", "long enough password"),
        ],
    )
    .await;
    assert_eq!(location(&response), "/users?notice=user-added");
    let user = app
        .store
        .user_by_email("new@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, Role::Viewer);
    sign_in(&app, "new@example.com", "long enough password").await;

    let (consultant, _) = app.signed_in(Role::Consultant).await;
    let consultant_csrf = session_csrf(&consultant, &app).await;
    assert_eq!(get(&consultant, &app, "/users").await.0, 403);
    let response = post(
        &consultant,
        &app,
        "/users",
        &[
            ("csrf", &consultant_csrf),
            ("email", "sneaky@example.com"),
            ("role", "admin"),
            ("password", "long enough password"),
        ],
    )
    .await;
    assert_eq!(response.status(), 403);
    assert!(
        app.store
            .user_by_email("sneaky@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn changing_the_password_ends_every_session() {
    let app = spawn_app().await;
    let (email, old) = app.add_user(Role::Viewer).await;
    let client = sign_in(&app, &email, &old).await;
    let second = sign_in(&app, &email, &old).await;
    let (status, page) = get(&client, &app, "/account/password").await;
    assert_eq!(status, 200);
    let csrf = csrf_in(&page);
    let new = "a much better passphrase";
    for (current, fresh, repeat, problem) in [
        ("wrong password", new, new, "The current password is wrong"),
        (old.as_str(), "short", "short", "too short"),
        (old.as_str(), new, "something else entirely", "differ"),
    ] {
        let response = post(
            &client,
            &app,
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", current),
                ("new", fresh),
                ("repeat", repeat),
            ],
        )
        .await;
        assert_eq!(response.status(), 422);
        assert!(
            response.text().await.unwrap().contains(problem),
            "{problem}"
        );
    }
    let response = post(
        &client,
        &app,
        "/account/password",
        &[
            ("csrf", &csrf),
            ("current", &old),
            ("new", new),
            ("repeat", new),
        ],
    )
    .await;
    assert_eq!(location(&response), "/login?notice=password-changed");
    for session in [&client, &second] {
        let response = session.get(app.url("/")).send().await.unwrap();
        assert_eq!(location(&response), "/login", "every session has ended");
    }
    let (_, login) = get(&client, &app, "/login?notice=password-changed").await;
    assert!(login.contains("Your password was changed"));
    let response = post(
        &app.client(),
        &app,
        "/login",
        &[("email", &email), ("password", &old)],
    )
    .await;
    assert_eq!(response.status(), 401);
    sign_in(&app, &email, new).await;
}
