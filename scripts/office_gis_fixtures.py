#!/usr/bin/env python3
"""Writes the fixtures of the files a 911 GIS office really has (issue 22, SPEC §7), each the
way its real writer leaves it: GDAL (through pyogrio) for shapefiles, GeoPackages and GeoJSON in
state plane, UTM and Web Mercator; ArcGIS's `.prj` text; a GeoPackage left in WAL mode with
saved edits still in its `-wal` (as QGIS leaves it after a crash); `.dbf` dates as GDAL and
ArcView write them. Also tests/data/reprojection.json: pyproj's answers for points in several
zones, which psapguard's reprojection is tested against.

Needs: pip install pyogrio pyproj shapely (their wheels bundle GDAL, PROJ and GEOS).
Run from the repository root: python3 scripts/office_gis_fixtures.py
"""
import json
import os
import shutil
import sqlite3
import sys

import numpy as np
import pyogrio.raw as raw
import shapely
from pyproj import CRS, Transformer

sys.path.insert(0, os.path.dirname(__file__))
from gis_fixtures import A, A_BOX, B, B_BOX, box, collection, feature, table, write  # noqa: E402

FIELDS = ["DiscrpAgID", "DateUpdate", "Effective", "Expire", "NGUID", "Agency_ID", "ServiceURI",
          "ServiceURN", "ServiceNum", "AVcard_URI", "DsplayName"]


def row(nguid, uri, **extra):
    values = {"DiscrpAgID": "state.example.gov", "DateUpdate": "2025-06-01", "Effective": None,
              "Expire": None, "NGUID": nguid, "Agency_ID": "example.gov", "ServiceURI": uri,
              "ServiceURN": "urn:emergency:service:sos.psap", "ServiceNum": "911",
              "AVcard_URI": "https://example.gov/vcard", "DsplayName": nguid}
    values.update(extra)
    return values


PAIR_ROWS = [(A_BOX, row("PsapA@example.gov", A)), (B_BOX, row("PsapB@example.gov", B))]


def gdal_write(path, rows, epsg, driver, layer=None, dates=None):
    """Writes polygons (WGS84 boxes, projected to `epsg`) and their fields with GDAL.
    `dates`: field name -> numpy datetime64 unit, for fields written as GDAL date types."""
    to = Transformer.from_crs(4326, epsg, always_xy=True)
    geoms = []
    for rings, _ in rows:
        polygon = shapely.Polygon(rings[0])
        geoms.append(shapely.to_wkb(shapely.transform(polygon, lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1])))))
    columns = []
    for name in FIELDS:
        values = [r[name] for _, r in rows]
        if dates and name in dates:
            columns.append(np.array([v if v else "NaT" for v in values], dtype=f"datetime64[{dates[name]}]"))
        else:
            columns.append(np.array(values, dtype=object))
    kwargs = {"layer": layer} if layer else {}
    raw.write(path, np.array(geoms, dtype=object), columns, FIELDS, geometry_type="Polygon",
              crs=f"EPSG:{epsg}", driver=driver, **kwargs)


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def table_for(layer_file, layer=None, extra_layers=()):
    text = table(layers=(layer_file,) + tuple(extra_layers))
    if layer:
        text = text.replace(f"file: {layer_file}, kind: psap", f"file: {layer_file}, layer: {layer}, kind: psap")
    return text


# The ESRI WKT ArcGIS writes to a .prj (no AUTHORITY: only the parameters say the zone).
ARCGIS_PRJ = {
    "colorado-central-ftus": 'PROJCS["NAD_1983_StatePlane_Colorado_Central_FIPS_0502_Feet",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",3000000.000316083],PARAMETER["False_Northing",1000000.000316083],PARAMETER["Central_Meridian",-105.5],PARAMETER["Standard_Parallel_1",38.45],PARAMETER["Standard_Parallel_2",39.75],PARAMETER["Latitude_Of_Origin",37.83333333333334],UNIT["Foot_US",0.3048006096012192]]',
    "harn": 'GEOGCS["GCS_North_American_1983_HARN",DATUM["D_North_American_1983_HARN",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
    "2011": 'GEOGCS["GCS_NAD_1983_2011",DATUM["D_NAD_1983_2011",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
    "wgs84": 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]',
}


def shapefile_with_prj(path, prj, epsg):
    fresh(path)
    gdal_write(os.path.join(path, "psap.shp"), PAIR_ROWS, epsg, "ESRI Shapefile")
    with open(os.path.join(path, "psap.prj"), "w") as f:
        f.write(prj)
    with open(os.path.join(path, "table.yaml"), "w") as f:
        f.write(table_for("psap.shp"))


