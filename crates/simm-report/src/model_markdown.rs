//! The Markdown description of a model, for `simm model show`.

use std::fmt::Write as _;

use simm_core::{Aggregate, Model};

use crate::format::{markdown_cell as cell, one_line};

/// Describes a model in Markdown: scale, scoring settings, stages with
/// their characteristics, areas, respondent attributes and statements.
pub fn model_markdown(model: &Model) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail, so the results are ignored.
    let _ = writeln!(
        out,
        "# {} {}\n",
        one_line(model.title()),
        one_line(model.version())
    );
    let scale = model.scale();
    let labels: Vec<String> = scale
        .labels
        .iter()
        .enumerate()
        .map(|(index, label)| format!("{} {}", index + 1, one_line(label)))
        .collect();
    let _ = writeln!(out, "- Id: `{}`", model.id());
    let _ = write!(out, "- Scale: {} points", scale.points);
    if labels.is_empty() {
        out.push('\n');
    } else {
        let _ = writeln!(out, " ({})", labels.join(", "));
    }
    let scoring = model.scoring();
    let _ = writeln!(
        out,
        "- Threshold: {} % of a stage's practices in place",
        crate::format::threshold_percent(scoring.threshold.get())
    );
    let aggregate = match scoring.aggregate {
        Aggregate::Mean => "mean",
        Aggregate::Median => "median",
    };
    let _ = writeln!(out, "- Item fulfilment: the {aggregate} of the answers");
    out.push_str("- Overall: the weakest area\n");
    let _ = writeln!(
        out,
        "- Anonymity: groups of fewer than {} respondents are hidden\n",
        scoring.anonymity_min.get()
    );

    out.push_str("## Stages\n\n");
    for stage in model.stages() {
        let _ = writeln!(out, "### {} {}\n", stage.level, one_line(&stage.name));
        let _ = writeln!(out, "{}\n", one_line(&stage.description));
        for characteristic in &stage.characteristics {
            let _ = writeln!(out, "- {}", one_line(characteristic));
        }
        if !stage.characteristics.is_empty() {
            out.push('\n');
        }
    }

    out.push_str("## Areas\n\n| Id | Name | Description |\n|---|---|---|\n");
    for area in model.areas() {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(area.id.as_str()),
            cell(&area.name),
            cell(&area.description)
        );
    }
    out.push('\n');

    if !model.attributes().is_empty() {
        out.push_str("## Respondent attributes\n\n| Id | Name | Values |\n|---|---|---|\n");
        for attribute in model.attributes() {
            let values = attribute
                .values
                .as_ref()
                .map_or_else(|| "free text".to_owned(), |values| values.join(", "));
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(attribute.id.as_str()),
                cell(&attribute.name),
                cell(&values)
            );
        }
        out.push('\n');
    }

    out.push_str("## Statements\n");
    for area in model.areas() {
        let _ = writeln!(
            out,
            "\n### {}\n\n| Id | Stage | Statement | Practice | Weight |\n|---|---:|---|---|---:|",
            one_line(&area.name)
        );
        for item in model.items().iter().filter(|item| item.area == area.id) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(item.id.as_str()),
                item.stage,
                cell(&item.text),
                cell(&item.practice),
                item.weight.get()
            );
        }
    }
    out
}
