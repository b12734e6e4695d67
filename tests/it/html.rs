//! The HTML report (`--format html`): self-contained, escaped, and — when a browser is
//! installed — opened in headless Chromium, whose DOM must show the findings, the graph and
//! the map with no script error. `.ci/run` installs Chromium and sets
//! PSAPGUARD_REQUIRE_BROWSER, so there the browser tests cannot skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

fn psapguard(args: &[&str]) -> (i32, String) {
    let out = assert_cmd::Command::cargo_bin("psapguard")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

/// Nothing the page loads comes from elsewhere: no script or style files, no images by
/// address, a policy that forbids them; links to OpenStreetMap are only links.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..100.min(html.len())]);
    for banned in ["<script src", "<link", "<img", "<iframe", "@import", "url("] {
        assert!(!html.contains(banned), "the page loads `{banned}`");
    }
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
}

#[test]
fn the_denver_report_has_the_verdict_the_graph_and_the_map() {
    let (code, html) = psapguard(&["check", "examples/denver", "--format", "html"]);
    assert_eq!(code, 0);
    assert_self_contained(&html);
    assert!(html.contains("data-verdict=\"pass\""));
    assert!(html.contains("aria-label=\"routing graph\""));
    assert!(
        html.contains("Denver Combined Communications"),
        "PSAP names label the graph"
    );
    assert!(html.contains("aria-label=\"boundary map\""));
    assert_eq!(
        html.matches("<path class=\"area\"").count(),
        7,
        "the 7 county boundaries"
    );
}

#[test]
fn a_failing_table_shows_its_findings_with_code_and_the_ranking() {
    let (code, html) = psapguard(&["check", "fixtures/single-point-of-failure", "--format", "html"]);
    assert_eq!(code, 1);
    assert!(html.contains("data-verdict=\"fail\""));
    assert!(html.contains("data-rule=\"single-point-of-failure\""));
    assert!(html.contains("<pre class=\"code\">"), "a code excerpt");
    assert!(html.contains("<span class=\"hit\">"), "the finding's line marked");
    assert!(html.contains("aria-label=\"failure ranking\""));
    assert!(
        html.contains("metro-power"),
        "the failure that cuts most is named in the chart"
    );
}

