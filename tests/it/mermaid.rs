//! Mermaid output parses: every line psapguard emits is one of the flowchart forms below
//! (Mermaid 11's grammar for them: node ids of letters, digits and `_`; quoted labels with no
//! quote inside; edge labels quoted, as `|ingress (backup)|` unquoted does not parse).

use crate::common;

use common::run;

/// Whether `line` is a node or an edge statement of the forms psapguard emits.
fn statement(line: &str) -> bool {
    let Some(line) = line.strip_prefix("  ") else {
        return false;
    };
    let id = |s: &str| s.starts_with("n_") && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let quoted = |s: &str| s.len() >= 2 && s.starts_with('"') && s.ends_with('"') && !s[1..s.len() - 1].contains('"');
    // Mated routers: `subgraph id [mates]`, their ids indented below, `end`; a route only
    // one mate has: `linkStyle N stroke:#c01c28,stroke-width:2px`.
    if let Some(sub) = line.strip_prefix("subgraph ") {
        return sub.strip_suffix(" [mates]").is_some_and(id);
    }
    if line == "end" {
        return true;
    }
    if let Some(member) = line.strip_prefix("  ") {
        return id(member);
    }
    if let Some(n) = line
        .strip_prefix("linkStyle ")
        .and_then(|l| l.strip_suffix(" stroke:#c01c28,stroke-width:2px"))
    {
        return n.parse::<usize>().is_ok();
    }
    // Nodes: id["label"], id(["label"]), id[/"label"/], id{{"label"}}.
    for (open, close) in [("[", "]"), ("([", "])"), ("[/", "/]"), ("{{", "}}")] {
        if let Some(i) = line.find(open)
            && id(&line[..i])
            && let Some(inner) = line[i + open.len()..].strip_suffix(close)
            && quoted(inner)
        {
            return true;
        }
    }
    // Edges: a ARROW b, a ARROW|"label"| b, a -. label .-> b.
    let Some((a, rest)) = line.split_once(' ') else {
        return false;
    };
    let Some((mid, b)) = rest.rsplit_once(' ') else {
        return false;
    };
    if !id(a) || !id(b) {
        return false;
    }
    if let Some(label) = mid.strip_prefix("-. ").and_then(|m| m.strip_suffix(" .->")) {
        return label.chars().all(|c| c.is_ascii_alphanumeric());
    }
    let (arrow, label) = match mid.find('|') {
        Some(i) => (&mid[..i], Some(&mid[i..])),
        None => (mid, None),
    };
    ["-->", "-.->"].contains(&arrow)
        && label.is_none_or(|l| l.len() > 2 && l.ends_with('|') && quoted(&l[1..l.len() - 1]))
}

fn check_chart(chart: &str) {
    let mut lines = chart.lines();
    assert_eq!(lines.next(), Some("flowchart LR"), "{chart}");
    for line in lines.filter(|l| !l.trim_start().starts_with("%%")) {
        assert!(statement(line), "not a Mermaid statement psapguard may emit: {line:?}");
    }
}

#[test]
fn the_grammar_test_rejects_what_mermaid_rejects() {
    assert!(statement("  n_a_2d_911{{\"a-911\"}}"));
    assert!(statement("  n_r1 -.->|\"ingress (backup)\"| n_r2"));
    assert!(
        !statement("  n_r1 -.->|ingress (backup)| n_r2"),
        "unquoted label with parentheses"
    );
    assert!(!statement("  x-911 --> n_b"), "a dash in an id");
    assert!(!statement("  n_a[\"say \"hi\"\"]"), "a quote in a label");
}

#[test]
fn graph_mermaid_parses() {
    for args in [
        &["graph", "examples/denver", "--format", "mermaid"][..],
        &[
            "graph",
            "examples/denver",
            "--format",
            "mermaid",
            "--focus",
            "esrp-den",
            "--depth",
            "1",
        ],
        &[
            "graph",
            "fixtures/routing-loop/trigger-on-failure.yaml",
            "--format",
            "mermaid",
        ],
    ] {
        let (code, out, _) = run(args);
        assert_eq!(code, 0);
        check_chart(&out);
    }
}

#[test]
fn diff_markdown_mermaid_parses() {
    let (_, md, _) = run(&[
        "diff",
        "fixtures/blast-radius/trigger/old.yaml",
        "fixtures/blast-radius/trigger/new.yaml",
        "--format",
        "markdown",
    ]);
    let start = md.find("```mermaid\n").expect("a picture") + "```mermaid\n".len();
    let end = start + md[start..].find("```").unwrap();
    check_chart(&md[start..end]);
}

