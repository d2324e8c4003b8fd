//! Right-censored, optionally left-truncated and weighted survival data, in lifelines' vocabulary.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Survival observations: one `duration` per subject, whether its end was an observed event
/// (`event_observed = true`, e.g. the customer churned) or a censoring (still a customer when
/// observation stopped), an optional late `entry` time (left truncation) and optional `weights`.
///
/// The fields are checked on construction, so every `SurvivalData` is valid: durations and entries
/// are finite and ≥ 0, every entry is ≤ its duration, weights are finite and ≥ 0, lengths match.
///
/// ```
/// use attrition::survival::SurvivalData;
/// let d = SurvivalData::new(vec![5.0, 8.0, 8.0], vec![true, false, true])
///     .unwrap()
///     .with_entry(vec![0.0, 2.0, 0.0])
///     .unwrap();
/// assert_eq!(d.len(), 3);
/// assert_eq!(d.n_events(), 2.0);
/// assert!(SurvivalData::new(vec![-1.0], vec![true]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalData {
    durations: Vec<f64>,
    event_observed: Vec<bool>,
    entry: Option<Vec<f64>>,
    weights: Option<Vec<f64>>,
}

impl SurvivalData {
    /// Durations and event indicators, every subject entering at time 0 with weight 1.
    ///
    /// Errors: lengths differ ([`Error::LengthMismatch`]), a duration is NaN or infinite
    /// ([`Error::NonFinite`]) or negative ([`Error::InvalidParameter`]).
    pub fn new(durations: Vec<f64>, event_observed: Vec<bool>) -> Result<Self> {
        if durations.len() != event_observed.len() {
            return Err(Error::LengthMismatch {
                context: "survival data (durations vs event_observed)",
                left: durations.len(),
                right: event_observed.len(),
            });
        }
        check_times(&durations, "durations")?;
        Ok(SurvivalData { durations, event_observed, entry: None, weights: None })
    }

    /// Adds late-entry times (left truncation): subject `i` is only observed from `entry[i]`, so it
    /// is at risk for events after `entry[i]` and not before. `entry[i] <= durations[i]`.
    pub fn with_entry(mut self, entry: Vec<f64>) -> Result<Self> {
        if entry.len() != self.durations.len() {
            return Err(Error::LengthMismatch {
                context: "survival data (durations vs entry)",
                left: self.durations.len(),
                right: entry.len(),
            });
        }
        check_times(&entry, "entry")?;
        if let Some(i) = (0..entry.len()).find(|&i| entry[i] > self.durations[i]) {
            return Err(Error::param(
                "entry",
                format!("{} at row {i}", entry[i]),
                format!("entry must not be after the duration ({})", self.durations[i]),
            ));
        }
        self.entry = Some(entry);
        Ok(self)
    }

