//! What a change moves (`diff`): the origins whose calls end at another PSAP after it, under
//! normal conditions or in one failure, for the usual call and for every other kind of call
//! and time slice that policies route (SPEC §9).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Analysis, Scenario};
use crate::engine::{Branch, Disposition, PolicyNet, merged};
use crate::model::{Element, Node, Table};

/// An origin present in both tables whose calls end at another PSAP (or at none) under normal
/// conditions after a change.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    /// Index in the new table.
    pub origin: u32,
    /// Its route class in the old analysis and in the new one.
    pub old_class: u32,
    pub new_class: u32,
}

/// Per origin id: its route class.
/// Each origin's class, found by the origin's id (through the table's id index: a map of a
/// million ids would cost `diff` 30 MB more, twice).
struct ClassById<'t> {
    table: &'t Table,
    class_of: Vec<u32>,
}

impl ClassById<'_> {
    fn get(&self, id: &str) -> Option<u32> {
        match self.table.lookup(id)? {
            Element::Origin(o) => Some(self.class_of[o as usize]).filter(|&c| c != u32::MAX),
            _ => None,
        }
    }
}

fn class_by_id<'t>(table: &'t Table, a: &Analysis) -> ClassById<'t> {
    ClassById {
        table,
        class_of: a.class_of_origins(table.origins.len()),
    }
}

/// The PSAP id a walk ends at, if it delivers.
fn psap_of<'t>(t: &'t Table, end: &Disposition) -> Option<&'t str> {
    end.delivered_to().map(|p| t.psaps[p as usize].id.as_str())
}

/// The origins a change moves, in new-table order. PSAPs are compared by id: indices differ
/// between the tables.
pub fn moves(old: &Table, oa: &Analysis, new: &Table, na: &Analysis) -> Vec<Move> {
    let old_class = class_by_id(old, oa);
    let mut out = Vec::new();
    // The usual call of each origin is compared (SPEC §9: other kinds of call are branches
    // of it, diverted on purpose).
    for (c, trace) in na.normal.iter().enumerate().filter(|(c, _)| na.classes[*c].usual) {
        for &o in na.classes[c].origins.iter() {
            let Some(oc) = old_class.get(&new.origins[o as usize].id) else {
                continue;
            };
            if psap_of(old, &oa.normal[oc as usize].end) != psap_of(new, &trace.end) {
                out.push(Move {
                    origin: o,
                    old_class: oc,
                    new_class: c as u32,
                });
            }
        }
    }
    out.sort_unstable_by_key(|m| m.origin);
    out
}

/// Calls of an origin other than its usual call — a kind of call, a time slice, an overlap's
/// answer (SPEC §9) — that end at another PSAP after a change: under normal conditions, or
/// only when a failure domain is down.
#[derive(Debug, Clone)]
pub struct CallsMove {
    /// The failure domain, by name; None under normal conditions.
    pub domain: Option<String>,
    /// Index in the new table.
    pub origin: u32,
    /// PSAP indices in the old and the new table (None: lost or looping).
    pub before: Option<u32>,
    pub after: Option<u32>,
    /// Which calls move, as findings name branches: "calls with SdpOffer rtt=true".
    pub calls: String,
}

/// (old class, new class, the calls of both) of a pair of branches whose calls move.
type MovedCalls = (u32, u32, String);

/// The classes of each group of origins, one per branch (SPEC §9), by the group's shared
/// origins: a group split in failures has its later branches at the end of the classes.
fn branch_classes(a: &Analysis) -> HashMap<*const [u32], Vec<u32>> {
    let mut out: HashMap<*const [u32], Vec<u32>> = HashMap::new();
    for (c, class) in a.classes.iter().enumerate() {
        out.entry(std::sync::Arc::as_ptr(&class.origins))
            .or_default()
            .push(c as u32);
    }
    out
}

fn group_of<'g>(groups: &'g HashMap<*const [u32], Vec<u32>>, a: &Analysis, class: u32) -> &'g [u32] {
    &groups[&std::sync::Arc::as_ptr(&a.classes[class as usize].origins)]
}

/// Where an old branch's facts are among the new analysis's: facts are told apart by their
/// description, as indices differ between the tables; a fact the new policies never ask
/// about constrains nothing there.
struct FactMap(Vec<Option<u32>>);

