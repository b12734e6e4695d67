//! Reading arbitrary bytes as a NENA i3 policy document (bare, JWS or PolicyArray) never
//! panics, and every problem it reports has a position.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = psapguard::load::policy::read_document(0, data);
    for problem in file.problems.iter().chain(&file.variants) {
        assert!(problem.at.loc.line >= 1 && problem.at.loc.col >= 1);
    }
    for policy in &file.policies {
        let _ = policy.name();
    }
});
