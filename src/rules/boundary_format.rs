use super::{Context, Finding, declare_rule};
use crate::model::Place;

declare_rule! {
    /// ## What it does
    /// Reports a boundary layer that cannot be read or used: a missing file or layer, a file
    /// that is not what its extension says, geometries that are not polygons, a coordinate
    /// system psapguard cannot read or reproject (named as the file names it), or a layer
    /// without the NENA fields its kind requires (`DiscrpAgID`, `DateUpdate`, `NGUID`, and for
    /// service boundaries `Agency_ID`, `ServiceURI`, `ServiceURN`, `AVcard_URI`, `DsplayName`).
    /// WGS84 and NAD83 longitude/latitude (HARN and 2011 too, as GDAL or ArcGIS spells them)
    /// are read as they are; state plane (feet or metres), UTM and Web Mercator layers, given
    /// by EPSG code or by a `.prj`'s parameters, are reprojected. A GeoPackage layer name
    /// matches without regard to case; a near miss gets "did you mean".
    ///
    /// ## Why it matters
    /// The ECRF routes located calls with these layers. A layer it cannot read routes
    /// nothing, and every check of the boundaries would be silent about it. The layer is
    /// left out of the boundary checks; the routing checks still run.
    ///
    /// ## Example
    /// ```yaml
    /// boundaries:
    ///   - { file: gis/counties.geojson, kind: psap }   # only `name` and `fips` fields
    /// ```
    ///
    /// ## How to fix
    /// Export the layer from the NENA template (or fill the NENA fields), in EPSG:4326 or the
    /// office's state plane zone, as a GeoPackage, GeoJSON or shapefile, and name the layer
    /// of a GeoPackage with `layer:`.
    pub struct BoundaryFormat { name: "boundary-format", severity: Error }
}

impl BoundaryFormat {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        for b in &cx.table.boundaries {
            let Err(why) = &b.read else { continue };
            let layer = b
                .layer
                .as_deref()
                .map(|l| format!(" layer `{}`", crate::escape::short(l, 60)))
                .unwrap_or_default();
            let message = format!("the {} boundary layer {}{layer} {why}", b.kind.name(), b.shown);
            let mut entities = vec![b.shown.clone()];
            entities.extend(b.layer.clone());
            let mut f = cx.finding(&Self::META, b.loc, message, entities, &[]);
            f.location = None;
            f.place = Some(Place {
                file: b.shown.clone(),
                layer: b.layer.clone(),
                feature: None,
                point: None,
            });
            out.push(f.related(b.loc, "the layer is declared here"));
        }
    }
}
