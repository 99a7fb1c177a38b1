//! Planner tests: caps, gaps, taken slots, weekends, DST, history, overflow, determinism, and a
//! property test that no plan ever breaks a rule.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::America::New_York;
use chrono_tz::Europe::London;
use chrono_tz::Tz;
use proptest::prelude::*;

use super::local::local_of;
use super::*;
use crate::domain::{ContentId, ContentType, Platform};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn items(platform: Platform, n: u32) -> Vec<PlanItem<u32>> {
    (0..n).map(|i| PlanItem::new(i, platform)).collect()
}

/// Monday 2026-11-09, 07:00 in New York (EST): before any window opens.
fn monday_morning() -> DateTime<Utc> {
    utc(2026, 11, 9, 12, 0)
}

/// A policy with one platform open only at `hours` (local), every day, cap 1.
fn only_at(tz: Tz, hours: std::ops::Range<u32>) -> SchedulePolicy {
    let all = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    let rules = PlatformPolicy { daily_cap: 1, min_gap: Duration::zero(), curve: WeightCurve::closed().with(&all, hours, 1.0) };
    SchedulePolicy {
        timezone: tz,
        per_platform: [(Platform::LINKEDIN, rules)].into(),
        business_days_only: false,
        day_discount: 0.5,
        ..SchedulePolicy::default()
    }
}

fn local_hours(tz: Tz, planned: &[(u32, DateTime<Utc>)]) -> Vec<(NaiveDate, u32, u32)> {
    planned
        .iter()
        .map(|(_, t)| {
            let l = local_of(tz, *t);
            (l.date(), l.hour(), l.minute())
        })
        .collect()
}

/// Every rule the planner promises, checked against its output.
fn assert_valid(
    planned: &[(u32, DateTime<Utc>)],
    items: &[PlanItem<u32>],
    start: NaiveDate,
    taken: &[(Platform, DateTime<Utc>)],
    policy: &SchedulePolicy,
    now: DateTime<Utc>,
) {
    let tz = policy.timezone;
    assert_eq!(planned.len(), items.len());
    let mut all: Vec<(Platform, DateTime<Utc>)> = taken.to_vec();
    for ((id, at), item) in planned.iter().zip(items) {
        assert_eq!(*id, item.id, "item order is kept");
        assert!(*at > now + policy.min_lead, "{at} is not after now {now}");
        let day = local_of(tz, *at).date();
        assert!(day >= start, "{at} ({day}) is before the start date {start}");
        assert!(policy.is_posting_day(day), "{at} ({day}) is not a posting day");
        let rules = policy.for_platform(item.platform).unwrap();
        let local = local_of(tz, *at);
        // An open hour, or the first instant after a DST gap that swallowed an open hour.
        let open = |h: u32| rules.curve.weight(day.weekday(), h) > 0.0;
        assert!(open(local.hour()) || (local.hour() > 0 && open(local.hour() - 1)), "{at} ({local}) is in a closed hour");
        for (p, t) in taken {
            if *p == item.platform {
                assert_ne!(t, at, "a taken slot was reused");
            }
        }
        all.push((item.platform, *at));
    }
    for (platform, rules) in &policy.per_platform {
        let mut mine: Vec<DateTime<Utc>> = all.iter().filter(|(p, _)| p == platform).map(|(_, t)| *t).collect();
        mine.sort();
        let planned_mine: Vec<DateTime<Utc>> =
            planned.iter().zip(items).filter(|(_, i)| i.platform == *platform).map(|((_, t), _)| *t).collect();
        for pair in mine.windows(2) {
            let touches_plan = planned_mine.contains(&pair[0]) || planned_mine.contains(&pair[1]);
            if touches_plan {
                assert!(pair[1] - pair[0] >= rules.min_gap, "{platform}: {} and {} are closer than the gap", pair[0], pair[1]);
                assert_ne!(pair[0], pair[1], "{platform}: two posts at {}", pair[0]);
            }
        }
        for t in &planned_mine {
            let day = local_of(tz, *t).date();
            let same_day = mine.iter().filter(|u| local_of(tz, **u).date() == day).count();
            let taken_same_day = taken.iter().filter(|(p, u)| p == platform && local_of(tz, *u).date() == day).count();
            assert!(
                same_day as u32 <= rules.daily_cap.max(taken_same_day as u32),
                "{platform}: {same_day} posts on {day}, cap {}",
                rules.daily_cap
            );
        }
    }
}

