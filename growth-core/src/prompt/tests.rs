use super::*;

const TRANSCRIPT: &str = "Adam: Welcome back to the show. Today I'm talking with Travis.\n\n\
Travis: We cut our free trial from 30 days to 7, and paid conversions went up 38%.\n\n\
Adam: Why did that work?\n\n\
Travis: Long trials don't mean more usage. They mean more procrastination.";

fn source() -> SourceMaterial {
    SourceMaterial::new(Some("Founders Talk #60: Shorter trials".to_owned()), TRANSCRIPT)
}

fn knowledge() -> Vec<KnowledgeSnippet> {
    vec![
        KnowledgeSnippet::new("framework", 0.61, "The bowling alley framework: put a bumper on each step of onboarding."),
        KnowledgeSnippet {
            title: Some("Ideal customer".to_owned()),
            text: "Founders of B2B SaaS companies with 10–50 employees.".to_owned(),
            kind: "icp".to_owned(),
            score: 0.83,
        },
        KnowledgeSnippet::new("principle", 0.61, "Time to value beats feature count."),
    ]
}

fn builder() -> PromptBuilder {
    PromptBuilder::new(Voice::default()).knowledge(knowledge())
}

#[test]
fn the_default_voice_renders_the_prd_character_diamond_and_principles() {
    insta::assert_snapshot!("voice_default", Voice::default().render(&[]));
}

#[test]
fn learned_rules_get_their_own_section_in_the_voice_block() {
    let rules = vec!["Never open with a question.".to_owned(), "  ".to_owned(), "Say 'trial', not 'POC'.".to_owned()];
    let text = Voice::default().render(&rules);
    assert!(text.ends_with("RULES LEARNED FROM REVIEWERS' EDITS (follow them, they override the above):\n- Never open with a question.\n- Say 'trial', not 'POC'."), "{text}");
    assert!(!Voice::default().render(&[]).contains("LEARNED"));
}

#[test]
fn the_system_blocks_are_voice_knowledge_transcript_in_that_order_and_all_cacheable() {
    let blocks = builder().system_blocks(&source());
    assert_eq!(blocks.len(), 3);
    assert!(blocks[0].text.starts_with("You are Wes Bush"));
    assert!(blocks[1].text.starts_with("KNOWLEDGE BASE"));
    assert!(blocks[2].text.starts_with("SOURCE: Founders Talk #60"));
    assert!(blocks[2].text.contains(TRANSCRIPT));
    assert!(blocks.iter().all(|b| b.cacheable), "the whole prefix is cacheable");
    insta::assert_snapshot!("knowledge_block", blocks[1].text);
    insta::assert_snapshot!("transcript_block", blocks[2].text);
}

#[test]
fn without_knowledge_the_knowledge_block_is_left_out() {
    let blocks = PromptBuilder::default().system_blocks(&source());
    assert_eq!(blocks.len(), 2);
    assert!(blocks[0].text.starts_with("You are"));
    assert!(blocks[1].text.starts_with("SOURCE:"));
    assert!(blocks.iter().all(|b| b.cacheable));
}

#[test]
fn knowledge_is_ordered_by_score_with_ties_broken_by_content_not_input_order() {
    let mut reversed = knowledge();
    reversed.reverse();
    let a = builder().system_blocks(&source());
    let b = PromptBuilder::new(Voice::default()).knowledge(reversed).system_blocks(&source());
    assert_eq!(a, b);
    let text = &a[1].text;
    let icp = text.find("[1] icp \"Ideal customer\" (relevance 0.83)").expect("icp first");
    let framework = text.find("[2] framework (relevance 0.61)").expect("framework second");
    let principle = text.find("[3] principle (relevance 0.61)").expect("principle third");
    assert!(icp < framework && framework < principle);
}

#[test]
fn the_instruction_is_not_cacheable_and_carries_the_json_schema() {
    let req = builder().build(&source(), ContentType::LinkedinPost, 7).expect("builds");
    assert!(!req.system.iter().any(|b| b.text.contains(&req.instruction)), "the instruction is not part of the cached prefix");
    assert!(req.instruction.contains(DRAFTS_JSON_SCHEMA));
    assert_eq!(req.content_type, ContentType::LinkedinPost);
    assert_eq!(req.count, 7);
    assert_eq!(req.source_text, TRANSCRIPT);
    assert_eq!(req.source_title.as_deref(), Some("Founders Talk #60: Shorter trials"));
    assert_eq!(req.max_tokens, Some(7 * 400 * 2 + 512));
}

#[test]
fn linkedin_posts_name_a_rotating_format_for_each_post() {
    let instruction = builder().instruction(ContentType::LinkedinPost, 7);
    for (i, f) in ["insight", "framework", "story", "hot_take", "insight", "framework", "story"].iter().enumerate() {
        assert!(instruction.contains(&format!("\n{}. {f} — ", i + 1)), "post {} should be {f}:\n{instruction}", i + 1);
    }
    assert!(!instruction.contains("\n8. "));
    assert_eq!(linkedin_format(4), "insight");
    insta::assert_snapshot!("instruction_linkedin_post_7", instruction);
}

