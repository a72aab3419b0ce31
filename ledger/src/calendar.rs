//! Calendar dates in Vietnam (UTC+7) and working days: weekends and the rulebook's public
//! holidays excluded. Dates are `YYYY-MM-DD` text in payloads; here they are day numbers.

use std::collections::BTreeSet;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (y, m) = if month <= 2 {
        (year - 1, month as i64 + 9)
    } else {
        (year, month as i64 - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Parses `YYYY-MM-DD` into a day number, checking that the date exists.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = text[..4].parse().ok()?;
    let m: u32 = text[5..7].parse().ok()?;
    let d: u32 = text[8..].parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > 31 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A date (`YYYY-MM-DD`) as Vietnamese text writes it: `26/5/2020`. Anything else is
/// returned as it is.
pub fn vi_date(date: &str) -> String {
    match parse_date(date).map(civil_from_days) {
        Some((y, m, d)) => format!("{d}/{m}/{y}"),
        None => date.to_string(),
    }
}

/// The date in Vietnam (UTC+7) of an instant in ms since the epoch.
pub fn date_of(ms: i64) -> String {
    format_date((ms + 7 * 3_600_000).div_euclid(86_400_000))
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

/// The public holidays a rulebook lists, as day numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays {
    days: BTreeSet<i64>,
}

impl Holidays {
    pub fn new<'a>(dates: impl IntoIterator<Item = &'a str>) -> Holidays {
        Holidays {
            days: dates.into_iter().filter_map(parse_date).collect(),
        }
    }

    pub fn is_working_day(&self, days: i64) -> bool {
        weekday(days) < 5 && !self.days.contains(&days)
    }

    /// Working days after `from` up to and including `to` (negative when `to` is earlier).
    pub fn working_days_between(&self, from: i64, to: i64) -> i64 {
        let (lo, hi, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        sign * ((lo + 1)..=hi).filter(|&d| self.is_working_day(d)).count() as i64
    }

    /// The date `n` working days after `from`.
    pub fn add_working_days(&self, from: i64, n: u32) -> i64 {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_bad_dates_are_refused() {
        for text in ["1970-01-01", "2020-02-29", "2020-06-05", "2026-12-31"] {
            assert_eq!(format_date(parse_date(text).unwrap()), text);
        }
        for bad in [
            "2019-02-29",
            "2020-13-01",
            "2020-6-5",
            "20200605",
            "2020-04-31",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(
            weekday(parse_date("2020-06-05").unwrap()),
            4,
            "5 June 2020 was a Friday"
        );
        assert_eq!(date_of(1_591_318_800_000), "2020-06-05");
        assert_eq!(vi_date("2020-05-26"), "26/5/2020");
        assert_eq!(vi_date("2020-12-01"), "1/12/2020");
        assert_eq!(vi_date("26/5/2020"), "26/5/2020");
        assert_eq!(
            date_of(1_591_290_000_000),
            "2020-06-05",
            "00:00 in Hanoi is 17:00 UTC the day before"
        );
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // 30 April and 1 May 2020 were holidays (Thursday, Friday).
        let h = Holidays::new(["2020-04-30", "2020-05-01"]);
        let from = parse_date("2020-04-28").unwrap();
        let to = parse_date("2020-05-05").unwrap();
        // 29 Apr, 4 May, 5 May.
        assert_eq!(h.working_days_between(from, to), 3);
        assert_eq!(h.working_days_between(to, from), -3);
        assert_eq!(format_date(h.add_working_days(from, 3)), "2020-05-05");
    }
}
