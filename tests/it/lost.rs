//! `psapguard lost export|compare` (SPEC §10): the corpus parses as RFC 5222, the expected
//! answers are the layers', compare reports exactly the differences, hostile answers are
//! refused in bounded time.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const LOST: &str = "urn:ietf:params:xml:ns:lost1";
const GML: &str = "http://www.opengis.net/gml";
const DATE: &str = "2026-06-01";

/// RFC 5222's elements (§§8–13 and its RelaxNG schema) that a findService exchange uses.
const RFC5222_ELEMENTS: &[&str] = &[
    "findService",
    "location",
    "service",
    "path",
    "via",
    "findServiceResponse",
    "mapping",
    "displayName",
    "serviceBoundary",
    "serviceBoundaryReference",
    "uri",
    "serviceNumber",
    "locationUsed",
    "locationValidation",
    "warnings",
    "errors",
    "notFound",
    "serviceNotImplemented",
    "redirect",
];

fn psapguard(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("psapguard")
        .unwrap()
        .env_remove("NO_COLOR")
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `lost compare CORPUS RESPONSES` as JSON, on the tests' fixed date.
fn compare_json(corpus: &Path, responses: &Path) -> (i32, String, String) {
    psapguard(&[
        "lost",
        "compare",
        path_str(corpus),
        path_str(responses),
        "--date",
        DATE,
        "--format",
        "json",
    ])
}

/// The findings' messages of a JSON report.
fn messages_of(v: &serde_json::Value) -> Vec<&str> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The Kansas corpus, exported into a new temporary directory (the corpus is `dir/corpus`).
fn kansas_corpus(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let mut args = vec![
        "lost",
        "export",
        "examples/kansas",
        "--date",
        DATE,
        "--out",
        path_str(&corpus),
    ];
    args.extend(extra);
    let (code, out, err) = psapguard(&args);
    assert_eq!(code, 0, "{out}{err}");
    (dir, corpus)
}

/// The elements of a document: (namespace, local name, attributes, text), in order.
type Element = (String, String, Vec<(String, String)>, String);

fn elements(text: &str) -> Vec<Element> {
    let mut reader = NsReader::from_str(text);
    let mut out: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        let (ns, event) = reader.read_resolved_event().expect("well-formed XML");
        let ns = match ns {
            ResolveResult::Bound(n) => String::from_utf8(n.as_ref().to_vec()).unwrap(),
            ResolveResult::Unbound => String::new(),
            ResolveResult::Unknown(p) => panic!("unknown prefix {p:?}"),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .unwrap()
                                .into_owned(),
                        )
                    })
                    .collect();
                let name = String::from_utf8(e.local_name().as_ref().to_vec()).unwrap();
                out.push((ns, name, attrs, String::new()));
                if matches!(event, Event::Start(_)) {
                    open.push(out.len() - 1);
                }
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    out[i].3.push_str(&t.decode().unwrap());
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn attr<'a>(e: &'a Element, name: &str) -> Option<&'a str> {
    e.2.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn index_rows(corpus: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(corpus.join("index.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "name,location_id,lat,lon,request,expected,expected_uri,expected_source_id"
    );
    lines.map(|l| l.split(',').map(String::from).collect()).collect()
}

#[test]
fn the_kansas_example_checks_clean() {
    let (code, out, err) = psapguard(&["check", "examples/kansas", "--date", DATE, "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"], serde_json::json!([]), "{out}");
    assert!(v["summary"]["origins"].as_u64().unwrap() >= 16);
}

#[test]
fn the_kansas_export_parses_as_rfc_5222() {
    let (_dir, corpus) = kansas_corpus(&[]);
    let rows = index_rows(&corpus);
    let table = std::fs::read_to_string("examples/kansas/origins.yaml").unwrap();
    let located = table.matches("location:").count();
    assert_eq!(rows.len(), located, "one request per located origin");
    for row in &rows {
        let request = std::fs::read_to_string(corpus.join(&row[4])).unwrap();
        let expected = std::fs::read_to_string(corpus.join(&row[5])).unwrap();
        let req = elements(&request);
        for (ns, name, _, _) in &req {
            assert!(
                (ns == LOST && RFC5222_ELEMENTS.contains(&name.as_str()))
                    || (ns == GML && (name == "Point" || name == "pos")),
                "{ns} {name} in {request}"
            );
        }
        assert_eq!((req[0].0.as_str(), req[0].1.as_str()), (LOST, "findService"));
        assert_eq!(attr(&req[0], "recursive"), Some("true"));
        let location = req.iter().find(|e| e.1 == "location").unwrap();
        assert_eq!(attr(location, "profile"), Some("geodetic-2d"));
        assert_eq!(attr(location, "id"), Some(row[1].as_str()));
        let point = req.iter().find(|e| e.1 == "Point").unwrap();
        assert_eq!(attr(point, "srsName"), Some("urn:ogc:def:crs:EPSG::4326"));
        let pos: Vec<f64> = req
            .iter()
            .find(|e| e.1 == "pos")
            .unwrap()
            .3
            .split(' ')
            .map(|x| x.parse().unwrap())
            .collect();
        // Latitude first: Kansas lies between 37° and 40° north, 94° and 102° west.
        assert!(
            (36.9..40.1).contains(&pos[0]) && (-102.1..-94.5).contains(&pos[1]),
            "{pos:?}"
        );
        assert_eq!(pos, [row[2].parse::<f64>().unwrap(), row[3].parse::<f64>().unwrap()]);
        assert_eq!(
            req.iter().find(|e| e.1 == "service").unwrap().3,
            "urn:emergency:service:sos.psap"
        );

        let res = elements(&expected);
        for (ns, name, _, _) in &res {
            assert!(
                ns == LOST && RFC5222_ELEMENTS.contains(&name.as_str()),
                "{ns} {name} in {expected}"
            );
        }
        assert_eq!(res[0].1, "findServiceResponse", "Kansas has no gap: {expected}");
        let mappings: Vec<&Element> = res.iter().filter(|e| e.1 == "mapping").collect();
        assert_eq!(mappings.len(), 1, "one boundary holds each point");
        let m = mappings[0];
        assert_eq!(attr(m, "expires"), Some("NO-CACHE"), "no Expire in the layer");
        assert_eq!(attr(m, "sourceId"), Some(row[7].as_str()));
        assert!(attr(m, "source").is_some() && attr(m, "lastUpdated").is_some());
        assert_eq!(res.iter().find(|e| e.1 == "uri").unwrap().3, row[6]);
        assert_eq!(res.iter().find(|e| e.1 == "serviceNumber").unwrap().3, "911");
        assert_eq!(
            attr(res.iter().find(|e| e.1 == "locationUsed").unwrap(), "id"),
            Some(row[1].as_str())
        );
    }
    // The answers are the layers': an origin of Sedgwick County is answered by its PSAP.
    let sedgwick = rows.iter().find(|r| r[1] == "esz-100").unwrap();
    assert_eq!(sedgwick[6], "sip:sedgwick-911@sedgwick.ks.example.gov");
    assert_eq!(sedgwick[7], "urn:emergency:uid:gis:psap:20173:sedgwick.ks.example.gov");
    let request = std::fs::read_to_string(corpus.join(&sedgwick[4])).unwrap();
    insta::assert_snapshot!("kansas_request", request);
    let expected = std::fs::read_to_string(corpus.join(&sedgwick[5])).unwrap();
    insta::assert_snapshot!("kansas_expected", expected);
}

#[test]
fn a_grid_covers_the_provisioning_boundary() {
    let (_dir, corpus) = kansas_corpus(&["--grid", "25"]);
    let rows = index_rows(&corpus);
    let grid: Vec<_> = rows.iter().filter(|r| r[1].starts_with("grid@")).collect();
    // Eight counties, about 12,000 km²: a 25 km grid is a few dozen points inside them.
    assert!((15..60).contains(&grid.len()), "{}", grid.len());
    assert!(grid.iter().all(|r| r[6].starts_with("sip:")), "no gap in Kansas");
    let (code, out, err) = psapguard(&[
        "lost",
        "export",
        "examples/kansas",
        "--out",
        "/nonexistent/x",
        "--grid",
        "0.01",
    ]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(err, "psapguard: --grid must be at least 0.1 km\n");
}

#[test]
fn comparing_the_expectations_with_themselves_reports_nothing() {
    let (_dir, corpus) = kansas_corpus(&[]);
    let expected = corpus.join("expected");
    let (code, out, err) = psapguard(&[
        "lost",
        "compare",
        path_str(&corpus),
        path_str(&expected),
        "--date",
        DATE,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok: 0 errors"), "{out}");
}

/// A copy of the expected answers with one uri changed, one mapping missing and one
/// serviceNumber 912.
fn three_changes(corpus: &Path, responses: &Path) -> [String; 3] {
    std::fs::create_dir(responses).unwrap();
    let rows = index_rows(corpus);
    for row in &rows {
        std::fs::copy(corpus.join(&row[5]), responses.join(format!("{}.xml", row[0]))).unwrap();
    }
    let edit = |row: &Vec<String>, from: &str, to: &str| {
        let path = responses.join(format!("{}.xml", row[0]));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from));
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        row[1].clone()
    };
    let uri = edit(&rows[0], &rows[0][6], "sip:butler-911@butler.ks.example.gov");
    let text = std::fs::read_to_string(responses.join(format!("{}.xml", rows[1][0]))).unwrap();
    let (start, end) = (
        text.find("  <mapping").unwrap(),
        text.find("</mapping>\n").unwrap() + 11,
    );
    let missing = edit(&rows[1], &text[start..end], "");
    let number = edit(&rows[2], "<serviceNumber>911<", "<serviceNumber>912<");
    [uri, missing, number]
}

#[test]
fn one_changed_uri_one_missing_mapping_and_one_912_are_reported_and_nothing_else() {
    let (dir, corpus) = kansas_corpus(&[]);
    let responses = dir.path().join("responses");
    let [uri, missing, number] = three_changes(&corpus, &responses);
    let (code, out, err) = compare_json(&corpus, &responses);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3, "{out}");
    assert!(
        findings
            .iter()
            .all(|f| f["rule"] == "ecrf-mismatch" && f["severity"] == "error")
    );
    let of = |id: &str| {
        findings.iter().find(|f| f["entities"][0] == id).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        of(&uri).contains("gives uri sip:butler-911@butler.ks.example.gov; expected sip:"),
        "{out}"
    );
    assert!(of(&missing).contains("mapping missing: expected uri sip:"), "{out}");
    assert!(of(&number).contains("serviceNumber 912, not 911"), "{out}");
    let f = findings.iter().find(|f| f["entities"][0] == uri.as_str()).unwrap();
    assert!(f["location"]["lat"].as_f64().is_some(), "the point: {f:#}");

    // Human output with the point and a map link; every other format; exit codes as check.
    let dir_arg = |p: &Path| p.strip_prefix(dir.path()).unwrap().to_str().unwrap().to_string();
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("psapguard")
            .unwrap()
            .current_dir(dir.path())
            .args([
                "lost",
                "compare",
                &dir_arg(&corpus),
                &dir_arg(&responses),
                "--date",
                DATE,
            ])
            .args(args)
            .output()
            .unwrap();
        (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, human) = run(&[]);
    assert_eq!(code, 1);
    assert!(human.contains("https://www.openstreetmap.org/?mlat="), "{human}");
    insta::assert_snapshot!("compare_human", human);
    for format in ["sarif", "github", "junit", "markdown", "html"] {
        let (code, text) = run(&["--format", format]);
        assert_eq!(code, 1, "{format}");
        assert!(text.contains("ecrf-mismatch"), "{format}: {text}");
    }
    let (_, markdown) = run(&["--format", "markdown"]);
    insta::assert_snapshot!("compare_markdown", markdown);
    assert_eq!(run(&["--exit-zero"]).0, 0);
}

/// A small table: PSAP boundary A, a `servicenotimplemented` area N beside it and a gap
/// between them inside the provisioning boundary; one origin in each.
fn gap_and_no_responder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let feature = |id: u32, nguid: &str, uri: &str, w: f64, e: f64, expire: &str| {
        format!(
            r#"{{"type":"Feature","id":{id},"properties":{{"DiscrpAgID":"ks.example.gov","DateUpdate":"2025-06-01","Effective":null,"Expire":{expire},"NGUID":"{nguid}","Agency_ID":"ks.example.gov","ServiceURI":"{uri}","ServiceURN":"urn:emergency:service:sos.psap","ServiceNum":"911","AVcard_URI":"https://ks.example.gov/vcard","DsplayName":"{nguid} & co"}},"geometry":{{"type":"Polygon","coordinates":[[[{w},37.0],[{e},37.0],[{e},37.1],[{w},37.1],[{w},37.0]]]}}}}"#
        )
    };
    let psap = format!(
        r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
        feature(
            1,
            "A@ks.example.gov",
            "sip:a-911@ks.example.gov",
            -98.0,
            -97.9,
            r#""2030-01-01""#
        ),
        feature(
            2,
            "N@ks.example.gov",
            "urn:emergency:servicenotimplemented",
            -97.8,
            -97.7,
            "null"
        )
    );
    let provisioning = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{"DiscrpAgID":"ks.example.gov","DateUpdate":"2025-06-01","Effective":null,"Expire":null,"NGUID":"P@ks.example.gov"},"geometry":{"type":"Polygon","coordinates":[[[-98.0,37.0],[-97.7,37.0],[-97.7,37.1],[-98.0,37.1],[-98.0,37.0]]]}}]}"#;
    let table = "version: 1\nboundaries:\n  - { file: psap.geojson, kind: psap }\n  - { file: provisioning.geojson, kind: provisioning }\n\
        psaps:\n  a-911: { uri: \"sip:a-911@ks.example.gov\" }\n\
        routers:\n  r1: { kind: esrp, default: a-911 }\n\
        origins:\n  in-a: { kind: esz, location: { lat: 37.05, lon: -97.95 }, ingress: [r1] }\n  \
        in-gap: { kind: esz, location: { lat: 37.05, lon: -97.85 }, ingress: [r1] }\n  \
        in-n: { kind: esz, location: { lat: 37.05, lon: -97.75 }, ingress: [r1] }\n";
    std::fs::write(dir.path().join("psap.geojson"), psap).unwrap();
    std::fs::write(dir.path().join("provisioning.geojson"), provisioning).unwrap();
    std::fs::write(dir.path().join("table.yaml"), table).unwrap();
    dir
}

