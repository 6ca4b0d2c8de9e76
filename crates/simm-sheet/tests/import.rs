//! Imports of each survey tool's export, checked against a hand-written
//! simm sheet with the same answers (tests/fixtures/import/expected.csv):
//! the rows read back equal, and so do the scores.

use std::path::Path;

use rust_xlsxwriter::Workbook;
use simm_core::{Model, Tally, builtin_model};
use simm_sheet::import::{DropReason, Mapping, Source, convert};

const STATEMENTS: [&str; 4] = [
    "Our organisation has written plans for the new products or services it intends to develop.",
    "Our organisation sets yearly targets for efficiency improvements or cost reduction.",
    "In our organisation, the people who develop new products or services collect feedback from customers.",
    "In our organisation, the expected costs and revenues of a new product or service are estimated before it is launched.",
];

/// The answers of expected.csv, as the tools' labels.
const ANSWERS: [(&str, [&str; 4]); 4] = [
    (
        "Manager",
        [
            "Strongly agree",
            "Agree",
            "Neither agree nor disagree",
            "Don't know",
        ],
    ),
    (
        "Employee",
        ["Agree", "Agree", "Disagree", "Strongly disagree"],
    ),
    (
        "Executive",
        [
            "Disagree",
            "Neither agree nor disagree",
            "Strongly agree",
            "Agree",
        ],
    ),
    (
        "Partner",
        ["Strongly disagree", "", "Agree", "Strongly agree"],
    ),
];

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn mapping(name: &str) -> Mapping {
    let text = String::from_utf8(fixture(name)).expect("UTF-8");
    Mapping::parse(&text, name).unwrap_or_else(|error| panic!("{error}"))
}

type ReadRow = (String, Vec<Option<String>>, Vec<Option<u8>>);

/// A sheet's rows as read by simm, and its score.
fn read(model: &Model, sheet: &[u8]) -> (Vec<ReadRow>, simm_core::Results) {
    let mut rows = Vec::new();
    let mut tally = Tally::new(model);
    simm_sheet::read_sheet(sheet, model, |row| {
        rows.push((
            row.respondent.to_owned(),
            (0..model.attributes().len())
                .map(|index| row.attribute(index).map(str::to_owned))
                .collect(),
            row.answers.iter().map(|a| a.map(|a| a.get())).collect(),
        ));
        tally.add(row.answers);
    })
    .expect("the sheet reads");
    (rows, simm_core::score(model, &tally))
}

/// Held out: the import scores as the hand-written sheet does.
fn check(source: Source, export: &[u8], mapping: Option<&Mapping>, dropped: &[&str]) {
    let model = builtin_model();
    let converted = convert(source, export, mapping, &model)
        .unwrap_or_else(|error| panic!("{source}: {error}"));
    assert_eq!(converted.rows, 4, "{source}");
    let expected = read(&model, &fixture("expected.csv"));
    let imported = read(&model, converted.sheet.as_bytes());
    assert_eq!(imported.0, expected.0, "{source}: rows");
    assert_eq!(imported.1, expected.1, "{source}: scores");
    let headers: Vec<&str> = converted
        .dropped
        .iter()
        .map(|d| d.column.header.as_str())
        .collect();
    assert_eq!(headers, dropped, "{source}: dropped columns");
}

#[test]
fn qualtrics_with_three_header_rows() {
    let dropped = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
    ];
    check(
        Source::Qualtrics,
        &fixture("qualtrics.csv"),
        Some(&mapping("qualtrics.toml")),
        &dropped,
    );
}

#[test]
fn qualtrics_identifying_columns_are_reported_and_never_reach_the_sheet() {
    let model = builtin_model();
    let converted = convert(
        Source::Qualtrics,
        &fixture("qualtrics.csv"),
        Some(&mapping("qualtrics.toml")),
        &model,
    )
    .expect("converts");
    for secret in [
        "jane.doe@example.com",
        "198.51.100.7",
        "R_1aBcDeFgHiJkLmN",
        "Doe",
        "47.6062",
        "EMP-1001",
        "2026-03-02",
    ] {
        assert!(
            !converted.sheet.contains(secret),
            "{secret} leaked into the sheet"
        );
    }
    let reason = |header: &str| {
        converted
            .dropped
            .iter()
            .find(|d| d.column.header == header)
            .map(|d| d.reason)
    };
    assert_eq!(reason("RecipientEmail"), Some(DropReason::Email));
    assert_eq!(reason("IPAddress"), Some(DropReason::IpAddress));
    assert_eq!(reason("ResponseId"), Some(DropReason::ResponseId));
    assert_eq!(reason("LocationLatitude"), Some(DropReason::Location));
    assert_eq!(reason("StartDate"), Some(DropReason::Timestamp));
    let report = converted.dropped_report().join("\n");
    assert!(
        report.contains("dropped column L (12) \"RecipientEmail\": email address (identifies people; never reached simm)"),
        "{report}"
    );
}

