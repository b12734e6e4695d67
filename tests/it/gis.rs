//! Boundary layers (SPEC §7): the readers on real and broken files, and the Denver example.

use crate::common;

use std::path::Path;

use common::{rules_of, run};

/// A table that names one layer file, written beside it in a temporary directory.
fn table_with_layer(layer_file: &str, bytes: &[u8], layer: Option<&str>) -> tempfile::TempDir {
    table_with(layer_file, bytes, layer, "")
}

/// The same, with `a_911` fields added to PSAP a-911 (`uri: ...`).
fn table_with(layer_file: &str, bytes: &[u8], layer: Option<&str>, a_911: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(layer_file), bytes).unwrap();
    let layer = layer.map(|l| format!(", layer: {l}")).unwrap_or_default();
    let table = format!(
        "version: 1\nboundaries:\n  - {{ file: {layer_file}{layer}, kind: psap }}\npsaps:\n  a-911: {{ positions: 4, alternate: [b-911]{a_911} }}\n  b-911: {{ positions: 4, alternate: [a-911] }}\nrouters:\n  r1: {{ kind: esrp, mate: [r2], default: a-911 }}\n  r2: {{ kind: esrp, mate: [r1], default: a-911 }}\norigins:\n  o1: {{ kind: esz, location: {{ lat: 39.7, lon: -105.0 }}, ingress: [r1, r2] }}\n"
    );
    std::fs::write(dir.path().join("table.yaml"), table).unwrap();
    dir
}

fn check_json(dir: &Path) -> (i32, serde_json::Value) {
    let path = dir.join("table.yaml");
    let (code, out, err) = run(&["check", "--format", "json", path.to_str().unwrap()]);
    assert!(err.is_empty() || code != 2, "{err}");
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}")),
    )
}

/// The one finding's message, which must be of `rule`.
fn only(report: &serde_json::Value, rule: &str) -> String {
    assert_eq!(rules_of(report), vec![rule], "{report:#}");
    report["findings"][0]["message"].as_str().unwrap().to_string()
}

#[test]
fn nenas_template_geopackage_reads_without_error() {
    let template = std::fs::read("data/nena-ng911-gis-template-v3.0.gpkg").unwrap();
    let dir = table_with_layer("template.gpkg", &template, Some("PsapPolygon"));
    let (code, report) = check_json(dir.path());
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    assert_eq!(code, 0);
}

#[test]
fn a_geopackage_of_many_layers_needs_a_layer_name() {
    let template = std::fs::read("data/nena-ng911-gis-template-v3.0.gpkg").unwrap();
    let dir = table_with_layer("template.gpkg", &template, None);
    let (code, report) = check_json(dir.path());
    let message = only(&report, "boundary-format");
    assert!(message.contains("name one with `layer:`"), "{message}");
    assert_eq!(code, 1);
    let dir = table_with_layer("template.gpkg", &template, Some("RoadCenterLine"));
    let message = only(&check_json(dir.path()).1, "boundary-format");
    assert!(
        message.contains("LINESTRING") || message.contains("polygons"),
        "{message}"
    );
}

#[test]
fn broken_geopackages_are_findings_not_crashes() {
    let denver = std::fs::read("examples/denver/gis/denver.gpkg").unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not-a-gpkg.gpkg",
            b"{\"type\": \"FeatureCollection\"}".to_vec(),
            "not an SQLite database",
        ),
        ("truncated.gpkg", denver[..denver.len() / 3].to_vec(), "GeoPackage"),
        ("empty.gpkg", Vec::new(), "not an SQLite database"),
        ("binary.geojson", vec![0xff, 0x00, 0x13, 0x37], "not GeoJSON"),
        ("layer.kml", b"<kml/>".to_vec(), "not a layer file"),
    ];
    for (name, bytes, expect) in cases {
        let dir = table_with_layer(name, &bytes, Some("PsapPolygon").filter(|_| name.ends_with(".gpkg")));
        let (code, report) = check_json(dir.path());
        let message = only(&report, "boundary-format");
        assert!(message.contains(expect), "{name}: {message}");
        assert_eq!(code, 1, "{name}");
        assert_eq!(
            report["findings"][0]["location"]["file"],
            dir.path().join(name).to_str().unwrap()
        );
    }
}

#[test]
fn a_huge_layer_file_is_refused_unread() {
    let dir = table_with_layer("huge.gpkg", b"", Some("PsapPolygon"));
    let file = std::fs::File::create(dir.path().join("huge.gpkg")).unwrap();
    file.set_len(2 << 30).unwrap(); // sparse: 2 GB of nothing
    let message = only(&check_json(dir.path()).1, "boundary-format");
    assert!(message.contains("2048 MB"), "{message}");
}

