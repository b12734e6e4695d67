//! The format's geographic fields (SPEC §7): the `boundaries:` list, a PSAP's `uri` and an
//! origin's `location`.

use super::build::FileBuilder;
use super::yaml::Node as YNode;
use crate::model::{Boundary, BoundaryKind, Location, PolicySource};

pub(super) const BOUNDARY_FIELDS: &[&str] = &["file", "layer", "kind", "waivers"];
pub(super) const POLICY_SOURCE_FIELDS: &[&str] = &["file"];
pub(super) const LOCATION_FIELDS: &[&str] = &["lat", "lon"];

impl FileBuilder<'_> {
    /// The top-level `boundaries:` list; each entry is kept for the GIS loader to read.
    pub(super) fn boundaries(&mut self, node: &YNode<'_>) {
        let Some(entries) = self.list(node, None, "boundaries", |b, n| b.boundary(n)) else {
            return;
        };
        self.table.boundaries.extend(entries.into_iter().flatten());
    }

    /// The top-level `policies:` list (SPEC §9); each entry is kept for the policy reader.
    pub(super) fn policies(&mut self, node: &YNode<'_>) {
        let Some(entries) = self.list(node, None, "policies", |b, n| b.policy_source(n)) else {
            return;
        };
        self.table.policy_sources.extend(entries.into_iter().flatten());
    }

    /// One `policies:` entry; Some(None) when it is unusable but already reported.
    fn policy_source(&mut self, node: &YNode<'_>) -> Option<Option<PolicySource>> {
        let Some(fields) = self.fields(node, "a policy source", None, POLICY_SOURCE_FIELDS) else {
            return Some(None);
        };
        if !self.require(&fields, node, "a policy source", None, &["file"]) {
            return Some(None);
        }
        let file = fields
            .into_iter()
            .find_map(|(_, value)| self.string(value, None, "file"));
        let Some(file) = file else { return Some(None) };
        if file.is_empty() {
            self.schema(node.pos, None, "a policy source's `file` must not be empty".into());
            return Some(None);
        }
        Some(Some(PolicySource {
            file,
            loc: self.loc(node.pos),
        }))
    }

    /// One entry; Some(None) when it is unusable but already reported (the list goes on).
    fn boundary(&mut self, node: &YNode<'_>) -> Option<Option<Boundary>> {
        let Some(fields) = self.fields(node, "a boundary layer", None, BOUNDARY_FIELDS) else {
            return Some(None);
        };
        if !self.require(&fields, node, "a boundary layer", None, &["file", "kind"]) {
            return Some(None);
        }
        let (mut file, mut layer, mut kind, mut waivers) = (None, None, None, Vec::new());
        for (key, value) in fields {
            match key {
                "file" => file = self.string(value, None, key),
                "layer" if !Self::is_null(value) => layer = self.string(value, None, key),
                "kind" => kind = self.choice(value, None, key, &BoundaryKind::ALL),
                "waivers" => {
                    // A broken waiver is a schema finding of its own; the layer is still read.
                    let list = self.list(value, None, key, |b, n| b.layer_waiver(n));
                    waivers = list.unwrap_or_default();
                }
                _ => {}
            }
        }
        let (Some(file), Some(kind)) = (file, kind) else {
            return Some(None);
        };
        if file.is_empty() {
            self.schema(node.pos, None, "a boundary layer's `file` must not be empty".into());
            return Some(None);
        }
        Some(Some(Boundary {
            file,
            layer,
            kind,
            waivers,
            loc: self.loc(node.pos),
            shown: String::new(),
            read: Ok(Vec::new()),
        }))
    }

    /// `uri:` of a PSAP: a SIP URI, as a boundary's `ServiceURI` names it.
    pub(super) fn sip_uri(&mut self, node: &YNode<'_>, element: &str) -> Option<String> {
        let uri = self.string(node, Some(element), "uri")?;
        if !crate::model::is_sip_uri(&uri) {
            self.schema(
                node.pos,
                Some(element),
                format!(
                    "`uri` must be a `sip:` or `sips:` URI, found `{}`",
                    crate::escape::short(&uri, 80)
                ),
            );
            return None;
        }
        Some(uri)
    }

    /// `queue:` of a router: the SIP URI an OriginationRoutePolicy names as its queue.
    pub(super) fn queue(&mut self, node: &YNode<'_>, element: &str) -> Option<String> {
        let queue = self.string(node, Some(element), "queue")?;
        if !crate::model::is_sip_uri(&queue) {
            let shown = crate::escape::short(&queue, 80);
            self.schema(
                node.pos,
                Some(element),
                format!("`queue` must be a `sip:` or `sips:` URI, found `{shown}`"),
            );
            return None;
        }
        Some(queue)
    }

    /// A router with a `queue` and `rules` or a `default`: said where the rules or default are,
    /// which is where the JSON schema says it too.
    pub(super) fn queue_beside_own_routing(&mut self, router: &YNode<'_>, element: &str) {
        let super::yaml::Value::Map(entries) = &router.value else {
            return;
        };
        let set = |name: &str| {
            entries
                .iter()
                .find(|(k, v)| k.text() == Some(name) && !Self::is_null(v))
        };
        let (Some(_), Some((_, own))) = (set("queue"), set("rules").or_else(|| set("default"))) else {
            return;
        };
        let message =
            "a router with a `queue` is routed by its OriginationRoutePolicy: it takes no `rules` or `default`";
        self.schema(own.pos, Some(element), message.into());
    }

    /// `location: { lat, lon }` in WGS84 degrees.
    pub(super) fn location(&mut self, node: &YNode<'_>, element: &str) -> Option<Location> {
        let fields = self.fields(node, "`location`", Some(element), LOCATION_FIELDS)?;
        if !self.require(&fields, node, "`location`", Some(element), &["lat", "lon"]) {
            return None;
        }
        let (mut lat, mut lon) = (None, None);
        for (key, value) in fields {
            let limit = if key == "lat" { 90.0 } else { 180.0 };
            let v = self.degrees(value, element, key, limit)?;
            if key == "lat" { lat = Some(v) } else { lon = Some(v) }
        }
        Some(Location { lat: lat?, lon: lon? })
    }

    fn degrees(&mut self, node: &YNode<'_>, element: &str, field: &str, limit: f64) -> Option<f64> {
        use super::yaml::Resolved;
        let value = match node.resolve() {
            Some(Resolved::Int(i)) => i as f64,
            Some(Resolved::Float(f)) => f,
            _ => {
                let found = node.describe();
                self.schema(
                    node.pos,
                    Some(element),
                    format!("`{field}` must be a number of degrees, found {found}"),
                );
                return None;
            }
        };
        if !(value.is_finite() && value.abs() <= limit) {
            self.schema(
                node.pos,
                Some(element),
                format!("`{field}` must be between -{limit} and {limit} degrees, found {value}"),
            );
            return None;
        }
        Some(value)
    }
}
