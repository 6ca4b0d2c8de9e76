//! The console's results page and the downloaded HTML report lay out one
//! results view (`simm_report::results_view`). For the demo assessment,
//! both documents are read structurally, through the `data-` marks that
//! both templates carry, and must show the same stages, scores, reasons,
//! roadmap and group rows, and the same intervals and stage
//! probabilities; the scores and intervals are checked against the JSON
//! results too, so that two documents wrong in the same way also fail.

use reqwest::Client;
use serde_json::Value;
use simm_web::demo::{DEMO_EMAIL, ensure_demo};

use crate::{TestApp, spawn_app};

/// Where `<name` opens an element at `at`, the end of its opening tag and
/// the start of its closing tag; elements of the same name may nest.
fn element_end(html: &str, at: usize, name: &str) -> (usize, usize) {
    let open_end = at + html[at..].find('>').expect("an opening tag ends") + 1;
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let mut depth = 1;
    let mut cursor = open_end;
    loop {
        let next_close = cursor + html[cursor..].find(&close).expect("the element closes");
        match html[cursor..next_close].find(&open) {
            Some(offset)
                if html[cursor + offset + open.len()..]
                    .starts_with(|c: char| c == '>' || c.is_whitespace()) =>
            {
                depth += 1;
                cursor += offset + open.len();
            }
            Some(offset) => cursor += offset + open.len(),
            None => {
                depth -= 1;
                if depth == 0 {
                    return (open_end, next_close);
                }
                cursor = next_close + close.len();
            }
        }
    }
}

