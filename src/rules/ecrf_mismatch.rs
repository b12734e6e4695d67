use super::{Finding, Severity, declare_rule};
use crate::model::Place;

declare_rule! {
    /// ## What it does
    /// Reported by `lost compare` (SPEC §10): an ECRF's captured LoST `findService` answer that
    /// differs from what the boundary layers say for the request's location.
    ///
    /// One finding per difference: a mapping whose `uri` or `sourceId` is not the expected one, an expected
    /// mapping missing, a mapping that was not expected, `notFound` or `serviceNotImplemented`
    /// where a PSAP boundary holds the point (or a mapping where none does), a `serviceNumber`
    /// other than 911, an `expires` already past, a redirect, a request with no answer, and an
    /// answer that cannot be read or pairs with no request. Each names the location id, the
    /// point (with a map link), and the expected and found `uri`/`sourceId`.
    ///
    /// Answers pair with requests by `<locationUsed id>`, else by file name (an `<errors>`
    /// answer has no `locationUsed`).
    ///
    /// ## Why it matters
    /// The ECRF routes every located call by its copy of the boundary layers. When that copy
    /// and the layers under review disagree — a load that failed half way, a layer change not
    /// yet provisioned, a vendor's conversion that swapped latitude and longitude — calls from
    /// the area go to the wrong PSAP, and nothing in the routing table shows it. STA-010.3
    /// requires the service number 911 (RQ_ECRF_053) and a `serviceNotImplemented` answer
    /// where no responder serves (RQ_ECRF-LVF_034).
    ///
    /// ## Example
    /// ```xml
    /// <!-- expected (the layers): uri sip:sedgwick-911@sedgwick.ks.example.gov -->
    /// <mapping sourceId="urn:emergency:uid:gis:psap:20173:sedgwick.ks.example.gov" expires="NO-CACHE">
    ///   <uri>sip:butler-911@butler.ks.example.gov</uri>
    ///   <serviceNumber>911</serviceNumber>
    /// </mapping>
    /// ```
    ///
    /// ## How to fix
    /// Reload the ECRF from the layers under review (or correct the layer, if the ECRF is
    /// right), then replay the corpus and compare again. A point on a shared border may be
    /// answered by either neighbour: move it or accept the answer.
    pub struct EcrfMismatch { name: "ecrf-mismatch", severity: Error }
}

/// The service number an ECRF must return for an emergency call (STA-010.3 RQ_ECRF_053).
pub const SERVICE_NUMBER: &str = "911";

/// One `<mapping>` of a LoST answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnsweredMapping {
    pub source_id: Option<String>,
    /// `xs:dateTime`, `NO-CACHE` or `NO-EXPIRATION`.
    pub expires: Option<String>,
    pub uris: Vec<String>,
    pub service_numbers: Vec<String>,
}

/// What a LoST answer says (expected or captured).
#[derive(Debug, Clone, PartialEq)]
pub enum Answered {
    Mappings(Vec<AnsweredMapping>),
    /// `<errors>`: the names of its error elements (`notFound`, `serviceNotImplemented`, …).
    Errors(Vec<String>),
    /// `<redirect target=…>`.
    Redirect(String),
}

/// A request of the corpus and what came back for it.
#[derive(Debug, Clone)]
pub struct Exchange<'a> {
    /// The request's `<location id>`.
    pub location_id: &'a str,
    /// `[lon, lat]`.
    pub point: Option<[f64; 2]>,
    /// The file findings point at: the captured answer, else the request.
    pub file: &'a str,
    /// None: an answer that pairs with no request of the corpus.
    pub expected: Option<&'a Answered>,
    /// None: no answer captured; Err: why the answer cannot be read.
    pub found: Option<Result<&'a Answered, &'a str>>,
}

