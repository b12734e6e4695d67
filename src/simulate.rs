//! What-if analysis: what a set of failures (and busy PSAPs) takes down, and which single
//! failure hurts most. Built on the same walks as `check` (only touched routes re-walked).

use crate::capacity::{Load, Loads, Standard};
use std::collections::BTreeMap;

use crate::analysis::{Analysis, FailureDomain, Scenario};
use crate::engine::{Disposition, Trace};
use crate::error::Error;
use crate::model::{Node, Table};

/// The effect of one what-if against normal conditions.
#[derive(Debug, Default)]
pub struct Simulation {
    /// "fail:X + busy:Y".
    pub scenario: String,
    /// Origins delivered normally whose calls are lost (or loop) in the what-if.
    pub lost: Vec<u32>,
    /// Origins still delivered, but to another PSAP: (origin, before, after).
    pub moved: Vec<(u32, u32, u32)>,
    /// Origins lost normally already (not counted as lost by the what-if).
    pub already_lost: usize,
    /// PSAPs with `positions` that receive extra calls: their busy hour before and after.
    pub capacity: Vec<CapacityChange>,
}

/// A PSAP's busy hour before and after a what-if.
#[derive(Debug, Clone)]
pub struct CapacityChange {
    pub psap: u32,
    pub positions: u32,
    pub before: Load,
    pub after: Load,
    /// Whether it meets the answering standard after.
    pub meets: bool,
}

impl Simulation {
    /// PSAPs that receive calls they did not before: psap → origins.
    pub fn extra_traffic(&self) -> BTreeMap<u32, Vec<u32>> {
        let mut out: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &(o, _, after) in &self.moved {
            out.entry(after).or_default().push(o);
        }
        out
    }
}

/// A what-if: what is down and which PSAPs are busy, as resolved from the ids given.
#[derive(Debug, Clone, Default)]
pub struct WhatIf {
    /// "fail:X + busy:Y", or "normal".
    pub label: String,
    pub down: Vec<Node>,
    pub busy: Vec<u32>,
}

impl WhatIf {
    /// The busy PSAP of each play: the engine models one busy PSAP per walk, so several busy
    /// PSAPs are played one at a time on top of the failures.
    pub fn plays(&self) -> Vec<Option<u32>> {
        if self.busy.is_empty() {
            vec![None]
        } else {
            self.busy.iter().copied().map(Some).collect()
        }
    }
}

/// Resolves failure ids (declared domains, routers, PSAPs) and busy PSAP ids; an unknown one
/// gets a "did you mean".
pub fn resolve(table: &Table, domains: &[FailureDomain], fail: &[String], busy: &[String]) -> Result<WhatIf, Error> {
    let mut down = Vec::new();
    for id in fail {
        let domain = domains.iter().find(|d| d.name == *id).ok_or_else(|| {
            unknown(
                domains.iter().map(|d| d.name.as_str()),
                id,
                "failure domain, router or PSAP",
            )
        })?;
        down.extend(domain.members.iter().copied());
    }
    down.sort_unstable();
    down.dedup();
    let mut busy_psaps = Vec::new();
    for id in busy {
        match table.lookup(id) {
            Some(crate::model::Element::Psap(p)) => busy_psaps.push(p),
            _ => return Err(unknown(table.psaps.iter().map(|p| p.id.as_str()), id, "PSAP")),
        }
    }
    let mut parts: Vec<String> = fail.iter().map(|f| format!("fail:{f}")).collect();
    parts.extend(busy.iter().map(|b| format!("busy:{b}")));
    let label = if parts.is_empty() {
        "normal".to_string()
    } else {
        parts.join(" + ")
    };
    Ok(WhatIf {
        label,
        down,
        busy: busy_psaps,
    })
}

/// "there is no PSAP `x`; did you mean `y`?".
pub fn unknown<'a>(candidates: impl Iterator<Item = &'a str>, id: &str, what: &str) -> Error {
    let hint = crate::suggest::hint(id, candidates);
    Error::Usage(format!("there is no {what} `{id}`{hint}"))
}

