//! Policy routing rules compiled for the engine (SPEC §9): each condition becomes a test the
//! walk decides from the scenario (queue and service states), the GIS layers (the ECRF's
//! answer), the clock or the kind of call; each rule keeps the one action that routes.

use super::answers::{Answers, service_index};
use super::branch::{Clock, Facts, WEEK};
use crate::model::{
    BoundaryKind, Condition, Loc, Node, Policy, PolicyKind, PolicyRule, PolicyStore, PsapStatus, Table, sip_key,
};

/// A queue's state (QueueState registry) or a service's (ServiceState), as a bit.
pub(super) mod state {
    pub(in crate::engine) const ACTIVE: u16 = 1;
    pub(in crate::engine) const STANDBY: u16 = 2;
    pub(in crate::engine) const INACTIVE: u16 = 4;
    pub(in crate::engine) const DISABLED: u16 = 8;
    pub(in crate::engine) const FULL: u16 = 16;
    pub(in crate::engine) const UNREACHABLE: u16 = 32;
    /// Registry values no analysed scenario produces (ResourceExhausted, Partial, …).
    pub(in crate::engine) const OTHER: u16 = 64;
}

/// One condition as the walk decides it.
#[derive(Debug, Clone)]
pub(super) enum Test {
    /// An invalid member, ignored (RQ_PS_044): it does not constrain the rule.
    Always,
    /// It names nothing in the table (or its date window misses the check date).
    Never,
    /// The queue or service state of a PSAP or router is one of these bits.
    State {
        node: Node,
        states: u16,
        service: bool,
    },
    /// The ECRF answers for this service (index into [`BoundaryKind::ALL`]).
    Lost {
        service: u8,
    },
    NextHop {
        op: Op,
        content: String,
    },
    Incoming {
        op: Op,
        content: String,
    },
    Window(Clock),
    /// Every (fact, value) holds.
    Facts(Vec<(u32, bool)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Substring,
}

#[derive(Debug, Clone)]
pub(super) struct Cond {
    pub test: Test,
    pub negated: bool,
}

/// The action of a rule that routes (the first Route, Busy or InvokePolicy action).
#[derive(Debug, Clone)]
pub(super) enum Act {
    /// Notify and Log only: the rule does not route.
    None,
    Route {
        target: Option<Node>,
        uri: String,
        loc: Loc,
    },
    Busy {
        loc: Loc,
    },
    /// `key` None: the call's Normal-NextHop; `action` its index in the rule.
    Invoke {
        kind: PolicyKind,
        key: Option<String>,
        loc: Loc,
        action: u32,
    },
}

/// The policy a rule's routing action invokes (SPEC §9 step 4), as routing reads it.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    pub kind: PolicyKind,
    /// `policyQueueName` or `policyId`; None: the call's Normal-NextHop.
    pub key: Option<&'a str>,
    /// The `InvokePolicyAction`.
    pub action: &'a crate::model::Action,
}

#[derive(Debug, Clone)]
pub(super) struct CompiledRule {
    /// Decided by the table first, then by the clock and the call (fewer branches).
    pub conds: Vec<Cond>,
    pub act: Act,
}

/// A policy: its rules, and the order they are taken in (priority, highest first).
#[derive(Debug)]
pub struct CompiledPolicy {
    pub(super) rules: Vec<CompiledRule>,
    /// Rule indices by priority, highest first (document order among equals).
    pub order: Vec<u32>,
}

/// Everything routing by policies needs, built once per table.
pub struct PolicyNet<'t> {
    pub store: PolicyStore<'t>,
    pub facts: Facts,
    /// By store index.
    pub policies: Vec<CompiledPolicy>,
    pub answers: Answers,
    /// PSAPs whose Full or Overloaded state a policy asks about: busy scenarios are analysed
    /// for them.
    pub watched_busy: Vec<u32>,
    /// Minutes east of UTC in which the policies write their times (the first offset met),
    /// for naming time slices.
    pub offset: i64,
    /// Facts every call of a kind of origin has: SdpOffer media of voice and text calls.
    pub(super) media: [u32; 5],
}

/// The SDP media flags of `SdpOfferCondition`.
const MEDIA: [&str; 5] = ["audio", "video", "rtt", "im", "text"];