#[test]
fn linkedin_posts_take_the_best_slots_weighing_sooner_against_better_within_cap_and_gap() {
    let its = items(Platform::LINKEDIN, 5);
    let start = date(2026, 11, 9);
    let policy = SchedulePolicy::default();
    let planned = plan(&its, start, &[], &policy, None, monday_morning()).unwrap();
    assert_valid(&planned, &its, start, &[], &policy, monday_morning());
    assert_eq!(
        local_hours(New_York, &planned),
        vec![
            (date(2026, 11, 9), 9, 0),   // Mon 09:00: a weaker day, but the soonest
            (date(2026, 11, 10), 9, 0),  // Tue 09:00, the best slot (taken first)
            (date(2026, 11, 10), 13, 0), // Tue 13:00, four hours later
            (date(2026, 11, 11), 9, 0),  // Wed 09:00
            (date(2026, 11, 12), 9, 0),  // Thu 09:00
        ]
    );
}

#[test]
fn each_content_type_goes_to_its_platform_window() {
    let its = [
        PlanItem::for_content(0, ContentType::PreInterview),
        PlanItem::for_content(1, ContentType::Newsletter),
        PlanItem::for_content(2, ContentType::BlogPost),
        PlanItem::for_content(3, ContentType::PostPublish),
    ];
    let planned = plan(&its, date(2026, 11, 9), &[], &SchedulePolicy::default(), None, monday_morning()).unwrap();
    let hours = local_hours(New_York, &planned);
    assert_eq!(hours[0], (date(2026, 11, 10), 9, 0)); // LinkedIn, Tue 09:00
    assert_eq!(hours[1], (date(2026, 11, 10), 9, 0)); // newsletter, Tue 09:00
    assert_eq!(hours[2], (date(2026, 11, 9), 10, 0)); // blog, Mon 10:00 (every weekday is good)
    assert_eq!(hours[3], (date(2026, 11, 11), 9, 0)); // second LinkedIn post: Wed 09:00 beats Tue afternoon
}

#[test]
fn a_cap_of_one_and_a_long_gap_push_newsletters_to_separate_good_days() {
    let its = items(Platform::CUSTOMER_IO, 3);
    let start = date(2026, 11, 9);
    let policy = SchedulePolicy::default();
    let planned = plan(&its, start, &[], &policy, None, monday_morning()).unwrap();
    assert_valid(&planned, &its, start, &[], &policy, monday_morning());
    let days: Vec<Weekday> = local_hours(New_York, &planned).iter().map(|(d, _, _)| d.weekday()).collect();
    assert_eq!(days, vec![Weekday::Tue, Weekday::Wed, Weekday::Thu]);
}

#[test]
fn taken_slots_and_their_gaps_are_avoided() {
    let its = items(Platform::LINKEDIN, 2);
    let start = date(2026, 11, 9);
    let taken = [(Platform::LINKEDIN, utc(2026, 11, 10, 14, 0)), (Platform::LINKEDIN, utc(2026, 11, 11, 16, 0))]; // Tue 09:00, Wed 11:00 EST
    let policy = SchedulePolicy::default();
    let planned = plan(&its, start, &taken, &policy, None, monday_morning()).unwrap();
    assert_valid(&planned, &its, start, &taken, &policy, monday_morning());
    // Tue 09:00 is taken and Wed 09:00 is within four hours of Wed 11:00.
    assert_eq!(local_hours(New_York, &planned), vec![(date(2026, 11, 9), 9, 0), (date(2026, 11, 12), 9, 0)]);
}