def projected_fixtures():
    # GDAL's own writing of each: .prj in ESRI WKT, gpkg_spatial_ref_sys by EPSG code,
    # GeoJSON's legacy `crs` member.
    for name, epsg, driver, ext in [
        ("ok-state-plane-shapefile", 2232, "ESRI Shapefile", "shp"),
        ("ok-state-plane-geopackage", 2232, "GPKG", "gpkg"),
        ("ok-utm-geojson", 26913, "GeoJSON", "geojson"),
        ("ok-web-mercator-geopackage", 3857, "GPKG", "gpkg"),
    ]:
        path = f"fixtures/boundary-format/{name}"
        fresh(path)
        layer = "PsapPolygon" if ext == "gpkg" else None
        gdal_write(os.path.join(path, f"psap.{ext}"), PAIR_ROWS, epsg, driver, layer=layer)
        with open(os.path.join(path, "table.yaml"), "w") as f:
            f.write(table_for(f"psap.{ext}", layer))
    # ArcGIS Pro's GeoPackage: the system under ESRI's own code, defined only by its WKT.
    path = "fixtures/boundary-format/ok-arcgis-geopackage-esri-code"
    fresh(path)
    gpkg = os.path.join(path, "psap.gpkg")
    gdal_write(gpkg, PAIR_ROWS, 2232, "GPKG", layer="PsapPolygon")
    db = sqlite3.connect(gpkg)
    db.execute("UPDATE gpkg_spatial_ref_sys SET organization = 'ESRI', organization_coordsys_id = 102654, "
               "srs_name = 'NAD_1983_StatePlane_Colorado_Central_FIPS_0502_Feet', definition = ? WHERE srs_id = 2232",
               (ARCGIS_PRJ["colorado-central-ftus"],))
    db.commit()
    db.close()
    with open(os.path.join(path, "table.yaml"), "w") as f:
        f.write(table_for("psap.gpkg", "PsapPolygon"))
    # ArcGIS's .prj texts over GDAL-written shapefiles.
    shapefile_with_prj("fixtures/boundary-format/ok-arcgis-state-plane-prj", ARCGIS_PRJ["colorado-central-ftus"], 2232)
    shapefile_with_prj("fixtures/boundary-format/ok-arcgis-nad83-harn-prj", ARCGIS_PRJ["harn"], 4152)
    shapefile_with_prj("fixtures/boundary-format/ok-arcgis-nad83-2011-prj", ARCGIS_PRJ["2011"], 6318)
    shapefile_with_prj("fixtures/boundary-format/ok-arcgis-wgs84-prj", ARCGIS_PRJ["wgs84"], 4326)
    # GDAL's own .prj for NAD83 (`GCS_North_American_1983`, datum `D_North_American_1983`).
    path = "fixtures/boundary-format/ok-gdal-nad83-shapefile"
    fresh(path)
    gdal_write(os.path.join(path, "psap.shp"), PAIR_ROWS, 4269, "ESRI Shapefile")
    with open(os.path.join(path, "table.yaml"), "w") as f:
        f.write(table_for("psap.shp"))


def gpkg_functions(db):
    """The ST_* functions GDAL's R-tree triggers call (QGIS and GDAL register their own)."""
    def geometry(blob):
        if blob is None:
            return None
        flags = blob[3]
        envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
        return shapely.from_wkb(bytes(blob[8 + envelope:]))

    db.create_function("ST_IsEmpty", 1, lambda b: 1 if b is None or geometry(b).is_empty else 0)
    for i, name in enumerate(["ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY"]):
        db.create_function(name, 1, lambda b, i=i: None if b is None else float(geometry(b).bounds[i]))


def wal_fixture():
    """QGIS's state after a crash: journal_mode=WAL, the saved edit (B's corrected ServiceURI)
    still in psap.gpkg-wal. Read without the WAL, B's boundary is unrouted."""
    path = "fixtures/boundary-unrouted/ok-geopackage-wal"
    fresh(path)
    work = os.path.join(path, "work")
    os.makedirs(work)
    gpkg = os.path.join(work, "psap.gpkg")
    rows = [PAIR_ROWS[0], (B_BOX, row("PsapB@example.gov", "sip:psap@old-b.example.gov"))]
    gdal_write(gpkg, rows, 4326, "GPKG", layer="PsapPolygon")
    db = sqlite3.connect(gpkg)
    gpkg_functions(db)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("UPDATE PsapPolygon SET ServiceURI = ? WHERE NGUID = 'PsapB@example.gov'", (B,))
    db.commit()
    # The crash: the files as they are while the editor still holds the database open.
    shutil.copyfile(gpkg, os.path.join(path, "psap.gpkg"))
    shutil.copyfile(gpkg + "-wal", os.path.join(path, "psap.gpkg-wal"))
    db.close()
    shutil.rmtree(work)
    with open(os.path.join(path, "table.yaml"), "w") as f:
        f.write(table_for("psap.gpkg", "PsapPolygon"))
    with open(os.path.join(path, "psap.gpkg"), "rb") as f:
        header = f.read(20)
    assert header[18:20] == b"\x02\x02", "the database must be left in WAL mode"
    assert os.path.getsize(os.path.join(path, "psap.gpkg-wal")) > 32, "the edit must be in the WAL"


