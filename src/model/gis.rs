//! NG9-1-1 GIS boundary layers (SPEC §7): the layers a table names, the features read from
//! them, and where a finding about a feature points.

use schemars::JsonSchema;

use super::Loc;

/// What a boundary layer bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoundaryKind {
    /// PSAP boundaries: the ECRF routes a located call to the PSAP whose boundary holds it.
    Psap,
    /// The area the 911 authority provisions: PSAP boundaries must cover it.
    Provisioning,
    Police,
    Fire,
    Ems,
    /// STA-006.3's generic `ServiceBoundaryPolygon`: each feature's `ServiceURN` says which
    /// coverage it belongs to (`sos.*` PSAP, `responder.police` police, ...); the layer is
    /// split by it on reading. Features of no known service stay of this kind.
    Service,
}

impl BoundaryKind {
    pub const ALL: [(&'static str, BoundaryKind); 6] = [
        ("psap", BoundaryKind::Psap),
        ("provisioning", BoundaryKind::Provisioning),
        ("police", BoundaryKind::Police),
        ("fire", BoundaryKind::Fire),
        ("ems", BoundaryKind::Ems),
        ("service", BoundaryKind::Service),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map_or("", |(n, _)| n)
    }

    /// Layers whose features must not overlap each other: PSAP and responder boundaries.
    pub fn exclusive(self) -> bool {
        !matches!(self, BoundaryKind::Provisioning | BoundaryKind::Service)
    }

    /// The coverage a service URN belongs to (SPEC §7): `urn:emergency:service:sos` and its
    /// sub-services are PSAP boundaries, `responder.police(.*)` police, and so on.
    pub fn of_service_urn(urn: &str) -> Option<BoundaryKind> {
        let urn = urn.trim().to_ascii_lowercase();
        let under = |root: &str| {
            urn.strip_prefix(root)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        };
        if under("urn:emergency:service:sos") {
            Some(BoundaryKind::Psap)
        } else if under("urn:emergency:service:responder.police") {
            Some(BoundaryKind::Police)
        } else if under("urn:emergency:service:responder.fire") {
            Some(BoundaryKind::Fire)
        } else if under("urn:emergency:service:responder.ems") {
            Some(BoundaryKind::Ems)
        } else {
            None
        }
    }
}

/// A boundary layer as the table declares it, with what was read from it.
#[derive(Clone, Debug, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Boundary {
    /// GeoPackage (.gpkg), GeoJSON (.geojson/.json) or shapefile (.shp), relative to the YAML file.
    pub file: String,
    /// A GeoPackage layer (table); omitted for single-layer files.
    pub layer: Option<String>,
    pub kind: BoundaryKind,
    /// Waivers of findings about features of this layer, each naming its feature's NGUID.
    #[schemars(with = "Option<Vec<super::FeatureWaiver>>")]
    pub waivers: Vec<super::Waiver>,
    #[schemars(skip)]
    pub loc: Loc,
    /// The file's path as findings write it (relative the way table paths are).
    #[schemars(skip)]
    pub shown: String,
    /// The features, or why the layer cannot be used (a `boundary-format` finding).
    #[schemars(skip)]
    pub read: Result<Vec<Feature>, String>,
}

/// The NENA fields psapguard reads (NENA-STA-006.3); absent or empty fields are `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NenaFields {
    pub discrp_ag_id: Option<String>,
    pub date_update: Option<String>,
    pub effective: Option<String>,
    pub expire: Option<String>,
    pub nguid: Option<String>,
    pub agency_id: Option<String>,
    pub service_uri: Option<String>,
    pub service_urn: Option<String>,
    pub service_num: Option<String>,
    pub avcard_uri: Option<String>,
    pub dsplay_name: Option<String>,
}

/// A NENA field: its name in the layer, and where it is kept.
pub struct NenaField {
    pub name: &'static str,
    /// Required of every feature of a NENA boundary layer.
    pub required: bool,
    /// A field of service boundaries (PSAP, police, fire, EMS), not of the provisioning boundary.
    pub service: bool,
    pub get: fn(&NenaFields) -> &Option<String>,
    pub get_mut: fn(&mut NenaFields) -> &mut Option<String>,
}

macro_rules! nena_fields {
    ($($name:literal => $field:ident, $required:literal, $service:literal;)*) => {
        /// The NENA boundary fields, in the order of the standard.
        pub const NENA_FIELDS: &[NenaField] = &[$(NenaField {
            name: $name,
            required: $required,
            service: $service,
            get: |f| &f.$field,
            get_mut: |f| &mut f.$field,
        }),*];
    };
}

