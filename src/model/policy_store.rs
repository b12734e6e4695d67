//! The policies in force on the check date, found by identity, and the queues a policy can
//! name (SPEC §9): what routing by policies and the policy rules consult.

use std::collections::HashMap;

use super::{Node, Policy, Table, sip_key};

/// The three routing policy types (`policyType`), by how a policy of each is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyKind {
    /// Keyed by the ESRP queue it routes (`policyQueueName`).
    Origination,
    /// Keyed by the PSAP queue it routes for (`policyQueueName`, the Normal-NextHop).
    NormalNextHop,
    /// Keyed by `policyId`.
    Other,
}

impl PolicyKind {
    pub fn of(policy_type: &str) -> Option<PolicyKind> {
        match policy_type {
            "OriginationRoutePolicy" => Some(PolicyKind::Origination),
            "NormalNextHopRoutePolicy" => Some(PolicyKind::NormalNextHop),
            "OtherRoutePolicy" => Some(PolicyKind::Other),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Origination => "OriginationRoutePolicy",
            PolicyKind::NormalNextHop => "NormalNextHopRoutePolicy",
            PolicyKind::Other => "OtherRoutePolicy",
        }
    }

    /// How a key of this kind is compared: queues as SIP URIs, ids exactly.
    pub fn key(self, written: &str) -> String {
        match self {
            PolicyKind::Other => written.to_string(),
            _ => sip_key(written),
        }
    }
}

/// The routing policies of a table in force on a date. A policy whose identity two documents
/// share is in neither (SPEC §9: both are ignored); an expired one is not in force.
pub struct PolicyStore<'t> {
    /// In file order; a policy's index here is how routing names it.
    pub policies: Vec<&'t Policy>,
    /// Their kinds, by the same index.
    pub kinds: Vec<PolicyKind>,
    /// Where each is: (index into `Table::policy_files`, index in that file's policies).
    pub at: Vec<(u32, u32)>,
    by_key: HashMap<(PolicyKind, String), u32>,
    queues: HashMap<String, Node>,
}

impl<'t> PolicyStore<'t> {
    pub fn new(table: &'t Table, today: &str) -> PolicyStore<'t> {
        let mut count: HashMap<(PolicyKind, String), u32> = HashMap::new();
        let routing = || {
            table.policy_files.iter().enumerate().flat_map(|(f, file)| {
                file.policies
                    .iter()
                    .enumerate()
                    .filter_map(move |(i, p)| Some(((f as u32, i as u32), p, identity(p)?)))
            })
        };
        for (_, _, id) in routing() {
            *count.entry(id).or_default() += 1;
        }
        let mut store = PolicyStore {
            policies: Vec::new(),
            kinds: Vec::new(),
            at: Vec::new(),
            by_key: HashMap::new(),
            queues: queues(table),
        };
        for (at, policy, id) in routing() {
            if count[&id] > 1 || !in_force(policy, today) {
                continue;
            }
            store.kinds.push(id.0);
            store.at.push(at);
            store.by_key.insert(id, store.policies.len() as u32);
            store.policies.push(policy);
        }
        store
    }

    /// The policy in force of this kind for a queue URI or policy id.
    pub fn find(&self, kind: PolicyKind, key: &str) -> Option<u32> {
        self.by_key.get(&(kind, kind.key(key))).copied()
    }

    /// The element a queue URI names: a PSAP by its `uri`, a router by its `queue`.
    pub fn queue(&self, uri: &str) -> Option<Node> {
        self.queues.get(&sip_key(uri)).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}

/// A routing policy's identity: its kind and its key (None for a policy of another type, or
/// one without the key its type needs, which `policy-attribute` reports).
pub fn identity(policy: &Policy) -> Option<(PolicyKind, String)> {
    let kind = PolicyKind::of(&policy.policy_type)?;
    let key = match kind {
        PolicyKind::Other => policy.policy_id.as_deref()?,
        _ => policy.queue_name.as_deref()?,
    };
    Some((kind, kind.key(key)))
}

/// Whether a policy is in force on `today`: not past a readable `policyExpirationTime`
/// (compared by its date, in its own offset).
pub fn in_force(policy: &Policy, today: &str) -> bool {
    match &policy.expiration {
        Some((written, _)) if crate::date::instant(written).is_some() => written[..10] >= *today,
        _ => true,
    }
}

/// Queue URIs (as SIP keys) to the routers (by `queue`) and PSAPs (by `uri`) they name; the
/// first declared wins, routers first. The one place the join is made.
pub fn queues(table: &Table) -> HashMap<String, Node> {
    let mut out = HashMap::new();
    let psaps = table
        .psaps
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((p.uri.as_deref()?, Node::Psap(i as u32))));
    let routers = table
        .routers
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.queue.as_deref()?, Node::Router(i as u32))));
    for (uri, node) in routers.chain(psaps) {
        out.entry(sip_key(uri)).or_insert(node);
    }
    out
}
