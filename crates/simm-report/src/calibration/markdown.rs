//! Lays the calibration view out as Markdown, for a terminal or a file
//! next to the proposal.

use std::fmt::Write as _;

use super::view::CalibrationView;
use crate::format::markdown_cell as cell;

pub(super) fn render(view: &CalibrationView) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail, so the results are ignored.
    let _ = writeln!(out, "# {}\n", view.title);
    let _ = writeln!(out, "- Model: {}", view.model);
    let _ = writeln!(out, "- Method: {}", view.method);
    let _ = writeln!(out, "- Estimator: {}", view.estimator);
    let _ = writeln!(out, "- Respondents: {}", view.respondents);
    let _ = writeln!(out, "- Iterations: {}\n", view.iterations);

    if let Some(proposal) = &view.proposal {
        let _ = writeln!(out, "{}\n", proposal.sentence);
        if !proposal.skipped.is_empty() {
            for skipped in &proposal.skipped {
                let _ = writeln!(out, "- {}: {}", skipped.item, skipped.why);
            }
            out.push('\n');
        }
    }

    let persons = &view.persons;
    out.push_str("## Persons\n\n");
    let _ = writeln!(out, "- Respondents with answers: {}", persons.n);
    let _ = writeln!(
        out,
        "- Extreme: {} at the lowest value on every item, {} at the highest",
        persons.extreme_minimum, persons.extreme_maximum
    );
    let _ = writeln!(out, "- Separation reliability: {}", persons.reliability);
    let _ = writeln!(
        out,
        "- Measures: mean {}, SD {} logits\n",
        persons.mean, persons.sd
    );

    out.push_str(
        "## Areas\n\n| Area | Items | Alpha | Alpha would rise without |\n|---|---:|---:|---|\n",
    );
    for area in &view.areas {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&area.id),
            area.items,
            area.alpha,
            cell(&area.rising)
        );
    }
    out.push('\n');

    out.push_str("## Items\n\n");
    out.push_str("| Id | Area | Stage | Answered | Missing | Mean | SD | Item-total r | Location ± SE | Infit | Outfit | Flags |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for item in &view.items {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} ± {} | {} | {} | {} |",
            cell(&item.id),
            cell(&item.area),
            item.stage,
            item.answered,
            item.missing,
            item.mean,
            item.sd,
            item.item_total_r,
            item.location,
            item.se,
            item.infit,
            item.outfit,
            item.flags.join(", ")
        );
    }
    out.push('\n');
    if view.flagged_items.is_empty() {
        out.push_str("No item is flagged.\n\n");
    } else {
        out.push_str("### Flags\n\n");
        for item in &view.flagged_items {
            for flag in &item.flags {
                let _ = writeln!(out, "- **{}** {}: {}", item.id, flag.label, flag.detail);
            }
        }
        out.push('\n');
    }

    if !view.thresholds.is_empty() {
        out.push_str(
            "## Thresholds\n\nThe step between two answer values is where both are equally likely, in logits; steps out of order mean the middle answer is never the most likely one.\n\n| Item | Steps | |\n|---|---|---|\n",
        );
        for row in &view.thresholds {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&row.id),
                row.steps.join(", "),
                if row.disordered { "disordered" } else { "" }
            );
        }
        out.push('\n');
    }

    out.push_str("## Stage bands\n\nItem locations per stage, in logits.\n\n");
    out.push_str("| Area | Stage | Items | Min | Mean | Max |\n|---|---:|---:|---:|---:|---:|\n");
    for band in &view.bands {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&band.scope),
            band.stage,
            band.items,
            band.min,
            band.mean,
            band.max
        );
    }
    out.push('\n');

    out.push_str("## Stage overlaps\n\n");
    let _ = writeln!(out, "{}\n", view.overlap_sentence);
    if view.overlaps.is_empty() {
        out.push_str("No area has items of two adjacent stages.\n\n");
    } else {
        out.push_str("| Area | Stages | Out of order | Heavy |\n|---|---|---:|---|\n");
        for overlap in &view.overlaps {
            let _ = writeln!(
                out,
                "| {} | {} → {} | {} | {} |",
                cell(&overlap.scope),
                overlap.lower,
                overlap.upper,
                overlap.overlap,
                if overlap.heavy { "**heavy**" } else { "" }
            );
        }
        out.push('\n');
    }

    out.push_str("## Suggested moves\n\n");
    if view.suggestions.is_empty() {
        out.push_str("No item's location contradicts its stage; no move is suggested.\n\n");
    } else {
        out.push_str("| Item | From | To | Reason |\n|---|---:|---:|---|\n");
        for suggestion in &view.suggestions {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&suggestion.item),
                suggestion.from,
                suggestion.to,
                cell(&suggestion.reason)
            );
        }
        out.push('\n');
    }

    if let Some(dif) = &view.dif {
        let _ = writeln!(out, "## {}\n", dif.heading);
        out.push_str("| Group | Respondents | Problem |\n|---|---:|---|\n");
        for group in &dif.groups {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&group.name),
                group.respondents,
                cell(&group.problem)
            );
        }
        out.push('\n');
        if !dif.flagged.is_empty() {
            out.push_str("| Item | Groups | Difference ± SE | p |\n|---|---|---:|---:|\n");
            for row in &dif.flagged {
                let _ = writeln!(
                    out,
                    "| {} | {} vs {} | {} ± {} | {} |",
                    cell(&row.item),
                    cell(&row.first),
                    cell(&row.second),
                    row.difference,
                    row.se,
                    row.p
                );
            }
            out.push('\n');
        }
        let _ = writeln!(out, "{}\n", dif.summary);
    }

    if !view.notes.is_empty() {
        out.push_str("## Notes\n\n");
        for note in &view.notes {
            let _ = writeln!(out, "- {note}");
        }
        out.push('\n');
    }
    // One trailing newline, as a text file should end.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
