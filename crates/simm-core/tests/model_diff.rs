//! Differences between model versions, and proposals that move items to
//! another stage: data-driven cases on a small model, and properties over
//! random moves on the small model and on the built-in one.

use proptest::prelude::*;
use proptest::sample::Index;
use simm_core::{
    BUILTIN_MODEL_SOURCE, ItemChange, ItemId, Model, Proposal, ProposalError, StageLevel,
    StageMove, diff_models, propose_model,
};

/// Three stages, two areas, two items per area at stages 2 and 3, so that
/// one item of each (area, stage) can move and the other keeps it covered.
const SMALL: &str = include_str!("fixtures/small.toml");

fn parse(source: &str) -> Model {
    Model::parse(source).unwrap_or_else(|errors| panic!("{errors}\n{source}"))
}

/// Replaces each `from` once in the small model; each must occur.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut source = SMALL.to_owned();
    for (from, to) in edits {
        assert!(source.contains(from), "{from:?} is not in the model");
        source = source.replacen(from, to, 1);
    }
    source
}

/// Diffs the small model against an edited copy and compares the text
/// rendering.
fn check_diff(edits: &[(&str, &str)], expected: &str) {
    let diff = diff_models(&parse(SMALL), &parse(&edited(edits)));
    assert_eq!(diff.to_text(), expected, "{edits:?}");
    assert_eq!(diff.is_empty(), edits.is_empty(), "{edits:?}");
}

#[test]
fn diffs_in_text() {
    check_diff(&[], "No differences between the two files (small 1.0.0).\n");
    check_diff(
        &[("version = \"1.0.0\"", "version = \"1.1.0\"")],
        "Changes from small 1.0.0 to small 1.1.0:\n\nModel:\n  version: \"1.0.0\" -> \"1.1.0\"\n",
    );
    check_diff(
        &[
            ("id = \"small\"", "id = \"smaller\""),
            ("title = \"Small model\"", "title = \"Smaller\""),
        ],
        "Changes from small 1.0.0 to smaller 1.0.0:\n\nModel:\n  id: small -> smaller\n  title: \"Small model\" -> \"Smaller\"\n",
    );
    check_diff(
        &[
            ("threshold = 0.75", "threshold = 0.8"),
            ("aggregate = \"mean\"", "aggregate = \"median\""),
            ("anonymity_min = 3", "anonymity_min = 4"),
        ],
        "Changes from small 1.0.0 to small 1.0.0:\n\nScoring:\n  threshold: 0.75 -> 0.8\n  aggregate: mean -> median\n  anonymity_min: 3 -> 4\n",
    );
    check_diff(
        &[(
            "labels = [\"1\", \"2\", \"3\", \"4\", \"5\"]",
            "labels = [\"1\", \"2\", \"3\", \"4\", \"Five\"]",
        )],
        "Changes from small 1.0.0 to small 1.0.0:\n\nScale:\n  labels: [\"1\", \"2\", \"3\", \"4\", \"5\"] -> [\"1\", \"2\", \"3\", \"4\", \"Five\"]\n",
    );
    check_diff(
        &[
            ("name = \"Middle\"", "name = \"Centre\""),
            ("description = \"Halfway.\"", "description = \"Half way.\""),
        ],
        "Changes from small 1.0.0 to small 1.0.0:\n\nStages:\n  stage 2: name \"Middle\" -> \"Centre\"; description changed\n    - \"Halfway.\"\n    + \"Half way.\"\n",
    );
    check_diff(
        &[("name = \"Area B\"", "name = \"Area Bee\"")],
        "Changes from small 1.0.0 to small 1.0.0:\n\nAreas:\n  b: name \"Area B\" -> \"Area Bee\"\n",
    );
    check_diff(
        &[(
            "values = [\"employee\", \"partner\"]",
            "values = [\"employee\", \"partner\", \"supplier\"]",
        )],
        "Changes from small 1.0.0 to small 1.0.0:\n\nAttributes:\n  role: values [\"employee\", \"partner\"] -> [\"employee\", \"partner\", \"supplier\"]\n",
    );
}

