//! [`Retriever`]: the closest knowledge to a query, one entry per item (PRD §4.2, RAG step 1–3).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use super::index::{ICP_NAMESPACE, KNOWLEDGE_NAMESPACE, SOURCES_NAMESPACE, check_dimensions};
use crate::domain::KnowledgeItemType;
use crate::vector::{Embedder, Metadata, MetadataFilter, VectorQuery, VectorStore};
use crate::{Error, Result};

/// Chunks fetched per wanted item on the first try (several chunks of one item may come first).
const OVERFETCH: usize = 4;
/// The most chunks one query asks a namespace for.
const MAX_FETCH: usize = 1_000;

/// What a retrieved item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A knowledge item of this type.
    Knowledge(KnowledgeItemType),
    /// An ICP profile.
    Icp,
    /// A source's transcript.
    Transcript,
}

impl Kind {
    /// The `kind` metadata value: the item type, `icp` or `transcript`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Knowledge(t) => t.as_str(),
            Kind::Icp => "icp",
            Kind::Transcript => "transcript",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "icp" => Some(Kind::Icp),
            "transcript" => Some(Kind::Transcript),
            other => other.parse().ok().map(Kind::Knowledge),
        }
    }
}

/// Which items a retrieval may return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindFilter {
    /// Knowledge items of any type.
    Knowledge,
    /// Knowledge items of these types.
    Types(Vec<KnowledgeItemType>),
    /// ICP profiles.
    Icp,
    /// Source transcripts.
    Transcript,
}

impl KindFilter {
    /// Knowledge items of one type.
    pub fn of_type(t: KnowledgeItemType) -> Self {
        KindFilter::Types(vec![t])
    }

    fn namespace_and_filter(&self) -> (&'static str, Option<MetadataFilter>) {
        match self {
            KindFilter::Knowledge => (KNOWLEDGE_NAMESPACE, None),
            KindFilter::Types(ts) => {
                (KNOWLEDGE_NAMESPACE, Some(MetadataFilter::In("kind".into(), ts.iter().map(|t| json!(t.as_str())).collect())))
            }
            KindFilter::Icp => (ICP_NAMESPACE, None),
            KindFilter::Transcript => (SOURCES_NAMESPACE, None),
        }
    }
}

/// One retrieved item: its best-matching chunk.
#[derive(Clone, Debug, PartialEq)]
pub struct Retrieved {
    /// The knowledge item, ICP profile or source id.
    pub item_id: String,
    /// What it is.
    pub kind: Kind,
    /// Its title.
    pub title: String,
    /// The text of its best-matching chunk.
    pub text: String,
    /// Cosine similarity of that chunk to the query.
    pub score: f32,
    /// That chunk's metadata (see [`index`](super::index) for the keys).
    pub metadata: Metadata,
}

/// Finds the knowledge closest to a query.
#[derive(Clone, Debug)]
pub struct Retriever {
    embedder: Arc<dyn Embedder>,
    vectors: Arc<dyn VectorStore>,
}

impl Retriever {
    /// A retriever; `Error::Config` when the embedder's and the vector store's dimensions differ.
    pub fn new(embedder: Arc<dyn Embedder>, vectors: Arc<dyn VectorStore>) -> Result<Self> {
        check_dimensions(embedder.as_ref(), vectors.as_ref())?;
        Ok(Self { embedder, vectors })
    }

