//! Small renderers: findings marked in a text, a word diff, times in the configured zone.

use chrono::{DateTime, Utc};
use growth_core::domain::{Finding, FindingSeverity};
use maud::{Markup, html};

/// `text` with every finding that still points at its own text marked (`<mark>` with the message
/// as its title, for hover and screen readers); overlapping and stale spans (the text changed
/// since the check) are left unmarked, listed with the findings instead.
pub(crate) fn highlighted(text: &str, findings: &[&Finding]) -> Markup {
    let mut spans: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| {
            let [s, e] = f.span;
            s < e && text.get(s..e).is_some_and(|t| t == f.text)
        })
        .collect();
    spans.sort_by_key(|f| (f.span[0], std::cmp::Reverse(f.span[1])));
    let mut at = 0usize;
    let mut parts: Vec<(&str, Option<&Finding>)> = Vec::new();
    for f in spans {
        let [s, e] = f.span;
        if s < at {
            continue;
        }
        if s > at {
            parts.push((&text[at..s], None));
        }
        parts.push((&text[s..e], Some(f)));
        at = e;
    }
    if at < text.len() {
        parts.push((&text[at..], None));
    }
    html! {
        @for (t, f) in parts {
            @match f {
                Some(f) => mark class=(severity_class(f.severity)) title=(format!("{}: {}", f.check, f.message)) { (t) },
                None => (t),
            }
        }
    }
}

/// The CSS class of a severity.
pub(crate) fn severity_class(s: FindingSeverity) -> &'static str {
    match s {
        FindingSeverity::Error => "sev-error",
        FindingSeverity::Warning => "sev-warning",
        FindingSeverity::Info => "sev-info",
    }
}

/// The words of `s`, each with the whitespace after it.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&s[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// A word diff of `old` → `new` (`<del>` and `<ins>`); texts too long for a quadratic diff are
/// shown whole, old struck out and new inserted.
pub(crate) fn word_diff(old: &str, new: &str) -> Markup {
    let (a, b) = (words(old), words(new));
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        return html! { del { (old) } ins { (new) } };
    }
    // Longest common subsequence, from the ends.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let idx = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[idx(i, j)] =
                if a[i].trim_end() == b[j].trim_end() { lcs[idx(i + 1, j + 1)] + 1 } else { lcs[idx(i + 1, j)].max(lcs[idx(i, j + 1)]) };
        }
    }
    enum Op<'a> {
        Same(&'a str),
        Del(&'a str),
        Ins(&'a str),
    }
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i].trim_end() == b[j].trim_end() {
            ops.push(Op::Same(b[j]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[idx(i + 1, j)] >= lcs[idx(i, j + 1)]) {
            ops.push(Op::Del(a[i]));
            i += 1;
        } else {
            ops.push(Op::Ins(b[j]));
            j += 1;
        }
    }
    html! {
        @for op in ops {
            @match op {
                Op::Same(w) => (w),
                Op::Del(w) => del { (w) },
                Op::Ins(w) => ins { (w) },
            }
        }
    }
}

/// What to call a piece: its title, else the start of its first line.
pub(crate) fn label(title: Option<&str>, content: &str) -> String {
    if let Some(t) = title.map(str::trim).filter(|t| !t.is_empty()) {
        return t.to_owned();
    }
    let first = content.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("(empty)");
    let mut out: String = first.chars().take(70).collect();
    if out.len() < first.len() {
        out.push('…');
    }
    out
}

/// `t` in zone `tz` (UTC when the name is not valid), as `Mon 7 Dec 2026, 09:30 CET`.
pub(crate) fn when(t: DateTime<Utc>, tz: &str) -> String {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => t.with_timezone(&zone).format("%a %-d %b %Y, %H:%M %Z").to_string(),
        Err(_) => t.format("%a %-d %b %Y, %H:%M UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(text: &str, span: [usize; 2]) -> Finding {
        Finding { check: "slop".into(), span, text: text.into(), message: "cut it".into(), severity: FindingSeverity::Error }
    }

    #[test]
    fn findings_are_marked_at_their_spans_and_stale_or_overlapping_ones_are_not() {
        let text = "We <b>delve</b> into it. Truly.";
        let delve = finding("delve", [6, 11]);
        let stale = finding("nothing", [0, 7]);
        let overlap = finding("elve", [7, 11]);
        let out = highlighted(text, &[&delve, &stale, &overlap]).into_string();
        assert_eq!(out, "We &lt;b&gt;<mark class=\"sev-error\" title=\"slop: cut it\">delve</mark>&lt;/b&gt; into it. Truly.");
    }

    #[test]
    fn a_word_diff_marks_what_changed() {
        let out = word_diff("we priced at $49 a month", "we priced at $59 a month").into_string();
        assert_eq!(out, "we priced at <del>$49 </del><ins>$59 </ins>a month");
    }
}
