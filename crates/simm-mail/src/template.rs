//! Invitation and reminder texts: a subject and a body with placeholders,
//! checked when the consultant writes them and rendered for each message
//! as plain text and as HTML, every value escaped for the part it goes in.

use std::fmt::Write;

use simm_core::{did_you_mean, refused_character};

/// The longest subject, in characters: mail clients show far fewer.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The longest body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;

/// What a template may name between braces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    Organization,
    Assessment,
    Deadline,
    Link,
    AnonymityMin,
}

impl Placeholder {
    pub const ALL: [Placeholder; 5] = [
        Placeholder::Organization,
        Placeholder::Assessment,
        Placeholder::Deadline,
        Placeholder::Link,
        Placeholder::AnonymityMin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Organization => "organization",
            Placeholder::Assessment => "assessment",
            Placeholder::Deadline => "deadline",
            Placeholder::Link => "link",
            Placeholder::AnonymityMin => "anonymity_min",
        }
    }

    fn parse(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Placeholder),
}

/// A subject and a body, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    subject: Vec<Piece>,
    body: Vec<Piece>,
    subject_source: String,
    body_source: String,
}

/// What is wrong with a template: the field (`subject` or `body`), and
/// for a placeholder, its line and column in that field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}{place}: {problem}")]
pub struct TemplateError {
    pub field: &'static str,
    place: String,
    pub problem: String,
}

/// The values a message is rendered with.
#[derive(Debug, Clone)]
pub struct Values<'a> {
    pub organization: &'a str,
    pub assessment: &'a str,
    /// The deadline in words, or `None` when the assessment has none.
    pub deadline: Option<&'a str>,
    /// The respondent's personal link.
    pub link: &'a str,
    pub anonymity_min: u32,
}

impl Values<'_> {
    /// A value on one line: a control character in a stored name (which
    /// the stores refuse, but a template must not rely on that) becomes a
    /// space, so that no value can break a line of the message.
    fn get(&self, placeholder: Placeholder) -> String {
        let value = match placeholder {
            Placeholder::Organization => self.organization.to_owned(),
            Placeholder::Assessment => self.assessment.to_owned(),
            Placeholder::Deadline => self
                .deadline
                .unwrap_or("the close of the assessment")
                .to_owned(),
            Placeholder::Link => self.link.to_owned(),
            Placeholder::AnonymityMin => self.anonymity_min.to_string(),
        };
        value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    }
}

/// A message's texts, ready for the two parts of a multipart message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line: values' control characters are replaced by spaces, so
    /// that nothing can start another header.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The line every message ends with, whatever the template says: why
/// the respondent got it and what becomes of the address.
const FOOTER: &str = "You receive this message because {organization} invited you to this assessment. Your address is used only to send you this invitation and its reminders; it is never linked to your answers, and it is deleted when the assessment closes.";

pub const DEFAULT_INVITATION_SUBJECT: &str = "{organization}: your view on how we innovate";
pub const DEFAULT_INVITATION_BODY: &str = "Hello,

{organization} is assessing how it innovates ({assessment}), and your view counts. The questionnaire takes about 15 minutes. You can stop at any time and come back: every answer is saved as you give it.

Your personal link: {link}

Please answer by {deadline}.

Your answers are anonymous: results are shown only for groups of at least {anonymity_min} people, and your answers are never linked to your name or your address.";

pub const DEFAULT_REMINDER_SUBJECT: &str = "Reminder: {organization} would like your view";
pub const DEFAULT_REMINDER_BODY: &str = "Hello,

A reminder: {organization} would still like your view on how it innovates ({assessment}). If you have started already, your link takes you back to where you stopped.

Your personal link: {link}

Please answer by {deadline}.

Your answers are anonymous: results are shown only for groups of at least {anonymity_min} people, and your answers are never linked to your name or your address.";

impl Template {
    /// Checks a subject and a body: lengths, characters (no line break in
    /// the subject), known placeholders, and `{link}` in the body (and
    /// not in the subject, where mail logs would keep it).
    pub fn parse(subject: &str, body: &str) -> Result<Template, TemplateError> {
        let subject_source = subject.trim().to_owned();
        let body_source = body.replace("\r\n", "\n").trim().to_owned();
        let plain = |field, problem: String| TemplateError {
            field,
            place: String::new(),
            problem,
        };
        let subject_chars = subject_source.chars().count();
        if subject_chars == 0 {
            return Err(plain("subject", "is empty".into()));
        }
        if subject_chars > MAX_SUBJECT_CHARS {
            return Err(plain(
                "subject",
                format!("must be at most {MAX_SUBJECT_CHARS} characters, not {subject_chars}"),
            ));
        }
        if let Some(problem) = refused_character(&subject_source) {
            return Err(plain(
                "subject",
                format!("{problem}: a subject is one line"),
            ));
        }
        let body_chars = body_source.chars().count();
        if body_chars == 0 {
            return Err(plain("body", "is empty; it must hold {link}".into()));
        }
        if body_chars > MAX_BODY_CHARS {
            return Err(plain(
                "body",
                format!("must be at most {MAX_BODY_CHARS} characters, not {body_chars}"),
            ));
        }
        let without_breaks: String = body_source.replace(['\n', '\t'], " ");
        if let Some(problem) = refused_character(&without_breaks) {
            return Err(plain("body", problem));
        }
        let subject_pieces = pieces("subject", &subject_source)?;
        let body_pieces = pieces("body", &body_source)?;
        if subject_pieces.contains(&Piece::Value(Placeholder::Link)) {
            return Err(plain(
                "subject",
                "holds {link}; the personal link goes in the body only".into(),
            ));
        }
        if !body_pieces.contains(&Piece::Value(Placeholder::Link)) {
            return Err(plain(
                "body",
                "must hold {link}, where each respondent's personal link goes".into(),
            ));
        }
        Ok(Template {
            subject: subject_pieces,
            body: body_pieces,
            subject_source,
            body_source,
        })
    }