impl FactMap {
    fn new(old: Option<&PolicyNet<'_>>, new: Option<&PolicyNet<'_>>) -> FactMap {
        let (Some(old), Some(new)) = (old, new) else {
            // One side routes by no policy: its branches assume no facts.
            return FactMap(Vec::new());
        };
        let by_name: HashMap<&str, u32> = new
            .facts
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        FactMap(
            old.facts
                .names
                .iter()
                .map(|n| by_name.get(n.as_str()).copied())
                .collect(),
        )
    }

    /// An old branch in the new analysis's terms.
    fn carry(&self, old: &Branch, new_has_net: bool) -> Branch {
        let facts = if new_has_net {
            old.facts
                .iter()
                .filter_map(|&(f, v)| Some((self.0.get(f as usize).copied().flatten()?, v)))
                .collect::<BTreeMap<u32, bool>>()
                .into_iter()
                .collect()
        } else {
            old.facts.clone()
        };
        Branch { facts, ..old.clone() }
    }
}

/// Both analyses of a change with their policies, to pair their branches.
pub struct Pairing<'x> {
    old: &'x Table,
    oa: &'x Analysis,
    new: &'x Table,
    na: &'x Analysis,
    /// Branches are named in the new policies' terms, or the old ones' when only they route.
    words: &'x PolicyNet<'x>,
    new_has_net: bool,
    map: FactMap,
    old_class: ClassById<'x>,
    new_class: Vec<u32>,
    old_groups: HashMap<*const [u32], Vec<u32>>,
    new_groups: HashMap<*const [u32], Vec<u32>>,
}

/// How a pair's calls end in the scenario compared: (in the old analysis, in the new one).
type Ends<'e> = dyn Fn(u32, u32) -> (&'e Disposition, &'e Disposition) + 'e;

