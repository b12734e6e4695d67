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
                s.set_message(xml_text(&f.message)).set_type(f.severity.name());
                let mut description = super::where_of(out.table, f).unwrap_or_default();
                if let Some(line) = super::human::affected_line(f) {
                    description.push('\n');
                    description.push_str(&line);
                }
                s.set_description(xml_text(&description));
                s
            } else {
                TestCaseStatus::success()
            };
            let name = match super::where_of(out.table, f) {
                Some(at) => format!("{} {} ({at})", meta.name, f.entities.first().map_or("", String::as_str)),
                None => format!("{} {}", meta.name, f.entities.join(" ")),
            };
            let mut case = TestCase::new(xml_text(&name), status);
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

/// Text XML 1.0 can hold: the writer escapes `<` and `&`, but a character XML forbids
/// (controls, U+FFFE, U+FFFF, lone surrogates cannot occur in Rust) would make the whole
/// report unreadable to GitLab and Jenkins; it is written escaped, as a terminal sees it.
fn xml_text(s: &str) -> String {
    let allowed =
        |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    let text = crate::escape::inert_lines(s);
    if text.chars().all(allowed) {
        return text;
    }
    text.chars()
        .map(|c| {
            if allowed(c) {
                c.to_string()
            } else {
                format!("\\u{{{:x}}}", c as u32)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_xml_forbids_is_escaped() {
        assert_eq!(
            super::xml_text("a\u{fffe}b\u{ffff}c\u{1}"),
            "a\\u{fffe}b\\u{ffff}c\\u{1}"
        );
        assert_eq!(super::xml_text("plain <x> & y\n"), "plain <x> & y\n");
    }
}