    /// The `top_k` items closest to `query`, best first (ties by item id), each once — with its
    /// best chunk. Without a `kind` filter every namespace is searched and the scores (all cosine,
    /// one embedder) are merged. A blank query is `Error::InvalidInput`.
    pub async fn retrieve(&self, query: &str, kind: Option<KindFilter>, top_k: usize) -> Result<Vec<Retrieved>> {
        if query.trim().is_empty() {
            return Err(Error::invalid_field("query", "the query is blank"));
        }
        if top_k == 0 {
            return Ok(Vec::new());
        }
        let vector = self
            .embedder
            .embed(&[query.to_owned()])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::internal_msg(format!("the embedder `{}` returned no vector for the query", self.embedder.model())))?;
        let searches = match &kind {
            Some(k) => vec![k.namespace_and_filter()],
            None => vec![(KNOWLEDGE_NAMESPACE, None), (ICP_NAMESPACE, None), (SOURCES_NAMESPACE, None)],
        };
        let mut best: BTreeMap<(&'static str, String), Retrieved> = BTreeMap::new();
        for (namespace, filter) in searches {
            let mut fetch = (top_k * OVERFETCH).min(MAX_FETCH).max(top_k);
            loop {
                let matches = self
                    .vectors
                    .query(VectorQuery { namespace: namespace.to_owned(), vector: vector.clone(), top_k: fetch, filter: filter.clone() })
                    .await?;
                let exhausted = matches.len() < fetch;
                let mut items: BTreeMap<String, Retrieved> = BTreeMap::new();
                for m in matches {
                    let Some(r) = to_retrieved(m.score, m.metadata) else {
                        tracing::warn!(namespace, id = %m.id, "skipping a vector record without knowledge metadata");
                        continue;
                    };
                    let keep = items.get(&r.item_id).is_none_or(|old| r.score > old.score);
                    if keep {
                        items.insert(r.item_id.clone(), r);
                    }
                }
                if exhausted || items.len() >= top_k || fetch >= MAX_FETCH {
                    best.extend(items.into_iter().map(|(id, r)| ((namespace, id), r)));
                    break;
                }
                fetch = (fetch * 2).min(MAX_FETCH);
            }
        }
        let mut out: Vec<Retrieved> = best.into_values().collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.item_id.cmp(&b.item_id)));
        out.truncate(top_k);
        Ok(out)
    }
}

