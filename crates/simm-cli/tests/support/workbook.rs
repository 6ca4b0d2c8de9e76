//! Reading a workbook back with calamine, and the held-out check that
//! every number in its results' sheets is the number the results JSON
//! holds: the JSON is walked on its own, each value looked up in the
//! sheets by its key columns, and afterwards every numeric cell must have
//! been looked up by some value of the JSON.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use serde_json::Value;

pub struct Book {
    pub names: Vec<String>,
    pub sheets: BTreeMap<String, Vec<Vec<Data>>>,
    /// How many formulas each sheet holds (there must be none).
    pub formulas: BTreeMap<String, usize>,
    checked: RefCell<BTreeSet<(String, usize, usize)>>,
}

pub fn read(bytes: &[u8]) -> Book {
    let mut xlsx: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx");
    let names = xlsx.sheet_names();
    let mut sheets = BTreeMap::new();
    let mut formulas = BTreeMap::new();
    for name in &names {
        let range = xlsx.worksheet_range(name).expect("a sheet");
        assert_eq!(range.start(), Some((0, 0)), "{name} starts in A1");
        sheets.insert(name.clone(), range.rows().map(<[Data]>::to_vec).collect());
        let formula = xlsx.worksheet_formula(name).expect("formulas");
        formulas.insert(
            name.clone(),
            formula
                .used_cells()
                .filter(|(_, _, f)| !f.is_empty())
                .count(),
        );
    }
    Book {
        names,
        sheets,
        formulas,
        checked: RefCell::default(),
    }
}

impl Book {
    pub fn rows(&self, sheet: &str) -> &[Vec<Data>] {
        self.sheets
            .get(sheet)
            .unwrap_or_else(|| panic!("no sheet {sheet} in {:?}", self.names))
    }

    pub fn column(&self, sheet: &str, title: &str) -> usize {
        self.rows(sheet)[0]
            .iter()
            .position(|cell| cell == &Data::String(title.to_owned()))
            .unwrap_or_else(|| panic!("{sheet} has no column {title}"))
    }

    /// The one row whose key columns hold the given texts.
    pub fn row(&self, sheet: &str, keys: &[(&str, &str)]) -> usize {
        let columns: Vec<(usize, &str)> = keys
            .iter()
            .map(|(title, value)| (self.column(sheet, title), *value))
            .collect();
        let found: Vec<usize> = (1..self.rows(sheet).len())
            .filter(|&row| {
                columns.iter().all(|(column, value)| {
                    self.rows(sheet)[row].get(*column).map_or("", text) == *value
                })
            })
            .collect();
        assert_eq!(found.len(), 1, "{sheet}: rows with {keys:?}: {found:?}");
        found[0]
    }

    pub fn cell(&self, sheet: &str, row: usize, title: &str) -> &Data {
        let column = self.column(sheet, title);
        self.rows(sheet)[row].get(column).unwrap_or(&Data::Empty)
    }

    /// The cell equals the JSON number exactly, or is empty for null.
    pub fn check(&self, sheet: &str, keys: &[(&str, &str)], title: &str, expected: &Value) {
        let row = self.row(sheet, keys);
        let column = self.column(sheet, title);
        let cell = self.cell(sheet, row, title);
        match expected {
            Value::Null => assert_eq!(cell, &Data::Empty, "{sheet} {keys:?} {title}"),
            number => {
                let expected = number
                    .as_f64()
                    .unwrap_or_else(|| panic!("{number} is a number"));
                assert_same(cell, expected, &format!("{sheet} {keys:?} {title}"));
            }
        }
        self.checked
            .borrow_mut()
            .insert((sheet.to_owned(), row, column));
    }

    /// Every numeric cell of these sheets was checked against the JSON.
    pub fn all_numbers_checked(&self, sheets: &[&str]) {
        let checked = self.checked.borrow();
        for sheet in sheets {
            for (row, cells) in self.rows(sheet).iter().enumerate() {
                for (column, cell) in cells.iter().enumerate() {
                    if matches!(cell, Data::Float(_) | Data::Int(_)) {
                        assert!(
                            checked.contains(&((*sheet).to_owned(), row, column)),
                            "{sheet} row {row} column {column} holds {cell:?}, which no JSON value accounts for"
                        );
                    }
                }
            }
        }
    }
}

pub fn text(cell: &Data) -> &str {
    match cell {
        Data::String(text) => text,
        _ => "",
    }
}

const RESULT_SHEETS: [&str; 6] = [
    "Summary",
    "Areas",
    "Stage fulfilment",
    "Items",
    "Consensus",
    "Groups",
];

