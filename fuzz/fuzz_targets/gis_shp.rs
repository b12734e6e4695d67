//! Reading arbitrary bytes as a shapefile boundary layer (the input is split into the
//! .shp, .dbf and .prj at each `|SPLIT|`), then checking its polygons, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| psapguard::coverage::fuzz_layer("layer.shp", data));
