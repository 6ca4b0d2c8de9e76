//! Response sheets: the CSV files that carry respondents' answers into the
//! engine, one row per respondent.
//!
//! Reading streams: each row is parsed into domain values and handed to a
//! callback, so memory holds one row at a time (plus a 16-byte fingerprint
//! per respondent id, to refuse duplicates). Invitation sheets, which
//! preset the attributes of invitation links, are read in `invitations`
//! with the same kind of problems.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use simm_core::{Answer, Model, did_you_mean, quote_value};

pub mod import;
mod invitations;
mod questionnaire;

pub use invitations::{
    EMAIL_COLUMN, EmailCheck, Presets, Recipient, read_invitations, read_recipients,
    read_recipients_xlsx,
};
pub use questionnaire::{QuestionnaireError, QuestionnaireFormat, questionnaire, survey_code};

/// The column that names the respondent.
pub const RESPONDENT_COLUMN: &str = "respondent";

/// At most this many problems are listed before reading stops; a sheet
/// with more has a systematic fault that the first ones already show.
const MAX_PROBLEMS: usize = 20;
const MAX_HEADER_BYTES: usize = 1 << 20;

/// One problem in a sheet, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The 1-based line of the file.
    pub line: u64,
    /// The 1-based data row (the header is row 0), if the problem is in a row.
    pub row: Option<u64>,
    /// The column's name and 1-based position, if the problem is in a cell.
    pub column: Option<(String, usize)>,
    pub message: String,
}

/// Why a sheet was refused. Nothing of it should be used.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("{}", render_problems("sheet", .problems, *.stopped_early))]
    Invalid {
        problems: Vec<Problem>,
        stopped_early: bool,
    },
    #[error("the sheet cannot be opened: {0}")]
    Open(io::Error),
    #[error("reading the sheet failed: {0}")]
    Io(#[from] io::Error),
}

impl SheetError {
    /// Renders the error with the file's name in front of each location.
    pub fn render(&self, file: &str) -> String {
        self.render_lines(file).join("\n")
    }

    /// [`render`](SheetError::render), one line per problem, for a page
    /// that lists them.
    pub fn render_lines(&self, file: &str) -> Vec<String> {
        match self {
            SheetError::Invalid {
                problems,
                stopped_early,
            } => problem_lines(file, problems, *stopped_early),
            SheetError::Open(error) => {
                vec![format!("{file}: cannot open the response sheet: {error}")]
            }
            SheetError::Io(error) => vec![format!("{file}: reading failed: {error}")],
        }
    }
}

fn render_problems(file: &str, problems: &[Problem], stopped_early: bool) -> String {
    problem_lines(file, problems, stopped_early).join("\n")
}

fn problem_lines(file: &str, problems: &[Problem], stopped_early: bool) -> Vec<String> {
    let mut lines: Vec<String> = problems.iter().map(|p| format!("{file}:{p}")).collect();
    if stopped_early {
        lines.push(format!(
            "{file}: stopped after {MAX_PROBLEMS} problems; fix these and check again"
        ));
    }
    lines
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.line)?;
        if let Some((name, position)) = &self.column {
            write!(f, "{position}:")?;
            match self.row {
                Some(row) => write!(f, " row {row}, column {}:", quote_value(name))?,
                None => write!(f, " column {}:", quote_value(name))?,
            }
        } else if let Some(row) = self.row {
            write!(f, " row {row}:")?;
        }
        write!(f, " {}", self.message)
    }
}

/// One respondent's row, parsed.
pub struct Row<'a> {
    pub respondent: &'a str,
    /// One slot per model item, in model order; `None` for no answer.
    pub answers: &'a [Option<Answer>],
    attribute_cells: &'a [Option<&'a str>],
}

impl<'a> Row<'a> {
    /// The respondent's value of the model's attribute at `index`, in its
    /// declared spelling; `None` when the cell is empty or absent.
    pub fn attribute(&self, index: usize) -> Option<&'a str> {
        self.attribute_cells[index]
    }
}

/// What a sheet held, besides its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetSummary {
    pub rows: u64,
    pub delimiter: u8,
    /// Model items that have no column in the sheet; they count as
    /// unanswered.
    pub absent_items: Vec<String>,
}

enum Column {
    Respondent,
    Item(usize),
    Attribute(usize),
}

/// What the header of a sheet says: its delimiter and what each column is.
struct Header {
    delimiter: u8,
    columns: Vec<Column>,
    absent_items: Vec<String>,
    /// Bytes before the first row: the byte order mark and the header line.
    length: u64,
}

/// Reads and checks the header line.
fn read_header_section<R: Read>(
    input: &mut BufReader<R>,
    model: &Model,
) -> Result<Header, SheetError> {
    let bom = skip_byte_order_mark(input)?;
    let header_line = read_header_line(input)?;
    let mut problems = Vec::new();
    let refuse = |problems| SheetError::Invalid {
        problems,
        stopped_early: false,
    };
    if header_line.iter().all(u8::is_ascii_whitespace) {
        problems.push(Problem {
            line: 1,
            row: None,
            column: None,
            message: format!("the sheet is empty; it needs a header line with a {RESPONDENT_COLUMN:?} column, attribute columns and item columns (`simm template` prints one)"),
        });
        return Err(refuse(problems));
    }
    let delimiter = detect_delimiter(&header_line);
    let length = bom + header_line.len() as u64;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(io::Cursor::new(header_line));
    let mut header = csv::StringRecord::new();
    if !read_header(&mut reader, &mut header, &mut problems)? {
        return Err(refuse(problems));
    }
    let Some(columns) = parse_header(&header, model, &mut problems) else {
        return Err(refuse(problems));
    };
    let absent_items = model
        .items()
        .iter()
        .enumerate()
        .filter(|(index, _)| {
            !columns
                .iter()
                .any(|c| matches!(c, Column::Item(i) if i == index))
        })
        .map(|(_, item)| item.id.to_string())
        .collect();
    Ok(Header {
        delimiter,
        columns,
        absent_items,
        length,
    })
}

