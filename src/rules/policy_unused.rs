use super::policy_refs::{PolicyRouted, Reference, Unread};
use super::{Finding, declare_rule};
use crate::model::{BoundaryKind, PolicyKind};

declare_rule! {
    /// ## What it does
    /// Reports a routing policy in force (NENA i3 policy routing rules, SPEC §9) that no call
    /// can reach: an `OriginationRoutePolicy` whose `policyQueueName` is no router's `queue`;
    /// a `NormalNextHopRoutePolicy` for a queue that no boundary in force answers (as the
    /// call's Normal-NextHop) and that no invocation names; an `OtherRoutePolicy` that no
    /// invocation names by its `policyId`. Reachable means from a router queue, through the
    /// invocations of every rule of the policies reached — failover rules that only a
    /// re-evaluation after a failed route runs included — and the ECRF's answers.
    ///
    /// A policy reached only from unreached ones is named in their finding, not reported
    /// apart. A `NormalNextHopRoutePolicy` is not judged when the answers a
    /// `LostServiceUrnCondition` gets cannot be known (the table names no layer of that
    /// service, or one cannot be read). Expired policies are `policy-attribute`'s.
    ///
    /// A boundary whose `Effective` date is still ahead counts as answering: the policy staged
    /// for it is not unused.
    ///
    /// ## Why it matters
    /// A policy no call reaches is an edit that does nothing: its author expects calls to
    /// follow it, and they follow something else — usually because the queue or the `policyId`
    /// is misspelled, or the router or boundary that should name it was changed.
    ///
    /// ## Example
    /// ```json
    /// { "policyType": "OriginationRoutePolicy",
    ///   "policyQueueName": "sip:sos@esrp-1.ksng911.example", ... }
    /// ```
    /// (the router's `queue` is `sip:sos-in@esrp-1.ksng911.example`)
    ///
    /// ## How to fix
    /// Correct the `policyQueueName` or `policyId`, or the `queue`, invocation or boundary that
    /// should name the policy; remove the policy from the store if it is retired.
    pub struct PolicyUnused { name: "policy-unused", severity: Warning }
}

impl PolicyUnused {
    pub(super) fn run(cx: &PolicyRouted<'_>, out: &mut Vec<Finding>) {
        // A policy whose key a missing reference misspells is reached as meant: policy-missing
        // names it, and what it invokes is used once the typo is fixed.
        let reach = Reach::judged(cx);
        let mut covered = reach.reached.clone();
        // Unreached policies that no other unreached one invokes first: each stands for the
        // ones only it invokes.
        let n = reach.reached.len() as u32;
        let mut invoked = vec![false; n as usize];
        for p in (0..n).filter(|&p| !reach.reached[p as usize]) {
            for &q in reach.calls[p as usize].iter().filter(|&&q| q != p) {
                invoked[q as usize] = true;
            }
        }
        let roots = (0..n).filter(|&p| !invoked[p as usize]).chain(0..n);
        for p in roots {
            if covered[p as usize] {
                continue;
            }
            let dependents = reach.dependents(p, &mut covered);
            out.push(finding(cx, p, &dependents));
        }
    }
}

/// Which policies in force some call can reach.
struct Reach {
    reached: Vec<bool>,
    /// Per policy: the policies its invocations name.
    calls: Vec<Vec<u32>>,
    /// Whether a reached policy invokes the call's Normal-NextHop and asks the ECRF.
    next_hop: bool,
    /// The coverages some reached policy asks about.
    asked: Vec<BoundaryKind>,
}

impl Reach {
    /// What some call can reach, taking as reached (with what they invoke) the policies
    /// psapguard cannot judge: one whose key a missing reference misspells (policy-missing
    /// names it), one that a policy file left partly unread names (policy-format's), and the
    /// Normal-NextHop policies when the ECRF's answers are not all known.
    fn judged(cx: &PolicyRouted<'_>) -> Self {
        let n = cx.net.policies.len() as u32;
        let mut assumed: Vec<u32> = cx.typos().into_iter().map(|(_, p)| p).collect();
        let unread = cx.unread();
        assumed.extend((0..n).filter(|&p| named_where_unread(cx, &unread, p)));
        let reach = Reach::new(cx, assumed.clone());
        if !reach.next_hop || reach.asked.iter().all(|&kind| cx.answers_known(kind)) {
            return reach;
        }
        assumed.extend((0..n).filter(|&p| cx.net.store.kinds[p as usize] == PolicyKind::NormalNextHop));
        Reach::new(cx, assumed)
    }

