//! Waivers (SPEC §1, §2, §7): a waiver covers the findings about its own element under its
//! rule. When a finding groups several elements (origins sharing a cause), the waived
//! element's part is waived and the rest stays a finding of its own. A GIS finding about a
//! boundary feature is covered by a waiver of the PSAP its `ServiceURI` names, or by a waiver
//! of its layer naming the feature. A finding about a policy or one of its rules is covered by
//! a waiver of the router whose `queue`, or the PSAP whose `uri`, is its `policyQueueName`
//! (SPEC §9: policy documents carry no waivers). An expired waiver no longer counts and is named in the
//! finding it no longer covers; a waiver that covers nothing in a rule that ran is an
//! `unused-waiver` warning.

use std::collections::{HashMap, HashSet};

use crate::finding::{Finding, WaiverNote};
use crate::model::{Element, Node, Table, UriIndex, Waiver, sip_key};
use crate::rules::unused_waiver::UnusedWaiver;

/// Days before its expiry a waiver is announced in the summary.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// What holds a waiver: an element of the table, or a boundary layer (by index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Owner {
    Element(Element),
    Layer(u32),
}

/// A waiver, by its holder and its place in the holder's list.
type WaiverId = (Owner, usize);

/// Applies the table's waivers to `findings` (splitting grouped findings where only some of
/// their elements are waived) and returns the unused-waiver findings for the rules in `ran`.
pub fn apply(table: &Table, today: &str, ran: &HashSet<&str>, findings: &mut Vec<Finding>) -> Vec<Finding> {
    let mut used: HashSet<WaiverId> = HashSet::new();
    let mut parts = Vec::new();
    // Built only when a finding is about boundary features.
    let mut features: Option<Features> = None;
    let policies = (!table.policy_files.is_empty()).then(|| PolicyOwners::new(table));
    for f in findings.iter_mut() {
        let gis = if f.place.is_some() {
            Some(&*features.get_or_insert_with(|| Features::new(table)))
        } else {
            None
        };
        parts.extend(apply_one(table, today, f, gis, policies.as_ref(), &mut used));
    }
    findings.extend(parts);
    unused(table, today, ran, &used)
}

/// The boundary features by the name findings give them (NGUID, else `layer:fid`): their
/// layer, and the PSAP their `ServiceURI` names.
struct Features {
    by_name: HashMap<String, Vec<(u32, Option<u32>)>>,
}

impl Features {
    fn new(table: &Table) -> Self {
        let uris = UriIndex::new(table);
        let mut by_name: HashMap<String, Vec<(u32, Option<u32>)>> = HashMap::new();
        for (b, boundary) in table.boundaries.iter().enumerate() {
            let Ok(features) = &boundary.read else { continue };
            for feature in features {
                let name = match feature.fields.nguid.as_deref().filter(|s| !s.is_empty()) {
                    Some(nguid) => nguid.to_string(),
                    None => format!("{}:{}", crate::rules::mapped::layer_name(boundary), feature.fid),
                };
                let psap = uris.psap(feature.fields.service_uri.as_deref());
                by_name.entry(name).or_default().push((b as u32, psap));
            }
        }
        Features { by_name }
    }

    /// The holders of waivers that cover a finding about feature `name`: its layer's
    /// waivers naming it, and the PSAP its `ServiceURI` names.
    fn owners(&self, name: &str, out: &mut Vec<(Owner, Option<String>)>) {
        for &(b, psap) in self.by_name.get(name).into_iter().flatten() {
            let layer = (Owner::Layer(b), Some(name.to_string()));
            if !out.contains(&layer) {
                out.push(layer);
            }
            if let Some(p) = psap {
                let psap = (Owner::Element(Element::Psap(p)), None);
                if !out.contains(&psap) {
                    out.push(psap);
                }
            }
        }
    }
}

/// The element each policy and policy rule is also about (SPEC §9): the router whose
/// `queue`, or the PSAP whose `uri`, is the policy's `policyQueueName` (as SIP URIs compare).
struct PolicyOwners {
    /// Policy and rule names (`<policyType>(<key>)`, `<policy>/<rule id>`) → the element.
    by_name: HashMap<String, Element>,
    /// Queue URIs (SIP keys) → the router or PSAP, as routing finds them.
    queues: HashMap<String, Node>,
}

