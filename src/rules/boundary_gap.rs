use super::mapped::{area, point};
use super::{Finding, Mapped, declare_rule};
use crate::model::{BoundaryKind, Place};

declare_rule! {
    /// ## What it does
    /// Reports an area that no PSAP boundary in force covers: inside the provisioning
    /// boundary when the table names one, else a hole the PSAP boundaries enclose. One
    /// finding per connected gap larger than the sliver tolerance (`gis.sliver_m2`), with its
    /// area, a point inside it, the boundaries around it, and the located origins in it.
    ///
    /// ## Why it matters
    /// A located call from inside a gap matches no PSAP boundary: the ECRF has no answer and
    /// the call falls to a default route, if there is one. Gaps appear when one authority
    /// moves a border and its neighbour does not, or when a boundary expires before its
    /// replacement is in force.
    ///
    /// ## Example
    /// ```text
    /// 4.1 km² around (39.7010, -105.0920) between Jefferson-PSAP and Denver-PSAP
    /// ```
    ///
    /// ## How to fix
    /// Extend the neighbouring boundary over the area, or make the replacement boundary's
    /// `Effective` date no later than the old one's `Expire`.
    pub struct BoundaryGap { name: "boundary-gap", severity: Error }
}

impl BoundaryGap {
    pub(super) fn run(cx: &Mapped<'_>, out: &mut Vec<Finding>) {
        let provisioned = cx.coverage.in_force(BoundaryKind::Provisioning).next().is_some();
        // The located origins in each gap, in one pass over the origins.
        let mut in_gap: Vec<Vec<u32>> = vec![Vec::new(); cx.coverage.gaps.len()];
        for (o, _, gap) in cx.coverage.placement.iter() {
            if let Some(g) = gap {
                in_gap[g as usize].push(o);
            }
        }
        for (gap, origins) in cx.coverage.gaps.iter().zip(in_gap) {
            let names: Vec<String> = gap.neighbours.iter().map(|&s| cx.shape_name(s)).collect();
            let labels: Vec<String> = gap.neighbours.iter().map(|&s| cx.shape_label(s)).collect();
            let within = if provisioned {
                "inside the provisioning boundary"
            } else {
                "enclosed by the PSAP boundaries"
            };
            let around = if labels.is_empty() {
                String::new()
            } else {
                format!(", between {}", labels.join(", "))
            };
            // The root cause, where a PSAP boundary out of force today covered the gap.
            let cause = lapsed_over(cx, gap.point)
                .map(|(s, why)| format!("; {} covered it and {why}", cx.shape_label(s)))
                .unwrap_or_default();
            let callers = if origins.is_empty() {
                String::new()
            } else {
                format!(
                    "; located calls from {} there reach no PSAP",
                    cx.origins_phrase(&origins)
                )
            };
            let message = format!(
                "{} {within} is covered by no PSAP boundary in force, around {}{around}{cause}{callers}",
                area(gap.area_m2),
                point(gap.point)
            );
            let place = match gap.neighbours.first() {
                Some(&s) => cx.place(cx.shape_ref(s), Some(gap.point)),
                None => provisioning_place(cx, gap.point),
            };
            out.push(cx.gis_finding(&Self::META, place, message, names, &origins));
        }
    }
}

/// The first PSAP boundary out of force today (expired, or not yet in force) that holds the
/// point, with why it is out of force.
fn lapsed_over(cx: &Mapped<'_>, at: [f64; 2]) -> Option<(u32, String)> {
    use geo::Contains;
    let p = geo::Point::new(at[0], at[1]);
    cx.coverage
        .shapes
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.in_force && s.kind == BoundaryKind::Psap)
        .filter(|(_, s)| s.bbox.is_some_and(|b| b.contains(&p)) && s.geometry.contains(&p))
        .find_map(|(i, _)| Some((i as u32, cx.out_of_force(i as u32)?)))
}

/// A gap no PSAP boundary touches points at the provisioning layer.
fn provisioning_place(cx: &Mapped<'_>, at: [f64; 2]) -> Place {
    let b = cx
        .table
        .boundaries
        .iter()
        .find(|b| b.kind == BoundaryKind::Provisioning)
        .unwrap_or(&cx.table.boundaries[0]);
    Place {
        file: b.shown.clone(),
        layer: b.layer.clone(),
        feature: None,
        point: Some(at),
    }
}