impl<'t> PolicyNet<'t> {
    pub fn new(table: &'t Table, today: &str, answers: Answers) -> PolicyNet<'t> {
        let store = PolicyStore::new(table, today);
        let mut facts = Facts::default();
        let media = MEDIA.map(|m| facts.intern(format!("sdp:{m}"), format!("SdpOffer {m}"), None));
        let mut net = PolicyNet {
            store,
            facts,
            policies: Vec::new(),
            answers,
            watched_busy: Vec::new(),
            offset: 0,
            media,
        };
        let mut offset = None;
        let policies: Vec<CompiledPolicy> = net
            .store
            .policies
            .iter()
            .map(|p| compile_policy(table, &net.store, &mut net.facts, &mut offset, today, p))
            .collect();
        net.offset = offset.unwrap_or(0);
        let mut watched: Vec<u32> = policies
            .iter()
            .flat_map(|p| &p.rules)
            .flat_map(|r| &r.conds)
            .filter_map(|c| match c.test {
                // Busy turns an Active or Standby queue Full: a policy asking about its state
                // can route its calls elsewhere.
                Test::State {
                    node: Node::Psap(p), ..
                } => Some(p),
                _ => None,
            })
            .collect();
        watched.sort_unstable();
        watched.dedup();
        net.watched_busy = watched;
        net.policies = policies;
        net
    }

    /// The facts every call of this kind of origin has (SPEC §9: text origins arrive as text,
    /// the others as voice).
    pub fn base_facts(&self, kind: crate::model::OriginKind) -> Vec<(u32, bool)> {
        let [audio, _, _, im, text] = self.media;
        let mut out = if kind == crate::model::OriginKind::Text {
            vec![(text, true), (im, true), (audio, false)]
        } else {
            vec![(audio, true)]
        };
        out.sort_unstable();
        out
    }

    /// A policy's rule by store index and rule index.
    pub fn rule(&self, policy: u32, rule: u32) -> &'t PolicyRule {
        &self.store.policies[policy as usize].rules[rule as usize]
    }

    /// The calls a branch is for, in words, leaving out what `base` already assumed:
    /// "calls with SdpOffer rtt=true, Sat–Sun 00:00–06:00". Empty for every call.
    pub fn branch_words(&self, branch: &super::Branch, base: &super::Branch) -> String {
        let mut parts: Vec<String> = branch
            .facts
            .iter()
            .filter(|(f, _)| base.fact(*f).is_none())
            .map(|&(f, v)| {
                let name = &self.facts.names[f as usize];
                match (self.media.contains(&f), v) {
                    (true, _) => format!("calls with {name}={v}"),
                    (false, true) => format!("calls with {name}"),
                    (false, false) => format!("calls without {name}"),
                }
            })
            .collect();
        if !branch.clock.is_full() {
            parts.push(format!("at {}", branch.clock.words(self.offset)));
        }
        for &(_, a) in &branch.answers {
            if a > 0 {
                parts.push(format!("where the ECRF gives answer {} of an overlap", a + 1));
            }
        }
        parts.join(", ")
    }