#[test]
fn item_diffs_in_text() {
    check_diff(
        &[("text = \"A two one.\"", "text = \"A two, one.\"")],
        "Changes from small 1.0.0 to small 1.0.0:\n\nItems:\n  A-2-1: reworded\n    - \"A two one.\"\n    + \"A two, one.\"\n",
    );
    check_diff(
        &[("practice = \"Do A two one.\"", "practice = \"Do it.\"")],
        "Changes from small 1.0.0 to small 1.0.0:\n\nItems:\n  A-2-1: practice changed\n    - practice: \"Do A two one.\"\n    + practice: \"Do it.\"\n",
    );
    check_diff(
        &[("weight = 2.0", "weight = 1.5")],
        "Changes from small 1.0.0 to small 1.0.0:\n\nItems:\n  B-2-1: weight 2 -> 1.5\n",
    );
    check_diff(
        &[("stage = 2 # checked", "stage = 3 # checked")],
        "Changes from small 1.0.0 to small 1.0.0:\n\nItems:\n  A-2-2: moved from stage 2 to stage 3\n",
    );
    check_diff(
        &[(
            "id = \"A-2-2\"\narea = \"a\"",
            "id = \"A-2-2\"\narea = \"b\"",
        )],
        "Changes from small 1.0.0 to small 1.0.0:\n\nItems:\n  A-2-2: moved from area a to area b\n",
    );
    // An item keeps its id when moved, reworded and reweighted at once, so
    // it is one entry.
    check_diff(
        &[(
            "id = \"B-3-2\"\narea = \"b\"\nstage = 3\ntext = \"B three two.\"",
            "id = \"B-3-2\"\narea = \"b\"\nstage = 2\nweight = 3.0\ntext = \"B three, two.\"",
        )],
        "Changes from small 1.0.0 to small 1.0.0:\n\nItems:\n  B-3-2: moved from stage 3 to stage 2; reworded; weight 1 -> 3\n    - \"B three two.\"\n    + \"B three, two.\"\n",
    );
    // A new id is a new item: the old one is removed, the new one added,
    // and additions come after everything the old model had.
    check_diff(
        &[("id = \"A-2-1\"", "id = \"A-2-9\"")],
        "Changes from small 1.0.0 to small 1.0.0:\n\nItems:\n  A-2-1: removed from stage 2 in area a\n    text: \"A two one.\"\n  A-2-9: added at stage 2 in area a, weight 1\n    text: \"A two one.\"\n    practice: \"Do A two one.\"\n",
    );
}

#[test]
fn stages_are_matched_by_level() {
    let four = edited(&[(
        "[[areas]]\nid = \"a\"",
        "[[stages]]\nlevel = 4\nname = \"Beyond\"\n\n[[areas]]\nid = \"a\"",
    )]);
    let four = format!(
        "{four}\n[[items]]\nid = \"A-4-1\"\narea = \"a\"\nstage = 4\ntext = \"t\"\npractice = \"p\"\n\
         \n[[items]]\nid = \"B-4-1\"\narea = \"b\"\nstage = 4\ntext = \"t\"\npractice = \"p\"\n"
    );
    let old = parse(SMALL);
    let new = parse(&four);
    assert_eq!(
        diff_models(&old, &new).to_text(),
        "Changes from small 1.0.0 to small 1.0.0:\n\nStages:\n  stage 4: added: \"Beyond\"\n\nItems:\n  A-4-1: added at stage 4 in area a, weight 1\n    text: \"t\"\n    practice: \"p\"\n  B-4-1: added at stage 4 in area b, weight 1\n    text: \"t\"\n    practice: \"p\"\n"
    );
    let backwards = diff_models(&new, &old).to_text();
    assert!(
        backwards.contains("  stage 4: removed: \"Beyond\"\n"),
        "{backwards}"
    );
    assert!(
        backwards.contains("  A-4-1: removed from stage 4 in area a\n"),
        "{backwards}"
    );
}

