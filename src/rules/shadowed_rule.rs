use super::{Context, Finding, declare_rule};
use crate::model::{Match, OriginKind};

declare_rule! {
    /// ## What it does
    /// Reports a router rule that can never match because the rules above it already take
    /// every call it could match (the first match wins). Reported only when that is certain
    /// from the rules alone: one earlier rule at least as broad on every key, or earlier
    /// rules that differ from it on one key only and together cover that key.
    ///
    /// ## Why it matters
    /// A shadowed rule is an edit that does nothing: someone meant those calls to go
    /// somewhere else, and they do not. It is often a new rule appended below a broad one.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   - match: { esn: ["100-199"] }
    ///     to: denver-911
    ///   - match: { esn: [150] }          # never matches: rule 1 takes ESN 150
    ///     to: aurora-911
    /// ```
    ///
    /// ## How to fix
    /// Move the narrower rule above the broader one, or delete it if it is stale.
    pub struct ShadowedRule { name: "shadowed-rule", severity: Warning }
}

impl ShadowedRule {
    pub fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        for r in cx.table.routers.iter().filter(|r| !cx.broken(&r.id)) {
            for (k, rule) in r.rules.iter().enumerate() {
                let earlier: Vec<&Match> = r.rules[..k].iter().map(|e| &e.matcher).collect();
                let Some(by) = shadowed_by(&rule.matcher, &earlier) else {
                    continue;
                };
                let list: Vec<String> = by.iter().map(|i| (i + 1).to_string()).collect();
                let above = if list.len() == 1 {
                    format!("rule {}", list[0])
                } else {
                    format!("rules {}", list.join(", "))
                };
                let message = format!(
                    "rule {} of router {} (to {}) can never match: {above} already take{} every call it matches",
                    k + 1,
                    r.id,
                    rule.to.name,
                    if list.len() == 1 { "s" } else { "" }
                );
                out.push(cx.finding(&Self::META, rule.loc, message, vec![r.id.clone()], &[]));
            }
        }
    }
}

/// The match keys: esn, origin, kind, county.
const KEYS: usize = 4;

/// Lowest and highest ESN a match allows (None: any ESN).
fn esn_bounds(m: &Match) -> Option<(u32, u32)> {
    let esn = m.esn.as_ref()?;
    Some((
        esn.iter().map(|r| r.0).min().unwrap_or(0),
        esn.iter().map(|r| r.1).max().unwrap_or(0),
    ))
}

/// The earlier rules (indices) that together cover `m`, when that is certain.
pub fn shadowed_by(m: &Match, earlier: &[&Match]) -> Option<Vec<usize>> {
    // Rules whose ESNs cannot meet `m`'s never help cover it: drop them cheaply first, so a
    // router with a rule per ESN block stays near-linear.
    let bounds = esn_bounds(m);
    let relevant: Vec<usize> = (0..earlier.len())
        .filter(|&j| match (bounds, esn_bounds(earlier[j])) {
            (Some((lo, hi)), Some((a, b))) => a <= hi && lo <= b,
            _ => true,
        })
        .collect();
    // One earlier rule as broad on every key is the clearest answer.
    if let Some(&j) = relevant
        .iter()
        .find(|&&j| (0..KEYS).all(|k| covers_union(&[earlier[j]], m, k)))
    {
        return Some(vec![j]);
    }
    for key in 0..KEYS {
        // Earlier rules at least as broad as `m` on every other key.
        let candidates: Vec<usize> = relevant
            .iter()
            .copied()
            .filter(|&j| {
                (0..KEYS)
                    .filter(|&o| o != key)
                    .all(|o| covers_union(&[earlier[j]], m, o))
            })
            .collect();
        if candidates.len() < 2 {
            continue; // a single one was tried above
        }
        let sets: Vec<&Match> = candidates.iter().map(|&j| earlier[j]).collect();
        if covers_union(&sets, m, key) {
            return Some(candidates);
        }
    }
    None
}

/// Whether the union of `sets` on `key` contains every value `m` allows on it.
fn covers_union(sets: &[&Match], m: &Match, key: usize) -> bool {
    match key {
        0 => {
            if sets.iter().any(|s| s.esn.is_none()) {
                return true;
            }
            let Some(want) = &m.esn else { return false };
            if let [one] = sets {
                let have = one.esn.as_deref().unwrap_or_default();
                return want
                    .iter()
                    .all(|&(lo, hi)| have.iter().any(|&(a, b)| a <= lo && hi <= b));
            }
            let mut have: Vec<(u32, u32)> = sets.iter().flat_map(|s| s.esn.iter().flatten().copied()).collect();
            have.sort_unstable();
            want.iter().all(|&(lo, hi)| range_covered(&have, lo, hi))
        }
        1 => set_cover(sets, m, |s| s.origin.as_deref(), |a, b| a.name == b.name, None),
        2 => set_cover(sets, m, |s| s.kind.as_deref(), |a, b| a == b, Some(&ALL_KINDS)),
        _ => set_cover(sets, m, |s| s.county.as_deref(), |a, b| a == b, None),
    }
}

const ALL_KINDS: [OriginKind; 6] = [
    OriginKind::Esz,
    OriginKind::CellSector,
    OriginKind::Wireline,
    OriginKind::Voip,
    OriginKind::Text,
    OriginKind::Other,
];

/// Union of the sets' values (None = anything) ⊇ `m`'s (None = anything; `universe` when finite).
fn set_cover<T>(
    sets: &[&Match],
    m: &Match,
    get: impl Fn(&Match) -> Option<&[T]>,
    eq: impl Fn(&T, &T) -> bool,
    universe: Option<&[T]>,
) -> bool {
    if sets.iter().any(|s| get(s).is_none()) {
        return true;
    }
    match get(m).or(universe) {
        Some(want) => want
            .iter()
            .all(|x| sets.iter().any(|s| get(s).is_some_and(|v| v.iter().any(|y| eq(x, y))))),
        None => false,
    }
}
/// Whether sorted ranges cover lo..=hi.
fn range_covered(have: &[(u32, u32)], lo: u32, hi: u32) -> bool {
    let mut next = lo as u64;
    for &(a, b) in have {
        if a as u64 > next {
            break;
        }
        next = next.max(b as u64 + 1);
        if next > hi as u64 {
            return true;
        }
    }
    next > hi as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esn(ranges: &[(u32, u32)]) -> Match {
        Match {
            esn: Some(ranges.to_vec()),
            ..Match::default()
        }
    }

    #[test]
    fn union_of_ranges_shadows() {
        let a = esn(&[(100, 149)]);
        let b = esn(&[(150, 199)]);
        assert_eq!(shadowed_by(&esn(&[(120, 180)]), &[&a, &b]), Some(vec![0, 1]));
        assert_eq!(shadowed_by(&esn(&[(120, 200)]), &[&a, &b]), None);
    }

    #[test]
    fn narrower_earlier_rule_does_not_shadow() {
        let earlier = Match {
            esn: Some(vec![(100, 199)]),
            kind: Some(vec![OriginKind::Esz]),
            ..Match::default()
        };
        assert_eq!(shadowed_by(&esn(&[(150, 150)]), &[&earlier]), None);
    }
}
