//! A cap on the number of event types a read keeps: the rarest merged into one type `other`,
//! counted and reported ([`crate::io::tables::ReadOptions::with_max_event_types`]).
//!
//! Product-analytics exports often hold hundreds or thousands of event names (one per button, a
//! page name in the event, typos): every per-type metric, catalogue row and report line would
//! multiply by them. Types are ranked by how many *customers* ever emit them (then by number of
//! events, then by name): a type that many customers emit carries information however rarely each
//! does (a champion leaving happens once per account), while a type emitted by a handful of
//! customers cannot support a per-type measure. The types named in `keep` (a schema's
//! cancellation event) are never merged.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::io::tables::Events;

/// The event type rare types are merged into.
pub const OTHER_EVENT_TYPE: &str = "other";

/// What [`Events::merge_rare_types`] merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedRareTypes {
    /// The cap in force (event types kept, `other` included).
    pub max_event_types: usize,
    /// Number of event types merged into `other`.
    pub types: usize,
    /// Their events.
    pub events: u64,
    /// Up to ten of them, the most widespread first.
    pub examples: Vec<String>,
}

impl fmt::Display for MergedRareTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "events: {} rare event types (emitted by the fewest customers) beyond --max-event-types {} merged into \
             `{OTHER_EVENT_TYPE}` ({} events; e.g. {})",
            self.types,
            self.max_event_types,
            self.events,
            self.examples.join(", ")
        )
    }
}

impl Events {
    /// Keeps at most `max` event types (`other` included): the types emitted by the most
    /// customers (ties: more events, then name) and every type named in `keep` stay; the events
    /// of the rest get the type [`OTHER_EVENT_TYPE`] (joining an existing `other` type). Kept types
    /// keep their order, `other` comes last unless it existed. Returns what was merged, or `None`
    /// when there were at most `max` types. `max` below 1 is taken as 1.
    ///
    /// ```
    /// use attrition::io::tables::EventsBuilder;
    /// let mut b = EventsBuilder::new();
    /// // "a": 3 customers; "b": 1 customer, 5 events; "c": 2 customers; "cancel": 1 customer.
    /// for c in 0..3 { b.push(c, 0, "a", "").unwrap(); }
    /// for t in 0..5 { b.push(0, t, "b", "").unwrap(); }
    /// for c in 0..2 { b.push(c, 1, "c", "").unwrap(); }
    /// b.push(2, 9, "cancel", "").unwrap();
    /// let mut ev = b.finish();
    /// let merged = ev.merge_rare_types(3, &["cancel"]).unwrap();
    /// assert_eq!(ev.kinds, ["a", "cancel", "other"]);
    /// assert_eq!((merged.types, merged.events), (2, 7));
    /// assert_eq!(merged.examples, ["c", "b"]);
    /// assert_eq!(ev.len(), 11); // no event lost
    /// assert!(ev.merge_rare_types(3, &[]).is_none());
    /// ```
    pub fn merge_rare_types(&mut self, max: usize, keep: &[&str]) -> Option<MergedRareTypes> {
        let max = max.max(1);
        let n_kinds = self.kinds.len();
        if n_kinds <= max {
            return None;
        }
        let mut events = vec![0u64; n_kinds];
        for &k in &self.kind {
            events[k as usize] += 1;
        }
        // Distinct customers per type, from the distinct (type, customer) pairs.
        let mut pairs: Vec<u64> =
            self.kind.iter().zip(&self.customer).map(|(&k, &c)| (u64::from(k) << 32) | u64::from(c)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut customers = vec![0u64; n_kinds];
        for p in pairs {
            customers[(p >> 32) as usize] += 1;
        }
        let existing_other = self.kinds.iter().position(|k| k == OTHER_EVENT_TYPE);
        let protected = |i: usize| Some(i) == existing_other || keep.contains(&self.kinds[i].as_str());
        let mut rank: Vec<usize> = (0..n_kinds).filter(|&i| !protected(i)).collect();
        rank.sort_by(|&a, &b| {
            customers[b]
                .cmp(&customers[a])
                .then(events[b].cmp(&events[a]))
                .then_with(|| self.kinds[a].cmp(&self.kinds[b]))
        });
        let n_protected = n_kinds - rank.len();
        // `other` takes one place unless it is already among the protected.
        let room = max.saturating_sub(n_protected + usize::from(existing_other.is_none()));
        let mut kept = vec![false; n_kinds];
        for i in (0..n_kinds).filter(|&i| protected(i)) {
            kept[i] = true;
        }
        for &i in rank.iter().take(room) {
            kept[i] = true;
        }
        let merged: Vec<usize> = rank[room.min(rank.len())..].to_vec();
        if merged.is_empty() {
            return None;
        }
        let mut kinds = Vec::with_capacity(max);
        let mut remap = vec![0u16; n_kinds];
        for i in 0..n_kinds {
            if kept[i] {
                remap[i] = kinds.len() as u16;
                kinds.push(std::mem::take(&mut self.kinds[i]));
            }
        }
        let other = match existing_other {
            Some(i) => remap[i],
            None => {
                kinds.push(OTHER_EVENT_TYPE.to_owned());
                (kinds.len() - 1) as u16
            }
        };
        for &i in &merged {
            remap[i] = other;
        }
        let report = MergedRareTypes {
            max_event_types: max,
            types: merged.len(),
            events: merged.iter().map(|&i| events[i]).sum(),
            examples: merged.iter().take(10).map(|&i| self.kinds[i].clone()).collect(),
        };
        for k in &mut self.kind {
            *k = remap[*k as usize];
        }
        self.kinds = kinds;
        Some(report)
    }
}

#[cfg(test)]
mod tests {
    use crate::io::tables::EventsBuilder;

    #[test]
    fn an_existing_other_is_joined_and_the_cap_holds() {
        let mut b = EventsBuilder::new();
        for (i, t) in ["other", "x", "y", "z", "y", "z", "z"].iter().enumerate() {
            b.push(i as u32, 0, t, "").unwrap();
        }
        let mut ev = b.finish();
        let m = ev.merge_rare_types(2, &[]).unwrap();
        assert_eq!(ev.kinds, ["other", "z"]);
        assert_eq!((m.types, m.events, m.examples.as_slice()), (2, 3, &["y".to_string(), "x".to_string()][..]));
        let names: Vec<&str> = ev.kind.iter().map(|&k| ev.kinds[k as usize].as_str()).collect();
        assert_eq!(names, ["other", "other", "other", "z", "other", "z", "z"]);
        // A cap of one merges everything but `other` itself.
        let mut b = EventsBuilder::new();
        b.push(0, 0, "a", "").unwrap();
        b.push(0, 0, "b", "").unwrap();
        let mut ev = b.finish();
        assert_eq!(ev.merge_rare_types(0, &[]).unwrap().max_event_types, 1);
        assert_eq!(ev.kinds, ["other"]);
    }
}
