//! Following a drafts answer as it streams: which draft the model is writing and roughly how many
//! tokens each has so far, for [`StreamProgress`].
//!
//! The answer is the `{"drafts": [{…}, {…}]}` object of [`DRAFTS_JSON_FORMAT`](crate::drafts::DRAFTS_JSON_FORMAT);
//! a draft begins where an object opens directly inside the array that is directly inside the
//! top-level object. The scan skips string contents (escapes included), so braces inside a post do
//! not count. Tokens are estimated per chunk with the cl100k tokenizer (close enough for a progress
//! bar; the provider's own count replaces the total once it reports one).

use growth_core::generate::{GenerationObserver, StreamProgress};

/// The scan of one streamed answer.
#[derive(Debug, Default)]
pub(crate) struct DraftTracker {
    /// Open containers: `true` for an object, `false` for an array.
    stack: Vec<bool>,
    in_string: bool,
    escaped: bool,
    progress: StreamProgress,
    /// The provider's output count, once known.
    reported: Option<u64>,
}

impl DraftTracker {
    /// Reads the next piece of the answer's text.
    pub(crate) fn push(&mut self, text: &str) {
        let mut segment_start = 0;
        for (i, c) in text.char_indices() {
            if self.in_string {
                match (self.escaped, c) {
                    (true, _) => self.escaped = false,
                    (false, '\\') => self.escaped = true,
                    (false, '"') => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => self.in_string = true,
                '{' => {
                    if self.stack == [true, false] {
                        self.count(&text[segment_start..i]);
                        segment_start = i;
                        self.progress.draft_tokens.push(0);
                    }
                    self.stack.push(true);
                }
                '[' => self.stack.push(false),
                '}' | ']' => {
                    self.stack.pop();
                }
                _ => {}
            }
        }
        self.count(&text[segment_start..]);
    }

    /// The provider reported the answer's output tokens.
    pub(crate) fn set_output_tokens(&mut self, n: u64) {
        self.reported = Some(n);
        self.progress.output_tokens = n;
    }

    /// The figures so far.
    #[cfg(test)]
    pub(crate) fn progress(&self) -> &StreamProgress {
        &self.progress
    }

    /// Tells `observer` the figures so far.
    pub(crate) fn report(&self, observer: &dyn GenerationObserver) {
        observer.on_progress(&self.progress);
    }

    fn count(&mut self, segment: &str) {
        if segment.is_empty() {
            return;
        }
        let n = tiktoken_rs::cl100k_base_singleton().encode_ordinary(segment).len() as u64;
        if let Some(current) = self.progress.draft_tokens.last_mut() {
            *current += n;
        }
        if self.reported.is_none() {
            self.progress.output_tokens += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(chunks: &[&str]) -> StreamProgress {
        let mut t = DraftTracker::default();
        for c in chunks {
            t.push(c);
        }
        t.progress().clone()
    }

    #[test]
    fn drafts_are_found_in_any_chunking_and_braces_in_strings_do_not_count() {
        let answer = r#"```json
{"drafts":[{"title":"A {not} [one]","content":"Say \"{hi}\" \\","format":null},{"title":null,"content":"Two","format":"story"}]}
```"#;
        let whole = track(&[answer]);
        assert_eq!(whole.draft_tokens.len(), 2);
        for cut in 1..answer.len() {
            if !answer.is_char_boundary(cut) {
                continue;
            }
            let split = track(&[&answer[..cut], &answer[cut..]]);
            assert_eq!(split.draft_tokens.len(), 2, "cut at {cut}");
        }
        assert!(whole.draft_tokens[0] > whole.draft_tokens[1], "{whole:?}");
        assert!(whole.output_tokens >= whole.draft_tokens.iter().sum::<u64>());
    }

    #[test]
    fn text_that_is_not_the_drafts_shape_counts_tokens_but_no_draft() {
        let p = track(&["Here are ", "your posts: [{\"a\": 1}]"]);
        assert!(p.draft_tokens.is_empty());
        assert!(p.output_tokens > 0);
    }

    #[test]
    fn the_reported_count_replaces_the_estimate() {
        let mut t = DraftTracker::default();
        t.push(r#"{"drafts":[{"content":"x"}"#);
        t.set_output_tokens(42);
        t.push("]}");
        assert_eq!(t.progress().output_tokens, 42);
        assert_eq!(t.progress().draft_tokens.len(), 1);
    }
}