#[test]
fn a_layer_outside_the_tree_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.geojson"), "{}").unwrap();
    let dir = table_with_layer("x.geojson", b"{}", None);
    let rel = format!(
        "../{}/secret.geojson",
        outside.path().file_name().unwrap().to_str().unwrap()
    );
    let table = std::fs::read_to_string(dir.path().join("table.yaml"))
        .unwrap()
        .replace("x.geojson", &rel);
    std::fs::write(dir.path().join("table.yaml"), table).unwrap();
    let message = only(&check_json(dir.path()).1, "boundary-format");
    assert!(message.contains("outside the table's root ("), "{message}");
}

fn square_collection(coordinates: &str) -> Vec<u8> {
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"DiscrpAgID":"x","DateUpdate":"2025-01-01","NGUID":"A@x","Agency_ID":"x","ServiceURI":"sip:a@x","ServiceURN":"urn:emergency:service:sos.psap","AVcard_URI":"https://x","DsplayName":"A"}},"geometry":{{"type":"Polygon","coordinates":{coordinates}}}}}]}}"#
    )
    .into_bytes()
}

#[test]
fn out_of_range_coordinates_are_invalid_geometry() {
    let dir = table_with_layer(
        "a.geojson",
        &square_collection("[[[0,0],[500,0],[1,1],[0,1],[0,0]]]"),
        None,
    );
    let (_, report) = check_json(dir.path());
    assert!(rules_of(&report).contains(&"invalid-geometry"), "{report:#}");
}

#[test]
fn a_million_vertex_polygon_is_checked() {
    // A circle of a million points: read, validated and located without trouble.
    let n = 1_000_000;
    let mut ring = String::from("[[");
    for i in 0..=n {
        let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
        if i > 0 {
            ring.push(',');
        }
        ring.push_str(&format!("[{:.9},{:.9}]", -105.0 + 0.5 * a.cos(), 39.7 + 0.5 * a.sin()));
    }
    ring.push_str("]]");
    let dir = table_with("circle.geojson", &square_collection(&ring), None, ", uri: \"sip:a@x\"");
    let (_, report) = check_json(dir.path());
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
}

#[test]
fn a_shapefile_needs_its_dbf_and_its_prj() {
    use shapefile::dbase::{self, FieldValue, TableWriterBuilder};
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("psap.shp");
    let mut builder = TableWriterBuilder::new();
    for field in [
        "DiscrpAgID",
        "DateUpdate",
        "NGUID",
        "Agency_ID",
        "ServiceURI",
        "ServiceURN",
        "AVcard_URI",
        "DsplayName",
    ] {
        builder = builder.add_character_field(field.try_into().unwrap(), 60);
    }
    let mut writer = shapefile::Writer::from_path(&shp, builder).unwrap();
    let ring: Vec<shapefile::Point> = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)]
        .iter()
        .map(|&(x, y)| shapefile::Point::new(x, y))
        .collect();
    let mut record = dbase::Record::default();
    for (field, value) in [
        ("DiscrpAgID", "x"),
        ("DateUpdate", "2025-01-01"),
        ("NGUID", "A@x"),
        ("Agency_ID", "x"),
        ("ServiceURI", "sip:a-911@x"),
        ("ServiceURN", "urn:emergency:service:sos.psap"),
        ("AVcard_URI", "https://x"),
        ("DsplayName", "A"),
    ] {
        record.insert(field.into(), FieldValue::Character(Some(value.into())));
    }
    writer
        .write_shape_and_record(&shapefile::Polygon::new(shapefile::PolygonRing::Outer(ring)), &record)
        .unwrap();
    drop(writer);
    let table = table_with("x.shp", b"", None, ", uri: \"sip:a-911@x\"");
    let text = std::fs::read_to_string(table.path().join("table.yaml"))
        .unwrap()
        .replace("x.shp", "psap.shp");
    std::fs::write(dir.path().join("table.yaml"), text).unwrap();
    let message = only(&check_json(dir.path()).1, "boundary-format");
    assert!(message.contains(".prj"), "{message}");
    std::fs::write(
        dir.path().join("psap.prj"),
        r#"PROJCS["NAD_1983_StatePlane_Colorado_Central_FIPS_0502",GEOGCS["GCS_North_American_1983"]]"#,
    )
    .unwrap();
    let message = only(&check_json(dir.path()).1, "boundary-format");
    assert!(message.contains("StatePlane"), "{message}");
    std::fs::write(
        dir.path().join("psap.prj"),
        r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]]]"#,
    )
    .unwrap();
    let (code, report) = check_json(dir.path());
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    assert_eq!(code, 0);
    std::fs::remove_file(dir.path().join("psap.dbf")).unwrap();
    let message = only(&check_json(dir.path()).1, "boundary-format");
    assert!(message.contains(".dbf"), "{message}");
}

