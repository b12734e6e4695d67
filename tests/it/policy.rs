//! Policy documents (SPEC §9) are untrusted input like a YAML table: the reader keeps
//! positions and JSON pointers, refuses what is not JSON, and hostile files give a finding,
//! never a panic, within the same limits as tables.

use assert_cmd::Command;
use psapguard::load::policy::read_document;

#[test]
fn the_policy_corpus_replays_without_panics() {
    let mut inputs: Vec<_> = std::fs::read_dir("fuzz/policy_regressions")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(inputs.len() > 20, "the corpus is missing");
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        let file = read_document(0, &bytes);
        for problem in file.problems.iter().chain(&file.variants) {
            assert!(problem.at.loc.line >= 1, "{}: {problem:?}", path.display());
        }
        // Either the document was read or it says why.
        assert!(
            !file.policies.is_empty() || !file.problems.is_empty(),
            "{}",
            path.display()
        );
    }
}

fn jws(payload: &str) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload);
    format!("{{\"protected\": \"eyJhbGciOiJFZERTQSJ9\",\n \"payload\": \"{encoded}\",\n \"signature\": \"\"}}")
}

const NEXT_HOP: &str = r#"{
  "policyOwner": "sedgwick.ks.us",
  "policyType": "NormalNextHopRoutePolicy",
  "policyQueueName": "sip:psap@sedgwick.ks.us",
  "policyRules": [
    { "id": "nn-full", "priority": 300,
      "conditions": [ { "conditionType": "QueueStateCondition", "negation": true,
                        "queue": "sip:psap@sedgwick.ks.us", "condition": "EQ", "value": "Active" } ],
      "actions": [ { "actionType": "RouteAction", "recipientUri": "sip:psap@butler.ks.us" } ] },
    { "id": "nn-normal", "priority": 0,
      "actions": [ { "actionType": "RouteAction", "recipientUri": "sip:psap@sedgwick.ks.us" } ] }
  ]
}"#;

#[test]
fn a_bare_policy_keeps_lines_columns_and_pointers() {
    let file = read_document(3, NEXT_HOP.as_bytes());
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert!(!file.signed);
    let [policy] = file.policies.as_slice() else {
        panic!("one policy")
    };
    assert_eq!(policy.name(), "NormalNextHopRoutePolicy(sip:psap@sedgwick.ks.us)");
    let rule = &policy.rules[0];
    assert_eq!((rule.id.as_str(), rule.priority), ("nn-full", 300));
    assert_eq!((rule.at.loc.file, rule.at.loc.line, rule.at.loc.col), (3, 6, 5));
    let condition = &rule.conditions[0];
    assert!(condition.negation);
    assert_eq!(condition.at.pointer, "/policyRules/0/conditions/0");
    assert_eq!(condition.field("value").unwrap().value, "Active");
    assert_eq!(condition.field("value").unwrap().at.loc.line, 8);
    assert!(policy.rules[1].conditions.is_empty(), "no conditions: the catch-all");
}

#[test]
fn a_jws_and_an_array_of_jws_read_as_the_bare_policy() {
    let one = jws(NEXT_HOP);
    let file = read_document(0, one.as_bytes());
    assert!(file.signed && file.problems.is_empty(), "{:?}", file.problems);
    let rule = &file.policies[0].rules[1];
    // Every spot inside a JWS is the payload's place in the file, with the pointer into it.
    assert_eq!((rule.at.loc.line, rule.at.loc.col), (2, 13));
    assert_eq!(rule.at.pointer, "/policyRules/1");
    let array = format!("{{\"count\": 2, \"totalCount\": 2, \"policies\": [{one}, {NEXT_HOP}]}}");
    let file = read_document(0, array.as_bytes());
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.policies.len(), 2);
    assert_eq!(file.policies[1].rules[0].at.pointer, "/policies/1/policyRules/0");
}

