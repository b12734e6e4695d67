//! Fields in the size of their values: a national table has a million origins, and their
//! size is most of a loaded table (104 bytes each with these, 136 without).

use super::{Location, Origin};

/// A list that nearly every element leaves empty (an origin's waivers): one word, and
/// no allocation when empty.
#[derive(Clone, PartialEq)]
// The box is the point: a `Vec` is three words even when empty.
#[allow(clippy::box_collection)]
pub struct Rare<T>(Option<Box<Vec<T>>>);

impl<T> Default for Rare<T> {
    fn default() -> Self {
        Rare(None)
    }
}

impl<T> std::ops::Deref for Rare<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl<T> From<Vec<T>> for Rare<T> {
    fn from(items: Vec<T>) -> Self {
        Rare((!items.is_empty()).then(|| Box::new(items)))
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Rare<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// An optional value in the size of the value: absent is a value the format never allows
/// (an ESN above 99999, a population of 2^64 − 1, a NaN rate or latitude). `Option` would
/// add a word to each of a million origins' numbers.
#[derive(Clone, Copy, PartialEq)]
pub struct Maybe<T: Absent>(T);

/// A type with a value that stands for "absent" in a [`Maybe`].
pub trait Absent: Copy {
    const ABSENT: Self;
    fn is_absent(&self) -> bool;
}

impl Absent for u32 {
    const ABSENT: u32 = u32::MAX;
    fn is_absent(&self) -> bool {
        *self == u32::MAX
    }
}

impl Absent for u64 {
    const ABSENT: u64 = u64::MAX;
    fn is_absent(&self) -> bool {
        *self == u64::MAX
    }
}

impl Absent for f32 {
    const ABSENT: f32 = f32::NAN;
    fn is_absent(&self) -> bool {
        self.is_nan()
    }
}

impl Absent for Location {
    const ABSENT: Location = Location {
        lat: f64::NAN,
        lon: f64::NAN,
    };
    fn is_absent(&self) -> bool {
        self.lat.is_nan()
    }
}

impl<T: Absent> Maybe<T> {
    pub const NONE: Self = Maybe(T::ABSENT);

    pub fn get(self) -> Option<T> {
        (!self.0.is_absent()).then_some(self.0)
    }
}

impl<T: Absent> From<Option<T>> for Maybe<T> {
    /// A value that is itself the absent one stays absent (the loader's limits keep the
    /// format's values clear of it).
    fn from(value: Option<T>) -> Self {
        Maybe(value.unwrap_or(T::ABSENT))
    }
}

impl<T: Absent + std::fmt::Debug> std::fmt::Debug for Maybe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

// A national table has a million origins: their size is most of a loaded table.
const _: () = assert!(std::mem::size_of::<Origin>() <= 104);
