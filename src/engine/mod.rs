//! The routing engine: the one place that decides where a call goes (SPEC.md §2).
//!
//! A call is walked hop by hop from its origin under given [`Conditions`]; every walk ends
//! in a [`Disposition`] — delivered, lost (with the reason) or looped — and records every
//! element whose state it consulted, so N-1 analysis can re-run only the calls a failure
//! could change.

mod answers;
mod branch;
mod conditions;
mod evaluate;
mod policy;

pub use answers::{Answers, service_index};
pub use branch::{Branch, Clock, Explorer, Facts, MAX_BRANCHES, WEEK, merged};
pub use conditions::Conditions;
pub use evaluate::RuleUse;
pub use policy::{CompiledPolicy, Invocation, PolicyNet};

use crate::model::{Link, Loc, Node, Origin, PsapStatus, Rule, Table};

/// Default limit on the elements one call may pass.
pub const DEFAULT_MAX_HOPS: usize = 8;

/// How the call reached a hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The origin's trunk to this router (index into `ingress`).
    Ingress(usize),
    /// Rule number (0-based) of the previous router.
    Rule(usize),
    Default,
    /// Took the calls of a router that is down.
    Mate {
        of: Node,
    },
    /// Alternate routing around a PSAP that cannot answer.
    Alternate {
        of: Node,
    },
    /// Overflow from a busy PSAP.
    Overflow {
        of: Node,
    },
    /// A `RouteAction` of a policy rule: the policy's place in `Table::policy_files` (file,
    /// index in the file) and the rule's index in the document.
    Policy {
        file: u32,
        policy: u32,
        rule: u32,
    },
}

/// One element the call passed, with the reference in the table that sent it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub node: Node,
    pub via: Via,
    pub loc: Loc,
}

impl Hop {
    /// The JSON pointer of the policy rule that sent the call here when that rule is inside a
    /// JWS payload, where `loc` is only the payload's line and column (SPEC §9).
    pub fn payload_pointer(&self, table: &Table) -> Option<String> {
        let Via::Policy { file, policy, rule } = self.via else {
            return None;
        };
        table.policy_files[file as usize].policies[policy as usize].rules[rule as usize]
            .at
            .payload_pointer()
    }
}

/// How a delivered call got to its PSAP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Direct,
    /// Alternate-routed around the PSAP that could not answer.
    Alternate {
        around: Node,
    },
    /// Overflowed from a busy PSAP.
    Overflow {
        around: Node,
    },
    /// The PSAP is busy and has no overflow: the call waits in its queue.
    Queued,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LostReason {
    /// No ingress router exists (empty list or only unknown ids).
    NoIngress,
    /// Every ingress router is down.
    IngressDown,
    /// No rule matched and the router has no default.
    NoRoute,
    /// The next router is down and no mate is up.
    RouterDown,
    /// The PSAP cannot answer and no alternate could take the call.
    NoAlternate { status: PsapStatus, down: bool },
    /// The PSAP is busy and no overflow destination could take the call.
    NoOverflow,
    /// The call passed more than max_hops elements.
    MaxHops,
    /// A hop names an id that does not exist (or is not a router/PSAP where one is needed).
    UnknownTarget { name: String, loc: Loc },
    /// Routing needs a policy the store lacks (SPEC §9 `policy-missing`): `name` is the
    /// policy, `loc` the referrer (a router's queue, an `InvokePolicyAction`), `by` how it
    /// was named.
    NoPolicy { name: String, loc: Loc, by: Wanted },
    /// No rule of the policy holds (the ESRP's fatal-error path); `after_failure` when only
    /// after a failed route.
    NoRuleHolds {
        policy: String,
        after_failure: bool,
        loc: Loc,
    },
    /// A `BusyAction` rejected the call (600 Busy Everywhere).
    Busy { rule: String, loc: Loc },
    /// The call invoked a policy it was already in with no successful route between:
    /// the policies of the cycle, the one that closed it first.
    PolicyLoop { cycle: Vec<String>, loc: Loc },
}

