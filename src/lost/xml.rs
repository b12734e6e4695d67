//! LoST XML (RFC 5222): `findService` requests and `findServiceResponse` / `<errors>` answers
//! written with quick-xml, and answers read back within limits. A captured answer comes from
//! a server under test (or from whoever hands the files over): it is read like any hostile
//! input — no DOCTYPE (so no entity expansion), bounded size, depth and namespace
//! declarations, UTF-8 only.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{Answer, Case, SERVICE, SERVICE_NUMBER};
pub use crate::rules::ecrf_mismatch::{Answered, AnsweredMapping};

/// The LoST namespace.
pub const LOST_NS: &str = "urn:ietf:params:xml:ns:lost1";
/// GML, for the point.
pub const GML_NS: &str = "http://www.opengis.net/gml";
/// WGS84 with latitude first (the axis order of EPSG:4326).
pub const SRS_NAME: &str = "urn:ogc:def:crs:EPSG::4326";
/// Who answers in the expected responses (`source`, `via`).
pub const SOURCE: &str = "psapguard";

/// Largest answer read: a findServiceResponse is a few kilobytes, tens with a boundary by value.
pub const MAX_RESPONSE_BYTES: u64 = 1 << 20;
/// Deepest element nesting read (a LoST answer with a GML boundary is under ten).
pub const MAX_DEPTH: usize = 32;
/// Most namespace declarations in one answer (each makes every later name lookup longer).
pub const MAX_NAMESPACES: usize = 64;

/// The `findService` request for a point: `gml:pos` latitude first.
pub fn request(case: &Case) -> String {
    let p = &case.point;
    document(|w| {
        w.create_element("findService")
            .with_attributes([
                ("xmlns", LOST_NS),
                ("xmlns:gml", GML_NS),
                ("recursive", "true"),
                ("serviceBoundary", "reference"),
            ])
            .write_inner_content(|w| {
                w.create_element("location")
                    .with_attributes([("id", p.id.as_str()), ("profile", "geodetic-2d")])
                    .write_inner_content(|w| {
                        w.create_element("gml:Point")
                            .with_attribute(("srsName", SRS_NAME))
                            .write_inner_content(|w| {
                                let pos = format!("{} {}", p.lat, p.lon);
                                w.create_element("gml:pos").write_text_content(BytesText::new(&pos))?;
                                Ok(())
                            })?;
                        Ok(())
                    })?;
                w.create_element("service")
                    .write_text_content(BytesText::new(SERVICE))?;
                Ok(())
            })?;
        Ok(())
    })
}

/// The answer the layers give for a point.
pub fn response(case: &Case) -> String {
    document(|w| {
        match &case.answer {
            Answer::Mappings(mappings) => {
                w.create_element("findServiceResponse")
                    .with_attribute(("xmlns", LOST_NS))
                    .write_inner_content(|w| {
                        for m in mappings {
                            let mut attrs = vec![("expires", m.expires.as_str())];
                            attrs.extend(m.last_updated.as_deref().map(|d| ("lastUpdated", d)));
                            attrs.extend([("source", SOURCE), ("sourceId", m.source_id.as_str())]);
                            w.create_element("mapping")
                                .with_attributes(attrs)
                                .write_inner_content(|w| {
                                    if let Some(name) = &m.display_name {
                                        w.create_element("displayName")
                                            .with_attribute(("xml:lang", "en"))
                                            .write_text_content(BytesText::new(name))?;
                                    }
                                    w.create_element("service")
                                        .write_text_content(BytesText::new(SERVICE))?;
                                    w.create_element("uri").write_text_content(BytesText::new(&m.uri))?;
                                    w.create_element("serviceNumber")
                                        .write_text_content(BytesText::new(SERVICE_NUMBER))?;
                                    Ok(())
                                })?;
                        }
                        w.create_element("path").write_inner_content(|w| {
                            w.create_element("via")
                                .with_attribute(("source", SOURCE))
                                .write_empty()?;
                            Ok(())
                        })?;
                        w.create_element("locationUsed")
                            .with_attribute(("id", case.point.id.as_str()))
                            .write_empty()?;
                        Ok(())
                    })?;
            }
            Answer::NotFound | Answer::ServiceNotImplemented => {
                let (error, message) = if case.answer == Answer::NotFound {
                    ("notFound", "no PSAP boundary in force holds the location")
                } else {
                    ("serviceNotImplemented", "no responder serves the location")
                };
                w.create_element("errors")
                    .with_attributes([("xmlns", LOST_NS), ("source", SOURCE)])
                    .write_inner_content(|w| {
                        w.create_element(error)
                            .with_attributes([("message", message), ("xml:lang", "en")])
                            .write_empty()?;
                        Ok(())
                    })?;
            }
        }
        Ok(())
    })
}