#[test]
fn diffs_in_markdown() {
    let new = parse(&edited(&[
        ("version = \"1.0.0\"", "version = \"1.1.0\""),
        ("text = \"A two one.\"", "text = \"A two\\n one.\""),
        ("practice = \"Do A two one.\"", "practice = \"Do it.\""),
    ]));
    assert_eq!(
        diff_models(&parse(SMALL), &new).to_markdown(),
        "# Changes from small 1.0.0 to small 1.1.0\n\n## Model\n\n- version: \"1.0.0\" -> \"1.1.0\"\n\n## Items\n\n- `A-2-1`: reworded; practice changed\n  - old: \"A two one.\"\n  - new: \"A two one.\"\n  - old practice: \"Do A two one.\"\n  - new practice: \"Do it.\"\n"
    );
    // Plain text keeps the line break visible, since it is a change.
    let text = diff_models(&parse(SMALL), &new).to_text();
    assert!(text.contains("+ \"A two\\n one.\""), "{text}");
    assert_eq!(
        diff_models(&parse(SMALL), &parse(SMALL)).to_markdown(),
        "# Changes to small 1.0.0\n\nNo differences between the two files.\n"
    );
}

#[test]
fn diffs_in_json_have_one_shape() {
    let new = parse(&edited(&[
        ("version = \"1.0.0\"", "version = \"1.1.0\""),
        ("stage = 2 # checked", "stage = 3 # checked"),
        ("id = \"B-3-2\"", "id = \"B-3-9\""),
    ]));
    let json = serde_json::to_value(diff_models(&parse(SMALL), &new)).unwrap();
    assert_eq!(
        json["old"],
        serde_json::json!({"id": "small", "version": "1.0.0"})
    );
    assert_eq!(json["new"]["version"], "1.1.0");
    assert_eq!(json["title"], serde_json::Value::Null);
    assert_eq!(json["scale"], serde_json::Value::Null);
    assert_eq!(
        json["scoring"],
        serde_json::json!({"threshold": null, "aggregate": null, "overall": null, "anonymity_min": null})
    );
    assert_eq!(json["stages"], serde_json::json!([]));
    assert_eq!(
        json["items"],
        serde_json::json!([
            {"change": "changed", "id": "A-2-2", "stage": {"old": 2, "new": 3}},
            {"change": "removed", "id": "B-3-2", "area": "b", "stage": 3, "text": "B three two.", "practice": "Do B three two.", "weight": 1.0},
            {"change": "added", "id": "B-3-9", "area": "b", "stage": 3, "text": "B three two.", "practice": "Do B three two.", "weight": 1.0},
        ])
    );
}

fn item(id: &str) -> ItemId {
    ItemId::parse(id).unwrap()
}

fn stage(level: u8) -> StageLevel {
    StageLevel::new(level).unwrap()
}

fn stage_move(id: &str, from: u8, to: u8) -> StageMove {
    StageMove {
        item: item(id),
        from_stage: stage(from),
        to_stage: stage(to),
        reason: format!("{id} fits stage {to} better"),
    }
}

fn propose(source: &str, moves: &[StageMove]) -> Proposal {
    propose_model(source, moves, &[]).unwrap_or_else(|error| panic!("{error}"))
}

/// The moves a diff of the proposal against its source shows, as
/// (item, from, to), in model order.
fn diffed_moves(source: &str, proposal: &Proposal) -> Vec<(String, u8, u8)> {
    let diff = diff_models(&parse(source), &parse(&proposal.text));
    diff.stage_moves()
        .map(|(id, from, to)| (id.to_string(), from.get(), to.get()))
        .collect()
}

#[test]
fn a_proposal_without_moves_changes_only_the_version_and_adds_a_header() {
    let proposal = propose_model(
        SMALL,
        &[],
        &["Proposed by simm calibrate from 120 responses.".to_owned()],
    )
    .unwrap();
    let expected = format!(
        "# Proposed by simm calibrate from 120 responses.\n\
         # Proposed version 1.1.0 of model small, changed from version 1.0.0.\n\
         # No item is moved.\n\
         \n{}",
        SMALL.replacen("version = \"1.0.0\"", "version = \"1.1.0\"", 1)
    );
    assert_eq!(proposal.text, expected);
    assert_eq!(proposal.version, "1.1.0");
    assert!(proposal.applied.is_empty() && proposal.skipped.is_empty());
    let diff = diff_models(&parse(SMALL), &parse(&proposal.text));
    assert_eq!(
        diff.to_text(),
        "Changes from small 1.0.0 to small 1.1.0:\n\nModel:\n  version: \"1.0.0\" -> \"1.1.0\"\n"
    );
}

