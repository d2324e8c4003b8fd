//! Customer attributes: every column of `customers.csv` other than `customer_id` and
//! `signup_date`, typed by inference.
//!
//! A real customers export carries whatever the company records — `plan`, `region`, `seats`,
//! `industry`, `acquisition_channel`, `trial_converted`, `contract_signed_on` — and the
//! simulator's own `vertical`, `sales_approach` and `specialised_provider` are nothing more than
//! three such columns. Each column becomes one [`CustomerAttribute`], stored column-wise (one
//! value per customer, `None` when missing) with an [`AttributeKind`] inferred from its values:
//!
//! | kind | when | as a feature |
//! |---|---|---|
//! | [`AttributeKind::Boolean`] | every value is `true/false`, `yes/no`, `t/f`, `y/n` (or `1/0` mixed with those) | categorical `true` / `false` |
//! | [`AttributeKind::Numeric`] | every value is a finite number | numeric |
//! | [`AttributeKind::Date`] | every value is a date `YYYY-MM-DD` | numeric: days from the date to `as_of` (missing while the date is after `as_of`) |
//! | [`AttributeKind::Categorical`] | otherwise | categorical |
//! | [`AttributeKind::Text`] | categorical with more than 50 distinct values, over half of the customers distinct (names, e-mails, ids) | none: reported by `inspect`, left out |
//!
//! Missing values are blank cells and the markers in [`DEFAULT_NA_VALUES`] (compared ignoring
//! case and surrounding blanks). A column of `0`/`1` only is numeric (it is also a valid 0/1
//! feature). Attributes are *static*: the feature engine treats them as known from signup on, so
//! an export that records a value as of today (a plan after a downgrade, a `cancelled` flag) leaks
//! the future into training rows — leave such columns out (`ignore` in the schema file).
//!
//! ```
//! use attrition::io::attributes::{AttributeKind, CustomerAttribute};
//! let seats = CustomerAttribute::infer("seats", vec![Some("3".into()), Some("NA".into()), Some("12".into())]);
//! assert_eq!(seats.kind, AttributeKind::Numeric);
//! assert_eq!(seats.value(1), None);
//! assert_eq!(seats.number(2), Some(12.0));
//! let plan = CustomerAttribute::infer("plan", vec![Some("pro".into()), Some("free".into()), None]);
//! assert_eq!(plan.kind, AttributeKind::Categorical);
//! let trial = CustomerAttribute::infer("trial", vec![Some("yes".into()), Some("No".into())]);
//! assert_eq!((trial.kind, trial.category(1)), (AttributeKind::Boolean, Some("false")));
//! ```

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::io::parse::{parse_bool, parse_date, parse_f64};
use crate::io::tables::CustomerIdx;

/// Values read as missing in `customers.csv` besides a blank cell (ignoring case and blanks).
pub const DEFAULT_NA_VALUES: [&str; 6] = ["NA", "N/A", "null", "NaN", "None", "?"];

/// A categorical attribute with more distinct values than this, and more than half of the
/// customers distinct, is [`AttributeKind::Text`].
pub const MAX_ATTRIBUTE_LEVELS: usize = 50;

/// Whether `v` is a missing value by the default markers (blank, `NA`, `N/A`, `null`, `NaN`,
/// `None`, `?`).
///
/// ```
/// use attrition::io::attributes::is_default_missing;
/// assert!(is_default_missing(" ") && is_default_missing("n/a") && is_default_missing("?"));
/// assert!(!is_default_missing("0") && !is_default_missing("unknown"));
/// ```
pub fn is_default_missing(v: &str) -> bool {
    let t = v.trim();
    t.is_empty() || DEFAULT_NA_VALUES.iter().any(|m| t.eq_ignore_ascii_case(m))
}

/// How an attribute's values are read (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    /// Free categories (the default for a saved feature spec without a kind).
    #[default]
    Categorical,
    /// `true` / `false`.
    Boolean,
    /// Finite numbers.
    Numeric,
    /// Dates `YYYY-MM-DD`, used as days since the date.
    Date,
    /// Identifiers or free text: not a feature.
    Text,
}

impl AttributeKind {
    /// The lower-case name (`categorical`, `boolean`, `numeric`, `date`, `text`).
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeKind::Categorical => "categorical",
            AttributeKind::Boolean => "boolean",
            AttributeKind::Numeric => "numeric",
            AttributeKind::Date => "date",
            AttributeKind::Text => "text",
        }
    }

    /// Whether the attribute becomes a feature column.
    pub fn is_feature(self) -> bool {
        self != AttributeKind::Text
    }

    /// Whether the feature column is numeric (numbers and dates) rather than categorical.
    pub fn is_numeric(self) -> bool {
        matches!(self, AttributeKind::Numeric | AttributeKind::Date)
    }
}

