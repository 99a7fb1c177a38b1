//! Rules learned from reviewers' edits: what they say ([`RuleKind`]), where they come from
//! (provenance: the edits behind them), and their life cycle in a [`RuleBook`].
//!
//! # Life cycle
//!
//! A mined rule starts `proposed`. Approving it makes it `active` (and retires the version it
//! replaces); retiring it takes it out of use. Every rule belongs to a lineage ([`Rule::id`]) and
//! has a `version`: editing a rule writes version + 1 with the new text (active at once when the
//! edited version was active, otherwise proposed) and retires the edited one; rolling back retires
//! the active version and re-activates the newest earlier version that was once active. At most
//! one version of a lineage is active, and a lineage has at most one open proposal.
//!
//! Mining again never duplicates a rule: a candidate that says what the lineage's active or
//! proposed version says is dropped (it only refreshes its evidence), one that says the same about
//! a different value (`max_words` 150 instead of 180) becomes a new proposed version of that
//! lineage, and a value that was retired (rejected, replaced or rolled back) is not proposed again.
//! A rule for one type is not proposed when the same rule holds for every type, and approving a
//! rule for every type retires the same rule for single types.
//!
//! # How rules are used
//!
//! - [`Rule::prompt_line`]: one imperative sentence per active rule for the prompt's stable
//!   prefix ([`prompt_lines`] for `PromptBuilder::learned_rules`, [`prompt_section`] as one block).
//! - [`apply_rules`](super::apply_rules): deterministic post-processing of any generator's output.
//! - [`slop_phrases`]: banned phrases and replaced words as learned phrases for the slop gate.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::edits::EditCategory;
use crate::domain::{ContentType, EditId};
use crate::quality::slop::LearnedPhrase;
use crate::{Error, Result};

crate::domain::macros::id_type!(
    /// Identifies a [`Rule`] lineage (all its versions share it).
    RuleId, "rule"
);

crate::domain::macros::string_enum!(
    /// Where a rule stands.
    RuleStatus, "rule status" {
        /// Mined (or written), waiting for an admin.
        Proposed => "proposed",
        /// In use: in the prompt, applied to drafts, in the slop gate.
        Active => "active",
        /// Out of use (rejected, replaced by a newer version, or rolled back).
        Retired => "retired",
    }
);

/// What a rule says.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleKind {
    /// Never write this phrase (deleted wherever it appears; flagged by the slop gate).
    BannedPhrase {
        /// The phrase, lower-case, matched whole-word and case-insensitively.
        phrase: String,
    },
    /// Write `to` instead of `from`.
    Replacement {
        /// The phrase to replace, lower-case.
        from: String,
        /// What to write instead.
        to: String,
    },
    /// At most this many words.
    MaxWords {
        /// The cap.
        max: usize,
    },
    /// No emoji.
    NoEmoji,
    /// No hashtags.
    NoHashtags,
    /// No numbered lists: prose instead.
    NoNumberedLists,
    /// Paragraphs of at most this many sentences.
    MaxSentencesPerParagraph {
        /// The cap.
        max: usize,
    },
    /// End with exactly this line (replacing whatever closing paragraph was there).
    ClosingLine {
        /// The closing paragraph.
        text: String,
    },
    /// A first line of at most this many characters.
    MaxFirstLineChars {
        /// The cap.
        max: usize,
    },
    /// A free-text instruction for the model (written by a person, or inferred from rewrites
    /// that follow no mechanical pattern); not applied offline.
    PromptRule {
        /// The instruction.
        text: String,
    },
}

impl RuleKind {
    /// What the rule constrains, without its value: two rules of one content type with the same
    /// slot are versions of one another (`max_words`, `replacement:gonna`, `banned_phrase:really`).
    pub fn slot(&self) -> String {
        match self {
            Self::BannedPhrase { phrase } => format!("banned_phrase:{}", phrase.to_lowercase()),
            Self::Replacement { from, .. } => format!("replacement:{}", from.to_lowercase()),
            Self::MaxWords { .. } => "max_words".to_owned(),
            Self::NoEmoji => "no_emoji".to_owned(),
            Self::NoHashtags => "no_hashtags".to_owned(),
            Self::NoNumberedLists => "no_numbered_lists".to_owned(),
            Self::MaxSentencesPerParagraph { .. } => "max_sentences_per_paragraph".to_owned(),
            Self::ClosingLine { .. } => "closing_line".to_owned(),
            Self::MaxFirstLineChars { .. } => "max_first_line_chars".to_owned(),
            Self::PromptRule { text } => format!("prompt:{}", text.trim().to_lowercase()),
        }
    }

