//! Issue 24 items 6–10: what the report says is true — the red team's classes (each judged
//! against SPEC.md), waivers of GIS findings, root causes named, and diff's wording.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{rules_of, run};

/// `check --format json` of one table text (and its layer files), on a fixed date.
fn check_files(files: &[(&str, &str)]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let path = dir.path().join(files[0].0);
    let (code, out, err) = run(&[
        "check",
        path.to_str().unwrap(),
        "--format",
        "json",
        "--date",
        "2026-01-01",
    ]);
    assert_ne!(code, 2, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"))
}

fn check_yaml(yaml: &str) -> serde_json::Value {
    check_files(&[("t.yaml", yaml)])
}

fn of_rule<'a>(v: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn strings(v: &serde_json::Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
}

/// `diff OLD NEW` of two directories of files, in `format`, on a fixed date.
fn diff_dirs(old: &Path, new: &Path, format: &str) -> (i32, String) {
    let (code, out, err) = run(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        format,
        "--date",
        "2026-01-01",
    ]);
    assert_ne!(code, 2, "{err}");
    (code, out)
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

// ---- 24.7: the red team's classes ----

/// SPEC §1: "a number written as a string" is an ESN, single or a range.
#[test]
fn a_quoted_single_esn_is_that_esn() {
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active }\nrouters:\n  r1: { rules: [{ match: { esn: [\"105\", \"110-119\"] }, to: a }] }\norigins:\n  o1: { kind: esz, esn: 105, ingress: [r1] }\n  o2: { kind: esz, esn: 112, ingress: [r1] }\n",
    );
    assert!(of_rule(&v, "schema").is_empty(), "{v:#}");
    // Were "105" not ESN 105, o1's calls would match no rule (no default): a black hole.
    assert!(of_rule(&v, "black-hole").is_empty(), "{v:#}");
    assert!(of_rule(&v, "shadowed-rule").is_empty(), "{v:#}");
    // Not a number: still a schema finding.
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active }\nrouters:\n  r1: { rules: [{ match: { esn: [\"10five\"] }, to: a }], default: a }\norigins:\n  o1: { kind: esz, esn: 105, ingress: [r1] }\n",
    );
    assert_eq!(of_rule(&v, "schema").len(), 1, "{v:#}");
}

/// SPEC §2: county matching is full Unicode case folding — `Straße` is `STRASSE`, `ﬁ` is
/// `fi`, a final sigma is a sigma — in the rules and in the route classes alike.
#[test]
fn counties_match_under_full_case_folding() {
    use psapguard::model::fold_county;
    assert_eq!(fold_county("Straße"), fold_county("STRASSE"));
    assert_eq!(fold_county("ﬁeld"), fold_county("FIELD"));
    assert_eq!(fold_county("ΧΑΝΙΑΣ"), fold_county("χανιας"));
    assert_eq!(fold_county("Mayagüez"), fold_county("MAYAGÜEZ"));
    assert_ne!(fold_county("Sedgwick"), fold_county("Sedgewick"));
    // Each origin's calls match the county rule only under full folding; otherwise they take
    // the default to b, and b is not among the PSAP's counties (cross-jurisdiction).
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active, state: KS, counties: [STRASSE, FIELD, χανιας] }\n  b: { status: active, state: KS, counties: [Other] }\nrouters:\n  r1:\n    rules:\n      - { match: { county: [STRASSE, FIELD, χανιας] }, to: a }\n    default: b\norigins:\n  o1: { kind: esz, state: KS, county: Straße, ingress: [r1] }\n  o2: { kind: esz, state: KS, county: ﬁeld, ingress: [r1] }\n  o3: { kind: esz, state: KS, county: ΧΑΝΙΑΣ, ingress: [r1] }\n  o4: { kind: esz, state: KS, county: Other, ingress: [r1] }\n",
    );
    assert!(of_rule(&v, "cross-jurisdiction").is_empty(), "{v:#}");
    assert!(of_rule(&v, "unreachable-psap").is_empty(), "{v:#}");
}

/// SPEC §7 / RFC 3261: `ServiceURI` joins `uri` as a SIP URI — scheme and host fold, the
/// user part does not.
#[test]
fn service_uri_joins_as_a_sip_uri() {
    use psapguard::model::sip_key;
    assert_eq!(sip_key("SIP:psap@A.Example.GOV"), sip_key("sip:psap@a.example.gov"));
    assert_eq!(
        sip_key("sips:psap@A.gov:5061;transport=TLS"),
        "sips:psap@a.gov:5061;transport=TLS"
    );
    assert_ne!(sip_key("sip:PSAP@a.example.gov"), sip_key("sip:psap@a.example.gov"));
    assert_eq!(sip_key("sip:a.example.gov"), sip_key("sip:A.EXAMPLE.gov"));
    let joined = check_files(&[
        ("t.yaml", &gis_table("")),
        (
            "psap.geojson",
            &collection(&[
                feature(1, "A@x", "SIP:psap@A.Example.GOV", "Adams", SQUARE_A, None),
                feature(2, "B@x", "sip:psap@b.example.gov", "Baker", SQUARE_B, None),
            ]),
        ),
    ]);
    assert!(of_rule(&joined, "boundary-unrouted").is_empty(), "{joined:#}");
    let user_part = check_files(&[
        ("t.yaml", &gis_table("")),
        (
            "psap.geojson",
            &collection(&[
                feature(1, "A@x", "sip:PSAP@a.example.gov", "Adams", SQUARE_A, None),
                feature(2, "B@x", "sip:psap@b.example.gov", "Baker", SQUARE_B, None),
            ]),
        ),
    ]);
    assert_eq!(of_rule(&user_part, "boundary-unrouted").len(), 1, "{user_part:#}");
}

/// `positions: 4294967295` is refused by the schema at once, and the Erlang recurrence
/// stops when it can no longer change (a huge centre with little load is fast).
#[test]
fn absurd_positions_are_refused_and_the_estimate_is_bounded() {
    let start = Instant::now();
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active, positions: 4294967295 }\nrouters:\n  r1: { default: a }\norigins:\n  o1: { kind: esz, population: 100000, ingress: [r1] }\n",
    );
    let schema = of_rule(&v, "schema");
    assert_eq!(schema.len(), 1, "{v:#}");
    assert!(
        schema[0]["message"].as_str().unwrap().contains("at most 10000"),
        "{v:#}"
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    let start = Instant::now();
    let b = psapguard::capacity::erlang_b(u32::MAX, 12.0);
    assert_eq!(b, 0.0);
    assert!(psapguard::capacity::answered_within(u32::MAX, 12.0, 90.0, 15.0) > 0.999);
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    // The largest accepted centre still works.
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active, positions: 10000 }\nrouters:\n  r1: { default: a }\norigins:\n  o1: { kind: esz, population: 100000, ingress: [r1] }\n",
    );
    assert!(of_rule(&v, "schema").is_empty(), "{v:#}");
    assert!(
        !of_rule(&v, "single-point-of-failure").is_empty(),
        "routing was analysed: {v:#}"
    );
}

/// SPEC §2 step 5: a busy PSAP listed in its own `overflow` cannot take the call; the entry
/// is skipped (no loop) and the real overflow target takes it (it is reachable).
#[test]
fn a_busy_psap_in_its_own_overflow_is_no_loop() {
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active, overflow: [a, b] }\n  b: { status: active }\nrouters:\n  r1: { default: a }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n",
    );
    assert!(of_rule(&v, "routing-loop").is_empty(), "{v:#}");
    assert!(of_rule(&v, "unreachable-psap").is_empty(), "{v:#}");
    let (_, out, _) = {
        let dir = dir_with(&[(
            "t.yaml",
            "version: 1\npsaps:\n  a: { status: active, overflow: [a, b] }\n  b: { status: active }\nrouters:\n  r1: { default: a }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n",
        )]);
        run(&[
            "trace",
            "o1",
            dir.path().join("t.yaml").to_str().unwrap(),
            "--busy",
            "a",
        ])
    };
    assert!(out.contains("b"), "{out}");
    assert!(!out.to_lowercase().contains("loop"), "{out}");
}

