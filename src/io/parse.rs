//! Field parsers shared by the table readers: dates, timestamps, numbers and booleans.
//!
//! Each returns `None` on failure; the caller turns that into an [`crate::Error::BadRow`] with
//! the file, line and column it knows about.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Parses `YYYY-MM-DD`, rejecting impossible days such as `2025-02-30`.
///
/// ```
/// use attrition::io::parse::parse_date;
/// assert_eq!(parse_date("2024-02-29").map(|d| d.to_string()), Some("2024-02-29".into()));
/// assert_eq!(parse_date("2025-02-30"), None);
/// assert_eq!(parse_date("03/05/2024"), None);
/// ```
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.trim().as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])? as i32;
    let m = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Days since 1970-01-01 of the proleptic Gregorian day `y-m-d`, `None` for an impossible day
/// (month 13, February 30). Plain arithmetic (H. Hinnant's `days_from_civil`), for the
/// timestamp fast path.
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let len = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > len {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Parses a timestamp to UTC seconds since the Unix epoch.
///
/// Accepts RFC 3339 (`2024-03-05T14:22:10Z`, `2024-03-05T16:22:10+02:00`, fractional seconds
/// allowed), a zone-less date-time (`2024-03-05 14:22:10` or with `T`, read as UTC) and a bare
/// date (midnight UTC). The common `…Z` form takes a fast path.
///
/// ```
/// use attrition::io::parse::parse_timestamp;
/// let utc = parse_timestamp("2024-03-05T14:22:10Z").unwrap();
/// assert_eq!(parse_timestamp("2024-03-05T16:22:10+02:00"), Some(utc));
/// assert_eq!(parse_timestamp("2024-03-05 14:22:10"), Some(utc));
/// assert_eq!(parse_timestamp("2024-03-05"), Some(utc - (14 * 3600 + 22 * 60 + 10)));
/// assert_eq!(parse_timestamp("2024-13-05T00:00:00Z"), None);
/// ```
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if let Some(t) = parse_utc_z(b) {
        return t;
    }
    if b.len() == 10 {
        let date = parse_date(s)?;
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp());
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc().timestamp());
        }
    }
    // "2024-03-05 14:22:10+02:00" and "…Z" with a space.
    if let Ok(dt) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(dt.timestamp());
    }
    None
}

/// The fast path of [`parse_timestamp`], on bytes: `Some(t)` for a value shaped
/// `YYYY-MM-DDTHH:MM:SSZ` (or with a blank for the `T`) — `t` its UTC seconds, `None` if it names
/// no real time — and `None` for any other shape.
pub(crate) fn parse_utc_z(b: &[u8]) -> Option<Option<i64>> {
    if !(b.len() == 20 && (b[10] == b'T' || b[10] == b' ') && b[19] == b'Z' && b[13] == b':' && b[16] == b':') {
        return None;
    }
    Some((|| {
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let days = days_from_civil(digits(&b[0..4])? as i64, digits(&b[5..7])?, digits(&b[8..10])?)?;
        let h = digits(&b[11..13])?;
        let mi = digits(&b[14..16])?;
        let se = digits(&b[17..19])?;
        if h > 23 || mi > 59 || se > 59 {
            return None;
        }
        Some(days * 86_400 + i64::from(h * 3600 + mi * 60 + se))
    })())
}

/// Formats UTC seconds as `YYYY-MM-DDTHH:MM:SSZ`.
///
/// ```
/// use attrition::io::parse::{format_timestamp, parse_timestamp};
/// let t = parse_timestamp("2024-03-05T14:22:10Z").unwrap();
/// assert_eq!(format_timestamp(t), "2024-03-05T14:22:10Z");
/// ```
pub fn format_timestamp(t: i64) -> String {
    match DateTime::from_timestamp(t, 0) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => t.to_string(),
    }
}

/// UTC seconds of midnight at the start of `day`.
pub fn day_start(day: NaiveDate) -> i64 {
    day.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() * 86_400
}

