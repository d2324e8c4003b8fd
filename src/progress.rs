//! Progress of long fits, reported to a callback the caller supplies (the CLI draws it with
//! indicatif; library code never prints).
//!
//! A [`ProgressHook`] travels inside [`crate::models::trained::ModelParams`] (it is not saved:
//! a model file never holds one) and is called from whichever thread does the work, so it
//! must be `Send + Sync`. Events of parallel folds interleave.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use attrition::progress::{Progress, ProgressHook};
//! use attrition::models::{Learner, trained::{ModelKind, ModelParams}};
//! use attrition::models::boosted::synthetic::make_churn_matrix;
//! use attrition::{Column, Dataset};
//! let s = make_churn_matrix(400, 3, 1);
//! let cols = (0..3).map(|j| Column::numeric(format!("x{j}"), s.x.column(j).to_vec())).collect();
//! let data = Dataset::new(cols).unwrap().with_churned(s.y.clone()).unwrap();
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = seen.clone();
//! let mut params = ModelParams::new(ModelKind::Auto);
//! params.progress = ProgressHook::new(move |p| sink.lock().unwrap().push(p.clone()));
//! params.fit(&data).unwrap();
//! let seen = seen.lock().unwrap();
//! assert!(matches!(seen[0], Progress::Candidate { index: 0, .. }));
//! assert!(seen.iter().any(|p| matches!(p, Progress::Refit { .. })));
//! ```

use std::fmt;
use std::sync::Arc;

/// One step of a long fit.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// `auto` starts the inner cross-validation of candidate `index` (0-based) of `of`.
    Candidate {
        /// Its position in the plan.
        index: usize,
        /// Candidates planned.
        of: usize,
        /// Its name.
        name: String,
    },
    /// `auto` refits its choice on all the training rows.
    Refit {
        /// The chosen candidate.
        name: String,
    },
    /// Training starts the cross-validation whose metrics the model file records
    /// ([`crate::models::train::TrainParams`]); `FoldFinished` follows per fold.
    CrossValidation {
        /// Folds in all.
        folds: usize,
    },
    /// Training fits the model on all its rows ([`crate::models::train::TrainParams`]).
    Fitting,
    /// A boosted-tree fit grew a tree ([`crate::models::boosted::BoostedParams::progress`]):
    /// `trees` of at most `max_trees`, `seconds` after it started. Fits that run in parallel
    /// (cross-validation folds) report in turn. [`Progress::seconds_left`] estimates the rest.
    Trees {
        /// Trees grown so far.
        trees: usize,
        /// The cap ([`crate::models::boosted::BoostedParams::n_trees`]).
        max_trees: usize,
        /// With early stopping: rounds left before it stops unless the validation loss improves
        /// (the fit ends after at least this many more rounds only if it keeps improving).
        stops_within: Option<usize>,
        /// Seconds since the fit started (wall clock; reporting only, never the model).
        seconds: f64,
    },
    /// An outer fold of a cross-validation finished: `finished` of `folds` are done.
    FoldFinished {
        /// Folds finished so far (1-based count).
        finished: usize,
        /// Folds in all.
        folds: usize,
    },
}

impl Progress {
    /// For [`Progress::Trees`]: the estimated seconds left of that fit, as (soonest, latest) at
    /// its pace so far: the soonest if early stopping ends it after `stops_within` more rounds,
    /// the latest if it runs to `max_trees`. `None` for other events and before a tree is grown.
    ///
    /// ```
    /// use attrition::progress::Progress;
    /// let p = Progress::Trees { trees: 100, max_trees: 1000, stops_within: Some(50), seconds: 2.0 };
    /// assert_eq!(p.seconds_left(), Some((1.0, 18.0)));
    /// let p = Progress::Trees { trees: 100, max_trees: 1000, stops_within: None, seconds: 2.0 };
    /// assert_eq!(p.seconds_left(), Some((18.0, 18.0)));
    /// ```
    pub fn seconds_left(&self) -> Option<(f64, f64)> {
        match *self {
            Progress::Trees { trees, max_trees, stops_within, seconds } if trees > 0 => {
                let per_tree = seconds / trees as f64;
                let latest = max_trees.saturating_sub(trees);
                let soonest = stops_within.map_or(latest, |s| s.min(latest));
                Some((per_tree * soonest as f64, per_tree * latest as f64))
            }
            _ => None,
        }
    }
}

/// A progress callback, or none (the default). Cloning shares the callback; two hooks always
/// compare equal and print as `ProgressHook(..)`, so parameters stay comparable.
#[derive(Clone, Default)]
pub struct ProgressHook(Option<Callback>);

/// The callback a [`ProgressHook`] holds.
type Callback = Arc<dyn Fn(&Progress) + Send + Sync>;

impl ProgressHook {
    /// A hook calling `f`.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        ProgressHook(Some(Arc::new(f)))
    }

    /// No callback.
    pub fn none() -> Self {
        ProgressHook(None)
    }

    /// Whether a callback is set.
    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// Reports `p` (nothing without a callback).
    pub fn report(&self, p: Progress) {
        if let Some(f) = &self.0 {
            f(&p);
        }
    }
}

impl fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "ProgressHook(..)" } else { "ProgressHook(none)" })
    }
}

impl PartialEq for ProgressHook {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
