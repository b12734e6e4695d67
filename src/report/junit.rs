//! `--format junit`: one test suite per rule; a passing case when the rule is clean, one
//! failing case per finding otherwise (what GitLab and Jenkins show per test).

use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};

use super::Output;

pub fn render(out: &Output<'_>) -> String {
    let mut junit = JUnit::new("psapguard");
    for meta in out.report.rules_run() {
        let mut suite = TestSuite::new(meta.name);
        let findings: Vec<_> = out.report.findings.iter().filter(|f| f.rule == meta.name).collect();
        if findings.is_empty() {
            let mut case = TestCase::new(meta.name, TestCaseStatus::success());
            case.set_classname(format!("psapguard.{}", meta.name));
            suite.add_test_case(case);
        }
        for f in findings {
            let status = if out.report.fails_run(f) {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(f.message.clone()).set_type(f.severity.name());
                let mut description = super::where_of(out.table, f).unwrap_or_default();
                if let Some(line) = super::human::affected_line(f) {
                    description.push('\n');
                    description.push_str(&line);
                }
                s.set_description(description);
                s
            } else {
                TestCaseStatus::success()
            };
            let name = match super::where_of(out.table, f) {
                Some(at) => format!("{} {} ({at})", meta.name, f.entities.first().map_or("", String::as_str)),
                None => format!("{} {}", meta.name, f.entities.join(" ")),
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("psapguard.{}", meta.name));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    // A diff that could not compare routing fails with no finding to blame: say so as a
    // failing case, so the test report agrees with the exit code.
    if let (true, Some(note)) = (out.verdict().unjudged, &out.report.skipped_routing) {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(note.clone()).set_type("error");
        let mut case = TestCase::new("routing compared", status);
        case.set_classname("psapguard.diff");
        let mut suite = TestSuite::new("diff");
        suite.add_test_case(case);
        junit.add_test_suite(suite);
    }
    junit.to_string().unwrap_or_default() + "\n"
}
