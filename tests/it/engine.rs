//! The routing engine, step by step (SPEC.md §2).

use psapguard::engine::{Conditions, Delivery, Disposition, LostReason, Via, route};
use psapguard::load::from_sources;
use psapguard::model::{Node, SourceFile, Table};

fn table(yaml: &str) -> Table {
    let loaded = from_sources(
        vec![SourceFile::in_memory("t.yaml", format!("version: 1\n{yaml}"))],
        vec![],
    );
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    loaded.table
}

fn node(t: &Table, id: &str) -> Node {
    t.lookup(id).and_then(|e| e.node()).unwrap()
}

fn walk(t: &Table, origin: &str, down: &[&str], busy: Option<&str>) -> psapguard::engine::Trace {
    let mut cond = Conditions::normal(t);
    for d in down {
        cond.set_down(t, node(t, d), true);
    }
    if let Some(b) = busy {
        let Node::Psap(p) = node(t, b) else { panic!() };
        cond.set_busy(Some(p));
    }
    let o = t.origins.iter().find(|o| *o.id == *origin).unwrap();
    route(t, o, &cond, 8)
}

fn delivered(t: &Table, trace: &psapguard::engine::Trace) -> Option<String> {
    trace.delivered_to().map(|p| t.psaps[p as usize].id.clone())
}

const BASE: &str = "
psaps:
  a: { status: active, alternate: [b] }
  b: { status: active }
  c: { status: active }
routers:
  r1:
    mate: [r2]
    rules:
      - match: { esn: [1] }
        to: b
      - match: { county: [ADAMS], kind: [cell_sector] }
        to: c
      - match: { esn: [5] }
        to: r3
    default: a
  r2: { default: c }
  r3: { mate: [r2], default: b }
origins:
  o1: { kind: esz, esn: 1, ingress: [r1, r2] }
  o2: { kind: esz, esn: 2, ingress: [r1, r2] }
  cs: { kind: cell_sector, county: adams, ingress: [r1, r2] }
  cs-other: { kind: cell_sector, county: Weld, ingress: [r1, r2] }
  o5: { kind: esz, esn: 5, ingress: [r1] }
";

#[test]
fn step1_enters_at_the_first_ingress_router_that_is_up() {
    let t = table(BASE);
    let tr = walk(&t, "o2", &[], None);
    assert_eq!(tr.hops[0].node, node(&t, "r1"));
    assert_eq!(tr.hops[0].via, Via::Ingress(0));
    let tr = walk(&t, "o2", &["r1"], None);
    assert_eq!(tr.hops[0].node, node(&t, "r2"));
    assert_eq!(delivered(&t, &tr).as_deref(), Some("c"));
    let tr = walk(&t, "o2", &["r1", "r2"], None);
    assert_eq!(
        tr.end,
        Disposition::Lost {
            at: None,
            reason: LostReason::IngressDown
        }
    );
}

#[test]
fn step2_first_matching_rule_wins_then_default() {
    let t = table(BASE);
    assert_eq!(delivered(&t, &walk(&t, "o1", &[], None)).as_deref(), Some("b"));
    assert_eq!(
        delivered(&t, &walk(&t, "cs", &[], None)).as_deref(),
        Some("c"),
        "county compares case-insensitively"
    );
    assert_eq!(
        delivered(&t, &walk(&t, "cs-other", &[], None)).as_deref(),
        Some("a"),
        "no rule: default"
    );
    let t = table(
        "psaps:\n  a: { status: active }\nrouters:\n  r1: { rules: [ { match: { esn: [9] }, to: a } ] }\norigins:\n  o: { kind: esz, esn: 1, ingress: [r1] }\n",
    );
    assert_eq!(
        walk(&t, "o", &[], None).end,
        Disposition::Lost {
            at: Some(node(&t, "r1")),
            reason: LostReason::NoRoute
        }
    );
}

#[test]
fn step3_a_down_router_hands_to_its_first_mate_up_and_mates_do_not_chain() {
    let t = table(BASE);
    let tr = walk(&t, "o5", &["r3"], None);
    assert_eq!(tr.hops[1].node, node(&t, "r2"));
    assert_eq!(tr.hops[1].via, Via::Mate { of: node(&t, "r3") });
    assert_eq!(delivered(&t, &tr).as_deref(), Some("c"));
    let tr = walk(&t, "o5", &["r3", "r2"], None);
    assert_eq!(
        tr.end,
        Disposition::Lost {
            at: Some(node(&t, "r3")),
            reason: LostReason::RouterDown
        }
    );
}

