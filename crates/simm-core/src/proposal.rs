//! Proposals for a new model version: the model file with some items moved
//! to another stage, written so that a steward can review it as a diff.
//!
//! The proposal edits the text rather than serialising a new model, so that
//! everything a steward wrote — comments, order, layout, the `# covers:`
//! notes — stays byte for byte. Only three things change: the `version`
//! value, the `stage` value of each moved item, and a comment block put on
//! top that says what changed and why.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::domain::{AreaId, ItemId, StageLevel};
use crate::model::Model;
use crate::model_file::ModelErrors;

/// A proposed move of one item to another stage, with the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageMove {
    pub item: ItemId,
    pub from_stage: StageLevel,
    pub to_stage: StageLevel,
    /// Why the item should move, in one sentence; written into the
    /// proposal's header comment.
    pub reason: String,
}

/// A proposed model file and what went into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// The new model file. It parses with [`Model::parse`].
    pub text: String,
    /// The proposed version, as written into `text`.
    pub version: String,
    /// The moves made, in the order they were given.
    pub applied: Vec<StageMove>,
    /// The moves not made, each with the reason, in the order they were
    /// given.
    pub skipped: Vec<(StageMove, String)>,
}

/// Moves that cannot be meant for this model file. These are mistakes of
/// the caller, unlike moves that the model's rules forbid, which are
/// skipped and reported in the proposal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposalError {
    #[error("the model file is invalid:\n{0}")]
    InvalidModel(ModelErrors),
    #[error("item \"{0}\" is not in the model")]
    UnknownItem(ItemId),
    #[error("item \"{item}\" is at stage {actual}, but the move starts from stage {stated}")]
    WrongStage {
        item: ItemId,
        stated: StageLevel,
        actual: StageLevel,
    },
    #[error("item \"{item}\" is moved from stage {stage} to the same stage")]
    NotAMove { item: ItemId, stage: StageLevel },
    #[error("item \"{0}\" is moved more than once")]
    MovedTwice(ItemId),
    #[error("the proposed model file is invalid:\n{0}")]
    ProposedInvalid(ModelErrors),
}

/// The parts of the model file that a proposal rewrites, with their spans
/// in the source. Serde ignores the other keys, which `Model::parse` has
/// already checked.
#[derive(Deserialize)]
struct Spans {
    version: Spanned<String>,
    #[serde(default)]
    items: Vec<ItemSpans>,
}

#[derive(Deserialize)]
struct ItemSpans {
    id: String,
    stage: Spanned<i64>,
}

/// The version a proposal gets: the next minor version for a semantic
/// version ("1.0.0" -> "1.1.0", "2.3.4-rc.1" -> "2.4.0"), and the version
/// with "-proposed" appended for anything else, since no ordering of it is
/// known.
pub fn proposed_version(version: &str) -> String {
    let core = version
        .split_once('+')
        .map_or(version, |(core, _build)| core);
    let core = core.split_once('-').map_or(core, |(core, _pre)| core);
    let numbers: Vec<&str> = core.split('.').collect();
    let is_number = |part: &&str| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part.len() == 1 || !part.starts_with('0'))
    };
    if numbers.len() == 3
        && numbers.iter().all(is_number)
        && let (Ok(major), Ok(minor)) = (numbers[0].parse::<u64>(), numbers[1].parse::<u64>())
        && let Some(next) = minor.checked_add(1)
    {
        return format!("{major}.{next}.0");
    }
    format!("{version}-proposed")
}

