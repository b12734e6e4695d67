use std::collections::BTreeMap;

use std::collections::HashMap;

use super::policy_refs::{PolicyRouted, Reference, Referrer, Unread, policy_of_name};
use super::{Finding, declare_rule};
use crate::analysis::Scenario;
use crate::engine::{Disposition, LostReason, UNSET_NEXT_HOP, Wanted};
use crate::model::{BoundaryKind, Loc, Policy, PolicyKind, policy_identity as identity, policy_in_force as in_force};

declare_rule! {
    /// ## What it does
    /// Reports a policy that routing needs and the Policy Store lacks (NENA i3 policy routing
    /// rules, SPEC §9): a router `queue` without its `OriginationRoutePolicy`, an
    /// `InvokePolicyAction` target, or a PSAP boundary `ServiceURI` the ECRF answers without
    /// its `NormalNextHopRoutePolicy` (RQ_ESRP_070). It points at what names the policy:
    ///
    /// - a router whose `queue` has no `OriginationRoutePolicy` in force;
    /// - an `InvokePolicyAction` whose target has no policy in force
    ///   (`NormalNextHopRoutePolicy` or `OriginationRoutePolicy` by `policyQueueName`,
    ///   `OtherRoutePolicy` by `policyId`), or that invokes the call's Normal-NextHop for calls
    ///   the ECRF gave none;
    /// - a PSAP boundary in force whose `ServiceURI` the ECRF can answer for a
    ///   `LostServiceUrnCondition` (`urn:emergency:service:sos.psap`) of some policy, with no
    ///   `NormalNextHopRoutePolicy` for that URI (RQ_ESRP_070).
    ///
    /// One finding per missing policy and kind of referrer, naming every referrer; it lists
    /// the origins whose calls are lost there under normal conditions. A policy that is not
    /// in force says why: expired, or defined by two documents (both ignored).
    ///
    /// ## Why it matters
    /// An ESRP that cannot find the policy a call needs takes its fatal-error path: the call
    /// is lost. A PSAP added to the boundary layer before its Normal-NextHop policy is loaded,
    /// or a policy renamed in the store but not in the invocations, loses every call it should
    /// have routed.
    ///
    /// ## Example
    /// ```json
    /// { "id": "orig-storm", "priority": 200,
    ///   "actions": [ { "actionType": "InvokePolicyAction", "policyType": "OtherRoutePolicy",
    ///                  "policyId": "storm-diversion" } ] }
    /// ```
    /// (no `OtherRoutePolicy` with `policyId` `storm-diversion` is in the store)
    ///
    /// ## How to fix
    /// Load the missing policy into the Policy Store (renew it if it expired), or correct the
    /// `queue`, `policyQueueName`, `policyId` or `ServiceURI` that names it.
    pub struct PolicyMissing { name: "policy-missing", severity: Error }
}

impl PolicyMissing {
    pub(super) fn run(cx: &PolicyRouted<'_>, out: &mut Vec<Finding>) {
        let cx = &Missing {
            cx: *cx,
            typos: cx.typos(),
            losses: losses_for_want_of_policies(cx),
            documents: documents(cx),
            unread: cx.unread(),
        };
        queues(cx, out);
        invocations(cx, out);
        next_hop_absent(cx, out);
        answers(cx, out);
    }
}

/// The rule's view: the policies, the typos found among the references, and every call
/// lost for want of a policy.
struct Missing<'a> {
    cx: PolicyRouted<'a>,
    typos: Vec<(Reference<'a>, u32)>,
    losses: Losses,
    /// Every routing policy document by identity, in force or not.
    documents: HashMap<(PolicyKind, String), Vec<&'a Policy>>,
    unread: Unread,
}

fn documents<'a>(cx: &PolicyRouted<'a>) -> HashMap<(PolicyKind, String), Vec<&'a Policy>> {
    let mut out: HashMap<(PolicyKind, String), Vec<&'a Policy>> = HashMap::new();
    for p in cx.table.policy_files.iter().flat_map(|f| &f.policies) {
        if let Some(id) = identity(p) {
            out.entry(id).or_default().push(p);
        }
    }
    out
}