#[test]
fn step4_alternates_are_single_level() {
    let t = table(
        "psaps:\n  a: { status: unstaffed, alternate: [b, c] }\n  b: { status: active, alternate: [d] }\n  c: { status: standby }\n  d: { status: active }\nrouters:\n  r1: { default: a }\norigins:\n  o: { kind: esz, ingress: [r1] }\n",
    );
    let tr = walk(&t, "o", &[], None);
    assert_eq!(delivered(&t, &tr).as_deref(), Some("b"));
    assert_eq!(
        tr.end,
        Disposition::Delivered {
            psap: 1,
            how: Delivery::Alternate { around: node(&t, "a") }
        }
    );
    // b down: its own alternate d is not used (single level); c (standby) takes the call.
    assert_eq!(delivered(&t, &walk(&t, "o", &["b"], None)).as_deref(), Some("c"));
    let tr = walk(&t, "o", &["b", "c"], None);
    assert!(matches!(
        tr.end,
        Disposition::Lost {
            reason: LostReason::NoAlternate { .. },
            ..
        }
    ));
}

#[test]
fn step4_a_rule_alternate_overrides_the_psaps_own() {
    let t = table(
        "psaps:\n  a: { status: active, alternate: [b] }\n  b: { status: active }\n  c: { status: active }\nrouters:\n  r1:\n    rules:\n      - match: { esn: [1] }\n        to: a\n        alternate: [c]\n    default: a\norigins:\n  o1: { kind: esz, esn: 1, ingress: [r1] }\n  o2: { kind: esz, esn: 2, ingress: [r1] }\n",
    );
    assert_eq!(delivered(&t, &walk(&t, "o1", &["a"], None)).as_deref(), Some("c"));
    assert_eq!(delivered(&t, &walk(&t, "o2", &["a"], None)).as_deref(), Some("b"));
}

#[test]
fn step4_an_alternate_router_routes_on() {
    let t = table(
        "psaps:\n  a: { status: active, alternate: [r2] }\n  b: { status: active }\nrouters:\n  r1: { default: a }\n  r2: { default: b }\norigins:\n  o: { kind: esz, ingress: [r1] }\n",
    );
    let tr = walk(&t, "o", &["a"], None);
    assert_eq!(delivered(&t, &tr).as_deref(), Some("b"));
    assert_eq!(
        tr.hops.iter().map(|h| t.node_id(h.node)).collect::<Vec<_>>(),
        ["r1", "a", "r2", "b"]
    );
}

#[test]
fn step4_busy_uses_overflow_or_queues() {
    let t = table(
        "psaps:\n  a: { status: active, overflow: [b] }\n  b: { status: active }\n  c: { status: active }\nrouters:\n  r1: { rules: [ { match: { esn: [3] }, to: c } ], default: a }\norigins:\n  o: { kind: esz, ingress: [r1] }\n  o3: { kind: esz, esn: 3, ingress: [r1] }\n",
    );
    let tr = walk(&t, "o", &[], Some("a"));
    assert_eq!(
        tr.end,
        Disposition::Delivered {
            psap: 1,
            how: Delivery::Overflow { around: node(&t, "a") }
        }
    );
    let tr = walk(&t, "o3", &[], Some("c"));
    assert_eq!(
        tr.end,
        Disposition::Delivered {
            psap: 2,
            how: Delivery::Queued
        }
    );
}

#[test]
fn step5_loops_and_max_hops() {
    let t = table(
        "psaps:\n  a: { status: active }\nrouters:\n  r1: { default: r2 }\n  r2: { default: r1 }\norigins:\n  o: { kind: esz, ingress: [r1] }\n",
    );
    let tr = walk(&t, "o", &[], None);
    assert!(matches!(tr.end, Disposition::Looped { back_to: 0, .. }));
    assert_eq!(tr.cycle().unwrap(), vec![node(&t, "r2"), node(&t, "r1")]);
    let chain: String = (0..10)
        .map(|i| format!("  r{i}: {{ default: r{} }}\n", i + 1))
        .collect();
    let t = table(&format!(
        "psaps:\n  a: {{ status: active }}\nrouters:\n{chain}  r10: {{ default: a }}\norigins:\n  o: {{ kind: esz, ingress: [r0] }}\n"
    ));
    assert!(matches!(
        walk(&t, "o", &[], None).end,
        Disposition::Lost {
            reason: LostReason::MaxHops,
            ..
        }
    ));
}

#[test]
fn unknown_hops_lose_the_call() {
    let loaded = from_sources(
        vec![SourceFile::in_memory(
            "t.yaml",
            "version: 1\nrouters:\n  r1: { default: nowhere }\norigins:\n  o: { kind: esz, ingress: [r1] }\n",
        )],
        vec![],
    );
    let t = loaded.table;
    let tr = walk(&t, "o", &[], None);
    assert!(matches!(
        tr.end,
        Disposition::Lost {
            reason: LostReason::UnknownTarget { .. },
            ..
        }
    ));
}

