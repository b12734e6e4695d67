//! `diff` of tables routed by NENA i3 policies (SPEC §9 "With diff"): policies and rules are
//! elements like routers, a changed rule is a diff of its JSON, and what a policy edit does to
//! calls (moves, failover changes, new findings) is reported as for YAML tables.

use std::path::Path;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::common::{copy_tree, git, run, run_in};
use crate::policy_routing::{A, B, doc, write_table};

type Docs = Vec<(&'static str, Value)>;

/// `diff old/table.yaml new/table.yaml` of the clean store and the store with `edit`.
fn diff_with(edit: impl FnOnce(&mut Docs), format: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    write_table(&dir.path().join("old"), |_| {});
    write_table(&dir.path().join("new"), edit);
    let (code, out, err) = run_in(
        dir.path(),
        &["diff", "old/table.yaml", "new/table.yaml", "--format", format],
    );
    assert!(err.is_empty(), "{err}");
    (code, out)
}

fn diff_json(edit: impl FnOnce(&mut Docs)) -> (i32, Value) {
    let (code, out) = diff_with(edit, "json");
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")),
    )
}

fn rules_mut<'a>(docs: &'a mut Docs, name: &str) -> &'a mut Vec<Value> {
    doc(docs, name)["policyRules"].as_array_mut().unwrap()
}

/// (policy, rule, change) of each policy change.
fn policy_changes(report: &Value) -> Vec<(String, Value, String)> {
    report["policy_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["policy"].as_str().unwrap().to_string(),
                c["rule"].clone(),
                c["change"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// (rule, scenario, entities) of each new finding.
fn new_findings(report: &Value) -> Vec<(String, String, Value)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["new"] == true)
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["scenario"].as_str().unwrap_or("").to_string(),
                f["entities"].clone(),
            )
        })
        .collect()
}

/// (scenario, origin, before, after) of each change.
fn moves(report: &Value) -> Vec<(String, String, Value, Value)> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["scenario"].as_str().unwrap().to_string(),
                c["origin"].as_str().unwrap().to_string(),
                c["before"].clone(),
                c["after"].clone(),
            )
        })
        .collect()
}

const A_POLICY: &str = "NormalNextHopRoutePolicy(sip:psap@a.example.gov)";

fn set_recipient(docs: &mut Docs, rule: usize, to: &str) {
    rules_mut(docs, "a.json")[rule]["actions"][0]["recipientUri"] = json!(to);
}

#[test]
fn a_changed_recipient_is_a_rule_diff_and_moves_the_calls_it_routes() {
    let (code, report) = diff_json(|docs| set_recipient(docs, 2, B));
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        policy_changes(&report),
        [(A_POLICY.to_string(), json!("nn-main"), "changed".to_string())]
    );
    let diff = report["policy_changes"][0]["diff"].as_str().unwrap();
    assert!(
        diff.starts_with("--- old/policies/a.json#/policyRules/2\n+++ new/policies/a.json#/policyRules/2\n"),
        "{diff}"
    );
    assert!(
        diff.contains(&format!(
            "-      \"recipientUri\": \"{A}\"\n+      \"recipientUri\": \"{B}\"\n"
        )),
        "{diff}"
    );
    let to_b = |origin: &str| ("normal".to_string(), origin.to_string(), json!("a-911"), json!("b-911"));
    assert_eq!(moves(&report), [to_b("west"), to_b("west-text")]);
    let rules: Vec<String> = new_findings(&report).into_iter().map(|f| f.0).collect();
    for rule in ["location-misroute", "psap-lost-traffic", "blast-radius"] {
        assert!(rules.iter().any(|r| r == rule), "{rule} missing from {rules:?}");
    }
    insta::assert_json_snapshot!("policy_diff_recipient_json", report);
}

#[test]
fn a_priority_swap_that_shadows_a_diversion_is_a_new_finding() {
    let swap = |docs: &mut Docs| {
        let rules = rules_mut(docs, "a.json");
        rules[1]["priority"] = json!(100);
        rules[2]["priority"] = json!(300);
    };
    let (code, out) = diff_with(swap, "human");
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("policy_diff_priority_swap_human", out);
    let (_, markdown) = diff_with(swap, "markdown");
    assert!(
        markdown.contains(&format!(
            "**changed policy rule `{A_POLICY}/nn-full`**\n\n```diff\n--- old/policies/a.json#/policyRules/1\n"
        )),
        "{markdown}"
    );
    let (_, report) = diff_json(swap);
    let changed = |rule: &str| (A_POLICY.to_string(), json!(rule), "changed".to_string());
    assert_eq!(policy_changes(&report), [changed("nn-full"), changed("nn-main")]);
    assert_eq!(moves(&report), []);
    assert_eq!(
        new_findings(&report),
        [(
            "shadowed-rule".to_string(),
            String::new(),
            json!([format!("{A_POLICY}/nn-full")])
        )]
    );
}

