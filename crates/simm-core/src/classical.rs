//! Classical item analysis over a matrix of answers: per item the count,
//! missing rate, mean, standard deviation and corrected item-total
//! correlation; per area Cronbach's alpha and alpha if an item is deleted.
//!
//! Missing answers are left out pairwise, as R's `psych::alpha` does by
//! default: each covariance uses the respondents who answered both items.
//! This is the first part of the calibration issue (#4); Rasch estimation
//! builds on the same matrix.
//!
//! Calibration runs this over a million respondents, so everything is
//! computed from integer sums gathered in one pass over the rows
//! ([`ClassicalSums`]). The sums are exact, which makes the result
//! independent of how the rows are split between threads, and the
//! covariances are formed from them as `(n·Σab − Σa·Σb) / (n·(n − 1))`
//! with an exact integer numerator, so no cancellation is lost.

use std::ops::Range;

/// Answers as one byte per cell, respondents by rows and items by columns;
/// 0 is a missing answer, 1..=A an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerMatrix {
    items: usize,
    cells: Vec<u8>,
}

impl AnswerMatrix {
    pub fn new(items: usize) -> Self {
        AnswerMatrix {
            items,
            cells: Vec::new(),
        }
    }

    /// An empty matrix with room for `respondents` rows, so that filling a
    /// large matrix does not reallocate.
    pub fn with_capacity(items: usize, respondents: usize) -> Self {
        AnswerMatrix {
            items,
            cells: Vec::with_capacity(items.saturating_mul(respondents)),
        }
    }

    /// A matrix over cells already laid out row by row.
    ///
    /// # Panics
    ///
    /// If `cells` does not hold a whole number of rows.
    pub fn from_cells(items: usize, cells: Vec<u8>) -> Self {
        // With no items only an empty vector is a whole number of rows,
        // which is what `is_multiple_of(0)` says.
        assert!(
            cells.len().is_multiple_of(items),
            "{} cells are not a whole number of rows of {items} items",
            cells.len()
        );
        AnswerMatrix { items, cells }
    }

    /// Adds a respondent's row; `row` holds one cell per item.
    pub fn push(&mut self, row: &[u8]) {
        assert_eq!(row.len(), self.items, "one cell per item");
        self.cells.extend_from_slice(row);
    }

    pub fn respondents(&self) -> usize {
        self.cells.len().checked_div(self.items).unwrap_or(0)
    }

    pub fn items(&self) -> usize {
        self.items
    }

    /// The cells of one respondent, one per item.
    pub fn row(&self, respondent: usize) -> &[u8] {
        let start = respondent * self.items;
        &self.cells[start..start + self.items]
    }
}

/// The classical statistics of one item; `None` where undefined.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemStatistics {
    pub answered: usize,
    pub missing_rate: f64,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1).
    pub sd: Option<f64>,
}

/// The reliability of one set of items (an area), in the order of the
/// set's items; `None` where undefined.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAnalysis {
    /// Cronbach's alpha from the pairwise covariance matrix.
    pub alpha: Option<f64>,
    /// Alpha of the set without each item in turn.
    pub alpha_if_deleted: Vec<Option<f64>>,
    /// The correlation of each item with the sum of the other items, over
    /// the respondents who answered every item of the set.
    pub item_total: Vec<Option<f64>>,
}

/// Everything [`classical_analysis`] computes: the statistics of every
/// item of the matrix, and the analysis of each set in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassicalAnalysis {
    pub items: Vec<ItemStatistics>,
    pub sets: Vec<SetAnalysis>,
}

/// The full classical analysis of a matrix: item statistics for every
/// item, and alpha, alpha if deleted and corrected item-total correlations
/// for each set of items, in one pass over the rows.
///
/// To use several threads, give each a [`ClassicalSums`] and a range of
/// rows, then merge the sums; the result is the same to the last bit.
///
/// # Panics
///
/// If a set names an item outside the matrix or names an item twice.
pub fn classical_analysis(matrix: &AnswerMatrix, sets: &[Vec<usize>]) -> ClassicalAnalysis {
    let mut sums = ClassicalSums::new(matrix.items(), sets);
    sums.add_rows(matrix, 0..matrix.respondents());
    sums.finish()
}

/// Rows are handled in blocks of this many, copied item by item into
/// columns of 16-bit lanes so that the pair sums vectorise. The block is
/// small enough that no 16-bit or 32-bit block sum can overflow (checked
/// below), and small enough for the columns of a set to stay in the L1
/// cache.
const BLOCK: usize = 256;

// A cell is at most 255, so a block's sum of cells must fit 16 bits and a
// block's sum of products of two cells must fit a signed 32-bit lane.
const _: () = assert!(BLOCK * 255 <= u16::MAX as usize);
const _: () = assert!(BLOCK * 255 * 255 <= i32::MAX as usize);
const _: () = assert!(BLOCK.is_multiple_of(LANES));

