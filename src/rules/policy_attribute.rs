use std::collections::BTreeMap;

use super::{Context, Finding, Policies, declare_rule};
use crate::date::{instant, time_of_day};
use crate::model::{Condition, Policy, PolicyFile, PolicyRule, Spot};

declare_rule! {
    /// ## What it does
    /// Reports a policy document that breaks NENA-STA-010.3's rules for policy routing rules,
    /// checks that need no routing: a rule `id` or `priority` used twice in one policy; a rule
    /// with more than one Route, Busy or InvokePolicy action (RQ_PS_082); `policyQueueName` or
    /// `policyId` present or absent against the `policyType`; a value outside its registry or
    /// operator set (queue and service states, security postures, CAP tags, operators); a
    /// `TimePeriodCondition` whose `timeEnd` is not after its `timeStart` (RQ_PS_095), whose
    /// `dateEnd` is before its `dateStart`, or whose `weekdayList` holds a token other than
    /// MO–SU; a `CallSuspicionCondition` whose `scoreFrom` is not below its `scoreTo`; a
    /// `NotifyAction` `urgency` outside 0–100; a `LostServiceUrnCondition` rule without an
    /// `InvokePolicyAction` of `NormalNextHopRoutePolicy` (RQ_PS_098); a policy past its
    /// `policyExpirationTime` on the check date; and two documents with one identity
    /// (`policyType` and `policyQueueName` or `policyId`), both of which are then ignored.
    ///
    /// ## Why it matters
    /// A Policy Store must refuse these documents and an ESRP must ignore an invalid member
    /// (RQ_PS_044): the condition or the whole policy the author relied on is not there when
    /// a call arrives, and the call goes somewhere else or nowhere.
    ///
    /// ## Example
    /// ```json
    /// { "id": "nn-full", "priority": 300,
    ///   "conditions": [ { "conditionType": "QueueStateCondition",
    ///                     "queue": "sip:psap@sedgwick.ks.us", "condition": "EQ", "value": "Busy" } ],
    ///   "actions": [ { "actionType": "RouteAction", "recipientUri": "sip:psap@butler.ks.us" } ] }
    /// ```
    /// (`Busy` is not a queue state: the registry's is `Full`.)
    ///
    /// ## How to fix
    /// Use the registry's value, give each rule its own `id` and `priority`, one routing
    /// action per rule, and renew or remove an expired policy.
    pub struct PolicyAttribute { name: "policy-attribute", severity: Error }
}

const QUEUE_STATES: &[&str] = &[
    "Active",
    "Inactive",
    "Disabled",
    "Full",
    "Standby",
    "ResourceExhausted",
    "Unreachable",
];
const SERVICE_STATES: &[&str] = &[
    "Normal",
    "Unstaffed",
    "ScheduledMaintenanceDown",
    "ScheduledMaintenanceAvailable",
    "MajorIncidentInProgress",
    "Partial",
    "Overloaded",
    "GoingDown",
    "Down",
    "Unreachable",
];
const SECURITY_POSTURES: &[&str] = &["Green", "Yellow", "Orange", "Red"];
const CAP_TAGS: &[&str] = &["Identifier", "Sender", "Address", "InfoEventCode", "InfoValueName"];
const VERIFICATION_STATUSES: &[&str] = &["TN-Validation-Passed", "TN-Validation-Failed", "No-TN-Validation"];
const EQ_NE: &[&str] = &["EQ", "NE"];
const EQ_SS_NE: &[&str] = &["EQ", "SS", "NE"];
const COMPARISONS: &[&str] = &["exists", "missing", "EQ", "SS", "NE", "GT", "LT", "GE", "LE"];
const WEEKDAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// (condition type, field, the values it may take).
const REGISTRIES: &[(&str, &str, &[&str])] = &[
    ("QueueStateCondition", "condition", EQ_NE),
    ("QueueStateCondition", "value", QUEUE_STATES),
    ("ServiceStateCondition", "condition", EQ_NE),
    ("ServiceStateCondition", "value", SERVICE_STATES),
    ("SecurityPostureCondition", "condition", EQ_NE),
    ("SecurityPostureCondition", "value", SECURITY_POSTURES),
    ("SipHeaderCondition", "operator", &["EQ", "SS", "IS"]),
    ("AdditionalDataCondition", "operator", COMPARISONS),
    ("BodyPartCondition", "operator", COMPARISONS),
    ("CallSourceCondition", "operator", EQ_SS_NE),
    ("RequestUriCondition", "operator", EQ_SS_NE),
    ("NormalNextHopCondition", "operator", EQ_SS_NE),
    ("IncomingQueueCondition", "operator", EQ_SS_NE),
    ("CapCondition", "operator", EQ_SS_NE),
    ("CapCondition", "tag", CAP_TAGS),
    ("CallingNumberVerificationStatusCondition", "operator", EQ_NE),
    (
        "CallingNumberVerificationStatusCondition",
        "content",
        VERIFICATION_STATUSES,
    ),
];

