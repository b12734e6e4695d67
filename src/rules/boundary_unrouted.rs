use super::{Finding, Located, declare_rule};
use crate::model::BoundaryKind;

declare_rule! {
    /// ## What it does
    /// Reports a PSAP boundary in force whose `ServiceURI` is the `uri` of no PSAP in the
    /// table, or of a decommissioned one, with the located origins that only such boundaries
    /// hold.
    ///
    /// Judged only when every table file was read (a PSAP in a file that failed to parse is
    /// not missing).
    ///
    /// ## Why it matters
    /// The ECRF answers a location inside the boundary with its `ServiceURI`; if no PSAP of
    /// the routing answers at that URI, located calls from there go nowhere. This is what
    /// happens when a PSAP is renamed or consolidated in the routing table and the GIS layer
    /// is not updated with it.
    ///
    /// ## Example
    /// ```text
    /// ServiceURI sip:psap@old-county.co.us   # the PSAP's uri is now sip:psap@metro.co.us
    /// ```
    ///
    /// ## How to fix
    /// Set the boundary's `ServiceURI` to the `uri` of the PSAP that answers the area, or give
    /// that PSAP its `uri` in the table.
    pub struct BoundaryUnrouted { name: "boundary-unrouted", severity: Error }
}

impl BoundaryUnrouted {
    pub fn run(cx: &Located<'_>, out: &mut Vec<Finding>) {
        let unrouted: Vec<bool> = (0..cx.coverage.shapes.len() as u32)
            .map(|s| {
                let shape = &cx.coverage.shapes[s as usize];
                shape.in_force && shape.kind == BoundaryKind::Psap && cx.routed_psap(s).is_none() && !cx.no_service(s)
            })
            .collect();
        let mut held: Vec<Vec<u32>> = vec![Vec::new(); unrouted.len()];
        for (o, shapes, _) in cx.coverage.placement.iter() {
            if !shapes.is_empty() && shapes.iter().all(|&s| unrouted[s as usize]) {
                held[shapes[0] as usize].push(o);
            }
        }
        for (s, _) in unrouted.iter().enumerate().filter(|(_, u)| **u) {
            let at = cx.shape_ref(s as u32);
            let name = cx.feature_name(at);
            let uri = cx.feature(at).fields.service_uri.clone().unwrap_or_default();
            let why = match cx.coverage.shapes[s].psap {
                Some(p) => format!("names {}, which is decommissioned", cx.table.psaps[p as usize].id),
                None => "is the uri of no PSAP in the table".to_string(),
            };
            let origins = &held[s];
            let callers = if origins.is_empty() {
                String::new()
            } else {
                format!("; located calls from {} go nowhere", cx.origins_phrase(origins))
            };
            let message = format!(
                "PSAP boundary {name} sends located calls to {}, which {why}{callers}",
                crate::escape::short(&uri, 80)
            );
            out.push(cx.gis_finding(&Self::META, cx.place(at, None), message, vec![name], origins));
        }
    }
}
