//! How a call is routed by policies (SPEC §9 steps 1–5): the ESRP's OriginationRoutePolicy,
//! rules by priority, routes that fail and re-evaluation with the queue `Unreachable`,
//! invocations, BusyAction — ending, like every walk, in a [`Disposition`].

use super::policy::{Act, Cond, PolicyNet, Test, compare, state_of};
use super::{Delivery, Disposition, Hop, LostReason, PolicyStep, Step, Via, Walk, Wanted};
use crate::model::{Loc, Node, PolicyKind};

/// What one evaluation of a policy remembers: the queues its failed routes marked
/// `Unreachable` and the rules that failed (RQ_ESRP_075).
#[derive(Default)]
struct Evaluation {
    marked: Vec<Node>,
    failed: Vec<u32>,
    /// The first failed route to something the table does not have.
    unknown: Option<(String, Loc)>,
}

impl<'t> Walk<'t, '_> {
    /// Step 1: a router with a `queue` runs the OriginationRoutePolicy for it.
    pub(super) fn originate(&mut self, net: &'t PolicyNet<'t>, r: u32, queue: &'t str) -> Step {
        let router = &self.table.routers[r as usize];
        self.incoming = Some(queue);
        match net.store.find(PolicyKind::Origination, queue) {
            Some(p) => self.evaluate(net, p, router.loc),
            None => Step::Done(Disposition::Lost {
                at: Some(Node::Router(r)),
                reason: LostReason::NoPolicy {
                    name: format!("{}({queue})", PolicyKind::Origination.name()),
                    loc: router.loc,
                    by: Wanted::Queue,
                },
            }),
        }
    }

    fn at_here(&self) -> Option<Node> {
        self.hops.last().map(|h| h.node)
    }

    fn lost(&self, reason: LostReason) -> Step {
        Step::Done(Disposition::Lost {
            at: self.at_here(),
            reason,
        })
    }

    /// Steps 2–5: evaluates policy `p` (store index), invoked from `from`.
    fn evaluate(&mut self, net: &'t PolicyNet<'t>, p: u32, from: Loc) -> Step {
        if let Some(k) = self.invoked.iter().position(|&q| q == p) {
            let mut cycle: Vec<String> = self.invoked[k..]
                .iter()
                .map(|&q| net.store.policies[q as usize].name())
                .collect();
            cycle.push(net.store.policies[p as usize].name());
            return self.lost(LostReason::PolicyLoop { cycle, loc: from });
        }
        self.invoked.push(p);
        self.invocations += 1;
        if self.hops.len() + self.invocations > self.max_hops {
            return self.lost(LostReason::MaxHops);
        }
        let policy = &net.policies[p as usize];
        let mut eval = Evaluation::default();
        loop {
            let Some(k) = self.first_rule(net, p, &eval) else {
                let name = net.store.policies[p as usize].name();
                let loc = net.store.policies[p as usize].at.loc;
                let reason = match eval.unknown.take() {
                    Some((name, loc)) => LostReason::UnknownTarget { name, loc },
                    None => LostReason::NoRuleHolds {
                        policy: name,
                        after_failure: !eval.failed.is_empty(),
                        loc,
                    },
                };
                return self.lost(reason);
            };
            match &policy.rules[k as usize].act {
                Act::None => unreachable!("rules that do not route are never first"),
                Act::Busy { loc } => {
                    return self.lost(LostReason::Busy {
                        rule: net.rule_name(p, k),
                        loc: *loc,
                    });
                }
                Act::Invoke { kind, key, loc, .. } => {
                    // Without a key, the call's Normal-NextHop (when the ECRF gave one).
                    let by = match (key, self.next_hop) {
                        (None, Some(_)) => Wanted::NextHop,
                        _ => Wanted::Invocation,
                    };
                    let key = key
                        .clone()
                        .or_else(|| self.next_hop.map(|a| net.answers.uris[a as usize].clone()));
                    let found = key.as_deref().and_then(|k| net.store.find(*kind, k));
                    return match found {
                        Some(q) => self.evaluate(net, q, *loc),
                        None => self.lost(LostReason::NoPolicy {
                            name: format!("{}({})", kind.name(), key.as_deref().unwrap_or(super::UNSET_NEXT_HOP)),
                            loc: *loc,
                            by,
                        }),
                    };
                }
                Act::Route { target, uri, loc } => {
                    let (file, policy) = net.store.at[p as usize];
                    let via = Via::Policy { file, policy, rule: k };
                    match self.route_to(*target, via, *loc) {
                        Ok(step) => return step,
                        Err(()) => {
                            if let Some(last) = self.steps.last_mut() {
                                last.failed = true;
                            }
                            match target {
                                Some(node) => eval.marked.push(*node),
                                None if eval.unknown.is_none() => eval.unknown = Some((uri.clone(), *loc)),
                                None => {}
                            }
                            eval.failed.push(k);
                        }
                    }
                }
            }
        }
    }

    /// Step 3: a route to a PSAP that answers or a router that is up; Err when it fails.
    fn route_to(&mut self, target: Option<Node>, via: Via, loc: Loc) -> Result<Step, ()> {
        let Some(node) = target else { return Err(()) };
        let answers = match node {
            Node::Psap(x) => self.table.psaps[x as usize].status.answers(),
            Node::Router(_) => true,
        };
        if !self.up(node) || !answers {
            return Err(());
        }
        if let Some(back_to) = self.hops.iter().position(|h| h.node == node) {
            return Ok(Step::Done(Disposition::Looped { back_to, closing: loc }));
        }
        self.hops.push(Hop { node, via, loc });
        if self.hops.len() + self.invocations > self.max_hops {
            return Ok(self.lost(LostReason::MaxHops));
        }
        Ok(match node {
            Node::Psap(x) => {
                let how = if self.cond.busy == Some(x) {
                    Delivery::Queued
                } else {
                    Delivery::Direct
                };
                Step::Done(Disposition::Delivered { psap: x, how })
            }
            Node::Router(n) => {
                // A successful route: invocations before it are no loop with those after.
                self.invoked.clear();
                Step::AtRouter(n)
            }
        })
    }

    /// The first rule, by priority, whose conditions all hold (failed ones excluded); and,
    /// when the analysis asks, which later ones could have held.
    fn first_rule(&mut self, net: &'t PolicyNet<'t>, p: u32, eval: &Evaluation) -> Option<u32> {
        let policy = &net.policies[p as usize];
        let mut first = None;
        let mut first_at = 0;
        for (at, &k) in policy.order.iter().enumerate() {
            let rule = &policy.rules[k as usize];
            if eval.failed.contains(&k) || matches!(rule.act, Act::None) {
                continue;
            }
            if first.is_none() {
                let held = rule.conds.iter().all(|c| self.holds(net, c, eval));
                if self.record {
                    self.steps.push(PolicyStep {
                        policy: p,
                        at: net.store.at[p as usize],
                        rule: k,
                        held,
                        failed: false,
                    });
                }
                if held {
                    first = Some(k);
                    first_at = at;
                    self.note_use(p, k, RuleUse::FIRST | RuleUse::POSSIBLE);
                    if self.rule_use.is_none() {
                        break;
                    }
                }
            } else if rule.conds.iter().all(|c| self.may_hold(net, c, eval)) {
                self.note_use(p, k, RuleUse::POSSIBLE);
                if let Some(used) = self.rule_use {
                    used.note_preempted(p, k, first_at);
                }
            }
        }
        first
    }

    fn note_use(&mut self, p: u32, k: u32, bits: u8) {
        if let Some(used) = self.rule_use {
            used.note(p, k, bits);
        }
    }

    /// A queue's or service's state bits in this scenario and evaluation.
    fn state(&mut self, node: Node, service: bool, eval: &Evaluation, touch: bool) -> u16 {
        let up = if touch {
            self.up(node)
        } else {
            self.cond.is_up(self.table, node)
        };
        let busy = matches!(node, Node::Psap(x) if self.cond.busy == Some(x));
        state_of(self.table, node, !up || eval.marked.contains(&node), busy, service)
    }

    /// Whether a condition holds on this branch, choosing where the call decides.
    fn holds(&mut self, net: &'t PolicyNet<'t>, c: &Cond, eval: &Evaluation) -> bool {
        let value = match &c.test {
            Test::Always => true,
            Test::Never => return false,
            Test::State { node, states, service } => self.state(*node, *service, eval, true) & states != 0,
            Test::Lost { service } => {
                let answers: Vec<u32> = net
                    .answers
                    .of(self.origin_index)
                    .iter()
                    .filter(|(s, _)| s == service)
                    .map(|&(_, a)| a)
                    .collect();
                if answers.is_empty() {
                    false
                } else {
                    let a = self.ex.answer(*service, answers.len() as u16);
                    self.next_hop = Some(answers[a as usize]);
                    true
                }
            }
            Test::NextHop { op, content } => {
                let have = self.next_hop.map(|a| net.answers.uris[a as usize].as_str());
                compare(*op, have, content)
            }
            Test::Incoming { op, content } => compare(*op, self.incoming, content),
            Test::Window(clock) => self.ex.within(clock),
            Test::Facts(wanted) => wanted.iter().all(|&(f, want)| self.ex.fact(&net.facts, f) == want),
        };
        value != c.negated
    }

    /// Whether a condition could hold on some branch from here, choosing nothing (for
    /// `shadowed-rule`: a later rule that could have held had an earlier one not).
    fn may_hold(&mut self, net: &'t PolicyNet<'t>, c: &Cond, eval: &Evaluation) -> bool {
        let value = match &c.test {
            Test::Always => true,
            Test::Never => return false,
            Test::State { node, states, service } => self.state(*node, *service, eval, false) & states != 0,
            Test::Lost { service } => {
                let n = net
                    .answers
                    .of(self.origin_index)
                    .iter()
                    .filter(|(s, _)| s == service)
                    .count();
                n > 0
            }
            Test::NextHop { op, content } => {
                let have = self.next_hop.map(|a| net.answers.uris[a as usize].as_str());
                compare(*op, have, content)
            }
            Test::Incoming { op, content } => compare(*op, self.incoming, content),
            Test::Window(clock) => return self.ex.may_within(clock, !c.negated),
            Test::Facts(wanted) => {
                return if c.negated {
                    wanted.iter().any(|&(f, want)| self.ex.may(&net.facts, f, !want))
                } else {
                    wanted.iter().all(|&(f, want)| self.ex.may(&net.facts, f, want))
                };
            }
        };
        value != c.negated
    }
}

