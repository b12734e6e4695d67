use std::collections::BTreeMap;

use super::{Finding, Routed, ScenarioLabel, declare_rule};
use crate::analysis::Scenario;
use crate::engine::{Disposition, LostReason, describe_loss};
use crate::model::Node;

declare_rule! {
    /// ## What it does
    /// Plays every single failure (N-1): each declared failure domain, and each router and
    /// PSAP on its own, down by itself. Reports every failure that leaves some origin whose
    /// calls are delivered today with no way to a PSAP, listing those origins and their
    /// population. A declared domain that takes down exactly the same elements as a router's
    /// or PSAP's own is one finding naming both.
    ///
    /// ## Why it matters
    /// In August 2018 a routine change at one routing facility stopped 911 in six states for
    /// 65 minutes: carriers homed only on that facility lost service, those load-balanced
    /// across both did not. A single point of failure is invisible until the day it fails.
    ///
    /// ## Example
    /// ```yaml
    /// origins:
    ///   cs-4471-a:
    ///     kind: cell_sector
    ///     ingress: [esrp-den]          # homed on one router only
    /// ```
    ///
    /// ## How to fix
    /// Home the origins on routers in different failure domains (`ingress: [esrp-den,
    /// esrp-cos]`), give routers a `mate` in another facility, and give PSAPs an `alternate`.
    pub struct SinglePointOfFailure { name: "single-point-of-failure", severity: Error }
}

/// Domains with the same members, the origins they cut off, and one loss in words.
/// Domains with the same members, the origins they cut off, one loss in words, and whether
/// every loss is at the origin (homed only on what failed).
type Group = (Vec<usize>, Vec<u32>, String, bool, Vec<u32>);

impl SinglePointOfFailure {
    pub(super) fn run(cx: &Routed<'_>, out: &mut Vec<Finding>) {
        let a = cx.analysis;
        // members → (domains with exactly those members, origins lost, an example loss)
        let mut groups: BTreeMap<&[Node], Group> = BTreeMap::new();
        for run in &a.runs {
            let Scenario::Fail(d) = run.scenario else { continue };
            let mut lost: Vec<u32> = Vec::new();
            let mut classes: Vec<u32> = Vec::new();
            let mut example = String::new();
            let mut at_ingress = true;
            for (c, end) in &run.ends {
                if a.normal[*c as usize].delivered_to().is_none() {
                    continue; // already lost normally: reported by black-hole
                }
                // A failure that makes calls loop cuts them off too (SPEC §2).
                let why = match end {
                    // A BusyAction rejects calls by design of its rule: black-hole names it. A
                    // policy the store lacks is policy-missing's, at what names it, whatever
                    // failed to send the call there (one mistake, one finding).
                    Disposition::Lost {
                        reason: LostReason::Busy { .. } | LostReason::NoPolicy { .. },
                        ..
                    } => continue,
                    Disposition::Lost { at, reason } => describe_loss(cx.table, *at, reason, a.max_hops),
                    Disposition::Looped { .. } => "in a routing loop".to_string(),
                    Disposition::Delivered { .. } => continue,
                };
                at_ingress &= matches!(
                    end,
                    Disposition::Lost {
                        reason: LostReason::IngressDown,
                        ..
                    }
                );
                if example.is_empty() {
                    example = why;
                }
                lost.extend(a.classes[*c as usize].origins.iter());
                classes.push(*c);
            }
            if lost.is_empty() {
                continue;
            }
            let entry = groups
                .entry(&a.domains[d].members)
                .or_insert((vec![], vec![], example, at_ingress, vec![]));
            entry.0.push(d);
            entry.1.extend(lost);
            entry.4.extend(classes);
        }
        for (_, (domains, mut origins, example, at_ingress, classes)) in groups {
            origins.sort_unstable();
            origins.dedup();
            let names: Vec<String> = domains.iter().map(|&d| a.domains[d].name.clone()).collect();
            let first = &a.domains[domains[0]];
            let loc = match first.declared {
                Some(i) => cx.table.domains[i as usize].loc,
                None => cx.table.node_loc(first.members[0]),
            };
            let who = if names.len() == 1 {
                names[0].clone()
            } else {
                format!("{} (the same elements as {})", names[0], names[1..].join(", "))
            };
            let message = format!(
                "if {who} fails, calls from {}{} reach no PSAP (lost {example})",
                cx.origins_phrase(&origins),
                cx.calls_phrase(classes)
            );
            let scenario = ScenarioLabel::Fail(names[0].clone());
            let ingress = |o: u32| cx.table.origins[o as usize].ingress.first().map(|l| l.loc);
            let f = match (at_ingress, ingress(origins[0])) {
                // Origins homed only on what failed: the fix is their `ingress` line.
                (true, Some(first)) => {
                    let mut f = cx.finding(&Self::META, first, message, names, &origins);
                    for &o in origins.iter().skip(1).take(20) {
                        if let Some(l) = ingress(o) {
                            f = f.related(l, format!("{} is homed the same way", cx.table.origins[o as usize].id));
                        }
                    }
                    f.related(loc, format!("{who} is declared here"))
                }
                _ => cx.finding(&Self::META, loc, message, names, &origins),
            };
            out.push(f.scenario(scenario));
        }
    }
}
