#!/usr/bin/env python3
"""Writes the GIS rule fixtures (fixtures/<rule>/<case>/): a routing table and GeoJSON layers.

Two PSAP boundaries side by side near Denver share the border at lon -104.9; each case
changes one thing. Run from the repository root: python3 scripts/gis_fixtures.py
"""
import json
import os

A = "sip:psap@a.example.gov"
B = "sip:psap@b.example.gov"


def box(w, s, e, n):
    return [[[w, s], [e, s], [e, n], [w, n], [w, s]]]


def feature(fid, rings, nguid, uri=A, urn="urn:emergency:service:sos.psap", **extra):
    props = {
        "DiscrpAgID": "state.example.gov", "DateUpdate": "2025-06-01T00:00:00Z",
        "Effective": None, "Expire": None, "NGUID": nguid, "Agency_ID": "example.gov",
        "ServiceURI": uri, "ServiceURN": urn, "ServiceNum": "911",
        "AVcard_URI": "https://example.gov/vcard", "DsplayName": nguid,
    }
    props.update(extra)
    return {"type": "Feature", "id": fid, "properties": props,
            "geometry": {"type": "Polygon", "coordinates": rings}}


def provisioning(rings):
    props = {"DiscrpAgID": "state.example.gov", "DateUpdate": "2025-06-01", "Effective": None,
             "Expire": None, "NGUID": "Provisioning-1@example.gov"}
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 1, "properties": props, "geometry": {"type": "Polygon", "coordinates": rings}}]}


def collection(*features, **extra):
    return dict({"type": "FeatureCollection", "features": list(features)}, **extra)


A_BOX = box(-105.0, 39.7, -104.9, 39.8)
B_BOX = box(-104.9, 39.7, -104.8, 39.8)
PAIR = [feature(1, A_BOX, "PsapA@example.gov"), feature(2, B_BOX, "PsapB@example.gov", uri=B)]


def table(psap_extra="", origins=None, layers=("psap.geojson",), provisioning_layer=False):
    lines = ["version: 1", "boundaries:"]
    for layer in layers:
        lines.append(f"  - {{ file: {layer}, kind: psap }}")
    if provisioning_layer:
        lines.append("  - { file: provisioning.geojson, kind: provisioning }")
    lines += [
        "psaps:",
        f"  a-911: {{ uri: \"{A}\", positions: 10, alternate: [b-911] }}",
        f"  b-911: {{ uri: \"{B}\", positions: 10, alternate: [a-911] }}",
    ]
    if psap_extra:
        lines.append(psap_extra)
    lines += [
        "routers:",
        "  r1: { kind: esrp, mate: [r2], rules: [{ match: { esn: [2] }, to: b-911 }], default: a-911 }",
        "  r2: { kind: esrp, mate: [r1], rules: [{ match: { esn: [2] }, to: b-911 }], default: a-911 }",
        "origins:",
    ]
    lines += origins or [
        "  west: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.95 }, ingress: [r1, r2] }",
        "  east: { kind: esz, esn: 2, population: 2000, location: { lat: 39.75, lon: -104.85 }, ingress: [r1, r2] }",
    ]
    return "\n".join(lines) + "\n"


