//! A model in several languages: the `locales` a model file lists, the
//! `[translations.<locale>]` tables that give every text in each language
//! but the first, and the model rendered in one of them.
//!
//! The first locale is the language of the model's own texts. Every other
//! one must translate every text, no more and no less, so that a
//! respondent never meets a statement in another language halfway through
//! and a report never mixes two.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::locale::Locale;
use crate::model::Model;
use crate::model_file::Report;
use crate::suggest::did_you_mean;

/// The attribute that records the language a response was given in; a
/// model in several languages must declare it, with the locales as values.
pub const LANGUAGE_ATTRIBUTE: &str = "language";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTranslation {
    title: Option<Spanned<String>>,
    scale: Option<Spanned<RawScaleText>>,
    #[serde(default)]
    stages: BTreeMap<String, Spanned<RawStageText>>,
    #[serde(default)]
    areas: BTreeMap<String, Spanned<RawAreaText>>,
    #[serde(default)]
    attributes: BTreeMap<String, Spanned<RawAttributeText>>,
    #[serde(default)]
    items: BTreeMap<String, Spanned<RawItemText>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScaleText {
    labels: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStageText {
    name: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    characteristics: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAreaText {
    name: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttributeText {
    name: Option<Spanned<String>>,
    values: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItemText {
    text: Option<Spanned<String>>,
    practice: Option<Spanned<String>>,
}

/// The ids a model file declares, whether or not each was valid.
pub(crate) struct Declared {
    pub areas: Vec<String>,
    pub attributes: Vec<String>,
    pub items: Vec<String>,
}

/// Every text of a model in one language, in the model's order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Translation {
    pub locale: Locale,
    pub title: String,
    pub scale_labels: Vec<String>,
    pub stages: Vec<StageText>,
    pub areas: Vec<AreaText>,
    pub attributes: Vec<AttributeText>,
    pub items: Vec<ItemText>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StageText {
    pub name: String,
    pub description: String,
    pub characteristics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AreaText {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AttributeText {
    pub name: String,
    /// The label of each declared value, in the order of the values.
    pub value_labels: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ItemText {
    pub text: String,
    pub practice: String,
}

/// The model's own texts, as the translation of its first locale.
fn source_texts(model: &Model, locale: Locale) -> Translation {
    Translation {
        locale,
        title: model.title.clone(),
        scale_labels: model.scale.labels.clone(),
        stages: model
            .stages
            .iter()
            .map(|stage| StageText {
                name: stage.name.clone(),
                description: stage.description.clone(),
                characteristics: stage.characteristics.clone(),
            })
            .collect(),
        areas: model
            .areas
            .iter()
            .map(|area| AreaText {
                name: area.name.clone(),
                description: area.description.clone(),
            })
            .collect(),
        attributes: model
            .attributes
            .iter()
            .map(|attribute| AttributeText {
                name: attribute.name.clone(),
                value_labels: attribute.values.clone(),
            })
            .collect(),
        items: model
            .items
            .iter()
            .map(|item| ItemText {
                text: item.text.clone(),
                practice: item.practice.clone(),
            })
            .collect(),
    }
}

/// Reads `locales` and `translations` against the model built from the
/// rest of the file, and gives the model its locales and texts.
pub(crate) fn build(
    raw_locales: Option<Spanned<Vec<Spanned<String>>>>,
    raw_translations: Option<Spanned<BTreeMap<String, Spanned<RawTranslation>>>>,
    declared: &Declared,
    model: &mut Model,
    report: &mut Report<'_>,
) {
    let english = Locale::parse("en").expect("a valid tag");
    let Some(raw_locales) = raw_locales else {
        if let Some((_, first)) = raw_translations
            .as_ref()
            .and_then(|t| t.get_ref().iter().next())
        {
            report.error(
                first.span(),
                "the model gives translations but no `locales`; list the language of its own texts first, then each translation's, e.g. locales = [\"en\", \"de\"]",
            );
        }
        model.translations = vec![source_texts(model, english.clone())];
        model.locales = vec![english.clone()];
        model.locale = english;
        return;
    };
    let locales_span = raw_locales.span();
    let mut locales: Vec<Locale> = Vec::new();
    for raw in raw_locales.get_ref() {
        match Locale::parse(raw.get_ref()) {
            Ok(locale) if locales.contains(&locale) => {
                report.error(raw.span(), format!("the locale {locale} is listed twice"))
            }
            Ok(locale) => locales.push(locale),
            Err(error) => report.error(raw.span(), format!("in `locales`: {error}")),
        }
    }
    if raw_locales.get_ref().is_empty() {
        report.error(
            locales_span.clone(),
            "`locales` is empty; list at least the language of the model's own texts",
        );
    }
    let source = locales.first().cloned().unwrap_or(english);
    check_language_attribute(model, &locales, locales_span.clone(), report);
    let mut translations = vec![source_texts(model, source.clone())];
    let raw_translations = raw_translations
        .map(Spanned::into_inner)
        .unwrap_or_default();
    for (key, raw) in &raw_translations {
        let listed = Locale::parse(key)
            .ok()
            .and_then(|locale| locales.iter().position(|l| *l == locale));
        match listed {
            Some(0) => report.error(
                raw.span(),
                format!(
                    "translations.{key}: {source} is the language of the model's own texts, so it needs no translation"
                ),
            ),
            Some(position) => {
                let locale = locales[position].clone();
                translations.push(translate(model, declared, locale, key, raw, report));
            }
            None => {
                let hint = did_you_mean(key, locales.iter().map(Locale::as_str))
                    .map(|l| format!("; did you mean {l:?}?"))
                    .unwrap_or_default();
                report.error(
                    raw.span(),
                    format!(
                        "translations.{key}: {key:?} is not one of the model's `locales` ({}){hint}",
                        join(&locales)
                    ),
                );
            }
        }
    }
    for locale in locales.iter().skip(1) {
        if !translations.iter().any(|t| &t.locale == locale) {
            report.error(
                locales_span.clone(),
                format!(
                    "the locale {locale} is listed but the model has no [translations.{locale}]"
                ),
            );
        }
    }
    // In the order of `locales`, so that the first is the source.
    translations.sort_by_key(|t| locales.iter().position(|l| *l == t.locale));
    model.locale = source;
    model.locales = locales;
    model.translations = translations;
}

fn join(locales: &[Locale]) -> String {
    locales
        .iter()
        .map(Locale::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A model in several languages records each response's language in the
/// `language` attribute, so results and calibration can be grouped by it
/// and the privacy policy counts it like any other attribute.
fn check_language_attribute(
    model: &Model,
    locales: &[Locale],
    span: std::ops::Range<usize>,
    report: &mut Report<'_>,
) {
    if locales.len() < 2 {
        return;
    }
    let expected = locales
        .iter()
        .map(|l| format!("{:?}", l.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let declared = model
        .attributes
        .iter()
        .find(|attribute| attribute.id.as_str() == LANGUAGE_ATTRIBUTE);
    let matches = declared.is_some_and(|attribute| {
        attribute.values.as_ref().is_some_and(|values| {
            values.len() == locales.len()
                && locales
                    .iter()
                    .all(|locale| values.iter().any(|v| v == locale.as_str()))
        })
    });
    if !matches {
        report.error(
            span,
            format!(
                "a model in several languages records the language of each response: declare [[attributes]] with id = \"language\" and values = [{expected}]"
            ),
        );
    }
}

/// Reads one `[translations.<locale>]` table: every text of the model, in
/// the model's order, with what is missing or extra reported.
fn translate(
    model: &Model,
    declared: &Declared,
    locale: Locale,
    key: &str,
    raw: &Spanned<RawTranslation>,
    report: &mut Report<'_>,
) -> Translation {
    let at = raw.span();
    let table = raw.get_ref();
    let text = |value: Option<&Spanned<String>>,
                source: &str,
                path: String,
                missing_at: std::ops::Range<usize>,
                report: &mut Report<'_>| {
        match value {
            None if source.trim().is_empty() => String::new(),
            None => {
                report.error(missing_at, format!("translations.{key} lacks {path}"));
                source.to_owned()
            }
            Some(value) if value.get_ref().trim().is_empty() => {
                report.error(value.span(), format!("{path} cannot be empty"));
                source.to_owned()
            }
            Some(value) => value.get_ref().clone(),
        }
    };
    let title = text(
        table.title.as_ref(),
        &model.title,
        "`title`".to_owned(),
        at.clone(),
        report,
    );

    let scale_labels = match table
        .scale
        .as_ref()
        .and_then(|s| s.get_ref().labels.as_ref())
    {
        None => {
            let span = table.scale.as_ref().map_or(at.clone(), Spanned::span);
            report.error(
                span,
                format!("translations.{key} lacks `scale.labels`, one per point of the scale"),
            );
            model.scale.labels.clone()
        }
        Some(labels) => {
            let given = labels.get_ref();
            if given.len() != model.scale.labels.len() {
                report.error(
                    labels.span(),
                    format!(
                        "translations.{key}.scale.labels has {} labels; the scale has {} points",
                        given.len(),
                        model.scale.labels.len()
                    ),
                );
            }
            let mut out = Vec::new();
            for (index, source) in model.scale.labels.iter().enumerate() {
                // A short list is reported once, above.
                out.push(match given.get(index) {
                    None => source.clone(),
                    given => text(
                        given,
                        source,
                        format!("scale label {}", index + 1),
                        labels.span(),
                        report,
                    ),
                });
            }
            out
        }
    };

    let mut stages = Vec::new();
    for stage in &model.stages {
        let level = stage.level.to_string();
        let raw_stage = table.stages.get(&level);
        let path = format!("stages.{level}");
        let span = raw_stage.map_or(at.clone(), Spanned::span);
        let fields = raw_stage.map(Spanned::get_ref);
        if raw_stage.is_none() {
            report.error(
                at.clone(),
                format!("translations.{key} lacks [translations.{key}.{path}]"),
            );
        }
        let name = match fields {
            None => stage.name.clone(),
            Some(fields) => text(
                fields.name.as_ref(),
                &stage.name,
                format!("{path}.name"),
                span.clone(),
                report,
            ),
        };
        let description = match fields {
            None => stage.description.clone(),
            Some(fields) => text(
                fields.description.as_ref(),
                &stage.description,
                format!("{path}.description"),
                span.clone(),
                report,
            ),
        };
        let characteristics = match fields.map(|f| f.characteristics.as_ref()) {
            None => stage.characteristics.clone(),
            Some(None) if stage.characteristics.is_empty() => Vec::new(),
            Some(None) => {
                report.error(
                    span.clone(),
                    format!("translations.{key} lacks {path}.characteristics"),
                );
                stage.characteristics.clone()
            }
            Some(Some(given)) => {
                if given.get_ref().len() != stage.characteristics.len() {
                    report.error(
                        given.span(),
                        format!(
                            "translations.{key}.{path}.characteristics has {} entries; stage {level} has {} characteristics",
                            given.get_ref().len(),
                            stage.characteristics.len()
                        ),
                    );
                }
                stage
                    .characteristics
                    .iter()
                    .enumerate()
                    .map(|(index, source)| {
                        text(
                            given.get_ref().get(index),
                            source,
                            format!("{path}.characteristics[{}]", index + 1),
                            given.span(),
                            report,
                        )
                    })
                    .collect()
            }
        };
        stages.push(StageText {
            name,
            description,
            characteristics,
        });
    }
    extra_keys(
        report,
        key,
        "stages",
        &table.stages,
        model.stages.iter().map(|s| s.level.to_string()),
    );

    let mut areas = Vec::new();
    for area in &model.areas {
        let path = format!("areas.{}", area.id);
        let Some(raw_area) = table.areas.get(area.id.as_str()) else {
            report.error(
                at.clone(),
                format!("translations.{key} lacks [translations.{key}.{path}]"),
            );
            areas.push(AreaText {
                name: area.name.clone(),
                description: area.description.clone(),
            });
            continue;
        };
        let span = raw_area.span();
        let fields = raw_area.get_ref();
        areas.push(AreaText {
            name: text(
                fields.name.as_ref(),
                &area.name,
                format!("{path}.name"),
                span.clone(),
                report,
            ),
            description: text(
                fields.description.as_ref(),
                &area.description,
                format!("{path}.description"),
                span,
                report,
            ),
        });
    }
    extra_keys(
        report,
        key,
        "areas",
        &table.areas,
        declared.areas.iter().cloned(),
    );

    let mut attributes = Vec::new();
    for attribute in &model.attributes {
        let path = format!("attributes.{}", attribute.id);
        let Some(raw_attribute) = table.attributes.get(attribute.id.as_str()) else {
            report.error(
                at.clone(),
                format!("translations.{key} lacks [translations.{key}.{path}]"),
            );
            attributes.push(AttributeText {
                name: attribute.name.clone(),
                value_labels: attribute.values.clone(),
            });
            continue;
        };
        let span = raw_attribute.span();
        let fields = raw_attribute.get_ref();
        let name = text(
            fields.name.as_ref(),
            &attribute.name,
            format!("{path}.name"),
            span.clone(),
            report,
        );
        let value_labels = match (&attribute.values, &fields.values) {
            (None, None) => None,
            (None, Some(given)) => {
                report.error(
                    given.span(),
                    format!("translations.{key}.{path}.values: attribute {:?} takes free text, so it has no values to translate", attribute.id.as_str()),
                );
                None
            }
            (Some(values), None) => {
                report.error(
                    span,
                    format!(
                        "translations.{key} lacks {path}.values, a label for each of {}",
                        values.join(", ")
                    ),
                );
                Some(values.clone())
            }
            (Some(values), Some(given)) => {
                let labels = values
                    .iter()
                    .map(|value| {
                        text(
                            given.get_ref().get(value),
                            value,
                            format!("{path}.values.{value}"),
                            given.span(),
                            report,
                        )
                    })
                    .collect();
                for (extra, label) in given.get_ref() {
                    if !values.contains(extra) {
                        let hint = did_you_mean(extra, values.iter().map(String::as_str))
                            .map(|v| format!("; did you mean {v:?}?"))
                            .unwrap_or_default();
                        report.error(
                            label.span(),
                            format!(
                                "translations.{key}.{path}.values.{extra}: {extra:?} is not a value of {:?} ({}){hint}",
                                attribute.id.as_str(),
                                values.join(", ")
                            ),
                        );
                    }
                }
                Some(labels)
            }
        };
        attributes.push(AttributeText { name, value_labels });
    }
    extra_keys(
        report,
        key,
        "attributes",
        &table.attributes,
        declared.attributes.iter().cloned(),
    );

    let mut items = Vec::new();
    for item in &model.items {
        let path = format!("items.{}", item.id);
        let Some(raw_item) = table.items.get(item.id.as_str()) else {
            report.error(
                at.clone(),
                format!("translations.{key} lacks [translations.{key}.{path}]"),
            );
            items.push(ItemText {
                text: item.text.clone(),
                practice: item.practice.clone(),
            });
            continue;
        };
        let span = raw_item.span();
        let fields = raw_item.get_ref();
        items.push(ItemText {
            text: text(
                fields.text.as_ref(),
                &item.text,
                format!("{path}.text"),
                span.clone(),
                report,
            ),
            practice: text(
                fields.practice.as_ref(),
                &item.practice,
                format!("{path}.practice"),
                span,
                report,
            ),
        });
    }
    extra_keys(
        report,
        key,
        "items",
        &table.items,
        declared.items.iter().cloned(),
    );

    Translation {
        locale,
        title,
        scale_labels,
        stages,
        areas,
        attributes,
        items,
    }
}

/// Reports each translated entry the model does not have, with the
/// nearest one it does.
fn extra_keys<T>(
    report: &mut Report<'_>,
    key: &str,
    section: &str,
    given: &BTreeMap<String, Spanned<T>>,
    known: impl Iterator<Item = String>,
) {
    let known: Vec<String> = known.collect();
    for (id, value) in given {
        if !known.contains(id) {
            let hint = did_you_mean(id, known.iter().map(String::as_str))
                .map(|k| format!("; did you mean {k:?}?"))
                .unwrap_or_default();
            let what = match section {
                "stages" => format!(
                    "the model has no stage {id} (its stages run from 1 to {})",
                    known.len()
                ),
                "areas" => format!("the model has no area {id:?}"),
                "attributes" => format!("the model has no attribute {id:?}"),
                _ => format!("the model has no item {id:?}"),
            };
            report.error(
                value.span(),
                format!("translations.{key}.{section}.{id}: {what}{hint}"),
            );
        }
    }
}

impl Model {
    /// The languages the model is written in; the first is the language of
    /// its own texts.
    pub fn locales(&self) -> &[Locale] {
        &self.locales
    }

    /// The language this model's texts are in.
    pub fn locale(&self) -> &Locale {
        &self.locale
    }

    /// The model with every text in `locale`, under the same ids, or the
    /// message naming the locales it has.
    pub fn localized(&self, locale: &str) -> Result<Model, NoSuchLocale> {
        let wanted = Locale::parse(locale).ok();
        let Some(translation) = self
            .translations
            .iter()
            .find(|t| Some(&t.locale) == wanted.as_ref())
        else {
            let hint = did_you_mean(locale, self.locales.iter().map(Locale::as_str))
                .map(|l| format!("; did you mean {l:?}?"))
                .unwrap_or_default();
            return Err(NoSuchLocale(format!(
                "the model {} {} is not written in {}; its locales are {}{hint}",
                self.id,
                self.version,
                crate::quote_value(locale),
                join(&self.locales)
            )));
        };
        let mut model = self.clone();
        model.locale = translation.locale.clone();
        model.title = translation.title.clone();
        model.scale.labels = translation.scale_labels.clone();
        for (stage, text) in model.stages.iter_mut().zip(&translation.stages) {
            stage.name = text.name.clone();
            stage.description = text.description.clone();
            stage.characteristics = text.characteristics.clone();
        }
        for (area, text) in model.areas.iter_mut().zip(&translation.areas) {
            area.name = text.name.clone();
            area.description = text.description.clone();
        }
        for (attribute, text) in model.attributes.iter_mut().zip(&translation.attributes) {
            attribute.name = text.name.clone();
            attribute.labels = if model.locale == model.locales[0] {
                None
            } else {
                text.value_labels.clone()
            };
        }
        for (item, text) in model.items.iter_mut().zip(&translation.items) {
            item.text = text.text.clone();
            item.practice = text.practice.clone();
        }
        Ok(model)
    }

    /// The model in the locale that suits someone who prefers `preferred`
    /// (most preferred first), or in its own language when none does.
    pub fn negotiated<'a>(&self, preferred: impl IntoIterator<Item = &'a str>) -> Model {
        let locale = Locale::best_match(&self.locales, preferred)
            .unwrap_or(&self.locales[0])
            .clone();
        self.localized(locale.as_str())
            .expect("a locale of the model has its texts")
    }
}

/// A locale the model is not written in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoSuchLocale(String);

#[cfg(test)]
mod tests {
    use crate::model::Model;

    /// The small model in English and German, complete.
    fn bilingual() -> String {
        let small = include_str!("../tests/fixtures/small.toml");
        let small = small.replacen(
            "title = \"Small model\"\n",
            "title = \"Small model\"\nlocales = [\"en\", \"de\"]\n",
            1,
        );
        let small = small.replacen(
            "values = [\"employee\", \"partner\"]\n",
            "values = [\"employee\", \"partner\"]\n\n[[attributes]]\nid = \"language\"\nname = \"Language\"\nvalues = [\"en\", \"de\"]\n",
            1,
        );
        let mut source = small
            + "\n[translations.de]\ntitle = \"Kleines Modell\"\nscale = { labels = [\"eins\", \"zwei\", \"drei\", \"vier\", \"fünf\"] }\n\n\
               [translations.de.stages.1]\nname = \"Anfang\"\n\n\
               [translations.de.stages.2]\nname = \"Mitte\"\ndescription = \"Halbwegs.\"\n\n\
               [translations.de.stages.3]\nname = \"Spitze\"\n\n\
               [translations.de.areas.a]\nname = \"Bereich A\"\n\n\
               [translations.de.areas.b]\nname = \"Bereich B\"\n\n\
               [translations.de.attributes.role]\nname = \"Rolle\"\nvalues = { employee = \"Mitarbeitende\", partner = \"Partner\" }\n\n\
               [translations.de.attributes.language]\nname = \"Sprache\"\nvalues = { en = \"Englisch\", de = \"Deutsch\" }\n";
        for id in [
            "A-2-1", "A-2-2", "A-3-1", "A-3-2", "B-2-1", "B-2-2", "B-3-1", "B-3-2",
        ] {
            source.push_str(&format!(
                "\n[translations.de.items.{id}]\ntext = \"{id} auf Deutsch.\"\npractice = \"{id} tun.\"\n"
            ));
        }
        source
    }

    /// Replaces text in the bilingual model and compares the diagnostics
    /// as `line:column: message` lines.
    fn check(replacements: &[(&str, &str)], expected: &[&str]) {
        crate::model_file::tests::check_edited(&bilingual(), replacements, expected);
    }

    #[test]
    fn a_complete_translation_is_valid_and_renders_under_the_same_ids() {
        check(&[], &[]);
        let model = Model::parse(&bilingual()).unwrap();
        assert_eq!(model.locale().as_str(), "en");
        let locales: Vec<&str> = model.locales().iter().map(|l| l.as_str()).collect();
        assert_eq!(locales, ["en", "de"]);
        let german = model.localized("de").unwrap();
        assert_eq!(german.locale().as_str(), "de");
        assert_eq!(german.title(), "Kleines Modell");
        assert_eq!(german.scale().labels[4], "fünf");
        assert_eq!(german.stages()[1].name, "Mitte");
        assert_eq!(german.stages()[1].description, "Halbwegs.");
        assert_eq!(german.areas()[1].name, "Bereich B");
        assert_eq!(german.items()[4].id.as_str(), "B-2-1");
        assert_eq!(german.items()[4].text, "B-2-1 auf Deutsch.");
        assert_eq!(german.items()[4].weight.get(), 2.0);
        let role = german.attribute("role").unwrap();
        assert_eq!(role.name, "Rolle");
        assert_eq!(role.values.as_deref().unwrap(), ["employee", "partner"]);
        assert_eq!(role.label("employee"), "Mitarbeitende");
        assert_eq!(role.value("Partner"), Ok("partner"));
        // Back to English from German gives the model as parsed.
        let english = german.localized("EN").unwrap();
        assert_eq!(english, model);
        assert_eq!(
            model.attribute("role").unwrap().label("employee"),
            "employee"
        );
        assert_eq!(
            model.negotiated(["fr", "de-AT", "en"]).title(),
            "Kleines Modell"
        );
        assert_eq!(model.negotiated(["fr"]).title(), "Small model");
        assert_eq!(
            model.localized("fr").unwrap_err().to_string(),
            "the model small 1.0.0 is not written in \"fr\"; its locales are en, de"
        );
        assert_eq!(
            model.localized("dee").unwrap_err().to_string(),
            "the model small 1.0.0 is not written in \"dee\"; its locales are en, de; did you mean \"de\"?"
        );
    }

    #[test]
    fn missing_and_extra_translations_are_named_where_they_are() {
        check(
            &[(
                "[translations.de.items.B-3-2]\ntext = \"B-3-2 auf Deutsch.\"\n",
                "[translations.de.items.B-3-3]\ntext = \"B-3-2 auf Deutsch.\"\n",
            )],
            &[
                "106:1: translations.de lacks [translations.de.items.B-3-2]",
                "162:1: translations.de.items.B-3-3: the model has no item \"B-3-3\"; did you mean \"B-3-1\"?",
            ],
        );
        check(
            &[("practice = \"A-3-1 tun.\"\n", "")],
            &["142:1: translations.de lacks items.A-3-1.practice"],
        );
        check(
            &[("text = \"A-2-2 auf Deutsch.\"", "text = \" \"")],
            &["139:8: items.A-2-2.text cannot be empty"],
        );
        check(
            &[("partner = \"Partner\"", "partnr = \"Partner\"")],
            &[
                "128:10: translations.de lacks attributes.role.values.partner",
                "128:49: translations.de.attributes.role.values.partnr: \"partnr\" is not a value of \"role\" (employee, partner); did you mean \"partner\"?",
            ],
        );
        check(
            &[("\"vier\", \"fünf\"", "\"vier\"")],
            &["108:20: translations.de.scale.labels has 4 labels; the scale has 5 points"],
        );
        check(
            &[(
                "[translations.de.stages.3]\nname = \"Spitze\"",
                "[translations.de.stages.4]\nname = \"Spitze\"",
            )],
            &[
                "106:1: translations.de lacks [translations.de.stages.3]",
                "117:1: translations.de.stages.4: the model has no stage 4 (its stages run from 1 to 3)",
            ],
        );
        check(
            &[("description = \"Halbwegs.\"\n", "")],
            &["113:1: translations.de lacks stages.2.description"],
        );
        check(
            &[(
                "[translations.de.areas.a]\nname = \"Bereich A\"",
                "[translations.de.areas.a]\nnam = \"Bereich A\"",
            )],
            &["121:1: unknown field `nam`, expected `name` or `description`"],
        );
    }

    #[test]
    fn locales_are_listed_and_translated_exactly_once() {
        check(
            &[(
                "locales = [\"en\", \"de\"]",
                "locales = [\"en\", \"de\", \"fr\"]",
            )],
            &[
                "5:11: a model in several languages records the language of each response: declare [[attributes]] with id = \"language\" and values = [\"en\", \"de\", \"fr\"]",
                "5:11: the locale fr is listed but the model has no [translations.fr]",
            ],
        );
        check(
            &[(
                "locales = [\"en\", \"de\"]",
                "locales = [\"en\", \"german\"]",
            )],
            &[
                "5:18: in `locales`: \"german\" is not a language tag; write a language code such as \"en\", \"de\" or \"fr\", optionally with a region such as \"pt-BR\"",
                "106:1: translations.de: \"de\" is not one of the model's `locales` (en)",
            ],
        );
        check(
            &[(
                "locales = [\"en\", \"de\"]",
                "locales = [\"en\", \"EN\", \"de\"]",
            )],
            &["5:18: the locale en is listed twice"],
        );
        check(
            &[("values = [\"en\", \"de\"]", "values = [\"en\", \"fr\"]")],
            &[
                "5:11: a model in several languages records the language of each response: declare [[attributes]] with id = \"language\" and values = [\"en\", \"de\"]",
                "132:10: translations.de lacks attributes.language.values.fr",
                "132:34: translations.de.attributes.language.values.de: \"de\" is not a value of \"language\" (en, fr)",
            ],
        );
        check(
            &[("locales = [\"en\", \"de\"]\n", "")],
            &[
                "105:1: the model gives translations but no `locales`; list the language of its own texts first, then each translation's, e.g. locales = [\"en\", \"de\"]",
            ],
        );
    }

    #[test]
    fn a_diff_names_added_locales_and_changed_translations() {
        let english = Model::parse(include_str!("../tests/fixtures/small.toml")).unwrap();
        let both = Model::parse(&bilingual()).unwrap();
        let text = crate::diff_models(&english, &both).to_text();
        assert!(text.contains("  locales: [en] -> [en, de]\n"), "{text}");
        assert!(text.contains("  language: added"), "{text}");
        let reworded = Model::parse(&bilingual().replacen("Bereich B", "Gebiet B", 1)).unwrap();
        let diff = crate::diff_models(&both, &reworded);
        assert_eq!(
            diff.to_text(),
            "Changes from small 1.0.0 to small 1.0.0:\n\nModel:\n  translations.de: texts changed\n"
        );
        assert!(crate::diff_models(&both, &both).is_empty());
    }
}
