//! Waivers a reviewer can audit (SPEC §1, §2): what a waiver covers, what it says, when it
//! lapses, and when it covers nothing.

use crate::common;

use common::run;

fn check_json(yaml: &str, date: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(&path, yaml).unwrap();
    let (_, out, err) = run(&["check", path.to_str().unwrap(), "--format", "json", "--date", date]);
    serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"))
}

fn of_rule<'a>(v: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// A waiver on one origin of a grouped finding waives that origin's part only: the
/// 140,000-person group it shares a cause with stays a finding.
#[test]
fn a_waiver_on_one_origin_waives_its_part_of_a_grouped_finding() {
    let v = check_json(
        "version: 1\npsaps:\n  ks-911: { state: KS, status: active, alternate: [ks-2] }\n  ks-2: { state: KS, status: active, alternate: [ks-911] }\nrouters:\n  r1: { mate: [r2], default: ks-911 }\n  r2: { mate: [r1], default: ks-911 }\norigins:\n  small: { kind: esz, state: MO, population: 100, ingress: [r1, r2], waivers: [{ rule: cross-jurisdiction, reason: border town served by agreement }] }\n  big: { kind: esz, state: MO, population: 140000, ingress: [r1, r2] }\n",
        "2026-01-01",
    );
    let f = of_rule(&v, "cross-jurisdiction");
    assert_eq!(f.len(), 2, "{v:#}");
    let waived: Vec<_> = f.iter().filter(|f| f["waived"] == true).collect();
    let open: Vec<_> = f.iter().filter(|f| f["waived"] == false).collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["affected"], serde_json::json!(["small"]));
    assert_eq!(waived[0]["waiver"]["reason"], "border town served by agreement");
    assert_eq!(open[0]["affected"], serde_json::json!(["big"]));
    assert_eq!(open[0]["population"], 140000);
}

/// The same missing router named by three origins: a waiver on one of them does not hide
/// the other two, whose calls are lost.
#[test]
fn a_waiver_on_one_referrer_does_not_hide_the_others() {
    let v = check_json(
        "version: 1\npsaps:\n  a: { status: active }\norigins:\n  o1: { kind: esz, population: 10, ingress: [gone], waivers: [{ rule: unknown-reference, reason: being migrated }] }\n  o2: { kind: esz, population: 20, ingress: [gone] }\n  o3: { kind: esz, population: 30, ingress: [gone] }\n",
        "2026-01-01",
    );
    let f = of_rule(&v, "unknown-reference");
    let open: Vec<_> = f.iter().filter(|f| f["waived"] == false).collect();
    assert_eq!(open.len(), 1, "{v:#}");
    assert_eq!(open[0]["affected"], serde_json::json!(["o2", "o3"]));
    assert!(v["summary"]["errors"].as_u64().unwrap() >= 1);
}

/// An expired waiver is named in the finding it no longer covers; one that lapses within 30
/// days is announced in the summary; SARIF carries the reason as the justification.
#[test]
fn expired_and_expiring_waivers_are_said() {
    let yaml = "version: 1\npsaps:\n  a: { status: active, alternate: [b] }\n  b: { status: active, alternate: [a] }\nrouters:\n  r1:\n    default: a\n    waivers: [{ rule: single-point-of-failure, reason: trunks on order, expires: 2026-01-20 }]\n  r3:\n    default: a\n    waivers: [{ rule: single-point-of-failure, reason: old waiver, expires: 2025-12-01 }]\norigins:\n  o1: { kind: esz, ingress: [r1] }\n  o3: { kind: esz, ingress: [r3] }\n";
    let v = check_json(yaml, "2026-01-01");
    assert_eq!(v["summary"]["expiring_waivers"], 1, "{v:#}");
    let expired = of_rule(&v, "single-point-of-failure")
        .into_iter()
        .find(|f| f["waived"] == false)
        .unwrap();
    assert!(
        expired["message"]
            .as_str()
            .unwrap()
            .ends_with("(waiver expired 2025-12-01: old waiver)"),
        "{expired:#}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(&path, yaml).unwrap();
    let (_, human, _) = run(&["check", path.to_str().unwrap(), "--date", "2026-01-01"]);
    assert!(human.contains("waived: trunks on order (until 2026-01-20)"), "{human}");
    assert!(
        human.trim_end().ends_with("; 1 waiver expires within 30 days"),
        "{human}"
    );
    let (_, sarif, _) = run(&[
        "check",
        path.to_str().unwrap(),
        "--date",
        "2026-01-01",
        "--format",
        "sarif",
    ]);
    assert!(
        sarif.contains("\"justification\": \"trunks on order (until 2026-01-20)\""),
        "{sarif}"
    );
}

/// unused-waiver is judged only for rules that ran: not for a rule turned off, not for
/// routing rules when the analysis was skipped.
#[test]
fn unused_waivers_only_for_rules_that_ran() {
    let mated = "version: 1\npsaps:\n  a: { status: active, alternate: [b] }\n  b: { status: active, alternate: [a] }\nrouters:\n  r1:\n    mate: [r2]\n    default: a\n    waivers: [{ rule: single-point-of-failure, reason: trunks on order }]\n  r2: { mate: [r1], default: a }\norigins:\n  o1: { kind: esz, ingress: [r1, r2] }\n";
    let v = check_json(mated, "2026-01-01");
    assert_eq!(of_rule(&v, "unused-waiver").len(), 1, "{v:#}");
    let broken = mated.replace(
        "  r2: { mate: [r1], default: a }",
        "  r2: { mate: [r1], default: a, bogus: 1 }",
    );
    let v = check_json(&broken, "2026-01-01");
    assert_eq!(of_rule(&v, "unused-waiver").len(), 0, "analysis skipped: {v:#}");
}