#[test]
fn a_diff_report_shows_what_the_change_does() {
    let dir = common::denver_with("network.yaml", |t| {
        t.replacen("        to: broomfield-pd", "        to: westminster-911", 1)
    });
    let (code, html) = psapguard(&[
        "diff",
        "examples/denver",
        dir.path().to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert_eq!(code, 1);
    assert_self_contained(&html);
    assert!(html.contains("<section id=\"change\"><h2>What the change does</h2>"));
    assert!(
        html.contains("<tr><td><code>broomfield-pd</code></td><td><code>westminster-911</code></td>"),
        "the moved traffic, before and after"
    );
    assert!(
        html.contains("data-rule=\"failover-misroute\""),
        "the mates now route apart"
    );
}

/// Where two mated routers route apart, the graph marks the calls only one of them sends
/// to a PSAP: esrp-den's ESNs 400-409 to jeffco-so, esrp-cos's to douglas-so.
#[test]
fn the_graph_marks_a_route_only_one_mate_has() {
    let (_, html) = psapguard(&["check", "fixtures/failover-misroute/trigger.yaml", "--format", "html"]);
    assert_eq!(html.matches("class=\"edge differs\"").count(), 2);
    let (_, html) = psapguard(&[
        "check",
        "fixtures/failover-misroute/ok-mates-agree.yaml",
        "--format",
        "html",
    ]);
    assert!(!html.contains("edge differs"));
}

#[test]
fn gaps_and_misrouted_origins_are_on_the_map() {
    let (code, html) = psapguard(&["check", "fixtures/boundary-gap/trigger", "--format", "html"]);
    assert_eq!(code, 1);
    assert!(html.contains("<circle class=\"gap\""));
    let (code, html) = psapguard(&["check", "fixtures/location-misroute/trigger", "--format", "html"]);
    assert_eq!(code, 1);
    assert!(html.contains("<circle class=\"misroute\""));
}

#[test]
fn table_text_cannot_reach_the_page_as_markup() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.yaml");
    std::fs::write(
        &table,
        "version: 1\nname: \"<script>alert(1)</script>\"\npsaps:\n  p1: { name: \"<img src=x onerror=alert(2)>\" }\n\
routers:\n  r1: { rules: [], default: p1 }\norigins:\n  o1: { kind: wireline, ingress: [r1], population: 10 }\n",
    )
    .unwrap();
    let (_, html) = psapguard(&["check", table.to_str().unwrap(), "--format", "html"]);
    assert!(!html.contains("<script>alert"), "the name is escaped");
    assert!(!html.contains("<img src=x"), "the PSAP name is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn simulate_all_single_draws_the_ranking_and_html_needs_it() {
    let (code, html) = psapguard(&[
        "simulate",
        "--all-single",
        "fixtures/single-point-of-failure",
        "--format",
        "html",
    ]);
    assert_eq!(code, 0);
    assert!(html.contains("aria-label=\"failure ranking\""));
    let (code, _) = psapguard(&[
        "simulate",
        "--fail",
        "metro-power",
        "fixtures/single-point-of-failure",
        "--format",
        "html",
    ]);
    assert_eq!(code, 2);
}

// ---- in a real browser --------------------------------------------------------------------

fn browser() -> Option<PathBuf> {
    let found = std::env::var_os("PSAPGUARD_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "/usr/bin/chromium",
                "/usr/bin/chromium-browser",
                "/usr/bin/google-chrome",
            ]
            .map(PathBuf::from),
        )
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("PSAPGUARD_REQUIRE_BROWSER").is_none(),
            "PSAPGUARD_REQUIRE_BROWSER is set but no Chromium is installed"
        );
        eprintln!("skipped: no Chromium installed (apt-get install chromium) to open the HTML reports");
    }
    found
}

/// Opens a page headless and returns its DOM after the scripts ran, and what the browser
/// logged from the page's console.
fn open(browser: &Path, page: &Path, screenshot: Option<&Path>, height: u32) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--hide-scrollbars",
    ])
    .arg(format!("--window-size=1280,{height}"))
    .arg(format!("--user-data-dir={}", profile.path().display()));
    match screenshot {
        Some(png) => cmd.arg(format!("--screenshot={}", png.display())),
        None => cmd.arg("--dump-dom"),
    };
    let out = cmd.arg(format!("file://{}", page.display())).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .collect::<Vec<_>>()
        .join("\n");
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// `screenshot`: a file under docs/ and the height of the window it shows.
fn check_in_browser(browser: &Path, html: &str, expect: &str, screenshot: Option<(&str, u32)>) {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html).unwrap();
    let (dom, console) = open(browser, &page, None, 2400);
    assert!(
        dom.contains(&format!("data-rendered=\"{expect}\"")),
        "rendered: {}",
        &dom[..dom.len().min(400)]
    );
    assert!(!dom.contains("data-errors"), "script errors in the page");
    assert!(console.is_empty(), "the console: {console}");
    if let Some((name, height)) = screenshot {
        let png = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(name);
        if std::env::var_os("PSAPGUARD_SCREENSHOTS").is_some() {
            open(browser, &page, Some(&png), height);
        }
        assert!(png.exists(), "docs/{name} is missing: run with PSAPGUARD_SCREENSHOTS=1");
    }
}

#[test]
fn the_denver_report_opens_in_a_browser() {
    let Some(browser) = browser() else { return };
    let (_, html) = psapguard(&["check", "examples/denver", "--format", "html"]);
    check_in_browser(
        &browser,
        &html,
        "0 findings graph map",
        Some(("report-denver.png", 2600)),
    );
    let (_, ranking) = psapguard(&["simulate", "--all-single", "examples/denver", "--format", "html"]);
    check_in_browser(
        &browser,
        &ranking,
        "0 findings graph map",
        Some(("simulate-denver.png", 2400)),
    );
    let (_, html) = psapguard(&["check", "fixtures/single-point-of-failure", "--format", "html"]);
    let findings = html.matches("<article class=\"finding").count();
    assert!(findings >= 2);
    check_in_browser(&browser, &html, &format!("{findings} findings graph "), None);
}