def write(path, files):
    os.makedirs(path, exist_ok=True)
    for name, content in files.items():
        with open(os.path.join(path, name), "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content, indent=1) + "\n")


def main():
    ok = {"table.yaml": table(), "psap.geojson": collection(*PAIR)}
    cases = {
        "boundary-format/trigger-not-nena": {
            "table.yaml": table(),
            "psap.geojson": collection({"type": "Feature", "properties": {"name": "Adams", "fips": "08001"},
                                        "geometry": {"type": "Polygon", "coordinates": A_BOX}}),
        },
        # NAD27 is 10-100 m off NAD83 and needs shift grids: read by no one here, named.
        "boundary-format/trigger-nad27": {
            "table.yaml": table(),
            "psap.geojson": collection(*PAIR, crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4267"}}),
        },
        "boundary-format/trigger-missing-file": {"table.yaml": table(layers=("nowhere.geojson",))},
        "boundary-format/ok-nad83": {
            "table.yaml": table(),
            "psap.geojson": collection(*PAIR, crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4269"}}),
        },
        "boundary-attribute/trigger": {
            "table.yaml": table(),
            "psap.geojson": collection(
                feature(1, A_BOX, "PsapA@example.gov", urn="urn:emergency:service:police"),
                feature(2, B_BOX, "PsapA@example.gov", uri="https://b.example.gov",
                        Effective="2025-01-01", Expire="2024-01-01"),
            ),
        },
        "boundary-attribute/ok": ok,
        "invalid-geometry/trigger": {
            "table.yaml": table(),
            "psap.geojson": collection(
                feature(1, [[[-105.0, 39.7], [-104.9, 39.8], [-104.9, 39.7], [-105.0, 39.8], [-105.0, 39.7]]],
                        "PsapA@example.gov"),
                PAIR[1]),
        },
        "invalid-geometry/ok": ok,
        "boundary-gap/trigger": {
            "table.yaml": table(provisioning_layer=True),
            "psap.geojson": collection(feature(1, box(-105.0, 39.7, -104.92, 39.8), "PsapA@example.gov"), PAIR[1]),
            "provisioning.geojson": provisioning(box(-105.0, 39.7, -104.8, 39.8)),
        },
        "boundary-gap/trigger-hole": {
            "table.yaml": table(origins=[
                "  west: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.95 }, ingress: [r1, r2] }",
                "  lake: { kind: wireline, esn: 1, population: 40, location: { lat: 39.75, lon: -104.85 }, ingress: [r1, r2] }",
            ]),
            "psap.geojson": collection(
                feature(1, box(-105.0, 39.7, -104.9, 39.8), "PsapA@example.gov"),
                feature(2, [box(-104.9, 39.7, -104.8, 39.8)[0], box(-104.87, 39.73, -104.83, 39.77)[0][::-1]],
                        "PsapB@example.gov", uri=B)),
        },
        # A shared border with rounding noise: the sliver between them is under 1,000 m².
        "boundary-gap/ok-rounding": {
            "table.yaml": table(provisioning_layer=True),
            "psap.geojson": collection(feature(1, box(-105.0, 39.7, -104.9000001, 39.8), "PsapA@example.gov"), PAIR[1]),
            "provisioning.geojson": provisioning(box(-105.0, 39.7, -104.8, 39.8)),
        },
        "boundary-overlap/trigger": {
            "table.yaml": table(),
            "psap.geojson": collection(feature(1, box(-105.0, 39.7, -104.88, 39.8), "PsapA@example.gov"), PAIR[1]),
        },
        "boundary-overlap/ok-sliver": {
            "table.yaml": table(),
            "psap.geojson": collection(feature(1, box(-105.0, 39.7, -104.8999999, 39.8), "PsapA@example.gov"), PAIR[1]),
        },
        # The replacement of A's boundary takes B's western strip, but only from next year.
        "boundary-overlap/ok-future-replacement": {
            "table.yaml": table(),
            "psap.geojson": collection(
                feature(1, A_BOX, "PsapA@example.gov", Expire="2027-01-01"),
                feature(3, box(-105.0, 39.7, -104.88, 39.8), "PsapA-2027@example.gov", Effective="2027-01-01"),
                feature(2, B_BOX, "PsapB@example.gov", uri=B, Expire="2027-01-01"),
                feature(4, box(-104.88, 39.7, -104.8, 39.8), "PsapB-2027@example.gov", uri=B, Effective="2027-01-01")),
        },
        "boundary-outside-provisioning/trigger": {
            "table.yaml": table(provisioning_layer=True),
            "psap.geojson": collection(*PAIR),
            "provisioning.geojson": provisioning(box(-105.0, 39.7, -104.85, 39.8)),
        },
        "boundary-outside-provisioning/ok": {
            "table.yaml": table(provisioning_layer=True),
            "psap.geojson": collection(*PAIR),
            "provisioning.geojson": provisioning(box(-105.0, 39.7, -104.8, 39.8)),
        },
        "boundary-unrouted/trigger": {
            "table.yaml": table(psap_extra='  c-911: { uri: "sip:psap@c.example.gov", status: decommissioned }'),
            "psap.geojson": collection(PAIR[0], feature(2, B_BOX, "PsapB@example.gov", uri="sip:psap@c.example.gov")),
        },
        "boundary-unrouted/ok": ok,
        "psap-without-boundary/trigger": {
            "table.yaml": table(psap_extra='  c-911: { uri: "sip:psap@c.example.gov", positions: 4, alternate: [a-911] }',
                                origins=None).replace("default: a-911 }", "default: a-911 }", 1),
            "psap.geojson": collection(*PAIR, feature(3, box(-104.8, 39.7, -104.7, 39.8), "PsapC@example.gov",
                                                      uri="sip:psap@c.example.gov", Expire="2025-12-31")),
        },
        "psap-without-boundary/ok": ok,
        "location-misroute/trigger": {
            "table.yaml": table(origins=[
                "  west: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.95 }, ingress: [r1, r2] }",
                "  east: { kind: esz, esn: 1, population: 2000, location: { lat: 39.75, lon: -104.85 }, ingress: [r1, r2] }",
            ]),
            "psap.geojson": collection(*PAIR),
        },
        "location-misroute/ok": ok,
        # A cell sector whose centroid is just across the border: a warning for sector-misroute only.
        "sector-misroute/trigger": {
            "table.yaml": table(origins=[
                "  west: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.95 }, ingress: [r1, r2] }",
                "  east: { kind: esz, esn: 2, population: 2000, location: { lat: 39.75, lon: -104.85 }, ingress: [r1, r2] }",
                "  sector-1: { kind: cell_sector, esn: 1, population: 300, location: { lat: 39.75, lon: -104.8995 }, ingress: [r1, r2] }",
            ]),
            "psap.geojson": collection(*PAIR),
        },
        "sector-misroute/ok": ok,
    }
    for path, files in cases.items():
        write(os.path.join("fixtures", path), files)


if __name__ == "__main__":
    main()
