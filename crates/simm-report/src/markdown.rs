//! Lays a [`ResultsView`] out as Markdown for a terminal: plain tables, text
//! bars, and every model text on one line with `|` escaped in tables.

use std::fmt::Write as _;

use crate::content::{Practice, ResultsView};
use crate::format::{markdown_cell as cell, one_line};

/// Bar length in characters; one character per 10 %.
const BAR_CHARS: u32 = 10;

fn bar(percent: u32) -> String {
    let filled = (percent.min(100) * BAR_CHARS / 100) as usize;
    format!(
        "{}{}",
        "█".repeat(filled),
        "░".repeat(BAR_CHARS as usize - filled)
    )
}

pub(crate) fn render(report: &ResultsView) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail, so the results are ignored.
    let _ = writeln!(out, "# {}\n", one_line(&report.title));
    let _ = writeln!(out, "- Respondents: {}", report.respondents);
    let _ = writeln!(
        out,
        "- Threshold: {}. {}",
        report.threshold, report.threshold_sentence
    );
    let overall = &report.overall;
    let _ = writeln!(
        out,
        "- Overall stage: **{} {}**, score {}{}, {}.",
        overall.stage,
        one_line(&overall.stage_name),
        overall.score,
        in_parentheses(&overall.score_interval),
        one_line(&overall.set_by)
    );
    let _ = writeln!(
        out,
        "- Common language: {}. {}\n",
        report.common_language, report.common_language_sentence
    );
    let intervals = !report.uncertainty_sentence.is_empty();
    if intervals {
        let _ = writeln!(out, "{}\n", report.uncertainty_sentence);
    }

    if intervals {
        out.push_str("## Areas\n\n| Area | Stage | Score | 95 % interval | Stage confidence |\n|---|---|---:|---:|---|\n");
    } else {
        out.push_str("## Areas\n\n| Area | Stage | Score |\n|---|---|---:|\n");
    }
    for area in &report.areas {
        let _ = write!(
            out,
            "| {} | {} {} | {} |",
            cell(&area.name),
            area.stage,
            cell(&area.stage_name),
            area.score
        );
        if intervals {
            let _ = write!(
                out,
                " {} | {} |",
                area.score_interval, area.stage_probability
            );
        }
        out.push('\n');
    }
    out.push('\n');
    for area in &report.areas {
        let _ = writeln!(
            out,
            "### {}: stage {} {}, score {}{}\n",
            one_line(&area.name),
            area.stage,
            one_line(&area.stage_name),
            area.score,
            in_parentheses(&area.score_interval)
        );
        let _ = writeln!(out, "{}\n", one_line(&area.reason));
        if !area.target.is_empty() {
            let _ = writeln!(out, "{}\n", one_line(&area.target));
        }
        if !area.confidence.is_empty() {
            let _ = writeln!(
                out,
                "{} Stage confidence: {}.\n",
                one_line(&area.confidence),
                area.stage_probability
            );
        }
        if intervals {
            out.push_str("| Stage | In place | 95 % interval | Progress | Status |\n|---|---:|---:|---|---|\n");
        } else {
            out.push_str("| Stage | In place | Progress | Status |\n|---|---:|---|---|\n");
        }
        for row in &area.fulfilment {
            let interval = if intervals {
                format!(" {} |", row.interval)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} {} | {} |{interval} {} | {} |",
                row.level,
                cell(&row.name),
                row.in_place,
                bar(row.bar_percent),
                row.status
            );
        }
        out.push('\n');
    }

    out.push_str("## Roadmap\n\n");
    let _ = writeln!(out, "{}\n", report.roadmap_intro);
    for (number, step) in report.roadmap.iter().enumerate() {
        let _ = writeln!(out, "### {}. {}\n", number + 1, one_line(&step.heading));
        let _ = writeln!(out, "{}\n", step.situation);
        if !step.recommended.is_empty() {
            let _ = writeln!(out, "{}\n", one_line(&step.recommended_intro));
            for (index, practice) in step.recommended.iter().enumerate() {
                practice_entry(&mut out, &format!("{}.", index + 1), practice);
            }
            out.push('\n');
        }
        if !step.further.is_empty() {
            let _ = writeln!(out, "{}\n", step.further_intro);
            for practice in &step.further {
                practice_entry(&mut out, "-", practice);
            }
            out.push('\n');
        }
    }
    if !report.at_top_stage.is_empty() {
        let names: Vec<String> = report.at_top_stage.iter().map(|n| one_line(n)).collect();
        let _ = writeln!(
            out,
            "Already at the top stage, with no further step: {}.\n",
            names.join(", ")
        );
    }

    out.push_str("## Consensus\n\n");
    let _ = writeln!(out, "{}\n", report.consensus_intro);
    out.push_str("| Area | Consensus |\n|---|---:|\n");
    for area in &report.consensus {
        let _ = writeln!(
            out,
            "| {} | {}{} |",
            cell(&area.name),
            area.consensus,
            if area.weak { " (weak)" } else { "" }
        );
    }
    out.push('\n');
    let _ = writeln!(out, "{}\n", report.weak_consensus_sentence);
    if report.weak_items.is_empty() {
        out.push_str("No statement has weak consensus.\n\n");
    } else {
        out.push_str("| Id | Area | Statement | r_wg |\n|---|---|---|---:|\n");
        for item in &report.weak_items {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&item.id),
                cell(&item.area),
                cell(&item.statement),
                item.rwg
            );
        }
        out.push('\n');
    }

    if let Some(groups) = &report.groups {
        let _ = writeln!(out, "## {}\n", one_line(&groups.heading));
        let _ = writeln!(out, "{}\n", groups.note);
        let _ = write!(out, "| Group | Respondents |");
        for column in &groups.columns {
            let _ = write!(out, " {} |", cell(column));
        }
        out.push_str("\n|---|---|");
        out.push_str(&"---:|".repeat(groups.columns.len()));
        out.push('\n');
        for row in &groups.rows {
            let _ = write!(out, "| {} |", cell(&row.label));
            match &row.hidden {
                // A hidden group keeps its row, with its size and the
                // reason in place of the count, and every score cell empty.
                Some(hidden) => {
                    let _ = write!(out, " {} |", cell(hidden));
                    out.push_str(&" |".repeat(groups.columns.len()));
                }
                None => {
                    let _ = write!(out, " {} |", row.respondents);
                    for score in &row.cells {
                        let _ = write!(out, " {} |", score.score);
                    }
                }
            }
            out.push('\n');
        }
        out.push('\n');
    }

    out.push_str("## Appendix: statements\n\n");
    out.push_str(
        "| Id | Area | Stage | Statement | Answered | In place | r_wg |\n|---|---|---:|---|---:|---:|---:|\n",
    );
    for item in &report.items {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {}{} |",
            cell(&item.id),
            cell(&item.area),
            item.stage,
            cell(&item.statement),
            item.answered,
            item.fulfilment,
            item.rwg,
            if item.weak { " (weak)" } else { "" }
        );
    }
    out
}

/// " (95 % interval 2.55–2.90)" after a score, or nothing without one.
fn in_parentheses(interval: &str) -> String {
    if interval.is_empty() {
        String::new()
    } else {
        format!(" (95 % interval {interval})")
    }
}

/// One practice of the roadmap as a list entry: its id and statement, how
/// far it is in place, and the practice to adopt on an indented line. The
/// two spaces before the line break make it a hard break where the
/// Markdown is rendered, and are invisible in a terminal.
fn practice_entry(out: &mut String, marker: &str, practice: &Practice) {
    let indent = " ".repeat(marker.chars().count() + 1);
    let _ = writeln!(
        out,
        "{marker} **{}** {} ({})  \n{indent}Practice: {}",
        one_line(&practice.id),
        one_line(&practice.statement),
        practice.in_place,
        one_line(&practice.practice)
    );
}