    fn new(cx: &PolicyRouted<'_>, assumed: Vec<u32>) -> Self {
        let n = cx.net.policies.len();
        let calls = (0..n as u32).map(|p| found(cx, cx.invocations(p))).collect();
        let mut reach = Reach {
            reached: vec![false; n],
            calls,
            next_hop: false,
            asked: Vec::new(),
        };
        let mut stack = found(cx, cx.queues());
        stack.extend(assumed);
        loop {
            while let Some(p) = stack.pop() {
                if std::mem::replace(&mut reach.reached[p as usize], true) {
                    continue;
                }
                stack.extend(&reach.calls[p as usize]);
                reach.next_hop |= cx.invokes_next_hop(p);
                reach.asked.extend(cx.asked(p));
            }
            // The ECRF's answers reach the Normal-NextHop policies of their ServiceURIs.
            if reach.next_hop {
                reach.asked.sort_unstable();
                reach.asked.dedup();
                for &kind in &reach.asked {
                    stack.extend(
                        found(cx, cx.answers(kind, true))
                            .into_iter()
                            .filter(|&q| !reach.reached[q as usize]),
                    );
                }
            }
            if stack.is_empty() {
                return reach;
            }
        }
    }

    /// The unreached policies only `p` leads to (through invocations), marked covered.
    fn dependents(&self, p: u32, covered: &mut [bool]) -> Vec<u32> {
        covered[p as usize] = true;
        let mut out = Vec::new();
        let mut stack = self.calls[p as usize].clone();
        while let Some(q) = stack.pop() {
            if covered[q as usize] {
                continue;
            }
            covered[q as usize] = true;
            out.push(q);
            stack.extend(&self.calls[q as usize]);
        }
        out.sort_unstable();
        out
    }
}

/// Whether a policy file that could not be wholly read, other than its own, names policy
/// `p`'s key (an invocation of it may be in the part left out).
fn named_where_unread(cx: &PolicyRouted<'_>, unread: &Unread, p: u32) -> bool {
    let policy = cx.net.store.policies[p as usize];
    let key = policy
        .queue_name
        .as_deref()
        .or(policy.policy_id.as_deref())
        .unwrap_or("");
    unread.mention(key, Some(cx.net.store.at[p as usize].0))
}

/// The policies in force the references name.
fn found(cx: &PolicyRouted<'_>, refs: Vec<Reference<'_>>) -> Vec<u32> {
    refs.iter().filter_map(|r| r.found(cx.net)).collect()
}

fn finding(cx: &PolicyRouted<'_>, p: u32, dependents: &[u32]) -> Finding {
    let policy = cx.net.store.policies[p as usize];
    let name = policy.name();
    let why = match cx.net.store.kinds[p as usize] {
        PolicyKind::Origination => "no router has its `policyQueueName` as `queue` and no invocation names it",
        PolicyKind::NormalNextHop => "no boundary in force answers its `policyQueueName` and no invocation names it",
        PolicyKind::Other => "no invocation names its `policyId`",
    };
    let mut message = format!("{} is never reached: {why}", crate::escape::short(&name, 160));
    if !dependents.is_empty() {
        let names: Vec<String> = dependents
            .iter()
            .take(5)
            .map(|&q| crate::escape::short(&cx.net.store.policies[q as usize].name(), 120))
            .collect();
        let more = dependents.len().saturating_sub(names.len());
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        message.push_str(&format!(
            "; nor are the policies only it invokes: {}{tail}",
            names.join(", ")
        ));
    }
    // The start of the policy's document (inside a JWS: its payload, pointer "").
    cx.finding(&PolicyUnused::META, policy.at.loc, message, vec![name], &[])
        .at_spot(&policy.at)
}
