//! UTM tags on every link of published content, and reading them back from a lead's landing URL.
//!
//! [`tag_links`] finds every `http(s)://` URL in Markdown or plain text (bare, `<…>` autolinks,
//! `[text](url "title")`, reference definitions) and sets:
//!
//! | parameter | value |
//! |---|---|
//! | `utm_source` | the platform's name (`linkedin`, `customer_io`, `webflow` …) |
//! | `utm_medium` | `social` (LinkedIn), `email` (Customer.io), `referral` (anything else) |
//! | `utm_campaign` | the source's slug (the episode or call the content came from) |
//! | `utm_content` | the content item id, a deterministic join back to `content_items` |
//!
//! Every `utm_*` parameter already on the link is removed first (GA's values are case-sensitive,
//! and a leftover `utm_id` from another campaign would split the attribution). Other parameters
//! keep their order, spelling and encoding byte for byte; fragments are kept; `mailto:`,
//! relative and other non-HTTP links are left alone. Tagging is idempotent: tagging tagged text
//! again changes nothing.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::domain::{ContentId, Platform};

/// The four tags put on each link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UtmTags {
    /// `utm_source`.
    pub source: String,
    /// `utm_medium`.
    pub medium: String,
    /// `utm_campaign`.
    pub campaign: String,
    /// `utm_content`.
    pub content: String,
}

impl UtmTags {
    /// The tags for content item `content_id`, published on `platform`, made from the source
    /// whose slug is `campaign`.
    pub fn for_item(platform: Platform, campaign: impl Into<String>, content_id: ContentId) -> Self {
        Self {
            source: platform.to_string(),
            medium: medium_for(platform).to_owned(),
            campaign: campaign.into(),
            content: content_id.to_string(),
        }
    }

    fn pairs(&self) -> [(&'static str, &str); 4] {
        [("utm_source", &self.source), ("utm_medium", &self.medium), ("utm_campaign", &self.campaign), ("utm_content", &self.content)]
    }
}

/// The `utm_medium` of a platform: `social` for LinkedIn, `email` for Customer.io, `referral`
/// for the rest (blog, tracking pages, platforms registered later).
pub fn medium_for(platform: Platform) -> &'static str {
    match platform {
        Platform::LINKEDIN => "social",
        Platform::CUSTOMER_IO => "email",
        _ => "referral",
    }
}

/// Which links get tagged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagOptions {
    /// Only links to these hosts (and their subdomains), e.g. your own site; all links when empty.
    pub only_hosts: Vec<String>,
}

impl TagOptions {
    fn wants(&self, url: &Url) -> bool {
        if self.only_hosts.is_empty() {
            return true;
        }
        let Some(host) = url.host_str() else { return false };
        self.only_hosts.iter().any(|h| {
            let h = h.trim().trim_start_matches("www.").to_ascii_lowercase();
            let host = host.trim_start_matches("www.");
            host == h || host.ends_with(&format!(".{h}"))
        })
    }
}

/// `url` with `tags` set (see the module docs), or `None` when it is not an absolute
/// `http`/`https` URL (those are never touched).
pub fn tag_url(url: &str, tags: &UtmTags) -> Option<String> {
    let mut parsed = Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return None;
    }
    let kept: Vec<&str> = parsed.query().map(|q| q.split('&').filter(|p| !p.is_empty() && !is_utm(p)).collect()).unwrap_or_default();
    let mut query = kept.join("&");
    for (k, v) in tags.pairs() {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(k);
        query.push('=');
        query.extend(url::form_urlencoded::byte_serialize(v.as_bytes()));
    }
    parsed.set_query(Some(&query));
    Some(parsed.into())
}

/// Whether a raw `name=value` query segment is a `utm_*` parameter (any case).
fn is_utm(segment: &str) -> bool {
    let name = segment.split('=').next().unwrap_or_default();
    let decoded: String = url::form_urlencoded::parse(name.as_bytes()).map(|(k, _)| k.into_owned()).next().unwrap_or_default();
    decoded.to_ascii_lowercase().starts_with("utm_")
}