/// Exact integer sums over a range of rows, from which [`finish`] computes
/// the classical analysis. Sums over disjoint row ranges can be added with
/// [`merge`], which is how callers spread the work over threads: this
/// crate spawns none itself. Each thread makes its own sums with
/// [`ClassicalSums::new`] and adds its range of rows with
/// [`add_rows`](ClassicalSums::add_rows); the caller merges them and calls
/// [`finish`] once. The sums are integers, so the split does not change
/// the result.
///
/// [`finish`]: ClassicalSums::finish
/// [`merge`]: ClassicalSums::merge
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassicalSums {
    items: usize,
    respondents: u64,
    /// Per item over all rows: the number of answers, Σx and Σx².
    answered: Vec<u64>,
    sum: Vec<u64>,
    squares: Vec<u64>,
    sets: Vec<SetSums>,
}

/// The sums of one set of items.
///
/// The pair sums are kept for each pair of positions `i < j` in the order
/// (0, 1), (0, 2), …, (1, 2), …; the diagonal of the covariance matrix
/// comes from the item sums of [`ClassicalSums`], which are over the same
/// respondents (those who answered the item).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SetSums {
    items: Vec<usize>,
    /// Per pair, over the respondents who answered both items: their
    /// number, Σa, Σb and Σab.
    both: Vec<u64>,
    first: Vec<u64>,
    second: Vec<u64>,
    products: Vec<u64>,
    /// Over the respondents who answered every item of the set: their
    /// number, Σt and Σt² of the total t, and per item Σx, Σx² and Σx·t.
    /// The rest score r = t − x of the item-total correlation follows from
    /// these, which saves keeping three more sums per item.
    complete: u64,
    total_sum: u64,
    total_squares: u64,
    own_sum: Vec<u64>,
    own_squares: Vec<u64>,
    own_total: Vec<u64>,
}

impl ClassicalSums {
    /// Empty sums for a matrix of `items` items and the given sets.
    ///
    /// # Panics
    ///
    /// If a set names an item outside the matrix or names an item twice:
    /// the rest score of the item-total correlation would be ambiguous.
    pub fn new(items: usize, sets: &[Vec<usize>]) -> Self {
        ClassicalSums {
            items,
            respondents: 0,
            answered: vec![0; items],
            sum: vec![0; items],
            squares: vec![0; items],
            sets: sets.iter().map(|set| SetSums::new(items, set)).collect(),
        }
    }

    /// Adds the rows `rows` of `matrix`.
    ///
    /// # Panics
    ///
    /// If the matrix does not have the number of items the sums were made
    /// for, or the range goes past its last row.
    pub fn add_rows(&mut self, matrix: &AnswerMatrix, rows: Range<usize>) {
        assert_eq!(matrix.items(), self.items, "sums made for another matrix");
        assert!(
            rows.start <= rows.end && rows.end <= matrix.respondents(),
            "rows {rows:?} outside the {} respondents",
            matrix.respondents()
        );
        let mut block_sums = ItemBlockSums::new(self.items);
        let largest_set = self.sets.iter().map(|set| set.items.len()).max();
        let mut columns = Columns::new(largest_set.unwrap_or(0));
        let mut start = rows.start;
        while start < rows.end {
            let block = start..rows.end.min(start + BLOCK);
            block_sums.add_block(matrix, block.clone());
            for (total, part) in self.answered.iter_mut().zip(&block_sums.answered) {
                *total += u64::from(*part);
            }
            for (total, part) in self.sum.iter_mut().zip(&block_sums.sum) {
                *total += u64::from(*part);
            }
            for (total, part) in self.squares.iter_mut().zip(&block_sums.squares) {
                *total += u64::from(*part);
            }
            for set in &mut self.sets {
                set.add_block(matrix, block.clone(), &mut columns);
            }
            self.respondents += block.len() as u64;
            start = block.end;
        }
    }

    /// Adds the sums of other rows of the same matrix.
    ///
    /// # Panics
    ///
    /// If `other` was made for another number of items or other sets.
    pub fn merge(&mut self, other: &ClassicalSums) {
        assert_eq!(self.items, other.items, "sums made for another matrix");
        assert_eq!(self.sets.len(), other.sets.len(), "sums of other sets");
        self.respondents += other.respondents;
        add(&mut self.answered, &other.answered);
        add(&mut self.sum, &other.sum);
        add(&mut self.squares, &other.squares);
        for (set, other) in self.sets.iter_mut().zip(&other.sets) {
            assert_eq!(set.items, other.items, "sums of other sets");
            add(&mut set.both, &other.both);
            add(&mut set.first, &other.first);
            add(&mut set.second, &other.second);
            add(&mut set.products, &other.products);
            set.complete += other.complete;
            set.total_sum += other.total_sum;
            set.total_squares += other.total_squares;
            add(&mut set.own_sum, &other.own_sum);
            add(&mut set.own_squares, &other.own_squares);
            add(&mut set.own_total, &other.own_total);
        }
    }

