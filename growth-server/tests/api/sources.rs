//! `POST /sources`, `GET /sources`, `GET /sources/{id}`, `DELETE /sources/{id}`: every shared
//! transcript ingests through the API, duplicates answer the existing source, garbage writes
//! nothing, a deleted source takes its transcript, chunks and file with it.

use growth_core::domain::Role;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

fn fixtures() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../growth-core/tests/fixtures/transcripts");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("LICENSE") && name != "NOTICE.md" && name != "README.md" {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

async fn upload(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.req(Method::POST, "/sources", token).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn every_shared_transcript_ingests_through_the_api_and_is_indexed() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let paths = fixtures();
    assert!(paths.len() >= 10, "{paths:?}");
    for p in &paths {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(p).unwrap();
        let parsed = growth_core::transcript::parse(&bytes, None).unwrap();
        let resp = upload(&app, &token, &name, bytes).await;
        assert_eq!(resp.status(), 201, "{name}");
        assert!(resp.headers()["location"].to_str().unwrap().starts_with("/sources/"));
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["created"], true, "{name}");
        assert_eq!(body["source"]["status"], "completed", "{name}: {body}");
        assert_eq!(body["words"].as_u64(), Some(parsed.transcript.word_count() as u64), "{name}: {body}");
        assert_eq!(body["source"]["transcript_words"], body["words"], "{name}: the upload and the source count words alike");
        assert_eq!(body["format"], parsed.format.to_string(), "{name}");
        assert_eq!(body["speakers"], json!(parsed.transcript.speakers()), "{name}");
        assert!(parsed.transcript.word_count() > 20, "{name}");
        assert!(body["indexed_chunks"].as_u64().unwrap() >= 1, "{name}: {body}");
        assert!(body["source"].get("transcript").is_none(), "the summary leaves the transcript out");
    }
    let list: Value = app.req(Method::GET, "/sources?limit=100", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["sources"].as_array().unwrap().len(), paths.len());
    assert_eq!(list["total"].as_u64(), Some(paths.len() as u64));
}

#[tokio::test]
async fn a_vtt_upload_reports_its_format_and_speakers_and_reads_back_whole() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let vtt =
        "WEBVTT\n\n00:00.000 --> 00:03.000\n<v Michael>Welcome to the show\n\n00:03.000 --> 00:06.000\n<v Guest>Thanks for having me on\n";
    let resp = upload(&app, &token, "ep.vtt", vtt.as_bytes().to_vec()).await;
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["format"], "webvtt");
    assert_eq!(body["speakers"], json!(["Michael", "Guest"]));
    assert_eq!((body["segments"].as_u64(), body["words"].as_u64()), (Some(2), Some(9)));
    assert_eq!(body["source"]["transcript_words"], 9, "speaker labels are not words");
    let id = body["source"]["id"].as_str().unwrap();
    let viewer = app.token(Role::Viewer).await;
    let one: Value = app.req(Method::GET, &format!("/sources/{id}"), &viewer).send().await.unwrap().json().await.unwrap();
    assert!(one["transcript"].as_str().unwrap().contains("Thanks for having me on"), "{one}");
    assert_eq!(one["status"], "completed");
}

#[tokio::test]
async fn the_same_file_twice_answers_the_existing_source_with_200() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let bytes = b"Wes: we doubled trials by removing the demo gate\n\nScott: how long did it take".to_vec();
    let first: Value = upload(&app, &token, "a.txt", bytes.clone()).await.json().await.unwrap();
    let again = upload(&app, &token, "renamed.txt", bytes).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["created"], false);
    assert_eq!(again["source"]["id"], first["source"]["id"]);
    assert_eq!(app.state.engine.store().list_sources(10, 0).await.unwrap().len(), 1);
}