/// `text` with every `http(s)` link tagged (see the module docs).
pub fn tag_links(text: &str, tags: &UtmTags) -> String {
    tag_links_with(text, tags, &TagOptions::default())
}

/// [`tag_links`], tagging only the links `options` selects.
pub fn tag_links_with(text: &str, tags: &UtmTags, options: &TagOptions) -> String {
    let mut out = String::with_capacity(text.len() + 128);
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        let len = url_len(candidate);
        let raw = &candidate[..len];
        match Url::parse(raw).ok().filter(|u| options.wants(u)).and_then(|_| tag_url(raw, tags)) {
            Some(tagged) => out.push_str(&tagged),
            None => out.push_str(raw),
        }
        rest = &candidate[len..];
        if len == 0 {
            // Not a URL after all: keep the character and move on.
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out.push_str(rest);
    out
}

/// Where the next `http://` or `https://` (any case) starts that is not inside a word.
fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("http").map(|i| i + from) {
        let after = &lower[i..];
        let scheme = after.starts_with("http://") || after.starts_with("https://");
        let boundary = text[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        if scheme && boundary {
            return Some(i);
        }
        from = i + 4;
    }
    None
}

/// How many bytes of `text` (starting at a scheme) belong to the URL: up to whitespace, `<`,
/// `>`, a quote or a backtick; a `)` or `]` closes it unless an opening one is inside it
/// (`…/Rust_(language)`); trailing sentence punctuation and Markdown emphasis are left outside.
fn url_len(text: &str) -> usize {
    let mut depth_paren = 0i32;
    let mut depth_bracket = 0i32;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        match c {
            c if c.is_whitespace() => break,
            '<' | '>' | '"' | '`' | '\'' if i > 0 => break,
            '(' => depth_paren += 1,
            ')' if depth_paren == 0 => break,
            ')' => depth_paren -= 1,
            '[' => depth_bracket += 1,
            ']' if depth_bracket == 0 => break,
            ']' => depth_bracket -= 1,
            _ => {}
        }
        end = i + c.len_utf8();
    }
    let url = &text[..end];
    let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_', '~']);
    // A scheme alone (`https://`) is not a link.
    if trimmed.ends_with("://") { 0 } else { trimmed.len() }
}

/// Every `http(s)` link in `text` (Markdown or plain text), as written.
pub fn links(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        let candidate = &rest[start..];
        let len = url_len(candidate);
        if len == 0 {
            let mut chars = candidate.chars();
            chars.next();
            rest = chars.as_str();
            continue;
        }
        out.push(&candidate[..len]);
        rest = &candidate[len..];
    }
    out
}

/// What identifies the page a URL lands on, whatever its tags: the host in lower case without
/// `www.`, and the path without its trailing `/` (scheme, port, query and fragment ignored).
/// `None` for what is not an absolute `http(s)` URL.
pub fn page_key(url: &str) -> Option<String> {
    let parsed = Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = parsed.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    Some(format!("{host}{}", parsed.path().trim_end_matches('/')))
}

/// The UTM parameters of a landing URL (a lead's first page), `None` when it has none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UtmParams {
    /// `utm_source`.
    pub source: Option<String>,
    /// `utm_medium`.
    pub medium: Option<String>,
    /// `utm_campaign`.
    pub campaign: Option<String>,
    /// `utm_content`.
    pub content: Option<String>,
    /// `utm_term`.
    pub term: Option<String>,
    /// `utm_id`.
    pub id: Option<String>,
}

impl UtmParams {
    /// Reads the `utm_*` parameters of `url` (names in any case; values as given, decoded).
    /// `None` when `url` is not an absolute URL or has no `utm_*` parameter.
    pub fn from_url(url: &str) -> Option<Self> {
        let parsed = Url::parse(url.trim()).ok()?;
        let mut p = UtmParams::default();
        let mut any = false;
        for (k, v) in parsed.query_pairs() {
            let slot = match k.to_ascii_lowercase().as_str() {
                "utm_source" => &mut p.source,
                "utm_medium" => &mut p.medium,
                "utm_campaign" => &mut p.campaign,
                "utm_content" => &mut p.content,
                "utm_term" => &mut p.term,
                "utm_id" => &mut p.id,
                _ => continue,
            };
            any = true;
            // The first occurrence wins, as in GA.
            if slot.is_none() && !v.is_empty() {
                *slot = Some(v.into_owned());
            }
        }
        any.then_some(p)
    }

