//! The privacy policy: every decision about what may be shown of
//! respondents' answers is taken here, and nowhere else. docs/privacy.md
//! states the threat model and the rules; each function below names the
//! rule it implements.
//!
//! The rules rest on one invariant. Responses are published in batches
//! (a release), and every released batch is split into classes of at
//! least `minimum` respondents with the same published attributes
//! ([`Policy::release`]). Every aggregate that is ever shown (a total, a
//! group, a difference between two moments) is a union of such classes,
//! so every combination of shown aggregates that sums over a definite set
//! of respondents sums over at least `minimum` of them.

use std::collections::BTreeMap;

use crate::domain::AnonymityMin;
use crate::model::Model;
use crate::results::HiddenBecause;

/// Free text identifies its writer more easily than a number: comments
/// are shown only from this many times the anonymity minimum (rule P5).
pub const COMMENT_FACTOR: u32 = 2;

/// The anonymity policy of one assessment, or of a model for sheets and
/// pooled calibrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    minimum: u32,
}

impl Policy {
    /// The policy of the model's own threshold: for sheets scored on the
    /// command line and for calibrations pooled over many assessments.
    pub fn of_model(model: &Model) -> Policy {
        Policy {
            minimum: model.scoring().anonymity_min.get(),
        }
    }

    /// Rule P1: the effective minimum of an assessment is the one frozen
    /// when it first opened (respondents were promised it), or the model's
    /// for one never opened, and never below [`AnonymityMin::FLOOR`]
    /// whatever the database holds.
    pub fn of_assessment(frozen: Option<u32>, model: &Model) -> Policy {
        let minimum = frozen.unwrap_or(model.scoring().anonymity_min.get());
        Policy {
            minimum: minimum.max(AnonymityMin::FLOOR),
        }
    }

    /// A policy with this minimum, raised to the floor.
    pub fn with_minimum(minimum: u32) -> Policy {
        Policy {
            minimum: minimum.max(AnonymityMin::FLOOR),
        }
    }

    pub fn minimum(self) -> u32 {
        self.minimum
    }

    fn min(self) -> u64 {
        u64::from(self.minimum)
    }

    /// Rule P2: a set of responses is shown at all only when at least
    /// `minimum` of them hold an answer. Blank submissions do not count:
    /// four blank and one real would otherwise show that one person.
    pub fn may_show(self, answering: u64) -> bool {
        answering >= self.min()
    }

    /// How many more answering responses a set needs before it is shown.
    pub fn missing(self, answering: u64) -> u64 {
        self.min().saturating_sub(answering)
    }

    /// Rule P3: within a shown set, an item answered by fewer than
    /// `minimum` respondents is treated as unanswered, so that their
    /// answers cannot be read from the item or worked back from its area.
    pub fn item_shown(self, answered: u64) -> bool {
        answered >= self.min()
    }

    /// Rule P5: how many released responses comments need.
    pub fn comments_minimum(self) -> u32 {
        self.minimum.saturating_mul(COMMENT_FACTOR)
    }

    pub fn may_show_comments(self, released: u64) -> bool {
        released >= u64::from(self.comments_minimum())
    }

    /// Rule P4, group suppression with the complementary rule: a group of
    /// fewer than `minimum` answering respondents is hidden, and the hidden
    /// groups together must hold at least `minimum`, or the smallest shown
    /// group is hidden too, again, until they do. Otherwise the total minus
    /// the shown groups would be the hidden few. `hidden_elsewhere` counts
    /// respondents that are in the total but in none of the groups listed
    /// (DIF leaves those without a value out).
    ///
    /// Returns, per group, whether it is hidden. Of two shown groups of one
    /// size the later one is hidden first.
    pub fn hidden_groups(self, sizes: &[u64], hidden_elsewhere: u64) -> Vec<bool> {
        self.hidden_groups_because(sizes, hidden_elsewhere)
            .iter()
            .map(Option::is_some)
            .collect()
    }