    pub fn default_invitation() -> Template {
        Template::parse(DEFAULT_INVITATION_SUBJECT, DEFAULT_INVITATION_BODY)
            .expect("the default invitation is a valid template")
    }

    pub fn default_reminder() -> Template {
        Template::parse(DEFAULT_REMINDER_SUBJECT, DEFAULT_REMINDER_BODY)
            .expect("the default reminder is a valid template")
    }

    /// The subject as written (trimmed), to store.
    pub fn subject_source(&self) -> &str {
        &self.subject_source
    }

    /// The body as written (trimmed, with `\n` line ends), to store.
    pub fn body_source(&self) -> &str {
        &self.body_source
    }

    /// The message for one recipient.
    pub fn render(&self, values: &Values<'_>) -> Rendered {
        let subject = plain_text(&self.subject, values);
        let footer = pieces("footer", FOOTER).expect("the footer is a valid template");
        let text = format!(
            "{}\n\n-- \n{}\n",
            plain_text(&self.body, values),
            plain_text(&footer, values)
        );
        let mut html = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
        );
        html.push_str(&escape(&subject));
        html.push_str("</title>\n</head>\n<body style=\"font-family: system-ui, sans-serif; line-height: 1.5; max-width: 40em; color: #1a1a1a\">\n");
        html.push_str(&html_paragraphs(&self.body, values));
        html.push_str("<hr style=\"border: none; border-top: 1px solid #ccc\">\n<p style=\"color: #555; font-size: 90%\">");
        html.push_str(&html_inline(&footer, values));
        html.push_str("</p>\n</body>\n</html>\n");
        Rendered {
            subject,
            text,
            html,
        }
    }
}

/// Splits a text into literal runs and placeholders. `{{` and `}}` stand
/// for braces.
fn pieces(field: &'static str, source: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = source.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|&(_, next)| next) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|&(_, next)| next) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let rest = &source[at + 1..];
                let Some(end) = rest.find('}') else {
                    return Err(placed(
                        field,
                        source,
                        at,
                        "has a { that is never closed; write {{ for a brace".into(),
                    ));
                };
                let name = &rest[..end];
                let Some(placeholder) = Placeholder::parse(name.trim()) else {
                    let names = Placeholder::ALL.map(Placeholder::name);
                    let hint = match did_you_mean(name.trim(), names) {
                        Some(suggestion) => format!("; did you mean {{{suggestion}}}?"),
                        None => ".".to_owned(),
                    };
                    return Err(placed(
                        field,
                        source,
                        at,
                        format!(
                            "{} is not a placeholder{hint} The placeholders are {}; write {{{{ for a brace",
                            simm_core::quote_value(&format!("{{{name}}}")),
                            names.map(|n| format!("{{{n}}}")).join(", "),
                        ),
                    ));
                };
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Value(placeholder));
                for _ in 0..name.chars().count() + 1 {
                    chars.next();
                }
            }
            '}' => {
                return Err(placed(
                    field,
                    source,
                    at,
                    "has a } that closes nothing; write }} for a brace".into(),
                ));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

fn placed(field: &'static str, source: &str, at: usize, problem: String) -> TemplateError {
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    TemplateError {
        field,
        place: format!(" line {line}, column {column}"),
        problem,
    }
}

fn plain_text(pieces: &[Piece], values: &Values<'_>) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Value(placeholder) => out.push_str(&values.get(*placeholder)),
        }
    }
    out
}

/// The pieces as HTML on one line: texts and values escaped, the link an
/// anchor.
fn html_inline(pieces: &[Piece], values: &Values<'_>) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(&escape(text)),
            Piece::Value(Placeholder::Link) => {
                let link = escape(values.link);
                let _ = write!(out, "<a href=\"{link}\">{link}</a>");
            }
            Piece::Value(placeholder) => out.push_str(&escape(&values.get(*placeholder))),
        }
    }
    out
}

