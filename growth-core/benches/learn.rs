//! Learning benches (issue 15 budgets: mining 100,000 edits < 2 s; ICP extraction over a 10k-word
//! call < 100 ms).
//!
//! `cargo bench -p growth-core --bench learn -- --warm-up-time 1 --measurement-time 10`
//!
//! - `mine_100k_edits`: [`mine_rules`] over 100,000 recorded edit spans (`content_edits` rows),
//!   grouped into the reviewer saves they belong to (about 4 spans per save, ~170-word drafts).
//!   The saves are synthetic but made the way production records them: drafts from a pool of
//!   sentences, edited by a reviewer with hidden preferences (phrases deleted, words replaced, a
//!   word cap, a closing line, no emoji), spans from `review::edits::diff_content`.
//! - `icp_extract/founders_talk_55`: [`extract`] over Founders Talk #55 (11,173 words, two speakers).
//! - `icp_extract/sales_call_10k`: the hand-written discovery call repeated to 9,900 words.

use std::hint::black_box;
use std::path::Path;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use growth_core::domain::{ContentEdit, ContentId, ContentType, EditId, Segment, Transcript};
use growth_core::learn::icp::{IcpConfig, extract};
use growth_core::learn::{EditEvent, MiningConfig, Rule, RuleKind, apply_rules, mine_rules};
use growth_core::review::edits::diff_content;

const WORDS: &[&str] = &[
    "pricing",
    "trial",
    "customers",
    "onboarding",
    "churn",
    "activation",
    "revenue",
    "pipeline",
    "growth",
    "team",
    "product",
    "market",
    "sales",
    "demo",
    "signup",
    "users",
    "retention",
    "feature",
    "launch",
    "funnel",
    "email",
    "webinar",
    "content",
    "partners",
    "quarter",
    "budget",
    "roadmap",
    "feedback",
    "support",
    "dashboard",
    "data",
    "metrics",
    "playbook",
    "segment",
    "cohort",
    "offer",
];

fn sentence(rng: &mut fastrand::Rng) -> String {
    let w = |rng: &mut fastrand::Rng| WORDS[rng.usize(..WORDS.len())];
    let fillers = ["really ", "basically ", "kind of ", "", "", "", ""];
    let f = fillers[rng.usize(..fillers.len())];
    match rng.usize(..4) {
        0 => format!("We {f}changed the {} and the {} went up by {}%.", w(rng), w(rng), rng.usize(5..60)),
        1 => format!("Most {} were gonna leave before the {} {}ed.", w(rng), w(rng), w(rng)),
        2 => format!("The {} {}s every {} when the {} is clear.", w(rng), w(rng), w(rng), w(rng)),
        _ => format!("Our {} team {f}doubled the {} in one {}.", w(rng), w(rng), w(rng)),
    }
}

fn draft(rng: &mut fastrand::Rng) -> String {
    let mut paras = vec![format!("🚀 {}", sentence(rng))];
    for _ in 0..rng.usize(4..7) {
        paras.push((0..rng.usize(2..4)).map(|_| sentence(rng)).collect::<Vec<_>>().join(" "));
    }
    paras.push("Let me know your thoughts in the comments!".to_owned());
    paras.join("\n\n")
}

/// Reviewer saves totalling at least `spans` recorded spans.
fn saves(spans: usize) -> Vec<EditEvent> {
    let now = Utc::now();
    let t = ContentType::LinkedinPost;
    let kinds = [
        RuleKind::BannedPhrase { phrase: "really".into() },
        RuleKind::BannedPhrase { phrase: "basically".into() },
        RuleKind::Replacement { from: "gonna".into(), to: "going to".into() },
        RuleKind::NoEmoji,
        RuleKind::ClosingLine { text: "Which one would you try first?".into() },
        RuleKind::MaxWords { max: 140 },
    ];
    let reviewer: Vec<Rule> = kinds.into_iter().map(|k| Rule::written(Some(t), k, now)).collect();
    let mut rng = fastrand::Rng::with_seed(15);
    let (mut events, mut total) = (Vec::new(), 0);
    while total < spans {
        let before = draft(&mut rng);
        let after = apply_rules(&before, t, &reviewer);
        let id = ContentId::new();
        let edits: Vec<ContentEdit> = diff_content(&before, &after)
            .into_iter()
            .take(spans - total)
            .map(|s| ContentEdit {
                id: EditId::new(),
                content_item_id: id,
                user_id: None,
                version: 2,
                edit_type: s.edit_type,
                original_text: s.original_text,
                edited_text: s.edited_text,
                section: s.section,
                pattern_tag: None,
                created_at: now,
            })
            .collect();
        total += edits.len();
        events.push(EditEvent { content_item_id: id, content_type: t, version: 2, before, after, edits, created_at: now });
    }
    events
}

fn transcript(rel: &str) -> Transcript {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    match std::fs::read(&path).map_err(|e| e.to_string()).and_then(|b| growth_core::transcript::parse(&b, None).map_err(|e| e.to_string()))
    {
        Ok(p) => p.transcript,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

fn bench(c: &mut Criterion) {
    let events = saves(100_000);
    let spans: usize = events.iter().map(|e| e.edits.len()).sum();
    let words: usize = events.iter().map(|e| e.before.split_whitespace().count()).sum::<usize>() / events.len();
    let rules = match mine_rules(&events, &MiningConfig::default(), Utc::now()) {
        Ok(r) => r,
        Err(e) => panic!("mining failed: {e}"),
    };
    eprintln!("{spans} spans in {} saves (~{words} words per draft) → {} rules:", events.len(), rules.len());
    for r in &rules {
        eprintln!("  {} (support {}, confidence {:.2})", r.prompt_line(), r.support, r.confidence);
    }
    let mut g = c.benchmark_group("mine");
    g.sample_size(10);
    g.bench_function("mine_100k_edits", |b| {
        b.iter(|| mine_rules(black_box(&events), &MiningConfig::default(), Utc::now()).map(|r| r.len()))
    });
    g.finish();

    let podcast = transcript("transcripts/changelog/founders-talk-55.md");
    let call = transcript("sales_calls/discovery-call.txt");
    let long_call = Transcript { segments: (0..20).flat_map(|_| call.segments.iter().cloned()).collect::<Vec<Segment>>() };
    eprintln!("founders-talk-55: {} words; sales call ×20: {} words", podcast.word_count(), long_call.word_count());
    let mut g = c.benchmark_group("icp_extract");
    g.bench_function("founders_talk_55", |b| b.iter(|| extract(black_box(&podcast), &IcpConfig::default()).map(|p| p.pain_points.len())));
    g.bench_function("sales_call_10k", |b| b.iter(|| extract(black_box(&long_call), &IcpConfig::default()).map(|p| p.objections.len())));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