/// Splits the input into records. Rows are read as bytes: answer cells are
/// digits and need no UTF-8 check, which is most of the cost of reading
/// text. A line without quotes or stray carriage returns, which is nearly
/// every line of a response sheet, is split at the delimiter directly; any
/// other record goes through the csv crate, with the lines a quoted cell
/// spans.
struct Records<R> {
    input: BufReader<R>,
    delimiter: u8,
    /// The line number of the next line to read.
    next_line: u64,
    buffer: Vec<u8>,
    /// Field bounds in `buffer` for a plain line.
    bounds: Vec<(usize, usize)>,
    /// The fields of a record that needed the csv crate.
    quoted: Option<csv::ByteRecord>,
    /// Quotes read so far; plain lines have none.
    quotes: u64,
}

impl<R: Read> Records<R> {
    fn new(input: R, delimiter: u8, first_line: u64) -> Self {
        Records {
            input: BufReader::with_capacity(1 << 16, input),
            delimiter,
            next_line: first_line,
            buffer: Vec::new(),
            bounds: Vec::new(),
            quoted: None,
            quotes: 0,
        }
    }

    /// Reads the next record; returns the line it starts on, or `None` at
    /// the end.
    fn next_record(&mut self) -> Result<Option<u64>, SheetError> {
        self.buffer.clear();
        if self.input.read_until(b'\n', &mut self.buffer)? == 0 {
            return Ok(None);
        }
        let line = self.next_line;
        self.next_line += 1;
        let content_end = self.buffer.len()
            - usize::from(self.buffer.ends_with(b"\n"))
            - usize::from(self.buffer.ends_with(b"\r\n"));
        // A plain line has no quote and no stray carriage return (one
        // vectorised search); it is split at the delimiter directly. Cells
        // are a byte or two apart, too close for a vectorised search.
        self.quoted = None;
        self.bounds.clear();
        let content = &self.buffer[..content_end];
        if memchr::memchr2(b'"', b'\r', content).is_none() {
            let mut start = 0;
            for (index, byte) in content.iter().enumerate() {
                if *byte == self.delimiter {
                    self.bounds.push((start, index));
                    start = index + 1;
                }
            }
            self.bounds.push((start, content_end));
            return Ok(Some(line));
        }
        // A quoted cell may hold line ends: read on while the quotes are
        // open. Quotes come in pairs, "" inside a cell too.
        while self.buffer.iter().filter(|byte| **byte == b'"').count() % 2 == 1 {
            if self.input.read_until(b'\n', &mut self.buffer)? == 0 {
                break;
            }
            self.next_line += 1;
        }
        self.quotes += memchr::memchr_iter(b'"', &self.buffer).count() as u64;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(&self.buffer[..]);
        let mut record = csv::ByteRecord::new();
        let mut rest = csv::ByteRecord::new();
        let problem = |message: String| SheetError::Invalid {
            problems: vec![Problem {
                line,
                row: None,
                column: None,
                message,
            }],
            stopped_early: false,
        };
        match reader.read_byte_record(&mut record) {
            // A carriage return on its own ends a record for the csv
            // crate; inside what the file shows as one line that would
            // silently make two rows of one.
            Ok(_) if matches!(reader.read_byte_record(&mut rest), Ok(true)) => Err(problem(
                "a carriage return splits this line into two records; save the sheet with ordinary line ends".into(),
            )),
            Ok(_) => {
                self.quoted = Some(record);
                Ok(Some(line))
            }
            Err(error) => Err(problem(format!("the line cannot be read as CSV: {error}"))),
        }
    }

    fn len(&self) -> usize {
        match &self.quoted {
            Some(record) => record.len(),
            None => self.bounds.len(),
        }
    }

    fn field(&self, index: usize) -> &[u8] {
        match &self.quoted {
            Some(record) => &record[index],
            None => {
                let (start, end) = self.bounds[index];
                &self.buffer[start..end]
            }
        }
    }
}

/// The outcome of reading a run of rows.
struct Chunk {
    rows: u64,
    problems: Vec<Problem>,
    stopped_early: bool,
    respondents: Respondents,
    /// Quotes in the records read.
    quotes: u64,
}

/// How a reader refuses duplicate respondent ids.
enum Respondents {
    /// In a set, so that the row that repeats an id is named where it is
    /// read: for a stream, which cannot be read twice.
    Named(Fingerprints),
    /// Collected and sorted at the end, for a part of a file. Appending is
    /// far cheaper than inserting into a set of a million random keys, and
    /// a sheet with a duplicate is read again by the naming reader.
    Collected(Vec<u128>),
}

impl Respondents {
    /// Records a respondent; `false` when the reader knows the id is a
    /// duplicate already.
    fn add(&mut self, fingerprint: u128) -> bool {
        match self {
            Respondents::Named(set) => set.insert(fingerprint),
            Respondents::Collected(list) => {
                list.push(fingerprint);
                true
            }
        }
    }

    /// The collected fingerprints, sorted by `sort_and_find_duplicate`.
    fn sorted(&self) -> &[u128] {
        match self {
            Respondents::Named(_) => &[],
            Respondents::Collected(list) => list,
        }
    }

    /// Sorts the collected fingerprints; `true` when two are equal.
    fn sort_and_find_duplicate(&mut self) -> bool {
        match self {
            Respondents::Named(_) => false,
            Respondents::Collected(list) => {
                list.sort_unstable();
                list.windows(2).any(|pair| pair[0] == pair[1])
            }
        }
    }
}

