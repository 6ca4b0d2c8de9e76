//! The model's questionnaire in the import formats of other survey tools
//! (docs/import.md, "Exporting the questionnaire"), so that a consultant
//! can run the survey there and import the answers back with
//! `simm import`, which recognises the codes these files give.

mod limesurvey;
mod qualtrics;

use std::fmt;
use std::str::FromStr;

use simm_core::Model;

/// The format `simm template --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionnaireFormat {
    /// simm's own response sheet: its CSV header.
    Csv,
    /// LimeSurvey's tab-separated survey structure (a `.txt` file).
    LimeSurveyTsv,
    /// Qualtrics' Advanced Format TXT.
    QualtricsTxt,
}

impl QuestionnaireFormat {
    pub const ALL: [QuestionnaireFormat; 3] = [
        QuestionnaireFormat::Csv,
        QuestionnaireFormat::LimeSurveyTsv,
        QuestionnaireFormat::QualtricsTxt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            QuestionnaireFormat::Csv => "csv",
            QuestionnaireFormat::LimeSurveyTsv => "limesurvey-tsv",
            QuestionnaireFormat::QualtricsTxt => "qualtrics-txt",
        }
    }
}

impl fmt::Display for QuestionnaireFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for QuestionnaireFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        if let Some(format) = Self::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(wanted))
        {
            return Ok(format);
        }
        let names = Self::ALL.map(Self::name);
        // "limesurvey" is the tool, and too far from "limesurvey-tsv" for
        // an edit distance: a format the text begins is suggested too.
        let lower = wanted.to_ascii_lowercase();
        let hint = simm_core::did_you_mean(wanted, names)
            .or_else(|| {
                names
                    .into_iter()
                    .find(|name| !lower.is_empty() && name.starts_with(&lower))
            })
            .map(|name| format!("; did you mean {name:?}?"))
            .unwrap_or_default();
        Err(format!(
            "{} is not a questionnaire format; expected one of {}{hint}",
            simm_core::quote_value(wanted),
            names.join(", ")
        ))
    }
}

/// A model whose ids cannot be written as the tool's question codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QuestionnaireError(String);

/// The questionnaire of `model` in `format`.
pub fn questionnaire(
    model: &Model,
    format: QuestionnaireFormat,
) -> Result<String, QuestionnaireError> {
    match format {
        QuestionnaireFormat::Csv => Ok(crate::template(model)),
        QuestionnaireFormat::LimeSurveyTsv => {
            check_codes(model, format)?;
            Ok(limesurvey::structure(model))
        }
        QuestionnaireFormat::QualtricsTxt => {
            check_codes(model, format)?;
            Ok(qualtrics::advanced_format(model))
        }
    }
}

/// The question code an id becomes in LimeSurvey and Qualtrics, whose
/// codes are letters and digits only: `VS-2-01` is `VS201`. The import
/// recognises an item or attribute by this code, so the two directions
/// share this one rule.
pub fn survey_code(id: &str) -> String {
    id.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// The attributes a questionnaire asks about. The language is not asked:
/// the survey tool records the language it showed, and simm's own sheet
/// gives it a column of its own.
pub(crate) fn asked_attributes(model: &Model) -> impl Iterator<Item = &simm_core::Attribute> {
    model
        .attributes()
        .iter()
        .filter(|attribute| attribute.id.as_str() != simm_core::LANGUAGE_ATTRIBUTE)
}

/// LimeSurvey's question codes start with a letter and are at most 20
/// characters; two ids must not become one code.
const MAX_CODE_LEN: usize = 20;

fn check_codes(model: &Model, format: QuestionnaireFormat) -> Result<(), QuestionnaireError> {
    let ids = model
        .areas()
        .iter()
        .map(|area| ("area", area.id.as_str()))
        .chain(
            model
                .attributes()
                .iter()
                .map(|a| ("attribute", a.id.as_str())),
        )
        .chain(model.items().iter().map(|item| ("item", item.id.as_str())));
    let mut seen: Vec<(String, &str, &str)> = Vec::new();
    for (kind, id) in ids {
        let code = survey_code(id);
        if !code.starts_with(|c: char| c.is_ascii_alphabetic()) || code.len() > MAX_CODE_LEN {
            return Err(QuestionnaireError(format!(
                "{kind} {id:?} becomes question code {code:?}, but {format} needs codes that start with a letter and have at most {MAX_CODE_LEN} letters and digits; rename it in the model"
            )));
        }
        if let Some((_, other_kind, other)) = seen
            .iter()
            .find(|(seen, _, _)| seen.eq_ignore_ascii_case(&code))
        {
            return Err(QuestionnaireError(format!(
                "{kind} {id:?} and {other_kind} {other:?} both become question code {code:?} in {format}; rename one of them in the model"
            )));
        }
        seen.push((code, kind, id));
    }
    Ok(())
}

/// The texts a questionnaire shows, once over: the statements are grouped
/// by area, as the web questionnaire groups them.
fn area_question(area_name: &str) -> String {
    format!("How far do you agree with each statement about {area_name}?")
}

/// A text as the tools show it: HTML, on one line (their formats are
/// line-based), where a `<` or `&` of a statement shows as itself and a
/// `[[` cannot start a Qualtrics tag.
fn html(text: &str) -> String {
    one_line(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("[[", "[&#91;")
}

/// One line of text: the tools' formats are line-based.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_letters_and_digits() {
        assert_eq!(survey_code("VS-2-01"), "VS201");
        assert_eq!(survey_code("role"), "role");
        assert_eq!(survey_code("org.unit_2"), "orgunit2");
    }

    #[test]
    fn formats_parse_by_name_and_suggest_the_nearest() {
        for format in QuestionnaireFormat::ALL {
            assert_eq!(format.name().parse::<QuestionnaireFormat>(), Ok(format));
        }
        let error = "limesurvey".parse::<QuestionnaireFormat>().unwrap_err();
        assert!(
            error.contains("did you mean \"limesurvey-tsv\"?"),
            "{error}"
        );
    }
}
