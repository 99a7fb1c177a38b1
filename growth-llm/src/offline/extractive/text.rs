//! Turning a transcript into clean, scored sentences: speaker turns, sentence splitting, filler
//! removal and the "quotability" features.

use growth_core::quality::disfluency::disfluencies;
use growth_core::transcript;
use growth_core::{Error, Result};
use unicode_segmentation::UnicodeSegmentation;

/// One speaker turn: consecutive segments of one speaker (or of no known speaker).
#[derive(Debug)]
pub(super) struct Turn {
    pub(super) speaker: Option<usize>,
    pub(super) text: String,
}

/// The speakers and turns of a source text.
#[derive(Debug)]
pub(super) struct Turns {
    pub(super) speakers: Vec<String>,
    pub(super) turns: Vec<Turn>,
}

/// Reads `source` with the transcript parser (any format it knows, `Name: text` labels included)
/// and merges consecutive segments of the same speaker into turns.
pub(super) fn turns(source: &str) -> Result<Turns> {
    let parsed = transcript::parse(source.as_bytes(), None)
        .map_err(|e| Error::invalid_field("source_text", format!("the source cannot be read as a transcript: {e}")))?;
    let mut speakers: Vec<String> = Vec::new();
    let mut turns: Vec<Turn> = Vec::new();
    for segment in parsed.transcript.segments {
        let speaker = segment.speaker.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|name| {
            speakers.iter().position(|s| s == name).unwrap_or_else(|| {
                speakers.push(name.to_owned());
                speakers.len() - 1
            })
        });
        match turns.last_mut() {
            Some(last) if last.speaker == speaker => {
                last.text.push(' ');
                last.text.push_str(segment.text.trim());
            }
            _ => turns.push(Turn { speaker, text: segment.text.trim().to_owned() }),
        }
    }
    Ok(Turns { speakers, turns })
}

/// Splits a turn into sentences (UAX #29 sentence boundaries).
pub(super) fn split_sentences(text: &str) -> impl Iterator<Item = &str> {
    text.unicode_sentences().map(str::trim).filter(|s| !s.is_empty())
}

const FILLER_TOKENS: &[&str] = &["um", "uh", "umm", "uhh", "erm", "er", "hmm", "mm", "mhm", "uh-huh"];

/// Leading discourse markers that add nothing when a line is quoted on its own.
#[rustfmt::skip]
const LEADING_MARKERS: &[&str] = &[
    "and", "so", "so,", "and,", "yeah,", "yeah.", "yeah", "yep,", "yes,", "well,", "okay,", "okay.", "ok,", "oh,", "right,", "right.",
    "look,", "now,", "alright,", "anyway,", "like,", "um,", "uh,", "um", "uh", "because", "cause", "'cause", "well", "also,",
    "honestly,", "basically,", "like",
];

/// A transcript sentence made fit to quote: bracketed asides (`[laughs]`), Markdown marks,
/// fillers (`um`, `uh`, `you know,`, `I mean,`), leading discourse markers (`So`, `And`,
/// `Yeah,`) and broken-off speech (`--`, `...`) removed; the first letter capitalised and a full
/// stop added when the sentence has none. Empty when nothing is left.
pub(super) fn clean(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    // Drop bracketed asides, escaped or not: "\[laughs\]", "[unintelligible 00:53:35.17]".
    let mut depth = 0usize;
    for c in raw.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '\\' | '*' => {}
            '’' if depth == 0 => text.push('\''),
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    let mut text = text.replace("--", ", ").replace('…', "...").replace("...", ", ");
    text = without_disfluencies(&text);
    // A quote that opens in one sentence and closes in another leaves a stray mark: drop them all.
    if text.matches('"').count() % 2 == 1 || text.matches('“').count() != text.matches('”').count() {
        text.retain(|c| !matches!(c, '"' | '“' | '”'));
    }
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let bare = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_lowercase();
        if FILLER_TOKENS.contains(&bare.as_str()) {
            i += 1;
            continue;
        }
        let pair = tokens.get(i + 1).map(|n| (t.to_lowercase(), n.to_lowercase()));
        if let Some((a, b)) = pair
            && ((a == "you" && b == "know,") || (a == "i" && b == "mean,"))
        {
            i += 2;
            continue;
        }
        kept.push(t);
        i += 1;
    }
    // Leading markers, as often as they repeat ("Yeah, so, and ...").
    let mut start = 0;
    while start < kept.len() && kept.len() - start > 3 && LEADING_MARKERS.contains(&kept[start].to_lowercase().as_str()) {
        start += 1;
    }
    let mut out = kept[start..].join(" ");
    // Tidy punctuation left behind by removals.
    for (from, to) in [(" ,", ","), (",,", ","), (", ,", ","), (",.", "."), (", .", "."), (" .", "."), (" ?", "?"), (" !", "!")] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    let out = out.trim_start_matches(|c: char| c == ',' || c == '.' || c == ';' || c == ':' || c.is_whitespace());
    let mut out = out.trim_end_matches(|c: char| c == ',' || c == ';' || c == ':' || c.is_whitespace()).to_owned();
    if out.is_empty() {
        return out;
    }
    if let Some(first) = out.chars().next()
        && first.is_lowercase()
    {
        let upper: String = first.to_uppercase().collect();
        out.replace_range(..first.len_utf8(), &upper);
    }
    if !out.ends_with(['.', '!', '?', '"', '\'', '”', ')']) {
        out.push('.');
    }
    out
}

