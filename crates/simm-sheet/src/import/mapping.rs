//! The mapping file: which column of an export is which item or
//! attribute, what its answer labels mean, and which columns to drop
//! (docs/import.md, "The mapping file").

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use simm_core::{Answer, line_column, quote_value};
use toml::Spanned;

/// Where an entry is in the mapping file, 1-based, as editors show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    pub line: usize,
    pub column: usize,
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RuleTarget {
    /// `"Q1" = "VS-2-01"`: an item or attribute id, whichever the model has.
    Id(String),
    Item(String),
    Attribute(String),
}

/// What an answer label means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabelValue {
    Point(u8),
    DontKnow,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label {
    pub text: String,
    pub value: LabelValue,
    pub at: At,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnRule {
    pub header: String,
    pub target: RuleTarget,
    /// Answer labels of this column only; they come before the shared ones.
    pub labels: Vec<Label>,
    /// Attribute values: the export's text and the model's value.
    pub values: Vec<(String, String, At)>,
    pub at: At,
}

/// A parsed mapping file. It is checked against the export and the model
/// by [`convert`](super::convert), which names the file's lines in its
/// problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub(crate) file: String,
    pub(crate) drop: Vec<(String, At)>,
    pub(crate) columns: Vec<ColumnRule>,
    pub(crate) labels: Vec<Label>,
}

