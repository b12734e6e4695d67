//! Calls routed by NENA i3 policies (SPEC §9) through the one engine, judged by the routing
//! rules: each test edits one policy of a clean store and asserts what the rules say.

use serde_json::{Value, json};

use crate::common::{rules_of, run_in};

const TABLE: &str = r#"version: 1
boundaries:
  - { file: psap.geojson, kind: psap }
policies:
  - file: policies/
domains:
  site-1: { kind: site }
  site-2: { kind: site }
psaps:
  a-911: { uri: "sip:psap@a.example.gov", positions: 10 }
  b-911: { uri: "sip:psap@b.example.gov", positions: 10 }
routers:
  esrp-1: { kind: esrp, domains: [site-1], queue: "sip:sos@esrp-1.example.gov" }
  esrp-2: { kind: esrp, domains: [site-2], queue: "sip:sos@esrp-2.example.gov" }
origins:
  west: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.95 }, ingress: [esrp-1, esrp-2] }
  east: { kind: esz, esn: 2, population: 2000, location: { lat: 39.75, lon: -104.85 }, ingress: [esrp-1, esrp-2] }
  west-text: { kind: text, population: 10, location: { lat: 39.76, lon: -104.95 }, ingress: [esrp-2, esrp-1] }
"#;

pub(crate) const A: &str = "sip:psap@a.example.gov";
pub(crate) const B: &str = "sip:psap@b.example.gov";

pub(crate) fn route(id: &str, priority: i64, conditions: Value, to: &str) -> Value {
    json!({ "id": id, "priority": priority, "conditions": conditions,
            "actions": [{ "actionType": "RouteAction", "recipientUri": to }] })
}

pub(crate) fn queue_is(queue: &str, state: &str) -> Value {
    json!([{ "conditionType": "QueueStateCondition", "queue": queue, "condition": "EQ", "value": state }])
}

fn origination(queue: &str) -> Value {
    json!({ "policyOwner": "state.example.gov", "policyType": "OriginationRoutePolicy",
            "policyQueueName": queue, "policyRules": [
        { "id": "ecrf", "priority": 100,
          "conditions": [{ "conditionType": "LostServiceUrnCondition", "urn": "urn:emergency:service:sos.psap" }],
          "actions": [{ "actionType": "InvokePolicyAction", "policyType": "NormalNextHopRoutePolicy" }] },
        route("unlocated", 0, json!([]), A) ] })
}

/// A PSAP's NormalNextHopRoutePolicy: to the neighbour when its queue is Unreachable (a
/// re-evaluation after a failed route reaches it) or Full, else to itself.
fn next_hop(own: &str, neighbour: &str) -> Value {
    json!({ "policyOwner": own, "policyType": "NormalNextHopRoutePolicy", "policyQueueName": own,
            "policyRules": [
        route("nn-down", 400, queue_is(own, "Unreachable"), neighbour),
        route("nn-full", 300, queue_is(own, "Full"), neighbour),
        route("nn-main", 100, json!([]), own) ] })
}

