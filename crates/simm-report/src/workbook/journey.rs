//! The journey's sheets: the organisation's action plan, and the trend
//! over its rounds, one row per round and scope (overall, then each area)
//! so that an analyst can filter and chart it.

use rust_xlsxwriter::{Workbook, XlsxError};
use simm_core::{Delta, Interval, Model, StageLevel, Trend};

use super::cells::{Cell, Formats, Table, yes_no};
use crate::TrendView;

/// One action of the plan, as the plan pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRow {
    pub title: String,
    pub item: Option<String>,
    pub area: Option<String>,
    pub owner: Option<String>,
    /// The due day, YYYY-MM-DD.
    pub due: Option<String>,
    pub status: String,
    pub overdue: bool,
    pub notes: String,
}

pub(super) fn actions(
    book: &mut Workbook,
    formats: &Formats,
    actions: &[ActionRow],
) -> Result<(), XlsxError> {
    let mut table = Table::new(
        book.add_worksheet(),
        formats,
        "Actions",
        &[
            "Action", "Item id", "Area id", "Owner", "Due", "Status", "Overdue", "Notes",
        ],
    )?;
    for action in actions {
        table.row(&[
            Cell::Text(&action.title),
            Cell::Text(action.item.as_deref().unwrap_or_default()),
            Cell::Text(action.area.as_deref().unwrap_or_default()),
            Cell::Text(action.owner.as_deref().unwrap_or_default()),
            Cell::Text(action.due.as_deref().unwrap_or_default()),
            Cell::Text(&action.status),
            yes_no(action.overdue),
            Cell::Text(&action.notes),
        ])?;
    }
    table.finish();
    Ok(())
}

pub(super) fn trend(
    book: &mut Workbook,
    formats: &Formats,
    model: &Model,
    trend: &Trend,
    view: &TrendView,
) -> Result<(), XlsxError> {
    let mut table = Table::new(
        book.add_worksheet(),
        formats,
        "Trend",
        &[
            "Round",
            "Assessment",
            "Closed",
            "Respondents",
            "Model version",
            "Area id",
            "Area",
            "Stage",
            "Score",
            "Score low",
            "Score high",
            "Change",
            "Change low",
            "Change high",
            "Real change",
            "Hidden",
        ],
    )?;
    for (round, shown) in trend.rounds.iter().zip(&view.rounds) {
        let prefix = || {
            vec![
                Cell::Text(&shown.label),
                Cell::Text(&round.assessment),
                Cell::Text(&shown.closed),
                Cell::Whole(round.respondents),
                Cell::Text(&round.model.version),
            ]
        };
        let (Some(overall), true) = (&round.overall, round.shown) else {
            let mut cells = prefix();
            // Nothing of a hidden round but its size and why.
            cells.extend(std::iter::repeat_with(|| Cell::Empty).take(10));
            cells.push(Cell::Text(&shown.overall));
            table.row(&cells)?;
            continue;
        };
        let mut scope = |id: &str,
                         name: &str,
                         stage: StageLevel,
                         score: f64,
                         interval: Option<Interval>,
                         delta: Option<Delta>|
         -> Result<(), XlsxError> {
            let mut cells = prefix();
            cells.extend([
                Cell::Owned(id.to_owned()),
                Cell::Owned(name.to_owned()),
                Cell::Whole(stage.get().into()),
                Cell::Decimal(Some(score)),
                Cell::Decimal(interval.map(|i| i.low)),
                Cell::Decimal(interval.map(|i| i.high)),
                Cell::Decimal(delta.map(|d| d.value)),
                Cell::Decimal(delta.map(|d| d.interval.low)),
                Cell::Decimal(delta.map(|d| d.interval.high)),
                delta.map_or(Cell::Empty, |d| yes_no(d.real)),
            ]);
            table.row(&cells)
        };
        scope(
            "",
            "Overall",
            overall.stage,
            overall.score,
            overall.score_interval,
            overall.delta,
        )?;
        for area in round.areas.iter().flatten() {
            let name = model
                .area(&area.id)
                .map_or(area.id.as_str(), |found| found.name.as_str());
            scope(
                area.id.as_str(),
                name,
                area.stage,
                area.score,
                area.score_interval,
                area.delta,
            )?;
        }
    }
    table.finish();
    Ok(())
}
