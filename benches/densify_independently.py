#!/usr/bin/env python3
"""Densifies every PSAP boundary of a `gen_table --gis` output on its own, the way an office's
layer looks after each county was digitised or densified separately (issue 22.9): shapely's
`segmentize` cuts each county's segments from its own end, so neighbours no longer share
their vertices (each side's interpolated points differ in the last bits) and psapguard's
edge-by-edge comparison cannot settle the borders: every border goes to the polygon overlay.

    python3 benches/densify_independently.py TABLE_DIR MAX_SEGMENT_DEGREES

Rewrites TABLE_DIR/gis/psap.gpkg's PsapPolygon in place and prints the vertex count. Then:
    python3 benches/gis_vs_shapely.py TABLE_DIR
(needs: pip install "shapely>=2.1" pyproj)
"""
import sqlite3
import struct
import sys

import shapely


def gp_to_wkb(blob):
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    return bytes(blob[8 + envelope:])


def geometry(blob):
    return None if blob is None else shapely.from_wkb(gp_to_wkb(blob))


def gp_blob(geom, srs_id):
    """A GeoPackage geometry: `GP`, version 0, flags (little-endian, xy envelope), srs, WKB."""
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP" + bytes([0, 0b0000_0011]) + struct.pack("<i", srs_id)
    return header + struct.pack("<4d", minx, maxx, miny, maxy) + shapely.to_wkb(geom, byte_order=1)


def main():
    table_dir, step = sys.argv[1], float(sys.argv[2])
    db = sqlite3.connect(f"{table_dir}/gis/psap.gpkg")
    # The ST_* functions GDAL's R-tree triggers call (GDAL and QGIS register their own).
    db.create_function("ST_IsEmpty", 1, lambda b: 1 if b is None or geometry(b).is_empty else 0)
    for i, name in enumerate(["ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY"]):
        db.create_function(name, 1, lambda b, i=i: None if b is None else float(geometry(b).bounds[i]))
    srs = db.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'PsapPolygon'").fetchone()[0]
    rows = db.execute("SELECT fid, geom FROM PsapPolygon ORDER BY fid").fetchall()
    total = 0
    for fid, blob in rows:
        dense = shapely.segmentize(geometry(blob), step)
        total += shapely.get_num_coordinates(dense)
        db.execute("UPDATE PsapPolygon SET geom = ? WHERE fid = ?", (gp_blob(dense, srs), fid))
    db.commit()
    db.execute("VACUUM")
    db.close()
    print(f"{len(rows)} PSAP boundaries, {total} vertices (segmentize {step} degrees, each on its own)")


if __name__ == "__main__":
    main()
