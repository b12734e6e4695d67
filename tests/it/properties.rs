//! Property tests: on random tables the engine never panics, every call ends in a
//! disposition that a plain brute-force simulator (written here from SPEC.md §2) agrees with,
//! under normal conditions, every single failure and every busy PSAP; routing-loop and
//! single-point-of-failure report exactly what brute force finds; output is identical across
//! runs and across file order. Case count: PROPTEST_CASES (CI runs a modest number).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use psapguard::check::check;
use psapguard::finding::Levels;
use psapguard::load::from_sources;
use psapguard::model::SourceFile;
use psapguard::rules::Settings;

#[derive(Debug, Clone)]
struct Psap {
    status: &'static str,
    alternate: Vec<usize>, // node indices: routers first, then PSAPs
    overflow: Vec<usize>,
    domains: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Rule {
    esn: Option<Vec<u32>>,
    kind: Option<&'static str>,
    to: usize,
    alternate: Option<Vec<usize>>,
}

#[derive(Debug, Clone)]
struct Router {
    rules: Vec<Rule>,
    default: Option<usize>,
    mate: Vec<usize>, // router indices
    domains: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Origin {
    kind: &'static str,
    esn: u32,
    ingress: Vec<usize>, // router indices
}

#[derive(Debug, Clone)]
struct Table {
    routers: Vec<Router>,
    psaps: Vec<Psap>,
    origins: Vec<Origin>,
    domains: usize,
}

const KINDS: [&str; 2] = ["esz", "cell_sector"];
const STATUSES: [&str; 4] = ["active", "standby", "unstaffed", "decommissioned"];

fn table_strategy() -> impl Strategy<Value = Table> {
    (1usize..4, 1usize..4, 1usize..5, 0usize..3).prop_flat_map(|(nr, np, no, nd)| {
        let nodes = nr + np;
        let psap = (
            prop::sample::select(&STATUSES[..]),
            prop::collection::vec(0..nodes, 0..3),
            prop::collection::vec(0..nodes, 0..2),
            prop::collection::vec(0..nd.max(1), 0..if nd > 0 { 2 } else { 1 }),
        )
            .prop_map(|(status, alternate, overflow, domains)| Psap {
                status,
                alternate,
                overflow,
                domains,
            });
        let rule = (
            prop::option::of(prop::collection::vec(0u32..4, 1..3)),
            prop::option::of(prop::sample::select(&KINDS[..])),
            0..nodes,
            prop::option::of(prop::collection::vec(0..nodes, 0..2)),
        )
            .prop_map(|(esn, kind, to, alternate)| {
                let esn = if esn.is_none() && kind.is_none() {
                    Some(vec![0])
                } else {
                    esn
                };
                Rule {
                    esn,
                    kind,
                    to,
                    alternate,
                }
            });
        let router = (
            prop::collection::vec(rule, 0..3),
            prop::option::of(0..nodes),
            prop::collection::vec(0..nr, 0..2),
            prop::collection::vec(0..nd.max(1), 0..if nd > 0 { 2 } else { 1 }),
        )
            .prop_map(|(rules, default, mate, domains)| Router {
                rules,
                default,
                mate,
                domains,
            });
        let origin = (
            prop::sample::select(&KINDS[..]),
            0u32..4,
            prop::collection::vec(0..nr, 0..3),
        )
            .prop_map(|(kind, esn, ingress)| Origin { kind, esn, ingress });
        (
            prop::collection::vec(router, nr),
            prop::collection::vec(psap, np),
            prop::collection::vec(origin, no),
            Just(nd),
        )
            .prop_map(|(routers, psaps, origins, domains)| Table {
                routers,
                psaps,
                origins,
                domains,
            })
    })
}

impl Table {
    fn node_name(&self, n: usize) -> String {
        if n < self.routers.len() {
            format!("r{n}")
        } else {
            format!("p{}", n - self.routers.len())
        }
    }

    fn names(&self, list: &[usize]) -> String {
        list.iter().map(|&n| self.node_name(n)).collect::<Vec<_>>().join(", ")
    }