impl PolicyOwners {
    fn new(table: &Table) -> Self {
        let queues = crate::model::queue_index(table);
        let mut by_name = HashMap::new();
        for policy in table.policy_files.iter().flat_map(|f| &f.policies) {
            let Some(&owner) = policy.queue_name.as_deref().and_then(|q| queues.get(&sip_key(q))) else {
                continue;
            };
            let name = policy.name();
            for rule in &policy.rules {
                by_name.insert(format!("{name}/{}", rule.id), owner.into());
            }
            by_name.insert(name, owner.into());
        }
        PolicyOwners { by_name, queues }
    }

    /// The element a finding naming `name` is also about: a policy or rule of the store, or a
    /// queue-keyed policy the store lacks (`policy-missing` names it).
    fn owner(&self, name: &str) -> Option<Element> {
        if let Some(&e) = self.by_name.get(name) {
            return Some(e);
        }
        ["OriginationRoutePolicy(", "NormalNextHopRoutePolicy("]
            .iter()
            .find_map(|prefix| name.strip_prefix(prefix)?.strip_suffix(')'))
            .and_then(|queue| self.queues.get(&sip_key(queue)).map(|&n| n.into()))
    }
}

/// A waiver with its place in its holder's list.
type Indexed<'t> = (usize, &'t Waiver);

/// The waivers of `owner` for `rule` (on a layer: those naming `feature`): the first one in
/// force, and the expired ones. Every one of them is marked used: a second waiver of the same
/// finding covers it too, so it is not `unused-waiver`.
fn waivers_for<'t>(
    table: &'t Table,
    owner: Owner,
    feature: Option<&str>,
    rule: &str,
    today: &str,
    used: &mut HashSet<WaiverId>,
) -> (Option<Indexed<'t>>, Vec<Indexed<'t>>) {
    let list = match owner {
        Owner::Element(e) => table.waivers(e),
        Owner::Layer(b) => &table.boundaries[b as usize].waivers,
    };
    let mut in_force = None;
    let mut expired = Vec::new();
    for (i, w) in list
        .iter()
        .enumerate()
        .filter(|(_, w)| w.rule == rule && w.feature.as_deref() == feature)
    {
        used.insert((owner, i));
        if w.expires.as_deref().is_some_and(|d| d < today) {
            expired.push((i, w));
        } else if in_force.is_none() {
            in_force = Some((i, w));
        }
    }
    (in_force, expired)
}

fn note(w: &Waiver) -> WaiverNote {
    WaiverNote {
        reason: w.reason.clone(),
        expires: w.expires.clone(),
    }
}

/// Waives `f`, or the part of it its waived origins make up; returns that part when it was
/// split off.
fn apply_one(
    table: &Table,
    today: &str,
    f: &mut Finding,
    features: Option<&Features>,
    policies: Option<&PolicyOwners>,
    used: &mut HashSet<WaiverId>,
) -> Option<Finding> {
    // The finding's elements: the ones it is about (where to fix first), and the origins it
    // groups (its origin entities and its affected origins).
    let mut grouped: Vec<(String, Element)> = Vec::new();
    let mut others: Vec<(Owner, Option<String>)> = Vec::new();
    // Sets beside the lists: a finding may group thousands of origins.
    let mut seen: HashSet<Element> = HashSet::new();
    let entities = f.entities.len();
    for (k, id) in f.entities.iter().chain(f.affected.iter()).enumerate() {
        match table.lookup(id) {
            Some(e @ Element::Origin(_)) if seen.insert(e) => grouped.push((id.clone(), e)),
            Some(Element::Origin(_)) => {}
            // A boundary feature: its layer's waivers and its PSAP's cover it (SPEC §7); a
            // policy or rule: its queue's router or PSAP (SPEC §9).
            None if k < entities => {
                if let Some(features) = features {
                    features.owners(id, &mut others);
                }
                if let Some(e) = policies.and_then(|p| p.owner(id))
                    && seen.insert(e)
                {
                    others.push((Owner::Element(e), None));
                }
            }
            None => {}
            Some(e) if k < entities && seen.insert(e) => others.push((Owner::Element(e), None)),
            Some(_) => {}
        }
    }
    let mut expired_notes = Vec::new();
    // Every holder's waivers are looked at (not only up to the first that waives), so that
    // each waiver covering this finding counts as used.
    let mut whole: Option<&Waiver> = None;
    for (owner, feature) in &others {
        let (in_force, expired) = waivers_for(table, *owner, feature.as_deref(), f.rule, today, used);
        expired_notes.extend(expired.into_iter().map(|(_, w)| w));
        if let Some((_, w)) = in_force {
            whole.get_or_insert(w);
        }
    }
    let mut waived: Vec<(String, &Waiver)> = Vec::new();
    for (id, e) in &grouped {
        let (in_force, expired) = waivers_for(table, Owner::Element(*e), None, f.rule, today, used);
        expired_notes.extend(expired.into_iter().map(|(_, w)| w));
        if let Some((_, w)) = in_force {
            waived.push((id.clone(), w));
        }
    }
    if let Some(w) = whole {
        f.waived = true;
        f.waiver = Some(note(w));
        return None;
    }
    if waived.is_empty() || (waived.len() < grouped.len() && !split_possible(f, &waived)) {
        if let Some(w) = expired_notes.first() {
            f.message.push_str(&format!(
                " (waiver expired {}: {})",
                w.expires.as_deref().unwrap_or(""),
                w.reason
            ));
        }
        return None;
    }
    if waived.len() == grouped.len() {
        f.waived = true;
        f.waiver = Some(note(waived[0].1));
        return None;
    }
    Some(split(table, f, &waived))
}