/// A mapping file that is not a mapping, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct MappingError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[serde(default)]
    drop: Vec<Spanned<String>>,
    #[serde(default)]
    columns: BTreeMap<String, Spanned<RawColumn>>,
    #[serde(default)]
    labels: BTreeMap<String, Spanned<RawLabel>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawColumn {
    Id(String),
    Detailed(RawDetailed),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDetailed {
    item: Option<String>,
    attribute: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, RawLabel>,
    #[serde(default)]
    values: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawLabel {
    Number(i64),
    Text(String),
}

impl Mapping {
    /// Parses a mapping file; `file` names it in messages.
    pub fn parse(text: &str, file: &str) -> Result<Mapping, MappingError> {
        let error_at = |span: Range<usize>, message: String| {
            let (line, column) = line_column(text, span.start);
            MappingError {
                file: file.to_owned(),
                line,
                column,
                message,
            }
        };
        let raw: RawMapping = toml::from_str(text).map_err(|error| {
            let message = error.message().trim().to_owned();
            error_at(error.span().unwrap_or(0..0), message)
        })?;
        let at = |span: Range<usize>| {
            let (line, column) = line_column(text, span.start);
            At { line, column }
        };
        let mut mapping = Mapping {
            file: file.to_owned(),
            drop: Vec::new(),
            columns: Vec::new(),
            labels: Vec::new(),
        };
        for header in raw.drop {
            let span = header.span();
            mapping
                .drop
                .push((header.into_inner().trim().to_owned(), at(span)));
        }
        for (header, column) in raw.columns {
            let span = column.span();
            let (target, labels, values) = match column.into_inner() {
                RawColumn::Id(id) => (RuleTarget::Id(id), BTreeMap::new(), BTreeMap::new()),
                RawColumn::Detailed(detailed) => {
                    let target = match (detailed.item, detailed.attribute) {
                        (Some(item), None) => RuleTarget::Item(item),
                        (None, Some(attribute)) => RuleTarget::Attribute(attribute),
                        _ => {
                            return Err(error_at(
                                span,
                                format!(
                                    "column {} needs either `item` or `attribute`, not both or neither",
                                    quote_value(&header)
                                ),
                            ));
                        }
                    };
                    (target, detailed.labels, detailed.values)
                }
            };
            let mut rule = ColumnRule {
                header: header.trim().to_owned(),
                target,
                labels: Vec::new(),
                values: Vec::new(),
                at: at(span.clone()),
            };
            for (text, value) in labels {
                let value = label_value(&value).map_err(|message| {
                    error_at(
                        span.clone(),
                        format!("label {}: {message}", quote_value(&text)),
                    )
                })?;
                rule.labels.push(Label {
                    text: text.trim().to_owned(),
                    value,
                    at: rule.at,
                });
            }
            rule.values = values
                .into_iter()
                .map(|(text, value)| (text.trim().to_owned(), value, rule.at))
                .collect();
            mapping.columns.push(rule);
        }
        for (text, value) in raw.labels {
            let span = value.span();
            let parsed = label_value(value.get_ref()).map_err(|message| {
                error_at(
                    span.clone(),
                    format!("label {}: {message}", quote_value(&text)),
                )
            })?;
            mapping.labels.push(Label {
                text: text.trim().to_owned(),
                value: parsed,
                at: at(span),
            });
        }
        mapping
            .columns
            .sort_by_key(|rule| (rule.at.line, rule.at.column));
        mapping
            .labels
            .sort_by_key(|label| (label.at.line, label.at.column));
        mapping.check_duplicates()?;
        Ok(mapping)
    }

    /// Refuses a header that is both mapped and dropped, or dropped twice,
    /// and shared labels that differ only in case: labels match ignoring
    /// case, so such a pair would be ambiguous.
    fn check_duplicates(&self) -> Result<(), MappingError> {
        let error = |at: At, message: String| MappingError {
            file: self.file.clone(),
            line: at.line,
            column: at.column,
            message,
        };
        for (index, (header, at)) in self.drop.iter().enumerate() {
            if let Some(rule) = self
                .columns
                .iter()
                .find(|rule| rule.header.eq_ignore_ascii_case(header))
            {
                return Err(error(
                    *at,
                    format!(
                        "column {} is dropped here and mapped on line {}; keep one",
                        quote_value(header),
                        rule.at.line
                    ),
                ));
            }
            if self.drop[..index]
                .iter()
                .any(|(other, _)| other.eq_ignore_ascii_case(header))
            {
                return Err(error(
                    *at,
                    format!("column {} is dropped twice", quote_value(header)),
                ));
            }
        }
        let mut seen: Vec<&Label> = Vec::new();
        for label in &self.labels {
            if let Some(first) = seen
                .iter()
                .find(|first| first.text.eq_ignore_ascii_case(&label.text))
            {
                return Err(error(
                    label.at,
                    format!(
                        "label {} is given twice (also on line {}); labels match ignoring case",
                        quote_value(&label.text),
                        first.at.line
                    ),
                ));
            }
            seen.push(label);
        }
        Ok(())
    }

    /// The mapping file's name, for messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    pub(crate) fn place(&self, at: At) -> String {
        format!("{}:{}:{}", self.file, at.line, at.column)
    }
}

fn label_value(raw: &RawLabel) -> Result<LabelValue, String> {
    let expected = "expected a scale point (a whole number from 1) or \"don't know\"";
    match raw {
        RawLabel::Number(number) => u8::try_from(*number)
            .ok()
            .filter(|point| *point >= 1)
            .map(LabelValue::Point)
            .ok_or_else(|| format!("{number} is not a scale point; {expected}")),
        RawLabel::Text(text) => {
            let trimmed = text.trim();
            if trimmed.is_empty()
                || Answer::DONT_KNOW
                    .iter()
                    .any(|dk| trimmed.eq_ignore_ascii_case(dk))
            {
                Ok(LabelValue::DontKnow)
            } else {
                trimmed
                    .parse::<u8>()
                    .ok()
                    .filter(|point| *point >= 1)
                    .map(LabelValue::Point)
                    .ok_or_else(|| {
                        format!("{} is not a scale point; {expected}", quote_value(text))
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_reads_columns_labels_and_drops_in_file_order() {
        let mapping = Mapping::parse(
            r#"
drop = ["Q9_TEXT"]

[columns]
"Q2" = { item = "VS-2-02", labels = { "Yes" = 5, "No" = 1 } }
"Q1" = "VS-2-01"
"Your role" = { attribute = "role", values = { "Staff" = "employee" } }

[labels]
"Strongly agree" = 5
"Not sure" = "don't know"
"#,
            "map.toml",
        )
        .expect("a valid mapping");
        assert_eq!(mapping.drop[0].0, "Q9_TEXT");
        let headers: Vec<&str> = mapping.columns.iter().map(|r| r.header.as_str()).collect();
        assert_eq!(headers, ["Q2", "Q1", "Your role"]);
        assert_eq!(mapping.columns[1].target, RuleTarget::Id("VS-2-01".into()));
        assert_eq!(mapping.columns[0].labels.len(), 2);
        assert_eq!(
            mapping.columns[2].values,
            [("Staff".into(), "employee".into(), mapping.columns[2].at)]
        );
        assert_eq!(mapping.labels[1].value, LabelValue::DontKnow);
        assert_eq!(mapping.columns[0].at, At { line: 5, column: 8 });
    }

    fn check_refused(text: &str, expected: &str) {
        let error = Mapping::parse(text, "map.toml").unwrap_err().to_string();
        assert!(error.starts_with("map.toml:"), "{error}");
        assert!(error.contains(expected), "{error:?} lacks {expected:?}");
    }

    #[test]
    fn bad_mappings_are_refused_with_file_line_and_column() {
        check_refused("[columns]\n\"Q1\" = 3\n", "map.toml:2:");
        check_refused("[columns]\n\"Q1\" = \"A\"\n\"Q1\" = \"B\"\n", "map.toml:3:");
        check_refused("colums = 1\n", "unknown field `colums`");
        check_refused(
            "[columns]\n\"Q1\" = { item = \"A\", attribute = \"role\" }\n",
            "map.toml:2:8: column \"Q1\" needs either `item` or `attribute`",
        );
        check_refused(
            "[labels]\n\"Agree\" = 0\n",
            "map.toml:2:11: label \"Agree\": 0 is not a scale point",
        );
        check_refused(
            "[labels]\n\"Agree\" = 4\n\"agree\" = 5\n",
            "label \"agree\" is given twice (also on line 2)",
        );
        check_refused(
            "drop = [\"Q1\"]\n[columns]\n\"Q1\" = \"A\"\n",
            "map.toml:1:9: column \"Q1\" is dropped here and mapped on line 3",
        );
    }
}