#[test]
fn the_kansas_report_opens_in_a_browser() {
    let Some(browser) = browser() else { return };
    let (code, html) = psapguard(&["check", "examples/kansas", "--format", "html"]);
    assert_eq!(code, 0);
    check_in_browser(
        &browser,
        &html,
        "0 findings graph map",
        Some(("report-kansas.png", 2600)),
    );
    let (_, ranking) = psapguard(&["simulate", "--all-single", "examples/kansas", "--format", "html"]);
    check_in_browser(
        &browser,
        &ranking,
        "0 findings graph map",
        Some(("simulate-kansas.png", 2400)),
    );
}

#[test]
fn a_national_report_opens_in_a_browser_and_stays_small() {
    let national = tempfile::tempdir().unwrap();
    common::generate_table(national.path(), 15, &["--gis"]);
    let (code, html) = psapguard(&["check", national.path().to_str().unwrap(), "--format", "html"]);
    assert_eq!(code, 1);
    assert_self_contained(&html);
    assert!(html.len() < 20_000_000, "{} bytes", html.len());
    assert!(html.contains("more</text>"), "the graph caps its columns");
    assert!(
        html.matches("<path class=\"area\"").count() > 3_000,
        "every county boundary"
    );
    let Some(browser) = browser() else { return };
    let findings = html.matches("<article class=\"finding").count();
    // `#failure=1` picks the worst failure: the areas whose calls it cuts off are shaded.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.html"), &html).unwrap();
    let (dom, _) = open(&browser, &dir.path().join("r.html#failure=1"), None, 2400);
    assert!(
        dom.contains("class=\"area lost\""),
        "the chosen failure shades its areas"
    );
    let (dom, _) = open(&browser, &dir.path().join("r.html"), None, 2400);
    assert!(
        !dom.contains("class=\"area lost\""),
        "no failure chosen, nothing shaded"
    );
    // Alaska, Hawaii and the territories go to insets: the contiguous states fill the width
    // of the main frame (they had less than half of it beside the Aleutians).
    assert!(html.matches("<rect class=\"inset\"").count() >= 2, "insets");
    let filled = measure(
        &browser,
        &html,
        "var vb=document.querySelector('#map svg').viewBox.baseVal;var x0=1e9,x1=-1e9;\
document.querySelectorAll('#map .area').forEach(function(p){if(/^(ak|hi|pr|gu|vi|as|mp)-/.test(p.dataset.psap))return;\
var b=p.getBBox();x0=Math.min(x0,b.x);x1=Math.max(x1,b.x+b.width);});return String((x1-x0)/vb.width);",
    );
    assert!(
        filled.parse::<f64>().unwrap() > 0.9,
        "the contiguous states fill {filled} of the width"
    );
    let shot = Some(("report-national.png", 5600));
    check_in_browser(&browser, &html, &format!("{findings} findings graph map"), shot);
    // The other pages on the same table: what one failure takes down, and a change.
    let table = national.path().to_str().unwrap();
    let (_, ranking) = psapguard(&["simulate", "--all-single", table, "--format", "html"]);
    check_in_browser(
        &browser,
        &ranking,
        "0 findings graph map",
        Some(("simulate-national.png", 4000)),
    );
    let changed = tempfile::tempdir().unwrap();
    common::copy_tree(national.path(), changed.path());
    let co = changed.path().join("co.yaml");
    let text = std::fs::read_to_string(&co).unwrap();
    let edited = text.replacen(
        "        to: co-grand-county-sheriffs-office",
        "        to: co-loveland-police-department",
        1,
    );
    assert_ne!(
        edited, text,
        "the generated Colorado table has changed: pick another edit"
    );
    std::fs::write(&co, edited).unwrap();
    let (_, diff) = psapguard(&["diff", table, changed.path().to_str().unwrap(), "--format", "html"]);
    let findings = diff.matches("<article class=\"finding").count();
    check_in_browser(
        &browser,
        &diff,
        &format!("{findings} findings graph map"),
        Some(("diff-national.png", 4000)),
    );
}

