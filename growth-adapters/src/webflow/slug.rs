//! Post slugs: titles to Webflow slugs (the body's HTML is the shared [`crate::markdown`]).

/// Webflow's longest slug.
pub(super) const MAX_SLUG: usize = 100;

/// The slug of a title: lower-case ASCII letters and digits joined by single hyphens (accents
/// transliterated), at most [`MAX_SLUG`] characters, cut at a hyphen when it has to be cut.
pub(super) fn slugify(title: &str) -> String {
    cut(&slug::slugify(title), MAX_SLUG)
}

/// `base` for the first attempt, `base-n` after that, still at most [`MAX_SLUG`] characters.
pub(super) fn with_suffix(base: &str, attempt: u32) -> String {
    if attempt <= 1 {
        return base.to_owned();
    }
    let suffix = format!("-{attempt}");
    format!("{}{suffix}", cut(base, MAX_SLUG - suffix.len()))
}

/// `s` (ASCII) cut to at most `max` characters, at the last hyphen when the cut falls in a word.
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let head = &s[..max];
    let head = if s.as_bytes()[max] == b'-' { head } else { head.rsplit_once('-').map_or(head, |(h, _)| h) };
    head.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_lowercase_ascii_hyphenated_slugs() {
        assert_eq!(slugify("The PLG Paradox: Why “Free” Isn't Product-Led!"), "the-plg-paradox-why-free-isn-t-product-led");
        assert_eq!(slugify("Café  Déjà vu"), "cafe-deja-vu");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn long_slugs_are_cut_at_a_hyphen_and_keep_room_for_the_suffix() {
        let title = "word ".repeat(40);
        let s = slugify(&title);
        assert!(s.len() <= MAX_SLUG && s.ends_with("word") && !s.ends_with('-'), "{s}");
        let s2 = with_suffix(&s, 12);
        assert!(s2.len() <= MAX_SLUG && s2.ends_with("word-12"), "{s2}");
        assert_eq!(with_suffix("a-b", 1), "a-b");
        assert_eq!(with_suffix("a-b", 2), "a-b-2");
        assert_eq!(slugify(&"x".repeat(150)).len(), MAX_SLUG);
    }
}