/// `text` with what the `disfluency` gate finds removed: the first copy of a repeated word or
/// restarted phrase ("I'm I'm" → "I'm", "we, we" → "we") and fillers ("um", "you know",
/// "so yeah"), until none is left; punctuation left behind is tidied by [`clean`].
pub(super) fn without_disfluencies(text: &str) -> String {
    let mut out = text.to_owned();
    for _ in 0..4 {
        let found = disfluencies(&out);
        if found.is_empty() {
            break;
        }
        for d in found.iter().rev() {
            out.replace_range(d.remove[0]..d.remove[1], "");
        }
    }
    out
}

/// Common words that say nothing about the topic (stop words and spoken fillers).
#[rustfmt::skip]
pub(super) const STOPWORDS: &[&str] = &[
    "a", "about", "above", "actually", "after", "again", "against", "all", "also", "am", "an", "and", "any", "anything", "are",
    "aren't", "as", "at", "basically", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "can't", "cool", "could", "definitely", "did", "didn't", "do", "does", "doesn't", "doing", "don't", "down", "during", "each",
    "even", "every", "everything", "few", "for", "from", "further", "get", "gets", "getting", "go", "goes", "going", "gonna", "got",
    "guess", "had", "has", "have", "having", "he", "he's", "her", "here", "hers", "him", "his", "how", "i", "i'd", "i'll", "i'm",
    "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its", "itself", "just", "kind", "know", "like", "literally", "lot",
    "lots", "make", "maybe", "me", "mean", "more", "most", "much", "my", "no", "nor", "not", "now", "of", "off", "oh", "ok", "okay",
    "on", "once", "one", "only", "or", "other", "our", "ours", "out", "over", "own", "pretty", "probably", "put", "really", "right",
    "said", "same", "say", "says", "see", "she", "she's", "should", "so", "some", "something", "sort", "still", "stuff", "such", "sure",
    "than", "that", "that's", "the", "their", "them", "then", "there", "there's", "these", "they", "they're", "thing", "things",
    "think", "this", "those", "through", "to", "too", "totally", "uh", "um", "under", "until", "up", "us", "very", "want", "wanna",
    "was", "wasn't", "way", "we", "we'd", "we'll", "we're", "we've", "well", "went", "were", "what", "what's", "when", "where", "which",
    "while", "who", "why", "will", "with", "won't", "would", "yeah", "yep", "yes", "you", "you'd", "you'll", "you're", "you've", "your",
    "yours", "gotta", "let", "let's", "lets", "whatever", "anyway", "okay", "alright", "able", "find", "come", "comes", "came", "need",
    "needs", "around", "little", "first", "big", "good", "great", "better", "best", "many", "take", "takes", "took", "give", "gives",
    "talk", "talking", "look", "looking", "start", "started", "try", "trying", "use", "used", "work", "works", "doing", "done", "feel",
    "felt", "happen", "happens", "happened", "keep", "kept", "tell", "told", "ask", "asked", "awesome", "super", "sometimes", "often",
    "times", "time", "lot", "bunch", "part", "whole", "point", "kinda", "bit", "different", "new", "old", "hard", "easy", "long",
    "years", "year", "day", "days", "people", "person", "someone", "somebody", "everybody", "everyone", "anybody", "able", "across",
    "yet", "already", "again", "back", "ever", "never", "always", "whether", "though",
    "talked", "whereas", "they'll", "it'll", "whatnot", "sounds", "sound", "last", "near", "type", "types", "certain", "course",
    "quite", "enough", "exactly", "mostly", "usually", "somewhere", "anyone", "that'll", "wouldn't", "understand", "figure", "three",
    "self", "making", "spend", "thought", "throw", "file", "running", "run", "build", "built", "deliver",
];