#[test]
fn a_proposal_changes_only_the_stage_values_of_moved_items() {
    let moves = [stage_move("A-3-1", 3, 2), stage_move("A-2-2", 2, 3)];
    let proposal = propose_model(
        SMALL,
        &moves,
        &["Proposed by simm calibrate from 120 responses.\nReview before publishing.".to_owned()],
    )
    .unwrap();
    let expected = format!(
        "# Proposed by simm calibrate from 120 responses.\n\
         # Review before publishing.\n\
         # Proposed version 1.1.0 of model small, changed from version 1.0.0.\n\
         # Items moved to another stage (item ids are unchanged):\n\
         # - A-3-1: stage 3 -> 2: A-3-1 fits stage 2 better\n\
         # - A-2-2: stage 2 -> 3: A-2-2 fits stage 3 better\n\
         \n{}",
        edited(&[
            ("version = \"1.0.0\"", "version = \"1.1.0\""),
            ("stage = 2 # checked in 2025", "stage = 3 # checked in 2025"),
            ("stage\t=\t3", "stage\t=\t2"),
        ])
    );
    assert_eq!(proposal.text, expected);
    assert_eq!(proposal.applied, moves);
    assert_eq!(
        diffed_moves(SMALL, &proposal),
        [("A-2-2".to_owned(), 2, 3), ("A-3-1".to_owned(), 3, 2)]
    );
}

/// Proposes the moves on the small model and compares the ids of the
/// applied moves and the reasons of the skipped ones.
fn check_proposal(moves: &[StageMove], applied: &[&str], skipped: &[(&str, &str)]) {
    let proposal = propose(SMALL, moves);
    let applied_ids: Vec<&str> = proposal.applied.iter().map(|m| m.item.as_str()).collect();
    assert_eq!(applied_ids, applied, "{moves:?}");
    let skipped_reasons: Vec<(&str, &str)> = proposal
        .skipped
        .iter()
        .map(|(m, reason)| (m.item.as_str(), reason.as_str()))
        .collect();
    assert_eq!(skipped_reasons, skipped, "{moves:?}");
    for (stage_move, reason) in &proposal.skipped {
        let line = format!(
            "# - {}: stage {} -> {}: {}; not made: {reason}\n",
            stage_move.item, stage_move.from_stage, stage_move.to_stage, stage_move.reason
        );
        assert!(proposal.text.contains(&line), "{}", proposal.text);
    }
    let mut expected_moves: Vec<(String, u8, u8)> = proposal
        .applied
        .iter()
        .map(|m| (m.item.to_string(), m.from_stage.get(), m.to_stage.get()))
        .collect();
    let model = parse(SMALL);
    expected_moves.sort_by_key(|(id, _, _)| model.item_index(id));
    assert_eq!(diffed_moves(SMALL, &proposal), expected_moves);
}

const EMPTIES_A_3: &str = "moving it would leave area \"a\" without items at stage 3; every area needs items at every stage above 1";

#[test]
fn moves_that_break_the_model_rules_are_skipped() {
    check_proposal(&[stage_move("A-3-1", 3, 2)], &["A-3-1"], &[]);
    // The second move out of a stage would empty it; the later one in the
    // given order is the one skipped.
    check_proposal(
        &[stage_move("A-3-1", 3, 2), stage_move("A-3-2", 3, 2)],
        &["A-3-1"],
        &[("A-3-2", EMPTIES_A_3)],
    );
    check_proposal(
        &[stage_move("A-3-2", 3, 2), stage_move("A-3-1", 3, 2)],
        &["A-3-2"],
        &[("A-3-1", EMPTIES_A_3)],
    );
    // A move into the stage keeps it covered, wherever it is in the list.
    check_proposal(
        &[
            stage_move("A-3-1", 3, 2),
            stage_move("A-3-2", 3, 2),
            stage_move("A-2-1", 2, 3),
        ],
        &["A-3-1", "A-3-2", "A-2-1"],
        &[],
    );
    // Swapping both stages of an area entirely is fine too.
    check_proposal(
        &[
            stage_move("A-3-1", 3, 2),
            stage_move("A-3-2", 3, 2),
            stage_move("A-2-1", 2, 3),
            stage_move("A-2-2", 2, 3),
        ],
        &["A-3-1", "A-3-2", "A-2-1", "A-2-2"],
        &[],
    );
    check_proposal(
        &[stage_move("B-2-1", 2, 1), stage_move("B-3-1", 3, 2)],
        &["B-3-1"],
        &[(
            "B-2-1",
            "stage 1 is the baseline every organisation has; items describe practices of stage 2 and above",
        )],
    );
    check_proposal(
        &[stage_move("B-2-1", 2, 4)],
        &[],
        &[(
            "B-2-1",
            "the model has no stage 4; its stages run from 1 to 3",
        )],
    );
}