    /// The LAMP-style category of edits this kind of rule answers.
    pub fn category(&self) -> EditCategory {
        match self {
            Self::BannedPhrase { .. } => EditCategory::Wordiness,
            Self::Replacement { .. } => EditCategory::AwkwardWordChoice,
            Self::MaxWords { .. } => EditCategory::UnnecessaryExposition,
            Self::NoEmoji | Self::NoHashtags | Self::NoNumberedLists | Self::MaxSentencesPerParagraph { .. } => {
                EditCategory::StructureFormatting
            }
            Self::ClosingLine { .. } => EditCategory::Cta,
            Self::MaxFirstLineChars { .. } => EditCategory::Hook,
            Self::PromptRule { .. } => EditCategory::AwkwardWordChoice,
        }
    }

    /// Checks the values: non-empty texts, caps of at least 1 (10 for words, 20 for characters).
    pub fn validate(&self) -> Result<()> {
        let empty = |field: &str, s: &str| {
            if s.trim().is_empty() { Err(Error::invalid_field(field, "must not be empty")) } else { Ok(()) }
        };
        match self {
            Self::BannedPhrase { phrase } => {
                empty("phrase", phrase)?;
                if !phrase.chars().any(super::text::is_word_char) {
                    return Err(Error::invalid_field("phrase", "must hold a letter or digit"));
                }
                Ok(())
            }
            Self::Replacement { from, to } => {
                empty("from", from)?;
                if from.trim().eq_ignore_ascii_case(to.trim()) {
                    return Err(Error::invalid_field("to", "must differ from `from`"));
                }
                Ok(())
            }
            Self::MaxWords { max } if *max < 10 => Err(Error::invalid_field("max", "a word cap must be at least 10")),
            Self::MaxFirstLineChars { max } if *max < 20 => {
                Err(Error::invalid_field("max", "a first-line cap must be at least 20 characters"))
            }
            Self::MaxSentencesPerParagraph { max } if *max < 1 => Err(Error::invalid_field("max", "must be at least 1")),
            Self::ClosingLine { text } => empty("text", text),
            Self::PromptRule { text } => empty("text", text),
            _ => Ok(()),
        }
    }

    fn instruction(&self) -> String {
        match self {
            Self::BannedPhrase { phrase } => format!("Never write \"{phrase}\"."),
            Self::Replacement { from, to } => format!("Write \"{to}\" instead of \"{from}\"."),
            Self::MaxWords { max } => format!("Keep it to at most {max} words."),
            Self::NoEmoji => "Use no emoji.".to_owned(),
            Self::NoHashtags => "Use no hashtags.".to_owned(),
            Self::NoNumberedLists => "Use no numbered lists; write the points as prose.".to_owned(),
            Self::MaxSentencesPerParagraph { max: 1 } => "Put every sentence in its own paragraph.".to_owned(),
            Self::MaxSentencesPerParagraph { max } => format!("Keep paragraphs to at most {max} sentences."),
            Self::ClosingLine { text } => format!("End with exactly this line: \"{text}\""),
            Self::MaxFirstLineChars { max } => format!("Keep the first line under {} characters.", max + 1),
            Self::PromptRule { text } => text.trim().to_owned(),
        }
    }
}

/// One version of a learned (or written) rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The lineage: every version of this rule shares it.
    pub id: RuleId,
    /// 1 for the first version; every edit adds one.
    pub version: u32,
    /// The content type it applies to; `None` for every type.
    pub content_type: Option<ContentType>,
    /// What it says.
    pub kind: RuleKind,
    /// Where it stands.
    pub status: RuleStatus,
    /// The category of edits behind it.
    pub category: EditCategory,
    /// In how many reviewer saves the pattern was seen.
    pub support: usize,
    /// The share of the saves that could show the pattern that did (0–1).
    pub confidence: f64,
    /// The edits behind it (capped; `support` counts them all). Empty for written rules.
    pub provenance: Vec<EditId>,
    /// When this version was written.
    pub created_at: DateTime<Utc>,
    /// When this version was last activated (`None` when it never was).
    pub activated_at: Option<DateTime<Utc>>,
    /// When this version was retired.
    pub retired_at: Option<DateTime<Utc>>,
}

