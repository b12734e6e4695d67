use std::collections::HashMap;

use super::{Finding, Mapped, declare_rule};
use crate::coverage::{FeatureRef, day_of};
use crate::model::{BoundaryKind, NENA_FIELDS, NenaFields};

declare_rule! {
    /// ## What it does
    /// Reports a boundary feature that breaks the NENA field rules (NENA-STA-006.3): a
    /// required field empty, an `NGUID` used by another feature of the table's layers, a
    /// `ServiceURN` that is not a NENA service URN for the layer's kind
    /// (`urn:emergency:service:sos.psap`, `sos.level_2_esrp`, `sos.level_3_esrp`,
    /// `sos.call_taker` for PSAP boundaries; `urn:emergency:service:responder.police`,
    /// `.fire`, `.ems` and their sub-services for responder boundaries), a `ServiceURI` that
    /// is not a `sip:`/`sips:` URI (or `urn:emergency:servicenotimplemented`, an area with no
    /// responder), a date that cannot be read in any of its writers' forms, or an `Expire` that is not
    /// after `Effective`. Features in force or not are all checked.
    ///
    /// ## Why it matters
    /// The ECRF answers a location query with the boundary's `ServiceURI`; a feature with a
    /// wrong URN is never selected for the service asked, and a repeated NGUID makes updates
    /// replace the wrong feature.
    ///
    /// ## Example
    /// ```text
    /// PsapPolygon feature 12: ServiceURN = urn:emergency:service:police
    /// ```
    ///
    /// ## How to fix
    /// Correct the field in the GIS layer; NGUIDs must be unique across the layers.
    pub struct BoundaryAttribute { name: "boundary-attribute", severity: Error }
}

impl BoundaryAttribute {
    pub(super) fn run(cx: &Mapped<'_>, out: &mut Vec<Finding>) {
        let mut first_use: HashMap<&str, FeatureRef> = HashMap::new();
        for (i, shape) in cx.coverage.shapes.iter().enumerate() {
            let at = shape.at;
            let feature = cx.feature(at);
            let mut problems = field_problems(&feature.fields, shape.kind);
            if let Some(nguid) = feature.fields.nguid.as_deref() {
                match first_use.get(nguid) {
                    Some(&first) => problems.push(format!(
                        "its NGUID is also the NGUID of feature {} of {}",
                        cx.feature(first).fid,
                        cx.boundary(first).shown
                    )),
                    None => {
                        first_use.insert(nguid, at);
                    }
                }
            }
            if problems.is_empty() {
                continue;
            }
            let name = cx.feature_name(at);
            let message = format!("boundary feature {}: {}", cx.shape_label(i as u32), problems.join("; "));
            out.push(cx.gis_finding(&Self::META, cx.place(at, None), message, vec![name], &[]));
        }
    }
}

/// What is wrong with a feature's own fields.
fn field_problems(fields: &NenaFields, kind: BoundaryKind) -> Vec<String> {
    let mut out = Vec::new();
    for f in NENA_FIELDS
        .iter()
        .filter(|f| f.required && (kind != BoundaryKind::Provisioning || !f.service))
    {
        if (f.get)(fields).is_none() {
            out.push(format!("the required field `{}` is empty", f.name));
        }
    }
    if kind != BoundaryKind::Provisioning {
        if let Some(urn) = &fields.service_urn
            && !urn_fits(urn, kind)
        {
            out.push(format!(
                "`ServiceURN` {} is not a NENA service URN for a {} boundary ({})",
                crate::escape::short(urn, 80),
                kind.name(),
                expected_urns(kind)
            ));
        }
        if let Some(uri) = &fields.service_uri
            && !crate::model::is_sip_uri(uri)
            && !crate::model::is_no_service(Some(uri))
        {
            out.push(format!(
                "`ServiceURI` {} is not a sip: or sips: URI",
                crate::escape::short(uri, 80)
            ));
        }
    }
    for (name, value) in [
        ("DateUpdate", &fields.date_update),
        ("Effective", &fields.effective),
        ("Expire", &fields.expire),
    ] {
        if value.is_some() && day_of(value).is_none() {
            out.push(format!(
                "`{name}` {} is not a date",
                crate::escape::short(value.as_deref().unwrap_or(""), 40)
            ));
        }
    }
    if let (Some(effective), Some(expire)) = (day_of(&fields.effective), day_of(&fields.expire))
        && expire <= effective
    {
        out.push(format!("`Expire` {expire} is not after `Effective` {effective}"));
    }
    out
}

/// The service URNs a layer of `kind` takes: the exact value or one of its sub-services.
fn service_roots(kind: BoundaryKind) -> &'static [&'static str] {
    match kind {
        BoundaryKind::Psap => &[
            "urn:emergency:service:sos.psap",
            "urn:emergency:service:sos.level_2_esrp",
            "urn:emergency:service:sos.level_3_esrp",
            "urn:emergency:service:sos.call_taker",
        ],
        BoundaryKind::Police => &["urn:emergency:service:responder.police"],
        BoundaryKind::Fire => &["urn:emergency:service:responder.fire"],
        BoundaryKind::Ems => &["urn:emergency:service:responder.ems"],
        BoundaryKind::Service => &[
            "urn:emergency:service:sos",
            "urn:emergency:service:responder.police",
            "urn:emergency:service:responder.fire",
            "urn:emergency:service:responder.ems",
        ],
        BoundaryKind::Provisioning => &[],
    }
}

fn urn_fits(urn: &str, kind: BoundaryKind) -> bool {
    let urn = urn.to_ascii_lowercase();
    service_roots(kind).iter().any(|root| {
        urn == *root
            || urn
                .strip_prefix(root)
                .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1)
    })
}

fn expected_urns(kind: BoundaryKind) -> String {
    let roots: Vec<&str> = service_roots(kind).to_vec();
    let more = if kind == BoundaryKind::Psap {
        ""
    } else {
        " or a sub-service"
    };
    format!("expected {}{more}", roots.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns_fit_their_kind() {
        assert!(urn_fits("urn:emergency:service:sos.psap", BoundaryKind::Psap));
        assert!(urn_fits("URN:emergency:service:sos.call_taker", BoundaryKind::Psap));
        assert!(!urn_fits("urn:emergency:service:sos.police", BoundaryKind::Psap));
        assert!(urn_fits("urn:emergency:service:responder.ems.air", BoundaryKind::Ems));
        assert!(!urn_fits("urn:emergency:service:responder.emsx", BoundaryKind::Ems));
        assert!(!urn_fits("urn:emergency:service:responder.fire", BoundaryKind::Police));
    }
}
