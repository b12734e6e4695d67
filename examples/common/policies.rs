//! The NENA i3 policy store `gen_table --policies` writes for one state (SPEC §9): an
//! `OriginationRoutePolicy` per ESRP queue that asks the ECRF, and a
//! `NormalNextHopRoutePolicy` per PSAP with the diversions real next-hop policies carry.

use std::fmt::Write as _;

/// The ESRP queue a router's calls arrive on.
pub(crate) fn queue(router: &str, abbr: &str) -> String {
    format!("sip:sos@{router}.{}.example.gov", abbr.to_lowercase())
}

/// The PSAPs a PSAP's next-hop policy diverts to (by `uri`): its alternate when its queue is
/// Full or Unreachable, the regional centre that takes its calls at night, and the centre
/// that answers real-time text. None where that would be the PSAP itself.
pub(crate) struct Diversions<'a> {
    pub own: &'a str,
    pub alternate: Option<&'a str>,
    pub regional: Option<&'a str>,
    pub rtt: Option<&'a str>,
}

fn route(out: &mut Vec<String>, id: &str, priority: u32, conditions: &str, to: &str) {
    out.push(format!(
        "{{ \"id\": \"{id}\", \"priority\": {priority}, \"conditions\": [{conditions}], \"actions\": [{{ \"actionType\": \"RouteAction\", \"recipientUri\": \"{to}\" }}] }}"
    ));
}

fn policy(owner: &str, kind: &str, queue: &str, rules: &[String]) -> String {
    format!(
        "{{ \"policyOwner\": \"{owner}\", \"policyType\": \"{kind}\", \"policyQueueName\": \"{queue}\",\n    \"policyRules\": [\n      {}\n    ] }}",
        rules.join(",\n      ")
    )
}

/// An ESRP's origination policy: every call to the Normal-NextHop the ECRF answers for its
/// location (`urn:emergency:service:sos.psap`, the PSAP boundary layer).
pub(crate) fn origination(owner: &str, queue: &str) -> String {
    let ecrf = "{ \"id\": \"ecrf\", \"priority\": 100, \"conditions\": [{ \"conditionType\": \"LostServiceUrnCondition\", \"urn\": \"urn:emergency:service:sos.psap\" }], \"actions\": [{ \"actionType\": \"InvokePolicyAction\", \"policyType\": \"NormalNextHopRoutePolicy\" }] }";
    policy(owner, "OriginationRoutePolicy", queue, &[ecrf.to_string()])
}

/// A PSAP's next-hop policy, highest priority first: SdpOffer rtt → the RTT-capable centre;
/// the night slice (00:00–06:00 in the state's clock) → the regional centre; queue
/// Unreachable (a failed route's re-evaluation) or Full → the alternate; the catch-all → its
/// own queue. The diversions by kind of call and hour come first: they hold whatever the
/// PSAP's own state, so its failure does not send RTT or night calls elsewhere.
pub(crate) fn next_hop(owner: &str, d: &Diversions<'_>, utc_offset: &str) -> String {
    let queue_is = |state: &str| {
        format!(
            "{{ \"conditionType\": \"QueueStateCondition\", \"queue\": \"{}\", \"condition\": \"EQ\", \"value\": \"{state}\" }}",
            d.own
        )
    };
    let mut rules = Vec::new();
    if let Some(rtt) = d.rtt {
        route(
            &mut rules,
            "nn-rtt",
            500,
            "{ \"conditionType\": \"SdpOfferCondition\", \"rtt\": true }",
            rtt,
        );
    }
    if let Some(regional) = d.regional {
        let mut night = String::new();
        let _ = write!(
            night,
            "{{ \"conditionType\": \"TimePeriodCondition\", \"dateStart\": \"2024-01-01T00:00:00{utc_offset}\", \"timeStart\": \"00:00:00\", \"timeEnd\": \"06:00:00\" }}"
        );
        route(&mut rules, "nn-night", 400, &night, regional);
    }
    if let Some(alt) = d.alternate {
        route(&mut rules, "nn-unreachable", 300, &queue_is("Unreachable"), alt);
        route(&mut rules, "nn-full", 200, &queue_is("Full"), alt);
    }
    route(&mut rules, "nn-own", 100, "", d.own);
    policy(owner, "NormalNextHopRoutePolicy", d.own, &rules)
}

/// A `PolicyArray` of one state's policies.
pub(crate) fn array(policies: &[String]) -> String {
    format!(
        "{{ \"count\": {n}, \"totalCount\": {n}, \"policies\": [\n  {}\n] }}\n",
        policies.join(",\n  "),
        n = policies.len()
    )
}
