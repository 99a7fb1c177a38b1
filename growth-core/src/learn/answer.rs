//! "Write content that answers this objection": [`ObjectionContent::request`] builds a brief from
//! the objection, the words customers used for it and the ICP and knowledge context, and enqueues
//! a `learn.objection_content` job; the job ([`ObjectionContentHandler`]) stores the brief as a
//! manual source, runs the bundle pipeline over it (one piece per type asked for, a LinkedIn post
//! by default), and links every saved piece back to the objection (`content_generated = true`,
//! `content_item_ids`). Poll the job like any generation: `GET /generate/status/{job_id}`.
//!
//! # The brief
//!
//! [`objection_brief`] writes plain sentences, so the offline generator (which writes from the
//! source's own sentences) produces a sensible piece and a model gets the whole context:
//!
//! - the objection, how often and where in the buying journey it was heard;
//! - **its quotes**: for each ICP profile that lists a similar objection (Jaccard ≥ the learning
//!   settings' `objection_similarity`), the call it came from is read again with the offline
//!   extractor and the matching objections' verbatim quotes and speakers are kept (at most
//!   [`MAX_QUOTES`]);
//! - who says it (role, company size, industry of those profiles), their pains and goals;
//! - the closest knowledge items to the objection (at most [`MAX_KNOWLEDGE`]).

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::icp::{self, IcpConfig};
use super::objections::similarity;
use crate::domain::{ContentType, IcpProfile, JobKind, NewJob, Objection, ObjectionId, SourceId, SourceType};
use crate::generate::{BundlePipeline, GenerationAccepted, GenerationReport, ItemSummary, NoProgress};
use crate::ingest::{ManualInput, ManualSource, SourceIngest};
use crate::jobs::{JobContext, JobHandler};
use crate::knowledge::{KindFilter, KnowledgeService};
use crate::prompt::BundlePlan;
use crate::store::Store;
use crate::{Error, Result};

/// The kind of the job that writes content answering an objection.
pub const OBJECTION_CONTENT_JOB: &str = "learn.objection_content";
/// Most customer quotes a brief carries.
pub const MAX_QUOTES: usize = 5;
/// Most knowledge items a brief carries.
pub const MAX_KNOWLEDGE: usize = 3;

/// A customer's words for an objection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionQuote {
    /// The exact words.
    pub quote: String,
    /// Who said them.
    pub speaker: String,
}

/// The payload of a `learn.objection_content` job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionContentJob {
    /// The objection answered.
    pub objection_id: ObjectionId,
    /// The source's title.
    pub title: String,
    /// The brief the pieces are written from.
    pub brief: String,
    /// The types to write, one piece each.
    pub content_types: Vec<ContentType>,
}

