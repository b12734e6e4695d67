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


# policy-missing and policy-unused: ESRPs routed by their policies (router `queue`), the ECRF
# answering from a PSAP boundary layer. Sedgwick's ECC diverts to Butler's when full, and to
# Harvey's backup centre when its queue is unreachable (a re-evaluation after a failed route).
ROUTED = """version: 1
boundaries:
  - {{ file: psap.geojson, kind: psap }}
policies:
  - file: policies/
domains:
  site-den: {{ kind: site }}
  site-wic: {{ kind: site }}
psaps:
  sedgwick-911: {{ uri: "sip:psap@sedgwick.ks.us", positions: 10 }}
  butler-911: {{ uri: "sip:psap@butler.ks.us", positions: 6 }}
  harvey-911:
    uri: "sip:psap@harvey.ks.us"
    positions: 4
{harvey_waivers}routers:
  esrp-den: {{ kind: esrp, domains: [site-den], queue: "sip:sos-in@esrp-den.ksng911.example" }}
  esrp-wic: {{ kind: esrp, domains: [site-wic], queue: "sip:sos-in@esrp-wic.ksng911.example" }}
origins:
  wichita: {{ kind: esz, esn: 1, population: 397000, location: {{ lat: 37.69, lon: -97.34 }}, ingress: [{wichita}] }}
  el-dorado: {{ kind: esz, esn: 2, population: 13000, location: {{ lat: 37.82, lon: -96.86 }}, ingress: [{el_dorado}] }}
"""