    /// The analysis of the rows added so far.
    pub fn finish(&self) -> ClassicalAnalysis {
        let items = (0..self.items)
            .map(|item| {
                let answered = self.answered[item];
                let mean = (answered > 0).then(|| self.sum[item] as f64 / answered as f64);
                ItemStatistics {
                    answered: usize::try_from(answered).expect("counted rows of a matrix"),
                    missing_rate: if self.respondents == 0 {
                        0.0
                    } else {
                        1.0 - answered as f64 / self.respondents as f64
                    },
                    mean,
                    sd: covariance(answered, self.sum[item], self.sum[item], self.squares[item])
                        .map(f64::sqrt),
                }
            })
            .collect();
        let sets = self.sets.iter().map(|set| set.finish(self)).collect();
        ClassicalAnalysis { items, sets }
    }
}

fn add(total: &mut [u64], part: &[u64]) {
    for (total, part) in total.iter_mut().zip(part) {
        *total += part;
    }
}

/// The sample covariance (n − 1) from exact sums over `n` respondents:
/// `(n·Σab − Σa·Σb) / (n·(n − 1))`, with the numerator computed exactly so
/// that a small covariance between large sums keeps its digits. `None`
/// below two respondents.
fn covariance(n: u64, sum_a: u64, sum_b: u64, products: u64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let numerator = i128::from(n) * i128::from(products) - i128::from(sum_a) * i128::from(sum_b);
    let denominator = i128::from(n) * i128::from(n - 1);
    Some(numerator as f64 / denominator as f64)
}

/// Per-block item sums in 32 bits, which cannot overflow over a block
/// and which the compiler keeps four to a vector register while it walks a
/// row.
struct ItemBlockSums {
    answered: Vec<u32>,
    sum: Vec<u32>,
    squares: Vec<u32>,
}

impl ItemBlockSums {
    fn new(items: usize) -> Self {
        ItemBlockSums {
            answered: vec![0; items],
            sum: vec![0; items],
            squares: vec![0; items],
        }
    }

    fn add_block(&mut self, matrix: &AnswerMatrix, block: Range<usize>) {
        self.answered.fill(0);
        self.sum.fill(0);
        self.squares.fill(0);
        for respondent in block {
            let row = matrix.row(respondent);
            let sums = self
                .answered
                .iter_mut()
                .zip(self.sum.iter_mut())
                .zip(self.squares.iter_mut());
            for (((answered, sum), squares), &cell) in sums.zip(row) {
                *answered += u32::from(cell != 0);
                *sum += u32::from(cell);
                *squares += u32::from(cell) * u32::from(cell);
            }
        }
    }
}

/// One block of a set's items as columns: the cells, and a mask that is
/// all ones (−1) where the cell is answered and 0 where it is missing;
/// then per row the mask of having answered every item of the set, and
/// the total of the row's cells in the set. Rows past the end of a short
/// block are zero everywhere, which adds nothing to any sum.
struct Columns {
    values: Vec<[i16; BLOCK]>,
    masks: Vec<[i16; BLOCK]>,
    complete: [i16; BLOCK],
    totals: [u32; BLOCK],
}

impl Columns {
    fn new(items: usize) -> Self {
        Columns {
            values: vec![[0; BLOCK]; items],
            masks: vec![[0; BLOCK]; items],
            complete: [0; BLOCK],
            totals: [0; BLOCK],
        }
    }
}

impl SetSums {
    fn new(matrix_items: usize, items: &[usize]) -> Self {
        for (position, &item) in items.iter().enumerate() {
            assert!(
                item < matrix_items,
                "item {item} outside the {matrix_items} items"
            );
            assert!(
                !items[..position].contains(&item),
                "item {item} twice in a set"
            );
        }
        let k = items.len();
        let pairs = k * k.saturating_sub(1) / 2;
        SetSums {
            items: items.to_vec(),
            both: vec![0; pairs],
            first: vec![0; pairs],
            second: vec![0; pairs],
            products: vec![0; pairs],
            complete: 0,
            total_sum: 0,
            total_squares: 0,
            own_sum: vec![0; k],
            own_squares: vec![0; k],
            own_total: vec![0; k],
        }
    }

    fn add_block(&mut self, matrix: &AnswerMatrix, block: Range<usize>, columns: &mut Columns) {
        let k = self.items.len();
        if k == 0 {
            return;
        }
        let rows = block.len();
        let cells = &matrix.cells[block.start * matrix.items..block.end * matrix.items];
        // Copying a column out of the rows is the one step that cannot be
        // vectorised (the cells of an item are a row apart), so it does
        // nothing else; the masks, totals and completeness follow in
        // passes over whole columns.
        for (&item, values) in self.items.iter().zip(&mut columns.values) {
            let column = cells[item..].iter().step_by(matrix.items);
            for (value, cell) in values.iter_mut().zip(column) {
                *value = i16::from(*cell);
            }
            values[rows..].fill(0);
        }
        columns.complete.fill(-1);
        columns.totals.fill(0);
        for (values, masks) in columns.values[..k].iter().zip(&mut columns.masks) {
            for (mask, value) in masks.iter_mut().zip(values) {
                *mask = -i16::from(*value != 0);
            }
            for (complete, mask) in columns.complete.iter_mut().zip(masks.iter()) {
                *complete &= *mask;
            }
            for (total, value) in columns.totals.iter_mut().zip(values) {
                *total += u32::from(*value as u16);
            }
        }
        self.add_complete_rows(columns);
        let values = &columns.values[..k];
        let masks = &columns.masks[..k];
        let mut pair = 0;
        for i in 0..k {
            for j in i + 1..k {
                self.both[pair] += u64::from(count_both(&masks[i], &masks[j]));
                self.first[pair] += u64::from(masked_sum(&values[i], &masks[j]));
                self.second[pair] += u64::from(masked_sum(&values[j], &masks[i]));
                self.products[pair] += u64::from(dot(&values[i], &values[j]));
                pair += 1;
            }
        }
    }

