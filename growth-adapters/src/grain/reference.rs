//! What a person may give as a Grain `reference`: the recording id, or a pasted link to it.

use growth_core::{Error, Result};

use crate::http::{host_is, segment_after, web_address};

/// The recording id `reference` names: the id itself, or the segment after `recording/` (or
/// `recordings/`) in a Grain link (`https://grain.com/share/recording/<id>/<share token>`,
/// `https://grain.com/app/recordings/<id>`), or in a link to `api_host`.
///
/// # Errors
/// [`Error::InvalidInput`] on `reference` for an empty one, a link to another site, or a link
/// with no recording id in it.
pub(super) fn recording_id(reference: &str, api_host: Option<&str>) -> Result<String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(Error::invalid_field("reference", "a Grain recording id is required"));
    }
    let Some(url) = web_address(reference) else { return Ok(reference.to_owned()) };
    if !(host_is(&url, "grain.com") || api_host.is_some_and(|h| url.host_str() == Some(h))) {
        return Err(Error::invalid_field("reference", "this link is not a Grain address; paste the recording's id or its grain.com link"));
    }
    segment_after(&url, &["recording", "recordings"]).ok_or_else(|| {
        Error::invalid_field("reference", "this Grain link names no recording (expected …/recording/<id>); paste the recording's id")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REC: &str = "b5185ccb-9a08-458c-9be1-db17a03fb14c";

    #[test]
    fn an_id_or_a_pasted_link_gives_the_recording_id() {
        assert_eq!(recording_id(REC, None).unwrap(), REC);
        for link in [
            format!("https://grain.com/share/recording/{REC}/Qm9vbXNoYXJldG9rZW4"),
            format!("https://grain.com/app/recordings/{REC}?tab=transcript"),
            format!("https://api.grain.com/_/public-api/v2/recordings/{REC}"),
        ] {
            assert_eq!(recording_id(&link, None).unwrap(), REC, "{link}");
        }
    }

    #[test]
    fn empty_foreign_or_id_less_links_are_refused_naming_the_field() {
        for bad in ["  ", "https://grain.example.com/share/recording/x", "https://grain.com/app/meetings"] {
            let e = recording_id(bad, None).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { field: Some(ref f), .. } if f == "reference"), "{bad}: {e}");
        }
    }
}