    /// Why a rule can never hold, from its conditions alone (SPEC §9 `shadowed-rule`): a time
    /// window that misses the check date, or conditions that contradict each other. None
    /// when some call could meet them (or a condition names nothing: `unknown-reference`).
    pub fn never_holds(&self, policy: u32, rule: u32) -> Option<&'static str> {
        let compiled = &self.policies[policy as usize].rules[rule as usize];
        let written = self.rule(policy, rule);
        let outdated = written
            .conditions
            .iter()
            .zip(&compiled.conds)
            .any(|(c, k)| c.kind == "TimePeriodCondition" && matches!(k.test, Test::Never) && !k.negated);
        if outdated {
            return Some("its time window does not contain the check date");
        }
        let mut branch = super::Branch::default();
        let mut clock = Clock::full();
        for cond in &compiled.conds {
            match &cond.test {
                Test::Window(w) if cond.negated => clock = clock.intersect(&w.complement()),
                Test::Window(w) => clock = clock.intersect(w),
                Test::Facts(wanted) => {
                    // A negated condition of one fact fixes its opposite; one of several facts
                    // holds when any of them is false, which fixes none.
                    let fixed: Vec<(_, bool)> = match (cond.negated, wanted.as_slice()) {
                        (false, _) => wanted.clone(),
                        (true, &[(f, want)]) => vec![(f, !want)],
                        (true, _) => Vec::new(),
                    };
                    for (f, want) in fixed {
                        if branch.fact(f).is_some_and(|v| v != want) {
                            return Some("its conditions contradict each other");
                        }
                        branch.set_fact(f, want);
                    }
                }
                _ => {}
            }
        }
        let single = super::Branch::default();
        if clock.is_empty() || branch.meet(&single, &self.facts).is_none() {
            return Some("its conditions contradict each other");
        }
        None
    }

    /// The policy a rule invokes, if the action that routes for it is an InvokePolicyAction.
    pub fn invocation(&self, policy: u32, rule: u32) -> Option<Invocation<'_>> {
        match &self.policies[policy as usize].rules[rule as usize].act {
            Act::Invoke { kind, key, action, .. } => Some(Invocation {
                kind: *kind,
                key: key.as_deref(),
                action: &self.rule(policy, rule).actions[*action as usize],
            }),
            _ => None,
        }
    }

    /// How findings name a rule: `<policy>/<rule id>` (SPEC §9), inert: it goes into messages of every format as is,
    /// and an id is the policy author's text (a line break in it must not start a new line).
    pub fn rule_name(&self, policy: u32, rule: u32) -> String {
        let name = format!(
            "{}/{}",
            self.store.policies[policy as usize].name(),
            self.rule(policy, rule).id
        );
        crate::escape::inert(&name).into_owned()
    }
}

fn compile_policy(
    table: &Table,
    store: &PolicyStore<'_>,
    facts: &mut Facts,
    offset: &mut Option<i64>,
    today: &str,
    p: &Policy,
) -> CompiledPolicy {
    let rules: Vec<CompiledRule> = p
        .rules
        .iter()
        .map(|r| {
            let mut conds: Vec<Cond> = r
                .conditions
                .iter()
                .map(|c| Cond {
                    test: compile_condition(table, store, facts, offset, today, c),
                    negated: c.negation,
                })
                .collect();
            conds.sort_by_key(|c| matches!(c.test, Test::Window(_) | Test::Facts(_) | Test::Lost { .. }));
            CompiledRule {
                conds,
                act: compile_action(store, r),
            }
        })
        .collect();
    let mut order: Vec<u32> = (0..rules.len() as u32).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(p.rules[i as usize].priority));
    CompiledPolicy { rules, order }
}

fn compile_action(store: &PolicyStore<'_>, rule: &PolicyRule) -> Act {
    for (i, a) in rule.actions.iter().enumerate() {
        let text = |name: &str| a.field(name).and_then(|v| v.value.as_str()).map(str::to_string);
        match a.kind.as_str() {
            "RouteAction" => {
                let uri = text("recipientUri").unwrap_or_default();
                return Act::Route {
                    target: store.queue(&uri),
                    uri,
                    loc: a.at.loc,
                };
            }
            "BusyAction" => return Act::Busy { loc: a.at.loc },
            "InvokePolicyAction" => {
                let Some(kind) = text("policyType").as_deref().and_then(PolicyKind::of) else {
                    continue; // policy-format / policy-attribute report it; ignored (RQ_PS_044)
                };
                let key = match kind {
                    PolicyKind::Other => text("policyId"),
                    _ => text("policyQueueName"),
                };
                return Act::Invoke {
                    kind,
                    key,
                    loc: a.at.loc,
                    action: i as u32,
                };
            }
            _ => {}
        }
    }
    Act::None
}