/// Which rules of each policy held first in some evaluation, and which could have held
/// (SPEC §9 `shadowed-rule`). Shared by the walks of every scenario, which run in parallel.
#[derive(Debug, Default)]
pub struct RuleUse {
    /// Per policy, per rule (document order): bit 1 could hold, bit 2 held first.
    pub flags: Vec<Vec<std::sync::atomic::AtomicU8>>,
    /// Per policy, per rule (document order): the rules that held first when it could have
    /// held, as bits of their place in priority order (the 64th and later share the last bit).
    pub preempted_by: Vec<Vec<std::sync::atomic::AtomicU64>>,
}

impl RuleUse {
    pub const POSSIBLE: u8 = 1;
    pub const FIRST: u8 = 2;

    pub fn new(net: &PolicyNet<'_>) -> RuleUse {
        RuleUse {
            flags: net
                .policies
                .iter()
                .map(|p| p.rules.iter().map(|_| std::sync::atomic::AtomicU8::new(0)).collect())
                .collect(),
            preempted_by: net
                .policies
                .iter()
                .map(|p| p.rules.iter().map(|_| std::sync::atomic::AtomicU64::new(0)).collect())
                .collect(),
        }
    }

    /// Rule `rule` could have held where the rule at place `first_at` (priority order) held first.
    pub(super) fn note_preempted(&self, policy: u32, rule: u32, first_at: usize) {
        if let Some(by) = self
            .preempted_by
            .get(policy as usize)
            .and_then(|p| p.get(rule as usize))
        {
            by.fetch_or(1 << first_at.min(63), std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The places (priority order) of the rules that held first where `rule` could have held;
    /// 63 stands for every place from 63 on.
    pub fn preempting(&self, policy: u32, rule: u32) -> Vec<usize> {
        let bits = self
            .preempted_by
            .get(policy as usize)
            .and_then(|p| p.get(rule as usize))
            .map_or(0, |b| b.load(std::sync::atomic::Ordering::Relaxed));
        (0..64).filter(|i| bits & (1 << i) != 0).collect()
    }

    pub(super) fn note(&self, policy: u32, rule: u32, bits: u8) {
        if let Some(flag) = self.flags.get(policy as usize).and_then(|p| p.get(rule as usize)) {
            flag.fetch_or(bits, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The bits of a rule.
    pub fn get(&self, policy: u32, rule: u32) -> u8 {
        self.flags
            .get(policy as usize)
            .and_then(|p| p.get(rule as usize))
            .map_or(0, |f| f.load(std::sync::atomic::Ordering::Relaxed))
    }
}