/// Two waivers covering one finding (on one element, or on two of its entities): neither is
/// "unused".
#[test]
fn two_waivers_of_one_finding_are_both_used() {
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active }\nrouters:\n  r1:\n    default: a\n    waivers:\n      - { rule: single-point-of-failure, reason: trunks on order }\n      - { rule: single-point-of-failure, reason: second sign-off }\norigins:\n  o1: { kind: esz, ingress: [r1] }\npools:\n  p1: { kind: esrk, range: 3165550100-3165550199, psap: a, waivers: [{ rule: pool-overlap, reason: migration }] }\n  p2: { kind: esrk, range: 3165550150-3165550249, psap: a, waivers: [{ rule: pool-overlap, reason: migration }] }\n",
    );
    assert!(of_rule(&v, "unused-waiver").is_empty(), "{v:#}");
    assert!(of_rule(&v, "pool-overlap").iter().all(|f| f["waived"] == true), "{v:#}");
    let r1 = of_rule(&v, "single-point-of-failure");
    let r1 = r1.iter().find(|f| f["entities"][0] == "r1").unwrap();
    assert_eq!(r1["waived"], true, "{v:#}");
}

/// A loop marked `scenario: normal` lists only the origins that loop under normal
/// conditions; those caught in the same cycle only in a failure are a finding of their own,
/// marked with that failure.
#[test]
fn a_normal_loop_lists_only_origins_that_loop_normally() {
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active }\nrouters:\n  r1: { default: r2 }\n  r2: { default: r1 }\n  r3: { default: a }\norigins:\n  normal: { kind: esz, ingress: [r1] }\n  on-failure: { kind: esz, ingress: [r3, r1] }\n",
    );
    let loops = of_rule(&v, "routing-loop");
    assert_eq!(loops.len(), 2, "{v:#}");
    let normal = loops.iter().find(|f| f["scenario"] == "normal").unwrap();
    assert_eq!(strings(&normal["affected"]), vec!["normal"], "{v:#}");
    let failure = loops.iter().find(|f| f["scenario"] != "normal").unwrap();
    assert_eq!(failure["scenario"], "fail:r3");
    assert_eq!(strings(&failure["affected"]), vec!["on-failure"], "{v:#}");
}