fn document(body: impl FnOnce(&mut Writer<Vec<u8>>) -> std::io::Result<()>) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to memory cannot fail.
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|()| body(&mut w))
        .expect("writing to memory");
    let mut text = String::from_utf8(w.into_inner()).expect("quick-xml writes the UTF-8 it is given");
    text.push('\n');
    text
}

/// A captured answer, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// `<locationUsed id>`, if the answer has one.
    pub location_used: Option<String>,
    pub found: Answered,
}

/// Reads a captured answer. Err: why it is no LoST answer, in one plain sentence.
pub fn parse_response(bytes: &[u8]) -> Result<Parsed, String> {
    if bytes.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "is not UTF-8 text (binary?)".to_string())?;
    if text.contains('\0') {
        return Err("holds NUL bytes (binary?)".into());
    }
    // Counted before parsing: each declaration lengthens every later name lookup.
    if text.matches("xmlns").count() > MAX_NAMESPACES {
        return Err(format!("declares more than {MAX_NAMESPACES} namespaces"));
    }
    let mut reader = NsReader::from_str(text);
    let mut depth = 0usize;
    let mut root: Option<String> = None;
    let mut location_used = None;
    let mut mappings: Vec<AnsweredMapping> = Vec::new();
    let mut errors = Vec::new();
    let mut redirect = None;
    // The LoST element whose text is being read (uri, serviceNumber) and the text so far.
    let mut reading: Option<&'static str> = None;
    let mut text_so_far = String::new();
    let mut in_mapping = false;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("is not well-formed XML: {}", crate::escape::short(&e.to_string(), 120)))?;
        let lost = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == LOST_NS.as_bytes());
        match event {
            Event::DocType(_) => {
                return Err("has a DOCTYPE; LoST answers have none and psapguard does not read one".into());
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                if !empty {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(format!("nests elements more than {MAX_DEPTH} deep"));
                    }
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if root.is_none() {
                    if !lost || !["findServiceResponse", "errors", "redirect"].contains(&name.as_str()) {
                        return Err(format!(
                            "is not a LoST answer: its root element is `{}`, not findServiceResponse, errors or redirect in {LOST_NS}",
                            crate::escape::short(&name, 60)
                        ));
                    }
                    if name == "redirect" {
                        redirect = Some(attr(e, "target").unwrap_or_default());
                    }
                    root = Some(name);
                    continue;
                }
                if !lost {
                    continue;
                }
                // A direct child of the `<errors>` root (an empty element does not deepen).
                let child_depth = if empty { depth + 1 } else { depth };
                let under_errors = root.as_deref() == Some("errors") && child_depth == 2;
                match name.as_str() {
                    "mapping" if !empty => {
                        in_mapping = true;
                        mappings.push(AnsweredMapping {
                            source_id: attr(e, "sourceId"),
                            expires: attr(e, "expires"),
                            ..AnsweredMapping::default()
                        });
                    }
                    "mapping" => mappings.push(AnsweredMapping {
                        source_id: attr(e, "sourceId"),
                        expires: attr(e, "expires"),
                        ..AnsweredMapping::default()
                    }),
                    "uri" if in_mapping && !empty => reading = Some("uri"),
                    "serviceNumber" if in_mapping && !empty => reading = Some("serviceNumber"),
                    "locationUsed" => location_used = attr(e, "id"),
                    _ if under_errors => errors.push(name),
                    _ => {}
                }
                text_so_far.clear();
            }
            Event::Text(t) => {
                if reading.is_some() {
                    text_so_far.push_str(&t.decode().map_err(|_| "is not UTF-8 text (binary?)".to_string())?);
                }
            }
            Event::CData(t) => {
                if reading.is_some() {
                    text_so_far.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if reading.is_some() {
                    let name = r.decode().map_err(|_| "is not UTF-8 text (binary?)".to_string())?;
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| {
                                format!(
                                    "uses the entity `{}`, which is not defined",
                                    crate::escape::short(&name, 40)
                                )
                            })?
                            .to_string(),
                    };
                    text_so_far.push_str(&c);
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                let name = e.local_name();
                match (reading, name.as_ref()) {
                    (Some("uri"), b"uri") => {
                        if let Some(m) = mappings.last_mut() {
                            m.uris.push(text_so_far.trim().to_string());
                        }
                        reading = None;
                    }
                    (Some("serviceNumber"), b"serviceNumber") => {
                        if let Some(m) = mappings.last_mut() {
                            m.service_numbers.push(text_so_far.trim().to_string());
                        }
                        reading = None;
                    }
                    (_, b"mapping") => in_mapping = false,
                    _ => {}
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    let found = match root.as_deref() {
        Some("findServiceResponse") => Answered::Mappings(mappings),
        Some("errors") => Answered::Errors(errors),
        Some("redirect") => Answered::Redirect(redirect.unwrap_or_default()),
        _ => return Err("is empty: no XML element".into()),
    };
    Ok(Parsed { location_used, found })
}

pub(super) fn too_big(size: u64) -> String {
    format!(
        "is {} KB; psapguard reads LoST answers of at most {} KB",
        size.div_ceil(1024),
        MAX_RESPONSE_BYTES >> 10
    )
}

/// An attribute's value (unescaped); attributes in a namespace are not LoST's own.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    // Without the duplicate check: it is quadratic in the attributes of one element.
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_by_name() {
        let p = parse_response(
            br#"<errors xmlns="urn:ietf:params:xml:ns:lost1" source="x"><notFound message="m"/></errors>"#,
        )
        .unwrap();
        assert_eq!(p.found, Answered::Errors(vec!["notFound".into()]));
        assert_eq!(p.location_used, None);
    }

    #[test]
    fn text_with_references_is_read_whole() {
        let p = parse_response(
            br#"<r:findServiceResponse xmlns:r="urn:ietf:params:xml:ns:lost1"><r:mapping sourceId="a&amp;b" expires="NO-CACHE"><r:uri>sip:a&amp;b@x&#46;gov</r:uri><r:serviceNumber><![CDATA[911]]></r:serviceNumber></r:mapping><r:locationUsed id="o1"/></r:findServiceResponse>"#,
        )
        .unwrap();
        let Answered::Mappings(m) = p.found else { panic!() };
        assert_eq!(m[0].source_id.as_deref(), Some("a&b"));
        assert_eq!(m[0].uris, ["sip:a&b@x.gov"]);
        assert_eq!(m[0].service_numbers, ["911"]);
        assert_eq!(p.location_used.as_deref(), Some("o1"));
    }

    #[test]
    fn elements_of_another_namespace_are_not_lost_answers() {
        let e = parse_response(br#"<findServiceResponse xmlns="urn:example"/>"#).unwrap_err();
        assert!(e.contains("not a LoST answer"), "{e}");
    }
}
