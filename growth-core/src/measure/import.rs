//! Offline metrics: per-post numbers from the CSV files platforms export, so the measure → learn
//! loop works with no API access.
//!
//! [`parse_metrics_csv`] reads:
//!
//! - **LinkedIn creator analytics, "TOP POSTS" sheet saved as CSV**: a note line, then two tables
//!   side by side, `Post URL, Post publish date, Engagements` and `Post URL, Post publish date,
//!   Impressions` (dates month-first, `M/D/YYYY`); the two halves are joined on the post URL.
//! - **LinkedIn page analytics, "updates"/posts export**: one row per post with `Update title`,
//!   `Update link`, `Created date`, `Impressions`, `Clicks`, `Likes`, `Comments`, `Reposts`, rates.
//! - **Customer.io message metrics**: one row per newsletter/broadcast message with `Subject`
//!   (or `Name`), `Sent`, `Delivered`, `Human Opened`, `Human Clicked`, `Bounced`,
//!   `Unsubscribed`, `Converted` (or the App API's series keys `human_opened` …).
//! - **Our own template**: `content_id` (or `utm_content`), optional `platform`, and any of the
//!   metric columns, for numbers copied by hand.
//!
//! Tolerance: a byte-order mark, `,`/`;`/tab delimiters, quoted fields, preamble lines before the
//! header, header aliases in any case and spacing, thousands separators (`1,234`, `1.234`,
//! `1 234`), blanks and `-` as "not reported" (`None`, never zero), percentages (`4.5%` → 0.045),
//! and dates as ISO 8601, RFC 3339, `M/D/YYYY` (month first, as LinkedIn writes them),
//! `Feb 20, 2026` or `20 Feb 2026`. Open and click counts that include machine opens (`Opened`,
//! `Clicked` of an email export) are recognised and **not** used: only human opens and clicks
//! reach [`PostMetrics`].
//!
//! A malformed value stops the import with an [`ImportError`] naming the line and column, so a
//! file is never half-imported. Rows without any post key (a "Total" line) are listed in
//! [`MetricsImport::skipped`].

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::csv::{self, Record};
use super::metrics::{Metric, PostMetrics};
use crate::Error;
use crate::domain::{ContentId, Platform};

/// Which export a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ImportFormat {
    /// LinkedIn creator analytics, "TOP POSTS" sheet (two tables side by side).
    LinkedInTopPosts,
    /// LinkedIn page analytics, one row per update (post).
    LinkedInPageUpdates,
    /// Customer.io message metrics, one row per newsletter issue.
    CustomerIoMessages,
    /// Our template (a `content_id` column and metric columns) or any other per-post table.
    Generic,
}

/// How a row names its post; at least one field is set. The caller matches them against its
/// publications in this order: `content_id`, `platform_post_id`, `urn`, `url`, then `title`.
///
/// LinkedIn exports link posts as `…/feed/update/urn:li:activity:<id>/`, while the Posts API
/// returns `urn:li:share:`/`urn:li:ugcPost:` ids: those are different numbers for the same post,
/// so an exported LinkedIn row usually matches by title or publish date, not by URN.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRef {
    /// Our content item id (`content_id`, `utm_content` columns).
    pub content_id: Option<ContentId>,
    /// The platform's id (`platform_post_id`, `Post ID`, `Trigger ID` columns).
    pub platform_post_id: Option<String>,
    /// A LinkedIn URN (a `Post URN` column, or found in the post URL).
    pub urn: Option<String>,
    /// The post's URL.
    pub url: Option<String>,
    /// The subject line (newsletters) or title.
    pub title: Option<String>,
}

impl PostRef {
    fn is_empty(&self) -> bool {
        self.content_id.is_none() && self.platform_post_id.is_none() && self.urn.is_none() && self.url.is_none() && self.title.is_none()
    }

    /// The identity rows are merged on (the first key present).
    fn merge_key(&self) -> String {
        if let Some(id) = self.content_id {
            return format!("c:{id}");
        }
        if let Some(id) = &self.platform_post_id {
            return format!("p:{id}");
        }
        if let Some(urn) = &self.urn {
            return format!("u:{urn}");
        }
        if let Some(url) = &self.url {
            return format!("l:{}", url.trim_end_matches('/'));
        }
        format!("t:{}", self.title.as_deref().unwrap_or_default())
    }