/// Two PSAP areas (the location-misroute fixture's): r1 carries one of a-911's two located
/// origins and one located in b-911's area that reaches a-911. When r1 fails the map shades
/// where those calls come from — half of each area — not a-911's whole boundary.
fn cut_off_table() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "fixtures/location-misroute/trigger/psap.geojson",
        dir.path().join("psap.geojson"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("table.yaml"),
        "version: 1
boundaries:
  - { file: psap.geojson, kind: psap }
psaps:
  a-911: { uri: \"sip:psap@a.example.gov\", positions: 10, alternate: [b-911] }
  b-911: { uri: \"sip:psap@b.example.gov\", positions: 10, alternate: [a-911] }
routers:
  r1: { kind: esrp, default: a-911 }
  r2: { kind: esrp, rules: [{ match: { esn: [2] }, to: b-911 }], default: a-911 }
origins:
  west-1: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.97 }, ingress: [r1] }
  west-2: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.93 }, ingress: [r2] }
  east-1: { kind: esz, esn: 2, population: 3000, location: { lat: 39.75, lon: -104.87 }, ingress: [r2] }
  east-2: { kind: esz, esn: 1, population: 1000, location: { lat: 39.75, lon: -104.83 }, ingress: [r1] }
  nowhere: { kind: esz, esn: 1, population: 10, ingress: [r1] }
",
    )
    .unwrap();
    dir
}

#[test]
fn the_failure_map_shades_where_the_cut_off_calls_come_from() {
    let dir = cut_off_table();
    let (_, html) = psapguard(&["check", dir.path().to_str().unwrap(), "--format", "html"]);
    // r2 cuts off 4,000, r1 2,010: r1 is the second failure. Shape 0 is a-911's area (half
    // of its located population cut off), shape 1 b-911's (a quarter).
    assert!(
        html.contains("<option value=\"2\" data-areas=\"0:2 1:1\">r1 (3 origins, 1 with no location)</option>"),
        "{}",
        &html[html.find("<select").unwrap()..][..600]
    );
    assert_eq!(html.matches("<g class=\"cut\" data-failure=\"2\"><circle").count(), 1);
    let Some(browser) = browser() else { return };
    let page = dir.path().join("r.html");
    std::fs::write(&page, &html).unwrap();
    let (dom, _) = open(&browser, &dir.path().join("r.html#failure=2"), None, 2400);
    for shape in [0, 1] {
        assert!(
            dom.contains(&format!("class=\"area lost\" data-shape=\"{shape}\"")),
            "area {shape} is shaded"
        );
    }
    assert!(dom.contains("data-share=\"2\""), "a-911's area: half");
    assert!(dom.contains("data-share=\"1\""), "b-911's area: a quarter");
    assert!(
        dom.contains("class=\"cut shown\" data-failure=\"2\""),
        "the dots are shown"
    );
    let (dom, _) = open(&browser, &page, None, 2400);
    assert!(
        !dom.contains("area lost") && !dom.contains("cut shown"),
        "no failure chosen"
    );
}

/// A finding on the page says what the human report says beside it: the scenario it happens
/// in and the origins it hits; the verdict says the GIS was read.
#[test]
fn findings_name_their_scenario_and_affected_origins_and_the_summary_the_gis() {
    let (_, html) = psapguard(&["check", "fixtures/failover-misroute/trigger.yaml", "--format", "html"]);
    assert!(
        html.contains(
            "<p class=\"scenario\">scenario: fail:site-den</p><p class=\"affected\">affected: 2 origins, population 20,000: esz-401, esz-402</p>"
        ),
        "{html}"
    );
    let (_, html) = psapguard(&["check", "examples/denver", "--format", "html"]);
    assert!(
        html.contains("47 origins, 18 PSAPs, 4 routers, 2 boundary layers (8 boundaries)</p>"),
        "the verdict says the boundary layers were read"
    );
    let (_, text) = psapguard(&["check", "examples/denver", "--format", "markdown"]);
    assert!(
        text.contains("4 routers, 2 boundary layers (8 boundaries) checked"),
        "{text}"
    );
}

