//! The commands of the `simm` binary: each reads its input, calls the core,
//! and writes the result.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use anyhow::Context;
use simm_core::{
    GroupTallies, Model, Policy, Replicates, Resamples, Tally, Target, builtin_model,
    score_grouped, with_uncertainty,
};

use crate::output::write_whole;

/// Input the user must fix: shown as it is, with exit status 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

pub(crate) fn bad_input(message: impl Into<String>) -> anyhow::Error {
    BadInput(message.into()).into()
}

#[derive(Clone, Copy)]
pub enum Format {
    Json,
    Markdown,
    Html,
    /// The PDF report on A4.
    Pdf,
    /// The 16:9 slide deck, as PDF.
    Slides,
    Xlsx,
}

/// A workbook is binary; written to a terminal it would only garble it.
/// Refused before any work, with what to do instead.
pub(crate) fn refuse_binary_on_terminal(
    format: Format,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if matches!(format, Format::Xlsx | Format::Pdf | Format::Slides)
        && output.is_none()
        && io::stdout().is_terminal()
    {
        return Err(bad_input(
            "this format is binary (a workbook or a PDF): name a file with --output, e.g. --output results.xlsx, or redirect standard output to a file",
        ));
    }
    Ok(())
}

/// The workbook's bytes, or our error (nothing in it is the user's to fix).
pub(crate) fn workbook_bytes(input: &simm_report::WorkbookInput<'_>) -> anyhow::Result<Vec<u8>> {
    simm_report::workbook(input).context("building the workbook")
}

pub struct ScoreRequest<'a> {
    pub responses: &'a Path,
    pub model: Option<&'a Path>,
    /// `--locale`: the model's texts in this language.
    pub locale: Option<&'a str>,
    pub group_by: Option<&'a str>,
    pub format: Format,
    pub output: Option<&'a Path>,
    /// Bootstrap replicates behind the intervals (docs/scoring.md, "How
    /// sure a stage is").
    pub replicates: Replicates,
    /// `--target`: the stages to reach, which add the roadmap.
    pub target: Option<&'a str>,
    pub target_date: Option<&'a str>,
    /// The config file whose `[branding]` the PDF formats show.
    pub config: Option<&'a Path>,
    /// `--from`: the responses are this survey tool's export, converted
    /// with `mapping` before scoring.
    pub from: Option<simm_sheet::import::Source>,
    pub mapping: Option<&'a Path>,
}

/// Reads a model file, or the built-in model when no file is named.
pub(crate) fn load_model(path: Option<&Path>) -> anyhow::Result<Model> {
    let Some(path) = path else {
        return Ok(builtin_model());
    };
    let source = read_model_source(path)?;
    Model::parse(&source).map_err(|errors| bad_input(errors.render(&path.display().to_string())))
}

/// The model of `--model` (or the built-in one) with its texts in
/// `--locale`, or the message naming the locales it has.
pub(crate) fn load_localized_model(
    path: Option<&Path>,
    locale: Option<&str>,
) -> anyhow::Result<Model> {
    let model = load_model(path)?;
    match locale {
        None => Ok(model),
        Some(locale) => model
            .localized(locale)
            .map_err(|error| bad_input(format!("--locale: {error}"))),
    }
}

pub fn read_model_source(path: &Path) -> anyhow::Result<String> {
    let file = File::open(path).map_err(|error| {
        bad_input(format!(
            "{}: cannot open the model file: {error}",
            path.display()
        ))
    })?;
    let limit = simm_core::MAX_MODEL_BYTES as u64;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() as u64 > limit {
        return Err(bad_input(format!(
            "{}: the model file is larger than {limit} bytes; model files are small text files",
            path.display()
        )));
    }
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let valid = &error.as_bytes()[..offset];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        bad_input(format!(
            "{}:{line}: the model file is not valid UTF-8 text",
            path.display()
        ))
    })
}

