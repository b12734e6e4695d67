#!/usr/bin/env python3
"""psapguard's boundary rules side by side with the same checks written the usual way in
shapely >= 2.1 (GEOS) and pyproj, on the same GeoPackage (SPEC §7, issue 10).

    python3 benches/gis_vs_shapely.py TABLE_DIR [--psapguard target/release/psapguard]

TABLE_DIR is a `gen_table --gis` output (gis/psap.gpkg beside the YAML). The shapely side
reads the layers, checks validity (is_valid / is_valid_reason), finds overlaps with an STRtree
and pairwise intersection areas, gaps as provisioning minus the union, PSAP boundaries
outside the provisioning union, areas made geodesic with pyproj's Geod, and locates every
origin's `location` in the PSAP boundaries (STRtree point query). It prints both timings,
both peak memories, and compares the findings: invalid features, overlapping pairs, and the
number of gaps and of boundaries outside provisioning above the 1,000 m² sliver tolerance.
"""
import json
import os
import re
import resource
import sqlite3
import struct
import subprocess
import sys
import time

SLIVER = 1000.0
SLIVER_WIDTH = 1.0  # m: psapguard's gis.sliver_width_m (parts narrower are border seams)


def gp_to_wkb(blob):
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    return blob[8 + envelope:]


def tolerant(wkb):
    """A multipolygon GEOS refuses (a ring collapsed below 4 points): read it part by part,
    leaving out the collapsed rings, as psapguard does."""
    import shapely

    def u32(o):
        return struct.unpack_from("<I", wkb, o)[0], o + 4

    def polygon(o):
        o += 5  # byte order, type
        n, o = u32(o)
        rings = []
        for _ in range(n):
            k, o = u32(o)
            pts = struct.unpack_from(f"<{2 * k}d", wkb, o)
            o += 16 * k
            ring = [(pts[2 * i], pts[2 * i + 1]) for i in range(k)]
            dedup = [p for i, p in enumerate(ring) if i == 0 or p != ring[i - 1]]
            rings.append(dedup)
        if len(rings[0]) < 4:
            return None, o
        return shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]), o

    kind = struct.unpack_from("<I", wkb, 1)[0]
    if kind == 3:
        return polygon(0)[0]
    n, o = u32(5)
    parts = []
    for _ in range(n):
        p, o = polygon(o)
        if p is not None:
            parts.append(p)
    return shapely.MultiPolygon(parts)


def read_layer(path, layer):
    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    rows = db.execute(f'SELECT NGUID, geom FROM "{layer}" ORDER BY fid').fetchall()
    return [(nguid, gp_to_wkb(blob)) for nguid, blob in rows]