/// What the engine writes for the key of a policy invoked as the call's Normal-NextHop when
/// no `LostServiceUrnCondition` set one: `NormalNextHopRoutePolicy(Normal-NextHop)`.
pub const UNSET_NEXT_HOP: &str = "Normal-NextHop";

/// How routing named a policy it needs (SPEC §9): what `policy-missing` points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Wanted {
    /// A router's `queue`: its OriginationRoutePolicy.
    Queue,
    /// An `InvokePolicyAction` naming the policy.
    Invocation,
    /// An `InvokePolicyAction` of the call's Normal-NextHop: the `ServiceURI` the ECRF gave.
    NextHop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Delivered {
        psap: u32,
        how: Delivery,
    },
    /// `at` is where the call was lost: None at the origin itself (no ingress up).
    Lost {
        at: Option<Node>,
        reason: LostReason,
    },
    /// The call came back to `hops[back_to]`; the cycle is `hops[back_to..]`, closed by `closing`.
    Looped {
        back_to: usize,
        closing: Loc,
    },
}

/// The walk of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub hops: Vec<Hop>,
    pub end: Disposition,
    /// Dense indices of every node whose state the walk consulted.
    pub touched: Vec<u32>,
    /// The policy rules evaluated, in order (kept only when asked: `trace`).
    pub steps: Vec<PolicyStep>,
}

/// One policy rule the call was evaluated against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyStep {
    /// Store index and rule index (document order).
    pub policy: u32,
    /// The policy's place: (index into `Table::policy_files`, index in that file).
    pub at: (u32, u32),
    pub rule: u32,
    pub held: bool,
    /// The rule held but its route failed; the policy is evaluated again.
    pub failed: bool,
}

impl Disposition {
    pub fn delivered_to(&self) -> Option<u32> {
        match self {
            Disposition::Delivered { psap, .. } => Some(*psap),
            _ => None,
        }
    }
}

impl Trace {
    pub fn delivered_to(&self) -> Option<u32> {
        self.end.delivered_to()
    }

    /// The nodes on the loop, starting with the one whose reference closed it.
    pub fn cycle(&self) -> Option<Vec<Node>> {
        let Disposition::Looped { back_to, .. } = self.end else {
            return None;
        };
        let mut nodes: Vec<Node> = self.hops[back_to..].iter().map(|h| h.node).collect();
        nodes.rotate_right(1);
        Some(nodes)
    }
}

/// Whether a rule's match holds for an origin (SPEC §1: every key present must hold).
pub fn rule_matches(rule: &Rule, origin: &Origin) -> bool {
    let m = &rule.matcher;
    if let Some(esns) = &m.esn {
        match origin.esn.get() {
            Some(e) if esns.iter().any(|&(lo, hi)| (lo..=hi).contains(&e)) => {}
            _ => return false,
        }
    }
    if let Some(ids) = &m.origin
        && !ids.iter().any(|l| *l.name == *origin.id)
    {
        return false;
    }
    if let Some(kinds) = &m.kind
        && !kinds.contains(&origin.kind)
    {
        return false;
    }
    if let Some(counties) = &m.county {
        // Counties in rules are stored folded by the loader; the origin's is folded here the
        // same way (and route classes group by the same fold).
        match &origin.county {
            Some(c) if counties.iter().any(|k| k.chars().eq(crate::model::fold_chars(c))) => {}
            _ => return false,
        }
    }
    true
}

/// The rule a router applies to an origin's calls: Some(index) or None for the default.
pub fn matching_rule(table: &Table, router: u32, origin: &Origin) -> Option<usize> {
    table.routers[router as usize]
        .rules
        .iter()
        .position(|r| rule_matches(r, origin))
}

enum Step {
    /// Route on from this router (step 2).
    AtRouter(u32),
    Done(Disposition),
}

/// How a PSAP was reached: first-choice, or as a backup (which does not pass calls on).
#[derive(Clone, Copy, PartialEq)]
enum Reached {
    Primary,
    Backup(Delivery),
}