impl<'x> Pairing<'x> {
    /// None when no policy routes either table: every origin's calls are its usual call.
    pub fn new(
        old: &'x Table,
        (oa, onet): (&'x Analysis, Option<&'x PolicyNet<'x>>),
        new: &'x Table,
        (na, nnet): (&'x Analysis, Option<&'x PolicyNet<'x>>),
    ) -> Option<Pairing<'x>> {
        Some(Pairing {
            old,
            oa,
            new,
            na,
            words: nnet.or(onet)?,
            new_has_net: nnet.is_some(),
            map: FactMap::new(onet, nnet),
            old_class: class_by_id(old, oa),
            new_class: na.class_of_origins(new.origins.len()),
            old_groups: branch_classes(oa),
            new_groups: branch_classes(na),
        })
    }

    /// The moves under normal conditions of every kind of call and time slice but the usual
    /// call (which [`moves`] reports), in new-table order, then by the calls' words.
    pub fn moves(&self) -> Vec<CallsMove> {
        let normal = |i: u32, j: u32| (&self.oa.normal[i as usize].end, &self.na.normal[j as usize].end);
        let mut out = self.moved(0..self.new.origins.len() as u32, None, &normal, &|_, _| false);
        out.sort_by(|a, b| (a.origin, &a.calls).cmp(&(b.origin, &b.calls)));
        out
    }

    /// The failover moves of every kind of call but the usual one (which [`failover_moves`]
    /// reports): calls whose PSAP is the same in both tables normally, and not when the
    /// domain is down. By domain name, then origin.
    pub fn failover_moves(&self) -> Vec<CallsMove> {
        let (runs, empty) = ((failed(self.oa), failed(self.na)), HashMap::new());
        let mut out = Vec::new();
        for f in shared_failures(self.old, self.oa, self.new, self.na, &runs, &empty) {
            let in_failure = |i: u32, j: u32| {
                let (was, now) = (&self.oa.normal[i as usize].end, &self.na.normal[j as usize].end);
                (
                    f.old_ends.get(&i).copied().unwrap_or(was),
                    f.new_ends.get(&j).copied().unwrap_or(now),
                )
            };
            // Calls that move normally are normal moves, reported as such.
            let normal_moves = |i: u32, j: u32| {
                let (was, now) = (&self.oa.normal[i as usize].end, &self.na.normal[j as usize].end);
                psap_of(self.old, was) != psap_of(self.new, now)
            };
            let domain = f.name.to_string();
            let mut moved = self.moved(f.origins.iter().copied(), Some(&domain), &in_failure, &normal_moves);
            moved.sort_by(|a, b| (a.origin, &a.calls).cmp(&(b.origin, &b.calls)));
            out.extend(moved);
        }
        out.sort_by(|a, b| a.domain.cmp(&b.domain));
        out
    }

    /// The moved calls of `origins` (new-table indices) between the ends of each pair.
    fn moved(
        &self,
        origins: impl IntoIterator<Item = u32>,
        domain: Option<&String>,
        ends: &Ends<'_>,
        skip: &dyn Fn(u32, u32) -> bool,
    ) -> Vec<CallsMove> {
        // Origins of one old group, one new group and one kind move the same calls (the
        // words leave out what every call of the kind is).
        let mut cache: HashMap<(u32, u32, crate::model::OriginKind), Vec<MovedCalls>> = HashMap::new();
        let mut out = Vec::new();
        for o in origins {
            let (Some(oc), nc) = (
                self.old_class.get(&self.new.origins[o as usize].id),
                self.new_class[o as usize],
            ) else {
                continue;
            };
            if nc == u32::MAX {
                continue;
            }
            let kind = self.new.origins[o as usize].kind;
            let pairs = cache
                .entry((oc, nc, kind))
                .or_insert_with(|| self.pairs(oc, nc, kind, ends, skip));
            for (i, j, calls) in pairs.iter() {
                let (before, after) = ends(*i, *j);
                out.push(CallsMove {
                    domain: domain.cloned(),
                    origin: o,
                    before: before.delivered_to(),
                    after: after.delivered_to(),
                    calls: calls.clone(),
                });
            }
        }
        out
    }

    /// The pairs of branches of an origin in `oc`'s and `nc`'s groups whose calls move, in words.
    fn pairs(
        &self,
        oc: u32,
        nc: u32,
        kind: crate::model::OriginKind,
        ends: &Ends<'_>,
        skip: &dyn Fn(u32, u32) -> bool,
    ) -> Vec<MovedCalls> {
        let (old_group, new_group) = (
            group_of(&self.old_groups, self.oa, oc),
            group_of(&self.new_groups, self.na, nc),
        );
        if old_group.len() == 1 && new_group.len() == 1 {
            return Vec::new();
        }
        let base = Branch {
            facts: self.words.base_facts(kind),
            ..Branch::default()
        };
        self.moved_branches(old_group, new_group, ends, skip)
            .into_iter()
            .map(|(i, j, calls)| {
                let words = self.words.branch_words(&calls, &base);
                (i, j, if words.is_empty() { "some calls".into() } else { words })
            })
            .collect()
    }

    /// (old class, new class, the calls of both) of the branch pairs of one origin that end
    /// at different PSAPs, but for the pair of usual calls and the calls that move with it.
    fn moved_branches(
        &self,
        old_group: &[u32],
        new_group: &[u32],
        ends: &Ends<'_>,
        skip: &dyn Fn(u32, u32) -> bool,
    ) -> Vec<(u32, u32, Branch)> {
        let psaps = |i: u32, j: u32| {
            let (was, now) = ends(i, j);
            (psap_of(self.old, was), psap_of(self.new, now))
        };
        // Calls that move as the usual call does are its move, already told.
        let usual = psaps(old_group[0], new_group[0]);
        let mut out = Vec::new();
        for &i in old_group {
            let was = self.map.carry(&self.oa.classes[i as usize].branch, self.new_has_net);
            for &j in new_group {
                if self.oa.classes[i as usize].usual && self.na.classes[j as usize].usual {
                    continue; // the usual call: a move of it is a Move
                }
                let now = &self.na.classes[j as usize].branch;
                let Some(both) = was.meet(now, &self.words.facts) else {
                    continue;
                };
                let (before, after) = psaps(i, j);
                if before != after && (before, after) != usual && !skip(i, j) {
                    out.push((i, j, both));
                }
            }
        }
        // The calls that move between the same PSAPs, joined where they differ in one fact
        // or the time only: "calls with SdpOffer rtt=true", not one piece per time slice.
        let mut by_ends: Vec<((u32, u32), Vec<Branch>)> = Vec::new();
        for (i, j, both) in out {
            match by_ends.iter_mut().find(|((a, b), _)| psaps(*a, *b) == psaps(i, j)) {
                Some((_, calls)) => calls.push(both),
                None => by_ends.push(((i, j), vec![both])),
            }
        }
        by_ends
            .into_iter()
            .flat_map(|((i, j), calls)| merged(calls).into_iter().map(move |b| (i, j, b)))
            .collect()
    }
}

/// Each failure domain's run, by name: the classes it re-walked and how they ended.
type FailedRuns<'a> = HashMap<String, HashMap<u32, &'a Disposition>>;

fn failed(a: &Analysis) -> FailedRuns<'_> {
    a.runs
        .iter()
        .filter_map(|run| match run.scenario {
            Scenario::Fail(d) => Some((
                a.domains[d].name.clone(),
                run.ends.iter().map(|(c, e)| (*c, e)).collect(),
            )),
            _ => None,
        })
        .collect()
}

