//! The study's settings: a `study.toml` (every key optional, each with the demo's default).
//!
//! ```
//! use attrition::study::StudyConfig;
//! let config = StudyConfig::from_toml_str(r#"
//!     [window]
//!     horizon_days = 60
//!     [campaign]
//!     acceptance = 0.25
//!     [report]
//!     currency = "EUR"
//! "#).unwrap();
//! assert_eq!(config.window.horizon_days, 60);
//! assert_eq!(config.window.lead_days, 7);
//! assert_eq!(config.models.folds, 5);
//! assert!(StudyConfig::from_toml_str("[window]\nhorizon = 60").is_err()); // unknown key
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::{DEFAULT_HORIZON_DAYS, DEFAULT_LEAD_DAYS};
use crate::models::trained::ModelKind;
use crate::profit::ClvParams;

/// Everything a [`crate::study::Study`] can be told. Paths are relative to the config file's
/// directory when read with [`StudyConfig::read`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StudyConfig {
    /// Where the tables are (used by `attrition study`; the library takes [`crate::io::tables::Tables`]).
    pub data: DataConfig,
    /// Observation dates.
    pub dates: DatesConfig,
    /// The label window.
    pub window: WindowConfig,
    /// Candidate models and their cross-validation.
    pub models: ModelsConfig,
    /// Customer lifetime value.
    pub clv: ClvConfig,
    /// Retention campaign costs.
    pub campaign: CampaignConfig,
    /// The uplift comparison on the tables' retention experiment.
    pub uplift: UpliftConfig,
    /// Report options.
    pub report: ReportConfig,
}

/// `[data]`: input paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Tables directory.
    pub tables: Option<PathBuf>,
    /// Schema file (TOML) mapping your files onto the tables contract.
    pub schema: Option<PathBuf>,
    /// Event catalogue (JSON from `attrition catalogue`); default: the simulator's when the data
    /// uses its event names, otherwise the one discovered from the tables.
    pub event_catalogue: Option<PathBuf>,
}

/// `[dates]`: the monthly as-of dates of the training observations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatesConfig {
    /// First as-of date (default: the first signup plus `first_after_months`).
    pub first_as_of: Option<NaiveDate>,
    /// Months after the first signup of the first as-of date when `first_as_of` is not given.
    /// Default 3.
    pub first_after_months: u32,
    /// Last day with data (default: inferred from the tables, robust to outliers).
    pub data_end: Option<NaiveDate>,
}

impl Default for DatesConfig {
    fn default() -> Self {
        DatesConfig { first_as_of: None, first_after_months: 3, data_end: None }
    }
}

/// `[window]`: the label window `[as_of + lead, as_of + lead + horizon)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindowConfig {
    /// Days between the as-of date and the label window. Default [`DEFAULT_LEAD_DAYS`] (7).
    pub lead_days: u32,
    /// Length of the label window in days. Default [`DEFAULT_HORIZON_DAYS`] (90).
    pub horizon_days: u32,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig { lead_days: DEFAULT_LEAD_DAYS, horizon_days: DEFAULT_HORIZON_DAYS }
    }
}

/// `[models]`: candidates compared by customer-grouped cross-validation; the best ROC-AUC is
/// refitted on every observation (a tie goes to the later candidate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelsConfig {
    /// Model families to compare. Default `["logistic", "gbdt"]`.
    pub candidates: Vec<ModelKind>,
    /// Folds of the customer-grouped cross-validation. Default 5.
    pub folds: usize,
    /// Most observations cross-validated: beyond it, a seeded sample of customers (all their
    /// observations). Default 150,000.
    pub max_cv_rows: usize,
    /// Seed of every random choice. Default 42.
    pub seed: u64,
}

impl Default for ModelsConfig {
    fn default() -> Self {
        ModelsConfig {
            candidates: vec![ModelKind::Logistic, ModelKind::Gbdt],
            folds: 5,
            max_cv_rows: 150_000,
            seed: 42,
        }
    }
}

/// `[clv]`: margin on MRR over the predicted lifetime, discounted monthly, capped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClvConfig {
    /// Gross margin on MRR. Default 0.7.
    pub margin: f64,
    /// Monthly discount rate. Default 0.01.
    pub discount: f64,
    /// Most months counted. Default 36.
    pub horizon_months: u32,
}

impl Default for ClvConfig {
    fn default() -> Self {
        ClvConfig { margin: 0.7, discount: 0.01, horizon_months: 36 }
    }
}