/// Parallel edges are merged (a router's rules to one PSAP are one edge saying which rules),
/// a mate pair is one edge, and a chart past Mermaid's 500-edge limit says what it cut.
#[test]
fn edges_are_merged_and_mermaid_stays_under_its_limit() {
    let (_, out, _) = run(&["graph", "examples/denver", "--format", "mermaid"]);
    let pairs: Vec<(&str, &str)> = out
        .lines()
        .filter(|l| l.contains("->"))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            (parts[0], parts[parts.len() - 1])
        })
        .collect();
    let mut unique = pairs.clone();
    unique.sort();
    unique.dedup();
    assert!(
        pairs.len() - unique.len() <= pairs.len() / 10,
        "few parallel edges left: {out}"
    );
    // The mate pair is one subgraph (not two "mates" edges), and each of the 18 PSAPs the
    // Denver mates both route to is reached once, from it.
    assert!(
        out.contains("  subgraph n_mates_0 [mates]\n    n_esrp_2d_den\n    n_esrp_2d_cos\n  end\n"),
        "{out}"
    );
    assert!(!out.contains("|\"mates\"|"), "{out}");
    assert_eq!(out.matches("  n_mates_0 -->").count(), 18, "{out}");

    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("version: 1\npsaps:\n");
    for i in 0..400 {
        yaml.push_str(&format!(
            "  p{i}: {{ status: active, alternate: [p{}] }}\n",
            (i + 1) % 400
        ));
    }
    yaml.push_str("routers:\n  r1:\n    rules:\n");
    for i in 0..400 {
        yaml.push_str(&format!("      - match: {{ esn: [{i}] }}\n        to: p{i}\n"));
    }
    yaml.push_str("    default: p0\norigins:\n  o1: { kind: esz, esn: 1, ingress: [r1] }\n");
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, yaml).unwrap();
    let (code, out, _) = run(&["graph", path.to_str().unwrap(), "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().filter(|l| l.contains("->")).count(), 500, "{}", &out[..500]);
    assert!(
        out.contains("%% psapguard: 301 more edges not drawn (Mermaid draws at most 500)"),
        "{}",
        out.lines().last().unwrap()
    );
}

/// The DOT output parses with Graphviz, when it is installed (skipped with a message if not).
#[test]
fn dot_output_parses_when_graphviz_is_installed() {
    let (code, out, _) = run(&["graph", "examples/denver", "--format", "dot"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Denver Combined Communications\\ndenver-911"),
        "PSAP names with ids: {out}"
    );
    assert!(out.contains("subgraph cluster_legend"), "a legend: {out}");
    let Ok(mut child) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("skipped: Graphviz `dot` is not installed");
        return;
    };
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(out.as_bytes()).unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "dot rejects it: {}",
        String::from_utf8_lossy(&done.stderr)
    );
}

/// Mated routers that route alike are one cluster with each destination drawn once; where
/// they differ, the edge only one mate has is red and says so (the failover misroute).
#[test]
fn mates_are_one_cluster_and_their_differences_stand_out() {
    let (code, out, _) = run(&["graph", "examples/denver", "--format", "dot"]);
    assert_eq!(code, 0);
    assert!(out.contains("subgraph cluster_mates_0 { label=\"mates\""), "{out}");
    assert_eq!(
        out.matches("-> \"denver-911\" [label=\"rules 1, 19; default\"").count(),
        1,
        "{out}"
    );
    assert!(!out.contains("(only "), "the Denver mates route alike: {out}");
    let (_, out, _) = run(&["graph", "fixtures/failover-misroute/trigger.yaml", "--format", "dot"]);
    assert!(
        out.contains("\"esrp-den\" -> \"jeffco-so\" [label=\"rule 1 (only esrp-den)\""),
        "{out}"
    );
    assert!(out.contains("color=\"#c01c28\""), "{out}");
    let (_, out, _) = run(&[
        "graph",
        "fixtures/failover-misroute/ok-mates-agree.yaml",
        "--format",
        "dot",
    ]);
    assert!(!out.contains("(only "), "{out}");
    // Mermaid draws the same: one subgraph, shared routes from it, the difference in red.
    let (_, out, _) = run(&[
        "graph",
        "fixtures/failover-misroute/trigger.yaml",
        "--format",
        "mermaid",
    ]);
    check_chart(&out);
    assert!(out.contains("  subgraph n_mates_0 [mates]\n"), "{out}");
    assert!(
        out.contains("  n_esrp_2d_den -->|\"rule 1 (only esrp-den)\"| n_jeffco_2d_so"),
        "{out}"
    );
    // Both mates send their default to douglas-so, but esrp-cos sends ESNs 400-409 there too.
    assert!(
        out.contains("  n_esrp_2d_den -->|\"default\"| n_douglas_2d_so"),
        "{out}"
    );
    assert!(
        out.contains("  n_esrp_2d_cos -->|\"rule 1; default (only esrp-cos: esn 400-409)\"| n_douglas_2d_so"),
        "{out}"
    );
    assert!(out.contains("  linkStyle 0 stroke:#c01c28,stroke-width:2px"), "{out}");
    assert!(out.contains("  linkStyle 2 stroke:#c01c28,stroke-width:2px"), "{out}");
}

/// A focused picture of a router with hundreds of PSAPs draws a dozen and counts the rest.
#[test]
fn a_focused_picture_caps_fan_out_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("version: 1\npsaps:\n");
    for i in 0..30 {
        yaml.push_str(&format!("  p{i:02}: {{ name: \"PSAP {i}\" }}\n"));
    }
    yaml.push_str("routers:\n  r1:\n    default: p00\n    rules:\n");
    for i in 0..30 {
        yaml.push_str(&format!("      - {{ match: {{ esn: [{i}] }}, to: p{i:02} }}\n"));
    }
    yaml.push_str("origins:\n  o1: { kind: wireline, ingress: [r1], population: 10 }\n");
    let path = dir.path().join("t.yaml");
    std::fs::write(&path, yaml).unwrap();
    let path = path.to_str().unwrap();
    let (code, out, err) = run(&["graph", path, "--format", "mermaid", "--focus", "r1", "--depth", "1"]);
    assert_eq!(code, 0, "{err}");
    check_chart(&out);
    assert!(out.contains("n_r1_more2[\"+18 more PSAPs\"]"), "{out}");
    assert_eq!(out.lines().filter(|l| l.contains("{{\"PSAP")).count(), 12, "{out}");
    let (_, out, _) = run(&["graph", path, "--format", "dot", "--focus", "r1", "--depth", "1"]);
    assert!(out.contains("[label=\"+18 more PSAPs\", shape=plaintext]"), "{out}");
    let (_, out, _) = run(&["graph", path, "--format", "dot"]);
    assert!(
        !out.contains(" more PSAPs"),
        "the whole graph leaves nothing out: {out}"
    );
}
