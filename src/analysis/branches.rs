//! Classes split by the branches their calls take in failures (SPEC §9), and how far the
//! walks branched (what `check --statistics` reports).
//!
//! A class's normal walk fixes what the policies asked of its calls then; a failure can make
//! the policies ask more (a diversion's own conditions, a re-evaluation after a failed route).
//! Such a class is split into the branches every scenario told apart, so that each class
//! still has one walk per scenario and every rule reads the analysis as before.

use std::collections::{BTreeMap, HashSet};

use super::{Analysis, Ended, RouteClass, ScenarioRun, ScenarioWalks};
use crate::engine::{Branch, PolicyNet};

/// The scenario runs, each class's walks in it matched to the classes it was split into.
pub(super) fn refine(a: &mut Analysis, net: Option<&PolicyNet<'_>>, walked: Vec<ScenarioWalks>) -> Vec<ScenarioRun> {
    let mut forks: BTreeMap<u32, Vec<Vec<&Branch>>> = BTreeMap::new();
    for (_, walks) in &walked {
        for (c, w) in walks.iter().filter(|(_, w)| w.len() > 1) {
            forks
                .entry(*c)
                .or_default()
                .push(w.iter().filter_map(|e| e.branch.as_ref()).collect());
        }
    }
    // Class → the classes it became (itself first).
    let mut split: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    if let Some(net) = net {
        for (c, partitions) in forks {
            let mut parts = vec![a.classes[c as usize].branch.clone()];
            for partition in partitions {
                parts = parts
                    .iter()
                    .flat_map(|x| partition.iter().filter_map(|y| x.meet(y, &net.facts)))
                    .take(crate::engine::MAX_BRANCHES + 1)
                    .collect();
                if parts.len() > crate::engine::MAX_BRANCHES {
                    parts.truncate(crate::engine::MAX_BRANCHES);
                    a.capped += 1;
                }
            }
            if parts.len() < 2 {
                continue;
            }
            let mut ids = vec![c];
            let mut parts = parts.into_iter();
            a.classes[c as usize].branch = parts.next().expect("two parts or more");
            for branch in parts {
                let id = a.classes.len() as u32;
                let origins = a.classes[c as usize].origins.clone();
                a.classes.push(RouteClass {
                    origins,
                    branch,
                    usual: false,
                });
                let trace = a.normal[c as usize].clone();
                for &n in &trace.touched {
                    let list = &mut a.touching[n as usize];
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                }
                a.normal.push(trace);
                ids.push(id);
            }
            split.insert(c, ids);
        }
    }
    walked
        .into_iter()
        .map(|(scenario, walks)| {
            let mut flat = Vec::with_capacity(walks.len());
            for (c, w) in walks {
                match split.get(&c) {
                    None => flat.extend(w.into_iter().map(|e| (c, e))),
                    Some(ids) => {
                        for &id in ids {
                            let mine = &a.classes[id as usize].branch;
                            let facts = &net.expect("only policies split classes").facts;
                            // A class whose calls took one walk here took it on every branch.
                            let meets = |e: &&Ended| e.branch.as_ref().is_none_or(|b| b.meet(mine, facts).is_some());
                            if let Some(e) = w.iter().find(meets) {
                                flat.push((id, e.clone()));
                            }
                        }
                    }
                }
            }
            flat.sort_by_key(|(c, _)| *c);
            ScenarioRun::new(scenario, flat)
        })
        .collect()
}

/// How far routing by policies branched (SPEC §9): what `--statistics` reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exploration {
    /// Route classes before branching: origins every rule treats alike.
    pub classes: usize,
    /// Branches analysed: a route class under one kind of call, time slice and ECRF answer.
    pub branches: usize,
    /// Distinct kinds of call and time slices among the branches.
    pub kinds: usize,
    /// The most branches of one route class.
    pub widest: usize,
    /// Walks cut at [`crate::engine::MAX_BRANCHES`]: their further branches were not analysed.
    pub capped: usize,
}

impl Analysis {
    /// How far the walks branched.
    pub fn exploration(&self) -> Exploration {
        let kinds: HashSet<(&[(u32, bool)], &crate::engine::Clock)> = self
            .classes
            .iter()
            .map(|c| (c.branch.facts.as_slice(), &c.branch.clock))
            .collect();
        Exploration {
            classes: self.classes.iter().filter(|c| c.usual).count(),
            branches: self.classes.len(),
            kinds: kinds.len(),
            widest: self.branches.values().max().map_or(1, |&n| n as usize),
            capped: self.capped,
        }
    }
}
