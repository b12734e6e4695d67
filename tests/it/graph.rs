//! The routing graph (`graph --format dot|mermaid`, the HTML report's SVG) compares what each
//! mate's route carries, not only which PSAP it reaches: where both mates route to every
//! PSAP (a regional ESInet), a mate that sends one ESN range elsewhere must still show.

use crate::common::run;

/// Both mates route to both PSAPs; `cos` decides who takes ESNs 400-409.
fn table(cos: &str) -> String {
    format!(
        "version: 1
domains:
  site-den: {{ kind: site }}
  site-cos: {{ kind: site }}
psaps:
  jeffco-so: {{ status: active, alternate: [douglas-so] }}
  douglas-so: {{ status: active, alternate: [jeffco-so] }}
routers:
  esrp-den:
    domains: [site-den]
    mate: [esrp-cos]
    rules:
      - match: {{ esn: [\"400-409\"] }}
        to: jeffco-so
      - match: {{ esn: [\"600-609\"] }}
        to: jeffco-so
    default: douglas-so
  esrp-cos:
    domains: [site-cos]
    mate: [esrp-den]
    rules:
      - match: {{ esn: [\"400-409\"] }}
        to: {cos}
      - match: {{ esn: [\"600-609\"] }}
        to: jeffco-so
    default: douglas-so
origins:
  esz-401: {{ kind: esz, esn: 401, population: 12000, ingress: [esrp-den, esrp-cos] }}
  esz-500: {{ kind: esz, esn: 500, population: 3000, ingress: [esrp-den, esrp-cos] }}
  esz-601: {{ kind: esz, esn: 601, population: 5000, ingress: [esrp-den, esrp-cos] }}
"
    )
}

struct Tables {
    _dir: tempfile::TempDir,
    clean: String,
    misroute: String,
}

fn tables() -> Tables {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.yaml");
    let misroute = dir.path().join("misroute.yaml");
    std::fs::write(&clean, table("jeffco-so")).unwrap();
    std::fs::write(&misroute, table("douglas-so")).unwrap();
    let path = |p: std::path::PathBuf| p.to_str().unwrap().to_string();
    Tables {
        clean: path(clean),
        misroute: path(misroute),
        _dir: dir,
    }
}

#[test]
fn the_tables_differ_only_in_a_failover_misroute() {
    let t = tables();
    let (code, out, _) = run(&["check", &t.clean]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run(&["check", &t.misroute, "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("\"failover-misroute\""), "{out}");
}

#[test]
fn dot_marks_the_calls_only_one_mate_sends_to_a_psap() {
    let t = tables();
    let (_, clean, _) = run(&["graph", &t.clean, "--format", "dot"]);
    let (_, misroute, _) = run(&["graph", &t.misroute, "--format", "dot"]);
    assert_ne!(clean, misroute, "the misroute draws like the clean table");
    assert!(!clean.contains("color=\"#c01c28\", fontcolor"), "{clean}");
    // esrp-cos sends 400-409 to Douglas, esrp-den to Jefferson: both are marked.
    assert!(
        misroute.contains("\"esrp-cos\" -> \"douglas-so\" [label=\"rule 1; default (only esrp-cos: esn 400-409)\""),
        "{misroute}"
    );
    assert!(
        misroute.contains("\"esrp-den\" -> \"jeffco-so\" [label=\"rules 1, 2 (only esrp-den: esn 400-409)\""),
        "{misroute}"
    );
    assert_eq!(misroute.matches("fontcolor=\"#c01c28\"").count(), 2, "{misroute}");
}

#[test]
fn mermaid_marks_the_calls_only_one_mate_sends_to_a_psap() {
    let t = tables();
    let (_, clean, _) = run(&["graph", &t.clean, "--format", "mermaid"]);
    let (_, misroute, _) = run(&["graph", &t.misroute, "--format", "mermaid"]);
    assert!(!clean.contains("linkStyle"), "{clean}");
    assert_eq!(misroute.matches("linkStyle").count(), 2, "{misroute}");
    assert!(misroute.contains("(only esrp-cos: esn 400-409)"), "{misroute}");
}

#[test]
fn the_html_graph_colours_the_misroute_red() {
    let t = tables();
    let (_, clean, _) = run(&["check", &t.clean, "--format", "html"]);
    let (_, misroute, _) = run(&["check", &t.misroute, "--format", "html"]);
    assert!(!clean.contains("edge differs"));
    assert_eq!(misroute.matches("class=\"edge differs\"").count(), 2);
    assert!(misroute.contains("(only esrp-cos: esn 400-409)</title>"));
}