    fn fill_from(&mut self, other: &PostRef) {
        self.content_id = self.content_id.or(other.content_id);
        self.platform_post_id = self.platform_post_id.take().or_else(|| other.platform_post_id.clone());
        self.urn = self.urn.take().or_else(|| other.urn.clone());
        self.url = self.url.take().or_else(|| other.url.clone());
        self.title = self.title.take().or_else(|| other.title.clone());
    }
}

/// One post's numbers from a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportedRow {
    /// The (first) line it was read from.
    pub line: usize,
    /// The platform, when the file or the row says (a `platform` column, a LinkedIn URL).
    pub platform: Option<Platform>,
    /// The post.
    pub post: PostRef,
    /// When it was published (or sent), when the file says. A date without a time is midnight UTC.
    pub published_at: Option<DateTime<Utc>>,
    /// The counters; columns the file lacks are `None`.
    pub metrics: PostMetrics,
    /// Rate columns as fractions (`"4.5%"` → 0.045), by normalised header (`ctr`, `open rate` …).
    /// Informational: rates are recomputed from counts, never stored as counts.
    pub rates: BTreeMap<String, f64>,
}

/// A line that held no post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedLine {
    /// The line.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// What a file held.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricsImport {
    /// The export it was recognised as.
    pub format: ImportFormat,
    /// One row per post (a post listed twice, as in LinkedIn's two top-post tables, is merged).
    pub rows: Vec<ImportedRow>,
    /// Lines that held no post.
    pub skipped: Vec<SkippedLine>,
    /// Header cells that were not understood (kept so a caller can show them).
    pub ignored_columns: Vec<String>,
}

/// Options of [`parse_metrics_csv_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The platform of rows whose platform the file does not tell.
    pub default_platform: Option<Platform>,
}

/// Why a file could not be read: the (1-based) line, the column when one is at fault, and what
/// is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {message}", column.as_deref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
pub struct ImportError {
    /// The line.
    pub line: usize,
    /// The column's header, when a value is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl From<ImportError> for Error {
    fn from(e: ImportError) -> Self {
        let field = e.column.as_ref().map(|c| format!("line {}, column {c}", e.line)).unwrap_or_else(|| format!("line {}", e.line));
        Error::invalid_field(field, e.message)
    }
}

/// Reads a per-post metrics export (see the module docs for the formats).
///
/// # Errors
/// [`ImportError`] for a quote never closed, a file with no recognisable header, or a value that
/// is not what its column holds (a count that is not a whole number, a date that is no date, a
/// content id that is no UUID).
pub fn parse_metrics_csv(text: &str) -> Result<MetricsImport, ImportError> {
    parse_metrics_csv_with(text, &ImportOptions::default())
}

/// [`parse_metrics_csv`] with options.
///
/// # Errors
/// As [`parse_metrics_csv`].
pub fn parse_metrics_csv_with(text: &str, options: &ImportOptions) -> Result<MetricsImport, ImportError> {
    let records = csv::read(text, csv::sniff_delimiter(text)).map_err(|e| ImportError {
        line: e.line,
        column: None,
        message: "a quoted field is never closed".into(),
    })?;
    let Some(header_at) = records.iter().take(HEADER_SEARCH_LINES).position(looks_like_header) else {
        return Err(ImportError {
            line: records.first().map_or(1, |r| r.line),
            column: None,
            message: format!(
                "no header row found in the first {HEADER_SEARCH_LINES} lines: expected a post column (Post URL, Update link, \
                 content_id, Subject …) and a metric column (Impressions, Delivered, Human Opened …)"
            ),
        });
    };
    let header = &records[header_at];
    let columns: Vec<Column> = header.fields.iter().map(|h| classify(h)).collect();
    let format = detect_format(&columns);
    let groups = groups(&columns, format);
    let ignored_columns = header
        .fields
        .iter()
        .zip(&columns)
        .filter(|(h, c)| matches!(c, Column::Unknown) && !h.trim().is_empty())
        .map(|(h, _)| h.trim().to_owned())
        .collect();

    let mut rows: Vec<ImportedRow> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut skipped = Vec::new();
    for record in &records[header_at + 1..] {
        if record.is_blank() {
            continue;
        }
        let mut found = false;
        for group in &groups {
            let Some(row) = read_row(record, header, &columns, group, format, options)? else { continue };
            found = true;
            match index.get(&row.post.merge_key()) {
                Some(&i) => merge(&mut rows[i], row),
                None => {
                    index.insert(row.post.merge_key(), rows.len());
                    rows.push(row);
                }
            }
        }
        if !found {
            let first = record.fields.iter().map(|f| f.trim()).find(|f| !f.is_empty()).unwrap_or_default();
            skipped.push(SkippedLine { line: record.line, reason: format!("no post named on this line (starts with {first:?})") });
        }
    }
    Ok(MetricsImport { format, rows, skipped, ignored_columns })
}

