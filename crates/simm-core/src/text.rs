//! What a name, a title or an attribute value typed in may hold. The web's
//! API and console and the invitation sheets all check their texts here, so
//! that none stores what another refuses.

use crate::model::Attribute;

/// The longest name, title or free-text value accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// A text as it is stored: trimmed, `None` when empty, at most
/// [`MAX_TEXT_CHARS`] characters and free of [refused
/// characters](refused_character). The error says what is wrong, for the
/// caller to prefix with the field, row or column.
pub fn check_text(text: &str) -> Result<Option<&str>, String> {
    // Counted as sent, before trimming, as the API document's maxLength
    // counts it.
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(format!(
            "must be at most {MAX_TEXT_CHARS} characters, not {chars}"
        ));
    }
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Some(problem) = refused_character(text) {
        return Err(problem);
    }
    Ok(Some(text))
}

/// Why `text` may not be stored, if it holds a character no name may
/// hold: a control character (NUL, BEL, a line break…), or a
/// bidirectional formatting character, which shows text in another order
/// than it is stored in, so that a name could pass for another one (with
/// U+202E, "Acme\u{202E}cod.exe" shows as "Acmeexe.doc").
pub fn refused_character(text: &str) -> Option<String> {
    let found = text
        .chars()
        .find(|&c| c.is_control() || is_bidi_format(c))?;
    let code = u32::from(found);
    Some(if found.is_control() {
        format!("must not contain control characters; it holds U+{code:04X}")
    } else {
        format!(
            "must not contain bidirectional formatting characters, which change the order text is shown in; it holds U+{code:04X}"
        )
    })
}

/// The marks, embeddings, overrides and isolates of the Unicode
/// bidirectional algorithm (UAX #9).
fn is_bidi_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// One attribute value of an invitation, from the API's JSON, the
/// console's form or a pasted sheet alike: checked as [`check_text`], then
/// against the attribute's declared values ([`Attribute::value`]), and
/// returned in the declared spelling. `None` for an empty value, which
/// presets nothing.
pub fn attribute_value<'a>(
    attribute: &'a Attribute,
    text: &'a str,
) -> Result<Option<&'a str>, String> {
    let Some(value) = check_text(text)? else {
        return Ok(None);
    };
    attribute
        .value(value)
        .map(Some)
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<Option<&str>, &str>) {
        assert_eq!(
            check_text(text),
            expected.map_err(str::to_owned),
            "{text:?}"
        );
    }

    #[test]
    fn texts_are_trimmed_bounded_and_free_of_hidden_characters() {
        check("  Acme ", Ok(Some("Acme")));
        check(" ", Ok(None));
        check("Ünïcödé ok", Ok(Some("Ünïcödé ok")));
        check(
            "A\u{7}",
            Err("must not contain control characters; it holds U+0007"),
        );
        check(
            "A\0B",
            Err("must not contain control characters; it holds U+0000"),
        );
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            let problem = check_text(&format!("Acme{c}cod.exe")).unwrap_err();
            assert!(
                problem.starts_with("must not contain bidirectional formatting characters")
                    && problem.ends_with(&format!("U+{:04X}", u32::from(c))),
                "{c:?}: {problem}"
            );
        }
        // Joiners are part of ordinary text (emoji, Indic scripts).
        check("a\u{200D}b", Ok(Some("a\u{200D}b")));
        check(
            &"x".repeat(201),
            Err("must be at most 200 characters, not 201"),
        );
    }
}