    /// Adds the sums of the item-total correlation over the rows of the
    /// block that answered every item of the set.
    fn add_complete_rows(&mut self, columns: &Columns) {
        let complete = &columns.complete;
        // The totals of incomplete rows are masked to 0, so that they add
        // nothing below.
        let mut totals = columns.totals;
        for (total, complete) in totals.iter_mut().zip(complete) {
            if *complete == 0 {
                *total = 0;
            }
        }
        self.complete += u64::from(count_both(complete, complete));
        self.total_sum += totals.iter().map(|t| u64::from(*t)).sum::<u64>();
        self.total_squares += totals
            .iter()
            .map(|t| u64::from(*t) * u64::from(*t))
            .sum::<u64>();
        let own = self
            .own_sum
            .iter_mut()
            .zip(&mut self.own_squares)
            .zip(&mut self.own_total);
        for (((sum, squares), with_total), values) in own.zip(&columns.values) {
            *sum += u64::from(masked_sum(values, complete));
            *squares += u64::from(masked_dot(values, values, complete));
            *with_total += values
                .iter()
                .zip(&totals)
                .map(|(value, total)| u64::from(*value as u16) * u64::from(*total))
                .sum::<u64>();
        }
    }

    fn finish(&self, sums: &ClassicalSums) -> SetAnalysis {
        let k = self.items.len();
        // The full k × k matrix, so that alpha sums it in the same order
        // as a direct computation would.
        let mut matrix = vec![None; k * k];
        for (position, &item) in self.items.iter().enumerate() {
            matrix[position * k + position] = covariance(
                sums.answered[item],
                sums.sum[item],
                sums.sum[item],
                sums.squares[item],
            );
        }
        let mut pair = 0;
        for i in 0..k {
            for j in i + 1..k {
                let value = covariance(
                    self.both[pair],
                    self.first[pair],
                    self.second[pair],
                    self.products[pair],
                );
                matrix[i * k + j] = value;
                matrix[j * k + i] = value;
                pair += 1;
            }
        }
        SetAnalysis {
            alpha: alpha(&matrix, k, None),
            alpha_if_deleted: (0..k)
                .map(|left_out| alpha(&matrix, k, Some(left_out)))
                .collect(),
            item_total: (0..k).map(|position| self.item_total(position)).collect(),
        }
    }

    /// The correlation of the item at `position` with the rest score
    /// r = t − x over the complete respondents, from
    /// Σr = Σt − Σx, Σr² = Σt² − 2·Σxt + Σx² and Σxr = Σxt − Σx², all exact.
    fn item_total(&self, position: usize) -> Option<f64> {
        let n = i128::from(self.complete);
        if n < 2 {
            return None;
        }
        let x = i128::from(self.own_sum[position]);
        let xx = i128::from(self.own_squares[position]);
        let xt = i128::from(self.own_total[position]);
        let r = i128::from(self.total_sum) - x;
        let rr = i128::from(self.total_squares) - 2 * xt + xx;
        let xr = xt - xx;
        // Each is n² times a (population) moment, exact in integers, so a
        // constant item or rest score gives exactly zero.
        let cross = n * xr - x * r;
        let spread_x = n * xx - x * x;
        let spread_r = n * rr - r * r;
        (spread_x > 0 && spread_r > 0)
            .then(|| cross as f64 / (spread_x as f64).sqrt() / (spread_r as f64).sqrt())
    }
}

/// Relative size under which the sum of a covariance matrix counts as zero.
const NO_VARIANCE: f64 = 1e-12;

/// Cronbach's alpha from a k × k covariance matrix, leaving out the item
/// at `left_out`: m / (m − 1) · (1 − trace / sum) over the m items kept.
/// `None` with fewer than two items, an undefined covariance, or no
/// variance at all.
fn alpha(matrix: &[Option<f64>], k: usize, left_out: Option<usize>) -> Option<f64> {
    let kept = k - usize::from(left_out.is_some());
    if kept < 2 {
        return None;
    }
    let mut trace = 0.0;
    let mut total = 0.0;
    let mut magnitude = 0.0;
    for i in (0..k).filter(|i| Some(*i) != left_out) {
        for j in (0..k).filter(|j| Some(*j) != left_out) {
            let covariance = matrix[i * k + j]?;
            total += covariance;
            magnitude += covariance.abs();
            if i == j {
                trace += covariance;
            }
        }
    }
    // A total that is zero up to rounding means no variance of the sum;
    // dividing by the rounding error would print an alpha of −10^16.
    (total > NO_VARIANCE * magnitude)
        .then(|| kept as f64 / (kept - 1) as f64 * (1.0 - trace / total))
}

