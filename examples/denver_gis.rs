//! Writes the Denver example's NG9-1-1 GIS layers (`examples/denver/gis/denver.gpkg`): the
//! real 2017 Census county polygons of the seven metro counties as PSAP boundaries of the
//! county PSAPs, and their union as the provisioning boundary, in a GeoPackage laid out as
//! NENA's template and GDAL lay it out.
//!
//! ```sh
//! cargo run --release --example denver_gis -- data/us-counties-2017-10m.topo.json examples/denver/gis/denver.gpkg
//! ```
//!
//! It also prints, for each county, points inside it (for the example's origin locations).

#[path = "common/gis.rs"]
mod gis;

use geo::{Contains, InteriorPoint};

/// County FIPS → (PSAP id, NGUID prefix, agency domain).
const COUNTIES: [(&str, &str, &str); 7] = [
    ("08001", "adams-911", "adcom911.example.gov"),
    ("08005", "arapahoe-so", "arapahoegov.example.gov"),
    ("08013", "boulder-county", "bouldercounty.example.gov"),
    ("08014", "broomfield-pd", "broomfield.example.gov"),
    ("08031", "denver-911", "denvergov.example.gov"),
    ("08035", "douglas-so", "dcsheriff.example.gov"),
    ("08059", "jeffco-so", "jeffco.example.gov"),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [topo, out] = args.as_slice() else {
        eprintln!("usage: denver_gis TOPOJSON OUT.gpkg");
        std::process::exit(2);
    };
    let topology = gis::Topology::load(std::path::Path::new(topo));
    let counties = topology.areas("counties");
    let chosen: Vec<gis::Area> = COUNTIES
        .iter()
        .map(|(fips, _, _)| {
            counties
                .iter()
                .find(|c| c.fips == *fips)
                .expect("county in the TopoJSON")
                .cleaned()
        })
        .collect();
    let chosen: Vec<&gis::Area> = chosen.iter().collect();
    let mut features = Vec::new();
    for ((_, psap, agency), county) in COUNTIES.iter().zip(&chosen) {
        let nguid = format!("urn:emergency:uid:gis:psap:{}:{agency}", county.fips);
        let uri = format!("sip:{psap}@{agency}");
        let name = format!("{} County PSAP", county.name);
        features.push(gis::Feature {
            fields: gis::psap_fields(&nguid, &uri, &name, agency),
            polygons: county.polygons.clone(),
        });
        println!("{psap} {uri} {}", points_inside(county).join(" "));
    }
    let provisioning = vec![gis::Feature {
        fields: vec![
            Some("co.example.gov".into()),
            Some("2026-01-01T00:00:00.000Z".into()),
            Some("2020-01-01T00:00:00.000Z".into()),
            None,
            Some("urn:emergency:uid:gis:provisioning:denver-metro:co.example.gov".into()),
        ],
        polygons: gis::union(&chosen),
    }];
    if let Some(dir) = std::path::Path::new(out).parent() {
        std::fs::create_dir_all(dir).expect("create the output directory");
    }
    let mut gpkg = gis::Gpkg::create(std::path::Path::new(out));
    gpkg.layer("PsapPolygon", &gis::NENA, &features);
    gpkg.layer("ProvisioningPolygon", &gis::NENA_PROVISIONING, &provisioning);
}

/// A few points well inside a county: its interior point, then grid points it contains.
fn points_inside(county: &gis::Area) -> Vec<String> {
    let largest = county.polygons.iter().max_by_key(|p| p[0].len()).expect("a polygon");
    let rings: Vec<geo::LineString<f64>> = largest
        .iter()
        .map(|r| geo::LineString::from(r.iter().map(|c| (c[0], c[1])).collect::<Vec<_>>()))
        .collect();
    let polygon = geo::Polygon::new(rings[0].clone(), rings[1..].to_vec());
    let mut out = vec![polygon.interior_point().expect("a point")];
    let rect = geo::BoundingRect::bounding_rect(&polygon).expect("a box");
    for i in 1..8 {
        for j in 1..8 {
            let p = geo::Point::new(
                rect.min().x + rect.width() * i as f64 / 8.0,
                rect.min().y + rect.height() * j as f64 / 8.0,
            );
            // Well inside: a kilometre from the border in every direction.
            let near = [(0.012, 0.0), (-0.012, 0.0), (0.0, 0.009), (0.0, -0.009)];
            if near
                .iter()
                .all(|(dx, dy)| polygon.contains(&geo::Point::new(p.x() + dx, p.y() + dy)))
            {
                out.push(p);
            }
        }
    }
    out.iter().map(|p| format!("{:.4},{:.4}", p.y(), p.x())).collect()
}