    /// The table as YAML files: one per section, so file order can be shuffled.
    fn files(&self) -> Vec<(String, String)> {
        let mut domains = String::from("version: 1\ndomains:\n");
        for d in 0..self.domains {
            domains.push_str(&format!("  d{d}: {{ kind: site }}\n"));
        }
        let mut psaps = String::from("version: 1\npsaps:\n");
        for (i, p) in self.psaps.iter().enumerate() {
            let doms: Vec<String> = p
                .domains
                .iter()
                .filter(|&&d| d < self.domains)
                .map(|d| format!("d{d}"))
                .collect();
            psaps.push_str(&format!(
                "  p{i}: {{ status: {}, alternate: [{}], overflow: [{}], domains: [{}] }}\n",
                p.status,
                self.names(&p.alternate),
                self.names(&p.overflow),
                doms.join(", ")
            ));
        }
        let mut routers = String::from("version: 1\nrouters:\n");
        for (i, r) in self.routers.iter().enumerate() {
            let doms: Vec<String> = r
                .domains
                .iter()
                .filter(|&&d| d < self.domains)
                .map(|d| format!("d{d}"))
                .collect();
            routers.push_str(&format!(
                "  r{i}:\n    mate: [{}]\n    domains: [{}]\n    rules:\n",
                self.names(&r.mate),
                doms.join(", ")
            ));
            for rule in &r.rules {
                let mut m = Vec::new();
                if let Some(e) = &rule.esn {
                    m.push(format!(
                        "esn: [{}]",
                        e.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
                    ));
                }
                if let Some(k) = rule.kind {
                    m.push(format!("kind: [{k}]"));
                }
                routers.push_str(&format!(
                    "      - match: {{ {} }}\n        to: {}\n",
                    m.join(", "),
                    self.node_name(rule.to)
                ));
                if let Some(a) = &rule.alternate {
                    routers.push_str(&format!("        alternate: [{}]\n", self.names(a)));
                }
            }
            if let Some(d) = r.default {
                routers.push_str(&format!("    default: {}\n", self.node_name(d)));
            }
        }
        let mut origins = String::from("version: 1\norigins:\n");
        for (i, o) in self.origins.iter().enumerate() {
            origins.push_str(&format!(
                "  o{i}: {{ kind: {}, esn: {}, population: {}, ingress: [{}] }}\n",
                o.kind,
                o.esn,
                10 + i,
                self.names(&o.ingress)
            ));
        }
        vec![
            ("a-domains.yaml".into(), domains),
            ("b-psaps.yaml".into(), psaps),
            ("c-routers.yaml".into(), routers),
            ("d-origins.yaml".into(), origins),
        ]
    }