// The block kernels below are plain loops over fixed-length arrays,
// written so that the compiler turns them into vector code with the
// baseline instruction set (SSE2 on x86-64): 16-bit lanes for the counts
// and sums, and a multiply-add of 16-bit pairs into 32-bit lanes for the
// products. The bounds checked next to `BLOCK` keep every lane from
// overflowing. The `as u16` casts reinterpret masked cells, which are
// never negative.

/// The number of lanes the product kernels accumulate in: keeping them
/// apart is what lets the compiler use one multiply-add instruction per
/// eight cells instead of widening each cell first.
const LANES: usize = 8;

/// The number of rows where both masks are set.
fn count_both(a: &[i16; BLOCK], b: &[i16; BLOCK]) -> u16 {
    a.iter().zip(b).map(|(a, b)| (a & b & 1) as u16).sum()
}

/// The sum of `values` over the rows where `mask` is set.
fn masked_sum(values: &[i16; BLOCK], mask: &[i16; BLOCK]) -> u16 {
    values
        .iter()
        .zip(mask)
        .map(|(value, mask)| (value & mask) as u16)
        .sum()
}

/// The sum of the products of two columns of cells. Cells are never
/// negative, so neither is the sum.
fn dot(a: &[i16; BLOCK], b: &[i16; BLOCK]) -> u32 {
    let mut lanes = [0i32; LANES];
    for (a, b) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for ((lane, a), b) in lanes.iter_mut().zip(a).zip(b) {
            *lane += i32::from(*a) * i32::from(*b);
        }
    }
    lanes.iter().sum::<i32>().unsigned_abs()
}

/// The sum of the products of two columns over the rows where `mask` is
/// set.
fn masked_dot(a: &[i16; BLOCK], b: &[i16; BLOCK], mask: &[i16; BLOCK]) -> u32 {
    let mut lanes = [0i32; LANES];
    let chunks = a
        .chunks_exact(LANES)
        .zip(b.chunks_exact(LANES))
        .zip(mask.chunks_exact(LANES));
    for ((a, b), mask) in chunks {
        for (((lane, a), b), mask) in lanes.iter_mut().zip(a).zip(b).zip(mask) {
            *lane += i32::from(a & mask) * i32::from(*b);
        }
    }
    lanes.iter().sum::<i32>().unsigned_abs()
}

/// Count, missing rate, mean and standard deviation of every item.
pub fn item_statistics(matrix: &AnswerMatrix) -> Vec<ItemStatistics> {
    classical_analysis(matrix, &[]).items
}

/// Cronbach's alpha of a set of items from their pairwise covariance
/// matrix: k / (k − 1) · (1 − trace / sum). `None` with fewer than two
/// items, an undefined covariance, or no variance at all.
pub fn cronbach_alpha(matrix: &AnswerMatrix, items: &[usize]) -> Option<f64> {
    set_analysis(matrix, items).alpha
}

/// Alpha of the set without each item in turn, in the order of `items`.
pub fn alpha_if_deleted(matrix: &AnswerMatrix, items: &[usize]) -> Vec<Option<f64>> {
    set_analysis(matrix, items).alpha_if_deleted
}

/// The corrected item-total correlation of each item of a set: the
/// correlation of the item with the sum of the other items, over the
/// respondents who answered the item and every other item of the set.
pub fn corrected_item_total(matrix: &AnswerMatrix, items: &[usize]) -> Vec<Option<f64>> {
    set_analysis(matrix, items).item_total
}

fn set_analysis(matrix: &AnswerMatrix, items: &[usize]) -> SetAnalysis {
    let mut analysis = classical_analysis(matrix, &[items.to_vec()]);
    analysis.sets.pop().expect("one set in, one set out")
}

/// The straightforward implementation this module started from, kept as
/// the oracle for the fast path: it recomputes everything in floating
/// point from the cells, with a pass per covariance.
#[cfg(test)]
mod reference {
    use super::{AnswerMatrix, ItemStatistics};

    fn cell(matrix: &AnswerMatrix, respondent: usize, item: usize) -> Option<f64> {
        match matrix.row(respondent)[item] {
            0 => None,
            value => Some(f64::from(value)),
        }
    }