struct Walk<'t, 'e> {
    table: &'t Table,
    cond: &'t Conditions,
    origin: &'t Origin,
    origin_index: u32,
    max_hops: usize,
    hops: Vec<Hop>,
    touched: Vec<u32>,
    /// Routing by policies (SPEC §9), when the table names policies.
    net: Option<&'t PolicyNet<'t>>,
    ex: &'e mut Explorer,
    rule_use: Option<&'t RuleUse>,
    record: bool,
    steps: Vec<PolicyStep>,
    /// Policies invoked since the last successful route (an invocation cycle is a loop).
    invoked: Vec<u32>,
    invocations: usize,
    /// The ECRF's answer (index into the net's answers), once a LostServiceUrnCondition held.
    next_hop: Option<u32>,
    /// The queue the call arrived on at the ESRP running its policies.
    incoming: Option<&'t str>,
}

/// Walks the calls of `origin` through a table routed by its own rules (no policies).
pub fn route(table: &Table, origin: &Origin, cond: &Conditions, max_hops: usize) -> Trace {
    let mut ex = Explorer::new(Branch::default());
    Walk::new(table, None, origin, 0, cond, max_hops, &mut ex).run()
}

/// How to walk the calls of an origin: its table, the policies, and what to keep.
pub struct Walker<'t> {
    pub table: &'t Table,
    pub net: Option<&'t PolicyNet<'t>>,
    pub max_hops: usize,
    /// Keep the policy rules evaluated in each trace (`trace` shows them).
    pub record: bool,
}

impl<'t> Walker<'t> {
    /// Walks every branch of the calls of origin `o` that starts from `base` (what is
    /// already assumed of the call), under `cond`: one trace per branch.
    pub fn branches(
        &self,
        o: u32,
        cond: &Conditions,
        base: &Branch,
        rule_use: Option<&'t RuleUse>,
    ) -> Vec<(Branch, Trace)> {
        let origin = &self.table.origins[o as usize];
        let mut ex = Explorer::new(base.clone());
        let mut out = Vec::with_capacity(1);
        loop {
            let mut walk = Walk::new(self.table, self.net, origin, o, cond, self.max_hops, &mut ex);
            walk.record = self.record;
            walk.rule_use = rule_use;
            let trace = walk.run();
            out.push((ex.branch.clone(), trace));
            if !ex.advance() {
                break;
            }
        }
        out
    }
}

impl<'t, 'e> Walk<'t, 'e> {
    #[allow(clippy::too_many_arguments, reason = "a walk's inputs, each needed")]
    fn new(
        table: &'t Table,
        net: Option<&'t PolicyNet<'t>>,
        origin: &'t Origin,
        origin_index: u32,
        cond: &'t Conditions,
        max_hops: usize,
        ex: &'e mut Explorer,
    ) -> Self {
        Walk {
            table,
            cond,
            origin,
            origin_index,
            max_hops,
            hops: Vec::with_capacity(6),
            touched: Vec::with_capacity(6),
            net,
            ex,
            rule_use: None,
            record: false,
            steps: Vec::new(),
            invoked: Vec::new(),
            invocations: 0,
            next_hop: None,
            incoming: None,
        }
    }

    fn run(mut self) -> Trace {
        let mut step = self.ingress();
        let end = loop {
            match step {
                Step::AtRouter(r) => step = self.at_router(r),
                Step::Done(d) => break d,
            }
        };
        Trace {
            hops: self.hops,
            end,
            touched: self.touched,
            steps: self.steps,
        }
    }

    fn up(&mut self, node: Node) -> bool {
        self.touched.push(self.table.node_index(node) as u32);
        self.cond.is_up(self.table, node)
    }

    /// Passes `node`; Err when that revisits an element or exceeds max_hops.
    fn enter(&mut self, node: Node, via: Via, loc: Loc) -> Result<(), Disposition> {
        if let Some(back_to) = self.hops.iter().position(|h| h.node == node) {
            return Err(Disposition::Looped { back_to, closing: loc });
        }
        self.hops.push(Hop { node, via, loc });
        if self.hops.len() + self.invocations > self.max_hops {
            return Err(Disposition::Lost {
                at: Some(node),
                reason: LostReason::MaxHops,
            });
        }
        Ok(())
    }

