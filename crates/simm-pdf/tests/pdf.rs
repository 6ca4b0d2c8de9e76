//! The PDFs read back with poppler (`pdftotext`, `pdfinfo`, `pdftoppm`):
//! what a reader of the file sees, compared with the view model's
//! sentences computed on their own (`simm_report::area_reason`).

use std::path::PathBuf;
use std::process::Command;

use simm_core::{
    Answer, AttributeId, CalendarDate, GroupTallies, Model, Policy, Results, Tally, builtin_model,
    score, score_grouped,
};
use simm_report::{Branding, Charts, Logo, area_reason, results_view};

/// Runs a poppler tool on `pdf` and returns its standard output. Without
/// poppler the test fails and says what to install, rather than passing.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> Vec<u8> {
    let folder = std::env::temp_dir().join(format!(
        "simm-pdf-{}-{}",
        std::process::id(),
        std::thread::current()
            .name()
            .unwrap_or("t")
            .replace("::", "-")
    ));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join(format!("{tool}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    // pdftotext writes to standard output when told "-", pdftoppm when
    // given no output name.
    let mut command = Command::new(tool);
    command.args(args).arg(&file);
    if tool == "pdftotext" {
        command.arg("-");
    }
    let output = command.output().unwrap_or_else(|error| {
        panic!("cannot run {tool} ({error}): install Debian's poppler-utils (scripts/test does)")
    });
    std::fs::remove_dir_all(&folder).unwrap();
    assert!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn text(pdf: &[u8], pages: Option<(u32, u32)>) -> String {
    let range = pages.map(|(first, last)| (first.to_string(), last.to_string()));
    let mut args = vec!["-enc", "UTF-8"];
    if let Some((first, last)) = &range {
        args.extend(["-f", first, "-l", last]);
    }
    let raw = String::from_utf8(poppler("pdftotext", &args, pdf)).unwrap();
    // Lines wrap where the layout breaks them; sentences are compared
    // with single spaces.
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pages(pdf: &[u8]) -> u32 {
    let info = String::from_utf8(info(pdf)).unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo names no page count:\n{info}"))
}

fn info(pdf: &[u8]) -> Vec<u8> {
    let folder = std::env::temp_dir().join(format!("simm-pdfinfo-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join(format!("{:x}.pdf", pdf.len()));
    std::fs::write(&file, pdf).unwrap();
    let output = Command::new("pdfinfo")
        .arg(&file)
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "cannot run pdfinfo ({error}): install Debian's poppler-utils (scripts/test does)"
            )
        });
    let _ = std::fs::remove_file(&file);
    assert!(output.status.success(), "pdfinfo failed");
    output.stdout
}

/// 30 respondents with answers spread over the scale, in four roles of
/// which "partner" has 2 respondents, fewer than the anonymity minimum.
fn results(model: &Model) -> Results {
    let points = model.scale().points;
    let mut tally = Tally::new(model);
    let mut groups = GroupTallies::new(model, AttributeId::parse("role").unwrap());
    for person in 0..30u32 {
        let answers: Vec<Option<Answer>> = model
            .items()
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let stage = u32::from(item.stage.get());
                // Organization lags a point behind, so that it alone is
                // the weakest area.
                let lag = u32::from(item.area.as_str() == "organization");
                let value = ((person * 7 + index as u32 * 3) % 5 + 6 - stage - lag).clamp(1, 5);
                Answer::new(value as u8, points)
            })
            .collect();
        tally.add(&answers);
        let role = ["executive", "manager", "employee", "partner"]
            [if person < 2 { 3 } else { (person % 3) as usize }];
        groups.add(Some(role), &answers);
    }
    score_grouped(
        model,
        score(model, &tally),
        &groups,
        Policy::of_model(model),
    )
}

const HOSTILE: &str =
    "<script>alert(1)</script> #set text(red) *bold* $x$ @ref // not a comment \\ \"q\"";

fn date() -> CalendarDate {
    CalendarDate::parse("2026-03-14").unwrap()
}

fn render(slides: bool, organisation: &str, branding: &Branding) -> (Model, Results, Vec<u8>) {
    let model = builtin_model();
    let results = results(&model);
    let view = results_view(&model, &results);
    let charts = Charts::draw(&model, &results);
    let document = simm_pdf::Document {
        view: &view,
        charts: &charts,
        roadmap: None,
        actions: None,
        trend: None,
        organisation: Some(organisation),
        branding,
        date: date(),
    };
    let pdf = if slides {
        simm_pdf::slides(&document)
    } else {
        simm_pdf::report(&document)
    }
    .unwrap();
    (model, results, pdf)
}

fn branding() -> Branding {
    let logo = Logo::parse(
        br##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#0a7d3b"/></svg>"##.to_vec(),
    )
    .unwrap();
    Branding::parse("Example & Partners", Some(logo), Some("#0a7d3b")).unwrap()
}

