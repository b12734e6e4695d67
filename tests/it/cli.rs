//! The command line: exit codes, human and JSON output, errors as one plain sentence.

use assert_cmd::Command;

use crate::common;

use common::finding_of;

fn psapguard() -> Command {
    let mut cmd = Command::cargo_bin("psapguard").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

fn stdout_of(args: &[&str]) -> (i32, String, String) {
    let out = psapguard().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn clean_example_exits_zero() {
    let (code, out, err) = stdout_of(&["check", "examples/denver"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(err, "", "no progress or noise on stderr when it is not a terminal");
    insta::assert_snapshot!(out);
}

#[test]
fn failing_findings_exit_one_with_code_frames() {
    let (code, out, _) = stdout_of(&[
        "check",
        "--date",
        "2026-01-01",
        "fixtures/single-point-of-failure/trigger.yaml",
    ]);
    assert_eq!(code, 1);
    assert!(!out.contains('\u{1b}'), "no colour codes when not a terminal");
    insta::assert_snapshot!(out);
}

#[test]
fn human_output_of_a_loop_and_a_schema_error() {
    let (code, out, _) = stdout_of(&["check", "fixtures/routing-loop/trigger-on-failure.yaml"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("loop_human", out);
    let (code, out, _) = stdout_of(&["check", "fixtures/schema/trigger.yaml"]);
    assert_eq!(code, 1);
    assert!(out.contains("note: routing analysis skipped"));
    insta::assert_snapshot!("schema_human", out);
}

#[test]
fn warnings_alone_exit_zero() {
    let (code, out, _) = stdout_of(&["check", "fixtures/shadowed-rule/trigger.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("shadowed-rule"));
}

#[test]
fn json_output_follows_the_spec() {
    let (code, out, _) = stdout_of(&["check", "--format", "json", "fixtures/unknown-reference/trigger.yaml"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tool"], "psapguard");
    assert_eq!(v["format"], 1);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["tool", "version", "format", "findings", "summary"]);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entities"][1] == "a-91l")
        .unwrap();
    assert_eq!(f["rule"], "unknown-reference");
    assert_eq!(f["entities"][0], "r1");
    assert_eq!(f["affected"][0], "o7");
    assert_eq!(f["population"], 500);
    assert_eq!(f["location"]["line"], 12);
    assert_eq!(f["location"]["column"], 13);
}

#[test]
fn missing_path_is_exit_two_with_one_sentence() {
    let (code, out, err) = stdout_of(&["check", "no/such/table"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err, "psapguard: cannot read no/such/table: no such file or directory\n");
}

#[test]
fn bad_arguments_are_exit_two() {
    let (code, _, _) = stdout_of(&["check", "--format", "yaml", "examples/denver"]);
    assert_eq!(code, 2);
    let (code, _, err) = stdout_of(&["check", "--date", "tomorrow", "examples/denver"]);
    assert_eq!(code, 2);
    assert!(err.contains("--date must be a date YYYY-MM-DD"));
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let (code, out, _) = stdout_of(&["schema"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        std::fs::read_to_string("schemas/routing-table.schema.json").unwrap()
    );
}

#[test]
fn explain_lists_and_documents_rules() {
    let (code, out, _) = stdout_of(&["explain"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("explain_list", out);
    let (code, out, _) = stdout_of(&["explain", "single-point-of-failure"]);
    assert_eq!(code, 0);
    assert!(out.contains("August 2018"));
    let (code, _, err) = stdout_of(&["explain", "single-point-of-failur"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `single-point-of-failure`?"));
}

/// `simulate --busy X` alone is a what-if of its own, not an error demanding --fail.
#[test]
fn simulate_busy_alone() {
    let (code, out, err) = stdout_of(&["simulate", "--busy", "denver-911", "examples/denver"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("what-if: busy:denver-911"), "{out}");
}

/// Every example in `--help` names elements that exist: each one runs.
#[test]
fn help_examples_run() {
    for args in [
        &["trace", "esz-300", "examples/denver"][..],
        &["trace", "cs-denver-01", "examples/denver", "--fail", "site-den"],
        &[
            "trace",
            "esz-300",
            "examples/denver",
            "--fail",
            "esrp-den",
            "--fail",
            "esrp-cos",
        ],
    ] {
        let (code, out, err) = stdout_of(args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    }
    let (_, help, _) = stdout_of(&["trace", "--help"]);
    assert!(help.contains("psapguard trace esz-300 examples/denver"), "{help}");
}

/// Checking one file of a directory table says so, on stderr (machine formats stay clean).
#[test]
fn one_file_of_a_directory_table_gets_a_hint() {
    let (_, out, err) = stdout_of(&["check", "examples/denver/psaps.yaml", "--format", "json"]);
    assert!(
        err.contains("check the directory (`psapguard check examples/denver`)"),
        "{err}"
    );
    serde_json::from_str::<serde_json::Value>(&out).unwrap();
}

/// Counts read as English: "1 origin", never "1 origins".
#[test]
fn one_is_singular() {
    let (_, out, _) = stdout_of(&[
        "simulate",
        "--fail",
        "site-den",
        "--fail",
        "site-cos",
        "examples/denver",
    ]);
    assert!(!out.contains(" 1 origins"), "{out}");
    let (_, out, _) = stdout_of(&["check", "fixtures/single-point-of-failure/trigger.yaml"]);
    assert!(!out.contains(" 1 origins"), "{out}");
}

/// The README links only to files in the repository (a clone has nothing beside it).
#[test]
fn readme_links_stay_inside_the_repository() {
    for doc in ["README.md", "SECURITY.md", "BENCHMARKS.md"] {
        let text = std::fs::read_to_string(doc).unwrap();
        for (i, _) in text.match_indices("](") {
            let target: String = text[i + 2..].chars().take_while(|&c| c != ')').collect();
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let path = target.split('#').next().unwrap();
            assert!(
                !path.starts_with("..") && !path.starts_with('/'),
                "{doc} links outside: {target}"
            );
            assert!(
                std::path::Path::new(path).exists(),
                "{doc} links to a missing file: {target}"
            );
        }
    }
}

/// A loop in a failure names a declared domain and the element it equals once, not as two
/// scenarios.
#[test]
fn a_loop_names_a_domain_and_its_equal_element_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.yaml");
    std::fs::write(
        &path,
        "version: 1\ndomains:\n  site-x: { kind: site }\npsaps:\n  a-911: { status: active, alternate: [r2], domains: [site-x] }\n  b-911: { status: active, alternate: [a-911] }\nrouters:\n  r1: { mate: [r2], rules: [ { match: { esn: [1] }, to: a-911 } ], default: b-911 }\n  r2: { mate: [r1], rules: [ { match: { esn: [1] }, to: a-911 } ], default: b-911 }\norigins:\n  o1: { kind: esz, esn: 1, ingress: [r1, r2] }\n",
    )
    .unwrap();
    let (_, out, _) = stdout_of(&["check", path.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let lp = finding_of(&v, "routing-loop");
    assert!(lp["message"].as_str().unwrap().ends_with("when site-x is down"), "{lp}");
}