impl Rule {
    /// A proposed first version of a new lineage.
    pub fn proposed(
        content_type: Option<ContentType>,
        kind: RuleKind,
        support: usize,
        confidence: f64,
        provenance: Vec<EditId>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: RuleId::new(),
            version: 1,
            content_type,
            category: kind.category(),
            kind,
            status: RuleStatus::Proposed,
            support,
            confidence,
            provenance,
            created_at: now,
            activated_at: None,
            retired_at: None,
        }
    }

    /// An active rule written by a person (no provenance).
    pub fn written(content_type: Option<ContentType>, kind: RuleKind, now: DateTime<Utc>) -> Self {
        Self { status: RuleStatus::Active, activated_at: Some(now), ..Self::proposed(content_type, kind, 0, 1.0, Vec::new(), now) }
    }

    /// Whether it applies to drafts of `content_type`.
    pub fn applies_to(&self, content_type: ContentType) -> bool {
        self.content_type.is_none_or(|t| t == content_type)
    }

    /// Whether it is in use.
    pub fn is_active(&self) -> bool {
        self.status == RuleStatus::Active
    }

    /// One imperative sentence for the model's stable prefix, naming the content type when the
    /// rule has one: `In LinkedIn posts: keep it to at most 150 words.`
    pub fn prompt_line(&self) -> String {
        let sentence = self.kind.instruction();
        match self.content_type {
            None => sentence,
            Some(t) => {
                let mut chars = sentence.chars();
                let lowered: String = match chars.next() {
                    Some(c) if !sentence.starts_with("I ") => c.to_lowercase().chain(chars).collect(),
                    _ => sentence.clone(),
                };
                format!("In {}: {lowered}", type_plural(t))
            }
        }
    }
}

/// How a content type is named in prompt lines.
pub(crate) fn type_plural(t: ContentType) -> &'static str {
    match t {
        ContentType::LinkedinPost => "LinkedIn posts",
        ContentType::PreInterview => "pre-interview posts",
        ContentType::PostPublish => "post-publish posts",
        ContentType::Newsletter => "newsletters",
        ContentType::BlogPost => "blog posts",
    }
}

/// The prompt lines of the active rules in `rules`, all-type rules first: what
/// [`PromptBuilder::learned_rules`](crate::prompt::PromptBuilder::learned_rules) takes.
pub fn prompt_lines(rules: &[Rule]) -> Vec<String> {
    let mut active: Vec<&Rule> = rules.iter().filter(|r| r.is_active()).collect();
    active.sort_by_key(|r| (r.content_type.map(|t| t.as_str()), r.kind.slot()));
    active.into_iter().map(Rule::prompt_line).collect()
}

/// The prompt section of the active rules in `rules` (none when there are none): a heading line
/// and one `- ` line per rule, all-type rules first. Meant for the stable (cached) prefix.
pub fn prompt_section(rules: &[Rule]) -> Option<String> {
    let lines = prompt_lines(rules);
    if lines.is_empty() {
        return None;
    }
    let mut out = String::from("Rules learned from the reviewer's edits (follow them exactly):");
    for line in lines {
        out.push_str("\n- ");
        out.push_str(&line);
    }
    Some(out)
}

/// The learned phrases the slop gate should flag for drafts of `content_type` (`None`: only the
/// rules for every type, for a gate shared by all types): each active banned phrase, and each
/// active replacement's `from` with its `to` as the suggestion.
pub fn slop_phrases(rules: &[Rule], content_type: Option<ContentType>) -> Vec<LearnedPhrase> {
    rules
        .iter()
        .filter(|r| r.is_active() && (r.content_type.is_none() || r.content_type == content_type && content_type.is_some()))
        .filter_map(|r| match &r.kind {
            RuleKind::BannedPhrase { phrase } => Some(LearnedPhrase { phrase: phrase.clone(), suggestion: None }),
            RuleKind::Replacement { from, to } => Some(LearnedPhrase { phrase: from.clone(), suggestion: Some(format!("'{to}'")) }),
            _ => None,
        })
        .collect()
}