/// A grouped `unknown-reference` lists every referrer: a second broken reference to the same
/// id is new to `diff`, and a waiver on one referrer leaves the others' finding open.
#[test]
fn unknown_reference_names_every_referrer() {
    let one = "version: 1\npsaps:\n  a: { status: active }\nrouters:\n  r1: { default: gone }\n  r2: { default: a }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n  o2: { kind: esz, ingress: [r2] }\n";
    let two = one.replace("r2: { default: a }", "r2: { default: gone }");
    let v = check_yaml(&two);
    let f = of_rule(&v, "unknown-reference");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(strings(&f[0]["entities"]), vec!["r1", "r2", "gone"], "{v:#}");
    let (old, new) = (dir_with(&[("t.yaml", one)]), dir_with(&[("t.yaml", &two)]));
    let (code, out) = diff_dirs(&old.path().join("t.yaml"), &new.path().join("t.yaml"), "json");
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = of_rule(&d, "unknown-reference");
    assert_eq!(f[0]["new"], true, "a second referrer is a new finding: {d:#}");
    assert_eq!(code, 1);
    let waived_one = two.replace(
        "r1: { default: gone }",
        "r1: { default: gone, waivers: [{ rule: unknown-reference, reason: being replaced }] }",
    );
    let v = check_yaml(&waived_one);
    let f = of_rule(&v, "unknown-reference");
    assert_eq!(f.len(), 2, "{v:#}");
    let open: Vec<_> = f.iter().filter(|f| f["waived"] == false).collect();
    assert_eq!(open.len(), 1, "{v:#}");
    assert_eq!(strings(&open[0]["entities"]), vec!["r2", "gone"], "{v:#}");
    assert_eq!(strings(&open[0]["affected"]), vec!["o2"], "{v:#}");
    assert!(of_rule(&v, "unused-waiver").is_empty(), "{v:#}");
}

// ---- 24.6: diff counts an origin once ----