/// The body as HTML paragraphs: a blank line starts a paragraph, a line
/// break stays one. Values hold no line breaks, so the breaks come from
/// the template's own text.
fn html_paragraphs(pieces: &[Piece], values: &Values<'_>) -> String {
    let inline = html_inline(pieces, values);
    let mut out = String::new();
    for paragraph in inline
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        out.push_str("<p>");
        out.push_str(&paragraph.replace('\n', "<br>\n"));
        out.push_str("</p>\n");
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values<'static> {
        Values {
            organization: "Acme <b>&</b> \"Sons\"",
            assessment: "Baseline 2026",
            deadline: Some("15 December 2026, 17:00 (Europe/Berlin)"),
            link: "https://simm.example/r/abc?x=1&y=\"2\"",
            anonymity_min: 5,
        }
    }

    fn check(subject: &str, body: &str, expected: Result<(), &str>) {
        match (Template::parse(subject, body), expected) {
            (Ok(_), Ok(())) => {}
            (Err(error), Err(needle)) => {
                assert!(
                    error.to_string().contains(needle),
                    "{subject:?} / {body:?}: {error}"
                )
            }
            (got, want) => panic!("{subject:?} / {body:?}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn templates_are_checked_with_the_place_of_each_problem() {
        check("Hi {organization}", "Go: {link}", Ok(()));
        check(
            "Braces {{ and }}",
            "{{link}} is literal, {link} is not",
            Ok(()),
        );
        check("", "{link}", Err("subject: is empty"));
        check(
            "Hi\r\nBcc: eve@example.com",
            "{link}",
            Err("subject: must not contain control characters"),
        );
        check("Hi", "No link here", Err("body: must hold {link}"));
        check("Hi {link}", "{link}", Err("subject: holds {link}"));
        check(
            "Hi",
            "Hello\nfrom {organisation}\n{link}",
            Err(
                "body line 2, column 6: \"{organisation}\" is not a placeholder; did you mean {organization}?",
            ),
        );
        check(
            "Hi",
            "{link} {nonsense}",
            Err(
                "body line 1, column 8: \"{nonsense}\" is not a placeholder. The placeholders are {organization}",
            ),
        );
        check(
            "Hi {",
            "{link}",
            Err("subject line 1, column 4: has a { that is never closed"),
        );
        check(
            "Hi }",
            "{link}",
            Err("subject line 1, column 4: has a } that closes nothing"),
        );
        check(
            "Hi",
            "{link}\u{0007}",
            Err("body: must not contain control characters"),
        );
        check(&"s".repeat(201), "{link}", Err("at most 200 characters"));
        check(
            "Hi",
            &format!("{{link}}{}", "b".repeat(10_000)),
            Err("at most 10000 characters"),
        );
    }

    #[test]
    fn every_value_is_escaped_in_the_html_and_plain_in_the_text() {
        let template = Template::parse(
            "{organization} asks: {assessment}",
            "Hello,\n\n{organization} would like your view.\nLink: {link}\n\nBy {deadline}; groups of {anonymity_min}. {{literal}}",
        )
        .unwrap();
        let rendered = template.render(&values());
        assert_eq!(
            rendered.subject,
            "Acme <b>&</b> \"Sons\" asks: Baseline 2026"
        );
        assert!(rendered.text.starts_with("Hello,\n\nAcme <b>&</b> \"Sons\" would like your view.\nLink: https://simm.example/r/abc?x=1&y=\"2\"\n\nBy 15 December 2026, 17:00 (Europe/Berlin); groups of 5. {literal}\n\n-- \nYou receive this message because Acme <b>&</b> \"Sons\" invited you"), "{}", rendered.text);
        assert!(rendered.html.contains("<p>Acme &lt;b&gt;&amp;&lt;/b&gt; &quot;Sons&quot; would like your view.<br>\nLink: <a href=\"https://simm.example/r/abc?x=1&amp;y=&quot;2&quot;\">https://simm.example/r/abc?x=1&amp;y=&quot;2&quot;</a></p>"), "{}", rendered.html);
        assert!(rendered.html.contains(
            "<title>Acme &lt;b&gt;&amp;&lt;/b&gt; &quot;Sons&quot; asks: Baseline 2026</title>"
        ));
        assert!(!rendered.html.contains("<b>"));
        assert!(rendered.html.contains("{literal}"));
    }

    #[test]
    fn a_missing_deadline_reads_as_the_close() {
        let mut values = values();
        values.deadline = None;
        let rendered = Template::default_invitation().render(&values);
        assert!(
            rendered
                .text
                .contains("Please answer by the close of the assessment.")
        );
    }

    #[test]
    fn a_value_with_a_line_break_cannot_break_the_subject() {
        let mut values = values();
        values.organization = "Acme\r\nBcc: eve@example.com";
        let rendered = Template::parse("{organization}", "{link}")
            .unwrap()
            .render(&values);
        assert_eq!(rendered.subject, "Acme  Bcc: eve@example.com");
    }

    #[test]
    fn the_defaults_parse() {
        for template in [Template::default_invitation(), Template::default_reminder()] {
            assert!(template.render(&values()).text.contains(values().link));
        }
    }
}