def boundary(fid, name, uri, west, east, effective=None):
    ring = [[west, 37.4], [east, 37.4], [east, 37.9], [west, 37.9], [west, 37.4]]
    return {"type": "Feature", "id": fid, "properties": {
        "DiscrpAgID": "ksng911.example", "DateUpdate": "2025-06-01T00:00:00Z", "Effective": effective, "Expire": None,
        "NGUID": f"urn:emergency:uid:gis:PSAP:{name}:ksng911.example", "Agency_ID": "ksng911.example",
        "ServiceURI": uri, "ServiceURN": "urn:emergency:service:sos.psap", "ServiceNum": "911",
        "AVcard_URI": "https://ksng911.example/vcard", "DsplayName": f"{name.title()} County ECC"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}


LAYER = {"type": "FeatureCollection", "features": [
    boundary(1, "sedgwick", "sip:psap@sedgwick.ks.us", -97.6, -97.1),
    boundary(2, "butler", "sip:psap@butler.ks.us", -97.1, -96.5),
]}


def esrp_origination(esrp, extra=(), default=None):
    return {
        "policyOwner": f"{esrp}.ksng911.example",
        "policyType": "OriginationRoutePolicy",
        "policyQueueName": f"sip:sos-in@{esrp}.ksng911.example",
        "description": f"Ingress queue of {esrp}",
        "policyRules": list(extra) + [
            {"id": "orig-lost", "priority": 100,
             "conditions": [{"conditionType": "LostServiceUrnCondition", "urn": "urn:emergency:service:sos.psap"}],
             "actions": [{"actionType": "InvokePolicyAction", "policyType": "NormalNextHopRoutePolicy"}]},
            {"id": "orig-default", "priority": 0, "description": "catch-all: no ECRF answer",
             "actions": [default or {"actionType": "RouteAction", "recipientUri": "sip:psap@sedgwick.ks.us"}]},
        ],
    }


def next_hop(own, owner, diversions):
    rules = [{"id": f"nn-{state.lower()}", "priority": priority,
              "conditions": [{"conditionType": "QueueStateCondition", "queue": own, "condition": "EQ", "value": state}],
              "actions": [action]} for priority, state, action in diversions]
    rules.append({"id": "nn-normal", "priority": 0,
                  "actions": [{"actionType": "RouteAction", "recipientUri": own, "rnaTimer": 30}]})
    return {"policyOwner": owner, "policyType": "NormalNextHopRoutePolicy", "policyQueueName": own,
            "policyRules": rules}


def route_to(uri):
    return {"actionType": "RouteAction", "recipientUri": uri}


def invoke(policy_type, **key):
    return dict({"actionType": "InvokePolicyAction", "policyType": policy_type}, **key)


SEDGWICK = next_hop("sip:psap@sedgwick.ks.us", "sedgwick.ks.us", [
    (400, "Unreachable", route_to("sip:psap@harvey.ks.us")),
    (300, "Full", route_to("sip:psap@butler.ks.us"))])
BUTLER = next_hop("sip:psap@butler.ks.us", "butler.ks.us", [
    (400, "Unreachable", route_to("sip:psap@sedgwick.ks.us"))])
HARVEY = next_hop("sip:psap@harvey.ks.us", "harvey.ks.us", [])


def store(**edits):
    docs = {"esrp-den.json": esrp_origination("esrp-den"), "esrp-wic.json": esrp_origination("esrp-wic"),
            "sedgwick.json": SEDGWICK, "butler.json": BUTLER}
    for name, doc in edits.items():
        name = name.replace("_", "-") + ".json"
        if doc is None:
            docs.pop(name, None)
        else:
            docs[name] = doc
    return docs


def write_routed(rule, name, docs, wichita="esrp-den, esrp-wic", el_dorado="esrp-den, esrp-wic", harvey_waivers="",
                 layer=True, features=()):
    d = os.path.join("fixtures", rule, name)
    os.makedirs(os.path.join(d, "policies"), exist_ok=True)
    table = ROUTED.format(wichita=wichita, el_dorado=el_dorado, harvey_waivers=harvey_waivers)
    if not layer:
        table = table.replace("boundaries:\n  - { file: psap.geojson, kind: psap }\n", "")
    with open(os.path.join(d, "table.yaml"), "w") as f:
        f.write(table)
    if layer:
        with open(os.path.join(d, "psap.geojson"), "w") as f:
            f.write(dumps(dict(LAYER, features=LAYER["features"] + list(features))))
    for fname, content in docs.items():
        with open(os.path.join(d, "policies", fname), "w") as f:
            f.write(dumps(content))


# policy-missing: a router's queue; invocations by policyId and policyQueueName (Other,
# NormalNextHop, Origination), one of them in a JWS; a boundary's ServiceURI; a typo.
write_routed("policy-missing", "trigger-router-queue", store(esrp_wic=None), el_dorado="esrp-wic, esrp-den")
den_invokes = esrp_origination("esrp-den", [
    {"id": "orig-rtt", "priority": 300,
     "conditions": [{"conditionType": "SdpOfferCondition", "rtt": True}],
     "actions": [invoke("OtherRoutePolicy", policyId="rtt-relay")]},
    {"id": "orig-video", "priority": 200,
     "conditions": [{"conditionType": "SdpOfferCondition", "video": True}],
     "actions": [invoke("NormalNextHopRoutePolicy", policyQueueName="sip:video@sedgwick.ks.us")]},
])
wic_invokes = esrp_origination("esrp-wic", [
    {"id": "orig-screen", "priority": 300,
     "conditions": [{"conditionType": "CallSuspicionCondition", "scoreFrom": 80, "scoreTo": 100}],
     "actions": [invoke("OriginationRoutePolicy", policyQueueName="sip:sos-in@esrp-screen.ksng911.example")]},
])
write_routed("policy-missing", "trigger-invocations", store(esrp_den=jws(den_invokes), esrp_wic=wic_invokes))
write_routed("policy-missing", "trigger-boundary-next-hop", store(butler=None))
# An invocation of the call's Normal-NextHop before any LostServiceUrnCondition set one.
unset = esrp_origination("esrp-den", [
    {"id": "orig-text", "priority": 300,
     "conditions": [{"conditionType": "SdpOfferCondition", "text": True}],
     "actions": [invoke("NormalNextHopRoutePolicy")]}])
write_routed("policy-missing", "trigger-next-hop-unset", store(esrp_den=unset))
typo = copy.deepcopy(esrp_origination("esrp-wic"))
typo["policyQueueName"] = "sip:sos-in@esrp-wlc.ksng911.example"
write_routed("policy-missing", "trigger-queue-typo", store(esrp_wic=typo), wichita="esrp-wic, esrp-den")
write_routed("policy-missing", "ok-store", store(esrp_den=jws(esrp_origination("esrp-den"))))
# An expired policy beside the ones in force: Harvey's retired Normal-NextHop policy, its
# policy-attribute finding waived on the PSAP whose uri is its policyQueueName.
expired = copy.deepcopy(HARVEY)
expired["policyExpirationTime"] = "2025-12-31T23:59:59-06:00"
write_routed("policy-missing", "ok-expired-beside-in-force", store(harvey=expired), harvey_waivers=(
    "    waivers:\n"
    "      - { rule: policy-attribute, reason: retired diversion plan kept for the audit (ticket 5120), expires: 2026-06-30 }\n"))

# policy-unused: an ESRP's policies left in the store after it was retired (one invoking the
# other), a Normal-NextHop policy for a queue nothing answers, an Other policy nothing invokes.
hays = esrp_origination("esrp-hays", [
    {"id": "orig-overflow", "priority": 200,
     "conditions": [{"conditionType": "QueueStateCondition", "queue": "sip:psap@sedgwick.ks.us",
                     "condition": "EQ", "value": "Full"}],
     "actions": [invoke("OtherRoutePolicy", policyId="hays-overflow")]}])
hays_overflow = {"policyOwner": "esrp-hays.ksng911.example", "policyType": "OtherRoutePolicy",
                 "policyId": "hays-overflow",
                 "policyRules": [{"id": "to-butler", "priority": 0, "actions": [route_to("sip:psap@butler.ks.us")]}]}
storm = {"policyOwner": "ksng911.example", "policyType": "OtherRoutePolicy", "policyId": "storm-2024",
         "description": "winter storm diversion, January 2024",
         "policyRules": [{"id": "to-butler", "priority": 0, "actions": [route_to("sip:psap@butler.ks.us")]}]}
old_harvey = next_hop("sip:psap@harvey-old.ks.us", "harvey.ks.us", [])
write_routed("policy-unused", "trigger-left-behind", store(
    esrp_hays=hays, hays_overflow=hays_overflow, storm=storm,
    harvey=HARVEY, harvey_old={"count": 1, "totalCount": 1, "policies": [jws(old_harvey)]}))
# Reached only by re-evaluation after a failed route: Sedgwick's queue Unreachable invokes an
# OtherRoutePolicy by policyId, which invokes Harvey's Normal-NextHop policy by queue.
sedgwick_down = copy.deepcopy(SEDGWICK)
sedgwick_down["policyRules"][0]["actions"] = [invoke("OtherRoutePolicy", policyId="sedgwick-down")]
divert = {"policyOwner": "sedgwick.ks.us", "policyType": "OtherRoutePolicy", "policyId": "sedgwick-down",
          "policyRules": [{"id": "to-harvey", "priority": 0,
                           "actions": [invoke("NormalNextHopRoutePolicy", policyQueueName="sip:psap@harvey.ks.us")]}]}
write_routed("policy-unused", "ok-failover-only", store(sedgwick=sedgwick_down, sedgwick_down=divert, harvey=HARVEY))
# Harvey's boundary takes effect after the check date: the Normal-NextHop policy staged for it
# is not unused.
write_routed("policy-unused", "ok-staged-for-a-pending-boundary", store(harvey=HARVEY), features=[
    boundary(3, "harvey", "sip:psap@harvey.ks.us", -96.5, -96.0, effective="2026-03-01T00:00:00-06:00")])
# Without boundary layers psapguard cannot know what the ECRF answers: the Normal-NextHop
# policies are taken as reached, and so is the OtherRoutePolicy Butler's invokes.
to_sedgwick = invoke("NormalNextHopRoutePolicy", policyQueueName="sip:psap@sedgwick.ks.us")
butler_down = copy.deepcopy(BUTLER)
butler_down["policyRules"][0]["actions"] = [invoke("OtherRoutePolicy", policyId="butler-down")]
to_sedgwick_other = {"policyOwner": "butler.ks.us", "policyType": "OtherRoutePolicy", "policyId": "butler-down",
                     "policyRules": [{"id": "to-sedgwick", "priority": 0,
                                      "actions": [route_to("sip:psap@sedgwick.ks.us")]}]}
write_routed("policy-unused", "ok-no-layers", store(esrp_den=esrp_origination("esrp-den", default=to_sedgwick),
                                                   esrp_wic=esrp_origination("esrp-wic", default=to_sedgwick),
                                                   butler=butler_down, butler_down=to_sedgwick_other),
             layer=False)
