//! End-to-end tests of `simm calibrate` on sheets simulated for the
//! built-in model from known parameters: a practice planted at the wrong
//! stage must be flagged and moved in the proposal, an item planted to
//! mean something else to partners must show DIF, and bad input must be
//! refused with a clear message and nothing written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn simm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simm"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("simm runs")
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("simm-calibrate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ROLES: [&str; 4] = ["executive", "manager", "employee", "partner"];
/// Planted at stage 4 but as easy as the stage-2 practices.
const MISPLACED: &str = "VS-4-01";
/// Planted to be much harder for partners than for everyone else.
const DIF_ITEM: &str = "MG-3-01";

fn item_ids() -> Vec<String> {
    simm_core::builtin_model()
        .items()
        .iter()
        .map(|i| i.id.to_string())
        .collect()
}

/// A response sheet for the built-in model (5 points, PCM) with
/// `respondents` rows; item locations follow their stage except the
/// planted ones.
fn simulated_sheet(respondents: usize, seed: u64) -> String {
    let model = simm_core::builtin_model();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut sheet = String::from("respondent,role,unit");
    for item in model.items() {
        write!(sheet, ",{}", item.id).unwrap();
    }
    sheet.push('\n');
    for respondent in 0..respondents {
        let role = ROLES[respondent % ROLES.len()];
        let u: f64 = rng.random::<f64>().max(1e-12);
        let v: f64 = rng.random();
        let theta = 1.3 * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        write!(sheet, "R{respondent},{role},Unit").unwrap();
        for (index, item) in model.items().iter().enumerate() {
            let mut location = f64::from(item.stage.get()) - 3.0 + 0.05 * (index % 5) as f64;
            if item.id.as_str() == MISPLACED {
                location = -2.0;
            }
            if item.id.as_str() == DIF_ITEM && role == "partner" {
                location += 1.5;
            }
            let mut logs = vec![0.0];
            let mut sum = 0.0;
            for step in [-1.2, -0.4, 0.4, 1.2] {
                sum += theta - location - step;
                logs.push(sum);
            }
            let weights: Vec<f64> = logs.iter().map(|l: &f64| l.exp()).collect();
            let mut draw = rng.random::<f64>() * weights.iter().sum::<f64>();
            let mut category = 0;
            for (k, w) in weights.iter().enumerate() {
                category = k;
                if draw < *w {
                    break;
                }
                draw -= w;
            }
            if rng.random::<f64>() < 0.03 {
                sheet.push(',');
            } else {
                write!(sheet, ",{}", category + 1).unwrap();
            }
        }
        sheet.push('\n');
    }
    sheet
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "simm failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

fn item<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

#[test]
fn a_misplaced_practice_is_flagged_moved_and_diffed() {
    let dir = tempdir("misplaced");
    // Two files are pooled.
    let first = dir.join("2025.csv");
    let second = dir.join("2026.csv");
    std::fs::write(&first, simulated_sheet(500, 1)).unwrap();
    std::fs::write(&second, simulated_sheet(500, 2)).unwrap();
    let proposal = dir.join("next.toml");
    let report = json_of(&simm(&[
        "calibrate",
        "--responses",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
        "--propose",
        proposal.to_str().unwrap(),
    ]));
    assert_eq!(report["method"], "pcm");
    assert_eq!(report["estimator"], "cml");
    assert_eq!(report["respondents"], 1000);
    assert_eq!(report["items"].as_array().unwrap().len(), 48);
    let misplaced = item(&report, MISPLACED);
    assert!(
        misplaced["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "stage"),
        "{misplaced}"
    );
    let suggestions = report["suggestions"].as_array().unwrap();
    assert_eq!(suggestions.len(), 1, "{suggestions:?}");
    assert_eq!(suggestions[0]["item"], MISPLACED);
    assert_eq!(suggestions[0]["from_stage"], 4);
    assert_eq!(suggestions[0]["to_stage"], 2);
    // Locations are centred, and stage-4 practices are harder than
    // stage-2 ones, as simulated.
    let locations: Vec<f64> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["location"].as_f64().unwrap())
        .collect();
    assert!(locations.iter().sum::<f64>().abs() < 1e-6);
    assert!(
        item(&report, "VS-4-02")["location"].as_f64()
            > item(&report, "VS-2-02")["location"].as_f64()
    );
    for area in report["areas"].as_array().unwrap() {
        assert!(area["alpha"].as_f64().unwrap() > 0.7, "{area}");
    }
    let reliability = report["persons"]["separation_reliability"]
        .as_f64()
        .unwrap();
    assert!(reliability > 0.8, "{reliability}");

    let check = simm(&["model", "check", proposal.to_str().unwrap()]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let text = std::fs::read_to_string(&proposal).unwrap();
    assert!(text.starts_with('#'), "the changes are listed at the top");
    assert!(text.contains(MISPLACED));
    assert!(text.contains("version = \"1.2.0\""));
    let diff = simm(&[
        "model",
        "diff",
        "crates/simm-core/models/smartsourcing.toml",
        proposal.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    let moved: Vec<&Value> = diff["items"].as_array().unwrap().iter().collect();
    assert_eq!(moved.len(), 1, "{diff}");
    assert!(moved[0].to_string().contains(MISPLACED));
}

#[test]
fn differential_functioning_between_roles() {
    let dir = tempdir("dif");
    let sheet = dir.join("responses.csv");
    std::fs::write(&sheet, simulated_sheet(1200, 3)).unwrap();
    let report = json_of(&simm(&[
        "calibrate",
        "--responses",
        sheet.to_str().unwrap(),
        "--group-by",
        "role",
    ]));
    assert_eq!(report["group_by"], "role");
    let groups: Vec<&str> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ROLES);
    let flagged: Vec<&Value> = report["dif"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["flagged"] == true)
        .collect();
    // Partners against each of the three other roles, on the planted item;
    // chance flags elsewhere are possible but must be rare.
    let planted = flagged.iter().filter(|d| d["item"] == DIF_ITEM).count();
    assert_eq!(planted, 3, "{flagged:?}");
    assert!(flagged.len() <= 5, "{flagged:?}");
    for d in flagged.iter().filter(|d| d["item"] == DIF_ITEM) {
        assert!(d["groups"].to_string().contains("partner"));
        assert!(d["difference"].as_f64().unwrap().abs() >= 0.5);
        assert!(d["p"].as_f64().unwrap() < 0.01);
    }
}

#[test]
fn markdown_and_html_reports() {
    let dir = tempdir("reports");
    let sheet = dir.join("responses.csv");
    std::fs::write(&sheet, simulated_sheet(400, 4)).unwrap();
    let markdown = simm(&[
        "calibrate",
        "--responses",
        sheet.to_str().unwrap(),
        "--format",
        "markdown",
    ]);
    let markdown = String::from_utf8(markdown.stdout).unwrap();
    assert!(markdown.contains(MISPLACED), "{markdown}");
    let html_path = dir.join("report.html");
    let output = simm(&[
        "calibrate",
        "--responses",
        sheet.to_str().unwrap(),
        "--format",
        "html",
        "--output",
        html_path.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("<svg"), "the Wright map is inline");
    assert!(!html.contains("<script"), "no script");
}

#[test]
fn a_sheet_from_a_pipe_gives_the_report_of_the_file() {
    let dir = tempdir("pipe");
    let sheet = dir.join("responses.csv");
    std::fs::write(&sheet, simulated_sheet(300, 6)).unwrap();
    let from_file = simm(&["calibrate", "--responses", sheet.to_str().unwrap()]);
    // `<(…)` names a pipe as /dev/fd/N, which cannot seek.
    let from_pipe = Command::new("bash")
        .arg("-c")
        .arg(r#""$0" calibrate --responses <(cat "$1")"#)
        .arg(env!("CARGO_BIN_EXE_simm"))
        .arg(&sheet)
        .output()
        .expect("bash runs");
    let from_file = json_of(&from_file);
    let from_pipe = json_of(&from_pipe);
    assert_eq!(from_file["respondents"], 300);
    assert_eq!(from_pipe, from_file);
}

/// Runs simm expecting bad input: exit status 2, nothing on standard
/// output, no report file, and `expected` in the message.
fn check_refused(dir: &Path, sheet: &str, extra: &[&str], expected: &str) {
    let path = dir.join("sheet.csv");
    std::fs::write(&path, sheet).unwrap();
    let report = dir.join("report.json");
    let mut args = vec![
        "calibrate",
        "--responses",
        path.to_str().unwrap(),
        "--output",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = simm(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(!report.exists(), "nothing is written");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in {stderr}"
    );
}

#[test]
fn bad_input_is_refused_with_a_clear_message() {
    let dir = tempdir("bad");
    let ids = item_ids();
    let full = simulated_sheet(60, 5);
    let header = full.lines().next().unwrap().to_owned();
    let rows: Vec<&str> = full.lines().skip(1).collect();

    // A sheet without the last item's column.
    let without_last: String = full
        .lines()
        .map(|line| {
            let cut = line.rfind(',').unwrap();
            format!("{}\n", &line[..cut])
        })
        .collect();
    check_refused(
        &dir,
        &without_last,
        &[],
        &format!(
            "items do not match the model smartsourcing 1.1.0: it has no column for 1 of its 48 items ({})",
            ids[47]
        ),
    );
    // One respondent.
    check_refused(
        &dir,
        &format!("{header}\n{}\n", rows[0]),
        &[],
        "calibration needs at least 2 respondents with answers; there are 1",
    );
    // Every answer to the first item is 3.
    let constant: String = std::iter::once(format!("{header}\n"))
        .chain(rows.iter().map(|row| {
            let mut cells: Vec<&str> = row.split(',').collect();
            cells[3] = "3";
            format!("{}\n", cells.join(","))
        }))
        .collect();
    check_refused(
        &dir,
        &constant,
        &[],
        &format!("item {}: no variance: every answer is 3", ids[0]),
    );
    // Nobody answered the first item.
    let unanswered: String = std::iter::once(format!("{header}\n"))
        .chain(rows.iter().map(|row| {
            let mut cells: Vec<&str> = row.split(',').collect();
            cells[3] = "";
            format!("{}\n", cells.join(","))
        }))
        .collect();
    check_refused(
        &dir,
        &unanswered,
        &[],
        &format!("item {}: nobody answered it", ids[0]),
    );
    check_refused(
        &dir,
        &full,
        &["--method", "rasch"],
        "--method rasch: the dichotomous Rasch model needs a 2-point scale",
    );
    check_refused(
        &dir,
        &full,
        &["--group-by", "rol"],
        "did you mean \"role\"?",
    );
}
