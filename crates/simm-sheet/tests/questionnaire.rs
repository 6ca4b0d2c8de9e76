//! The round trip of `simm template --format limesurvey-tsv|qualtrics-txt`:
//! the questionnaire file is read here as the tool would read it (by its
//! published layout, not by simm's code), a response export is written
//! from it as the tool writes one, and the import of that export must
//! score as simm's own sheet with the same answers does.

use simm_core::{Model, Tally, builtin_model};
use simm_sheet::import::{Mapping, Source, convert};
use simm_sheet::{QuestionnaireFormat, questionnaire};

const RESPONDENTS: usize = 15;
const UNITS: [&str; 3] = ["Sales", "R&D", "Operations, Europe"];

/// Fixed answers for every respondent and item: a point, or `None` for
/// "don't know" or no answer; a linear congruential sequence, so the test
/// does not depend on a random crate.
fn answers(model: &Model) -> Vec<(usize, &'static str, Vec<Option<u8>>)> {
    let mut state: u64 = 0x5EED;
    let mut next = |modulo: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % modulo
    };
    (0..RESPONDENTS)
        .map(|_| {
            let role = next(4) as usize;
            let unit = UNITS[next(3) as usize];
            let points = model
                .items()
                .iter()
                .map(|_| match next(7) {
                    0 => None,
                    draw => Some(draw.min(5) as u8),
                })
                .collect();
            (role, unit, points)
        })
        .collect()
}

fn results(model: &Model, sheet: &[u8]) -> (usize, simm_core::Results) {
    let mut tally = Tally::new(model);
    let mut rows = 0;
    simm_sheet::read_sheet(sheet, model, |row| {
        rows += 1;
        tally.add(row.answers);
    })
    .expect("the sheet reads");
    (rows, simm_core::score(model, &tally))
}

/// simm's own sheet of the same answers, written by hand.
fn expected_sheet(model: &Model) -> String {
    let roles = model.attributes()[0]
        .values
        .clone()
        .expect("role lists values");
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["respondent".to_owned(), "role".into(), "unit".into()];
    header.extend(model.items().iter().map(|item| item.id.to_string()));
    writer.write_record(&header).unwrap();
    for (n, (role, unit, points)) in answers(model).into_iter().enumerate() {
        let mut record = vec![format!("r{n}"), roles[role].clone(), unit.to_owned()];
        record.extend(
            points
                .iter()
                .map(|p| p.map_or(String::new(), |p| p.to_string())),
        );
        writer.write_record(&record).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn check(source: Source, export: &str, mapping: Option<&Mapping>) {
    let model = builtin_model();
    let converted = convert(source, export.as_bytes(), mapping, &model)
        .unwrap_or_else(|error| panic!("{source}: {error}"));
    let imported = results(&model, converted.sheet.as_bytes());
    let expected = results(&model, expected_sheet(&model).as_bytes());
    assert_eq!(imported.0, RESPONDENTS, "{source}: rows");
    assert_eq!(
        imported, expected,
        "{source}: the import scores as simm's own sheet"
    );
    // The roles and units came through too, not only the answers.
    assert!(
        converted.sheet.contains("\"Operations, Europe\""),
        "{}",
        converted.sheet
    );
}

/// A LimeSurvey structure row, by the manual's column names.
struct LimeRow {
    class: String,
    kind: String,
    name: String,
    text: String,
}

fn limesurvey_rows(structure: &str) -> Vec<LimeRow> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_reader(structure.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (class, kind, name, text) = (
        column("class"),
        column("type/scale"),
        column("name"),
        column("text"),
    );
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            LimeRow {
                class: record[class].to_owned(),
                kind: record[kind].to_owned(),
                name: record[name].to_owned(),
                text: record[text].replace("&amp;", "&"),
            }
        })
        .collect()
}