    /// [`hidden_groups`](Policy::hidden_groups) with the reason for each
    /// hidden group, for the renderers to say why.
    pub fn hidden_groups_because(
        self,
        sizes: &[u64],
        hidden_elsewhere: u64,
    ) -> Vec<Option<HiddenBecause>> {
        let mut hidden: Vec<bool> = sizes.iter().map(|size| *size < self.min()).collect();
        let mut hidden_total: u64 = hidden_elsewhere
            + sizes
                .iter()
                .zip(&hidden)
                .filter(|(_, hidden)| **hidden)
                .map(|(size, _)| size)
                .sum::<u64>();
        while hidden_total > 0 && hidden_total < self.min() {
            let smallest_shown = sizes
                .iter()
                .enumerate()
                .filter(|(index, _)| !hidden[*index])
                .min_by(|(ia, a), (ib, b)| a.cmp(b).then(ib.cmp(ia)))
                .map(|(index, _)| index);
            let Some(index) = smallest_shown else { break };
            hidden[index] = true;
            hidden_total += sizes[index];
        }
        hidden
            .iter()
            .zip(sizes)
            .map(|(hidden, size)| {
                hidden.then_some(if *size < self.min() {
                    HiddenBecause::TooFew
                } else {
                    HiddenBecause::Complementary
                })
            })
            .collect()
    }

    /// Rule P6: the next release of an assessment. `pending` are the
    /// submitted responses not yet published, each with its preset
    /// attributes in model order and whether it holds an answer.
    ///
    /// A release needs at least `minimum` answering responses (a later
    /// release as much as the first: the difference between two moments
    /// is the batch). The batch is then split into classes of at least
    /// `minimum` by publishing, for each response, only some of its
    /// attributes ([`Batch`]); responses without an answer are not
    /// published at all.
    pub fn release(self, pending: &[Pending<'_>]) -> Release {
        let answering: Vec<usize> = (0..pending.len())
            .filter(|index| pending[*index].answering)
            .collect();
        let counted = answering.len() as u64;
        if !self.may_show(counted) {
            return Release::Wait {
                pending: counted,
                needed: self.missing(counted),
            };
        }
        let rows: Vec<&[Option<&str>]> = answering
            .iter()
            .map(|index| pending[*index].attributes)
            .collect();
        let shown_rows = self.generalise(&rows);
        let mut shown = vec![None; pending.len()];
        for (index, mask) in answering.into_iter().zip(shown_rows) {
            shown[index] = Some(mask);
        }
        Release::Publish(Batch { shown })
    }

    /// Splits rows into classes of at least `minimum` with the same
    /// published attributes. Rows keep all their attributes where enough
    /// share them; the rest keep fewer, the subsets tried from the largest
    /// down (and, among subsets of one size, those with earlier attributes
    /// first), and what is left publishes none. Should that remainder be
    /// too small, whole classes join it, smallest first. The result
    /// depends only on the multiset of rows, not on their order.
    fn generalise(self, rows: &[&[Option<&str>]]) -> Vec<AttributeMask> {
        let attributes = rows.first().map_or(0, |row| row.len());
        let mut shown: Vec<Option<AttributeMask>> = vec![None; rows.len()];
        let mut classes: Vec<Vec<usize>> = Vec::new();
        for mask in subsets_largest_first(attributes) {
            let mut by_value: BTreeMap<Vec<Option<&str>>, Vec<usize>> = BTreeMap::new();
            for (index, row) in rows.iter().enumerate() {
                if shown[index].is_none() {
                    by_value.entry(mask.project(row)).or_default().push(index);
                }
            }
            for (_, members) in by_value {
                if members.len() as u64 >= self.min() {
                    for index in &members {
                        shown[*index] = Some(mask);
                    }
                    classes.push(members);
                }
            }
        }
        let mut remainder: Vec<usize> = (0..rows.len()).filter(|i| shown[*i].is_none()).collect();
        if !remainder.is_empty() && (remainder.len() as u64) < self.min() {
            // Smallest class first; among equals, the one found later,
            // which publishes fewer attributes and so loses less.
            let mut order: Vec<usize> = (0..classes.len()).collect();
            order.sort_by_key(|index| (classes[*index].len(), std::cmp::Reverse(*index)));
            for index in order {
                if remainder.len() as u64 >= self.min() {
                    break;
                }
                remainder.extend(classes[index].iter().copied());
            }
        }
        for index in remainder {
            shown[index] = Some(AttributeMask::NONE);
        }
        shown
            .into_iter()
            .map(|mask| mask.expect("every row is in a class"))
            .collect()
    }

    /// Rule P7: which assessments a calibration pools. An assessment is
    /// pooled once it published at least its own minimum (a release always
    /// does); the pool needs at least two of them, so that one
    /// organisation's results never appear on their own, and at least this
    /// policy's minimum of responses.
    pub fn pool(self, assessments: &[PoolCandidate]) -> Pool {
        let members: Vec<bool> = assessments
            .iter()
            .map(|candidate| candidate.policy.may_show(candidate.released))
            .collect();
        let pooled = members.iter().filter(|member| **member).count();
        let responses: u64 = assessments
            .iter()
            .zip(&members)
            .filter(|(_, member)| **member)
            .map(|(candidate, _)| candidate.released)
            .sum();
        let verdict = if pooled < 2 {
            PoolVerdict::TooFewAssessments
        } else if !self.may_show(responses) {
            PoolVerdict::TooFewResponses
        } else {
            PoolVerdict::Pooled
        };
        Pool {
            left_out: assessments.len() - pooled,
            assessments: pooled,
            members,
            responses,
            verdict,
        }
    }
}

/// Which of a response's attributes are published: bit `i` for the
/// model's attribute `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttributeMask(u64);

impl AttributeMask {
    pub const NONE: AttributeMask = AttributeMask(0);

