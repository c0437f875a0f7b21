//! Deserialization helpers that walk a document without building it: finding the position of a
//! field path, and reading a `List` whose items are only partly of the wanted kind.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};

use super::Value;

/// The message of the deliberate error [`Seek`] raises where it finds its target; the parser
/// attaches the target's position to it.
pub const FOUND: &str = "(position found by pspconv)";

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    /// Parses `spec.hostPorts[0].max` (keys containing `.` or `[` cannot be written this way).
    pub fn parse_path(path: &str) -> Vec<Seg> {
        let mut out = Vec::new();
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !key.is_empty() {
                out.push(Seg::Key(key.to_string()));
            }
            while let Some(close) = rest.find(']') {
                // Keys may hold brackets themselves (`x[]]`): only `[digits]` is an index.
                if let Some(i) = rest.get(1..close).and_then(|n| n.parse().ok()) {
                    out.push(Seg::Index(i));
                }
                rest = &rest[close + 1..];
            }
        }
        out
    }
}

/// Walks to `path` and fails there with [`FOUND`]; succeeds when the path does not exist.
pub struct Seek<'p> {
    path: &'p [Seg],
}

impl<'p> Seek<'p> {
    pub fn new(path: &'p [Seg]) -> Self {
        Seek { path }
    }

    fn here<E: Error>(&self) -> Result<(), E> {
        if self.path.is_empty() {
            Err(E::custom(FOUND))
        } else {
            Ok(())
        }
    }
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

macro_rules! scalar {
    ($($name:ident: $t:ty),*) => {
        $(fn $name<E: Error>(self, _: $t) -> Result<(), E> { self.here() })*
    };
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }

    scalar!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str,
        visit_i128: i128, visit_u128: u128, visit_bytes: &[u8]);

    fn visit_unit<E: Error>(self) -> Result<(), E> {
        self.here()
    }

    fn visit_none<E: Error>(self) -> Result<(), E> {
        self.here()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.here()?;
        let Some(Seg::Key(want)) = self.path.first() else {
            return Ok(());
        };
        while let Some(key) = map.next_key::<Value>()? {
            if key.as_str() == Some(want.as_str()) {
                return map.next_value_seed(Seek::new(&self.path[1..]));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.here()?;
        let Some(Seg::Index(want)) = self.path.first() else {
            return Ok(());
        };
        for _ in 0..*want {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        seq.next_element_seed(Seek::new(&self.path[1..]))?;
        Ok(())
    }
}

/// Reads a `List` document: `items` entries whose flag is set as `T`, the others generically
/// (they are skipped, and their fields are not "unknown"). The list's own `apiVersion`, `kind`
/// and `metadata` are accepted; any other field is reported unknown.
pub struct ListSeed<'a, T> {
    picks: &'a [bool],
    marker: PhantomData<T>,
}

impl<'a, T> ListSeed<'a, T> {
    pub fn new(picks: &'a [bool]) -> Self {
        ListSeed {
            picks,
            marker: PhantomData,
        }
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ListSeed<'_, T> {
    type Value = Vec<(usize, T)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ListSeed<'_, T> {
    type Value = Vec<(usize, T)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a List with items")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "items" => items = Some(map.next_value_seed(Items::<T>::new(self.picks))?),
                "apiVersion" | "kind" | "metadata" => {
                    map.next_value::<Value>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        items.ok_or_else(|| A::Error::missing_field("items"))
    }
}

struct Items<'a, T>(ListSeed<'a, T>);

impl<'a, T> Items<'a, T> {
    fn new(picks: &'a [bool]) -> Self {
        Items(ListSeed::new(picks))
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Items<'_, T> {
    type Value = Vec<(usize, T)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Items<'_, T> {
    type Value = Vec<(usize, T)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        for index in 0.. {
            if self.0.picks.get(index).copied().unwrap_or(false) {
                match seq.next_element::<T>()? {
                    Some(t) => out.push((index, t)),
                    None => break,
                }
            } else if seq.next_element::<Value>()?.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_odd_keys_do_not_panic() {
        assert_eq!(
            Seg::parse_path("items[3].spec.hostPorts[0].max"),
            vec![
                Seg::Key("items".into()),
                Seg::Index(3),
                Seg::Key("spec".into()),
                Seg::Key("hostPorts".into()),
                Seg::Index(0),
                Seg::Key("max".into()),
            ]
        );
        for odd in [
            "x[]]",
            "]",
            "[",
            "a[b]]c",
            "..",
            "[99999999999999999999999]",
            "a][",
        ] {
            let _ = Seg::parse_path(odd);
        }
    }
}