/// An origin whose failover changes in two failures is one origin in "moves traffic of N".
#[test]
fn diff_counts_an_origin_once_over_its_scenarios() {
    let old = "version: 1\ndomains:\n  site: { kind: site }\npsaps:\n  a: { status: active, alternate: [b], domains: [site] }\n  b: { status: active }\n  c: { status: active }\nrouters:\n  r1: { default: a, domains: [site] }\n  r2: { default: a }\n  r3: { default: c }\norigins:\n  o1: { kind: esz, ingress: [r1, r2] }\n  o2: { kind: esz, ingress: [r3] }\n";
    let new = old.replace("alternate: [b]", "alternate: [c]");
    let (old, new) = (dir_with(&[("t.yaml", old)]), dir_with(&[("t.yaml", &new)]));
    let (_, json) = diff_dirs(&old.path().join("t.yaml"), &new.path().join("t.yaml"), "json");
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    let changes = d["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "one origin, two failures: {d:#}");
    assert!(changes.iter().all(|c| c["origin"] == "o1"));
    let (_, html) = diff_dirs(&old.path().join("t.yaml"), &new.path().join("t.yaml"), "html");
    assert!(
        html.contains("The change moves traffic of 1 origin (over all scenarios)."),
        "{html}"
    );
}

// ---- GIS: a small PSAP layer written beside the table ----

const SQUARE_A: [f64; 4] = [-105.0, 39.7, -104.9, 39.8];
const SQUARE_B: [f64; 4] = [-104.9, 39.7, -104.8, 39.8];

/// One NENA PSAP boundary feature: a square, with its `Expire` where given.
fn feature(id: u32, nguid: &str, uri: &str, name: &str, [x0, y0, x1, y1]: [f64; 4], expire: Option<&str>) -> String {
    let expire = expire.map_or("null".to_string(), |e| format!("\"{e}\""));
    format!(
        r#"{{"type":"Feature","id":{id},"properties":{{"DiscrpAgID":"state.example.gov","DateUpdate":"2025-06-01","Effective":null,"Expire":{expire},"NGUID":"{nguid}","Agency_ID":"example.gov","ServiceURI":"{uri}","ServiceURN":"urn:emergency:service:sos.psap","ServiceNum":"911","AVcard_URI":"https://example.gov/vcard","DsplayName":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
    )
}

fn collection(features: &[String]) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

/// Two PSAPs, a-911 and b-911, each located origin in its own square; `layer` is added to the
/// `boundaries:` entry (e.g. its waivers).
fn gis_table(layer: &str) -> String {
    format!(
        "version: 1\nboundaries:\n  - {{ file: psap.geojson, kind: psap{layer} }}\npsaps:\n  a-911: {{ uri: \"sip:psap@a.example.gov\", alternate: [b-911] }}\n  b-911: {{ uri: \"sip:psap@b.example.gov\", alternate: [a-911] }}\nrouters:\n  r1: {{ kind: esrp, mate: [r2], rules: [{{ match: {{ esn: [2] }}, to: b-911 }}], default: a-911 }}\n  r2: {{ kind: esrp, mate: [r1], rules: [{{ match: {{ esn: [2] }}, to: b-911 }}], default: a-911 }}\norigins:\n  west: {{ kind: esz, esn: 1, location: {{ lat: 39.75, lon: -104.95 }}, ingress: [r1, r2] }}\n  east: {{ kind: esz, esn: 2, location: {{ lat: 39.75, lon: -104.85 }}, ingress: [r1, r2] }}\n"
    )
}

/// B's square reaches 0.02° into A's: a boundary-overlap between the two features.
fn overlapping() -> String {
    collection(&[
        feature(1, "A@x", "sip:psap@a.example.gov", "Adams County ECC", SQUARE_A, None),
        feature(
            2,
            "B@x",
            "sip:psap@b.example.gov",
            "Baker County ECC",
            [-104.92, 39.7, -104.8, 39.8],
            None,
        ),
    ])
}

// ---- 24.8: GIS findings can be waived ----

/// SPEC §7: a PSAP's waiver covers the GIS findings about the boundaries whose ServiceURI is
/// its uri; without it the overlap fails the run.
#[test]
fn a_psaps_waiver_covers_findings_about_its_boundaries() {
    let open = check_files(&[("t.yaml", &gis_table("")), ("psap.geojson", &overlapping())]);
    let f = of_rule(&open, "boundary-overlap");
    assert_eq!(f.len(), 1, "{open:#}");
    assert_eq!(f[0]["waived"], false);
    let table = gis_table("").replace(
        "alternate: [a-911] }",
        "alternate: [a-911], waivers: [{ rule: boundary-overlap, reason: shared border agreed with Adams }] }",
    );
    let v = check_files(&[("t.yaml", &table), ("psap.geojson", &overlapping())]);
    let f = of_rule(&v, "boundary-overlap");
    assert_eq!(f[0]["waived"], true, "{v:#}");
    assert_eq!(f[0]["waiver"]["reason"], "shared border agreed with Adams");
    assert!(of_rule(&v, "unused-waiver").is_empty(), "{v:#}");
}

/// SPEC §7: a `boundaries:` entry's waivers name one feature by NGUID; one naming a feature
/// without a finding is unused; the schema takes `feature` there and nowhere else.
#[test]
fn a_layer_waiver_covers_one_feature() {
    let layer = ", waivers: [{ feature: \"B@x\", rule: boundary-overlap, reason: survey pending }]";
    let v = check_files(&[("t.yaml", &gis_table(layer)), ("psap.geojson", &overlapping())]);
    let f = of_rule(&v, "boundary-overlap");
    assert_eq!(f[0]["waived"], true, "{v:#}");
    assert!(of_rule(&v, "schema").is_empty(), "{v:#}");
    assert!(of_rule(&v, "unused-waiver").is_empty(), "{v:#}");
    // A waiver of a feature no finding is about is unused.
    let clean = collection(&[
        feature(1, "A@x", "sip:psap@a.example.gov", "Adams", SQUARE_A, None),
        feature(2, "B@x", "sip:psap@b.example.gov", "Baker", SQUARE_B, None),
    ]);
    let v = check_files(&[("t.yaml", &gis_table(layer)), ("psap.geojson", &clean)]);
    let unused = of_rule(&v, "unused-waiver");
    assert_eq!(unused.len(), 1, "{v:#}");
    assert_eq!(strings(&unused[0]["entities"]), vec!["B@x"]);
    // `feature` is required on a layer waiver, and unknown on an element's.
    let v = check_files(&[
        (
            "t.yaml",
            &gis_table(", waivers: [{ rule: boundary-overlap, reason: no feature }]"),
        ),
        ("psap.geojson", &clean),
    ]);
    assert_eq!(of_rule(&v, "schema").len(), 1, "{v:#}");
    let v = check_yaml(
        "version: 1\npsaps:\n  a: { status: active, waivers: [{ feature: X, rule: unreachable-psap, reason: r }] }\nrouters:\n  r1: { default: a }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n",
    );
    assert_eq!(of_rule(&v, "schema").len(), 1, "{v:#}");
    // A layer waiver naming no rule of psapguard is a schema finding too.
    let v = check_files(&[
        (
            "t.yaml",
            &gis_table(", waivers: [{ feature: \"B@x\", rule: boundary-overlapp, reason: typo }]"),
        ),
        ("psap.geojson", &clean),
    ]);
    let schema = of_rule(&v, "schema");
    assert_eq!(schema.len(), 1, "{v:#}");
    assert!(
        schema[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `boundary-overlap`")
    );
}

// ---- 24.9: root causes named ----

/// GIS messages name the PSAP and the DsplayName beside the NGUID.
#[test]
fn gis_findings_name_the_psap_and_its_display_name() {
    let v = check_files(&[("t.yaml", &gis_table("")), ("psap.geojson", &overlapping())]);
    let message = of_rule(&v, "boundary-overlap")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("A@x (PSAP a-911, \"Adams County ECC\")"), "{message}");
    assert!(message.contains("B@x (PSAP b-911, \"Baker County ECC\")"), "{message}");
}

/// A gap left by a boundary that expired names that boundary; so does the
/// psap-without-boundary of its PSAP.
#[test]
fn an_expired_boundary_is_named_as_the_cause() {
    let layer = collection(&[
        feature(1, "A@x", "sip:psap@a.example.gov", "Adams", SQUARE_A, None),
        feature(
            2,
            "B@x",
            "sip:psap@b.example.gov",
            "Baker",
            SQUARE_B,
            Some("2025-12-01"),
        ),
        feature(
            3,
            "C@x",
            "sip:psap@a.example.gov",
            "Adams east",
            [-104.8, 39.7, -104.7, 39.8],
            None,
        ),
    ]);
    // The provisioning boundary covers the three squares: B's, expired, is a gap inside it.
    let provisioning = collection(&[feature(
        9,
        "P@x",
        "sip:p@x",
        "State",
        [-105.0, 39.7, -104.7, 39.8],
        None,
    )]);
    let table = gis_table("").replace(
        "kind: psap }\n",
        "kind: psap }\n  - { file: prov.geojson, kind: provisioning }\n",
    );
    let v = check_files(&[
        ("t.yaml", &table),
        ("psap.geojson", &layer),
        ("prov.geojson", &provisioning),
    ]);
    let gap = of_rule(&v, "boundary-gap");
    assert_eq!(gap.len(), 1, "{v:#}");
    let message = gap[0]["message"].as_str().unwrap();
    assert!(
        message.contains("B@x (PSAP b-911, \"Baker\") covered it and expired on 2025-12-01"),
        "{message}"
    );
    let without = of_rule(&v, "psap-without-boundary");
    assert_eq!(without.len(), 1, "{v:#}");
    let message = without[0]["message"].as_str().unwrap();
    assert!(
        message.contains("(its boundary B@x expired on 2025-12-01)"),
        "{message}"
    );
}

/// A ServiceURI typo is one finding, boundary-unrouted, saying which PSAP it was meant for —
/// not a second, unlinked psap-without-boundary.
#[test]
fn a_service_uri_typo_is_one_finding_with_did_you_mean() {
    let layer = collection(&[
        feature(1, "A@x", "sip:psap@a.example.gov", "Adams", SQUARE_A, None),
        feature(2, "B@x", "sip:psap@b.exmaple.gov", "Baker", SQUARE_B, None),
    ]);
    let v = check_files(&[("t.yaml", &gis_table("")), ("psap.geojson", &layer)]);
    assert!(of_rule(&v, "psap-without-boundary").is_empty(), "{v:#}");
    let unrouted = of_rule(&v, "boundary-unrouted");
    assert_eq!(unrouted.len(), 1, "{v:#}");
    let message = unrouted[0]["message"].as_str().unwrap();
    assert!(
        message.contains("did you mean `sip:psap@b.example.gov`, the uri of b-911"),
        "{message}"
    );
    // A URI near no PSAP without a boundary: no suggestion, and the PSAP still reported.
    let layer = collection(&[
        feature(1, "A@x", "sip:psap@a.example.gov", "Adams", SQUARE_A, None),
        feature(2, "B@x", "sip:dispatch@elsewhere.example.org", "Baker", SQUARE_B, None),
    ]);
    let v = check_files(&[("t.yaml", &gis_table("")), ("psap.geojson", &layer)]);
    assert_eq!(of_rule(&v, "psap-without-boundary").len(), 1, "{v:#}");
    assert!(
        !of_rule(&v, "boundary-unrouted")[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean")
    );
}

// ---- 24.10: diff wording ----

/// A change only to a layer: the report never says "No origin's calls move" above the
/// boundary moves; blast-radius points at the edited feature and says where calls go.
#[test]
fn a_layer_edit_is_reported_as_a_layer_edit() {
    let old_layer = collection(&[
        feature(1, "A@x", "sip:psap@a.example.gov", "Adams", SQUARE_A, None),
        feature(2, "B@x", "sip:psap@b.example.gov", "Baker", SQUARE_B, None),
    ]);
    // A's boundary now takes B's square's west half, B's is cut back to the east half.
    let new_layer = collection(&[
        feature(
            1,
            "A@x",
            "sip:psap@a.example.gov",
            "Adams",
            [-105.0, 39.7, -104.84, 39.8],
            None,
        ),
        feature(
            2,
            "B@x",
            "sip:psap@b.example.gov",
            "Baker",
            [-104.84, 39.7, -104.8, 39.8],
            None,
        ),
    ]);
    let table = gis_table("");
    let old = dir_with(&[("t.yaml", &table), ("psap.geojson", &old_layer)]);
    let new = dir_with(&[("t.yaml", &table), ("psap.geojson", &new_layer)]);
    let (code, json) = diff_dirs(&old.path().join("t.yaml"), &new.path().join("t.yaml"), "json");
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(d["changes"].as_array().unwrap().len(), 0, "{d:#}");
    assert_eq!(d["boundary_changes"].as_array().unwrap().len(), 1, "{d:#}");
    let blast = of_rule(&d, "blast-radius");
    assert_eq!(blast.len(), 1, "{d:#}");
    let message = blast[0]["message"].as_str().unwrap();
    assert!(message.ends_with("into another PSAP's boundary"), "{message}");
    assert!(!message.contains("or to none"), "{message}");
    assert_eq!(blast[0]["location"]["feature"], "A@x", "{d:#}");
    assert!(blast[0]["location"].get("line").is_none(), "{d:#}");
    assert_eq!(code, 1);
    let (_, human) = diff_dirs(&old.path().join("t.yaml"), &new.path().join("t.yaml"), "human");
    assert!(!human.contains("No origin's calls move"), "{human}");
    assert!(
        human.contains("the boundary changes below move where located calls go"),
        "{human}"
    );
    let (_, markdown) = diff_dirs(&old.path().join("t.yaml"), &new.path().join("t.yaml"), "markdown");
    assert!(markdown.contains("**Moved traffic:** none by routing"), "{markdown}");
    assert_eq!(rules_of(&d).iter().filter(|r| **r == "blast-radius").count(), 1);
}

/// "to another PSAP or to none" only when some calls are lost and others moved.
#[test]
fn blast_radius_says_where_the_calls_go() {
    let old = "version: 1\npsaps:\n  a: { status: active }\n  b: { status: active }\nrouters:\n  r1: { default: a }\n  r2: { default: a }\norigins:\n  o1: { kind: esz, ingress: [r1] }\n  o2: { kind: esz, ingress: [r2] }\n  o3: { kind: esz, ingress: [r2] }\n";
    let cases = [
        (
            old.replace("r1: { default: a }", "r1: { default: b }"),
            "to another PSAP",
        ),
        (
            old.replace("r1: { default: a }", "r1: { rules: [{ match: { esn: [1] }, to: a }] }"),
            "to no PSAP (their calls are lost)",
        ),
        (
            old.replace("r1: { default: a }", "r1: { rules: [{ match: { esn: [1] }, to: a }] }")
                .replace("r2: { default: a }", "r2: { default: b }"),
            "to another PSAP or to none",
        ),
    ];
    for (new, whither) in cases {
        let (o, n) = (dir_with(&[("t.yaml", old)]), dir_with(&[("t.yaml", &new)]));
        let (_, json) = diff_dirs(&o.path().join("t.yaml"), &n.path().join("t.yaml"), "json");
        let d: serde_json::Value = serde_json::from_str(&json).unwrap();
        let blast = of_rule(&d, "blast-radius");
        let message = blast[0]["message"].as_str().unwrap();
        assert!(message.ends_with(whither), "{message}");
    }
}

/// A layer waiver the change adds is listed among the waivers the change adds, by feature.
#[test]
fn diff_lists_a_layer_waiver_the_change_adds() {
    let layer =
        ", waivers: [{ feature: \"B@x\", rule: boundary-overlap, reason: survey pending, expires: 2026-01-20 }]";
    let old = dir_with(&[("t.yaml", &gis_table("")), ("psap.geojson", &overlapping())]);
    let new = dir_with(&[("t.yaml", &gis_table(layer)), ("psap.geojson", &overlapping())]);
    let (_, json) = diff_dirs(&old.path().join("t.yaml"), &new.path().join("t.yaml"), "json");
    let d: serde_json::Value = serde_json::from_str(&json).unwrap();
    let added = d["added_waivers"].as_array().unwrap();
    assert_eq!(added.len(), 1, "{d:#}");
    assert_eq!(added[0]["element"], "B@x");
    assert_eq!(added[0]["rule"], "boundary-overlap");
    // It lapses within 30 days of the check date: the summary counts it.
    assert_eq!(d["summary"]["expiring_waivers"], 1, "{d:#}");
}
