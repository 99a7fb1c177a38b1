//! What a person may give as a Riverside `reference`: the recording id, or a pasted link to it.

use growth_core::{Error, Result};

use crate::http::{host_is, segment_after, web_address};

/// The recording id `reference` names: the id itself, or the segment after `recordings/` (or
/// `recording/`) in a Riverside link (`https://riverside.fm/dashboard/studios/s/recordings/<id>`,
/// `https://platform.riverside.fm/api/v3/recordings/<id>`), or in a link to `api_host`.
///
/// # Errors
/// [`Error::InvalidInput`] on `reference` for an empty one, a link to another site, or a link
/// with no recording id in it.
pub(super) fn recording_id(reference: &str, api_host: Option<&str>) -> Result<String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(Error::invalid_field("reference", "a Riverside recording id is required"));
    }
    let Some(url) = web_address(reference) else { return Ok(reference.to_owned()) };
    let ours = host_is(&url, "riverside.fm") || host_is(&url, "riverside.com") || api_host.is_some_and(|h| url.host_str() == Some(h));
    if !ours {
        return Err(Error::invalid_field(
            "reference",
            "this link is not a Riverside address; paste the recording's id or its riverside.fm link",
        ));
    }
    segment_after(&url, &["recordings", "recording"]).ok_or_else(|| {
        Error::invalid_field("reference", "this Riverside link names no recording (expected …/recordings/<id>); paste the recording's id")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_or_a_pasted_link_gives_the_recording_id() {
        assert_eq!(recording_id(" rec_7f3a ", None).unwrap(), "rec_7f3a");
        for link in [
            "https://riverside.fm/dashboard/studios/my-show/recordings/rec_7f3a",
            "https://riverside.fm/dashboard/studios/my-show/recordings/rec_7f3a/edit?tab=tracks",
            "https://platform.riverside.fm/api/v3/recordings/rec_7f3a",
            "https://www.riverside.com/recording/rec_7f3a",
        ] {
            assert_eq!(recording_id(link, None).unwrap(), "rec_7f3a", "{link}");
        }
        assert_eq!(recording_id("http://127.0.0.1:9000/api/v3/recordings/r1", Some("127.0.0.1")).unwrap(), "r1");
    }

    #[test]
    fn empty_foreign_or_id_less_links_are_refused_naming_the_field() {
        for bad in ["", "https://evil.example/recordings/rec_1", "https://riverside.fm/dashboard/studios/my-show"] {
            let e = recording_id(bad, None).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { field: Some(ref f), .. } if f == "reference"), "{bad}: {e}");
        }
    }
}