    fn answers(&self, p: usize) -> bool {
        matches!(self.psaps[p].status, "active" | "standby")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Delivered(usize), // PSAP index
    Lost,
    Looped,
}

/// A plain reading of SPEC.md §2, independent of the engine.
fn brute(t: &Table, o: &Origin, down: &BTreeSet<usize>, busy: Option<usize>, max_hops: usize) -> Out {
    let nr = t.routers.len();
    let is_down = |n: usize| down.contains(&n);
    let mut path: Vec<usize> = Vec::new();
    // Entering a node: Some(out) when that ends the call (loop or too many hops).
    let enter = |path: &mut Vec<usize>, n: usize| -> Option<Out> {
        if path.contains(&n) {
            return Some(Out::Looped);
        }
        path.push(n);
        if path.len() > max_hops { Some(Out::Lost) } else { None }
    };
    // Step 1.
    let Some(&first) = o.ingress.iter().find(|&&r| !is_down(r)) else {
        return Out::Lost;
    };
    if let Some(out) = enter(&mut path, first) {
        return out;
    }
    let mut at = first;
    'router: loop {
        let r = &t.routers[at];
        let matched = r
            .rules
            .iter()
            .find(|rule| rule.esn.as_ref().is_none_or(|e| e.contains(&o.esn)) && rule.kind.is_none_or(|k| k == o.kind));
        let (target, rule_alt) = match (matched, r.default) {
            (Some(rule), _) => (rule.to, rule.alternate.clone()),
            (None, Some(d)) => (d, None),
            (None, None) => return Out::Lost,
        };
        if target < nr {
            // Step 3.
            let next = if !is_down(target) {
                Some(target)
            } else {
                t.routers[target].mate.iter().copied().find(|&m| !is_down(m))
            };
            let Some(next) = next else { return Out::Lost };
            if let Some(out) = enter(&mut path, next) {
                return out;
            }
            at = next;
            continue;
        }
        // Step 4.
        let p = target - nr;
        if let Some(out) = enter(&mut path, target) {
            return out;
        }
        let answers = !is_down(target) && t.answers(p);
        let is_busy = answers && busy == Some(p);
        if answers && (!is_busy || t.psaps[p].overflow.is_empty()) {
            return Out::Delivered(p);
        }
        let list = if is_busy {
            t.psaps[p].overflow.clone()
        } else {
            rule_alt.unwrap_or_else(|| t.psaps[p].alternate.clone())
        };
        for b in list {
            if b < nr {
                let next = if !is_down(b) {
                    Some(b)
                } else {
                    t.routers[b].mate.iter().copied().find(|&m| !is_down(m))
                };
                let Some(next) = next else { continue };
                if let Some(out) = enter(&mut path, next) {
                    return out;
                }
                at = next;
                continue 'router;
            }
            // A backup PSAP that cannot answer is skipped, never passed (no loop, no hop); so
            // is the PSAP itself, listed in its own list: it could not take the call.
            if b == target || is_down(b) || !t.answers(b - nr) {
                continue;
            }
            if let Some(out) = enter(&mut path, b) {
                return out;
            }
            return Out::Delivered(b - nr);
        }
        // Busy never loses a call: it waits in the busy PSAP's queue.
        return if is_busy { Out::Delivered(p) } else { Out::Lost };
    }
}

/// Single failure domains as node sets: declared ones, then each node on its own.
fn domains(t: &Table) -> Vec<(String, BTreeSet<usize>)> {
    let nr = t.routers.len();
    let mut out: Vec<(String, BTreeSet<usize>)> = (0..t.domains).map(|d| (format!("d{d}"), BTreeSet::new())).collect();
    for (i, r) in t.routers.iter().enumerate() {
        for &d in r.domains.iter().filter(|&&d| d < t.domains) {
            out[d].1.insert(i);
        }
    }
    for (i, p) in t.psaps.iter().enumerate() {
        for &d in p.domains.iter().filter(|&&d| d < t.domains) {
            out[d].1.insert(nr + i);
        }
    }
    out.extend((0..nr + t.psaps.len()).map(|n| (t.node_name(n), BTreeSet::from([n]))));
    out
}

fn engine_out(table: &psapguard::model::Table, trace: &psapguard::engine::Trace) -> Out {
    use psapguard::engine::Disposition;
    match trace.end {
        Disposition::Delivered { psap, .. } => Out::Delivered(table.psaps[psap as usize].id[1..].parse().unwrap()),
        Disposition::Lost { .. } => Out::Lost,
        Disposition::Looped { .. } => Out::Looped,
    }
}

fn run_check(files: &[(String, String)]) -> (psapguard::load::Loaded, String) {
    let sources = files
        .iter()
        .map(|(p, t)| SourceFile::in_memory(p.clone(), t.clone()))
        .collect();
    let loaded = from_sources(sources, vec![]);
    let settings = Settings {
        today: "2026-01-01".into(),
        ..Settings::default()
    };
    let report = check(&loaded, &settings, &Levels::new()).report;
    let out = psapguard::report::Output::check(&loaded.table, &report);
    let json = psapguard::report::json::render(&out);
    (loaded, json)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_brute_force(t in table_strategy()) {
        let (loaded, _) = run_check(&t.files());
        prop_assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        let table = &loaded.table;
        let nr = t.routers.len();
        let mut scenarios: Vec<(BTreeSet<usize>, Option<usize>)> = vec![(BTreeSet::new(), None)];
        scenarios.extend(domains(&t).into_iter().map(|(_, d)| (d, None)));
        scenarios.extend((0..t.psaps.len()).map(|p| (BTreeSet::new(), Some(p))));
        for (down, busy) in scenarios {
            let mut cond = psapguard::engine::Conditions::normal(table);
            for &n in &down {
                let id = t.node_name(n);
                cond.set_down(table, table.lookup(&id).unwrap().node().unwrap(), true);
            }
            if let Some(p) = busy {
                let Some(psapguard::model::Element::Psap(i)) = table.lookup(&format!("p{p}")) else { unreachable!() };
                cond.set_busy(Some(i));
            }
            for (i, o) in t.origins.iter().enumerate() {
                let origin = table.origins.iter().find(|x| *x.id == *format!("o{i}")).unwrap();
                let trace = psapguard::engine::route(table, origin, &cond, 8);
                prop_assert_eq!(engine_out(table, &trace), brute(&t, o, &down, busy, 8), "origin o{} down {:?} busy {:?} nr {}", i, down, busy, nr);
            }
        }
    }

    #[test]
    fn loops_and_single_points_of_failure_match_brute_force(t in table_strategy()) {
        let (_, json) = run_check(&t.files());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let affected = |rule: &str| -> BTreeSet<String> {
            v["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule)
                .flat_map(|f| f["affected"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string())).collect()
        };
        let normal: Vec<Out> = t.origins.iter().map(|o| brute(&t, o, &BTreeSet::new(), None, 8)).collect();
        let mut looping = BTreeSet::new();
        let mut spof: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut scenarios: Vec<(String, BTreeSet<usize>, Option<usize>)> = vec![("normal".into(), BTreeSet::new(), None)];
        scenarios.extend(domains(&t).into_iter().map(|(n, d)| (n, d, None)));
        // Only PSAPs with overflow are analysed busy (others queue their calls).
        scenarios.extend((0..t.psaps.len()).filter(|&p| !t.psaps[p].overflow.is_empty()).map(|p| (format!("busy p{p}"), BTreeSet::new(), Some(p))));
        for (name, down, busy) in &scenarios {
            for (i, o) in t.origins.iter().enumerate() {
                let out = brute(&t, o, down, *busy, 8);
                // Origins lost or looping normally are reported once, under normal.
                if out == Out::Looped && (name == "normal" || matches!(normal[i], Out::Delivered(_))) {
                    looping.insert(format!("o{i}"));
                }
                // A failure that makes calls loop cuts them off as surely as one that loses them.
                if busy.is_none() && name != "normal" && matches!(normal[i], Out::Delivered(_)) && !matches!(out, Out::Delivered(_)) {
                    spof.entry(name.clone()).or_default().insert(format!("o{i}"));
                }
            }
        }
        prop_assert_eq!(affected("routing-loop"), looping);
        let all_spof: BTreeSet<String> = spof.values().flatten().cloned().collect();
        prop_assert_eq!(affected("single-point-of-failure"), all_spof);
    }

    #[test]
    fn output_is_the_same_across_runs_and_file_order(t in table_strategy(), rotate in 0usize..4) {
        let files = t.files();
        let (_, first) = run_check(&files);
        let (_, again) = run_check(&files);
        prop_assert_eq!(&first, &again);
        // The same table in another file order: same findings apart from file names and lines.
        let mut shuffled = files.clone();
        shuffled.rotate_left(rotate);
        let (_, other) = run_check(&shuffled);
        let strip = |s: &str| -> Vec<(String, String, Vec<String>)> {
            let v: serde_json::Value = serde_json::from_str(s).unwrap();
            let mut out: Vec<_> = v["findings"].as_array().unwrap().iter()
                .map(|f| (f["rule"].to_string(), f["message"].to_string(), f["affected"].as_array().unwrap().iter().map(|a| a.to_string()).collect()))
                .collect();
            out.sort();
            out
        };
        prop_assert_eq!(strip(&first), strip(&other));
    }
}