/// The UTC day containing timestamp `t`.
pub fn day_of(t: i64) -> NaiveDate {
    DateTime::from_timestamp(t.div_euclid(86_400) * 86_400, 0).map(|d| d.date_naive()).unwrap_or_default()
}

/// Parses a finite `f64`; blanks around the number are allowed, thousands separators are not.
///
/// ```
/// use attrition::io::parse::parse_f64;
/// assert_eq!(parse_f64(" 12 "), Some(12.0));
/// assert_eq!(parse_f64("1,234.5"), None);
/// assert_eq!(parse_f64("NaN"), None);
/// ```
pub fn parse_f64(s: &str) -> Option<f64> {
    let t = s.trim();
    let v: f64 = t.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parses a finite `f64` written with a decimal comma (`29,85`, as spreadsheets in much of Europe
/// export `;`-separated files), optionally with thousands points in groups of three
/// (`1.234,5`, `12.500`), or a plain integer. Any other decimal point (`29.85`) is refused rather
/// than guessed.
///
/// ```
/// use attrition::io::parse::parse_f64_decimal_comma;
/// assert_eq!(parse_f64_decimal_comma(" 29,85 "), Some(29.85));
/// assert_eq!(parse_f64_decimal_comma("-1.234,5"), Some(-1234.5));
/// assert_eq!(parse_f64_decimal_comma("12.500"), Some(12500.0));
/// assert_eq!(parse_f64_decimal_comma("-3"), Some(-3.0));
/// assert_eq!(parse_f64_decimal_comma("29.85"), None);
/// assert_eq!(parse_f64_decimal_comma("1,2,3"), None);
/// // Longer than the stack buffer: the same number.
/// assert_eq!(parse_f64_decimal_comma(&format!("0,{}1", "0".repeat(70))), Some(1e-71));
/// assert_eq!(parse_f64_decimal_comma(&format!("1.000,{}", "0".repeat(70))), Some(1000.0));
/// ```
pub fn parse_f64_decimal_comma(s: &str) -> Option<f64> {
    let t = s.trim();
    let (int, frac) = match t.split_once(',') {
        Some((i, f)) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => (i, Some(f)),
        Some(_) => return None,
        None => (t, None),
    };
    if int.contains('.') && !is_grouped_thousands(int) {
        return None;
    }
    // The same number with a decimal point and no thousands points, built on the stack: this
    // runs for every numeric cell of such a file. Removing or adding ASCII `.` keeps UTF-8 valid.
    let point = frac.map(|f| std::iter::once(b'.').chain(f.bytes()));
    let mut buf = [0u8; 64];
    let mut n = 0;
    for c in int.bytes().filter(|&c| c != b'.').chain(point.into_iter().flatten()) {
        if n == buf.len() {
            let int = int.replace('.', "");
            return parse_f64(&match frac {
                Some(f) => format!("{int}.{f}"),
                None => int,
            });
        }
        buf[n] = c;
        n += 1;
    }
    parse_f64(std::str::from_utf8(&buf[..n]).ok()?)
}

/// Whether `v` is a missing value: blank, or one of `na_values` (trimmed), as flat files and
/// the files `score` reads define it.
pub(crate) fn is_na(v: &str, na_values: &[String]) -> bool {
    v.is_empty() || na_values.iter().any(|n| n.trim() == v)
}

/// How a file's numbers are parsed: with a decimal comma ([`parse_f64_decimal_comma`]) or a
/// decimal point ([`parse_f64`]).
pub(crate) fn number_parser(decimal_comma: bool) -> fn(&str) -> Option<f64> {
    if decimal_comma { parse_f64_decimal_comma } else { parse_f64 }
}

/// Whether `s` is an integer with thousands points in groups of three (`1.234`, `-12.500.000`).
fn is_grouped_thousands(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut groups = digits.split('.');
    let first = groups.next().unwrap_or("");
    let mut rest = groups.peekable();
    rest.peek().is_some()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|c| c.is_ascii_digit())
        && rest.all(|g| g.len() == 3 && g.bytes().all(|c| c.is_ascii_digit()))
}

/// Whether `s` is a number only a decimal comma makes sense of (`29,85`, `1.234,5`,
/// `1.234.567`; not `12` or `1.234`): the evidence [`crate::io::flat::load_flat`] reads a file's
/// numbers with decimal commas on.
///
/// ```
/// use attrition::io::parse::is_decimal_comma_number;
/// assert!(is_decimal_comma_number("29,85") && is_decimal_comma_number("1.234.567"));
/// assert!(!is_decimal_comma_number("12") && !is_decimal_comma_number("1.234") && !is_decimal_comma_number("a,b"));
/// ```
pub fn is_decimal_comma_number(s: &str) -> bool {
    parse_f64(s).is_none() && parse_f64_decimal_comma(s).is_some()
}

/// Whether `s` is a number with a decimal point that cannot be thousands points (`29.85`, `0.5`;
/// not `1.234`): evidence against decimal commas.
pub fn is_decimal_point_number(s: &str) -> bool {
    let t = s.trim();
    t.contains('.') && !is_grouped_thousands(t) && parse_f64(t).is_some()
}

/// Parses `true/false`, `yes/no`, `1/0`, `t/f`, `y/n` (case-insensitive).
///
/// ```
/// use attrition::io::parse::parse_bool;
/// assert_eq!(parse_bool("TRUE"), Some(true));
/// assert_eq!(parse_bool("0"), Some(false));
/// assert_eq!(parse_bool("maybe"), None);
/// ```
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim();
    for (yes, no) in [("true", "false"), ("yes", "no"), ("1", "0"), ("t", "f"), ("y", "n")] {
        if t.eq_ignore_ascii_case(yes) {
            return Some(true);
        }
        if t.eq_ignore_ascii_case(no) {
            return Some(false);
        }
    }
    None
}

