//! The study's customer factors that retention is compared by.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::parse::parse_bool;
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

    /// Each customer's group label for this factor (`None` where it is undefined), in customer
    /// order, from the customer attribute of the same name. Errors if the customers table does
    /// not have it.
    pub fn labels(self, tables: &Tables) -> Result<Vec<Option<String>>> {
        let attr = tables.attribute(self.as_str()).ok_or_else(|| {
            Error::param("by", self.as_str(), "the customers table has no such column (customer attribute)")
        })?;
        Ok((0..tables.customers.len() as u32)
            .map(|c| match self {
                Factor::SpecialisedProvider => {
                    attr.value(c).and_then(parse_bool).map(|b| if b { "specialised" } else { "generalist" }.to_owned())
                }
                Factor::SalesApproach => attr.value(c).map(|v| v.trim().to_owned()),
            })
            .collect())
    }
}

impl std::fmt::Display for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