impl ClvConfig {
    /// The CLV parameters.
    pub fn params(&self) -> ClvParams {
        ClvParams::new(self.margin, self.discount, self.horizon_months)
    }
}

/// `[campaign]`: Verbraken et al.'s costs of a retention offer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignConfig {
    /// Cost `d` of the offer; default `offer_share_of_mean_mrr` × the active customers' mean MRR.
    pub offer_cost: Option<f64>,
    /// The offer as a share of the mean MRR when `offer_cost` is not given. Default 0.3.
    pub offer_share_of_mean_mrr: f64,
    /// Cost `f` of contacting a customer. Default 1.
    pub contact_cost: f64,
    /// Probability `γ` that a contacted would-be churner accepts and stays. Default 0.3.
    pub acceptance: f64,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        CampaignConfig { offer_cost: None, offer_share_of_mean_mrr: 0.3, contact_cost: 1.0, acceptance: 0.3 }
    }
}

/// `[uplift]`: the targeting rules compared on the tables' retention experiment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpliftConfig {
    /// Least experiment customers for the comparison to run. Default 200.
    pub min_customers: usize,
    /// Churn window after the campaign, in days. Default 180.
    pub horizon_days: i64,
    /// Model family of the churn model and both uplift arms. Default `logistic`.
    pub model: ModelKind,
}

impl Default for UpliftConfig {
    fn default() -> Self {
        UpliftConfig { min_customers: 200, horizon_days: 180, model: ModelKind::Logistic }
    }
}

/// `[report]`: how the report is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// Title. Default "Churn report".
    pub title: String,
    /// Money: a symbol before the amount (`$`, `€`), a code after it (`EUR`), or "" for plain
    /// numbers. Default `$`.
    pub currency: String,
    /// A previous run's `scores.csv`: adds a "Changes since the last run" section.
    pub previous: Option<PathBuf>,
    /// Customers listed in the call list (the report's table); default all worth contacting.
    pub max_call_list: Option<usize>,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig { title: "Churn report".into(), currency: "$".into(), previous: None, max_call_list: None }
    }
}

impl StudyConfig {
    /// Parses a `study.toml` text; unknown keys are errors.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let config: StudyConfig = toml::from_str(text).map_err(|e| Error::BadSchema {
            file: PathBuf::from("study.toml"),
            line: e.span().map(|s| text.get(..s.start).unwrap_or(text).matches('\n').count() + 1),
            reason: e.message().to_string(),
        })?;
        config.check()?;
        Ok(config)
    }

    /// Reads a `study.toml`; relative paths in it become relative to its directory.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let mut config = Self::from_toml_str(&text).map_err(|e| match e {
            Error::BadSchema { line, reason, .. } => Error::BadSchema { file: path.to_path_buf(), line, reason },
            e => e,
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        for p in [
            &mut config.data.tables,
            &mut config.data.schema,
            &mut config.data.event_catalogue,
            &mut config.report.previous,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// Checks the values: at least one candidate, 2 or more folds, costs finite and ≥ 0,
    /// probabilities in [0, 1], a positive label window.
    pub fn check(&self) -> Result<()> {
        if self.models.candidates.is_empty() {
            return Err(Error::param("models.candidates", "[]", "name at least one model family"));
        }
        if self.models.folds < 2 {
            return Err(Error::param("models.folds", self.models.folds, "at least 2 folds are needed"));
        }
        if self.models.max_cv_rows == 0 {
            return Err(Error::param("models.max_cv_rows", 0, "must be at least 1"));
        }
        if self.window.horizon_days == 0 {
            return Err(Error::param("window.horizon_days", 0, "the label window needs at least one day"));
        }
        self.clv.params().check()?;
        let c = &self.campaign;
        crate::profit::CampaignParams::new(c.offer_cost.unwrap_or(0.0), c.contact_cost, c.acceptance).check()?;
        if !(c.offer_share_of_mean_mrr.is_finite() && c.offer_share_of_mean_mrr >= 0.0) {
            return Err(Error::param(
                "campaign.offer_share_of_mean_mrr",
                c.offer_share_of_mean_mrr,
                "must be finite and ≥ 0",
            ));
        }
        if self.uplift.horizon_days <= 0 {
            return Err(Error::param("uplift.horizon_days", self.uplift.horizon_days, "must be at least 1"));
        }
        Ok(())
    }
}
