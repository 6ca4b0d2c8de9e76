//! Classical item analysis over a matrix of answers: per item the count,
//! missing rate, mean, standard deviation and corrected item-total
//! correlation; per area Cronbach's alpha and alpha if an item is deleted.
//!
//! Missing answers are left out pairwise, as R's `psych::alpha` does by
//! default: each covariance uses the respondents who answered both items.
//! This is the first part of the calibration issue (#4); Rasch estimation
//! builds on the same matrix.

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

    fn cell(&self, respondent: usize, item: usize) -> Option<f64> {
        match self.cells[respondent * self.items + item] {
            0 => None,
            value => Some(f64::from(value)),
        }
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

/// Count, missing rate, mean and standard deviation of every item.
pub fn item_statistics(matrix: &AnswerMatrix) -> Vec<ItemStatistics> {
    let respondents = matrix.respondents();
    (0..matrix.items)
        .map(|item| {
            let values: Vec<f64> = (0..respondents)
                .filter_map(|r| matrix.cell(r, item))
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
        .filter_map(|r| Some((matrix.cell(r, a)?, matrix.cell(r, b)?)))
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
    for (i, &a) in items.iter().enumerate() {
        for (j, &b) in items.iter().enumerate() {
            let covariance = pairwise_covariance(matrix, a, b)?;
            total += covariance;
            if i == j {
                trace += covariance;
            }
        }
    }
    (total > 0.0).then(|| k as f64 / (k - 1) as f64 * (1.0 - trace / total))
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
                    let own = matrix.cell(r, item)?;
                    let rest = items
                        .iter()
                        .filter(|other| **other != item)
                        .map(|other| matrix.cell(r, *other))
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
}