/// One failure domain of both tables, as a change's failover moves compare it.
struct SharedFailure<'a> {
    name: &'a str,
    /// How the classes each table re-walked in it ended (old analysis, new analysis).
    old_ends: &'a HashMap<u32, &'a Disposition>,
    new_ends: &'a HashMap<u32, &'a Disposition>,
    /// The origins either table re-walked in it, by new-table index, sorted: only they can
    /// end elsewhere than normally.
    origins: Vec<u32>,
}

/// Each failure domain present in both tables, once per set of elements it takes down (a
/// declared domain and an element's own that take down the same elements are one scenario,
/// named by the first: declared domains come first), in the new analysis's order.
fn shared_failures<'a>(
    old: &Table,
    oa: &Analysis,
    new: &Table,
    na: &'a Analysis,
    runs: &'a (FailedRuns<'a>, FailedRuns<'a>),
    empty: &'a HashMap<u32, &'a Disposition>,
) -> Vec<SharedFailure<'a>> {
    let old_domains: HashSet<&str> = oa.domains.iter().map(|d| d.name.as_str()).collect();
    let mut seen: HashSet<&[Node]> = HashSet::new();
    let mut out = Vec::new();
    for d in na.domains.iter().filter(|d| old_domains.contains(d.name.as_str())) {
        if !seen.insert(&d.members) {
            continue;
        }
        let old_ends = runs.0.get(&d.name).unwrap_or(empty);
        let new_ends = runs.1.get(&d.name).unwrap_or(empty);
        let mut origins = na.origins_of(new_ends.keys().copied());
        for o in oa.origins_of(old_ends.keys().copied()) {
            if let Some(Element::Origin(i)) = new.lookup(&old.origins[o as usize].id) {
                origins.push(i);
            }
        }
        origins.sort_unstable();
        origins.dedup();
        out.push(SharedFailure {
            name: &d.name,
            old_ends,
            new_ends,
            origins,
        });
    }
    out
}

/// An origin whose calls end elsewhere after a change only when one failure domain is down:
/// its normal PSAP is the same in both tables, its PSAP in that failure is not.
#[derive(Debug, Clone)]
pub struct FailoverMove {
    /// The failure domain, by name (present in both tables).
    pub domain: String,
    /// Index in the new table.
    pub origin: u32,
    /// PSAP indices in the old and the new table in that failure (None: lost or looping).
    pub before: Option<u32>,
    pub after: Option<u32>,
}

/// Every failover move of a change, by domain name then origin. Only the classes a failure
/// re-walked in either table can differ from their normal walk, so only those are compared.
pub fn failover_moves(old: &Table, oa: &Analysis, new: &Table, na: &Analysis) -> Vec<FailoverMove> {
    let old_class = class_by_id(old, oa);
    let new_class = na.class_of_origins(new.origins.len());
    let (runs, empty) = ((failed(oa), failed(na)), HashMap::new());
    let mut out = Vec::new();
    for f in shared_failures(old, oa, new, na, &runs, &empty) {
        for &o in &f.origins {
            let Some(oc) = old_class.get(&new.origins[o as usize].id) else {
                continue;
            };
            let nc = new_class[o as usize];
            let (old_normal, new_normal) = (&oa.normal[oc as usize].end, &na.normal[nc as usize].end);
            if psap_of(old, old_normal) != psap_of(new, new_normal) {
                continue; // a normal move, reported as such
            }
            let before = f.old_ends.get(&oc).copied().unwrap_or(old_normal);
            let after = f.new_ends.get(&nc).copied().unwrap_or(new_normal);
            if psap_of(old, before) != psap_of(new, after) {
                out.push(FailoverMove {
                    domain: f.name.to_string(),
                    origin: o,
                    before: before.delivered_to(),
                    after: after.delivered_to(),
                });
            }
        }
    }
    out
}
