#!/usr/bin/env python3
"""Writes the blow-up inputs of issue 23 that SECURITY.md measures ("Blow-ups measured"),
each as a stranger's pull request would hold it, under OUT_DIR:

    pools-identical/t.yaml   1,000 pools with one range
    pools-nested/t.yaml      1,000 nested pool ranges
    squares-identical/       1,000 identical PSAP boundary squares (GeoJSON)
    squares-nested/          1,000 nested squares
    view/                    examples/denver with its PSAP layer a view of 10^8 rows
    layer-10x/               one 800,000-vertex layer named ten times
    token/t.yaml             a 200 MB key

    python3 scripts/blowups.py OUT_DIR
    /usr/bin/time -v target/release/psapguard check OUT_DIR/pools-identical --format json >/dev/null

Standard library only. Run the old binary under `ulimit -v` and `ulimit -f`: it was not bounded.
"""
import json
import os
import shutil
import sqlite3
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIELDS = {"DiscrpAgID": "x", "DateUpdate": "2025-01-01", "Agency_ID": "x", "ServiceURI": "sip:a@x",
          "ServiceURN": "urn:emergency:service:sos.psap", "AVcard_URI": "https://x", "DsplayName": "A"}
TABLE = "version: 1\nboundaries:\n{}psaps:\n  a-911: {{ status: active, uri: 'sip:a@x' }}\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def pools(out, name, rng):
    lines = ["version: 1", "psaps:", "  a-911: { status: active, positions: 2 }", "pools:"]
    lines += [f"  esrk-{i}: {{ kind: esrk, range: {rng(i)}, psap: a-911 }}" for i in range(1000)]
    write(os.path.join(out, name, "t.yaml"), "\n".join(lines) + "\n")


def layer(out, name, rings, entries=1):
    features = [{"type": "Feature", "properties": dict(FIELDS, NGUID=f"P{i}@x"),
                 "geometry": {"type": "Polygon", "coordinates": [r]}} for i, r in enumerate(rings)]
    write(os.path.join(out, name, "psap.geojson"), json.dumps({"type": "FeatureCollection", "features": features}))
    write(os.path.join(out, name, "table.yaml"), TABLE.format("  - { file: psap.geojson, kind: psap }\n" * entries))


def square(x0, y0, x1, y1, n=1):
    pts = [[x0 + (x1 - x0) * i / n, y0] for i in range(n)] + [[x1, y0 + (y1 - y0) * i / n] for i in range(n)]
    pts += [[x1 - (x1 - x0) * i / n, y1] for i in range(n)] + [[x0, y1 - (y1 - y0) * i / n] for i in range(n)]
    return pts + [[x0, y0]]


def view(out):
    target = os.path.join(out, "view")
    shutil.copytree(os.path.join(HERE, "examples/denver"), target, dirs_exist_ok=True)
    db = sqlite3.connect(os.path.join(target, "gis/denver.gpkg"))
    cols = ", ".join("p." + r[1] for r in db.execute("PRAGMA table_info(PsapPolygon)") if r[1] != "fid")
    db.executescript(
        "CREATE VIEW Blow AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n LIMIT 100000000) "
        f"SELECT n.x AS rowid, {cols} FROM n, PsapPolygon p ORDER BY random();"
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id, last_change) "
        "VALUES ('Blow', 'features', 'Blow', 4326, '2026-01-01T00:00:00.000Z');"
        "INSERT INTO gpkg_geometry_columns VALUES ('Blow', 'geom', 'MULTIPOLYGON', 4326, 0, 0);")
    db.commit()
    db.close()
    network = os.path.join(target, "network.yaml")
    with open(network, encoding="utf-8") as f:
        text = f.read().replace("layer: PsapPolygon, kind: psap", "layer: Blow, kind: psap")
    write(network, text)


def main(out):
    pools(out, "pools-identical", lambda i: "3165550100-3165550199")
    pools(out, "pools-nested", lambda i: f"{3165550100 + i}-3165559999")
    layer(out, "squares-identical", [square(-97.0, 37.0, -96.9, 37.1)] * 1000)
    layer(out, "squares-nested", [square(-97.0 + i * 1e-5, 37.0, -96.9, 37.1) for i in range(1000)])
    grid = [square(-100 + gx * 0.5, 37 + gy * 0.5, -99.5 + gx * 0.5, 37.5 + gy * 0.5, 25000)
            for gx in range(4) for gy in range(2)]
    layer(out, "layer-10x", grid, entries=10)
    view(out)
    write(os.path.join(out, "token", "t.yaml"),
          "version: 1\npsaps:\n  a-911: { status: active, " + "A" * 200_000_000 + ": 1 }\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
