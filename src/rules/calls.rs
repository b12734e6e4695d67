//! Which calls a routing finding holds for, when policies tell calls apart (SPEC §9): "calls
//! with SdpOffer rtt=true", "at Sat–Sun 00:00–06:00".

use super::Context;
use crate::engine::Branch;
use std::collections::BTreeMap;

/// Most distinct kinds of call a message names before it only counts them.
const MAX_NAMED: usize = 3;

impl Context<'_> {
    /// " (only calls with SdpOffer rtt=true)" when the classes hold only some kinds of call
    /// or times of their origins; empty when some origin loses every call, or no policy routes.
    pub fn calls_phrase(&self, classes: impl IntoIterator<Item = u32>) -> String {
        let (Some(net), Some(a)) = (self.policies, self.analysis) else {
            return String::new();
        };
        let mut by_group: BTreeMap<u32, Vec<&Branch>> = BTreeMap::new();
        for c in classes {
            let class = &a.classes[c as usize];
            by_group.entry(class.origins[0]).or_default().push(&class.branch);
        }
        let mut phrases: Vec<String> = Vec::new();
        for (first, branches) in by_group {
            let all = a.branches.get(&first).copied().unwrap_or(1) as usize;
            let mut distinct = branches.clone();
            distinct.dedup();
            if distinct.len() >= all {
                return String::new();
            }
            let base = Branch {
                facts: net.base_facts(self.table.origins[first as usize].kind),
                ..Branch::default()
            };
            for b in merged(branches.into_iter().cloned().collect()) {
                let words = net.branch_words(&b, &base);
                if !words.is_empty() && !phrases.contains(&words) {
                    phrases.push(words);
                }
            }
        }
        match phrases.len() {
            0 => String::new(),
            n if n <= MAX_NAMED => format!(" (only {})", phrases.join("; or ")),
            n => format!(" (only some kinds of call or times: {n} branches)"),
        }
    }
}

/// The branches with those that differ in one call fact only, or in the time only, joined.
fn merged(mut branches: Vec<Branch>) -> Vec<Branch> {
    loop {
        let mut joined = None;
        'find: for i in 0..branches.len() {
            for j in i + 1..branches.len() {
                if let Some(b) = join(&branches[i], &branches[j]) {
                    joined = Some((i, j, b));
                    break 'find;
                }
            }
        }
        let Some((i, j, b)) = joined else { return branches };
        branches.remove(j);
        branches[i] = b;
    }
}

fn join(x: &Branch, y: &Branch) -> Option<Branch> {
    // The first answer of the ECRF is what every call gets outside an overlap: only the
    // others tell branches apart in words (a branch that asked and one that did not agree).
    let told = |b: &Branch| -> Vec<(u8, u16)> { b.answers.iter().copied().filter(|&(_, a)| a > 0).collect() };
    if told(x) != told(y) {
        return None;
    }
    if x.facts == y.facts {
        return Some(Branch {
            clock: x.clock.union(&y.clock),
            ..x.clone()
        });
    }
    if x.clock != y.clock || x.facts.len() != y.facts.len() {
        return None;
    }
    let differ: Vec<usize> = (0..x.facts.len()).filter(|&k| x.facts[k] != y.facts[k]).collect();
    match differ.as_slice() {
        [k] if x.facts[*k].0 == y.facts[*k].0 => {
            let mut out = x.clone();
            out.facts.remove(*k);
            Some(out)
        }
        _ => None,
    }
}
