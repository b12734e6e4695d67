//! Reading arbitrary bytes as a GeoJSON boundary layer, then checking its polygons, never
//! panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| psapguard::coverage::fuzz_layer("layer.geojson", data));