/// Where a finding points and what it is about.
struct Subject<'a> {
    file: &'a PolicyFile,
    policy: &'a Policy,
    rule: Option<&'a PolicyRule>,
}

impl PolicyAttribute {
    pub(super) fn run(cx: &Policies<'_>, out: &mut Vec<Finding>) {
        let mut identities: BTreeMap<String, Vec<&Policy>> = BTreeMap::new();
        for file in &cx.table.policy_files {
            for policy in &file.policies {
                check_policy(
                    cx,
                    &Subject {
                        file,
                        policy,
                        rule: None,
                    },
                    out,
                );
                identities.entry(policy.name()).or_default().push(policy);
            }
        }
        for (name, documents) in &identities {
            let [first, rest @ ..] = documents.as_slice() else {
                continue;
            };
            for again in rest {
                let message = format!("{name} is defined by two policy documents: both are ignored");
                let f = cx
                    .finding(
                        &Self::META,
                        again.at.loc,
                        located(again, &again.at, message),
                        vec![name.clone()],
                        &[],
                    )
                    .at_spot(&again.at);
                out.push(f.related(first.at.loc, "the first document is here"));
            }
        }
    }
}

fn located(policy: &Policy, at: &Spot, message: String) -> String {
    if policy.signed && !at.pointer.is_empty() {
        format!("{message} (at {} in the JWS payload)", at.pointer)
    } else {
        message
    }
}

fn report(cx: &Context<'_>, s: &Subject<'_>, at: &Spot, what: String, out: &mut Vec<Finding>) {
    let policy = s.policy.name();
    let mut entities = vec![policy.clone()];
    let named = match s.rule {
        Some(rule) => {
            let named = format!("{policy}/{}", rule.id);
            entities.push(named.clone());
            named
        }
        None => policy,
    };
    entities.push(s.file.shown.clone());
    let message = located(s.policy, at, format!("{named}: {what}"));
    out.push(
        cx.finding(&PolicyAttribute::META, at.loc, message, entities, &[])
            .at_spot(at),
    );
}

fn check_policy(cx: &Context<'_>, s: &Subject<'_>, out: &mut Vec<Finding>) {
    let p = s.policy;
    let queued = matches!(
        p.policy_type.as_str(),
        "OriginationRoutePolicy" | "NormalNextHopRoutePolicy"
    );
    let other = p.policy_type == "OtherRoutePolicy";
    let ty = &p.policy_type;
    match (queued, p.queue_name.is_some()) {
        (true, false) => report(cx, s, &p.at, format!("a {ty} must have a `policyQueueName`"), out),
        (false, true) => report(cx, s, &p.at, format!("a {ty} must not have a `policyQueueName`"), out),
        _ => {}
    }
    match (other, p.policy_id.is_some()) {
        (true, false) => report(cx, s, &p.at, format!("a {ty} must have a `policyId`"), out),
        (false, true) => report(cx, s, &p.at, format!("a {ty} must not have a `policyId`"), out),
        _ => {}
    }
    if let Some((written, at)) = &p.expiration {
        match instant(written) {
            None => report(
                cx,
                s,
                at,
                format!(
                    "`policyExpirationTime` `{}` is not an RFC 3339 date-time",
                    short(written)
                ),
                out,
            ),
            Some(_) if written[..10] < *cx.settings.today => {
                let today = &cx.settings.today;
                report(
                    cx,
                    s,
                    at,
                    format!(
                        "the policy expired on {} (the check date is {today}): it is not in force",
                        &written[..10]
                    ),
                    out,
                );
            }
            Some(_) => {}
        }
    }
    let mut ids: BTreeMap<&str, &PolicyRule> = BTreeMap::new();
    let mut priorities: BTreeMap<i64, &PolicyRule> = BTreeMap::new();
    for rule in &p.rules {
        let s = &Subject { rule: Some(rule), ..*s };
        if let Some(first) = ids.insert(&rule.id, rule) {
            ids.insert(&first.id, first);
            report(
                cx,
                s,
                &rule.at,
                format!("the rule id `{}` is used twice in the policy", short(&rule.id)),
                out,
            );
        }
        if let Some(first) = priorities.insert(rule.priority, rule) {
            let message = format!(
                "priority {} is also rule `{}`'s: priorities must be unique",
                rule.priority,
                short(&first.id)
            );
            priorities.insert(first.priority, first);
            report(cx, s, &rule.at, message, out);
        }
        check_rule(cx, s, rule, out);
    }
}

