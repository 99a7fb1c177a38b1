//! Extracting the text of an uploaded PDF, within limits a hostile file cannot get past.
//!
//! A PDF can be a decompression bomb (a few KiB of deflate streams that expand to gigabytes) or
//! simply malformed (`pdf-extract` panics on many such files). [`PdfExtractor`] bounds the damage:
//!
//! | limit | default | what happens past it |
//! |---|---|---|
//! | [`PdfLimits::max_bytes`] | 25 MiB | refused before anything runs: `TooLarge` naming the limit |
//! | [`PdfLimits::timeout`] | 60 s | the extraction is stopped (the child process killed): `InvalidInput` naming the limit |
//! | [`PdfLimits::max_concurrent`] | 2 | further PDFs wait for a slot, within the same timeout, else `Transient` |
//! | [`PdfLimits::max_memory_bytes`] | 1 GiB | `pdftotext` runs with this address-space limit (`ulimit -v`); past it, it fails: `InvalidInput` |
//! | [`PdfLimits::max_text_bytes`] | 64 MiB | more extracted text than this stops the extraction: `InvalidInput` naming the limit |
//!
//! Two backends, chosen when the extractor is built:
//! - **`pdftotext`** (Debian's `poppler-utils`), when found on `PATH` (or given by path): run in a
//!   child process under `ulimit -v` (memory) and `ulimit -t` (CPU seconds), killed at the timeout
//!   or when the caller's future is dropped. The robust choice: nothing it does can take the
//!   server's memory or threads with it.
//! - **`pdf-extract`** (in process), when `pdftotext` is absent: on tokio's blocking pool, its
//!   panics caught. It cannot be killed: at the timeout the caller gets its error at once, but the
//!   thread runs on holding its concurrency slot, so at most `max_concurrent` threads of the
//!   blocking pool (which password hashing shares) can ever be busy with PDFs. It has no memory
//!   limit: install `poppler-utils` where untrusted PDFs are accepted.

#[cfg(unix)]
use std::io::{Read, Write};
#[cfg(unix)]
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::ingest::CancelFlag;
use crate::{Error, Result};

/// The limits of [`PdfExtractor`]; see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PdfLimits {
    /// Largest PDF accepted, in bytes (default 25 MiB).
    pub max_bytes: usize,
    /// Longest an extraction may take, waiting for a slot included (default 60 s).
    pub timeout: Duration,
    /// Extractions running at once (default 2).
    pub max_concurrent: usize,
    /// Address space of the `pdftotext` child, in bytes (default 1 GiB).
    pub max_memory_bytes: u64,
    /// Most extracted text kept, in bytes (default 64 MiB).
    pub max_text_bytes: usize,
    /// Which extractor to use.
    pub backend: PdfBackend,
}

impl Default for PdfLimits {
    fn default() -> Self {
        Self {
            max_bytes: 25 << 20,
            timeout: Duration::from_secs(60),
            max_concurrent: 2,
            max_memory_bytes: 1 << 30,
            max_text_bytes: 64 << 20,
            backend: PdfBackend::Auto,
        }
    }
}

/// A cheap check, before a PDF is queued for extraction, that the file is a PDF and was not cut
/// short: its header and, near its end, the `%%EOF` trailer marker.
pub(crate) fn looks_whole(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    bytes.starts_with(b"%PDF-") && tail.windows(5).any(|w| w == b"%%EOF")
}

/// Which program extracts the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PdfBackend {
    /// `pdftotext` when it is on `PATH`, else `pdf-extract` (the default; `pdf-extract` needs the
    /// `pdf` feature, on by default).
    Auto,
    /// This `pdftotext` executable.
    Pdftotext(PathBuf),
    /// `pdf-extract`, in process.
    InProcess,
}

/// Extracts PDF text within [`PdfLimits`]. Cheap to clone: clones share the concurrency slots.
#[derive(Clone, Debug)]
pub struct PdfExtractor {
    limits: PdfLimits,
    slots: Arc<Semaphore>,
    pdftotext: Option<PathBuf>,
}

impl Default for PdfExtractor {
    fn default() -> Self {
        let limits = PdfLimits::default();
        Self { slots: Arc::new(Semaphore::new(limits.max_concurrent)), pdftotext: find_on_path("pdftotext"), limits }
    }
}

/// Where `name` is on `PATH`, if anywhere (never on systems without `sh` and `ulimit`).
#[cfg(not(unix))]
fn find_on_path(_name: &str) -> Option<PathBuf> {
    None
}

/// Where `name` is on `PATH`, if anywhere.
#[cfg(unix)]
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

