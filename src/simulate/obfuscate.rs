//! Event names hidden behind neutral codes (`ev_01`, `ev_02`, …), to test what can be learned
//! from the tables alone.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::catalogue::EventCatalogue;
use crate::io::tables::Tables;

/// The key of an obfuscation: which code stands for which event type. Keep it out of the
/// tables directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventKey {
    /// The seed of the code assignment.
    pub seed: u64,
    /// Original event type → code.
    pub codes: BTreeMap<String, String>,
}

impl EventKey {
    /// The code of an original event type.
    pub fn code(&self, original: &str) -> Option<&str> {
        self.codes.get(original).map(String::as_str)
    }

    /// The original event type of a code.
    pub fn original(&self, code: &str) -> Option<&str> {
        self.codes.iter().find(|(_, c)| c.as_str() == code).map(|(o, _)| o.as_str())
    }

    /// `catalogue` under the codes: every event type it names replaced by its code (a type the
    /// key does not know is kept as it is), so the roles still apply to obfuscated tables.
    ///
    /// ```
    /// use attrition::catalogue::EventCatalogue;
    /// use attrition::simulate::{SimulationParams, obfuscate_events, simulate};
    /// let mut world = simulate(&SimulationParams::new(50, 3, 1)).unwrap();
    /// let key = obfuscate_events(&mut world.tables, 1);
    /// let coded = key.encode_catalogue(&EventCatalogue::default());
    /// assert_eq!(coded.limit_hit.as_deref(), key.code("limit_hit"));
    /// assert!(coded.core.iter().all(|c| c.starts_with("ev_")));
    /// assert_eq!(key.original(&coded.core[0]), Some(EventCatalogue::default().core[0].as_str()));
    /// ```
    pub fn encode_catalogue(&self, catalogue: &EventCatalogue) -> EventCatalogue {
        let code = |t: &String| self.code(t).unwrap_or(t).to_owned();
        EventCatalogue {
            core: catalogue.core.iter().map(code).collect(),
            sticky: catalogue.sticky.iter().map(code).collect(),
            limit_hit: catalogue.limit_hit.as_ref().map(code),
            champion_left: catalogue.champion_left.as_ref().map(code),
            signals: catalogue.signals.iter().map(code).collect(),
        }
    }
}

/// Renames every event type of `tables` to a code `ev_01`, `ev_02`, … (two digits, more when
/// there are over 99 types) assigned in a seeded random order, so the codes say nothing about
/// the types; the interned type list is re-ordered by code. Deterministic: the same tables and
/// seed give the same codes.
///
/// ```
/// use attrition::simulate::{obfuscate_events, simulate, SimulationParams};
/// let mut world = simulate(&SimulationParams::new(50, 12, 1).campaign_month(None)).unwrap();
/// let before = world.tables.events.clone();
/// let key = obfuscate_events(&mut world.tables, 1);
/// let ev = &world.tables.events;
/// assert!(ev.kinds.iter().all(|k| k.starts_with("ev_") && k.len() == 5));
/// // Same events, renamed.
/// for i in 0..ev.len() {
///     let original = &before.kinds[before.kind[i] as usize];
///     assert_eq!(key.code(original), Some(ev.kinds[ev.kind[i] as usize].as_str()));
/// }
/// assert_eq!(key.original(key.code("login").unwrap()), Some("login"));
/// ```
pub fn obfuscate_events(tables: &mut Tables, seed: u64) -> EventKey {
    let ev = &mut tables.events;
    let n = ev.kinds.len();
    let width = n.to_string().len().max(2);
    let mut codes: Vec<usize> = (1..=n).collect();
    codes.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x6576_656e_745f_6b65));
    // Old index i gets code codes[i]; the new index is code − 1 (kinds sorted by code).
    let remap: Vec<u16> = codes.iter().map(|&c| (c - 1) as u16).collect();
    let mut key = BTreeMap::new();
    let mut kinds = vec![String::new(); n];
    for (i, &c) in codes.iter().enumerate() {
        let code = format!("ev_{c:0width$}");
        key.insert(ev.kinds[i].clone(), code.clone());
        kinds[c - 1] = code;
    }
    for k in &mut ev.kind {
        *k = remap[*k as usize];
    }
    ev.kinds = kinds;
    EventKey { seed, codes: key }
}