/// The clean store, with `edit` applied to (file name, document) pairs.
fn table(edit: impl FnOnce(&mut Vec<(&'static str, Value)>)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_table(dir.path(), edit);
    dir
}

/// [`table`] written into `dir`: `table.yaml`, its layer and `policies/`.
pub(crate) fn write_table(dir: &std::path::Path, edit: impl FnOnce(&mut Vec<(&'static str, Value)>)) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("table.yaml"), TABLE).unwrap();
    std::fs::copy("fixtures/location-misroute/ok/psap.geojson", dir.join("psap.geojson")).unwrap();
    let mut docs = vec![
        ("esrp-1.json", origination("sip:sos@esrp-1.example.gov")),
        ("esrp-2.json", origination("sip:sos@esrp-2.example.gov")),
        ("a.json", next_hop(A, B)),
        ("b.json", next_hop(B, A)),
    ];
    edit(&mut docs);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    for (name, doc) in docs {
        let text = serde_json::to_string_pretty(&doc).unwrap();
        std::fs::write(dir.join("policies").join(name), text).unwrap();
    }
}

fn check(dir: &tempfile::TempDir) -> (i32, Value) {
    let (code, out, err) = run_in(dir.path(), &["check", "table.yaml", "--format", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, report)
}

/// The messages of one rule's findings.
fn messages(report: &Value, rule: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) fn doc<'a>(docs: &'a mut [(&'static str, Value)], name: &str) -> &'a mut Value {
    &mut docs.iter_mut().find(|(n, _)| *n == name).unwrap().1
}

#[test]
fn the_clean_store_routes_every_call_in_every_scenario() {
    let dir = table(|_| {});
    let (code, report) = check(&dir);
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    assert_eq!(code, 0);
}

#[test]
fn a_failed_route_is_evaluated_again_with_the_queue_unreachable() {
    // a-911 down: nn-main's route fails, and nn-down below it, reached only by the
    // re-evaluation, sends the calls to b-911 (and is not shadowed).
    let dir = table(|docs| {
        let rules = doc(docs, "a.json")["policyRules"].as_array_mut().unwrap();
        rules[0]["priority"] = json!(50);
    });
    let (_, report) = check(&dir);
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    let (code, out, _) = run_in(dir.path(), &["trace", "west", "table.yaml", "--fail", "a-911"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("[rule nn-main, priority 100] (no conditions: catch-all): yes, but its route failed"),
        "{out}"
    );
    assert!(
        out.contains("[rule nn-down, priority 50] QueueState sip:psap@a.example.gov EQ Unreachable: yes"),
        "{out}"
    );
    assert!(out.contains("=> delivered to b-911"), "{out}");
}

#[test]
fn a_busy_action_is_a_black_hole_naming_the_rule_and_its_time_slice() {
    let dir = table(|docs| {
        let night = json!({ "id": "nn-night", "priority": 200,
            "conditions": [{ "conditionType": "TimePeriodCondition", "dateStart": "2025-01-01T00:00:00-07:00",
                             "timeStart": "00:00:00", "timeEnd": "06:00:00", "weekdayList": "SA,SU" }],
            "actions": [{ "actionType": "BusyAction" }] });
        doc(docs, "a.json")["policyRules"].as_array_mut().unwrap().push(night);
    });
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    assert_eq!(
        messages(&report, "black-hole"),
        [
            "calls from 2 origins (population 1,010) (only at Sat–Sun 00:00–06:00) are lost: NormalNextHopRoutePolicy(sip:psap@a.example.gov)/nn-night rejects the call (BusyAction: 600 Busy Everywhere)"
        ]
    );
    let f = crate::common::finding_of(&report, "black-hole");
    assert_eq!(f["location"]["file"], "policies/a.json");
}

#[test]
fn a_line_break_in_a_rule_id_stays_inert_in_every_format() {
    let dir = table(|docs| {
        let busy = json!({ "id": "nn-busy\n::error::forged", "priority": 500,
            "actions": [{ "actionType": "BusyAction" }] });
        doc(docs, "a.json")["policyRules"].as_array_mut().unwrap().push(busy);
    });
    let (_, report) = check(&dir);
    let message = &messages(&report, "black-hole")[0];
    assert!(message.contains("/nn-busy\\n::error::forged rejects"), "{message}");
    for format in ["github", "markdown", "human"] {
        let (_, out, _) = run_in(dir.path(), &["check", "table.yaml", "--format", format]);
        assert!(!out.contains("%0A::error::forged"), "{format}: {out}");
        assert!(
            out.lines().all(|l| !l.starts_with("::error::forged")),
            "{format}: {out}"
        );
    }
}

#[test]
fn policies_that_invoke_each_other_are_a_routing_loop() {
    let dir = table(|docs| {
        let invoke = json!({ "id": "nn-other", "priority": 500, "conditions": [],
            "actions": [{ "actionType": "InvokePolicyAction", "policyType": "OtherRoutePolicy", "policyId": "overflow" }] });
        doc(docs, "a.json")["policyRules"].as_array_mut().unwrap().push(invoke);
        docs.push((
            "other.json",
            json!({ "policyOwner": "a", "policyType": "OtherRoutePolicy", "policyId": "overflow",
            "policyRules": [{ "id": "back", "priority": 1, "actions": [{ "actionType": "InvokePolicyAction",
                "policyType": "NormalNextHopRoutePolicy", "policyQueueName": A }] }] }),
        ));
    });
    let (_, report) = check(&dir);
    let loops = messages(&report, "routing-loop");
    assert_eq!(loops.len(), 1, "{loops:?}");
    assert!(
        loops[0].contains("NormalNextHopRoutePolicy(sip:psap@a.example.gov) -> OtherRoutePolicy(overflow) -> NormalNextHopRoutePolicy(sip:psap@a.example.gov)"),
        "{loops:?}"
    );
    assert!(messages(&report, "black-hole").is_empty());
}

#[test]
fn a_catch_all_above_a_full_diversion_shadows_it_but_not_the_unreachable_one() {
    let dir = table(|docs| {
        let rules = doc(docs, "a.json")["policyRules"].as_array_mut().unwrap();
        rules.retain(|r| r["id"] != "nn-main");
        rules.push(route("nn-main", 350, json!([]), A));
    });
    let (_, report) = check(&dir);
    assert_eq!(
        messages(&report, "shadowed-rule"),
        [
            "rule nn-full (priority 300) of NormalNextHopRoutePolicy(sip:psap@a.example.gov) never routes a call: whenever its conditions hold, rule nn-main (priority 350) above it holds first"
        ]
    );
}

#[test]
fn a_window_that_ended_and_contradicting_conditions_are_shadowed() {
    let dir = table(|docs| {
        let rules = doc(docs, "b.json")["policyRules"].as_array_mut().unwrap();
        rules.push(route(
            "old-night",
            250,
            json!([{ "conditionType": "TimePeriodCondition", "dateStart": "2020-01-01T00:00:00Z", "dateEnd": "2020-12-31T00:00:00Z" }]),
            A,
        ));
        rules.push(route(
            "both",
            240,
            json!([{ "conditionType": "SdpOfferCondition", "rtt": true }, { "conditionType": "SdpOfferCondition", "rtt": false }]),
            A,
        ));
    });
    let (_, report) = check(&dir);
    let shadowed = messages(&report, "shadowed-rule");
    assert_eq!(shadowed.len(), 2, "{shadowed:?}");
    assert!(shadowed[0].contains("old-night") && shadowed[0].contains("does not contain the check date"));
    assert!(shadowed[1].contains("rule both") && shadowed[1].contains("contradict"));
}

#[test]
fn a_negated_condition_and_its_opposite_contradict() {
    let header =
        json!({ "conditionType": "SipHeaderCondition", "field": "From", "operator": "SS", "content": "spoof" });
    let mut negated = header.clone();
    negated["negation"] = json!(true);
    let dir = table(|docs| {
        let rules = doc(docs, "b.json")["policyRules"].as_array_mut().unwrap();
        rules.push(route("never", 500, json!([negated, header]), A));
    });
    let (_, report) = check(&dir);
    assert_eq!(
        messages(&report, "shadowed-rule"),
        [
            "rule never (priority 500) of NormalNextHopRoutePolicy(sip:psap@b.example.gov) never routes a call: its conditions contradict each other"
        ]
    );
}

#[test]
fn a_shadowed_rule_names_every_rule_that_holds_in_its_place() {
    // Normally nn-main takes b-911's RTT calls; when b-911 fails nn-down, when busy nn-full.
    let dir = table(|docs| {
        let rules = doc(docs, "b.json")["policyRules"].as_array_mut().unwrap();
        rules.push(route(
            "nn-rtt",
            50,
            json!([{ "conditionType": "SdpOfferCondition", "rtt": true }]),
            A,
        ));
    });
    let (_, report) = check(&dir);
    assert_eq!(
        messages(&report, "shadowed-rule"),
        [
            "rule nn-rtt (priority 50) of NormalNextHopRoutePolicy(sip:psap@b.example.gov) never routes a call: whenever its conditions hold, one of the rules nn-down (priority 400), nn-full (priority 300), nn-main (priority 100) above it holds first"
        ]
    );
}

#[test]
fn kinds_of_call_a_policy_does_not_route_are_named() {
    // a-911's policy routes RTT calls to b-911 and voice calls to itself, with no catch-all
    // and no diversion: text calls without RTT fall through; when a-911 fails its voice calls
    // without RTT, and when b-911 fails the RTT text calls, have nowhere to go.
    let dir = table(|docs| {
        let a = doc(docs, "a.json");
        a["policyRules"] = json!([
            route(
                "nn-rtt",
                300,
                json!([{ "conditionType": "SdpOfferCondition", "rtt": true }]),
                B
            ),
            route(
                "nn-voice",
                200,
                json!([{ "conditionType": "SdpOfferCondition", "audio": true }]),
                A
            ),
        ]);
    });
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    let missing = messages(&report, "missing-default");
    assert_eq!(
        missing,
        [
            "NormalNextHopRoutePolicy(sip:psap@a.example.gov) has no catch-all rule, and none of its rules holds for calls from 1 origin (population 10) (only calls with SdpOffer rtt=false): they are lost"
        ]
    );
    let spof = messages(&report, "single-point-of-failure");
    assert_eq!(
        spof,
        [
            "if a-911 fails, calls from 1 origin (population 1,000) (only calls with SdpOffer rtt=false) reach no PSAP (lost at router esrp-1: no rule of NormalNextHopRoutePolicy(sip:psap@a.example.gov) holds once its routes have failed)",
            "if b-911 fails, calls from 1 origin (population 10) (only calls with SdpOffer rtt=true) reach no PSAP (lost at router esrp-2: no rule of NormalNextHopRoutePolicy(sip:psap@a.example.gov) holds once its routes have failed)"
        ]
    );
}

#[test]
fn a_recipient_that_names_nothing_is_an_unknown_reference() {
    let dir = table(|docs| {
        let rules = doc(docs, "a.json")["policyRules"].as_array_mut().unwrap();
        rules[1] = route("nn-full", 300, queue_is(A, "Full"), "sip:psap@bb.example.gov");
    });
    let (_, report) = check(&dir);
    assert_eq!(
        messages(&report, "unknown-reference"),
        [
            "`recipientUri` `sip:psap@bb.example.gov` in NormalNextHopRoutePolicy(sip:psap@a.example.gov)/nn-full names no PSAP `uri` and no router `queue` (did you mean `sip:psap@b.example.gov`?)"
        ]
    );
}

#[test]
fn a_policy_that_sends_located_calls_elsewhere_is_a_location_misroute() {
    let dir = table(|docs| {
        let rules = doc(docs, "a.json")["policyRules"].as_array_mut().unwrap();
        rules.retain(|r| r["id"] != "nn-main");
        rules.push(route("nn-main", 100, json!([]), B));
    });
    let (_, report) = check(&dir);
    let misroutes = messages(&report, "location-misroute");
    assert_eq!(misroutes.len(), 1, "{report:#}");
    assert!(misroutes[0].starts_with("calls from 2 origins (population 1,010) are delivered to b-911"));
}

#[test]
fn a_misroute_by_a_jws_policy_points_at_its_rule_in_the_payload() {
    use base64::Engine;
    let dir = table(|docs| {
        let a = doc(docs, "a.json");
        let rules = a["policyRules"].as_array_mut().unwrap();
        rules.retain(|r| r["id"] != "nn-main");
        rules.push(route("nn-main", 100, json!([]), B));
        let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        *a = json!({ "protected": b64(&json!({ "alg": "EdDSA" })), "payload": b64(a), "signature": "c2ln" });
    });
    let (_, report) = check(&dir);
    let misroute = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "location-misroute")
        .unwrap_or_else(|| panic!("{report:#}"));
    // nn-main is the third rule of a-911's policy (nn-down, nn-full, nn-main).
    assert_eq!(misroute["location"]["file"], "policies/a.json", "{misroute:#}");
    assert_eq!(misroute["location"]["pointer"], "/policyRules/2", "{misroute:#}");
}

#[test]
fn a_night_diversion_is_no_misroute_and_trace_shows_each_branch() {
    let dir = table(|docs| {
        let night = route(
            "nn-night",
            200,
            json!([{ "conditionType": "TimePeriodCondition", "dateStart": "2025-01-01T00:00:00-07:00",
                     "timeStart": "23:00:00", "timeEnd": "23:59:59" }]),
            B,
        );
        doc(docs, "a.json")["policyRules"].as_array_mut().unwrap().push(night);
    });
    let (code, report) = check(&dir);
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    assert_eq!(code, 0);
    let (_, out, _) = run_in(dir.path(), &["trace", "west", "table.yaml"]);
    insta::assert_snapshot!(out);
}

#[test]
fn statistics_count_the_branches_explored() {
    // a-911's calls (west, west-text): the usual call and the RTT calls it diverts; b-911's
    // (east): the usual call. Voice and text calls are told apart.
    let dir = table(|docs| {
        let rtt = route(
            "nn-rtt",
            350,
            json!([{ "conditionType": "SdpOfferCondition", "rtt": true }]),
            B,
        );
        doc(docs, "a.json")["policyRules"].as_array_mut().unwrap().push(rtt);
    });
    let (code, out, _) = run_in(dir.path(), &["check", "table.yaml", "--statistics"]);
    assert_eq!(code, 0, "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("branches explored: "))
        .expect("a branches line");
    assert_eq!(
        line,
        "branches explored: 5 (5 kinds of call and time slices) over 3 route classes, at most 2 for one class; bound 256 per walk, none reached it"
    );
}

#[test]
fn branches_cut_at_the_bound_are_reported_in_every_report() {
    // Nine header facts, each rule asking one of them and a tenth: 2^9 branches and more.
    let header = |name: &str| json!({ "conditionType": "SipHeaderCondition", "field": name, "operator": "EQ", "content": "yes" });
    let dir = table(|docs| {
        let rules = doc(docs, "a.json")["policyRules"].as_array_mut().unwrap();
        for k in 0..9 {
            let conditions = json!([header(&format!("X-Probe-{k}")), header("X-Probe-Z")]);
            rules.push(route(&format!("nn-probe-{k}"), 250 - k, conditions, B));
        }
    });
    let (_, report) = check(&dir);
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.ends_with(
            "walks branched into more than 256 kinds of call and time slices; only the first 256 of each were analysed"
        )),
        "{notes:?}"
    );
    let (_, out, _) = run_in(dir.path(), &["check", "table.yaml", "--statistics"]);
    assert!(out.contains("their further branches were not analysed"), "{out}");
}