nena_fields! {
    "DiscrpAgID" => discrp_ag_id, true, false;
    "DateUpdate" => date_update, true, false;
    "Effective" => effective, false, false;
    "Expire" => expire, false, false;
    "NGUID" => nguid, true, false;
    "Agency_ID" => agency_id, true, true;
    "ServiceURI" => service_uri, true, true;
    "ServiceURN" => service_urn, true, true;
    "ServiceNum" => service_num, false, true;
    "AVcard_URI" => avcard_uri, true, true;
    "DsplayName" => dsplay_name, true, true;
}

/// A ring as read: `[lon, lat]` points, not closed or validated yet.
pub type Ring = Vec<[f64; 2]>;

/// One polygon as read: its exterior ring, then its holes.
pub type RawPolygon = Vec<Ring>;

/// One feature of a boundary layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    /// The feature id (`fid`, `OBJECTID`, or its index in a GeoJSON file).
    pub fid: String,
    pub fields: NenaFields,
    /// Polygons (a multipolygon has several); rings as written in the file.
    pub polygons: Vec<RawPolygon>,
}

impl Feature {
    /// How findings name the feature: its NGUID, else the feature id.
    pub fn name(&self) -> &str {
        self.fields
            .nguid
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.fid)
    }
}

/// Where a GIS finding points (SPEC §7): a feature of a layer, and a point on the map.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub file: String,
    pub layer: Option<String>,
    pub feature: Option<String>,
    pub point: Option<[f64; 2]>,
}

/// A located origin: WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Location {
    #[schemars(range(min = -90, max = 90))]
    pub lat: f64,
    #[schemars(range(min = -180, max = 180))]
    pub lon: f64,
}

/// A `sip:` or `sips:` URI with something after the scheme.
pub fn is_sip_uri(s: &str) -> bool {
    let lower = s.get(..5).map(str::to_ascii_lowercase);
    let rest = match lower.as_deref() {
        Some("sips:") => &s[5..],
        Some(l) if l.starts_with("sip:") => &s[4..],
        _ => return false,
    };
    !rest.is_empty() && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A SIP URI as RFC 3261 §19.1.4 compares it, as a key: the scheme and the host folded to
/// lower case, the user part and everything after the host (port, parameters) exact —
/// `sip:PSAP@x` and `sip:psap@x` are two queues, `SIP:psap@X.ks.us` and `sip:psap@x.ks.us`
/// one. A value that is no SIP URI is kept as it is.
pub fn sip_key(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return uri.to_string();
    };
    if !(scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips")) {
        return uri.to_string();
    }
    // The user part ends at the last `@` before any parameter or header (a user may hold an
    // escaped `@` only as %40, so the first `@` would do too; the last is safer).
    let params = rest.find([';', '?']).unwrap_or(rest.len());
    let (user, host_and_rest) = match rest[..params].rfind('@') {
        Some(at) => (&rest[..=at], &rest[at + 1..]),
        None => ("", rest),
    };
    // The host ends at a port, a parameter or a header.
    let host_end = host_and_rest.find([':', ';', '?']).unwrap_or(host_and_rest.len());
    let (host, tail) = host_and_rest.split_at(host_end);
    format!(
        "{}:{user}{}{tail}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    )
}

/// PSAPs by `uri`, as a PSAP boundary's `ServiceURI` names them (SPEC §7; compared as SIP
/// URIs by [`sip_key`]). The one place the join is made.
pub struct UriIndex {
    by_uri: std::collections::HashMap<String, u32>,
}

impl UriIndex {
    pub fn new(table: &super::Table) -> UriIndex {
        let mut by_uri = std::collections::HashMap::new();
        for (p, psap) in table.psaps.iter().enumerate() {
            if let Some(uri) = &psap.uri {
                by_uri.entry(sip_key(uri)).or_insert(p as u32);
            }
        }
        UriIndex { by_uri }
    }

    /// The PSAP a `ServiceURI` names, if any (decommissioned ones too).
    pub fn psap(&self, uri: Option<&str>) -> Option<u32> {
        self.by_uri.get(&sip_key(uri?)).copied()
    }
}

/// The `ServiceURI` of an area with no responder (NENA-STA-010.3, RQ_ECRF-LVF_034): a
/// valid value that covers its area and names no PSAP (SPEC §7).
pub const NO_SERVICE_URI: &str = "urn:emergency:servicenotimplemented";

/// Whether a `ServiceURI` says that the service is not implemented there.
pub fn is_no_service(uri: Option<&str>) -> bool {
    uri.is_some_and(|u| u.trim().eq_ignore_ascii_case(NO_SERVICE_URI))
}
