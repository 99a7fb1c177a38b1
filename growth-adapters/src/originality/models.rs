//! Wire types (`pub(crate)`: never part of the public API) and the lenient reading of answers.

use serde::Serialize;
use serde_json::Value;

use crate::detection::{Highlight, first_probability, first_str};

/// `POST /scan/ai` body. `storeScan` is a string, as the clients that work with the API send it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScanAi<'a> {
    pub(crate) content: &'a str,
    pub(crate) ai_model_version: &'a str,
    pub(crate) store_scan: &'static str,
}

/// What an answer says, read leniently.
#[derive(Debug, PartialEq)]
pub(crate) struct Reading {
    pub(crate) human_score: f64,
    pub(crate) highlights: Vec<Highlight>,
}

const HUMAN_KEYS: &[&str] = &["original", "Original", "ORIGINAL", "clear", "real", "human", "Human"];
const AI_KEYS: &[&str] = &["ai", "AI", "Ai", "fake", "Fake"];

/// The score objects in the order they are trusted: v1 `score`, v1 `ai_score` (also camelCase),
/// v3 `results.ai.confidence`, and the same under a top-level `ai` (the combined AI+plagiarism scan).
fn score_objects(answer: &Value) -> Vec<&Value> {
    let paths: [&[&str]; 6] =
        [&["score"], &["ai_score"], &["aiScore"], &["results", "ai", "confidence"], &["ai", "score"], &["ai", "confidence"]];
    paths.iter().filter_map(|path| path.iter().try_fold(answer, |v, k| v.get(*k))).filter(|v| v.is_object()).collect()
}

/// The human score and blocks of an answer; `None` when it carries no score at all.
pub(crate) fn read(answer: &Value) -> Option<Reading> {
    let human_score = score_objects(answer)
        .into_iter()
        .find_map(|s| first_probability(s, HUMAN_KEYS).or_else(|| first_probability(s, AI_KEYS).map(|ai| 1.0 - ai)))?;
    Some(Reading { human_score, highlights: blocks(answer) })
}

fn blocks(answer: &Value) -> Vec<Highlight> {
    let list = answer
        .get("blocks")
        .or_else(|| answer.get("results").and_then(|r| r.get("ai")).and_then(|a| a.get("blocks")))
        .and_then(Value::as_array);
    let Some(list) = list else { return Vec::new() };
    list.iter()
        .filter_map(|b| {
            let text = first_str(b, &["text", "content"])?;
            let result = b.get("result").filter(|r| r.is_object()).unwrap_or(b);
            let ai_probability =
                first_probability(result, AI_KEYS).or_else(|| first_probability(result, HUMAN_KEYS).map(|human| 1.0 - human))?;
            let flagged = match first_str(result, &["status", "label", "classification"]) {
                Some(s) if s.eq_ignore_ascii_case("ai") || s.eq_ignore_ascii_case("fake") => true,
                Some(s) if s.eq_ignore_ascii_case("original") || s.eq_ignore_ascii_case("real") || s.eq_ignore_ascii_case("human") => false,
                _ => ai_probability >= 0.5,
            };
            Some(Highlight { text: text.to_owned(), ai_probability, flagged, span: None })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn score(answer: Value) -> Option<f64> {
        read(&answer).map(|r| r.human_score)
    }

    #[test]
    fn each_documented_shape_gives_the_human_score() {
        assert_eq!(score(json!({"score": {"original": 0.12, "ai": 0.88}, "credits_used": 1})), Some(0.12));
        assert_eq!(score(json!({"ai_score": {"fake": 0.3, "clear": 0.7}})), Some(0.7));
        assert_eq!(score(json!({"ai_score": {"fake": 0.25}})), Some(0.75));
        assert_eq!(score(json!({"results": {"ai": {"confidence": {"AI": 0.9, "Original": 0.1}}}})), Some(0.1));
        assert_eq!(score(json!({"ai": {"score": {"original": "0.4"}}})), Some(0.4));
    }

    #[test]
    fn the_v1_score_wins_and_out_of_range_values_are_clamped() {
        assert_eq!(score(json!({"score": {"original": 1.4}, "ai_score": {"clear": 0.2}})), Some(1.0));
        assert_eq!(score(json!({"score": {"ai": -0.5}})), Some(1.0));
        assert_eq!(score(json!({"score": {}, "ai_score": {"clear": 0.2}})), Some(0.2));
    }

    #[test]
    fn an_answer_without_any_score_is_none() {
        assert_eq!(score(json!({"success": true})), None);
        assert_eq!(score(json!({"score": 0.5})), None);
    }

    #[test]
    fn blocks_are_read_from_v1_or_v3_and_flagged_by_status_or_probability() {
        let a = json!({"score": {"original": 0.5}, "blocks": [
            {"text": "A.", "result": {"fake": 0.9, "real": 0.1}},
            {"text": "B.", "result": {"real": 0.8}},
            {"text": "C.", "result": {"fake": 0.9, "status": "Original"}},
            {"result": {"fake": 0.9}}
        ]});
        let h = read(&a).unwrap().highlights;
        assert_eq!(h.len(), 3);
        assert!(h[0].flagged && (h[0].ai_probability - 0.9).abs() < 1e-9);
        assert!(!h[1].flagged && (h[1].ai_probability - 0.2).abs() < 1e-9);
        assert!(!h[2].flagged);
        let v3 = json!({"results": {"ai": {"confidence": {"Original": 0.3}, "blocks": [{"text": "X.", "result": {"fake": 0.7, "status": "AI"}}]}}});
        assert!(read(&v3).unwrap().highlights[0].flagged);
    }
}
