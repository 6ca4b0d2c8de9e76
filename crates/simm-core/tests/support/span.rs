//! The observer's algebra, for the privacy tests: which sums over sets of
//! respondents follow from the sums that were shown. Exact rational
//! arithmetic, so that "in the span" means exactly that. Shared by the
//! core's property tests and the web's adversary test.

#![allow(dead_code)]

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ratio(i128, i128);

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

impl Ratio {
    const ZERO: Ratio = Ratio(0, 1);
    const ONE: Ratio = Ratio(1, 1);

    fn new(numerator: i128, denominator: i128) -> Ratio {
        let sign = if denominator < 0 { -1 } else { 1 };
        let g = gcd(numerator, denominator);
        Ratio(sign * numerator / g, sign * denominator / g)
    }
    fn is_zero(self) -> bool {
        self.0 == 0
    }
    fn sub(self, other: Ratio) -> Ratio {
        Ratio::new(self.0 * other.1 - other.0 * self.1, self.1 * other.1)
    }
    fn mul(self, other: Ratio) -> Ratio {
        Ratio::new(self.0 * other.0, self.1 * other.1)
    }
    fn div(self, other: Ratio) -> Ratio {
        Ratio::new(self.0 * other.1, self.1 * other.0)
    }
}

/// The linear span of indicator vectors of sets of respondents
/// `0..respondents`, kept in reduced row echelon form.
pub struct Span {
    respondents: usize,
    rows: Vec<(usize, Vec<Ratio>)>,
}

impl Span {
    pub fn new(respondents: usize) -> Span {
        Span {
            respondents,
            rows: Vec::new(),
        }
    }

    pub fn rank(&self) -> usize {
        self.rows.len()
    }

    fn indicator(&self, set: &[usize]) -> Vec<Ratio> {
        let mut vector = vec![Ratio::ZERO; self.respondents];
        for member in set {
            vector[*member] = Ratio::ONE;
        }
        vector
    }

    fn reduce(&self, mut vector: Vec<Ratio>) -> Vec<Ratio> {
        for (pivot, row) in &self.rows {
            let factor = vector[*pivot];
            if factor.is_zero() {
                continue;
            }
            for (cell, value) in vector.iter_mut().zip(row) {
                *cell = cell.sub(factor.mul(*value));
            }
        }
        vector
    }

    /// Adds the sum over `set` to what is known.
    pub fn add(&mut self, set: &[usize]) {
        let vector = self.reduce(self.indicator(set));
        let Some(pivot) = vector.iter().position(|value| !value.is_zero()) else {
            return;
        };
        let lead = vector[pivot];
        let vector: Vec<Ratio> = vector.into_iter().map(|value| value.div(lead)).collect();
        for (_, row) in &mut self.rows {
            let factor = row[pivot];
            if !factor.is_zero() {
                for (cell, value) in row.iter_mut().zip(&vector) {
                    *cell = cell.sub(factor.mul(*value));
                }
            }
        }
        self.rows.push((pivot, vector));
    }

    /// Whether the sum over `set` follows from what is known.
    pub fn contains(&self, set: &[usize]) -> bool {
        self.reduce(self.indicator(set))
            .iter()
            .all(|value| value.is_zero())
    }

    /// A nonempty set of fewer than `minimum` respondents whose sum follows
    /// from what is known, if there is one: every such subset is checked.
    pub fn small_set_disclosed(&self, minimum: usize) -> Option<Vec<usize>> {
        let mut set = Vec::new();
        self.search(0, minimum.saturating_sub(1), &mut set)
    }

    fn search(&self, from: usize, room: usize, set: &mut Vec<usize>) -> Option<Vec<usize>> {
        if !set.is_empty() && self.contains(set) {
            return Some(set.clone());
        }
        if set.len() == room {
            return None;
        }
        for next in from..self.respondents {
            set.push(next);
            if let Some(found) = self.search(next + 1, room, set) {
                return Some(found);
            }
            set.pop();
        }
        None
    }
}

#[test]
fn the_span_knows_differences_and_not_more() {
    let mut span = Span::new(4);
    span.add(&[0, 1, 2, 3]);
    span.add(&[0, 1, 2]);
    // The total minus a group is the one left out.
    assert_eq!(span.small_set_disclosed(2), Some(vec![3]));
    let mut margins = Span::new(4);
    // Rows {0,1} {2,3} and columns {0,2} {1,3} of a 2×2 table: no cell.
    for set in [[0, 1], [2, 3], [0, 2], [1, 3]] {
        margins.add(&set);
    }
    assert_eq!(margins.rank(), 3);
    assert_eq!(margins.small_set_disclosed(2), None);
    assert!(margins.contains(&[0, 1, 2, 3]));
    // Executives {0, 1} all in the north {0, 1, 2}: the north minus the
    // executives is the lone employee of the north.
    let mut path = Span::new(5);
    for set in [vec![0, 1], vec![2, 3, 4], vec![0, 1, 2], vec![3, 4]] {
        path.add(&set);
    }
    assert_eq!(path.small_set_disclosed(2), Some(vec![2]));
}