#[test]
fn a_gap_answers_not_found_and_an_area_without_responder_service_not_implemented() {
    let dir = gap_and_no_responder();
    let corpus = dir.path().join("corpus");
    let (code, out, err) = psapguard(&[
        "lost",
        "export",
        path_str(&dir.path().join("table.yaml")),
        "--date",
        DATE,
        "--out",
        path_str(&corpus),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("wrote 3 requests to "), "{out}");
    assert!(
        out.contains("(1 answered by a mapping, 1 notFound, 1 serviceNotImplemented;"),
        "{out}"
    );
    let read = |name: &str| std::fs::read_to_string(corpus.join("expected").join(name)).unwrap();
    let a = read("000001_in-a.xml");
    assert!(
        a.contains(r#"expires="2030-01-01T00:00:00Z""#),
        "Expire becomes expires: {a}"
    );
    assert!(
        a.contains("<displayName xml:lang=\"en\">A@ks.example.gov &amp; co</displayName>"),
        "{a}"
    );
    let gap = elements(&read("000002_in-gap.xml"));
    assert_eq!((gap[0].1.as_str(), gap[1].1.as_str()), ("errors", "notFound"));
    let n = elements(&read("000003_in-n.xml"));
    assert_eq!((n[0].1.as_str(), n[1].1.as_str()), ("errors", "serviceNotImplemented"));

    // An ECRF that answers the gap with A, and A past its expiry.
    let responses = dir.path().join("responses");
    std::fs::create_dir(&responses).unwrap();
    std::fs::write(responses.join("000001_in-a.xml"), a.replace("2030-01-01", "2026-01-01")).unwrap();
    std::fs::write(responses.join("000002_in-gap.xml"), a.replace("\"in-a\"", "\"in-gap\"")).unwrap();
    std::fs::copy(
        corpus.join("expected/000003_in-n.xml"),
        responses.join("000003_in-n.xml"),
    )
    .unwrap();
    let (code, out, _) = compare_json(&corpus, &responses);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages = messages_of(&v);
    assert_eq!(messages.len(), 2, "{out}");
    assert!(
        messages.iter().any(
            |m| m.starts_with("location in-a: mapping A@ks.example.gov expires 2026-01-01T00:00:00Z, already past")
        ),
        "{out}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with(
            "location in-gap: answered uri sip:a-911@ks.example.gov (sourceId A@ks.example.gov); expected notFound"
        )),
        "{out}"
    );
}

