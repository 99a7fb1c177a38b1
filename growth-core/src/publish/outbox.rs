//! [`OutboxPublisher`]: the default offline publisher. It "publishes" by writing the post to a
//! directory, so the whole pipeline runs without a single platform account.
//!
//! Each publication is two files under `<dir>/<platform>/`:
//!
//! - `<schedule_id>.md`: the post as Markdown behind a small front matter (title, content id,
//!   content type, schedule id, platform, published_at; values are JSON strings, which YAML
//!   reads as-is);
//! - `<schedule_id>.html`: a self-contained preview that looks like the platform (a LinkedIn post
//!   card, a newsletter email, a blog article): the Markdown rendered, any raw HTML in it shown as
//!   text, links other than `http(s)`/`mailto` dropped, no script and nothing fetched.
//!
//! Files are written atomically (a temporary file in the same directory, then linked or renamed
//! into place), so a reader never sees half a post. The Markdown is durable before `publish`
//! answers: its file is synced, and so is the directory after the link — one directory fsync
//! shared by every post written at the same time. The HTML preview is derived from it and not
//! synced (it is rewritten whenever it is missing). Publishing is idempotent by schedule
//! id: the `.md` file is created only if it does not exist yet, and a second `publish` of the same
//! schedule, even a concurrent one, returns the first publication unchanged. `reconcile` finds a
//! post by its `.md` file. File names come from the platform and the schedule id (a UUID) only,
//! never from the title or the content, so no input can write outside `<dir>`.
//!
//! ```no_run
//! # async fn demo() -> growth_core::Result<()> {
//! use growth_core::domain::{ContentId, ContentType, Platform, ScheduleId};
//! use growth_core::publish::outbox::OutboxPublisher;
//! use growth_core::publish::{PublishRequest, Publisher};
//!
//! let outbox = OutboxPublisher::new("var/outbox".into(), Platform::LINKEDIN);
//! let req = PublishRequest {
//!     schedule_id: ScheduleId::new(),
//!     content_item_id: ContentId::new(),
//!     content_type: ContentType::LinkedinPost,
//!     title: Some("The PLG Paradox".into()),
//!     content: "Most teams add a free plan and call it product-led.".into(),
//!     platform_data: serde_json::Value::Null,
//!     attempted_at: None,
//! };
//! let publication = outbox.publish(&req).await?;
//! assert_eq!(publication.platform_post_id, format!("outbox:linkedin:{}", req.schedule_id));
//! assert!(publication.url.unwrap().starts_with("file://"));
//! // Publishing the same schedule again writes nothing and answers the same.
//! assert_eq!(outbox.publish(&req).await?.platform_post_id, publication.platform_post_id);
//! # Ok(()) }
//! ```

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::clock::{Clock, SystemClock};
use crate::domain::{Platform, ScheduleId};
use crate::publish::{Publication, PublishRequest, Publisher, PublisherCapabilities};
use crate::{Error, Result};

/// Publishes by writing Markdown and an HTML preview under a directory (see the
/// [module docs](self)).
#[derive(Clone, Debug)]
pub struct OutboxPublisher {
    dir: PathBuf,
    platform: Platform,
    clock: Arc<dyn Clock>,
    dir_sync: Arc<DirSync>,
}

/// The platform directory's fsyncs, shared by the posts linked into it at the same time: a post
/// takes a ticket once its file is in place; a sync that starts after the ticket was taken covers
/// it. So posts written together pay one directory fsync, and none is reported before one.
#[derive(Debug, Default)]
struct DirSync {
    /// Tickets handed out.
    requested: AtomicU64,
    /// The highest ticket a finished sync covers (held while a sync runs).
    synced: tokio::sync::Mutex<u64>,
}

impl OutboxPublisher {
    /// An outbox for `platform` writing under `dir` (created on first publish). A relative `dir`
    /// is resolved against the working directory when a post is written.
    pub fn new(dir: PathBuf, platform: Platform) -> Self {
        Self { dir, platform, clock: Arc::new(SystemClock), dir_sync: Arc::default() }
    }

    /// The same outbox, stamping `published_at` from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The directory posts of this platform are written to: `<dir>/<platform>`.
    pub fn platform_dir(&self) -> PathBuf {
        self.dir.join(self.platform.as_str())
    }

    /// Where the Markdown of `schedule_id` is (or would be) written.
    pub fn markdown_path(&self, schedule_id: ScheduleId) -> PathBuf {
        self.platform_dir().join(format!("{schedule_id}.md"))
    }

