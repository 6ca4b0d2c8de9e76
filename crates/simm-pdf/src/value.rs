//! The data a document shows, written as one typst value (a dictionary of
//! strings, numbers, arrays and dictionaries) that the layout reads.
//!
//! User text (organisation names, statements, practices) only ever
//! reaches typst inside a string literal, which typst never parses as
//! markup: `#set`, `*`, `$`, `@`, `<script>` or `//` in a name come out as
//! the characters they are. The layout shows strings with `#x` (as text),
//! never through `eval`.

use std::fmt::Write as _;

/// A typst value under construction.
pub(crate) enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    Array(Vec<Value>),
    Dict(Vec<(&'static str, Value)>),
}

impl Value {
    pub(crate) fn str(text: impl Into<String>) -> Self {
        Value::Str(text.into())
    }

    /// A string, or `none` for an empty one, so that the layout can leave
    /// out what the view leaves empty.
    pub(crate) fn text_or_none(text: &str) -> Self {
        if text.is_empty() {
            Value::None
        } else {
            Value::str(text)
        }
    }

    pub(crate) fn strings<'a>(texts: impl IntoIterator<Item = &'a String>) -> Self {
        Value::Array(texts.into_iter().map(Value::str).collect())
    }

    /// The value as typst code.
    pub(crate) fn to_code(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Str(text) => out.push_str(&string_literal(text)),
            Value::Int(number) => {
                let _ = write!(out, "{number}");
            }
            Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
            Value::None => out.push_str("none"),
            Value::Array(items) => {
                out.push('(');
                for item in items {
                    item.write(out);
                    out.push_str(", ");
                }
                out.push(')');
            }
            Value::Dict(fields) => {
                if fields.is_empty() {
                    out.push_str("(:)");
                    return;
                }
                out.push('(');
                for (key, value) in fields {
                    out.push_str(key);
                    out.push_str(": ");
                    value.write(out);
                    out.push_str(",\n");
                }
                out.push(')');
            }
        }
    }
}

/// `text` as a typst string literal. Inside one, only the backslash and
/// the double quote are special; line ends and tabs are escaped so that
/// a literal stays on one line, and other control characters (which the
/// core's text rules keep out of names, but a sheet's statements could
/// hold) become `\u{…}` escapes.
pub(crate) fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_escape_what_typst_strings_treat_specially() {
        let check = |text: &str, expected: &str| {
            assert_eq!(string_literal(text), expected, "for {text:?}");
        };
        check("plain", "\"plain\"");
        check("a \"quote\"", "\"a \\\"quote\\\"\"");
        check("back\\slash", "\"back\\\\slash\"");
        check("two\nlines", "\"two\\nlines\"");
        check("bell\u{7}", "\"bell\\u{7}\"");
        // Markup is inert inside a string: nothing to escape.
        check(
            "#set text(red) *b* $x$ @ref <script> // c",
            "\"#set text(red) *b* $x$ @ref <script> // c\"",
        );
    }

    #[test]
    fn values_nest() {
        let value = Value::Dict(vec![
            ("name", Value::str("A")),
            ("n", Value::Int(3)),
            ("list", Value::Array(vec![Value::Bool(true), Value::None])),
            ("empty", Value::Dict(vec![])),
        ]);
        assert_eq!(
            value.to_code(),
            "(name: \"A\",\nn: 3,\nlist: (true, none, ),\nempty: (:),\n)"
        );
    }
}
