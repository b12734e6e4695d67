//! The policy documents' part of a diff (SPEC §9): policies and their rules are elements like
//! routers — a policy named `<policyType>(<queue or id>)`, a rule `<policy>/<rule id>` — and a
//! changed one is shown as a unified diff of its pretty-printed JSON.

use std::collections::BTreeMap;

use crate::model::{Loc, Policy, PolicyRule, Table};

/// What happened to a policy or a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Edit {
    Added,
    Removed,
    Changed,
}

impl Edit {
    pub fn name(self) -> &'static str {
        match self {
            Edit::Added => "added",
            Edit::Removed => "removed",
            Edit::Changed => "changed",
        }
    }
}

/// One policy or rule that differs between the tables.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyChange {
    /// `<policyType>(<policyQueueName or policyId>)`.
    pub policy: String,
    /// The rule's `id`; None for the policy itself (added or removed whole, or its own
    /// members changed).
    pub rule: Option<String>,
    pub change: Edit,
    /// A unified diff of the pretty-printed JSON (the whole policy when added or removed).
    pub diff: String,
    /// Where it is in the new table (None when removed).
    pub loc: Option<Loc>,
}

impl PolicyChange {
    /// How findings name it: the policy, or `<policy>/<rule id>`.
    pub fn element(&self) -> String {
        match &self.rule {
            Some(rule) => format!("{}/{rule}", self.policy),
            None => self.policy.clone(),
        }
    }
}

/// A policy as one side has it: the first document with its identity (two documents with one
/// identity are a `policy-attribute` finding on that side), with the file it is in.
struct Side<'t> {
    policy: &'t Policy,
    file: &'t str,
}

fn policies(table: &Table) -> BTreeMap<String, Side<'_>> {
    let mut out = BTreeMap::new();
    for file in &table.policy_files {
        for policy in &file.policies {
            out.entry(policy.name()).or_insert(Side {
                policy,
                file: &file.shown,
            });
        }
    }
    out
}

/// Every policy and rule added, removed or changed, by policy name, the policy's own entry
/// before its rules', rules in the new document's order and then the removed ones.
pub fn compare(old: &Table, new: &Table) -> Vec<PolicyChange> {
    let (before, after) = (policies(old), policies(new));
    let mut out = Vec::new();
    for (name, now) in &after {
        match before.get(name) {
            None => out.push(whole(name, Edit::Added, now)),
            Some(was) => changed_parts(name, was, now, &mut out),
        }
    }
    for (name, was) in &before {
        if !after.contains_key(name) {
            out.push(whole(name, Edit::Removed, was));
        }
    }
    out.sort_by(|a, b| a.policy.cmp(&b.policy).then(a.rule.is_some().cmp(&b.rule.is_some())));
    out
}

/// A policy only one side has, shown whole.
fn whole(name: &str, change: Edit, side: &Side<'_>) -> PolicyChange {
    let text = pretty(&side.policy.to_json());
    let here = label(side, &side.policy.at.pointer);
    let (old, new) = match change {
        Edit::Removed => ((here.as_str(), text.as_str()), ("/dev/null", "")),
        _ => (("/dev/null", ""), (here.as_str(), text.as_str())),
    };
    PolicyChange {
        policy: name.to_string(),
        rule: None,
        change,
        diff: unified(old, new),
        loc: (change != Edit::Removed).then_some(side.policy.at.loc),
    }
}

/// The policy's own members and each rule that differ between two versions of one policy.
fn changed_parts(name: &str, was: &Side<'_>, now: &Side<'_>, out: &mut Vec<PolicyChange>) {
    let (old_head, new_head) = (pretty(&was.policy.header_json()), pretty(&now.policy.header_json()));
    if old_head != new_head {
        out.push(PolicyChange {
            policy: name.to_string(),
            rule: None,
            change: Edit::Changed,
            diff: unified(
                (&label(was, &was.policy.at.pointer), &old_head),
                (&label(now, &now.policy.at.pointer), &new_head),
            ),
            loc: Some(now.policy.at.loc),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for rule in &now.policy.rules {
        if !seen.insert(rule.id.as_str()) {
            continue;
        }
        let old_rule = find(was, &rule.id);
        let (old_text, new_text) = (old_rule.map(rule_text).unwrap_or_default(), rule_text(rule));
        if old_text == new_text {
            continue;
        }
        let old_label = old_rule.map_or("/dev/null".to_string(), |r| label(was, &r.at.pointer));
        out.push(PolicyChange {
            policy: name.to_string(),
            rule: Some(rule.id.clone()),
            change: if old_rule.is_some() { Edit::Changed } else { Edit::Added },
            diff: unified((&old_label, &old_text), (&label(now, &rule.at.pointer), &new_text)),
            loc: Some(rule.at.loc),
        });
    }
    for rule in &was.policy.rules {
        if find(now, &rule.id).is_none() && seen.insert(rule.id.as_str()) {
            out.push(PolicyChange {
                policy: name.to_string(),
                rule: Some(rule.id.clone()),
                change: Edit::Removed,
                diff: unified((&label(was, &rule.at.pointer), &rule_text(rule)), ("/dev/null", "")),
                loc: None,
            });
        }
    }
}

fn find<'t>(side: &Side<'t>, id: &str) -> Option<&'t PolicyRule> {
    side.policy.rules.iter().find(|r| r.id == id)
}

fn rule_text(rule: &PolicyRule) -> String {
    pretty(&rule.to_json())
}

fn pretty(json: &serde_json::Value) -> String {
    serde_json::to_string_pretty(json).expect("JSON values always serialise") + "\n"
}

/// A side's header line: the file and the JSON pointer into the document (into the decoded
/// payload for a JWS), e.g. `policies/a.json#/policyRules/2`.
fn label(side: &Side<'_>, pointer: &str) -> String {
    format!("{}#{pointer}", side.file)
}

/// A unified diff of two texts, each given with its header label.
fn unified(old: (&str, &str), new: (&str, &str)) -> String {
    let lines = similar::TextDiff::from_lines(old.1, new.1);
    super::texts::unified_in_file(&lines, (old.0, 0), (new.0, 0))
}