#[test]
fn google_forms_with_quoted_line_ends_and_a_dropped_comment() {
    check(
        Source::GoogleForms,
        &fixture("google-forms.csv"),
        Some(&mapping("google-forms.toml")),
        &[
            "Timestamp",
            "Email Address",
            "Anything else you would like to tell us?",
        ],
    );
}

#[test]
fn limesurvey_with_question_and_answer_codes() {
    check(
        Source::LimeSurvey,
        &fixture("limesurvey-codes.csv"),
        Some(&mapping("limesurvey-codes.toml")),
        &[
            "id",
            "submitdate",
            "lastpage",
            "startlanguage",
            "seed",
            "startdate",
            "datestamp",
            "ipaddr",
            "refurl",
        ],
    );
}

#[test]
fn limesurvey_with_full_texts_needs_no_mapping() {
    check(
        Source::LimeSurvey,
        &fixture("limesurvey-text.csv"),
        None,
        &[
            "Response ID",
            "Date submitted",
            "Last page",
            "Start language",
            "Seed",
        ],
    );
}

/// A Microsoft Forms download as the tool lays it out: its six columns
/// about the response, then a column per Likert statement and the role.
fn microsoft_forms_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Last modified time",
    ]
    .into_iter()
    .chain(STATEMENTS)
    .chain(["Role"]);
    for (column, text) in header.enumerate() {
        sheet.write_string(0, column as u16, text).expect("writes");
    }
    for (index, (role, labels)) in ANSWERS.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_number(row, 0, f64::from(row)).expect("writes");
        sheet
            .write_string(row, 1, "3/2/26 9:01:12")
            .expect("writes");
        sheet
            .write_string(row, 2, "3/2/26 9:05:40")
            .expect("writes");
        sheet
            .write_string(row, 3, format!("person{row}@example.com"))
            .expect("writes");
        sheet
            .write_string(row, 4, format!("Person {row}"))
            .expect("writes");
        for (offset, label) in labels.iter().enumerate() {
            if !label.is_empty() {
                sheet
                    .write_string(row, 6 + offset as u16, *label)
                    .expect("writes");
            }
        }
        sheet.write_string(row, 10, *role).expect("writes");
    }
    workbook.save_to_buffer().expect("a workbook")
}

#[test]
fn microsoft_forms_xlsx() {
    check(
        Source::MicrosoftForms,
        &microsoft_forms_workbook(),
        None,
        &[
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Last modified time",
        ],
    );
}

#[test]
fn a_workbook_in_simms_own_layout_gets_fresh_respondent_ids() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, text) in [
        "respondent",
        "role",
        "VS-2-01",
        "VS-2-02",
        "VS-2-03",
        "VS-2-04",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string(0, column as u16, text).expect("writes");
    }
    let answers: [[Option<u8>; 4]; 4] = [
        [Some(5), Some(4), Some(3), None],
        [Some(4), Some(4), Some(2), Some(1)],
        [Some(2), Some(3), Some(5), Some(4)],
        [Some(1), None, Some(4), Some(5)],
    ];
    for (index, ((role, _), answers)) in ANSWERS.iter().zip(answers).enumerate() {
        let row = index as u32 + 1;
        sheet
            .write_string(row, 0, format!("alice{row}@example.com"))
            .expect("writes");
        sheet
            .write_string(row, 1, role.to_lowercase())
            .expect("writes");
        for (offset, answer) in answers.iter().enumerate() {
            if let Some(answer) = answer {
                sheet
                    .write_number(row, 2 + offset as u16, f64::from(*answer))
                    .expect("writes");
            }
        }
    }
    let export = workbook.save_to_buffer().expect("a workbook");
    check(Source::Xlsx, &export, None, &["respondent"]);
}

fn refused(source: Source, export: &[u8], mapping: Option<&Mapping>) -> String {
    convert(source, export, mapping, &builtin_model())
        .expect_err("refused")
        .to_string()
}

