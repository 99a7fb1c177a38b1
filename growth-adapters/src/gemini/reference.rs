//! What a person may give as a Google Meet `reference`.

use growth_core::{Error, Result};

use crate::http::{host_is, path_segment, web_address};

/// What a reference names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Reference {
    /// A meeting code (`abc-mnop-xyz`): the most recent conference of that meeting.
    MeetingCode(String),
    /// A conference record, as its resource name with the id percent-encoded
    /// (`conferenceRecords/<id>`).
    Record(String),
}

/// Reads `reference`: a meeting code, a pasted meeting link (`https://meet.google.com/abc-mnop-xyz`),
/// a conference record name (`conferenceRecords/<id>`) or its bare id.
///
/// # Errors
/// [`Error::InvalidInput`] on `reference` for an empty one, a link that is not a Meet meeting, or a
/// record name with more than one segment.
pub(super) fn parse(reference: &str) -> Result<Reference> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(Error::invalid_field("reference", "a Google Meet conference record or meeting code is required"));
    }
    if let Some(url) = web_address(reference) {
        let code = url.path_segments().and_then(|mut s| s.next()).map(str::to_ascii_lowercase).unwrap_or_default();
        if !host_is(&url, "meet.google.com") || !is_meeting_code(&code) {
            return Err(Error::invalid_field("reference", "this link is not a Google Meet meeting (https://meet.google.com/abc-mnop-xyz)"));
        }
        return Ok(Reference::MeetingCode(code));
    }
    if is_meeting_code(reference) {
        return Ok(Reference::MeetingCode(reference.to_owned()));
    }
    let id = reference.strip_prefix("conferenceRecords/").unwrap_or(reference);
    if id.contains('/') {
        return Err(Error::invalid_field("reference", format!("`{reference}` is not a conference record (conferenceRecords/<id>)")));
    }
    Ok(Reference::Record(format!("conferenceRecords/{}", path_segment("reference", id)?)))
}

/// `abc-mnop-xyz`: three groups of lowercase letters.
fn is_meeting_code(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3 && parts.iter().all(|p| (3..=4).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_codes_are_told_apart_from_record_ids() {
        assert!(is_meeting_code("abc-mnop-xyz"));
        assert!(!is_meeting_code("conferenceRecords/abc"));
        assert!(!is_meeting_code("a1b2c3"));
        assert!(!is_meeting_code("ABC-MNOP-XYZ"));
    }

    #[test]
    fn codes_links_names_and_ids_are_read() {
        let code = || Reference::MeetingCode("abc-mnop-xyz".into());
        assert_eq!(parse("abc-mnop-xyz").unwrap(), code());
        assert_eq!(parse("https://meet.google.com/abc-mnop-xyz").unwrap(), code());
        assert_eq!(parse("https://meet.google.com/ABC-MNOP-XYZ?authuser=1&hs=122").unwrap(), code());
        assert_eq!(parse("conferenceRecords/abc123").unwrap(), Reference::Record("conferenceRecords/abc123".into()));
        assert_eq!(parse(" abc123 ").unwrap(), Reference::Record("conferenceRecords/abc123".into()));
        assert_eq!(parse("a b?c").unwrap(), Reference::Record("conferenceRecords/a%20b%3Fc".into()));
    }

    #[test]
    fn other_links_and_nested_names_are_refused_naming_the_field() {
        for bad in ["", "https://meet.google.com/landing", "https://evil.example/abc-mnop-xyz", "conferenceRecords/a/../../x", ".."] {
            let e = parse(bad).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { field: Some(ref f), .. } if f == "reference"), "{bad}: {e}");
        }
    }
}
