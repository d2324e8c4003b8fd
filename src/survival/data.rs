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
    /// The table of groups given by their counts, on the union of their times. Without late
    /// entry, every subject enters at time 0 (as in lifelines), so the table starts at 0.
    pub fn from_counts(groups: &[&SurvivalCounts]) -> EventTable {
        let mut times: Vec<f64> = groups.iter().flat_map(|c| c.times.iter().copied()).collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        let n = times.len();
        let pos = |t: f64| times.partition_point(|&x| x < t);
        let mut entered = vec![vec![0.0; n]; groups.len()];
        let mut removed = vec![vec![0.0; n]; groups.len()];
        let mut events = vec![vec![0.0; n]; groups.len()];
        for (g, c) in groups.iter().enumerate() {
            for (i, &t) in c.times.iter().enumerate() {
                let k = pos(t);
                entered[g][k] = c.entered[i];
                removed[g][k] = c.removed[i];
                events[g][k] = c.events[i];
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

/// What Kaplan–Meier and the log-rank test need of a group of subjects, in a form that adds up:
/// per distinct time (the subjects' durations and entry times; 0 without late entry), the weight
/// entering, leaving (event or censoring) and of events, plus the number of subjects and the
/// event weight. The counts of disjoint groups of subjects [`merge`](Self::merge) into the counts
/// of their union, so a curve over a partitioned population is fitted from per-partition counts
/// ([`crate::survival::KaplanMeier::fit_counts`]) — with the same bytes as from all subjects at
/// once when the weights are whole numbers (every sum is then exact), as they are without weights.
///
/// ```
/// use attrition::survival::{KaplanMeier, SurvivalCounts, SurvivalData};
/// let a = SurvivalData::new(vec![3.0, 5.0, 9.0], vec![true, true, false]).unwrap();
/// let b = SurvivalData::new(vec![5.0, 12.0], vec![false, true]).unwrap();
/// let all = SurvivalData::new(vec![3.0, 5.0, 9.0, 5.0, 12.0], vec![true, true, false, false, true]).unwrap();
/// let mut counts = SurvivalCounts::from_data(&a);
/// counts.merge(&SurvivalCounts::from_data(&b));
/// assert_eq!(counts, SurvivalCounts::from_data(&all));
/// let km = KaplanMeier::new();
/// assert_eq!(km.fit_counts(&counts).unwrap(), km.fit(&all).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalCounts {
    times: Vec<f64>,
    entered: Vec<f64>,
    removed: Vec<f64>,
    events: Vec<f64>,
    subjects: usize,
    event_weight: f64,
}

impl Default for SurvivalCounts {
    /// No subjects. The event weight is −0.0, Rust's sum of no `f64` (what
    /// [`SurvivalData::n_events`] gives without events), so that merging into empty counts keeps
    /// the sign the unmerged data would have.
    fn default() -> Self {
        SurvivalCounts {
            times: Vec::new(),
            entered: Vec::new(),
            removed: Vec::new(),
            events: Vec::new(),
            subjects: 0,
            event_weight: -0.0,
        }
    }
}

impl SurvivalCounts {
    /// No subjects.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counts of `data`'s subjects.
    pub fn from_data(d: &SurvivalData) -> Self {
        let mut times: Vec<f64> = d.durations.clone();
        match &d.entry {
            Some(e) => times.extend_from_slice(e),
            None => times.push(0.0),
        }
        times.sort_by(f64::total_cmp);
        times.dedup();
        let n = times.len();
        let pos = |t: f64| times.partition_point(|&x| x < t);
        let (mut entered, mut removed, mut events) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for i in 0..d.len() {
            let w = d.weight_of(i);
            entered[pos(d.entry_of(i))] += w;
            let k = pos(d.durations[i]);
            removed[k] += w;
            if d.event_observed[i] {
                events[k] += w;
            }
        }
        SurvivalCounts { times, entered, removed, events, subjects: d.len(), event_weight: d.n_events() }
    }

    /// Adds the subjects counted in `other`.
    pub fn merge(&mut self, other: &SurvivalCounts) {
        let (a, b) = (std::mem::take(self), other);
        let mut out = SurvivalCounts {
            subjects: a.subjects + b.subjects,
            event_weight: a.event_weight + b.event_weight,
            ..Default::default()
        };
        let (mut i, mut j) = (0, 0);
        while i < a.times.len() || j < b.times.len() {
            let take_a = j == b.times.len() || (i < a.times.len() && a.times[i] <= b.times[j]);
            let take_b = i == a.times.len() || (j < b.times.len() && b.times[j] <= a.times[i]);
            let t = if take_a { a.times[i] } else { b.times[j] };
            let (mut e, mut r, mut d) = (0.0, 0.0, 0.0);
            if take_a {
                (e, r, d) = (a.entered[i], a.removed[i], a.events[i]);
                i += 1;
            }
            if take_b {
                (e, r, d) = (e + b.entered[j], r + b.removed[j], d + b.events[j]);
                j += 1;
            }
            out.times.push(t);
            out.entered.push(e);
            out.removed.push(r);
            out.events.push(d);
        }
        *self = out;
    }

    /// Number of subjects.
    pub fn len(&self) -> usize {
        self.subjects
    }

    /// Whether there are no subjects.
    pub fn is_empty(&self) -> bool {
        self.subjects == 0
    }

    /// Total weight of observed events.
    pub fn n_events(&self) -> f64 {
        self.event_weight
    }

    /// The distinct times, ascending.
    pub fn times(&self) -> &[f64] {
        &self.times
    }
}
