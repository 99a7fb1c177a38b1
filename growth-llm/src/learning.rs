//! Learning's prompts on a language model: [`LlmPreferenceInferer`] (CIPHER's preference inference
//! and condensing) and [`LlmIcpExtractor`] (ICP profiles from calls as strict JSON, the Claude
//! path). Both ride on [`ClaudeGenerator`]'s client — its retries (the SDK's rules), rate-limit
//! pacing and key handling — through a plain conversation: no system prompt, no drafts format.
//!
//! # Preferences
//!
//! [`PreferenceInferer::infer`] sends [`inference_prompt`] as the one user message and takes the
//! answer's text, trimmed (and without surrounding quotes), as the phrase;
//! [`PreferenceInferer::condense`] does the same with [`condense_prompt`]. A refusal or an empty
//! answer is `Error::Permanent`.
//!
//! # ICP extraction
//!
//! [`LlmIcpExtractor`] splits the speakers as the offline extractor does
//! ([`growth_core::learn::icp::speakers`]: the configured hosts are the sellers), sends
//! [`extraction_prompt`] followed by the transcript (`Speaker: text` paragraphs) and parses the
//! answer strictly: one JSON object (a surrounding Markdown fence is tolerated) with every key of
//! an [`ExtractedProfile`] and the right types. A malformed answer gets **one** repair round-trip
//! (the conversation, the bad answer, and [`ICP_REPAIR_INSTRUCTION`]); a second malformed answer is
//! `Error::Permanent` carrying the raw text. What parses then goes through
//! [`keep_verified`]: every item whose quote its speaker did not say **verbatim** is dropped —
//! compared with whitespace runs squashed, curly quotes straightened and letter case folded, and
//! nothing looser — as is every item said by a seller; the lists are cut to `max_items`.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use growth_core::domain::Transcript;
use growth_core::learn::icp::{ExtractedProfile, IcpConfig, IcpExtractor, extraction_prompt, keep_verified, speakers};
use growth_core::learn::preferences::{ObservedEdit, PreferenceInferer, condense_prompt, inference_prompt};
use growth_core::{Error, Result};

use crate::anthropic::ClaudeGenerator;
use crate::chat::{Answer, Role, Turn};
use crate::drafts::{strip_fence, truncate_for_error};

/// Output budget of a preference phrase.
pub const PREFERENCE_MAX_TOKENS: u32 = 200;
/// Output budget of an ICP extraction.
pub const ICP_MAX_TOKENS: u32 = 4_096;
/// Sent back with a malformed extraction.
pub const ICP_REPAIR_INSTRUCTION: &str = "Your previous answer could not be parsed as the JSON object described above \
(every key present, the right types). Answer again with that one JSON object only: no explanation, no Markdown fence.";

/// A model that answers a plain conversation (implemented for the crate's chat generators).
#[async_trait]
pub(crate) trait Ask: Send + Sync + Debug {
    /// Who answers, in errors.
    fn service(&self) -> &'static str;
    /// The model id.
    fn model_id(&self) -> &str;
    /// The answer to `turns`, at most `max_tokens` long.
    async fn ask(&self, turns: &[Turn<'_>], max_tokens: u32) -> Result<Answer>;
}

#[async_trait]
impl Ask for ClaudeGenerator {
    fn service(&self) -> &'static str {
        "Claude"
    }

    fn model_id(&self) -> &str {
        &self.config().model
    }

    async fn ask(&self, turns: &[Turn<'_>], max_tokens: u32) -> Result<Answer> {
        self.converse(turns, max_tokens).await
    }
}

/// One answer's text, or `Error::Permanent` for a refusal.
fn text_of(service: &str, answer: &Answer) -> Result<String> {
    if answer.refused {
        return Err(Error::Permanent(format!(
            "{service} refused the request (stop reason {}): {}",
            answer.stop_reason.as_deref().unwrap_or("refusal"),
            truncate_for_error(&answer.text, 500)
        )));
    }
    Ok(answer.text.clone())
}

/// CIPHER's preference inference on a model (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct LlmPreferenceInferer {
    model: Arc<dyn Ask>,
}

impl LlmPreferenceInferer {
    /// Preferences inferred by Claude.
    pub fn claude(claude: Arc<ClaudeGenerator>) -> Self {
        Self { model: claude }
    }

    /// The model's id.
    pub fn model(&self) -> &str {
        self.model.model_id()
    }

