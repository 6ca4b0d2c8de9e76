//! The privacy policy against an observer who combines everything shown
//! (docs/privacy.md). Each test builds the sets of respondents that the
//! shown aggregates sum over, and checks with exact linear algebra
//! (`support/span.rs`) that no set of fewer than the minimum follows.

#[path = "support/span.rs"]
mod span;

use std::collections::BTreeMap;

use proptest::prelude::*;
use simm_core::{Pending, Policy, Release};
use span::Span;

/// Rule P4 over random group sizes. Every shown set is the total or a
/// group, so every vector of their span is constant on each group, and a
/// set in the span is a union of whole groups; checking the unions of
/// groups is therefore checking every set.
fn groups_leak(sizes: &[u64], minimum: u32) -> Option<Vec<usize>> {
    let policy = Policy::with_minimum(minimum);
    let hidden = policy.hidden_groups(sizes, 0);
    let present: Vec<usize> = (0..sizes.len()).filter(|g| sizes[*g] > 0).collect();
    let mut span = Span::new(present.len());
    span.add(&(0..present.len()).collect::<Vec<_>>());
    for (position, group) in present.iter().enumerate() {
        if !hidden[*group] {
            span.add(&[position]);
        }
    }
    (1u32..(1 << present.len())).find_map(|union| {
        let members: Vec<usize> = (0..present.len())
            .filter(|position| union & (1 << position) != 0)
            .collect();
        let size: u64 = members.iter().map(|p| sizes[present[*p]]).sum();
        (size > 0 && size < u64::from(minimum) && span.contains(&members))
            .then(|| members.iter().map(|p| present[*p]).collect())
    })
}

#[test]
fn the_single_hidden_group_rule_was_not_enough() {
    // Groups of 5, 1 and 1: hiding the two 1s and nothing else shows the
    // two hidden people together as the total minus the 5.
    assert_eq!(groups_leak(&[5, 1, 1], 5), None);
    assert_eq!(
        Policy::with_minimum(5).hidden_groups(&[5, 1, 1], 0),
        [true, true, true]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn complementary_suppression_leaves_no_small_set_in_the_span(
        sizes in prop::collection::vec(0u64..12, 1..8),
        minimum in 3u32..7,
    ) {
        // A total below the minimum is not shown at all (rule P2).
        prop_assume!(sizes.iter().sum::<u64>() >= u64::from(minimum));
        prop_assert_eq!(groups_leak(&sizes, minimum), None, "sizes {:?}", sizes);
    }
}

/// A respondent of a simulated campaign: preset role and unit.
type Row = [Option<&'static str>; 2];

const ROLES: [Option<&str>; 4] = [Some("executive"), Some("manager"), Some("partner"), None];
const UNITS: [Option<&str>; 3] = [Some("north"), Some("south"), None];

/// Lets the arrivals come in turn, tries a release after each (a snapshot,
/// then closing), and records what every view shows after each release: the total, and each attribute's breakdown under rule P4
/// over the published attributes. Returns the span of everything shown,
/// and each response's (batch, published attributes).
fn observe(batches: &[Vec<Row>], minimum: u32, generalise: bool) -> (Span, Vec<(usize, Row)>) {
    let policy = Policy::with_minimum(minimum);
    let total: usize = batches.iter().map(Vec::len).sum();
    let mut span = Span::new(total);
    let mut published: Vec<(usize, Row)> = Vec::new();
    // Responses that a release could not publish yet wait for the next.
    let mut waiting: Vec<Row> = Vec::new();
    for (batch_index, arrivals) in batches.iter().enumerate() {
        waiting.extend(arrivals);
        let batch = waiting.clone();
        let slices: Vec<&[Option<&str>]> = batch.iter().map(|row| row.as_slice()).collect();
        let pending: Vec<Pending<'_>> = slices
            .iter()
            .map(|attributes| Pending {
                attributes,
                answering: true,
            })
            .collect();
        let Release::Publish(release) = policy.release(&pending) else {
            continue;
        };
        for (index, row) in batch.iter().enumerate() {
            let mask = release.shown(index).expect("every row answers");
            let shown = if generalise {
                let projected = mask.project(row);
                [projected[0], projected[1]]
            } else {
                *row
            };
            published.push((batch_index, shown));
        }
        waiting.clear();
        let everyone: Vec<usize> = (0..published.len()).collect();
        span.add(&everyone);
        for attribute in 0..2 {
            let mut groups: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
            for (respondent, (_, row)) in published.iter().enumerate() {
                groups.entry(row[attribute]).or_default().push(respondent);
            }
            let sizes: Vec<u64> = groups.values().map(|g| g.len() as u64).collect();
            let hidden = policy.hidden_groups(&sizes, 0);
            for (members, hidden) in groups.values().zip(hidden) {
                if !hidden {
                    span.add(members);
                }
            }
        }
    }
    (span, published)
}

fn batch_strategy() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (0..ROLES.len(), 0..UNITS.len()).prop_map(|(r, u)| [ROLES[r], UNITS[u]]),
        3..8,
    )
}

#[test]
fn two_breakdowns_without_classes_give_a_cell_away() {
    // All executives are in the north; the north minus the executives is
    // the one manager of the north. Raw attributes leak it; published
    // classes do not.
    let mut batch = vec![[Some("executive"), Some("north")]; 3];
    batch.push([Some("manager"), Some("north")]);
    batch.extend(vec![[Some("manager"), Some("south")]; 3]);
    let (raw, _) = observe(std::slice::from_ref(&batch), 3, false);
    assert_eq!(raw.small_set_disclosed(3), Some(vec![3]));
    let (classes, _) = observe(&[batch], 3, true);
    assert_eq!(classes.small_set_disclosed(3), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_release_publishes_classes_of_at_least_the_minimum(
        batches in prop::collection::vec(batch_strategy(), 1..4),
        minimum in 3u32..5,
    ) {
        let total: usize = batches.iter().map(Vec::len).sum();
        prop_assume!(total <= 14);
        let (span, published) = observe(&batches, minimum, true);
        let mut classes: BTreeMap<(usize, Row), usize> = BTreeMap::new();
        for key in &published {
            *classes.entry(*key).or_default() += 1;
        }
        for (class, size) in &classes {
            prop_assert!(*size >= minimum as usize, "class {:?} has {} members", class, size);
        }
        prop_assert_eq!(span.small_set_disclosed(minimum as usize), None);
    }
}
