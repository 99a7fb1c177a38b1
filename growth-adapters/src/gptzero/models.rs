//! Wire types (`pub(crate)`: never part of the public API) and the lenient reading of answers.

use serde::Serialize;
use serde_json::Value;

use crate::detection::{Highlight, first_bool, first_probability, first_str};

/// `POST /v2/predict/text` body.
#[derive(Debug, Serialize)]
pub(crate) struct PredictText<'a> {
    pub(crate) document: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<&'a str>,
    pub(crate) multilingual: bool,
}

/// What an answer says, read leniently.
#[derive(Debug, PartialEq)]
pub(crate) struct Reading {
    pub(crate) human_score: f64,
    pub(crate) highlights: Vec<Highlight>,
}

/// The scored document: `documents[0]`, else a single `document` object, else the answer itself
/// when it carries the document fields at the top level.
fn document(answer: &Value) -> &Value {
    answer
        .get("documents")
        .and_then(|d| d.as_array())
        .and_then(|d| d.first())
        .or_else(|| answer.get("document").filter(|d| d.is_object()))
        .unwrap_or(answer)
}

/// The human score and sentences of an answer; `None` when it carries no score at all.
pub(crate) fn read(answer: &Value) -> Option<Reading> {
    let doc = document(answer);
    Some(Reading { human_score: human_score(doc)?, highlights: sentences(doc) })
}

fn human_score(doc: &Value) -> Option<f64> {
    let classes = doc.get("class_probabilities").or_else(|| doc.get("classProbabilities")).filter(|c| c.is_object());
    if let Some(classes) = classes {
        if let Some(human) = first_probability(classes, &["human", "Human", "HUMAN"]) {
            return Some(human);
        }
        let ai = first_probability(classes, &["ai", "AI", "Ai"]);
        let mixed = first_probability(classes, &["mixed", "Mixed", "MIXED"]);
        if ai.is_some() || mixed.is_some() {
            return Some((1.0 - ai.unwrap_or(0.0) - mixed.unwrap_or(0.0)).clamp(0.0, 1.0));
        }
    }
    first_probability(doc, &["completely_generated_prob", "completelyGeneratedProb"])
        .or_else(|| first_probability(doc, &["average_generated_prob", "averageGeneratedProb"]))
        .map(|ai| 1.0 - ai)
}

fn sentences(doc: &Value) -> Vec<Highlight> {
    let Some(list) = doc.get("sentences").and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .filter_map(|s| {
            let text = first_str(s, &["sentence", "text"])?;
            let ai_probability = first_probability(s, &["generated_prob", "generatedProb"])?;
            let flagged = first_bool(s, &["highlight_sentence_for_ai", "highlightSentenceForAi"]).unwrap_or(ai_probability >= 0.5);
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
    fn the_human_class_probability_is_the_score() {
        let a =
            json!({"documents": [{"class_probabilities": {"human": 0.02, "ai": 0.95, "mixed": 0.03}, "completely_generated_prob": 0.5}]});
        assert_eq!(score(a), Some(0.02));
    }

    #[test]
    fn without_a_human_class_mixed_counts_as_not_human() {
        let a = json!({"documents": [{"class_probabilities": {"ai": 0.6, "mixed": 0.3}}]});
        assert!((score(a).unwrap() - 0.1).abs() < 1e-9);
    }

    #[test]
    fn older_answers_fall_back_to_the_generated_probabilities() {
        assert_eq!(score(json!({"documents": [{"completely_generated_prob": 0.25}]})), Some(0.75));
        assert_eq!(score(json!({"documents": [{"averageGeneratedProb": "0.5"}]})), Some(0.5));
        assert_eq!(score(json!({"completely_generated_prob": 1.2})), Some(0.0));
        assert_eq!(score(json!({"document": {"classProbabilities": {"human": 7}}})), Some(1.0));
    }

    #[test]
    fn an_answer_without_any_score_is_none() {
        assert_eq!(score(json!({"documents": []})), None);
        assert_eq!(score(json!({"error": "x"})), None);
        assert_eq!(score(json!({"documents": [{"class_probabilities": {}}]})), None);
    }

    #[test]
    fn sentences_keep_gptzeros_flag_or_fall_back_to_the_probability() {
        let a = json!({"documents": [{"completely_generated_prob": 0.5, "sentences": [
            {"sentence": "A.", "generated_prob": 0.9, "highlight_sentence_for_ai": false},
            {"text": "B.", "generatedProb": 0.7},
            {"sentence": "C."},
            {"sentence": "D.", "generated_prob": 0.1}
        ]}]});
        let h = read(&a).unwrap().highlights;
        assert_eq!(h.len(), 3);
        assert!(!h[0].flagged);
        assert!(h[1].flagged && h[1].text == "B.");
        assert!(!h[2].flagged && h[2].text == "D.");
    }
}
