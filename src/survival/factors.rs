//! The study's customer factors that retention is compared by.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::tables::Tables;

/// A customer-level factor to compare retention by (`attrition retention --by …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Factor {
    /// Whether the selling provider specialises in the customer's vertical (`customers.csv`).
    SpecialisedProvider,
    /// Needs-based or product-push selling (`customers.csv`).
    SalesApproach,
}

impl Factor {
    /// Every factor.
    pub const ALL: [Factor; 2] = [Factor::SpecialisedProvider, Factor::SalesApproach];

    /// The CLI spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::SpecialisedProvider => "specialised_provider",
            Factor::SalesApproach => "sales_approach",
        }
    }

    /// Parses the CLI spelling.
    ///
    /// ```
    /// use attrition::survival::Factor;
    /// assert_eq!(Factor::parse("sales_approach").unwrap(), Factor::SalesApproach);
    /// assert!(Factor::parse("colour").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Factor> {
        Factor::ALL.into_iter().find(|f| f.as_str() == s.trim()).ok_or_else(|| {
            Error::param("by", s, format!("unknown factor; one of {}", Factor::ALL.map(Factor::as_str).join(", ")))
        })
    }

    /// Each customer's group label for this factor (`None` where it is undefined), in customer order.
    pub fn labels(self, tables: &Tables) -> Result<Vec<Option<String>>> {
        Ok(match self {
            Factor::SpecialisedProvider => tables
                .customers
                .iter()
                .map(|c| Some(if c.specialised_provider { "specialised" } else { "generalist" }.to_owned()))
                .collect(),
            Factor::SalesApproach => {
                tables.customers.iter().map(|c| Some(c.sales_approach.as_str().to_owned())).collect()
            }
        })
    }
}

impl std::fmt::Display for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
