//! `--format xlsx`: the workbook read back with calamine holds the very
//! numbers of the JSON output, every text as a string, and no formula.

#[allow(dead_code)]
#[path = "support/run.rs"]
mod run;
#[allow(dead_code)]
#[path = "support/workbook.rs"]
mod workbook;

use std::path::{Path, PathBuf};

use calamine::Data;
use run::{repo, simm, stdout};

fn tempdir(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    path
}

/// Runs simm with `--format xlsx --output` in `folder` and reads the file.
fn xlsx_of(folder: &Path, args: &[&str]) -> workbook::Book {
    let file = folder.join("out.xlsx");
    let mut all = args.to_vec();
    all.extend(["--format", "xlsx", "--output", file.to_str().unwrap()]);
    let output = simm(&all);
    assert!(
        output.status.success(),
        "{all:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty(), "the workbook went to the file");
    workbook::read(&std::fs::read(file).unwrap())
}

fn json_of(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout(&simm(args))).unwrap()
}

#[test]
fn every_number_of_the_workbook_is_the_json_number() {
    let folder = tempdir("workbook-numbers");
    for args in [
        &["score", "--responses", "examples/acme-2026.csv"][..],
        &[
            "score",
            "--responses",
            "examples/acme-2026.csv",
            "--group-by",
            "role",
        ],
        &[
            "score",
            "--responses",
            "examples/acme-2025.csv",
            "--target",
            "vision=3,technology=3",
        ],
    ] {
        let book = xlsx_of(&folder, args);
        assert_eq!(
            book.names,
            [
                "Summary",
                "Areas",
                "Stage fulfilment",
                "Items",
                "Consensus",
                "Groups"
            ],
            "{args:?}: the results' sheets, and no Responses"
        );
        workbook::check_results(&book, &json_of(args));
        assert!(book.formulas.values().all(|count| *count == 0));
    }
}

#[test]
fn percentages_are_fractions_in_a_percentage_format() {
    let bytes = {
        let folder = tempdir("workbook-format");
        let file = folder.join("out.xlsx");
        stdout(&simm(&[
            "score",
            "--responses",
            "examples/acme-2026.csv",
            "--format",
            "xlsx",
            "--output",
            file.to_str().unwrap(),
        ]));
        std::fs::read(file).unwrap()
    };
    let book = workbook::read(&bytes);
    let row = book.row("Summary", &[("Measure", "Threshold")]);
    assert!(matches!(book.cell("Summary", row, "Value"), Data::Float(f) if *f < 1.0));
    let styles = workbook::zipped_text(&bytes, "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="0.0%""#), "{styles}");
}

/// Formula-looking texts from a model file stay texts.
#[test]
fn text_that_looks_like_a_formula_stays_text() {
    let folder = tempdir("workbook-formulas");
    let builtin =
        std::fs::read_to_string(repo().join("crates/simm-core/models/smartsourcing.toml")).unwrap();
    let hostile = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+2",
        "-3-4",
        "@SUM(A1:A2)",
    ];
    let model = builtin
        .replacen(
            r#"title = "Smartsourcing Innovation Model""#,
            &format!("title = {:?}", hostile[0]),
            1,
        )
        .replacen(
            r#"text = "Our organisation has written plans for the new products or services it intends to develop.""#,
            &format!("text = {:?}", hostile[1]),
            1,
        )
        .replacen(
            r#"text = "Our organisation sets yearly targets for efficiency improvements or cost reduction.""#,
            &format!("text = {:?}", hostile[2]),
            1,
        )
        .replacen(
            r#"text = "In our organisation, the people who develop new products or services collect feedback from customers.""#,
            &format!("text = {:?}", hostile[3]),
            1,
        );
    let path = folder.join("hostile.toml");
    std::fs::write(&path, model).unwrap();
    let file = folder.join("hostile.xlsx");
    stdout(&simm(&[
        "score",
        "--responses",
        "examples/acme-2026.csv",
        "--model",
        path.to_str().unwrap(),
        "--format",
        "xlsx",
        "--output",
        file.to_str().unwrap(),
    ]));
    let bytes = std::fs::read(&file).unwrap();
    let book = workbook::read(&bytes);
    let title = book.row("Summary", &[("Measure", "Model")]);
    assert_eq!(
        book.cell("Summary", title, "Value"),
        &Data::String(format!("{} 1.1.0", hostile[0]))
    );
    let statements: Vec<&Data> = (1..book.rows("Items").len())
        .map(|row| book.cell("Items", row, "Statement"))
        .collect();
    for text in &hostile[1..] {
        assert!(
            statements.contains(&&Data::String((*text).to_owned())),
            "{text} is a string cell"
        );
    }
    assert!(book.formulas.values().all(|count| *count == 0));
    for sheet in 1..=book.names.len() {
        let xml = workbook::zipped_text(&bytes, &format!("xl/worksheets/sheet{sheet}.xml"));
        assert!(
            !xml.contains("<f>") && !xml.contains("<f "),
            "sheet{sheet} has a formula"
        );
    }
}

#[test]
fn the_trend_workbook_holds_the_trend_numbers() {
    let folder = tempdir("workbook-trend");
    let args = [
        "trend",
        "--responses",
        "examples/acme-2025.csv",
        "examples/acme-2026.csv",
    ];
    let book = xlsx_of(&folder, &args);
    assert_eq!(book.names, ["Trend"]);
    let json = json_of(&args);
    for round in json["rounds"].as_array().unwrap() {
        let assessment = round["assessment"].as_str().unwrap();
        let overall = &round["overall"];
        let key = [("Assessment", assessment), ("Area", "Overall")];
        book.check("Trend", &key, "Respondents", &round["respondents"]);
        book.check("Trend", &key, "Stage", &overall["stage"]);
        book.check("Trend", &key, "Score", &overall["score"]);
        book.check(
            "Trend",
            &key,
            "Score low",
            &overall["score_interval"]["low"],
        );
        book.check(
            "Trend",
            &key,
            "Score high",
            &overall["score_interval"]["high"],
        );
        book.check("Trend", &key, "Change", &overall["delta"]["value"]);
        book.check(
            "Trend",
            &key,
            "Change low",
            &overall["delta"]["interval"]["low"],
        );
        book.check(
            "Trend",
            &key,
            "Change high",
            &overall["delta"]["interval"]["high"],
        );
        for area in round["areas"].as_array().unwrap() {
            let key = [
                ("Assessment", assessment),
                ("Area id", area["id"].as_str().unwrap()),
            ];
            book.check("Trend", &key, "Respondents", &round["respondents"]);
            book.check("Trend", &key, "Stage", &area["stage"]);
            book.check("Trend", &key, "Score", &area["score"]);
            book.check("Trend", &key, "Score low", &area["score_interval"]["low"]);
            book.check("Trend", &key, "Score high", &area["score_interval"]["high"]);
            book.check("Trend", &key, "Change", &area["delta"]["value"]);
            book.check(
                "Trend",
                &key,
                "Change low",
                &area["delta"]["interval"]["low"],
            );
            book.check(
                "Trend",
                &key,
                "Change high",
                &area["delta"]["interval"]["high"],
            );
        }
    }
    book.all_numbers_checked(&["Trend"]);
}

#[test]
fn the_calibration_has_no_workbook() {
    run::check_refused(
        &[
            "calibrate",
            "--responses",
            "examples/acme-2026.csv",
            "--format",
            "xlsx",
        ],
        &["--format xlsx: the calibration report is json, markdown or html"],
    );
}
