//! What the ECRF answers at each origin's location (SPEC §7, §9), as routing by policies
//! reads it: built from the boundary layers by `coverage`, consulted by the walk.

use crate::model::{BoundaryKind, sip_key};

/// What the ECRF answers at each origin's location (SPEC §7, §9): per service, the
/// `ServiceURI`s of the boundaries in force that hold it.
#[derive(Debug, Default)]
pub struct Answers {
    start: Vec<u32>,
    items: Vec<(u8, u32)>,
    /// Answer URIs as written (first spelling), by index; `keys` as SIP keys.
    pub uris: Vec<String>,
    keys: std::collections::HashMap<String, u32>,
}

impl Answers {
    /// Adds the next origin's answers: (service kind, ServiceURI) pairs.
    pub fn push<'a>(&mut self, answers: impl IntoIterator<Item = (BoundaryKind, &'a str)>) {
        self.start.push(self.items.len() as u32);
        for (kind, uri) in answers {
            let key = sip_key(uri);
            let next = self.uris.len() as u32;
            let id = *self.keys.entry(key).or_insert(next);
            if id == next {
                self.uris.push(uri.to_string());
            }
            self.items.push((service_index(kind), id));
        }
    }

    /// (service, answer URI index) of an origin, by service.
    pub fn of(&self, origin: u32) -> &[(u8, u32)] {
        let o = origin as usize;
        let Some(&lo) = self.start.get(o) else { return &[] };
        let hi = self.start.get(o + 1).map_or(self.items.len() as u32, |&h| h);
        &self.items[lo as usize..hi as usize]
    }
}

pub fn service_index(kind: BoundaryKind) -> u8 {
    BoundaryKind::ALL.iter().position(|(_, k)| *k == kind).unwrap_or(0) as u8
}
