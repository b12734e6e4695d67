//! `diff` semantics, git revisions, and every report format (SARIF validated against the
//! official 2.1.0 schema).

use std::path::Path;

use crate::common;

use common::{denver_with, finding_of, git, rules_of, run, run_in};

const OLD: &str = "fixtures/blast-radius/trigger/old.yaml";
const NEW: &str = "fixtures/blast-radius/trigger/new.yaml";

#[test]
fn diff_reports_moves_new_and_fixed_findings() {
    let (code, out, _) = run(&["diff", OLD, NEW, "--format", "json", "--date", "2026-01-01"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(
        changes[0],
        serde_json::json!({ "scenario": "normal", "origin": "o1", "before": "b-911", "after": "a-911", "population": 100 })
    );
    let rules = rules_of(&v);
    assert!(
        rules.contains(&"blast-radius") && rules.contains(&"psap-lost-traffic"),
        "{rules:?}"
    );
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["new"] == true));
    // Dual-homing the sectors fixes the single points of failure.
    let (code, out, _) = run(&[
        "diff",
        "fixtures/single-point-of-failure/trigger.yaml",
        "fixtures/single-point-of-failure/ok.yaml",
        "--format",
        "json",
        "--max-moved-origins",
        "100%",
        "--max-moved-population",
        "100%",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 0, "{out}");
    let fixed = v["fixed"].as_array().unwrap();
    assert_eq!(fixed.len(), 2, "{out}");
    assert!(fixed.iter().all(|f| f["rule"] == "single-point-of-failure"), "{out}");
}

#[test]
fn pre_existing_errors_fail_only_with_all() {
    // Both tables have the same single-homed origin: a pre-existing error.
    let t = "fixtures/single-point-of-failure/trigger.yaml";
    let (code, out, _) = run(&["diff", t, t]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(pre-existing)"), "{out}");
    let (code, _, _) = run(&["diff", t, t, "--all"]);
    assert_eq!(code, 1);
}

#[test]
fn blast_radius_limits_by_origins_and_by_population() {
    let (code, _, _) = run(&[
        "diff",
        OLD,
        NEW,
        "--max-moved-origins",
        "50%",
        "--max-moved-population",
        "200",
    ]);
    assert_eq!(code, 1, "psap-lost-traffic still fails");
    // Whether blast-radius fires with these limits (the change moves 2 origins, population 200).
    let fires = |origins: &str, population: &str| {
        let args = [
            "diff",
            OLD,
            NEW,
            "--format",
            "json",
            "--max-moved-origins",
            origins,
            "--max-moved-population",
            population,
        ];
        run(&args).1.contains("\"blast-radius\"")
    };
    assert!(!fires("50%", "200"), "at the limit is not over it");
    assert!(fires("50%", "199"), "population over its limit");
    assert!(fires("1", "100%"), "origins over their limit");
    let (code, _, err) = run(&["diff", OLD, NEW, "--max-moved-origins", "lots"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a percentage"), "{err}");
}

#[test]
fn human_and_markdown_diff_output() {
    let (_, out, _) = run(&["diff", OLD, NEW]);
    insta::assert_snapshot!("diff_human", out);
    let (_, out, _) = run(&["diff", OLD, NEW, "--format", "markdown"]);
    assert!(out.starts_with("### ❌ psapguard"), "verdict first");
    assert!(out.contains("```mermaid"));
    insta::assert_snapshot!("diff_markdown", out);
}

#[test]
fn github_and_junit_formats() {
    let (_, out, _) = run(&["check", "fixtures/unknown-reference/trigger.yaml", "--format", "github"]);
    insta::assert_snapshot!("check_github", out);
    assert!(
        out.lines()
            .all(|l| l.starts_with("::error file=fixtures/unknown-reference/trigger.yaml,line="))
    );
    let (_, out, _) = run(&["check", "fixtures/unknown-reference/trigger.yaml", "--format", "junit"]);
    insta::assert_snapshot!("check_junit", out);
    assert!(
        out.contains("<testsuite name=\"unknown-reference\" tests=\"3\""),
        "{out}"
    );
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let validator = sarif_validator();
    for args in [
        vec![
            "check",
            "fixtures/routing-loop/trigger-on-failure.yaml",
            "--format",
            "sarif",
        ],
        vec![
            "check",
            "fixtures/waivers/trigger.yaml",
            "--format",
            "sarif",
            "--date",
            "2026-01-01",
        ],
        vec!["diff", OLD, NEW, "--format", "sarif"],
        vec!["check", "examples/denver", "--format", "sarif"],
        vec!["check", "fixtures/boundary-gap/trigger", "--format", "sarif"],
        vec![
            "check",
            "fixtures/boundary-format/trigger-not-nena",
            "--format",
            "sarif",
        ],
    ] {
        let (_, out, _) = run(&args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:?}");
        // The rules listed are those that ran; each result's index names its own rule.
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(!rules.is_empty() && rules.len() <= psapguard::rules::all_meta().count());
        for r in v["runs"][0]["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"], "{args:?}");
        }
    }
    let (_, out, _) = run(&[
        "check",
        "fixtures/routing-loop/trigger-on-failure.yaml",
        "--format",
        "sarif",
    ]);
    insta::assert_snapshot!("check_sarif", out);
}

#[test]
fn fingerprints_survive_line_shifts() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("fixtures/single-point-of-failure/trigger.yaml").unwrap();
    std::fs::write(dir.path().join("a.yaml"), &text).unwrap();
    std::fs::write(dir.path().join("b.yaml"), format!("# a comment\n# another\n{text}")).unwrap();
    let fp = |name: &str| {
        let (_, out, _) = run_in(dir.path(), &["check", name, "--format", "sarif"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["psapguard/v1"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(fp("a.yaml"), fp("b.yaml"));
}

#[test]
fn several_formats_in_one_run() {
    let (code, out) = diff_to_sarif_and_markdown(&[]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "nothing on stdout: {out}");
    let (code, _, err) = run(&["check", "examples/denver", "--format", "json", "--format", "sarif"]);
    assert_eq!(code, 2);
    assert!(err.contains("only one report can go to stdout"), "{err}");
    let (code, _, err) = run(&["check", "examples/denver", "--output", "x.txt", "--format", "json"]);
    assert_eq!(code, 2);
    assert!(err.contains("each --output needs a --format before it"), "{err}");
}

/// Each --output belongs to the --format just before it, as the workflow template writes
/// them: annotations on stdout, SARIF and Markdown in files (they once went by count, and the
/// annotations landed in the SARIF file).
#[test]
fn an_output_belongs_to_the_format_before_it() {
    let (code, out) = diff_to_sarif_and_markdown(&["--format", "github"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("::error "), "annotations on stdout: {out}");
}

/// `diff OLD NEW` with `first`, then SARIF and Markdown each to a file: the exit code and
/// stdout, once both files are checked.
fn diff_to_sarif_and_markdown(first: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let (sarif, md) = (dir.path().join("p.sarif"), dir.path().join("p.md"));
    let mut args = vec!["diff", OLD, NEW];
    args.extend(first);
    let files = ["--format", "sarif", "--output", sarif.to_str().unwrap()];
    args.extend(
        files
            .iter()
            .chain(&["--format", "markdown", "--output", md.to_str().unwrap()]),
    );
    let (code, out, _) = run(&args);
    let log = std::fs::read_to_string(&sarif).unwrap();
    assert!(log.contains("\"version\": \"2.1.0\""), "{log}");
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("### "));
    (code, out)
}

/// `diff --format json` of two table texts: the output and its JSON.
fn diff_json(old_text: &str, new_text: &str) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.yaml"), dir.path().join("new.yaml"));
    std::fs::write(&old, old_text).unwrap();
    std::fs::write(&new, new_text).unwrap();
    let (_, out, _) = run(&["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--format", "json"]);
    let v = serde_json::from_str(&out).unwrap();
    (out, v)
}

/// A new git repository (not committed yet) whose `tables/a.yaml` is a copy of `table`.
fn repo_with_table(table: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    std::fs::create_dir_all(dir.path().join("tables")).unwrap();
    std::fs::copy(table, dir.path().join("tables/a.yaml")).unwrap();
    dir
}

#[test]
fn diff_against_a_git_revision() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir_all(repo.join("tables/origins")).unwrap();
    std::fs::create_dir_all(repo.join("tables/gis")).unwrap();
    for entry in [
        "gis/denver.gpkg",
        "network.yaml",
        "psaps.yaml",
        "pools.yaml",
        "origins/denver.yaml",
        "origins/adams.yaml",
        "origins/arapahoe.yaml",
        "origins/boulder.yaml",
        "origins/broomfield.yaml",
        "origins/douglas.yaml",
        "origins/jefferson.yaml",
    ] {
        std::fs::copy(
            Path::new("examples/denver").join(entry),
            repo.join("tables").join(entry),
        )
        .unwrap();
    }
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "table"]);
    let (code, out, _) = run_in(repo, &["diff", "--base", "HEAD", "tables"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No origin's calls move"), "{out}");
    // Orphan Broomfield: its ESN and cell-sector rules now go to Westminster.
    let network = std::fs::read_to_string(repo.join("tables/network.yaml"))
        .unwrap()
        .replace("        to: broomfield-pd", "        to: westminster-911");
    std::fs::write(repo.join("tables/network.yaml"), network).unwrap();
    let (code, out, _) = run_in(repo, &["diff", "--base", "HEAD", "tables", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "psap-lost-traffic" && f["entities"][0] == "broomfield-pd"),
        "{out}"
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "unreachable-psap" && f["new"] == true)
    );
    let (code, _, err) = run_in(repo, &["diff", "--base", "no-such-rev", "tables"]);
    assert_eq!(code, 2);
    assert_eq!(err, "psapguard: `no-such-rev` is not a git revision here\n");
    let (code, _, err) = run_in(repo, &["diff", "--base", "HEAD", "elsewhere"]);
    assert_eq!(code, 2);
    assert!(err.contains("elsewhere does not exist at HEAD"), "{err}");
}

#[test]
fn graph_as_dot_and_mermaid() {
    let (code, out, _) = run(&[
        "graph",
        "fixtures/single-point-of-failure/trigger.yaml",
        "--format",
        "dot",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("digraph routing {"));
    insta::assert_snapshot!("graph_dot", out);
    let (code, out, _) = run(&[
        "graph",
        "examples/denver",
        "--format",
        "mermaid",
        "--focus",
        "boulder-pd",
        "--depth",
        "1",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("graph_mermaid_focus", out);
    assert!(!out.contains("denver_911"), "outside the focus");
    let (code, _, err) = run(&["graph", "examples/denver", "--focus", "boulder-p"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `boulder-pd`?"), "{err}");
}

/// `diff --base` reads git with plumbing only: a link stored in git is refused (never
/// followed to /etc/passwd), a revision that looks like an option is refused, and a textconv
/// driver set by the repository's attributes never runs.
#[test]
fn a_git_revision_is_read_without_following_links_or_running_drivers() {
    let dir = repo_with_table("fixtures/black-hole/ok.yaml");
    let repo = dir.path();
    std::os::unix::fs::symlink("/etc/passwd", repo.join("tables/zz.yaml")).unwrap();
    let marker = repo.join("driver-ran");
    std::fs::write(repo.join(".gitattributes"), "*.yaml diff=evil filter=evil\n").unwrap();
    git(
        repo,
        &[
            "config",
            "diff.evil.textconv",
            &format!("touch {}; cat", marker.display()),
        ],
    );
    git(
        repo,
        &[
            "config",
            "filter.evil.smudge",
            &format!("touch {}; cat", marker.display()),
        ],
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "table"]);
    std::fs::remove_file(repo.join("tables/zz.yaml")).unwrap();
    let (code, out, err) = run_in(repo, &["diff", "--base", "HEAD", "tables", "--format", "json"]);
    assert_ne!(code, 2, "{out}{err}");
    assert!(!out.contains("root:"), "{out}");
    assert!(
        out.contains("HEAD:tables/zz.yaml is a symbolic link in git; links are not followed"),
        "{out}"
    );
    assert!(!marker.exists(), "a repository's driver ran");
    let (code, _, err) = run_in(repo, &["diff", "--base", "--output=/tmp/x", "tables"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run_in(repo, &["diff", "--base=-h", "tables"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a git revision here"), "{err}");
}

/// A change cannot switch off the gate that reviews it: psapguard.toml is read at the base
/// too; turning a rule off fails the review unless `--allow-config-change` accepts it, and
/// the waivers the change adds are listed.
#[test]
fn a_change_that_weakens_the_gate_fails_its_review() {
    let dir = repo_with_table("fixtures/black-hole/ok.yaml");
    let repo = dir.path();
    std::fs::write(
        repo.join("psapguard.toml"),
        "table = \"tables\"\n[rules]\nshadowed-rule = \"error\"\n",
    )
    .unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "table"]);
    let (code, out, err) = run_in(repo, &["diff", "--base", "HEAD"]);
    assert_eq!(code, 0, "an unchanged gate passes: {out}{err}");
    assert!(!out.contains("gate-weakened"), "{out}");

    std::fs::write(
        repo.join("psapguard.toml"),
        "table = \"tables\"\n[rules]\nsingle-point-of-failure = \"off\"\n[blast_radius]\nmax_moved_origins = \"50%\"\n",
    )
    .unwrap();
    let (code, out, _) = run_in(repo, &["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = finding_of(&v, "gate-weakened");
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("`single-point-of-failure` turned off (was an error)"),
        "{message}"
    );
    assert!(
        message.contains("`shadowed-rule` a warning (was an error)"),
        "{message}"
    );
    assert!(
        message.contains("max_moved_origins loosened to 50% (was 5%)"),
        "{message}"
    );
    assert_eq!(f["entities"][0], "psapguard.toml");

    let (code, out, _) = run_in(repo, &["diff", "--base", "HEAD", "--allow-config-change"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("accepted with --allow-config-change"), "{out}");

    // A waiver the change adds is listed for the reviewer.
    std::fs::write(
        repo.join("psapguard.toml"),
        "table = \"tables\"\n[rules]\nshadowed-rule = \"error\"\n",
    )
    .unwrap();
    let table = std::fs::read_to_string(repo.join("tables/a.yaml")).unwrap();
    let waived = table.replacen(
        "alternate: [a-911, b-911] }",
        "alternate: [a-911, b-911], waivers: [{ rule: inactive-destination, reason: staffed from 2027 }] }",
        1,
    );
    assert_ne!(waived, table);
    std::fs::write(repo.join("tables/a.yaml"), waived).unwrap();
    let (code, out, _) = run_in(repo, &["diff", "--base", "HEAD", "--format", "markdown"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("**Waivers this change adds:**"), "{out}");
    assert!(
        out.contains("- `inactive-destination` on `golden-pd`: staffed from 2027"),
        "{out}"
    );
}

/// The 2018 pattern: only the mate ESRP changes, so that Jefferson County's ESNs go to Douglas
/// County when the primary's site fails. Nothing moves normally; `check` and `diff` must both
/// fail, and `diff` must show the failover change with its scenario.
#[test]
fn a_mate_that_misroutes_only_in_failover_fails_check_and_diff() {
    let dir = denver_with("network.yaml", |network| {
        let cos = network.find("  esrp-cos:").unwrap();
        let (head, tail) = network.split_at(cos);
        format!(
            "{head}{}",
            tail.replacen(
                "match: { esn: [\"400-409\"] }\n        to: jeffco-so",
                "match: { esn: [\"400-409\"] }\n        to: douglas-so",
                1
            )
        )
    });
    let copy = dir.path();
    let shown = copy.to_str().unwrap();
    let (code, out, _) = run(&["check", shown, "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"failover-misroute\""), "{out}");
    let (code, out, _) = run(&["diff", "examples/denver", shown, "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    assert!(
        changes
            .iter()
            .all(|c| c["scenario"] == "fail:site-den" && c["before"] == "jeffco-so" && c["after"] == "douglas-so"),
        "{out}"
    );
    let (_, md, _) = run(&["diff", "examples/denver", shown, "--format", "markdown"]);
    assert!(md.contains("**Moved traffic:** none"), "{md}");
    assert!(md.contains("**If site-den fails, failover moves:** 2 origins"), "{md}");
    assert!(md.contains("`failover-misroute`"), "{md}");
}

/// A diff whose table has schema errors cannot compare routing: it says so and fails, even
/// when the same errors were there before (a gate that cannot look must not pass a change).
#[test]
fn a_diff_that_cannot_compare_routing_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let broken = "version: 1\npsaps:\n  a: { status: active, bogus: 1 }\n  b: { status: active }\nrouters:\n  r1: { default: a }\norigins:\n  o1: { kind: esz, population: 100, ingress: [r1] }\n";
    let old = dir.path().join("old.yaml");
    let new = dir.path().join("new.yaml");
    std::fs::write(&old, broken).unwrap();
    std::fs::write(&new, broken.replace("r1: { default: a }", "r1: { default: b }")).unwrap();
    for format in ["human", "json", "markdown", "github", "sarif"] {
        let (code, out, _) = run(&["diff", old.to_str().unwrap(), new.to_str().unwrap(), "--format", format]);
        assert_eq!(code, 1, "{format}: {out}");
        assert!(out.contains("diff cannot compare routing"), "{format}: {out}");
        assert!(!out.contains("No origin's calls move"), "{format}: {out}");
    }
}

/// The same loop entered at another element is the same finding: neither new nor fixed.
#[test]
fn findings_match_by_the_set_of_their_entities() {
    let table = "version: 1\npsaps:\n  a: { status: active }\nrouters:\n  r1: { default: r2 }\n  r2: { default: r1 }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n";
    let (out, v) = diff_json(table, &table.replace("ingress: [r1]", "ingress: [r2]"));
    let lp = finding_of(&v, "routing-loop");
    assert_eq!(lp["new"], false, "{out}");
    assert!(
        v["fixed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "routing-loop"),
        "{out}"
    );
}

/// A new finding caused by an edit points at the edited line (so the pull request shows its
/// annotation there); where it shows up stays in `related`.
#[test]
fn a_new_finding_points_at_the_edit_that_caused_it() {
    let table = "version: 1\npsaps:\n  a-911: { state: CO, counties: [Adams, Weld], status: active, alternate: [b-911] }\n  b-911: { state: CO, status: active, alternate: [a-911] }\nrouters:\n  r1: { mate: [r2], default: a-911 }\n  r2: { mate: [r1], default: a-911 }\norigins:\n  o1: { kind: esz, state: CO, county: Weld, ingress: [r1, r2] }\n";
    let (out, v) = diff_json(table, &table.replace("counties: [Adams, Weld]", "counties: [Adams]"));
    let f = finding_of(&v, "cross-jurisdiction");
    assert_eq!(f["location"]["line"], 3, "{out}");
    assert_eq!(f["related"][0]["message"], "the finding shows here", "{out}");
    assert_eq!(f["related"][0]["line"], 6, "the default that sends the calls: {out}");
}
