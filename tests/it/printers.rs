//! Printers by printer (as ripgrep's): every format is snapshot-tested on one fixed,
//! synthetic set of findings, so a new rule changes no printer's snapshot and a printer's
//! change shows in its own snapshots only. Rules are tested on their fixtures
//! (tests/it/fixtures.rs); the HTML page in a browser (tests/it/html.rs).

use psapguard::check::{Report, summarise};
use psapguard::diff::{AddedWaiver, Change, DiffReport, Fixed};
use psapguard::finding::{Finding, Gate, Novelty, Related, ScenarioLabel, Severity, WaiverNote};
use psapguard::load::{Loaded, from_sources};
use psapguard::model::{Loc, Place, SourceFile};
use psapguard::report::{Format, Output, human::Style, render};

const TABLE: &str = "\
version: 1
name: Printer test
routers:
  esrp-a: { kind: esrp, rules: [{ match: { esn: 100 }, route: psap-a }], default: psap-b }
psaps:
  psap-a: { status: active, uri: sip:psap@a.example }
  psap-b: { status: active }
origins:
  cs-1: { kind: cell_sector, population: 5000, ingress: [esrp-a] }
  cs-2: { kind: cell_sector, population: 7000, ingress: [esrp-a] }
";

fn table() -> Loaded {
    from_sources(vec![SourceFile::in_memory("net.yaml", TABLE)], vec![])
}

fn at(line: u32, col: u32) -> Option<Loc> {
    Some(Loc { file: 0, line, col })
}

fn finding(rule: &'static str, severity: Severity, message: &str, entities: &[&str]) -> Finding {
    Finding {
        rule,
        severity,
        waived: false,
        waiver: None,
        message: message.into(),
        scenario: None,
        entities: entities.iter().map(|e| e.to_string()).collect(),
        affected: Vec::new(),
        population: 0,
        location: None,
        pointer: None,
        place: None,
        related: Vec::new(),
        new: Some(Novelty::New),
    }
}

/// One of each shape a printer must handle: a located error with a scenario, affected
/// origins and a related place; a waived warning; a GIS finding with a map point; a known
/// (pre-existing) error that does not fail the run; and text that must stay inert.
fn findings() -> Vec<Finding> {
    let mut lost = finding(
        "single-point-of-failure",
        Severity::Error,
        "if esrp-a fails, calls from 2 origins (population 12,000) reach no PSAP",
        &["esrp-a"],
    )
    .scenario(ScenarioLabel::Fail("esrp-a".into()));
    lost.location = at(4, 3);
    lost.affected = vec!["cs-1".into(), "cs-2".into()];
    lost.population = 12_000;
    lost.related.push(Related {
        loc: Loc {
            file: 0,
            line: 9,
            col: 55,
        },
        message: "cs-1 is homed only on esrp-a".into(),
    });
    let mut waived = finding(
        "missing-default",
        Severity::Warning,
        "esrp-a has no rule for ESN 200",
        &["esrp-a"],
    );
    waived.location = at(4, 21);
    waived.waived = true;
    waived.waiver = Some(WaiverNote {
        reason: "ESN 200 retired on 2027-01-01".into(),
        expires: Some("2027-01-31".into()),
    });
    let mut gis = finding(
        "boundary-gap",
        Severity::Error,
        "a gap of 2.41 km² between PSAP boundaries",
        &["gis/county.gpkg"],
    );
    gis.place = Some(Place {
        file: "gis/county.gpkg".into(),
        layer: Some("PsapPolygon".into()),
        feature: Some("{8F3C}@county.example".into()),
        point: Some([-104.99, 39.74]),
    });
    let mut known = finding(
        "unreachable-psap",
        Severity::Error,
        "no call reaches psap-b `<script>` \u{1b}[31m",
        &["psap-b"],
    );
    known.location = at(7, 3);
    known.new = Some(Novelty::PreExisting);
    vec![lost, waived, gis, known]
}

fn report(gate: Gate) -> (Loaded, Report) {
    let loaded = table();
    let findings = findings();
    let summary = summarise(&loaded.table, &findings);
    let report = Report {
        findings,
        summary,
        skipped_routing: None,
        notes: Vec::new(),
        exploration: None,
        gone_since_baseline: None,
        gate,
        // The rules of the findings and one that ran clean.
        ran: vec![
            "single-point-of-failure",
            "missing-default",
            "boundary-gap",
            "unreachable-psap",
            "black-hole",
        ],
    };
    (loaded, report)
}

fn diff_report() -> DiffReport {
    DiffReport {
        changes: vec![Change {
            scenario: ScenarioLabel::Normal,
            origin: "cs-2".into(),
            before: Some("psap-a".into()),
            after: Some("psap-b".into()),
            population: 7000,
            calls: None,
        }],
        fixed: vec![Fixed {
            rule: "black-hole",
            entities: vec!["esrp-a".into()],
            message: "calls for ESN 300 reach no PSAP".into(),
        }],
        added_waivers: vec![AddedWaiver {
            element: "esrp-a".into(),
            rule: "missing-default".into(),
            reason: "ESN 200 retired on 2027-01-01".into(),
            expires: Some("2027-01-31".into()),
        }],
        ..DiffReport::default()
    }
}

const FORMATS: [(Format, &str); 6] = [
    (Format::Human, "human"),
    (Format::Json, "json"),
    (Format::Sarif, "sarif"),
    (Format::Github, "github"),
    (Format::Junit, "junit"),
    (Format::Markdown, "markdown"),
];

const STYLE: Style = Style {
    color: false,
    width: 100,
};

#[test]
fn every_printer_on_a_check() {
    let (loaded, report) = report(Gate::Check);
    let out = Output::check(&loaded.table, &report);
    for (format, name) in FORMATS {
        insta::assert_snapshot!(format!("check_{name}"), render(format, &out, STYLE));
    }
    insta::assert_snapshot!("check_statistics", psapguard::report::statistics::render(&out));
}

#[test]
fn every_printer_on_a_diff() {
    let (loaded, report) = report(Gate::Diff { all: false });
    let diff = diff_report();
    let out = Output {
        table: &loaded.table,
        report: &report,
        diff: Some(&diff),
        pictures: None,
    };
    for (format, name) in FORMATS {
        insta::assert_snapshot!(format!("diff_{name}"), render(format, &out, STYLE));
    }
}
