#!/usr/bin/env python3
"""Writes the Kansas example routed by NENA i3 policies (examples/kansas-policy/) and its
broken variants (fixtures/kansas-policy-broken/<rule>/), one per policy rule of SPEC §9.

The example is the south-central Kansas ESInet of examples/kansas (same PSAPs, origins and
real county boundaries, copied from there) with its routing moved from YAML rules into a
Policy Store: one OriginationRoutePolicy per ESRP ingress queue, which asks the ECRF (the
PsapPolygon layer) and invokes the caller's NormalNextHopRoutePolicy; one of those per PSAP,
diverting on its queue state (Unreachable, Full), at night (small PSAPs) and for RTT calls
(PSAPs without RTT). Documents are written as a 911 authority's store holds them: most bare,
some as flattened JWS (unsigned: psapguard reads, never verifies), the two origination
policies as one PolicyArray export.

The broken variants are the same store cut to two real neighbours, Sedgwick and Sumner
(data/ks-sedgwick-sumner.geojson, unchanged polygons, NENA fields added), each with one
realistic edit. Deterministic; run from the repository root after scripts/kansas-example.sh
and commit what it writes; stdlib only.
"""
import base64
import json
import os
import re
import shutil

EXAMPLE = "examples/kansas-policy"
BROKEN = "fixtures/kansas-policy-broken"
SOURCE = "examples/kansas"  # the GIS example this one is built on (scripts/kansas-example.sh)
DOMAIN = "ksng911.example"
ESRPS = [("esrp-ict", "site-ict", "Wichita routing facility"), ("esrp-top", "site-top", "Topeka routing facility")]
# TimePeriodCondition dates are in Kansas's Central time (the offset of dateStart).
IN_FORCE_FROM = "2025-07-01T00:00:00-05:00"

# How each PSAP's NormalNextHopRoutePolicy diverts (illustrative mutual-aid plan between real
# neighbours): the PSAP that takes its calls when its queue is Unreachable or Full, the
# RTT-capable PSAP for SdpOffer rtt=true calls (None: it takes RTT itself), and the night
# hours (timeStart, timeEnd, weekdayList or None for every day) a small PSAP hands to a
# regional one, with that regional PSAP.
PLANS = {
    "sedgwick-911": {"overflow": "sedgwick-backup-911", "rtt": None, "night": None},
    "butler-911": {"overflow": "sedgwick-911", "rtt": None, "night": None},
    "harvey-911": {"overflow": "sedgwick-911", "rtt": "sedgwick-911", "night": None},
    "reno-911": {"overflow": "harvey-911", "rtt": None, "night": None},
    "sumner-911": {"overflow": "sedgwick-911", "rtt": "sedgwick-911",
                   "night": ("01:00:00", "06:00:00", "SU,MO,TU,WE,TH", "sedgwick-911")},
    "kingman-911": {"overflow": "reno-911", "rtt": "reno-911",
                    "night": ("00:00:00", "06:00:00", None, "reno-911")},
    "cowley-911": {"overflow": "butler-911", "rtt": "butler-911", "night": None},
    "harper-911": {"overflow": "sumner-911", "rtt": "sedgwick-911",
                   "night": ("00:00:00", "08:00:00", "SA,SU", "sedgwick-911")},
}
# The Sedgwick County Backup PSAP (FCC 2827, standby in examples/kansas) takes Sedgwick's
# calls when its queue is down or full: it needs a queue of its own.
BACKUP_URI = "sip:backup-911@sedgwick.ks.example.gov"
# PSAPs whose policies are kept signed (flattened JWS) in the store; the rest are bare.
SIGNED = {"sedgwick-911", "reno-911", "cowley-911"}


def read_blocks(path, section):
    """The entries of a generated two-level YAML file (examples/kansas/*.yaml): id → (raw
    text of the entry, {field: raw value}). These files are regular: no YAML library needed."""
    text = open(path).read()
    body = text.split(f"\n{section}:\n", 1)[1]
    blocks, current = {}, None
    for line in body.splitlines():
        m = re.match(r"^  ([a-z0-9-]+):$", line)
        if m:
            current = m.group(1)
            blocks[current] = ([line], {})
        elif line.startswith("    ") and current:
            blocks[current][0].append(line)
            key, _, value = line.strip().partition(": ")
            blocks[current][1][key] = value
    return {k: ("\n".join(lines) + "\n", fields) for k, (lines, fields) in blocks.items()}