/// Truncates a field for inclusion in an error message (at most 200 characters).
pub fn excerpt(s: &str) -> String {
    if s.chars().count() <= 200 { s.to_owned() } else { s.chars().take(200).collect::<String>() + "…" }
}

/// Parses a delimiter as written on a command line: one ASCII character (`;`), or `\t`, `tab`,
/// `comma`, `semicolon`, `pipe`. A quote, a line break or a non-ASCII character is refused.
///
/// ```
/// use attrition::io::parse::parse_delimiter;
/// assert_eq!(parse_delimiter(";"), Some(b';'));
/// assert_eq!(parse_delimiter("\\t"), Some(b'\t'));
/// assert_eq!(parse_delimiter("tab"), Some(b'\t'));
/// assert_eq!(parse_delimiter("\""), None);
/// assert_eq!(parse_delimiter(";;"), None);
/// ```
pub fn parse_delimiter(s: &str) -> Option<u8> {
    let d = match s {
        "\\t" | "tab" | "TAB" => b'\t',
        "comma" => b',',
        "semicolon" => b';',
        "pipe" => b'|',
        _ if s.len() == 1 => s.as_bytes()[0],
        _ => return None,
    };
    (d.is_ascii() && !matches!(d, b'"' | b'\n' | b'\r')).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_timestamp_path_agrees_with_chrono_on_every_day_and_refuses_impossible_ones() {
        let mut d = NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
        while d < NaiveDate::from_ymd_opt(2401, 1, 5).unwrap() {
            let s = format!("{}T23:59:58Z", d);
            let want = d.and_hms_opt(23, 59, 58).unwrap().and_utc().timestamp();
            assert_eq!(parse_timestamp(&s), Some(want), "{s}");
            d = d.succ_opt().unwrap();
        }
        for bad in ["2025-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert!(parse_timestamp("2000-02-29T00:00:00Z").is_some());
        assert_eq!(parse_timestamp("2024-00-10T00:00:00Z"), None);
        assert_eq!(parse_timestamp("2024-01-00T00:00:00Z"), None);
    }
}
