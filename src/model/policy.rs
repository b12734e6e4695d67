//! NENA i3 policy routing rules (NENA-STA-010.3, SPEC §9): the `policies:` entries of a table
//! and the policy documents read from them, with NENA's field names.

use schemars::JsonSchema;

use super::Loc;

/// A `policies:` entry: a policy file, or a directory of `*.json` policy files.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PolicySource {
    /// A policy file or a directory (every `*.json` below it), relative to the YAML file.
    pub file: String,
    #[schemars(skip)]
    pub loc: Loc,
}

/// Where a part of a policy is: its line and column in the file (the `payload` member's for a
/// JWS) and its JSON pointer into the policy document (the decoded payload for a JWS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spot {
    pub loc: Loc,
    pub pointer: String,
    /// Inside a JWS's decoded payload: `loc` is the payload's and only `pointer` tells
    /// where (SPEC §9: findings there point by the pointer).
    pub in_payload: bool,
}

impl Spot {
    /// The JSON pointer a finding gives for this place: inside a JWS payload only (elsewhere
    /// the line and column say it).
    pub fn payload_pointer(&self) -> Option<String> {
        self.in_payload.then(|| self.pointer.clone())
    }
}

/// One policy file as read: its policies and the problems that kept parts of it out.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// The path as findings write it.
    pub shown: String,
    /// The `policies:` entry that named it.
    pub declared: Loc,
    /// Whether a JWS was read (its signature is never verified).
    pub signed: bool,
    pub policies: Vec<Policy>,
    /// Why a document or a part of it cannot be used (`policy-format`).
    pub problems: Vec<PolicyProblem>,
    /// Known variants read as the standard form (`policy-nonstandard`).
    pub variants: Vec<PolicyProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyProblem {
    pub at: Spot,
    pub message: String,
}

/// A policy document (`Policy`).
#[derive(Debug, Clone)]
pub struct Policy {
    pub owner: String,
    /// `policyType`: `OriginationRoutePolicy`, `NormalNextHopRoutePolicy`, `OtherRoutePolicy`,
    /// or another registry value (not a routing policy).
    pub policy_type: String,
    pub queue_name: Option<String>,
    pub policy_id: Option<String>,
    /// `policyExpirationTime` as written (RFC 3339).
    pub expiration: Option<(String, Spot)>,
    pub description: Option<String>,
    pub rules: Vec<PolicyRule>,
    /// Read from a JWS payload.
    pub signed: bool,
    /// The decoded JWS payload, for code frames (a finding inside it is placed by pointer).
    pub payload: Option<std::sync::Arc<serde_json::Value>>,
    pub at: Spot,
}

impl Policy {
    /// How findings name it: `<policyType>(<policyQueueName or policyId>)` (SPEC §9).
    pub fn name(&self) -> String {
        let key = self.queue_name.as_deref().or(self.policy_id.as_deref()).unwrap_or("");
        format!("{}({key})", self.policy_type)
    }
}

impl Policy {
    /// The policy's own members as JSON with NENA's names (its rules left out): what `diff`
    /// compares of the policy itself.
    pub fn header_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        let mut put = |name: &str, value: Option<&str>| {
            if let Some(v) = value {
                out.insert(name.into(), v.into());
            }
        };
        put("policyOwner", Some(&self.owner));
        put("policyType", Some(&self.policy_type));
        put("policyQueueName", self.queue_name.as_deref());
        put("policyId", self.policy_id.as_deref());
        put(
            "policyExpirationTime",
            self.expiration.as_ref().map(|(t, _)| t.as_str()),
        );
        put("description", self.description.as_deref());
        out.into()
    }

    /// The whole policy as JSON (known variants in their standard form).
    pub fn to_json(&self) -> serde_json::Value {
        let mut out = self.header_json();
        let rules: Vec<serde_json::Value> = self.rules.iter().map(PolicyRule::to_json).collect();
        out["policyRules"] = rules.into();
        out
    }
}

/// A rule of a policy (`Rule`).
#[derive(Debug, Clone)]
pub struct PolicyRule {
    pub id: String,
    pub priority: i64,
    /// Empty: the catch-all.
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    pub description: Option<String>,
    pub at: Spot,
}

/// A condition: its `conditionType` and its other fields, kept generic.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The standard `conditionType` (a known variant is read as it).
    pub kind: String,
    pub negation: bool,
    /// Every other field, as written (a known variant in its standard form).
    pub fields: Vec<(String, PolicyValue)>,
    pub at: Spot,
}

/// An action: its `actionType` (standard case) and its other fields.
#[derive(Debug, Clone)]
pub struct Action {
    pub kind: String,
    pub fields: Vec<(String, PolicyValue)>,
    pub at: Spot,
}

impl PolicyRule {
    /// The rule as JSON with NENA's names, as psapguard read it (known variants in their
    /// standard form; a catch-all without `conditions`): what `diff` shows of a changed rule.
    pub fn to_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        out.insert("id".into(), self.id.clone().into());
        out.insert("priority".into(), self.priority.into());
        if !self.conditions.is_empty() {
            let conditions = self.conditions.iter().map(|c| {
                let mut json = typed("conditionType", &c.kind, &c.fields);
                if c.negation {
                    json["negation"] = true.into();
                }
                json
            });
            out.insert("conditions".into(), conditions.collect());
        }
        let actions = self.actions.iter().map(|a| typed("actionType", &a.kind, &a.fields));
        out.insert("actions".into(), actions.collect());
        if let Some(d) = &self.description {
            out.insert("description".into(), d.clone().into());
        }
        out.into()
    }
}

/// A condition or action as JSON: its type member first, then its fields as written.
fn typed(member: &str, kind: &str, fields: &[(String, PolicyValue)]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    out.insert(member.into(), kind.into());
    for (name, value) in fields {
        out.insert(name.clone(), value.value.clone());
    }
    out.into()
}

impl Condition {
    pub fn field(&self, name: &str) -> Option<&PolicyValue> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

impl Action {
    pub fn field(&self, name: &str) -> Option<&PolicyValue> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Whether the action routes the call (Route, Busy, InvokePolicy); Notify and Log do not.
    pub fn routes(&self) -> bool {
        matches!(self.kind.as_str(), "RouteAction" | "BusyAction" | "InvokePolicyAction")
    }
}

impl PolicyRule {
    /// The action the rule routes by: its first routing action, as an ESRP runs (SPEC §9);
    /// None for a rule that only notifies or logs.
    pub fn routing_action(&self) -> Option<&Action> {
        self.actions.iter().find(|a| a.routes())
    }
}

/// A JSON value with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyValue {
    pub value: serde_json::Value,
    pub at: Spot,
}

/// The condition types of NENA's schema (`i3-common.yaml`).
pub const CONDITION_TYPES: &[&str] = &[
    "TimePeriodCondition",
    "SipHeaderCondition",
    "AdditionalDataCondition",
    "MimeBodyCondition",
    "LocationCondition",
    "CallSuspicionCondition",
    "SecurityPostureCondition",
    "QueueStateCondition",
    "LostServiceUrnCondition",
    "ServiceStateCondition",
    "CallSourceCondition",
    "BodyPartCondition",
    "RequestUriCondition",
    "NormalNextHopCondition",
    "IncomingQueueCondition",
    "SdpOfferCondition",
    "CapCondition",
    "CallingNumberVerificationStatusCondition",
];

/// The action types of NENA's schema.
pub const ACTION_TYPES: &[&str] = &[
    "RouteAction",
    "NotifyAction",
    "LogAction",
    "BusyAction",
    "InvokePolicyAction",
];