    pub fn all(attributes: usize) -> AttributeMask {
        AttributeMask(if attributes >= 64 {
            u64::MAX
        } else {
            (1u64 << attributes) - 1
        })
    }

    pub fn shows(self, attribute: usize) -> bool {
        attribute < 64 && self.0 & (1 << attribute) != 0
    }

    fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// The published values of a row: its own where shown, none elsewhere.
    pub fn project<'a>(self, row: &[Option<&'a str>]) -> Vec<Option<&'a str>> {
        row.iter()
            .enumerate()
            .map(|(index, value)| if self.shows(index) { *value } else { None })
            .collect()
    }
}

/// The lattice of attribute subsets to try, largest first. Models have a
/// handful of attributes; past ten, only all of them, each alone and none
/// are tried, which keeps the work linear.
fn subsets_largest_first(attributes: usize) -> Vec<AttributeMask> {
    let all = AttributeMask::all(attributes);
    let mut masks: Vec<AttributeMask> = if attributes <= 10 {
        (0..=all.0).map(AttributeMask).collect()
    } else {
        let mut masks = vec![all, AttributeMask::NONE];
        masks.extend((0..attributes.min(64)).map(|i| AttributeMask(1 << i)));
        masks
    };
    // Larger subsets first; among equals, the one whose attributes come
    // first in the model.
    masks.sort_by_key(|mask| {
        let indices: Vec<u32> = (0..64).filter(|i| mask.0 & (1 << i) != 0).collect();
        (std::cmp::Reverse(mask.len()), indices)
    });
    masks.dedup();
    masks
}

/// A submitted response waiting for release.
#[derive(Debug, Clone, Copy)]
pub struct Pending<'a> {
    /// The preset attributes, one per model attribute in model order.
    pub attributes: &'a [Option<&'a str>],
    /// Whether the response holds at least one answer.
    pub answering: bool,
}

/// What the next release would be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    /// Too few answering responses are pending: `needed` more.
    Wait {
        pending: u64,
        needed: u64,
    },
    Publish(Batch),
}

/// A release: for each pending response (in the order given), the
/// attributes it is published with, or `None` for one without an answer,
/// which is not published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    shown: Vec<Option<AttributeMask>>,
}