/// A LimeSurvey "Export responses" CSV of the answers, with question-code
/// headings (`Q[SQ]` for an array's rows) or full question texts
/// (`Question [Subquestion]`), and answer codes or full answers.
fn limesurvey_export(structure: &str, model: &Model, codes: bool) -> String {
    let rows = limesurvey_rows(structure);
    // (heading, for each respondent the cell)
    let mut columns: Vec<(String, Vec<String>)> = vec![
        (
            "id".into(),
            (1..=RESPONDENTS).map(|n| n.to_string()).collect(),
        ),
        (
            "submitdate".into(),
            vec!["2026-11-30 10:00:00".into(); RESPONDENTS],
        ),
        ("lastpage".into(), vec!["5".into(); RESPONDENTS]),
        ("startlanguage".into(), vec!["en".into(); RESPONDENTS]),
        ("seed".into(), vec!["123456".into(); RESPONDENTS]),
    ];
    if !codes {
        let texts = [
            "Response ID",
            "Date submitted",
            "Last page",
            "Start language",
            "Seed",
        ];
        for (column, text) in columns.iter_mut().zip(texts) {
            column.0 = text.to_owned();
        }
    }
    let given = answers(model);
    let mut index = 0;
    let mut item = 0;
    while index < rows.len() {
        let row = &rows[index];
        index += 1;
        if row.class != "Q" {
            continue;
        }
        let answers: Vec<&LimeRow> = rows[index..]
            .iter()
            .take_while(|r| r.class == "A" || r.class == "SQ")
            .filter(|r| r.class == "A")
            .collect();
        let answer = |code: &str| -> String {
            if codes {
                code.to_owned()
            } else {
                answers
                    .iter()
                    .find(|a| a.name == code)
                    .map(|a| a.text.clone())
                    .unwrap()
            }
        };
        match row.kind.as_str() {
            "L" => {
                let heading = if codes {
                    row.name.clone()
                } else {
                    row.text.clone()
                };
                let cells = given
                    .iter()
                    .map(|(role, _, _)| answer(&answers[*role].name))
                    .collect();
                columns.push((heading, cells));
            }
            "S" => {
                let heading = if codes {
                    row.name.clone()
                } else {
                    row.text.clone()
                };
                columns.push((
                    heading,
                    given.iter().map(|(_, unit, _)| unit.to_string()).collect(),
                ));
            }
            "F" => {
                for sub in rows[index..]
                    .iter()
                    .take_while(|r| r.class != "G" && r.class != "Q")
                    .filter(|r| r.class == "SQ")
                {
                    let heading = if codes {
                        format!("{}[{}]", row.name, sub.name)
                    } else {
                        format!("{} [{}]", row.text, sub.text)
                    };
                    let cells = given
                        .iter()
                        .map(|(_, _, points)| match points[index_of(model, &sub.text)] {
                            Some(point) => answer(&point.to_string()),
                            None => answer("DK"),
                        })
                        .collect();
                    columns.push((heading, cells));
                    item += 1;
                }
            }
            other => panic!("unexpected question type {other}"),
        }
    }
    assert_eq!(item, model.items().len(), "every item is a subquestion");
    write_csv(&columns, &[])
}

/// The model's item a statement shows: the files are grouped by area, the
/// model by stage.
fn index_of(model: &Model, statement: &str) -> usize {
    model
        .items()
        .iter()
        .position(|item| item.text == statement)
        .unwrap_or_else(|| panic!("{statement:?} is no statement of the model"))
}