fn compile_condition(
    table: &Table,
    store: &PolicyStore<'_>,
    facts: &mut Facts,
    offset: &mut Option<i64>,
    today: &str,
    c: &Condition,
) -> Test {
    let text = |name: &str| c.field(name).and_then(|v| v.value.as_str());
    let eq_ne = |op: Option<&str>| match op {
        Some("EQ") => Some(false),
        Some("NE") => Some(true),
        _ => None,
    };
    match c.kind.as_str() {
        "QueueStateCondition" | "ServiceStateCondition" => {
            let service = c.kind == "ServiceStateCondition";
            let named = if service { text("service") } else { text("queue") };
            let node = named.and_then(|n| {
                store.queue(n).or_else(|| match table.lookup(n) {
                    Some(crate::model::Element::Psap(p)) if service => Some(Node::Psap(p)),
                    _ => None,
                })
            });
            let Some(node) = node else { return Test::Never };
            let (Some(ne), Some(bit)) = (
                eq_ne(text("condition")),
                text("value").and_then(|v| state_bit(v, service)),
            ) else {
                return Test::Always;
            };
            let states = if ne { !bit & 0x7f } else { bit };
            Test::State { node, states, service }
        }
        "LostServiceUrnCondition" => match text("urn").and_then(BoundaryKind::of_service_urn) {
            Some(kind) => Test::Lost {
                service: service_index(kind),
            },
            None => Test::Never,
        },
        "NormalNextHopCondition" | "IncomingQueueCondition" => {
            let op = match text("operator") {
                Some("EQ") => Op::Eq,
                Some("NE") => Op::Ne,
                Some("SS") => Op::Substring,
                _ => return Test::Always,
            };
            let content = text("content").unwrap_or_default().to_string();
            if c.kind == "NormalNextHopCondition" {
                Test::NextHop { op, content }
            } else {
                Test::Incoming { op, content }
            }
        }
        "TimePeriodCondition" => time_window(c, offset, today),
        "SdpOfferCondition" => {
            let mut wanted = Vec::new();
            for (name, v) in &c.fields {
                let f = match v.value.as_bool() {
                    Some(b) if MEDIA.contains(&name.as_str()) => {
                        let f = facts.intern(format!("sdp:{name}"), format!("SdpOffer {name}"), None);
                        wanted.push((f, b));
                        continue;
                    }
                    _ => facts.intern(
                        format!("sdp:{name}={}", v.value),
                        format!("SdpOffer {name}={}", crate::escape::short(&v.value.to_string(), 40)),
                        None,
                    ),
                };
                wanted.push((f, true));
            }
            Test::Facts(wanted)
        }
        _ => Test::Facts(vec![generic_fact(facts, c)]),
    }
}

/// A condition about the call as a fact: its type and fields; `NE` is not `EQ`, `missing` not
/// `exists`; `EQ` facts of one field (type and fields but the content) exclude each other.
fn generic_fact(facts: &mut Facts, c: &Condition) -> (u32, bool) {
    let op_field = ["operator", "condition"].into_iter().find(|k| c.field(k).is_some());
    let op = op_field.and_then(|k| c.field(k)).and_then(|v| v.value.as_str());
    let (op, value) = match op {
        Some("NE") => (Some("EQ"), false),
        Some("missing") => (Some("exists"), false),
        other => (other, true),
    };
    let mut fields: Vec<(String, String)> = c
        .fields
        .iter()
        .filter(|(k, _)| Some(k.as_str()) != op_field)
        .map(|(k, v)| {
            (
                k.clone(),
                v.value.as_str().map_or_else(|| v.value.to_string(), str::to_string),
            )
        })
        .collect();
    fields.sort();
    let shown: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k != "content")
        .map(|(_, v)| crate::escape::short(v, 40))
        .collect();
    let content = fields.iter().find(|(k, _)| k == "content").map(|(_, v)| v.as_str());
    let kind = c.kind.trim_end_matches("Condition");
    let mut name = kind.to_string();
    for part in shown.iter().map(String::as_str).chain(op).chain(content) {
        name.push(' ');
        name.push_str(&crate::escape::short(part, 60));
    }
    let key = format!("{}|{op:?}|{fields:?}", c.kind);
    let field = (op == Some("EQ")).then(|| {
        let without: Vec<&(String, String)> = fields.iter().filter(|(k, _)| k != "content").collect();
        format!("{}|{without:?}", c.kind)
    });
    (facts.intern(key, name, field.as_deref()), value)
}

fn state_bit(value: &str, service: bool) -> Option<u16> {
    use state::*;
    Some(match (service, value) {
        (false, "Active") => ACTIVE,
        (false, "Standby") => STANDBY,
        (false, "Inactive") => INACTIVE,
        (false, "Disabled") => DISABLED,
        (false, "Full") => FULL,
        (false, "Unreachable") => UNREACHABLE,
        (false, "ResourceExhausted") => OTHER,
        // Service states: Normal is up (active or standby), Overloaded busy.
        (true, "Normal") => ACTIVE | STANDBY,
        (true, "Unstaffed") => INACTIVE,
        (true, "Down") => DISABLED | UNREACHABLE,
        (true, "Overloaded") => FULL,
        (
            true,
            "ScheduledMaintenanceDown"
            | "ScheduledMaintenanceAvailable"
            | "MajorIncidentInProgress"
            | "Partial"
            | "GoingDown"
            | "Unreachable",
        ) => OTHER,
        _ => return None,
    })
}

