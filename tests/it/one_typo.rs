//! One mistake, one finding (SPEC §2): a typo in a copy of the Denver example gives exactly
//! the finding that names it, not a flood of follow-on errors.

use crate::common;

use common::{denver_with, rules_of, run};

/// The findings of `check` as (rule, message).
fn findings(dir: &tempfile::TempDir) -> Vec<(String, String)> {
    let (code, out, _) = run(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_misspelt_status_is_one_schema_finding() {
    let dir = denver_with("psaps.yaml", |t| t.replacen("status: active", "status: actve", 1));
    let f = findings(&dir);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].0, "schema");
    assert!(f[0].1.contains("did you mean `active`?"), "{f:#?}");
}

#[test]
fn a_missing_bracket_is_one_parse_error() {
    let dir = denver_with("psaps.yaml", |t| {
        let i = t.find(']').unwrap();
        format!("{}{}", &t[..i], &t[i + 1..])
    });
    let f = findings(&dir);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].0, "parse-error");
}

#[test]
fn an_unknown_match_key_is_one_schema_finding_and_no_self_suggestion() {
    let dir = denver_with("network.yaml", |t| {
        t.replacen("match: { esn: [120] }", "match: { ens: [120] }", 1)
    });
    let f = findings(&dir);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].0, "schema");
    assert!(
        f[0].1.contains("unknown field `ens` in `match`; did you mean `esn`?"),
        "{f:#?}"
    );
}

#[test]
fn parse_and_schema_findings_come_first() {
    // A routing error early in one file, a schema error late in another: the schema error
    // is printed first.
    let dir = denver_with("pools.yaml", |t| {
        format!("{t}\n  extra-pool: {{ kind: esrk, range: 1, psap: nowhere }}\n")
    });
    let (_, out, _) = run(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules = rules_of(&v);
    let first_other = rules
        .iter()
        .position(|r| !matches!(*r, "parse-error" | "schema"))
        .unwrap_or(rules.len());
    assert!(
        rules[first_other..]
            .iter()
            .all(|r| !matches!(*r, "parse-error" | "schema")),
        "{rules:?}"
    );
    assert!(rules.contains(&"schema"), "{rules:?}");
}

/// YAML tags: the core ones are honoured (`!!str 10` is a string), any other is a schema
/// finding; a fractional `per_day` is a rate; a counter on a decommissioned PSAP is reported.
#[test]
fn tags_rates_and_decommissioned_counters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(
        &path,
        "version: 1\npsaps:\n  a: { status: active, positions: !!str 10 }\n  b: !custom { status: decommissioned }\npools:\n  c: { kind: counter, element: b, limit: 1000, used: 10, per_day: 12.5 }\n",
    )
    .unwrap();
    let (_, out, _) = run(&["check", path.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f["rule"], f["message"]))
        .collect();
    let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
    assert!(
        has("`positions` must be a whole number, found a string"),
        "{messages:#?}"
    );
    assert!(has("the YAML tag `!custom` has no meaning"), "{messages:#?}");
    assert!(
        has("\"decommissioned-reference\" \"`element` of pool c names b"),
        "{messages:#?}"
    );
    assert!(!has("per_day"), "{messages:#?}");
}