/// Writes a proposal: the model file `source` with the given items moved,
/// the version bumped and a header comment listing every move and its
/// reason, after the `header_notes`.
///
/// A move that the model's rules forbid is skipped and listed with its
/// reason: a move to stage 1 or to a stage the model does not declare, and
/// a move that would leave an area without items at a stage above the
/// first. When several moves together would empty such a stage, the last
/// of them in the given order is skipped, so that the caller decides by
/// the order which evidence counts most; each skipped move, made alone on
/// top of the proposal, would empty a stage.
pub fn propose_model(
    source: &str,
    moves: &[StageMove],
    header_notes: &[String],
) -> Result<Proposal, ProposalError> {
    let model = Model::parse(source).map_err(ProposalError::InvalidModel)?;
    // The source parsed as a model, so it parses as TOML with these keys.
    let spans: Spans = toml::from_str(source).expect("a valid model file has a version and items");

    let mut seen = HashSet::new();
    let mut indices = Vec::with_capacity(moves.len());
    for stage_move in moves {
        let item = &stage_move.item;
        let index = model
            .item_index(item.as_str())
            .ok_or_else(|| ProposalError::UnknownItem(item.clone()))?;
        let actual = model.items[index].stage;
        if actual != stage_move.from_stage {
            return Err(ProposalError::WrongStage {
                item: item.clone(),
                stated: stage_move.from_stage,
                actual,
            });
        }
        if stage_move.from_stage == stage_move.to_stage {
            return Err(ProposalError::NotAMove {
                item: item.clone(),
                stage: actual,
            });
        }
        if !seen.insert(item) {
            return Err(ProposalError::MovedTwice(item.clone()));
        }
        indices.push(index);
    }

    let mut skip: Vec<Option<String>> = moves
        .iter()
        .map(|stage_move| {
            let to = stage_move.to_stage;
            if to.get() == 1 {
                Some("stage 1 is the baseline every organisation has; items describe practices of stage 2 and above".to_owned())
            } else if to > model.top_stage() {
                Some(format!(
                    "the model has no stage {to}; its stages run from 1 to {}",
                    model.top_stage()
                ))
            } else {
                None
            }
        })
        .collect();
    skip_moves_that_empty_a_stage(&model, moves, &indices, &mut skip);

    let version = proposed_version(model.version());
    let mut edits: Vec<(Range<usize>, String)> =
        vec![(spans.version.span(), toml_basic_string(&version))];
    for (stage_move, skip) in moves.iter().zip(&skip) {
        if skip.is_none() {
            let span = spans
                .items
                .iter()
                .find(|item| item.id == stage_move.item.as_str())
                .expect("every item of the model is in the file")
                .stage
                .span();
            edits.push((span, stage_move.to_stage.to_string()));
        }
    }
    // Replacing from the end keeps the earlier spans valid.
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut body = source.to_owned();
    for (span, replacement) in edits {
        body.replace_range(span, &replacement);
    }

    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    for (stage_move, skip) in moves.iter().zip(skip) {
        match skip {
            None => applied.push(stage_move.clone()),
            Some(reason) => skipped.push((stage_move.clone(), reason)),
        }
    }

    let newline = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let header = header(&model, &version, header_notes, &applied, &skipped);
    // A byte order mark must stay the first character of the file.
    let (bom, body) = match body.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", body.as_str()),
    };
    let mut text = String::with_capacity(body.len() + 1024);
    text.push_str(bom);
    for line in header {
        text.push_str(&line);
        text.push_str(newline);
    }
    text.push_str(newline);
    text.push_str(body);

    Model::parse(&text).map_err(ProposalError::ProposedInvalid)?;
    Ok(Proposal {
        text,
        version,
        applied,
        skipped,
    })
}