#[tokio::test]
async fn pasted_text_ingests_as_json() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let body = json!({"text": "Anna: pricing pages convert when they show the number", "title": "Call with Anna", "source_type": "sales_call", "source_id": "call-1"});
    let resp = app.req(Method::POST, "/sources", &token).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 201);
    let got: Value = resp.json().await.unwrap();
    assert_eq!(got["source"]["title"], "Call with Anna");
    assert_eq!(got["source"]["source_type"], "sales_call");
    assert_eq!(got["speakers"], json!(["Anna"]));
    // The same platform id again is the same source.
    let again = app
        .req(Method::POST, "/sources", &token)
        .json(&json!({"text": "another paste", "source_type": "sales_call", "source_id": "call-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn bad_uploads_get_precise_problems_and_write_nothing() {
    let app = spawn_app_with(|s| s.http.upload_limit_bytes = 64 * 1024).await;
    let token = app.token(Role::Approver).await;
    let problem = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        (status, r.json::<Value>().await.unwrap())
    };
    // A JSON document that is not a transcript.
    let (s, p) = problem(upload(&app, &token, "x.json", br#"{"hello": "world"}"#.to_vec()).await).await;
    assert_eq!(s, 422, "{p}");
    // Binary garbage.
    let (s, p) = problem(upload(&app, &token, "x.txt", vec![0u8, 159, 146, 150, 0, 1, 2]).await).await;
    assert_eq!(s, 422, "{p}");
    // An empty file.
    let (s, _) = problem(upload(&app, &token, "x.txt", Vec::new()).await).await;
    assert_eq!(s, 422);
    // A malformed PDF.
    let (s, p) = problem(upload(&app, &token, "x.pdf", b"%PDF-1.7\n garbage garbage".to_vec()).await).await;
    assert_eq!(s, 422, "{p}");
    // An unknown forced format.
    let form = Form::new().text("format", "docx").part("file", Part::bytes(b"Wes: hi there".to_vec()).file_name("a.txt"));
    let (s, p) = problem(app.req(Method::POST, "/sources", &token).multipart(form).send().await.unwrap()).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("format")), "{p}");
    // A form without a file.
    let form = Form::new().text("title", "no file");
    let (s, p) = problem(app.req(Method::POST, "/sources", &token).multipart(form).send().await.unwrap()).await;
    assert_eq!((s, p["field"].as_str()), (422, Some("file")), "{p}");
    // Malformed JSON and blank text.
    let r = app.req(Method::POST, "/sources", &token).header("content-type", "application/json").body("{\"text\": ").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = app.req(Method::POST, "/sources", &token).json(&json!({"text": "   "})).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // Over the upload limit.
    let r = upload(&app, &token, "big.txt", "Wes: word ".repeat(10_000).into_bytes()).await;
    assert_eq!(r.status(), 413);
    assert!(app.state.engine.store().list_sources(10, 0).await.unwrap().is_empty(), "nothing was written");
}

fn tiny_pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    out
}

/// Polls `GET /sources/{id}` until its status is final.
async fn settled(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..500 {
        let got: Value = app.req(Method::GET, &format!("/sources/{id}"), token).send().await.unwrap().json().await.unwrap();
        if matches!(got["status"].as_str(), Some("completed" | "failed")) {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("source {id} never settled");
}

#[tokio::test]
async fn a_pdf_upload_answers_202_at_once_and_a_job_reads_it() {
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let r = upload(&app, &token, "chapter.pdf", tiny_pdf("Product-led growth starts with value")).await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["format"], "pdf", "{body}");
    assert!(body["job_id"].is_string(), "{body}");
    assert!(matches!(body["source"]["status"].as_str(), Some("ingested" | "processing" | "completed")), "{body}");
    let id = body["source"]["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/sources/{id}"));
    let got = settled(&app, &token, &id).await;
    assert_eq!(got["status"], "completed", "{got}");
    assert!(got["transcript"].as_str().unwrap().contains("Product-led growth starts with value"), "{got}");
    // The same file again: the same source, nothing new to do.
    let again = upload(&app, &token, "renamed.pdf", tiny_pdf("Product-led growth starts with value")).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["source"]["id"], id.as_str());
    assert!(again.get("job_id").is_none(), "{again}");
}

#[tokio::test]
async fn each_kind_of_upload_has_its_own_413_naming_the_setting() {
    let app = spawn_app_with(|s| {
        s.ingest.max_transcript_bytes = 4 * 1024;
        s.ingest.pdf_max_bytes = 300;
    })
    .await;
    let token = app.token(Role::Approver).await;
    let text = "Wes: free trials are not product-led growth. ".repeat(200);
    for r in [
        upload(&app, &token, "talk.txt", text.clone().into_bytes()).await,
        upload(&app, &token, "chapter.pdf", tiny_pdf("Product-led growth starts with value")).await,
    ] {
        assert_eq!(r.status(), 413);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains("ingest.max_transcript_bytes") || detail.contains("ingest.pdf_max_bytes"), "{p}");
        assert!(detail.contains("4096") || detail.contains("300"), "the limit is named: {p}");
    }
    assert!(app.state.engine.store().list_sources(10, 0).await.unwrap().is_empty(), "nothing was written");
}

