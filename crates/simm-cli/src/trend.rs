//! `simm trend`: response sheets as rounds, in the order given, with each
//! round's results and intervals and its change from the round before,
//! computed on the items both share (docs/scoring.md, "Changes between
//! rounds").

use std::path::{Path, PathBuf};

use simm_core::{Model, Replicates, Resamples, Round, TrendInput, score, with_uncertainty};

use crate::commands::{
    Format, Sheet, json, load_model, parse_target, read_sheet, refuse_binary_on_terminal,
    workbook_bytes,
};
use crate::output::write_whole;

pub struct TrendRequest<'a> {
    pub responses: &'a [PathBuf],
    pub model: Option<&'a Path>,
    pub format: Format,
    pub output: Option<&'a Path>,
    pub replicates: Replicates,
    pub target: Option<&'a str>,
    pub target_date: Option<&'a str>,
}

pub fn trend(request: &TrendRequest<'_>) -> anyhow::Result<()> {
    refuse_binary_on_terminal(request.format, request.output)?;
    let model: Model = load_model(request.model)?;
    let names: Vec<String> = request
        .responses
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    let mut sheets: Vec<Sheet> = Vec::with_capacity(names.len());
    for (path, name) in request.responses.iter().zip(&names) {
        // Salted by the file name: two rounds' sheets may both have an
        // "r1", who must not be resampled alike in both.
        sheets.push(read_sheet(
            &model,
            path,
            None,
            None,
            request.replicates,
            Resamples::salt_of(name),
        )?);
    }
    let results: Vec<_> = sheets
        .iter()
        .map(|sheet| with_uncertainty(&model, score(&model, &sheet.total), &sheet.resamples))
        .collect();
    let inputs: Vec<TrendInput<'_>> = request
        .responses
        .iter()
        .zip(&names)
        .zip(sheets.iter().zip(&results))
        .map(|((path, name), (sheet, results))| TrendInput {
            assessment: name.clone(),
            title: path
                .file_stem()
                .map_or_else(|| name.clone(), |stem| stem.to_string_lossy().into_owned()),
            closed_at: None,
            // Each sheet is the consultant's own data, scored as it is.
            round: Round {
                model: &model,
                tally: &sheet.total,
                resamples: &sheet.resamples,
                policy: None,
            },
            results: Some(results),
        })
        .collect();
    let trend = simm_core::trend(&inputs);
    let latest = results.last().expect("two or more rounds");
    let target = request
        .target
        .map(|text| {
            let current: Vec<_> = latest
                .areas
                .iter()
                .map(|area| (area.id.clone(), area.stage))
                .collect();
            parse_target(&model, text, request.target_date, &current)
        })
        .transpose()?;
    let view = || {
        simm_report::trend_view(&simm_report::TrendViewInput {
            model: &model,
            trend: &trend,
            latest: Some(latest),
            target: target.as_ref(),
            closings: &[],
            done: &[],
        })
    };
    let text = match request.format {
        Format::Json => json(&trend)?,
        Format::Markdown => simm_report::trend_markdown(&view()),
        Format::Html => simm_report::trend_html(&view()),
        Format::Pdf | Format::Slides => return Err(crate::commands::pdf_is_for_score("trend")),
        Format::Xlsx => {
            let view = view();
            let bytes = workbook_bytes(&simm_report::WorkbookInput {
                model: &model,
                results: None,
                responses: None,
                actions: None,
                trend: Some(simm_report::TrendPart {
                    trend: &trend,
                    view: &view,
                }),
            })?;
            return write_whole(request.output, &bytes);
        }
    };
    write_whole(request.output, text.as_bytes())
}
