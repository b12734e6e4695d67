//! trace, simulate, config files, completions: what an engineer runs day to day.

use crate::common;

use common::{run, run_in};

#[test]
fn trace_where_a_sectors_call_goes_when_the_denver_facility_is_down() {
    let (code, out, _) = run(&["trace", "cs-denver-01", "examples/denver", "--fail", "site-den"]);
    assert_eq!(code, 0);
    assert!(out.contains("enters on ingress #2 (esrp-den unavailable)"), "{out}");
    assert!(out.contains("=> delivered to denver-911"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn trace_alternate_routing_and_n_minus_two() {
    let (code, out, _) = run(&["trace", "esz-100", "examples/denver", "--fail", "denver-911"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("trace_alternate", out);
    let (code, out, _) = run(&[
        "trace",
        "esz-100",
        "examples/denver",
        "--fail",
        "esrp-den",
        "--fail",
        "esrp-cos",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("LOST at the origin: every ingress router is down"),
        "{out}"
    );
}

#[test]
fn trace_shows_a_loop() {
    let (code, out, _) = run(&[
        "trace",
        "o1",
        "fixtures/routing-loop/trigger-on-failure.yaml",
        "--fail",
        "a-911",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("LOOP: the call comes back to a-911"), "{out}");
}

#[test]
fn unknown_ids_suggest_the_nearest() {
    let (code, _, err) = run(&["trace", "esz-10", "examples/denver"]);
    assert_eq!(code, 2);
    assert_eq!(err, "psapguard: there is no origin `esz-10`; did you mean `esz-100`?\n");
    let (code, _, err) = run(&["trace", "esz-100", "examples/denver", "--fail", "site-dem"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `site-den`?"), "{err}");
    let (code, _, err) = run(&[
        "simulate",
        "--fail",
        "esrp-den",
        "--busy",
        "aurora911",
        "examples/denver",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("there is no PSAP `aurora911`; did you mean `aurora-911`?"),
        "{err}"
    );
}

#[test]
fn simulate_a_failure() {
    let (code, out, _) = run(&[
        "simulate",
        "--fail",
        "site-den",
        "--fail",
        "tcc-east",
        "fixtures/single-point-of-failure/trigger.yaml",
    ]);
    assert_eq!(code, 2, "tcc-east is not in this table");
    assert!(out.is_empty());
    let (code, out, _) = run(&[
        "simulate",
        "--fail",
        "site-den",
        "fixtures/single-point-of-failure/trigger.yaml",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("simulate_site_den", out);
    let (code, out, _) = run(&[
        "simulate",
        "--fail",
        "denver-civic-power",
        "--format",
        "json",
        "examples/denver",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["lost"].as_array().unwrap().len(), 0);
    assert_eq!(v["extra_traffic"][0]["psap"], "aurora-911");
    assert_eq!(v["extra_traffic"][0]["origins"], 6);
}

#[test]
fn simulate_all_single_ranks_by_population() {
    let (code, out, _) = run(&[
        "simulate",
        "--all-single",
        "fixtures/single-point-of-failure/trigger.yaml",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("all_single", out);
    let (_, out, _) = run(&[
        "simulate",
        "--all-single",
        "--format",
        "json",
        "fixtures/single-point-of-failure/trigger.yaml",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ranking = v["ranking"].as_array().unwrap();
    assert_eq!(ranking[0]["domain"], "metro-power");
    assert_eq!(ranking[0]["population"], 13000);
    assert!(
        ranking
            .windows(2)
            .all(|w| w[0]["population"].as_u64() >= w[1]["population"].as_u64())
    );
}

#[test]
fn config_gives_the_table_and_severities_from_any_subdirectory() {
    let (code, out, _) = run_in("tests/data/config-project", &["check"]);
    assert_eq!(code, 1, "shadowed-rule raised to error by psapguard.toml: {out}");
    assert!(out.contains("× shadowed-rule"), "{out}");
    let (code, out, _) = run_in("tests/data/config-project/sub", &["check", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"][0]["location"]["file"], "../tables/table.yaml");
}

#[test]
fn bad_config_is_exit_two_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("psapguard.toml"),
        "table = \"x\"\n[rules]\nblack-hole = \"fatal\"\n",
    )
    .unwrap();
    let (code, _, err) = run_in(dir.path().to_str().unwrap(), &["check"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("psapguard: ./psapguard.toml:3: the severity of `black-hole` must be"),
        "{err}"
    );
    let (code, _, err) = run(&["check", "--config", "no/such.toml", "examples/denver"]);
    assert_eq!(code, 2);
    assert_eq!(err, "psapguard: cannot read no/such.toml: no such file or directory\n");
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = run(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(out.contains("simulate"), "{shell}");
    }
}

#[test]
fn every_command_help_shows_an_example() {
    for cmd in [
        "check",
        "diff",
        "trace",
        "simulate",
        "graph",
        "explain",
        "schema",
        "completions",
    ] {
        let (code, out, _) = run(&[cmd, "--help"]);
        assert_eq!(code, 0);
        assert!(out.contains("Example"), "{cmd} --help has no example");
    }
}

/// simulate shows the busy hour of the PSAPs that take extra calls, before and after, and
/// --all-single names the PSAPs each failure pushes below the answering standard.
#[test]
fn simulate_shows_capacity_before_and_after() {
    let t = "fixtures/answer-standard/trigger-small-alternate.yaml";
    let (code, out, _) = run(&["simulate", "--fail", "big-911", t]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("small-911                            4 positions: 0 -> 282 calls, 0.0 -> 7.1 Erlangs, 100% -> 0% answered in time; MISSES the standard"),
        "{out}"
    );
    let (_, json, _) = run(&["simulate", "--fail", "big-911", t, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["capacity"][0]["psap"], "small-911");
    assert_eq!(v["capacity"][0]["meets_standard"], false);
    assert_eq!(v["capacity"][0]["after"]["erlangs"], 7.05);
    let (_, all, _) = run(&["simulate", "--all-single", t]);
    assert!(all.contains("below standard"), "{all}");
    assert!(
        all.lines()
            .any(|l| l.contains("big-911") && l.trim_end().ends_with("small-911")),
        "{all}"
    );
    assert!(all.contains("4 failure domains analysed; 4 cut off no one."), "{all}");
    let (_, json, _) = run(&["simulate", "--all-single", t, "--format", "json"]);
    assert!(
        json.contains("\"below_standard\": [\n        \"small-911\"\n      ]"),
        "{json}"
    );
}

/// `[capacity]` in psapguard.toml: clear errors for bad values, and it changes the verdict.
#[test]
fn capacity_settings_are_checked_and_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("fixtures/answer-standard/ok-just-under.yaml", dir.path().join("t.yaml")).unwrap();
    std::fs::write(dir.path().join("psapguard.toml"), "[capacity]\nanswer_share = 1.5\n").unwrap();
    let (code, _, err) = run_in(dir.path().to_str().unwrap(), &["check", "t.yaml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`capacity.answer_share` must be a number more than 0 and at most 1"),
        "{err}"
    );
    // A stricter standard (95% within 15 s) makes the PSAP that just met 90% miss it.
    std::fs::write(dir.path().join("psapguard.toml"), "[capacity]\nanswer_share = 0.95\n").unwrap();
    let (_, out, _) = run_in(dir.path().to_str().unwrap(), &["check", "t.yaml", "--format", "json"]);
    assert!(out.contains("\"answer-standard\""), "{out}");
    assert!(out.contains("cannot answer 95% within 15 s"), "{out}");
}