impl EcrfMismatch {
    /// Every difference between the expected and the captured answers; `today` (YYYY-MM-DD)
    /// judges `expires`.
    pub fn run(exchanges: &[Exchange<'_>], today: &str, out: &mut Vec<Finding>) {
        for x in exchanges {
            let mut report = |message: String, subject: &str| out.push(finding(x, message, subject));
            let Some(expected) = x.expected else {
                report("an answer that pairs with no request of the corpus".into(), "");
                continue;
            };
            let found = match x.found {
                None => {
                    report(format!("no answer captured; expected {}", words(expected)), "");
                    continue;
                }
                Some(Err(why)) => {
                    report(
                        format!("the answer cannot be used: it {why}; expected {}", words(expected)),
                        "",
                    );
                    continue;
                }
                Some(Ok(found)) => found,
            };
            if let Answered::Mappings(found) = found {
                for m in found {
                    let subject = m.source_id.as_deref().unwrap_or("");
                    for n in m.service_numbers.iter().filter(|n| n.as_str() != SERVICE_NUMBER) {
                        report(
                            format!("mapping {} gives serviceNumber {}, not 911", shown(subject), shown(n)),
                            subject,
                        );
                    }
                    if let Some(e) = &m.expires
                        && let Some(day) = e.get(..10).filter(|d| crate::date::is_valid(d))
                        && day < today
                    {
                        report(
                            format!("mapping {} expires {}, already past", shown(subject), shown(e)),
                            subject,
                        );
                    }
                }
            }
            match (expected, found) {
                (Answered::Mappings(e), Answered::Mappings(f)) => mappings(e, f, &mut report),
                (Answered::Errors(e), Answered::Errors(f)) if same_set(e, f) => {}
                _ => report(format!("answered {}; expected {}", words(found), words(expected)), ""),
            }
        }
    }
}

/// Expected and captured mappings paired by `sourceId`, then by `uri`; what is left over on
/// either side is missing or unexpected.
fn mappings(expected: &[AnsweredMapping], found: &[AnsweredMapping], report: &mut impl FnMut(String, &str)) {
    let mut left: Vec<&AnsweredMapping> = found.iter().collect();
    let mut unmatched = Vec::new();
    for e in expected {
        let uri = e.uris.first().map_or("", String::as_str);
        if let Some(i) = left
            .iter()
            .position(|f| f.source_id.is_some() && f.source_id == e.source_id)
        {
            let f = left.remove(i);
            if !(f.uris.len() == 1 && same_uri(&f.uris[0], uri)) {
                let sid = e.source_id.as_deref().unwrap_or("");
                report(
                    format!(
                        "mapping {} gives uri {}; expected {}",
                        shown(sid),
                        uris(&f.uris),
                        shown(uri)
                    ),
                    sid,
                );
            }
        } else {
            unmatched.push((e, uri));
        }
    }
    for (e, uri) in unmatched {
        let sid = e.source_id.as_deref().unwrap_or("");
        if let Some(i) = left.iter().position(|f| f.uris.iter().any(|u| same_uri(u, uri))) {
            let f = left.remove(i);
            report(
                format!(
                    "mapping for {} has sourceId {}; expected {}",
                    shown(uri),
                    shown(f.source_id.as_deref().unwrap_or("(none)")),
                    shown(sid)
                ),
                sid,
            );
        } else {
            report(
                format!("mapping missing: expected uri {} (sourceId {})", shown(uri), shown(sid)),
                sid,
            );
        }
    }
    for f in left {
        let sid = f.source_id.as_deref().unwrap_or("(none)");
        report(
            format!("unexpected mapping: uri {} (sourceId {})", uris(&f.uris), shown(sid)),
            sid,
        );
    }
}

/// SIP URIs compared as SPEC §7 joins them: scheme and host without regard to case.
fn same_uri(a: &str, b: &str) -> bool {
    fn parts(s: &str) -> (String, &str, String) {
        let (scheme, rest) = s.split_once(':').unwrap_or(("", s));
        let (user, host) = rest.rsplit_once('@').unwrap_or(("", rest));
        (scheme.to_ascii_lowercase(), user, host.to_ascii_lowercase())
    }
    parts(a) == parts(b)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

/// "uri sip:a@x (sourceId S)", "notFound", "a redirect to T".
fn words(a: &Answered) -> String {
    match a {
        Answered::Mappings(m) if m.is_empty() => "no mapping".into(),
        Answered::Mappings(m) => m
            .iter()
            .map(|m| {
                format!(
                    "uri {} (sourceId {})",
                    uris(&m.uris),
                    shown(m.source_id.as_deref().unwrap_or("(none)"))
                )
            })
            .collect::<Vec<_>>()
            .join(" and "),
        Answered::Errors(e) if e.is_empty() => "an empty <errors>".into(),
        Answered::Errors(e) => e.iter().map(|e| shown(e)).collect::<Vec<_>>().join(", "),
        Answered::Redirect(t) => format!("a redirect to {}", shown(t)),
    }
}

fn uris(list: &[String]) -> String {
    match list {
        [] => "(none)".into(),
        _ => list.iter().map(|u| shown(u)).collect::<Vec<_>>().join(", "),
    }
}

/// Text from a server under test, as a report may show it: short, control characters escaped.
fn shown(s: &str) -> String {
    crate::escape::short(s, 120)
}

fn finding(x: &Exchange<'_>, message: String, subject: &str) -> Finding {
    let mut entities = vec![x.location_id.to_string()];
    if !subject.is_empty() {
        entities.push(subject.to_string());
    }
    Finding {
        rule: EcrfMismatch::META.name,
        severity: Severity::Error,
        waived: false,
        waiver: None,
        message: format!("location {}: {message}", shown(x.location_id)),
        scenario: None,
        entities,
        // The corpus knows no population: the location id (an origin's) is in `entities`.
        affected: Vec::new(),
        population: 0,
        location: None,
        pointer: None,
        place: Some(Place {
            file: x.file.to_string(),
            layer: None,
            feature: Some(x.location_id.to_string()),
            point: x.point,
        }),
        related: Vec::new(),
        new: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(source_id: &str, uri: &str) -> AnsweredMapping {
        AnsweredMapping {
            source_id: Some(source_id.into()),
            expires: Some("NO-CACHE".into()),
            uris: vec![uri.into()],
            service_numbers: vec!["911".into()],
        }
    }

    fn messages(expected: &Answered, found: &Answered) -> Vec<String> {
        let x = Exchange {
            location_id: "esz-1",
            point: Some([-97.3, 37.7]),
            file: "responses/1.xml",
            expected: Some(expected),
            found: Some(Ok(found)),
        };
        let mut out = Vec::new();
        EcrfMismatch::run(&[x], "2026-06-01", &mut out);
        out.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn a_changed_source_id_is_one_finding_and_an_extra_mapping_another() {
        let expected = Answered::Mappings(vec![mapping("A", "sip:a@x.gov")]);
        let found = Answered::Mappings(vec![mapping("Z", "sip:a@x.gov"), mapping("B", "sip:b@x.gov")]);
        assert_eq!(
            messages(&expected, &found),
            [
                "location esz-1: mapping for sip:a@x.gov has sourceId Z; expected A",
                "location esz-1: unexpected mapping: uri sip:b@x.gov (sourceId B)",
            ]
        );
    }

    #[test]
    fn uris_compare_as_sip_uris_and_overlaps_in_any_order() {
        let expected = Answered::Mappings(vec![mapping("A", "sip:a@x.gov"), mapping("B", "sip:b@y.gov")]);
        let found = Answered::Mappings(vec![mapping("B", "SIP:b@Y.GOV"), mapping("A", "sip:a@x.gov")]);
        assert!(messages(&expected, &found).is_empty());
        // The user part is exact.
        let found = Answered::Mappings(vec![mapping("A", "sip:A@x.gov"), mapping("B", "sip:b@y.gov")]);
        assert_eq!(messages(&expected, &found).len(), 1);
    }

    #[test]
    fn errors_compare_as_sets_and_a_redirect_is_a_difference() {
        let not_found = Answered::Errors(vec!["notFound".into()]);
        assert!(messages(&not_found, &not_found).is_empty());
        let other = Answered::Errors(vec!["serviceNotImplemented".into()]);
        assert_eq!(
            messages(&not_found, &other),
            ["location esz-1: answered serviceNotImplemented; expected notFound"]
        );
        let redirect = Answered::Redirect("lost.example.gov".into());
        assert_eq!(
            messages(&not_found, &redirect),
            ["location esz-1: answered a redirect to lost.example.gov; expected notFound"]
        );
    }
}
