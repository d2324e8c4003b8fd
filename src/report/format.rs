//! Numbers as a reader expects them: thousands separators, a currency, percentages.
//!
//! ```
//! use attrition::report::format::{Currency, percent, thousands};
//! assert_eq!(thousands(1_234_567.4, 0), "1,234,567");
//! assert_eq!(thousands(-2500.0, 1), "-2,500.0");
//! assert_eq!(Currency::new("$").amount(29187.0), "$29,187");
//! assert_eq!(Currency::new("EUR").amount(-1200.0), "-1,200 EUR");
//! assert_eq!(Currency::new("").amount(980.0), "980");
//! assert_eq!(percent(0.8774), "87.7%");
//! ```

use serde::{Deserialize, Serialize};

/// `v` with `decimals` decimals and a comma between thousands.
pub fn thousands(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = format!("{:.decimals$}", v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(a, b)| (a, Some(b)));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let negative = v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    format!("{}{grouped}{}", if negative { "-" } else { "" }, frac.map_or(String::new(), |f| format!(".{f}")))
}

/// A share in [0, 1] as a percentage with one decimal.
pub fn percent(v: f64) -> String {
    if v.is_finite() { format!("{:.1}%", 100.0 * v) } else { "–".into() }
}

/// How money is written: a symbol before the amount (`$`, `€`, `£`), a code after it (`EUR`,
/// `USD`), or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency {
    /// The symbol or code as given.
    pub symbol: String,
}

impl Default for Currency {
    /// `$`.
    fn default() -> Self {
        Currency::new("$")
    }
}

impl Currency {
    /// A currency written as `symbol`: a symbol of one or two characters goes before the amount,
    /// a longer code after it.
    pub fn new(symbol: impl Into<String>) -> Self {
        Currency { symbol: symbol.into().trim().to_string() }
    }

    fn before(&self) -> bool {
        self.symbol.chars().count() <= 2
    }

    /// A whole amount with thousands separators and the currency.
    pub fn amount(&self, v: f64) -> String {
        self.amount_with(v, 0)
    }

    /// An amount with `decimals` decimals.
    pub fn amount_with(&self, v: f64, decimals: usize) -> String {
        let n = thousands(v, decimals);
        if self.symbol.is_empty() {
            n
        } else if self.before() {
            match n.strip_prefix('-') {
                Some(abs) => format!("-{}{abs}", self.symbol),
                None => format!("{}{n}", self.symbol),
            }
        } else {
            format!("{n} {}", self.symbol)
        }
    }

    /// The unit for an axis label: `($)`, `(EUR)` or `(currency)`.
    pub fn unit(&self) -> String {
        if self.symbol.is_empty() { "(currency)".into() } else { format!("({})", self.symbol) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0, 0), "0");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(1000.0, 0), "1,000");
        assert_eq!(thousands(-0.2, 0), "0");
        assert_eq!(thousands(286436.2, 0), "286,436");
        assert_eq!(thousands(f64::NAN, 0), "–");
        assert_eq!(Currency::new("€").amount(-5.0), "-€5");
    }
}