/// How far down a file the header row may be (LinkedIn puts a note above it).
const HEADER_SEARCH_LINES: usize = 10;

/// What a header cell means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Key(KeyKind),
    Metric(Metric),
    Published,
    Platform,
    Rate,
    /// Opens or clicks that include machines: recognised, never used.
    MachineInclusive,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    ContentId,
    PlatformPostId,
    Urn,
    Url,
    Title,
}

/// A header cell lower-cased, with every run of non-alphanumerics as one space.
fn normalise(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut space = false;
    for c in header.trim().chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

fn classify(header: &str) -> Column {
    let h = normalise(header);
    let metric = |m| Column::Metric(m);
    match h.as_str() {
        "content id" | "contentid" | "content item id" | "utm content" | "growth content id" => Column::Key(KeyKind::ContentId),
        "platform post id" | "post id" | "trigger id" | "message id" | "share id" => Column::Key(KeyKind::PlatformPostId),
        "post urn" | "urn" | "share urn" | "activity urn" | "update urn" | "ugc post urn" => Column::Key(KeyKind::Urn),
        "post url" | "url" | "update link" | "post link" | "link" | "permalink" | "page url" | "published url" => Column::Key(KeyKind::Url),
        "subject" | "subject line" | "email subject" | "update title" | "post title" | "title" | "name" | "newsletter" | "message"
        | "message name" => Column::Key(KeyKind::Title),
        "platform" | "channel" => Column::Platform,
        "impressions" | "impression" | "impression count" | "total impressions" => metric(Metric::Impressions),
        "members reached" | "unique impressions" | "unique impressions count" | "unique views" | "reach" => metric(Metric::MembersReached),
        "reactions" | "reaction" | "likes" | "like count" | "reaction count" => metric(Metric::Reactions),
        "comments" | "comment count" => metric(Metric::Comments),
        "reposts" | "reshares" | "shares" | "share count" | "repost count" => metric(Metric::Reshares),
        "clicks" | "click count" | "link clicks" => metric(Metric::Clicks),
        "engagements" | "engagement" | "total engagements" => metric(Metric::Engagements),
        "sent" | "emails sent" | "messages sent" | "total sent" => metric(Metric::Sent),
        "delivered" | "emails delivered" | "messages delivered" => metric(Metric::Delivered),
        "human opened" | "human opens" | "unique human opens" => metric(Metric::HumanOpens),
        "human clicked" | "human clicks" | "unique human clicks" => metric(Metric::HumanClicks),
        "unsubscribed" | "unsubscribes" | "unsubscribe" => metric(Metric::Unsubscribes),
        "bounced" | "bounces" | "bounce" => metric(Metric::Bounces),
        "converted" | "conversions" | "conversion" => metric(Metric::Converted),
        "sessions" | "session count" => metric(Metric::Sessions),
        "pageviews" | "page views" | "pageview count" | "views" => metric(Metric::Pageviews),
        "opened" | "opens" | "unique opens" | "clicked" | "unique clicks" | "prefetch opened" => Column::MachineInclusive,
        "post publish date" | "publish date" | "published" | "published at" | "created date" | "date" | "sent at" | "send date"
        | "sent date" | "created at" => Column::Published,
        _ if h.ends_with(" rate") || h == "ctr" || h.contains("click through rate") || h.ends_with(" ctr") => Column::Rate,
        _ => Column::Unknown,
    }
}

fn looks_like_header(record: &Record) -> bool {
    let cols: Vec<Column> = record.fields.iter().map(|f| classify(f)).collect();
    cols.iter().any(|c| matches!(c, Column::Key(_))) && cols.iter().any(|c| matches!(c, Column::Metric(_)))
}

fn detect_format(columns: &[Column]) -> ImportFormat {
    let urls = columns.iter().filter(|c| **c == Column::Key(KeyKind::Url)).count();
    let has = |m: Metric| columns.contains(&Column::Metric(m));
    let has_key = |k: KeyKind| columns.contains(&Column::Key(k));
    if urls >= 2 && columns.contains(&Column::Published) {
        ImportFormat::LinkedInTopPosts
    } else if Metric::NEWSLETTER.iter().any(|m| has(*m)) && !has(Metric::Impressions) {
        ImportFormat::CustomerIoMessages
    } else if has_key(KeyKind::Url) && has(Metric::Reshares) && !has_key(KeyKind::ContentId) {
        ImportFormat::LinkedInPageUpdates
    } else {
        ImportFormat::Generic
    }
}

/// Column ranges that each describe one post: the whole row, or for side-by-side tables one
/// range per URL column.
fn groups(columns: &[Column], format: ImportFormat) -> Vec<std::ops::Range<usize>> {
    if format != ImportFormat::LinkedInTopPosts {
        return std::iter::once(0..columns.len()).collect();
    }
    let starts: Vec<usize> = columns.iter().enumerate().filter(|(_, c)| **c == Column::Key(KeyKind::Url)).map(|(i, _)| i).collect();
    starts.iter().enumerate().map(|(n, &s)| s..starts.get(n + 1).copied().unwrap_or(columns.len())).collect()
}

fn read_row(
    record: &Record,
    header: &Record,
    columns: &[Column],
    group: &std::ops::Range<usize>,
    format: ImportFormat,
    options: &ImportOptions,
) -> Result<Option<ImportedRow>, ImportError> {
    let mut post = PostRef::default();
    let mut metrics = PostMetrics::default();
    let mut rates = BTreeMap::new();
    let mut published_at = None;
    let mut platform = match format {
        ImportFormat::LinkedInTopPosts | ImportFormat::LinkedInPageUpdates => Some(Platform::LINKEDIN),
        ImportFormat::CustomerIoMessages => Some(Platform::CUSTOMER_IO),
        ImportFormat::Generic => None,
    };
    for i in group.clone() {
        let Some(raw) = record.fields.get(i) else { continue };
        let value = raw.trim();
        if is_not_reported(value) {
            continue;
        }
        let err = |message: String| ImportError {
            line: record.line,
            column: Some(header.fields.get(i).map(|h| h.trim().to_owned()).unwrap_or_else(|| format!("#{}", i + 1))),
            message,
        };
        match columns[i] {
            Column::Key(KeyKind::ContentId) => {
                let id = value.parse::<ContentId>().map_err(|_| err(format!("{value:?} is not a content item id (a UUID)")))?;
                post.content_id = Some(id);
            }
            Column::Key(KeyKind::PlatformPostId) => post.platform_post_id = Some(value.to_owned()),
            Column::Key(KeyKind::Urn) => post.urn = Some(value.to_owned()),
            Column::Key(KeyKind::Url) => {
                if post.urn.is_none() {
                    post.urn = urn_in(value);
                }
                if value.contains("linkedin.com/") {
                    platform = Some(Platform::LINKEDIN);
                }
                post.url = Some(value.to_owned());
            }
            Column::Key(KeyKind::Title) => post.title = Some(value.to_owned()),
            Column::Platform => platform = Some(Platform::new(value).map_err(|e| err(e.to_string()))?),
            Column::Metric(m) => metrics.set(m, Some(parse_count(value).map_err(err)?)),
            Column::Published => published_at = Some(parse_date(value).map_err(err)?),
            Column::Rate => {
                let name = header.fields.get(i).map(|h| normalise(h)).unwrap_or_default();
                rates.insert(name, parse_percent(value).map_err(err)?);
            }
            Column::MachineInclusive | Column::Unknown => {}
        }
    }
    if post.is_empty() {
        return Ok(None);
    }
    Ok(Some(ImportedRow { line: record.line, platform: platform.or(options.default_platform), post, published_at, metrics, rates }))
}

fn merge(into: &mut ImportedRow, row: ImportedRow) {
    into.post.fill_from(&row.post);
    into.platform = into.platform.or(row.platform);
    into.published_at = into.published_at.or(row.published_at);
    into.metrics = into.metrics.overlay(&row.metrics);
    for (k, v) in row.rates {
        into.rates.entry(k).or_insert(v);
    }
}

fn is_not_reported(value: &str) -> bool {
    value.is_empty() || matches!(value, "-" | "–" | "—" | "n/a" | "N/A" | "NA" | "null" | "None")
}

/// The `urn:li:…:<id>` in a LinkedIn URL (`…/feed/update/urn:li:activity:7012…/`).
fn urn_in(url: &str) -> Option<String> {
    let start = url.find("urn:li:")?;
    let urn: String = url[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == ':').collect();
    let parts: Vec<&str> = urn.split(':').collect();
    (parts.len() == 4 && !parts[2].is_empty() && !parts[3].is_empty()).then_some(urn)
}

/// A whole, non-negative count: `1234`, `1,234`, `1.234`, `1 234`, `1'234`, `1234.0`.
fn parse_count(value: &str) -> Result<i64, String> {
    let v = value.trim();
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parse = |s: &str| s.parse::<i64>().map_err(|_| format!("{value:?} is too large a count"));
    if digits_only(v) {
        return parse(v);
    }
    // Thousands grouping: 1–3 digits, then groups of exactly three after one separator kind.
    for sep in [',', '.', ' ', '\u{a0}', '\u{202f}', '\''] {
        let parts: Vec<&str> = v.split(sep).collect();
        if parts.len() > 1 && parts[0].len() <= 3 && digits_only(parts[0]) && parts[1..].iter().all(|p| p.len() == 3 && digits_only(p)) {
            return parse(&parts.concat());
        }
    }
    // A whole number written with a zero fraction (`12.0`, `12,00`).
    if let Some((int, frac)) = v.split_once(['.', ','])
        && digits_only(int)
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
    {
        return parse(int);
    }
    if v.ends_with('%') {
        return Err(format!("{value:?} is a percentage where a count was expected"));
    }
    Err(format!("{value:?} is not a whole number"))
}

/// A rate as a fraction: `4.5%` → 0.045, `4,5 %` → 0.045, a bare `0.045` as is.
fn parse_percent(value: &str) -> Result<f64, String> {
    let v = value.trim();
    let (number, percent) = match v.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (v, false),
    };
    let number = if number.contains(',') && !number.contains('.') { number.replace(',', ".") } else { number.replace(',', "") };
    let x: f64 = number.parse().map_err(|_| format!("{value:?} is not a rate or percentage"))?;
    if !x.is_finite() {
        return Err(format!("{value:?} is not a rate or percentage"));
    }
    Ok(if percent { x / 100.0 } else { x })
}

