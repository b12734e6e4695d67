use super::mapped::{area, point};
use super::{Finding, Mapped, declare_rule, thousands};

declare_rule! {
    /// ## What it does
    /// Reports two PSAP boundaries in force (or two police, fire or EMS boundaries) that share
    /// an area larger than the sliver tolerance (`gis.sliver_m2`, default 1,000 m²), with the
    /// shared area and a point inside it.
    ///
    /// ## Why it matters
    /// Inside an overlap the PSAP a located call reaches depends on which polygon the ECRF
    /// meets first: two centres each believe they answer there, or each believes the other
    /// does. Slivers under the tolerance are the rounding of shared borders, not findings.
    ///
    /// ## Example
    /// ```text
    /// Adams-County-PSAP and Denver-PSAP both cover 2.3 km² around (39.7841, -104.8834)
    /// ```
    ///
    /// ## How to fix
    /// Agree the border between the two authorities and snap both polygons to it.
    pub struct BoundaryOverlap { name: "boundary-overlap", severity: Error }
}

impl BoundaryOverlap {
    pub(super) fn run(cx: &Mapped<'_>, out: &mut Vec<Finding>) {
        for o in &cx.coverage.overlaps {
            let (a, b) = (cx.shape_name(o.a), cx.shape_name(o.b));
            let (la, lb) = (cx.shape_label(o.a), cx.shape_label(o.b));
            let kind = cx.coverage.shapes[o.a as usize].kind.name();
            let message = if o.also.is_empty() {
                format!(
                    "{kind} boundaries {la} and {lb} both cover {} around {}: a located call there may reach either",
                    area(o.area_m2),
                    point(o.point)
                )
            } else {
                format!(
                    "{} {kind} boundaries are the same polygon ({la}, {lb} and {} more), each covering {} around {}: a located call there may reach any of them",
                    thousands(o.also.len() as u64 + 2),
                    thousands(o.also.len() as u64),
                    area(o.area_m2),
                    point(o.point)
                )
            };
            let place = cx.place(cx.shape_ref(o.a), Some(o.point));
            let mut entities = vec![a, b];
            entities.extend(o.also.iter().map(|&s| cx.shape_name(s)));
            out.push(cx.gis_finding(&Self::META, place, message, entities, &[]));
        }
        if cx.coverage.overlaps_unexamined > 0
            && let Some(first) = cx.coverage.shapes.iter().position(|s| s.in_force && s.kind.exclusive())
        {
            let message = format!(
                "{} more pairs of boundaries whose extents meet were not compared: psapguard lists at most {} overlaps and compares at most 10,000 pairs plus 16 per boundary (fix the overlaps listed first, then check again)",
                thousands(cx.coverage.overlaps_unexamined as u64),
                thousands(crate::coverage::MAX_OVERLAPS as u64)
            );
            let place = cx.place(cx.shape_ref(first as u32), None);
            out.push(cx.gis_finding(&Self::META, place, message, Vec::new(), &[]));
        }
    }
}
