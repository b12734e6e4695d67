//! Who names which routing policy (SPEC §9): a router by its `queue`, a rule by its
//! `InvokePolicyAction`, a boundary in force by the `ServiceURI` the ECRF answers for a
//! `LostServiceUrnCondition` (the call's Normal-NextHop) — what `policy-missing` and
//! `policy-unused` judge.

use super::{Context, Mapped};
use crate::analysis::Analysis;
use crate::engine::PolicyNet;
use crate::model::{BoundaryKind, PolicyKind, is_no_service};

/// What a policy rule sees when policies route the table's calls: the context with the
/// routing analysis and the policies in force.
#[derive(Clone, Copy)]
pub struct PolicyRouted<'a> {
    pub cx: Context<'a>,
    pub analysis: &'a Analysis,
    pub net: &'a PolicyNet<'a>,
}

impl<'a> std::ops::Deref for PolicyRouted<'a> {
    type Target = Context<'a>;
    fn deref(&self) -> &Context<'a> {
        &self.cx
    }
}

/// The policy files that could not be wholly read: (index into `Table::policy_files`, text).
pub struct Unread(Vec<(u32, std::sync::Arc<String>)>);

impl Unread {
    /// Whether one of them, other than `own`, mentions `key`: the policy it names or the
    /// invocation naming it may be in the part left out (one mistake, one finding).
    pub fn mention(&self, key: &str, own: Option<u32>) -> bool {
        self.0.iter().any(|(i, text)| Some(*i) != own && text.contains(key))
    }
}

/// What names a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Referrer {
    /// A router by its `queue` (index into `Table::routers`).
    Router(u32),
    /// A rule's `InvokePolicyAction` (store index of its policy, rule index).
    Rule { policy: u32, rule: u32 },
    /// A boundary in force whose `ServiceURI` the ECRF answers (index into the shapes).
    Boundary(u32),
}

/// A policy named by a referrer: its kind and its key as written.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'a> {
    pub kind: PolicyKind,
    pub key: &'a str,
    pub by: Referrer,
}

impl Reference<'_> {
    /// How findings name the policy: `<policyType>(<key>)`.
    pub fn policy_name(&self) -> String {
        format!("{}({})", self.kind.name(), self.key)
    }

    /// The policy in force it names, if there is one.
    pub fn found(&self, net: &PolicyNet<'_>) -> Option<u32> {
        net.store.find(self.kind, self.key)
    }
}