#[test]
fn moves_that_do_not_fit_the_file_are_errors() {
    let check = |moves: &[StageMove], expected: &str| {
        let error = propose_model(SMALL, moves, &[]).unwrap_err();
        assert_eq!(error.to_string(), expected, "{moves:?}");
    };
    check(
        &[stage_move("A-9-9", 2, 3)],
        "item \"A-9-9\" is not in the model",
    );
    check(
        &[stage_move("A-2-1", 3, 2)],
        "item \"A-2-1\" is at stage 2, but the move starts from stage 3",
    );
    check(
        &[stage_move("A-2-1", 2, 2)],
        "item \"A-2-1\" is moved from stage 2 to the same stage",
    );
    check(
        &[stage_move("A-2-1", 2, 3), stage_move("A-2-1", 2, 3)],
        "item \"A-2-1\" is moved more than once",
    );
    let error = propose_model(
        &SMALL.replace("threshold = 0.75", "threshold = 2"),
        &[],
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(&error, ProposalError::InvalidModel(errors) if errors.0[0].line == 11),
        "{error}"
    );
}

/// The proposal rewrites the value wherever and however it is written.
fn check_rewrite(source: &str, moves: &[StageMove], expected_body: &str) {
    let proposal = propose(source, moves);
    let body = proposal
        .text
        .split_once("\n\n")
        .map(|(_, body)| body)
        .unwrap();
    assert_eq!(body, expected_body);
    parse(&proposal.text);
}

#[test]
fn values_are_rewritten_in_any_toml_spelling() {
    let source = edited(&[
        ("version = \"1.0.0\"", "version = '2.0.0' # the second"),
        ("stage = 2 # checked in 2025", "\"stage\" = 0x2"),
    ]);
    check_rewrite(
        &source,
        &[stage_move("A-2-2", 2, 3)],
        &edited(&[
            ("version = \"1.0.0\"", "version = \"2.1.0\" # the second"),
            ("stage = 2 # checked in 2025", "\"stage\" = 3"),
        ]),
    );
    // Items may be inline tables, and the version a multi-line string
    // that is not a semantic version.
    let source = r#"id = "inline"
version = """
v1"""
title = "T"
items = [
  { id = "x", area = "a", stage = 2, text = "t", practice = "p" },
  { id = "y", area = "a", stage = 2, text = "t", practice = "p" },
  {id="z",area="a",stage=3,text="t",practice="p"},
]
[[stages]]
level = 1
name = "S1"
[[stages]]
level = 2
name = "S2"
[[stages]]
level = 3
name = "S3"
[[areas]]
id = "a"
name = "A"
"#;
    check_rewrite(
        source,
        &[stage_move("y", 2, 3), stage_move("z", 3, 2)],
        &source
            .replace("\"\"\"\nv1\"\"\"", "\"v1-proposed\"")
            .replace(
                "\"y\", area = \"a\", stage = 2",
                "\"y\", area = \"a\", stage = 3",
            )
            .replace("stage=3", "stage=2"),
    );
}

#[test]
fn line_endings_and_byte_order_marks_are_kept() {
    let crlf = format!("\u{feff}{}", SMALL.replace('\n', "\r\n"));
    let proposal = propose(&crlf, &[stage_move("A-2-1", 2, 3)]);
    assert!(
        proposal
            .text
            .starts_with("\u{feff}# Proposed version 1.1.0")
    );
    assert!(!proposal.text.replace("\r\n", "").contains('\n'));
    assert_eq!(diffed_moves(&crlf, &proposal), [("A-2-1".to_owned(), 2, 3)]);
}

