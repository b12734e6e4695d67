//! The files a 911 GIS office really has (issue 22, SPEC §7), as QGIS, ArcGIS and GDAL leave
//! them: written by `scripts/office_gis_fixtures.py` into `fixtures/` and `tests/data/`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use psapguard::load::gis::{MemoryFiles, read_one};
use psapguard::model::BoundaryKind;

use crate::common::{rules_of, run};

fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check", "--date", "2026-01-01", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, report)
}

/// Every file under `dir` (names and bytes), to see that a run wrote nothing.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(Path::new("fixtures").join(name)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn a_geopackage_left_in_wal_mode_is_read_with_its_saved_edits_and_nothing_is_written() {
    let dir = copy_fixture("boundary-unrouted/ok-geopackage-wal");
    let header = std::fs::read(dir.path().join("psap.gpkg")).unwrap();
    assert_eq!(&header[18..20], &[2, 2], "the fixture is in WAL mode");
    let before = tree(dir.path());
    let (code, report) = check_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    assert_eq!(code, 0);
    assert_eq!(
        tree(dir.path()),
        before,
        "no -shm, no -journal, no checkpoint: the tree is as it was"
    );
    // The edit lives only in the WAL: without it, B's boundary names its old PSAP.
    std::fs::remove_file(dir.path().join("psap.gpkg-wal")).unwrap();
    let (_, report) = check_json(&[dir.path().to_str().unwrap()]);
    assert!(rules_of(&report).contains(&"boundary-unrouted"), "{report:#}");
}

#[test]
fn a_torn_wal_counts_only_up_to_its_last_commit() {
    let dir = copy_fixture("boundary-unrouted/ok-geopackage-wal");
    let wal = dir.path().join("psap.gpkg-wal");
    let mut bytes = std::fs::read(&wal).unwrap();
    // A crash in the middle of the commit frame: its checksum no longer holds.
    let last = bytes.len() - 100;
    bytes[last] ^= 0xff;
    std::fs::write(&wal, &bytes).unwrap();
    let (_, report) = check_json(&[dir.path().to_str().unwrap()]);
    assert!(rules_of(&report).contains(&"boundary-unrouted"), "{report:#}");
    // Not a WAL at all: said, not guessed.
    std::fs::write(&wal, b"hello, this is no write-ahead log at all....").unwrap();
    let (_, report) = check_json(&[dir.path().to_str().unwrap()]);
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("-wal file beside it that is not an SQLite WAL"),
        "{message}"
    );
}

#[test]
fn a_mistyped_layer_name_is_one_finding_with_a_suggestion() {
    let (code, report) = check_json(&["fixtures/boundary-format/trigger-layer-typo"]);
    assert_eq!(rules_of(&report), vec!["boundary-format"], "{report:#}");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("did you mean `PsapPolygon`?"), "{message}");
    assert_eq!(code, 1);
    let (code, report) = check_json(&["fixtures/boundary-format/ok-layer-case"]);
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    assert_eq!(code, 0);
}

#[test]
fn a_feature_without_geometry_is_invalid_geometry_and_names_no_gap() {
    let (_, report) = check_json(&["fixtures/invalid-geometry/trigger-no-geometry"]);
    assert_eq!(rules_of(&report), vec!["invalid-geometry"], "{report:#}");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("PsapC@example.gov (PSAP a-911) has no geometry"),
        "{message}"
    );
}

#[test]
fn on_the_handover_day_the_retired_boundary_is_out_and_its_successor_in() {
    let fixture = "fixtures/boundary-overlap/ok-handover-day";
    for day in ["2025-12-31", "2026-01-01", "2026-06-01"] {
        let (code, out, _) = run(&["check", "--date", day, "--format", "json", fixture]);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(rules_of(&report), Vec::<&str>::new(), "{day}: {report:#}");
        assert_eq!(code, 0, "{day}");
    }
}

#[test]
fn shapefile_dates_are_read_as_gdal_and_arcgis_write_them() {
    let (code, report) = check_json(&["fixtures/boundary-attribute/ok-shapefile-dates"]);
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    assert_eq!(code, 0);
    let (_, report) = check_json(&["fixtures/boundary-attribute/trigger-shapefile-not-a-date"]);
    assert_eq!(
        rules_of(&report),
        vec!["boundary-attribute", "boundary-attribute"],
        "one finding per feature, never the whole layer: {report:#}"
    );
}

#[test]
fn projected_layers_of_every_writer_are_read() {
    for fixture in [
        "ok-state-plane-shapefile",
        "ok-state-plane-geopackage",
        "ok-utm-geojson",
        "ok-web-mercator-geopackage",
        "ok-arcgis-geopackage-esri-code",
        "ok-arcgis-state-plane-prj",
        "ok-arcgis-nad83-harn-prj",
        "ok-arcgis-nad83-2011-prj",
        "ok-arcgis-wgs84-prj",
        "ok-gdal-nad83-shapefile",
    ] {
        let path = format!("fixtures/boundary-format/{fixture}");
        let (code, report) = check_json(&[&path]);
        assert_eq!(rules_of(&report), Vec::<&str>::new(), "{fixture}: {report:#}");
        assert_eq!(code, 0, "{fixture}");
        // The located origins are held by their own boundaries: reprojected onto the map.
        let (_, trace, _) = run(&["trace", "east", &path]);
        assert!(trace.contains("PsapB@example.gov"), "{fixture}: {trace}");
    }
}

/// pyproj's answers, committed by `scripts/office_gis_fixtures.py`.
fn reference() -> Vec<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string("tests/data/reprojection.json").unwrap()).unwrap()
}