    /// Count, missing rate, mean and standard deviation of every item.
    pub fn item_statistics(matrix: &AnswerMatrix) -> Vec<ItemStatistics> {
        let respondents = matrix.respondents();
        (0..matrix.items())
            .map(|item| {
                let values: Vec<f64> = (0..respondents)
                    .filter_map(|r| cell(matrix, r, item))
                    .collect();
                let answered = values.len();
                let mean = (answered > 0).then(|| values.iter().sum::<f64>() / answered as f64);
                let sd = mean.filter(|_| answered > 1).map(|mean| {
                    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (answered - 1) as f64)
                        .sqrt()
                });
                ItemStatistics {
                    answered,
                    missing_rate: if respondents == 0 {
                        0.0
                    } else {
                        1.0 - answered as f64 / respondents as f64
                    },
                    mean,
                    sd,
                }
            })
            .collect()
    }

    /// The sample covariance of two items over the respondents who answered
    /// both; `None` below two such respondents.
    fn pairwise_covariance(matrix: &AnswerMatrix, a: usize, b: usize) -> Option<f64> {
        let pairs: Vec<(f64, f64)> = (0..matrix.respondents())
            .filter_map(|r| Some((cell(matrix, r, a)?, cell(matrix, r, b)?)))
            .collect();
        if pairs.len() < 2 {
            return None;
        }
        let n = pairs.len() as f64;
        let mean_a = pairs.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_b = pairs.iter().map(|p| p.1).sum::<f64>() / n;
        Some(
            pairs
                .iter()
                .map(|(x, y)| (x - mean_a) * (y - mean_b))
                .sum::<f64>()
                / (n - 1.0),
        )
    }

    /// Cronbach's alpha of a set of items from their pairwise covariance
    /// matrix: k / (k − 1) · (1 − trace / sum). `None` with fewer than two
    /// items, an undefined covariance, or no variance at all.
    pub fn cronbach_alpha(matrix: &AnswerMatrix, items: &[usize]) -> Option<f64> {
        let k = items.len();
        if k < 2 {
            return None;
        }
        let mut trace = 0.0;
        let mut total = 0.0;
        let mut magnitude = 0.0;
        for (i, &a) in items.iter().enumerate() {
            for (j, &b) in items.iter().enumerate() {
                let covariance = pairwise_covariance(matrix, a, b)?;
                total += covariance;
                magnitude += f64::abs(covariance);
                if i == j {
                    trace += covariance;
                }
            }
        }
        (total > super::NO_VARIANCE * magnitude)
            .then(|| k as f64 / (k - 1) as f64 * (1.0 - trace / total))
    }

    /// Alpha of the set without each item in turn, in the order of `items`.
    pub fn alpha_if_deleted(matrix: &AnswerMatrix, items: &[usize]) -> Vec<Option<f64>> {
        (0..items.len())
            .map(|left_out| {
                let rest: Vec<usize> = items
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != left_out)
                    .map(|(_, item)| *item)
                    .collect();
                cronbach_alpha(matrix, &rest)
            })
            .collect()
    }

    /// The corrected item-total correlation of each item of a set: the
    /// correlation of the item with the sum of the other items, over the
    /// respondents who answered the item and every other item of the set.
    pub fn corrected_item_total(matrix: &AnswerMatrix, items: &[usize]) -> Vec<Option<f64>> {
        items
            .iter()
            .map(|&item| {
                let pairs: Vec<(f64, f64)> = (0..matrix.respondents())
                    .filter_map(|r| {
                        let own = cell(matrix, r, item)?;
                        let rest = items
                            .iter()
                            .filter(|other| **other != item)
                            .map(|other| cell(matrix, r, *other))
                            .sum::<Option<f64>>()?;
                        Some((own, rest))
                    })
                    .collect();
                correlation(&pairs)
            })
            .collect()
    }

    fn correlation(pairs: &[(f64, f64)]) -> Option<f64> {
        if pairs.len() < 2 {
            return None;
        }
        let n = pairs.len() as f64;
        let mean_x = pairs.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = pairs.iter().map(|p| p.1).sum::<f64>() / n;
        let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
        for (x, y) in pairs {
            xy += (x - mean_x) * (y - mean_y);
            xx += (x - mean_x).powi(2);
            yy += (y - mean_y).powi(2);
        }
        (xx > 0.0 && yy > 0.0).then(|| xy / (xx * yy).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four respondents, three items, complete; worked by hand:
    /// item means 3, 3.5, 2.5; variances 2/3, 1/3, 1/3 (n − 1);
    /// covariances c01 = c02 = c12 = 1/3;
    /// sum of the matrix = 4/3 + 2 · 3 · 1/3 = 10/3, trace = 4/3,
    /// alpha = 3/2 · (1 − (4/3) / (10/3)) = 0.9.
    fn small() -> AnswerMatrix {
        let mut matrix = AnswerMatrix::new(3);
        for row in [[2, 3, 2], [3, 4, 3], [4, 4, 3], [3, 3, 2]] {
            matrix.push(&row);
        }
        matrix
    }

    fn check(actual: Option<f64>, expected: Option<f64>) {
        match (actual, expected) {
            (Some(a), Some(e)) => assert!((a - e).abs() < 1e-12, "{a} != {e}"),
            _ => assert_eq!(actual, expected),
        }
    }

    #[test]
    fn alpha_of_a_small_complete_matrix() {
        check(cronbach_alpha(&small(), &[0, 1, 2]), Some(0.9));
        // Without item 0: variances 1/3 and 1/3, covariance 1/3: sum 4/3,
        // trace 2/3, alpha = 2 · (1 − 1/2) = 1. Without item 2: variances
        // 2/3 and 1/3, covariance 1/3: sum 5/3, trace 1, alpha = 2 · (1 −
        // 3/5) = 0.8.
        let deleted = alpha_if_deleted(&small(), &[0, 1, 2]);
        check(deleted[0], Some(1.0));
        check(deleted[2], Some(0.8));
        check(cronbach_alpha(&small(), &[0]), None);
    }

    #[test]
    fn item_statistics_leave_missing_answers_out() {
        let mut matrix = small();
        matrix.push(&[0, 5, 0]);
        let stats = item_statistics(&matrix);
        assert_eq!(stats[0].answered, 4);
        check(Some(stats[0].missing_rate), Some(0.2));
        check(stats[0].mean, Some(3.0));
        check(stats[0].sd, Some((2.0f64 / 3.0).sqrt()));
        // Item 1: 3, 4, 4, 3, 5: mean 3.8, squares 0.64 + 0.04 + 0.04 +
        // 0.64 + 1.44 = 2.8, variance 0.7.
        check(stats[1].mean, Some(3.8));
        check(stats[1].sd, Some(0.7f64.sqrt()));
    }

    #[test]
    fn corrected_item_total_correlations() {
        // Item 2 against items 0 + 1: rest sums 5, 7, 8, 6 (mean 6.5) and
        // item 2 values 2, 3, 3, 2 (mean 2.5): cross products 0.75 + 0.25
        // + 0.75 + 0.25 = 2, squares 1 (item) and 5 (rest), r = 2 / √5.
        let r = corrected_item_total(&small(), &[0, 1, 2]);
        check(r[2], Some(2.0 / 5.0f64.sqrt()));
    }

    #[test]
    fn no_variance_gives_no_alpha() {
        let mut matrix = AnswerMatrix::new(2);
        matrix.push(&[3, 3]);
        matrix.push(&[3, 3]);
        check(cronbach_alpha(&matrix, &[0, 1]), None);
        check(corrected_item_total(&matrix, &[0, 1])[0], None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 128, failure_persistence: None, ..Default::default() })]

        /// Alpha never exceeds 1, and items that are copies of one another
        /// have alpha exactly 1.
        #[test]
        fn alpha_is_at_most_one(rows in proptest::collection::vec(proptest::collection::vec(1u8..=5, 4), 2..30)) {
            let mut matrix = AnswerMatrix::new(4);
            let mut copies = AnswerMatrix::new(3);
            for row in &rows {
                matrix.push(row);
                copies.push(&[row[0], row[0], row[0]]);
            }
            if let Some(alpha) = cronbach_alpha(&matrix, &[0, 1, 2, 3]) {
                proptest::prop_assert!(alpha <= 1.0 + 1e-12, "{}", alpha);
            }
            if let Some(alpha) = cronbach_alpha(&copies, &[0, 1, 2]) {
                proptest::prop_assert!((alpha - 1.0).abs() < 1e-12, "{}", alpha);
            }
        }
    }

    /// Compares the fast path with the reference on one matrix: every item
    /// statistic, and per set alpha, alpha if deleted and the item-total
    /// correlations, within rounding.
    fn agrees_with_reference(matrix: &AnswerMatrix, sets: &[Vec<usize>]) {
        let analysis = classical_analysis(matrix, sets);
        let expected = reference::item_statistics(matrix);
        assert_eq!(analysis.items.len(), expected.len());
        for (actual, expected) in analysis.items.iter().zip(&expected) {
            assert_eq!(actual.answered, expected.answered);
            close(Some(actual.missing_rate), Some(expected.missing_rate));
            close(actual.mean, expected.mean);
            close(actual.sd, expected.sd);
        }
        assert_eq!(analysis.sets.len(), sets.len());
        for (actual, set) in analysis.sets.iter().zip(sets) {
            close(actual.alpha, reference::cronbach_alpha(matrix, set));
            let deleted = reference::alpha_if_deleted(matrix, set);
            let item_total = reference::corrected_item_total(matrix, set);
            assert_eq!(actual.alpha_if_deleted.len(), set.len());
            assert_eq!(actual.item_total.len(), set.len());
            for (actual, expected) in actual.alpha_if_deleted.iter().zip(deleted) {
                close(*actual, expected);
            }
            for (actual, expected) in actual.item_total.iter().zip(item_total) {
                close(*actual, expected);
            }
        }
    }

    /// Like `check`, relative to the size of the value: alpha can be far
    /// below −1 when the covariances nearly cancel.
    fn close(actual: Option<f64>, expected: Option<f64>) {
        match (actual, expected) {
            (Some(a), Some(e)) => {
                assert!((a - e).abs() <= 1e-12 * e.abs().max(1.0), "{a} != {e}")
            }
            _ => assert_eq!(actual, expected),
        }
    }

    /// A matrix of `items` columns from a seed, with about one cell in ten
    /// missing and answers spread over the whole byte, so that the block
    /// sums come as close to their limits as they can.
    fn pseudo_random(items: usize, respondents: usize, seed: u64) -> AnswerMatrix {
        let mut state = seed | 1;
        let mut matrix = AnswerMatrix::with_capacity(items, respondents);
        let mut row = vec![0; items];
        for _ in 0..respondents {
            for cell in &mut row {
                // xorshift64: any fixed sequence would do.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *cell = if state.is_multiple_of(10) {
                    0
                } else {
                    (state >> 8) as u8 | 0xF0
                };
            }
            matrix.push(&row);
        }
        matrix
    }

    #[test]
    fn several_blocks_of_large_answers_agree_with_the_reference() {
        // 700 rows span three blocks, the last one short; answers of 240
        // to 255 push every 16-bit block sum close to its bound.
        let matrix = pseudo_random(7, 700, 17);
        agrees_with_reference(&matrix, &[vec![0, 1, 2, 3], vec![6, 4, 5], vec![2]]);
    }

    #[test]
    fn merged_sums_equal_one_pass() {
        let matrix = pseudo_random(6, 600, 5);
        let sets = [vec![0, 1, 2], vec![5, 3, 4]];
        let mut whole = ClassicalSums::new(6, &sets);
        whole.add_rows(&matrix, 0..600);
        let mut first = ClassicalSums::new(6, &sets);
        first.add_rows(&matrix, 0..123);
        let mut second = ClassicalSums::new(6, &sets);
        second.add_rows(&matrix, 123..600);
        first.merge(&second);
        assert_eq!(first, whole);
        assert_eq!(first.finish(), classical_analysis(&matrix, &sets));
    }

    #[test]
    fn matrix_rows_and_cells() {
        let matrix = AnswerMatrix::from_cells(3, vec![1, 2, 3, 4, 0, 5]);
        assert_eq!(matrix.respondents(), 2);
        assert_eq!(matrix.row(1), &[4, 0, 5]);
        assert_eq!(matrix, {
            let mut pushed = AnswerMatrix::with_capacity(3, 2);
            pushed.push(&[1, 2, 3]);
            pushed.push(&[4, 0, 5]);
            pushed
        });
        assert_eq!(AnswerMatrix::from_cells(0, Vec::new()).respondents(), 0);
    }

    #[test]
    #[should_panic(expected = "not a whole number of rows")]
    fn cells_must_fill_whole_rows() {
        AnswerMatrix::from_cells(3, vec![1, 2]);
    }

    #[test]
    #[should_panic(expected = "twice in a set")]
    fn an_item_may_appear_once_in_a_set() {
        classical_analysis(&small(), &[vec![0, 1, 0]]);
    }

    /// A matrix of 1 to 7 items and up to 40 respondents with answers from
    /// 1 to 5 and missing cells, optionally with item 0 held constant
    /// where answered, and up to three sets of distinct items.
    fn matrix_and_sets()
    -> impl proptest::strategy::Strategy<Value = (AnswerMatrix, Vec<Vec<usize>>)> {
        use proptest::prelude::*;
        (1usize..8)
            .prop_flat_map(|items| {
                (
                    Just(items),
                    proptest::collection::vec(
                        proptest::collection::vec(prop_oneof![1 => Just(0u8), 4 => 1u8..=5], items),
                        0..40,
                    ),
                    any::<bool>(),
                    proptest::collection::vec(
                        proptest::collection::vec(any::<bool>(), items),
                        0..4,
                    ),
                )
            })
            .prop_map(|(items, rows, constant, chosen)| {
                let mut matrix = AnswerMatrix::new(items);
                for mut row in rows {
                    if constant && row[0] != 0 {
                        row[0] = 3;
                    }
                    matrix.push(&row);
                }
                let sets = chosen
                    .iter()
                    .map(|chosen| (0..items).filter(|item| chosen[*item]).collect::<Vec<_>>())
                    .collect();
                (matrix, sets)
            })
    }

    #[test]
    fn a_column_without_variance_agrees_with_the_reference() {
        let mut matrix = AnswerMatrix::new(3);
        for row in [[3, 1, 2], [3, 2, 2], [0, 4, 3], [3, 5, 5], [3, 0, 1]] {
            matrix.push(&row);
        }
        agrees_with_reference(&matrix, &[vec![0, 1, 2], vec![1, 0]]);
        let analysis = classical_analysis(&matrix, &[vec![0, 1, 2]]);
        check(analysis.items[0].sd, Some(0.0));
        check(analysis.sets[0].item_total[0], None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 512, failure_persistence: None, ..Default::default() })]

        /// The fast path computes what the straightforward one does.
        #[test]
        fn fast_path_equals_reference((matrix, sets) in matrix_and_sets()) {
            agrees_with_reference(&matrix, &sets);
        }
    }
}