#[test]
fn a_post_taken_on_another_platform_does_not_block_a_slot() {
    let its = items(Platform::LINKEDIN, 1);
    let taken = [(Platform::CUSTOMER_IO, utc(2026, 11, 10, 14, 0))];
    let planned = plan(&its, date(2026, 11, 9), &taken, &SchedulePolicy::default(), None, monday_morning()).unwrap();
    assert_eq!(planned[0].1, utc(2026, 11, 10, 14, 0));
}

#[test]
fn weekends_are_skipped() {
    // Start on Saturday 2026-11-14 with a blog post: Monday 10:00 it is.
    let its = items(Platform::WEBFLOW, 1);
    let now = utc(2026, 11, 13, 23, 0);
    let planned = plan(&its, date(2026, 11, 14), &[], &SchedulePolicy::default(), None, now).unwrap();
    assert_eq!(local_hours(New_York, &planned), vec![(date(2026, 11, 16), 10, 0)]);
}

#[test]
fn holidays_are_skipped() {
    let its = items(Platform::WEBFLOW, 1);
    let mut policy = SchedulePolicy::default();
    policy.holidays.insert(date(2026, 11, 9));
    let planned = plan(&its, date(2026, 11, 9), &[], &policy, None, monday_morning()).unwrap();
    assert_eq!(local_hours(New_York, &planned), vec![(date(2026, 11, 10), 10, 0)]);
}

#[test]
fn nothing_is_planned_in_the_past() {
    // Now is Tuesday 09:30 in New York; start date is last week.
    let now = utc(2026, 11, 10, 14, 30);
    let its = items(Platform::LINKEDIN, 1);
    let planned = plan(&its, date(2026, 11, 2), &[], &SchedulePolicy::default(), None, now).unwrap();
    assert_eq!(local_hours(New_York, &planned), vec![(date(2026, 11, 11), 9, 0)]);
    assert!(planned[0].1 > now);
}

