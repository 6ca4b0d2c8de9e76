//! The adversary test of docs/privacy.md: an observer who reads every view
//! at every moment, and knows who submitted when and with which preset
//! attributes, must never be able to compute a sum over fewer than the
//! anonymity minimum of respondents.
//!
//! Random small campaigns (up to 14 respondents, 2 attributes, every item
//! answered, a comment each) are submitted one at a time through the real
//! server, with interim snapshots at random moments, and closed. After
//! every step the test reads every view: the results, the results by each
//! attribute, the results workbook, the
//! comments and the responses download. It works out, as
//! the observer would, which respondents each shown aggregate sums over,
//! by matching the shown numbers against the respondents' answers, and
//! checks by rank computation that no set of fewer than the minimum lies
//! in the span of the sets shown (`simm-core/tests/support/span.rs`).
//! The intervals and stage probabilities, which resample the same
//! respondents, must not move while the released set stays the same: a
//! pending submission shows in none of them until a release.
//!
//! The same holds over rounds: the trend of an organisation (its JSON,
//! by each attribute, its page with the outcomes of actions, and the PDF
//! report of each closed round, which carries the trend) moves
//! only with a release, and a group that a round hides cannot be worked
//! out from its own trend and the whole one.

#[path = "../../../simm-core/tests/support/span.rs"]
mod span;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};
use simm_store::Role;
use span::Span;

use crate::actions::organization;
use crate::api::call;
use crate::journey::{closed_round, closed_round_with_small_groups, signed_in_as, uniform};
use crate::{TestApp, spawn_app};

/// A small deterministic generator: the campaigns are random but the same
/// on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ROLES: [&str; 3] = ["executive", "manager", "partner"];
const UNITS: [&str; 2] = ["north", "south"];

struct Respondent {
    token: String,
    answers: Vec<u8>,
    comment: String,
}

/// Everything the observer has seen, as sets of respondents (indices into
/// the campaign), and what the test knows of the campaign's state.
struct Observer {
    span: Span,
    submitted: Vec<usize>,
    released: BTreeSet<usize>,
    /// The release each released respondent came out in.
    batch_of: BTreeMap<usize, usize>,
    releases: usize,
    minimum: usize,
    views: usize,
    /// The released set the intervals were last read for, and what they
    /// were.
    intervals: Option<(Vec<usize>, Value)>,
    /// How often the intervals were compared with those of the same
    /// released set read earlier.
    interval_checks: usize,
}

/// What the results show of how sure they are: the method, and every
/// interval and stage probability.
fn intervals_of(results: &Value) -> Value {
    let areas: Vec<Value> = results["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|area| {
            json!({
                "score_interval": area["score_interval"],
                "fulfilment_interval": area["fulfilment_interval"],
                "stage_probability": area["stage_probability"],
            })
        })
        .collect();
    let items: Vec<Value> = results["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["fulfilment_interval"].clone())
        .collect();
    json!({
        "uncertainty": results["uncertainty"],
        "overall": results["overall"]["score_interval"],
        "areas": areas,
        "items": items,
    })
}

/// The respondents among `candidates` whose answers give `numbers`, found
/// by trying every subset of the size shown: the shown set, which must be
/// the only one that fits.
fn decode(
    candidates: &[usize],
    size: usize,
    fits: impl Fn(&[usize]) -> bool,
    what: &str,
) -> Vec<usize> {
    let mut found: Vec<Vec<usize>> = Vec::new();
    let mut chosen = Vec::new();
    fn walk(
        candidates: &[usize],
        from: usize,
        size: usize,
        chosen: &mut Vec<usize>,
        fits: &dyn Fn(&[usize]) -> bool,
        found: &mut Vec<Vec<usize>>,
    ) {
        if chosen.len() == size {
            if fits(chosen) {
                found.push(chosen.clone());
            }
            return;
        }
        for index in from..candidates.len() {
            chosen.push(candidates[index]);
            walk(candidates, index + 1, size, chosen, fits, found);
            chosen.pop();
        }
    }
    walk(candidates, 0, size, &mut chosen, &fits, &mut found);
    assert_eq!(
        found.len(),
        1,
        "{what}: {} sets of {size} fit the numbers shown",
        found.len()
    );
    found.pop().unwrap()
}

