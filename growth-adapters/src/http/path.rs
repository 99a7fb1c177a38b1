//! Ids in URL paths, and recording ids in pasted web addresses.
//!
//! An id that came from a person (a pasted reference) or from a platform's answer is never spliced
//! into a URL as is: `a/b`, `x?y=1`, `x#f` or `..` would add a segment, a query, a fragment or walk
//! up the path. [`path_segment`] percent-encodes everything but RFC 3986's unreserved characters
//! and refuses the dot segments, which URL parsers resolve even when encoded (`%2e%2e`).

use growth_core::Error;
use reqwest::Url;

/// `id` as exactly one URL path segment: every byte but `A–Z a–z 0–9 - . _ ~` is percent-encoded.
///
/// # Errors
/// [`Error::InvalidInput`] on `field` when `id` is empty, `.` or `..`.
pub fn path_segment(field: &str, id: &str) -> Result<String, Error> {
    if id.is_empty() || id == "." || id == ".." {
        return Err(Error::invalid_field(field.to_owned(), format!("`{id}` is not an id")));
    }
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

/// `reference` as a web address, when it is an `http://` or `https://` URL (a pasted link).
pub fn web_address(reference: &str) -> Option<Url> {
    let r = reference.trim();
    let lower = r.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    Url::parse(r).ok()
}

/// Whether `url`'s host is `domain` or one of its subdomains (case-insensitive).
pub fn host_is(url: &Url, domain: &str) -> bool {
    url.host_str().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h == domain || h.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.'))
    })
}

/// The decoded path segment right after the first segment named one of `markers`
/// (`…/recordings/<id>/…`), when there is a non-empty one.
pub fn segment_after(url: &Url, markers: &[&str]) -> Option<String> {
    let mut segments = url.path_segments()?;
    segments.by_ref().find(|s| markers.iter().any(|m| s.eq_ignore_ascii_case(m)))?;
    segments.next().map(percent_decode).filter(|s| !s.trim().is_empty())
}

/// Decodes `%XX` escapes (invalid escapes are kept as they are; invalid UTF-8 is replaced).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            // Two hex digits make one byte: h, l < 16.
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `url` as it may be logged: scheme, host, port and path, with the query and fragment (where
/// pre-signed links carry their signatures) replaced by `?…`.
pub fn loggable_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    let had_query = shown.query().is_some() || shown.fragment().is_some();
    shown.set_query(None);
    shown.set_fragment(None);
    let mut out = shown.to_string();
    if had_query {
        out.push_str("?…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_becomes_one_segment_whatever_it_contains() {
        assert_eq!(path_segment("reference", "rec_7f3a-B.9~").unwrap(), "rec_7f3a-B.9~");
        assert_eq!(path_segment("reference", "a/b?c=1#d").unwrap(), "a%2Fb%3Fc%3D1%23d");
        assert_eq!(path_segment("reference", "sp ace%").unwrap(), "sp%20ace%25");
        assert_eq!(path_segment("reference", "é").unwrap(), "%C3%A9");
        for bad in ["", ".", ".."] {
            let e = path_segment("reference", bad).unwrap_err();
            assert!(matches!(e, Error::InvalidInput { field: Some(ref f), .. } if f == "reference"), "{bad:?}");
        }
        // Joined into a URL, the encoded id stays one segment.
        let url = Url::parse(&format!("https://x.example/api/{}/t", path_segment("id", "../../admin?x").unwrap())).unwrap();
        assert_eq!(url.path(), "/api/..%2F..%2Fadmin%3Fx/t");
        assert_eq!(url.query(), None);
    }

    #[test]
    fn only_http_addresses_are_web_addresses() {
        assert!(web_address(" https://riverside.fm/x ").is_some());
        assert!(web_address("HTTP://grain.com/x").is_some());
        assert!(web_address("rec_123").is_none());
        assert!(web_address("conferenceRecords/abc").is_none());
        assert!(web_address("ftp://x.example/a").is_none());
    }

    #[test]
    fn hosts_match_the_domain_and_its_subdomains_only() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(host_is(&u("https://riverside.fm/a"), "riverside.fm"));
        assert!(host_is(&u("https://Platform.Riverside.FM/a"), "riverside.fm"));
        assert!(!host_is(&u("https://evilriverside.fm/a"), "riverside.fm"));
        assert!(!host_is(&u("https://riverside.fm.evil.example/a"), "riverside.fm"));
    }

    #[test]
    fn the_segment_after_a_marker_is_decoded() {
        let u = Url::parse("https://grain.com/share/recording/b5185ccb/tok?x=1").unwrap();
        assert_eq!(segment_after(&u, &["recording", "recordings"]).as_deref(), Some("b5185ccb"));
        let u = Url::parse("https://x.example/recordings/a%20b").unwrap();
        assert_eq!(segment_after(&u, &["recordings"]).as_deref(), Some("a b"));
        let u = Url::parse("https://x.example/recordings/").unwrap();
        assert_eq!(segment_after(&u, &["recordings"]), None);
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn a_logged_url_keeps_no_query_fragment_or_credentials() {
        let u = Url::parse("https://user:pw@cdn.example/t/1.srt?X-Amz-Signature=s3cr3t#frag").unwrap();
        let shown = loggable_url(&u);
        assert_eq!(shown, "https://cdn.example/t/1.srt?…");
        assert_eq!(loggable_url(&Url::parse("https://api.example/v2/x").unwrap()), "https://api.example/v2/x");
    }
}