/// Plays the what-if against normal conditions; an origin counts as lost if any play (see
/// [`WhatIf::plays`]) loses it.
pub fn simulate(
    walker: &crate::engine::Walker<'_>,
    analysis: &Analysis,
    fail: &[String],
    busy: &[String],
    standard: Standard,
) -> Result<Simulation, Error> {
    let table = walker.table;
    let what_if = resolve(table, &analysis.domains, fail, busy)?;
    let plays: Vec<Vec<(u32, Trace)>> = what_if
        .plays()
        .into_iter()
        .map(|b| analysis.what_if(walker, &what_if.down, b))
        .collect();
    let mut outcome: BTreeMap<u32, Option<u32>> = BTreeMap::new(); // class → delivered PSAP
    for play in &plays {
        for (c, t) in play {
            let now = t.delivered_to();
            let e = outcome.entry(*c).or_insert(now);
            if now.is_none() {
                *e = None;
            }
        }
    }
    let mut sim = Simulation {
        scenario: what_if.label,
        ..Simulation::default()
    };
    sim.already_lost = analysis
        .normal
        .iter()
        .enumerate()
        .filter(|(_, t)| t.delivered_to().is_none())
        .map(|(c, _)| analysis.classes[c].origins.len())
        .sum();
    for (&c, &after) in &outcome {
        let Some(before) = analysis.normal[c as usize].delivered_to() else {
            continue;
        };
        for &o in analysis.classes[c as usize].origins.iter() {
            match after {
                None => sim.lost.push(o),
                Some(a) if a != before => sim.moved.push((o, before, a)),
                Some(_) => {}
            }
        }
    }
    let loads = Loads::new(table, analysis, standard);
    for (p, (calls, arriving)) in loads.shifted(analysis, outcome.iter().map(|(&c, &now)| (c, now))) {
        let (Some(before), Some(after)) = (loads.load(p, loads.normal[p as usize]), loads.load(p, calls)) else {
            continue;
        };
        if arriving.is_empty() {
            continue;
        }
        sim.capacity.push(CapacityChange {
            psap: p,
            positions: table.psaps[p as usize].positions.unwrap_or(0),
            before,
            after,
            meets: after.meets(&standard),
        });
    }
    sim.lost.sort_unstable();
    sim.moved.sort_unstable();
    Ok(sim)
}

/// One failure domain's N-1 impact.
#[derive(Debug)]
pub struct DomainImpact {
    pub domain: usize,
    /// Other domains that take down exactly the same elements (one row names them all).
    pub same_as: Vec<usize>,
    pub lost: Vec<u32>,
    pub population: u64,
    /// PSAPs that meet the answering standard normally and not in this failure.
    pub below_standard: Vec<u32>,
}

/// Every failure domain ranked by the population it cuts off (then by name).
pub fn all_single(table: &Table, analysis: &Analysis, standard: Standard) -> Vec<DomainImpact> {
    let mut below: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for shift in Loads::new(table, analysis, standard).failure_shifts(analysis) {
        if shift.before.meets(&standard) && !shift.after.meets(&standard) {
            below.entry(shift.domain).or_default().push(shift.psap);
        }
    }
    let out: Vec<DomainImpact> = analysis
        .runs
        .iter()
        .filter_map(|run| {
            let Scenario::Fail(d) = run.scenario else { return None };
            let mut lost: Vec<u32> = run
                .ends
                .iter()
                .filter(|(c, end)| {
                    analysis.normal[*c as usize].delivered_to().is_some()
                        && !matches!(end, Disposition::Delivered { .. })
                })
                .flat_map(|(c, _)| analysis.classes[*c as usize].origins.iter().copied())
                .collect();
            lost.sort_unstable();
            let population = lost.iter().map(|&o| table.population(o)).sum();
            Some(DomainImpact {
                domain: d,
                same_as: Vec::new(),
                lost,
                population,
                below_standard: below.get(&d).cloned().unwrap_or_default(),
            })
        })
        .filter(|i| !i.lost.is_empty() || !i.below_standard.is_empty())
        .collect();
    // A declared domain equal to a router's or PSAP's own is one risk, not two rows; declared
    // domains come first, so they name the row.
    let mut merged: Vec<DomainImpact> = Vec::with_capacity(out.len());
    for imp in out {
        match merged
            .iter_mut()
            .find(|m| analysis.domains[m.domain].members == analysis.domains[imp.domain].members)
        {
            Some(m) => m.same_as.push(imp.domain),
            None => merged.push(imp),
        }
    }
    let mut out = merged;
    out.sort_by(|a, b| {
        b.population
            .cmp(&a.population)
            .then(b.lost.len().cmp(&a.lost.len()))
            .then(analysis.domains[a.domain].name.cmp(&analysis.domains[b.domain].name))
    });
    out
}

