//! Reading arbitrary bytes as a GeoPackage boundary layer, then checking its polygons,
//! never panics and ends (the reader's step budget bounds a crafted database).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| psapguard::coverage::fuzz_layer("layer.gpkg", data));