impl Batch {
    pub fn shown(&self, index: usize) -> Option<AttributeMask> {
        self.shown[index]
    }

    /// Responses published.
    pub fn released(&self) -> u64 {
        self.shown.iter().flatten().count() as u64
    }

    /// Responses without an answer, left out.
    pub fn blank(&self) -> u64 {
        self.shown.iter().filter(|mask| mask.is_none()).count() as u64
    }
}

/// An assessment that a calibration could pool.
#[derive(Debug, Clone, Copy)]
pub struct PoolCandidate {
    pub released: u64,
    pub policy: Policy,
}

/// Which assessments a calibration pools, and whether it may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// Per candidate, in the order given: pooled or not.
    pub members: Vec<bool>,
    pub assessments: usize,
    pub left_out: usize,
    pub responses: u64,
    pub verdict: PoolVerdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolVerdict {
    Pooled,
    /// Fewer than two assessments published results.
    TooFewAssessments,
    /// The pooled assessments hold fewer responses than the minimum.
    TooFewResponses,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(minimum: u32) -> Policy {
        Policy::with_minimum(minimum)
    }

    #[test]
    fn the_effective_minimum_is_frozen_and_never_below_the_floor() {
        let model = crate::builtin_model();
        assert_eq!(Policy::of_assessment(None, &model).minimum(), 5);
        assert_eq!(Policy::of_assessment(Some(7), &model).minimum(), 7);
        assert_eq!(Policy::of_assessment(Some(1), &model).minimum(), 3);
        assert_eq!(Policy::of_assessment(Some(0), &model).minimum(), 3);
        assert_eq!(Policy::of_model(&model).minimum(), 5);
    }

    #[test]
    fn hidden_groups_add_up_to_the_minimum() {
        let check = |sizes: &[u64], elsewhere: u64, expected: &[bool]| {
            assert_eq!(
                policy(5).hidden_groups(sizes, elsewhere),
                expected,
                "{sizes:?} + {elsewhere}"
            );
        };
        check(&[6, 7, 8], 0, &[false, false, false]);
        // One small group: the smallest shown one goes too.
        check(&[6, 2, 8], 0, &[true, true, false]);
        // Two small groups of 1 each: together 2, so one more goes; the
        // defect of the single-hidden-group rule.
        check(&[5, 1, 1], 0, &[true, true, true]);
        check(&[9, 5, 1, 1], 0, &[false, true, true, true]);
        // Small groups that already add up to the minimum are enough.
        check(&[9, 3, 2], 0, &[false, true, true]);
        // Of equal sizes, the later one goes.
        check(&[6, 6, 1], 0, &[false, true, true]);
        // Respondents outside every group count as hidden.
        check(&[6, 7], 2, &[true, false]);
        check(&[6, 7], 5, &[false, false]);
        check(&[], 0, &[]);
        // The reason of each: too few, or hidden so that the few cannot be
        // worked out.
        use HiddenBecause::{Complementary, TooFew};
        assert_eq!(
            policy(5).hidden_groups_because(&[6, 2, 8], 0),
            [Some(Complementary), Some(TooFew), None]
        );
    }

    #[test]
    fn a_release_waits_for_the_minimum_of_answering_responses() {
        let none: [Option<&str>; 0] = [];
        let rows = vec![
            Pending {
                attributes: &none,
                answering: true,
            };
            4
        ];
        let mut with_blanks = rows.clone();
        with_blanks.extend(vec![
            Pending {
                attributes: &none,
                answering: false,
            };
            3
        ]);
        assert_eq!(
            policy(5).release(&with_blanks),
            Release::Wait {
                pending: 4,
                needed: 1
            }
        );
        let mut enough = with_blanks.clone();
        enough.push(Pending {
            attributes: &none,
            answering: true,
        });
        let Release::Publish(batch) = policy(5).release(&enough) else {
            panic!("five answering responses are released")
        };
        assert_eq!((batch.released(), batch.blank()), (5, 3));
        assert_eq!(batch.shown(4), None);
    }

    fn generalised(minimum: u32, rows: &[[Option<&str>; 2]]) -> Vec<[Option<String>; 2]> {
        let slices: Vec<&[Option<&str>]> = rows.iter().map(|row| row.as_slice()).collect();
        policy(minimum)
            .generalise(&slices)
            .into_iter()
            .zip(rows)
            .map(|(mask, row)| {
                let shown = mask.project(row);
                [shown[0].map(str::to_owned), shown[1].map(str::to_owned)]
            })
            .collect()
    }

    fn repeat(row: [Option<&str>; 2], times: usize) -> Vec<[Option<&str>; 2]> {
        vec![row; times]
    }

    #[test]
    fn generalising_keeps_what_enough_respondents_share() {
        let mut rows = repeat([Some("executive"), Some("north")], 5);
        rows.extend(repeat([Some("employee"), Some("north")], 1));
        rows.extend(repeat([Some("employee"), Some("south")], 5));
        let shown = generalised(5, &rows);
        // The lone employee of the north would be the north minus the
        // executives: it publishes neither attribute, and joins the
        // smallest class to make a class of at least 5.
        let blank = shown.iter().filter(|r| r[0].is_none() && r[1].is_none());
        assert!(blank.count() >= 5, "{shown:?}");
        let mut classes: BTreeMap<&[Option<String>; 2], usize> = BTreeMap::new();
        for row in &shown {
            *classes.entry(row).or_default() += 1;
        }
        assert!(classes.values().all(|n| *n >= 5), "{classes:?}");
    }

    #[test]
    fn generalising_drops_the_attribute_that_makes_a_cell_small() {
        let mut rows = repeat([Some("executive"), Some("north")], 6);
        rows.extend(repeat([Some("executive"), Some("south")], 2));
        rows.extend(repeat([Some("employee"), Some("south")], 3));
        let shown = generalised(5, &rows);
        let count = |role: Option<&str>, unit: Option<&str>| {
            shown
                .iter()
                .filter(|r| r[0].as_deref() == role && r[1].as_deref() == unit)
                .count()
        };
        assert_eq!(count(Some("executive"), Some("north")), 6);
        // The two southern executives and the three employees share the
        // south: they publish their unit only.
        assert_eq!(count(None, Some("south")), 5);
    }

    #[test]
    fn generalising_does_not_depend_on_row_order() {
        let mut rows = repeat([Some("a"), Some("x")], 3);
        rows.extend(repeat([Some("b"), Some("x")], 4));
        rows.extend(repeat([Some("a"), Some("y")], 4));
        rows.extend(repeat([Some("c"), None], 2));
        let forward = generalised(3, &rows);
        rows.reverse();
        let mut backward = generalised(3, &rows);
        backward.reverse();
        assert_eq!(forward, backward);
    }

    #[test]
    fn subsets_are_tried_from_all_attributes_down_to_none() {
        let masks = subsets_largest_first(3);
        let bits: Vec<u64> = masks.iter().map(|m| m.0).collect();
        assert_eq!(bits, [0b111, 0b011, 0b101, 0b110, 0b001, 0b010, 0b100, 0]);
        assert_eq!(subsets_largest_first(0), [AttributeMask::NONE]);
    }

    #[test]
    fn pooling_needs_two_published_assessments_and_the_minimum() {
        let candidate = |released, minimum| PoolCandidate {
            released,
            policy: policy(minimum),
        };
        let pool = policy(5).pool(&[candidate(6, 5), candidate(4, 5), candidate(3, 3)]);
        assert_eq!(pool.members, [true, false, true]);
        assert_eq!((pool.assessments, pool.left_out, pool.responses), (2, 1, 9));
        assert_eq!(pool.verdict, PoolVerdict::Pooled);
        let alone = policy(5).pool(&[candidate(60, 5), candidate(2, 5)]);
        assert_eq!(alone.verdict, PoolVerdict::TooFewAssessments);
        let few = policy(10).pool(&[candidate(3, 3), candidate(3, 3)]);
        assert_eq!(few.verdict, PoolVerdict::TooFewResponses);
    }
}
