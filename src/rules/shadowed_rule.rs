use super::{Context, Finding, declare_rule};
use crate::model::{Match, OriginKind};

declare_rule! {
    /// ## What it does
    /// Reports a router rule that can never match because the rules above it already take
    /// every call it could match (the first match wins). Reported only when that is certain
    /// from the rules alone: one earlier rule at least as broad on every key, or earlier
    /// rules that differ from it on one key only and together cover that key.
    ///
    /// For policy routing rules (SPEC §9): a rule whose conditions hold in some evaluation
    /// psapguard makes (a scenario, kind of call and time slice; first evaluations and those
    /// after failed routes) but that is never the first to hold in any of them — a catch-all
    /// at priority 500 above a `QueueState … EQ Full` diversion: a busy PSAP queues the call,
    /// the route succeeds, the diversion never runs — or whose own conditions contradict, or
    /// whose time window does not contain the check date. The catch-all at the bottom of a
    /// policy is its default and is never reported. A rule that could hold only in
    /// scenarios psapguard does not analyse (two queues down at once) is not reported.
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
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        policy_rules(cx, out);
        for r in cx.table.routers.iter().filter(|r| !cx.broken(&r.id)) {
            let mut earlier = EarlierRules::default();
            for (k, rule) in r.rules.iter().enumerate() {
                let relevant = earlier.meeting(&rule.matcher);
                earlier.add(&rule.matcher, k);
                let Some(by) = cover_by(&rule.matcher, &|j| &r.rules[j].matcher, &relevant) else {
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

/// The earlier rules of a router, indexed by their ESN bounds: rules whose ESNs cannot meet a
/// later rule's never help cover it, and a router with a rule per ESN block (20,000 of them)
/// must not compare every pair.
#[derive(Default)]
struct EarlierRules {
    /// Lowest ESN → rules whose ESNs start there.
    by_low: std::collections::BTreeMap<u32, Vec<(u32, usize)>>,
    /// The widest ESN span among them: an overlap starts at most this far below.
    widest: u32,
    /// Rules without an `esn` key: they may meet anything.
    any_esn: Vec<usize>,
}

impl EarlierRules {
    fn add(&mut self, m: &Match, k: usize) {
        match esn_bounds(m) {
            Some((lo, hi)) => {
                self.by_low.entry(lo).or_default().push((hi, k));
                self.widest = self.widest.max(hi - lo);
            }
            None => self.any_esn.push(k),
        }
    }

    /// The earlier rules that can meet `m`, in order.
    fn meeting(&self, m: &Match) -> Vec<usize> {
        let mut out = self.any_esn.clone();
        match esn_bounds(m) {
            Some((lo, hi)) => {
                for (_, rules) in self.by_low.range(lo.saturating_sub(self.widest)..=hi) {
                    out.extend(rules.iter().filter(|&&(b, _)| b >= lo).map(|&(_, j)| j));
                }
            }
            None => out.extend(self.by_low.values().flatten().map(|&(_, j)| j)),
        }
        out.sort_unstable();
        out
    }
}

/// The earlier rules (indices) that together cover `m`, when that is certain.
#[cfg(test)]
fn shadowed_by(m: &Match, earlier: &[&Match]) -> Option<Vec<usize>> {
    let mut index = EarlierRules::default();
    for (j, e) in earlier.iter().enumerate() {
        index.add(e, j);
    }
    cover_by(m, &|j| earlier[j], &index.meeting(m))
}

/// The rules among `relevant` (indices, read through `earlier`) that together cover `m`.
fn cover_by<'m>(m: &Match, earlier: &dyn Fn(usize) -> &'m Match, relevant: &[usize]) -> Option<Vec<usize>> {
    // One earlier rule as broad on every key is the clearest answer.
    if let Some(&j) = relevant
        .iter()
        .find(|&&j| (0..KEYS).all(|k| covers_union(&[earlier(j)], m, k)))
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
                    .all(|o| covers_union(&[earlier(j)], m, o))
            })
            .collect();
        if candidates.len() < 2 {
            continue; // a single one was tried above
        }
        let sets: Vec<&Match> = candidates.iter().map(|&j| earlier(j)).collect();
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
            // The union of every listed ESN and range: [101, 102, 103] covers "101-103".
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

/// Policy rules (SPEC §9) that psapguard's evaluations never find first although they could
/// hold, or that can never hold at all; only in policies some call was evaluated against
/// (an unreached policy is `policy-unused`).
fn policy_rules(cx: &Context<'_>, out: &mut Vec<Finding>) {
    use crate::engine::RuleUse;
    let (Some(net), Some(a)) = (cx.policies, cx.analysis) else {
        return;
    };
    let Some(used) = a.rule_use.as_ref() else { return };
    for (p, compiled) in net.policies.iter().enumerate() {
        let p = p as u32;
        let bits: Vec<u8> = (0..compiled.order.len() as u32).map(|k| used.get(p, k)).collect();
        if bits.iter().all(|&b| b == 0) {
            continue;
        }
        for (i, &k) in compiled.order.iter().enumerate() {
            let rule = net.rule(p, k);
            if rule.routing_action().is_none() {
                continue;
            }
            // The catch-all at the bottom is the policy's default, kept for calls no table
            // shows (no location, a new kind of call): like a router's `default`, never shadowed.
            if rule.conditions.is_empty() && i + 1 == compiled.order.len() {
                continue;
            }
            let why = match (net.never_holds(p, k), bits[k as usize]) {
                (Some(why), _) => why.to_string(),
                (None, b) if b & RuleUse::POSSIBLE != 0 && b & RuleUse::FIRST == 0 => {
                    preempted_because(net, p, &compiled.order[..i], &used.preempting(p, k))
                }
                _ => continue,
            };
            let name = net.rule_name(p, k);
            let message = format!(
                "rule {} (priority {}) of {} never routes a call: {why}",
                crate::escape::short(&rule.id, 60),
                rule.priority,
                crate::escape::short(&net.store.policies[p as usize].name(), 120)
            );
            out.push(
                cx.finding(&ShadowedRule::META, rule.at.loc, message, vec![name], &[])
                    .at_spot(&rule.at),
            );
        }
    }
}

/// "whenever its conditions hold, rule X (priority N) above it holds first", naming every rule
/// above (at most 5, then a count) that held first in an evaluation where this one could hold.
fn preempted_because(net: &crate::engine::PolicyNet<'_>, p: u32, above: &[u32], places: &[usize]) -> String {
    // The last place stands for every rule from it on (see `RuleUse::preempting`).
    let rules: Vec<u32> = places
        .iter()
        .flat_map(|&at| {
            let upto = if at == 63 {
                above.len()
            } else {
                (at + 1).min(above.len())
            };
            above.get(at..upto).unwrap_or_default().iter().copied()
        })
        .collect();
    let named: Vec<String> = rules
        .iter()
        .take(5)
        .map(|&j| {
            let r = net.rule(p, j);
            format!("{} (priority {})", crate::escape::short(&r.id, 60), r.priority)
        })
        .collect();
    match rules.len() {
        0 => "a rule above it always holds first".to_string(),
        1 => format!("whenever its conditions hold, rule {} above it holds first", named[0]),
        n if n <= 5 => format!(
            "whenever its conditions hold, one of the rules {} above it holds first",
            named.join(", ")
        ),
        n => format!(
            "whenever its conditions hold, one of the rules {} and {} more above it holds first",
            named.join(", "),
            n - 5
        ),
    }
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
    fn a_list_of_esns_covers_the_range_they_make() {
        let list = esn(&[(101, 101), (102, 102), (103, 103)]);
        assert_eq!(shadowed_by(&esn(&[(101, 103)]), &[&list]), Some(vec![0]));
        assert_eq!(shadowed_by(&esn(&[(101, 104)]), &[&list]), None);
    }

    #[test]
    fn many_esn_blocks_are_checked_without_comparing_every_pair() {
        // 20,000 disjoint blocks, then one block repeated: found, and quickly.
        let blocks: Vec<Match> = (0..20_000u32).map(|i| esn(&[(i * 4, i * 4 + 3)])).collect();
        let mut index = EarlierRules::default();
        for (j, b) in blocks.iter().enumerate() {
            assert!(index.meeting(b).is_empty());
            index.add(b, j);
        }
        assert_eq!(index.meeting(&esn(&[(40, 43)])), vec![10]);
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