#[tokio::test]
async fn sources_need_a_token_and_uploads_need_an_approver() {
    let app = spawn_app().await;
    let r = app.client.get(format!("{}/sources", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(app.req(Method::GET, "/sources", &viewer).send().await.unwrap().status(), 200);
    let r = upload(&app, &viewer, "a.txt", b"Wes: hello there".to_vec()).await;
    assert_eq!(r.status(), 403);
    let r = app.req(Method::GET, "/sources/not-an-id", &viewer).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = app.req(Method::GET, &format!("/sources/{}", uuid::Uuid::now_v7()), &viewer).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = app.req(Method::GET, "/sources?limit=abc", &viewer).send().await.unwrap();
    assert_eq!(r.status(), 422);
}

/// Tried as a reviewer would: a wrong upload could not be removed. Deleting one takes its
/// transcript, chunks and file; its drafts stay without a source; content past review blocks it.
#[tokio::test]
async fn a_deleted_source_takes_its_transcript_chunks_and_file_and_keeps_its_drafts() {
    use growth_core::domain::{ContentStatus, ContentTransition, ContentType, NewContentItem};
    use growth_core::vector::MetadataFilter;
    let app = spawn_app().await;
    let token = app.token(Role::Approver).await;
    let store = app.state.engine.store().clone();
    let mut ids = Vec::new();
    for (name, text) in
        [("a.txt", "Wes: free trials are not product-led growth, value is. "), ("b.txt", "Wes: onboarding is the product. ")]
    {
        let r = upload(&app, &token, name, text.repeat(40).into_bytes()).await;
        assert_eq!(r.status(), 201);
        let body: Value = r.json().await.unwrap();
        assert!(body["indexed_chunks"].as_u64().unwrap() >= 1, "{body}");
        ids.push(body["source"]["id"].as_str().unwrap().parse::<growth_core::domain::SourceId>().unwrap());
    }
    let chunks = |id: growth_core::domain::SourceId| {
        let vectors = app.state.engine.vectors().clone();
        async move { vectors.list_metadata("sources", MetadataFilter::Eq("item_id".into(), json!(id.to_string())), 1000).await.unwrap().len() }
    };
    let draft = |id, text: &str| {
        let mut n = NewContentItem::draft(ContentType::LinkedinPost, None, text);
        n.source_id = Some(id);
        n
    };
    // Source a has an approved item: 409, nothing removed.
    let approved = store.insert_content(draft(ids[0], "approved post")).await.unwrap();
    store.transition_content(approved.id, ContentTransition::to(ContentStatus::Approved)).await.unwrap();
    let before = chunks(ids[0]).await;
    let r = app.req(Method::DELETE, &format!("/sources/{}", ids[0]), &token).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("approved"), "{p}");
    assert_eq!(chunks(ids[0]).await, before, "nothing removed");
    assert_eq!(app.req(Method::GET, &format!("/sources/{}", ids[0]), &token).send().await.unwrap().status(), 200);
    // Source b has a draft in review: it is detached and kept.
    let in_review = store.insert_content(draft(ids[1], "a post in review")).await.unwrap();
    let source = store.get_source(ids[1]).await.unwrap();
    let url = source.file_url.clone().unwrap();
    let key = &url[url.find("sources/").unwrap()..];
    assert!(app.state.engine.blobs().get(key).await.is_ok(), "the upload is kept until the source goes");
    assert!(chunks(ids[1]).await >= 1);
    let viewer = app.token(Role::Viewer).await;
    assert_eq!(app.req(Method::DELETE, &format!("/sources/{}", ids[1]), &viewer).send().await.unwrap().status(), 403);
    let r = app.req(Method::DELETE, &format!("/sources/{}", ids[1]), &token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let gone: Value = r.json().await.unwrap();
    assert_eq!(gone["source"]["id"], ids[1].to_string());
    assert_eq!(gone["detached_items"], 1, "{gone}");
    assert!(gone["removed_chunks"].as_u64().unwrap() >= 1, "{gone}");
    assert_eq!(gone["deleted_blob"], key, "{gone}");
    assert_eq!(chunks(ids[1]).await, 0, "its chunks are gone from retrieval");
    assert!(matches!(app.state.engine.blobs().get(key).await, Err(growth_core::Error::NotFound { .. })), "its file is gone");
    assert_eq!(app.req(Method::GET, &format!("/sources/{}", ids[1]), &token).send().await.unwrap().status(), 404);
    let kept = store.get_content(in_review.id).await.unwrap();
    assert_eq!((kept.source_id, kept.status), (None, ContentStatus::InReview), "the draft stays, detached");
    let list: Value = app.req(Method::GET, "/sources", &token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(app.req(Method::DELETE, &format!("/sources/{}", ids[1]), &token).send().await.unwrap().status(), 404, "gone");
}

crate::helpers::postgres_too!(
    a_vtt_upload_reports_its_format_and_speakers_and_reads_back_whole,
    the_same_file_twice_answers_the_existing_source_with_200,
    pasted_text_ingests_as_json,
    bad_uploads_get_precise_problems_and_write_nothing,
    a_pdf_upload_answers_202_at_once_and_a_job_reads_it,
    each_kind_of_upload_has_its_own_413_naming_the_setting,
    a_deleted_source_takes_its_transcript_chunks_and_file_and_keeps_its_drafts,
);