    /// Step 1: the first ingress router that is up.
    fn ingress(&mut self) -> Step {
        let mut any = false;
        for (i, link) in self.origin.ingress.iter().enumerate() {
            let Some(node @ Node::Router(r)) = link.target() else {
                continue;
            };
            any = true;
            if self.up(node) {
                return match self.enter(node, Via::Ingress(i), link.loc) {
                    Ok(()) => Step::AtRouter(r),
                    Err(d) => Step::Done(d),
                };
            }
        }
        let reason = if any {
            LostReason::IngressDown
        } else {
            LostReason::NoIngress
        };
        Step::Done(Disposition::Lost { at: None, reason })
    }

    /// Step 2: first matching rule, else default, else lost.
    fn at_router(&mut self, r: u32) -> Step {
        let router = &self.table.routers[r as usize];
        if let (Some(net), Some(queue)) = (self.net, router.queue.as_deref()) {
            return self.originate(net, r, queue);
        }
        let here = Node::Router(r);
        let (link, via, rule_alternates) = match matching_rule(self.table, r, self.origin) {
            Some(k) => (&router.rules[k].to, Via::Rule(k), router.rules[k].alternate.as_deref()),
            None => match &router.default {
                Some(d) => (d, Via::Default, None),
                None => {
                    return Step::Done(Disposition::Lost {
                        at: Some(here),
                        reason: LostReason::NoRoute,
                    });
                }
            },
        };
        match link.target() {
            None => Step::Done(unknown(here, link)),
            Some(Node::Router(n)) => self.next_router(n, via, link.loc),
            Some(Node::Psap(p)) => self.next_psap(p, via, link.loc, rule_alternates, Reached::Primary),
        }
    }

    /// Step 3: a router next hop, or its first mate that is up.
    fn next_router(&mut self, n: u32, via: Via, loc: Loc) -> Step {
        let node = Node::Router(n);
        if self.up(node) {
            return self.pass_router(node, via, loc);
        }
        let mates = &self.table.routers[n as usize].mate;
        for m in mates {
            if let Some(mate @ Node::Router(_)) = m.target()
                && self.up(mate)
            {
                return self.pass_router(mate, Via::Mate { of: node }, m.loc);
            }
        }
        Step::Done(Disposition::Lost {
            at: Some(node),
            reason: LostReason::RouterDown,
        })
    }

    fn pass_router(&mut self, node: Node, via: Via, loc: Loc) -> Step {
        let Node::Router(r) = node else {
            unreachable!("mates and ingress are routers")
        };
        match self.enter(node, via, loc) {
            Ok(()) => Step::AtRouter(r),
            Err(d) => Step::Done(d),
        }
    }