#[test]
fn a_removed_rule_changes_failover_and_loses_calls() {
    let (code, report) = diff_json(|docs| {
        rules_mut(docs, "a.json").remove(0);
    });
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        policy_changes(&report),
        [(A_POLICY.to_string(), json!("nn-down"), "removed".to_string())]
    );
    assert!(
        report["policy_changes"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("+++ /dev/null\n")
    );
    let lost = |origin: &str| {
        (
            "fail:a-911".to_string(),
            origin.to_string(),
            json!("b-911"),
            Value::Null,
        )
    };
    assert_eq!(moves(&report), [lost("west"), lost("west-text")]);
    let new = new_findings(&report);
    assert!(
        new.contains(&(
            "single-point-of-failure".to_string(),
            "fail:a-911".to_string(),
            json!(["a-911"])
        )),
        "{new:?}"
    );
}

#[test]
fn a_removed_policy_is_shown_whole_and_its_absence_is_new() {
    let (code, report) = diff_json(|docs| docs.retain(|(name, _)| *name != "b.json"));
    assert_eq!(code, 1, "{report:#}");
    let b_policy = "NormalNextHopRoutePolicy(sip:psap@b.example.gov)";
    assert_eq!(
        policy_changes(&report),
        [(b_policy.to_string(), Value::Null, "removed".to_string())]
    );
    let diff = report["policy_changes"][0]["diff"].as_str().unwrap();
    assert!(diff.contains("-  \"policyRules\": ["), "{diff}");
    // east's calls now find no NormalNextHopRoutePolicy for b-911's queue: lost.
    assert_eq!(
        moves(&report)[0],
        ("normal".to_string(), "east".to_string(), json!("b-911"), Value::Null)
    );
    let new = new_findings(&report);
    assert!(
        new.contains(&("psap-lost-traffic".to_string(), "normal".to_string(), json!(["b-911"]))),
        "{new:?}"
    );
}

/// A flattened JWS of `policy` (the signature is never verified).
fn jws(policy: &Value) -> Value {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    json!({ "protected": b64(&json!({ "alg": "ES256" })), "payload": b64(policy), "signature": "c2ln" })
}

/// A repository whose committed table is the clean store with a.json as a JWS, and whose
/// work tree is the store with `edit`.
fn repo(edit: impl FnOnce(&mut Docs)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    write_table(&repo.join("tables"), |docs| {
        let signed = jws(doc(docs, "a.json"));
        *doc(docs, "a.json") = signed;
    });
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "the store"]);
    // The work tree is written afresh: nothing of the base is left in it.
    std::fs::remove_dir_all(repo.join("tables")).unwrap();
    write_table(&repo.join("tables"), edit);
    dir
}

fn diff_base(repo: &Path) -> (i32, Value, String) {
    let (code, out, err) = run_in(
        repo,
        &["diff", "--base", "HEAD", "tables/table.yaml", "--format", "json"],
    );
    let report = serde_json::from_str(&out).unwrap_or(Value::Null);
    (code, report, err)
}

#[test]
fn diff_base_reads_the_policies_at_the_revision_jws_included() {
    // Unchanged but for the JWS wrapping: the same policies, nothing moves.
    let same = repo(|_| {});
    let (code, report, err) = diff_base(same.path());
    assert_eq!(code, 0, "{err} {report:#}");
    assert_eq!(policy_changes(&report), []);
    assert_eq!(moves(&report), []);
    assert_eq!(new_findings(&report), []);
    // Before the base's policies were read, every one of them counted as added.
    assert_eq!(report["fixed"], json!([]), "{report:#}");
    let changed = repo(|docs| set_recipient(docs, 2, B));
    let (code, report, err) = diff_base(changed.path());
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        policy_changes(&report),
        [(A_POLICY.to_string(), json!("nn-main"), "changed".to_string())]
    );
    // The base's rule is in the decoded payload of the JWS, named by its pointer there.
    let diff = report["policy_changes"][0]["diff"].as_str().unwrap();
    assert!(
        diff.starts_with("--- HEAD:tables/policies/a.json#/policyRules/2\n"),
        "{diff}"
    );
    let to_b = |origin: &str| ("normal".to_string(), origin.to_string(), json!("a-911"), json!("b-911"));
    assert_eq!(moves(&report), [to_b("west"), to_b("west-text")]);
}