/// A provisioning feature whose ring is the reference points, in a GeoJSON with `crs`.
fn geojson_in(epsg: u64, points: &[serde_json::Value]) -> Vec<u8> {
    let mut ring: Vec<[f64; 2]> = points
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect();
    ring.push(ring[0]);
    serde_json::to_vec(&serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": format!("urn:ogc:def:crs:EPSG::{epsg}") } },
        "features": [{ "type": "Feature", "properties": { "DiscrpAgID": "x", "DateUpdate": "2025-01-01", "NGUID": "P@x" },
                        "geometry": { "type": "Polygon", "coordinates": [ring] } }]
    }))
    .unwrap()
}

/// The same ring in a shapefile whose `.prj` is the system's ESRI WKT (no code, as ArcGIS
/// writes it): reprojected from the parameters alone.
fn shapefile_in(esri_wkt: &str, points: &[serde_json::Value]) -> HashMap<String, Vec<u8>> {
    use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
    let dir = tempfile::tempdir().unwrap();
    let mut builder = TableWriterBuilder::new();
    for field in ["DiscrpAgID", "DateUpdate", "NGUID"] {
        builder = builder.add_character_field(field.try_into().unwrap(), 20);
    }
    let mut writer = shapefile::Writer::from_path(dir.path().join("p.shp"), builder).unwrap();
    let mut ring: Vec<shapefile::Point> = points
        .iter()
        .map(|p| shapefile::Point::new(p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    ring.push(ring[0]);
    let mut record = Record::default();
    for (field, value) in [("DiscrpAgID", "x"), ("DateUpdate", "2025-01-01"), ("NGUID", "P@x")] {
        record.insert(field.into(), FieldValue::Character(Some(value.into())));
    }
    // Written as given: the order of the reference points, not the shapefile's ring rule.
    let polygon = shapefile::Polygon::with_rings(vec![shapefile::PolygonRing::Outer(ring)]);
    writer.write_shape_and_record(&polygon, &record).unwrap();
    drop(writer);
    let mut files = HashMap::new();
    for ext in ["shp", "shx", "dbf"] {
        files.insert(
            format!("p.{ext}"),
            std::fs::read(dir.path().join(format!("p.{ext}"))).unwrap(),
        );
    }
    files.insert("p.prj".into(), esri_wkt.as_bytes().to_vec());
    files
}

fn assert_reprojected(label: &str, got: &[[f64; 2]], points: &[serde_json::Value]) {
    for (i, p) in points.iter().enumerate() {
        let (lon, lat) = (p[2].as_f64().unwrap(), p[3].as_f64().unwrap());
        // Rings may be turned around by a writer: match each reference point to its vertex.
        let nearest = got
            .iter()
            .map(|g| (g[0] - lon).abs().max((g[1] - lat).abs()))
            .fold(f64::INFINITY, f64::min);
        // 1e-8 degrees: about a millimetre.
        assert!(
            nearest < 1e-8,
            "{label} point {i}: off by {nearest} degrees; got {got:?}"
        );
    }
}

#[test]
fn reprojection_matches_pyproj_in_state_plane_utm_and_web_mercator() {
    let cases = reference();
    assert!(cases.len() >= 10);
    for case in cases {
        let epsg = case["epsg"].as_u64().unwrap();
        let name = case["name"].as_str().unwrap();
        let points = case["points"].as_array().unwrap();
        let files = MemoryFiles(HashMap::from([("p.geojson".to_string(), geojson_in(epsg, points))]));
        let features = read_one("p.geojson", None, BoundaryKind::Provisioning, &files)
            .unwrap_or_else(|e| panic!("EPSG:{epsg} {name}: {e}"));
        assert_reprojected(&format!("EPSG:{epsg} {name}"), &features[0].polygons[0][0], points);
        let files = MemoryFiles(shapefile_in(case["esri_wkt"].as_str().unwrap(), points));
        let features = read_one("p.shp", None, BoundaryKind::Provisioning, &files)
            .unwrap_or_else(|e| panic!("{name} from its ESRI .prj: {e}"));
        assert_reprojected(&format!("{name} (ESRI .prj)"), &features[0].polygons[0][0], points);
    }
}

#[test]
fn a_system_that_cannot_be_reprojected_is_named() {
    let (_, report) = check_json(&["fixtures/boundary-format/trigger-nad27"]);
    assert_eq!(rules_of(&report), vec!["boundary-format"], "{report:#}");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("`EPSG:4267`"), "{message}");
    // A projection psapguard does not carry is named by the .prj's own words.
    let prj = r#"PROJCS["Some_Local_Grid",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Hotine_Oblique_Mercator_Azimuth_Center"],UNIT["Foot_US",0.3048006096012192]]"#;
    let points = reference()[0]["points"].as_array().unwrap().clone();
    let files = MemoryFiles(shapefile_in(prj, &points));
    let why = read_one("p.shp", None, BoundaryKind::Provisioning, &files).unwrap_err();
    assert!(why.contains("`Some_Local_Grid`"), "{why}");
}

#[test]
fn a_service_boundary_layer_is_split_by_its_service_urns() {
    let fixture = "fixtures/boundary-overlap/ok-service-layer";
    let (code, report) = check_json(&[fixture]);
    assert_eq!(
        rules_of(&report),
        Vec::<&str>::new(),
        "police over PSAPs is no overlap: {report:#}"
    );
    assert_eq!(code, 0);
    // Its sos.psap features are the PSAP boundaries located calls are routed by.
    let (_, trace, _) = run(&["trace", "east", fixture]);
    assert!(trace.contains("PsapB@example.gov"), "{trace}");
    let (_, report) = check_json(&["fixtures/boundary-attribute/trigger-service-layer"]);
    assert_eq!(rules_of(&report), vec!["boundary-attribute"], "{report:#}");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("animal_control"), "{message}");
}