/// The inner markup of every element whose opening tag satisfies `wanted`
/// (given the tag's name and its whole opening tag), in document order.
fn elements(html: &str, wanted: impl Fn(&str, &str) -> bool) -> Vec<&str> {
    let mut found = Vec::new();
    let mut cursor = 0;
    while let Some(offset) = html[cursor..].find('<') {
        let at = cursor + offset;
        let tag_end = at + html[at..].find('>').expect("a tag ends");
        let tag = &html[at..=tag_end];
        let name: String = tag[1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !name.is_empty() && wanted(&name, tag) {
            let (start, end) = element_end(html, at, &name);
            found.push(&html[start..end]);
        }
        cursor = tag_end + 1;
    }
    found
}

/// What a reader sees of some markup: its text without tags, with the
/// entities the templates write decoded and white space collapsed.
fn text(markup: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn has_mark(tag: &str, mark: &str) -> bool {
    tag.split(|c: char| c.is_whitespace() || c == '>')
        .any(|word| word == mark || word.starts_with(&format!("{mark}=")))
}

/// The texts of the elements that carry the attribute `mark`.
fn marked(html: &str, mark: &str) -> Vec<String> {
    elements(html, |_, tag| has_mark(tag, mark))
        .into_iter()
        .map(text)
        .collect()
}

/// Per element marked `container`, the texts of its elements marked with
/// each of `fields`, field by field.
fn records(html: &str, container: &str, fields: &[&str]) -> Vec<Vec<String>> {
    elements(html, |_, tag| has_mark(tag, container))
        .into_iter()
        .map(|record| {
            fields
                .iter()
                .flat_map(|mark| marked(record, mark))
                .collect()
        })
        .collect()
}

/// Every area (name, stage, stage name, score, reason, score interval,
/// confidence sentence, stage probabilities, then its stage rows' levels,
/// fulfilments and intervals), every roadmap
/// step (heading, situation, practice ids) and every group row (the texts
/// of its cells), as one document shows them.
#[derive(Debug, PartialEq)]
struct Shown {
    respondents: Vec<String>,
    threshold: Vec<String>,
    uncertainty: Vec<String>,
    common_language: Vec<String>,
    overall: Vec<String>,
    areas: Vec<Vec<String>>,
    steps: Vec<Vec<String>>,
    consensus: Vec<String>,
    weak_items: Vec<String>,
    group_columns: Vec<String>,
    group_rows: Vec<Vec<String>>,
}

fn read(html: &str) -> Shown {
    let overall = [
        "data-overall-stage",
        "data-overall-name",
        "data-overall-score",
        "data-overall-interval",
    ]
    .iter()
    .flat_map(|mark| marked(html, mark))
    .collect();
    let areas = records(
        html,
        "data-area",
        &[
            "data-area-name",
            "data-area-stage",
            "data-area-stage-name",
            "data-area-score",
            "data-area-reason",
            "data-area-interval",
            "data-area-confidence",
            "data-area-probability",
            "data-stage-level",
            "data-stage-in-place",
            "data-stage-interval",
        ],
    );
    let steps = records(
        html,
        "data-step",
        &["data-step-heading", "data-step-situation", "data-practice"],
    );
    let group_rows = elements(html, |_, tag| has_mark(tag, "data-group"))
        .into_iter()
        .map(|row| {
            elements(row, |name, _| name == "th" || name == "td")
                .into_iter()
                .map(text)
                .collect()
        })
        .collect();
    let consensus = marked(html, "data-consensus-area")
        .into_iter()
        .zip(marked(html, "data-consensus-value"))
        .map(|(area, value)| format!("{area}: {value}"))
        .collect();
    Shown {
        respondents: marked(html, "data-respondents"),
        threshold: marked(html, "data-threshold"),
        uncertainty: marked(html, "data-uncertainty"),
        common_language: marked(html, "data-common-language"),
        overall,
        areas,
        steps,
        consensus,
        // The page lists them under their area, the report in model
        // order (stage by stage): the same statements either way.
        weak_items: {
            let mut items = marked(html, "data-weak-item");
            items.sort();
            items
        },
        group_columns: marked(html, "data-group-column"),
        group_rows,
    }
}

async fn fetch(client: &Client, app: &TestApp, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.unwrap()
}

/// Whether `shown` is the score `value` cut off to two decimals, as the
/// reports write scores (never rounded up, so the whole part stays the
/// stage).
fn shows_score(shown: &str, value: &Value) -> bool {
    let value = value.as_f64().expect("a score is a number");
    let two_decimals = shown
        .split_once('.')
        .is_some_and(|(_, decimals)| decimals.len() == 2);
    let shown: f64 = shown.parse().expect("a score shows as a number");
    two_decimals && shown <= value + 1e-9 && value - shown < 0.01
}

/// Whether `shown` is the interval `value` as the reports write it: each
/// end cut off, scores to two decimals ("2.55–2.90"), fulfilments to whole
/// percent ("64–72 %").
fn shows_interval(shown: &str, value: &Value, percent: bool) -> bool {
    let (unit, text) = if percent {
        (100.0, shown.strip_suffix(" %").unwrap_or(shown))
    } else {
        (1.0, shown)
    };
    let Some((low, high)) = text.split_once('–') else {
        return false;
    };
    let close = |shown: &str, value: &Value| {
        let value = value.as_f64().expect("an end is a number") * unit;
        let step = if percent { 1.0 } else { 0.01 };
        shown
            .parse::<f64>()
            .is_ok_and(|shown| shown <= value + 1e-9 && value - shown < step)
    };
    close(low, &value["low"]) && close(high, &value["high"])
}

/// The demo assessment's results, signed in as the demo consultant.
async fn demo(app: &TestApp) -> (Client, String) {
    let demo = ensure_demo(&app.state, &app.builtin_model_version)
        .await
        .unwrap();
    let client = app.client();
    let response = client
        .post(app.url("/login"))
        .form(&[
            ("email", DEMO_EMAIL),
            ("password", demo.password.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let user = app.store.user_by_email(DEMO_EMAIL).await.unwrap().unwrap();
    let organization = app.store.organizations_for(&user).await.unwrap().remove(0);
    let baseline = app
        .store
        .assessments_of(&organization.id)
        .await
        .unwrap()
        .into_iter()
        .find(|assessment| assessment.state == simm_store::AssessmentState::Closed)
        .expect("the demo has a closed assessment");
    (client, baseline.id)
}

#[tokio::test]
async fn the_results_page_and_the_html_report_show_the_same_results() {
    let app = spawn_app().await;
    let (client, assessment) = demo(&app).await;
    let model = app.state.model(&app.builtin_model_version).await.unwrap();
    for query in ["", "?group_by=role", "?group_by=unit"] {
        let page = fetch(
            &client,
            &app,
            &format!("/assessments/{assessment}/results{query}"),
        )
        .await;
        let report = fetch(
            &client,
            &app,
            &format!("/assessments/{assessment}/report.html{query}"),
        )
        .await;
        let json: Value = serde_json::from_str(
            &fetch(
                &client,
                &app,
                &format!("/assessments/{assessment}/results.json{query}"),
            )
            .await,
        )
        .unwrap();
        let (page, report) = (read(&page), read(&report));
        assert_eq!(page, report, "{query}");

        // Held out: what both show is what the engine computed.
        assert_eq!(page.respondents, [json["respondents"].to_string()]);
        assert_eq!(
            page.overall[..1],
            [json["overall"]["stage"].to_string()],
            "{query}"
        );
        assert!(shows_score(&page.overall[2], &json["overall"]["score"]));
        assert!(
            shows_interval(&page.overall[3], &json["overall"]["score_interval"], false),
            "{:?}",
            page.overall
        );
        let replicates = json["uncertainty"]["replicates"].to_string();
        assert!(
            page.uncertainty[0].contains(&format!(" {replicates} resamples")),
            "{:?}",
            page.uncertainty
        );
        let areas = json["areas"].as_array().unwrap();
        assert_eq!(page.areas.len(), model.areas().len());
        for (shown, area) in page.areas.iter().zip(areas) {
            let name = &model
                .areas()
                .iter()
                .find(|a| a.id.as_str() == area["id"])
                .unwrap()
                .name;
            assert_eq!(shown[0], *name);
            assert_eq!(shown[1], area["stage"].to_string());
            assert!(shows_score(&shown[3], &area["score"]), "{shown:?}");
            assert!(shown[4].starts_with(name.as_str()), "{shown:?}");
            assert!(
                shows_interval(&shown[5], &area["score_interval"], false),
                "{shown:?}"
            );
            // The confidence sentence and the probabilities are those of
            // the JSON: the share of resamples at the area's stage, and
            // every stage any resample reached.
            let probability = area["stage_probability"].as_object().unwrap();
            let at_stage = probability[&area["stage"].to_string()].as_f64().unwrap();
            assert!(
                shown[6].starts_with(&format!("{name} is at stage {}", area["stage"])),
                "{shown:?}"
            );
            let close = 1.0 - at_stage >= simm_report::CLOSE_TO_THE_LINE;
            assert_eq!(shown[6].contains("close to the line"), close, "{shown:?}");
            let listed: Vec<String> = probability
                .iter()
                .filter(|(_, p)| p.as_f64().unwrap() > 0.0)
                .map(|(level, p)| {
                    format!(
                        "stage {level}: {}",
                        simm_report::format::probability(p.as_f64().unwrap())
                    )
                })
                .collect();
            assert_eq!(shown[7], listed.join(", "), "{shown:?}");
            let fulfilment = area["fulfilment"].as_object().unwrap();
            let stages = fulfilment.len();
            assert_eq!(shown.len(), 8 + 3 * stages, "{shown:?}");
            let levels: Vec<&String> = fulfilment.keys().collect();
            assert_eq!(shown[8..8 + stages].iter().collect::<Vec<_>>(), levels);
            for (index, level) in levels.iter().enumerate() {
                assert!(
                    shows_interval(
                        &shown[8 + 2 * stages + index],
                        &area["fulfilment_interval"][level.as_str()],
                        true
                    ),
                    "{level}: {shown:?}"
                );
            }
        }
        let below_top = areas.iter().filter(|area| !area["gap"].is_null()).count();
        assert_eq!(page.steps.len(), below_top, "{query}");
        assert!(page.steps.iter().all(|step| step.len() > 2), "{query}");

        let groups = json["groups"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        assert_eq!(page.group_rows.len(), groups.len(), "{query}");
        assert_eq!(query.is_empty(), page.group_columns.is_empty());
        for (row, group) in page.group_rows.iter().zip(groups) {
            let label = group["value"].as_str().unwrap_or("(not given)");
            assert_eq!(row[0], label);
            if group["suppressed"] == true {
                assert_eq!(row.len(), 2, "{row:?}");
                assert!(row[1].contains("hidden"), "{row:?}");
                continue;
            }
            assert_eq!(row[1], group["respondents"].to_string());
            let scores: Vec<&Value> = model
                .areas()
                .iter()
                .map(|area| {
                    &group["areas"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|result| result["id"] == area.id.as_str())
                        .expect("a shown group has every area")["score"]
                })
                .chain([&group["overall"]["score"]])
                .collect();
            assert_eq!(row.len(), 2 + scores.len(), "{row:?}");
            for (shown, value) in row[2..].iter().zip(scores) {
                assert!(shows_score(shown, value), "{label}: {row:?}");
            }
        }
    }
}

/// The reader above finds what it is meant to find, so the comparison
/// cannot pass on two empty readings, and a changed cell is seen.
#[test]
fn the_reader_reads_marked_elements_and_their_rows() {
    let html = "<table><tr data-group><th scope=\"row\">a &amp; b</th><td class=\"number\">5</td><td>1.<span>50</span></td></tr>\
                <tr data-group><th>c</th><td colspan=\"2\">n = 3 — hidden</td></tr></table>\
                <article data-area><h3><span data-area-name>Vision</span>: stage <span data-area-stage>2</span></h3>\
                <p data-area-reason>Vision stays\n  at stage 2.</p><div><div>nested</div></div></article>";
    let shown = read(html);
    // askama writes "<" as a numeric entity: "< 1 %" of a probability.
    assert_eq!(text("stage 3: &#60; 1 %"), "stage 3: < 1 %");
    assert!(shows_interval(
        "2.55–2.90",
        &serde_json::json!({"low": 2.559, "high": 2.9}),
        false
    ));
    assert!(!shows_interval(
        "2.56–2.90",
        &serde_json::json!({"low": 2.559, "high": 2.9}),
        false
    ));
    assert!(shows_interval(
        "64–72 %",
        &serde_json::json!({"low": 0.649, "high": 0.72}),
        true
    ));
    assert!(!shows_interval(
        "65–72 %",
        &serde_json::json!({"low": 0.649, "high": 0.72}),
        true
    ));
    assert_eq!(
        shown.group_rows,
        [vec!["a & b", "5", "1.50"], vec!["c", "n = 3 — hidden"]]
    );
    assert_eq!(
        shown.areas,
        [vec!["Vision", "2", "Vision stays at stage 2."]]
    );
    let changed = read(&html.replace("1.<span>50", "1.<span>51"));
    assert_ne!(changed, shown);
    assert_eq!(
        elements("<div data-x><div>a</div><div>b</div></div>", |_, tag| {
            has_mark(tag, "data-x")
        }),
        ["<div>a</div><div>b</div>"]
    );
}
