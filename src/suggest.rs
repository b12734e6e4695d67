//! "Did you mean …?" for misspelt field names, ids and rule names.

/// The closest candidate within a small edit distance, if any.
pub fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .map(|c| (distance(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// "; did you mean `x`?" for the closest candidate, or nothing: the tail of an error message.
pub fn hint<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    did_you_mean(word, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// Levenshtein distance over chars.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_field() {
        assert_eq!(did_you_mean("alternates", ["alternate", "overflow"]), Some("alternate"));
        assert_eq!(did_you_mean("zzz", ["alternate", "overflow"]), None);
    }

    #[test]
    fn compares_without_case_and_prefers_the_nearest_then_the_smallest() {
        assert_eq!(did_you_mean("ESRP-CO-A", ["esrp-co-b", "esrp-co-a"]), Some("esrp-co-a"));
        assert_eq!(
            did_you_mean("esz-0000019", ["esz-0000018", "esz-0000017"]),
            Some("esz-0000017")
        );
        assert_eq!(did_you_mean("esz-1", ["esz-1-and-much-more"]), None);
        assert_eq!(did_you_mean("denver-911", ["denver-9111"]), Some("denver-9111"));
    }
}
