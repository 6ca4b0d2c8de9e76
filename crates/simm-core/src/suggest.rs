//! "Did you mean" suggestions for misspelt references, and the quoting of
//! user values in the messages that carry them.

/// Words longer than this get no suggestion. References are short ids and
/// values; a longer word is not a typo of one, and comparing it would cost
/// time and memory in proportion to its length times each candidate's.
const MAX_SUGGEST_CHARS: usize = 256;

/// The candidate closest to `word` by edit distance, if it is close enough
/// to be a plausible misspelling (at most a third of the word's length, or
/// two edits for short words, such as one swap of neighbours). Comparison ignores case.
///
/// The work is bounded whatever the word's length: a word longer than
/// [`MAX_SUGGEST_CHARS`] gets no suggestion, and a candidate whose length
/// differs from the word's by more than the allowed edits is skipped
/// without being compared, since each edit changes the length by at most one.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Checked on bytes first so that a huge word is not even walked.
    if word.len() > 4 * MAX_SUGGEST_CHARS || word.chars().count() > MAX_SUGGEST_CHARS {
        return None;
    }
    let limit = (word.chars().count() / 3).max(2);
    let word_lower = word.to_lowercase();
    let word_chars = word_lower.chars().count();
    candidates
        .into_iter()
        .filter_map(|candidate| {
            // Lowercasing never shortens a text, so a candidate already too
            // long is skipped before it is lowercased.
            let longest = word_chars + limit;
            if candidate.chars().take(longest + 1).count() > longest {
                return None;
            }
            let candidate_lower = candidate.to_lowercase();
            if candidate_lower.chars().count().abs_diff(word_chars) > limit {
                return None;
            }
            Some((edit_distance(&word_lower, &candidate_lower), candidate))
        })
        // A suggestion that shares no letter with the word would only puzzle.
        .filter(|(distance, candidate)| *distance <= limit && *distance < candidate.chars().count())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Values quoted in messages show at most this many characters.
const QUOTED_CHARS: usize = 40;

/// A user's value quoted for a message: in double quotes with escapes, as
/// `{:?}` shows it, but cut after [`QUOTED_CHARS`] characters, with the
/// length of the whole value, so that a huge value cannot flood a message.
pub fn quote_value(value: &str) -> String {
    match value.char_indices().nth(QUOTED_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => format!(
            "{:?} ({} characters)",
            format!("{}…", &value[..cut]),
            value.chars().count()
        ),
    }
}

/// Edit distance over characters, counting a swap of two neighbours as one
/// edit (optimal string alignment), since swaps are the commonest typo.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            table[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let substitution =
                    table[(i - 1) * width + j - 1] + usize::from(a[i - 1] != b[j - 1]);
                let mut best = substitution
                    .min(table[(i - 1) * width + j] + 1)
                    .min(table[i * width + j - 1] + 1);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(table[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(word: &str, candidates: &[&str], expected: Option<&str>) {
        assert_eq!(
            did_you_mean(word, candidates.iter().copied()),
            expected,
            "{word:?}"
        );
    }

    #[test]
    fn suggestions() {
        check("visoin", &["vision", "management"], Some("vision"));
        check("Managment", &["vision", "management"], Some("management"));
        check("VS-2-1", &["VS-2-01", "VS-2-02"], Some("VS-2-01"));
        check("finance", &["vision", "management"], None);
        check("x", &["vision"], None);
        check("a", &["b"], None);
    }

    #[test]
    fn long_words_are_not_compared() {
        // Within the bound a long word still gets its suggestion...
        let near = "a".repeat(MAX_SUGGEST_CHARS - 1);
        let candidate = format!("{near}b");
        check(
            &format!("{near}c"),
            &[&candidate, "vision"],
            Some(&candidate),
        );
        // ... past it, none, even one edit away: a reference is never this
        // long, and comparing would cost its length times the candidate's.
        let far = "a".repeat(MAX_SUGGEST_CHARS + 1);
        check(&format!("{far}c"), &[&format!("{far}b")], None);
        // A ten-megabyte value (it cost 850 MB to compare in full) returns
        // at once, against short candidates and a long one alike.
        let huge = "x".repeat(10 << 20);
        check(&huge, &["vision", "management", &"x".repeat(1000)], None);
        // Candidates far longer or shorter than the word are skipped, which
        // changes no answer: their distance exceeds the limit anyway.
        check(
            "visoin",
            &[&"vision".repeat(1000), "vision"],
            Some("vision"),
        );
    }

    #[test]
    fn quoting() {
        let check = |value: &str, expected: &str| assert_eq!(quote_value(value), expected);
        check("", r#""""#);
        check(r#"role "x""#, r#""role \"x\"""#);
        check(&"a".repeat(40), &format!("\"{}\"", "a".repeat(40)));
        check(
            &"a".repeat(41),
            &format!("\"{}…\" (41 characters)", "a".repeat(40)),
        );
        // The cut falls on a character boundary, and counts characters.
        check(
            &"é".repeat(50),
            &format!("\"{}…\" (50 characters)", "é".repeat(40)),
        );
        check(
            &"\n".repeat(100),
            &format!("\"{}…\" (100 characters)", r"\n".repeat(40)),
        );
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("medain", "median"), 1);
    }
}
