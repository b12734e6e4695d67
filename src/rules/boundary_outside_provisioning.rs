use super::mapped::{area, point};
use super::{Finding, Mapped, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a PSAP boundary in force that reaches outside the provisioning boundary by more
    /// than the sliver tolerance (`gis.sliver_m2`), with the area outside and a point in it.
    ///
    /// ## Why it matters
    /// The provisioning boundary is the area the 911 authority answers for. A PSAP boundary
    /// beyond it claims calls from a neighbouring authority's area: the two ECRFs disagree
    /// about who answers there.
    ///
    /// ## Example
    /// ```text
    /// Douglas-PSAP reaches 12.0 km² outside the provisioning boundary around (39.1300, -104.9)
    /// ```
    ///
    /// ## How to fix
    /// Clip the PSAP boundary to the provisioning boundary, or extend the provisioning
    /// boundary if the authority really serves the area.
    pub struct BoundaryOutsideProvisioning { name: "boundary-outside-provisioning", severity: Error }
}

impl BoundaryOutsideProvisioning {
    pub(super) fn run(cx: &Mapped<'_>, out: &mut Vec<Finding>) {
        for o in &cx.coverage.outside {
            let name = cx.shape_name(o.shape);
            let message = format!(
                "PSAP boundary {} reaches {} outside the provisioning boundary, around {}",
                cx.shape_label(o.shape),
                area(o.area_m2),
                point(o.point)
            );
            let place = cx.place(cx.shape_ref(o.shape), Some(o.point));
            out.push(cx.gis_finding(&Self::META, place, message, vec![name], &[]));
        }
    }
}