fn write_csv(columns: &[(String, Vec<String>)], extra_header_rows: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    writer
        .write_record(columns.iter().map(|c| c.0.as_str()))
        .unwrap();
    for row in extra_header_rows {
        writer.write_record(row).unwrap();
    }
    for respondent in 0..RESPONDENTS {
        writer
            .write_record(columns.iter().map(|c| c.1[respondent].as_str()))
            .unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

#[test]
fn limesurvey_structure_round_trips_with_codes() {
    let model = builtin_model();
    let structure = questionnaire(&model, QuestionnaireFormat::LimeSurveyTsv).unwrap();
    let export = limesurvey_export(&structure, &model, true);
    // Answer codes of a listed attribute say nothing by themselves; the
    // mapping names them (docs/import.md).
    let mapping = Mapping::parse(
        r#"[columns]
"role" = { attribute = "role", values = { "A1" = "executive", "A2" = "manager", "A3" = "employee", "A4" = "partner" } }
"#,
        "role.toml",
    )
    .unwrap();
    check(Source::LimeSurvey, &export, Some(&mapping));
}

#[test]
fn limesurvey_structure_round_trips_with_full_texts_and_no_mapping() {
    let model = builtin_model();
    let structure = questionnaire(&model, QuestionnaireFormat::LimeSurveyTsv).unwrap();
    check(
        Source::LimeSurvey,
        &limesurvey_export(&structure, &model, false),
        None,
    );
}

#[test]
fn limesurvey_structure_has_its_classes_in_order() {
    let model = builtin_model();
    let rows = limesurvey_rows(&questionnaire(&model, QuestionnaireFormat::LimeSurveyTsv).unwrap());
    let count = |class: &str| rows.iter().filter(|r| r.class == class).count();
    assert_eq!(
        count("G"),
        model.areas().len() + 1,
        "an attribute group and one per area"
    );
    assert_eq!(count("SQ"), model.items().len());
    // Question codes are letters and digits, starting with a letter.
    for row in rows.iter().filter(|r| r.class == "Q" || r.class == "SQ") {
        assert!(
            row.name.chars().all(|c| c.is_ascii_alphanumeric()),
            "{}",
            row.name
        );
        assert!(
            row.name.starts_with(|c: char| c.is_ascii_alphabetic()),
            "{}",
            row.name
        );
    }
    // The survey keeps no IP addresses and is anonymized.
    assert!(
        rows.iter()
            .any(|r| r.class == "S" && r.name == "anonymized" && r.text == "Y")
    );
    assert!(
        rows.iter()
            .any(|r| r.class == "S" && r.name == "ipaddr" && r.text == "N")
    );
}

/// A Qualtrics Advanced Format question, by its tags.
struct QualtricsQuestion {
    kind: String,
    id: String,
    text: String,
    choices: Vec<String>,
    answers: Vec<String>,
}

fn qualtrics_questions(txt: &str) -> Vec<QualtricsQuestion> {
    assert!(txt.starts_with("[[AdvancedFormat]]"));
    let mut questions: Vec<QualtricsQuestion> = Vec::new();
    let mut list: Option<&str> = None;
    for line in txt.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let line = line.replace("&amp;", "&");
        if let Some(kind) = line
            .strip_prefix("[[Question:")
            .and_then(|r| r.strip_suffix("]]"))
        {
            questions.push(QualtricsQuestion {
                kind: kind.to_owned(),
                id: String::new(),
                text: String::new(),
                choices: Vec::new(),
                answers: Vec::new(),
            });
            list = None;
        } else if let Some(id) = line
            .strip_prefix("[[ID:")
            .and_then(|r| r.strip_suffix("]]"))
        {
            questions.last_mut().unwrap().id = id.to_owned();
        } else if line == "[[Choices]]" {
            list = Some("choices");
        } else if line == "[[Answers]]" {
            list = Some("answers");
        } else if line.starts_with("[[") {
            list = None;
        } else if let Some(question) = questions.last_mut() {
            match list {
                Some("choices") => question.choices.push(line),
                Some("answers") => question.answers.push(line),
                _ => question.text = line,
            }
        }
    }
    questions
}

/// Qualtrics' CSV download of the answers: field names (a matrix row is
/// `ID_n`), question texts (`Question - Statement`), ImportIds, then the
/// choice texts.
fn qualtrics_export(txt: &str, model: &Model) -> String {
    let given = answers(model);
    let fields = [
        ("StartDate", "Start Date"),
        ("EndDate", "End Date"),
        ("Status", "Response Type"),
        ("IPAddress", "IP Address"),
        ("Progress", "Progress"),
        ("Duration (in seconds)", "Duration (in seconds)"),
        ("Finished", "Finished"),
        ("RecordedDate", "Recorded Date"),
        ("ResponseId", "Response ID"),
        ("DistributionChannel", "Distribution Channel"),
        ("UserLanguage", "User Language"),
    ];
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    let mut texts = Vec::new();
    let mut import_ids = Vec::new();
    for (name, text) in fields {
        columns.push((name.to_owned(), vec!["x".to_owned(); RESPONDENTS]));
        texts.push(text.to_owned());
        import_ids.push(format!("{{\"ImportId\":\"{name}\"}}"));
    }
    let mut item = 0;
    for (number, question) in qualtrics_questions(txt).iter().enumerate() {
        let qid = format!("QID{}", number + 1);
        match question.kind.as_str() {
            "MC:SingleAnswer:Vertical" => {
                columns.push((
                    question.id.clone(),
                    given
                        .iter()
                        .map(|(role, _, _)| question.choices[*role].clone())
                        .collect(),
                ));
                texts.push(question.text.clone());
                import_ids.push(format!("{{\"ImportId\":\"{qid}\"}}"));
            }
            "TE:SingleLine" => {
                columns.push((
                    question.id.clone(),
                    given.iter().map(|(_, unit, _)| unit.to_string()).collect(),
                ));
                texts.push(question.text.clone());
                import_ids.push(format!("{{\"ImportId\":\"{qid}_TEXT\"}}"));
            }
            "Matrix" => {
                for (row, statement) in question.choices.iter().enumerate() {
                    let cells = given
                        .iter()
                        .map(|(_, _, points)| match points[index_of(model, statement)] {
                            Some(point) => question.answers[usize::from(point) - 1].clone(),
                            None => question.answers.last().unwrap().clone(),
                        })
                        .collect();
                    columns.push((format!("{}_{}", question.id, row + 1), cells));
                    texts.push(format!("{} - {statement}", question.text));
                    import_ids.push(format!("{{\"ImportId\":\"{qid}_{}\"}}", row + 1));
                    item += 1;
                }
            }
            other => panic!("unexpected question type {other}"),
        }
    }
    assert_eq!(item, model.items().len(), "every item is a matrix row");
    write_csv(&columns, &[texts, import_ids])
}

#[test]
fn qualtrics_advanced_format_round_trips_with_no_mapping() {
    let model = builtin_model();
    let txt = questionnaire(&model, QuestionnaireFormat::QualtricsTxt).unwrap();
    let questions = qualtrics_questions(&txt);
    // Every attribute but the language, which Qualtrics records itself.
    assert_eq!(
        questions.len(),
        model.attributes().len() - 1 + model.areas().len()
    );
    let matrix = questions.iter().find(|q| q.kind == "Matrix").unwrap();
    assert_eq!(
        matrix.answers.len(),
        usize::from(model.scale().points) + 1,
        "the scale and don't know"
    );
    check(Source::Qualtrics, &qualtrics_export(&txt, &model), None);
}

#[test]
fn ids_that_become_one_code_are_refused_with_both_named() {
    let text = simm_core::BUILTIN_MODEL_SOURCE
        .replacen("id = \"VS-2-02\"", "id = \"VS-20-1\"", 1)
        .replace("items.VS-2-02]", "items.VS-20-1]");
    let model = Model::parse(&text).expect("still a valid model");
    // VS-20-1 and VS-2-01 are both VS201.
    let error = questionnaire(&model, QuestionnaireFormat::QualtricsTxt)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("\"VS-20-1\"") && error.contains("\"VS-2-01\"") && error.contains("VS201"),
        "{error}"
    );
    // simm's own sheet has no such limit.
    assert!(questionnaire(&model, QuestionnaireFormat::Csv).is_ok());
}