/// Route classes lost for want of a policy, by how routing named it (the way, the policy's
/// kind and key): the scenario, the class, the referrer's place.
type Losses = HashMap<(Wanted, PolicyKind, String), Vec<(Scenario, u32, Loc)>>;

/// Every `NoPolicy` loss: under normal conditions first, then scenario by scenario (read once:
/// a national analysis has millions of walk ends).
fn losses_for_want_of_policies(cx: &PolicyRouted<'_>) -> Losses {
    let mut out = Losses::new();
    for (scenario, class, end) in cx.analysis.every_end() {
        if let Disposition::Lost {
            reason: LostReason::NoPolicy { name, loc, by },
            ..
        } = end
            && let Some((kind, key)) = policy_of_name(name)
        {
            out.entry((*by, kind, key)).or_default().push((scenario, class, *loc));
        }
    }
    out
}

/// Calls lost for want of a policy: the origins, their route classes and the scenario.
#[derive(Debug, Default)]
struct Lost {
    origins: Vec<u32>,
    classes: Vec<u32>,
    /// None: none are lost in any scenario analysed.
    scenario: Option<Scenario>,
}

impl Missing<'_> {
    /// The calls lost because routing wanted the policy `(kind, key)` in this way, from a
    /// referrer `at` accepts: under normal conditions, else in the first scenario that loses
    /// some (a backup ESRP's queue only failures reach).
    fn lost_for(&self, wanted: Wanted, kind: PolicyKind, key: &str, at: impl Fn(Loc) -> bool) -> Lost {
        let mut lost = Lost::default();
        let found = self.losses.get(&(wanted, kind, key.to_string())).into_iter().flatten();
        for (scenario, class, _) in found.filter(|(_, _, loc)| at(*loc)) {
            if lost.scenario.as_ref().is_some_and(|s| s != scenario) {
                continue;
            }
            lost.scenario = Some(scenario.clone());
            lost.classes.push(*class);
            lost.origins
                .extend(self.analysis.classes[*class as usize].origins.iter());
        }
        lost.origins.sort_unstable();
        lost.origins.dedup();
        lost
    }

    /// ": calls from 2 origins (population 3,000) are lost there[ when esrp-1 is down]", or
    /// what happens to any call that comes.
    fn losses(&self, lost: &Lost, otherwise: &str) -> String {
        let Some(scenario) = &lost.scenario else {
            return format!(": {otherwise}");
        };
        let when = match scenario {
            Scenario::Normal => String::new(),
            s => format!(" when {}", self.analysis.scenario_label(self.table, s).words()),
        };
        format!(
            ": calls from {}{} are lost there{when}",
            self.origins_phrase(&lost.origins),
            self.calls_phrase(lost.classes.iter().copied())
        )
    }
}

impl<'a> std::ops::Deref for Missing<'a> {
    type Target = PolicyRouted<'a>;
    fn deref(&self) -> &PolicyRouted<'a> {
        &self.cx
    }
}

/// References to one missing policy by one kind of referrer: by the policy's kind and key.
fn missing<'a>(cx: &Missing<'a>, refs: Vec<Reference<'a>>) -> BTreeMap<(PolicyKind, String), Vec<Reference<'a>>> {
    let mut groups: BTreeMap<(PolicyKind, String), Vec<Reference<'a>>> = BTreeMap::new();
    for r in refs
        .into_iter()
        .filter(|r| r.found(cx.net).is_none() && !cx.unread.mention(r.key, cx.file_of(r.by)))
    {
        groups.entry((r.kind, r.kind.key(r.key))).or_default().push(r);
    }
    groups
}