/// Opens `html` with a script of the test's appended, whose result (a string) the DOM keeps in
/// `data-measure`: what the browser laid out, measured.
fn measure(browser: &Path, html: &str, script: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("m.html");
    let html = html.replace(
        "</body>",
        &format!("<script>document.body.dataset.measure=(function(){{{script}}})();</script></body>"),
    );
    std::fs::write(&page, html).unwrap();
    let (dom, console) = open(browser, &page, None, 2400);
    assert!(console.is_empty(), "the console: {console}");
    let at = dom.find("data-measure=\"").expect("the script ran") + "data-measure=\"".len();
    dom[at..][..dom[at..].find('"').unwrap()].replace("&amp;", "&")
}

/// Every text of a graph box inside its box, every edge inside the picture: "" or what sticks
/// out.
const OVERFLOW: &str = "var bad=[];var svg=document.querySelector('#graph svg');var vb=svg.viewBox.baseVal;\
document.querySelectorAll('#graph .node').forEach(function(g){var r=g.querySelector('rect').getBBox();\
g.querySelectorAll('text').forEach(function(t){var b=t.getBBox();if(b.x+b.width>r.x+r.width-2||b.y+b.height>r.y+r.height+1)bad.push('text '+t.textContent);});});\
document.querySelectorAll('#graph .edge').forEach(function(p){var b=p.getBBox();if(b.x+b.width>vb.x+vb.width+0.5)bad.push('edge '+p.textContent);});\
return bad.join('; ');";