/// A date or time: RFC 3339, ISO `YYYY-MM-DD[ HH:MM[:SS]]`, `M/D/YYYY[ H:MM]` (month first),
/// `YYYY/MM/DD`, `Feb 20, 2026`, `20 Feb 2026`. A date alone is midnight UTC; a time without a
/// zone is taken as UTC.
fn parse_date(value: &str) -> Result<DateTime<Utc>, String> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, f) {
            return Ok(t.and_utc());
        }
    }
    for f in ["%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(v, f) {
            return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
        }
    }
    Err(format!("{value:?} is not a date (expected e.g. 2026-02-20, 2/20/2026 or Feb 20, 2026)"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn the_two_top_post_tables_are_joined_on_the_url() {
        let text = "\u{feff}Maximum of 50 posts available to include in this list\n\
            Post URL,Post publish date,Engagements,,Post URL,Post publish date,Impressions\n\
            https://www.linkedin.com/feed/update/urn:li:activity:7100000000000000001,2/14/2026,312,,https://www.linkedin.com/feed/update/urn:li:activity:7100000000000000002,2/16/2026,\"12,408\"\n\
            https://www.linkedin.com/feed/update/urn:li:activity:7100000000000000002,2/16/2026,97,,https://www.linkedin.com/feed/update/urn:li:activity:7100000000000000001,2/14/2026,\"9,876\"\n";
        let import = parse_metrics_csv(text).unwrap();
        assert_eq!(import.format, ImportFormat::LinkedInTopPosts);
        assert_eq!(import.rows.len(), 2);
        let first = &import.rows[0];
        assert_eq!(first.post.urn.as_deref(), Some("urn:li:activity:7100000000000000001"));
        assert_eq!(first.platform, Some(Platform::LINKEDIN));
        assert_eq!(first.published_at, Some(day(2026, 2, 14)));
        assert_eq!((first.metrics.engagements, first.metrics.impressions), (Some(312), Some(9876)));
        assert_eq!((import.rows[1].metrics.engagements, import.rows[1].metrics.impressions), (Some(97), Some(12408)));
        assert!(import.skipped.is_empty());
    }

    #[test]
    fn a_bad_count_names_its_line_and_column() {
        let text = "content_id,impressions,likes\n0190c2a4-7b7e-7cc0-8d1e-5f3a2b1c0d9e,120,3\n0190c2a4-7b7e-7cc0-8d1e-5f3a2b1c0d9f,12x,4\n";
        let err = parse_metrics_csv(text).unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(err.column.as_deref(), Some("impressions"));
        assert_eq!(err.to_string(), "line 3, column `impressions`: \"12x\" is not a whole number");
        assert!(matches!(Error::from(err), Error::InvalidInput { field: Some(f), .. } if f == "line 3, column impressions"));
    }

    #[test]
    fn blanks_are_not_reported_and_zero_is_zero() {
        let text = "content_id,platform,impressions,comments,shares\n0190c2a4-7b7e-7cc0-8d1e-5f3a2b1c0d9e,linkedin,,0,-\n";
        let row = &parse_metrics_csv(text).unwrap().rows[0];
        assert_eq!((row.metrics.impressions, row.metrics.comments, row.metrics.reshares), (None, Some(0), None));
        assert_eq!(row.platform, Some(Platform::LINKEDIN));
    }

    #[test]
    fn machine_inclusive_opens_never_become_human_opens() {
        let text = "Subject,Sent,Delivered,Opened,Clicked,Open rate\n\"Issue #12: pricing\",1200,1180,900,80,76.3%\n";
        let import = parse_metrics_csv(text).unwrap();
        assert_eq!(import.format, ImportFormat::CustomerIoMessages);
        let row = &import.rows[0];
        assert_eq!((row.metrics.sent, row.metrics.delivered), (Some(1200), Some(1180)));
        assert_eq!((row.metrics.human_opens, row.metrics.human_clicks), (None, None));
        assert!((row.rates["open rate"] - 0.763).abs() < 1e-9);
        assert_eq!(row.platform, Some(Platform::CUSTOMER_IO));
    }

    #[test]
    fn a_file_without_a_header_says_what_it_looked_for() {
        let err = parse_metrics_csv("foo,bar\n1,2\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("Post URL") && err.message.contains("Impressions"), "{}", err.message);
        let err = parse_metrics_csv("content_id,clicks\n\"open,1\n").unwrap_err();
        assert_eq!((err.line, err.message.as_str()), (2, "a quoted field is never closed"));
    }

    #[test]
    fn a_totals_line_is_skipped_and_reported() {
        let text =
            "Update title,Update link,Impressions,Reposts\nHello,https://www.linkedin.com/feed/update/urn:li:activity:1/,10,1\n,,10,1\n";
        let import = parse_metrics_csv(text).unwrap();
        assert_eq!(import.format, ImportFormat::LinkedInPageUpdates);
        assert_eq!(import.rows.len(), 1);
        assert_eq!(import.skipped, vec![SkippedLine { line: 3, reason: "no post named on this line (starts with \"10\")".into() }]);
    }

    #[test]
    fn counts_in_every_grouping_style_read_the_same() {
        for v in ["12345", "12,345", "12.345", "12 345", "12\u{a0}345", "12'345", "12345.0", "12345,00"] {
            assert_eq!(parse_count(v), Ok(12345), "{v}");
        }
        for v in ["12.5", "1,23", "-3", "1e3", "12%", "abc", "1,2345"] {
            assert!(parse_count(v).is_err(), "{v}");
        }
    }

    #[test]
    fn percentages_and_dates_in_their_common_forms() {
        assert_eq!(parse_percent("4.5%"), Ok(0.045));
        assert_eq!(parse_percent("4,5 %"), Ok(0.045));
        assert_eq!(parse_percent("0.045"), Ok(0.045));
        assert!(parse_percent("lots").is_err());
        let d = day(2026, 2, 20);
        for v in ["2026-02-20", "2/20/2026", "02/20/2026", "2026/02/20", "Feb 20, 2026", "20 Feb 2026", "February 20, 2026"] {
            assert_eq!(parse_date(v), Ok(d), "{v}");
        }
        assert_eq!(parse_date("2026-02-20T10:17:00Z"), Ok(Utc.with_ymd_and_hms(2026, 2, 20, 10, 17, 0).unwrap()));
        assert_eq!(parse_date("2026-02-20T12:17:00+02:00"), Ok(Utc.with_ymd_and_hms(2026, 2, 20, 10, 17, 0).unwrap()));
        assert!(parse_date("20/02/2026").is_err(), "month first: there is no month 20");
    }

    #[test]
    fn headers_match_whatever_their_case_and_punctuation() {
        assert_eq!(classify("  Human_Opened "), Column::Metric(Metric::HumanOpens));
        assert_eq!(classify("POST URL"), Column::Key(KeyKind::Url));
        assert_eq!(classify("Click through rate (CTR)"), Column::Rate);
        assert_eq!(classify("Engagement rate"), Column::Rate);
        assert_eq!(classify("utm_content"), Column::Key(KeyKind::ContentId));
        assert_eq!(classify("Off-site views"), Column::Unknown);
    }

    #[test]
    fn a_content_id_that_is_not_a_uuid_is_refused_by_column() {
        let err = parse_metrics_csv("content_id,clicks\nnot-a-uuid,3\n").unwrap_err();
        assert_eq!((err.line, err.column.as_deref()), (2, Some("content_id")));
    }

    #[test]
    fn a_semicolon_file_with_decimal_commas_reads() {
        let text = "Subject;Delivered;Human opened;Human clicked;Click rate\n\"Issue; 3\";1.180;402;51;4,3%\n";
        let row = &parse_metrics_csv(text).unwrap().rows[0];
        assert_eq!(row.post.title.as_deref(), Some("Issue; 3"));
        assert_eq!((row.metrics.delivered, row.metrics.human_opens, row.metrics.human_clicks), (Some(1180), Some(402), Some(51)));
        assert!((row.rates["click rate"] - 0.043).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn any_count_written_with_us_grouping_reads_back(n in 0i64..10_000_000_000) {
            let plain = n.to_string();
            let mut grouped = String::new();
            for (i, c) in plain.chars().enumerate() {
                if i > 0 && (plain.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            prop_assert_eq!(parse_count(&grouped), Ok(n));
            prop_assert_eq!(parse_count(&plain), Ok(n));
        }

        #[test]
        fn any_field_survives_quoting(s in "[ -~\n]{0,40}", n in 0i64..100_000) {
            let quoted = format!("\"{}\"", s.replace('"', "\"\""));
            let text = format!("Subject,Delivered\n{quoted},{n}\n");
            let import = parse_metrics_csv(&text).unwrap();
            let trimmed = s.trim();
            if is_not_reported(trimmed) {
                prop_assert!(import.rows.is_empty());
            } else {
                prop_assert_eq!(import.rows[0].post.title.as_deref(), Some(trimmed));
                prop_assert_eq!(import.rows[0].metrics.delivered, Some(n));
            }
        }
    }
}
