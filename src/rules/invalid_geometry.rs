use super::{Finding, Mapped, declare_rule};
use crate::coverage::validity::shown;

declare_rule! {
    /// ## What it does
    /// Reports a boundary polygon that is not valid by the OGC simple-features rules: a ring
    /// that crosses or touches itself, rings that cross each other, a ring with fewer than 4
    /// points, a ring that is not closed, a coordinate that is not a number or not on the
    /// globe, or a feature with no geometry at all (NULL or empty). The message gives the
    /// coordinates (longitude, latitude) of the problem.
    ///
    /// ## Why it matters
    /// An ECRF's point-in-polygon test on an invalid polygon answers differently from one
    /// product to the next: a location near the crossing may reach no PSAP, or the wrong
    /// one. The polygon is reported once, then repaired the "make valid" way for the gap
    /// and overlap checks, so one bad ring does not become a dozen findings.
    ///
    /// ## Example
    /// ```text
    /// a ring drawn as a bow-tie: (0 0, 1 1, 1 0, 0 1, 0 0) crosses itself at (0.5 0.5)
    /// ```
    ///
    /// ## How to fix
    /// Repair the polygon in the GIS editor (QGIS: Fix Geometries; ArcGIS: Repair Geometry)
    /// and check the border against its neighbours.
    pub struct InvalidGeometry { name: "invalid-geometry", severity: Error }
}

impl InvalidGeometry {
    pub(super) fn run(cx: &Mapped<'_>, out: &mut Vec<Finding>) {
        for invalid in &cx.coverage.invalid {
            let at = cx.shape_ref(invalid.shape);
            let name = cx.feature_name(at);
            let Some(first) = invalid.problems.first() else {
                let message = format!(
                    "boundary feature {} has no geometry (it is NULL or empty): it covers no area",
                    cx.shape_label(invalid.shape)
                );
                out.push(cx.gis_finding(&Self::META, cx.place(at, None), message, vec![name], &[]));
                continue;
            };
            let mut said: Vec<String> = invalid
                .problems
                .iter()
                .take(3)
                .map(|p| format!("{} at {}", p.message, shown(p.point)))
                .collect();
            if invalid.problems.len() > 3 {
                said.push(format!("{} more", invalid.problems.len() - 3));
            }
            let message = format!(
                "boundary feature {} is not a valid polygon: {}",
                cx.shape_label(invalid.shape),
                said.join("; ")
            );
            let place = cx.place(at, Some(first.point));
            out.push(cx.gis_finding(&Self::META, place, message, vec![name], &[]));
        }
    }
}
