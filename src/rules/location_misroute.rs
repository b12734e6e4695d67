use std::collections::BTreeMap;

use super::AtLastHop;
use super::{Finding, Located, RuleMeta, ScenarioLabel, declare_rule};
use crate::model::{OriginKind, PsapStatus};

declare_rule! {
    /// ## What it does
    /// Reports origins of a fixed kind (`esz`, `wireline`, `voip`, `text`, `other`) with a
    /// `location` whose calls are delivered, under normal conditions, to another PSAP than
    /// the one whose boundary holds the location. Grouped by (routed PSAP, boundary PSAP),
    /// with the origins and their population.
    ///
    /// An origin inside an overlap is held by each overlapping boundary (a misroute only when
    /// its PSAP is none of them); origins in a gap are listed by `boundary-gap`, origins held
    /// only by unrouted boundaries by `boundary-unrouted`, and a boundary whose PSAP is not
    /// active is not judged (its alternates answer there by design). An origin located only
    /// in areas with no responder (`ServiceURI` `urn:emergency:servicenotimplemented`) is
    /// reported when its calls are delivered to a PSAP all the same.
    ///
    /// ## Why it matters
    /// The routing table and the GIS layer are two statements of who answers a place. When
    /// they disagree for a fixed location, one of them is wrong, and a caller from there
    /// reaches a centre that does not dispatch for them and must be transferred.
    ///
    /// ## Example
    /// ```yaml
    /// origins:
    ///   esz-2101: { location: { lat: 39.74, lon: -104.99 }, ingress: [esrp-a] }
    ///   # esrp-a sends ESN 2101 to aurora-pd; the point is inside Denver's boundary
    /// ```
    ///
    /// ## How to fix
    /// Correct the routing rule (or the origin's ESN), or the boundary, whichever is wrong.
    pub struct LocationMisroute { name: "location-misroute", severity: Error }
}

impl LocationMisroute {
    pub(super) fn run(cx: &Located<'_>, out: &mut Vec<Finding>) {
        misroutes(cx, &Self::META, false, out);
    }
}

/// The misroute findings of fixed (`cell == false`) or cell-sector origins.
pub(super) fn misroutes(cx: &Located<'_>, meta: &'static RuleMeta, cell: bool, out: &mut Vec<Finding>) {
    let table = cx.table;
    let class_of = cx.analysis.class_of_origins(table.origins.len());
    // (routed PSAP, boundary PSAP) → origins
    let mut groups: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for (o, shapes, _) in cx.coverage.placement.iter() {
        let origin = &table.origins[o as usize];
        if (origin.kind == OriginKind::CellSector) != cell || shapes.is_empty() || class_of[o as usize] == u32::MAX {
            continue;
        }
        let Some(routed) = cx.analysis.normal[class_of[o as usize] as usize].delivered_to() else {
            continue;
        };
        // Shapes hold a handful of boundaries at most: no allocation per origin.
        let mut held = shapes.iter().filter_map(|&s| cx.routed_psap(s));
        let Some(first) = held.clone().next() else {
            // Only inside areas with no responder, yet delivered to a PSAP.
            if shapes.iter().all(|&s| cx.no_service(s)) {
                groups.entry((routed, NO_SERVICE)).or_default().push(o);
            }
            continue;
        };
        let judged = held
            .clone()
            .all(|p| table.psaps[p as usize].status == PsapStatus::Active);
        if !judged || held.any(|p| p == routed) {
            continue;
        }
        groups.entry((routed, first)).or_default().push(o);
    }
    for ((routed, boundary), origins) in groups {
        let r = &table.psaps[routed as usize];
        let first = &table.origins[origins[0] as usize];
        if boundary == NO_SERVICE {
            out.push(no_service_finding(cx, meta, cell, r, &origins));
            continue;
        }
        let b = &table.psaps[boundary as usize];
        let message = if cell {
            format!(
                "calls from {} are delivered to {} by sector routing, but their sectors' locations are inside {}'s boundary: location-based routing will send them to {}",
                cx.origins_phrase(&origins),
                r.id,
                b.id,
                b.id
            )
        } else {
            format!(
                "calls from {} are delivered to {}, but their locations are inside {}'s boundary",
                cx.origins_phrase(&origins),
                r.id,
                b.id
            )
        };
        // Where to fix: the rule, default or alternate that sends the calls.
        let class = class_of[origins[0] as usize] as usize;
        let f = cx
            .finding(meta, first.loc, message, vec![r.id.clone(), b.id.clone()], &origins)
            .at_last_hop(table, &cx.analysis.normal[class].hops, first.loc);
        out.push(
            f.scenario(ScenarioLabel::Normal)
                .related(first.loc, format!("{} is located inside {}'s boundary", first.id, b.id))
                .related(b.loc, format!("{} is declared here", b.id)),
        );
    }
}

/// The group key of origins located only in areas with no responder.
const NO_SERVICE: u32 = u32::MAX;

/// Origins delivered to a PSAP although their locations are in an area whose boundary says
/// `urn:emergency:servicenotimplemented`: location-based routing answers "no service" there.
fn no_service_finding(
    cx: &Located<'_>,
    meta: &'static RuleMeta,
    cell: bool,
    r: &crate::model::Psap,
    origins: &[u32],
) -> Finding {
    let table = cx.table;
    let first = &table.origins[origins[0] as usize];
    let area = cx
        .coverage
        .placement
        .iter()
        .find(|(o, _, _)| *o == origins[0])
        .and_then(|(_, shapes, _)| shapes.first().copied())
        .map(|s| cx.shape_name(s))
        .unwrap_or_default();
    let by = if cell { " by sector routing" } else { "" };
    let message = format!(
        "calls from {} are delivered to {}{by}, but their locations are inside {area}, an area whose boundary says {} (no responder there)",
        cx.origins_phrase(origins),
        r.id,
        crate::model::NO_SERVICE_URI
    );
    let class_of = cx.analysis.class_of_origins(table.origins.len());
    let class = class_of[origins[0] as usize] as usize;
    cx.finding(meta, first.loc, message, vec![r.id.clone(), area.clone()], origins)
        .at_last_hop(table, &cx.analysis.normal[class].hops, first.loc)
        .scenario(ScenarioLabel::Normal)
        .related(first.loc, format!("{} is located inside {area}", first.id))
}
