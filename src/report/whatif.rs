//! Rendering of `trace` and `simulate`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::analysis::Analysis;
use crate::engine::{Delivery, Disposition, Trace, Via, describe_loss};
use crate::finding::origins_phrase;
use crate::model::{Node, Origin, Table};
use crate::rules::thousands;
use crate::simulate::{DomainImpact, Simulation};

fn node_kind(n: Node) -> &'static str {
    match n {
        Node::Router(_) => "router",
        Node::Psap(_) => "PSAP",
    }
}

fn psap_name(table: &Table, p: u32) -> String {
    let psap = &table.psaps[p as usize];
    match &psap.name {
        Some(n) => format!("{} ({n})", psap.id),
        None => psap.id.clone(),
    }
}

fn origin_line(o: &Origin) -> String {
    let mut facts = vec![o.kind.name().to_string()];
    if let Some(e) = o.esn.get() {
        facts.push(format!("ESN {e}"));
    }
    let place: Vec<&str> = [o.county.as_deref(), o.state.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !place.is_empty() {
        facts.push(place.join(", "));
    }
    if let Some(p) = o.population.get() {
        facts.push(format!("population {}", thousands(p)));
    }
    format!("{} ({})", o.id, facts.join("; "))
}

/// Why the call took this hop, in words.
fn via_words(table: &Table, origin: &Origin, via: Via, prev: Option<Node>) -> String {
    match via {
        Via::Ingress(0) => "enters on its first ingress".into(),
        Via::Ingress(i) => {
            let skipped: Vec<&str> = origin.ingress[..i].iter().map(|l| &*l.name).collect();
            format!("enters on ingress #{} ({} unavailable)", i + 1, skipped.join(", "))
        }
        Via::Rule(k) => {
            let r = prev.map_or("", |n| table.node_id(n));
            format!("rule {} of {r}", k + 1)
        }
        Via::Default => format!("default of {}", prev.map_or("", |n| table.node_id(n))),
        Via::Mate { of } => format!("mate of {}, which is down", table.node_id(of)),
        Via::Alternate { of } => format!("alternate of {}, which cannot answer", table.node_id(of)),
        Via::Overflow { of } => format!("overflow of {}, which is busy", table.node_id(of)),
        Via::Policy { file, policy, rule } => {
            let policy = &table.policy_files[file as usize].policies[policy as usize];
            let rule = &policy.rules[rule as usize];
            format!(
                "rule {} (priority {}) of {}",
                crate::escape::short(&rule.id, 60),
                rule.priority,
                crate::escape::short(&policy.name(), 120)
            )
        }
    }
}

/// The hop-by-hop path of one origin's calls.
/// One trace per play of the what-if (several when several PSAPs are busy), one after another.
pub fn traces_human(table: &Table, origin: &Origin, scenario: &str, traces: &[Trace], max_hops: usize) -> String {
    traces
        .iter()
        .map(|t| trace_human(table, origin, scenario, t, max_hops))
        .collect()
}

/// Which PSAP boundary holds a located origin (SPEC §7), for `trace`.
pub fn location_human(table: &Table, located: &crate::simulate::Located) -> String {
    let point = crate::rules::mapped::point(located.point);
    if located.held_by.is_empty() {
        return format!("location {point}: inside no PSAP boundary in force\n");
    }
    let mut out = String::new();
    for h in &located.held_by {
        let uri = h.service_uri.as_deref().unwrap_or("(no ServiceURI)");
        let psap = h.psap.map_or_else(
            || "no PSAP of the table".to_string(),
            |p| table.psaps[p as usize].id.clone(),
        );
        let layer = h.layer.as_deref().map(|l| format!(" › {l}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "location {point}: inside PSAP boundary {} ({}{layer}), ServiceURI {uri} → {psap}",
            h.feature, h.file
        );
    }
    out
}

/// `trace`'s report: the walk of each play, then where the origin's location falls.
pub fn traced_human(table: &Table, traced: &crate::simulate::Traced, max_hops: usize) -> String {
    let origin = &table.origins[traced.origin as usize];
    let mut text = String::new();
    for (i, trace) in traced.traces.iter().enumerate() {
        let mut one = trace_human(table, origin, &traced.label, trace, max_hops);
        let calls = traced.calls.get(i).map_or("", String::as_str);
        if !calls.is_empty() {
            // The branch goes under the scenario line: "calls: calls with SdpOffer rtt=true".
            let at = one.find('\n').and_then(|a| one[a + 1..].find('\n').map(|b| a + b + 2));
            if let Some(at) = at {
                one.insert_str(at, &format!("branch: {}\n", crate::escape::inert(calls)));
            }
        }
        text.push_str(&one);
        text.push_str(&policy_steps(table, trace));
    }
    if let Some(located) = &traced.location {
        text.push_str(&location_human(table, located));
    }
    text
}

/// The policy rules a call was evaluated against, in order (SPEC §9 `trace`):
/// `[rule nn-full, priority 300] QueueState sip:psap@sedgwick.ks.us EQ Full: no`.
fn policy_steps(table: &Table, trace: &Trace) -> String {
    let mut out = String::new();
    if trace.steps.is_empty() {
        return out;
    }
    out.push_str("  policy rules evaluated:\n");
    for step in &trace.steps {
        let _ = writeln!(out, "    {}", step_words(table, step));
    }
    out
}

fn step_words(table: &Table, step: &crate::engine::PolicyStep) -> String {
    let (file, index) = step.at;
    let policy = &table.policy_files[file as usize].policies[index as usize];
    let rule = &policy.rules[step.rule as usize];
    let conditions: Vec<String> = rule.conditions.iter().map(condition_words).collect();
    let conditions = if conditions.is_empty() {
        "(no conditions: catch-all)".to_string()
    } else {
        conditions.join(" AND ")
    };
    let verdict = match (step.held, step.failed) {
        (true, true) => "yes, but its route failed: evaluated again",
        (true, false) => "yes",
        (false, _) => "no",
    };
    format!(
        "{} [rule {}, priority {}] {conditions}: {verdict}",
        crate::escape::short(&policy.name(), 120),
        crate::escape::short(&rule.id, 60),
        rule.priority
    )
}

/// A condition in words: its type without "Condition", its values, "NOT" when negated.
fn condition_words(c: &crate::model::Condition) -> String {
    let mut words = vec![c.kind.trim_end_matches("Condition").to_string()];
    for (name, v) in &c.fields {
        let text = match v.value.as_str() {
            Some(text) => text.to_string(),
            // Flags and lists read with their names: "rtt=true".
            None => format!("{name}={}", v.value),
        };
        words.push(crate::escape::short(&text, 60));
    }
    let text = words.join(" ");
    if c.negation { format!("NOT ({text})") } else { text }
}

/// Where a hop was decided: its line and column; inside a JWS payload, where the line and
/// column are the payload's, the file and the JSON pointer of the rule (SPEC §9).
fn hop_place(table: &Table, hop: &crate::engine::Hop) -> String {
    match hop.payload_pointer(table) {
        Some(pointer) => format!("{}#{pointer}", table.files[hop.loc.file as usize].path),
        None => super::place(table, hop.loc),
    }
}

pub fn trace_human(table: &Table, origin: &Origin, scenario: &str, trace: &Trace, max_hops: usize) -> String {
    let mut out = format!("trace of {}\nscenario: {scenario}\n", origin_line(origin));
    let mut prev = None;
    for (i, h) in trace.hops.iter().enumerate() {
        let place = hop_place(table, h);
        let _ = writeln!(
            out,
            "  {}. {:<8} {:<28} {}  [{place}]",
            i + 1,
            node_kind(h.node),
            table.node_id(h.node),
            via_words(table, origin, h.via, prev)
        );
        prev = Some(h.node);
    }
    let end = match &trace.end {
        Disposition::Delivered { psap, how } => {
            let how = match how {
                Delivery::Direct => String::new(),
                Delivery::Alternate { around } => format!(", by alternate routing around {}", table.node_id(*around)),
                Delivery::Overflow { around } => format!(", as overflow from {}", table.node_id(*around)),
                Delivery::Queued => " (busy: the call waits in its queue)".into(),
            };
            format!("delivered to {}{how}", psap_name(table, *psap))
        }
        Disposition::Lost { at, reason } => format!("LOST {}", describe_loss(table, *at, reason, max_hops)),
        Disposition::Looped { back_to, closing } => format!(
            "LOOP: the call comes back to {} ({})",
            table.node_id(trace.hops[*back_to].node),
            super::place(table, *closing)
        ),
    };
    let _ = writeln!(out, "  => {end}");
    out
}

fn group_by_place(table: &Table, origins: &[u32]) -> BTreeMap<(String, String), (usize, u64)> {
    let mut by: BTreeMap<(String, String), (usize, u64)> = BTreeMap::new();
    for &o in origins {
        let origin = &table.origins[o as usize];
        let key = (
            origin.state.as_deref().unwrap_or("-").to_string(),
            origin.county.as_deref().unwrap_or("-").to_string(),
        );
        let e = by.entry(key).or_default();
        e.0 += 1;
        e.1 += table.population(o);
    }
    by
}

fn ids(table: &Table, origins: &[u32], limit: usize) -> String {
    let mut s: Vec<&str> = origins
        .iter()
        .take(limit)
        .map(|&o| table.origins[o as usize].id.as_ref())
        .collect();
    if origins.len() > limit {
        s.push("…");
    }
    s.join(", ")
}

pub fn simulate_human(table: &Table, sim: &Simulation) -> String {
    let mut out = format!("what-if: {}\n\n", sim.scenario.clone());
    if sim.lost.is_empty() {
        out.push_str("No origin loses service.\n");
    } else {
        let _ = writeln!(out, "Calls lost: {}", origins_phrase(table, &sim.lost));
        for ((state, county), (n, p)) in group_by_place(table, &sim.lost) {
            let _ = writeln!(
                out,
                "  {state:<3} {county:<24} {:>8} origins  population {:>12}",
                thousands(n as u64),
                thousands(p)
            );
        }
        let _ = writeln!(out, "  origins: {}", ids(table, &sim.lost, 10));
    }
    let extra = sim.extra_traffic();
    if !extra.is_empty() {
        out.push_str("\nPSAPs receiving extra traffic:\n");
        for (p, origins) in &extra {
            let _ = writeln!(
                out,
                "  {:<36} from {}",
                table.psaps[*p as usize].id,
                origins_phrase(table, origins)
            );
        }
        if !sim.capacity.is_empty() {
            out.push_str("\nCapacity of the PSAPs that take the extra calls (busy hour):\n");
            for c in &sim.capacity {
                let verdict = if c.meets {
                    "meets the standard"
                } else {
                    "MISSES the standard"
                };
                let _ = writeln!(
                    out,
                    "  {:<36} {} positions: {:.0} -> {:.0} calls, {:.1} -> {:.1} Erlangs, {:.0}% -> {:.0}% answered in time; {verdict}",
                    table.psaps[c.psap as usize].id,
                    c.positions,
                    c.before.calls,
                    c.after.calls,
                    c.before.erlangs,
                    c.after.erlangs,
                    c.before.answered * 100.0,
                    c.after.answered * 100.0
                );
            }
        }
        out.push_str("\nPaths changed (still delivered):\n");
        let mut pairs: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
        for &(o, b, a) in &sim.moved {
            pairs.entry((b, a)).or_default().push(o);
        }
        for ((b, a), origins) in pairs {
            let _ = writeln!(
                out,
                "  {} -> {}: {} ({})",
                table.psaps[b as usize].id,
                table.psaps[a as usize].id,
                crate::report::plural(origins.len(), "origin"),
                ids(table, &origins, 5)
            );
        }
    }
    if sim.already_lost > 0 {
        let _ = writeln!(
            out,
            "\n({} {} lost already under normal conditions; `check` reports them.)",
            crate::report::plural(sim.already_lost, "origin"),
            if sim.already_lost == 1 { "is" } else { "are" }
        );
    }
    out
}

pub fn simulate_json(table: &Table, sim: &Simulation) -> String {
    let origin = |o: u32| {
        let x = &table.origins[o as usize];
        json!({ "origin": x.id, "state": x.state.as_deref(), "county": x.county.as_deref(), "population": table.population(o) })
    };
    let by_place: Vec<Value> = group_by_place(table, &sim.lost)
        .into_iter()
        .map(|((s, c), (n, p))| json!({ "state": s, "county": c, "origins": n, "population": p }))
        .collect();
    let extra: Vec<Value> = sim
        .extra_traffic()
        .into_iter()
        .map(|(p, os)| json!({ "psap": table.psaps[p as usize].id, "origins": os.len(), "population": os.iter().map(|&o| table.population(o)).sum::<u64>() }))
        .collect();
    let changed: Vec<Value> = sim.moved.iter().map(|&(o, b, a)| json!({ "origin": table.origins[o as usize].id, "before": table.psaps[b as usize].id, "after": table.psaps[a as usize].id, "population": table.population(o) })).collect();
    let doc = json!({
        "tool": "psapguard", "version": env!("CARGO_PKG_VERSION"), "format": 1,
        "scenario": sim.scenario.clone(),
        "lost": sim.lost.iter().map(|&o| origin(o)).collect::<Vec<_>>(),
        "lost_population": sim.lost.iter().map(|&o| table.population(o)).sum::<u64>(),
        "lost_by_place": by_place,
        "extra_traffic": extra,
        "capacity": sim.capacity.iter().map(|c| json!({
            "psap": table.psaps[c.psap as usize].id,
            "positions": c.positions,
            "before": load_json(&c.before),
            "after": load_json(&c.after),
            "meets_standard": c.meets,
        })).collect::<Vec<_>>(),
        "changes": changed,
    });
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}

fn load_json(l: &crate::capacity::Load) -> Value {
    let round = |x: f64, places: i32| (x * 10f64.powi(places)).round() / 10f64.powi(places);
    json!({ "calls": round(l.calls, 1), "erlangs": round(l.erlangs, 2), "answered_in_time": round(l.answered, 4) })
}

fn domain_kind(table: &Table, analysis: &Analysis, d: usize) -> String {
    let domain = &analysis.domains[d];
    match domain.declared {
        Some(i) => table.domains[i as usize]
            .kind
            .clone()
            .unwrap_or_else(|| "domain".into()),
        None => node_kind(domain.members[0]).to_lowercase(),
    }
}

/// "-", or the PSAPs pushed below the answering standard ("a-911, b-911 +3").
fn below_words(table: &Table, psaps: &[u32]) -> String {
    if psaps.is_empty() {
        return "-".into();
    }
    let shown: Vec<&str> = psaps
        .iter()
        .take(2)
        .map(|&p| table.psaps[p as usize].id.as_str())
        .collect();
    let more = if psaps.len() > 2 {
        format!(" +{}", psaps.len() - 2)
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// "site-den (= esrp-den)" when other domains take down the same elements.
fn name_with_equals(analysis: &Analysis, imp: &DomainImpact) -> String {
    let name = &analysis.domains[imp.domain].name;
    if imp.same_as.is_empty() {
        return name.clone();
    }
    let others: Vec<&str> = imp.same_as.iter().map(|&d| analysis.domains[d].name.as_str()).collect();
    format!("{name} (= {})", others.join(", "))
}

pub fn all_single_human(table: &Table, analysis: &Analysis, impacts: &[DomainImpact]) -> String {
    let mut out = String::from("Single failures ranked by the population they cut off from 911:\n\n");
    if impacts.is_empty() {
        out.push_str("No single failure domain cuts off any origin.\n");
    } else {
        let _ = writeln!(
            out,
            "{:>4}  {:<36} {:<10} {:>10} {:>14}  below standard",
            "rank", "failure domain", "kind", "origins", "population"
        );
        for (i, imp) in impacts.iter().enumerate() {
            let _ = writeln!(
                out,
                "{:>4}  {:<36} {:<10} {:>10} {:>14}  {}",
                i + 1,
                name_with_equals(analysis, imp),
                domain_kind(table, analysis, imp.domain),
                thousands(imp.lost.len() as u64),
                thousands(imp.population),
                below_words(table, &imp.below_standard)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{} failure domains analysed; {} cut off no one.",
        analysis.domains.len(),
        analysis.domains.len()
            - impacts
                .iter()
                .filter(|i| !i.lost.is_empty())
                .map(|i| 1 + i.same_as.len())
                .sum::<usize>()
    );
    out
}

pub fn all_single_json(table: &Table, analysis: &Analysis, impacts: &[DomainImpact]) -> String {
    let rows: Vec<Value> = impacts
        .iter()
        .map(|imp| {
            let d = &analysis.domains[imp.domain];
            json!({
                "domain": d.name,
                "same_as": imp.same_as.iter().map(|&o| analysis.domains[o].name.as_str()).collect::<Vec<_>>(),
                "kind": domain_kind(table, analysis, imp.domain),
                "members": d.members.iter().map(|&n| table.node_id(n)).collect::<Vec<_>>(),
                "origins": imp.lost.len(),
                "population": imp.population,
                "affected": imp.lost.iter().map(|&o| table.origins[o as usize].id.as_ref()).collect::<Vec<_>>(),
                "below_standard": imp.below_standard.iter().map(|&p| table.psaps[p as usize].id.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({ "tool": "psapguard", "version": env!("CARGO_PKG_VERSION"), "format": 1, "domains_analysed": analysis.domains.len(), "ranking": rows });
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}