pub fn model_check(path: &Path) -> anyhow::Result<()> {
    let model = load_model(Some(path))?;
    println!(
        "{}: model {} {} is valid: {} stages, {} areas, {} items, {} attributes",
        path.display(),
        model.id(),
        model.version(),
        model.stages().len(),
        model.areas().len(),
        model.items().len(),
        model.attributes().len()
    );
    Ok(())
}

/// How `simm model diff` prints the differences.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
}

/// Prints the differences between two model files. Both files are read
/// and checked before either error is reported, so that a steward sees
/// the problems of both in one round.
pub fn model_diff(old: &Path, new: &Path, format: DiffFormat) -> anyhow::Result<()> {
    let (old, new) = match (load_model(Some(old)), load_model(Some(new))) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(old), Err(new)) => match (
            old.downcast_ref::<BadInput>(),
            new.downcast_ref::<BadInput>(),
        ) {
            (Some(old), Some(new)) => return Err(bad_input(format!("{old}\n{new}"))),
            (None, _) => return Err(old),
            (Some(_), None) => return Err(new),
        },
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => return Err(error),
    };
    let diff = simm_core::diff_models(&old, &new);
    let text = match format {
        DiffFormat::Text => diff.to_text(),
        DiffFormat::Markdown => diff.to_markdown(),
        DiffFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&diff).context("serialising the differences")?;
            text.push('\n');
            text
        }
    };
    write_whole(None, text.as_bytes())
}

pub fn model_show(path: Option<&Path>, locale: Option<&str>, json: bool) -> anyhow::Result<()> {
    let model = load_localized_model(path, locale)?;
    let text = if json {
        let mut text = serde_json::to_string_pretty(&model).context("serialising the model")?;
        text.push('\n');
        text
    } else {
        simm_report::model_markdown(&model)
    };
    write_whole(None, text.as_bytes())
}

pub fn template(
    path: Option<&Path>,
    locale: Option<&str>,
    format: simm_sheet::QuestionnaireFormat,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let model = load_localized_model(path, locale)?;
    let text = simm_sheet::questionnaire(&model, format).map_err(|error| {
        bad_input(format!(
            "{}: {error}",
            path.map_or("the built-in model".into(), |p| p.display().to_string())
        ))
    })?;
    write_whole(output, text.as_bytes())
}

/// The position of the attribute `--group-by` names, or bad input with the
/// attributes the model has and a "did you mean".
pub fn attribute_index(model: &Model, name: &str) -> anyhow::Result<usize> {
    model
        .group_by_attribute(name)
        .map_err(|error| bad_input(format!("--group-by: {error}")))
}

/// What one part of a sheet adds up to.
struct Part {
    total: Tally,
    groups: Option<GroupTallies>,
    resamples: Resamples,
}

/// A response sheet read whole: its tally, its breakdown if asked for,
/// and its replicates.
pub(crate) struct Sheet {
    pub total: Tally,
    pub groups: Option<GroupTallies>,
    pub resamples: Resamples,
}