def patch_dbf(path, field, record, text):
    """Overwrites one field of one record of a .dbf, as another writer would have written it."""
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        header_len = int.from_bytes(data[8:10], "little")
        record_len = int.from_bytes(data[10:12], "little")
        offset, at = 1, 32
        while data[at] != 0x0D:
            name = data[at:at + 11].rstrip(b"\0").decode()
            width = data[at + 16]
            if name == field:
                start = header_len + record * record_len + offset
                data[start:start + width] = text.encode().ljust(width)[:width]
                f.seek(0)
                f.write(data)
                return
            offset += width
            at += 32
    raise KeyError(field)


def date_fixtures():
    # GDAL: a DateTime field becomes text `2025/06/01 00:00:00`, a Date field a dBASE `D`;
    # ArcView and some exports write an empty `D` as `00000000`.
    path = "fixtures/boundary-attribute/ok-shapefile-dates"
    fresh(path)
    rows = [(A_BOX, row("PsapA@example.gov", A, DateUpdate="2025-06-01T00:00:00", Effective="2024-01-15")),
            (B_BOX, row("PsapB@example.gov", B, DateUpdate="2025-06-01T12:30:00", Effective="2024-01-15",
                        Expire="2030-01-01"))]
    shp = os.path.join(path, "psap.shp")
    gdal_write(shp, rows, 4269, "ESRI Shapefile", dates={"DateUpdate": "s", "Effective": "D", "Expire": "D"})
    patch_dbf(os.path.join(path, "psap.dbf"), "Effective", 1, "00000000")
    with open(os.path.join(path, "table.yaml"), "w") as f:
        f.write(table_for("psap.shp"))
    # A value that is no date in any writer's form: one feature's finding, not the layer's.
    path = "fixtures/boundary-attribute/trigger-shapefile-not-a-date"
    fresh(path)
    shp = os.path.join(path, "psap.shp")
    gdal_write(shp, rows, 4269, "ESRI Shapefile", dates={"DateUpdate": "s", "Effective": "D", "Expire": "D"})
    patch_dbf(os.path.join(path, "psap.dbf"), "Effective", 1, "2024ABCD")
    patch_dbf(os.path.join(path, "psap.dbf"), "DateUpdate", 0, "last tuesday")
    with open(os.path.join(path, "table.yaml"), "w") as f:
        f.write(table_for("psap.shp"))


def layer_name_fixtures():
    # A provisioning layer is present: a PSAP layer that is not read must not become a gap.
    for name, asked in [("trigger-layer-typo", "PSAPPolygons"), ("ok-layer-case", "psappolygon")]:
        path = f"fixtures/boundary-format/{name}"
        fresh(path)
        gpkg = os.path.join(path, "office.gpkg")
        gdal_write(gpkg, PAIR_ROWS, 4326, "GPKG", layer="PsapPolygon")
        prov = [(box(-105.0, 39.7, -104.8, 39.8), {**row("Provisioning-1@example.gov", ""), "ServiceURI": None})]
        gdal_write(gpkg, prov, 4326, "GPKG", layer="ProvisioningPolygon")
        text = table_for("office.gpkg", asked)
        text = text.replace("boundaries:\n", "boundaries:\n  - { file: office.gpkg, layer: ProvisioningPolygon, kind: provisioning }\n")
        with open(os.path.join(path, "table.yaml"), "w") as f:
            f.write(text)


