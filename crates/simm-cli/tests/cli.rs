//! End-to-end tests of the `simm` binary: golden outputs on the shipped
//! example, and the handling of bad input.
//!
//! Set `UPDATE_GOLDEN=1` to rewrite the golden files after an intended
//! change, then review the diff.

#[allow(dead_code)]
#[path = "support/run.rs"]
mod run;

use std::path::{Path, PathBuf};
use std::process::Command;

use run::{check_refused, repo, simm, stdout};

fn check_golden(actual: &str, golden: &str) {
    let path = repo().join(golden);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{golden}: {e}"));
    assert!(
        actual == expected,
        "{golden} differs from the output; run with UPDATE_GOLDEN=1 and review the diff"
    );
}

#[test]
fn json_results_of_the_example_match_the_golden_file() {
    let output = simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--group-by",
        "role",
        "--format",
        "json",
    ]);
    check_golden(&stdout(&output), "examples/acme-2026.json");
}

#[test]
fn markdown_results_of_the_example_match_the_golden_file() {
    let output = simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--group-by",
        "role",
        "--format",
        "markdown",
    ]);
    check_golden(&stdout(&output), "examples/acme-2026.md");
}

#[test]
fn results_without_groups_have_no_groups_key() {
    let output = simm(&["score", "--responses", "examples/acme-2026.csv"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(json.get("groups").is_none());
    assert_eq!(json["respondents"], 28);
}

/// Every score of the whole sheet carries its interval, inside the score's
/// range and around the point estimate's neighbourhood; the stage
/// probabilities sum to 1; groups carry none.
#[test]
fn scores_carry_intervals_and_stage_probabilities() {
    let json: serde_json::Value = serde_json::from_str(&example_json()).unwrap();
    assert_eq!(
        json["uncertainty"],
        serde_json::json!({"method": "poisson bootstrap", "replicates": 200, "level": 0.95})
    );
    let check_interval =
        |interval: &serde_json::Value, value: &serde_json::Value, range: (f64, f64)| {
            let (low, high) = (
                interval["low"].as_f64().unwrap(),
                interval["high"].as_f64().unwrap(),
            );
            let value = value.as_f64().unwrap();
            assert!(
                range.0 <= low && low <= high && high <= range.1,
                "{interval}"
            );
            // A 95 % interval of 28 respondents is neither a point nor the
            // whole range (a score's may span a stage line), and lies around
            // its estimate.
            assert!(high - low > 1e-6 && high - low < 1.0, "{interval}");
            assert!(
                low - 0.05 <= value && value <= high + 0.05,
                "{value} {interval}"
            );
        };
    check_interval(
        &json["overall"]["score_interval"],
        &json["overall"]["score"],
        (1.0, 4.0),
    );
    for area in json["areas"].as_array().unwrap() {
        check_interval(&area["score_interval"], &area["score"], (1.0, 4.0));
        let fulfilment = area["fulfilment"].as_object().unwrap();
        let intervals = area["fulfilment_interval"].as_object().unwrap();
        assert_eq!(
            fulfilment.keys().collect::<Vec<_>>(),
            intervals.keys().collect::<Vec<_>>()
        );
        for (level, value) in fulfilment {
            check_interval(&intervals[level], value, (0.0, 1.0));
        }
        let probability = area["stage_probability"].as_object().unwrap();
        assert_eq!(probability.keys().collect::<Vec<_>>(), ["1", "2", "3", "4"]);
        let total: f64 = probability.values().map(|p| p.as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-9, "{probability:?}");
        assert!(
            probability[&area["stage"].to_string()].as_f64().unwrap() > 0.5,
            "{area}"
        );
    }
    for group in json["groups"].as_array().unwrap() {
        assert!(group["overall"].get("score_interval").is_none(), "{group}");
        for area in group["areas"].as_array().into_iter().flatten() {
            for key in ["score_interval", "fulfilment_interval", "stage_probability"] {
                assert!(area.get(key).is_none(), "{key} in {group}");
            }
        }
    }
}

#[test]
fn the_number_of_replicates_is_a_setting() {
    let json = |replicates: &str| -> serde_json::Value {
        serde_json::from_str(&stdout(&simm(&[
            "score",
            "--responses",
            "examples/acme-2026.csv",
            "--replicates",
            replicates,
        ])))
        .unwrap()
    };
    let (few, many) = (json("20"), json("2000"));
    assert_eq!(few["uncertainty"]["replicates"], 20);
    assert_eq!(many["uncertainty"]["replicates"], 2000);
    // The same respondents' first 20 weights are the same draws, but the
    // percentiles of 20 and 2000 replicates differ.
    assert_ne!(
        few["areas"][0]["score_interval"],
        many["areas"][0]["score_interval"]
    );
    assert_eq!(few["areas"], json("20")["areas"], "deterministic");
    assert_eq!(few["overall"]["score"], many["overall"]["score"]);
}

#[test]
fn a_bad_number_of_replicates_is_refused_with_the_range() {
    for (value, shown) in [
        ("5", "5"),
        ("20001", "20001"),
        ("many", "many"),
        ("-1", "-1"),
        ("2.5", "2.5"),
    ] {
        check_refused(
            &[
                "score",
                "--responses",
                "examples/acme-2026.csv",
                &format!("--replicates={value}"),
            ],
            &[
                &format!(
                    "error: invalid value '{value}' for '--replicates <N>': \"{shown}\" is not a number of bootstrap replicates: give a whole number from 20 to 20000"
                ),
                "",
                "For more information, try '--help'.",
            ],
        );
    }
}

#[test]
fn html_report_is_self_contained() {
    let folder = tempdir("html");
    let report = folder.join("report.html");
    let output = simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--group-by",
        "role",
        "--format",
        "html",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
    assert!(html.contains("<svg"));
    for external in ["<script", "src=", "href=\"http", "@import", "url("] {
        assert!(
            !html.contains(external),
            "the report loads something: {external}"
        );
    }
    // Nothing but the report is left in the folder.
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 1);
}

#[test]
fn template_is_the_header_of_a_response_sheet() {
    let template = stdout(&simm(&["template"]));
    let example = std::fs::read_to_string(repo().join("examples/acme-2026.csv")).unwrap();
    assert_eq!(template.trim_end(), example.lines().next().unwrap());
}

#[test]
fn template_writes_the_questionnaire_for_limesurvey_and_qualtrics() {
    let folder = tempdir("questionnaire");
    let structure = folder.join("survey.txt");
    let output = simm(&[
        "template",
        "--format",
        "limesurvey-tsv",
        "--output",
        structure.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let structure = std::fs::read_to_string(&structure).unwrap();
    assert!(structure.starts_with("id\trelated_id\tclass\ttype/scale\tname\t"));
    // Every item is a subquestion coded by its letters and digits.
    assert_eq!(
        structure.lines().filter(|l| l.contains("\tSQ\t")).count(),
        48
    );
    assert!(structure.contains("\tSQ\t0\tVS201\t"), "{structure}");
    let txt = stdout(&simm(&["template", "--format", "qualtrics-txt"]));
    assert!(txt.starts_with("[[AdvancedFormat]]\n"));
    assert_eq!(txt.matches("[[Question:Matrix]]").count(), 4);
    check_refused(
        &["template", "--format", "limesurvey"],
        &[
            "error: invalid value 'limesurvey' for '--format <FORMAT>': \"limesurvey\" is not a questionnaire format; expected one of csv, limesurvey-tsv, qualtrics-txt; did you mean \"limesurvey-tsv\"?",
            "",
            "For more information, try '--help'.",
        ],
    );
    // Two ids that become one question code are refused, both named.
    let model = folder.join("model.toml");
    let text = std::fs::read_to_string(repo().join("crates/simm-core/models/smartsourcing.toml"))
        .unwrap()
        .replacen("id = \"VS-2-02\"", "id = \"VS-20-1\"", 1)
        // Its translations follow the new id.
        .replace("items.VS-2-02]", "items.VS-20-1]");
    std::fs::write(&model, text).unwrap();
    let model = model.to_str().unwrap();
    check_refused(
        &["template", "--format", "qualtrics-txt", "--model", model],
        &[&format!(
            "{model}: item \"VS-20-1\" and item \"VS-2-01\" both become question code \"VS201\" in qualtrics-txt; rename one of them in the model"
        )],
    );
}

#[test]
fn model_check_accepts_the_builtin_file() {
    let output = simm(&[
        "model",
        "check",
        "crates/simm-core/models/smartsourcing.toml",
    ]);
    assert_eq!(
        stdout(&output),
        "crates/simm-core/models/smartsourcing.toml: model smartsourcing 1.1.0 is valid: 4 stages, 4 areas, 48 items, 3 attributes\n"
    );
}

#[test]
fn model_show_json_uses_the_file_keys() {
    let text = stdout(&simm(&["model", "show", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The keys, in the order of the model file; serde_json's map sorts
    // them, so the order is read off the text.
    let file_keys = [
        "id",
        "version",
        "title",
        "locales",
        "locale",
        "scale",
        "scoring",
        "stages",
        "areas",
        "attributes",
        "items",
    ];
    assert_eq!(json.as_object().unwrap().len(), file_keys.len());
    let positions: Vec<usize> = file_keys
        .iter()
        .map(|key| {
            text.find(&format!("\n  \"{key}\":"))
                .unwrap_or_else(|| panic!("{key}"))
        })
        .collect();
    assert!(positions.is_sorted(), "{positions:?}");
    assert_eq!(json["scoring"]["threshold"], 0.75);
    assert_eq!(json["scoring"]["aggregate"], "mean");
    assert_eq!(json["items"][0]["id"], "VS-2-01");
    let mut item_keys: Vec<&str> = json["items"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    item_keys.sort_unstable();
    assert_eq!(
        item_keys,
        ["area", "id", "practice", "stage", "text", "weight"]
    );
}

#[test]
fn model_show_markdown_lists_stages_and_items() {
    let text = stdout(&simm(&["model", "show"]));
    assert!(text.contains("Information Technology"));
    assert!(text.contains("VS-2-01"));
}

#[test]
fn a_model_with_errors_is_refused_with_locations() {
    let folder = tempdir("model");
    let path = folder.join("bad.toml");
    let builtin =
        std::fs::read_to_string(repo().join("crates/simm-core/models/smartsourcing.toml")).unwrap();
    let bad = builtin
        .replacen("area = \"vision\"", "area = \"visoin\"", 1)
        .replacen("threshold = 0.75", "threshold = 1.5", 1);
    std::fs::write(&path, &bad).unwrap();
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let file = path.to_str().unwrap();
    check_refused(
        &["model", "check", file],
        &[
            &format!(
                "{file}:{}:13: the threshold must be above 0 and at most 1; found 1.5",
                line_of("threshold = 1.5")
            ),
            &format!(
                "{file}:{}:8: item \"VS-2-01\" names the area \"visoin\", which the model does not declare; did you mean \"vision\"?",
                line_of("visoin")
            ),
        ],
    );
}

#[test]
fn a_sheet_with_errors_is_refused_and_nothing_is_written() {
    let folder = tempdir("sheet");
    let sheet = folder.join("responses.csv");
    std::fs::write(
        &sheet,
        "respondent,role,VS-2-01,VS-2-O2\nr1,partner,4,\nr2,parter,9,\n",
    )
    .unwrap();
    let report = folder.join("report.json");
    std::fs::write(&report, "an earlier report").unwrap();
    let sheet_name = sheet.to_str().unwrap();
    check_refused(
        &[
            "score",
            "--responses",
            sheet_name,
            "--output",
            report.to_str().unwrap(),
        ],
        &[&format!(
            "{sheet_name}:1:4: column \"VS-2-O2\": the column is neither \"respondent\", an attribute nor an item of the model smartsourcing 1.1.0; did you mean \"VS-2-02\"?"
        )],
    );
    std::fs::write(
        &sheet,
        "respondent,role,VS-2-01\nr1,partner,4\nr2,parter,9\n",
    )
    .unwrap();
    check_refused(
        &[
            "score",
            "--responses",
            sheet_name,
            "--output",
            report.to_str().unwrap(),
        ],
        &[
            &format!(
                "{sheet_name}:3:2: row 2, column \"role\": \"parter\" is not a value of \"role\"; expected one of executive, manager, employee, partner; did you mean \"partner\"?"
            ),
            &format!(
                "{sheet_name}:3:3: row 2, column \"VS-2-01\": \"9\" is not a valid answer; expected a whole number from 1 to 5, or an empty cell or \"don't know\""
            ),
        ],
    );
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "an earlier report"
    );
    assert_eq!(
        std::fs::read_dir(&folder).unwrap().count(),
        2,
        "no temporary file is left behind"
    );
}

#[test]
fn unknown_group_attribute_is_refused_with_a_suggestion() {
    check_refused(
        &[
            "score",
            "--responses",
            "examples/acme-2026.csv",
            "--group-by",
            "rol",
        ],
        &[
            "--group-by: the model has no attribute \"rol\" to group by (it has: role, unit, language); did you mean \"role\"?",
        ],
    );
}

#[test]
fn missing_files_are_bad_input() {
    let output = simm(&["score", "--responses", "no/such.csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .starts_with("no/such.csv: cannot open the response sheet:")
    );
}

#[test]
fn the_sheet_can_come_from_standard_input() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_simm"))
        .args(["score", "--responses", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"respondent;VS-2-01\nr1;5\nr2;4\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["respondents"], 2);
    assert_eq!(json["items"][0]["fulfilment"], 0.875);
}

/// A fresh folder under the target directory, emptied first.
fn tempdir(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    path
}

// ------------------------------------------------------------ model diff

const BUILTIN_FILE: &str = "crates/simm-core/models/smartsourcing.toml";

/// Writes an edited copy of the built-in model file into `folder` and
/// returns its path; each `from` must occur.
fn edited_builtin(folder: &Path, name: &str, edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(repo().join(BUILTIN_FILE)).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from:?} is not in the built-in model");
        text = text.replacen(from, to, 1);
    }
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn model_diff_of_identical_files_says_so_and_succeeds() {
    let output = simm(&["model", "diff", BUILTIN_FILE, BUILTIN_FILE]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "No differences between the two files (smartsourcing 1.1.0).\n"
    );
}

#[test]
fn model_diff_lists_the_changes_and_succeeds() {
    let folder = tempdir("model-diff");
    let new = edited_builtin(
        &folder,
        "new.toml",
        &[
            ("version = \"1.1.0\"", "version = \"1.2.0\""),
            ("threshold = 0.75", "threshold = 0.8"),
            (
                "id = \"VS-2-03\"\narea = \"vision\"\nstage = 2",
                "id = \"VS-2-03\"\narea = \"vision\"\nstage = 3",
            ),
            (
                "text = \"Our organisation sets yearly targets",
                "text = \"Our organisation sets annual targets",
            ),
        ],
    );
    let output = simm(&["model", "diff", BUILTIN_FILE, &new]);
    // The exit status does not depend on whether the models differ.
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "Changes from smartsourcing 1.1.0 to smartsourcing 1.2.0:\n\
         \n\
         Model:\n  version: \"1.1.0\" -> \"1.2.0\"\n\
         \n\
         Scoring:\n  threshold: 0.75 -> 0.8\n\
         \n\
         Items:\n  VS-2-02: reworded\n    \
         - \"Our organisation sets yearly targets for efficiency improvements or cost reduction.\"\n    \
         + \"Our organisation sets annual targets for efficiency improvements or cost reduction.\"\n  \
         VS-2-03: moved from stage 2 to stage 3\n"
    );

    let markdown = stdout(&simm(&[
        "model",
        "diff",
        BUILTIN_FILE,
        &new,
        "--format",
        "markdown",
    ]));
    assert!(
        markdown.starts_with("# Changes from smartsourcing 1.1.0 to smartsourcing 1.2.0\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("\n- `VS-2-03`: moved from stage 2 to stage 3\n"),
        "{markdown}"
    );

    let json: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "model",
        "diff",
        BUILTIN_FILE,
        &new,
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["new"]["version"], "1.2.0");
    assert_eq!(
        json["scoring"]["threshold"],
        serde_json::json!({"old": 0.75, "new": 0.8})
    );
    assert_eq!(
        json["items"][1],
        serde_json::json!({"change": "changed", "id": "VS-2-03", "stage": {"old": 2, "new": 3}})
    );
}

#[test]
fn model_diff_reports_the_errors_of_both_files() {
    let folder = tempdir("model-diff-bad");
    let old = edited_builtin(
        &folder,
        "old.toml",
        &[("threshold = 0.75", "threshold = 1.5")],
    );
    let new = edited_builtin(
        &folder,
        "new.toml",
        &[("area = \"vision\"", "area = \"visoin\"")],
    );
    let builtin = std::fs::read_to_string(repo().join(BUILTIN_FILE)).unwrap();
    let line_of = |needle: &str| builtin.lines().position(|l| l.contains(needle)).unwrap() + 1;
    check_refused(
        &["model", "diff", &old, &new],
        &[
            &format!(
                "{old}:{}:13: the threshold must be above 0 and at most 1; found 1.5",
                line_of("threshold = 0.75")
            ),
            &format!(
                "{new}:{}:8: item \"VS-2-01\" names the area \"visoin\", which the model does not declare; did you mean \"vision\"?",
                line_of("area = \"vision\"")
            ),
        ],
    );
    // One bad file is reported alone, in the same form as `model check`.
    let check = simm(&["model", "check", &new]);
    check_refused(
        &["model", "diff", BUILTIN_FILE, &new],
        &String::from_utf8_lossy(&check.stderr)
            .lines()
            .collect::<Vec<_>>(),
    );
    let missing = simm(&["model", "diff", "no/such.toml", BUILTIN_FILE]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .starts_with("no/such.toml: cannot open the model file:")
    );
}

// ------------------------------------------------- inputs that are not files

/// The JSON results of the example read from a regular file.
fn example_json() -> String {
    stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--group-by",
        "role",
    ]))
}

#[test]
fn the_sheet_can_come_from_a_named_pipe() {
    let folder = tempdir("fifo");
    let fifo = folder.join("responses.csv");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let sheet = std::fs::read(repo().join("examples/acme-2026.csv")).unwrap();
    // Opening a FIFO to write waits for a reader: simm is that reader.
    let writer = std::thread::spawn({
        let fifo = fifo.clone();
        move || std::fs::write(fifo, sheet)
    });
    // `timeout` turns a reader that waits for a second writer, as simm
    // once did, into a failure instead of a hung test.
    let output = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_simm"))
        .args(["score", "--responses", fifo.to_str().unwrap()])
        .args(["--group-by", "role"])
        .current_dir(repo())
        .output()
        .expect("simm runs");
    let json = stdout(&output);
    // simm read to the end, so the writer has finished.
    writer.join().unwrap().unwrap();
    assert_eq!(json, example_json());
}

#[test]
fn the_sheet_can_come_from_a_process_substitution() {
    // `<(…)` names a pipe as /dev/fd/N, which cannot seek.
    let output = Command::new("bash")
        .arg("-c")
        .arg(r#""$0" score --responses <(cat examples/acme-2026.csv) --group-by role"#)
        .arg(env!("CARGO_BIN_EXE_simm"))
        .current_dir(repo())
        .output()
        .expect("bash runs");
    assert_eq!(stdout(&output), example_json());
}

// ------------------------------------------------------------ huge values

#[test]
fn a_huge_cell_is_refused_with_a_short_message() {
    let folder = tempdir("huge");
    let sheet = folder.join("responses.csv");
    let huge = "x".repeat(20 << 20);
    std::fs::write(
        &sheet,
        format!("respondent,role,unit,VS-2-01\nr1,{huge},Sales,4\nr2,partner,Sales,9{huge}\n"),
    )
    .unwrap();
    drop(huge);
    let sheet_name = sheet.to_str().unwrap();
    let output = simm(&["score", "--responses", sheet_name]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        &stderr[..stderr.len().min(2000)]
    );
    assert!(stderr.len() < 2048, "{} bytes on stderr", stderr.len());
    let forty = "x".repeat(40);
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            format!(
                "{sheet_name}:2:2: row 1, column \"role\": \"{forty}…\" (20971520 characters) is not a value of \"role\"; expected one of executive, manager, employee, partner"
            ),
            format!(
                "{sheet_name}:3:4: row 2, column \"VS-2-01\": \"9{}…\" (20971521 characters) is not a valid answer; expected a whole number from 1 to 5, or an empty cell or \"don't know\"",
                &forty[1..]
            ),
        ]
    );
    std::fs::remove_file(&sheet).unwrap();
}

// ------------------------------------------------ neutralised formula cells

#[test]
fn groups_of_a_written_sheet_keep_their_names() {
    let model = simm_core::builtin_model();
    let answers: Vec<Option<simm_core::Answer>> = model
        .items()
        .iter()
        .map(|_| simm_core::Answer::new(3, 5))
        .collect();
    let ids: Vec<String> = (0..12).map(|i| format!("r{i}")).collect();
    let rows = ids.iter().enumerate().map(|(i, id)| simm_sheet::SheetRow {
        respondent: id,
        attributes: vec![None, Some(if i % 2 == 0 { "=1+1" } else { "'plain" }), None],
        answers: answers.clone(),
    });
    let folder = tempdir("formula");
    let sheet = folder.join("responses.csv");
    std::fs::write(&sheet, simm_sheet::write_sheet(&model, rows)).unwrap();
    let output = simm(&[
        "score",
        "--responses",
        sheet.to_str().unwrap(),
        "--group-by",
        "unit",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let groups: Vec<&str> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["value"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["'plain", "=1+1"]);
}

#[test]
fn the_model_and_the_report_render_in_a_locale_of_the_model() {
    let english: serde_json::Value =
        serde_json::from_str(&stdout(&simm(&["model", "show", "--format", "json"]))).unwrap();
    let german: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "model", "show", "--locale", "de", "--format", "json",
    ])))
    .unwrap();
    // The same keys and ids in every language; only the texts differ.
    fn shape(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => map
                .iter()
                .filter(|(key, _)| key.as_str() != "labels")
                .map(|(key, value)| (key.clone(), shape(value)))
                .collect(),
            serde_json::Value::Array(items) => items.iter().map(shape).collect(),
            serde_json::Value::String(_) => serde_json::Value::Null,
            other => other.clone(),
        }
    }
    assert_eq!(shape(&english), shape(&german));
    assert_eq!(english["locale"], "en");
    assert_eq!(german["locale"], "de");
    assert_eq!(german["locales"], serde_json::json!(["en", "de", "fr"]));
    assert_eq!(german["areas"][0]["id"], "vision");
    assert_eq!(german["areas"][0]["name"], "Vision und Strategie");
    assert_eq!(german["items"][0]["id"], "VS-2-01");
    assert_ne!(german["items"][0]["text"], english["items"][0]["text"]);
    assert_eq!(german["attributes"][0]["values"][3], "partner");
    assert_eq!(german["attributes"][0]["labels"][0], "Geschäftsleitung");
    assert!(english["attributes"][0].get("labels").is_none());

    let markdown = stdout(&simm(&["model", "show", "--locale", "fr"]));
    assert!(
        markdown.starts_with("# Modèle d'innovation Smartsourcing 1.1.0\n"),
        "{markdown}"
    );

    let report = stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--locale",
        "fr",
        "--format",
        "markdown",
    ]));
    assert!(
        report.contains("| Technologies de l'information | 1 Ad hoc |"),
        "{report}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--locale",
        "de",
    ])))
    .unwrap();
    let plain: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
    ])))
    .unwrap();
    assert_eq!(
        json, plain,
        "the numbers and ids do not depend on the language"
    );

    check_refused(
        &["model", "show", "--locale", "es"],
        &[
            "--locale: the model smartsourcing 1.1.0 is not written in \"es\"; its locales are en, de, fr; did you mean \"en\"?",
        ],
    );
}

#[test]
fn results_and_calibration_group_by_the_language_of_the_responses() {
    let json: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--group-by",
        "language",
    ])))
    .unwrap();
    let groups: Vec<(&str, u64)> = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["value"].as_str().unwrap(),
                g["respondents"].as_u64().unwrap(),
            )
        })
        .collect();
    // The example's five IT employees answered in German (counted by hand
    // from the sheet).
    assert_eq!(groups, [("en", 23), ("de", 5)]);
    let calibration: serde_json::Value = serde_json::from_str(&stdout(&simm(&[
        "calibrate",
        "--responses",
        "examples/acme-2026.csv",
        "--group-by",
        "language",
    ])))
    .unwrap();
    assert_eq!(calibration["group_by"], "language");
    let names: Vec<&str> = calibration["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["en", "de"]);
}