def shapely_checks(table_dir):
    import shapely
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    def part_area(p):
        a, perimeter = geod.geometry_area_perimeter(p)
        a = abs(a)
        return a if perimeter <= 0 or 2 * a / perimeter > SLIVER_WIDTH else 0.0

    # Area of the parts wider than a seam, as psapguard counts it.
    area = lambda g: sum(part_area(p) for p in shapely.get_parts(g)) if not g.is_empty else 0.0
    gpkg = os.path.join(table_dir, "gis", "psap.gpkg")
    t0 = time.perf_counter()
    psap = read_layer(gpkg, "PsapPolygon")
    # (the provisioning layer's validity is judged too, as psapguard does)
    prov = read_layer(gpkg, "ProvisioningPolygon")
    names = [n for n, _ in psap]
    # Validity: a WKB ring GEOS refuses (fewer than 4 points) is invalid too; such a
    # geometry is then read the forgiving way ("fix") for the coverage checks.
    strict = shapely.from_wkb([w for _, w in psap + prov], on_invalid="ignore")
    geoms = [g if g is not None else tolerant(w) for g, (_, w) in zip(strict[: len(psap)], psap)]
    prov_geoms = [g if g is not None else tolerant(w) for g, (_, w) in zip(strict[len(psap) :], prov)]
    valid = shapely.is_valid(strict)
    everything = [n for n, _ in psap + prov]
    invalid = {everything[i] for i in range(len(everything)) if strict[i] is None or not valid[i]}
    fixed = [shapely.make_valid(g, method="structure") if g is not None else shapely.Polygon() for g in geoms]
    fixed = [shapely.get_parts(g)[shapely.get_type_id(shapely.get_parts(g)) >= 3] for g in fixed]
    fixed = [shapely.union_all(parts) if len(parts) else shapely.Polygon() for parts in fixed]
    tree = shapely.STRtree(fixed)
    left, right = tree.query(fixed, predicate="intersects")
    overlaps = set()
    for i, j in zip(left, right):
        if i < j:
            shared = shapely.intersection(fixed[i], fixed[j])
            if area(shared) > SLIVER:
                overlaps.add(tuple(sorted((names[i], names[j]))))
    union = shapely.union_all(fixed)
    prov_union = shapely.union_all([shapely.make_valid(g, method="structure") for g in prov_geoms if g is not None])
    gaps = [g for g in shapely.get_parts(shapely.difference(prov_union, union)) if area(g) > SLIVER]
    # Outside: each boundary minus, in turn, the provisioning polygons it meets (an STRtree).
    # Against a union GEOS loses Lafayette County, WI whole: its union of the Wisconsin and
    # Illinois polygons leaves the county out, though Wisconsin alone holds it.
    prov_fixed = [shapely.make_valid(g, method="structure") if g is not None else shapely.Polygon() for g in prov_geoms]
    prov_tree = shapely.STRtree(prov_fixed)
    def beyond(g):
        for k in sorted(prov_tree.query(g, predicate="intersects")):
            g = shapely.difference(g, prov_fixed[k])
        return g
    outside = [names[i] for i, g in enumerate(fixed) if area(beyond(g)) > SLIVER]
    t_boundaries = time.perf_counter() - t0
    # Locating every located origin.
    points = []
    pattern = re.compile(rb"location: \{ lat: ([-0-9.e]+), lon: ([-0-9.e]+) \}")
    for f in sorted(os.listdir(table_dir)):
        if f.endswith(".yaml"):
            with open(os.path.join(table_dir, f), "rb") as fh:
                points += [(float(lon), float(lat)) for lat, lon in pattern.findall(fh.read())]
    t1 = time.perf_counter()
    pts = shapely.points(points)
    hits = tree.query(pts, predicate="intersects")
    t_locate = time.perf_counter() - t1
    return {
        "seconds_boundaries": t_boundaries,
        "seconds_locate": t_locate,
        "located": len(points),
        "located_hits": int(hits.shape[1]),
        "invalid": sorted(invalid),
        "overlaps": sorted(overlaps),
        "gaps": len(gaps),
        "outside": sorted(outside),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


GIS_RULES = "boundary-format,boundary-attribute,invalid-geometry,boundary-gap,boundary-overlap,boundary-outside-provisioning,boundary-unrouted,psap-without-boundary,location-misroute,sector-misroute"


def psapguard_checks(binary, table_dir, select):
    t0 = time.perf_counter()
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%M", binary, "check", "--format", "json", "--select", select, table_dir],
        capture_output=True,
    )
    seconds = time.perf_counter() - t0
    report = json.loads(out.stdout)
    peak_kb = int(out.stderr.decode().strip().splitlines()[-1])
    of = lambda rule: [f for f in report["findings"] if f["rule"] == rule]
    return {
        "seconds": seconds,
        "peak_mb": peak_kb / 1024,
        "invalid": sorted(f["entities"][0] for f in of("invalid-geometry")),
        "overlaps": sorted(tuple(sorted(f["entities"])) for f in of("boundary-overlap")),
        "gaps": len(of("boundary-gap")),
        "outside": sorted(f["entities"][0] for f in of("boundary-outside-provisioning")),
    }


def main():
    args = sys.argv[1:]
    binary = "target/release/psapguard"
    if "--psapguard" in args:
        i = args.index("--psapguard")
        binary = args[i + 1]
        del args[i : i + 2]
    table_dir = args[0]
    ours = psapguard_checks(binary, table_dir, GIS_RULES)
    routing_only = psapguard_checks(binary, table_dir, "black-hole")
    theirs = shapely_checks(table_dir)
    print(f"psapguard (all GIS rules, with loading and routing): {ours['seconds']:.2f} s, peak {ours['peak_mb']:.0f} MB")
    print(f"psapguard (the same table, one routing rule):        {routing_only['seconds']:.2f} s, peak {routing_only['peak_mb']:.0f} MB")
    print(f"shapely boundaries: {theirs['seconds_boundaries']:.2f} s; locate {theirs['located']} origins: {theirs['seconds_locate']:.2f} s; peak {theirs['peak_mb']:.0f} MB")
    same = True
    for key in ["invalid", "overlaps", "gaps", "outside"]:
        a, b = ours[key], theirs[key]
        agree = a == b
        same &= agree
        shown = (lambda v: len(v) if isinstance(v, list) else v)
        print(f"  {key}: psapguard {shown(a)}, shapely {shown(b)} {'(same)' if agree else '(DIFFERENT)'}")
        if not agree and isinstance(a, list):
            print(f"    only psapguard: {sorted(set(map(str, a)) - set(map(str, b)))[:10]}")
            print(f"    only shapely:   {sorted(set(map(str, b)) - set(map(str, a)))[:10]}")
    sys.exit(0 if same else 1)


main()
