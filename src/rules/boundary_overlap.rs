use super::mapped::{area, point};
use super::{Finding, Mapped, declare_rule};

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
    pub fn run(cx: &Mapped<'_>, out: &mut Vec<Finding>) {
        for o in &cx.coverage.overlaps {
            let (a, b) = (cx.shape_name(o.a), cx.shape_name(o.b));
            let (la, lb) = (cx.shape_label(o.a), cx.shape_label(o.b));
            let kind = cx.coverage.shapes[o.a as usize].kind.name();
            let message = format!(
                "{kind} boundaries {la} and {lb} both cover {} around {}: a located call there may reach either",
                area(o.area_m2),
                point(o.point)
            );
            let place = cx.place(cx.shape_ref(o.a), Some(o.point));
            out.push(cx.gis_finding(&Self::META, place, message, vec![a, b], &[]));
        }
    }
}