/// A change to the book: the rule acted on, and the other versions that changed with it (the one
/// it retired, or the one it re-activated), for the caller to persist.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleChange {
    /// The version acted on (or written).
    pub rule: Rule,
    /// Other versions whose status changed.
    pub also_changed: Vec<Rule>,
}

/// Every version of every rule, and the transitions between them (see the [module docs](self)).
///
/// Pure and in memory: a store loads the rows, calls one method, and writes back the rows the
/// returned [`RuleChange`] names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleBook {
    rules: Vec<Rule>,
}

impl RuleBook {
    /// A book over existing versions.
    pub fn new(rules: Vec<Rule>) -> Self {
        Self { rules }
    }

    /// Every version.
    pub fn all(&self) -> &[Rule] {
        &self.rules
    }

    /// The active versions (at most one per lineage).
    pub fn active(&self) -> Vec<Rule> {
        self.rules.iter().filter(|r| r.is_active()).cloned().collect()
    }

    /// The active versions that apply to `content_type`.
    pub fn active_for(&self, content_type: ContentType) -> Vec<Rule> {
        self.rules.iter().filter(|r| r.is_active() && r.applies_to(content_type)).cloned().collect()
    }

    /// The newest version of lineage `id`.
    pub fn current(&self, id: RuleId) -> Result<&Rule> {
        self.rules.iter().filter(|r| r.id == id).max_by_key(|r| r.version).ok_or_else(|| Error::not_found(RuleId::ENTITY, id))
    }

    /// Every version of lineage `id`, oldest first.
    pub fn versions(&self, id: RuleId) -> Vec<&Rule> {
        let mut v: Vec<&Rule> = self.rules.iter().filter(|r| r.id == id).collect();
        v.sort_by_key(|r| r.version);
        v
    }

    fn index(&self, id: RuleId, version: u32) -> Result<usize> {
        self.rules
            .iter()
            .position(|r| r.id == id && r.version == version)
            .ok_or_else(|| Error::not_found(RuleId::ENTITY, format!("{id} v{version}")))
    }

    fn lineage_of_slot(&self, content_type: Option<ContentType>, slot: &str) -> Option<RuleId> {
        self.rules.iter().filter(|r| r.content_type == content_type && r.kind.slot() == slot).max_by_key(|r| r.created_at).map(|r| r.id)
    }

    /// Merges mined candidates (see the [module docs](self)): returns the rows written (new
    /// lineages and new proposed versions) and refreshes the evidence of the versions that
    /// already say the same.
    pub fn propose(&mut self, candidates: Vec<Rule>, now: DateTime<Utc>) -> Vec<Rule> {
        let mut written = Vec::new();
        for cand in candidates {
            // Already said for every type.
            if cand.content_type.is_some()
                && self.rules.iter().any(|r| r.content_type.is_none() && r.kind == cand.kind && r.status != RuleStatus::Retired)
            {
                continue;
            }
            let slot = cand.kind.slot();
            let Some(id) = self.lineage_of_slot(cand.content_type, &slot) else {
                let rule = Rule { status: RuleStatus::Proposed, version: 1, activated_at: None, retired_at: None, ..cand };
                self.rules.push(rule.clone());
                written.push(rule);
                continue;
            };
            let versions: Vec<usize> = self.rules.iter().enumerate().filter(|(_, r)| r.id == id).map(|(i, _)| i).collect();
            // The same value as a version in use or waiting: refresh its evidence.
            if let Some(&i) = versions.iter().find(|&&i| self.rules[i].kind == cand.kind && self.rules[i].status != RuleStatus::Retired) {
                let r = &mut self.rules[i];
                r.support = cand.support;
                r.confidence = cand.confidence;
                r.provenance = cand.provenance;
                continue;
            }
            // The same value an admin retired: not proposed again.
            if versions.iter().any(|&i| self.rules[i].kind == cand.kind) {
                continue;
            }
            // A different value: a new proposed version, replacing an open proposal.
            let next = versions.iter().map(|&i| self.rules[i].version).max().unwrap_or(0) + 1;
            for &i in &versions {
                if self.rules[i].status == RuleStatus::Proposed {
                    self.rules[i].status = RuleStatus::Retired;
                    self.rules[i].retired_at = Some(now);
                    written.push(self.rules[i].clone());
                }
            }
            let rule =
                Rule { id, version: next, status: RuleStatus::Proposed, activated_at: None, retired_at: None, created_at: now, ..cand };
            self.rules.push(rule.clone());
            written.push(rule);
        }
        written
    }

