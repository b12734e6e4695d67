//! Which calls a routing finding holds for, when policies tell calls apart (SPEC §9): "calls
//! with SdpOffer rtt=true", "at Sat–Sun 00:00–06:00".

use super::Context;
use crate::engine::{Branch, merged};
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
