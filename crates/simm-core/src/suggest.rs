//! "Did you mean" suggestions for misspelt references.

/// The candidate closest to `word` by edit distance, if it is close enough
/// to be a plausible misspelling (at most a third of the word's length, or
/// two edits for short words, such as one swap of neighbours). Comparison ignores case.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                edit_distance(&word_lower, &candidate.to_lowercase()),
                candidate,
            )
        })
        // A suggestion that shares no letter with the word would only puzzle.
        .filter(|(distance, candidate)| *distance <= limit && *distance < candidate.chars().count())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
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
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("medain", "median"), 1);
    }
}