    fn retire_others(&mut self, id: RuleId, keep: u32, now: DateTime<Utc>, status: RuleStatus) -> Vec<Rule> {
        let mut changed = Vec::new();
        for r in self.rules.iter_mut().filter(|r| r.id == id && r.version != keep && r.status == status) {
            r.status = RuleStatus::Retired;
            r.retired_at = Some(now);
            changed.push(r.clone());
        }
        changed
    }

    /// Approves version `version` of `id` (the newest when `None`): `proposed → active`, retiring
    /// the version it replaces. `Conflict` when that version is not proposed.
    pub fn approve(&mut self, id: RuleId, version: Option<u32>, now: DateTime<Utc>) -> Result<RuleChange> {
        let version = match version {
            Some(v) => v,
            None => self.current(id)?.version,
        };
        let i = self.index(id, version)?;
        if self.rules[i].status != RuleStatus::Proposed {
            return Err(Error::illegal_transition("rule", self.rules[i].status, RuleStatus::Active));
        }
        self.rules[i].kind.validate()?;
        let mut also_changed = self.retire_others(id, version, now, RuleStatus::Active);
        if self.rules[i].content_type.is_none() {
            // A rule for every type makes the same rule for one type redundant.
            let kind = self.rules[i].kind.clone();
            for r in self.rules.iter_mut().filter(|r| r.content_type.is_some() && r.kind == kind && r.status != RuleStatus::Retired) {
                r.status = RuleStatus::Retired;
                r.retired_at = Some(now);
                also_changed.push(r.clone());
            }
        }
        let r = &mut self.rules[i];
        r.status = RuleStatus::Active;
        r.activated_at = Some(now);
        r.retired_at = None;
        Ok(RuleChange { rule: r.clone(), also_changed })
    }

    /// Retires the active version of `id`, or its open proposal when none is active (rejecting
    /// it). `Conflict` when nothing is active or proposed.
    pub fn retire(&mut self, id: RuleId, now: DateTime<Utc>) -> Result<RuleChange> {
        let i = self
            .rules
            .iter()
            .position(|r| r.id == id && r.status == RuleStatus::Active)
            .or_else(|| self.rules.iter().position(|r| r.id == id && r.status == RuleStatus::Proposed));
        let Some(i) = i else {
            self.current(id)?;
            return Err(Error::conflict(format!("rule {id} has no active or proposed version to retire")));
        };
        let r = &mut self.rules[i];
        r.status = RuleStatus::Retired;
        r.retired_at = Some(now);
        Ok(RuleChange { rule: r.clone(), also_changed: Vec::new() })
    }

    /// Edits lineage `id`: writes version + 1 saying `kind` (for `content_type`, or the same type
    /// when `None`), active at once when the newest version was active, proposed otherwise; the
    /// edited version is retired.
    pub fn edit(
        &mut self,
        id: RuleId,
        kind: RuleKind,
        content_type: Option<Option<ContentType>>,
        now: DateTime<Utc>,
    ) -> Result<RuleChange> {
        kind.validate()?;
        let current = self.current(id)?.clone();
        let active = current.status == RuleStatus::Active || self.rules.iter().any(|r| r.id == id && r.status == RuleStatus::Active);
        let mut also_changed = Vec::new();
        for r in self.rules.iter_mut().filter(|r| r.id == id && r.status != RuleStatus::Retired) {
            r.status = RuleStatus::Retired;
            r.retired_at = Some(now);
            also_changed.push(r.clone());
        }
        let rule = Rule {
            id,
            version: current.version + 1,
            content_type: content_type.unwrap_or(current.content_type),
            category: kind.category(),
            kind,
            status: if active { RuleStatus::Active } else { RuleStatus::Proposed },
            support: current.support,
            confidence: current.confidence,
            provenance: current.provenance,
            created_at: now,
            activated_at: active.then_some(now),
            retired_at: None,
        };
        self.rules.push(rule.clone());
        Ok(RuleChange { rule, also_changed })
    }