/// The brief for content answering `objection` (see the [module docs](self)).
pub fn objection_brief(
    objection: &Objection,
    quotes: &[ObjectionQuote],
    profiles: &[&IcpProfile],
    knowledge: &[(String, String)],
) -> String {
    let text = objection.objection_text.trim().trim_end_matches(['.', '?', '!']);
    let mut out = format!("Prospects keep raising the same objection: {text}.\n\n");
    let times = if objection.frequency == 1 { "once".to_owned() } else { format!("{} times", objection.frequency) };
    let mut heard = format!("We heard it {times} on sales calls");
    if let Some(stage) = objection.stage {
        heard.push_str(&format!(", at the {stage} stage of the buying journey"));
    }
    if let Some(c) = objection.category.as_deref() {
        heard.push_str(&format!(", and it is about {}", c.replace('_', " ")));
    }
    out.push_str(&heard);
    out.push_str(". A good answer takes it seriously, names the real worry behind it, and shows what changes when it is handled.\n\n");
    for q in quotes.iter().take(MAX_QUOTES) {
        let quote = q.quote.trim();
        out.push_str(&format!("In their own words, {} said: \"{quote}\"\n\n", q.speaker.trim()));
    }
    let who: Vec<String> = profiles
        .iter()
        .map(|p| {
            let mut w = p.role.clone().unwrap_or_else(|| "buyers".to_owned());
            if let Some(size) = &p.company_size {
                w.push_str(&format!(" at companies of {size} people"));
            }
            if let Some(industry) = &p.industry {
                w.push_str(&format!(" in {industry}"));
            }
            w
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !who.is_empty() {
        out.push_str(&format!("The people who raise it are {}.\n\n", who.join("; ")));
    }
    let pains: Vec<&str> = profiles.iter().flat_map(|p| p.pain_points.iter().map(String::as_str)).take(3).collect();
    if !pains.is_empty() {
        out.push_str(&format!(
            "What hurts them today: {}.\n\n",
            pains.iter().map(|p| p.trim_end_matches('.')).collect::<Vec<_>>().join("; ")
        ));
    }
    let goals: Vec<&str> = profiles.iter().flat_map(|p| p.goals.iter().map(String::as_str)).take(3).collect();
    if !goals.is_empty() {
        out.push_str(&format!("What they want: {}.\n\n", goals.iter().map(|g| g.trim_end_matches('.')).collect::<Vec<_>>().join("; ")));
    }
    for (title, body) in knowledge.iter().take(MAX_KNOWLEDGE) {
        out.push_str(&format!("{}: {}\n\n", title.trim().trim_end_matches(['.', ':']), body.trim()));
    }
    out.trim_end().to_owned()
}

/// Requests content answering an objection, and writes it as a job (see the [module docs](self)).
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct ObjectionContent {
    store: Arc<dyn Store>,
    knowledge: KnowledgeService,
    icp: IcpConfig,
    similarity: f64,
    ingest: SourceIngest,
    pipeline: BundlePipeline,
}

impl ObjectionContent {
    /// Over `store`; `icp` and `similarity` are the learning settings' (how calls are read, when
    /// two objections are the same); pieces are written by `pipeline` from sources stored through
    /// `ingest`.
    pub fn new(
        store: Arc<dyn Store>,
        knowledge: KnowledgeService,
        icp: IcpConfig,
        similarity: f64,
        ingest: SourceIngest,
        pipeline: BundlePipeline,
    ) -> Self {
        Self { store, knowledge, icp, similarity, ingest, pipeline }
    }

    async fn objection(&self, id: ObjectionId) -> Result<Objection> {
        self.store.list_objections().await?.into_iter().find(|o| o.id == id).ok_or_else(|| Error::not_found("objection", id))
    }

    /// The profiles that list `objection` (or a similar one), and the verbatim quotes of it in
    /// their calls.
    async fn evidence(&self, objection: &Objection) -> Result<(Vec<IcpProfile>, Vec<ObjectionQuote>)> {
        let text = &objection.objection_text;
        let profiles: Vec<IcpProfile> = self
            .store
            .list_icp_profiles()
            .await?
            .into_iter()
            .filter(|p| p.objections.iter().any(|o| o.eq_ignore_ascii_case(text) || similarity(o, text) >= self.similarity))
            .collect();
        let mut quotes: Vec<ObjectionQuote> = Vec::new();
        for p in &profiles {
            let Some(source_id) = p.source_id.as_deref().and_then(|s| s.parse::<SourceId>().ok()) else { continue };
            let source = match self.store.get_source(source_id).await {
                Ok(s) => s,
                Err(Error::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let Some(t) = source.transcript.as_deref() else { continue };
            let Ok(parsed) = crate::transcript::parse(t.as_bytes(), None) else { continue };
            let Ok(extracted) = icp::extract(&parsed.transcript, &self.icp) else { continue };
            for o in extracted.objections {
                if (o.text.eq_ignore_ascii_case(text) || similarity(&o.text, text) >= self.similarity)
                    && !quotes.iter().any(|q| q.quote == o.quote)
                    && quotes.len() < MAX_QUOTES
                {
                    quotes.push(ObjectionQuote { quote: o.quote, speaker: o.speaker });
                }
            }
        }
        Ok((profiles, quotes))
    }

    /// The brief for objection `id` now.
    pub async fn brief(&self, id: ObjectionId) -> Result<(Objection, String)> {
        let objection = self.objection(id).await?;
        let (profiles, quotes) = self.evidence(&objection).await?;
        let knowledge: Vec<(String, String)> = self
            .knowledge
            .search(&objection.objection_text, Some(KindFilter::Knowledge), MAX_KNOWLEDGE)
            .await?
            .into_iter()
            .map(|r| (r.title, r.text))
            .collect();
        let refs: Vec<&IcpProfile> = profiles.iter().collect();
        let brief = objection_brief(&objection, &quotes, &refs, &knowledge);
        Ok((objection, brief))
    }

    /// Checks the objection, builds its brief and enqueues the writing of one piece of each of
    /// `content_types` (a LinkedIn post when empty).
    pub async fn request(&self, id: ObjectionId, content_types: Vec<ContentType>) -> Result<GenerationAccepted> {
        let mut types: Vec<ContentType> = Vec::new();
        for t in content_types {
            if !types.contains(&t) {
                types.push(t);
            }
        }
        if types.is_empty() {
            types.push(ContentType::LinkedinPost);
        }
        let (objection, brief) = self.brief(id).await?;
        let title: String = format!("Answering: {}", objection.objection_text.trim()).chars().take(200).collect();
        let job = ObjectionContentJob { objection_id: id, title, brief, content_types: types };
        let payload = serde_json::to_value(&job).map_err(|e| Error::internal("encoding an objection job", e))?;
        let job = self.store.enqueue(NewJob::new(JobKind::new(OBJECTION_CONTENT_JOB)?, payload)).await?.value;
        tracing::info!(job_id = %job.id, objection_id = %id, "content answering an objection queued");
        Ok(GenerationAccepted { job_id: job.id, status: "processing".into(), estimated_time_seconds: 5 })
    }

    /// Writes the pieces of `job` (bundle `bundle_id`, so a retry saves only what is missing) and
    /// links them to the objection.
    pub async fn write(&self, bundle_id: &str, job: &ObjectionContentJob) -> Result<GenerationReport> {
        let source = ManualSource {
            source_type: Some(SourceType::Manual),
            source_id: Some(format!("objection:{}:{bundle_id}", job.objection_id)),
            title: Some(job.title.clone()),
            metadata: serde_json::json!({ "objection_id": job.objection_id.to_string() }),
            ..ManualSource::new(ManualInput::Text(job.brief.clone()))
        };
        let source_id = self.ingest.ingest_manual(source).await?.source.id;
        let mut plan = BundlePlan { linkedin_posts: 0, pre_interview: 0, post_publish: 0, newsletter: 0, blog_post: 0 };
        for t in &job.content_types {
            match t {
                ContentType::LinkedinPost => plan.linkedin_posts = 1,
                ContentType::PreInterview => plan.pre_interview = 1,
                ContentType::PostPublish => plan.post_publish = 1,
                ContentType::Newsletter => plan.newsletter = 1,
                ContentType::BlogPost => plan.blog_post = 1,
            }
        }
        let out = self.pipeline.run(bundle_id, source_id, &plan, &NoProgress).await?;
        let linked = self.objection(job.objection_id).await?.content_item_ids;
        for item in out.items.iter().filter(|i| !linked.contains(&i.id)) {
            self.store.link_objection_content(job.objection_id, item.id).await?;
        }
        Ok(GenerationReport {
            source_id: Some(source_id),
            generated_items: out.items.iter().map(ItemSummary::from).collect(),
            model: Some(out.model),
            resumed: Some(out.resumed),
            ..GenerationReport::default()
        })
    }
}

/// Runs `learn.objection_content` jobs.
#[derive(Clone, Debug)]
pub struct ObjectionContentHandler {
    content: ObjectionContent,
}

impl ObjectionContentHandler {
    /// The handler over `content`.
    pub fn new(content: ObjectionContent) -> Self {
        Self { content }
    }
}

#[async_trait]
impl JobHandler for ObjectionContentHandler {
    fn kind(&self) -> JobKind {
        JobKind::new(OBJECTION_CONTENT_JOB).unwrap_or_else(|_| unreachable!("a valid constant kind"))
    }

    async fn run(&self, ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let job: ObjectionContentJob = serde_json::from_value(ctx.job.payload.clone())
            .map_err(|e| Error::invalid_field("payload", format!("not an objection content job: {e}")))?;
        ctx.progress(5, None).await?;
        let report = self.content.write(&ctx.job.id.to_string(), &job).await?;
        serde_json::to_value(report).map(Some).map_err(|e| Error::internal("encoding the job result", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FunnelStage, IcpSource, Severity};
    use chrono::Utc;

    #[test]
    fn the_brief_carries_the_objection_its_quotes_and_who_says_it() {
        let o = Objection {
            id: ObjectionId::new(),
            objection_text: "The price is too high for a team our size".into(),
            category: Some("roi".into()),
            frequency: 3,
            severity: Some(Severity::High),
            stage: Some(FunnelStage::Decision),
            content_generated: false,
            content_item_ids: vec![],
            first_mentioned: Utc::now(),
            last_mentioned: Utc::now(),
        };
        let p = IcpProfile {
            id: crate::domain::IcpProfileId::new(),
            source: IcpSource::Manual,
            source_id: None,
            pain_points: vec!["Reporting takes two days every month.".into()],
            language_patterns: vec![],
            objections: vec![o.objection_text.clone()],
            goals: vec!["Close the books in a day".into()],
            role: Some("VP Finance".into()),
            company_size: Some("51-200".into()),
            industry: Some("Financial services".into()),
            embedding_id: None,
            created_at: Utc::now(),
        };
        let q = ObjectionQuote { quote: "Honestly the price is too high for a team our size.".into(), speaker: "Dana".into() };
        let brief = objection_brief(&o, &[q], &[&p], &[("Pricing page".into(), "Plans start at $49.".into())]);
        assert!(brief.starts_with("Prospects keep raising the same objection: The price is too high for a team our size."), "{brief}");
        assert!(brief.contains("We heard it 3 times on sales calls, at the decision stage"), "{brief}");
        assert!(brief.contains("Dana said: \"Honestly the price is too high for a team our size.\""), "{brief}");
        assert!(brief.contains("VP Finance at companies of 51-200 people in Financial services"), "{brief}");
        assert!(brief.contains("What hurts them today: Reporting takes two days every month.") && brief.contains("Close the books"));
        assert!(brief.ends_with("Pricing page: Plans start at $49."), "{brief}");
    }
}