/// Marks moves as skipped until every area has items at every stage above
/// the first. Each round takes the first empty (area, stage) in model
/// order and skips the last move out of it, which refills it.
///
/// A stage can only be emptied by moves out of it, and the original model
/// has items everywhere, so an empty stage always has a move to skip and
/// the loop ends after at most one round per move.
fn skip_moves_that_empty_a_stage(
    model: &Model,
    moves: &[StageMove],
    indices: &[usize],
    skip: &mut [Option<String>],
) {
    loop {
        let mut counts: HashMap<(&AreaId, StageLevel), usize> = HashMap::new();
        for item in &model.items {
            *counts.entry((&item.area, item.stage)).or_default() += 1;
        }
        for ((stage_move, &index), skip) in moves.iter().zip(indices).zip(skip.iter()) {
            if skip.is_none() {
                let area = &model.items[index].area;
                *counts.entry((area, stage_move.from_stage)).or_default() -= 1;
                *counts.entry((area, stage_move.to_stage)).or_default() += 1;
            }
        }
        let empty = model.areas.iter().find_map(|area| {
            model
                .stages
                .iter()
                .skip(1)
                .find(|stage| counts.get(&(&area.id, stage.level)).copied().unwrap_or(0) == 0)
                .map(|stage| (&area.id, stage.level))
        });
        let Some((area, stage)) = empty else {
            return;
        };
        let last = (0..moves.len())
            .rev()
            .find(|&m| {
                skip[m].is_none()
                    && moves[m].from_stage == stage
                    && &model.items[indices[m]].area == area
            })
            .expect("an emptied stage has a move out of it");
        skip[last] = Some(format!(
            "moving it would leave area {:?} without items at stage {stage}; every area needs items at every stage above 1",
            area.as_str()
        ));
    }
}

/// The header comment: the notes, then every move made and not made.
fn header(
    model: &Model,
    version: &str,
    notes: &[String],
    applied: &[StageMove],
    skipped: &[(StageMove, String)],
) -> Vec<String> {
    let mut lines = Vec::new();
    for note in notes {
        // A note may hold several lines; each becomes a comment line.
        lines.extend(note.lines().map(comment));
        if note.is_empty() {
            lines.push("#".to_owned());
        }
    }
    lines.push(comment(&format!(
        "Proposed version {version} of model {}, changed from version {}.",
        model.id(),
        model.version()
    )));
    if applied.is_empty() {
        lines.push("# No item is moved.".to_owned());
    } else {
        lines.push("# Items moved to another stage (item ids are unchanged):".to_owned());
        for stage_move in applied {
            lines.push(comment(&format!(
                "- {}: stage {} -> {}: {}",
                stage_move.item, stage_move.from_stage, stage_move.to_stage, stage_move.reason
            )));
        }
    }
    if !skipped.is_empty() {
        lines.push("# Moves not made:".to_owned());
        for (stage_move, why) in skipped {
            lines.push(comment(&format!(
                "- {}: stage {} -> {}: {}; not made: {why}",
                stage_move.item, stage_move.from_stage, stage_move.to_stage, stage_move.reason
            )));
        }
    }
    lines
}

/// One comment line. TOML comments may not hold control characters other
/// than tab, and a line break would end the comment, so those become
/// spaces.
fn comment(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect();
    let text = text.trim_end();
    if text.is_empty() {
        "#".to_owned()
    } else {
        format!("# {text}")
    }
}

/// A TOML basic string holding `text`: for files simm writes for people
/// to edit (proposals, drafted import mappings).
pub fn toml_basic_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
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
    fn versions() {
        for (old, new) in [
            ("1.0.0", "1.1.0"),
            ("1.2.3", "1.3.0"),
            ("0.9.12", "0.10.0"),
            ("2.3.4-rc.1", "2.4.0"),
            ("1.0.0+build.5", "1.1.0"),
            ("1.0", "1.0-proposed"),
            ("01.0.0", "01.0.0-proposed"),
            ("2026-spring", "2026-spring-proposed"),
            ("1.x.0", "1.x.0-proposed"),
            (
                "1.18446744073709551615.0",
                "1.18446744073709551615.0-proposed",
            ),
        ] {
            assert_eq!(proposed_version(old), new, "{old}");
        }
    }

    #[test]
    fn basic_strings_escape_what_toml_requires() {
        for text in ["1.0.0", "a\"b\\c", "tab\there", "new\nline", "\u{7f}", "é"] {
            let toml_text = format!("v = {}", toml_basic_string(text));
            let table: toml::Table = toml::from_str(&toml_text).expect(&toml_text);
            assert_eq!(table["v"].as_str(), Some(text));
        }
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("a\nb\r\u{0}c\td  "), "# a b  c\td");
        assert_eq!(comment(""), "#");
    }
}