    /// Rolls lineage `id` back: retires its active version and re-activates the newest earlier
    /// version that was active once. `Conflict` when nothing is active or there is no such
    /// earlier version.
    pub fn rollback(&mut self, id: RuleId, now: DateTime<Utc>) -> Result<RuleChange> {
        self.current(id)?;
        let Some(a) = self.rules.iter().position(|r| r.id == id && r.status == RuleStatus::Active) else {
            return Err(Error::conflict(format!("rule {id} has no active version to roll back")));
        };
        let active_version = self.rules[a].version;
        let previous = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id == id && r.version < active_version && r.activated_at.is_some())
            .max_by_key(|(_, r)| r.version)
            .map(|(i, _)| i);
        let Some(p) = previous else {
            return Err(Error::conflict(format!("rule {id} v{active_version} has no earlier version to roll back to; retire it instead")));
        };
        self.rules[a].status = RuleStatus::Retired;
        self.rules[a].retired_at = Some(now);
        let retired = self.rules[a].clone();
        let r = &mut self.rules[p];
        r.status = RuleStatus::Active;
        r.activated_at = Some(now);
        r.retired_at = None;
        Ok(RuleChange { rule: r.clone(), also_changed: vec![retired] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn cap(max: usize) -> Rule {
        Rule::proposed(Some(ContentType::LinkedinPost), RuleKind::MaxWords { max }, 5, 1.0, vec![EditId::new()], now())
    }

    #[test]
    fn prompt_lines_are_one_imperative_sentence_naming_the_type() {
        assert_eq!(cap(150).prompt_line(), "In LinkedIn posts: keep it to at most 150 words.");
        let r = Rule::written(None, RuleKind::Replacement { from: "gonna".into(), to: "going to".into() }, now());
        assert_eq!(r.prompt_line(), "Write \"going to\" instead of \"gonna\".");
        let close = Rule::written(Some(ContentType::Newsletter), RuleKind::ClosingLine { text: "Reply and tell me.".into() }, now());
        assert_eq!(close.prompt_line(), "In newsletters: end with exactly this line: \"Reply and tell me.\"");
    }

    #[test]
    fn the_prompt_section_lists_only_active_rules() {
        let mut book = RuleBook::default();
        let written = book.propose(vec![cap(150)], now());
        assert!(prompt_section(book.all()).is_none());
        book.approve(written[0].id, None, now()).unwrap();
        let section = prompt_section(book.all()).unwrap();
        assert!(section.ends_with("\n- In LinkedIn posts: keep it to at most 150 words."), "{section}");
    }

    #[test]
    fn approving_activates_and_a_new_value_becomes_a_new_version_that_replaces_the_old_on_approval() {
        let mut book = RuleBook::default();
        let first = book.propose(vec![cap(180)], now()).remove(0);
        book.approve(first.id, None, now()).unwrap();
        // The same value again only refreshes evidence.
        assert!(book.propose(vec![cap(180)], now()).is_empty());
        // A new value: version 2, proposed; v1 stays active until v2 is approved.
        let v2 = book.propose(vec![cap(150)], now()).remove(0);
        assert_eq!((v2.id, v2.version, v2.status), (first.id, 2, RuleStatus::Proposed));
        assert_eq!(book.active()[0].kind, RuleKind::MaxWords { max: 180 });
        let change = book.approve(first.id, Some(2), now()).unwrap();
        assert_eq!(change.also_changed.len(), 1);
        assert_eq!(change.also_changed[0].status, RuleStatus::Retired);
        assert_eq!(book.active().len(), 1);
        assert_eq!(book.active()[0].kind, RuleKind::MaxWords { max: 150 });
    }

    #[test]
    fn rollback_retires_the_current_version_and_reactivates_the_previous() {
        let mut book = RuleBook::default();
        let first = book.propose(vec![cap(180)], now()).remove(0);
        book.approve(first.id, None, now()).unwrap();
        let edited = book.edit(first.id, RuleKind::MaxWords { max: 120 }, None, now()).unwrap();
        assert_eq!((edited.rule.version, edited.rule.status), (2, RuleStatus::Active));
        assert_eq!(book.active()[0].kind, RuleKind::MaxWords { max: 120 });
        let back = book.rollback(first.id, now()).unwrap();
        assert_eq!((back.rule.version, back.rule.status), (1, RuleStatus::Active));
        assert_eq!(back.also_changed[0].version, 2);
        assert_eq!(book.active()[0].kind, RuleKind::MaxWords { max: 180 });
        assert!(matches!(book.rollback(first.id, now()), Err(Error::Conflict { .. })), "v1 has nothing before it");
    }

    #[test]
    fn a_retired_value_is_not_proposed_again_and_illegal_moves_conflict() {
        let mut book = RuleBook::default();
        let r = book.propose(vec![cap(150)], now()).remove(0);
        book.retire(r.id, now()).unwrap();
        assert!(book.propose(vec![cap(150)], now()).is_empty());
        assert!(matches!(book.approve(r.id, Some(1), now()), Err(Error::Conflict { .. })));
        assert!(matches!(book.retire(r.id, now()), Err(Error::Conflict { .. })));
        assert!(matches!(book.approve(RuleId::new(), None, now()), Err(Error::NotFound { .. })));
    }

    #[test]
    fn editing_a_proposal_keeps_it_proposed_and_invalid_values_are_refused() {
        let mut book = RuleBook::default();
        let r = book.propose(vec![cap(150)], now()).remove(0);
        let e = book.edit(r.id, RuleKind::MaxWords { max: 140 }, None, now()).unwrap();
        assert_eq!((e.rule.version, e.rule.status), (2, RuleStatus::Proposed));
        assert!(book.edit(r.id, RuleKind::MaxWords { max: 3 }, None, now()).is_err());
        assert!(book.edit(r.id, RuleKind::BannedPhrase { phrase: " — ".into() }, None, now()).is_err());
    }

    #[test]
    fn a_rule_for_every_type_supersedes_the_same_rule_for_one_type() {
        let mut book = RuleBook::default();
        let kind = RuleKind::BannedPhrase { phrase: "really".into() };
        let one = book.propose(vec![Rule::proposed(Some(ContentType::LinkedinPost), kind.clone(), 3, 1.0, vec![], now())], now()).remove(0);
        book.approve(one.id, None, now()).unwrap();
        let all = book.propose(vec![Rule::proposed(None, kind.clone(), 6, 1.0, vec![], now())], now()).remove(0);
        let change = book.approve(all.id, None, now()).unwrap();
        assert_eq!(change.also_changed.len(), 1);
        assert_eq!(book.active().len(), 1);
        assert_eq!(book.active()[0].content_type, None);
        assert!(book.propose(vec![Rule::proposed(Some(ContentType::Newsletter), kind, 3, 1.0, vec![], now())], now()).is_empty());
    }

    #[test]
    fn slop_phrases_come_from_active_phrase_rules_of_the_type() {
        let mut book = RuleBook::default();
        for (t, kind) in [
            (None, RuleKind::BannedPhrase { phrase: "really".into() }),
            (Some(ContentType::Newsletter), RuleKind::Replacement { from: "gonna".into(), to: "going to".into() }),
            (None, RuleKind::NoEmoji),
        ] {
            let r = book.propose(vec![Rule::proposed(t, kind, 3, 1.0, vec![], now())], now()).remove(0);
            book.approve(r.id, None, now()).unwrap();
        }
        let shared = slop_phrases(book.all(), None);
        assert_eq!(shared, vec![LearnedPhrase { phrase: "really".into(), suggestion: None }]);
        let newsletter = slop_phrases(book.all(), Some(ContentType::Newsletter));
        assert_eq!(newsletter.len(), 2);
        assert_eq!(newsletter[1].suggestion.as_deref(), Some("'going to'"));
    }
}