/// Walks the results JSON and finds each of its numbers in the sheets.
pub fn check_results(book: &Book, json: &Value) {
    let summary = |measure: &str, value: &Value| {
        book.check("Summary", &[("Measure", measure)], "Value", value)
    };
    summary("Respondents", &json["respondents"]);
    summary("Threshold", &json["threshold"]);
    summary("Overall stage", &json["overall"]["stage"]);
    summary("Overall score", &json["overall"]["score"]);
    let interval = &json["overall"]["score_interval"];
    summary("Overall score low", &interval["low"]);
    summary("Overall score high", &interval["high"]);
    summary("Common language", &json["common_language"]);
    summary("Interval level", &json["uncertainty"]["level"]);
    summary("Bootstrap replicates", &json["uncertainty"]["replicates"]);
    summary("Anonymity minimum", &json["anonymity_min"]);

    for area in json["areas"].as_array().unwrap() {
        let id = area["id"].as_str().unwrap();
        let key = [("Area id", id)];
        book.check("Areas", &key, "Stage", &area["stage"]);
        book.check("Areas", &key, "Score", &area["score"]);
        book.check("Areas", &key, "Score low", &area["score_interval"]["low"]);
        book.check("Areas", &key, "Score high", &area["score_interval"]["high"]);
        book.check("Areas", &key, "Consensus", &area["consensus"]);
        book.check("Consensus", &key, "Consensus", &area["consensus"]);
        book.check("Areas", &key, "Next stage", &area["gap"]["next_stage"]);
        book.check(
            "Areas",
            &key,
            "Next stage in place",
            &area["gap"]["fulfilment"],
        );
        let recommended: Vec<&str> = area["gap"]["min_items"]
            .as_array()
            .map(|items| items.iter().map(|i| i.as_str().unwrap()).collect())
            .unwrap_or_default();
        let row = book.row("Areas", &key);
        assert_eq!(
            text(book.cell("Areas", row, "Recommended items")),
            recommended.join(", ")
        );
        for (level, probability) in area["stage_probability"].as_object().into_iter().flatten() {
            book.check("Areas", &key, &format!("P(stage {level})"), probability);
        }
        for (level, fulfilment) in area["fulfilment"].as_object().unwrap() {
            // The stage is a number: the row is found by the area's text
            // and the level's number.
            let rows = book.rows("Stage fulfilment");
            let area_column = book.column("Stage fulfilment", "Area id");
            let stage_column = book.column("Stage fulfilment", "Stage");
            let level_number: f64 = level.parse().unwrap();
            let found: Vec<usize> = (1..rows.len())
                .filter(|&r| {
                    text(&rows[r][area_column]) == id
                        && rows[r][stage_column] == Data::Float(level_number)
                })
                .collect();
            assert_eq!(found.len(), 1, "{id} stage {level}");
            let r = found[0];
            let interval = &area["fulfilment_interval"][level];
            for (title, value) in [
                ("Stage", &Value::from(level_number)),
                ("In place", fulfilment),
                ("Low", &interval["low"]),
                ("High", &interval["high"]),
            ] {
                book.check_at("Stage fulfilment", r, title, value);
            }
        }
    }
    for item in json["items"].as_array().unwrap() {
        let key = [("Item id", item["id"].as_str().unwrap())];
        book.check("Items", &key, "Stage", &item["stage"]);
        book.check("Items", &key, "Answered", &item["answered"]);
        book.check("Items", &key, "In place", &item["fulfilment"]);
        let interval = &item["fulfilment_interval"];
        book.check("Items", &key, "In place low", &interval["low"]);
        book.check("Items", &key, "In place high", &interval["high"]);
        book.check("Items", &key, "r_wg", &item["rwg"]);
    }
    // The count of weak statements per area, computed from the items.
    for area in json["areas"].as_array().unwrap() {
        let id = area["id"].as_str().unwrap();
        let weak = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|item| item["area"] == id && item["rwg"].as_f64().is_some_and(|r| r < 0.5))
            .count();
        book.check(
            "Consensus",
            &[("Area id", id)],
            "Statements with weak consensus",
            &Value::from(weak),
        );
    }
    for group in json["groups"].as_array().into_iter().flatten() {
        let label = group["value"].as_str().unwrap_or("(not given)");
        let key = [("Group", label)];
        book.check("Groups", &key, "Respondents", &group["respondents"]);
        let row = book.row("Groups", &key);
        if group["suppressed"] == true {
            assert!(
                text(book.cell("Groups", row, "Hidden")).contains("hidden"),
                "{label} says why it is hidden"
            );
            continue;
        }
        book.check("Groups", &key, "Overall score", &group["overall"]["score"]);
        book.check("Groups", &key, "Overall stage", &group["overall"]["stage"]);
        book.check("Groups", &key, "Common language", &group["common_language"]);
        for area in group["areas"].as_array().unwrap() {
            let title = format!("{} score", area["id"].as_str().unwrap());
            book.check("Groups", &key, &title, &area["score"]);
        }
    }
    book.all_numbers_checked(&RESULT_SHEETS);
}

impl Book {
    pub fn check_at(&self, sheet: &str, row: usize, title: &str, expected: &Value) {
        let column = self.column(sheet, title);
        let cell = self.cell(sheet, row, title);
        match expected.as_f64() {
            None => assert_eq!(cell, &Data::Empty, "{sheet} row {row} {title}"),
            Some(expected) => assert_same(cell, expected, &format!("{sheet} row {row} {title}")),
        }
        self.checked
            .borrow_mut()
            .insert((sheet.to_owned(), row, column));
    }
}

/// One part of the workbook's zip (`xl/styles.xml`, a sheet's XML) as text.
pub fn zipped_text(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("no {name} in the workbook"))
        .read_to_string(&mut text)
        .expect("UTF-8 XML");
    text
}

/// The cell holds the JSON's number. The workbook's `<v>` is Rust's
/// shortest round-trip text, read back exactly; serde_json without its
/// `float_roundtrip` feature may parse the JSON's text one unit in the
/// last place off, so that much, and no more, is allowed.
fn assert_same(cell: &Data, expected: f64, what: &str) {
    let Data::Float(value) = cell else {
        panic!("{what}: {cell:?} is not the number {expected}");
    };
    let apart = (value.to_bits() as i64 - expected.to_bits() as i64).unsigned_abs();
    assert!(apart <= 1, "{what}: {value} is not {expected}");
}
