//! The Kansas NG9-1-1 example routed by NENA i3 policies (`examples/kansas-policy`, written by
//! `scripts/kansas_policy_example.py`) checks clean and its diversions route as written; each
//! broken variant (`fixtures/kansas-policy-broken/<rule>`: the same store cut to Sedgwick and
//! Sumner, with one realistic edit) raises its rule and nothing it does not cause.

use serde_json::Value;

use crate::common::{rules_of, run};

const EXAMPLE: &str = "examples/kansas-policy/kansas-policy.yaml";
/// A fixed check date inside every time window of the store (in force from 2025-07-01).
const DATE: &str = "2026-06-01";

fn check(path: &str) -> (i32, Value) {
    let (code, out, err) = run(&["check", path, "--date", DATE, "--format", "json"]);
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, report)
}

/// The rules a broken variant raises, each once, sorted.
fn rules_raised(rule: &str) -> Vec<String> {
    let (_, report) = check(&format!("fixtures/kansas-policy-broken/{rule}"));
    let mut rules: Vec<String> = rules_of(&report).into_iter().map(String::from).collect();
    rules.sort();
    rules.dedup();
    rules
}

/// The trace of `origin` in the example, with extra arguments (a failure, a busy PSAP).
fn trace(origin: &str, extra: &[&str]) -> String {
    // `trace` routes as of today (or --date): the store's windows run from 2025-07-01.
    let mut args = vec!["trace", origin, EXAMPLE];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    out
}

/// (branch, PSAP delivered to) of each walk of a trace, in order; the branch is empty when
/// the calls do not branch.
fn deliveries(trace: &str) -> Vec<(String, String)> {
    let mut branch = String::new();
    let mut out = Vec::new();
    for line in trace.lines().map(str::trim) {
        if let Some(b) = line.strip_prefix("branch: ") {
            branch = b.to_string();
        } else if line.starts_with("scenario: ") {
            branch.clear();
        } else if let Some(to) = line.strip_prefix("=> delivered to ") {
            out.push((branch.clone(), to.split(' ').next().unwrap().to_string()));
        }
    }
    out
}

#[test]
fn the_kansas_policy_example_checks_clean() {
    let (code, report) = check(EXAMPLE);
    assert_eq!(rules_of(&report), Vec::<&str>::new(), "{report:#}");
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["origins"], 31);
    assert_eq!(report["summary"]["psaps"], 9);
    // Some of its documents are JWS: the report says what it did not do.
    assert_eq!(report["notes"][0], "policy signatures not verified");
    // The directory reads the same table.
    let (code, report) = check("examples/kansas-policy");
    assert_eq!((code, rules_of(&report)), (0, Vec::<&str>::new()));
}

#[test]
fn harper_calls_divert_at_weekend_nights_for_rtt_and_when_harper_is_down() {
    let normal = deliveries(&trace("esz-800", &[]));
    let expected = [
        (
            "calls with SdpOffer rtt=false, at Mon 00:00–Fri 24:00; Sat–Sun 08:00–24:00",
            "harper-911",
        ),
        ("calls with SdpOffer rtt=false, at Sat–Sun 00:00–08:00", "sedgwick-911"),
        ("calls with SdpOffer rtt=true", "sedgwick-911"),
    ];
    let expected: Vec<_> = expected.iter().map(|(b, p)| (b.to_string(), p.to_string())).collect();
    assert_eq!(normal, expected);
    // Harper down: its neighbour Sumner answers; the calls Harper never takes stay where
    // they always go (the RTT and night rules come before the queue-state ones).
    let down = deliveries(&trace("esz-800", &["--fail", "harper-911"]));
    let psaps: Vec<&str> = down.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(psaps, ["sumner-911", "sedgwick-911", "sedgwick-911"]);
}

#[test]
fn trace_routes_as_of_its_date_before_the_night_windows_began() {
    // The night rules start on 2025-07-01: traced as of a day before, Harper takes its
    // voice calls at every hour, and the trace no longer cuts the week.
    let before = deliveries(&trace("esz-800", &["--date", "2025-03-01"]));
    let expected = [
        ("calls with SdpOffer rtt=false", "harper-911"),
        ("calls with SdpOffer rtt=true", "sedgwick-911"),
    ];
    let expected: Vec<_> = expected.iter().map(|(b, p)| (b.to_string(), p.to_string())).collect();
    assert_eq!(before, expected);
    let (code, _, err) = run(&["trace", "esz-800", EXAMPLE, "--date", "2025-3-1"]);
    assert_eq!(
        (code, err.trim()),
        (2, "psapguard: --date must be a date YYYY-MM-DD, not `2025-3-1`")
    );
}

