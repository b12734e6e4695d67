#!/bin/sh
# Regenerates the Kansas example (examples/kansas/: the table and gis/kansas.gpkg) from the
# public data in data/ (provenance: data/README.md). Deterministic; commit what it writes.
# Run from the repository root.
set -eu
cargo run --locked --example kansas_gis -- data examples/kansas
cargo run --locked -- check examples/kansas