/// County names compare case-insensitively over Unicode, not only ASCII (SPEC §2).
#[test]
fn counties_match_whatever_their_case_in_any_script() {
    let t = table(
        "psaps:\n  pr: { status: active }\n  other: { status: active }\nrouters:\n  r1:\n    rules:\n      - match: { county: [MAYAGÜEZ] }\n        to: pr\n    default: other\norigins:\n  o1: { kind: esz, county: Mayagüez, ingress: [r1] }\n  o2: { kind: esz, county: mayagüez, ingress: [r1] }\n  o3: { kind: esz, county: Mayaguez, ingress: [r1] }\n",
    );
    assert_eq!(delivered(&t, &walk(&t, "o1", &[], None)).as_deref(), Some("pr"));
    assert_eq!(delivered(&t, &walk(&t, "o2", &[], None)).as_deref(), Some("pr"));
    assert_eq!(
        delivered(&t, &walk(&t, "o3", &[], None)).as_deref(),
        Some("other"),
        "no accent folding"
    );
}

/// An alternate that is down or cannot answer is skipped, not passed: a PSAP listed as its
/// own alternate, or one the call already passed, is no loop; an unknown id in the list is
/// skipped and the list goes on.
#[test]
fn backups_that_cannot_answer_are_skipped_and_unknown_ids_do_not_end_the_list() {
    let t = from_sources(
        vec![SourceFile::in_memory(
            "t.yaml",
            "version: 1\npsaps:\n  city: { status: active, alternate: [city, nowhere, remote] }\n  remote: { status: active }\nrouters:\n  r1: { default: city }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n".to_string(),
        )],
        vec![],
    )
    .table;
    let trace = walk(&t, "o1", &["city"], None);
    assert_eq!(delivered(&t, &trace).as_deref(), Some("remote"), "{trace:?}");
}

/// A busy PSAP whose overflow cannot take the call keeps it in its queue, exactly as one with
/// no overflow at all: busy never loses a call.
#[test]
fn a_busy_psap_whose_overflow_is_down_queues_its_calls() {
    let t = table(
        "psaps:\n  a: { status: active, overflow: [b] }\n  b: { status: active }\nrouters:\n  r1: { default: a }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n",
    );
    let trace = walk(&t, "o1", &["b"], Some("a"));
    assert_eq!(
        trace.end,
        Disposition::Delivered {
            psap: 0,
            how: Delivery::Queued
        }
    );
}

/// Route classes follow the rules, not the attributes: origins with different ESNs inside one
/// rule range, or different counties no rule names, share a class — and every origin's own
/// walk ends where its class's walk does (the engine and the grouping agree exactly).
#[test]
fn route_classes_follow_the_rules_and_agree_with_each_origins_walk() {
    let mut origins = String::new();
    let counties = ["Adams", "ADAMS", "adams", "Weld", "Mayagüez", "MAYAGÜEZ", "Elbert"];
    for i in 0..140u32 {
        let county = counties[i as usize % counties.len()];
        let kind = ["esz", "cell_sector", "voip"][i as usize % 3];
        origins.push_str(&format!(
            "  o{i}: {{ kind: {kind}, esn: {}, county: \"{county}\", ingress: [r1] }}\n",
            100 + i
        ));
    }
    let t = table(&format!(
        "psaps:\n  a: {{ status: active }}\n  b: {{ status: active }}\n  c: {{ status: active }}\nrouters:\n  r1:\n    rules:\n      - match: {{ esn: [\"110-119\", 150] }}\n        to: b\n      - match: {{ county: [adams], kind: [cell_sector] }}\n        to: c\n      - match: {{ county: [mayagüez] }}\n        to: b\n    default: a\norigins:\n{origins}"
    ));
    let analysis = psapguard::analysis::analyse_normal(&t, 8);
    // 140 origins, but only a handful of rule outcomes.
    // 140 origins; at most 5 ESN intervals x 3 kinds x 3 county groups of rule outcomes.
    assert!(analysis.classes.len() <= 45, "{} classes", analysis.classes.len());
    let cond = Conditions::normal(&t);
    for (c, class) in analysis.classes.iter().enumerate() {
        for &o in class.origins.iter() {
            let own = route(&t, &t.origins[o as usize], &cond, 8);
            assert_eq!(own.end, analysis.normal[c].end, "origin {}", t.origins[o as usize].id);
        }
    }
}
