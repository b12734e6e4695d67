//! Boundary tolerances on a real border (SPEC §7: `gis.sliver_m2`, `gis.sliver_width_m`),
//! tested in both directions: a notch or bump cut into the middle of the straight 40 km
//! border of Sedgwick and Sumner counties, Kansas (densified as offices' layers are), is a
//! gap, an overlap or a reach outside provisioning of its own area, never a seam; the
//! untouched border stays silent; with the area tolerance lowered, gaps and overlaps of one
//! size are judged alike.

use crate::common::run;

#[path = "../../examples/common/gis.rs"]
mod generator;
use serde_json::{Value, json};

type Ring = Vec<[f64; 2]>;

/// The shared border, as Sedgwick's ring walks it (east to west).
const EAST: [f64; 2] = [-97.3509192, 37.4772602];
const WEST: [f64; 2] = [-97.8067595, 37.473824];

fn counties() -> (Ring, Ring) {
    let text = std::fs::read_to_string("data/ks-sedgwick-sumner.geojson").unwrap();
    let layer: Value = serde_json::from_str(&text).unwrap();
    let ring = |k: usize| -> Ring {
        layer["features"][k]["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
            .collect()
    };
    (ring(0), ring(1))
}

/// `k` points added along every segment, as the generator densifies (and GIS editors do):
/// two rings sharing a segment get the very same points.
fn densify(ring: &Ring, k: usize) -> Ring {
    let mut polygons = vec![vec![ring.clone()]];
    generator::densify(&mut polygons, k);
    polygons.remove(0).remove(0)
}

/// `ring` with a rectangle `long` m along the edge `from` → `to` (at its middle) and `deep` m
/// to the left of it — negative: to the right. Walking the shared border west, the left is
/// south (into Sumner), the right north (into Sedgwick).
fn with_notch(ring: &Ring, from: [f64; 2], to: [f64; 2], long: f64, deep: f64) -> Ring {
    let i = ring.iter().position(|p| *p == from).expect("the edge's start");
    assert_eq!(ring[i + 1], to, "the edge");
    let lat = (from[1] + to[1]) / 2.0;
    let (mx, my) = (111_412.84 * lat.to_radians().cos(), 111_000.0);
    let len = (((to[0] - from[0]) * mx).powi(2) + ((to[1] - from[1]) * my).powi(2)).sqrt();
    let at = |t: f64| [from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t];
    let (t1, t2) = (0.5 - long / 2.0 / len, 0.5 + long / 2.0 / len);
    // The unit normal to the left of the edge, in degrees per metre.
    let (ux, uy) = (((to[0] - from[0]) * mx) / len, ((to[1] - from[1]) * my) / len);
    let up = |p: [f64; 2]| [p[0] - uy * deep / mx, p[1] + ux * deep / my];
    let mut out = ring[..=i].to_vec();
    out.extend([at(t1), up(at(t1)), up(at(t2)), at(t2)]);
    out.extend_from_slice(&ring[i + 1..]);
    out
}

fn feature(id: usize, ring: &Ring, nguid: &str, uri: &str) -> Value {
    json!({
        "type": "Feature", "id": id,
        "properties": {
            "DiscrpAgID": "kansas.example.gov", "DateUpdate": "2025-06-01T00:00:00Z",
            "Effective": null, "Expire": null, "NGUID": nguid, "Agency_ID": "kansas.example.gov",
            "ServiceURI": uri, "ServiceURN": "urn:emergency:service:sos.psap", "ServiceNum": "911",
            "AVcard_URI": "https://kansas.example.gov/vcard", "DsplayName": nguid
        },
        "geometry": { "type": "Polygon", "coordinates": [ring] }
    })
}

/// A table of the two counties' PSAPs and their layer; `provisioning`: the two counties as
/// they are, as the provisioning boundary. `config`: psapguard.toml.
fn check(sedgwick: &Ring, sumner: &Ring, provisioning: bool, config: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let layer = json!({ "type": "FeatureCollection", "features": [
        feature(1, sedgwick, "Sedgwick@kansas.example.gov", "sip:psap@sedgwick.example.gov"),
        feature(2, sumner, "Sumner@kansas.example.gov", "sip:psap@sumner.example.gov"),
    ]});
    std::fs::write(dir.path().join("psap.geojson"), layer.to_string()).unwrap();
    let mut boundaries = "  - { file: psap.geojson, kind: psap }\n".to_string();
    if provisioning {
        let (a, b) = counties();
        let (a, b) = (densify(&a, 40), densify(&b, 40));
        let mut p = json!({ "type": "FeatureCollection", "features": [
            feature(1, &a, "ProvA@kansas.example.gov", ""), feature(2, &b, "ProvB@kansas.example.gov", ""),
        ]});
        for f in p["features"].as_array_mut().unwrap() {
            let props = f["properties"].as_object_mut().unwrap();
            for field in [
                "Agency_ID",
                "ServiceURI",
                "ServiceURN",
                "ServiceNum",
                "AVcard_URI",
                "DsplayName",
            ] {
                props.remove(field);
            }
        }
        std::fs::write(dir.path().join("provisioning.geojson"), p.to_string()).unwrap();
        boundaries.push_str("  - { file: provisioning.geojson, kind: provisioning }\n");
    }
    std::fs::write(
        dir.path().join("table.yaml"),
        format!(
            "version: 1\nboundaries:\n{boundaries}psaps:\n  sedgwick-911: {{ uri: \"sip:psap@sedgwick.example.gov\", positions: 10, alternate: [sumner-911] }}\n  sumner-911: {{ uri: \"sip:psap@sumner.example.gov\", positions: 10, alternate: [sedgwick-911] }}\nrouters:\n  r1: {{ kind: esrp, mate: [r2], rules: [{{ match: {{ esn: [2] }}, to: sumner-911 }}], default: sedgwick-911 }}\n  r2: {{ kind: esrp, mate: [r1], rules: [{{ match: {{ esn: [2] }}, to: sumner-911 }}], default: sedgwick-911 }}\norigins:\n  o1: {{ kind: esz, esn: 1, population: 1000, ingress: [r1, r2] }}\n  o2: {{ kind: esz, esn: 2, population: 1000, ingress: [r1, r2] }}\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("psapguard.toml"), config).unwrap();
    let (code, out, err) = run(&[
        "check",
        dir.path().join("table.yaml").to_str().unwrap(),
        "--config",
        dir.path().join("psapguard.toml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_ne!(code, 2, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// The (rule, m²) of each finding of the coverage rules, the area read from the message.
fn areas(report: &Value) -> Vec<(String, f64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            matches!(
                f["rule"].as_str().unwrap(),
                "boundary-gap" | "boundary-overlap" | "boundary-outside-provisioning"
            )
        })
        .map(|f| {
            let m = f["message"].as_str().unwrap();
            // "… 0.006 km² …" or "… 6,000 m² …"
            let words: Vec<&str> = m.split_whitespace().collect();
            let k = words
                .iter()
                .position(|w| *w == "km²" || *w == "m²")
                .unwrap_or_else(|| panic!("{m}"));
            let n: f64 = words[k - 1].replace(',', "").parse().unwrap_or_else(|_| panic!("{m}"));
            let m2 = if words[k] == "km²" { n * 1e6 } else { n };
            (f["rule"].as_str().unwrap().to_string(), m2)
        })
        .collect()
}

fn the_pair() -> (Ring, Ring) {
    let (a, b) = counties();
    (densify(&a, 40), densify(&b, 40))
}

#[test]
fn the_untouched_border_is_silent() {
    let (a, b) = the_pair();
    assert_eq!(areas(&check(&a, &b, true, "")), vec![]);
    assert_eq!(areas(&check(&a, &b, true, "[gis]\nsliver_m2 = 100\n")), vec![]);
}

/// 100 m × 60 m cut into the border's middle: 6,000 m², a gap (Sedgwick gives it up) or an
/// overlap (Sedgwick reaches into Sumner), reported with its own area, not dropped as a
/// seam joined to the hair-wide spike the overlay leaves along the rest of the border.
#[test]
fn a_notch_or_bump_in_a_long_border_is_reported_with_its_own_area() {
    let (a, b) = counties();
    let mut wrong = Vec::new();
    for (long, deep) in [(40.0, 30.0), (100.0, 60.0), (150.0, 100.0)] {
        for k in [10, 40, 100] {
            for (deep, rule) in [(-deep, "boundary-gap"), (deep, "boundary-overlap")] {
                let notched = densify(&with_notch(&a, EAST, WEST, long, deep), k);
                let found = areas(&check(&notched, &densify(&b, k), true, ""));
                let m2 = long * deep.abs();
                if found.len() != 1 || found[0].0 != rule || (found[0].1 - m2).abs() > m2 * 0.05 {
                    wrong.push(format!("{long} m x {deep} m, {k} points a segment: {found:?}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Sumner's southern border (the state line, 58 km straight) pushed 60 m south over 100 m:
/// outside the provisioning boundary by 6,000 m².
#[test]
fn a_bump_out_of_provisioning_is_reported_with_its_own_area() {
    let (a, b) = counties();
    let south_west = [-97.8031702, 36.998764];
    let south_east = [-97.4621873, 36.998764];
    // Sumner's ring walks its southern border east to west: its left is south, outside.
    let bumped = densify(&with_notch(&b, south_east, south_west, 100.0, 60.0), 40);
    let found = areas(&check(&densify(&a, 40), &bumped, true, ""));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "boundary-outside-provisioning");
    assert!((found[0].1 - 6_000.0).abs() < 300.0, "{found:?}");
}

/// With `gis.sliver_m2` lowered to 500 m², a 20 m × 40 m gap and a 20 m × 40 m overlap (800
/// m²) are both reported, and below 1 m wide neither is.
#[test]
fn a_lowered_tolerance_judges_gaps_and_overlaps_alike() {
    let (a, b) = counties();
    let config = "[gis]\nsliver_m2 = 500\n";
    for (deep, rule) in [(-20.0, "boundary-gap"), (20.0, "boundary-overlap")] {
        let notched = densify(&with_notch(&a, EAST, WEST, 40.0, deep), 40);
        let found = areas(&check(&notched, &densify(&b, 40), true, config));
        assert_eq!(found.len(), 1, "{rule}: {found:?}");
        assert_eq!(found[0].0, rule);
        assert!((found[0].1 - 800.0).abs() < 80.0, "{rule}: {found:?}");
    }
    // 0.5 m deep over 3 km: 1,500 m², but narrower than `sliver_width_m` everywhere — a seam.
    for deep in [0.5, -0.5] {
        let notched = densify(&with_notch(&a, EAST, WEST, 3_000.0, deep), 40);
        assert_eq!(
            areas(&check(&notched, &densify(&b, 40), true, config)),
            vec![],
            "{deep}"
        );
    }
}

/// Aroostook County, Maine, and the national provisioning boundary (the union of every US
/// county) cut to Aroostook's neighbourhood and to the four vertices that hold the national
/// box: a continental extent, so the overlay's snapping grid is the national one
/// (`data/me-aroostook-border.geojson`, written by `scripts/me_border_fixture.py`).
fn aroostook() -> (Ring, Value) {
    let text = std::fs::read_to_string("data/me-aroostook-border.geojson").unwrap();
    let layer: Value = serde_json::from_str(&text).unwrap();
    let ring = layer["features"][0]["geometry"]["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect();
    (ring, layer["features"][1].clone())
}

/// The Maine–Quebec border west of Aroostook: one straight edge of 100 km, running north-east
/// (its latitude changes by 0.76°), shared by the county and the national union.
const QUEBEC_SOUTH: [f64; 2] = [-69.9969097, 46.6949707];
const QUEBEC_NORTH: [f64; 2] = [-69.2252115, 47.4595338];

/// Aroostook's PSAP boundary (`ring`) checked against the national provisioning boundary.
fn check_aroostook(ring: &Ring) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (_, provisioning) = aroostook();
    let psap = json!({ "type": "FeatureCollection", "features": [
        feature(1, ring, "Aroostook@me.example.gov", "sip:psap@aroostook.example.gov"),
    ]});
    std::fs::write(dir.path().join("psap.geojson"), psap.to_string()).unwrap();
    let provisioning = json!({ "type": "FeatureCollection", "features": [provisioning] });
    std::fs::write(dir.path().join("provisioning.geojson"), provisioning.to_string()).unwrap();
    std::fs::write(
        dir.path().join("table.yaml"),
        "version: 1\nboundaries:\n  - { file: psap.geojson, kind: psap }\n  - { file: provisioning.geojson, kind: provisioning }\npsaps:\n  aroostook-911: { uri: \"sip:psap@aroostook.example.gov\", positions: 4 }\nrouters:\n  r1: { default: aroostook-911 }\norigins:\n  o1: { kind: esz, population: 10, ingress: [r1] }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("psapguard.toml"), "").unwrap();
    let (code, out, err) = run(&[
        "check",
        dir.path().join("table.yaml").to_str().unwrap(),
        "--config",
        dir.path().join("psapguard.toml").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_ne!(code, 2, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn outside(report: &Value) -> Vec<f64> {
    areas(report)
        .into_iter()
        .filter(|(rule, _)| rule == "boundary-outside-provisioning")
        .map(|(_, m2)| m2)
        .collect()
}

/// A county inside the national union (shapely: 0 m² of Aroostook outside it), densified as
/// offices' layers are: the overlay snaps the densified border and the union's one long edge
/// to the national grid (about 2 cm), leaving zero-width spikes along the edge. Drawn
/// straight in longitude and latitude they have no area, and nothing is reported.
#[test]
fn a_county_inside_the_national_union_is_not_outside_it() {
    let (ring, _) = aroostook();
    let mut wrong = Vec::new();
    for k in [0, 8, 32, 40] {
        let found = outside(&check_aroostook(&densify(&ring, k)));
        if !found.is_empty() {
            wrong.push(format!("{k} points a segment: {found:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A real reach across that border into Quebec, 40 m × 30 m (1,200 m²), is still reported
/// with its own area at the national extent.
#[test]
fn a_reach_across_the_national_border_is_reported_with_its_own_area() {
    let (ring, _) = aroostook();
    let mut wrong = Vec::new();
    for k in [0, 8, 32] {
        // The ring walks the edge south to north: its left is west, into Quebec.
        let bumped = densify(&with_notch(&ring, QUEBEC_SOUTH, QUEBEC_NORTH, 40.0, 30.0), k);
        let found = outside(&check_aroostook(&bumped));
        if found.len() != 1 || (found[0] - 1_200.0).abs() > 60.0 {
            wrong.push(format!("{k} points a segment: {found:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