def unquote(value):
    return value.strip('"')


def queue(esrp):
    return f"sip:sos-in@{esrp}.{DOMAIN}"


def uri_of(psaps, psap):
    return BACKUP_URI if psap == "sedgwick-backup-911" else unquote(psaps[psap][1]["uri"])


def route(rule_id, priority, conditions, to, description):
    rule = {"id": rule_id, "priority": priority, "description": description}
    if conditions:
        rule["conditions"] = conditions
    rule["actions"] = [{"actionType": "RouteAction", "recipientUri": to, "rnaTimer": 30}]
    return rule


def queue_state(uri, value):
    return [{"conditionType": "QueueStateCondition", "queue": uri, "condition": "EQ", "value": value}]


def origination(esrp, default_uri):
    return {
        "policyOwner": DOMAIN,
        "policyType": "OriginationRoutePolicy",
        "policyQueueName": queue(esrp),
        "description": f"Ingress queue of {esrp}: the ECRF's PSAP for the caller's location",
        "policyRules": [
            {"id": "orig-ecrf", "priority": 100, "description": "ask the ECRF; the PSAP's next-hop policy routes",
             "conditions": [{"conditionType": "LostServiceUrnCondition", "urn": "urn:emergency:service:sos.psap"}],
             "actions": [{"actionType": "InvokePolicyAction", "policyType": "NormalNextHopRoutePolicy"},
                         {"actionType": "LogAction", "message": "routed by ECRF answer"}]},
            route("orig-default", 0, [], default_uri, "catch-all: no location or no ECRF answer: default PSAP"),
        ],
    }


def next_hop(psaps, psap):
    """A PSAP's NormalNextHopRoutePolicy: 4 to 6 rules, highest priority first."""
    own, plan = uri_of(psaps, psap), PLANS[psap]
    overflow = uri_of(psaps, plan["overflow"])
    # Calls a PSAP never takes (RTT it cannot answer, its night hours) go first: its own
    # queue's state must not move them from where they always go.
    rules = []
    if plan["rtt"]:
        rules.append(route("nn-rtt", 500, [{"conditionType": "SdpOfferCondition", "rtt": True}],
                           uri_of(psaps, plan["rtt"]), f"real-time text: {plan['rtt']} takes RTT calls"))
    if plan["night"]:
        start, end, days, regional = plan["night"]
        period = {"conditionType": "TimePeriodCondition", "dateStart": IN_FORCE_FROM, "timeStart": start, "timeEnd": end}
        if days:
            period["weekdayList"] = days
        rules.append(route("nn-night", 400, [period], uri_of(psaps, regional),
                           f"night hours: {regional} answers for {psap}"))
    rules += [
        route("nn-down", 300, queue_state(own, "Unreachable"), overflow, f"{psap} down: {plan['overflow']} answers"),
        route("nn-full", 200, queue_state(own, "Full"), overflow, f"every position busy: overflow to {plan['overflow']}"),
    ]
    rules.append(route("nn-active", 100, queue_state(own, "Active"), own, "staffed: to the PSAP's own queue"))
    rules.append(route("nn-default", 0, [], overflow, f"catch-all: {psap} not taking calls, {plan['overflow']} answers"))
    agency = own.split("@", 1)[1]
    return {"policyOwner": agency, "policyType": "NormalNextHopRoutePolicy", "policyQueueName": own,
            "description": f"Next hop of {unquote(psaps[psap][1]['name'])}", "policyRules": rules}


def b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jws(policy):
    # An unsigned stand-in for the authority's signature: psapguard reads, never verifies.
    return {"protected": b64(b'{"alg":"EdDSA","kid":"kansas911-policy-store"}'),
            "payload": b64(json.dumps(policy, indent=2).encode()),
            "signature": b64(b"not-a-real-signature")}


def store(psaps, counties):
    """The policy documents: file name → JSON document."""
    default = uri_of(psaps, "sedgwick-911")
    origins = [origination(esrp, default) for esrp, _, _ in ESRPS]
    docs = {"origination.json": {"count": len(origins), "totalCount": len(origins), "policies": origins}}
    for psap in counties:
        policy = next_hop(psaps, psap)
        docs[f"next-hop/{psap}.json"] = jws(policy) if psap in SIGNED else policy
    return docs