#[test]
fn the_report_has_a_cover_a_summary_and_every_area_with_its_reason() {
    let (model, results, pdf) = render(false, "Acme", &branding());
    let cover = text(&pdf, Some((1, 1)));
    assert!(
        cover.contains("Acme") && cover.contains("2026-03-14"),
        "{cover}"
    );
    assert!(cover.contains("Example & Partners"), "{cover}");
    assert!(!cover.contains("Executive summary"), "{cover}");

    let summary = text(&pdf, Some((2, 2)));
    assert!(summary.starts_with("Executive summary"), "{summary}");
    let weakest = results
        .areas
        .iter()
        .find(|area| area.score == results.overall.score)
        .unwrap();
    let reason = area_reason(&model, weakest, results.threshold);
    assert!(summary.contains(&reason), "{reason} not in {summary}");
    assert!(summary.contains(&format!("stage {}", results.overall.stage)));

    let all = text(&pdf, None);
    for area in &results.areas {
        let reason = area_reason(&model, area, results.threshold);
        assert!(all.contains(&reason), "{reason} not in the report");
    }
    for heading in [
        "Areas",
        "Roadmap",
        "Consensus",
        "Results by Role",
        "Appendix: statements",
    ] {
        assert!(all.contains(heading), "{heading} not in the report");
    }
    assert!(pages(&pdf) >= 6, "{} pages", pages(&pdf));
}

#[test]
fn a_hidden_group_shows_no_scores() {
    let (_, results, pdf) = render(false, "Acme", &Branding::default());
    let all = text(&pdf, None);
    let partner = results
        .groups
        .as_ref()
        .unwrap()
        .iter()
        .find(|group| group.value.as_deref() == Some("partner"))
        .unwrap();
    assert!(partner.suppressed);
    assert!(
        all.contains("n = 2 — hidden (fewer than 5 respondents"),
        "{all}"
    );
}

#[test]
fn markup_in_names_comes_out_as_text() {
    let branding = Branding::parse(HOSTILE, None, None).unwrap();
    for slides in [false, true] {
        let (_, _, pdf) = render(slides, HOSTILE, &branding);
        let cover = text(&pdf, Some((1, 1)));
        let expected: String = HOSTILE.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            cover.matches(&expected).count(),
            2,
            "slides {slides}: {cover}"
        );
    }
}

#[test]
fn the_slides_are_16_by_9_with_one_slide_per_area() {
    let (model, results, pdf) = render(true, "Acme", &branding());
    // Title, overall, the radar, one per area, the roadmap, next steps.
    assert_eq!(pages(&pdf), 5 + results.areas.len() as u32);
    let info = String::from_utf8(info(&pdf)).unwrap();
    let size = info
        .lines()
        .find_map(|line| line.strip_prefix("Page size:"))
        .unwrap();
    let numbers: Vec<f64> = size
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    assert!(
        (numbers[0] / numbers[1] - 16.0 / 9.0).abs() < 0.01,
        "{size}"
    );
    for (index, area) in results.areas.iter().enumerate() {
        let page = 4 + index as u32;
        let slide = text(&pdf, Some((page, page)));
        let reason = area_reason(&model, area, results.threshold);
        assert!(
            slide.contains(&reason),
            "{reason} not on slide {page}: {slide}"
        );
    }
}

#[test]
fn the_same_input_gives_the_same_file() {
    let (_, _, first) = render(false, "Acme", &branding());
    let (_, _, second) = render(false, "Acme", &branding());
    assert!(first == second, "two renders differ");
}

/// The cover at 50 dpi against tests/fixtures/cover.png: the mean
/// difference per channel must stay under 1 %, which a moved or recoloured
/// block exceeds and font hinting does not. SIMM_UPDATE_SNAPSHOTS=1
/// writes the image anew.
#[test]
fn the_cover_looks_as_it_did() {
    let (_, _, pdf) = render(false, "Acme", &branding());
    let png = poppler(
        "pdftoppm",
        &["-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile"],
        &pdf,
    );
    let stored = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cover.png");
    if std::env::var_os("SIMM_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&stored, &png).unwrap();
    }
    let (width, height, now) = decode(&png);
    let (stored_width, stored_height, before) = decode(&std::fs::read(&stored).unwrap());
    assert_eq!((width, height), (stored_width, stored_height));
    let difference: u64 = now
        .iter()
        .zip(&before)
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    let mean = difference as f64 / now.len() as f64 / 255.0;
    assert!(
        mean < 0.01,
        "the cover differs by {:.2} % per channel",
        mean * 100.0
    );
    // A sanity check that the comparison sees the page: the accent
    // colour's band is there.
    assert!(
        now.chunks(3).any(|px| px == [0x0a, 0x7d, 0x3b]),
        "no accent on the cover"
    );
}

fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buffer).unwrap();
    buffer.truncate(frame.buffer_size());
    let rgb = match frame.color_type {
        png::ColorType::Rgb => buffer,
        png::ColorType::Rgba => buffer
            .chunks(4)
            .flat_map(|px| [px[0], px[1], px[2]])
            .collect(),
        other => panic!("pdftoppm wrote {other:?}"),
    };
    (frame.width, frame.height, rgb)
}
