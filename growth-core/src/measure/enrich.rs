//! Lead enrichment off the request path: recording a lead enqueues an `enrich_lead` job
//! ([`EnrichLeadHandler`]); the job asks the [`LeadEnricher`] (an n8n workflow answering "When
//! Last Node Finishes" in production) and the [`SegmentReader`] (the RightMessage segment, read
//! from the ESP's person attributes where RightMessage syncs it — RightMessage has no server
//! API), and stores both on the lead ([`MeasureService::enrich`]).
//!
//! A slow or failing enricher never slows `POST /leads`: the job's errors decide what happens —
//! a timeout or 5xx is retryable (the queue tries again later with exponential back-off), a 4xx
//! is `Permanent` and the job fails for good with the enricher's reason.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::utm::UtmParams;
use super::{LeadEventId, LeadId, LeadKind, MeasureService};
use crate::Result;
use crate::domain::{ContentId, JobKind, NewJob};
use crate::jobs::{JobContext, JobHandler};

/// The job kind of one lead's enrichment.
pub const ENRICH_LEAD: &str = "enrich_lead";

/// The kind of an enrichment, as a [`JobKind`].
pub fn enrich_lead_kind() -> JobKind {
    JobKind::new(ENRICH_LEAD).unwrap_or_else(|_| unreachable!("a valid constant kind"))
}

/// What an enricher is told about a lead (the body POSTed to n8n).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentRequest {
    /// The lead.
    pub lead_id: LeadId,
    /// The person's email.
    pub email: String,
    /// What happened.
    pub kind: LeadKind,
    /// The item the event was attributed to, when any.
    pub content_item_id: Option<ContentId>,
    /// The landing URL.
    pub url: Option<String>,
    /// Its UTM parameters.
    pub utm: Option<UtmParams>,
}

/// Adds what is known about a person (company, role …) to a lead.
#[async_trait]
pub trait LeadEnricher: Send + Sync + std::fmt::Debug {
    /// The enrichment of `lead`, stored on it as given. A retryable error is tried again later;
    /// any other fails the enrichment for good.
    async fn enrich(&self, lead: &EnrichmentRequest) -> Result<serde_json::Value>;
}

/// Reads a person's segment from where it is synced (the ESP's person attributes).
#[async_trait]
pub trait SegmentReader: Send + Sync + std::fmt::Debug {
    /// The segment of the person with `email`; `None` when the person or the attribute is unknown.
    async fn segment(&self, email: &str) -> Result<Option<String>>;
}

/// The payload of an `enrich_lead` job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrichLeadJob {
    /// The lead.
    pub lead_id: LeadId,
    /// The event that triggered it (its item and URL are sent along).
    pub event_id: Option<LeadEventId>,
}

impl EnrichLeadJob {
    /// The job to enqueue (deduplicated per event: a redelivered lead is enriched once).
    pub fn new_job(&self) -> Result<NewJob> {
        let payload = serde_json::to_value(self).map_err(|e| crate::Error::internal("encoding an enrichment job", e))?;
        let key = match self.event_id {
            Some(e) => format!("{ENRICH_LEAD}:{e}"),
            None => format!("{ENRICH_LEAD}:{}", self.lead_id),
        };
        Ok(NewJob::new(enrich_lead_kind(), payload).dedupe_key(key))
    }
}

/// Runs one lead's enrichment per `enrich_lead` job; the job's result is the enriched lead.
#[derive(Clone, Debug)]
pub struct EnrichLeadHandler {
    measure: MeasureService,
}

impl EnrichLeadHandler {
    /// A handler for `measure` (its enricher and segment reader).
    pub fn new(measure: MeasureService) -> Self {
        Self { measure }
    }
}

#[async_trait]
impl JobHandler for EnrichLeadHandler {
    fn kind(&self) -> JobKind {
        enrich_lead_kind()
    }

    async fn run(&self, ctx: JobContext) -> Result<Option<serde_json::Value>> {
        let job: EnrichLeadJob = serde_json::from_value(ctx.job.payload.clone())
            .map_err(|e| crate::Error::invalid_field("payload", format!("not an enrich_lead job: {e}")))?;
        let lead = self.measure.run_enrichment(job.lead_id, job.event_id).await?;
        Ok(Some(serde_json::to_value(lead).map_err(|e| crate::Error::internal("encoding the enriched lead", e))?))
    }
}
