use super::{Finding, Located, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports `cell_sector` origins with a `location` (the sector's centroid) whose calls
    /// sector routing delivers, under normal conditions, to another PSAP than the one whose
    /// boundary holds the location. Grouped by (routed PSAP, boundary PSAP), like
    /// `location-misroute`.
    ///
    /// ## Why it matters
    /// A sector's coverage crosses borders, so routing by sector is an approximation, and a
    /// difference is not an error. But since the FCC's 2024 location-based routing order,
    /// calls with a device location are routed by the boundary: these are the callers whose
    /// PSAP will change when location-based routing takes over, and the centres that should
    /// know it.
    ///
    /// ## Example
    /// ```yaml
    /// origins:
    ///   sector-4471-2: { kind: cell_sector, location: { lat: 39.80, lon: -105.05 }, ingress: [esrp-a] }
    ///   # sector routing: adams-psap; the centroid is inside Jefferson's boundary
    /// ```
    ///
    /// ## How to fix
    /// Nothing to fix if the sector really serves both sides; otherwise route the sector to
    /// the PSAP of the area it mostly covers, and tell both centres about the change.
    pub struct SectorMisroute { name: "sector-misroute", severity: Warning }
}

impl SectorMisroute {
    pub(super) fn run(cx: &Located<'_>, out: &mut Vec<Finding>) {
        super::location_misroute::misroutes(cx, &Self::META, true, out);
    }
}
