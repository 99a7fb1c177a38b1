//! Edit learning end to end over the in-memory store: edits recorded through the review path
//! (`review::edits` spans into `update_content`), read back as saves, mined into rules, approved,
//! applied, turned into slop-gate phrases, edited and rolled back; and the simulated-reviewer
//! harness over the same path, with drafts built from a shared transcript.
#![allow(clippy::unwrap_used, reason = "a test crate: its helpers fail the test by panicking")]

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use growth_core::SystemClock;
use growth_core::domain::{ContentId, ContentType, ContentUpdate, NewContentItem};
use growth_core::learn::simulate::{Replace, SimDraft, SimReport, SimTarget, TypePreferences, run_rounds};
use growth_core::learn::{
    EditEvent, MiningConfig, Preferences, RuleBook, RuleKind, RuleStatus, SimulatedReviewer, apply_rules, mine_rules, slop_phrases,
    tag_spans,
};
use growth_core::memory::InMemoryStore;
use growth_core::quality::slop::{SlopChecker, SlopKind};
use growth_core::review::edits::diff_edit;
use growth_core::store::ContentStore;

fn store() -> Arc<InMemoryStore> {
    Arc::new(InMemoryStore::new(Arc::new(SystemClock)))
}

/// Records `edited` as a reviewer save of item `id`, the way the review path does.
async fn record(store: &InMemoryStore, id: ContentId, edited: &str) {
    let item = store.get_content(id).await.unwrap();
    let mut spans = diff_edit(item.title.as_deref(), item.title.as_deref(), &item.content, edited);
    tag_spans(&mut spans, None);
    let update =
        ContentUpdate { expected_version: item.version, title: None, content: Some(edited.to_owned()), edited_by: None, edits: spans };
    store.update_content(id, update).await.unwrap();
}

/// Every save of `items`, read back from the store.
async fn saves(store: &InMemoryStore, items: &[(ContentId, ContentType)]) -> Vec<EditEvent> {
    let mut events = Vec::new();
    for &(id, t) in items {
        events.extend(EditEvent::from_history(id, t, &store.list_versions(id).await.unwrap(), &store.list_edits(id).await.unwrap()));
    }
    events
}

#[tokio::test]
async fn recorded_edits_become_a_rule_that_is_approved_applied_flagged_edited_and_rolled_back() {
    let store = store();
    let t = ContentType::LinkedinPost;
    let drafts = [
        "Basically, we doubled the price.\n\nNobody left. We basically kept every account.\n\nThoughts?",
        "We cut the trial to seven days.\n\nConversions went up, basically overnight.\n\nThoughts?",
        "Basically, onboarding calls fixed churn.\n\nWe booked one per account.\n\nThoughts?",
    ];
    let mut items = Vec::new();
    for d in drafts {
        let item = store.insert_content(NewContentItem::draft(t, None, d)).await.unwrap();
        let edited = apply_rules(
            d,
            t,
            &[growth_core::learn::Rule::written(None, RuleKind::BannedPhrase { phrase: "basically".into() }, Utc::now())],
        );
        record(&store, item.id, &edited).await;
        items.push((item.id, t));
    }
    // Recorded spans carry their category.
    let edits = store.list_edits(items[0].0).await.unwrap();
    assert!(edits.iter().all(|e| e.pattern_tag.is_some()), "{edits:?}");

    let now = Utc::now();
    let mut book = RuleBook::default();
    let proposed = book.propose(mine_rules(&saves(&store, &items).await, &MiningConfig::default(), now).unwrap(), now);
    assert_eq!(proposed.len(), 1, "{proposed:?}");
    let rule = &proposed[0];
    assert_eq!(
        (rule.kind.clone(), rule.status, rule.support),
        (RuleKind::BannedPhrase { phrase: "basically".into() }, RuleStatus::Proposed, 3)
    );
    let provenance_ok = all_recorded(&store, &items, &rule.provenance).await;
    assert!(provenance_ok, "provenance names recorded edits");

    // Proposed rules do nothing; approved ones apply and reach the slop gate.
    let draft = "Basically, it worked.\n\nThoughts?";
    assert_eq!(apply_rules(draft, t, book.all()), draft);
    book.approve(rule.id, None, now).unwrap();
    assert_eq!(apply_rules(draft, t, book.all()), "It worked.\n\nThoughts?");
    let slop = SlopChecker::builder().extra_phrases(slop_phrases(book.all(), Some(t))).build().unwrap();
    let hit = slop.scan(draft).hits.into_iter().find(|h| h.kind == SlopKind::Learned).unwrap();
    assert_eq!(hit.text, "Basically");

    // Edit, then roll back.
    book.edit(rule.id, RuleKind::BannedPhrase { phrase: "it worked".into() }, None, now).unwrap();
    assert_eq!(apply_rules(draft, t, book.all()), "Basically.\n\nThoughts?");
    book.rollback(rule.id, now).unwrap();
    assert_eq!(apply_rules(draft, t, book.all()), "It worked.\n\nThoughts?");
    assert_eq!(book.versions(rule.id).iter().map(|r| r.status).collect::<Vec<_>>(), vec![RuleStatus::Active, RuleStatus::Retired]);
}

