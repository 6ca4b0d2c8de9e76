//! The answers folded into *patterns* (answered-item sets) and *score
//! groups* (pattern × raw score), the units the conditional likelihood is
//! computed on, with the observed counts that the estimation matches.

use super::coding::Coding;
use super::{Method, RaschError};
use crate::classical::AnswerMatrix;
use crate::parallel::on_threads;

/// The data folded into patterns and score groups.
pub(super) struct Prepared {
    /// Items of pattern p: `pattern_items[pattern_start[p]..pattern_start[p + 1]]`.
    pattern_items: Vec<u16>,
    pattern_start: Vec<usize>,
    /// Score groups of pattern p (non-extreme and extreme alike):
    /// `groups[group_start[p]..group_start[p + 1]]`, sorted by score.
    pub(super) groups: Vec<ScoreGroup>,
    group_start: Vec<usize>,
    /// The group of each respondent in `rows` order; `None` without answers.
    pub(super) person_group: Vec<Option<u32>>,
    /// Observed count of answers at or above each step (non-extreme only).
    pub(super) observed: Vec<f64>,
    /// Answers per item from non-extreme respondents.
    pub(super) answered: Vec<f64>,
    /// Non-extreme respondents with more than one answer.
    pub(super) usable: usize,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct ScoreGroup {
    pub(super) score: u16,
    pub(super) count: u32,
    /// 0 for non-extreme, -1 for the minimum score, 1 for the maximum.
    pub(super) extreme: i8,
}

/// Fills each row's answered-item mask and raw score (`u16::MAX` for a
/// row without answers) and counts answers at or above each step.
fn scan_rows(
    matrix: &AnswerMatrix,
    rows: &[usize],
    coding: &Coding,
    masks: &mut [u64],
    scores: &mut [u16],
) -> Vec<u64> {
    let words = coding.items.div_ceil(64);
    let mut at_or_above = vec![0u64; coding.thresholds()];
    for ((row, mask), score_slot) in rows.iter().zip(masks.chunks_mut(words)).zip(scores) {
        let mut score = 0usize;
        let mut answered = false;
        for (item, &value) in matrix.row(*row).iter().enumerate() {
            if value != 0 {
                answered = true;
                mask[item / 64] |= 1 << (item % 64);
                let category = usize::from(coding.category(item, value));
                score += category;
                let offset = coding.offsets[item];
                for count in &mut at_or_above[offset..offset + category] {
                    *count += 1;
                }
            }
        }
        *score_slot = if answered { score as u16 } else { u16::MAX };
    }
    at_or_above
}

impl Prepared {
    pub(super) fn new(
        matrix: &AnswerMatrix,
        rows: &[usize],
        coding: &Coding,
        threads: usize,
    ) -> Self {
        let words = coding.items.div_ceil(64);
        let mut masks = vec![0u64; rows.len() * words];
        let mut scores = vec![0u16; rows.len()];
        // Answers at or above each step, over all respondents; those of
        // respondents at the maximum are taken off below (respondents at
        // the minimum have none).
        let mut at_or_above = vec![0u64; coding.thresholds()];
        let threads = if rows.len() < 100_000 {
            1
        } else {
            threads.clamp(1, 16)
        };
        let chunk = rows.len().div_ceil(threads).max(1);
        let parts = rows
            .chunks(chunk)
            .zip(masks.chunks_mut(chunk * words))
            .zip(scores.chunks_mut(chunk));
        let counts = on_threads(parts, |((rows, masks), scores)| {
            scan_rows(matrix, rows, coding, masks, scores)
        });
        for part in counts {
            for (total, count) in at_or_above.iter_mut().zip(part) {
                *total += count;
            }
        }
        let mut order: Vec<u32> = (0..rows.len() as u32)
            .filter(|p| scores[*p as usize] != u16::MAX)
            .collect();
        // Sorting by (pattern, score) gathers patterns and, within them,
        // score groups, in one pass and without a hash table.
        let mask_of = |position: u32| {
            let start = position as usize * words;
            &masks[start..start + words]
        };
        order.sort_unstable_by(|a, b| {
            mask_of(*a)
                .cmp(mask_of(*b))
                .then(scores[*a as usize].cmp(&scores[*b as usize]))
        });
        let mut pattern_items = Vec::new();
        let mut pattern_start = vec![0];
        let mut groups: Vec<ScoreGroup> = Vec::new();
        let mut group_start = vec![0];
        let mut person_group = vec![None; rows.len()];
        let mut maximum = 0;
        for (index, &position) in order.iter().enumerate() {
            let score = scores[position as usize];
            let new_pattern = index == 0 || mask_of(order[index - 1]) != mask_of(position);
            if new_pattern {
                if index > 0 {
                    pattern_start.push(pattern_items.len());
                    group_start.push(groups.len());
                }
                maximum = 0;
                for (word_index, word) in mask_of(position).iter().enumerate() {
                    let mut bits = *word;
                    while bits != 0 {
                        let item = word_index * 64 + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        pattern_items.push(item as u16);
                        maximum += coding.steps[item];
                    }
                }
            }
            if new_pattern || groups.last().is_none_or(|g| g.score != score) {
                let extreme = if score == 0 {
                    -1
                } else if usize::from(score) == maximum {
                    1
                } else {
                    0
                };
                groups.push(ScoreGroup {
                    score,
                    count: 0,
                    extreme,
                });
            }
            let group = groups.len() - 1;
            groups[group].count += 1;
            person_group[position as usize] = Some(group as u32);
        }
        if !order.is_empty() {
            pattern_start.push(pattern_items.len());
            group_start.push(groups.len());
        }
        drop(masks);
        let mut usable = 0;
        let mut answered = vec![0.0; coding.items];
        for pattern in 0..pattern_start.len() - 1 {
            let items = &pattern_items[pattern_start[pattern]..pattern_start[pattern + 1]];
            for group in &groups[group_start[pattern]..group_start[pattern + 1]] {
                if group.extreme == 0 {
                    for &item in items {
                        answered[usize::from(item)] += f64::from(group.count);
                    }
                }
                match group.extreme {
                    // One answer is fixed by its own score: no information.
                    0 if items.len() >= 2 => usable += group.count as usize,
                    1 => {
                        for &item in items {
                            let item = usize::from(item);
                            for step in 0..coding.steps[item] {
                                at_or_above[coding.offsets[item] + step] -= u64::from(group.count);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let observed = at_or_above.iter().map(|c| *c as f64).collect();
        Prepared {
            pattern_items,
            pattern_start,
            groups,
            group_start,
            person_group,
            observed,
            answered,
            usable,
        }
    }

    pub(super) fn patterns(&self) -> usize {
        self.pattern_start.len() - 1
    }

    pub(super) fn items_of(&self, pattern: usize) -> &[u16] {
        &self.pattern_items[self.pattern_start[pattern]..self.pattern_start[pattern + 1]]
    }

    pub(super) fn groups_of(&self, pattern: usize) -> &[ScoreGroup] {
        &self.groups[self.group_start[pattern]..self.group_start[pattern + 1]]
    }

    pub(super) fn pattern_of_group(&self, group: usize) -> usize {
        self.group_start.partition_point(|start| *start <= group) - 1
    }

    /// Every category an item uses needs answers from respondents who are
    /// not extreme, or a threshold is infinite. The RSM shares its
    /// thresholds, so there each category needs answers on some item, and
    /// each item needs answers in two categories.
    pub(super) fn check(
        &self,
        coding: &Coding,
        method: Method,
        respondents: usize,
    ) -> Result<(), RaschError> {
        if self.usable < 2 {
            return Err(RaschError::TooFewUsable {
                respondents,
                usable: self.usable,
            });
        }
        let mut shared = vec![0.0; coding.steps.iter().max().map_or(0, |m| m + 1)];
        for (item, answered) in self.answered.iter().enumerate() {
            let counts = self.category_counts(coding, item, *answered);
            if method == Method::Rsm {
                for (k, count) in counts.iter().enumerate() {
                    shared[k] += count;
                }
                if counts.iter().filter(|c| **c > 0.0).count() < 2 {
                    let value = counts
                        .iter()
                        .position(|c| *c > 0.0)
                        .map_or(coding.values[item][0], |k| coding.values[item][k]);
                    return Err(RaschError::OneValueAmongUsable { item, value });
                }
            } else if let Some(k) = counts.iter().position(|c| *c <= 0.0) {
                return Err(RaschError::OnlyExtremes {
                    item,
                    value: coding.values[item][k],
                });
            }
        }
        if let Some(k) = shared
            .iter()
            .position(|c| *c <= 0.0)
            .filter(|_| method == Method::Rsm)
        {
            return Err(RaschError::SharedValueOnlyExtremes {
                value: coding.values[0][k],
            });
        }
        Ok(())
    }

    /// Answers per category of an item from non-extreme respondents.
    fn category_counts(&self, coding: &Coding, item: usize, answered: f64) -> Vec<f64> {
        let offset = coding.offsets[item];
        let steps = coding.steps[item];
        (0..=steps)
            .map(|k| {
                let at_or_above = if k == 0 {
                    answered
                } else {
                    self.observed[offset + k - 1]
                };
                let above = if k == steps {
                    0.0
                } else {
                    self.observed[offset + k]
                };
                at_or_above - above
            })
            .collect()
    }
}
