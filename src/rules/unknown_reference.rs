use std::collections::{BTreeMap, HashMap};

use super::{Context, Finding, declare_rule};
use crate::engine::{Disposition, LostReason};
use crate::model::{Element, Expect, Loc};
use crate::suggest::did_you_mean;

declare_rule! {
    /// ## What it does
    /// Reports a reference to an id that does not exist, or to an element of the wrong kind:
    /// a `to`, `default`, `alternate` or `overflow` that names nothing, a `mate` or `ingress`
    /// that is not a router, a `domains` entry that is not declared, a pool's `psap` that is
    /// not a PSAP; in a policy routing rule (SPEC §9), a `recipientUri`, QueueState `queue` or
    /// ServiceState `service` that names no PSAP `uri` and no router `queue`. The finding
    /// lists the origins whose calls are lost because of it.
    ///
    /// References to one missing id from one field are one finding; its entities are every
    /// referring element, then the missing id (so `diff` sees a new referrer as a new
    /// finding). A referrer that waives this rule is reported apart: its waiver never covers
    /// the others.
    ///
    /// ## Why it matters
    /// A call sent to an id that does not exist is lost. A typo in `domains` is quieter but
    /// as dangerous: it hides a shared risk from the single-point-of-failure analysis.
    ///
    /// ## Example
    /// ```yaml
    /// routers:
    ///   esrp-den:
    ///     mate: [esrp-cos]
    ///     default: denver-91l     # typo: no such PSAP
    /// ```
    ///
    /// ## How to fix
    /// Correct the id (the message suggests the nearest existing one), or declare the missing
    /// element.
    pub struct UnknownReference { name: "unknown-reference", severity: Error }
}

/// (missing id, field, kind of referrer, whether the id exists with another kind, whether the
/// referrer waives this rule).
type GroupKey = (String, &'static str, &'static str, bool, bool);

impl UnknownReference {
    pub(super) fn run(cx: &Context<'_>, out: &mut Vec<Finding>) {
        let lost_at = lost_by_reference(cx);
        // One finding per (missing id, field, kind of referrer): a typo copied to 10,000
        // origins is one cause.
        let mut groups: BTreeMap<GroupKey, Vec<(Element, Loc, Expect)>> = BTreeMap::new();
        cx.table.each_reference(|r| {
            let found = cx.table.lookup(&r.link.name);
            if found.is_some_and(|e| r.expect.accepts(e)) {
                return;
            }
            // Referrers that waive this rule are a group of their own: a waiver on one referrer
            // covers its own reference, never the others' (SPEC §2).
            let waives = waiver_in_force(cx, r.from);
            let key = (
                r.link.name.to_string(),
                r.field,
                r.from.kind_name(),
                found.is_some(),
                waives,
            );
            groups.entry(key).or_default().push((r.from, r.link.loc, r.expect));
        });
        // An id may be defined in a file that failed to parse: not reported (one mistake, one
        // finding: the parse error).
        let unread: Vec<std::sync::Arc<String>> = cx
            .problems_of(|k| matches!(k, crate::load::ProblemKind::Parse))
            .map(|p| cx.table.files[p.loc.file as usize].text().clone())
            .collect();
        groups.retain(|(name, _, _, exists, _), _| *exists || !unread.iter().any(|text| text.contains(name.as_str())));
        let mut ordered: Vec<_> = groups.into_iter().collect();
        ordered.sort_by_key(|(_, places)| places[0].1);
        for ((name, field, kind, exists, _), places) in ordered {
            let (from, loc, expect) = places[0];
            let from_id = cx.table.element_id(from).to_string();
            let noun = expect.noun();
            let where_ = if places.len() == 1 {
                format!("`{field}` of {kind} {from_id}")
            } else {
                format!("`{field}` of {} {kind}s ({from_id}, …)", places.len())
            };
            let problem = match cx.table.lookup(&name) {
                Some(e) if exists => format!(
                    "`{name}` in {where_} is a {}, but `{field}` needs {noun}",
                    e.kind_name()
                ),
                _ => {
                    // Suggest only ids of the kind the field takes, never a referrer itself.
                    let referrers: Vec<Element> = places.iter().map(|(e, _, _)| *e).collect();
                    let candidates = cx
                        .table
                        .elements()
                        .filter(|(_, e)| expect.accepts(*e) && !referrers.contains(e));
                    let hint = did_you_mean(&name, candidates.map(|(id, _)| id))
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    format!("`{name}` in {where_} does not exist{hint}")
                }
            };
            let mut origins: Vec<u32> = places
                .iter()
                .flat_map(|(_, l, _)| lost_at.get(l).into_iter().flatten().copied())
                .collect();
            origins.sort_unstable();
            origins.dedup();
            let message = if origins.is_empty() {
                problem
            } else {
                format!("{problem}; calls from {} are lost", cx.origins_phrase(&origins))
            };
            // Every referrer is an entity (then the missing id): `diff` sees a second broken
            // reference to the same id as new, and a waiver is judged per referrer.
            let mut entities: Vec<String> = Vec::new();
            for (e, _, _) in &places {
                let id = cx.table.element_id(*e);
                if !entities.iter().any(|x| x == id) {
                    entities.push(id.to_string());
                }
            }
            entities.push(name.clone());
            let mut f = cx.finding(&Self::META, loc, message, entities, &origins);
            for (e, l, _) in places.iter().skip(1).take(20) {
                f = f.related(*l, format!("also named by {}", cx.table.element_id(*e)));
            }
            out.push(f);
        }
        policy_references(cx, &lost_at, out);
    }
}

