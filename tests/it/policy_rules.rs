//! policy-missing and policy-unused (SPEC §9) on the fixtures scripts/policy_fixtures.py
//! writes: what the other routing rules leave to them, waivers of the element a policy is
//! about, and where a finding inside a JWS points.

use std::path::Path;

use psapguard::check::check;
use psapguard::finding::{Finding, Levels};
use psapguard::rules::Settings;

fn settings() -> Settings {
    Settings {
        today: "2026-01-01".into(),
        ..Settings::default()
    }
}

fn checked(dir: &Path) -> (psapguard::load::Loaded, Vec<Finding>) {
    let loaded = psapguard::load::load(&[dir.to_path_buf()]).expect("fixture loads");
    let findings = check(&loaded, &settings(), &Levels::new()).report.findings;
    (loaded, findings)
}

fn of<'f>(findings: &'f [Finding], rule: &str) -> Vec<&'f Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

/// A copy of a fixture with `edit` applied to its table.yaml.
fn fixture_with(fixture: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = fixture_copy(fixture);
    let table = dir.path().join("table.yaml");
    let text = std::fs::read_to_string(&table).unwrap();
    let changed = edit(&text);
    assert_ne!(changed, text, "the edit must change the table");
    std::fs::write(&table, changed).unwrap();
    dir
}

/// A copy of a fixture: its table, layer and policies.
fn fixture_copy(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new("fixtures").join(fixture);
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    for sub in ["", "policies"] {
        for entry in std::fs::read_dir(from.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    dir
}

#[test]
fn calls_lost_for_want_of_a_policy_are_policy_missing_only() {
    // esrp-wic's OriginationRoutePolicy is missing: el-dorado enters there normally, wichita
    // when esrp-den's site is down. One mistake, one finding: no black hole, no single point
    // of failure, no missing default.
    let (_, findings) = checked(Path::new("fixtures/policy-missing/trigger-router-queue/table.yaml"));
    for rule in ["black-hole", "single-point-of-failure", "missing-default"] {
        assert!(of(&findings, rule).is_empty(), "{rule}: {:#?}", of(&findings, rule));
    }
    let missing = of(&findings, "policy-missing");
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(
        missing[0].entities,
        [
            "esrp-wic",
            "OriginationRoutePolicy(sip:sos-in@esrp-wic.ksng911.example)"
        ]
    );
    assert_eq!(missing[0].affected, ["el-dorado"]);
}

#[test]
fn one_finding_per_missing_policy_and_kind_of_referrer() {
    let (_, findings) = checked(Path::new("fixtures/policy-missing/trigger-invocations/table.yaml"));
    let mut named: Vec<&str> = of(&findings, "policy-missing")
        .iter()
        .map(|f| f.entities.last().unwrap().as_str())
        .collect();
    named.sort_unstable();
    assert_eq!(
        named,
        [
            "NormalNextHopRoutePolicy(sip:video@sedgwick.ks.us)",
            "OriginationRoutePolicy(sip:sos-in@esrp-screen.ksng911.example)",
            "OtherRoutePolicy(rtt-relay)",
        ]
    );
    // Lost only for the kind of call the invoking rule holds for.
    let rtt = of(&findings, "policy-missing")
        .into_iter()
        .find(|f| f.entities[1] == "OtherRoutePolicy(rtt-relay)")
        .unwrap();
    assert!(rtt.message.contains("SdpOffer rtt=true"), "{}", rtt.message);
}

#[test]
fn a_misspelled_queue_is_one_finding_naming_the_policy_meant() {
    let (_, findings) = checked(Path::new("fixtures/policy-missing/trigger-queue-typo/table.yaml"));
    let missing = of(&findings, "policy-missing");
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0]
            .message
            .contains("did you mean OriginationRoutePolicy(sip:sos-in@esrp-wlc.ksng911.example)"),
        "{}",
        missing[0].message
    );
    assert!(
        of(&findings, "policy-unused").is_empty(),
        "{:#?}",
        of(&findings, "policy-unused")
    );
}

#[test]
fn a_policy_reached_only_after_a_failed_route_is_used() {
    let (_, findings) = checked(Path::new("fixtures/policy-unused/ok-failover-only/table.yaml"));
    assert!(
        of(&findings, "policy-unused").is_empty(),
        "{:#?}",
        of(&findings, "policy-unused")
    );
    // The same store with the failover rule gone: its OtherRoutePolicy and what only it
    // invokes are unreached, one finding.
    let dir = fixture_copy("policy-unused/ok-failover-only");
    let sedgwick = dir.path().join("policies/sedgwick.json");
    let text = std::fs::read_to_string(&sedgwick).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["policyRules"].as_array_mut().unwrap().remove(0);
    std::fs::write(&sedgwick, doc.to_string()).unwrap();
    let (_, findings) = checked(&dir.path().join("table.yaml"));
    let unused = of(&findings, "policy-unused");
    assert_eq!(unused.len(), 1, "{unused:#?}");
    assert_eq!(unused[0].entities, ["OtherRoutePolicy(sedgwick-down)"]);
    assert!(
        unused[0]
            .message
            .contains("NormalNextHopRoutePolicy(sip:psap@harvey.ks.us)"),
        "{}",
        unused[0].message
    );
}