    /// The content item named by `utm_content`, when it is one of our ids.
    pub fn content_id(&self) -> Option<ContentId> {
        self.content.as_deref()?.parse().ok()
    }

    /// The platform named by `utm_source`, when it is a valid platform name.
    pub fn platform(&self) -> Option<Platform> {
        Platform::new(self.source.as_deref()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn tags() -> UtmTags {
        let id: ContentId = "0190c2a4-7b7e-7cc0-8d1e-5f3a2b1c0d9e".parse().unwrap();
        UtmTags::for_item(Platform::LINKEDIN, "founders-talk-55", id)
    }

    const Q: &str = "utm_source=linkedin&utm_medium=social&utm_campaign=founders-talk-55&utm_content=0190c2a4-7b7e-7cc0-8d1e-5f3a2b1c0d9e";

    #[test]
    fn links_are_found_and_pages_compare_without_tags() {
        let text = "See [the guide](https://www.productled.com/guide/?utm_source=x) and https://example.com/a.";
        assert_eq!(links(text), vec!["https://www.productled.com/guide/?utm_source=x", "https://example.com/a"]);
        assert_eq!(page_key("https://www.ProductLed.com/guide/?utm_source=x#top"), Some("productled.com/guide".into()));
        assert_eq!(page_key("http://productled.com/guide"), page_key("https://www.productled.com/guide/?a=1"));
        assert_ne!(page_key("https://productled.com/guide"), page_key("https://productled.com/Guide"));
        assert_eq!(page_key("mailto:a@b.co"), None);
        assert_eq!(page_key("/relative"), None);
    }

    #[test]
    fn a_bare_link_gets_the_four_tags() {
        assert_eq!(tag_links("See https://example.com/pricing now", &tags()), format!("See https://example.com/pricing?{Q} now"));
    }

    #[test]
    fn existing_utm_tags_are_replaced_and_other_params_keep_case_order_and_fragment() {
        let url = "https://Example.com/a?Ref=Top&UTM_Source=twitter&x=1%2C2&utm_id=9#Pricing-Table";
        assert_eq!(tag_url(url, &tags()).unwrap(), format!("https://example.com/a?Ref=Top&x=1%2C2&{Q}#Pricing-Table"));
    }

    #[test]
    fn markdown_links_autolinks_and_titles_are_tagged_in_place() {
        let md = "Read [the post](https://example.com/blog/plg \"PLG\"), <https://example.com/x>, or [wiki](https://en.wikipedia.org/wiki/Rust_(language)).\n\n[ref]: https://example.com/r";
        let out = tag_links(md, &tags());
        assert!(out.contains(&format!("[the post](https://example.com/blog/plg?{Q} \"PLG\")")), "{out}");
        assert!(out.contains(&format!("<https://example.com/x?{Q}>")), "{out}");
        assert!(out.contains(&format!("(https://en.wikipedia.org/wiki/Rust_(language)?{Q})")), "{out}");
        assert!(out.ends_with(&format!("[ref]: https://example.com/r?{Q}")), "{out}");
    }

    #[test]
    fn mailto_relative_and_other_links_are_untouched() {
        let md = "Mail [us](mailto:hi@example.com), see [docs](/docs/start) or ftp://files.example.com and xhttps://no";
        assert_eq!(tag_links(md, &tags()), md);
    }

    #[test]
    fn sentence_punctuation_stays_outside_the_link() {
        let out = tag_links("Go to https://example.com/a. Or **https://example.com/b**!", &tags());
        assert_eq!(out, format!("Go to https://example.com/a?{Q}. Or **https://example.com/b?{Q}**!"));
    }

    #[test]
    fn only_the_chosen_hosts_are_tagged() {
        let opts = TagOptions { only_hosts: vec!["example.com".into()] };
        let out = tag_links_with("https://www.example.com/a https://blog.example.com/b https://other.org/c", &tags(), &opts);
        assert_eq!(out, format!("https://www.example.com/a?{Q} https://blog.example.com/b?{Q} https://other.org/c"));
    }

    #[test]
    fn the_medium_follows_the_platform() {
        let id = ContentId::new();
        assert_eq!(UtmTags::for_item(Platform::CUSTOMER_IO, "ep", id).medium, "email");
        assert_eq!(UtmTags::for_item(Platform::WEBFLOW, "ep", id).medium, "referral");
        assert_eq!(UtmTags::for_item(Platform::LINKEDIN, "ep", id).source, "linkedin");
    }

    #[test]
    fn a_landing_url_gives_back_the_item_and_platform() {
        let tagged = tag_url("https://example.com/demo?plan=pro", &tags()).unwrap();
        let p = UtmParams::from_url(&tagged).unwrap();
        assert_eq!(p.content_id(), Some("0190c2a4-7b7e-7cc0-8d1e-5f3a2b1c0d9e".parse().unwrap()));
        assert_eq!(p.platform(), Some(Platform::LINKEDIN));
        assert_eq!(p.campaign.as_deref(), Some("founders-talk-55"));
        assert_eq!(UtmParams::from_url("https://example.com/?plan=pro"), None);
        assert_eq!(UtmParams::from_url("/relative?utm_source=x"), None);
        assert_eq!(UtmParams::from_url("https://e.com/?UTM_CONTENT=nope").unwrap().content_id(), None);
    }

    fn arb_url() -> impl Strategy<Value = String> {
        (
            prop_oneof![Just("http"), Just("https"), Just("HTTPS")],
            "[a-z]{1,8}\\.(com|org|io)",
            "(/[A-Za-z0-9_-]{1,6}){0,3}",
            proptest::collection::vec(("(utm_[a-z]{2,6}|UTM_Source|[A-Za-z]{1,5})", "[A-Za-z0-9%.-]{0,5}"), 0..4),
            proptest::option::of("[A-Za-z0-9-]{1,8}"),
        )
            .prop_map(|(scheme, host, path, params, frag)| {
                let mut u = format!("{scheme}://{host}{path}");
                if !params.is_empty() {
                    u.push('?');
                    u.push_str(&params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"));
                }
                if let Some(f) = frag {
                    u.push('#');
                    u.push_str(&f);
                }
                u
            })
    }

    proptest! {
        #[test]
        fn tagging_twice_changes_nothing(words in proptest::collection::vec(prop_oneof![arb_url(), "[a-z .,!]{0,12}"], 0..8)) {
            let text = words.join(" ");
            let once = tag_links(&text, &tags());
            prop_assert_eq!(tag_links(&once, &tags()), once);
        }

        #[test]
        fn every_tagged_url_carries_exactly_our_tags_and_keeps_the_rest(url in arb_url()) {
            let tagged = tag_url(&url, &tags()).unwrap();
            let parsed = Url::parse(&tagged).unwrap();
            let utm: Vec<(String, String)> = parsed
                .query_pairs()
                .filter(|(k, _)| k.to_ascii_lowercase().starts_with("utm_"))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let ours: Vec<(String, String)> = tags().pairs().iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            prop_assert_eq!(utm, ours);
            let original = Url::parse(&url).unwrap();
            let others = |u: &Url| -> Vec<String> {
                u.query().unwrap_or_default().split('&').filter(|p| !p.is_empty() && !is_utm(p)).map(str::to_owned).collect()
            };
            prop_assert_eq!(others(&parsed), others(&original));
            prop_assert_eq!(parsed.fragment(), original.fragment());
            prop_assert_eq!(parsed.path(), original.path());
        }

        #[test]
        fn text_without_links_is_returned_unchanged(text in "[^h]{0,80}") {
            prop_assert_eq!(tag_links(&text, &tags()), text);
        }
    }
}