impl PdfExtractor {
    /// An extractor with `limits`; `Error::Config` when a limit is zero or the `pdftotext` given
    /// does not exist.
    pub fn new(limits: PdfLimits) -> Result<Self> {
        if limits.max_bytes == 0 || limits.max_concurrent == 0 || limits.timeout.is_zero() || limits.max_text_bytes == 0 {
            return Err(Error::Config("pdf limits (max_bytes, timeout, max_concurrent, max_text_bytes) must be above 0".into()));
        }
        if limits.max_memory_bytes < 16 << 20 {
            return Err(Error::Config("pdf.max_memory_bytes must be at least 16 MiB".into()));
        }
        let pdftotext = match &limits.backend {
            PdfBackend::Auto => find_on_path("pdftotext"),
            PdfBackend::Pdftotext(p) if p.is_file() && cfg!(unix) => Some(p.clone()),
            PdfBackend::Pdftotext(p) => return Err(Error::Config(format!("pdftotext not found at {}", p.display()))),
            PdfBackend::InProcess => None,
        };
        Ok(Self { slots: Arc::new(Semaphore::new(limits.max_concurrent)), pdftotext, limits })
    }

    /// The limits in use.
    pub fn limits(&self) -> &PdfLimits {
        &self.limits
    }

    /// `"pdftotext"` or `"pdf-extract"`: the backend in use.
    pub fn backend_name(&self) -> &'static str {
        if self.pdftotext.is_some() { "pdftotext" } else { "pdf-extract" }
    }

    /// The text of the PDF in `bytes`.
    ///
    /// # Errors
    /// `TooLarge` for a file over `max_bytes`; `InvalidInput` (field `file`) for a PDF over another
    /// limit (the message names it), a malformed PDF
    /// and one without extractable text (a scan); `Transient` when no slot frees up within the
    /// timeout; `Internal` when `pdftotext` cannot be started.
    pub async fn extract(&self, bytes: Bytes) -> Result<String> {
        let limits = &self.limits;
        if bytes.len() > limits.max_bytes {
            return Err(Error::TooLarge {
                what: format!("the PDF ({} bytes)", bytes.len()),
                limit: limits.max_bytes as u64,
                setting: "ingest.pdf_max_bytes",
            });
        }
        let deadline = Instant::now() + limits.timeout;
        let busy = || {
            Error::transient(format!(
                "{} PDF extractions are already running (pdf max_concurrent) and none finished within {:?}; try again",
                limits.max_concurrent, limits.timeout
            ))
        };
        let slot = tokio::time::timeout(limits.timeout, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|e| Error::internal("the PDF slots are closed", e))?;
        // A slot freed just as the wait ran out leaves no time to extract: still "busy".
        if Instant::now() >= deadline {
            return Err(busy());
        }
        let text = match &self.pdftotext {
            #[cfg(unix)]
            Some(exe) => {
                let cancel = CancelFlag::new();
                let guard = cancel.cancel_on_drop();
                let (exe, limits) = (exe.clone(), limits.clone());
                let out = tokio::task::spawn_blocking(move || {
                    let _slot = slot;
                    run_pdftotext(&exe, bytes, &limits, deadline, &cancel)
                })
                .await;
                guard.disarm();
                out.map_err(|e| Error::internal("the PDF extraction task failed", e))??
            }
            #[cfg(not(feature = "pdf"))]
            _ => {
                drop((slot, bytes, deadline));
                return Err(Error::Unsupported(
                    "reading PDFs needs `pdftotext` on PATH (Debian: poppler-utils) or growth-core's `pdf` feature".into(),
                ));
            }
            #[cfg(feature = "pdf")]
            _ => {
                let task = tokio::task::spawn_blocking(move || {
                    let _slot = slot;
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pdf_extract::extract_text_from_mem(&bytes)))
                });
                let joined = tokio::time::timeout_at(deadline.into(), task)
                    .await
                    .map_err(|_| timed_out(limits.timeout))?
                    .map_err(|e| Error::internal("the PDF extraction task failed", e))?;
                match joined {
                    Ok(Ok(text)) => text,
                    Ok(Err(e)) => return Err(Error::invalid_field("file", format!("the PDF could not be read: {e}"))),
                    Err(_) => return Err(Error::invalid_field("file", "the PDF is malformed (the extractor gave up on it)")),
                }
            }
        };
        if text.len() > limits.max_text_bytes {
            return Err(too_much_text(limits.max_text_bytes));
        }
        if text.trim().is_empty() {
            return Err(Error::invalid_field("file", "the PDF contains no extractable text (is it a scan?)"));
        }
        Ok(text)
    }
}

fn timed_out(timeout: Duration) -> Error {
    Error::invalid_field("file", format!("extracting the PDF's text took longer than {timeout:?} (pdf timeout); it was stopped"))
}

fn too_much_text(max: usize) -> Error {
    Error::invalid_field("file", format!("the PDF holds more than {max} bytes of text (pdf max_text_bytes); it was stopped"))
}