#[test]
fn diff_base_reads_policies_only_inside_the_tree_and_never_an_lfs_pointer() {
    // A base whose a.json is an LFS pointer git cannot smudge: stopped, not read as missing.
    let dir = repo(|_| {});
    let repo_dir = dir.path();
    let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:0000000000000000000000000000000000000000000000000000000000000000\nsize 1234\n";
    let real = std::fs::read(repo_dir.join("tables/policies/a.json")).unwrap();
    std::fs::write(repo_dir.join("tables/policies/a.json"), pointer).unwrap();
    git(repo_dir, &["commit", "-qam", "a.json in LFS"]);
    std::fs::write(repo_dir.join("tables/policies/a.json"), real).unwrap();
    let (code, _, err) = diff_base(repo_dir);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("tables/policies/a.json: this policy file is a Git LFS pointer at HEAD"),
        "{err}"
    );
    // A base naming policies outside the table's root: refused there, so a finding of the
    // base's that the change fixes, and nothing outside is read.
    let table = std::fs::read_to_string(repo_dir.join("tables/table.yaml")).unwrap();
    std::fs::write(
        repo_dir.join("tables/table.yaml"),
        table.replace("  - file: policies/\n", "  - file: policies/\n  - file: ../../\n"),
    )
    .unwrap();
    git(repo_dir, &["commit", "-qam", "policies from outside"]);
    std::fs::write(repo_dir.join("tables/table.yaml"), table).unwrap();
    let (_, report, err) = diff_base(repo_dir);
    let fixed = report["fixed"].to_string();
    assert!(
        fixed.contains("policy-format") && fixed.contains("is outside the table's root"),
        "{err} {report:#}"
    );
}

