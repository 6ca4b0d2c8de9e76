//! The results' sheets: Summary, Areas, Stage fulfilment, Items,
//! Consensus and Groups. Texts come from the results view the HTML and
//! Markdown reports are laid out from; the numbers beside them are the
//! results' own, unrounded, so that an analyst computes with what the JSON
//! holds.

use rust_xlsxwriter::{Workbook, XlsxError};
use simm_core::{Model, Results};

use super::cells::{Cell, Formats, Table, yes_no};
use crate::ResultsView;

pub(super) fn summary(
    book: &mut Workbook,
    formats: &Formats,
    model: &Model,
    results: &Results,
    view: &ResultsView,
) -> Result<(), XlsxError> {
    let mut table = Table::new(
        book.add_worksheet(),
        formats,
        "Summary",
        &["Measure", "Value"],
    )?;
    let overall = &results.overall;
    let interval = overall.score_interval;
    let rows: Vec<(&str, Cell<'_>)> = vec![
        ("Model", Cell::Text(&view.title)),
        ("Model id", Cell::Text(model.id().as_str())),
        ("Model version", Cell::Text(model.version())),
        ("Respondents", Cell::Whole(results.respondents)),
        ("Threshold", Cell::Percent(Some(results.threshold))),
        ("Overall stage", Cell::Whole(overall.stage.get().into())),
        ("Overall stage name", Cell::Text(&view.overall.stage_name)),
        ("Overall score", Cell::Decimal(Some(overall.score))),
        ("Overall score low", Cell::Decimal(interval.map(|i| i.low))),
        (
            "Overall score high",
            Cell::Decimal(interval.map(|i| i.high)),
        ),
        ("Overall stage set by", Cell::Text(&view.overall.set_by)),
        ("Common language", Cell::Percent(results.common_language)),
        (
            "Interval level",
            Cell::Percent(results.uncertainty.map(|u| u.level)),
        ),
        (
            "Bootstrap replicates",
            results
                .uncertainty
                .map_or(Cell::Empty, |u| Cell::Whole(u.replicates.into())),
        ),
        (
            "Anonymity minimum",
            results
                .anonymity_min
                .map_or(Cell::Empty, |min| Cell::Whole(min.into())),
        ),
    ];
    for (measure, value) in rows {
        table.row(&[Cell::Text(measure), value])?;
    }
    table.finish();
    Ok(())
}