#[cfg(unix)]
/// Kills the child and every process it started (it leads its own process group).
fn kill(child: &mut std::process::Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("sh").args(["-c", "kill -KILL -- \"$1\" 2>/dev/null", "sh", &group]).status();
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
/// Runs `pdftotext` on `bytes` in a child process under the limits, until `deadline`.
fn run_pdftotext(exe: &Path, bytes: Bytes, limits: &PdfLimits, deadline: Instant, cancel: &CancelFlag) -> Result<String> {
    let memory_kib = (limits.max_memory_bytes / 1024).to_string();
    let cpu_seconds = (limits.timeout.as_secs() + 1).to_string();
    // `sh` sets the limits, then becomes pdftotext (same process, so killing it kills pdftotext).
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v \"$1\" && ulimit -t \"$2\" && shift 2 && exec \"$@\"")
        .arg("sh")
        .arg(&memory_kib)
        .arg(&cpu_seconds)
        .arg(exe)
        .args(["-q", "-enc", "UTF-8", "-eol", "unix", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| Error::internal(format!("cannot start {}", exe.display()), e))?;
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Error::internal_msg("pdftotext has no standard input or output"));
    };
    // The PDF goes in on standard input (no temporary file); a child that stops reading makes the
    // write fail, which is fine: its exit status says what happened.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
    let max_text = limits.max_text_bytes;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let read = stdout.by_ref().take(max_text as u64 + 1).read_to_end(&mut out);
        (read, out)
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            // Past `max_text_bytes` the reader stops and drops the pipe: pdftotext dies of SIGPIPE.
            Ok(None) if Instant::now() >= deadline || cancel.is_cancelled() => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                kill(&mut child);
                return Err(Error::internal("waiting for pdftotext failed", e));
            }
        }
    };
    let Some(status) = status else {
        kill(&mut child);
        // The reader and writer threads end once the pipes close; nothing waits for them.
        return Err(if cancel.is_cancelled() { crate::ingest::Cancelled.into() } else { timed_out(limits.timeout) });
    };
    let (read, out) = reader.join().map_err(|_| Error::internal_msg("the pdftotext reader panicked"))?;
    let _ = writer.join();
    if out.len() > max_text {
        return Err(too_much_text(max_text));
    }
    read.map_err(|e| Error::internal("reading pdftotext's output failed", e))?;
    if !status.success() {
        return Err(Error::invalid_field(
            "file",
            format!(
                "the PDF could not be read (pdftotext {}; a malformed file, or one needing more than {} bytes of memory: pdf max_memory_bytes)",
                status, limits.max_memory_bytes
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF whose page says `text` (Helvetica, WinAnsi), with a correct cross-reference table.
    pub(crate) fn tiny_pdf(text: &str) -> Vec<u8> {
        let stream = format!("BT /F1 18 Tf 20 100 Td ({text}) Tj ET");
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
            format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        ];
        let mut out = String::from("%PDF-1.4\n");
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
        }
        let xref = out.len();
        out.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
        for o in offsets {
            out.push_str(&format!("{o:010} 00000 n \n"));
        }
        out.push_str(&format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1));
        out.into_bytes()
    }

    fn extractor(backend: PdfBackend) -> PdfExtractor {
        PdfExtractor::new(PdfLimits { backend, ..PdfLimits::default() }).unwrap()
    }

    /// Every backend available here: in process always, `pdftotext` when installed.
    fn backends() -> Vec<PdfExtractor> {
        let mut out = vec![extractor(PdfBackend::InProcess)];
        match find_on_path("pdftotext") {
            Some(p) => out.push(extractor(PdfBackend::Pdftotext(p))),
            None => eprintln!("pdftotext is not installed: only the in-process extractor is tested"),
        }
        out
    }

    fn is_invalid_file(e: &Error) -> bool {
        matches!(e, Error::InvalidInput { field: Some(f), .. } if f == "file")
    }

    #[tokio::test]
    async fn a_tiny_valid_pdf_gives_its_text_with_every_backend() {
        for x in backends() {
            let text = x.extract(Bytes::from(tiny_pdf("Hello from a tiny PDF."))).await.unwrap();
            assert!(text.contains("Hello from a tiny PDF."), "{}: {text:?}", x.backend_name());
        }
    }

    #[tokio::test]
    async fn a_malformed_pdf_is_invalid_input_with_every_backend() {
        let mut truncated = tiny_pdf("Hello");
        truncated.truncate(200);
        for bytes in [b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\ngarbage".to_vec(), truncated, b"%PDF-".to_vec()] {
            for x in backends() {
                let e = x.extract(Bytes::from(bytes.clone())).await.unwrap_err();
                assert!(is_invalid_file(&e), "{}: {e:?}", x.backend_name());
            }
        }
    }

    #[tokio::test]
    async fn a_pdf_over_the_size_cap_is_refused_naming_the_limit_before_anything_runs() {
        let x = PdfExtractor::new(PdfLimits { max_bytes: 100, ..PdfLimits::default() }).unwrap();
        let e = x.extract(Bytes::from(tiny_pdf("Hello"))).await.unwrap_err();
        assert!(matches!(e, Error::TooLarge { limit: 100, .. }) && e.to_string().contains("pdf_max_bytes"), "{e}");
        assert_eq!(PdfLimits::default().max_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn zero_limits_and_a_missing_pdftotext_are_config_errors() {
        assert!(matches!(PdfExtractor::new(PdfLimits { max_concurrent: 0, ..PdfLimits::default() }), Err(Error::Config(_))));
        assert!(matches!(PdfExtractor::new(PdfLimits { timeout: Duration::ZERO, ..PdfLimits::default() }), Err(Error::Config(_))));
        let missing = PdfBackend::Pdftotext("/nonexistent/pdftotext".into());
        assert!(matches!(PdfExtractor::new(PdfLimits { backend: missing, ..PdfLimits::default() }), Err(Error::Config(_))));
    }

    /// Stand-ins for `pdftotext` that misbehave as a hostile PDF would make it: run forever,
    /// write without end, or ask for more memory than allowed.
    #[cfg(unix)]
    mod misbehaving_child {
        use std::os::unix::fs::PermissionsExt;

        use super::*;

        fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
            let path = dir.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        }

        fn limits(exe: PathBuf) -> PdfLimits {
            PdfLimits {
                backend: PdfBackend::Pdftotext(exe),
                timeout: Duration::from_millis(500),
                max_memory_bytes: 64 << 20,
                max_text_bytes: 1 << 20,
                max_concurrent: 1,
                ..PdfLimits::default()
            }
        }

        #[tokio::test]
        async fn a_child_that_never_finishes_is_killed_at_the_timeout() {
            let dir = tempfile::tempdir().unwrap();
            let marker = dir.path().join("still-running");
            let exe = script(dir.path(), "slow", &format!("cat >/dev/null; sleep 30; touch {}", marker.display()));
            let x = PdfExtractor::new(limits(exe)).unwrap();
            let e = x.extract(Bytes::from(tiny_pdf("x"))).await.unwrap_err();
            assert!(is_invalid_file(&e) && e.to_string().contains("timeout"), "{e}");
            // The slot is free again: the child is gone, not left running.
            assert_eq!(x.slots.available_permits(), 1);
            assert!(!marker.exists());
        }

        #[tokio::test]
        async fn a_child_writing_without_end_is_stopped_at_the_text_limit() {
            let dir = tempfile::tempdir().unwrap();
            let exe = script(dir.path(), "flood", "cat >/dev/null; yes 'the same line again and again'");
            let x = PdfExtractor::new(limits(exe)).unwrap();
            let e = x.extract(Bytes::from(tiny_pdf("x"))).await.unwrap_err();
            assert!(is_invalid_file(&e) && e.to_string().contains("max_text_bytes"), "{e}");
        }

        #[tokio::test]
        async fn a_child_needing_more_memory_than_allowed_fails_as_invalid_input() {
            let dir = tempfile::tempdir().unwrap();
            // dd allocates its 512 MiB block up front: over the 64 MiB address-space limit.
            let exe = script(dir.path(), "hungry", "cat >/dev/null; exec dd if=/dev/zero of=/dev/null bs=512M count=1 2>/dev/null");
            let x = PdfExtractor::new(limits(exe)).unwrap();
            let e = x.extract(Bytes::from(tiny_pdf("x"))).await.unwrap_err();
            assert!(is_invalid_file(&e) && e.to_string().contains("max_memory_bytes"), "{e}");
        }

        #[tokio::test]
        async fn extractions_beyond_the_concurrency_limit_wait_and_then_give_up() {
            let dir = tempfile::tempdir().unwrap();
            let exe = script(dir.path(), "slow", "cat >/dev/null; sleep 30");
            let x = PdfExtractor::new(limits(exe)).unwrap();
            let (a, b) = tokio::join!(x.extract(Bytes::from(tiny_pdf("a"))), x.extract(Bytes::from(tiny_pdf("b"))));
            let errors = [a.unwrap_err(), b.unwrap_err()];
            // One ran (and was stopped at the timeout); the other never got a slot.
            assert!(errors.iter().any(|e| is_invalid_file(e) && e.to_string().contains("timeout")), "{errors:?}");
            assert!(errors.iter().any(|e| e.is_retryable() && e.to_string().contains("max_concurrent")), "{errors:?}");
        }
    }
}