impl std::fmt::Display for AttributeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One customer attribute: a column of `customers.csv`, one value per customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerAttribute {
    /// Column name.
    pub name: String,
    /// How the values are read.
    pub kind: AttributeKind,
    /// Value of each customer ([`CustomerIdx`] order); `None` = missing.
    pub values: Vec<Option<String>>,
}

impl CustomerAttribute {
    /// An attribute of a given kind (values are kept as given; missing markers are not applied).
    pub fn new(name: impl Into<String>, kind: AttributeKind, values: Vec<Option<String>>) -> Self {
        CustomerAttribute { name: name.into(), kind, values }
    }

    /// An attribute whose kind is inferred from its values; default missing markers
    /// ([`is_default_missing`]) become `None`.
    pub fn infer(name: impl Into<String>, values: Vec<Option<String>>) -> Self {
        let values: Vec<Option<String>> =
            values.into_iter().map(|v| v.filter(|s| !is_default_missing(s)).map(|s| s.trim().to_owned())).collect();
        let kind = infer_kind(&values);
        CustomerAttribute { name: name.into(), kind, values }
    }

    /// The raw value of customer `c` (`None` if missing or beyond the column).
    pub fn value(&self, c: CustomerIdx) -> Option<&str> {
        self.values.get(c as usize).and_then(|v| v.as_deref())
    }

    /// The value of customer `c` as a number ([`AttributeKind::Numeric`]; `None` if missing or
    /// not a number).
    pub fn number(&self, c: CustomerIdx) -> Option<f64> {
        self.value(c).and_then(parse_f64)
    }

    /// The value of customer `c` as a date ([`AttributeKind::Date`]).
    pub fn date(&self, c: CustomerIdx) -> Option<NaiveDate> {
        self.value(c).and_then(|v| parse_date(v.trim()))
    }

    /// The value of customer `c` as a category: booleans normalised to `true` / `false`, other
    /// values as they are.
    pub fn category(&self, c: CustomerIdx) -> Option<&str> {
        let v = self.value(c)?;
        match self.kind {
            AttributeKind::Boolean => parse_bool(v).map(|b| if b { "true" } else { "false" }),
            _ => Some(v),
        }
    }

    /// Customers with a value.
    pub fn present(&self) -> usize {
        self.values.iter().filter(|v| v.is_some()).count()
    }

    /// Distinct values.
    pub fn distinct(&self) -> usize {
        self.values.iter().flatten().collect::<HashSet<_>>().len()
    }
}

fn infer_kind(values: &[Option<String>]) -> AttributeKind {
    let present: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
    if present.is_empty() {
        return AttributeKind::Categorical;
    }
    let all = |f: &dyn Fn(&str) -> bool| present.iter().all(|v| f(v));
    let numeric = all(&|v| parse_f64(v).is_some());
    let boolean = all(&|v| parse_bool(v).is_some());
    if boolean && !numeric {
        return AttributeKind::Boolean;
    }
    if numeric {
        return AttributeKind::Numeric;
    }
    if all(&|v| parse_date(v).is_some()) {
        return AttributeKind::Date;
    }
    let distinct = present.iter().collect::<HashSet<_>>().len();
    if distinct > MAX_ATTRIBUTE_LEVELS && 2 * distinct > present.len() {
        return AttributeKind::Text;
    }
    AttributeKind::Categorical
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some((*s).to_owned())).collect()
    }

    #[test]
    fn kinds_are_inferred() {
        assert_eq!(CustomerAttribute::infer("a", col(&["1", "0", "1"])).kind, AttributeKind::Numeric);
        assert_eq!(CustomerAttribute::infer("a", col(&["true", "0"])).kind, AttributeKind::Boolean);
        assert_eq!(CustomerAttribute::infer("a", col(&["2024-01-02", "?"])).kind, AttributeKind::Date);
        assert_eq!(CustomerAttribute::infer("a", col(&["2024-01-02", "soon"])).kind, AttributeKind::Categorical);
        assert_eq!(CustomerAttribute::infer("a", col(&["", "NA"])).kind, AttributeKind::Categorical);
        let ids: Vec<String> = (0..200).map(|i| format!("name{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(CustomerAttribute::infer("a", col(&ids)).kind, AttributeKind::Text);
        let few: Vec<String> = (0..200).map(|i| format!("r{}", i % 10)).collect();
        let few: Vec<&str> = few.iter().map(String::as_str).collect();
        assert_eq!(CustomerAttribute::infer("a", col(&few)).kind, AttributeKind::Categorical);
    }

    #[test]
    fn dates_before_and_after_are_read() {
        let a = CustomerAttribute::infer("d", col(&["2024-01-02", " 2024-02-03 "]));
        assert_eq!(a.date(1), NaiveDate::from_ymd_opt(2024, 2, 3));
        assert_eq!(a.date(5), None);
    }
}