/// The state bits of a queue (or service) in a scenario: `unreachable` when it is down or a
/// route to it failed.
pub(super) fn state_of(table: &Table, node: Node, unreachable: bool, busy: bool, service: bool) -> u16 {
    use state::*;
    let Node::Psap(p) = node else {
        return if unreachable { UNREACHABLE } else { ACTIVE };
    };
    let status = table.psaps[p as usize].status;
    if status == PsapStatus::Decommissioned {
        return DISABLED;
    }
    if unreachable {
        return if service { DISABLED } else { UNREACHABLE };
    }
    match status {
        PsapStatus::Unstaffed => INACTIVE,
        _ if busy => FULL,
        PsapStatus::Standby => STANDBY,
        _ => ACTIVE,
    }
}

/// The minutes of the week a `TimePeriodCondition` holds, or Never when its dates miss the
/// check date (compared by day), or Always when it names no time of day.
fn time_window(c: &Condition, offset: &mut Option<i64>, today: &str) -> Test {
    let text = |name: &str| c.field(name).and_then(|v| v.value.as_str());
    let start = text("dateStart").filter(|s| crate::date::instant(s).is_some());
    let end = text("dateEnd").filter(|s| crate::date::instant(s).is_some());
    if start.is_some_and(|s| &s[..10] > today) || end.is_some_and(|e| &e[..10] < today) {
        return Test::Never;
    }
    let own = start.or(end).and_then(zone_minutes).unwrap_or(0);
    if start.or(end).is_some() && offset.is_none() {
        *offset = Some(own);
    }
    let times = (
        text("timeStart").and_then(crate::date::time_of_day),
        text("timeEnd").and_then(crate::date::time_of_day),
    );
    // An invalid window (timeEnd not after timeStart) is ignored (RQ_PS_044).
    let (from, to) = match times {
        // A window ending at 23:59:59 runs to midnight: minutes are rounded outward.
        (Some(a), Some(b)) if b > a => (a / 60, (b + 59) / 60),
        (Some(a), None) => (a / 60, 1440),
        (None, Some(b)) if b > 0 => (0, (b + 59) / 60),
        _ => (0, 1440),
    };
    // Tokens outside MO–SU are ignored (RQ_PS_044); a list with none valid is ignored as a
    // whole — every day — not the condition's times with it.
    let days: Vec<u32> = match text("weekdayList") {
        Some(list) => list
            .split(',')
            .filter_map(|t| {
                ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
                    .iter()
                    .position(|d| d.eq_ignore_ascii_case(t.trim()))
            })
            .map(|d| d as u32)
            .collect(),
        None => Vec::new(),
    };
    let days = if days.is_empty() { (0..7).collect() } else { days };
    if (from, to) == (0, 1440) && days.len() == 7 {
        return Test::Always;
    }
    let local = Clock::from_intervals(
        days.iter()
            .map(|d| (d * 1440 + from as u32, d * 1440 + to as u32))
            .collect(),
    );
    debug_assert!(local.0.iter().all(|&(_, hi)| hi <= WEEK));
    Test::Window(local.shifted(-own))
}

/// Minutes east of UTC of an RFC 3339 date-time's offset.
fn zone_minutes(s: &str) -> Option<i64> {
    let zone = s
        .get(19..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    if zone.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let (h, m) = zone.get(1..)?.split_once(':')?;
    Some(sign * (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?))
}

/// How SIP URIs compare under an operator (`SS`: substring, as written).
pub(super) fn compare(op: Op, have: Option<&str>, content: &str) -> bool {
    let Some(have) = have else { return op == Op::Ne };
    match op {
        Op::Eq => sip_key(have) == sip_key(content),
        Op::Ne => sip_key(have) != sip_key(content),
        Op::Substring => have.contains(content),
    }
}
