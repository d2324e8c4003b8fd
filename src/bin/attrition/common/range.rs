//! Parsers of the numeric flags: every one has a documented range, checked when the command
//! line is parsed (clap then prints the flag, the value and the range, and exits with status 2).
//! Whole numbers use clap's ranged parsers; these are the real-valued ones. `NaN` is outside
//! every range; infinity is outside every range with a finite bound.

use attrition::features::MAX_WINDOW_DAYS;
use clap::builder::{RangedI64ValueParser, RangedU64ValueParser};

/// Largest money amount a cost flag takes (10¹²).
pub const MAX_MONEY: f64 = 1e12;
/// Most customers a world can be simulated with (`simulate`, `demo --customers`).
pub const MAX_CUSTOMERS: u64 = 10_000_000;
/// Most cross-validation folds or repeats.
pub const MAX_FOLDS: u64 = 100;

fn parse(s: &str) -> Result<f64, String> {
    s.trim().parse::<f64>().map_err(|_| format!("`{s}` is not a number"))
}

/// A real number in `[lo, hi]`.
pub fn closed(lo: f64, hi: f64) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |s| parse(s).and_then(|x| if x >= lo && x <= hi { Ok(x) } else { Err(format!("must be in [{lo}, {hi}]")) })
}

/// A real number in `(lo, hi]`.
pub fn above(lo: f64, hi: f64) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |s| parse(s).and_then(|x| if x > lo && x <= hi { Ok(x) } else { Err(format!("must be in ({lo}, {hi}]")) })
}

/// A real number in `(lo, hi)`.
pub fn open(lo: f64, hi: f64) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |s| parse(s).and_then(|x| if x > lo && x < hi { Ok(x) } else { Err(format!("must be in ({lo}, {hi})")) })
}

/// A cost: a money amount in `[0, 10¹²]`.
pub fn money() -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    closed(0.0, MAX_MONEY)
}

/// A fraction or probability in `[0, 1]`.
pub fn unit() -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    closed(0.0, 1.0)
}

/// Days of a horizon or window: `1..=36500` ([`MAX_WINDOW_DAYS`]).
pub fn days() -> RangedI64ValueParser<i64> {
    RangedI64ValueParser::<i64>::new().range(1..=i64::from(MAX_WINDOW_DAYS))
}

/// Days of a horizon or window as `u32`: `min..=36500`.
pub fn days_u32(min: u32) -> RangedU64ValueParser<u32> {
    RangedU64ValueParser::<u32>::new().range(u64::from(min)..=u64::from(MAX_WINDOW_DAYS))
}

/// A count in `lo..=hi`.
pub fn count(lo: u64, hi: u64) -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::<usize>::new().range(lo..=hi)
}