impl<'a> PolicyRouted<'a> {
    /// The boundary layers, when the table names some.
    pub fn mapped(&self) -> Option<Mapped<'a>> {
        self.cx.coverage.map(|coverage| Mapped { cx: self.cx, coverage })
    }

    /// Every router `queue`: each needs its OriginationRoutePolicy (SPEC §9 step 1).
    pub fn queues(&self) -> Vec<Reference<'a>> {
        let table = self.cx.table;
        (0..table.routers.len() as u32)
            .filter_map(|r| {
                Some(Reference {
                    kind: PolicyKind::Origination,
                    key: table.routers[r as usize].queue.as_deref()?,
                    by: Referrer::Router(r),
                })
            })
            .collect()
    }

    /// Every invocation in policy `p` (store index) that names its policy (an invocation of
    /// the call's Normal-NextHop names none: the ECRF's answer does).
    pub fn invocations(&self, p: u32) -> Vec<Reference<'a>> {
        let net: &'a PolicyNet<'a> = self.net;
        (0..net.policies[p as usize].order.len() as u32)
            .filter_map(|k| {
                let call = net.invocation(p, k)?;
                Some(Reference {
                    kind: call.kind,
                    key: call.key?,
                    by: Referrer::Rule { policy: p, rule: k },
                })
            })
            .collect()
    }

    /// Whether policy `p` invokes the call's Normal-NextHop somewhere.
    pub fn invokes_next_hop(&self, p: u32) -> bool {
        (0..self.net.policies[p as usize].order.len() as u32)
            .any(|k| self.net.invocation(p, k).is_some_and(|c| c.key.is_none()))
    }

    /// The coverages the `LostServiceUrnCondition`s of policy `p` ask the ECRF about.
    pub fn asked(&self, p: u32) -> Vec<BoundaryKind> {
        let mut kinds: Vec<BoundaryKind> = self.net.store.policies[p as usize]
            .rules
            .iter()
            .flat_map(|r| &r.conditions)
            .filter(|c| c.kind == "LostServiceUrnCondition")
            .filter_map(|c| BoundaryKind::of_service_urn(c.field("urn")?.value.as_str()?))
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }

    /// What the ECRF can answer from the boundaries in force of `kind` (with `pending`, those
    /// whose `Effective` date is still ahead too: a policy staged for them is not unused):
    /// each boundary's `ServiceURI` names the NormalNextHopRoutePolicy the call's
    /// Normal-NextHop invokes. PSAP boundaries whose `ServiceURI` names no PSAP that answers
    /// are `boundary-unrouted`'s.
    pub fn answers(&self, kind: BoundaryKind, pending: bool) -> Vec<Reference<'a>> {
        let Some(map) = self.mapped() else { return Vec::new() };
        let shapes = &map.coverage.shapes;
        let today = self.cx.settings.today.as_str();
        let counted = |s: u32| {
            let shape = &shapes[s as usize];
            let ahead = || crate::coverage::day_of(&map.feature(shape.at).fields.effective).is_some_and(|d| d > today);
            shape.kind == kind && (shape.in_force || pending && ahead())
        };
        (0..shapes.len() as u32)
            .filter(|&s| counted(s))
            .filter(|&s| kind != BoundaryKind::Psap || map.routed_psap(s).is_some())
            .filter_map(|s| {
                let uri = map.feature(map.shape_ref(s)).fields.service_uri.as_deref()?;
                (!is_no_service(Some(uri))).then_some(Reference {
                    kind: PolicyKind::NormalNextHop,
                    key: uri,
                    by: Referrer::Boundary(s),
                })
            })
            .collect()
    }

    /// Whether psapguard knows every answer the ECRF can give for `kind`: the table names a
    /// layer of it and every layer that could hold it was read.
    pub fn answers_known(&self, kind: BoundaryKind) -> bool {
        let layers = || {
            self.cx
                .table
                .boundaries
                .iter()
                .filter(|b| b.kind == kind || b.kind == BoundaryKind::Service)
        };
        self.cx.coverage.is_some() && layers().any(|b| b.kind == kind) && layers().all(|b| b.read.is_ok())
    }

    /// Every reference the table and the policies in force make.
    pub fn all_references(&self) -> Vec<Reference<'a>> {
        let policies = 0..self.net.policies.len() as u32;
        let mut kinds: Vec<BoundaryKind> = policies.clone().flat_map(|p| self.asked(p)).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let mut refs = self.queues();
        refs.extend(policies.flat_map(|p| self.invocations(p)));
        refs.extend(kinds.into_iter().flat_map(|k| self.answers(k, false)));
        refs
    }

    /// References to policies the store lacks, each with the policy in force nothing names
    /// whose key it is probably a typo of (one typo, one finding: `policy-missing` names that
    /// policy, and `policy-unused` does not report it).
    pub fn typos(&self) -> Vec<(Reference<'a>, u32)> {
        let refs = self.all_references();
        let named: Vec<u32> = refs.iter().filter_map(|r| r.found(self.net)).collect();
        let store = &self.net.store;
        let orphans: Vec<u32> = (0..store.policies.len() as u32)
            .filter(|p| !named.contains(p))
            .collect();
        let key = |p: u32| {
            let policy = store.policies[p as usize];
            policy
                .queue_name
                .as_deref()
                .or(policy.policy_id.as_deref())
                .unwrap_or("")
        };
        refs.into_iter()
            .filter(|r| r.found(self.net).is_none())
            .filter_map(|r| {
                let same_kind = orphans.iter().filter(|&&p| store.kinds[p as usize] == r.kind);
                let meant = crate::suggest::did_you_mean(r.key, same_kind.clone().map(|&p| key(p)))?;
                let p = same_kind.copied().find(|&p| key(p) == meant)?;
                Some((r, p))
            })
            .collect()
    }

    /// The policy file (index into `Table::policy_files`) a referrer is written in.
    pub fn file_of(&self, by: Referrer) -> Option<u32> {
        match by {
            Referrer::Rule { policy, .. } => Some(self.net.store.at[policy as usize].0),
            _ => None,
        }
    }

    /// The policy files that could not be wholly read (`policy-format` reports them), with
    /// their text: the part left out may name or invoke a policy.
    pub fn unread(&self) -> Unread {
        let files = &self.cx.table.files;
        Unread(
            self.cx
                .table
                .policy_files
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    // A file that could not be opened has no text (its problem points at the
                    // table's `policies:` entry).
                    let read = f.problems.iter().find(|p| p.at.loc != f.declared)?;
                    let file = files.get(read.at.loc.file as usize)?;
                    Some((i as u32, file.text().clone()))
                })
                .collect(),
        )
    }

    /// How findings name a referrer, and where it is written.
    pub fn referrer_name(&self, by: Referrer) -> String {
        match by {
            Referrer::Router(r) => self.cx.table.routers[r as usize].id.clone(),
            Referrer::Rule { policy, rule } => self.net.rule_name(policy, rule),
            Referrer::Boundary(s) => self.mapped().map(|m| m.shape_name(s)).unwrap_or_default(),
        }
    }
}

/// The kind and key of a policy name as the engine writes it (`Type(key)`), the key as its
/// kind compares keys.
pub(super) fn policy_of_name(name: &str) -> Option<(PolicyKind, String)> {
    let (written, rest) = name.split_once('(')?;
    let kind = PolicyKind::of(written)?;
    Some((kind, kind.key(rest.strip_suffix(')')?)))
}
