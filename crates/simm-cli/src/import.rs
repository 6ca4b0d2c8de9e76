//! `simm import`: a survey tool's export to simm's response sheet, and the
//! export read for `simm score --from` (docs/import.md).

use std::fs;
use std::path::Path;

use anyhow::Context;
use simm_core::Model;
use simm_sheet::import::{Converted, Mapping, Source, convert};

use crate::commands::{bad_input, load_model};
use crate::output::write_whole;

/// `--from`: parsed by clap with the sheet crate's message.
pub(crate) fn source(text: &str) -> Result<Source, simm_sheet::import::UnknownSource> {
    text.parse()
}

pub struct ImportRequest<'a> {
    pub from: Source,
    pub export: &'a Path,
    pub model: Option<&'a Path>,
    pub mapping: Option<&'a Path>,
    pub output: Option<&'a Path>,
    pub write_mapping: Option<&'a Path>,
}

fn read_mapping(path: &Path) -> anyhow::Result<Mapping> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("reading the mapping {}", path.display()))?;
    Mapping::parse(&text, &path.display().to_string()).map_err(|error| bad_input(error.to_string()))
}

/// Converts `export` with its mapping, printing the dropped columns on
/// standard error; refused input becomes a [`BadInput`](crate::commands::BadInput)
/// that names the export.
pub(crate) fn convert_export(
    from: Source,
    export: &Path,
    mapping: Option<&Path>,
    model: &Model,
) -> anyhow::Result<Converted> {
    let mapping = mapping.map(read_mapping).transpose()?;
    let bytes = fs::read(export).with_context(|| format!("reading {}", export.display()))?;
    let name = export.display().to_string();
    let converted = convert(from, &bytes, mapping.as_ref(), model).map_err(|error| {
        let lines: Vec<String> = error
            .lines()
            .into_iter()
            .map(|line| {
                // Mapping problems already name the mapping file.
                if mapping.as_ref().is_some_and(|m| line.starts_with(m.file())) {
                    line
                } else {
                    format!("{name}: {line}")
                }
            })
            .collect();
        bad_input(lines.join("\n"))
    })?;
    for line in converted.dropped_report() {
        eprintln!("{name}: {line}");
    }
    Ok(converted)
}

pub fn import(request: &ImportRequest<'_>) -> anyhow::Result<()> {
    let model = load_model(request.model)?;
    if let Some(path) = request.write_mapping {
        let bytes = fs::read(request.export)
            .with_context(|| format!("reading {}", request.export.display()))?;
        let draft = Mapping::draft(request.from, &bytes, &model).map_err(|error| {
            bad_input(
                error
                    .lines()
                    .iter()
                    .map(|line| format!("{}: {line}", request.export.display()))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        write_whole(Some(path), draft.text.as_bytes())?;
        eprintln!(
            "{}: drafted; {} entries are marked `# review`: check them, then run simm import --mapping {}",
            path.display(),
            draft.review,
            path.display()
        );
        return Ok(());
    }
    let converted = convert_export(request.from, request.export, request.mapping, &model)?;
    write_whole(request.output, converted.sheet.as_bytes())?;
    eprintln!(
        "{}: {} responses imported",
        request.export.display(),
        converted.rows
    );
    Ok(())
}