/// A `recipientUri`, QueueState `queue` or ServiceState `service` of a policy in force that
/// names no PSAP `uri` and no router `queue` (SPEC §9): one finding per name and field.
fn policy_references(cx: &Context<'_>, lost_at: &HashMap<Loc, Vec<u32>>, out: &mut Vec<Finding>) {
    let Some(net) = cx.policies else { return };
    // (name, field) → (rule names, where)
    let mut groups: BTreeMap<(String, &'static str), Vec<(String, &crate::model::Spot)>> = BTreeMap::new();
    for (p, policy) in net.store.policies.iter().enumerate() {
        for (k, rule) in policy.rules.iter().enumerate() {
            let named = net.rule_name(p as u32, k as u32);
            let conditions = rule.conditions.iter().filter_map(|c| {
                let field = match c.kind.as_str() {
                    "QueueStateCondition" => "queue",
                    "ServiceStateCondition" => "service",
                    _ => return None,
                };
                Some((field, c.field(field)?))
            });
            let actions = rule
                .actions
                .iter()
                .filter(|a| a.kind == "RouteAction")
                .filter_map(|a| Some(("recipientUri", a.field("recipientUri")?)));
            for (field, value) in conditions.chain(actions) {
                let Some(name) = value.value.as_str() else { continue };
                let known = net.store.queue(name).is_some()
                    || field == "service" && matches!(cx.table.lookup(name), Some(Element::Psap(_)));
                if !known {
                    groups
                        .entry((name.to_string(), field))
                        .or_default()
                        .push((named.clone(), &value.at));
                }
            }
        }
    }
    let queues: Vec<&str> = cx
        .table
        .psaps
        .iter()
        .filter_map(|p| p.uri.as_deref())
        .chain(cx.table.routers.iter().filter_map(|r| r.queue.as_deref()))
        .collect();
    for ((name, field), places) in groups {
        let hint = did_you_mean(&name, queues.iter().copied())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        let shown = crate::escape::short(&name, 120);
        let mut origins: Vec<u32> = places
            .iter()
            .flat_map(|(_, at)| lost_at.get(&at.loc).into_iter().flatten().copied())
            .collect();
        origins.sort_unstable();
        origins.dedup();
        let (first, at) = &places[0];
        let mut message = format!("`{field}` `{shown}` in {first} names no PSAP `uri` and no router `queue`{hint}");
        if !origins.is_empty() {
            message.push_str(&format!("; calls from {} are lost", cx.origins_phrase(&origins)));
        }
        let mut entities: Vec<String> = Vec::new();
        for (rule, _) in &places {
            if !entities.contains(rule) {
                entities.push(rule.clone());
            }
        }
        entities.push(name.clone());
        let mut f = cx
            .finding(&UnknownReference::META, at.loc, message, entities, &origins)
            .at_spot(at);
        for (rule, l) in places.iter().skip(1).take(20) {
            f = f.related(l.loc, format!("also named by {rule}"));
        }
        out.push(f);
    }
}

/// Whether `element` carries a waiver of this rule in force today.
fn waiver_in_force(cx: &Context<'_>, element: Element) -> bool {
    let today = cx.settings.today.as_str();
    cx.table
        .waivers(element)
        .iter()
        .any(|w| w.rule == UnknownReference::META.name && w.expires.as_deref().is_none_or(|d| d >= today))
}

/// Origins whose calls are lost under normal conditions at each unknown reference.
fn lost_by_reference(cx: &Context<'_>) -> HashMap<Loc, Vec<u32>> {
    let mut map: HashMap<Loc, Vec<u32>> = HashMap::new();
    let Some(a) = cx.analysis else { return map };
    for (c, t) in a.normal.iter().enumerate() {
        match &t.end {
            Disposition::Lost {
                reason: LostReason::UnknownTarget { loc, .. },
                ..
            } => {
                map.entry(*loc).or_default().extend(a.classes[c].origins.iter());
            }
            // An origin whose every ingress names no router: each of those references loses it.
            Disposition::Lost {
                reason: LostReason::NoIngress,
                ..
            } => {
                for &o in a.classes[c].origins.iter() {
                    for l in &cx.table.origins[o as usize].ingress {
                        map.entry(l.loc).or_default().push(o);
                    }
                }
            }
            _ => {}
        }
    }
    map
}