    async fn phrase(&self, prompt: &str) -> Result<String> {
        let answer = self.model.ask(&[Turn { role: Role::User, text: prompt }], PREFERENCE_MAX_TOKENS).await?;
        let text = text_of(self.model.service(), &answer)?;
        let phrase = text.trim().trim_matches(['"', '\'', '“', '”']).trim().to_owned();
        if phrase.is_empty() {
            return Err(Error::Permanent(format!("{} answered an empty preference", self.model.service())));
        }
        Ok(phrase)
    }
}

#[async_trait]
impl PreferenceInferer for LlmPreferenceInferer {
    async fn infer(&self, edit: &ObservedEdit) -> Result<String> {
        self.phrase(&inference_prompt(edit)).await
    }

    async fn condense(&self, preferences: &[String]) -> Result<String> {
        self.phrase(&condense_prompt(preferences)).await
    }
}

/// The transcript as the model reads it: one `Speaker: text` paragraph per segment.
pub fn render_transcript(transcript: &Transcript) -> String {
    transcript
        .segments
        .iter()
        .filter(|s| !s.text.trim().is_empty())
        .map(|s| match &s.speaker {
            Some(sp) => format!("{sp}: {}", s.text.trim()),
            None => s.text.trim().to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Parses an extraction strictly (see the [module docs](self)).
pub fn parse_extraction(raw: &str) -> std::result::Result<ExtractedProfile, String> {
    let json = strip_fence(raw.trim());
    if !json.starts_with('{') {
        return Err("the answer is not a JSON object".to_owned());
    }
    serde_json::from_str::<ExtractedProfile>(json).map_err(|e| e.to_string())
}

/// ICP profiles from calls by a model (see the [module docs](self)).
#[derive(Clone, Debug)]
pub struct LlmIcpExtractor {
    model: Arc<dyn Ask>,
}

impl LlmIcpExtractor {
    /// Calls read by Claude.
    pub fn claude(claude: Arc<ClaudeGenerator>) -> Self {
        Self { model: claude }
    }
}

#[async_trait]
impl IcpExtractor for LlmIcpExtractor {
    fn name(&self) -> &str {
        self.model.model_id()
    }

    async fn extract(&self, transcript: &Transcript, config: &IcpConfig) -> Result<ExtractedProfile> {
        let (sellers, customers) = speakers(transcript, config)?;
        if customers.is_empty() {
            return Err(Error::invalid_field("transcript", "every speaker is a host; no customer words to read"));
        }
        let service = self.model.service();
        let prompt = format!("{}\n\nTranscript:\n\n{}", extraction_prompt(&customers, &sellers), render_transcript(transcript));
        let first = self.model.ask(&[Turn { role: Role::User, text: &prompt }], ICP_MAX_TOKENS).await?;
        let first_text = text_of(service, &first)?;
        let mut profile = match parse_extraction(&first_text) {
            Ok(p) => p,
            Err(problem) => {
                tracing::warn!(%problem, "{service}'s ICP extraction is not the JSON asked for; asking once for a repair");
                let bad = first_text.trim();
                let combined = format!("{prompt}\n\n{ICP_REPAIR_INSTRUCTION}");
                let turns = if bad.is_empty() {
                    vec![Turn { role: Role::User, text: &combined }]
                } else {
                    vec![
                        Turn { role: Role::User, text: &prompt },
                        Turn { role: Role::Assistant, text: bad },
                        Turn { role: Role::User, text: ICP_REPAIR_INSTRUCTION },
                    ]
                };
                let second = self.model.ask(&turns, ICP_MAX_TOKENS).await?;
                let second_text = text_of(service, &second)?;
                parse_extraction(&second_text).map_err(|again| {
                    Error::Permanent(format!(
                        "{service}'s ICP extraction is not the JSON asked for even after one repair ({again}); raw answer: {} — first answer ({problem}): {}",
                        truncate_for_error(&second_text, 2_000),
                        truncate_for_error(&first_text, 500),
                    ))
                })?
            }
        };
        let dropped = keep_verified(&mut profile, transcript, &customers, &sellers, config);
        if dropped > 0 {
            tracing::info!(dropped, "items whose quote is not in the transcript were dropped from the ICP extraction");
        }
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extraction_must_be_one_object_with_every_key() {
        assert!(parse_extraction("Sure! Here it is").is_err());
        assert!(parse_extraction(r#"{"pain_points": []}"#).is_err());
        let ok = r#"```json
{"customer_speakers": [], "seller_speakers": [], "pain_points": [], "language_patterns": [], "objections": [],
 "goals": [], "role": null, "company_size": null, "industry": null}
```"#;
        assert_eq!(parse_extraction(ok).unwrap(), ExtractedProfile::default());
    }
}