#[test]
fn missing_and_unpaired_answers_are_findings() {
    let (dir, corpus) = kansas_corpus(&[]);
    let responses = dir.path().join("responses");
    three_changes(&corpus, &responses);
    let rows = index_rows(&corpus);
    std::fs::remove_file(responses.join(format!("{}.xml", rows[3][0]))).unwrap();
    // Paired by locationUsed although the file name says nothing.
    std::fs::rename(
        responses.join(format!("{}.xml", rows[4][0])),
        responses.join("answer-of-esz.xml"),
    )
    .unwrap();
    std::fs::write(
        responses.join("stray.xml"),
        r#"<errors xmlns="urn:ietf:params:xml:ns:lost1"><notFound/></errors>"#,
    )
    .unwrap();
    let (code, out, _) = compare_json(&corpus, &responses);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages = messages_of(&v);
    assert_eq!(messages.len(), 5, "three changes, one missing, one stray: {out}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains(&format!("location {}: no answer captured", rows[3][1]))),
        "{out}"
    );
    assert!(messages.iter().any(|m| m.contains("pairs with no request")), "{out}");
}

#[test]
fn hostile_answers_are_refused_in_bounded_time() {
    let (dir, corpus) = kansas_corpus(&[]);
    let responses = dir.path().join("responses");
    std::fs::create_dir(&responses).unwrap();
    let rows = index_rows(&corpus);
    let file = |i: usize| responses.join(format!("{}.xml", rows[i][0]));
    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">{}]><findServiceResponse xmlns=\"{LOST}\">&lol9;</findServiceResponse>",
        (1..10)
            .map(|i| format!("<!ENTITY lol{i} \"{}\">", format!("&lol{};", i - 1).repeat(10)))
            .collect::<String>()
    );
    std::fs::write(file(0), laughs).unwrap();
    let deep = format!(
        "<findServiceResponse xmlns=\"{LOST}\">{}{}</findServiceResponse>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    std::fs::write(file(1), deep).unwrap();
    // A huge answer: refused by its size before it is read (sparse, costs no disk).
    std::fs::File::create(file(2)).unwrap().set_len(8 << 30).unwrap();
    std::fs::write(file(3), [0xff, 0xfe, 0x00, 0x01, 0x89, b'P', b'N', b'G']).unwrap();
    let namespaces: String = (0..10_000).map(|i| format!(" xmlns:p{i}=\"urn:x:{i}\"")).collect();
    std::fs::write(file(4), format!("<findServiceResponse xmlns=\"{LOST}\"{namespaces}/>")).unwrap();
    #[cfg(unix)]
    {
        let outside = dir.path().join("outside.xml");
        std::fs::copy(corpus.join(&rows[5][5]), &outside).unwrap();
        std::os::unix::fs::symlink(&outside, file(5)).unwrap();
        let fifo = std::ffi::CString::new(file(6).to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    }
    let started = std::time::Instant::now();
    let (code, out, err) = compare_json(&corpus, &responses);
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "bounded time");
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let message_of = |i: usize| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["entities"][0] == rows[i][1].as_str())
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(message_of(0).contains("has a DOCTYPE"), "{out}");
    assert!(message_of(1).contains("nests elements more than 32 deep"), "{out}");
    assert!(
        message_of(2).contains("psapguard reads LoST answers of at most 1024 KB"),
        "{out}"
    );
    assert!(message_of(3).contains("is not UTF-8 text"), "{out}");
    assert!(message_of(4).contains("declares more than 64 namespaces"), "{out}");
    #[cfg(unix)]
    {
        assert!(
            message_of(5).contains("is a link to a place outside its directory"),
            "{out}"
        );
        assert!(message_of(6).contains("not a regular file"), "{out}");
    }
    assert!(
        !out.contains("lol9") && !out.contains("PNG"),
        "refused content is not shown"
    );
}