#[test]
fn graph_draws_policy_routes_as_a_routers() {
    let dir = tempfile::tempdir().unwrap();
    // a-911 diverts to b-911 only when its queue is full or unreachable; b-911 likewise.
    write_table(dir.path(), |_| {});
    let (code, dot, err) = run_in(dir.path(), &["graph", "table.yaml", "--format", "dot"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("policy_graph_dot", dot);
    let (code, mermaid, err) = run_in(dir.path(), &["graph", "table.yaml", "--format", "mermaid"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("policy_graph_mermaid", mermaid);
}

#[test]
fn graph_draws_the_policies_in_force_on_its_date() {
    let dir = tempfile::tempdir().unwrap();
    write_table(dir.path(), |docs| {
        doc(docs, "a.json")["policyExpirationTime"] = json!("2020-01-01T00:00:00Z");
    });
    let usual_to_a = |date: &str| -> String {
        let (code, dot, err) = run_in(dir.path(), &["graph", "table.yaml", "--date", date]);
        assert_eq!(code, 0, "{err}");
        let edge = dot
            .lines()
            .find(|l| l.starts_with("  \"esrp-1\" -> \"a-911\" [label=\"policy"));
        edge.unwrap_or_default().to_string()
    };
    // In force: a-911's own next-hop policy routes its calls there.
    assert!(usual_to_a("2019-06-01").contains("label=\"policy nn-main, unlocated\""));
    // Expired: only the unlocated calls' catch-all still routes to a-911.
    assert!(usual_to_a("2021-06-01").contains("label=\"policy unlocated\""));
    let (code, _, err) = run_in(dir.path(), &["graph", "table.yaml", "--date", "tomorrow"]);
    assert_eq!(code, 2);
    assert!(err.contains("--date must be a date YYYY-MM-DD"), "{err}");
}

#[test]
fn diff_base_follows_a_link_inside_the_tree_as_the_work_tree_does() {
    // A store that keeps a.json elsewhere in the tree and links it in: both sides read it.
    let dir = repo(|_| {});
    let repo_dir = dir.path();
    let tables = repo_dir.join("tables");
    std::fs::create_dir(tables.join("store")).unwrap();
    std::fs::rename(tables.join("policies/a.json"), tables.join("store/a.json")).unwrap();
    std::os::unix::fs::symlink("../store/a.json", tables.join("policies/a.json")).unwrap();
    git(repo_dir, &["add", "-A"]);
    git(repo_dir, &["commit", "-qm", "a.json linked"]);
    let (code, report, err) = diff_base(repo_dir);
    assert_eq!(code, 0, "{err} {report:#}");
    assert_eq!(report["fixed"], json!([]), "{report:#}");
    assert_eq!(policy_changes(&report), []);
    assert_eq!(moves(&report), []);
}

#[test]
fn a_policy_linked_from_outside_the_tree_is_refused_on_both_sides() {
    let dir = repo(|_| {});
    let tables = dir.path().join("tables");
    std::os::unix::fs::symlink("/etc/hostname", tables.join("policies/elsewhere.json")).unwrap();
    let (code, out, err) = run_in(&tables, &["check", "table.yaml", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("the policy file policies/elsewhere.json is outside the table's root"),
        "{out}"
    );
}

#[test]
fn diff_base_never_follows_a_link_among_the_policies() {
    let dir = repo(|_| {});
    let repo_dir = dir.path();
    let link = repo_dir.join("tables/policies/elsewhere.json");
    std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
    git(repo_dir, &["add", "."]);
    git(repo_dir, &["commit", "-qm", "a link"]);
    std::fs::remove_file(&link).unwrap();
    let (code, report, err) = diff_base(repo_dir);
    assert_eq!(code, 0, "{err} {report:#}");
    let fixed = report["fixed"].to_string();
    assert!(fixed.contains("elsewhere.json is outside the table's root"), "{fixed}");
    // The other policies at the base were read (read ahead, in one git process): no move.
    assert_eq!(moves(&report), []);
}

const KANSAS: &str = "examples/kansas-policy/kansas-policy.yaml";

/// `diff` of the Kansas example against a copy with `edit` applied to Harper's next-hop
/// policy (its rules: nn-rtt 500, nn-night 400, nn-down 300, nn-full 200, nn-active 100).
fn kansas_diff(edit: impl FnOnce(&mut Vec<Value>), format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(Path::new("examples/kansas-policy"), dir.path());
    let harper = dir.path().join("policies/next-hop/harper-911.json");
    let mut policy: Value = serde_json::from_str(&std::fs::read_to_string(&harper).unwrap()).unwrap();
    edit(policy["policyRules"].as_array_mut().unwrap());
    std::fs::write(&harper, serde_json::to_string_pretty(&policy).unwrap()).unwrap();
    let new = dir.path().join("kansas-policy.yaml");
    // A date inside every time window of the store.
    let args = [
        "diff",
        KANSAS,
        new.to_str().unwrap(),
        "--date",
        "2026-06-01",
        "--format",
        format,
    ];
    let (code, out, err) = run(&args);
    assert!(code < 2, "{err}");
    out
}

fn rule<'a>(rules: &'a mut [Value], id: &str) -> &'a mut Value {
    rules.iter_mut().find(|r| r["id"] == id).unwrap()
}

/// (calls, before, after, origins) of each move in `scenario`, one line per kind of call.
fn calls_moves_in(report: &Value, scenario: &str) -> Vec<(String, String, String, Vec<String>)> {
    let mut out: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for c in report["changes"].as_array().unwrap() {
        if c["scenario"] != scenario {
            continue;
        }
        let key = (
            c["calls"].as_str().unwrap_or("the usual call").to_string(),
            c["before"].as_str().unwrap().to_string(),
            c["after"].as_str().unwrap().to_string(),
        );
        let origin = c["origin"].as_str().unwrap().to_string();
        match out.iter_mut().find(|m| (&m.0, &m.1, &m.2) == (&key.0, &key.1, &key.2)) {
            Some(m) => m.3.push(origin),
            None => out.push((key.0, key.1, key.2, vec![origin])),
        }
    }
    out.sort();
    out
}

/// The normal moves; the report has no other.
fn calls_moves(report: &Value) -> Vec<(String, String, String, Vec<String>)> {
    let all = report["changes"].as_array().unwrap();
    assert!(all.iter().all(|c| c["scenario"] == "normal"), "{report:#}");
    calls_moves_in(report, "normal")
}

fn harper_origins() -> Vec<String> {
    ["cs-harper-01", "esz-800", "esz-801"].map(String::from).to_vec()
}

#[test]
fn a_priority_swap_moves_the_rtt_and_night_calls_it_no_longer_diverts() {
    // nn-active above nn-rtt and nn-night: a staffed harper-911 now takes every call, its
    // RTT and weekend-night calls no longer go to sedgwick-911. Its usual call stays.
    let swap = |rules: &mut Vec<Value>| {
        rule(rules, "nn-rtt")["priority"] = json!(100);
        rule(rules, "nn-active")["priority"] = json!(500);
    };
    let report: Value = serde_json::from_str(&kansas_diff(swap, "json")).unwrap();
    let to_harper = |calls: &str| {
        (
            calls.to_string(),
            "sedgwick-911".to_string(),
            "harper-911".to_string(),
            harper_origins(),
        )
    };
    assert_eq!(
        calls_moves(&report),
        [
            to_harper("at Sat–Sun 00:00–08:00"),
            to_harper("calls with SdpOffer rtt=true, at Mon 00:00–Fri 24:00; Sat–Sun 08:00–24:00"),
        ],
        "{report:#}"
    );
    let human = kansas_diff(swap, "human");
    assert!(
        human.starts_with(
            "Moved traffic: 3 origins (population 5,436)\n  sedgwick-911 -> harper-911 (at Sat–Sun 00:00–08:00): 3 origins"
        ),
        "{human}"
    );
    let markdown = kansas_diff(swap, "markdown");
    assert!(
        markdown.contains("| `sedgwick-911` | `harper-911` \\(at Sat–Sun 00:00–08:00\\) | 3 |"),
        "{markdown}"
    );
}

#[test]
fn a_night_window_ending_earlier_moves_only_the_hour_it_gave_up() {
    let earlier = |rules: &mut Vec<Value>| {
        rule(rules, "nn-night")["conditions"][0]["timeEnd"] = json!("07:00:00");
    };
    let report: Value = serde_json::from_str(&kansas_diff(earlier, "json")).unwrap();
    // RTT calls went to sedgwick-911 at that hour anyway: only the others move.
    assert_eq!(
        calls_moves(&report),
        [(
            "calls with SdpOffer rtt=false, at Sat–Sun 07:00–08:00".to_string(),
            "sedgwick-911".to_string(),
            "harper-911".to_string(),
            harper_origins()
        )],
        "{report:#}"
    );
}

#[test]
fn rules_reordered_or_renamed_without_effect_move_nothing() {
    let no_effect = |rules: &mut Vec<Value>| {
        rules.reverse();
        rule(rules, "nn-rtt")["id"] = json!("nn-real-time-text");
    };
    let report: Value = serde_json::from_str(&kansas_diff(no_effect, "json")).unwrap();
    assert_eq!(calls_moves(&report), [], "{report:#}");
    let human = kansas_diff(no_effect, "human");
    assert!(
        human.starts_with("No origin's calls move: every origin reaches the same PSAP as before."),
        "{human}"
    );
}

#[test]
fn a_failover_rule_raised_above_the_diversions_moves_their_calls_only_in_that_failure() {
    // nn-down above nn-rtt and nn-night: with harper-911 down, its RTT and weekend-night
    // calls go to sumner-911 instead of sedgwick-911; nothing moves normally, nor its usual
    // call in the failure (sumner-911 before and after).
    let raised = |rules: &mut Vec<Value>| {
        rule(rules, "nn-down")["priority"] = json!(600);
    };
    let report: Value = serde_json::from_str(&kansas_diff(raised, "json")).unwrap();
    assert_eq!(calls_moves_in(&report, "normal"), [], "{report:#}");
    let to_sumner = |calls: &str| {
        (
            calls.to_string(),
            "sedgwick-911".to_string(),
            "sumner-911".to_string(),
            harper_origins(),
        )
    };
    assert_eq!(
        calls_moves_in(&report, "fail:harper-911"),
        [
            to_sumner("at Sat–Sun 00:00–08:00"),
            to_sumner("calls with SdpOffer rtt=true, at Mon 00:00–Fri 24:00; Sat–Sun 08:00–24:00"),
        ],
        "{report:#}"
    );
    let human = kansas_diff(raised, "human");
    assert!(
        human.contains(
            "If harper-911 fails, failover moves: 3 origins (population 5,436)\n  sedgwick-911 -> sumner-911 (at Sat–Sun 00:00–08:00): 3 origins"
        ),
        "{human}"
    );
}
