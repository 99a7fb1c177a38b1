//! Sources: `POST /sources` (upload a transcript, PDF or audio file, or paste text),
//! `GET /sources`, `GET /sources/{id}`, `DELETE /sources/{id}`.
//!
//! Deleting a source removes its transcript, its chunks in the vector store and its uploaded file;
//! content generated from it that is still a draft, in review or rejected stays, detached (no
//! source). While any of its content is approved, scheduled, publishing, published or failed the
//! answer is 409 and nothing is removed: cancel the schedules or send the items back to review
//! first (`POST /content/{id}/unapprove`).
//!
//! Text and transcript files are read in the request; a PDF or audio file is kept, its source
//! stored, and its reading runs as a `process_source` job (202 with the `job_id`; the source's
//! status says when it is `completed` or `failed`, and why). Each kind has its own size limit
//! (`[ingest]`): over it is a 413 naming the setting.
//!
//! Uploads are parsed before anything is written (garbage is a 422 naming the format tried and
//! where it failed, and leaves nothing behind), kept in blob storage, stored idempotently (the same
//! file, or the same `source_type` + `source_id`, answers the existing source with 200 instead of
//! 201) and indexed for retrieval before they count as `completed`.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use growth_core::Error;
use growth_core::domain::{ContentSource, JobId, Role, SourceId, SourceStatus, SourceType, TranscriptSource};
use growth_core::ingest::{Ingested, ManualInput, ManualSource};
use growth_core::transcript::TranscriptFormat;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use growth::Upload;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, page_limit, parse_id};
use crate::state::AppState;

/// Routes that read sources (under the normal body limit).
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/sources/{id}", get(get_source).delete(delete_source))
}

/// This resource's part of the OpenAPI description.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_sources, get_source, delete_source, create_source))]
pub(crate) struct SourcesApi;

/// `GET /sources` and `POST /sources` (a multipart upload under the larger upload limit; JSON
/// under the normal body limit, see [`super::router`]).
pub(crate) fn upload_router() -> Router<AppState> {
    Router::new().route("/sources", get(list_sources).post(create_source))
}

/// A source without its (possibly long) transcript, plus the transcript's size.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SourceSummary {
    id: SourceId,
    source_type: SourceType,
    /// The platform's id, when it came from one.
    source_id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    metadata: Value,
    file_url: Option<String>,
    transcript_source: Option<TranscriptSource>,
    /// Spoken words of the stored transcript (speaker labels such as `Wes:` and timestamps not
    /// counted): the same count as the upload answer's `words`.
    transcript_words: usize,
    status: SourceStatus,
    /// Why processing failed, for a `failed` source.
    failure_reason: Option<String>,
    created_at: DateTime<Utc>,
    processed_at: Option<DateTime<Utc>>,
}

impl From<&ContentSource> for SourceSummary {
    fn from(s: &ContentSource) -> Self {
        Self {
            id: s.id,
            source_type: s.source_type,
            source_id: s.source_id.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            metadata: s.metadata.clone(),
            file_url: s.file_url.clone(),
            transcript_source: s.transcript_source,
            transcript_words: s.transcript.as_deref().map(spoken_words).unwrap_or(0),
            status: s.status,
            failure_reason: s.failure_reason.clone(),
            created_at: s.created_at,
            processed_at: s.processed_at,
        }
    }
}

/// Spoken words of a stored transcript, counted as the upload counted them (the stored text is
/// read back with the transcript parser; text it cannot read counts its whitespace-separated words).
fn spoken_words(stored: &str) -> usize {
    match growth_core::transcript::parse(stored.as_bytes(), None) {
        Ok(parsed) => parsed.transcript.word_count(),
        Err(_) => stored.split_whitespace().count(),
    }
}

/// `GET /sources/{id}`: the summary and the transcript.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SourceDetail {
    #[serde(flatten)]
    summary: SourceSummary,
    transcript: Option<String>,
}

/// `GET /sources`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SourceList {
    sources: Vec<SourceSummary>,
    /// Sources in all.
    total: u64,
    limit: u32,
    offset: u32,
}

/// `DELETE /sources/{id}`: what went with it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct DeletedSource {
    /// The source as it was (without its transcript).
    source: SourceSummary,
    /// Content items (drafts, in review, rejected) kept with no source.
    detached_items: u64,
    /// Transcript chunks removed from the vector store.
    removed_chunks: usize,
    /// The uploaded file's blob key, removed from blob storage (none for pasted text or a
    /// platform's recording).
    deleted_blob: Option<String>,
}

/// The `multipart/form-data` form of `POST /sources` (documentation only: the handler reads the
/// form field by field).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code, reason = "describes the multipart form in OpenAPI; the handler reads fields one by one")]
pub(crate) struct UploadForm {
    /// The file: a transcript (`.txt`, `.srt`, `.vtt`, `.json`, `.md` …), a PDF or an audio file.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
    /// The transcript format, when the file name does not say it.
    format: Option<String>,
    title: Option<String>,
    description: Option<String>,
    /// `podcast`, `webinar`, `manual` …
    source_type: Option<String>,
    /// The platform's id, for deduplication.
    source_id: Option<String>,
    /// A JSON object.
    metadata: Option<String>,
}