def handover_and_no_service_fixtures():
    # NENA's annexation practice: the retired boundary expires the day the new one takes
    # effect (the fixtures are checked on 2026-01-01). No overlap, no gap on that day.
    write("fixtures/boundary-overlap/ok-handover-day", {
        "table.yaml": table(),
        "psap.geojson": collection(
            feature(1, A_BOX, "PsapA@example.gov", Expire="2026-01-01"),
            feature(3, box(-105.0, 39.7, -104.88, 39.8), "PsapA-2026@example.gov", Effective="2026-01-01"),
            feature(2, B_BOX, "PsapB@example.gov", uri=B, Expire="2026-01-01"),
            feature(4, box(-104.88, 39.7, -104.8, 39.8), "PsapB-2026@example.gov", uri=B, Effective="2026-01-01")),
    })
    # A feature without geometry: invalid-geometry, and no gap named after it.
    null = feature(3, A_BOX, "PsapC@example.gov")
    null["geometry"] = None
    write("fixtures/invalid-geometry/trigger-no-geometry", {
        "table.yaml": table(),
        "psap.geojson": collection(feature(1, A_BOX, "PsapA@example.gov"), feature(2, B_BOX, "PsapB@example.gov", uri=B), null),
    })
    # STA-010.3's area with no responder: B's area says urn:emergency:servicenotimplemented.
    no_service = "urn:emergency:servicenotimplemented"
    # b-911 answers only transferred calls there: it has no uri, so no boundary is owed it.
    b_without_uri = f'uri: "{B}", '
    write("fixtures/boundary-unrouted/ok-service-not-implemented", {
        "table.yaml": table(provisioning_layer=True, origins=[
            "  west: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.95 }, ingress: [r1, r2] }",
        ]).replace(b_without_uri, ""),
        "psap.geojson": collection(feature(1, A_BOX, "PsapA@example.gov"), feature(2, B_BOX, "NoService@example.gov", uri=no_service)),
        "provisioning.geojson": __import__("gis_fixtures").provisioning(box(-105.0, 39.7, -104.8, 39.8)),
    })
    write("fixtures/location-misroute/trigger-service-not-implemented", {
        "table.yaml": table().replace(b_without_uri, ""),
        "psap.geojson": collection(feature(1, A_BOX, "PsapA@example.gov"), feature(2, B_BOX, "NoService@example.gov", uri=no_service)),
    })


def service_layer_fixtures():
    """STA-006.3's generic ServiceBoundaryPolygon, read with `kind: service`: PSAP and police
    features in one layer (a police area across both PSAPs is no overlap)."""
    police = row("Police@example.gov", "sip:dispatch@police.example.gov",
                 ServiceURN="urn:emergency:service:responder.police")
    for name, extra_urn in [("boundary-overlap/ok-service-layer", None),
                            ("boundary-attribute/trigger-service-layer", "urn:emergency:service:animal_control")]:
        path = f"fixtures/{name}"
        fresh(path)
        rows = PAIR_ROWS + [(box(-104.95, 39.72, -104.85, 39.78), police)]
        if extra_urn:
            rows.append((box(-104.95, 39.72, -104.85, 39.78), row("Other@example.gov", "sip:x@example.gov",
                                                                   ServiceURN=extra_urn)))
        gdal_write(os.path.join(path, "office.gpkg"), rows, 4326, "GPKG", layer="ServiceBoundaryPolygon")
        text = table_for("office.gpkg", "ServiceBoundaryPolygon").replace("kind: psap", "kind: service")
        with open(os.path.join(path, "table.yaml"), "w") as f:
            f.write(text)


def reference_points():
    """pyproj's answers: for each system, points (x, y) in it and their longitude/latitude."""
    out = []
    for epsg in [2264, 6543, 32119, 3358, 2232, 2265, 2240, 2239, 2968, 2918, 26914, 32614, 26913, 3857]:
        crs = CRS.from_epsg(epsg)
        west, south, east, north = crs.area_of_use.bounds
        # Longitude/latitude on the system's own datum: NAD83 and its realisations are read
        # as WGS84 (SPEC §7: they differ by less than two metres), so no datum shift is asked.
        to = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)
        points = []
        for fx, fy in [(0.5, 0.5), (0.2, 0.3), (0.8, 0.7)]:
            lon, lat = west + (east - west) * fx, south + (north - south) * fy
            x, y = (round(v, 4) for v in to.transform(lon, lat))
            # The answer for the point as written (rounded to 0.1 mm or 0.1 mft).
            lon, lat = to.transform(x, y, direction="INVERSE")
            points.append([x, y, round(lon, 10), round(lat, 10)])
        out.append({"epsg": epsg, "name": crs.name, "esri_wkt": crs.to_wkt(version="WKT1_ESRI"), "points": points})
    os.makedirs("tests/data", exist_ok=True)
    with open("tests/data/reprojection.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def main():
    projected_fixtures()
    wal_fixture()
    date_fixtures()
    layer_name_fixtures()
    handover_and_no_service_fixtures()
    service_layer_fixtures()
    reference_points()


if __name__ == "__main__":
    main()