fn check_rule(cx: &Context<'_>, s: &Subject<'_>, rule: &PolicyRule, out: &mut Vec<Finding>) {
    let routing: Vec<_> = rule.actions.iter().filter(|a| a.routes()).collect();
    if let [_, second, ..] = routing.as_slice() {
        let kinds: Vec<_> = routing.iter().map(|a| a.kind.as_str()).collect();
        let message = format!(
            "the rule has {} routing actions ({}); a rule may have one",
            kinds.len(),
            kinds.join(", ")
        );
        report(cx, s, &second.at, message, out);
    }
    let invokes_next_hop = rule.actions.iter().any(|a| {
        a.kind == "InvokePolicyAction"
            && a.field("policyType").and_then(|v| v.value.as_str()) == Some("NormalNextHopRoutePolicy")
    });
    if let Some(lost) = rule.conditions.iter().find(|c| c.kind == "LostServiceUrnCondition")
        && !invokes_next_hop
    {
        let message = "a rule with a LostServiceUrnCondition must invoke the NormalNextHopRoutePolicy".to_string();
        report(cx, s, &lost.at, message, out);
    }
    for condition in &rule.conditions {
        check_condition(cx, s, condition, out);
    }
    for action in &rule.actions {
        if action.kind != "NotifyAction" {
            continue;
        }
        if let Some(urgency) = action.field("urgency")
            && !urgency.value.as_i64().is_some_and(|u| (0..=100).contains(&u))
        {
            report(
                cx,
                s,
                &urgency.at,
                format!("`urgency` must be an integer from 0 to 100, found {}", urgency.value),
                out,
            );
        }
    }
}

fn check_condition(cx: &Context<'_>, s: &Subject<'_>, c: &Condition, out: &mut Vec<Finding>) {
    for (kind, field, allowed) in REGISTRIES {
        if c.kind != *kind {
            continue;
        }
        let Some(value) = c.field(field) else { continue };
        let ok = value.value.as_str().is_some_and(|v| allowed.contains(&v));
        if !ok {
            let found = value
                .value
                .as_str()
                .map_or_else(|| value.value.to_string(), |v| format!("`{}`", short(v)));
            let message = format!("{kind} `{field}` must be one of {}, found {found}", allowed.join(", "));
            report(cx, s, &value.at, message, out);
        }
    }
    match c.kind.as_str() {
        "TimePeriodCondition" => check_time(cx, s, c, out),
        "CallSuspicionCondition" => {
            let score = |name| c.field(name).and_then(|v| v.value.as_i64());
            if let (Some(from), Some(to)) = (score("scoreFrom"), score("scoreTo"))
                && from >= to
            {
                report(
                    cx,
                    s,
                    &c.at,
                    format!("`scoreFrom` {from} is not below `scoreTo` {to}"),
                    out,
                );
            }
        }
        _ => {}
    }
}

fn check_time(cx: &Context<'_>, s: &Subject<'_>, c: &Condition, out: &mut Vec<Finding>) {
    let text = |name| c.field(name).map(|v| (v.value.as_str().unwrap_or(""), &v.at));
    let mut dates = Vec::new();
    for name in ["dateStart", "dateEnd"] {
        let Some((written, at)) = text(name) else { continue };
        match instant(written) {
            Some(t) => dates.push(t),
            None => report(
                cx,
                s,
                at,
                format!("`{name}` `{}` is not an RFC 3339 date-time", short(written)),
                out,
            ),
        }
    }
    if let ([start, end], Some((_, at))) = (dates.as_slice(), text("dateEnd"))
        && end < start
    {
        report(
            cx,
            s,
            at,
            "`dateEnd` is before `dateStart`: the condition never holds".into(),
            out,
        );
    }
    let mut times = Vec::new();
    for name in ["timeStart", "timeEnd"] {
        let Some((written, at)) = text(name) else { continue };
        match time_of_day(written) {
            Some(t) => times.push(t),
            None => report(
                cx,
                s,
                at,
                format!("`{name}` `{}` is not a time of day (HH:MM:SS)", short(written)),
                out,
            ),
        }
    }
    if let ([start, end], Some((_, at))) = (times.as_slice(), text("timeEnd"))
        && end <= start
    {
        report(
            cx,
            s,
            at,
            "`timeEnd` is not after `timeStart` (RQ_PS_095): the member is ignored".into(),
            out,
        );
    }
    if let Some((list, at)) = text("weekdayList") {
        let bad: Vec<_> = list
            .split(',')
            .map(str::trim)
            .filter(|t| !WEEKDAYS.iter().any(|d| d.eq_ignore_ascii_case(t)))
            .map(|t| format!("`{}`", short(t)))
            .collect();
        if !bad.is_empty() {
            let message = format!(
                "`weekdayList` holds {}; weekdays are MO, TU, WE, TH, FR, SA, SU",
                bad.join(", ")
            );
            report(cx, s, at, message, out);
        }
    }
}

fn short(s: &str) -> String {
    crate::escape::short(s, 60)
}
