//! The drafts conversation every chat-model generator holds: validate the request, ask with the
//! instruction and [`DRAFTS_JSON_FORMAT`], parse the answer strictly, and when it is malformed
//! send the conversation back once with the bad answer and [`REPAIR_INSTRUCTION`]. A refusal, or a
//! second malformed answer, is `Error::Permanent` carrying the raw text.

use async_trait::async_trait;
use growth_core::generate::{Generation, GenerationRequest, Usage};
use growth_core::{Error, Result};

use crate::drafts::{DRAFTS_JSON_FORMAT, REPAIR_INSTRUCTION, parse_drafts, truncate_for_error};

/// How much of a malformed answer an error message carries.
const RAW_ANSWER_IN_ERROR: usize = 2_000;

/// Who says a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    User,
    Assistant,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One turn of the conversation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Turn<'a> {
    pub(crate) role: Role,
    pub(crate) text: &'a str,
}

/// One complete answer of the model.
#[derive(Clone, Debug, Default)]
pub(crate) struct Answer {
    /// The text, all text blocks or choices' content concatenated.
    pub(crate) text: String,
    /// The provider's stop reason, as it said it.
    pub(crate) stop_reason: Option<String>,
    /// The answer was cut off at the output budget.
    pub(crate) truncated: bool,
    /// The model refused (Anthropic `stop_reason: refusal`, OpenAI `content_filter` or `refusal`).
    pub(crate) refused: bool,
    /// The model that answered, when the provider said.
    pub(crate) model: Option<String>,
    /// Tokens used.
    pub(crate) usage: Usage,
}

