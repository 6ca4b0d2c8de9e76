//! The built-in model: valid, complete, and traceable to the article.

use simm_core::{StageLevel, builtin_model};

#[test]
fn builtin_model_parses() {
    let model = builtin_model();
    assert_eq!(model.id().as_str(), "smartsourcing");
    assert_eq!(model.stages().len(), 4);
    let area_ids: Vec<&str> = model.areas().iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        area_ids,
        ["vision", "management", "organization", "technology"]
    );
}

#[test]
fn every_area_has_at_least_three_items_at_each_stage_above_one() {
    let model = builtin_model();
    for area in model.areas() {
        assert_eq!(
            model
                .item_indices(&area.id, StageLevel::new(1).unwrap())
                .count(),
            0
        );
        for level in 2..=4 {
            let count = model
                .item_indices(&area.id, StageLevel::new(level).unwrap())
                .count();
            assert!(
                count >= 3,
                "area {} has {count} items at stage {level}",
                area.id
            );
        }
    }
}

#[test]
fn the_fourth_area_is_explained_as_completing_the_article() {
    let model = builtin_model();
    let technology = model
        .areas()
        .iter()
        .find(|a| a.id.as_str() == "technology")
        .unwrap();
    assert_eq!(technology.name, "Information Technology");
    assert!(
        technology.description.contains("completes"),
        "{}",
        technology.description
    );
}

/// Every characteristic of stages 2 and above is covered by items of its
/// stage, as the traceability table in docs/model.md records.
#[test]
fn traceability_table_covers_every_characteristic_with_items_of_its_stage() {
    let model = builtin_model();
    let doc = include_str!("../../../docs/model.md");
    let mut covered = std::collections::HashSet::new();
    let mut items_listed = std::collections::HashSet::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() != 6 {
            continue;
        }
        let (Ok(level), Ok(number)) = (cells[1].parse::<u8>(), cells[2].parse::<usize>()) else {
            continue;
        };
        let stage = model.stage(StageLevel::new(level).unwrap());
        assert_eq!(stage.characteristics[number - 1], cells[3], "row {line}");
        for id in cells[4].split(',').map(str::trim) {
            let index = model
                .item_index(id)
                .unwrap_or_else(|| panic!("unknown item {id} in {line}"));
            assert_eq!(
                model.items()[index].stage.get(),
                level,
                "{id} is listed under stage {level}"
            );
            items_listed.insert(id.to_owned());
        }
        covered.insert((level, number));
    }
    for stage in model.stages().iter().skip(1) {
        for number in 1..=stage.characteristics.len() {
            assert!(
                covered.contains(&(stage.level.get(), number)),
                "stage {} characteristic {number} has no items",
                stage.level
            );
        }
    }
    for item in model.items() {
        assert!(
            items_listed.contains(item.id.as_str()),
            "{} covers no characteristic",
            item.id
        );
    }
}