fn to_retrieved(score: f32, metadata: Metadata) -> Option<Retrieved> {
    let text_of = |k: &str| metadata.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let kind = Kind::parse(metadata.get("kind")?.as_str()?)?;
    Some(Retrieved {
        item_id: text_of("item_id")?,
        kind,
        title: text_of("title").unwrap_or_default(),
        text: text_of("text").unwrap_or_default(),
        score,
        metadata,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ManualClock;
    use crate::domain::{IcpSource, KnowledgeItem, NewIcpProfile, NewKnowledgeItem};
    use crate::knowledge::testing::{CountingEmbedder, FlakyVectorStore};
    use crate::knowledge::{ChunkConfig, KnowledgeIndexer};
    use crate::memory::{InMemoryStore, InMemoryVectorStore};
    use crate::store::KnowledgeStore;

    struct Library {
        retriever: Retriever,
        pricing: KnowledgeItem,
        onboarding: KnowledgeItem,
        hiring: KnowledgeItem,
        onboarding_playbook: KnowledgeItem,
    }

    async fn library() -> Library {
        let embedder = Arc::new(CountingEmbedder::default());
        let vectors = FlakyVectorStore::new();
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 2, 17, 9, 0, 0).unwrap()));
        let store = Arc::new(InMemoryStore::new(clock));
        // Small chunks, so the long items have several chunks each.
        let indexer =
            KnowledgeIndexer::new(embedder.clone(), vectors.clone(), store.clone(), ChunkConfig { max_tokens: 40, overlap_tokens: 5 })
                .unwrap();
        let mut items = Vec::new();
        for (item_type, title, content) in [
            (
                KnowledgeItemType::Playbook,
                "Pricing playbook",
                "Pricing tiers should follow value metrics.\n\nRaise prices yearly; discount annual plans; anchor pricing pages on the premium tier.\n\nNever price per seat when collaboration drives value.",
            ),
            (
                KnowledgeItemType::Framework,
                "Onboarding framework",
                "Onboarding starts before signup: promise one outcome.\n\nThe onboarding checklist removes friction; every onboarding step moves new users toward activation.\n\nMeasure onboarding completion and time to value for new users.",
            ),
            (
                KnowledgeItemType::ExamplePost,
                "Hiring post",
                "Hiring our first engineers taught us: hire slowly, interview for ownership, write the hiring scorecard before the interviews.",
            ),
            (
                KnowledgeItemType::Playbook,
                "Sales-assist playbook",
                "Sales reps join when accounts hit usage thresholds; pipeline reviews weekly; onboarding calls for enterprise accounts only.",
            ),
        ] {
            let item = store
                .create_knowledge(NewKnowledgeItem { item_type, title: title.into(), content: content.into(), metadata: json!({}) })
                .await
                .unwrap();
            indexer.index_knowledge_item(&item).await.unwrap();
            items.push(item);
        }
        let profile = store
            .create_icp_profile(NewIcpProfile {
                source: IcpSource::Manual,
                source_id: None,
                pain_points: vec!["onboarding of new users takes weeks".into()],
                language_patterns: vec!["time to value".into()],
                objections: vec![],
                goals: vec!["faster activation".into()],
                role: Some("Head of Product".into()),
                company_size: Some("11-50".into()),
                industry: None,
            })
            .await
            .unwrap();
        indexer.index_icp_profile(&profile).await.unwrap();
        let mut it = items.into_iter();
        let (pricing, onboarding, hiring, onboarding_playbook) =
            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
        Library { retriever: Retriever::new(embedder, vectors).unwrap(), pricing, onboarding, hiring, onboarding_playbook }
    }

    #[tokio::test]
    async fn a_query_about_onboarding_returns_the_onboarding_framework_first() {
        let lib = library().await;
        let hits = lib.retriever.retrieve("onboarding checklist for new users", Some(KindFilter::Knowledge), 3).await.unwrap();
        assert_eq!(hits[0].item_id, lib.onboarding.id.to_string(), "{hits:#?}");
        assert_eq!(hits[0].kind, Kind::Knowledge(KnowledgeItemType::Framework));
        assert_eq!(hits[0].title, "Onboarding framework");
        assert!(hits[0].text.to_lowercase().contains("onboarding"));
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "sorted by score");
        let ids: Vec<&str> = hits.iter().map(|h| h.item_id.as_str()).collect();
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "one entry per item although the framework has several chunks: {ids:?}");
    }

    #[tokio::test]
    async fn other_queries_find_their_own_items() {
        let lib = library().await;
        let pricing = lib.retriever.retrieve("how should pricing tiers and prices work", None, 1).await.unwrap();
        assert_eq!(pricing[0].item_id, lib.pricing.id.to_string());
        let hiring = lib.retriever.retrieve("hiring engineers and interviews", None, 1).await.unwrap();
        assert_eq!(hiring[0].item_id, lib.hiring.id.to_string());
        assert_eq!(hiring[0].kind, Kind::Knowledge(KnowledgeItemType::ExamplePost));
    }

    #[tokio::test]
    async fn the_kind_filter_restricts_results() {
        let lib = library().await;
        let playbooks = lib
            .retriever
            .retrieve("onboarding checklist for new users", Some(KindFilter::of_type(KnowledgeItemType::Playbook)), 10)
            .await
            .unwrap();
        assert!(!playbooks.is_empty());
        assert!(playbooks.iter().all(|h| h.kind == Kind::Knowledge(KnowledgeItemType::Playbook)), "{playbooks:#?}");
        assert_eq!(playbooks[0].item_id, lib.onboarding_playbook.id.to_string());
        assert_eq!(playbooks.len(), 2);

        let icp = lib.retriever.retrieve("onboarding checklist for new users", Some(KindFilter::Icp), 10).await.unwrap();
        assert_eq!(icp.len(), 1);
        assert_eq!(icp[0].kind, Kind::Icp);
        assert_eq!(icp[0].metadata["role"], json!("Head of Product"));

        let everything = lib.retriever.retrieve("onboarding checklist for new users", None, 10).await.unwrap();
        assert_eq!(everything.len(), 5, "four knowledge items and one ICP profile");
        assert!(lib.retriever.retrieve("onboarding", Some(KindFilter::Transcript), 10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn top_k_limits_items_and_a_blank_query_is_refused() {
        let lib = library().await;
        assert_eq!(lib.retriever.retrieve("onboarding", None, 2).await.unwrap().len(), 2);
        assert!(lib.retriever.retrieve("onboarding", None, 0).await.unwrap().is_empty());
        let err = lib.retriever.retrieve("   ", None, 3).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_retriever_refuses_a_dimension_mismatch() {
        let err = Retriever::new(Arc::new(CountingEmbedder::default()), Arc::new(InMemoryVectorStore::new(3))).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
    }
}