#[test]
fn each_content_type_has_its_own_instruction() {
    let b = builder();
    insta::assert_snapshot!("instruction_pre_interview", b.instruction(ContentType::PreInterview, 1));
    insta::assert_snapshot!("instruction_post_publish", b.instruction(ContentType::PostPublish, 1));
    insta::assert_snapshot!("instruction_newsletter", b.instruction(ContentType::Newsletter, 1));
    insta::assert_snapshot!("instruction_blog_post", b.instruction(ContentType::BlogPost, 1));
}

#[test]
fn the_instruction_asks_for_the_word_range_the_length_gate_checks() {
    let mut length = LengthRules::default();
    length.newsletter.min = 900;
    length.newsletter.max = 1100;
    let b = builder().length(length);
    assert!(b.instruction(ContentType::Newsletter, 1).contains("900–1100 words"));
    assert!(b.instruction(ContentType::BlogPost, 1).contains("800–2500 words"));
    assert!(b.instruction(ContentType::PostPublish, 1).contains("200–400 words"));
}

#[test]
fn a_configured_cta_is_passed_on_and_a_blank_one_is_ignored() {
    let b = builder().cta(Some("Comment \"TRIAL\" and I'll send you the checklist.".to_owned()));
    let text = b.instruction(ContentType::LinkedinPost, 1);
    assert!(text.contains("End with this call to action (adapt the wording, keep the ask): Comment \"TRIAL\""), "{text}");
    let blank = builder().cta(Some("  ".to_owned()));
    assert_eq!(blank.cta, None);
    assert!(blank.instruction(ContentType::LinkedinPost, 1).contains("one clear call to action"));
}

#[test]
fn building_is_deterministic() {
    let a = builder().bundle(&source(), &BundlePlan::default()).expect("builds");
    let b = builder().bundle(&source(), &BundlePlan::default()).expect("builds");
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&a).expect("serializes"), serde_json::to_string(&b).expect("serializes"));
}

#[test]
fn the_default_bundle_is_eleven_pieces_in_five_requests_sharing_one_prefix() {
    let plan = BundlePlan::default();
    assert_eq!(plan.total(), 11);
    let bundle = builder().bundle(&source(), &plan).expect("builds");
    let shape: Vec<(ContentType, u32)> = bundle.iter().map(|r| (r.content_type, r.count)).collect();
    assert_eq!(
        shape,
        [
            (ContentType::LinkedinPost, 7),
            (ContentType::PreInterview, 1),
            (ContentType::PostPublish, 1),
            (ContentType::Newsletter, 1),
            (ContentType::BlogPost, 1)
        ]
    );
    assert!(bundle.iter().all(|r| r.system == bundle[0].system), "one cacheable prefix for the whole bundle");
}

#[test]
fn a_plan_leaves_out_types_with_a_count_of_zero() {
    let plan = BundlePlan { linkedin_posts: 3, pre_interview: 0, post_publish: 0, newsletter: 1, blog_post: 0 };
    assert_eq!(plan.items(), [(ContentType::LinkedinPost, 3), (ContentType::Newsletter, 1)]);
    assert_eq!(plan.total(), 4);
    let empty = BundlePlan { linkedin_posts: 0, pre_interview: 0, post_publish: 0, newsletter: 0, blog_post: 0 };
    assert!(matches!(builder().bundle(&source(), &empty), Err(Error::InvalidInput { field: Some(f), .. }) if f == "plan"));
}

#[test]
fn zero_count_and_empty_source_are_invalid_input_naming_the_field() {
    let err = builder().build(&source(), ContentType::Newsletter, 0).expect_err("refused");
    assert!(matches!(err, Error::InvalidInput { field: Some(ref f), .. } if f == "count"), "{err}");
    let err = builder().build(&SourceMaterial::new(None, " \n "), ContentType::Newsletter, 1).expect_err("refused");
    assert!(matches!(err, Error::InvalidInput { field: Some(ref f), .. } if f == "source_text"), "{err}");
}

#[test]
fn a_source_from_a_parsed_transcript_keeps_the_speaker_labels() {
    let parsed = crate::transcript::parse(TRANSCRIPT.as_bytes(), None).expect("parses");
    let s = SourceMaterial::from_transcript(None, &parsed.transcript);
    assert!(s.text.starts_with("Adam: Welcome back"), "{}", s.text);
    assert!(s.text.contains("\n\nTravis: We cut"));
    assert!(render_source(&s).starts_with("SOURCE: (untitled)"));
}

#[test]
fn the_bundle_plan_deserializes_with_defaults() {
    let plan: BundlePlan = serde_json::from_str(r#"{"linkedin_posts": 5}"#).expect("deserializes");
    assert_eq!(plan, BundlePlan { linkedin_posts: 5, ..BundlePlan::default() });
    let voice: Voice = serde_json::from_str(r#"{"name": "Ada"}"#).expect("deserializes");
    assert_eq!(voice.principles, Voice::default().principles);
}
