#!/usr/bin/env python3
"""Writes the policy fixtures (fixtures/policy-*/): NENA i3 policy documents (NENA-STA-010.3)
shaped as in NENA's schema, bare, as flattened JWS (unsigned: psapguard does not verify) and
as a PolicyArray. Run from the repository root; the output is committed."""
import base64, json, os, copy

TABLE = """version: 1
policies:
  - file: {src}
psaps:
  sedgwick-911: {{ uri: "sip:psap@sedgwick.ks.us", positions: 10, alternate: [butler-911] }}
  butler-911: {{ uri: "sip:psap@butler.ks.us", positions: 6, alternate: [sedgwick-911] }}
routers:
  esrp-den: {{ kind: esrp, mate: [esrp-wic], default: sedgwick-911 }}
  esrp-wic: {{ kind: esrp, mate: [esrp-den], default: sedgwick-911 }}
origins:
  wichita: {{ kind: esz, esn: 1, population: 1000, ingress: [esrp-den, esrp-wic] }}
"""

ORIGINATION = {
    "policyOwner": "esrp-den.ksng911.example",
    "policyType": "OriginationRoutePolicy",
    "policyQueueName": "sip:sos-in@esrp-den.ksng911.example",
    "policyExpirationTime": "2027-01-01T00:00:00-06:00",
    "description": "Ingress queue of the Denver ESRP",
    "policyRules": [
        {"id": "orig-lost", "priority": 100,
         "conditions": [{"conditionType": "LostServiceUrnCondition", "urn": "urn:emergency:service:sos.psap"}],
         "actions": [{"actionType": "InvokePolicyAction", "policyType": "NormalNextHopRoutePolicy"},
                     {"actionType": "LogAction", "message": "ECRF route"}]},
        {"id": "orig-default", "priority": 0, "description": "catch-all: no ECRF answer",
         "actions": [{"actionType": "RouteAction", "recipientUri": "sip:psap@sedgwick.ks.us", "rnaTimer": 30}]},
    ],
}