/// Reads a sheet (or standard input for `-`) on every core. `salt` keeps
/// the replicates of several sheets independent where their respondent
/// ids coincide; a sheet on its own needs none. `imported` is the sheet
/// converted from the export at `path`, read instead of the file.
pub(crate) fn read_sheet(
    model: &Model,
    path: &Path,
    imported: Option<&str>,
    group_by: Option<&str>,
    replicates: Replicates,
    salt: u64,
) -> anyhow::Result<Sheet> {
    let group_by = match group_by {
        None => None,
        Some(name) => {
            let index = attribute_index(model, name)?;
            let attribute = model.attributes()[index].id.clone();
            Some((index, GroupTallies::new(model, attribute)))
        }
    };

    let name = path.display().to_string();
    let sheet_error = |error| match error {
        simm_sheet::SheetError::Io(error) => {
            anyhow::Error::new(error).context(format!("reading {name}"))
        }
        refused => bad_input(refused.render(&name)),
    };
    let group_index = group_by.as_ref().map(|(index, _)| *index);
    let empty_groups = group_by.map(|(_, groups)| groups);
    let new_state = || Part {
        total: Tally::new(model),
        groups: empty_groups.clone(),
        resamples: Resamples::new(model, replicates, salt),
    };
    // With a breakdown, each row is tallied in its group only; the whole
    // set is the groups' sum. Every row is resampled by its id, whatever
    // its group.
    let add_row = |part: &mut Part, row: &simm_sheet::Row<'_>| {
        match (&mut part.groups, group_index) {
            (Some(groups), Some(index)) => groups.add(row.attribute(index), row.answers),
            _ => part.total.add(row.answers),
        }
        part.resamples.add(row.respondent, row.answers);
    };
    let parts = if let Some(text) = imported {
        let mut state = new_state();
        simm_sheet::read_sheet(text.as_bytes(), model, |row| add_row(&mut state, row))
            .map_err(sheet_error)?;
        vec![state]
    } else if path == Path::new("-") {
        let mut state = new_state();
        simm_sheet::read_sheet(io::stdin().lock(), model, |row| add_row(&mut state, row))
            .map_err(sheet_error)?;
        vec![state]
    } else {
        // Large sheets are read on every core, each part into its own tally.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8);
        simm_sheet::read_sheet_file(path, model, threads, new_state, add_row)
            .map_err(sheet_error)?
            .1
    };
    let mut parts = parts.into_iter();
    let Part {
        mut total,
        mut groups,
        mut resamples,
    } = parts.next().unwrap_or_else(new_state);
    for part in parts {
        total.merge(&part.total);
        resamples.merge(&part.resamples);
        if let (Some(groups), Some(part_groups)) = (&mut groups, part.groups) {
            groups.merge(part_groups);
        }
    }
    if let Some(groups) = &groups {
        total = groups.total();
    }
    Ok(Sheet {
        total,
        groups,
        resamples,
    })
}

/// `--target vision=3,technology=3` (and `--target-date`) as a target
/// for the model; areas not named get the next stage after `current`.
pub(crate) fn parse_target(
    model: &Model,
    text: &str,
    date: Option<&str>,
    current: &[(simm_core::AreaId, simm_core::StageLevel)],
) -> anyhow::Result<Target> {
    let mut areas = Vec::new();
    for pair in text
        .split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
    {
        let parsed = pair
            .split_once('=')
            .and_then(|(area, stage)| Some((area.trim(), stage.trim().parse::<u8>().ok()?)));
        match parsed {
            Some(pair) => areas.push(pair),
            None => {
                return Err(bad_input(format!(
                    "--target: {} is not AREA=STAGE; write e.g. --target vision=3,technology=3",
                    simm_core::quote_value(pair)
                )));
            }
        }
    }
    Target::parse(model, &areas, date, current).map_err(|error| {
        if error.field() == "date" {
            bad_input(format!("--target-date: {}", error.message()))
        } else {
            bad_input(format!("--target: {error}"))
        }
    })
}