/// Why a policy is not in force: it is not in the store (with the policy nothing names that
/// the key is likely a typo of), expired, or defined twice.
fn absence(cx: &Missing<'_>, kind: PolicyKind, key: &str) -> String {
    let meant = cx
        .typos
        .iter()
        .find(|(r, _)| r.kind == kind && kind.key(r.key) == key)
        .map(|&(_, p)| cx.net.store.policies[p as usize].name());
    let absent = match meant {
        Some(name) => format!(
            "is not in the policy store (did you mean {}, which nothing names?)",
            crate::escape::short(&name, 160)
        ),
        None => "is not in the policy store".to_string(),
    };
    let documents = cx.documents.get(&(kind, key.to_string()));
    match documents.map_or(&[][..], Vec::as_slice) {
        [] => absent,
        [one] if !in_force(one, &cx.settings.today) => {
            let day = one.expiration.as_ref().map_or("", |(written, _)| &written[..10]);
            format!("expired on {day}")
        }
        many => format!("is defined by {} documents, which are all ignored", many.len()),
    }
}

/// The referrers as entities (first = where to fix), then the missing policy.
fn entities(cx: &Missing<'_>, refs: &[Reference<'_>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in refs {
        let name = cx.referrer_name(r.by);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out.push(refs[0].policy_name());
    out
}

/// The finding, with the scenario its calls are lost in (none under normal conditions).
fn push(cx: &PolicyRouted<'_>, f: Finding, lost: &Lost, out: &mut Vec<Finding>) {
    let label = lost
        .scenario
        .as_ref()
        .filter(|s| **s != Scenario::Normal)
        .map(|s| cx.analysis.scenario_label(cx.table, s));
    out.push(match label {
        Some(label) => f.scenario(label),
        None => f,
    });
}

/// Routers whose `queue` has no OriginationRoutePolicy in force (SPEC §9 step 1).
fn queues(cx: &Missing<'_>, out: &mut Vec<Finding>) {
    for ((kind, key), refs) in missing(cx, cx.queues()) {
        let routers: Vec<u32> = refs
            .iter()
            .filter_map(|r| match r.by {
                Referrer::Router(r) => Some(r),
                _ => None,
            })
            .collect();
        let loc_of = |r: u32| cx.table.routers[r as usize].loc;
        let lost = cx.lost_for(Wanted::Queue, kind, &key, |loc| {
            routers.iter().any(|&r| loc_of(r) == loc)
        });
        let who = match routers.as_slice() {
            [one] => format!("router {}", cx.table.routers[*one as usize].id),
            many => format!("routers {}", cx.ids(many)),
        };
        let message = format!(
            "{who} takes calls on queue `{}`, whose {} {}{}",
            crate::escape::short(refs[0].key, 120),
            kind.name(),
            absence(cx, kind, &key),
            cx.losses(&lost, "every call arriving there is lost")
        );
        let mut f = cx.finding(
            &PolicyMissing::META,
            loc_of(routers[0]),
            message,
            entities(cx, &refs),
            &lost.origins,
        );
        for &r in routers.iter().skip(1).take(20) {
            f = f.related(
                loc_of(r),
                format!("router {} has the same queue", cx.table.routers[r as usize].id),
            );
        }
        push(cx, f, &lost, out);
    }
}

/// InvokePolicyActions naming a policy that is not in force (SPEC §9 step 4).
fn invocations(cx: &Missing<'_>, out: &mut Vec<Finding>) {
    let refs = (0..cx.net.policies.len() as u32)
        .flat_map(|p| cx.invocations(p))
        .collect();
    for ((kind, key), refs) in missing(cx, refs) {
        let actions: Vec<_> = refs.iter().filter_map(|r| action_of(cx, r.by)).collect();
        let lost = cx.lost_for(Wanted::Invocation, kind, &key, |loc| {
            actions.iter().any(|a| a.at.loc == loc)
        });
        let message = format!(
            "{} invoke{} {}, which {}{}",
            rules_phrase(cx, &refs),
            if refs.len() == 1 { "s" } else { "" },
            crate::escape::short(&refs[0].policy_name(), 160),
            absence(cx, kind, &key),
            cx.losses(&lost, "every call it routes there is lost")
        );
        let mut f = cx
            .finding(
                &PolicyMissing::META,
                actions[0].at.loc,
                message,
                entities(cx, &refs),
                &lost.origins,
            )
            .at_spot(&actions[0].at);
        for (r, a) in refs.iter().zip(&actions).skip(1).take(20) {
            f = f.related(a.at.loc, format!("also invoked by {}", cx.referrer_name(r.by)));
        }
        push(cx, f, &lost, out);
    }
}

/// Invocations of the call's Normal-NextHop that calls reach with none: no
/// `LostServiceUrnCondition` answered for them, so no policy can be found.
fn next_hop_absent(cx: &Missing<'_>, out: &mut Vec<Finding>) {
    for p in 0..cx.net.policies.len() as u32 {
        for k in 0..cx.net.policies[p as usize].order.len() as u32 {
            let Some(call) = cx.net.invocation(p, k).filter(|c| c.key.is_none()) else {
                continue;
            };
            let wanted = format!("{}({UNSET_NEXT_HOP})", call.kind.name());
            let unset = call.kind.key(UNSET_NEXT_HOP);
            let lost = cx.lost_for(Wanted::Invocation, call.kind, &unset, |loc| loc == call.action.at.loc);
            if lost.scenario.is_none() {
                continue;
            }
            let rule = cx.net.rule_name(p, k);
            let message = format!(
                "{} invokes the {} of the call's Normal-NextHop, which no LostServiceUrnCondition set for these calls{}",
                crate::escape::short(&rule, 160),
                call.kind.name(),
                cx.losses(&lost, "")
            );
            let f = cx
                .finding(
                    &PolicyMissing::META,
                    call.action.at.loc,
                    message,
                    vec![rule, wanted],
                    &lost.origins,
                )
                .at_spot(&call.action.at);
            push(cx, f, &lost, out);
        }
    }
}

/// PSAP boundaries whose `ServiceURI` the ECRF answers, with no NormalNextHopRoutePolicy
/// for it (RQ_ESRP_070).
fn answers(cx: &Missing<'_>, out: &mut Vec<Finding>) {
    let asked = (0..cx.net.policies.len() as u32).any(|p| cx.asked(p).contains(&BoundaryKind::Psap));
    let Some(map) = cx.mapped().filter(|_| asked) else {
        return;
    };
    for ((kind, key), refs) in missing(cx, cx.answers(BoundaryKind::Psap, false)) {
        let lost = cx.lost_for(Wanted::NextHop, kind, &key, |_| true);
        let Referrer::Boundary(first) = refs[0].by else {
            continue;
        };
        let more = match refs.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        let message = format!(
            "PSAP boundary {}{more} is the ECRF's answer `{}` for urn:emergency:service:sos.psap, and its {}, which routes the call's Normal-NextHop (RQ_ESRP_070), {}{}",
            map.shape_label(first),
            crate::escape::short(refs[0].key, 120),
            crate::escape::short(&refs[0].policy_name(), 160),
            absence(cx, kind, &key),
            cx.losses(&lost, "every located call there is lost")
        );
        let place = map.place(map.shape_ref(first), None);
        let f = map.gis_finding(&PolicyMissing::META, place, message, entities(cx, &refs), &lost.origins);
        push(cx, f, &lost, out);
    }
}

/// The `InvokePolicyAction` of a rule referrer.
fn action_of<'a>(cx: &Missing<'a>, by: Referrer) -> Option<&'a crate::model::Action> {
    match by {
        Referrer::Rule { policy, rule } => Some(cx.net.invocation(policy, rule)?.action),
        _ => None,
    }
}

/// "rule orig-storm of OriginationRoutePolicy(…)", "3 rules (rule a of …, …)".
fn rules_phrase(cx: &Missing<'_>, refs: &[Reference<'_>]) -> String {
    let name = crate::escape::short(&cx.referrer_name(refs[0].by), 160);
    match refs.len() {
        1 => name,
        n => format!("{n} rules ({name}, …)"),
    }
}

impl Missing<'_> {
    /// "esrp-1, esrp-2": routers by id.
    fn ids(&self, routers: &[u32]) -> String {
        let ids: Vec<&str> = routers
            .iter()
            .map(|&r| self.table.routers[r as usize].id.as_str())
            .collect();
        ids.join(", ")
    }
}