def table(psaps, origins, counties, boundaries, title):
    out = [
        "# " + title,
        "# Routed by NENA i3 policy routing rules (NENA-STA-010.3): policies/ is the Policy Store.",
        "# Generated by scripts/kansas_policy_example.py from examples/kansas: do not edit by hand.",
        "version: 1",
        f"name: \"{title}\"",
        "",
        "boundaries:",
        *boundaries,
        "",
        "policies:",
        "  - file: policies/",
        "",
        "domains:",
        *[f"  {site}: {{ kind: site, note: {note} }}" for _, site, note in ESRPS],
        "",
        "routers:",
    ]
    for esrp, site, _ in ESRPS:
        mate = [e for e, _, _ in ESRPS if e != esrp][0]
        out += [f"  {esrp}:", "    kind: esrp", f"    domains: [{site}]", f"    mate: [{mate}]",
                f'    queue: "{queue(esrp)}"']
    out += ["", "psaps:"]
    for psap in counties:
        text, _ = psaps[psap]
        out.append("\n".join(line for line in text.splitlines() if not line.strip().startswith("alternate:")))
    backup, _ = psaps["sedgwick-backup-911"]
    lines = backup.splitlines()
    out.append("\n".join(lines[:2] + [f'    uri: "{BACKUP_URI}"'] + lines[2:]))
    out += ["", "origins:"]
    out += [text.rstrip("\n") for text, _ in origins.values()]
    return "\n".join(out) + "\n"


def write_docs(root, docs):
    for name, doc in docs.items():
        path = os.path.join(root, "policies", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc, indent=2) + "\n")