    /// Step 4: a PSAP next hop, with alternate or overflow routing when it cannot answer.
    fn next_psap(&mut self, p: u32, via: Via, loc: Loc, rule_alternates: Option<&[Link]>, reached: Reached) -> Step {
        let node = Node::Psap(p);
        let psap = &self.table.psaps[p as usize];
        let up = self.up(node);
        let answers = up && psap.status.answers();
        if reached != Reached::Primary && !answers {
            // Single-level: a backup that cannot answer is skipped, not passed (SPEC §2 step
            // 5: skipping an element the call passed before is not a loop).
            return Step::Done(Disposition::Lost {
                at: Some(node),
                reason: LostReason::NoAlternate {
                    status: psap.status,
                    down: !up,
                },
            });
        }
        if let Err(d) = self.enter(node, via, loc) {
            return Step::Done(d);
        }
        let busy = answers && self.cond.busy == Some(p);
        let how = match reached {
            Reached::Primary => Delivery::Direct,
            Reached::Backup(how) => how,
        };
        if answers && (!busy || reached != Reached::Primary || psap.overflow.is_empty()) {
            let how = if busy && reached == Reached::Primary {
                Delivery::Queued
            } else {
                how
            };
            return Step::Done(Disposition::Delivered { psap: p, how });
        }
        let (list, backup) = if busy {
            (psap.overflow.as_slice(), Delivery::Overflow { around: node })
        } else {
            (
                rule_alternates.unwrap_or(&psap.alternate),
                Delivery::Alternate { around: node },
            )
        };
        for link in list {
            let via = match backup {
                Delivery::Overflow { .. } => Via::Overflow { of: node },
                _ => Via::Alternate { of: node },
            };
            let step = match link.target() {
                // An id that names nothing is skipped and the list goes on (unknown-reference
                // reports it).
                None => continue,
                // A PSAP listed in its own list cannot take the calls it could not answer: the
                // entry is skipped, not a loop (SPEC §2 step 5), and the list goes on.
                Some(Node::Psap(a)) if a == p => continue,
                Some(Node::Psap(a)) => self.next_psap(a, via, link.loc, None, Reached::Backup(backup)),
                Some(Node::Router(n)) => self.next_router(n, via, link.loc),
            };
            // Backups answer at once (a router backup is only entered, not walked yet), so a
            // loss here is this backup's own: try the next one.
            match step {
                Step::Done(Disposition::Lost {
                    reason: LostReason::NoAlternate { .. } | LostReason::RouterDown,
                    ..
                }) => continue,
                other => return other,
            }
        }
        if busy {
            // Busy never loses a call: with no overflow to take it, it waits in the queue.
            return Step::Done(Disposition::Delivered {
                psap: p,
                how: Delivery::Queued,
            });
        }
        let reason = LostReason::NoAlternate {
            status: psap.status,
            down: !up,
        };
        Step::Done(Disposition::Lost { at: Some(node), reason })
    }
}

fn unknown(at: Node, link: &Link) -> Disposition {
    Disposition::Lost {
        at: Some(at),
        reason: LostReason::UnknownTarget {
            name: link.name.to_string(),
            loc: link.loc,
        },
    }
}

/// Where and why a call is lost, in words ("at router esrp-den: no rule matches …").
pub fn describe_loss(table: &Table, at: Option<Node>, reason: &LostReason, max_hops: usize) -> String {
    let place = match at {
        Some(n @ Node::Router(_)) => format!("at router {}", table.node_id(n)),
        Some(n @ Node::Psap(_)) => format!("at PSAP {}", table.node_id(n)),
        None => "at the origin".into(),
    };
    format!("{place}: {}", describe_reason(reason, max_hops))
}

/// Why a call is lost, in words, without where.
pub fn describe_reason(reason: &LostReason, max_hops: usize) -> String {
    match reason {
        LostReason::NoIngress => "it names no ingress router".to_string(),
        LostReason::IngressDown => "every ingress router is down".to_string(),
        LostReason::NoRoute => "no rule matches and the router has no `default`".to_string(),
        LostReason::RouterDown => "the router is down and no mate is up".to_string(),
        LostReason::NoAlternate { down: true, .. } => "the PSAP is down and no alternate can take the call".to_string(),
        LostReason::NoAlternate { status, .. } => {
            format!("the PSAP is {} and no alternate can take the call", status.name())
        }
        LostReason::NoOverflow => "the PSAP is busy and no overflow can take the call".to_string(),
        LostReason::MaxHops => format!("the call passes more than {max_hops} elements"),
        LostReason::UnknownTarget { name, .. } => format!("the next hop `{name}` does not exist"),
        LostReason::NoPolicy { name, .. } => format!("the policy {name} is not in the store (or not in force)"),
        LostReason::NoRuleHolds {
            policy,
            after_failure: false,
            ..
        } => format!("no rule of {policy} holds"),
        LostReason::NoRuleHolds { policy, .. } => {
            format!("no rule of {policy} holds once its routes have failed")
        }
        LostReason::Busy { rule, .. } => format!("{rule} rejects the call (BusyAction: 600 Busy Everywhere)"),
        LostReason::PolicyLoop { cycle, .. } => {
            format!("the policies invoke each other in a loop: {}", cycle.join(" → "))
        }
    }
}