    /// Adds case weights (e.g. frequency weights: a row standing for `w` identical subjects).
    /// Weights must be finite and ≥ 0.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<Self> {
        if weights.len() != self.durations.len() {
            return Err(Error::LengthMismatch {
                context: "survival data (durations vs weights)",
                left: self.durations.len(),
                right: weights.len(),
            });
        }
        for (row, &w) in weights.iter().enumerate() {
            if !w.is_finite() {
                return Err(Error::NonFinite { context: "survival weights".into(), row, value: w });
            }
            if w < 0.0 {
                return Err(Error::param("weights", format!("{w} at row {row}"), "weights must be ≥ 0"));
            }
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// Number of subjects (rows).
    pub fn len(&self) -> usize {
        self.durations.len()
    }

    /// Whether there are no subjects.
    pub fn is_empty(&self) -> bool {
        self.durations.is_empty()
    }

    /// Duration of each subject (time of the event or of censoring).
    pub fn durations(&self) -> &[f64] {
        &self.durations
    }

    /// Whether each subject's duration ends in an observed event (`false` = censored).
    pub fn event_observed(&self) -> &[bool] {
        &self.event_observed
    }

    /// Late-entry times, if any.
    pub fn entry(&self) -> Option<&[f64]> {
        self.entry.as_deref()
    }

    /// Case weights, if any.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// Entry time of subject `i` (0 without late entry).
    pub fn entry_of(&self, i: usize) -> f64 {
        self.entry.as_ref().map_or(0.0, |e| e[i])
    }

    /// Weight of subject `i` (1 without weights).
    pub fn weight_of(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// Total weight of observed events.
    pub fn n_events(&self) -> f64 {
        (0..self.len()).filter(|&i| self.event_observed[i]).map(|i| self.weight_of(i)).sum()
    }

    /// Total weight of censored subjects.
    pub fn n_censored(&self) -> f64 {
        (0..self.len()).filter(|&i| !self.event_observed[i]).map(|i| self.weight_of(i)).sum()
    }

    /// The subjects at `rows` (in that order), keeping entry and weights.
    ///
    /// Rows out of range are an [`Error::InvalidParameter`].
    pub fn subset(&self, rows: &[usize]) -> Result<SurvivalData> {
        if let Some(&r) = rows.iter().find(|&&r| r >= self.len()) {
            return Err(Error::param("rows", r, format!("row out of range (there are {} subjects)", self.len())));
        }
        let pick = |v: &[f64]| rows.iter().map(|&r| v[r]).collect::<Vec<f64>>();
        Ok(SurvivalData {
            durations: pick(&self.durations),
            event_observed: rows.iter().map(|&r| self.event_observed[r]).collect(),
            entry: self.entry.as_deref().map(pick),
            weights: self.weights.as_deref().map(pick),
        })
    }
}

fn check_times(v: &[f64], name: &'static str) -> Result<()> {
    for (row, &t) in v.iter().enumerate() {
        if !t.is_finite() {
            return Err(Error::NonFinite { context: format!("survival {name}"), row, value: t });
        }
        if t < 0.0 {
            return Err(Error::param(name, format!("{t} at row {row}"), "times must be ≥ 0"));
        }
    }
    Ok(())
}

/// The pooled event table of one or more groups of subjects, on the union of their duration and
/// entry times (lifelines' `event_table`, with the at-risk convention of its Kaplan–Meier fitter).
///
/// `at_risk[g][i]` is the weight of group `g` at risk for events at `times[i]`: subjects with
/// `entry < times[i] <= duration`, plus, at the very first time of the table, those entering then.
/// (lifelines' `event_table.at_risk` also counts the subjects entering at `times[i]`; they are
/// reported separately here as `entered`, because they cannot have an event at their entry time.)
#[derive(Debug, Clone)]
pub(crate) struct EventTable {
    pub times: Vec<f64>,
    /// Per group, per time.
    pub entered: Vec<Vec<f64>>,
    pub removed: Vec<Vec<f64>>,
    pub events: Vec<Vec<f64>>,
    pub at_risk: Vec<Vec<f64>>,
}

impl EventTable {
    /// Builds the table. Without late entry, every subject enters at time 0 (as in lifelines), so
    /// the table starts at 0.
    pub fn build(groups: &[&SurvivalData]) -> EventTable {
        let mut times: Vec<f64> = Vec::new();
        for d in groups {
            times.extend_from_slice(&d.durations);
            match &d.entry {
                Some(e) => times.extend_from_slice(e),
                None => times.push(0.0),
            }
        }
        times.sort_by(f64::total_cmp);
        times.dedup();
        let n = times.len();
        let pos = |t: f64| times.partition_point(|&x| x < t);
        let mut entered = vec![vec![0.0; n]; groups.len()];
        let mut removed = vec![vec![0.0; n]; groups.len()];
        let mut events = vec![vec![0.0; n]; groups.len()];
        for (g, d) in groups.iter().enumerate() {
            for i in 0..d.len() {
                let w = d.weight_of(i);
                entered[g][pos(d.entry_of(i))] += w;
                let k = pos(d.durations[i]);
                removed[g][k] += w;
                if d.event_observed[i] {
                    events[g][k] += w;
                }
            }
        }
        let at_risk = (0..groups.len())
            .map(|g| {
                let mut out = vec![0.0; n];
                let (mut cum_in, mut cum_out) = (0.0, 0.0);
                for i in 0..n {
                    out[i] = if i == 0 { entered[g][0] } else { cum_in - cum_out };
                    cum_in += entered[g][i];
                    cum_out += removed[g][i];
                }
                out
            })
            .collect();
        EventTable { times, entered, removed, events, at_risk }
    }
}