def inside(point, ring):
    """Ray casting: is (lon, lat) inside the ring?"""
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def boundary_layer(psaps, counties):
    """Sedgwick and Sumner as a NENA PsapPolygon GeoJSON layer, from the unchanged Census
    polygons of data/ks-sedgwick-sumner.geojson."""
    source = json.load(open("data/ks-sedgwick-sumner.geojson"))
    features = []
    for i, psap in enumerate(counties):
        county = psaps[psap][1]["counties"].strip("[]")
        geometry = next(f["geometry"] for f in source["features"] if f["properties"]["name"] == county)
        fips = next(f["properties"]["fips"] for f in source["features"] if f["properties"]["name"] == county)
        uri = uri_of(psaps, psap)
        agency = uri.split("@", 1)[1]
        features.append({"type": "Feature", "id": i + 1, "properties": {
            "DiscrpAgID": "kansas911.example.gov", "DateUpdate": "2026-01-01T00:00:00.000Z",
            "Effective": "2020-01-01T00:00:00.000Z", "Expire": None,
            "NGUID": f"urn:emergency:uid:gis:psap:{fips}:{agency}", "Agency_ID": agency,
            "ServiceURI": uri, "ServiceURN": "urn:emergency:service:sos.psap", "ServiceNum": "911",
            "AVcard_URI": f"https://{agency}/vcard", "DsplayName": unquote(psaps[psap][1]["name"])},
            "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def located_in(origins, layer):
    """The origins whose location is inside the layer's polygons (each county's first two
    ESZs and its cell sector: enough to route every kind of call, small to read)."""
    kept, per_county = {}, {}
    for origin, (text, fields) in origins.items():
        lat, lon = (float(v) for v in re.findall(r"-?[0-9.]+", fields["location"]))
        if not any(inside((lon, lat), f["geometry"]["coordinates"][0]) for f in layer["features"]):
            continue
        county = fields["county"]
        if fields["kind"] == "esz" and per_county.get(county, 0) >= 2:
            continue
        per_county[county] = per_county.get(county, 0) + (fields["kind"] == "esz")
        kept[origin] = (text, fields)
    return kept


def broken_variants(psaps, origins):
    counties = ["sedgwick-911", "sumner-911"]
    layer = boundary_layer(psaps, counties)
    small = located_in(origins, layer)
    assert len(small) == 6, sorted(small)
    yaml = table(psaps, small, counties, ["  - { file: gis/psap.geojson, kind: psap }"],
                 "Sedgwick and Sumner, Kansas: NG9-1-1 routed by policies (broken variant)")
    sumner = uri_of(psaps, "sumner-911")

    def night_rule(docs):
        return next(r for r in docs["next-hop/sumner-911.json"]["policyRules"] if r["id"] == "nn-night")

    def export_manifest(docs):
        # policy-format: the Policy Store export wrote its manifest beside the policies, and
        # `policies/` reads every *.json below it: a document that is no Policy.
        docs["export-manifest.json"] = {"exportedBy": "kansas911.example.gov policy store",
                                        "exportTime": "2026-01-01T06:00:00-06:00", "count": 3}

    def weekday_typo(docs):
        # policy-attribute: weekdays written as a clock app writes them (SUN, MON…), not
        # MO–SU: ignored in routing as RQ_PS_044 says (the night hours then apply every day).
        night_rule(docs)["conditions"][0]["weekdayList"] = "SUN,MON,TUE,WED,THU"

    def ng911lib_case(docs):
        # policy-nonstandard: Ng911Lib's lower-case action type, read as RouteAction.
        night_rule(docs)["actions"][0]["actionType"] = "routeAction"

    def no_origination_for_top(docs):
        # policy-missing: the store export lost esrp-top's OriginationRoutePolicy.
        export = docs["origination.json"]
        export["policies"] = [p for p in export["policies"] if p["policyQueueName"] != queue("esrp-top")]
        export["count"] = export["totalCount"] = len(export["policies"])

    def leftover_wellington(docs):
        # policy-unused: the next-hop policy of a PSAP merged into Sumner's (Wellington's city
        # PSAP), rewritten to hand everything to Sumner and left in the store: no PSAP,
        # boundary or invocation names its queue, so no call ever runs it.
        docs["next-hop/wellington-911.json"] = {
            "policyOwner": "wellington.ks.example.gov", "policyType": "NormalNextHopRoutePolicy",
            "policyQueueName": "sip:wellington-911@wellington.ks.example.gov",
            "description": "Next hop of the Wellington city PSAP (merged into Sumner County 9-1-1)",
            "policyRules": [route("nn-merged", 0, [], sumner, "merged: Sumner County 9-1-1 answers")]}

    edits = {"policy-format": export_manifest, "policy-attribute": weekday_typo,
             "policy-nonstandard": ng911lib_case, "policy-missing": no_origination_for_top,
             "policy-unused": leftover_wellington}
    shutil.rmtree(BROKEN, ignore_errors=True)
    for rule, edit in edits.items():
        root = os.path.join(BROKEN, rule)
        os.makedirs(os.path.join(root, "gis"))
        with open(os.path.join(root, "kansas-policy.yaml"), "w") as f:
            f.write(yaml)
        with open(os.path.join(root, "gis", "psap.geojson"), "w") as f:
            f.write(json.dumps(layer, indent=1) + "\n")
        # Bare documents, so each edit is one readable change of one file.
        docs = {name: doc for name, doc in store(psaps, counties).items()}
        docs = {name: decoded(doc) for name, doc in docs.items()}
        edit(docs)
        write_docs(root, docs)


def decoded(doc):
    if "payload" in doc:
        pad = "=" * (-len(doc["payload"]) % 4)
        return json.loads(base64.urlsafe_b64decode(doc["payload"] + pad))
    return doc


def main():
    psaps = read_blocks(os.path.join(SOURCE, "psaps.yaml"), "psaps")
    origins = read_blocks(os.path.join(SOURCE, "origins.yaml"), "origins")
    counties = list(PLANS)
    assert set(counties) | {"sedgwick-backup-911"} == set(psaps), sorted(psaps)
    shutil.rmtree(os.path.join(EXAMPLE, "policies"), ignore_errors=True)
    os.makedirs(os.path.join(EXAMPLE, "gis"), exist_ok=True)
    shutil.copyfile(os.path.join(SOURCE, "gis", "kansas.gpkg"), os.path.join(EXAMPLE, "gis", "kansas.gpkg"))
    layers = ["  - { file: gis/kansas.gpkg, layer: PsapPolygon, kind: psap }",
              "  - { file: gis/kansas.gpkg, layer: ProvisioningPolygon, kind: provisioning }"]
    with open(os.path.join(EXAMPLE, "kansas-policy.yaml"), "w") as f:
        f.write(table(psaps, origins, counties, layers, "South-central Kansas ESInet routed by policies (example)"))
    write_docs(EXAMPLE, store(psaps, counties))
    broken_variants(psaps, origins)


if __name__ == "__main__":
    main()