#[test]
fn long_names_wrap_arcs_stay_in_the_picture_and_decommissioned_psaps_look_inactive() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.yaml");
    std::fs::write(
        &table,
        "version: 1
psaps:
  westminster-911: { name: \"Westminster Police And Fire Department Emergency Communications And Regional Dispatch Center\", alternate: [erie-pd, thornton-911] }
  thornton-911: { name: \"Thornton\", alternate: [westminster-911] }
  erie-pd: { name: \"Erie Police Department\", status: decommissioned }
routers:
  r1: { default: westminster-911 }
origins:
  o1: { kind: esz, county: Adams, state: CO, ingress: [r1], population: 10 }
",
    )
    .unwrap();
    let (_, html) = psapguard(&["check", table.to_str().unwrap(), "--format", "html"]);
    assert!(
        html.contains("<g class=\"node psap inactive\">"),
        "the decommissioned PSAP"
    );
    assert!(html.contains(">erie-pd · decommissioned</text>"));
    let Some(browser) = browser() else { return };
    assert_eq!(measure(&browser, &html, OVERFLOW), "", "sticks out of the graph");
    let dashed = measure(
        &browser,
        &html,
        "return getComputedStyle(document.querySelector('.node.inactive rect')).strokeDasharray;",
    );
    assert_ne!(dashed, "none", "an inactive PSAP's box is dashed");
}

/// The map names the PSAP areas, draws an overlap as an area with a ring around it (not a
/// 4-pixel dot), and draws invalid geometry and reaches outside the provisioning boundary.
#[test]
fn the_map_labels_areas_and_draws_every_geographic_finding() {
    let (_, html) = psapguard(&["check", "examples/denver", "--format", "html"]);
    assert!(html.contains("<text class=\"label\""), "areas are labelled");
    assert!(
        html.contains(">Denver Combined Communications</text>"),
        "by the PSAP's name"
    );
    let (_, overlap) = psapguard(&["check", "fixtures/boundary-overlap/trigger", "--format", "html"]);
    assert!(
        overlap.contains("<path class=\"overlap\" d=\"M"),
        "the shared area drawn"
    );
    let (_, invalid) = psapguard(&["check", "fixtures/invalid-geometry/trigger", "--format", "html"]);
    assert!(invalid.contains("<path class=\"invalid\" d=\"M"));
    assert!(invalid.contains("<circle class=\"invalid mark\""));
    let (_, outside) = psapguard(&[
        "check",
        "fixtures/boundary-outside-provisioning/trigger",
        "--format",
        "html",
    ]);
    assert!(
        outside.contains("<path class=\"outside\" d=\"M"),
        "the part outside drawn"
    );
    let Some(browser) = browser() else { return };
    // On the screen: the overlap's ring is at least 12 pixels wide, whatever the overlap's size.
    let ring = measure(
        &browser,
        &overlap,
        "var r=document.querySelector('circle.overlap.mark').getBoundingClientRect();return String(Math.round(r.width));",
    );
    assert!(ring.parse::<u32>().unwrap() >= 12, "{ring} px");
    let labels = measure(
        &browser,
        &html,
        "return String(document.querySelectorAll('#map text.label').length);",
    );
    assert!(labels.parse::<u32>().unwrap() >= 5, "{labels} labels");
}

/// The diff page's boundary changes keep their lines: no literal `\n` on the page.
#[test]
fn the_diff_page_shows_lines_not_backslash_n() {
    let (old, new) = common::denver_boundary_move();
    let (_, html) = psapguard(&[
        "diff",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert!(
        html.contains("<h3>Boundary changes</h3><pre class=\"code\">PSAP boundaries: 0 added, 0 removed, 1 changed\n")
    );
    let Some(browser) = browser() else { return };
    let text = measure(
        &browser,
        &html,
        "return String(document.querySelector('main').innerText.indexOf('\\\\n'));",
    );
    assert_eq!(text, "-1", "a literal \\n on the page");
    let findings = html.matches("<article class=\"finding").count();
    check_in_browser(
        &browser,
        &html,
        &format!("{findings} findings graph map"),
        Some(("diff-denver.png", 4200)),
    );
}

/// A diff of tables routed by policies: the page shows each changed rule's JSON diff with its
/// lines marked, and the routing graph draws the ESRPs' policy routes, diversions apart.
#[test]
fn a_policy_diff_page_shows_rule_diffs_and_policy_routes() {
    let dir = tempfile::tempdir().unwrap();
    crate::policy_routing::write_table(&dir.path().join("old"), |_| {});
    crate::policy_routing::write_table(&dir.path().join("new"), |docs| {
        let a = &mut docs.iter_mut().find(|(n, _)| *n == "a.json").unwrap().1;
        a["policyRules"][2]["actions"][0]["recipientUri"] = serde_json::json!(crate::policy_routing::B);
    });
    // Relative paths: the screenshot shows no temporary directory.
    let (code, html, _) = common::run_in(
        dir.path(),
        &["diff", "old/table.yaml", "new/table.yaml", "--format", "html"],
    );
    assert_eq!(code, 1);
    assert_self_contained(&html);
    assert!(html.contains("<h3>Policy changes (1)</h3>"), "the policy changes");
    assert!(
        html.contains(
            "<summary>changed policy rule NormalNextHopRoutePolicy(sip:psap@a.example.gov)/nn-main</summary>"
        ),
        "the rule, named as findings name it"
    );
    assert!(
        html.contains("<span class=\"add\">+      &quot;recipientUri&quot;: &quot;sip:psap@b.example.gov&quot;</span>"),
        "the added line of the rule's JSON"
    );
    assert!(html.contains("<path class=\"edge policy\""), "a usual policy route");
    assert!(html.contains("<path class=\"edge policy diversion\""), "a diversion");
    let Some(browser) = browser() else { return };
    assert_eq!(measure(&browser, &html, OVERFLOW), "", "sticks out of the graph");
    let findings = html.matches("<article class=\"finding").count();
    check_in_browser(
        &browser,
        &html,
        &format!("{findings} findings graph map"),
        Some(("report-policies.png", 2600)),
    );
}