/// `POST /sources`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct IngestResponse {
    source: SourceSummary,
    /// `false` when the same file or platform id was already ingested.
    created: bool,
    /// How the input was read: the transcript format, `pdf` or `audio`.
    format: String,
    speakers: Vec<String>,
    segments: usize,
    /// Spoken words in the parsed transcript (speaker labels not counted; the same as
    /// `source.transcript_words`).
    words: usize,
    /// Chunks indexed for retrieval by this call.
    indexed_chunks: Option<usize>,
    /// A PDF or audio file is read by this job (202): follow `GET /sources/{id}` until its
    /// status is `completed` or `failed` (with the reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<JobId>,
}

impl From<&Ingested> for IngestResponse {
    fn from(got: &Ingested) -> Self {
        let (speakers, segments, words) = got.transcript_stats();
        Self {
            source: SourceSummary::from(&got.source),
            created: got.created,
            format: got.format_name(),
            speakers,
            segments,
            words,
            indexed_chunks: got.indexed.map(|r| r.chunks),
            job_id: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

#[utoipa::path(
    get,
    path = "/sources",
    tag = "sources",
    params(
        ("limit" = Option<u32>, Query, description = "page size, 1 to 100 (default 20; anything else is a 422)"),
        ("offset" = Option<u32>, Query, description = "items to skip"),
    ),
    responses(
        (status = 200, description = "Sources, newest first, without transcripts, with the total", body = SourceList),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_sources(
    user: AuthUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<SourceList>, ApiError> {
    user.require(Role::Viewer)?;
    let limit = page_limit(q.limit, 20, 100)?;
    let (sources, total) = tokio::try_join!(state.engine.ingest().sources(limit, q.offset), state.engine.store().count_sources())?;
    Ok(Json(SourceList { sources: sources.iter().map(SourceSummary::from).collect(), total, limit, offset: q.offset }))
}

#[utoipa::path(
    delete,
    path = "/sources/{id}",
    tag = "sources",
    params(
        ("id" = String, Path, description = "source id (UUID)"),
    ),
    responses(
        (status = 200, description = "Deleted with its transcript, chunks and file; its drafts, items in review and rejected items are kept without a source", body = DeletedSource),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small (approver and up)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Content generated from it is approved, scheduled or published (the detail names one): nothing was removed", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn delete_source(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<DeletedSource>, ApiError> {
    user.require(Role::Approver)?;
    let id: SourceId = parse_id(&id, "source")?;
    let gone = state.engine.delete_source(id).await?;
    tracing::info!(actor = %user.id, source_id = %id, detached = gone.detached_items, chunks = gone.removed_chunks, "source deleted");
    growth_core::telemetry::count_change("delete_source", 1);
    Ok(Json(DeletedSource {
        source: SourceSummary::from(&gone.source),
        detached_items: gone.detached_items,
        removed_chunks: gone.removed_chunks,
        deleted_blob: gone.deleted_blob,
    }))
}

#[utoipa::path(
    get,
    path = "/sources/{id}",
    tag = "sources",
    params(
        ("id" = String, Path, description = "source id (UUID)"),
    ),
    responses(
        (status = 200, description = "The source with its transcript", body = SourceDetail),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn get_source(user: AuthUser, State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<SourceDetail>, ApiError> {
    user.require(Role::Viewer)?;
    let id: SourceId = parse_id(&id, "source")?;
    let source = state.engine.ingest().source(id).await?;
    Ok(Json(SourceDetail { summary: SourceSummary::from(&source), transcript: source.transcript }))
}

/// The JSON form of `POST /sources`: pasted text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TextSource {
    text: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    source_type: Option<SourceType>,
    #[serde(default)]
    source_id: Option<String>,
    #[serde(default)]
    metadata: Option<Value>,
}

/// Fields of a manual source besides its input, from either form.
#[derive(Debug, Default)]
struct Details {
    title: Option<String>,
    description: Option<String>,
    source_type: Option<SourceType>,
    source_id: Option<String>,
    metadata: Option<Value>,
}

fn manual(input: ManualInput, d: Details) -> ManualSource {
    ManualSource {
        source_type: d.source_type,
        source_id: d.source_id,
        title: d.title,
        description: d.description,
        metadata: d.metadata.unwrap_or(Value::Null),
        ..ManualSource::new(input)
    }
}

fn text_field(name: &str, bytes: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| Error::invalid_field(name.to_owned(), "must be UTF-8 text").into())
}

async fn read_multipart(form: Multipart) -> Result<ManualSource, ApiError> {
    read_multipart_with(form, None).await
}

/// [`read_multipart`] for the console's upload form, which also carries a `csrf` field: its value
/// goes to `csrf` (without that slot, such a field is unknown like any other).
pub(crate) async fn read_multipart_with(mut form: Multipart, mut csrf: Option<&mut Option<String>>) -> Result<ManualSource, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| ApiError::new(e.status(), "bad-request", "Bad request", e.body_text());
    let mut file: Option<(String, axum::body::Bytes)> = None;
    let mut format: Option<TranscriptFormat> = None;
    let mut d = Details::default();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("upload").to_owned();
                if file.is_some() {
                    return Err(Error::invalid_field("file", "send one file per request").into());
                }
                file = Some((file_name, field.bytes().await.map_err(bad)?));
            }
            "format" | "title" | "description" | "source_type" | "source_id" | "metadata" => {
                let value = text_field(&name, &field.bytes().await.map_err(bad)?)?;
                let value = value.trim().to_owned();
                match name.as_str() {
                    "format" => {
                        format = Some(value.parse().map_err(|e: Error| ApiError::from(Error::invalid_field("format", e.to_string())))?)
                    }
                    "title" => d.title = Some(value),
                    "description" => d.description = Some(value),
                    "source_type" => {
                        d.source_type =
                            Some(value.parse().map_err(|e: Error| ApiError::from(Error::invalid_field("source_type", e.to_string())))?)
                    }
                    "source_id" => d.source_id = Some(value),
                    _ => {
                        d.metadata = Some(
                            serde_json::from_str(&value)
                                .map_err(|e| ApiError::from(Error::invalid_field("metadata", format!("not JSON: {e}"))))?,
                        )
                    }
                }
            }
            "csrf" if csrf.is_some() => {
                let value = text_field(&name, &field.bytes().await.map_err(bad)?)?;
                if let Some(slot) = csrf.as_deref_mut() {
                    *slot = Some(value);
                }
            }
            other => return Err(Error::invalid_field(other.to_owned(), "unknown form field").into()),
        }
    }
    let (file_name, bytes) = file.ok_or_else(|| ApiError::from(Error::invalid_field("file", "the form has no `file` field")))?;
    Ok(manual(ManualInput::File { file_name, bytes, format }, d))
}

/// `POST /sources`: `multipart/form-data` with a `file` (and optional `format`, `title`,
/// `description`, `source_type`, `source_id`, `metadata`), or JSON `{"text", …}`.
#[utoipa::path(
    post,
    path = "/sources",
    tag = "sources",
    request_body(
        description = "JSON `{\"text\", …}` (pasted text), or `multipart/form-data` with `file` (+ optional `format`, `title`, `description`, `source_type`, `source_id`, `metadata`)",
        content(
            (TextSource = "application/json"),
            (UploadForm = "multipart/form-data"),
        ),
    ),
    responses(
        (status = 201, description = "Ingested (text and transcript files are read at once)", body = IngestResponse),
        (status = 202, description = "A PDF or audio file: stored, and read by the job `job_id`; follow `GET /sources/{id}`", body = IngestResponse),
        (status = 200, description = "The same file or platform id was already ingested", body = IngestResponse),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role is too small", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than `http.upload_limit_bytes` (a multipart upload), `http.body_limit_bytes` (JSON), or the limit of its kind (`ingest.max_transcript_bytes`, `ingest.pdf_max_bytes`, `ingest.max_audio_bytes`); the detail names the limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input (the `field` names it)", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_source(
    user: AuthUser,
    State(state): State<AppState>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    user.require(Role::Approver)?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    let manual_source = if content_type.starts_with("multipart/form-data") {
        let form = <Multipart as axum::extract::FromRequest<AppState>>::from_request(req, &state)
            .await
            .map_err(|e| ApiError::new(e.status(), "bad-request", "Bad request", e.body_text()))?;
        read_multipart(form).await?
    } else {
        let ApiJson(body) = <ApiJson<TextSource> as axum::extract::FromRequest<AppState>>::from_request(req, &state).await?;
        if body.text.trim().is_empty() {
            return Err(Error::invalid_field("text", "the text is empty").into());
        }
        let d = Details {
            title: body.title,
            description: body.description,
            source_type: body.source_type,
            source_id: body.source_id,
            metadata: body.metadata,
        };
        manual(ManualInput::Text(body.text), d)
    };
    let (status, body) = match state.engine.upload(manual_source).await? {
        Upload::Ingested(got) => {
            tracing::info!(actor = %user.id, source_id = %got.source.id, created = got.created, status = %got.source.status, "source ingested");
            (if got.created { StatusCode::CREATED } else { StatusCode::OK }, IngestResponse::from(&got))
        }
        Upload::Queued { source, created, kind, job_id } => {
            tracing::info!(actor = %user.id, source_id = %source.id, created, job = ?job_id, "source stored; its file is read by a job");
            let body = IngestResponse {
                source: SourceSummary::from(&source),
                created,
                format: serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
                speakers: Vec::new(),
                segments: 0,
                words: 0,
                indexed_chunks: None,
                job_id,
            };
            (if job_id.is_some() { StatusCode::ACCEPTED } else { StatusCode::OK }, body)
        }
    };
    let location = format!("/sources/{}", body.source.id);
    Ok((status, [(header::LOCATION, location)], Json(body)).into_response())
}