#[test]
fn the_same_input_gives_the_same_plan() {
    let its: Vec<PlanItem<u32>> = (0..20).map(|i| PlanItem::new(i, Platform::BUILT_IN[(i % 3) as usize])).collect();
    let taken = [(Platform::LINKEDIN, utc(2026, 11, 10, 14, 0))];
    let a = plan(&its, date(2026, 11, 9), &taken, &SchedulePolicy::default(), None, monday_morning()).unwrap();
    let b = plan(&its, date(2026, 11, 9), &taken, &SchedulePolicy::default(), None, monday_morning()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn items_of_a_platform_go_out_in_item_order() {
    let its = items(Platform::LINKEDIN, 8);
    let planned = plan(&its, date(2026, 11, 9), &[], &SchedulePolicy::default(), None, monday_morning()).unwrap();
    assert!(planned.windows(2).all(|w| w[0].1 < w[1].1), "{planned:?}");
}

#[test]
fn many_items_overflow_to_later_days() {
    let its = items(Platform::LINKEDIN, 12);
    let start = date(2026, 11, 9);
    let policy = SchedulePolicy::default();
    let planned = plan(&its, start, &[], &policy, None, monday_morning()).unwrap();
    assert_valid(&planned, &its, start, &[], &policy, monday_morning());
    let days: std::collections::BTreeSet<NaiveDate> = local_hours(New_York, &planned).iter().map(|(d, _, _)| *d).collect();
    assert!(days.len() >= 6, "12 posts at 2 a day need at least 6 days: {days:?}");
    assert!(days.iter().all(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)));
}

#[test]
fn no_free_slot_within_the_horizon_is_a_conflict() {
    let its = items(Platform::LINKEDIN, 5);
    let policy = SchedulePolicy { horizon_days: 1, ..SchedulePolicy::default() };
    let err = plan(&its, date(2026, 11, 10), &[], &policy, None, monday_morning()).unwrap_err();
    assert!(matches!(err, crate::Error::Conflict { .. }), "{err}");
}

#[test]
fn notion_cannot_be_planned_and_nothing_to_plan_is_fine() {
    let err = plan(&items(Platform::NOTION, 1), date(2026, 11, 9), &[], &SchedulePolicy::default(), None, monday_morning()).unwrap_err();
    assert!(err.to_string().contains("notion"), "{err}");
    assert!(plan::<u32>(&[], date(2026, 11, 9), &[], &SchedulePolicy::default(), None, monday_morning()).unwrap().is_empty());
}

#[test]
fn a_platform_with_no_open_hour_or_an_endless_horizon_is_refused() {
    let mut closed = SchedulePolicy::default();
    closed.per_platform.insert(Platform::LINKEDIN, PlatformPolicy { curve: WeightCurve::closed(), ..PlatformPolicy::linkedin() });
    let err = plan(&items(Platform::LINKEDIN, 1), date(2026, 11, 9), &[], &closed, None, monday_morning()).unwrap_err();
    assert!(err.to_string().contains("no open hour"), "{err}");
    let endless = SchedulePolicy { horizon_days: u32::MAX, ..SchedulePolicy::default() };
    assert!(plan(&items(Platform::LINKEDIN, 1), date(2026, 11, 9), &[], &endless, None, monday_morning()).is_err());
}

#[test]
fn planned_schedules_keep_the_zone_name() {
    let id = ContentId::new();
    let schedules = plan_schedules(
        &[PlanItem::for_content(id, ContentType::BlogPost)],
        date(2026, 11, 9),
        &[],
        &SchedulePolicy::in_zone(London),
        None,
        utc(2026, 11, 9, 6, 0),
    )
    .unwrap();
    assert_eq!(schedules.len(), 1);
    assert_eq!((schedules[0].content_item_id, schedules[0].platform), (id, Platform::WEBFLOW));
    assert_eq!(schedules[0].timezone, "Europe/London");
    assert_eq!(schedules[0].scheduled_time, utc(2026, 11, 9, 10, 0)); // Mon 10:00 GMT
}

#[test]
fn a_start_date_ten_years_ahead_is_refused() {
    let err = plan(&items(Platform::LINKEDIN, 1), date(2040, 1, 1), &[], &SchedulePolicy::default(), None, monday_morning()).unwrap_err();
    assert!(matches!(err, crate::Error::InvalidInput { .. }), "{err}");
}

#[test]
fn nine_am_stays_nine_am_across_us_spring_forward() {
    let its = items(Platform::LINKEDIN, 3);
    let policy = only_at(New_York, 9..10);
    let planned = plan(&its, date(2027, 3, 13), &[], &policy, None, utc(2027, 3, 12, 0, 0)).unwrap();
    let instants: Vec<DateTime<Utc>> = planned.iter().map(|(_, t)| *t).collect();
    assert_eq!(instants, vec![utc(2027, 3, 13, 14, 0), utc(2027, 3, 14, 13, 0), utc(2027, 3, 15, 13, 0)]);
    assert!(local_hours(New_York, &planned).iter().all(|(_, h, m)| (*h, *m) == (9, 0)));
}

#[test]
fn nine_am_stays_nine_am_across_us_fall_back() {
    let its = items(Platform::LINKEDIN, 3);
    let policy = only_at(New_York, 9..10);
    let planned = plan(&its, date(2026, 10, 31), &[], &policy, None, utc(2026, 10, 30, 0, 0)).unwrap();
    let instants: Vec<DateTime<Utc>> = planned.iter().map(|(_, t)| *t).collect();
    assert_eq!(instants, vec![utc(2026, 10, 31, 13, 0), utc(2026, 11, 1, 14, 0), utc(2026, 11, 2, 14, 0)]);
}

#[test]
fn the_default_linkedin_slot_is_nine_am_in_the_weeks_around_spring_forward() {
    let one = items(Platform::LINKEDIN, 1);
    let policy = SchedulePolicy::default();
    let before = plan(&one, date(2027, 3, 9), &[], &policy, None, utc(2027, 3, 8, 0, 0)).unwrap();
    let after = plan(&one, date(2027, 3, 16), &[], &policy, None, utc(2027, 3, 15, 0, 0)).unwrap();
    assert_eq!(before[0].1, utc(2027, 3, 9, 14, 0)); // Tue 09:00 EST
    assert_eq!(after[0].1, utc(2027, 3, 16, 13, 0)); // Tue 09:00 EDT
}

#[test]
fn nine_am_stays_nine_am_in_london_across_both_changes() {
    let its = items(Platform::LINKEDIN, 2);
    let spring = plan(&its, date(2027, 3, 27), &[], &only_at(London, 9..10), None, utc(2027, 3, 26, 0, 0)).unwrap();
    assert_eq!(spring.iter().map(|(_, t)| *t).collect::<Vec<_>>(), vec![utc(2027, 3, 27, 9, 0), utc(2027, 3, 28, 8, 0)]);
    let autumn = plan(&its, date(2026, 10, 24), &[], &only_at(London, 9..10), None, utc(2026, 10, 23, 0, 0)).unwrap();
    assert_eq!(autumn.iter().map(|(_, t)| *t).collect::<Vec<_>>(), vec![utc(2026, 10, 24, 8, 0), utc(2026, 10, 25, 9, 0)]);
    let default =
        plan(&items(Platform::LINKEDIN, 1), date(2027, 3, 30), &[], &SchedulePolicy::in_zone(London), None, utc(2027, 3, 29, 0, 0))
            .unwrap();
    assert_eq!(default[0].1, utc(2027, 3, 30, 8, 0)); // Tue 09:00 BST
}

#[test]
fn a_slot_in_the_spring_forward_gap_moves_to_the_first_valid_instant() {
    let planned =
        plan(&items(Platform::LINKEDIN, 1), date(2027, 3, 14), &[], &only_at(New_York, 2..3), None, utc(2027, 3, 13, 0, 0)).unwrap();
    assert_eq!(planned[0].1, utc(2027, 3, 14, 7, 0)); // 03:00 EDT
}

#[test]
fn an_ambiguous_fall_back_slot_takes_the_earlier_instant() {
    let planned =
        plan(&items(Platform::LINKEDIN, 1), date(2026, 11, 1), &[], &only_at(New_York, 1..2), None, utc(2026, 10, 31, 0, 0)).unwrap();
    assert_eq!(planned[0].1, utc(2026, 11, 1, 5, 0)); // 01:00 EDT, not 01:00 EST
}

#[test]
fn engagement_history_moves_the_chosen_hour() {
    // Many Tuesday 11:00 posts did far better than the 09:00 ones.
    // Local wall-clock hours week after week (adding 7 × 24 h would drift an hour across DST).
    let tuesday = |hour: u32, week: u64| {
        let day = date(2026, 9, 1).checked_add_days(chrono::Days::new(7 * week)).unwrap();
        resolve_local(New_York, day.and_hms_opt(hour, 0, 0).unwrap())
    };
    let mut obs = Vec::new();
    for w in 0..20 {
        obs.push(Observation { platform: Platform::LINKEDIN, published_at: tuesday(9, w), score: 2.0 });
        obs.push(Observation { platform: Platform::LINKEDIN, published_at: tuesday(11, w), score: 20.0 });
    }
    let history = EngagementHistory::from_observations(New_York, obs);
    let one = items(Platform::LINKEDIN, 1);
    let without = plan(&one, date(2026, 11, 10), &[], &SchedulePolicy::default(), None, monday_morning()).unwrap();
    let with = plan(&one, date(2026, 11, 10), &[], &SchedulePolicy::default(), Some(&history), monday_morning()).unwrap();
    assert_eq!(local_hours(New_York, &without)[0], (date(2026, 11, 10), 9, 0));
    assert_eq!(local_hours(New_York, &with)[0], (date(2026, 11, 10), 11, 0));
}

#[test]
fn a_single_observation_does_not_overturn_the_defaults() {
    let at = New_York.with_ymd_and_hms(2026, 9, 1, 11, 0, 0).unwrap().with_timezone(&Utc);
    let obs = [
        Observation { platform: Platform::LINKEDIN, published_at: at, score: 30.0 },
        Observation { platform: Platform::LINKEDIN, published_at: at - Duration::hours(2), score: 10.0 },
    ];
    let history = EngagementHistory::from_observations(New_York, obs);
    let planned =
        plan(&items(Platform::LINKEDIN, 1), date(2026, 11, 10), &[], &SchedulePolicy::default(), Some(&history), monday_morning()).unwrap();
    assert_eq!(local_hours(New_York, &planned)[0], (date(2026, 11, 10), 9, 0));
}

#[test]
fn history_kept_in_another_zone_is_refused() {
    let history = EngagementHistory::new(London);
    let err = plan(&items(Platform::LINKEDIN, 1), date(2026, 11, 10), &[], &SchedulePolicy::default(), Some(&history), monday_morning())
        .unwrap_err();
    assert!(matches!(err, crate::Error::InvalidInput { .. }), "{err}");
}

#[test]
fn manual_times_must_be_given_and_in_the_future() {
    let now = monday_morning();
    let later = now + Duration::hours(1);
    assert_eq!(validate_manual(&[(1, Some(later)), (2, Some(later))], now).unwrap(), vec![(1, later), (2, later)]);
    let missing = validate_manual(&[(1, Some(later)), (2, None)], now).unwrap_err();
    assert!(missing.to_string().contains("item 2"), "{missing}");
    let past = validate_manual(&[(7, Some(now))], now).unwrap_err();
    assert!(past.to_string().contains("item 7") && past.to_string().contains("future"), "{past}");
}

#[test]
fn distribution_reads_the_prd_words() {
    assert_eq!(serde_json::from_str::<Distribution>("\"smart\"").unwrap(), Distribution::Smart);
    assert_eq!(serde_json::from_str::<Distribution>("\"manual\"").unwrap(), Distribution::Manual);
    assert_eq!(Distribution::default(), Distribution::Smart);
}

fn zone() -> impl Strategy<Value = Tz> {
    prop_oneof![Just(New_York), Just(London), Just(chrono_tz::Australia::Sydney), Just(chrono_tz::Asia::Kolkata)]
}

fn platform() -> impl Strategy<Value = Platform> {
    prop_oneof![Just(Platform::LINKEDIN), Just(Platform::CUSTOMER_IO), Just(Platform::WEBFLOW)]
}

prop_compose! {
    fn policy()(tz in zone(), default in any::<bool>(), cap in 1u32..4, gap_h in 0i64..30, business in any::<bool>(),
                discount in 0.3f64..=1.0, lead_m in 0i64..600) -> SchedulePolicy {
        let mut p = SchedulePolicy { timezone: tz, business_days_only: business, day_discount: discount,
                                     min_lead: Duration::minutes(lead_m), horizon_days: 120, ..SchedulePolicy::default() };
        if !default {
            for rules in p.per_platform.values_mut() {
                rules.daily_cap = cap;
                rules.min_gap = Duration::hours(gap_h);
            }
        }
        p
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_plan_breaks_a_cap_a_gap_a_taken_slot_or_the_past(
        policy in policy(),
        platforms in prop::collection::vec(platform(), 0..14),
        taken in prop::collection::vec((platform(), 0i64..(30 * 24 * 60)), 0..12),
        now_m in 0i64..(20 * 24 * 60),
        start_offset in -5i64..20,
    ) {
        let base = utc(2026, 10, 20, 0, 0); // covers the autumn changes of every zone above
        let now = base + Duration::minutes(now_m);
        let start = base.date_naive() + Duration::days(start_offset);
        let taken: Vec<(Platform, DateTime<Utc>)> = taken.into_iter().map(|(p, m)| (p, base + Duration::minutes(m))).collect();
        let its: Vec<PlanItem<u32>> = platforms.into_iter().enumerate().map(|(i, p)| PlanItem::new(i as u32, p)).collect();
        let planned = plan(&its, start, &taken, &policy, None, now).unwrap();
        let start_local = start.max(local_of(policy.timezone, now).date());
        assert_valid(&planned, &its, start_local, &taken, &policy, now);
        prop_assert_eq!(planned.clone(), plan(&its, start, &taken, &policy, None, now).unwrap());
    }
}