const FIRST_PERSON: &[&str] = &["i", "i'm", "i've", "i'd", "we", "we're", "we've", "we'd", "my", "our", "me", "us"];
#[rustfmt::skip]
const CONTRAST: &[&str] = &[
    "but", "instead", "never", "wrong", "mistake", "mistakes", "nobody", "most", "only", "always", "however", "rather", "stop", "don't",
    "didn't", "can't", "won't", "isn't", "doesn't", "without", "every", "hard", "problem", "fail", "failed", "lost", "fired", "biggest",
];
#[rustfmt::skip]
const NUMBER_WORDS: &[&str] = &[
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "fifty", "hundred", "hundreds", "thousand",
    "thousands", "million", "millions", "billion", "percent", "half", "double", "doubled", "triple", "twice", "first",
];
/// Phrases of an ad read or the show's housekeeping: not the episode's ideas.
const META: &[&str] = &[
    "brought to you",
    "sponsor",
    "http",
    "www.",
    ".com",
    ".fm",
    "subscribe",
    "podcast",
    "episode",
    "welcome to",
    "thanks for having",
    "thank you for having",
    "thanks for coming",
    "the show",
    "listeners",
];
const FILLER_PHRASES: &[&str] =
    &["you know", "i mean", "kind of", "sort of", "i guess", "like,", " like ", "stuff like that", "or whatever", "and stuff", "whatnot"];

/// Lower-cased words of `text` with `’` read as `'`.
pub(super) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.unicode_words().map(|w| w.to_lowercase().replace('’', "'"))
}

/// How well a cleaned sentence stands on its own as a quote, 0–1: first-person claims, numbers
/// and contrasts add; fillers, questions, broken-off speech, housekeeping and very short or long
/// sentences take away. `raw` is the sentence before cleaning (for the filler count).
pub(super) fn quotability(cleaned: &str, raw: &str, word_count: usize) -> f32 {
    let lower_words: Vec<String> = words(cleaned).collect();
    let has = |list: &[&str]| lower_words.iter().any(|w| list.contains(&w.as_str()));
    let mut q = 0.3f32;
    if has(FIRST_PERSON) {
        q += 0.15;
    }
    if cleaned.chars().any(|c| c.is_ascii_digit() || matches!(c, '%' | '$' | '€' | '£')) || has(NUMBER_WORDS) {
        q += 0.2;
    }
    if has(CONTRAST) {
        q += 0.15;
    }
    if (10..=28).contains(&word_count) {
        q += 0.15;
    } else if !(7..=40).contains(&word_count) {
        q -= 0.25;
    }
    let raw_lower = raw.to_lowercase();
    let fillers = FILLER_PHRASES.iter().map(|f| raw_lower.matches(f).count()).sum::<usize>()
        + raw_lower.split_whitespace().filter(|t| FILLER_TOKENS.contains(&t.trim_matches(|c: char| !c.is_alphanumeric()))).count();
    q -= 0.12 * fillers.min(4) as f32;
    if raw.contains("--") || raw.contains("...") || raw.contains('…') {
        q -= 0.15;
    }
    if cleaned.ends_with('?') {
        q -= 0.3;
    }
    if META.iter().any(|m| raw_lower.contains(m)) {
        q -= 0.4;
    }
    // Quotes within quotes read badly once the line is quoted again.
    if cleaned.contains('"') {
        q -= 0.1;
    }
    q.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_removes_fillers_asides_and_leading_markers() {
        assert_eq!(
            clean("So, um, we -- we doubled the price \\[laughs\\] and, you know, nobody left..."),
            "We doubled the price and, nobody left."
        );
        assert_eq!(clean("yeah, and the trial was 7 days"), "The trial was 7 days.");
        assert_eq!(clean("I mean, it’s [unintelligible 00:53:35.17] hard."), "It's hard.");
        assert_eq!(clean("um uh"), "");
    }

    #[test]
    fn repeats_restarts_and_spoken_fillers_are_cleaned() {
        assert_eq!(clean("I'm I'm not sure the the trial was right."), "I'm not sure the trial was right.");
        assert_eq!(clean("It was, it was a long year, you know, for pricing."), "It was a long year, for pricing.");
        assert_eq!(clean("So yeah, I guess we shipped it anyway."), "I guess we shipped it anyway.");
        assert!(disfluencies(&clean("We, we, we doubled the the price, um, twice.")).is_empty());
    }

    #[test]
    fn short_sentences_keep_their_first_word() {
        assert_eq!(clean("So it works."), "So it works.");
    }

    #[test]
    fn quotable_lines_score_above_filler() {
        let good = "We cut the trial to 7 days and conversions went up 38%.";
        let bad = "Yeah, you know, it was kind of like, you know, whatever.";
        assert!(quotability(&clean(good), good, 12) > quotability(&clean(bad), bad, 10) + 0.3);
        let question = "Why did you cut the trial to 7 days?";
        assert!(quotability(question, question, 9) < quotability(good, good, 12));
    }

    #[test]
    fn speakers_are_read_and_consecutive_segments_merge_into_turns() {
        let t = turns("Adam: Hi there.\n\nTravis: Hello.\n\nMore from Travis.\n\nAdam: Bye.").expect("parses");
        assert_eq!(t.speakers, ["Adam", "Travis"]);
        assert_eq!(t.turns.len(), 3);
        assert_eq!(t.turns[1].text, "Hello. More from Travis.");
        assert!(matches!(turns(" \n"), Err(Error::InvalidInput { field: Some(f), .. }) if f == "source_text"));
    }
}
