//! How alike a column header and a statement are, for drafting a mapping
//! and for "did you mean" on unmapped columns.

use std::collections::BTreeSet;

/// Words too common to tell statements apart.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "its", "of", "on", "or", "our", "that", "the", "their", "them", "they", "this", "to",
    "we", "with",
];

fn tokens(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| !STOP_WORDS.contains(&word.as_str()))
        .collect()
}

/// The same text, ignoring case, spacing and punctuation.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let a = words(a);
    !a.is_empty() && a == words(b)
}

/// From 0 (nothing shared) to 1 (the same words): the Dice coefficient of
/// the two texts' words, which survives the reordering and small edits a
/// survey tool's question text gets, blended with the edit similarity of
/// the whole texts for short headers where one word decides.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    if same_text(a, b) {
        return 1.0;
    }
    let (left, right) = (tokens(a), tokens(b));
    let dice = if left.is_empty() || right.is_empty() {
        0.0
    } else {
        let shared = left.intersection(&right).count() as f64;
        2.0 * shared / (left.len() + right.len()) as f64
    };
    let edit = strsim::normalized_levenshtein(&a.to_lowercase(), &b.to_lowercase());
    dice.max(edit * 0.9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_statements_score_high_and_unrelated_ones_low() {
        let statement = "Our organisation has written plans for the new products or services it intends to develop.";
        assert_eq!(similarity(statement, &statement.to_uppercase()), 1.0);
        let reworded = "The organisation has written plans for new products and services it intends to develop";
        assert!(similarity(statement, reworded) > 0.85);
        assert!(similarity(statement, "How many people work in your unit?") < 0.3);
        assert!(same_text("Our plans.", "our  plans"));
        assert!(!same_text("", ""));
    }
}
