//! `simm calibrate`: reads response sheets into one answer matrix, calls the
//! core's calibration, and writes the report and, when asked, a proposed
//! model version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use simm_core::{
    AnswerMatrix, BUILTIN_MODEL_SOURCE, CalibrationOptions, Grouping, Method, Model, Progress,
    propose_model,
};
use simm_report::ProposalSummary;

use crate::commands::{BadInput, Format, attribute_index, read_model_source};
use crate::output::write_whole;

pub struct CalibrateRequest<'a> {
    pub responses: &'a [PathBuf],
    pub model: Option<&'a Path>,
    pub group_by: Option<&'a str>,
    pub method: Option<Method>,
    pub format: Format,
    pub output: Option<&'a Path>,
    pub propose: Option<&'a Path>,
}

fn bad_input(message: impl Into<String>) -> anyhow::Error {
    BadInput(message.into()).into()
}

/// A progress bar that appears only once a run has taken a second: short
/// runs stay quiet, and indicatif draws nothing when stderr is not a
/// terminal.
struct Bar {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
}

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").expect("a valid template"),
        );
        Bar {
            bar,
            started: Instant::now(),
            shown: false,
        }
    }

    fn say(&mut self, message: String) {
        if !self.shown && self.started.elapsed() >= Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
            self.shown = true;
        }
        self.bar.set_message(message);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// What reading the sheets produced: answers, and group membership.
struct Pooled {
    matrix: AnswerMatrix,
    grouping: Option<Grouping>,
}

/// One part of a sheet read on one thread.
struct Part {
    cells: Vec<u8>,
    groups: Vec<Option<u32>>,
    names: Vec<String>,
    index: HashMap<String, u32>,
}

fn read_responses(
    model: &Model,
    files: &[PathBuf],
    group_by: Option<usize>,
    bar: &mut Bar,
) -> anyhow::Result<Pooled> {
    let items = model.items().len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let mut cells = Vec::new();
    let mut groups: Vec<Option<u32>> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    for file in files {
        let name = file.display().to_string();
        bar.say(format!("reading {name}"));
        let new_part = || Part {
            cells: Vec::new(),
            groups: Vec::new(),
            names: Vec::new(),
            index: HashMap::new(),
        };
        let add_row = |part: &mut Part, row: &simm_sheet::Row<'_>| {
            part.cells
                .extend(row.answers.iter().map(|a| a.map_or(0, |a| a.get())));
            if let Some(attribute) = group_by {
                let group = row.attribute(attribute).map(|value| {
                    if let Some(found) = part.index.get(value) {
                        *found
                    } else {
                        let next = part.names.len() as u32;
                        part.names.push(value.to_owned());
                        part.index.insert(value.to_owned(), next);
                        next
                    }
                });
                part.groups.push(group);
            }
        };
        let (summary, parts) = simm_sheet::read_sheet_file(file, model, threads, new_part, add_row)
            .map_err(|error| match error {
                simm_sheet::SheetError::Io(error) => {
                    anyhow::Error::new(error).context(format!("reading {name}"))
                }
                refused => bad_input(refused.render(&name)),
            })?;
        if !summary.absent_items.is_empty() {
            let count = summary.absent_items.len();
            let shown: Vec<&str> = summary
                .absent_items
                .iter()
                .take(8)
                .map(String::as_str)
                .collect();
            return Err(bad_input(format!(
                "{name}:1: the sheet's items do not match the model {} {}: it has no column for {count} of its {items} items ({}{}); calibration needs every item, so use the model the answers were collected with",
                model.id(),
                model.version(),
                shown.join(", "),
                if count > shown.len() { ", …" } else { "" }
            )));
        }
        for part in parts {
            cells.extend_from_slice(&part.cells);
            // Group names are numbered per part; map them to one table.
            for group in part.groups {
                groups.push(group.map(|g| {
                    let value = &part.names[g as usize];
                    *index.entry(value.clone()).or_insert_with(|| {
                        names.push(value.clone());
                        (names.len() - 1) as u32
                    })
                }));
            }
        }
    }
    let matrix = AnswerMatrix::from_cells(items, cells);
    let grouping = group_by.map(|attribute| {
        // Declared values come first in their declared order; others in
        // order of appearance.
        let mut order: Vec<usize> = (0..names.len()).collect();
        if let Some(values) = &model.attributes()[attribute].values {
            order.sort_by_key(|g| {
                values
                    .iter()
                    .position(|v| v == &names[*g])
                    .unwrap_or(usize::MAX)
            });
        }
        let mut renumber = vec![0u32; names.len()];
        for (new, old) in order.iter().enumerate() {
            renumber[*old] = new as u32;
        }
        Grouping {
            attribute: model.attributes()[attribute].id.to_string(),
            names: order.iter().map(|g| names[*g].clone()).collect(),
            of_respondent: groups
                .iter()
                .map(|g| g.map(|g| renumber[g as usize]))
                .collect(),
        }
    });
    Ok(Pooled { matrix, grouping })
}