#[test]
fn a_waiver_of_the_router_or_psap_whose_queue_a_policy_has_covers_its_findings() {
    // policy-attribute about Harvey's expired policy, waived on harvey-911 (its uri is the
    // policy's policyQueueName).
    let (_, findings) = checked(Path::new(
        "fixtures/policy-missing/ok-expired-beside-in-force/table.yaml",
    ));
    let expired = of(&findings, "policy-attribute");
    assert_eq!(expired.len(), 1);
    assert!(expired[0].waived);
    assert!(expired[0].waiver.as_ref().unwrap().reason.contains("ticket 5120"));
    assert!(of(&findings, "unused-waiver").is_empty());
    // policy-missing, whose first entity is the router.
    let dir = fixture_with("policy-missing/trigger-router-queue", |t| {
        t.replace(
            "  esrp-wic: { kind: esrp, domains: [site-wic], queue: \"sip:sos-in@esrp-wic.ksng911.example\" }",
            "  esrp-wic:\n    kind: esrp\n    domains: [site-wic]\n    queue: \"sip:sos-in@esrp-wic.ksng911.example\"\n    waivers:\n      - { rule: policy-missing, reason: ESRP being commissioned (ticket 5200) }",
        )
    });
    let (_, findings) = checked(&dir.path().join("table.yaml"));
    assert!(of(&findings, "policy-missing").iter().all(|f| f.waived));
    // policy-unused and a routing finding whose first entity is a rule: Harvey's waivers.
    let dir = fixture_with("policy-unused/trigger-left-behind", |t| {
        t.replace(
            "    positions: 4\n",
            "    positions: 4\n    waivers:\n      - { rule: policy-unused, reason: diversion policy staged for the remodel }\n",
        )
    });
    let (_, findings) = checked(&dir.path().join("table.yaml"));
    let harvey: Vec<_> = of(&findings, "policy-unused")
        .into_iter()
        .filter(|f| f.entities[0] == "NormalNextHopRoutePolicy(sip:psap@harvey.ks.us)")
        .collect();
    assert_eq!(harvey.len(), 1);
    assert!(harvey[0].waived);
    assert!(of(&findings, "policy-unused").iter().filter(|f| f.waived).count() == 1);
    assert!(of(&findings, "unused-waiver").is_empty());
}

#[test]
fn a_finding_inside_a_jws_points_by_pointer_into_the_decoded_payload() {
    let dir = Path::new("fixtures/policy-missing/trigger-invocations/table.yaml");
    let (loaded, findings) = checked(dir);
    let rtt: Vec<Finding> = of(&findings, "policy-missing")
        .into_iter()
        .filter(|f| f.entities[1] == "OtherRoutePolicy(rtt-relay)")
        .cloned()
        .collect();
    assert_eq!(rtt[0].pointer.as_deref(), Some("/policyRules/0/actions/0"));
    let style = psapguard::report::human::Style {
        color: false,
        width: 100,
    };
    insta::assert_snapshot!(
        "jws_finding_human",
        psapguard::report::human::findings(&loaded.table, &rtt, style)
    );
    let report = check(&loaded, &settings(), &Levels::new()).report;
    let out = psapguard::report::Output::check(&loaded.table, &report);
    let json: serde_json::Value = serde_json::from_str(&psapguard::report::json::render(&out)).unwrap();
    let found = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entities"][1] == "OtherRoutePolicy(rtt-relay)")
        .unwrap();
    insta::assert_json_snapshot!("jws_finding_json", found);
    assert_eq!(found["location"]["pointer"], "/policyRules/0/actions/0");
    let sarif: serde_json::Value = serde_json::from_str(&psapguard::report::sarif::render(&out)).unwrap();
    let logical = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["logicalLocations"][0]["name"].as_str())
        .collect::<Vec<_>>();
    assert!(logical.contains(&"/policyRules/0/actions/0"), "{logical:?}");
    let github = psapguard::report::github::render(&out);
    assert!(
        github.contains("at /policyRules/0/actions/0 in the decoded JWS payload"),
        "{github}"
    );
    // A bare policy points by line and column only.
    let screen = of(&findings, "policy-missing")
        .into_iter()
        .find(|f| f.entities[0].ends_with("/orig-screen"))
        .unwrap();
    assert_eq!(screen.pointer, None);
}

