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
    let (_, html) = psapguard(&["check", "fixtures/single-point-of-failure", "--format", "html"]);
    let findings = html.matches("<article class=\"finding").count();
    assert!(findings >= 2);
    check_in_browser(&browser, &html, &format!("{findings} findings graph "), None);
}

#[test]
fn a_national_report_opens_in_a_browser_and_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    common::generate_table(dir.path(), 15, &["--gis"]);
    let (code, html) = psapguard(&["check", dir.path().to_str().unwrap(), "--format", "html"]);
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
    let shot = Some(("report-national.png", 4400));
    check_in_browser(&browser, &html, &format!("{findings} findings graph map"), shot);
}
