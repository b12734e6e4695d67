use super::{Finding, Located, declare_rule};
use crate::model::{BoundaryKind, PsapStatus};

declare_rule! {
    /// ## What it does
    /// Reports an active PSAP with a `uri` that no PSAP boundary in force names in its
    /// `ServiceURI`, when the table has a PSAP boundary layer. A PSAP whose only boundary has
    /// expired, or whose replacement is not yet in force, is reported too, and the message
    /// names that boundary and the day. A PSAP whose `uri` a boundary misspells is reported
    /// once, by `boundary-unrouted` ("did you mean").
    ///
    /// Judged only when every table file was read (a PSAP in a file that failed to parse is
    /// not missing).
    ///
    /// ## Why it matters
    /// Location-based routing can only reach a PSAP through its boundary. A centre without
    /// one receives no located calls: its area's wireless callers are answered elsewhere, or
    /// its boundary carries another PSAP's URI.
    ///
    /// ## Example
    /// ```yaml
    /// psaps:
    ///   aurora-pd: { uri: "sip:psap@aurora.co.us" }   # no boundary has this ServiceURI
    /// ```
    ///
    /// ## How to fix
    /// Give the PSAP's boundary its `uri` as `ServiceURI`, or remove the `uri` of a PSAP that
    /// only answers transferred calls.
    pub struct PsapWithoutBoundary { name: "psap-without-boundary", severity: Warning }
}

impl PsapWithoutBoundary {
    pub(super) fn run(cx: &Located<'_>, out: &mut Vec<Finding>) {
        // Only when the PSAP layers were all read: a layer that cannot be read has its own
        // finding, and would otherwise leave every PSAP without a boundary.
        let mut psap_layers = cx.table.boundaries.iter().filter(|b| b.kind == BoundaryKind::Psap);
        let all_read = cx
            .table
            .boundaries
            .iter()
            .filter(|b| matches!(b.kind, BoundaryKind::Psap | BoundaryKind::Service))
            .all(|b| b.read.is_ok());
        if psap_layers.next().is_none() || !all_read {
            return;
        }
        let mut named = vec![false; cx.table.psaps.len()];
        for shape in cx.coverage.in_force(BoundaryKind::Psap) {
            if let Some(p) = shape.psap {
                named[p as usize] = true;
            }
        }
        // A boundary whose ServiceURI is a typo of this PSAP's uri is reported once, by
        // boundary-unrouted with "did you mean".
        let typos = cx.uri_typos();
        for (p, psap) in cx.table.psaps.iter().enumerate() {
            let Some(uri) = &psap.uri else { continue };
            if named[p] || psap.status != PsapStatus::Active || cx.broken(&psap.id) {
                continue;
            }
            if typos.iter().any(|&(_, q)| q == p as u32) {
                continue;
            }
            // The root cause, where the PSAP's own boundary is out of force today.
            let lapsed = (0..cx.coverage.shapes.len() as u32)
                .filter(|&s| {
                    let shape = &cx.coverage.shapes[s as usize];
                    shape.kind == BoundaryKind::Psap && shape.psap == Some(p as u32)
                })
                .find_map(|s| Some(format!(" (its boundary {} {})", cx.shape_name(s), cx.out_of_force(s)?)))
                .unwrap_or_default();
            let message = format!(
                "active PSAP {} has the uri {uri}, which no PSAP boundary in force names{lapsed}: located calls never reach it",
                psap.id
            );
            out.push(cx.finding(&Self::META, psap.loc, message, vec![psap.id.clone()], &[]));
        }
    }
}