/// A grouped finding can be split when the waived origins are among its affected origins.
fn split_possible(f: &Finding, waived: &[(String, &Waiver)]) -> bool {
    waived.iter().all(|(id, _)| f.affected.contains(id))
}

/// Splits the waived origins' part off `f` as a waived finding of its own.
fn split(table: &Table, f: &mut Finding, waived: &[(String, &Waiver)]) -> Finding {
    let ids: Vec<&str> = waived.iter().map(|(id, _)| id.as_str()).collect();
    let population = |ids: &[String]| -> u64 {
        ids.iter()
            .filter_map(|id| match table.lookup(id) {
                Some(Element::Origin(o)) => Some(table.population(o)),
                _ => None,
            })
            .sum()
    };
    let mut part = f.clone();
    part.affected = ids.iter().map(|s| s.to_string()).collect();
    part.population = population(&part.affected);
    part.entities.extend(part.affected.iter().cloned());
    part.waived = true;
    part.waiver = Some(note(waived[0].1));
    part.message = format!("{} — the part of {} waived on the origin", f.message, ids.join(", "));
    f.affected.retain(|a| !ids.contains(&a.as_str()));
    f.population = population(&f.affected);
    f.message = format!(
        "{} — {} of them waived on their own, reported apart; {} remain",
        f.message,
        ids.len(),
        f.affected.len()
    );
    part
}

/// Waivers in force that covered nothing, for rules that ran.
fn unused(table: &Table, today: &str, ran: &HashSet<&str>, used: &HashSet<WaiverId>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut judge = |id: &str, owner: Owner, i: usize, w: &Waiver| {
        let expired = w.expires.as_deref().is_some_and(|d| d < today);
        if expired || used.contains(&(owner, i)) || !ran.contains(w.rule.as_str()) {
            return;
        }
        out.push(Finding {
            rule: UnusedWaiver::META.name,
            severity: UnusedWaiver::META.severity,
            waived: false,
            waiver: None,
            message: format!(
                "the waiver of `{}` on {id} covers no finding: {} found nothing about {id} (reason given: {})",
                w.rule,
                w.rule,
                crate::escape::short(&w.reason, 120)
            ),
            scenario: None,
            entities: vec![id.to_string()],
            affected: Vec::new(),
            population: 0,
            location: Some(w.loc),
            pointer: None,
            place: None,
            related: Vec::new(),
            new: None,
        });
    };
    for (id, e) in table.elements() {
        for (i, w) in table.waivers(e).iter().enumerate() {
            judge(id, Owner::Element(e), i, w);
        }
    }
    // A layer waiver is about its feature.
    for (b, boundary) in table.boundaries.iter().enumerate() {
        for (i, w) in boundary.waivers.iter().enumerate() {
            judge(w.feature.as_deref().unwrap_or(""), Owner::Layer(b as u32), i, w);
        }
    }
    out
}

/// Waivers in force that expire within [`EXPIRY_NOTICE_DAYS`] of `today`.
pub fn expiring_soon(table: &Table, today: &str) -> usize {
    let Some(now) = crate::date::days(today) else { return 0 };
    table
        .elements()
        .flat_map(|(_, e)| table.waivers(e).iter())
        .chain(table.boundaries.iter().flat_map(|b| b.waivers.iter()))
        .filter_map(|w| w.expires.as_deref().and_then(crate::date::days))
        .filter(|&d| d >= now && d - now <= EXPIRY_NOTICE_DAYS)
        .count()
}