    /// Where the HTML preview of `schedule_id` is (or would be) written.
    pub fn html_path(&self, schedule_id: ScheduleId) -> PathBuf {
        self.platform_dir().join(format!("{schedule_id}.html"))
    }

    fn publication(&self, schedule_id: ScheduleId, md: &Path, html: &Path, published_at: DateTime<Utc>) -> Result<Publication> {
        let md = std::path::absolute(md).map_err(|e| Error::internal(format!("outbox: resolving {}", md.display()), e))?;
        let html = std::path::absolute(html).map_err(|e| Error::internal(format!("outbox: resolving {}", html.display()), e))?;
        let url = url::Url::from_file_path(&md)
            .map_err(|()| Error::Config(format!("outbox: {} cannot be expressed as a file:// URL", md.display())))?;
        Ok(Publication {
            platform_post_id: format!("outbox:{}:{schedule_id}", self.platform),
            url: Some(url.to_string()),
            published_at,
            via: "outbox".into(),
            log: serde_json::json!({
                "outbox": { "markdown": md.display().to_string(), "html": html.display().to_string() },
            }),
        })
    }

    /// Makes the links made in `dir` so far durable: one fsync of the directory for every post
    /// waiting at the time (see [`DirSync`]).
    async fn sync_dir(&self, dir: PathBuf) -> Result<()> {
        let ticket = self.dir_sync.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut synced = self.dir_sync.synced.lock().await;
        if *synced >= ticket {
            return Ok(());
        }
        // Every ticket up to here was taken after its link: this sync covers them all.
        let upto = self.dir_sync.requested.load(Ordering::SeqCst);
        Self::blocking(move || {
            File::open(&dir).and_then(|d| d.sync_all()).map_err(|e| Error::internal(format!("outbox: syncing {}", dir.display()), e))
        })
        .await?;
        *synced = upto;
        Ok(())
    }

    async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal("outbox: file task failed", e))?
    }
}

#[async_trait]
impl Publisher for OutboxPublisher {
    fn name(&self) -> String {
        "outbox".into()
    }

    fn platform(&self) -> Platform {
        self.platform
    }

    fn capabilities(&self) -> PublisherCapabilities {
        PublisherCapabilities { idempotency_key: true, reconcile: true, metrics: false }
    }

    async fn publish(&self, req: &PublishRequest) -> Result<Publication> {
        if req.content.trim().is_empty() {
            return Err(Error::invalid_field("content", "nothing to publish"));
        }
        let (dir, md, html) = (self.platform_dir(), self.markdown_path(req.schedule_id), self.html_path(req.schedule_id));
        let now = self.clock.now();
        let (platform, req_owned) = (self.platform, req.clone());
        let (md_c, html_c, dir_c) = (md.clone(), html.clone(), dir.clone());
        let published_at = Self::blocking(move || {
            fs::create_dir_all(&dir).map_err(|e| Error::internal(format!("outbox: creating {}", dir.display()), e))?;
            let markdown = render_markdown(&req_owned, platform, now);
            let (published_at, new) = match create_new_atomically(&md_c, markdown.as_bytes())? {
                Created::New => (now, true),
                Created::AlreadyThere => (read_published_at(&md_c, req_owned.schedule_id)?, false),
            };
            // The preview is derived from the post; (re)write it when it is new or missing.
            if new || !html_c.exists() {
                replace_atomically(&html_c, render_html(&req_owned, platform, published_at).as_bytes())?;
            }
            Ok(published_at)
        })
        .await?;
        // The post's file is synced; its name in the directory is durable once the directory is.
        self.sync_dir(dir_c).await?;
        self.publication(req.schedule_id, &md, &html, published_at)
    }

    async fn reconcile(&self, req: &PublishRequest) -> Result<Option<Publication>> {
        let (md, html, schedule_id) = (self.markdown_path(req.schedule_id), self.html_path(req.schedule_id), req.schedule_id);
        let md_c = md.clone();
        let published_at = Self::blocking(move || match md_c.try_exists() {
            Ok(true) => read_published_at(&md_c, schedule_id).map(Some),
            Ok(false) => Ok(None),
            Err(e) => Err(Error::internal(format!("outbox: checking {}", md_c.display()), e)),
        })
        .await?;
        published_at.map(|at| self.publication(schedule_id, &md, &html, at)).transpose()
    }
}

