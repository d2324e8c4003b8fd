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
    KindEvidence::from_values(values).kind()
}

/// What an attribute's kind is inferred from, over some customers: whether every present value
/// is a number, a boolean, a date, how many values are present and which distinct values occur.
/// The evidence of disjoint sets of customers merges ([`KindEvidence::merge`]) into the evidence
/// of all of them, so a partitioned dataset's attributes get the kind the whole would.
///
/// ```
/// use attrition::io::attributes::{AttributeKind, KindEvidence};
/// let mut a = KindEvidence::from_values(&[Some("1".to_string()), Some("0".to_string())]);
/// assert_eq!(a.kind(), AttributeKind::Numeric);
/// a.merge(&KindEvidence::from_values(&[Some("yes".to_string()), None]));
/// assert_eq!(a.kind(), AttributeKind::Boolean); // 1/0 mixed with yes/no
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindEvidence {
    /// Values present.
    pub present: u64,
    /// Every present value is a finite number.
    pub numeric: bool,
    /// Every present value is a boolean.
    pub boolean: bool,
    /// Every present value is a date `YYYY-MM-DD`.
    pub date: bool,
    /// The distinct present values (kept for the [`AttributeKind::Text`] test; empty once
    /// `numeric`, `boolean` or `date` holds would be enough, but they may stop holding after a
    /// merge).
    pub distinct: std::collections::BTreeSet<String>,
}

impl Default for KindEvidence {
    fn default() -> Self {
        KindEvidence { present: 0, numeric: true, boolean: true, date: true, distinct: Default::default() }
    }
}

impl KindEvidence {
    /// The evidence of one attribute's values (missing ones already `None`).
    pub fn from_values(values: &[Option<String>]) -> Self {
        let mut e = KindEvidence::default();
        for v in values.iter().flatten() {
            e.present += 1;
            e.numeric = e.numeric && parse_f64(v).is_some();
            e.boolean = e.boolean && parse_bool(v).is_some();
            e.date = e.date && parse_date(v).is_some();
            if !e.distinct.contains(v.as_str()) {
                e.distinct.insert(v.clone());
            }
        }
        e
    }

    /// Adds the evidence of other customers' values.
    pub fn merge(&mut self, other: &KindEvidence) {
        self.present += other.present;
        self.numeric &= other.numeric;
        self.boolean &= other.boolean;
        self.date &= other.date;
        self.distinct.extend(other.distinct.iter().cloned());
    }

    /// The kind (see the [module docs](self)).
    pub fn kind(&self) -> AttributeKind {
        if self.present == 0 {
            return AttributeKind::Categorical;
        }
        if self.boolean && !self.numeric {
            return AttributeKind::Boolean;
        }
        if self.numeric {
            return AttributeKind::Numeric;
        }
        if self.date {
            return AttributeKind::Date;
        }
        let distinct = self.distinct.len() as u64;
        if distinct > MAX_ATTRIBUTE_LEVELS as u64 && 2 * distinct > self.present {
            return AttributeKind::Text;
        }
        AttributeKind::Categorical
    }
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
