//! LimeSurvey's CSV export of responses. Its headings are question codes
//! (`G01Q01`, `G01Q02[SQ001]`), full question texts (`Question
//! [Subquestion]`) or both (`G01Q01. Question`); its answers are answer
//! codes (`A1`) or full answer texts. The response's own fields come first:
//! `id`, `submitdate`, `lastpage`, `startlanguage`, `seed`, and with
//! timings or tracking also `startdate`, `datestamp`, `ipaddr`, `refurl`
//! (or their full texts: "Response ID", "Date submitted", …).

use super::error::ImportError;
use super::table::{Table, csv_records, with_header_row};

pub(crate) fn read(export: &[u8]) -> Result<Table, ImportError> {
    let mut table = with_header_row(csv_records(export)?)?;
    for column in &mut table.columns {
        // "Question code & question text" headings: "G01Q01. Text".
        if let Some((code, text)) = column.header.split_once(". ")
            && !code.is_empty()
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "[]_".contains(c))
        {
            let (code, text) = (code.to_owned(), text.trim().to_owned());
            column.aliases.push(code);
            column.aliases.push(text);
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_and_text_headings_give_both_as_names() {
        let table = read(b"id,G01Q01. Our plans are written\n1,A1\n").expect("readable");
        assert_eq!(
            table.columns[1].aliases,
            ["G01Q01", "Our plans are written"]
        );
        assert!(table.columns[0].aliases.is_empty());
    }
}
