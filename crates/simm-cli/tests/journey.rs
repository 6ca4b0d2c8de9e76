//! The journey on the command line: `simm score --target` adds the
//! roadmap, and `simm trend` compares sheets as rounds
//! (docs/scoring.md, "Targets and the roadmap", "Changes between rounds").

#[allow(dead_code)]
#[path = "support/run.rs"]
mod run;

use run::{check_refused, simm, stdout};

#[test]
fn a_target_adds_the_roadmap_and_names_the_gaps() {
    let output = simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--target",
        "vision=3,technology=3",
        "--target-date",
        "2027-12-31",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let roadmap = &json["roadmap"];
    assert_eq!(roadmap["target"]["date"], "2027-12-31");
    assert_eq!(roadmap["target"]["areas"]["vision"], 3);
    assert_eq!(roadmap["target"]["areas"]["technology"], 3);
    // Every area the results have is in the target; an area at its target
    // is in no phase.
    let phases = roadmap["phases"].as_array().unwrap();
    assert!(!phases.is_empty());
    assert_eq!(phases[0]["phase"], 1);
    // The first phase lifts the lowest areas below their target: the
    // results say which stage each is at.
    let stage_of = |area: &str| {
        json["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == area)
            .unwrap()["stage"]
            .as_u64()
            .unwrap()
    };
    let lowest = phases[0]["lifts"][0]["from"].as_u64().unwrap();
    for lift in phases[0]["lifts"].as_array().unwrap() {
        assert_eq!(stage_of(lift["area"].as_str().unwrap()), lowest);
        assert_eq!(lift["to"].as_u64().unwrap(), lowest + 1);
    }
    // The existing keys are unchanged by the target.
    let plain: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
    ])))
    .unwrap();
    let mut without = json.clone();
    without.as_object_mut().unwrap().remove("roadmap");
    assert_eq!(without, plain);

    let markdown = stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--target",
        "vision=3,technology=3",
        "--format",
        "markdown",
    ]));
    assert!(markdown.contains("Information Technology: stage "));
    assert!(markdown.contains(", target stage 3"));
    assert!(markdown.contains("# Roadmap to the target"));
}

#[test]
fn a_bad_target_is_refused_with_what_is_wrong() {
    check_refused(
        &[
            "score",
            "--responses",
            "examples/acme-2026.csv",
            "--target",
            "vison=3",
        ],
        &["--target: areas.vison: the model has no area \"vison\"; did you mean \"vision\"?"],
    );
    check_refused(
        &[
            "score",
            "--responses",
            "examples/acme-2026.csv",
            "--target",
            "vision3",
        ],
        &["--target: \"vision3\" is not AREA=STAGE; write e.g. --target vision=3,technology=3"],
    );
    check_refused(
        &[
            "score",
            "--responses",
            "examples/acme-2026.csv",
            "--target",
            "vision=9",
        ],
        &["--target: areas.vision: stage 9 is not a stage of the model (it has stages 1 to 4)"],
    );
    check_refused(
        &[
            "score",
            "--responses",
            "examples/acme-2026.csv",
            "--target",
            "vision=3",
            "--target-date",
            "2027-02-30",
        ],
        &["--target-date: \"2027-02-30\" is not a date: February 2027 has 28 days"],
    );
}

#[test]
fn trend_compares_sheets_as_rounds() {
    let json: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "trend",
        "--responses",
        "examples/acme-2025.csv",
        "examples/acme-2026.csv",
    ])))
    .unwrap();
    let rounds = json["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2);
    assert_eq!(rounds[0]["title"], "acme-2025");
    assert_eq!(rounds[1]["respondents"], 28);
    assert!(rounds[0]["areas"][0]["delta"].is_null());
    // Each round's own results are those of `simm score` on its sheet
    // alone, but for the intervals, which are resampled with the round's
    // own weights.
    let alone: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
    ])))
    .unwrap();
    for (area, scored) in rounds[1]["areas"]
        .as_array()
        .unwrap()
        .iter()
        .zip(alone["areas"].as_array().unwrap())
    {
        assert_eq!(area["id"], scored["id"]);
        assert_eq!(area["stage"], scored["stage"]);
        assert_eq!(area["score"], scored["score"]);
        let delta = &area["delta"];
        let (low, high) = (
            delta["interval"]["low"].as_f64().unwrap(),
            delta["interval"]["high"].as_f64().unwrap(),
        );
        assert!(low <= high);
        assert_eq!(delta["real"].as_bool().unwrap(), low > 0.0 || high < 0.0);
    }
    // Same items, same model: the change is the difference of the scores.
    let first = rounds[0]["areas"][3]["score"].as_f64().unwrap();
    let second = rounds[1]["areas"][3]["score"].as_f64().unwrap();
    let value = rounds[1]["areas"][3]["delta"]["value"].as_f64().unwrap();
    assert!((value - (second - first)).abs() < 1e-12);

    let markdown = stdout(&simm(&[
        "trend",
        "--responses",
        "examples/acme-2025.csv",
        "examples/acme-2026.csv",
        "--format",
        "markdown",
    ]));
    assert!(markdown.contains("| acme-2026 |"));
    assert!(markdown.contains("within noise") || markdown.contains("a real change"));
    let html = stdout(&simm(&[
        "trend",
        "--responses",
        "examples/acme-2025.csv",
        "examples/acme-2026.csv",
        "--format",
        "html",
    ]));
    assert!(html.contains("<svg") && !html.contains("<script"));
}

#[test]
fn trend_needs_two_rounds() {
    let output = simm(&["trend", "--responses", "examples/acme-2026.csv"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--responses"), "{stderr}");
}
