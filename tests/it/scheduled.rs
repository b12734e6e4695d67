//! Scheduled changes (SPEC §7): the boundary coverage is judged on each day within
//! `horizon_days` on which a feature comes into or goes out of force; a finding that starts
//! that day is a warning naming it. On the day itself it is what it is.

use crate::common::{rules_of, run};

/// Two adjacent PSAP areas (the location-misroute fixture's); b-911's expires on 2027-01-01
/// with nothing in its place, and c-911's, laid over half of a-911's, comes into force on
/// 2027-02-01.
fn scheduled_table() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("fixtures/location-misroute/trigger/psap.geojson").unwrap();
    let mut layer: serde_json::Value = serde_json::from_str(&text).unwrap();
    let features = layer["features"].as_array_mut().unwrap();
    features[1]["properties"]["Expire"] = "2027-01-01".into();
    let mut c = features[0].clone();
    c["id"] = 3.into();
    c["properties"]["NGUID"] = "PsapC@example.gov".into();
    c["properties"]["DsplayName"] = "PsapC@example.gov".into();
    c["properties"]["ServiceURI"] = "sip:psap@c.example.gov".into();
    c["properties"]["Effective"] = "2027-02-01".into();
    c["geometry"]["coordinates"] = serde_json::json!([[
        [-105.0, 39.7],
        [-104.95, 39.7],
        [-104.95, 39.8],
        [-105.0, 39.8],
        [-105.0, 39.7]
    ]]);
    features.push(c);
    std::fs::write(dir.path().join("psap.geojson"), layer.to_string()).unwrap();
    std::fs::write(
        dir.path().join("table.yaml"),
        "version: 1
boundaries:
  - { file: psap.geojson, kind: psap }
psaps:
  a-911: { uri: \"sip:psap@a.example.gov\", positions: 10, alternate: [b-911] }
  b-911: { uri: \"sip:psap@b.example.gov\", positions: 10, alternate: [a-911] }
  c-911: { uri: \"sip:psap@c.example.gov\", positions: 10, alternate: [a-911] }
routers:
  r1: { kind: esrp, mate: [r2], rules: [{ match: { esn: [3] }, to: c-911 }], default: a-911 }
  r2: { kind: esrp, mate: [r1], rules: [{ match: { esn: [3] }, to: c-911 }], default: a-911 }
origins:
  o1: { kind: esz, esn: 1, population: 1000, ingress: [r1, r2] }
  o3: { kind: esz, esn: 3, population: 1000, ingress: [r1, r2] }
",
    )
    .unwrap();
    dir
}

fn check(dir: &tempfile::TempDir, date: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let table = dir.path().join("table.yaml");
    let args: Vec<&str> = ["check", table.to_str().unwrap(), "--format", "json", "--date", date]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    let (code, out, err) = run(&args);
    assert_ne!(code, 2, "{err}");
    (code, serde_json::from_str(&out).unwrap())
}

fn finding<'a>(report: &'a serde_json::Value, rule: &str, entity: &str) -> Option<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["entities"].as_array().unwrap().iter().any(|e| e == entity))
}

#[test]
fn changes_within_the_horizon_are_warnings_naming_their_day() {
    let dir = scheduled_table();
    let (code, report) = check(&dir, "2026-12-01", &[]);
    let gone = finding(&report, "psap-without-boundary", "b-911").expect("b-911 loses its boundary");
    assert_eq!(gone["severity"], "warning", "{report:#}");
    assert!(
        gone["message"].as_str().unwrap().starts_with("from 2027-01-01: "),
        "{report:#}"
    );
    let overlap = finding(&report, "boundary-overlap", "PsapC@example.gov").expect("c-911's boundary overlaps");
    assert_eq!(overlap["severity"], "warning");
    assert!(
        overlap["message"].as_str().unwrap().starts_with("from 2027-02-01: "),
        "{report:#}"
    );
    assert_eq!(code, 0, "warnings do not fail: {:?}", rules_of(&report));
}

#[test]
fn on_the_day_itself_a_finding_is_what_it_is() {
    let dir = scheduled_table();
    let (code, report) = check(&dir, "2027-02-01", &[]);
    let overlap = finding(&report, "boundary-overlap", "PsapC@example.gov").unwrap();
    assert_eq!(overlap["severity"], "error");
    assert!(!overlap["message"].as_str().unwrap().starts_with("from "));
    assert_eq!(code, 1);
}

#[test]
fn changes_beyond_the_horizon_wait_and_horizon_days_moves_it() {
    let dir = scheduled_table();
    let (_, report) = check(&dir, "2026-09-01", &[]);
    assert!(
        finding(&report, "psap-without-boundary", "b-911").is_none(),
        "{report:#}"
    );
    let config = dir.path().join("psapguard.toml");
    std::fs::write(&config, "horizon_days = 200\n").unwrap();
    let (_, report) = check(&dir, "2026-09-01", &["--config", config.to_str().unwrap()]);
    let gone = finding(&report, "psap-without-boundary", "b-911").expect("within 200 days");
    assert!(gone["message"].as_str().unwrap().starts_with("from 2027-01-01: "));
}

#[test]
fn help_says_what_the_date_concerns() {
    let (_, out, _) = run(&["check", "--help"]);
    assert!(out.contains("which boundary"), "{out}");
    assert!(out.contains("horizon_days"), "{out}");
}