async fn all_recorded(store: &InMemoryStore, items: &[(ContentId, ContentType)], ids: &[growth_core::domain::EditId]) -> bool {
    let mut recorded = Vec::new();
    for (id, _) in items {
        recorded.extend(store.list_edits(*id).await.unwrap().into_iter().map(|e| e.id));
    }
    !ids.is_empty() && ids.iter().all(|id| recorded.contains(id))
}

/// Drafts from the guest's sentences of a shared transcript: a one-sentence hook, three
/// paragraphs of three sentences, a fixed close.
fn transcript_drafts() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/transcripts/changelog/founders-talk-60.md");
    let t = growth_core::transcript::parse(&std::fs::read(path).unwrap(), None).unwrap().transcript;
    let sentences: Vec<String> = t
        .segments
        .iter()
        .filter(|s| s.speaker.as_deref() == Some("Travis Kimmel"))
        .flat_map(|s| s.text.split_inclusive(". ").map(|x| x.trim().to_owned()).collect::<Vec<_>>())
        .filter(|s| s.ends_with('.') && (8..30).contains(&s.split_whitespace().count()))
        .collect();
    sentences
        .chunks(10)
        .filter(|c| c.len() == 10)
        .map(|c| {
            format!(
                "{}\n\n{}\n\n{}\n\n{}\n\nLet me know your thoughts in the comments!",
                c[0],
                c[1..4].join(" "),
                c[4..7].join(" "),
                c[7..10].join(" ")
            )
        })
        .collect()
}

/// The harness's target over the store: drafts in turn, the review path, the miner.
struct Target {
    learn: bool,
    store: Arc<InMemoryStore>,
    drafts: Vec<String>,
    items: Vec<(ContentId, ContentType)>,
    book: RuleBook,
}

#[async_trait]
impl SimTarget for Target {
    async fn draft(&mut self, round: usize) -> growth_core::Result<SimDraft> {
        let t = ContentType::LinkedinPost;
        let raw = &self.drafts[(round * 7) % self.drafts.len()];
        let text = if self.learn { apply_rules(raw, t, &self.book.active()) } else { raw.clone() };
        let item = self.store.insert_content(NewContentItem::draft(t, None, text)).await?;
        self.items.push((item.id, t));
        Ok(SimDraft { id: item.id, content_type: t, text: item.content })
    }

    async fn submit_edit(&mut self, draft: &SimDraft, edited: &str) -> growth_core::Result<()> {
        record(&self.store, draft.id, edited).await;
        Ok(())
    }

    async fn learn(&mut self) -> growth_core::Result<()> {
        if self.learn {
            let now = Utc::now();
            for r in self.book.propose(mine_rules(&saves(&self.store, &self.items).await, &MiningConfig::default(), now)?, now) {
                if r.status == RuleStatus::Proposed {
                    self.book.approve(r.id, Some(r.version), now)?;
                }
            }
        }
        Ok(())
    }
}

#[tokio::test]
async fn the_harness_shows_learning_from_recorded_edits_cutting_the_reviewers_cost() {
    let drafts = transcript_drafts();
    assert!(drafts.len() >= 10, "{}", drafts.len());
    let mut prefs = Preferences::default();
    prefs.types.insert(
        ContentType::LinkedinPost,
        TypePreferences {
            delete: vec!["really".into(), "just".into(), "I think".into()],
            replace: vec![Replace { from: "gonna".into(), to: "going to".into() }],
            max_words: Some(90),
            closing_line: Some("Which of these would you try first?".into()),
            ..TypePreferences::default()
        },
    );
    let reviewer = SimulatedReviewer::new(&prefs).unwrap();
    let rounds = 30;
    let run = |learn: bool| {
        let drafts = drafts.clone();
        let reviewer = reviewer.clone();
        async move {
            let mut target = Target { learn, store: store(), drafts, items: Vec::new(), book: RuleBook::default() };
            let costs = run_rounds(&mut target, &reviewer, rounds).await.unwrap();
            (costs, target.book)
        }
    };
    let (none, _) = run(false).await;
    let (learned, book) = run(true).await;
    let report = SimReport::from_costs(std::slice::from_ref(&none), std::slice::from_ref(&learned), &[vec![0; rounds]]).unwrap();
    assert!(report.reduction >= 0.5, "{report:?}\nno learning {none:?}\nlearning {learned:?}");
    assert!(learned[rounds - 10..].iter().sum::<usize>() * 10 <= none[rounds - 10..].iter().sum::<usize>(), "{learned:?}");
    let kinds: Vec<RuleKind> = book.active().into_iter().map(|r| r.kind).collect();
    assert!(kinds.contains(&RuleKind::ClosingLine { text: "Which of these would you try first?".into() }), "{kinds:?}");
    assert!(kinds.iter().any(|k| matches!(k, RuleKind::MaxWords { max } if *max <= 90)), "{kinds:?}");
}