/// Whether two sorted lists of fingerprints share one, in one merge walk.
fn share_one(first: &[u128], second: &[u128]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < first.len() && j < second.len() {
        match first[i].cmp(&second[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Respondent fingerprints. They are already uniformly random, so the set
/// uses their low bits as the hash instead of hashing them again.
type Fingerprints = HashSet<u128, BuildHasherDefault<FingerprintHasher>>;

#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u128 fingerprints are hashed here; this keeps any other use
        // correct, if slow.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

/// Reads rows from `input`, whose first line is line `first_line` of the
/// file, calling `on_row` for each valid one.
fn read_rows<R: Read>(
    input: R,
    model: &Model,
    header: &Header,
    first_line: u64,
    mut respondents: Respondents,
    mut on_row: impl FnMut(&Row<'_>),
) -> Result<Chunk, SheetError> {
    let columns = &header.columns;
    let mut records = Records::new(input, header.delimiter, first_line);
    let points = model.scale().points;
    let mut answers: Vec<Option<Answer>> = vec![None; model.items().len()];
    let mut problems = Vec::new();
    let mut rows = 0u64;
    let mut stopped_early = false;
    loop {
        if problems.len() >= MAX_PROBLEMS {
            stopped_early = true;
            break;
        }
        let Some(line) = records.next_record()? else {
            break;
        };
        // A blank line at the end of a file is common and harmless.
        if records.len() == 1 && records.field(0).trim_ascii().is_empty() {
            continue;
        }
        rows += 1;
        let row = rows;
        if records.len() != columns.len() {
            problems.push(ragged_row(line, row, records.len(), columns.len()));
            continue;
        }
        answers.fill(None);
        // Models have a handful of attributes: their cells live on the
        // stack, which spares an allocation per row.
        let mut on_stack = [None; 8];
        let mut on_heap = Vec::new();
        let attribute_cells: &mut [Option<&str>] = if model.attributes().len() <= on_stack.len() {
            &mut on_stack[..model.attributes().len()]
        } else {
            on_heap.resize(model.attributes().len(), None);
            &mut on_heap
        };
        let mut respondent = "";
        let problems_before = problems.len();
        for (position, column) in columns.iter().enumerate() {
            let cell = records.field(position);
            let cell_problem = |message: String| Problem {
                line,
                row: Some(row),
                column: Some((record_header_name(model, column), position + 1)),
                message,
            };
            let text = || {
                std::str::from_utf8(cell).map(str::trim).map_err(|_| {
                    format!(
                        "the cell {} is not valid UTF-8 text; save the sheet as UTF-8",
                        quote_value(&String::from_utf8_lossy(cell))
                    )
                })
            };
            match column {
                Column::Respondent => {
                    respondent = match text() {
                        Ok(text) => restore_formula(text),
                        Err(message) => {
                            problems.push(cell_problem(message));
                            continue;
                        }
                    };
                    if respondent.is_empty() {
                        problems.push(cell_problem(
                            "the respondent id is empty; every row needs a unique respondent id"
                                .into(),
                        ));
                    } else if !respondents.add(fingerprint(respondent)) {
                        problems.push(cell_problem(format!("the respondent id {} appears more than once; respondent ids must be unique", quote_value(respondent))));
                    }
                }
                Column::Item(index) => match Answer::parse_bytes(cell, points) {
                    Ok(answer) => answers[*index] = answer,
                    Err(error) => problems.push(cell_problem(error.to_string())),
                },
                Column::Attribute(index) => {
                    let text = match text() {
                        Ok(text) => restore_formula(text),
                        Err(message) => {
                            problems.push(cell_problem(message));
                            continue;
                        }
                    };
                    if text.is_empty() {
                        continue;
                    }
                    let attribute = &model.attributes()[*index];
                    match attribute.value(text) {
                        Ok(value) => attribute_cells[*index] = Some(value),
                        Err(error) => problems.push(cell_problem(error.to_string())),
                    }
                }
            }
        }
        if problems.len() == problems_before {
            on_row(&Row {
                respondent,
                answers: &answers,
                attribute_cells,
            });
        }
    }
    Ok(Chunk {
        rows,
        problems,
        stopped_early,
        respondents,
        quotes: records.quotes,
    })
}

/// Reads a response sheet, calling `on_row` for every valid row.
///
/// The callback may run for rows before a later row turns out to be bad,
/// so callers must treat their results as void when this returns an error.
pub fn read_sheet<R: Read>(
    input: R,
    model: &Model,
    on_row: impl FnMut(&Row<'_>),
) -> Result<SheetSummary, SheetError> {
    let mut input = BufReader::with_capacity(1 << 16, input);
    let header = read_header_section(&mut input, model)?;
    let respondents = Respondents::Named(Fingerprints::default());
    let chunk = read_rows(input, model, &header, 2, respondents, on_row)?;
    finish(header, vec![chunk])
}

fn finish(header: Header, chunks: Vec<Chunk>) -> Result<SheetSummary, SheetError> {
    let mut problems = Vec::new();
    let mut stopped_early = false;
    let mut rows_before = 0;
    for chunk in &chunks {
        for problem in &chunk.problems {
            let mut problem = problem.clone();
            problem.row = problem.row.map(|row| row + rows_before);
            problems.push(problem);
        }
        stopped_early |= chunk.stopped_early;
        rows_before += chunk.rows;
    }
    if problems.is_empty() {
        return Ok(SheetSummary {
            rows: rows_before,
            delimiter: header.delimiter,
            absent_items: header.absent_items,
        });
    }
    problems.sort_by_key(|p| p.line);
    stopped_early |= problems.len() > MAX_PROBLEMS;
    problems.truncate(MAX_PROBLEMS);
    Err(SheetError::Invalid {
        problems,
        stopped_early,
    })
}

/// Below this size a sheet is read on one thread; splitting costs more
/// than it saves.
const PARALLEL_MIN_BYTES: u64 = 8 << 20;

/// Reads a response sheet file on up to `threads` threads, each over its
/// own part of the file with its own state from `new_state`; returns the
/// states, one per part. Rows reach `on_row` in no particular order, which
/// scoring does not depend on. Anything but a regular file (a pipe, a FIFO,
/// a device) is read as one stream on one thread.
pub fn read_sheet_file<S: Send>(
    path: &Path,
    model: &Model,
    threads: usize,
    new_state: impl Fn() -> S + Sync,
    on_row: impl Fn(&mut S, &Row<'_>) + Sync,
) -> Result<(SheetSummary, Vec<S>), SheetError> {
    read_file_in_parts(path, model, threads, PARALLEL_MIN_BYTES, new_state, on_row)
}

fn read_file_in_parts<S: Send>(
    path: &Path,
    model: &Model,
    threads: usize,
    parallel_min_bytes: u64,
    new_state: impl Fn() -> S + Sync,
    on_row: impl Fn(&mut S, &Row<'_>) + Sync,
) -> Result<(SheetSummary, Vec<S>), SheetError> {
    let file = File::open(path).map_err(SheetError::Open)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        // Pipes, FIFOs and devices can be read only once, from the start:
        // not at an offset, nor opened again by each thread.
        let mut state = new_state();
        let summary = read_sheet(file, model, |row| on_row(&mut state, row))?;
        return Ok((summary, vec![state]));
    }
    let length = metadata.len();
    let mut file = BufReader::with_capacity(1 << 16, file);
    let header = read_header_section(&mut file, model)?;
    let file = file.into_inner();
    let read = |boundaries: &[(u64, u64)]| {
        read_parts(
            path, model, &header, boundaries, length, &new_state, &on_row,
        )
    };
    let mut parts = if threads > 1 && length >= parallel_min_bytes {
        // Split at the first line end after equal offsets, without reading
        // what comes before. That is a record end unless a quoted cell
        // spans it, which the parts' quote counts reveal; line numbers are
        // not known then, so a sheet with a problem is read again too,
        // split where records end, and every problem is named at its line.
        let parts = read(&guess_split_points(&file, header.length, length, threads)?);
        if parts
            .iter()
            .all(|part| part.as_ref().is_ok_and(Part::is_clean))
        {
            parts
        } else {
            read(&split_points(file, header.length, length, threads)?)
        }
    } else {
        read(&[(header.length, 2)])
    };
    let mut chunks = Vec::new();
    let mut states = Vec::new();
    let mut duplicated = false;
    for part in parts.drain(..) {
        let part = part?;
        duplicated |= part.duplicated;
        chunks.push(part.chunk);
        states.push(part.state);
    }
    duplicated = duplicated
        || chunks.iter().enumerate().any(|(index, chunk)| {
            chunks[..index]
                .iter()
                .any(|earlier| share_one(earlier.respondents.sorted(), chunk.respondents.sorted()))
        });
    // A duplicate is rare, and the one-thread reader names its line exactly.
    if duplicated {
        read_sheet(File::open(path)?, model, |_| {})?;
    }
    finish(header, chunks).map(|summary| (summary, states))
}

/// What one thread read of its part of a file.
struct Part<S> {
    chunk: Chunk,
    state: S,
    /// Whether the part repeats a respondent id within itself.
    duplicated: bool,
}

impl<S> Part<S> {
    /// Read to its end without a problem, and split where records end:
    /// an even number of quotes leaves no quoted cell open.
    fn is_clean(&self) -> bool {
        self.chunk.problems.is_empty()
            && !self.chunk.stopped_early
            && self.chunk.quotes.is_multiple_of(2)
    }
}

/// Reads the parts that start at `boundaries` (offset and first line) on
/// a thread each.
fn read_parts<S: Send>(
    path: &Path,
    model: &Model,
    header: &Header,
    boundaries: &[(u64, u64)],
    length: u64,
    new_state: &(impl Fn() -> S + Sync),
    on_row: &(impl Fn(&mut S, &Row<'_>) + Sync),
) -> Vec<Result<Part<S>, SheetError>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = boundaries
            .iter()
            .enumerate()
            .map(|(index, &(start, first_line))| {
                let end = boundaries.get(index + 1).map_or(length, |next| next.0);
                scope.spawn(move || {
                    let mut file = File::open(path)?;
                    file.seek(SeekFrom::Start(start))?;
                    let input = BufReader::with_capacity(1 << 16, file.take(end - start));
                    let mut state = new_state();
                    let respondents = Respondents::Collected(Vec::new());
                    let mut chunk =
                        read_rows(input, model, header, first_line, respondents, |row| {
                            on_row(&mut state, row)
                        })?;
                    let duplicated = chunk.respondents.sort_and_find_duplicate();
                    Ok(Part {
                        chunk,
                        state,
                        duplicated,
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a reading thread panicked"))
            .collect()
    })
}

/// Where to split the rows after the header into `parts` runs, at the
/// first line end after equal offsets, reading only a little at each.
/// Line numbers after the first run are unknown (0).
fn guess_split_points(
    file: &File,
    data_start: u64,
    length: u64,
    parts: usize,
) -> io::Result<Vec<(u64, u64)>> {
    let mut points = vec![(data_start, 2u64)];
    let mut input = BufReader::with_capacity(1 << 16, file);
    for i in 1..parts as u64 {
        let target = data_start + (length - data_start) * i / parts as u64;
        let previous = points.last().map_or(data_start, |point| point.0);
        if target <= previous {
            continue;
        }
        input.seek(SeekFrom::Start(target))?;
        let mut skipped = Vec::new();
        let read = input.read_until(b'\n', &mut skipped)? as u64;
        let point = target + read;
        if skipped.ends_with(b"\n") && point < length {
            points.push((point, 0));
        }
    }
    Ok(points)
}

/// Where to split the rows after the header into `parts` runs of whole
/// records: at line ends outside quoted fields. Returns each run's start
/// offset and first line number.
fn split_points(
    file: File,
    data_start: u64,
    length: u64,
    parts: usize,
) -> io::Result<Vec<(u64, u64)>> {
    let mut points = vec![(data_start, 2u64)];
    let mut input = BufReader::with_capacity(1 << 20, file);
    input.seek(SeekFrom::Start(data_start))?;
    let mut offset = data_start;
    let mut line = 2u64;
    // Quotes come in pairs ("" inside a quoted field too), so an even count
    // so far means a line end is a record end.
    let mut quotes_even = true;
    let targets: Vec<u64> = (1..parts as u64)
        .map(|i| data_start + (length - data_start) * i / parts as u64)
        .collect();
    let mut target = 0;
    while target < targets.len() {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        let mut consumed = buffer.len();
        // Most buffers end before the next split point: counting quotes and
        // line ends in them is a vectorised pass, far faster than the
        // byte-by-byte walk needed near a split point.
        if offset + (buffer.len() as u64) < targets[target] {
            let quotes = buffer.iter().filter(|byte| **byte == b'"').count();
            quotes_even ^= quotes % 2 == 1;
            line += buffer.iter().filter(|byte| **byte == b'\n').count() as u64;
            offset += consumed as u64;
            input.consume(consumed);
            continue;
        }
        for (index, byte) in buffer.iter().enumerate() {
            match byte {
                b'"' => quotes_even = !quotes_even,
                b'\n' => {
                    line += 1;
                    let position = offset + index as u64 + 1;
                    if quotes_even && position >= targets[target] && position < length {
                        points.push((position, line));
                        target += 1;
                        if target == targets.len() {
                            consumed = index + 1;
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        offset += consumed as u64;
        input.consume(consumed);
    }
    Ok(points)
}

fn record_header_name(model: &Model, column: &Column) -> String {
    match column {
        Column::Respondent => RESPONDENT_COLUMN.to_owned(),
        Column::Item(index) => model.items()[*index].id.to_string(),
        Column::Attribute(index) => model.attributes()[*index].id.to_string(),
    }
}

/// Reads the header record, which must be UTF-8 text.
fn read_header<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
    problems: &mut Vec<Problem>,
) -> Result<bool, SheetError> {
    read_next(reader, problems, |reader| reader.read_record(record))
}

/// Reads the next record with `read`, turning CSV errors into problems
/// with their line.
fn read_next<R: Read>(
    reader: &mut csv::Reader<R>,
    problems: &mut Vec<Problem>,
    mut read: impl FnMut(&mut csv::Reader<R>) -> csv::Result<bool>,
) -> Result<bool, SheetError> {
    loop {
        match read(reader) {
            Ok(more) => return Ok(more),
            Err(error) => {
                let line = error.position().map_or(0, csv::Position::line);
                match error.into_kind() {
                    csv::ErrorKind::Io(error) => return Err(SheetError::Io(error)),
                    csv::ErrorKind::Utf8 { pos, err } => {
                        let line = pos.map_or(line, |p| p.line());
                        problems.push(Problem {
                            line,
                            row: None,
                            column: None,
                            message: format!("the line is not valid UTF-8 text (in its cell {}); save the sheet as UTF-8", err.field() + 1),
                        });
                        if problems.len() >= MAX_PROBLEMS {
                            return Ok(false);
                        }
                    }
                    other => {
                        problems.push(Problem {
                            line,
                            row: None,
                            column: None,
                            message: format!("the line cannot be read as CSV: {other:?}"),
                        });
                        return Ok(false);
                    }
                }
            }
        }
    }
}

/// A row whose cells do not match the header's columns.
fn ragged_row(line: u64, row: u64, cells: usize, columns: usize) -> Problem {
    Problem {
        line,
        row: Some(row),
        column: None,
        message: format!("the row has {cells} cells but the header has {columns} columns"),
    }
}

/// A problem with the header's column at the 0-based `position`.
fn header_problem(name: &str, position: usize, message: String) -> Problem {
    Problem {
        line: 1,
        row: None,
        column: Some((name.to_owned(), position + 1)),
        message,
    }
}

/// Calls `each` with the header's names, trimmed, and their 0-based
/// positions, in order; a name that appears again is a problem instead.
fn for_each_column<'r>(
    record: &'r csv::StringRecord,
    problems: &mut Vec<Problem>,
    mut each: impl FnMut(usize, &'r str, &mut Vec<Problem>),
) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (position, name) in record.iter().enumerate() {
        let name = name.trim();
        match seen.insert(name, position + 1) {
            Some(first) => problems.push(header_problem(
                name,
                position,
                format!("the column appears twice (first as column {first})"),
            )),
            None => each(position, name, problems),
        }
    }
}

fn parse_header(
    record: &csv::StringRecord,
    model: &Model,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Column>> {
    let mut columns = Vec::with_capacity(record.len());
    let before = problems.len();
    for_each_column(record, problems, |position, name, problems| {
        let problem = |message: String| header_problem(name, position, message);
        if name == RESPONDENT_COLUMN {
            columns.push(Column::Respondent);
        } else if let Some(index) = model.item_index(name) {
            columns.push(Column::Item(index));
        } else if let Some(index) = model
            .attributes()
            .iter()
            .position(|a| a.id.as_str() == name)
        {
            columns.push(Column::Attribute(index));
        } else {
            let candidates = model
                .items()
                .iter()
                .map(|item| item.id.as_str())
                .chain(model.attributes().iter().map(|a| a.id.as_str()))
                .chain([RESPONDENT_COLUMN]);
            let hint = did_you_mean(name, candidates)
                .map(|c| format!("; did you mean {c:?}?"))
                .unwrap_or_default();
            problems.push(problem(format!(
                "the column is neither \"respondent\", an attribute nor an item of the model {} {}{hint}",
                model.id(),
                model.version()
            )));
        }
    });
    if !columns.iter().any(|c| matches!(c, Column::Respondent)) {
        problems.push(Problem {
            line: 1,
            row: None,
            column: None,
            message: format!("the header has no {RESPONDENT_COLUMN:?} column; every sheet needs one, holding a unique id per respondent"),
        });
    }
    (problems.len() == before).then_some(columns)
}

/// Skips a UTF-8 byte order mark; returns how many bytes it took.
fn skip_byte_order_mark<R: Read>(input: &mut BufReader<R>) -> io::Result<u64> {
    let buffer = input.fill_buf()?;
    if buffer.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
        return Ok(3);
    }
    Ok(0)
}

fn read_header_line<R: Read>(input: &mut BufReader<R>) -> Result<Vec<u8>, SheetError> {
    let mut line = Vec::new();
    input
        .by_ref()
        .take(MAX_HEADER_BYTES as u64)
        .read_until(b'\n', &mut line)?;
    if line.len() >= MAX_HEADER_BYTES && !line.ends_with(b"\n") {
        return Err(SheetError::Invalid {
            problems: vec![Problem {
                line: 1,
                row: None,
                column: None,
                message: format!(
                    "the header line is longer than {MAX_HEADER_BYTES} bytes; is this a response sheet?"
                ),
            }],
            stopped_early: false,
        });
    }
    Ok(line)
}

/// Picks the delimiter that occurs most often in the header line outside
/// quotes: comma, semicolon (common in European spreadsheet exports) or tab.
pub fn detect_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for byte in header {
        match byte {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let delimiters = [b',', b';', b'\t'];
    // Ties go to the comma, the format's default.
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    delimiters[best]
}

/// A 128-bit fingerprint of a respondent id: with a million respondents the
/// chance that two different ids collide is about 10^-27, so duplicates are
/// found without keeping the ids themselves. XXH3 is built for exactly
/// this, and one pass of it over a short id costs a few nanoseconds.
fn fingerprint(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

/// One respondent's row to write: id, the model's attributes in model
/// order, and one answer slot per model item.
pub struct SheetRow<'a> {
    pub respondent: &'a str,
    pub attributes: Vec<Option<&'a str>>,
    pub answers: Vec<Option<Answer>>,
}

/// Writes a response sheet in the format [`read_sheet`] reads, with the
/// header of [`template`]. Respondent and attribute cells pass through
/// [`neutralise_formula`], which [`read_sheet`] undoes.
pub fn write_sheet<'a>(model: &Model, rows: impl IntoIterator<Item = SheetRow<'a>>) -> String {
    let mut out = template(model).into_bytes();
    let mut writer = csv::Writer::from_writer(&mut out);
    let mut record: Vec<String> = Vec::new();
    for row in rows {
        record.clear();
        record.push(neutralise_formula(row.respondent));
        record.extend(
            row.attributes
                .iter()
                .map(|value| neutralise_formula(value.unwrap_or_default())),
        );
        record.extend(
            row.answers
                .iter()
                .map(|answer| answer.map_or_else(String::new, |a| a.get().to_string())),
        );
        writer
            .write_record(&record)
            .expect("writing to memory cannot fail");
    }
    writer.flush().expect("writing to memory cannot fail");
    drop(writer);
    String::from_utf8(out).expect("the sheet is built from UTF-8 text")
}

/// The first characters that make a spreadsheet run a cell as a formula
/// (or, for the control characters, hide one).
const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\0'];

/// Whether [`neutralise_formula`] prefixes the cell: when it starts with a
/// formula character, or with apostrophes and then one, so that a value
/// that itself starts with the prefix survives the round trip.
fn is_guarded(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// Makes a cell safe to open in a spreadsheet: a cell that would run as a
/// formula gets an apostrophe in front. [`restore_formula`] undoes it.
pub fn neutralise_formula(cell: &str) -> String {
    if is_guarded(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Undoes [`neutralise_formula`]: drops the apostrophe it adds, and only
/// that one, so a value that starts with an apostrophe followed by anything
/// else is kept as it is.
pub fn restore_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if is_guarded(rest) => rest,
        _ => cell,
    }
}

/// The header of an empty response sheet for the model: the respondent
/// column, the attributes, then the items, in model order.
pub fn template(model: &Model) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once(RESPONDENT_COLUMN)
        .chain(model.attributes().iter().map(|a| a.id.as_str()))
        .chain(model.items().iter().map(|item| item.id.as_str()));
    writer
        .write_record(header)
        .expect("writing to memory cannot fail");
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
        .expect("ids are ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"
id = "small"
version = "1.0.0"
title = "Small"
[scoring]
anonymity_min = 3
[[stages]]
level = 1
name = "One"
[[stages]]
level = 2
name = "Two"
[[areas]]
id = "a"
name = "A"
[[attributes]]
id = "role"
name = "Role"
values = ["employee", "partner"]
[[attributes]]
id = "unit"
name = "Unit"
[[items]]
id = "A-2-01"
area = "a"
stage = 2
text = "t"
practice = "p"
[[items]]
id = "A-2-02"
area = "a"
stage = 2
text = "t"
practice = "p"
"#;

    /// Reads `sheet` and renders each valid row as
    /// `respondent role unit answers`, or the error as its rendered lines.
    fn check(sheet: &str, expected: Result<&[&str], &[&str]>) {
        let model = Model::parse(MODEL).unwrap();
        let mut rows = Vec::new();
        let result = read_sheet(sheet.as_bytes(), &model, |row| {
            let answers: Vec<String> = row
                .answers
                .iter()
                .map(|a| a.map_or("-".into(), |a| a.get().to_string()))
                .collect();
            rows.push(format!(
                "{} {} {} {}",
                row.respondent,
                row.attribute(0).unwrap_or("-"),
                row.attribute(1).unwrap_or("-"),
                answers.join(",")
            ));
        });
        match (result, expected) {
            (Ok(_), Ok(expected)) => assert_eq!(rows, expected, "{sheet:?}"),
            (Err(error), Err(expected)) => {
                assert_eq!(
                    error.render("s.csv").lines().collect::<Vec<_>>(),
                    expected,
                    "{sheet:?}"
                )
            }
            (Ok(_), Err(expected)) => panic!("{sheet:?} was accepted, expected {expected:?}"),
            (Err(error), Ok(_)) => panic!("{sheet:?} was refused: {}", error.render("s.csv")),
        }
    }

    #[test]
    fn valid_sheets() {
        check(
            "respondent,role,unit,A-2-01,A-2-02\nr1,partner,Sales,5,\n",
            Ok(&["r1 partner Sales 5,-"]),
        );
        // Semicolons, a BOM, CRLF line ends, don't-know answers and case.
        check(
            "\u{feff}respondent;A-2-02;role\r\nr1;dk;Partner\r\nr2;2;\r\n",
            Ok(&["r1 partner - -,-", "r2 - - -,2"]),
        );
        check("respondent\tA-2-01\nx\t3\n\n", Ok(&["x - - 3,-"]));
        check("respondent,A-2-01\n", Ok(&[]));
        check(
            "\"respondent\",\"A-2-01\"\n\"r,1\",\" 4 \"\n",
            Ok(&["r,1 - - 4,-"]),
        );
    }

    #[test]
    fn header_problems_name_the_column() {
        check(
            "respondent,A-2-1\n",
            Err(&[
                "s.csv:1:2: column \"A-2-1\": the column is neither \"respondent\", an attribute nor an item of the model small 1.0.0; did you mean \"A-2-01\"?",
            ]),
        );
        check(
            "id,A-2-01\n",
            Err(&[
                "s.csv:1:1: column \"id\": the column is neither \"respondent\", an attribute nor an item of the model small 1.0.0",
                "s.csv:1: the header has no \"respondent\" column; every sheet needs one, holding a unique id per respondent",
            ]),
        );
        check(
            "respondent,A-2-01,A-2-01\n",
            Err(&["s.csv:1:3: column \"A-2-01\": the column appears twice (first as column 2)"]),
        );
        check(
            "",
            Err(&[
                "s.csv:1: the sheet is empty; it needs a header line with a \"respondent\" column, attribute columns and item columns (`simm template` prints one)",
            ]),
        );
    }

    #[test]
    fn cell_problems_name_row_column_and_value() {
        check(
            "respondent,role,A-2-01\nr1,partner,6\n",
            Err(&[
                "s.csv:2:3: row 1, column \"A-2-01\": \"6\" is not a valid answer; expected a whole number from 1 to 5, or an empty cell or \"don't know\"",
            ]),
        );
        check(
            "respondent,role,A-2-01\nr1,parnter,3\n",
            Err(&[
                "s.csv:2:2: row 1, column \"role\": \"parnter\" is not a value of \"role\"; expected one of employee, partner; did you mean \"partner\"?",
            ]),
        );
        check(
            "respondent,A-2-01\nr1,3\n,4\nr1,2\n",
            Err(&[
                "s.csv:3:1: row 2, column \"respondent\": the respondent id is empty; every row needs a unique respondent id",
                "s.csv:4:1: row 3, column \"respondent\": the respondent id \"r1\" appears more than once; respondent ids must be unique",
            ]),
        );
        check(
            "respondent,A-2-01\nr1,3,4\n",
            Err(&["s.csv:2: row 1: the row has 3 cells but the header has 2 columns"]),
        );
        check(
            "respondent,A-2-01\nr1,\"3\"\rr2,4\n",
            Err(&[
                "s.csv:2: a carriage return splits this line into two records; save the sheet with ordinary line ends",
            ]),
        );
        // Quoted cells over several lines keep the line count right.
        check(
            "respondent,unit,A-2-01\nr1,\"North\nSouth\",3\r\nr2,East,9\n",
            Err(&[
                "s.csv:4:3: row 2, column \"A-2-01\": \"9\" is not a valid answer; expected a whole number from 1 to 5, or an empty cell or \"don't know\"",
            ]),
        );
    }

    #[test]
    fn invalid_text_is_reported_with_its_line() {
        let model = Model::parse(MODEL).unwrap();
        let sheet = b"respondent,A-2-01\nr1,3\nr\xff2,4\n";
        let error = read_sheet(&sheet[..], &model, |_| {}).unwrap_err();
        assert_eq!(
            error.render("s.csv"),
            "s.csv:3:1: row 2, column \"respondent\": the cell \"r\u{fffd}2\" is not valid UTF-8 text; save the sheet as UTF-8"
        );
        let header = b"respondent,A-2-\xff\n";
        let error = read_sheet(&header[..], &model, |_| {}).unwrap_err();
        assert_eq!(
            error.render("s.csv"),
            "s.csv:1: the line is not valid UTF-8 text (in its cell 2); save the sheet as UTF-8"
        );
    }

    #[test]
    fn listing_stops_after_many_problems() {
        let model = Model::parse(MODEL).unwrap();
        let sheet = format!(
            "respondent,A-2-01\n{}",
            (0..100).map(|i| format!("r{i},9\n")).collect::<String>()
        );
        let error = read_sheet(sheet.as_bytes(), &model, |_| {}).unwrap_err();
        let rendered = error.render("s.csv");
        assert_eq!(rendered.lines().count(), MAX_PROBLEMS + 1);
        assert!(rendered.ends_with("stopped after 20 problems; fix these and check again"));
    }

    /// Reads a sheet from a file in `parts` parts, rendering rows as
    /// `check` does, sorted, or the error's lines.
    #[test]
    fn a_quoted_cell_across_the_middle_is_not_split() {
        // Equal offsets fall inside the long quoted cell: the first line end
        // after them is no record end, and the parts must not be cut there.
        let mut sheet = String::from("respondent,unit,A-2-01,A-2-02\n");
        for i in 0..40 {
            sheet.push_str(&format!("r{i},U{i},1,2\n"));
        }
        let long_cell: Vec<String> = (0..400)
            .map(|line| format!("line {line}, \"\"quoted\"\""))
            .collect();
        sheet.push_str(&format!("middle,\"{}\",3,4\n", long_cell.join("\n")));
        for i in 40..80 {
            sheet.push_str(&format!("r{i},U{i},5,\n"));
        }
        let expected = read_in_parts(&sheet, 1).unwrap();
        assert_eq!(expected.len(), 81);
        for parts in [2, 3, 4, 8] {
            assert_eq!(
                read_in_parts(&sheet, parts).unwrap(),
                expected,
                "{parts} parts"
            );
        }
        // A problem after the cell is named at its line, which only a
        // reader that counted the lines before it can know.
        let bad = sheet.replace("r79,U79,5,", "r79,U79,6,");
        let problem = read_in_parts(&bad, 2).unwrap_err();
        assert_eq!(problem.len(), 1, "{problem:?}");
        assert!(
            problem[0].starts_with("s.csv:481:3: row 81,"),
            "{problem:?}"
        );
    }

    fn read_in_parts(sheet: &str, parts: usize) -> Result<Vec<String>, Vec<String>> {
        let model = Model::parse(MODEL).unwrap();
        let folder = std::env::temp_dir().join(format!("simm-sheet-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(format!("{parts}-{}.csv", sheet.len()));
        std::fs::write(&path, sheet).unwrap();
        let result = read_file_in_parts(
            &path,
            &model,
            parts,
            0,
            Vec::new,
            |rows: &mut Vec<String>, row| {
                let answers: Vec<String> = row
                    .answers
                    .iter()
                    .map(|a| a.map_or("-".into(), |a| a.get().to_string()))
                    .collect();
                rows.push(format!(
                    "{} {} {}",
                    row.respondent,
                    row.attribute(1).unwrap_or("-"),
                    answers.join(",")
                ));
            },
        );
        std::fs::remove_file(&path).unwrap();
        match result {
            Ok((summary, parts_rows)) => {
                let mut rows: Vec<String> = parts_rows.into_iter().flatten().collect();
                assert_eq!(summary.rows as usize, rows.len());
                rows.sort();
                Ok(rows)
            }
            Err(error) => Err(error.render("s.csv").lines().map(String::from).collect()),
        }
    }

    #[test]
    fn reading_in_parts_gives_the_rows_of_reading_at_once() {
        // Quoted cells with line ends and quotes inside must not be split.
        let mut sheet = String::from("\u{feff}respondent,unit,A-2-01,A-2-02\n");
        for i in 0..200 {
            let unit = if i % 7 == 0 {
                "\"Sales\nNorth, \"\"B\"\"\"".to_owned()
            } else {
                format!("U{i}")
            };
            sheet.push_str(&format!(
                "r{i},{unit},{},{}\n",
                i % 5 + 1,
                if i % 3 == 0 { "" } else { "2" }
            ));
        }
        let expected = read_in_parts(&sheet, 1).unwrap();
        assert_eq!(expected.len(), 200);
        for parts in [2, 3, 8] {
            assert_eq!(
                read_in_parts(&sheet, parts).unwrap(),
                expected,
                "{parts} parts"
            );
        }
    }

    #[test]
    fn problems_found_in_later_parts_keep_their_file_line_and_row() {
        let mut sheet = String::from("respondent,A-2-01\n");
        for i in 0..100 {
            sheet.push_str(&format!("r{i},{}\n", if i == 80 { "9" } else { "3" }));
        }
        let expected = Err(vec![
            "s.csv:82:2: row 81, column \"A-2-01\": \"9\" is not a valid answer; expected a whole number from 1 to 5, or an empty cell or \"don't know\"".to_owned(),
        ]);
        for parts in [1, 2, 4] {
            assert_eq!(read_in_parts(&sheet, parts), expected, "{parts} parts");
        }
        // A respondent id repeated across parts is found as well.
        let mut sheet = String::from("respondent,A-2-01\n");
        for i in 0..100 {
            sheet.push_str(&format!("r{},3\n", if i == 90 { 5 } else { i }));
        }
        let expected = Err(vec![
            "s.csv:92:1: row 91, column \"respondent\": the respondent id \"r5\" appears more than once; respondent ids must be unique".to_owned(),
        ]);
        for parts in [1, 2, 4] {
            assert_eq!(read_in_parts(&sheet, parts), expected, "{parts} parts");
        }
    }

    #[test]
    fn delimiters() {
        for (header, expected) in [
            ("a,b,c", b','),
            ("a;b;c", b';'),
            ("a\tb", b'\t'),
            ("\"a;b\",c", b','),
            ("a", b','),
        ] {
            assert_eq!(detect_delimiter(header.as_bytes()), expected, "{header:?}");
        }
    }

    #[test]
    fn written_sheets_read_back_and_formulas_are_neutralised() {
        let model = Model::parse(MODEL).unwrap();
        let rows = [
            SheetRow {
                respondent: "a1",
                attributes: vec![Some("partner"), Some("=HYPERLINK(\"x\")")],
                answers: vec![Answer::new(3, 5), None],
            },
            SheetRow {
                respondent: "a2",
                attributes: vec![None, Some("Sales, North")],
                answers: vec![None, Answer::new(5, 5)],
            },
        ];
        let sheet = write_sheet(&model, rows);
        assert_eq!(
            sheet,
            "respondent,role,unit,A-2-01,A-2-02\na1,partner,\"'=HYPERLINK(\"\"x\"\")\",3,\na2,,\"Sales, North\",,5\n"
        );
        check(
            &sheet,
            Ok(&["a1 partner =HYPERLINK(\"x\") 3,-", "a2 - Sales, North -,5"]),
        );
        for (cell, expected) in [
            ("-1", "'-1"),
            ("@x", "'@x"),
            ("+", "'+"),
            ("\tx", "'\tx"),
            ("ok", "ok"),
            ("", ""),
            ("'plain", "'plain"),
            ("'=x", "''=x"),
        ] {
            assert_eq!(neutralise_formula(cell), expected);
            assert_eq!(restore_formula(expected), cell);
        }
    }

    #[test]
    fn neutralised_cells_read_back_as_written() {
        let model = Model::parse(MODEL).unwrap();
        // Respondent ids and attribute values are both neutralised.
        let values = [
            "=1+1", "+x", "@y", "-1", "'plain", "'=x", "''@y", "'", "a'=b", "\rz",
        ];
        let rows = values.iter().map(|value| SheetRow {
            respondent: value,
            attributes: vec![None, Some(value)],
            answers: vec![None, None],
        });
        let sheet = write_sheet(&model, rows);
        let mut read = Vec::new();
        read_sheet(sheet.as_bytes(), &model, |row| {
            assert_eq!(row.attribute(1), Some(row.respondent));
            read.push(row.respondent.to_owned());
        })
        .unwrap();
        assert_eq!(read, values, "{sheet}");
    }

    #[test]
    fn template_lists_respondent_attributes_and_items() {
        let model = Model::parse(MODEL).unwrap();
        assert_eq!(template(&model), "respondent,role,unit,A-2-01,A-2-02\n");
    }
}