pub(super) fn areas(
    book: &mut Workbook,
    formats: &Formats,
    model: &Model,
    results: &Results,
    view: &ResultsView,
) -> Result<(), XlsxError> {
    let mut header = vec![
        "Area id",
        "Area",
        "Stage",
        "Stage name",
        "Score",
        "Score low",
        "Score high",
        "Consensus",
        "Next stage",
        "Next stage in place",
        "Recommended items",
        "Reason",
        "Stage confidence",
        "Target",
    ];
    let probability_titles: Vec<String> = model
        .stages()
        .iter()
        .map(|stage| format!("P(stage {})", stage.level.get()))
        .collect();
    header.extend(probability_titles.iter().map(String::as_str));
    let mut table = Table::new(book.add_worksheet(), formats, "Areas", &header)?;
    for (area, shown) in results.areas.iter().zip(&view.areas) {
        let interval = area.score_interval;
        let gap = area.gap.as_ref();
        let recommended = gap
            .map(|gap| {
                gap.min_items
                    .iter()
                    .map(|id| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let mut cells = vec![
            Cell::Text(area.id.as_str()),
            Cell::Text(&shown.name),
            Cell::Whole(area.stage.get().into()),
            Cell::Text(&shown.stage_name),
            Cell::Decimal(Some(area.score)),
            Cell::Decimal(interval.map(|i| i.low)),
            Cell::Decimal(interval.map(|i| i.high)),
            Cell::Percent(area.consensus),
            gap.map_or(Cell::Empty, |gap| Cell::Whole(gap.next_stage.get().into())),
            Cell::Percent(gap.and_then(|gap| gap.fulfilment)),
            Cell::Owned(recommended),
            Cell::Text(&shown.reason),
            Cell::Text(&shown.confidence),
            Cell::Text(&shown.target),
        ];
        cells.extend(model.stages().iter().map(|stage| {
            Cell::Percent(
                area.stage_probability
                    .as_ref()
                    .and_then(|by_stage| by_stage.get(stage.level)),
            )
        }));
        table.row(&cells)?;
    }
    table.finish();
    Ok(())
}

pub(super) fn stage_fulfilment(
    book: &mut Workbook,
    formats: &Formats,
    results: &Results,
    view: &ResultsView,
) -> Result<(), XlsxError> {
    let mut table = Table::new(
        book.add_worksheet(),
        formats,
        "Stage fulfilment",
        &[
            "Area id",
            "Area",
            "Stage",
            "Stage name",
            "In place",
            "Low",
            "High",
            "Status",
        ],
    )?;
    for (area, shown) in results.areas.iter().zip(&view.areas) {
        for ((level, fulfilment), row) in area.fulfilment.0.iter().zip(&shown.fulfilment) {
            let interval = area
                .fulfilment_interval
                .as_ref()
                .and_then(|by_stage| by_stage.get(*level).flatten());
            table.row(&[
                Cell::Text(area.id.as_str()),
                Cell::Text(&shown.name),
                Cell::Whole(level.get().into()),
                Cell::Text(&row.name),
                Cell::Percent(*fulfilment),
                Cell::Percent(interval.map(|i| i.low)),
                Cell::Percent(interval.map(|i| i.high)),
                Cell::Text(row.status),
            ])?;
        }
    }
    table.finish();
    Ok(())
}

pub(super) fn items(
    book: &mut Workbook,
    formats: &Formats,
    results: &Results,
    view: &ResultsView,
) -> Result<(), XlsxError> {
    let mut table = Table::new(
        book.add_worksheet(),
        formats,
        "Items",
        &[
            "Item id",
            "Area id",
            "Area",
            "Stage",
            "Statement",
            "Answered",
            "In place",
            "In place low",
            "In place high",
            "r_wg",
            "Weak consensus",
            "Hidden (too few answered)",
        ],
    )?;
    for (item, shown) in results.items.iter().zip(&view.items) {
        let interval = item.fulfilment_interval;
        table.row(&[
            Cell::Text(item.id.as_str()),
            Cell::Text(item.area.as_str()),
            Cell::Text(&shown.area),
            Cell::Whole(item.stage.get().into()),
            Cell::Text(&shown.statement),
            Cell::Whole(item.answered),
            Cell::Percent(item.fulfilment),
            Cell::Percent(interval.map(|i| i.low)),
            Cell::Percent(interval.map(|i| i.high)),
            Cell::Decimal(item.rwg),
            yes_no(shown.weak),
            yes_no(item.suppressed),
        ])?;
    }
    table.finish();
    Ok(())
}

pub(super) fn consensus(
    book: &mut Workbook,
    formats: &Formats,
    results: &Results,
    view: &ResultsView,
) -> Result<(), XlsxError> {
    let mut table = Table::new(
        book.add_worksheet(),
        formats,
        "Consensus",
        &[
            "Area id",
            "Area",
            "Consensus",
            "Weak consensus",
            "Statements with weak consensus",
        ],
    )?;
    for (area, shown) in results.areas.iter().zip(&view.consensus) {
        table.row(&[
            Cell::Text(area.id.as_str()),
            Cell::Text(&shown.name),
            Cell::Percent(area.consensus),
            yes_no(shown.weak),
            Cell::Whole(view.weak_items_of(shown).len() as u64),
        ])?;
    }
    table.finish();
    Ok(())
}

/// One row per group; a hidden group shows its size and why it is hidden,
/// never a score (the results carry none for it).
pub(super) fn groups(
    book: &mut Workbook,
    formats: &Formats,
    model: &Model,
    results: &Results,
    view: &ResultsView,
) -> Result<(), XlsxError> {
    let area_titles: Vec<String> = model
        .areas()
        .iter()
        .map(|area| format!("{} score", area.id))
        .collect();
    let mut header = vec!["Attribute", "Group", "Respondents", "Hidden"];
    header.extend(area_titles.iter().map(String::as_str));
    header.extend(["Overall score", "Overall stage", "Common language"]);
    let mut table = Table::new(book.add_worksheet(), formats, "Groups", &header)?;
    let (Some(groups), Some(shown)) = (&results.groups, &view.groups) else {
        table.row(&[Cell::Text("(not broken down by an attribute)")])?;
        table.finish();
        return Ok(());
    };
    for (group, row) in groups.iter().zip(&shown.rows) {
        let mut cells = vec![
            Cell::Text(group.attribute.as_str()),
            Cell::Text(&row.label),
            Cell::Whole(group.respondents),
            row.hidden.as_deref().map_or(Cell::Empty, Cell::Text),
        ];
        if let Some(scores) = crate::group_scores(model, group) {
            cells.extend(scores.into_iter().map(Cell::Decimal));
            cells.push(group.overall.as_ref().map_or(Cell::Empty, |overall| {
                Cell::Whole(overall.stage.get().into())
            }));
            cells.push(Cell::Percent(group.common_language));
        }
        table.row(&cells)?;
    }
    table.finish();
    Ok(())
}