#[test]
fn what_is_not_json_or_not_a_policy_says_so() {
    let cases: &[(&[u8], &str)] = &[
        (b"policyOwner: x\n", "is not JSON: it does not start with"),
        (b"{policyOwner: x}", "an object key must be a quoted string"),
        (b"{\"policyOwner\": yes}", "is not a JSON value"),
        (b"{\"a\": 1, \"a\": 2}", "appears twice"),
        (b"\xff\xfe", "not UTF-8"),
        (b"", "the file is empty"),
        (b"{\"payload\": \"***\"}", "not base64url"),
        (b"{\"payload\": \"cG9saWN5\"}", "the JWS payload is not JSON"),
        (b"{\"policyType\": \"OtherRoutePolicy\", \"policyRules\": []}", "must have `policyOwner`"),
        (
            b"{\"policyOwner\": \"a\", \"policyType\": \"OtherRoutePolicy\", \"policyRules\": [{\"id\": \"r\", \"priority\": -1, \"actions\": []}]}",
            "`priority` must be an integer from 0",
        ),
    ];
    for (bytes, needle) in cases {
        let file = read_document(0, bytes);
        assert!(file.policies.is_empty(), "{needle}");
        assert!(
            file.problems.iter().any(|p| p.message.contains(needle)),
            "{needle}: {:?}",
            file.problems
        );
    }
}

/// `check --format json` on a table whose one policy file holds `bytes`.
fn check_with_policy(bytes: &[u8]) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("table.yaml"),
        "version: 1\npolicies:\n  - file: store.json\npsaps:\n  a-911: { uri: \"sip:psap@a.example.gov\", positions: 10 }\n\
         routers:\n  r1: { kind: esrp, default: a-911 }\norigins:\n  o1: { kind: esz, esn: 1, population: 10, ingress: [r1] }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("store.json"), bytes).unwrap();
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "--format", "json"])
        .arg(dir.path().join("table.yaml"))
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), json)
}

fn policy_format_message(json: &serde_json::Value) -> String {
    let findings = json["findings"].as_array().unwrap();
    let f = findings
        .iter()
        .find(|f| f["rule"] == "policy-format")
        .expect("a policy-format finding");
    assert!(f["location"]["line"].as_u64().unwrap() >= 1);
    f["message"].as_str().unwrap().to_string()
}

#[test]
fn hostile_policy_files_are_findings_not_crashes() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_jws = jws(&format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)));
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    // Exploring a policy's branches grows with the square of its rules: thousands are refused.
    let rules: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{"id": "r{i}", "priority": {i}, "actions": [{{"actionType": "BusyAction"}}]}}"#))
        .collect();
    let many_rules = format!(
        r#"{{"policyOwner": "a", "policyType": "OtherRoutePolicy", "policyId": "p", "policyRules": [{}]}}"#,
        rules.join(",")
    );
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            many_rules.into_bytes(),
            "a policy may hold at most 1000 rules; this one has 20000",
        ),
        (deep.into_bytes(), "is not JSON"),
        (deep_jws.into_bytes(), "the JWS payload is not JSON"),
        (binary, "is not JSON"),
        (
            b"{\"protected\": \"e30\", \"payload\": \"%%%\", \"signature\": \"\"}".to_vec(),
            "not base64url",
        ),
    ];
    for (bytes, needle) in cases {
        let (code, json) = check_with_policy(&bytes);
        assert_eq!(code, 1, "{json}");
        let message = policy_format_message(&json);
        assert!(message.contains(needle), "{needle}: {message}");
    }
}

#[test]
fn a_huge_policy_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.yaml");
    std::fs::write(&table, "version: 1\npolicies:\n  - file: huge.json\n").unwrap();
    let huge = std::fs::File::create(dir.path().join("huge.json")).unwrap();
    huge.set_len(psapguard::load::gis::MAX_LAYER_BYTES + 1).unwrap();
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "--format", "json"])
        .arg(&table)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = policy_format_message(&json);
    assert!(message.contains("psapguard reads policy files of at most"), "{message}");
}

fn check_output(table: &str, format: &str) -> String {
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .args(["check", "--date", "2026-01-01", "--format", format, table])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_report_notes_that_policy_signatures_are_not_verified() {
    const NOTE: &str = "policy signatures not verified";
    for format in ["human", "json", "markdown", "sarif", "github", "html"] {
        let signed = check_output("fixtures/policy-format/ok-jws-array/table.yaml", format);
        assert!(signed.contains(NOTE), "{format}: {signed}");
        let bare = check_output("fixtures/policy-format/ok-bare/table.yaml", format);
        assert!(!bare.contains(NOTE), "{format}: a bare policy has no signature to skip");
    }
}
