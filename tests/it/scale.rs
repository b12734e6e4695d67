//! The generated national table (real PSAPs and counties from `data/`) checks clean, and
//! every fault injected into it is found — and nothing else.

use crate::common;

fn generate(dir: &std::path::Path, faults: usize) {
    generate_with(dir, faults, &[]);
}

fn generate_with(dir: &std::path::Path, faults: usize, extra: &[&str]) {
    common::generate_table(dir, faults, extra);
}

fn check(dir: &std::path::Path) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn generated_national_table_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 0);
    let v = check(dir.path());
    assert_eq!(v["summary"]["errors"], 0, "{}", v["findings"]);
    assert_eq!(v["summary"]["warnings"], 0, "{}", v["findings"]);
    assert!(v["summary"]["psaps"].as_u64().unwrap() > 6_000);
}

#[test]
fn every_injected_fault_is_found_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 15);
    faults_found_and_nothing_else(dir.path(), 15);
}

#[test]
fn the_generated_boundary_layers_check_clean() {
    let dir = tempfile::tempdir().unwrap();
    generate_with(dir.path(), 0, &["--gis"]);
    let v = check(dir.path());
    assert_eq!(v["summary"]["errors"], 0, "{}", v["findings"]);
    assert_eq!(v["summary"]["warnings"], 0, "{}", v["findings"]);
}

#[test]
fn the_generated_policy_store_and_its_yaml_twin_check_clean() {
    // One seed, both forms (SPEC §9): ESRP queues and a policy store, and the same table
    // routed by YAML rules; every origin located, routed by the ECRF's answer.
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::gen_table())
        .args(["--origins", "5000", "--seed", "7", "--gis", "--policies", "--out"])
        .arg(dir.path().join("us.yaml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = std::fs::read_to_string(dir.path().join("us-policies/ks.json")).unwrap();
    assert!(store.contains("\"policyType\": \"OriginationRoutePolicy\""));
    assert!(store.contains("\"id\": \"nn-night\""));
    let by_policy = check(&dir.path().join("us.yaml"));
    let by_yaml = check(&dir.path().join("us-yaml.yaml"));
    for v in [&by_policy, &by_yaml] {
        assert_eq!(v["summary"]["errors"], 0, "{}", v["findings"]);
        assert_eq!(v["summary"]["warnings"], 0, "{}", v["findings"]);
    }
    assert_eq!(by_policy["summary"]["origins"], by_yaml["summary"]["origins"]);
    assert!(by_policy["summary"]["origins"].as_u64().unwrap() > 5_000);
    // The kinds of call and time slices explored, and the bound on them.
    let out = assert_cmd::Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "--statistics"])
        .arg(dir.path().join("us.yaml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("branches explored: "))
        .expect("a branches line");
    assert!(
        line.contains("4 kinds of call and time slices") && line.ends_with("bound 256 per walk, none reached it"),
        "{line}"
    );
}

#[test]
fn every_injected_gis_fault_is_found_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    generate_with(dir.path(), 15, &["--gis"]);
    let faults: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("faults.json")).unwrap()).unwrap();
    let gis = [
        "boundary-gap",
        "boundary-overlap",
        "location-misroute",
        "boundary-unrouted",
        "boundary-attribute",
    ];
    let kinds: std::collections::BTreeSet<&str> = faults
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .filter(|r| gis.contains(r))
        .collect();
    assert_eq!(kinds.len(), gis.len(), "every kind of GIS fault is injected: {kinds:?}");
    faults_found_and_nothing_else(dir.path(), faults.len());
}

fn faults_found_and_nothing_else(dir: &std::path::Path, count: usize) {
    let faults: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("faults.json")).unwrap()).unwrap();
    assert_eq!(faults.len(), count);
    let v = check(dir);
    let findings = v["findings"].as_array().unwrap();
    for fault in &faults {
        let found = findings
            .iter()
            .any(|f| f["rule"] == fault["rule"] && f["entities"].as_array().unwrap().contains(&fault["entity"]));
        assert!(found, "injected {fault} not found");
    }
    for f in findings {
        let expected = faults
            .iter()
            .any(|fault| f["rule"] == fault["rule"] && f["entities"].as_array().unwrap().contains(&fault["entity"]));
        assert!(expected, "unexpected finding {}", f["message"]);
    }
}