pub fn score(request: &ScoreRequest<'_>) -> anyhow::Result<()> {
    refuse_binary_on_terminal(request.format, request.output)?;
    let model = load_localized_model(request.model, request.locale)?;
    let imported = match request.from {
        None => None,
        Some(from) => Some(crate::import::convert_export(
            from,
            request.responses,
            request.mapping,
            &model,
        )?),
    };
    let Sheet {
        total,
        groups,
        resamples,
    } = read_sheet(
        &model,
        request.responses,
        imported.as_ref().map(|converted| converted.sheet.as_str()),
        request.group_by,
        request.replicates,
        0,
    )?;

    // The whole sheet is the consultant's own data and is scored as it
    // is; a breakdown shows groups under the privacy policy.
    let mut results = with_uncertainty(&model, simm_core::score(&model, &total), &resamples);
    if let Some(tallies) = &groups {
        results = score_grouped(&model, results, tallies, Policy::of_model(&model));
    }
    let roadmap = match request.target {
        None => None,
        Some(text) => {
            let current: Vec<_> = results
                .areas
                .iter()
                .map(|area| (area.id.clone(), area.stage))
                .collect();
            let target = parse_target(&model, text, request.target_date, &current)?;
            Some(simm_core::roadmap(&model, &results, &target))
        }
    };
    let text = match (request.format, &roadmap) {
        (Format::Pdf | Format::Slides, _) => {
            let branding = crate::config::load(request.config)?.branding()?;
            let bytes = pdf(
                &model,
                &results,
                roadmap.as_ref(),
                &branding,
                request.format,
            )?;
            return write_whole(request.output, &bytes);
        }
        (Format::Json, None) => json(&results)?,
        (Format::Json, Some(roadmap)) => {
            // The results' keys, and the roadmap beside them.
            let mut value = serde_json::to_value(&results).context("serialising the results")?;
            value["roadmap"] = serde_json::to_value(roadmap).context("serialising the roadmap")?;
            json(&value)?
        }
        (Format::Markdown, None) => simm_report::markdown(&model, &results),
        (Format::Markdown, Some(roadmap)) => {
            simm_report::markdown_toward(&model, &results, roadmap)
        }
        (Format::Html, None) => simm_report::html(&model, &results),
        (Format::Html, Some(roadmap)) => simm_report::html_toward(&model, &results, roadmap),
        (Format::Xlsx, roadmap) => {
            let view = match roadmap {
                None => simm_report::results_view(&model, &results),
                Some(roadmap) => {
                    simm_report::results_view_toward(&model, &results, &roadmap.target)
                }
            };
            // The sheet is the consultant's own file: its rows are theirs
            // already, so the workbook repeats only what scoring made of them.
            let bytes = workbook_bytes(&simm_report::WorkbookInput {
                model: &model,
                results: Some(simm_report::ResultsPart {
                    results: &results,
                    view: &view,
                }),
                responses: None,
                actions: None,
                trend: None,
            })?;
            return write_whole(request.output, &bytes);
        }
    };
    write_whole(request.output, text.as_bytes())
}

/// The PDF report or the slides, from the view the HTML report is laid
/// out from.
fn pdf(
    model: &Model,
    results: &simm_core::Results,
    roadmap: Option<&simm_core::Roadmap>,
    branding: &simm_report::Branding,
    format: Format,
) -> anyhow::Result<Vec<u8>> {
    let view = match roadmap {
        Some(roadmap) => simm_report::results_view_toward(model, results, &roadmap.target),
        None => simm_report::results_view(model, results),
    };
    let charts =
        simm_report::Charts::draw_toward(model, results, roadmap.map(|roadmap| &roadmap.target));
    let journey = roadmap.map(|roadmap| simm_report::roadmap_view(model, results, roadmap));
    let document = simm_pdf::Document {
        view: &view,
        charts: &charts,
        roadmap: journey.as_ref(),
        actions: None,
        trend: None,
        organisation: None,
        branding,
        date: today()?,
    };
    let bytes = match format {
        Format::Slides => simm_pdf::slides(&document),
        _ => simm_pdf::report(&document),
    };
    bytes.context("rendering the PDF")
}

/// The day printed on a PDF: SOURCE_DATE_EPOCH when set, the convention
/// for reproducible output, or today in UTC.
fn today() -> anyhow::Result<simm_core::CalendarDate> {
    let seconds = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text.trim().parse::<i64>().map_err(|_| {
            bad_input(format!(
                "SOURCE_DATE_EPOCH: {} is not a number of seconds",
                simm_core::quote_value(&text)
            ))
        })?,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs() as i64),
    };
    simm_core::CalendarDate::from_unix_seconds(seconds)
        .ok_or_else(|| bad_input("SOURCE_DATE_EPOCH: the day is outside 1970-01-01 to 9999-12-31"))
}

/// The refusal of `--format pdf` or `slides` by a command other than
/// `simm score`, whose report is the only one laid out as PDF.
pub(crate) fn pdf_is_for_score(command: &str) -> anyhow::Error {
    bad_input(format!(
        "--format: simm {command} writes json, markdown or html; pdf and slides are formats of simm score"
    ))
}

/// Pretty JSON with a final line end.
pub(crate) fn json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value).context("serialising the output")?;
    text.push('\n');
    Ok(text)
}