/// One provider's way of getting an answer to a conversation (retried and paced inside).
#[async_trait]
pub(crate) trait Conversation: Send + Sync {
    /// Answers `turns`; `first` is false for the repair round-trip.
    async fn answer(&self, turns: &[Turn<'_>], first: bool) -> Result<Answer>;
}

/// Refuses a request no provider could answer, before anything is sent.
pub(crate) fn validate(req: &GenerationRequest) -> Result<()> {
    if req.count == 0 {
        return Err(Error::invalid_field("count", "must be at least 1"));
    }
    if req.instruction.trim().is_empty() {
        return Err(Error::invalid_field("instruction", "must not be empty"));
    }
    if req.max_tokens == Some(0) {
        return Err(Error::invalid_field("max_tokens", "must be positive when set"));
    }
    Ok(())
}

/// The user message: the instruction, then the output format unless the instruction has it.
pub(crate) fn user_message(req: &GenerationRequest) -> String {
    let mut text = req.instruction.trim().to_owned();
    if !text.contains(DRAFTS_JSON_FORMAT) {
        text.push_str("\n\n");
        text.push_str(DRAFTS_JSON_FORMAT);
    }
    text.push_str(&format!("\nReturn at most {} draft{}.", req.count, if req.count == 1 { "" } else { "s" }));
    text
}

/// Holds the conversation: the first answer, and one repair when it is malformed. `service` names
/// the provider in errors; `model` is used when the answers do not name theirs.
pub(crate) async fn drafts(service: &str, conversation: &dyn Conversation, user: &str, count: usize, model: &str) -> Result<Generation> {
    let first = conversation.answer(&[Turn { role: Role::User, text: user }], true).await?;
    let mut usage = first.usage;
    if first.refused {
        return Err(Error::Permanent(format!(
            "{service} refused the request (stop reason {}): {}",
            first.stop_reason.as_deref().unwrap_or("refusal"),
            truncate_for_error(&first.text, RAW_ANSWER_IN_ERROR)
        )));
    }
    let problem = match parse_drafts(&first.text) {
        Ok(mut drafts) => {
            drafts.truncate(count);
            return Ok(Generation { drafts, usage, model: first.model.unwrap_or_else(|| model.to_owned()) });
        }
        Err(e) => e,
    };
    tracing::warn!(%problem, stop_reason = ?first.stop_reason, "{service}'s answer is not the drafts JSON; asking once for a repair");

    // The same conversation, the bad answer, and a request for valid JSON only. An empty answer
    // cannot be sent back (empty assistant turns are rejected), so the repair instruction then
    // rides on the original user message.
    let bad = first.text.trim_end();
    let combined = format!("{user}\n\n{REPAIR_INSTRUCTION}");
    let turns = if bad.trim().is_empty() {
        vec![Turn { role: Role::User, text: &combined }]
    } else {
        vec![
            Turn { role: Role::User, text: user },
            Turn { role: Role::Assistant, text: bad },
            Turn { role: Role::User, text: REPAIR_INSTRUCTION },
        ]
    };
    let second = conversation.answer(&turns, false).await?;
    usage += second.usage;
    match parse_drafts(&second.text) {
        Ok(mut drafts) => {
            drafts.truncate(count);
            Ok(Generation { drafts, usage, model: second.model.or(first.model).unwrap_or_else(|| model.to_owned()) })
        }
        Err(again) => {
            tracing::warn!(?usage, "{service}'s repaired answer is still malformed; giving up");
            let hint = if second.truncated { " (the answer hit the output token limit and was cut off: raise `max_tokens`)" } else { "" };
            Err(Error::Permanent(format!(
                "{service}'s answer is not the drafts JSON even after one repair ({again}){hint}; raw answer: {} — first answer ({problem}): {}",
                truncate_for_error(&second.text, RAW_ANSWER_IN_ERROR),
                truncate_for_error(&first.text, RAW_ANSWER_IN_ERROR / 4),
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn the_format_is_appended_once_with_the_count() {
        let mut req = GenerationRequest {
            content_type: growth_core::domain::ContentType::LinkedinPost,
            count: 3,
            system: vec![],
            instruction: "Write posts.".into(),
            source_text: String::new(),
            source_title: None,
            max_tokens: None,
        };
        let m = user_message(&req);
        assert!(m.starts_with("Write posts.\n\n") && m.contains(DRAFTS_JSON_FORMAT) && m.ends_with("at most 3 drafts."), "{m}");
        req.instruction = format!("Write posts.\n{DRAFTS_JSON_FORMAT}");
        assert_eq!(user_message(&req).matches(DRAFTS_JSON_FORMAT).count(), 1);
        req.count = 0;
        assert!(matches!(validate(&req), Err(Error::InvalidInput { field: Some(ref f), .. }) if f == "count"));
    }

    /// Answers from a script, keeping the turns it was sent.
    struct Scripted {
        answers: Mutex<Vec<Answer>>,
        sent: Mutex<Vec<Vec<(Role, String)>>>,
    }

    #[async_trait]
    impl Conversation for Scripted {
        async fn answer(&self, turns: &[Turn<'_>], _: bool) -> Result<Answer> {
            self.sent.lock().unwrap().push(turns.iter().map(|t| (t.role, t.text.to_owned())).collect());
            Ok(self.answers.lock().unwrap().remove(0))
        }
    }

    fn scripted(texts: &[&str]) -> Scripted {
        let answers = texts.iter().map(|t| Answer { text: (*t).into(), ..Answer::default() }).collect();
        Scripted { answers: Mutex::new(answers), sent: Mutex::new(Vec::new()) }
    }

    #[tokio::test]
    async fn an_empty_first_answer_is_repaired_on_the_user_turn() {
        let s = scripted(&["  ", r#"{"drafts":[{"content":"Fixed"}]}"#]);
        let g = drafts("Test", &s, "Write.", 1, "m").await.unwrap();
        assert_eq!(g.drafts[0].content, "Fixed");
        assert_eq!(g.model, "m");
        let sent = s.sent.lock().unwrap();
        assert_eq!(sent[1], vec![(Role::User, format!("Write.\n\n{REPAIR_INSTRUCTION}"))]);
    }

    #[tokio::test]
    async fn a_truncated_second_answer_says_to_raise_max_tokens() {
        let s = scripted(&["nope", "{\"drafts\":[{\"content\":\"cut"]);
        s.answers.lock().unwrap()[1].truncated = true;
        let err = drafts("Test", &s, "Write.", 1, "m").await.unwrap_err();
        assert!(matches!(err, Error::Permanent(ref m) if m.contains("raise `max_tokens`") && m.contains("Test's answer")), "{err:?}");
    }
}
