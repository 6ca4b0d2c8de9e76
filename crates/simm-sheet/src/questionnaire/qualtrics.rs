//! Qualtrics' Advanced Format TXT ("Import and export surveys", Preparing
//! an Advanced Format TXT file): `[[AdvancedFormat]]`, then a
//! `[[Block:…]]` per area holding one `[[Question:Matrix]]` whose
//! `[[Choices]]` are the area's statements and whose `[[Answers]]` are the
//! scale's labels and "Don't know"; attributes come first, as single-answer
//! multiple choice where the model lists values, else a one-line text
//! entry. Question ids (`[[ID:…]]`) are the codes the import recognises;
//! Qualtrics' CSV download then names a matrix row `ID_n` with the text
//! "Question - Statement", which the import matches by its statement.

use std::fmt::Write;

use simm_core::Model;

use super::{area_question, html, one_line, survey_code};

pub(super) fn advanced_format(model: &Model) -> String {
    let mut out = String::from("[[AdvancedFormat]]\n\n");
    let line = |out: &mut String, text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    if super::asked_attributes(model).next().is_some() {
        line(&mut out, "[[Block:About you]]\n");
        for attribute in super::asked_attributes(model) {
            match &attribute.values {
                Some(values) => {
                    line(&mut out, "[[Question:MC:SingleAnswer:Vertical]]");
                    line(
                        &mut out,
                        &format!("[[ID:{}]]", survey_code(attribute.id.as_str())),
                    );
                    line(&mut out, &html(&attribute.name));
                    line(&mut out, "[[Choices]]");
                    for value in values {
                        line(&mut out, &html(value));
                    }
                }
                None => {
                    line(&mut out, "[[Question:TE:SingleLine]]");
                    line(
                        &mut out,
                        &format!("[[ID:{}]]", survey_code(attribute.id.as_str())),
                    );
                    line(&mut out, &html(&attribute.name));
                }
            }
            out.push('\n');
        }
    }
    for area in model.areas() {
        let _ = writeln!(out, "[[Block:{}]]\n", one_line(&area.name));
        line(&mut out, "[[Question:Matrix]]");
        line(
            &mut out,
            &format!("[[ID:{}]]", survey_code(area.id.as_str())),
        );
        line(&mut out, &html(&area_question(&area.name)));
        line(&mut out, "[[Choices]]");
        for item in model.items().iter().filter(|item| item.area == area.id) {
            line(&mut out, &html(&item.text));
        }
        line(&mut out, "[[Answers]]");
        for label in &model.scale().labels {
            line(&mut out, &html(label));
        }
        line(&mut out, "Don't know");
        out.push('\n');
    }
    out
}
