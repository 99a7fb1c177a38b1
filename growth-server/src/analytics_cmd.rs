//! `growth analytics summary [--from --to] [--json]` and `growth analytics import FILE`.

use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use growth_core::domain::Platform;
use growth_core::measure::AnalyticsSummary;
use growth_server::config::Settings;
use growth_server::startup;

/// Prints the summary of `[from, to]` (default: the last 7 days) as a table and a chart of reach
/// per day, or as JSON.
pub(crate) async fn summary(settings: &Settings, from: Option<NaiveDate>, to: Option<NaiveDate>, json: bool) -> anyhow::Result<()> {
    let state = startup::connect(settings, std::sync::Arc::new(growth_core::SystemClock), true).await?;
    let to = to.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let from = from.unwrap_or(to - chrono::Duration::days(6));
    let result = state.engine.measure().summary(from, to).await;
    state.database.close().await;
    let s = result?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", render(&s, from, to));
    }
    Ok(())
}

/// Imports a metrics CSV export and prints what was written.
pub(crate) async fn import(settings: &Settings, file: &Path, platform: Option<String>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let platform = platform.as_deref().map(Platform::new).transpose()?;
    let state = startup::connect(settings, std::sync::Arc::new(growth_core::SystemClock), true).await?;
    let result = state.engine.measure().import_csv(&text, platform).await;
    state.database.close().await;
    let r = result?;
    println!("format    {}", r.format);
    println!("imported  {}", r.imported);
    println!("skipped   {} (lines without a post)", r.skipped);
    for u in &r.unmatched {
        println!("unmatched {u}");
    }
    Ok(())
}

/// The summary as a table, then one bar per day of `[from, to]` scaled to the busiest day.
pub(crate) fn render(s: &AnalyticsSummary, from: NaiveDate, to: NaiveDate) -> String {
    let mut out = String::new();
    let m = &s.metrics;
    let _ = writeln!(out, "period            {}", s.period);
    let _ = writeln!(out, "posts published   {}", m.posts_published);
    let _ = writeln!(out, "total reach       {}", m.total_reach);
    let _ = writeln!(out, "engagements       {}", m.total_engagements);
    let _ = writeln!(out, "new leads         {}", m.new_leads);
    match &s.top_performer {
        Some(t) => {
            let _ = writeln!(out, "top performer     {} ({} likes)", t.title.as_deref().unwrap_or("(untitled)"), t.likes);
        }
        None => {
            let _ = writeln!(out, "top performer     -");
        }
    }
    let b = &s.time_saved_basis;
    let _ = writeln!(
        out,
        "time saved        ~{:.1} h (estimate: {} pieces x manual minutes = {} min, minus {:.1} min of review)",
        s.time_saved_hours, b.approved_pieces, b.manual_minutes, b.review_minutes
    );
    let _ = writeln!(out, "\nreach per day");
    const WIDTH: i64 = 40;
    let max = s.reach_by_day.iter().map(|d| d.reach).max().unwrap_or(0).max(1);
    let mut day = from;
    while day <= to {
        let reach = s.reach_by_day.iter().find(|d| d.day == day).map_or(0, |d| d.reach);
        let bar = "#".repeat(usize::try_from(reach.max(0) * WIDTH / max).unwrap_or(0));
        let _ = writeln!(out, "{day} {bar:<40} {reach}");
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use growth_core::measure::{DailyReach, SummaryMetrics, TimeSavedBasis};

    use super::*;

    #[test]
    fn the_table_and_the_chart_show_every_day_scaled_to_the_busiest() {
        let d = |n| NaiveDate::from_ymd_opt(2026, 12, n).unwrap();
        let s = AnalyticsSummary {
            period: "2026-12-01 to 2026-12-03".into(),
            metrics: SummaryMetrics { posts_published: 2, total_reach: 300, total_engagements: 30, new_leads: 1 },
            top_performer: None,
            time_saved_hours: 0.3,
            time_saved_basis: TimeSavedBasis { estimate: true, approved_pieces: 2, manual_minutes: 20, review_minutes: 0.0 },
            reach_by_day: vec![
                DailyReach { day: d(1), reach: 200, engagements: 20 },
                DailyReach { day: d(3), reach: 100, engagements: 10 },
            ],
        };
        let text = render(&s, d(1), d(3));
        assert!(text.contains("total reach       300"));
        assert!(text.contains("~0.3 h (estimate"));
        let bars: Vec<usize> = text.lines().filter(|l| l.starts_with("2026-12-0")).map(|l| l.matches('#').count()).collect();
        assert_eq!(bars, vec![40, 0, 20]);
    }
}