pub fn calibrate(request: &CalibrateRequest<'_>) -> anyhow::Result<()> {
    if matches!(request.format, Format::Xlsx) {
        return Err(crate::commands::bad_input(
            "--format xlsx: the calibration report is json, markdown or html",
        ));
    }
    let source = match request.model {
        Some(path) => read_model_source(path)?,
        None => BUILTIN_MODEL_SOURCE.to_owned(),
    };
    let model_name = request.model.map_or_else(
        || "the built-in model".to_owned(),
        |p| p.display().to_string(),
    );
    let model = Model::parse(&source).map_err(|errors| bad_input(errors.render(&model_name)))?;
    let group_by = request
        .group_by
        .map(|name| attribute_index(&model, name))
        .transpose()?;
    if request.method == Some(Method::Rasch) && model.scale().points != 2 {
        return Err(bad_input(format!(
            "--method rasch: the dichotomous Rasch model needs a 2-point scale, and {model_name} has {} points; use --method pcm or --method rsm",
            model.scale().points
        )));
    }

    let mut bar = Bar::new();
    let pooled = read_responses(&model, request.responses, group_by, &mut bar)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = CalibrationOptions {
        method: request.method,
        threads,
    };
    let mut on_progress = |progress: Progress| {
        bar.say(match progress {
            Progress::Iteration {
                iteration,
                largest_change,
                subsample,
            } => format!(
                "estimating item locations{}: iteration {iteration}, largest change {largest_change:.1e} logits",
                if subsample { " on a subsample" } else { "" }
            ),
            Progress::PersonMeasures => "person measures".to_owned(),
            Progress::Fit => "item fit".to_owned(),
        })
    };
    let calibration = simm_core::calibrate(
        &model,
        &pooled.matrix,
        pooled.grouping.as_ref(),
        &options,
        &mut on_progress,
    );
    bar.finish();
    let files = request
        .responses
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let calibration =
        calibration.map_err(|error| bad_input(format!("{files}: cannot calibrate: {error}")))?;

    let mut proposal = None;
    let mut file_name = String::new();
    if let Some(path) = request.propose {
        let notes = vec![format!(
            "Calibrated from {} responses ({} method, conditional maximum likelihood) in {files}.",
            calibration.respondents,
            calibration.method.as_str(),
        )];
        let proposal_made = propose_model(&source, &calibration.stage_moves(), &notes)
            .context("writing the proposed model version")?;
        file_name = path.display().to_string();
        proposal = Some(proposal_made);
    }

    let proposal_summary = proposal
        .as_ref()
        .map(|p| ProposalSummary::from_proposal(&file_name, p));
    let text = match request.format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&calibration)
                .context("serialising the calibration")?;
            text.push('\n');
            text
        }
        Format::Markdown => {
            simm_report::calibration_markdown(&calibration, proposal_summary.as_ref())
        }
        Format::Html => simm_report::calibration_html(&calibration, proposal_summary.as_ref()),
        Format::Pdf | Format::Slides => {
            return Err(crate::commands::pdf_is_for_score("calibrate"));
        }
        Format::Xlsx => unreachable!("refused before the calibration"),
    };
    // The proposal is written first: a report that mentions it must not
    // exist without it.
    if let (Some(path), Some(proposal)) = (request.propose, &proposal) {
        write_whole(Some(path), proposal.text.as_bytes())?;
    }
    write_whole(request.output, text.as_bytes())
}
