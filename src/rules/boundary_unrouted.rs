use super::{Finding, Located, declare_rule};
use crate::model::BoundaryKind;

declare_rule! {
    /// ## What it does
    /// Reports a PSAP boundary in force whose `ServiceURI` is the `uri` of no PSAP in the
    /// table, or of a decommissioned one, with the located origins that only such boundaries
    /// hold. A `ServiceURI` near the `uri` of an active PSAP that no boundary in force names is
    /// taken for a typo of it: the message says which PSAP was meant ("did you mean"), and that
    /// PSAP is not reported again by `psap-without-boundary`. `ServiceURI` and `uri` compare as
    /// SIP URIs: scheme and host case-insensitive, the user part exact (RFC 3261).
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
    pub(super) fn run(cx: &Located<'_>, out: &mut Vec<Finding>) {
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
        let typos = cx.uri_typos();
        for (s, _) in unrouted.iter().enumerate().filter(|(_, u)| **u) {
            let at = cx.shape_ref(s as u32);
            let name = cx.feature_name(at);
            let uri = cx.feature(at).fields.service_uri.clone().unwrap_or_default();
            let why = match cx.coverage.shapes[s].psap {
                Some(p) => format!("names {}, which is decommissioned", cx.table.psaps[p as usize].id),
                None => match typos.iter().find(|(t, _)| *t == s as u32) {
                    // One typo, one finding: the PSAP it was meant for is named here, and
                    // not reported again as without a boundary.
                    Some(&(_, p)) => {
                        let psap = &cx.table.psaps[p as usize];
                        format!(
                            "is the uri of no PSAP in the table (did you mean `{}`, the uri of {}, which no boundary names?)",
                            crate::escape::short(psap.uri.as_deref().unwrap_or(""), 80),
                            psap.id
                        )
                    }
                    None => "is the uri of no PSAP in the table".to_string(),
                },
            };
            let origins = &held[s];
            let callers = if origins.is_empty() {
                String::new()
            } else {
                format!("; located calls from {} go nowhere", cx.origins_phrase(origins))
            };
            let message = format!(
                "PSAP boundary {} sends located calls to {}, which {why}{callers}",
                cx.shape_label(s as u32),
                crate::escape::short(&uri, 80)
            );
            out.push(cx.gis_finding(&Self::META, cx.place(at, None), message, vec![name], origins));
        }
    }
}
