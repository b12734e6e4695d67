//! One policy file → policies (SPEC §9): a bare `Policy`, a flattened JWS (payload decoded,
//! signature not verified) or a `PolicyArray` of either. JSON is YAML 1.2, so the table's
//! span-keeping reader parses it under the same limits; what is not JSON is refused here.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::json::{describe, member, parse_json, text_of};
use crate::load::schema::to_json;
use crate::load::yaml::{Node, Pos, Resolved, Value};
use crate::model::{
    ACTION_TYPES, Action, CONDITION_TYPES, Condition, Loc, Policy, PolicyFile, PolicyProblem, PolicyRule, PolicyValue,
    Spot,
};

/// JWS members are base64url; writers differ on padding, which carries no meaning.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Fields each condition type cannot go without, as strings (NENA's schema).
/// Most rules one policy may hold. An ESRP queue's policy holds a handful to tens of rules;
/// exploring a policy's kinds of call grows with the square of its rules, so a hostile or
/// generated policy of many thousands is refused (a `policy-format` finding) in bounded time.
const MAX_RULES: usize = 1_000;

const REQUIRED_CONDITION_FIELDS: &[(&str, &[&str])] = &[
    ("QueueStateCondition", &["queue", "condition", "value"]),
    ("ServiceStateCondition", &["service", "condition", "value"]),
    ("SecurityPostureCondition", &["service", "condition", "value"]),
    ("LostServiceUrnCondition", &["urn"]),
    ("SipHeaderCondition", &["field", "operator", "content"]),
    ("AdditionalDataCondition", &["type", "operator"]),
    ("CallSourceCondition", &["operator", "content"]),
    ("RequestUriCondition", &["operator", "content"]),
    ("NormalNextHopCondition", &["operator", "content"]),
    ("IncomingQueueCondition", &["operator", "content"]),
    ("CapCondition", &["tag"]),
    ("CallingNumberVerificationStatusCondition", &["operator", "content"]),
];

/// Fields each action type cannot go without, as strings.
const REQUIRED_ACTION_FIELDS: &[(&str, &[&str])] = &[
    ("RouteAction", &["recipientUri"]),
    ("InvokePolicyAction", &["policyType"]),
    ("LogAction", &["message"]),
];

/// Reads one policy file (`file` is its index among the table's source files). The file's
/// path is left for the caller to fill in.
pub fn read(file: u32, bytes: &[u8]) -> PolicyFile {
    let mut reader = Reader {
        file,
        payload: None,
        problems: Vec::new(),
        variants: Vec::new(),
        signed: false,
    };
    let policies = reader.document(bytes);
    PolicyFile {
        shown: String::new(),
        declared: Loc::default(),
        signed: reader.signed,
        policies,
        problems: reader.problems,
        variants: reader.variants,
    }
}

struct Reader {
    file: u32,
    /// Inside a JWS: where its `payload` is in the file (every spot inside points there).
    payload: Option<Loc>,
    problems: Vec<PolicyProblem>,
    variants: Vec<PolicyProblem>,
    signed: bool,
}

impl Reader {
    fn spot(&self, pos: Pos, pointer: &str) -> Spot {
        let loc = self.payload.unwrap_or(Loc {
            file: self.file,
            line: pos.line,
            col: pos.col,
        });
        Spot {
            loc,
            pointer: pointer.to_string(),
            in_payload: self.payload.is_some(),
        }
    }

    /// Inside a JWS the message names the place in the decoded payload: the file position is
    /// the payload's, the same for every part.
    fn located(&self, pointer: &str, message: String) -> String {
        match self.payload {
            Some(_) if pointer.is_empty() => format!("{message} (in the JWS payload)"),
            Some(_) => format!("{message} (at {pointer} in the JWS payload)"),
            None => message,
        }
    }

    fn problem(&mut self, pos: Pos, pointer: &str, message: String) {
        let message = self.located(pointer, message);
        let at = self.spot(pos, pointer);
        self.problems.push(PolicyProblem { at, message });
    }

