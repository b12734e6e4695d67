//! Waivers (SPEC §1, §2): a waiver covers the findings about its own element under its rule.
//! When a finding groups several elements (origins sharing a cause), the waived element's
//! part is waived and the rest stays a finding of its own. An expired waiver no longer
//! counts and is named in the finding it no longer covers; a waiver that covers nothing in
//! a rule that ran is an `unused-waiver` warning.

use std::collections::HashSet;

use crate::finding::{Finding, WaiverNote};
use crate::model::{Element, Table, Waiver};
use crate::rules::unused_waiver::UnusedWaiver;

/// Days before its expiry a waiver is announced in the summary.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// A waiver, by its element and its place in the element's list.
type WaiverId = (Element, usize);

/// Applies the table's waivers to `findings` (splitting grouped findings where only some of
/// their elements are waived) and returns the unused-waiver findings for the rules in `ran`.
pub fn apply(table: &Table, today: &str, ran: &HashSet<&str>, findings: &mut Vec<Finding>) -> Vec<Finding> {
    let mut used: HashSet<WaiverId> = HashSet::new();
    let mut parts = Vec::new();
    for f in findings.iter_mut() {
        parts.extend(apply_one(table, today, f, &mut used));
    }
    findings.extend(parts);
    unused(table, today, ran, &used)
}

/// A waiver with its place in its element's list.
type Indexed<'t> = (usize, &'t Waiver);

/// The waivers of `element` for `rule`: the first one in force, and the expired ones.
fn waivers_for<'t>(
    table: &'t Table,
    element: Element,
    rule: &str,
    today: &str,
) -> (Option<Indexed<'t>>, Vec<Indexed<'t>>) {
    let mut in_force = None;
    let mut expired = Vec::new();
    for (i, w) in table
        .waivers(element)
        .iter()
        .enumerate()
        .filter(|(_, w)| w.rule == rule)
    {
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
fn apply_one(table: &Table, today: &str, f: &mut Finding, used: &mut HashSet<WaiverId>) -> Option<Finding> {
    // The finding's elements: the ones it is about (where to fix first), and the origins it
    // groups (its origin entities and its affected origins).
    let mut grouped: Vec<(String, Element)> = Vec::new();
    let mut others: Vec<Element> = Vec::new();
    for id in f.entities.iter().chain(f.affected.iter()) {
        match table.lookup(id) {
            Some(e @ Element::Origin(_)) if !grouped.iter().any(|(g, _)| g == id) => grouped.push((id.clone(), e)),
            Some(Element::Origin(_)) | None => {}
            Some(e) if f.entities.contains(id) && !others.contains(&e) => others.push(e),
            Some(_) => {}
        }
    }
    let mut expired_notes = Vec::new();
    for &e in &others {
        let (in_force, expired) = waivers_for(table, e, f.rule, today);
        for (i, w) in expired {
            used.insert((e, i));
            expired_notes.push(w);
        }
        if let Some((i, w)) = in_force {
            used.insert((e, i));
            f.waived = true;
            f.waiver = Some(note(w));
            return None;
        }
    }
    let mut waived: Vec<(String, &Waiver)> = Vec::new();
    for (id, e) in &grouped {
        let (in_force, expired) = waivers_for(table, *e, f.rule, today);
        for (i, w) in expired {
            used.insert((*e, i));
            expired_notes.push(w);
        }
        if let Some((i, w)) = in_force {
            used.insert((*e, i));
            waived.push((id.clone(), w));
        }
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
    for (id, e) in table.elements() {
        for (i, w) in table.waivers(e).iter().enumerate() {
            let expired = w.expires.as_deref().is_some_and(|d| d < today);
            if expired || used.contains(&(e, i)) || !ran.contains(w.rule.as_str()) {
                continue;
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
                place: None,
                related: Vec::new(),
                new: None,
            });
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
        .filter_map(|w| w.expires.as_deref().and_then(crate::date::days))
        .filter(|&d| d >= now && d - now <= EXPIRY_NOTICE_DAYS)
        .count()
}
