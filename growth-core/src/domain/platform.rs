//! Where content is published or tracked: an open, validated name.
//!
//! The built-in platforms are constants ([`Platform::LINKEDIN`] …); any other platform is a name
//! a publisher registers (`Platform::new("bluesky")`). A name is 1–32 characters of `a-z`, `0-9`
//! and `_`, starting with a letter — safe in a URL path, a file name and a SQL text column.
//! `Platform` is `Copy` (the name is stored inline) and can be matched on its constants.

use std::fmt;

use crate::{Error, Result};

/// A platform's name (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    bytes: [u8; Platform::MAX_LEN],
    len: u8,
}

impl Platform {
    /// The longest name.
    pub const MAX_LEN: usize = 32;
    /// LinkedIn (Posts API).
    pub const LINKEDIN: Platform = Platform::from_static("linkedin");
    /// Customer.io (broadcast newsletters).
    pub const CUSTOMER_IO: Platform = Platform::from_static("customer_io");
    /// Webflow CMS (blog).
    pub const WEBFLOW: Platform = Platform::from_static("webflow");
    /// Notion (tracking pages).
    pub const NOTION: Platform = Platform::from_static("notion");
    /// The platforms this project ships publishers for.
    pub const BUILT_IN: &'static [Platform] = &[Platform::LINKEDIN, Platform::CUSTOMER_IO, Platform::WEBFLOW, Platform::NOTION];

    /// A platform by name. Names are case-insensitive and stored lower-case; `customerio` is an
    /// alias of `customer_io`. Anything else than 1–32 of `a-z0-9_` starting with a letter is
    /// `Error::InvalidInput`.
    pub fn new(name: &str) -> Result<Self> {
        let lower = name.trim().to_ascii_lowercase();
        let canonical = match lower.as_str() {
            "customerio" => "customer_io",
            other => other,
        };
        Self::check(canonical).map_err(|why| {
            Error::invalid(format!("`{name}` is not a valid platform name: {why} (built in: linkedin, customer_io, webflow, notion)"))
        })?;
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..canonical.len()].copy_from_slice(canonical.as_bytes());
        Ok(Self { bytes, len: canonical.len() as u8 })
    }

    fn check(name: &str) -> std::result::Result<(), &'static str> {
        if name.is_empty() || name.len() > Self::MAX_LEN {
            return Err("it must be 1 to 32 characters");
        }
        if !name.as_bytes()[0].is_ascii_lowercase() {
            return Err("it must start with a letter");
        }
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err("it may hold only letters, digits and `_`");
        }
        Ok(())
    }

    /// A platform from a name known at compile time (an invalid one fails to compile when used
    /// in a constant).
    pub const fn from_static(name: &'static str) -> Self {
        let src = name.as_bytes();
        assert!(!src.is_empty() && src.len() <= Self::MAX_LEN, "a platform name is 1 to 32 characters");
        assert!(src[0].is_ascii_lowercase(), "a platform name starts with a letter");
        let mut bytes = [0u8; Self::MAX_LEN];
        let mut i = 0;
        while i < src.len() {
            let b = src[i];
            assert!(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_', "a platform name is a-z, 0-9 and _");
            bytes[i] = b;
            i += 1;
        }
        Self { bytes, len: src.len() as u8 }
    }

    /// The name as stored and sent.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (checked by `new` and `from_static`).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Whether this project ships a publisher for it.
    pub fn is_built_in(&self) -> bool {
        Self::BUILT_IN.contains(self)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Platform({})", self.as_str())
    }
}

impl std::str::FromStr for Platform {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl serde::Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Self::new(&s).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Platform {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[a-z][a-z0-9_]{0,31}$"))
            .description(Some("A platform's name: built in `linkedin`, `customer_io`, `webflow`, `notion`, or any registered one."))
            .examples(["linkedin"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Platform {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_platforms_round_trip_through_text_and_json() {
        for p in Platform::BUILT_IN {
            assert_eq!(p.to_string().parse::<Platform>().unwrap(), *p);
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{p}\""));
            assert_eq!(serde_json::from_str::<Platform>(&json).unwrap(), *p);
            assert!(p.is_built_in());
        }
    }

    #[test]
    fn any_valid_name_is_a_platform() {
        let bluesky = Platform::new("Bluesky").unwrap();
        assert_eq!(bluesky.as_str(), "bluesky");
        assert!(!bluesky.is_built_in());
        assert_eq!(Platform::new("x_2").unwrap().to_string(), "x_2");
        assert_eq!(Platform::new(&"a".repeat(32)).unwrap().as_str().len(), 32);
    }

    #[test]
    fn a_bad_name_says_why() {
        for (bad, why) in [
            ("", "1 to 32"),
            ("2x", "start with a letter"),
            ("blue sky", "only letters"),
            ("../etc", "start with a letter"),
            ("café", "only letters"),
        ] {
            let err = Platform::new(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
        assert!(Platform::new(&"a".repeat(33)).is_err());
        assert!(serde_json::from_str::<Platform>("\"no/slash\"").is_err());
    }

    #[test]
    fn aliases_parse_but_the_canonical_name_is_written() {
        assert_eq!("customerio".parse::<Platform>().unwrap(), Platform::CUSTOMER_IO);
        assert_eq!(Platform::CUSTOMER_IO.to_string(), "customer_io");
        assert_eq!("LinkedIn".parse::<Platform>().unwrap(), Platform::LINKEDIN);
    }

    #[test]
    fn constants_can_be_matched() {
        let label = |p: Platform| match p {
            Platform::LINKEDIN => "li",
            Platform::CUSTOMER_IO => "cio",
            _ => "other",
        };
        assert_eq!(label(Platform::LINKEDIN), "li");
        assert_eq!(label(Platform::new("bluesky").unwrap()), "other");
    }
}