    fn variant(&mut self, pos: Pos, pointer: &str, message: String) {
        let message = self.located(pointer, message);
        let at = self.spot(pos, pointer);
        self.variants.push(PolicyProblem { at, message });
    }

    fn document(&mut self, bytes: &[u8]) -> Vec<Policy> {
        let start = Pos { line: 1, col: 1 };
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.problem(start, "", "is not JSON: it is not UTF-8 text".into());
            return Vec::new();
        };
        let root = match parse_json(text) {
            Ok(root) => root,
            Err((pos, why)) => {
                self.problem(pos, "", format!("is not JSON: {why}"));
                return Vec::new();
            }
        };
        let Value::Map(entries) = &root.value else {
            let found = describe(&root);
            self.problem(
                root.pos,
                "",
                format!("is not a policy document: expected an object, found {found}"),
            );
            return Vec::new();
        };
        if member(entries, "payload").is_some() {
            return self.jws(&root, "").into_iter().collect();
        }
        if member(entries, "policies").is_some() && member(entries, "policyRules").is_none() {
            return self.array(&root);
        }
        self.policy(&root, "").into_iter().collect()
    }

    /// A `PolicyArray`: `{count, totalCount, policies: [...]}`, each a JWS or a bare policy.
    fn array(&mut self, root: &Node<'_>) -> Vec<Policy> {
        let Value::Map(entries) = &root.value else {
            return Vec::new();
        };
        let list = member(entries, "policies").expect("checked by the caller");
        let Value::Seq(items) = &list.value else {
            let found = describe(list);
            self.problem(
                list.pos,
                "/policies",
                format!("`policies` must be an array, found {found}"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let pointer = format!("/policies/{i}");
            let is_jws = matches!(&item.value, Value::Map(e) if member(e, "payload").is_some());
            let policy = if is_jws {
                self.jws(item, &pointer)
            } else {
                self.policy(item, &pointer)
            };
            out.extend(policy);
        }
        out
    }

    /// A flattened JWS: the payload is decoded and read; the signature is not verified.
    fn jws(&mut self, node: &Node<'_>, pointer: &str) -> Option<Policy> {
        self.signed = true;
        let Value::Map(entries) = &node.value else { return None };
        let payload = member(entries, "payload")?;
        let here = format!("{pointer}/payload");
        let Some(encoded) = text_of(payload) else {
            let found = describe(payload);
            self.problem(
                payload.pos,
                &here,
                format!("the JWS `payload` must be a base64url string, found {found}"),
            );
            return None;
        };
        let decoded = match BASE64URL.decode(encoded.trim()) {
            Ok(decoded) => decoded,
            Err(e) => {
                self.problem(payload.pos, &here, format!("the JWS `payload` is not base64url: {e}"));
                return None;
            }
        };
        let Ok(text) = std::str::from_utf8(&decoded) else {
            self.problem(
                payload.pos,
                &here,
                "the JWS payload is not JSON: it is not UTF-8 text".into(),
            );
            return None;
        };
        let root = match parse_json(text) {
            Ok(root) => root,
            Err((pos, why)) => {
                let at = format!("line {} column {}", pos.line, pos.col);
                self.problem(
                    payload.pos,
                    &here,
                    format!("the JWS payload is not JSON: {why} (decoded payload {at})"),
                );
                return None;
            }
        };
        let outer = self.payload.replace(Loc {
            file: self.file,
            line: payload.pos.line,
            col: payload.pos.col,
        });
        let policy = self.policy(&root, "");
        self.payload = outer;
        policy.map(|mut p| {
            p.signed = true;
            p.payload = Some(std::sync::Arc::new(to_json(&root)));
            p
        })
    }

    /// A `Policy`; None when a part of it cannot be used (every such part is reported).
    fn policy(&mut self, node: &Node<'_>, pointer: &str) -> Option<Policy> {
        let Value::Map(entries) = &node.value else {
            let found = describe(node);
            self.problem(node.pos, pointer, format!("a policy must be an object, found {found}"));
            return None;
        };
        let before = self.problems.len();
        let what = "a policy";
        let owner = self.required_string(node, entries, pointer, what, "policyOwner");
        let policy_type = self.required_string(node, entries, pointer, what, "policyType");
        let queue_name = self
            .optional_string(entries, pointer, "policyQueueName")
            .map(|(s, _)| s);
        let policy_id = self.optional_string(entries, pointer, "policyId").map(|(s, _)| s);
        let expiration = self.optional_string(entries, pointer, "policyExpirationTime");
        let description = self.optional_string(entries, pointer, "description").map(|(s, _)| s);
        let mut rules = Vec::new();
        match member(entries, "policyRules") {
            None => self.missing(node, pointer, what, "policyRules"),
            Some(list) => {
                let here = format!("{pointer}/policyRules");
                if let Value::Seq(items) = &list.value
                    && items.len() > MAX_RULES
                {
                    let message = format!(
                        "a policy may hold at most {MAX_RULES} rules; this one has {}, so psapguard does not route by it",
                        items.len()
                    );
                    self.problem(list.pos, &here, message);
                } else if let Value::Seq(items) = &list.value {
                    for (i, item) in items.iter().enumerate() {
                        rules.extend(self.rule(item, &format!("{here}/{i}")));
                    }
                } else {
                    let found = describe(list);
                    self.problem(
                        list.pos,
                        &here,
                        format!("`policyRules` must be an array of rules, found {found}"),
                    );
                }
            }
        }
        if self.problems.len() > before {
            return None;
        }
        Some(Policy {
            owner: owner?,
            policy_type: policy_type?,
            queue_name,
            policy_id,
            expiration,
            description,
            rules,
            signed: false,
            payload: None,
            at: self.spot(node.pos, pointer),
        })
    }

    fn rule(&mut self, node: &Node<'_>, pointer: &str) -> Option<PolicyRule> {
        let Value::Map(entries) = &node.value else {
            let found = describe(node);
            self.problem(node.pos, pointer, format!("a rule must be an object, found {found}"));
            return None;
        };
        let what = "a rule";
        let id = self.required_string(node, entries, pointer, what, "id");
        let priority = match member(entries, "priority") {
            None => {
                self.missing(node, pointer, what, "priority");
                None
            }
            Some(value) => match value.resolve() {
                Some(Resolved::Int(p)) if (0..=i128::from(i32::MAX)).contains(&p) => Some(p as i64),
                _ => {
                    let shown = match value.resolve() {
                        Some(Resolved::Int(p)) => p.to_string(),
                        _ => describe(value).to_string(),
                    };
                    let here = format!("{pointer}/priority");
                    self.problem(
                        value.pos,
                        &here,
                        format!("`priority` must be an integer from 0 to 2147483647, found {shown}"),
                    );
                    None
                }
            },
        };
        let conditions = match member(entries, "conditions") {
            None => Some(Vec::new()),
            Some(list) => self.items(list, &format!("{pointer}/conditions"), "conditions", Self::condition),
        };
        let actions = match member(entries, "actions") {
            None => {
                self.missing(node, pointer, what, "actions");
                None
            }
            Some(list) => {
                let here = format!("{pointer}/actions");
                let actions = self.items(list, &here, "actions", Self::action);
                if actions.as_ref().is_some_and(Vec::is_empty)
                    && matches!(list.value, Value::Seq(ref s) if s.is_empty())
                {
                    self.problem(
                        list.pos,
                        &here,
                        "`actions` must hold one or more actions, found none".into(),
                    );
                    None
                } else {
                    actions
                }
            }
        };
        let description = self.optional_string(entries, pointer, "description").map(|(s, _)| s);
        Some(PolicyRule {
            id: id?,
            priority: priority?,
            conditions: conditions?,
            actions: actions?,
            description,
            at: self.spot(node.pos, pointer),
        })
    }

    /// An array of conditions or actions; None when it is not an array or one is unusable.
    fn items<T>(
        &mut self,
        list: &Node<'_>,
        pointer: &str,
        name: &str,
        mut each: impl FnMut(&mut Self, &Node<'_>, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Value::Seq(items) = &list.value else {
            let found = describe(list);
            self.problem(list.pos, pointer, format!("`{name}` must be an array, found {found}"));
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut usable = true;
        for (i, item) in items.iter().enumerate() {
            match each(self, item, &format!("{pointer}/{i}")) {
                Some(x) => out.push(x),
                None => usable = false,
            }
        }
        usable.then_some(out)
    }

    fn condition(&mut self, node: &Node<'_>, pointer: &str) -> Option<Condition> {
        let Value::Map(entries) = &node.value else {
            let found = describe(node);
            self.problem(
                node.pos,
                pointer,
                format!("a condition must be an object, found {found}"),
            );
            return None;
        };
        let written = self.required_string(node, entries, pointer, "a condition", "conditionType")?;
        let type_pos = member(entries, "conditionType").map_or(node.pos, |n| n.pos);
        let kind = if CONDITION_TYPES.contains(&written.as_str()) {
            written
        } else if written == "NormalHextHopCondition" {
            let message = "`NormalHextHopCondition` (Ng911Lib's spelling) read as `NormalNextHopCondition`".into();
            self.variant(type_pos, pointer, message);
            "NormalNextHopCondition".to_string()
        } else {
            let hint = crate::suggest::hint(&written, CONDITION_TYPES.iter().copied());
            let shown = crate::escape::short(&written, 60);
            self.problem(type_pos, pointer, format!("unknown conditionType `{shown}`{hint}"));
            return None;
        };
        let negation = match member(entries, "negation") {
            None => false,
            Some(value) => match value.resolve() {
                Some(Resolved::Bool(b)) if value.text().is_some() => b,
                _ => {
                    let found = describe(value);
                    self.problem(
                        value.pos,
                        &format!("{pointer}/negation"),
                        format!("`negation` must be a boolean, found {found}"),
                    );
                    return None;
                }
            },
        };
        let required = REQUIRED_CONDITION_FIELDS
            .iter()
            .find(|(t, _)| *t == kind)
            .map_or(&[][..], |(_, f)| f);
        let mut usable = true;
        for field in required {
            usable &= self
                .required_string(node, entries, pointer, &format!("a {kind}"), field)
                .is_some();
        }
        let mut fields = Vec::new();
        for (key, value) in entries {
            let Some(name) = key.text() else { continue };
            if matches!(name, "conditionType" | "negation") || fields.iter().any(|(k, _): &(String, _)| k == name) {
                continue;
            }
            let here = format!("{pointer}/{name}");
            let (name, json) = self.standard_form(&kind, name, value, &here);
            let at = self.spot(value.pos, &here);
            fields.push((name, PolicyValue { value: json, at }));
        }
        usable.then(|| Condition {
            kind,
            negation,
            fields,
            at: self.spot(node.pos, pointer),
        })
    }

    /// A condition field in its standard form; a known variant is read as it and reported.
    fn standard_form(
        &mut self,
        kind: &str,
        name: &str,
        value: &Node<'_>,
        pointer: &str,
    ) -> (String, serde_json::Value) {
        let json = to_json(value);
        match (kind, name, json) {
            ("TimePeriodCondition", "dateStop", json) => {
                self.variant(
                    value.pos,
                    pointer,
                    "`dateStop` (Ng911Lib's name) read as `dateEnd`".into(),
                );
                ("dateEnd".into(), json)
            }
            ("LocationCondition", "location", serde_json::Value::Array(mut items)) => {
                self.variant(
                    value.pos,
                    pointer,
                    "`location` given as an array (Ng911Lib's form) read as its one object".into(),
                );
                let one = if items.len() == 1 {
                    items.remove(0)
                } else {
                    serde_json::Value::Array(items)
                };
                (name.into(), one)
            }
            ("SdpOfferCondition", _, serde_json::Value::Object(mut pref)) if name.ends_with("Pref") => {
                if let Some(serde_json::Value::Array(langs)) = pref.get("langList") {
                    let joined: Vec<_> = langs
                        .iter()
                        .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_string))
                        .collect();
                    let joined = serde_json::Value::String(joined.join(","));
                    pref.insert("langList".into(), joined);
                    let message =
                        format!("`{name}.langList` given as an array (Ng911Lib's form) read as a comma-separated list");
                    self.variant(value.pos, pointer, message);
                }
                (name.into(), serde_json::Value::Object(pref))
            }
            (_, _, json) => (name.into(), json),
        }
    }

    fn action(&mut self, node: &Node<'_>, pointer: &str) -> Option<Action> {
        let Value::Map(entries) = &node.value else {
            let found = describe(node);
            self.problem(node.pos, pointer, format!("an action must be an object, found {found}"));
            return None;
        };
        let written = self.required_string(node, entries, pointer, "an action", "actionType")?;
        let type_pos = member(entries, "actionType").map_or(node.pos, |n| n.pos);
        let Some(kind) = ACTION_TYPES.iter().find(|t| t.eq_ignore_ascii_case(&written)) else {
            let hint = crate::suggest::hint(&written, ACTION_TYPES.iter().copied());
            let shown = crate::escape::short(&written, 60);
            self.problem(type_pos, pointer, format!("unknown actionType `{shown}`{hint}"));
            return None;
        };
        if *kind != written {
            let shown = crate::escape::short(&written, 60);
            self.variant(type_pos, pointer, format!("actionType `{shown}` read as `{kind}`"));
        }
        let required = REQUIRED_ACTION_FIELDS
            .iter()
            .find(|(t, _)| t == kind)
            .map_or(&[][..], |(_, f)| f);
        let mut usable = true;
        for field in required {
            usable &= self
                .required_string(node, entries, pointer, &format!("a {kind}"), field)
                .is_some();
        }
        let mut fields: Vec<(String, PolicyValue)> = Vec::new();
        for (key, value) in entries {
            let Some(name) = key.text() else { continue };
            if name == "actionType" || fields.iter().any(|(k, _)| k == name) {
                continue;
            }
            let at = self.spot(value.pos, &format!("{pointer}/{name}"));
            fields.push((
                name.to_string(),
                PolicyValue {
                    value: to_json(value),
                    at,
                },
            ));
        }
        usable.then(|| Action {
            kind: (*kind).to_string(),
            fields,
            at: self.spot(node.pos, pointer),
        })
    }

    fn missing(&mut self, node: &Node<'_>, pointer: &str, what: &str, field: &str) {
        self.problem(node.pos, pointer, format!("{what} must have `{field}`"));
    }

    fn required_string(
        &mut self,
        node: &Node<'_>,
        entries: &[(Node<'_>, Node<'_>)],
        pointer: &str,
        what: &str,
        field: &str,
    ) -> Option<String> {
        let Some(value) = member(entries, field) else {
            self.missing(node, pointer, what, field);
            return None;
        };
        self.string(value, &format!("{pointer}/{field}"), field)
    }

    fn optional_string(
        &mut self,
        entries: &[(Node<'_>, Node<'_>)],
        pointer: &str,
        field: &str,
    ) -> Option<(String, Spot)> {
        let value = member(entries, field)?;
        let here = format!("{pointer}/{field}");
        let text = self.string(value, &here, field)?;
        Some((text, self.spot(value.pos, &here)))
    }

    fn string(&mut self, value: &Node<'_>, pointer: &str, field: &str) -> Option<String> {
        match text_of(value) {
            Some(text) => Some(text.to_string()),
            None => {
                let found = describe(value);
                self.problem(value.pos, pointer, format!("`{field}` must be a string, found {found}"));
                None
            }
        }
    }
}
