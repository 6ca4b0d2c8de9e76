//! How answer values map to categories 0..=m_i per item: values nobody
//! chose are collapsed, per item or, for the rating scale model, over all
//! items.

use super::{Method, RaschError, RaschOptions};
use crate::classical::AnswerMatrix;

/// How answer values map to categories 0..=m_i per item.
pub(super) struct Coding {
    pub(super) items: usize,
    /// `code[item * (points + 1) + value]`: the category, or `NONE`.
    code: Vec<u8>,
    pub(super) points: usize,
    /// Number of steps (categories − 1) per item.
    pub(super) steps: Vec<usize>,
    /// First threshold of each item in flat threshold vectors.
    pub(super) offsets: Vec<usize>,
    /// The answer values each item's categories stand for.
    pub(super) values: Vec<Vec<u8>>,
}

const NONE: u8 = u8::MAX;

impl Coding {
    /// Collapses unobserved answer values: per item for the PCM and the
    /// Rasch model, over all items for the RSM, which shares thresholds.
    pub(super) fn new(
        matrix: &AnswerMatrix,
        rows: &[usize],
        options: &RaschOptions,
    ) -> Result<Self, RaschError> {
        let items = matrix.items();
        let points = usize::from(options.points);
        let mut seen = vec![false; items * (points + 1)];
        let mut respondents = 0;
        for &row in rows {
            let mut answered = false;
            for (item, &value) in matrix.row(row).iter().enumerate() {
                if value != 0 {
                    seen[item * (points + 1) + usize::from(value)] = true;
                    answered = true;
                }
            }
            respondents += usize::from(answered);
        }
        // Too few respondents is the first thing to say: every item
        // problem follows from it.
        if respondents < 2 {
            return Err(RaschError::TooFewRespondents { respondents });
        }
        let mut shared = vec![false; points + 1];
        for item in 0..items {
            let observed: Vec<u8> = (1..=points as u8)
                .filter(|v| seen[item * (points + 1) + usize::from(*v)])
                .collect();
            match observed.len() {
                0 => return Err(RaschError::NoAnswers { item }),
                1 => {
                    return Err(RaschError::NoVariance {
                        item,
                        value: observed[0],
                    });
                }
                _ => {}
            }
            for v in observed {
                shared[usize::from(v)] = true;
            }
        }
        let mut code = vec![NONE; items * (points + 1)];
        let mut values = Vec::with_capacity(items);
        for item in 0..items {
            let used: Vec<u8> = (1..=points as u8)
                .filter(|v| {
                    if options.method == Method::Rsm {
                        shared[usize::from(*v)]
                    } else {
                        seen[item * (points + 1) + usize::from(*v)]
                    }
                })
                .collect();
            for (category, value) in used.iter().enumerate() {
                code[item * (points + 1) + usize::from(*value)] = category as u8;
            }
            values.push(used);
        }
        let steps: Vec<usize> = values.iter().map(|v| v.len() - 1).collect();
        let offsets = steps
            .iter()
            .scan(0, |next, steps| {
                let offset = *next;
                *next += steps;
                Some(offset)
            })
            .collect();
        Ok(Coding {
            items,
            code,
            points,
            steps,
            offsets,
            values,
        })
    }

    pub(super) fn category(&self, item: usize, value: u8) -> u8 {
        self.code[item * (self.points + 1) + usize::from(value)]
    }

    pub(super) fn thresholds(&self) -> usize {
        self.steps.iter().sum()
    }
}