/// One origin's calls in a what-if (`trace`): a walk per play, and where its location falls.
#[derive(Debug)]
pub struct Traced {
    pub origin: u32,
    /// "fail:X + busy:Y", or "normal".
    pub label: String,
    pub traces: Vec<Trace>,
    /// Per trace, the calls it is for when policies tell calls apart (SPEC §9: the kind of
    /// call, the time slice); empty when it is every call.
    pub calls: Vec<String>,
    /// The PSAP boundaries in force that hold the origin's location (SPEC §7); None when it
    /// has no location or the table no boundary layer.
    pub location: Option<Located>,
}

/// Where a located origin falls in the boundary layers.
#[derive(Debug)]
pub struct Located {
    /// [lon, lat].
    pub point: [f64; 2],
    pub held_by: Vec<HeldBy>,
}

/// A boundary feature in force that holds a point, joined to the table by `ServiceURI`.
#[derive(Debug)]
pub struct HeldBy {
    /// The feature's name (NGUID or its row).
    pub feature: String,
    /// The layer's file as shown, and its layer name.
    pub file: String,
    pub layer: Option<String>,
    pub service_uri: Option<String>,
    /// The PSAP whose `uri` is the feature's `ServiceURI`.
    pub psap: Option<u32>,
}

/// Walks one origin's calls through a what-if (the same engine `check` uses) and joins its
/// location to the boundary layers in force on `today`.
pub fn trace(
    table: &Table,
    origin_id: &str,
    fail: &[String],
    busy: &[String],
    max_hops: usize,
    today: &str,
) -> Result<Traced, Error> {
    let Some(crate::model::Element::Origin(origin)) = table.lookup(origin_id) else {
        let ids = table.origins.iter().map(|o| &*o.id);
        return Err(unknown(ids, origin_id, "origin"));
    };
    let o = &table.origins[origin as usize];
    let domains = crate::analysis::failure_domains(table);
    let what_if = resolve(table, &domains, fail, busy)?;
    let location = locate(table, o, today);
    // Routing by policies asks the ECRF: this origin's answers, read from its own location.
    let net = (!table.policy_sources.is_empty()).then(|| {
        let mut answers = crate::engine::Answers::default();
        for _ in 0..origin {
            answers.push(std::iter::empty());
        }
        let held = location.iter().flat_map(|l| &l.held_by);
        answers.push(
            held.filter_map(|h| Some((crate::model::BoundaryKind::Psap, h.service_uri.as_deref()?)))
                .filter(|(_, uri)| !crate::model::is_no_service(Some(uri))),
        );
        crate::engine::PolicyNet::new(table, today, answers)
    });
    let walker = crate::engine::Walker {
        table,
        net: net.as_ref(),
        max_hops,
        record: true,
    };
    let base = crate::engine::Branch {
        facts: net.as_ref().map(|n| n.base_facts(o.kind)).unwrap_or_default(),
        ..Default::default()
    };
    let (mut traces, mut calls) = (Vec::new(), Vec::new());
    for busy in what_if.plays() {
        let cond = crate::engine::Conditions::with(table, &what_if.down, busy);
        for (branch, trace) in walker.branches(origin, &cond, &base, None) {
            calls.push(net.as_ref().map(|n| n.branch_words(&branch, &base)).unwrap_or_default());
            traces.push(trace);
        }
    }
    Ok(Traced {
        origin,
        label: what_if.label,
        traces,
        calls,
        location,
    })
}

/// Which PSAP boundaries in force hold a located origin (read straight from the layers: one
/// origin's trace builds no coverage).
fn locate(table: &Table, origin: &crate::model::Origin, today: &str) -> Option<Located> {
    let at = origin.location.get()?;
    if table.boundaries.is_empty() {
        return None;
    }
    let uris = crate::model::UriIndex::new(table);
    let held_by = crate::coverage::boundaries_holding(table, today, at.lon, at.lat)
        .into_iter()
        .filter_map(|r| {
            let b = &table.boundaries[r.boundary as usize];
            let f = &b.read.as_ref().ok()?[r.feature as usize];
            Some(HeldBy {
                feature: f.name().to_string(),
                file: b.shown.clone(),
                layer: b.layer.clone(),
                service_uri: f.fields.service_uri.clone(),
                psap: uris.psap(f.fields.service_uri.as_deref()),
            })
        })
        .collect();
    Some(Located {
        point: [at.lon, at.lat],
        held_by,
    })
}
