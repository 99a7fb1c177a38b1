//! # growth-adapters
//!
//! One module per external platform, each behind its own cargo feature, each implementing a
//! `growth-core` trait: ingestion (`riverside`, `grain`, `gemini`, `assemblyai`), publishing
//! (`linkedin`, `customerio`, `webflow`, `notion`), vectors (`pinecone`) and AI detection
//! (`gptzero`, `originality`). A new platform is one new module and one feature.
//!
//! **Status:** the shared outbound-HTTP module [`http`] (timeouts, retry policy, `Retry-After`,
//! rate limits, redaction) is always compiled. The ingestion adapters exist: `assemblyai`
//! (`AssemblyAiTranscriber`), `grain` (`GrainIngestor`), `riverside` (`RiversideIngestor`) and
//! `gemini` (`GeminiIngestor`, Google Meet transcripts and Gemini notes), and the vector store
//! `pinecone` (`PineconeVectorStore`). The AI-detection adapters exist: `gptzero`
//! (`GptZeroDetector`) and `originality` (`OriginalityDetector`), with their shared report type in
//! `detection`. The publishers exist: `linkedin` (`LinkedInPublisher`, Posts API), `customerio`
//! (`CustomerIoPublisher`, API-triggered broadcasts), `webflow` (`WebflowPublisher`, CMS blog
//! items) and `notion` (`NotionPublisher`, tracking pages). The metrics sources exist:
//! `linkedin` (`LinkedInMetrics`, member post analytics and page share statistics on a shared
//! daily call budget), `customerio` (reporting-webhook verification and parsing in
//! `customerio::webhook`, `CustomerIoMetrics` from broadcast metrics) and `webflow`
//! (`WebflowMetrics`, the Analyze API). `markdown` is the one Markdown → sanitised HTML
//! rendering the Customer.io and Webflow publishers share. Each module's docs say what it covers.

pub mod alert;
#[cfg(feature = "assemblyai")]
pub mod assemblyai;
#[cfg(feature = "customerio")]
pub mod customerio;
#[cfg(any(feature = "gptzero", feature = "originality"))]
pub mod detection;
#[cfg(feature = "gemini")]
pub mod gemini;
#[cfg(feature = "gptzero")]
pub mod gptzero;
#[cfg(feature = "grain")]
pub mod grain;
pub mod http;
#[cfg(feature = "linkedin")]
pub mod linkedin;
#[cfg(any(feature = "customerio", feature = "webflow"))]
pub mod markdown;
#[cfg(feature = "notion")]
pub mod notion;
#[cfg(feature = "originality")]
pub mod originality;
#[cfg(feature = "pinecone")]
pub mod pinecone;
#[cfg(feature = "riverside")]
pub mod riverside;
#[cfg(feature = "webflow")]
pub mod webflow;