NEXT_HOP = {
    "policyOwner": "sedgwick.ks.us",
    "policyType": "NormalNextHopRoutePolicy",
    "policyQueueName": "sip:psap@sedgwick.ks.us",
    "policyRules": [
        {"id": "nn-full", "priority": 300,
         "conditions": [{"conditionType": "QueueStateCondition", "queue": "sip:psap@sedgwick.ks.us",
                         "condition": "EQ", "value": "Full"}],
         "actions": [{"actionType": "RouteAction", "recipientUri": "sip:psap@butler.ks.us"}]},
        {"id": "nn-night", "priority": 150,
         "conditions": [{"conditionType": "TimePeriodCondition", "dateStart": "2025-01-01T00:00:00-06:00",
                         "dateEnd": "2026-12-31T23:59:59-06:00", "timeStart": "00:00:00",
                         "timeEnd": "06:00:00", "weekdayList": "SA,SU"}],
         "actions": [{"actionType": "RouteAction", "recipientUri": "sip:psap@butler.ks.us"}]},
        {"id": "nn-normal", "priority": 0,
         "actions": [{"actionType": "RouteAction", "recipientUri": "sip:psap@sedgwick.ks.us", "rnaTimer": 30}]},
    ],
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jws(policy) -> dict:
    # An unsigned stand-in for an EdDSA signature: psapguard reads, never verifies.
    return {"protected": b64(b'{"alg":"EdDSA"}'), "payload": b64(json.dumps(policy, indent=2).encode()),
            "signature": b64(b"not-a-real-signature")}


def write(rule, name, files, src="policies/"):
    d = os.path.join("fixtures", rule, name)
    os.makedirs(os.path.join(d, "policies"), exist_ok=True)
    with open(os.path.join(d, "table.yaml"), "w") as f:
        f.write(TABLE.format(src=src))
    for fname, content in files.items():
        with open(os.path.join(d, "policies", fname), "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content, indent=2) + "\n")


def dumps(x):
    return json.dumps(x, indent=2) + "\n"


# policy-format
broken = copy.deepcopy(NEXT_HOP)
broken["policyRules"][2]["priority"] = "0"
del broken["policyRules"][2]["actions"][0]["recipientUri"]
write("policy-format", "trigger-wrong-type", {"origination.json": ORIGINATION, "sedgwick.json": broken})
unknown = copy.deepcopy(NEXT_HOP)
unknown["policyRules"][0]["conditions"][0]["conditionType"] = "QueueStatusCondition"
write("policy-format", "trigger-unknown-type", {"origination.json": ORIGINATION, "sedgwick.json": unknown})
write("policy-format", "trigger-not-json", {"origination.json": ORIGINATION,
                                             "sedgwick.json": dumps(NEXT_HOP).replace('"priority": 300,', "priority: 300")})
bad_jws = jws(NEXT_HOP)
bad_jws["payload"] = bad_jws["payload"][:40] + "*" + bad_jws["payload"][41:]
write("policy-format", "trigger-jws-not-base64url", {"origination.json": jws(ORIGINATION), "sedgwick.json": bad_jws})
missing_owner = copy.deepcopy(NEXT_HOP)
del missing_owner["policyOwner"]
write("policy-format", "trigger-jws-missing-field", {"store.json": {"count": 2, "totalCount": 2,
                                                                    "policies": [jws(ORIGINATION), jws(missing_owner)]}})
write("policy-format", "trigger-missing-file", {"origination.json": ORIGINATION}, src="policies/sedgwick.json")
write("policy-format", "ok-bare", {"origination.json": ORIGINATION, "sedgwick.json": NEXT_HOP})
write("policy-format", "ok-jws-array", {"store.json": {"count": 2, "totalCount": 2,
                                                       "policies": [jws(ORIGINATION), jws(NEXT_HOP)]}})

# policy-nonstandard
variant = copy.deepcopy(NEXT_HOP)
tp = variant["policyRules"][1]["conditions"][0]
tp["dateStop"] = tp.pop("dateEnd")
variant["policyRules"][0]["actions"][0]["actionType"] = "routeAction"
variant["policyRules"].insert(1, {"id": "nn-rtt", "priority": 250,
    "conditions": [{"conditionType": "SdpOfferCondition", "rtt": True,
                    "langRttPref": {"langList": ["en", "es"], "langTest": "any"}}],
    "actions": [{"actionType": "RouteAction", "recipientUri": "sip:psap@butler.ks.us"}]})
orig_variant = copy.deepcopy(ORIGINATION)
orig_variant["policyRules"].insert(0, {"id": "orig-nnh", "priority": 200,
    "conditions": [{"conditionType": "NormalHextHopCondition", "operator": "EQ", "content": "sip:psap@butler.ks.us"}],
    "actions": [{"actionType": "RouteAction", "recipientUri": "sip:psap@butler.ks.us"}]})
write("policy-nonstandard", "trigger-ng911lib", {"origination.json": orig_variant, "sedgwick.json": variant})
standard = copy.deepcopy(variant)
standard["policyRules"][0]["actions"][0]["actionType"] = "RouteAction"
standard["policyRules"][1]["conditions"][0]["langRttPref"]["langList"] = "en,es"
tp = standard["policyRules"][2]["conditions"][0]
tp["dateEnd"] = tp.pop("dateStop")
write("policy-nonstandard", "ok-standard", {"origination.json": jws(ORIGINATION), "sedgwick.json": jws(standard)})

# policy-attribute (the fixtures run with the check date 2026-01-01)
pitfalls = copy.deepcopy(NEXT_HOP)
pitfalls["policyId"] = "sedgwick-nn"
pitfalls["policyRules"][0]["conditions"][0]["value"] = "Busy"
pitfalls["policyRules"][1]["priority"] = 300
tp = pitfalls["policyRules"][1]["conditions"][0]
tp["timeStart"], tp["timeEnd"] = "06:00:00", "06:00:00"
tp["weekdayList"] = "SA,SUN"
pitfalls["policyRules"][2]["actions"].append({"actionType": "BusyAction"})
pitfalls["policyRules"][2]["actions"].append({"actionType": "NotifyAction", "eventCode": "ESRP-FALLBACK", "urgency": 150})
orig_lost = copy.deepcopy(ORIGINATION)
orig_lost["policyExpirationTime"] = "2025-12-31T23:59:59-06:00"
orig_lost["policyRules"][0]["actions"] = [{"actionType": "RouteAction", "recipientUri": "sip:psap@sedgwick.ks.us"}]
write("policy-attribute", "trigger-sta-010-3", {"origination.json": orig_lost, "sedgwick.json": jws(pitfalls)})
write("policy-attribute", "trigger-one-identity-twice", {"origination.json": ORIGINATION, "sedgwick.json": NEXT_HOP,
                                                          "sedgwick-copy.json": NEXT_HOP})
near = copy.deepcopy(NEXT_HOP)
near["policyRules"].insert(1, {"id": "nn-suspect", "priority": 200,
    "conditions": [{"conditionType": "CallSuspicionCondition", "scoreFrom": 80, "scoreTo": 100}],
    "actions": [{"actionType": "RouteAction", "recipientUri": "sip:psap@butler.ks.us"},
                {"actionType": "NotifyAction", "eventCode": "ESRP-SUSPECT", "urgency": 100},
                {"actionType": "LogAction", "message": "suspicious call diverted"}]})
near["policyRules"][2]["conditions"][0]["weekdayList"] = "sa, su"
write("policy-attribute", "ok-registry-values", {"origination.json": ORIGINATION, "sedgwick.json": jws(near)})
