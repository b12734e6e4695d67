#!/usr/bin/env python3
"""Writes data/me-aroostook-border.geojson: Aroostook County, Maine (FIPS 23003) and a
minimal piece of the national provisioning boundary (the union of every US county), for
the continental-extent tests in tests/it/seams.rs.

The union is cut to five small boxes: Aroostook's neighbourhood, and one around each vertex
that holds an extreme of the national box (west, east, south, north). The overlay's
snapping grid follows the extent of its inputs, so the cut keeps the national extent (and
so the national grid) with a few hundred points. Every vertex of the union inside the boxes
is kept exactly (only the boxes' edges add points). Needs shapely (pip install shapely).
Run from the repository root: python3 scripts/me_border_fixture.py [path to
us-counties-2017-10m.geojson, default /work/shared/data/...]
"""
import json
import sys

import shapely
from shapely.geometry import box, mapping, shape

src = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/us-counties-2017-10m.geojson"
layer = json.load(open(src))
counties = []
aroostook = None
for f in layer["features"]:
    if f.get("geometry") is None:
        continue
    g = shape(f["geometry"])
    if not g.is_valid:
        g = shapely.make_valid(g)
    counties.append(g)
    if str(f.get("id")) == "23003":
        aroostook = f["geometry"]
us = shapely.union_all(counties)
coords = shapely.get_coordinates(us)
extremes = [
    coords[coords[:, 0].argmin()], coords[coords[:, 0].argmax()],
    coords[coords[:, 1].argmin()], coords[coords[:, 1].argmax()],
]
a = shape(aroostook)
w, s, e, n = a.bounds
cuts = [box(w - 0.2, s - 0.2, e + 0.2, n + 0.2)] + [box(x - 0.01, y - 0.01, x + 0.01, y + 0.01) for x, y in extremes]
piece = shapely.intersection(us, shapely.union_all(cuts))
polys = [p for p in getattr(piece, "geoms", [piece]) if p.geom_type == "Polygon" and not p.is_empty]
piece = shapely.MultiPolygon(polys)
assert piece.bounds == us.bounds, (piece.bounds, us.bounds)
# Aroostook's vertices on the union's outline are the union's own, and the cut keeps them.
kept = {tuple(c) for c in shapely.get_coordinates(piece)}
ours = {tuple(c) for c in coords}
assert all(tuple(c) in kept for c in shapely.get_coordinates(a) if tuple(c) in ours), "a vertex moved"


def props(nguid, psap):
    p = {"DiscrpAgID": "me.example.gov", "DateUpdate": "2025-06-01T00:00:00Z", "Effective": None,
         "Expire": None, "NGUID": nguid}
    if psap:
        p.update({"Agency_ID": "me.example.gov", "ServiceURI": "sip:psap@aroostook.example.gov",
                  "ServiceURN": "urn:emergency:service:sos.psap", "ServiceNum": "911",
                  "AVcard_URI": "https://me.example.gov/vcard", "DsplayName": nguid})
    return p


out = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": 1, "properties": props("Aroostook@me.example.gov", True), "geometry": aroostook},
    {"type": "Feature", "id": 2, "properties": props("US@me.example.gov", False), "geometry": mapping(piece)},
]}
with open("data/me-aroostook-border.geojson", "w") as f:
    json.dump(out, f)
    f.write("\n")
# The reference answer: nothing of Aroostook lies outside the union.
print("Aroostook minus the union (deg²):", a.difference(us).area, "minus the cut:", a.difference(piece).area)
print("points:", shapely.get_num_coordinates(a), shapely.get_num_coordinates(piece))