#[test]
fn the_graph_draws_each_psaps_active_queue_as_the_usual_route_and_the_rest_as_diversions() {
    let (code, graph, err) = run(&["graph", EXAMPLE, "--format", "mermaid"]);
    assert_eq!(code, 0, "{err}");
    // `QueueState … EQ Active` holds while all is normal: Harper's own queue is its usual
    // route; the catch-all under it, and the night, RTT and failure rules, divert.
    assert!(
        graph.contains(r#"n_esrp_2d_ict -->|"policy nn-active"| n_harper_2d_911"#),
        "{graph}"
    );
    let sumner = graph
        .lines()
        .find(|l| l.contains("n_esrp_2d_ict -.->") && l.ends_with("n_sumner_2d_911"))
        .unwrap_or_else(|| panic!("{graph}"));
    assert!(sumner.contains("nn-default") && sumner.contains("nn-down"), "{sumner}");
}

#[test]
fn sedgwick_overflows_to_its_backup_and_night_diversions_to_it_fall_back_when_it_is_down() {
    let busy = trace("esz-100", &["--busy", "sedgwick-911"]);
    assert!(
        busy.contains("QueueState sip:sedgwick-911@sedgwick.ks.example.gov EQ Full: yes"),
        "{busy}"
    );
    assert_eq!(deliveries(&busy), [(String::new(), "sedgwick-backup-911".to_string())]);
    // Sedgwick's policy is a JWS: the rule that routed is named by its pointer in the payload.
    assert!(
        busy.contains("[examples/kansas-policy/policies/next-hop/sedgwick-911.json#/policyRules/1]"),
        "{busy}"
    );
    // Sumner's night hours go to Sedgwick; with Sedgwick down that route fails and the
    // re-evaluation keeps the call at Sumner.
    let down = trace("esz-500", &["--fail", "sedgwick-911"]);
    let night = deliveries(&down)
        .into_iter()
        .find(|(b, _)| b.ends_with("Mon–Thu, Sun 01:00–06:00"))
        .unwrap_or_else(|| panic!("{down}"));
    assert_eq!(night.1, "sumner-911");
    assert!(down.contains("yes, but its route failed"), "{down}");
}

#[test]
fn a_store_manifest_beside_the_policies_is_policy_format() {
    assert_eq!(rules_raised("policy-format"), ["policy-format"]);
    let (_, report) = check("fixtures/kansas-policy-broken/policy-format");
    let f = crate::common::finding_of(&report, "policy-format");
    assert!(
        f["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("policies/export-manifest.json"),
        "{f:#}"
    );
}

#[test]
fn three_letter_weekdays_are_policy_attribute_and_ignored_in_routing() {
    assert_eq!(rules_raised("policy-attribute"), ["policy-attribute"]);
    // Ignored as a member: the night hours apply every day, the rest of the day stays Sumner's.
    let (code, out, _) = run(&["trace", "esz-500", "fixtures/kansas-policy-broken/policy-attribute"]);
    assert_eq!(code, 0);
    let branches = deliveries(&out);
    assert!(
        branches.contains(&(
            "calls with SdpOffer rtt=false, at Mon–Sun 01:00–06:00".into(),
            "sedgwick-911".into()
        )),
        "{out}"
    );
    assert_eq!(branches[0].1, "sumner-911", "{out}");
}

#[test]
fn a_lower_case_action_type_is_policy_nonstandard() {
    assert_eq!(rules_raised("policy-nonstandard"), ["policy-nonstandard"]);
}

#[test]
fn an_esrp_queue_without_origination_policy_is_policy_missing() {
    // The calls homed first on esrp-top are lost there, and those homed first on esrp-ict
    // are lost there too when site-ict fails: one mistake, one finding (policy-missing lists
    // the origins; single-point-of-failure leaves calls lost for a missing policy to it).
    assert_eq!(rules_raised("policy-missing"), ["policy-missing"]);
}

#[test]
fn a_leftover_next_hop_policy_is_policy_unused() {
    assert_eq!(rules_raised("policy-unused"), ["policy-unused"]);
}

#[test]
fn the_readme_shows_the_example_as_it_runs() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let (_, out, err) = run(&["check", "examples/kansas-policy"]);
    let shown = format!("$ psapguard check examples/kansas-policy\n{out}{err}```");
    assert!(readme.contains(&shown), "README.md should show:\n{shown}");
    let (_, out, _) = run(&["trace", "esz-800", "examples/kansas-policy"]);
    let shown = format!("$ psapguard trace esz-800 examples/kansas-policy\n{out}```");
    assert!(readme.contains(&shown), "README.md should show:\n{shown}");
}