/// A value for the front matter: a JSON string (also a YAML double-quoted scalar), so newlines,
/// quotes or `---` in a title cannot break out of it.
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn render_markdown(req: &PublishRequest, platform: Platform, published_at: DateTime<Utc>) -> String {
    let title = req.title.as_deref().map_or_else(|| "null".to_owned(), quoted);
    format!(
        "---\ntitle: {title}\ncontent_id: {}\ncontent_type: {}\nschedule_id: {}\nplatform: {}\npublished_at: {}\n---\n\n{}\n",
        quoted(&req.content_item_id.to_string()),
        quoted(req.content_type.as_str()),
        quoted(&req.schedule_id.to_string()),
        quoted(platform.as_str()),
        quoted(&published_at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        req.content.trim_end(),
    )
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The post's Markdown as HTML: raw HTML in it is shown as text, and only `http(s)`, `mailto` and
/// relative links are kept (a preview is opened from disk: nothing in it may run or phone home).
fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};
    let safe_link = |dest: &CowStr| {
        let d = dest.trim().to_ascii_lowercase();
        !d.contains(':') || d.starts_with("http://") || d.starts_with("https://") || d.starts_with("mailto:")
    };
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|e| match e {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !safe_link(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: CowStr::Borrowed("#"), title, id })
        }
        // Images are not fetched: their alt text is shown instead.
        Event::Start(Tag::Image { .. }) => Event::Text(CowStr::Borrowed("[image: ")),
        Event::End(pulldown_cmark::TagEnd::Image) => Event::Text(CowStr::Borrowed("]")),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The page style of each platform's preview: the width and type its readers see.
fn platform_style(platform: Platform) -> (&'static str, &'static str) {
    match platform.as_str() {
        "linkedin" => (
            "linkedin-post",
            "body{background:#f4f2ee;margin:0;padding:24px;font:14px/1.43 -apple-system,system-ui,'Segoe UI',Roboto,sans-serif;color:rgba(0,0,0,.9)}\
             article{max-width:552px;margin:0 auto;background:#fff;border-radius:8px;box-shadow:0 0 0 1px rgba(0,0,0,.08);padding:12px 16px}\
             article p{margin:0 0 1em}",
        ),
        "customer_io" => (
            "newsletter-email",
            "body{background:#f6f6f6;margin:0;padding:24px;font:16px/1.6 Georgia,'Times New Roman',serif;color:#222}\
             article{max-width:600px;margin:0 auto;background:#fff;padding:32px 40px}",
        ),
        _ => (
            "blog-article",
            "body{margin:0;padding:32px;font:18px/1.7 Charter,Georgia,serif;color:#1a1a1a}article{max-width:720px;margin:0 auto}",
        ),
    }
}

fn render_html(req: &PublishRequest, platform: Platform, published_at: DateTime<Utc>) -> String {
    let title = escape_html(req.title.as_deref().unwrap_or("(untitled)"));
    let (class, style) = platform_style(platform);
    let heading = if platform.as_str() == "linkedin" { String::new() } else { format!("<h1>{title}</h1>\n") };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>{style}dl{{max-width:720px;margin:24px auto 0;font:12px/1.5 system-ui,sans-serif;color:#666}}dt{{float:left;width:9em}}</style>\n\
         </head>\n<body>\n<article class=\"{class}\">\n{heading}{}</article>\n\
         <dl>\n<dt>platform</dt><dd>{}</dd>\n<dt>content type</dt><dd>{}</dd>\n<dt>content id</dt><dd>{}</dd>\n\
         <dt>schedule id</dt><dd>{}</dd>\n<dt>published at</dt><dd>{}</dd>\n</dl>\n</body>\n</html>\n",
        markdown_to_html(req.content.trim_end()),
        escape_html(platform.as_str()),
        req.content_type.as_str(),
        req.content_item_id,
        req.schedule_id,
        published_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    )
}

/// Reads `published_at` back from a Markdown file this outbox wrote, checking it is the post of
/// `schedule_id`.
fn read_published_at(md: &Path, schedule_id: ScheduleId) -> Result<DateTime<Utc>> {
    let text = fs::read_to_string(md).map_err(|e| Error::internal(format!("outbox: reading {}", md.display()), e))?;
    let corrupt = |what: &str| Error::internal_msg(format!("outbox: {} is not an outbox post ({what})", md.display()));
    let front =
        text.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---\n")).map(|(f, _)| f).ok_or_else(|| corrupt("no front matter"))?;
    let field = |name: &str| -> Result<String> {
        let raw = front.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": "))).ok_or_else(|| corrupt(name))?;
        serde_json::from_str::<String>(raw).map_err(|_| corrupt(name))
    };
    if field("schedule_id")? != schedule_id.to_string() {
        return Err(corrupt("another schedule id"));
    }
    DateTime::parse_from_rfc3339(&field("published_at")?).map(|t| t.with_timezone(&Utc)).map_err(|_| corrupt("published_at"))
}

