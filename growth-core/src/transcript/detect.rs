//! Guessing the format of a transcript from its text.

use super::TranscriptFormat;
use super::markdown::bold_label;
use super::timestamped::leading_time;
use super::webvtt::is_header;

/// How many non-blank lines the timestamped check looks at.
const SNIFF_LINES: usize = 50;

/// Detects the format of a transcript; see the [module docs](super#detection-order) for the order.
///
/// Never fails: text that matches nothing more specific is [`TranscriptFormat::PlainText`].
pub fn detect_format(input: &str) -> TranscriptFormat {
    let text = input.strip_prefix('\u{FEFF}').unwrap_or(input).trim_start();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    if is_header(first) {
        return TranscriptFormat::WebVtt;
    }
    if looks_like_json(text) {
        return detect_json(text);
    }
    if let Some(format) = detect_cues(text) {
        return format;
    }
    if text.lines().any(|l| bold_label(l).is_some()) {
        return TranscriptFormat::Markdown;
    }
    if looks_timestamped(text) {
        return TranscriptFormat::Timestamped;
    }
    TranscriptFormat::PlainText
}

/// An object, or an array whose first element is an object, string or array; `[01:05] text`
/// and `[laughter] text` are not JSON.
fn looks_like_json(text: &str) -> bool {
    text.starts_with('{') || text.strip_prefix('[').is_some_and(|rest| rest.trim_start().starts_with(['{', '[', ']', '"']))
}

fn detect_json(text: &str) -> TranscriptFormat {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => {
            let has = |k: &str| map.contains_key(k);
            if has("segments") {
                TranscriptFormat::PodcastJson
            } else if has("utterances") || has("words") || ((has("id") || has("status")) && (has("text") || has("error"))) {
                TranscriptFormat::AssemblyAiJson
            } else {
                TranscriptFormat::PodcastJson
            }
        }
        Ok(_) => TranscriptFormat::PodcastJson,
        // Truncated or broken JSON: sniff the keys so the error names the likely format.
        Err(_) if text.contains("\"segments\"") => TranscriptFormat::PodcastJson,
        Err(_) if ["\"utterances\"", "\"words\"", "\"status\""].iter().any(|k| text.contains(k)) => TranscriptFormat::AssemblyAiJson,
        Err(_) => TranscriptFormat::PodcastJson,
    }
}

/// SRT or header-less WebVTT, judged by the first cue.
fn detect_cues(text: &str) -> Option<TranscriptFormat> {
    let mut lines = text.lines().map(str::trim);
    let first = lines.next().unwrap_or_default();
    let timing = if first.contains("-->") {
        first
    } else if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) {
        lines.next().filter(|l| l.contains("-->"))?
    } else {
        return None;
    };
    if timing.contains(',') || !timing.contains('.') { Some(TranscriptFormat::Srt) } else { Some(TranscriptFormat::WebVtt) }
}

/// The first line, and at least half of the first lines, start with a timestamp.
fn looks_timestamped(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).take(SNIFF_LINES).collect();
    let stamped = |l: &str| matches!(leading_time(l), Some(Ok(_)));
    lines.first().is_some_and(|l| stamped(l)) && lines.iter().filter(|l| stamped(l)).count() * 2 >= lines.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use TranscriptFormat::*;

    #[test]
    fn a_webvtt_header_wins_even_after_whitespace() {
        assert_eq!(detect_format("WEBVTT\n\n00:01.000 --> 00:02.000\nhi"), WebVtt);
        assert_eq!(detect_format("\n  WEBVTT - Title\n"), WebVtt);
        assert_eq!(detect_format("WEBVTTX\n"), PlainText);
    }

    #[test]
    fn a_numbered_cue_with_comma_times_is_srt() {
        assert_eq!(detect_format("1\n00:00:01,000 --> 00:00:02,000\nhi\n"), Srt);
        assert_eq!(detect_format("00:00:01,000 --> 00:00:02,000\nhi\n"), Srt);
    }

    #[test]
    fn a_cue_with_dot_times_and_no_header_is_webvtt() {
        assert_eq!(detect_format("00:00:01.000 --> 00:00:02.000\nhi\n"), WebVtt);
        assert_eq!(detect_format("1\n00:01.000 --> 00:02.000\nhi\n"), WebVtt);
    }

    #[test]
    fn json_with_segments_is_podcast_json_and_with_utterances_or_words_is_assemblyai() {
        assert_eq!(detect_format(r#"{"version":"1.0.0","segments":[]}"#), PodcastJson);
        assert_eq!(detect_format(r#"{"id":"x","status":"completed","utterances":[]}"#), AssemblyAiJson);
        assert_eq!(detect_format(r#"{"id":"x","words":[]}"#), AssemblyAiJson);
        assert_eq!(detect_format(r#"{"id":"x","status":"error","error":"bad audio"}"#), AssemblyAiJson);
    }

    #[test]
    fn other_or_truncated_json_is_sniffed_and_never_read_as_prose() {
        assert_eq!(detect_format(r#"{"id":"x","status":"completed","text":"Smo"#), AssemblyAiJson);
        assert_eq!(detect_format(r#"{"version":"1.0.0","segments":[{"body":"#), PodcastJson);
        assert_eq!(detect_format(r#"{"error": "format_text must be a Boolean"}"#), PodcastJson);
        assert_eq!(detect_format("[{\"body\": 1}]"), PodcastJson);
        assert_eq!(detect_format("[laughter] so anyway"), PlainText);
    }

    #[test]
    fn bold_name_labels_are_markdown() {
        assert_eq!(detect_format("Intro.\n\n**Adam Stacoviak:** Hello.\n"), Markdown);
        assert_eq!(detect_format("**Break**: \\[37:58\\]\n"), Markdown);
    }

    #[test]
    fn lines_starting_with_times_are_timestamped() {
        assert_eq!(detect_format("00:00:00 Have you\n\n00:00:06 We have\n"), Timestamped);
        assert_eq!(detect_format("[01:05] one\n[01:09] two\nthree\n"), Timestamped);
        assert_eq!(detect_format("10:30 we met.\nThen we talked.\nAnd talked.\nAnd left.\n"), PlainText);
    }

    #[test]
    fn anything_else_is_plain_text() {
        assert_eq!(detect_format("Adam: hello\n\nWes: hi"), PlainText);
        assert_eq!(detect_format("just words"), PlainText);
        assert_eq!(detect_format(""), PlainText);
    }
}