#[test]
fn an_unknown_label_names_row_column_value_and_the_nearest_label() {
    let export = String::from_utf8(fixture("google-forms.csv"))
        .expect("UTF-8")
        .replacen(
            "Strongly agree,Agree,Neither",
            "Strongly agee,Agree,Neither",
            1,
        );
    let error = refused(
        Source::GoogleForms,
        export.as_bytes(),
        Some(&mapping("google-forms.toml")),
    );
    assert!(
        error.starts_with(
            "row 2, column C (3) \"How far do you agree? [Our organisation …\" (114 characters): "
        ),
        "{error}"
    );
    assert!(
        error.contains("\"Strongly agee\": is not an answer label"),
        "{error}"
    );
    assert!(
        error.contains("did you mean \"Strongly agree\"?"),
        "{error}"
    );
}

#[test]
fn an_unmapped_column_is_refused_with_the_nearest_statement() {
    let error = refused(Source::GoogleForms, &fixture("google-forms.csv"), None);
    let lines: Vec<&str> = error.lines().collect();
    assert_eq!(lines.len(), 2, "{error}");
    assert!(
        lines[0].starts_with("column G (7) \"Your role\": is neither mapped"),
        "{error}"
    );
    assert!(
        lines[1].starts_with("column H (8) \"Anything else"),
        "{error}"
    );
}

#[test]
fn a_column_whose_statement_is_not_quite_the_models_suggests_it() {
    let export = String::from_utf8(fixture("limesurvey-text.csv"))
        .expect("UTF-8")
        .replace(
            "Our organisation has written plans",
            "Our company has written plans",
        );
    let error = refused(Source::LimeSurvey, export.as_bytes(), None);
    assert!(error.contains("did you mean item VS-2-01"), "{error}");
}

#[test]
fn a_duplicate_mapping_names_both_columns() {
    let map = Mapping::parse(
        "[columns]\n\"Q2\" = \"role\"\n\"Q1_2\" = \"VS-2-01\"\n",
        "map.toml",
    )
    .expect("parses");
    let error = refused(Source::Qualtrics, &fixture("qualtrics.csv"), Some(&map));
    assert!(
        error.contains("column S (19) \"Q1_2\": is mapped to item VS-2-01, as column R (18) \"Q1_1\" already is"),
        "{error}"
    );
}

#[test]
fn mapping_entries_that_fit_neither_export_nor_model_name_their_line() {
    let map = Mapping::parse(
        "[columns]\n\"Q2\" = \"rol\"\n\"Q7\" = \"VS-2-01\"\n",
        "map.toml",
    )
    .expect("parses");
    let error = refused(Source::Qualtrics, &fixture("qualtrics.csv"), Some(&map));
    assert!(
        error.contains("map.toml:2:8: column \"Q2\": \"rol\" is not an item or attribute of model smartsourcing; did you mean \"role\"?"),
        "{error}"
    );
    assert!(
        error.contains("map.toml:3:8: the export has no column \"Q7\""),
        "{error}"
    );
}

#[test]
fn an_unknown_attribute_value_says_the_declared_ones() {
    let export = String::from_utf8(fixture("limesurvey-text.csv"))
        .expect("UTF-8")
        .replace("\"Manager\"", "\"Manger\"");
    let error = refused(Source::LimeSurvey, export.as_bytes(), None);
    assert!(
        error.starts_with("row 2, column J (10) \"Role\": \"Manger\": "),
        "{error}"
    );
    assert!(error.contains("did you mean \"manager\"?"), "{error}");
}

#[test]
fn a_drafted_mapping_converts_the_export_and_marks_doubtful_matches() {
    let model = builtin_model();
    let export = fixture("limesurvey-codes.csv");
    let draft = Mapping::draft(Source::LimeSurvey, &export, &model).expect("drafts");
    // Codes say nothing about statements: every column is doubtful.
    assert!(draft.review > 0, "{}", draft.text);
    Mapping::parse(&draft.text, "draft.toml").unwrap_or_else(|e| panic!("{e}\n{}", draft.text));
    assert!(
        draft
            .text
            .contains("  \"G01Q01[SQ001]\", # review: matched no statement"),
        "{}",
        draft.text
    );

    let export = fixture("google-forms.csv");
    let draft = Mapping::draft(Source::GoogleForms, &export, &model).expect("drafts");
    let mapping =
        Mapping::parse(&draft.text, "draft.toml").unwrap_or_else(|e| panic!("{e}\n{}", draft.text));
    assert!(
        draft.text.contains("\"Your role\" = \"role\" # confidence"),
        "{}",
        draft.text
    );
    assert!(
        draft
            .text
            .contains("\"Strongly agree\" = 5 # confidence 1.00"),
        "{}",
        draft.text
    );
    let converted =
        convert(Source::GoogleForms, &export, Some(&mapping), &model).expect("converts");
    let expected = read(&model, &fixture("expected.csv"));
    assert_eq!(read(&model, converted.sheet.as_bytes()).1, expected.1);
}
