//! Local wall-clock times → UTC instants, DST-safe.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant a local wall-clock time in `tz` denotes.
///
/// - A time that exists once is that instant.
/// - An ambiguous time (the repeated hour when clocks fall back) is the **earlier** instant.
/// - A nonexistent time (the skipped hour when clocks spring forward) moves **forward** to the
///   first instant that exists after the gap: 02:30 on a US spring-forward day becomes 03:00
///   daylight time.
///
/// Because the wall-clock time is converted per day, a slot at 09:00 local stays at 09:00 local
/// on both sides of a DST change (its UTC instant moves, not the other way round).
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use growth_core::schedule::resolve_local;
///
/// let ny = chrono_tz::America::New_York;
/// let gap = NaiveDate::from_ymd_opt(2027, 3, 14).unwrap().and_hms_opt(2, 30, 0).unwrap();
/// assert_eq!(resolve_local(ny, gap), Utc.with_ymd_and_hms(2027, 3, 14, 7, 0, 0).unwrap()); // 03:00 EDT
/// ```
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => first_instant_at_or_after(tz, local),
    }
}

/// The local wall-clock time of `at` in `tz`.
pub(crate) fn local_of(tz: Tz, at: DateTime<Utc>) -> NaiveDateTime {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
    at.naive_utc() + offset
}

/// The first instant whose local time in `tz` is at or after `local` (exact to the second).
///
/// Offsets are within ±26 h of UTC, so reading `local` as UTC and searching 30 h either side
/// brackets the answer; local time only moves forward within such a window except across a
/// fall-back, which cannot border a gap.
fn first_instant_at_or_after(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let guess = local.and_utc().timestamp();
    let (mut lo, mut hi) = (guess - 30 * 3600, guess + 30 * 3600);
    // Invariant: local(lo) < local <= local(hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match DateTime::from_timestamp(mid, 0) {
            Some(t) if local_of(tz, t) >= local => hi = mid,
            Some(_) => lo = mid,
            None => break,
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or_else(|| local.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono_tz::{America::New_York, Europe::London};

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn nine_am_new_york_is_nine_am_local_on_both_sides_of_spring_forward() {
        assert_eq!(resolve_local(New_York, at(2027, 3, 13, 9, 0)), utc(2027, 3, 13, 14, 0)); // EST
        assert_eq!(resolve_local(New_York, at(2027, 3, 14, 9, 0)), utc(2027, 3, 14, 13, 0)); // EDT
        assert_eq!(resolve_local(New_York, at(2027, 3, 15, 9, 0)), utc(2027, 3, 15, 13, 0));
    }

    #[test]
    fn nine_am_new_york_is_nine_am_local_on_both_sides_of_fall_back() {
        assert_eq!(resolve_local(New_York, at(2026, 10, 31, 9, 0)), utc(2026, 10, 31, 13, 0)); // EDT
        assert_eq!(resolve_local(New_York, at(2026, 11, 1, 9, 0)), utc(2026, 11, 1, 14, 0)); // EST
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_moves_to_the_end_of_the_gap() {
        assert_eq!(resolve_local(New_York, at(2027, 3, 14, 2, 30)), utc(2027, 3, 14, 7, 0)); // 03:00 EDT
        assert_eq!(resolve_local(New_York, at(2027, 3, 14, 2, 0)), utc(2027, 3, 14, 7, 0));
        assert_eq!(resolve_local(London, at(2027, 3, 28, 1, 15)), utc(2027, 3, 28, 1, 0)); // 02:00 BST
        assert_eq!(local_of(New_York, resolve_local(New_York, at(2027, 3, 14, 2, 30))), at(2027, 3, 14, 3, 0));
    }

    #[test]
    fn an_ambiguous_fall_back_time_takes_the_earlier_instant() {
        assert_eq!(resolve_local(New_York, at(2026, 11, 1, 1, 30)), utc(2026, 11, 1, 5, 30)); // 01:30 EDT, not EST
        assert_eq!(resolve_local(London, at(2026, 10, 25, 1, 30)), utc(2026, 10, 25, 0, 30)); // 01:30 BST, not GMT
    }

    #[test]
    fn london_keeps_nine_am_across_both_changes() {
        assert_eq!(resolve_local(London, at(2027, 3, 26, 9, 0)), utc(2027, 3, 26, 9, 0)); // GMT
        assert_eq!(resolve_local(London, at(2027, 3, 29, 9, 0)), utc(2027, 3, 29, 8, 0)); // BST
        assert_eq!(resolve_local(London, at(2026, 10, 23, 9, 0)), utc(2026, 10, 23, 8, 0)); // BST
        assert_eq!(resolve_local(London, at(2026, 10, 26, 9, 0)), utc(2026, 10, 26, 9, 0)); // GMT
    }
}
