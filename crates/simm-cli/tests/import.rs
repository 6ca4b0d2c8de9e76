//! `simm import` and `simm score --from`: survey tools' exports end to end.

#[allow(dead_code)]
#[path = "support/run.rs"]
mod run;

use std::path::{Path, PathBuf};

use run::{check_refused, simm, stdout};

const FIXTURES: &str = "crates/simm-sheet/tests/fixtures/import";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// A fresh folder under the target directory, emptied first.
fn tempdir(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    path
}

#[test]
fn import_writes_the_sheet_and_reports_what_never_reached_simm() {
    let output = simm(&[
        "import",
        "--from",
        "qualtrics",
        &fixture("qualtrics.csv"),
        "--mapping",
        &fixture("qualtrics.toml"),
    ]);
    let sheet = stdout(&output);
    let expected = std::fs::read_to_string(run::repo().join(fixture("expected.csv"))).unwrap();
    assert_eq!(sheet.lines().count(), expected.lines().count());
    assert!(sheet.contains("\nrow-1,manager,,,5,4,3,"), "{sheet}");
    assert!(!sheet.contains("example.com"), "{sheet}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "qualtrics.csv: dropped column L (12) \"RecipientEmail\": email address (identifies people; never reached simm)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("4 responses imported"), "{stderr}");
}

/// Held out: scoring the export in one step gives what scoring the
/// hand-written sheet with the same answers gives.
#[test]
fn score_from_an_export_equals_scoring_the_hand_written_sheet() {
    let cases: [(&str, &str, Option<&str>); 3] = [
        ("qualtrics", "qualtrics.csv", Some("qualtrics.toml")),
        (
            "google-forms",
            "google-forms.csv",
            Some("google-forms.toml"),
        ),
        (
            "limesurvey",
            "limesurvey-codes.csv",
            Some("limesurvey-codes.toml"),
        ),
    ];
    let expected = stdout(&simm(&["score", "--responses", &fixture("expected.csv")]));
    for (from, export, mapping) in cases {
        let export = fixture(export);
        let mapping = mapping.map(fixture);
        let mut args = vec!["score", "--from", from, "--responses", &export];
        if let Some(mapping) = &mapping {
            args.extend(["--mapping", mapping]);
        }
        assert_eq!(stdout(&simm(&args)), expected, "{from}");
    }
}

#[test]
fn an_unknown_label_is_refused_and_nothing_is_written() {
    let folder = tempdir("import-refused");
    let export = folder.join("forms.csv");
    let text = std::fs::read_to_string(run::repo().join(fixture("google-forms.csv")))
        .unwrap()
        .replacen(
            "Strongly agree,Agree,Neither",
            "Strongly agee,Agree,Neither",
            1,
        );
    std::fs::write(&export, text).unwrap();
    let sheet = folder.join("sheet.csv");
    let export = export.display().to_string();
    check_refused(
        &[
            "import",
            "--from",
            "google-forms",
            &export,
            "--mapping",
            &fixture("google-forms.toml"),
            "--output",
            &sheet.display().to_string(),
        ],
        &[&format!(
            "{export}: row 2, column C (3) \"How far do you agree? [Our organisation …\" (114 characters): \"Strongly agee\": is not an answer label of the scale (Strongly disagree, Disagree, Neither agree nor disagree, Agree, Strongly agree), a point from 1 to 5, or \"don't know\"; add it to the mapping's [labels]; did you mean \"Strongly agree\"?"
        )],
    );
    assert!(!sheet.exists(), "a refused import wrote its output");
}

#[test]
fn an_unknown_tool_is_refused_with_the_nearest_name() {
    let output = simm(&["import", "--from", "qualtrix", &fixture("qualtrics.csv")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean \"qualtrics\"?"), "{stderr}");
}

#[test]
fn a_drafted_mapping_imports_the_export() {
    let folder = tempdir("import-draft");
    let map = folder.join("map.toml").display().to_string();
    let output = simm(&[
        "import",
        "--from",
        "google-forms",
        &fixture("google-forms.csv"),
        "--write-mapping",
        &map,
    ]);
    stdout(&output);
    let draft = std::fs::read_to_string(&map).unwrap();
    assert!(draft.contains("[columns]\n"), "{draft}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("marked `# review`"), "{stderr}");
    let expected = stdout(&simm(&["score", "--responses", &fixture("expected.csv")]));
    let scored = stdout(&simm(&[
        "score",
        "--from",
        "google-forms",
        "--mapping",
        &map,
        "--responses",
        &fixture("google-forms.csv"),
    ]));
    assert_eq!(scored, expected);
}