#[test]
fn a_routing_finding_inside_a_jws_gets_the_pointer_of_the_rule_it_names() {
    use base64::Engine as _;
    // esrp-den's OriginationRoutePolicy, signed, rejecting RTT calls with a BusyAction.
    let dir = fixture_copy("policy-missing/ok-store");
    let path = dir.path().join("policies/esrp-den.json");
    let jws: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut policy: serde_json::Value =
        serde_json::from_slice(&b64.decode(jws["payload"].as_str().unwrap()).unwrap()).unwrap();
    policy["policyRules"].as_array_mut().unwrap().insert(
        0,
        serde_json::json!({ "id": "orig-rtt-busy", "priority": 300,
            "conditions": [{ "conditionType": "SdpOfferCondition", "rtt": true }],
            "actions": [{ "actionType": "BusyAction" }] }),
    );
    let signed = serde_json::json!({ "protected": jws["protected"], "signature": jws["signature"],
        "payload": b64.encode(serde_json::to_vec_pretty(&policy).unwrap()) });
    std::fs::write(&path, signed.to_string()).unwrap();
    let (_, findings) = checked(&dir.path().join("table.yaml"));
    let busy = of(&findings, "black-hole");
    assert_eq!(busy.len(), 1, "{busy:#?}");
    assert_eq!(
        busy[0].entities,
        ["OriginationRoutePolicy(sip:sos-in@esrp-den.ksng911.example)/orig-rtt-busy"]
    );
    assert_eq!(busy[0].pointer.as_deref(), Some("/policyRules/0"));
    assert!(!busy[0].waived);
    // The rule's policy routes esrp-den's queue: esrp-den's waiver covers the finding.
    let table = dir.path().join("table.yaml");
    let text = std::fs::read_to_string(&table).unwrap();
    let waived = text.replace(
        "  esrp-den: { kind: esrp, domains: [site-den], queue: \"sip:sos-in@esrp-den.ksng911.example\" }",
        "  esrp-den:\n    kind: esrp\n    domains: [site-den]\n    queue: \"sip:sos-in@esrp-den.ksng911.example\"\n    waivers:\n      - { rule: black-hole, reason: RTT calls rejected on purpose until the relay contract starts }",
    );
    assert_ne!(waived, text);
    std::fs::write(&table, waived).unwrap();
    let (_, findings) = checked(&table);
    let busy = of(&findings, "black-hole");
    assert_eq!(busy.len(), 1);
    assert!(busy[0].waived, "{:#?}", busy[0]);
}

#[test]
fn a_policy_document_that_cannot_be_read_is_policy_format_only() {
    // Butler's Normal-NextHop policy is there but is not JSON: policy-format says so, and
    // the boundary answering Butler is not reported again as missing its policy.
    let dir = fixture_copy("policy-missing/trigger-boundary-next-hop");
    let sedgwick = std::fs::read_to_string(dir.path().join("policies/sedgwick.json")).unwrap();
    let butler = sedgwick
        .replace("sedgwick.ks.us", "butler.ks.us")
        .replacen("\"priority\": 400,", "priority: 400,", 1);
    std::fs::write(dir.path().join("policies/butler.json"), butler).unwrap();
    let (_, findings) = checked(&dir.path().join("table.yaml"));
    assert_eq!(of(&findings, "policy-format").len(), 1, "{findings:#?}");
    assert!(
        of(&findings, "policy-missing").is_empty(),
        "{:#?}",
        of(&findings, "policy-missing")
    );
}

#[test]
fn a_psap_cut_off_by_its_missing_next_hop_policy_is_policy_missing_only() {
    // Butler's Normal-NextHop policy is missing and Sedgwick no longer diverts to Butler:
    // Butler receives no calls because of the missing policy, reported once, at its boundary.
    let dir = fixture_copy("policy-missing/trigger-boundary-next-hop");
    let path = dir.path().join("policies/sedgwick.json");
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["policyRules"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["id"] != "nn-full");
    std::fs::write(&path, doc.to_string()).unwrap();
    let (_, findings) = checked(&dir.path().join("table.yaml"));
    assert_eq!(of(&findings, "policy-missing").len(), 1);
    assert!(
        of(&findings, "unreachable-psap").is_empty(),
        "{:#?}",
        of(&findings, "unreachable-psap")
    );
}

#[test]
fn a_policy_file_that_cannot_be_opened_hides_no_missing_policy() {
    // The table names a policy file that is not there: policy-format reports it, and
    // esrp-wic's missing OriginationRoutePolicy is still reported (nothing unread mentions it).
    let dir = fixture_with("policy-missing/trigger-router-queue", |t| {
        t.replace(
            "  - file: policies/\n",
            "  - file: policies/\n  - file: retired/esrp-hays.json\n",
        )
    });
    let (_, findings) = checked(&dir.path().join("table.yaml"));
    assert_eq!(of(&findings, "policy-format").len(), 1, "{findings:#?}");
    assert_eq!(of(&findings, "policy-missing").len(), 1, "{findings:#?}");
}