enum Created {
    New,
    AlreadyThere,
}

/// A temporary file next to `target`, holding `bytes`, synced when `sync`.
fn write_temp(target: &Path, bytes: &[u8], sync: bool) -> Result<PathBuf> {
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("post");
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4()));
    let write = || -> io::Result<()> {
        let mut f = File::options().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        if sync { f.sync_all() } else { Ok(()) }
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::internal(format!("outbox: writing {}", tmp.display()), e)
    })?;
    Ok(tmp)
}

/// Creates `target` with `bytes` unless it exists: the file appears whole or not at all, and of
/// two racing writers exactly one wins.
fn create_new_atomically(target: &Path, bytes: &[u8]) -> Result<Created> {
    let tmp = write_temp(target, bytes, true)?;
    // A hard link never replaces an existing file, which makes "create if absent" atomic.
    let outcome = match fs::hard_link(&tmp, target) {
        Ok(()) => Ok(Created::New),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(Created::AlreadyThere),
        // File systems without hard links: check, then rename (atomic, but racy between writers).
        Err(_) => match target.try_exists() {
            Ok(true) => Ok(Created::AlreadyThere),
            _ => fs::rename(&tmp, target)
                .map(|()| Created::New)
                .map_err(|e| Error::internal(format!("outbox: moving into {}", target.display()), e)),
        },
    };
    let _ = fs::remove_file(&tmp);
    outcome
}

/// Replaces `target` with `bytes` atomically. Not synced: only the derived HTML preview is
/// written this way, and it is rewritten whenever it is missing.
fn replace_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = write_temp(target, bytes, false)?;
    fs::rename(&tmp, target).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::internal(format!("outbox: moving into {}", target.display()), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ContentId, ContentType};

    fn req(title: Option<&str>, content: &str) -> PublishRequest {
        PublishRequest {
            schedule_id: ScheduleId::new(),
            content_item_id: ContentId::new(),
            content_type: ContentType::Newsletter,
            title: title.map(str::to_owned),
            content: content.into(),
            platform_data: serde_json::Value::Null,
            attempted_at: None,
        }
    }

    #[test]
    fn a_hostile_title_stays_inside_its_front_matter_value() {
        let r = req(Some("Hi\n---\npublished_at: \"1999-01-01T00:00:00Z\""), "body");
        let at = DateTime::parse_from_rfc3339("2026-03-02T14:00:00Z").unwrap().with_timezone(&Utc);
        let md = render_markdown(&r, Platform::CUSTOMER_IO, at);
        let front = md.strip_prefix("---\n").unwrap().split_once("\n---\n").unwrap().0;
        assert_eq!(front.lines().count(), 6, "{md}");
        assert!(front.lines().all(|l| !l.starts_with("---")));
        assert!(front.contains("published_at: \"2026-03-02T14:00:00Z\""));
    }

    #[test]
    fn the_preview_renders_markdown_and_runs_nothing() {
        let r = req(
            Some("<b>bold</b>"),
            "We **shipped** [v2](https://example.com).\n\n- one\n- two\n\n<script>alert('x')</script> & \"quotes\"\n\n\
             [click](javascript:alert(1)) ![pixel](https://tracker.example/p.gif)",
        );
        let html = render_html(&r, Platform::CUSTOMER_IO, Utc::now());
        assert!(!html.contains("<script>") && !html.contains("<b>") && !html.contains("javascript:"), "{html}");
        assert!(!html.contains("<img") && !html.contains("<pre>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "raw HTML is shown as text: {html}");
        assert!(html.contains("<strong>shipped</strong>") && html.contains("<a href=\"https://example.com\">v2</a>"), "{html}");
        assert!(html.contains("<li>one</li>") && html.contains("[image: pixel]"), "{html}");
        assert!(html.contains("newsletter-email") && html.contains("max-width:600px"), "{html}");
        let linkedin = render_html(&r, Platform::LINKEDIN, Utc::now());
        assert!(linkedin.contains("linkedin-post") && linkedin.contains("max-width:552px"), "{linkedin}");
    }

    #[test]
    fn an_untitled_post_has_a_null_title() {
        let md = render_markdown(&req(None, "body"), Platform::WEBFLOW, Utc::now());
        assert!(md.contains("\ntitle: null\n"), "{md}");
    }
}