#[test]
fn the_denver_boundaries_are_read_and_a_removed_county_is_a_gap() {
    let (code, out, _) = run(&["check", "--format", "json", "examples/denver"]);
    assert_eq!(code, 0, "{out}");
    let dir = common::denver_with("network.yaml", |t| t.to_string() + "\n");
    let gpkg = dir.path().join("gis/denver.gpkg");
    let db = rusqlite::Connection::open(&gpkg).unwrap();
    db.execute("DELETE FROM PsapPolygon WHERE NGUID LIKE '%:08031:%'", [])
        .unwrap();
    drop(db);
    let (code, out, _) = run(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        rules_of(&report),
        vec!["psap-without-boundary", "boundary-gap"],
        "{report:#}"
    );
    let gap = &report["findings"][1];
    assert_eq!(
        gap["affected"].as_array().unwrap().len(),
        5,
        "Denver's located origins are in the gap"
    );
    assert!(gap["message"].as_str().unwrap().contains("km²"));
    assert_eq!(gap["location"]["layer"], "PsapPolygon");
    assert!(gap["location"]["lat"].as_f64().unwrap() > 39.6);
    assert_eq!(code, 1);
}

#[test]
fn gis_findings_point_at_the_feature_in_every_format() {
    let gap = "fixtures/boundary-gap/trigger";
    let (_, sarif, _) = run(&["check", gap, "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let location = &v["runs"][0]["results"][0]["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/boundary-gap/trigger/psap.geojson"
    );
    assert_eq!(location["logicalLocations"][0]["name"], "PsapA@example.gov");
    let (_, github, _) = run(&["check", gap, "--format", "github"]);
    assert!(
        github.starts_with("::error file=fixtures/boundary-gap/trigger/psap.geojson,title="),
        "{github}"
    );
    let (_, junit, _) = run(&["check", gap, "--format", "junit"]);
    assert!(
        junit.contains("(fixtures/boundary-gap/trigger/psap.geojson › PsapA@example.gov)"),
        "{junit}"
    );
    let (_, markdown, _) = run(&["check", gap, "--format", "markdown"]);
    assert!(
        markdown.contains("`fixtures/boundary-gap/trigger/psap.geojson › PsapA@example.gov`"),
        "{markdown}"
    );
    let (_, human, _) = run(&["check", gap, "--color", "never"]);
    assert!(
        human.contains("https://www.openstreetmap.org/?mlat=39.75000&mlon=-104.91000#map=13/39.75000/-104.91000"),
        "{human}"
    );
    assert!(!human.contains("╭"), "no YAML code frame for a GIS finding:\n{human}");
}

#[test]
fn trace_names_the_boundary_that_holds_a_located_origin() {
    let (code, out, _) = run(&["trace", "esz-100", "examples/denver"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("inside PSAP boundary urn:emergency:uid:gis:psap:08031:denvergov.example.gov (examples/denver/gis/denver.gpkg › PsapPolygon), ServiceURI sip:denver-911@denvergov.example.gov → denver-911"),
        "{out}"
    );
}

#[test]
fn a_table_file_that_fails_to_parse_does_not_unroute_boundaries() {
    let dir = common::denver_with("psaps.yaml", |t| t.replacen("]", "", 1));
    let (_, out, _) = run(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rules_of(&report), vec!["parse-error"], "{report:#}");
}

#[test]
fn diff_reports_boundary_moves_and_counts_them_toward_the_blast_radius() {
    let (old, new) = common::denver_boundary_move();
    let (code, out, _) = run(&[
        "diff",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["changes"].as_array().unwrap().len(), 0, "routing moves nothing");
    let moves = report["boundary_changes"].as_array().unwrap();
    assert_eq!(moves.len(), 5, "{report:#}");
    assert_eq!(moves[0]["before"], "denver-911");
    assert_eq!(moves[0]["after"], "arapahoe-so");
    let features = &report["boundary_features"];
    assert_eq!(features["changed"].as_array().unwrap().len(), 1);
    let km2 = features["area_moved"][0]["km2"].as_f64().unwrap();
    assert!((390.0..400.0).contains(&km2), "{km2}");
    let rules = rules_of(&report);
    for rule in [
        "blast-radius",
        "location-misroute",
        "sector-misroute",
        "psap-without-boundary",
    ] {
        assert!(rules.contains(&rule), "{rule} missing: {rules:?}");
    }
    assert_eq!(code, 1);
}

#[test]
fn gis_fuzz_corpus_replays_without_panics() {
    let mut replayed = 0;
    for (dir, file) in [
        ("gpkg", "layer.gpkg"),
        ("geojson", "layer.geojson"),
        ("shp", "layer.shp"),
    ] {
        let path = Path::new("fuzz/gis_regressions").join(dir);
        let mut inputs: Vec<_> = std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()).collect();
        inputs.sort();
        for input in inputs {
            psapguard::coverage::fuzz_layer(file, &std::fs::read(&input).unwrap());
            replayed += 1;
        }
    }
    assert!(replayed >= 30, "the GIS fuzz corpus is missing ({replayed} inputs)");
}