#[test]
fn reasons_and_notes_cannot_break_out_of_the_comment() {
    let mut bad = stage_move("A-2-1", 2, 3);
    bad.reason = "line one\nid = \"evil\"\r\u{0}".to_owned();
    let proposal = propose_model(SMALL, &[bad], &["note\n\nafter a blank".to_owned()]).unwrap();
    assert!(proposal.text.starts_with(
        "# note\n#\n# after a blank\n# Proposed version 1.1.0 of model small, changed from version 1.0.0.\n# Items moved to another stage (item ids are unchanged):\n# - A-2-1: stage 2 -> 3: line one id = \"evil\"\n\n"
    ), "{}", proposal.text);
    assert_eq!(parse(&proposal.text).id().as_str(), "small");
}

/// Up to `max` random moves: an item (by index) and a target stage; moves
/// of the same item after the first, and moves to the item's own stage,
/// are dropped.
fn random_moves(model: &Model, picks: &[(Index, u8)]) -> Vec<StageMove> {
    let mut moves: Vec<StageMove> = Vec::new();
    for (index, to) in picks {
        let item = &model.items()[index.index(model.items().len())];
        if item.stage.get() == *to || moves.iter().any(|m| m.item == item.id) {
            continue;
        }
        moves.push(StageMove {
            item: item.id.clone(),
            from_stage: item.stage,
            to_stage: stage(*to),
            reason: format!("random move of {}", item.id),
        });
    }
    moves
}

/// Checks a proposal of random moves: it parses; the diff against the
/// source is the version and exactly the applied moves; every move is
/// either applied or skipped, in order; and each skipped move, proposed
/// again on top of the proposal, is skipped again.
fn check_random_moves(source: &str, picks: &[(Index, u8)]) -> Result<(), TestCaseError> {
    let model = parse(source);
    let moves = random_moves(&model, picks);
    let proposal = propose(source, &moves);
    let new = parse(&proposal.text);
    let diff = diff_models(&model, &new);
    prop_assert_eq!(&diff.new.version, &proposal.version);
    prop_assert!(diff.title.is_none() && diff.scale.is_none() && diff.scoring.is_empty());
    prop_assert!(diff.stages.is_empty() && diff.areas.is_empty() && diff.attributes.is_empty());
    for change in &diff.items {
        let ItemChange::Changed(delta) = change else {
            return Err(TestCaseError::fail(format!("not a move: {change:?}")));
        };
        prop_assert!(delta.stage.is_some());
        prop_assert!(delta.area.is_none() && delta.text.is_none());
        prop_assert!(delta.practice.is_none() && delta.weight.is_none());
    }
    let mut expected: Vec<(ItemId, StageLevel, StageLevel)> = proposal
        .applied
        .iter()
        .map(|m| (m.item.clone(), m.from_stage, m.to_stage))
        .collect();
    expected.sort_by_key(|(id, _, _)| model.item_index(id.as_str()));
    let actual: Vec<(ItemId, StageLevel, StageLevel)> = diff
        .stage_moves()
        .map(|(id, from, to)| (id.clone(), from, to))
        .collect();
    prop_assert_eq!(actual, expected);

    let mut applied = proposal.applied.iter();
    let mut skipped = proposal.skipped.iter().map(|(m, _)| m);
    let (mut next_applied, mut next_skipped) = (applied.next(), skipped.next());
    for stage_move in &moves {
        if next_applied == Some(stage_move) {
            next_applied = applied.next();
        } else {
            prop_assert_eq!(next_skipped, Some(stage_move));
            next_skipped = skipped.next();
        }
    }
    prop_assert!(next_applied.is_none() && next_skipped.is_none());

    for (stage_move, reason) in &proposal.skipped {
        prop_assert!(
            reason.starts_with("moving it would leave area"),
            "{}",
            reason
        );
        let again = propose(&proposal.text, std::slice::from_ref(stage_move));
        prop_assert!(again.applied.is_empty(), "{:?} could be made", stage_move);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_moves_on_the_small_model(picks in prop::collection::vec((any::<Index>(), 2u8..=3), 0..16)) {
        check_random_moves(SMALL, &picks)?;
    }

    #[test]
    fn random_moves_on_the_builtin_model(picks in prop::collection::vec((any::<Index>(), 2u8..=4), 0..80)) {
        check_random_moves(BUILTIN_MODEL_SOURCE, &picks)?;
    }
}
