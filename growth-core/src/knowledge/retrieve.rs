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
