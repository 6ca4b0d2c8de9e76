//! Locales: the languages a model's texts are written in, as BCP 47 tags,
//! and how a respondent's preferences pick one of them.

use std::fmt;

use serde::Serialize;

/// A language tag such as `en`, `de` or `pt-BR`: a language, an optional
/// script and an optional region, in their canonical case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Locale(String);

/// Why a text is not a language tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a language tag; write a language code such as \"en\", \"de\" or \"fr\", optionally with a region such as \"pt-BR\""
)]
pub struct LocaleError(String);

impl Locale {
    pub fn parse(text: &str) -> Result<Locale, LocaleError> {
        let invalid = || LocaleError(text.to_owned());
        let mut parts = text.split(['-', '_']);
        let language = parts.next().unwrap_or_default();
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic())
        {
            return Err(invalid());
        }
        let mut tag = language.to_ascii_lowercase();
        let mut rest: Vec<&str> = parts.collect();
        if let Some(script) = rest.first().filter(|s| s.len() == 4) {
            if !script.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(invalid());
            }
            tag.push('-');
            tag.push_str(&script[..1].to_ascii_uppercase());
            tag.push_str(&script[1..].to_ascii_lowercase());
            rest.remove(0);
        }
        match rest.as_slice() {
            [] => {}
            [region]
                if (region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic()))
                    || (region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit())) =>
            {
                tag.push('-');
                tag.push_str(&region.to_ascii_uppercase());
            }
            _ => return Err(invalid()),
        }
        Ok(Locale(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language alone: `pt` for `pt-BR`.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// The best of `available` for someone who prefers `preferred`, most
    /// preferred first: the first preference that is available exactly, or
    /// failing that whose language is (`de-CH` takes `de`, `de` takes
    /// `de-AT`), or `None` when no preference matches.
    pub fn best_match<'a, 'p>(
        available: &'a [Locale],
        preferred: impl IntoIterator<Item = &'p str>,
    ) -> Option<&'a Locale> {
        for wanted in preferred {
            let Ok(wanted) = Locale::parse(wanted.trim()) else {
                continue;
            };
            if let Some(exact) = available.iter().find(|locale| **locale == wanted) {
                return Some(exact);
            }
            if let Some(same_language) = available
                .iter()
                .find(|locale| locale.language() == wanted.language())
            {
                return Some(same_language);
            }
        }
        None
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Locale;

    fn check(text: &str, expected: Option<&str>) {
        assert_eq!(
            Locale::parse(text).ok().as_ref().map(Locale::as_str),
            expected,
            "{text:?}"
        );
    }

    #[test]
    fn tags_are_read_in_their_canonical_case_or_refused() {
        check("en", Some("en"));
        check("DE", Some("de"));
        check("pt-br", Some("pt-BR"));
        check("pt_BR", Some("pt-BR"));
        check("zh-hant-tw", Some("zh-Hant-TW"));
        check("es-419", Some("es-419"));
        check("gsw", Some("gsw"));
        for bad in [
            "", "e", "english", "en-", "en-GBR", "e1", "en-US-x", "de DE",
        ] {
            check(bad, None);
        }
    }

    #[test]
    fn the_best_match_prefers_exact_then_the_same_language() {
        let available: Vec<Locale> = ["en", "de", "fr-CA"]
            .iter()
            .map(|t| Locale::parse(t).unwrap())
            .collect();
        let best = |preferred: &[&'static str]| {
            Locale::best_match(&available, preferred.iter().copied()).map(Locale::as_str)
        };
        assert_eq!(best(&["de-CH", "en"]), Some("de"));
        assert_eq!(best(&["fr"]), Some("fr-CA"));
        assert_eq!(best(&["it", "fr-FR", "en"]), Some("fr-CA"));
        assert_eq!(best(&["*", "en"]), Some("en"));
        assert_eq!(best(&["it", "es"]), None);
    }
}