/// Every number in a JSON value.
fn numbers(value: &Value, into: &mut Vec<f64>) {
    match value {
        Value::Number(number) => into.extend(number.as_f64()),
        Value::Array(values) => values.iter().for_each(|v| numbers(v, into)),
        Value::Object(map) => map.values().for_each(|v| numbers(v, into)),
        _ => {}
    }
}

/// The results workbook is another view of the same released results:
/// it answers 409 exactly when the JSON is suppressed, and every number
/// of its result sheets is a number the JSON shows (whose sums the
/// observer already decodes), so the workbook lets the observer subtract
/// nothing the JSON does not. The Responses sheet is the responses
/// download, checked as such below.
async fn workbook_shows_only_the_json(
    app: &TestApp,
    token: &str,
    assessment: &str,
    group_by: Option<&str>,
) {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    let query = group_by.map_or(String::new(), |g| format!("?group_by={g}"));
    let (status, results) = call(
        app,
        Some(token),
        Method::GET,
        &format!("/api/v1/assessments/{assessment}/results{query}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{results}");
    let response = app
        .client()
        .get(app.url(&format!(
            "/api/v1/assessments/{assessment}/results.xlsx{query}"
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap().to_vec();
    if results["suppressed"] == true {
        assert_eq!(
            status,
            409,
            "the workbook of suppressed results ({query}): {}",
            String::from_utf8_lossy(&bytes)
        );
        return;
    }
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx workbook");
    let mut shown = Vec::new();
    numbers(&results, &mut shown);
    let sheets = ["Areas", "Stage fulfilment", "Items", "Consensus", "Groups"];
    let mut checked = 0;
    for sheet in sheets {
        let Ok(range) = book.worksheet_range(sheet) else {
            continue;
        };
        let header: Vec<String> = range
            .rows()
            .next()
            .map(|row| row.iter().map(|cell| cell.to_string()).collect())
            .unwrap_or_default();
        for cell in range.used_cells() {
            // Not results: the organisation's target, and a count of the
            // statements the JSON itself marks weak.
            if matches!(
                header.get(cell.1).map(String::as_str),
                Some("Target" | "Statements with weak consensus")
            ) {
                continue;
            }
            let value = match cell.2 {
                Data::Float(value) => *value,
                Data::Int(value) => *value as f64,
                _ => continue,
            };
            checked += 1;
            assert!(
                shown.iter().any(|n| (n - value).abs() < 1e-9),
                "{sheet} ({query}) shows {value} at row {}, column {}, which the results JSON does not",
                cell.0 + 1,
                cell.1 + 1
            );
        }
    }
    assert!(checked > 0, "the workbook has numbers to check");
}

fn close_to(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The mean fulfilment of item `index` over `set`.
fn item_mean(respondents: &[Respondent], set: &[usize], index: usize) -> f64 {
    set.iter()
        .map(|r| f64::from(respondents[*r].answers[index] - 1) / 4.0)
        .sum::<f64>()
        / set.len() as f64
}

impl Observer {
    fn record(&mut self, set: &[usize], what: &str) {
        for member in set {
            assert!(
                self.released.contains(member),
                "{what} shows respondent {member}, who was not released"
            );
        }
        self.span.add(set);
        self.views += 1;
        if let Some(small) = self.span.small_set_disclosed(self.minimum) {
            panic!(
                "after {what}, the sum over respondents {small:?} follows from what was shown (minimum {})",
                self.minimum
            );
        }
    }

    /// The intervals shown for the released set `released` are those
    /// shown before for the same set.
    fn check_intervals(&mut self, released: &[usize], results: &Value, what: &str) {
        let shown = intervals_of(results);
        assert!(
            shown["areas"][0]["stage_probability"].is_object()
                && shown["overall"]["low"].is_number()
                && shown["items"][0]["low"].is_number(),
            "{what} carry no intervals: {shown}"
        );
        if let Some((before, seen)) = &self.intervals
            && before == released
        {
            assert_eq!(
                seen, &shown,
                "{what}: the intervals moved while no one was released"
            );
            self.interval_checks += 1;
        }
        self.intervals = Some((released.to_vec(), shown));
    }

    fn released_list(&self) -> Vec<usize> {
        self.released.iter().copied().collect()
    }

    /// Reads every view and records what it shows.
    async fn read_every_view(
        &mut self,
        app: &TestApp,
        token: &str,
        assessment: &str,
        model: &simm_core::Model,
        respondents: &[Respondent],
    ) {
        let released = self.released_list();
        // Every submitted respondent is a candidate, so that a view that
        // showed a response before its release would be caught.
        let candidates = self.submitted.clone();
        let (status, results) = call(
            app,
            Some(token),
            Method::GET,
            &format!("/api/v1/assessments/{assessment}/results"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{results}");
        if results["suppressed"] == true {
            assert!(released.len() < self.minimum, "{results}");
            assert_eq!(results["respondents"], released.len());
        } else {
            let size = results["respondents"].as_u64().unwrap() as usize;
            let items = results["items"].as_array().unwrap().clone();
            let set = decode(
                &candidates,
                size,
                |set| {
                    items.iter().enumerate().all(|(index, item)| {
                        item["answered"].as_u64() == Some(set.len() as u64)
                            && close_to(
                                item["fulfilment"].as_f64().unwrap(),
                                item_mean(respondents, set, index),
                            )
                    })
                },
                "the results",
            );
            self.record(&set, "the results");
            self.check_intervals(&released, &results, "the results");
        }
        for attribute in ["role", "unit"] {
            let (status, grouped) = call(
                app,
                Some(token),
                Method::GET,
                &format!("/api/v1/assessments/{assessment}/results?group_by={attribute}"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{grouped}");
            let Some(groups) = grouped["groups"].as_array() else {
                continue;
            };
            // A breakdown resamples the same released set as the whole.
            self.check_intervals(&released, &grouped, &format!("the results by {attribute}"));
            for group in groups.iter().filter(|g| g["suppressed"] == false) {
                let size = group["respondents"].as_u64().unwrap() as usize;
                let fits = |set: &[usize]| {
                    model.areas().iter().all(|area| {
                        let shown = group["areas"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|a| a["id"] == area.id.as_str())
                            .unwrap();
                        model.stages().iter().skip(1).all(|stage| {
                            let indices: Vec<usize> =
                                model.item_indices(&area.id, stage.level).collect();
                            let weight = |i: usize| model.items()[i].weight.get();
                            let expected = indices
                                .iter()
                                .map(|i| weight(*i) * item_mean(respondents, set, *i))
                                .sum::<f64>()
                                / indices.iter().map(|i| weight(*i)).sum::<f64>();
                            close_to(
                                shown["fulfilment"][stage.level.get().to_string()]
                                    .as_f64()
                                    .unwrap(),
                                expected,
                            )
                        })
                    })
                };
                let what = format!("the group {attribute} = {}", group["value"]);
                let set = decode(&candidates, size, fits, &what);
                self.record(&set, &what);
            }
        }
        // The API's results.xlsx takes no group_by (the console's does),
        // so the observer reads it whole; its Groups sheet is checked in
        // tests/web/workbook.rs.
        workbook_shows_only_the_json(app, token, assessment, None).await;
        let (status, comments) = call(
            app,
            Some(token),
            Method::GET,
            &format!("/api/v1/assessments/{assessment}/comments"),
            None,
        )
        .await;
        if status == 200 {
            let shown: BTreeSet<String> = comments["areas"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|area| area["comments"].as_array().unwrap().clone())
                .map(|c| c.as_str().unwrap().to_owned())
                .collect();
            let set: Vec<usize> = (0..respondents.len())
                .filter(|r| shown.contains(&respondents[*r].comment))
                .collect();
            assert_eq!(set.len(), shown.len(), "every comment shown is one of ours");
            self.record(&set, "the comments");
        } else {
            assert_eq!(status, 409, "{comments}");
        }
        let response = app
            .client()
            .get(app.url(&format!("/api/v1/assessments/{assessment}/responses.csv")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            let sheet = response.text().await.unwrap();
            self.check_download(&sheet, model, respondents);
        } else {
            assert_eq!(response.status(), 409);
            assert!(released.len() < self.minimum);
        }
    }

    /// Each row of the download is one released respondent, recognised by
    /// their answers; the rows that look alike (same release, same
    /// published attributes) must be at least the minimum, and each such
    /// class is what the observer learns a sum over.
    fn check_download(
        &mut self,
        sheet: &str,
        model: &simm_core::Model,
        respondents: &[Respondent],
    ) {
        let mut reader = csv::Reader::from_reader(sheet.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (role, unit) = (column("role"), column("unit"));
        let item_columns: Vec<usize> = model
            .items()
            .iter()
            .map(|item| column(item.id.as_str()))
            .collect();
        let mut classes: BTreeMap<(usize, String, String), Vec<usize>> = BTreeMap::new();
        for record in reader.records() {
            let record = record.unwrap();
            let answers: Vec<u8> = item_columns
                .iter()
                .map(|c| record[*c].parse().unwrap())
                .collect();
            let respondent = (0..respondents.len())
                .find(|r| respondents[*r].answers == answers)
                .expect("every row is a respondent's answers");
            let batch = *self.batch_of.get(&respondent).unwrap_or_else(|| {
                panic!("the download holds respondent {respondent}, who was not released")
            });
            classes
                .entry((batch, record[role].to_owned(), record[unit].to_owned()))
                .or_default()
                .push(respondent);
        }
        for (class, members) in classes {
            assert!(
                members.len() >= self.minimum,
                "the download shows {} rows alike ({class:?}): fewer than {}",
                members.len(),
                self.minimum
            );
            self.record(&members, "a class of the download");
        }
    }

    /// The submitted respondents not released yet become a release.
    fn released_now(&mut self) {
        let batch = self.releases;
        self.releases += 1;
        for respondent in &self.submitted {
            if self.released.insert(*respondent) {
                self.batch_of.insert(*respondent, batch);
            }
        }
    }
}

async fn campaign(seed: u64) -> (usize, usize) {
    let mut random = SplitMix(seed);
    let app = spawn_app().await;
    let token = app.api_token(Role::Consultant).await;
    let (_, assessment) = crate::api::organization_with_assessment(&app, &token).await;
    let model = app
        .store
        .model(&app.builtin_model_version)
        .await
        .unwrap()
        .unwrap();
    let size = 3 + random.below(12);
    let minimum = 3 + random.below(3);
    let rows: Vec<Value> = (0..size)
        .map(|_| {
            json!({
                "role": ROLES[random.below(ROLES.len())],
                "unit": UNITS[random.below(UNITS.len())],
            })
        })
        .collect();
    let (status, created) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/invitations"),
        Some(json!({ "rows": rows })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    // The threshold is frozen at opening; a campaign tries 3, 4 and 5.
    app.store
        .open_assessment(&assessment, minimum as u32)
        .await
        .unwrap();
    let respondents: Vec<Respondent> = created["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(index, invitation)| Respondent {
            token: invitation["token"].as_str().unwrap().to_owned(),
            answers: (0..model.items().len())
                .map(|_| 1 + random.below(5) as u8)
                .collect(),
            comment: format!("Comment {index} of campaign {seed}"),
        })
        .collect();
    let mut observer = Observer {
        span: Span::new(size),
        submitted: Vec::new(),
        released: BTreeSet::new(),
        batch_of: BTreeMap::new(),
        releases: 0,
        minimum,
        views: 0,
        intervals: None,
        interval_checks: 0,
    };
    let client = app.client();
    for (index, respondent) in respondents.iter().enumerate() {
        for (item, answer) in model.items().iter().zip(&respondent.answers) {
            let response = client
                .put(app.url(&format!(
                    "/api/v1/r/{}/answers/{}",
                    respondent.token, item.id
                )))
                .json(&json!({ "value": answer }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
        let area = model.areas()[index % model.areas().len()].id.as_str();
        let response = client
            .post(app.url(&format!("/r/{}/comment", respondent.token)))
            .form(&[("area", area), ("comment", respondent.comment.as_str())])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success() || response.status().is_redirection());
        let response = client
            .post(app.url(&format!("/api/v1/r/{}/submit", respondent.token)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        observer.submitted.push(index);
        observer
            .read_every_view(&app, &token, &assessment, &model, &respondents)
            .await;
        if random.below(3) == 0 {
            let (status, body) = call(
                &app,
                Some(&token),
                Method::POST,
                &format!("/api/v1/assessments/{assessment}/snapshot"),
                None,
            )
            .await;
            let waiting = observer.submitted.len() - observer.released.len();
            if waiting >= minimum {
                assert_eq!(status, 201, "{body}");
                assert_eq!(body["released"], waiting);
                observer.released_now();
            } else {
                assert_eq!(status, 409, "{body}");
                assert!(body["error"].as_str().unwrap().contains("more"), "{body}");
            }
            observer
                .read_every_view(&app, &token, &assessment, &model, &respondents)
                .await;
        }
    }
    let waiting = observer.submitted.len() - observer.released.len();
    let (status, closed) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/close"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{closed}");
    if waiting >= minimum {
        observer.released_now();
    }
    let (_, participation) = call(
        &app,
        Some(&token),
        Method::GET,
        &format!("/api/v1/assessments/{assessment}/participation"),
        None,
    )
    .await;
    assert_eq!(participation["released"], observer.released.len());
    assert_eq!(
        participation["awaiting_release"],
        observer.submitted.len() - observer.released.len()
    );
    observer
        .read_every_view(&app, &token, &assessment, &model, &respondents)
        .await;
    (observer.views, observer.interval_checks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_view_over_time_adds_up_to_fewer_than_the_minimum() {
    let (mut views, mut interval_checks) = (0, 0);
    let mut shown_campaigns = 0;
    for seed in 1..=16 {
        let (seen, checked) = campaign(seed).await;
        views += seen;
        interval_checks += checked;
        shown_campaigns += usize::from(seen > 0);
    }
    // Submissions arrived between releases often enough to test that
    // they move no interval.
    assert!(
        interval_checks >= 50,
        "{interval_checks} interval comparisons"
    );
    // The test proves something only if views were shown.
    assert!(
        shown_campaigns >= 10,
        "{shown_campaigns} campaigns showed results"
    );
    assert!(views >= 100, "{views} views recorded");
}

/// Every view of an organisation's trend, as (what, text): the JSON, by
/// each attribute, and the page.
async fn trend_views(
    app: &TestApp,
    token: &str,
    client: &reqwest::Client,
    org: &str,
) -> Vec<(String, String)> {
    let mut views = Vec::new();
    for query in ["", "?group_by=role", "?group_by=unit"] {
        let path = format!("/api/v1/organizations/{org}/trend{query}");
        let (status, body) = call(app, Some(token), Method::GET, &path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        views.push((path, body.to_string()));
    }
    let path = format!("/organizations/{org}/trend");
    let page = client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), 200, "{path}");
    views.push((path, page.text().await.unwrap()));
    // The PDF report of every closed round carries the trend and the
    // action plan too; the same results give the same bytes, so any
    // pending answer that reached it would change them.
    let (status, assessments) = call(
        app,
        Some(token),
        Method::GET,
        &format!("/api/v1/organizations/{org}/assessments"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{assessments}");
    for assessment in assessments.as_array().unwrap() {
        if assessment["state"] != "closed" {
            continue;
        }
        let path = format!(
            "/api/v1/assessments/{}/report.pdf",
            assessment["id"].as_str().unwrap()
        );
        let response = app
            .client()
            .get(app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let bytes = response.bytes().await.unwrap();
        views.push((path, String::from_utf8_lossy(&bytes).into_owned()));
    }
    views
}

fn unchanged(before: &[(String, String)], now: &[(String, String)], moment: &str) {
    for ((what, seen), (_, shown)) in before.iter().zip(now) {
        assert!(seen == shown, "{moment}: {what} changed with no release");
    }
}

#[tokio::test]
async fn no_pending_submission_moves_the_trend_until_a_release() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let k = model.scoring().anonymity_min.get();
    let (token, email, org) = organization(&app).await;
    let client = signed_in_as(&app, &email).await;
    closed_round(
        &app,
        &org,
        "Round 1",
        &simm_web::demo::synthetic_responses(&model, 12, 1),
        1_750_000_000,
    )
    .await;
    let second = closed_round(
        &app,
        &org,
        "Round 2",
        &simm_web::demo::synthetic_round(&model, 12, 2, &|_| 0.5),
        1_760_000_000,
    )
    .await;
    // An action done since round 2, whose outcome the next round shows.
    let item = model.items()[0].id.as_str();
    let (status, action) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/organizations/{org}/actions"),
        Some(json!({"item": item, "status": "done"})),
    )
    .await;
    assert_eq!(status, 201, "{action}");
    let before = trend_views(&app, &token, &client, &org).await;
    assert!(
        before[3]
            .1
            .contains("no round has closed since it was done")
    );

    // Late responses to the closed round 2 wait in its pending pool.
    app.store
        .insert_responses(&second, &simm_web::demo::synthetic_responses(&model, 6, 3))
        .await
        .unwrap();
    unchanged(
        &before,
        &trend_views(&app, &token, &client, &org).await,
        "late responses to round 2",
    );

    // Round 3 opens, and a respondent submits through the server.
    let (status, third) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/organizations/{org}/assessments"),
        Some(json!({"title": "Round 3"})),
    )
    .await;
    assert_eq!(status, 201, "{third}");
    let third = third["id"].as_str().unwrap().to_owned();
    let (status, created) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{third}/invitations"),
        Some(json!({ "rows": [{"role": "manager"}] })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    app.store.open_assessment(&third, k).await.unwrap();
    let respondent = created["invitations"][0]["token"].as_str().unwrap();
    let respondent_client = app.client();
    for item in model.items() {
        let response = respondent_client
            .put(app.url(&format!("/api/v1/r/{respondent}/answers/{}", item.id)))
            .json(&json!({ "value": 5 }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let response = respondent_client
        .post(app.url(&format!("/api/v1/r/{respondent}/submit")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    unchanged(
        &before,
        &trend_views(&app, &token, &client, &org).await,
        "a submission into the open round 3",
    );
    // Enough for a release, and an interim one: round 3 is still open, so
    // it is no round of the trend yet.
    app.store
        .insert_responses(&third, &uniform(k as usize, "manager", |_| 5))
        .await
        .unwrap();
    unchanged(
        &before,
        &trend_views(&app, &token, &client, &org).await,
        "submissions into the open round 3",
    );
    simm_web::release_assessment(&app.state, &third, false)
        .await
        .unwrap();
    unchanged(
        &before,
        &trend_views(&app, &token, &client, &org).await,
        "an interim release of the open round 3",
    );

    // Closing releases round 3: now the trend moves, and round 2 stays as
    // it was released, its late responses still waiting.
    simm_web::release_assessment(&app.state, &third, true)
        .await
        .unwrap();
    let after = trend_views(&app, &token, &client, &org).await;
    for ((what, seen), (_, shown)) in before.iter().zip(&after) {
        assert!(seen != shown, "{what} did not show the release of round 3");
    }
    let earlier: Value = serde_json::from_str(&before[0].1).unwrap();
    let later: Value = serde_json::from_str(&after[0].1).unwrap();
    assert_eq!(later["rounds"].as_array().unwrap().len(), 3, "{later}");
    assert_eq!(later["rounds"][2]["respondents"], k + 1);
    assert_eq!(later["rounds"][1], earlier["rounds"][1]);
    assert!(
        !after[3].1.contains("no round has closed since it was done"),
        "the outcome of the action shows once round 3 closes"
    );
}

/// The role of each respondent of a round, in the order they were
/// stored, and what everyone of the role answers.
const GROUP_ROUNDS: [&[(&str, usize, u8)]; 2] = [
    &[("executive", 6, 2), ("manager", 6, 3), ("partner", 2, 5)],
    &[("executive", 6, 3), ("manager", 5, 3), ("partner", 6, 4)],
];

#[tokio::test]
async fn a_group_hidden_in_a_round_is_not_recoverable_from_the_trends() {
    let app = spawn_app().await;
    let model = simm_core::builtin_model();
    let minimum = model.scoring().anonymity_min.get() as usize;
    let (token, _, org) = organization(&app).await;
    // Respondent i is members[i]: (round, role).
    let mut members: Vec<(usize, &str)> = Vec::new();
    let mut rounds = Vec::new();
    for (index, groups) in GROUP_ROUNDS.iter().enumerate() {
        let mut responses = Vec::new();
        for (role, count, answer) in groups.iter() {
            responses.extend(uniform(*count, role, |_| *answer));
            members.extend(std::iter::repeat_n((index, *role), *count));
        }
        let closing = 1_750_000_000 + 10_000_000 * index as i64;
        rounds.push(
            closed_round_with_small_groups(
                &app,
                &org,
                &format!("Round {}", index + 1),
                &responses,
                closing,
            )
            .await,
        );
    }
    let mut span = Span::new(members.len());
    let mut shown = 0;
    let mut record = |round: &Value, set: Vec<usize>, what: &str| {
        assert_eq!(round["respondents"], set.len(), "{what}: {round}");
        span.add(&set);
        shown += 1;
        if let Some(small) = span.small_set_disclosed(minimum) {
            panic!("after {what}, the sum over respondents {small:?} follows from the trends");
        }
    };
    let mut partner_hidden = false;
    for attribute in [None, Some("role"), Some("unit")] {
        let query = attribute.map_or(String::new(), |a| format!("?group_by={a}"));
        let (status, trend) = call(
            &app,
            Some(&token),
            Method::GET,
            &format!("/api/v1/organizations/{org}/trend{query}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{trend}");
        let index_of = |round: &Value| {
            rounds
                .iter()
                .position(|id| round["assessment"] == id.as_str())
                .unwrap()
        };
        for round in trend["rounds"].as_array().unwrap() {
            let index = index_of(round);
            assert_eq!(round["shown"], true, "{round}");
            let set = (0..members.len())
                .filter(|r| members[*r].0 == index)
                .collect();
            record(round, set, &format!("round {index}"));
        }
        for group in trend["groups"].as_array().into_iter().flatten() {
            for round in group["rounds"].as_array().unwrap() {
                let index = index_of(round);
                if round["shown"] == false {
                    assert_eq!(round["overall"], Value::Null, "{round}");
                    assert_eq!(round["areas"], Value::Null, "{round}");
                    partner_hidden |= index == 0 && group["value"] == "partner";
                    continue;
                }
                // Only the role is preset; everyone's unit is unknown.
                let value = group["value"].as_str();
                let set = (0..members.len())
                    .filter(|r| {
                        members[*r].0 == index
                            && value == (attribute == Some("role")).then_some(members[*r].1)
                    })
                    .collect();
                record(
                    round,
                    set,
                    &format!("the group {} in round {index}", group["value"]),
                );
            }
        }
    }
    assert!(partner_hidden, "the two partners of round 1 are hidden");
    // The whole rounds and the groups of round 2 at least.
    assert!(shown >= 5, "{shown} aggregates shown");
}

/// One world of the campaign views' check: six people invited by e-mail,
/// who answer with `seed`'s values one after the other; the e-mail list,
/// participation and the deadline as the consultant reads them after each
/// submission, with what differs between worlds by construction (ids,
/// times, the addresses' domain) taken out.
async fn campaign_views_over_time(seed: u64) -> Vec<Value> {
    let sink = crate::MailSink::required();
    let mut random = SplitMix(seed);
    let app = spawn_app().await;
    let token = app.api_token(Role::Consultant).await;
    let (_, assessment) = crate::api::organization_with_assessment(&app, &token).await;
    let model = simm_core::builtin_model();
    let (status, _) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/open"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let domain = format!("{}.adversary.example", &simm_store::new_id()[..10]);
    let addresses: Vec<String> = (0..6).map(|n| format!("person{n}@{domain}")).collect();
    let recipients: Vec<Value> = addresses
        .iter()
        .enumerate()
        .map(|(n, email)| json!({"email": email, "attributes": {"role": ROLES[n % 2]}}))
        .collect();
    let (status, _) = call(
        &app,
        Some(&token),
        Method::POST,
        &format!("/api/v1/assessments/{assessment}/invitations/email"),
        Some(json!({"recipients": recipients})),
    )
    .await;
    assert_eq!(status, 202);
    let mut tokens = Vec::new();
    for address in &addresses {
        tokens.push(crate::campaigns::wait_for(&sink, address, 1).await[0].token());
    }
    let emails_path = format!("/api/v1/assessments/{assessment}/emails");
    crate::campaigns::eventually("every invitation recorded sent", || {
        let (app, token, path) = (&app, &token, &emails_path);
        async move {
            let (_, list) = call(app, Some(token), Method::GET, path, None).await;
            (list["messages"]["invitation"]["sent"] == 6).then_some(())
        }
    })
    .await;
    let mut views = Vec::new();
    for respondent in &tokens {
        for item in model.items() {
            let value = 1 + random.below(5) as u8;
            let (status, _) = call(
                &app,
                None,
                Method::PUT,
                &format!("/api/v1/r/{respondent}/answers/{}", item.id),
                Some(json!({"value": value})),
            )
            .await;
            assert_eq!(status, 200);
        }
        let (status, _) = call(
            &app,
            None,
            Method::POST,
            &format!("/api/v1/r/{respondent}/submit"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let (_, mut list) = call(&app, Some(&token), Method::GET, &emails_path, None).await;
        for row in list["recipients"].as_array_mut().unwrap() {
            row["id"] = Value::Null;
            row["invited_at"] = Value::Null;
            let local = row["email"]
                .as_str()
                .unwrap()
                .split('@')
                .next()
                .unwrap()
                .to_owned();
            row["email"] = Value::String(local);
        }
        let (_, participation) = call(
            &app,
            Some(&token),
            Method::GET,
            &format!("/api/v1/assessments/{assessment}/participation"),
            None,
        )
        .await;
        let (_, deadline) = call(
            &app,
            Some(&token),
            Method::GET,
            &format!("/api/v1/assessments/{assessment}/deadline"),
            None,
        )
        .await;
        views.push(json!({"emails": list, "participation": participation, "deadline": deadline}));
    }
    views
}

/// The campaign views (the e-mail list with each address's state,
/// participation with its opened links and rates, the deadline) tell the
/// consultant who has submitted, never what: two worlds where the same
/// people submit in the same order with different answers show the same
/// views at every moment, so nothing in them can be subtracted into an
/// answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_campaign_views_tell_who_submitted_never_what() {
    let first = campaign_views_over_time(1).await;
    let second = campaign_views_over_time(2).await;
    assert_eq!(first.len(), 6);
    // The views do move as people submit, so the comparison compares
    // something.
    assert_ne!(first[0], first[5]);
    assert_eq!(
        first[5]["emails"]["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["state"] == "submitted")
            .count(),
        6
    );
    for (moment, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(a, b, "after submission {}", moment + 1);
    }
}