#[test]
fn export_writes_only_a_new_or_empty_directory_and_refuses_links() {
    let dir = tempfile::tempdir().unwrap();
    let busy = dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("keep.txt"), "mine").unwrap();
    let (code, _, err) = psapguard(&["lost", "export", "examples/kansas", "--out", path_str(&busy)]);
    assert_eq!(code, 2);
    assert!(
        err.ends_with("is not empty; give a new directory or an empty one (an export never overwrites)\n"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&busy).unwrap().count(), 1, "nothing written");
    #[cfg(unix)]
    {
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&empty, &link).unwrap();
        let (code, _, err) = psapguard(&["lost", "export", "examples/kansas", "--out", path_str(&link)]);
        assert_eq!(code, 2);
        assert!(err.contains("is a link; give a new directory or an empty one"), "{err}");
        assert_eq!(
            std::fs::read_dir(&empty).unwrap().count(),
            0,
            "nothing written through the link"
        );
    }
    let (code, _, err) = psapguard(&[
        "lost",
        "export",
        "fixtures/black-hole/ok.yaml",
        "--out",
        path_str(&dir.path().join("n")),
    ]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
    assert!(err.contains("names no PSAP boundary layer"), "{err}");
    let (code, _, err) = psapguard(&["lost", "compare", "examples/kansas", "examples/kansas"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is not a LoST corpus written by `psapguard lost export`"),
        "{err}"
    );
}
