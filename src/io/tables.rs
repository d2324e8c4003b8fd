//! The raw SaaS tables: customers, subscriptions, usage events, NPS responses (and an optional
//! retention-campaign log).
//!
//! This module is the crate's input contract. A *tables directory* holds four CSV files with
//! headers (columns in any order; extra columns of the other files are ignored and reported):
//!
//! | file | required columns | optional |
//! |---|---|---|
//! | `customers.csv` | `customer_id, signup_date` | any other column is a customer attribute |
//! | `subscriptions.csv` | `customer_id, start_date, end_date, mrr` | `product` |
//! | `events.csv` | `customer_id, timestamp, event_type` | `user_id` |
//! | `nps.csv` | `customer_id, date, score` |
//! | `campaign.csv` (optional) | `customer_id, date, treated, offer_cost` |
//!
//! Every column of `customers.csv` besides `customer_id` and `signup_date` is a
//! [`CustomerAttribute`] typed by inference (numeric, boolean, date, categorical or free text, see
//! [`crate::io::attributes`]) and used as a feature; the simulator's `vertical`, `sales_approach`
//! and `specialised_provider` are such attributes, which the study and `retention --by` use when
//! present. Without `product`, each subscription row is its own product line (named after its
//! line number, `line_2`, `line_3`, …); without `user_id`, every event has the one user `""`.
//!
//! Dates are `YYYY-MM-DD`. Timestamps are RFC 3339 (`2024-03-05T14:22:10Z`, or with an offset,
//! converted to UTC); a timestamp without a zone (`2024-03-05 14:22:10`) or a bare date is read as
//! UTC. A subscription is active on day `d` when `start_date <= d < end_date` (an empty `end_date`
//! means still active). A customer has churned on the day their last active subscription ends.
//!
//! In memory, customers are referred to by a dense [`CustomerIdx`] (their row in
//! [`Tables::customers`]) and events are stored column-wise with interned event types and users, so
//! tens of millions of events take about 20 bytes each.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use crate::io::attributes::{AttributeKind, CustomerAttribute};
pub use crate::io::churn::ChurnDefinition;

/// The files of a tables directory, in reading order (`campaign.csv` is optional).
pub const TABLE_FILES: [&str; 5] = ["customers.csv", "subscriptions.csv", "events.csv", "nps.csv", "campaign.csv"];

/// Index of a customer in [`Tables::customers`].
pub type CustomerIdx = u32;

/// How the customer was sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalesApproach {
    /// Needs-based (consultative) selling: the study's +30% retention.
    NeedsBased,
    /// Product-push selling.
    ProductPush,
}

impl SalesApproach {
    /// The CSV spelling (`needs_based` / `product_push`).
    pub fn as_str(self) -> &'static str {
        match self {
            SalesApproach::NeedsBased => "needs_based",
            SalesApproach::ProductPush => "product_push",
        }
    }

    /// Parses the CSV spelling (case-insensitive, surrounding blanks ignored).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("needs_based") {
            Some(SalesApproach::NeedsBased)
        } else if s.eq_ignore_ascii_case("product_push") {
            Some(SalesApproach::ProductPush)
        } else {
            None
        }
    }
}

/// One row of `customers.csv` (its other columns are in [`Tables::attributes`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's id, unique in the file.
    pub customer_id: String,
    /// Day the customer signed up.
    pub signup_date: NaiveDate,
}

impl Customer {
    /// A customer.
    pub fn new(customer_id: impl Into<String>, signup_date: NaiveDate) -> Self {
        Customer { customer_id: customer_id.into(), signup_date }
    }
}

/// One row of `subscriptions.csv`: a customer's subscription to one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// The customer.
    pub customer: CustomerIdx,
    /// Product name.
    pub product: String,
    /// First day of the subscription.
    pub start_date: NaiveDate,
    /// First day it is no longer active; `None` while still active.
    pub end_date: Option<NaiveDate>,
    /// Monthly recurring revenue of this subscription (≥ 0).
    pub mrr: f64,
}

impl Subscription {
    /// Whether the subscription is active on `day` (`start_date <= day < end_date`).
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.start_date <= day && self.end_date.is_none_or(|e| day < e)
    }
}

/// One row of `nps.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NpsResponse {
    /// The customer.
    pub customer: CustomerIdx,
    /// Day of the response.
    pub date: NaiveDate,
    /// Score, 0–10.
    pub score: u8,
}

/// One row of the optional `campaign.csv`: a customer drawn into a randomised retention campaign.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CampaignOffer {
    /// The customer.
    pub customer: CustomerIdx,
    /// Day of randomisation (and of the offer, for treated customers).
    pub date: NaiveDate,
    /// `true` if the customer was offered the incentive, `false` for the control group.
    pub treated: bool,
    /// Cost of the incentive to the provider if accepted (0 for controls).
    pub offer_cost: f64,
}

/// Usage events, stored column-wise. Row `i` is (`customer[i]`, `timestamp[i]`, `kind[i]`, `user[i]`).
///
/// `timestamp` is seconds since the Unix epoch, UTC. `kind` indexes [`Events::kinds`] and `user`
/// indexes [`Events::users`]. Rows are in file order unless a function says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Events {
    /// Customer of each event.
    pub customer: Vec<CustomerIdx>,
    /// UTC seconds since the Unix epoch of each event.
    pub timestamp: Vec<i64>,
    /// Event type of each event (index into `kinds`).
    pub kind: Vec<u16>,
    /// User of each event (index into `users`).
    pub user: Vec<u32>,
    /// Interned event-type names.
    pub kinds: Vec<String>,
    /// Interned user ids.
    pub users: Vec<String>,
}

impl Events {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// Whether there are no events.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// Removes every event of type `kind` (an index into `kinds`) and the type itself (later
    /// types' indices shift down by one); returns how many events went. Order is kept.
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::io::tables::EventsBuilder;
    /// let mut b = EventsBuilder::new();
    /// b.push(0, 10, "login", "")?;
    /// b.push(0, 20, "cancel", "")?;
    /// b.push(1, 30, "export", "")?;
    /// let mut e = b.finish();
    /// assert_eq!(e.kind_index("cancel"), Some(1));
    /// assert_eq!(e.remove_kind(1), 1);
    /// assert_eq!(e.kinds, ["login", "export"]);
    /// assert_eq!((e.timestamp.clone(), e.kind.clone()), (vec![10, 30], vec![0, 1]));
    /// # Ok(()) }
    /// ```
    pub fn remove_kind(&mut self, kind: u16) -> usize {
        if usize::from(kind) >= self.kinds.len() {
            return 0;
        }
        let before = self.len();
        fn retain_by<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut keep = keep.iter();
            v.retain(|_| keep.next().copied().unwrap_or(true));
        }
        let keep: Vec<bool> = self.kind.iter().map(|&k| k != kind).collect();
        retain_by(&mut self.customer, &keep);
        retain_by(&mut self.timestamp, &keep);
        retain_by(&mut self.user, &keep);
        retain_by(&mut self.kind, &keep);
        for k in &mut self.kind {
            if *k > kind {
                *k -= 1;
            }
        }
        self.kinds.remove(usize::from(kind));
        before - self.len()
    }

    /// Drops exact duplicate events (same customer, timestamp, type and user; the first in file
    /// order is kept, order is otherwise unchanged) and returns how many were dropped. A
    /// re-exported row carries no information but would count twice in every event feature.
    ///
    /// ```
    /// use attrition::io::tables::EventsBuilder;
    /// let mut b = EventsBuilder::new();
    /// b.push(0, 10, "login", "u").unwrap();
    /// b.push(1, 10, "login", "u").unwrap();
    /// b.push(0, 10, "login", "u").unwrap(); // duplicate of the first
    /// b.push(0, 10, "login", "v").unwrap(); // another user
    /// let mut ev = b.finish();
    /// assert_eq!(ev.dedup(), 1);
    /// assert_eq!((ev.len(), ev.customer.as_slice()), (3, &[0, 1, 0][..]));
    /// ```
    pub fn dedup(&mut self) -> u64 {
        let n = self.len();
        if n < 2 {
            return 0;
        }
        if let Some(positions) = self.duplicates_in_order() {
            self.remove_sorted(&positions);
            return positions.len() as u64;
        }
        self.dedup_by_sorting()
    }

    /// The positions (increasing) of the duplicates, found in one pass without sorting when the
    /// events come grouped by customer (each customer's events together) and in time order within
    /// each customer, as exports usually have them: a duplicate then shares its customer and
    /// timestamp with the events just before it. `None` (the caller sorts) otherwise, or when
    /// more than [`SIMULTANEOUS_EVENTS`] events of a customer share a timestamp.
    fn duplicates_in_order(&self) -> Option<Vec<usize>> {
        let n = self.len();
        let (customer, timestamp) = (&self.customer[..n], &self.timestamp[..n]);
        let n_customers = customer.iter().copied().max().map_or(0, |m| m as usize + 1);
        let mut seen = vec![false; n_customers];
        let mut positions = Vec::new();
        // First event of the current run of one customer's events at one timestamp.
        let mut run = 0;
        for i in 0..n {
            let c = customer[i];
            if i == 0 || c != customer[i - 1] {
                if std::mem::replace(&mut seen[c as usize], true) {
                    return None;
                }
                run = i;
                continue;
            }
            let (t, before) = (timestamp[i], timestamp[i - 1]);
            if t != before {
                if t < before {
                    return None;
                }
                run = i;
                continue;
            }
            if i - run >= SIMULTANEOUS_EVENTS {
                return None;
            }
            let key = (self.kind[i], self.user[i]);
            if (run..i).any(|j| (self.kind[j], self.user[j]) == key) {
                positions.push(i);
            }
        }
        Some(positions)
    }

    /// Removes the events at `positions` (increasing), keeping the order of the others: the
    /// events between two removed ones move down as one block.
    fn remove_sorted(&mut self, positions: &[usize]) {
        fn remove<T: Copy>(v: &mut Vec<T>, positions: &[usize]) {
            let Some(&first) = positions.first() else { return };
            let mut to = first;
            for (j, &p) in positions.iter().enumerate() {
                let end = positions.get(j + 1).copied().unwrap_or(v.len()).min(v.len());
                if p < end {
                    v.copy_within(p + 1..end, to);
                    to += end - p - 1;
                }
            }
            v.truncate(to);
        }
        remove(&mut self.customer, positions);
        remove(&mut self.timestamp, positions);
        remove(&mut self.kind, positions);
        remove(&mut self.user, positions);
    }

    /// [`Events::dedup`] for events in any order: each customer's events sorted by key.
    fn dedup_by_sorting(&mut self) -> u64 {
        let n = self.len();
        // Counting sort by customer, then each customer's events by (timestamp, kind, user).
        let n_customers = self.customer.iter().copied().max().map_or(0, |m| m as usize + 1);
        let mut start = vec![0usize; n_customers + 1];
        for &c in &self.customer {
            start[c as usize + 1] += 1;
        }
        for i in 0..n_customers {
            start[i + 1] += start[i];
        }
        let mut order = vec![0u32; n];
        let mut next = start.clone();
        for (i, &c) in self.customer.iter().enumerate() {
            order[next[c as usize]] = i as u32;
            next[c as usize] += 1;
        }
        let mut dup = vec![false; n];
        let key = |i: u32| (self.timestamp[i as usize], self.kind[i as usize], self.user[i as usize], i);
        let mut dropped = 0u64;
        for w in start.windows(2) {
            let group = &mut order[w[0]..w[1]];
            if group.len() < 2 {
                continue;
            }
            group.sort_unstable_by_key(|&i| key(i));
            for k in 1..group.len() {
                let (a, b) = (key(group[k - 1]), key(group[k]));
                if (a.0, a.1, a.2) == (b.0, b.1, b.2) {
                    dup[b.3 as usize] = true;
                    dropped += 1;
                }
            }
        }
        if dropped > 0 {
            let mut it = dup.iter();
            self.customer.retain(|_| !it.next().copied().unwrap_or(false));
            let mut it = dup.iter();
            self.timestamp.retain(|_| !it.next().copied().unwrap_or(false));
            let mut it = dup.iter();
            self.kind.retain(|_| !it.next().copied().unwrap_or(false));
            let mut it = dup.iter();
            self.user.retain(|_| !it.next().copied().unwrap_or(false));
        }
        dropped
    }

    /// Index of an event-type name, if it occurs.
    pub fn kind_index(&self, name: &str) -> Option<u16> {
        self.kinds.iter().position(|k| k == name).map(|i| i as u16)
    }
}

/// Most events of one customer at one timestamp that [`Events::dedup`] compares pairwise; a
/// longer run makes it sort instead.
const SIMULTANEOUS_EVENTS: usize = 32;

/// An [`Events`] builder that interns event types and users.
#[derive(Debug, Default)]
pub struct EventsBuilder {
    events: Events,
    kind_ix: HashMap<String, u16, FastHash>,
    user_ix: HashMap<String, u32, FastHash>,
}

/// The interning maps' hasher: FxHash (rustc's), a multiply-rotate over 8-byte words with a
/// final mix (MurmurHash3's `fmix64` halves), several times faster than the default SipHash on
/// short ids. Not resistant to chosen collisions, which
/// only slow down a reader of a deliberately crafted file.
pub(crate) type FastHash = std::hash::BuildHasherDefault<FxHasher>;

#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    /// The state, mixed so that every input bit reaches the low bits the table indexes with
    /// (a multiply only carries differences upwards: ids that differ in their last bytes, such
    /// as `C0000001` and `C0000002`, would otherwise share their low bits and their buckets).
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

impl EventsBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Interns an event type, returning its index. Errors past 65,535 distinct types.
    pub fn intern_kind(&mut self, name: &str) -> Result<u16> {
        if let Some(&k) = self.kind_ix.get(name) {
            return Ok(k);
        }
        let k = u16::try_from(self.events.kinds.len())
            .map_err(|_| Error::param("event_type", name, "more than 65,535 distinct event types"))?;
        self.events.kinds.push(name.to_owned());
        self.kind_ix.insert(name.to_owned(), k);
        Ok(k)
    }

    /// Interns a user id, returning its index.
    pub fn intern_user(&mut self, name: &str) -> Result<u32> {
        if let Some(&u) = self.user_ix.get(name) {
            return Ok(u);
        }
        let u = u32::try_from(self.events.users.len())
            .map_err(|_| Error::param("user_id", name, "more than 4,294,967,295 distinct users"))?;
        self.events.users.push(name.to_owned());
        self.user_ix.insert(name.to_owned(), u);
        Ok(u)
    }

    /// Appends an event with already-interned type and user.
    #[inline]
    pub fn push_interned(&mut self, customer: CustomerIdx, timestamp: i64, kind: u16, user: u32) {
        self.events.customer.push(customer);
        self.events.timestamp.push(timestamp);
        self.events.kind.push(kind);
        self.events.user.push(user);
    }

    /// Appends events with already-interned types and users (the four columns of equal length).
    pub(crate) fn extend_interned(
        &mut self,
        customer: &[CustomerIdx],
        timestamp: &[i64],
        kind: impl Iterator<Item = u16>,
        user: impl Iterator<Item = u32>,
    ) {
        self.events.customer.extend_from_slice(customer);
        self.events.timestamp.extend_from_slice(timestamp);
        self.events.kind.extend(kind);
        self.events.user.extend(user);
    }

    /// Appends an event, interning its type and user.
    pub fn push(&mut self, customer: CustomerIdx, timestamp: i64, kind: &str, user: &str) -> Result<()> {
        let k = self.intern_kind(kind)?;
        let u = self.intern_user(user)?;
        self.push_interned(customer, timestamp, k, u);
        Ok(())
    }

    /// The four columns, to append already-interned events to (kept of equal length).
    #[inline]
    pub(crate) fn columns_mut(&mut self) -> (&mut Vec<CustomerIdx>, &mut Vec<i64>, &mut Vec<u16>, &mut Vec<u32>) {
        let e = &mut self.events;
        (&mut e.customer, &mut e.timestamp, &mut e.kind, &mut e.user)
    }

    /// Reserves room for `n` more events.
    pub fn reserve(&mut self, n: usize) {
        self.events.customer.reserve(n);
        self.events.timestamp.reserve(n);
        self.events.kind.reserve(n);
        self.events.user.reserve(n);
    }

    /// Finishes the table.
    pub fn finish(self) -> Events {
        self.events
    }
}

/// The raw tables of one SaaS business, in memory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tables {
    /// Customers; a [`CustomerIdx`] is a position in this vector.
    pub customers: Vec<Customer>,
    /// Customer attributes (the other columns of `customers.csv`), one value per customer.
    pub attributes: Vec<CustomerAttribute>,
    /// Product subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Usage events.
    pub events: Events,
    /// NPS responses.
    pub nps: Vec<NpsResponse>,
    /// The randomised retention campaign, when `campaign.csv` exists.
    pub campaign: Option<Vec<CampaignOffer>>,
    /// What churn is: subscriptions ending (the default), or derived from the events by
    /// [`Tables::derive_churn`] (a cancellation event, inactivity), which also says when each churn
    /// day is known ([`crate::io::churn`]).
    #[serde(default)]
    pub churn: ChurnDefinition,
}

impl Tables {
    /// A map from customer id to [`CustomerIdx`].
    pub fn customer_index(&self) -> HashMap<&str, CustomerIdx> {
        self.customers.iter().enumerate().map(|(i, c)| (c.customer_id.as_str(), i as CustomerIdx)).collect()
    }

    /// The attribute named `name`, if the customers table has it.
    pub fn attribute(&self, name: &str) -> Option<&CustomerAttribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Sets customer `ix`'s value of attribute `name` (the column is created, with kind
    /// `kind`, if needed; other customers' values stay missing).
    pub fn set_attribute(&mut self, ix: CustomerIdx, name: &str, kind: AttributeKind, value: impl Into<String>) {
        let n = self.customers.len().max(ix as usize + 1);
        let pos = match self.attributes.iter().position(|a| a.name == name) {
            Some(p) => p,
            None => {
                self.attributes.push(CustomerAttribute::new(name, kind, Vec::new()));
                self.attributes.len() - 1
            }
        };
        let a = &mut self.attributes[pos];
        if a.values.len() < n {
            a.values.resize(n, None);
        }
        a.values[ix as usize] = Some(value.into());
    }

    /// The id of customer `ix`.
    pub fn customer_id(&self, ix: CustomerIdx) -> &str {
        &self.customers[ix as usize].customer_id
    }

    /// Reads a tables directory strictly: the first bad row is an error naming file, line and column.
    ///
    /// Use [`read_tables`] with [`ReadOptions::lenient`] to skip and count bad rows instead.
    pub fn read_dir(dir: impl AsRef<Path>) -> Result<Tables> {
        Ok(read_tables(dir, &ReadOptions::strict())?.tables)
    }

    /// Writes the tables as CSV files into `dir` (created if needed).
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<()> {
        crate::io::write::write_tables(self, dir.as_ref())
    }
}

/// Whether a reader stops at the first bad row or skips and counts bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strictness {
    /// The first bad row is an error (the default).
    #[default]
    Strict,
    /// Bad rows are skipped and counted by [`crate::error::RowProblem`] in the load report.
    Lenient,
}

/// Options for [`read_tables`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// Strict or lenient handling of bad rows.
    pub strictness: Strictness,
    /// Most event types kept (`other` included); the rarest are merged into `other` and counted
    /// in [`LoadReport::merged_event_types`] ([`Events::merge_rare_types`]; a schema's
    /// cancellation event is never merged). `None` (the default) keeps every type; on the
    /// command line `--max-event-types` defaults to [`crate::features::DEFAULT_MAX_EVENT_TYPES`].
    #[serde(default)]
    pub max_event_types: Option<usize>,
    /// With a schema's `[churn]`: the last day of the data, where churn derived from inactivity
    /// is censored (`None`, the default: inferred from the tables read, as
    /// [`Tables::derive_churn`]). A part of a larger population needs the population's.
    #[serde(default)]
    pub churn_data_end: Option<chrono::NaiveDate>,
    /// The tables are one part of a larger population (a partition of a partitioned dataset):
    /// a customers or subscriptions table without data rows is empty instead of an error, and a
    /// `[churn]` cancellation event type none of the part's events has gives no churn instead
    /// of an error. Default `false`.
    #[serde(default)]
    pub part_of_population: bool,
}

impl ReadOptions {
    /// Stop at the first bad row.
    pub fn strict() -> Self {
        ReadOptions {
            strictness: Strictness::Strict,
            max_event_types: None,
            churn_data_end: None,
            part_of_population: false,
        }
    }

    /// Skip bad rows and count them.
    pub fn lenient() -> Self {
        ReadOptions {
            strictness: Strictness::Lenient,
            max_event_types: None,
            churn_data_end: None,
            part_of_population: false,
        }
    }

    /// Keep at most `max` event types, merging the rarest into `other` (`None`: keep all).
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::io::tables::{read_tables_from, ReadOptions, TableInput, TableInputs};
    /// let events = "customer_id,timestamp,event_type\nc1,2024-01-04T09:00:00Z,login\n\
    ///               c1,2024-01-04T09:01:00Z,export_pdf\nc1,2024-01-04T09:02:00Z,login\n\
    ///               c1,2024-01-04T09:03:00Z,share_link\n";
    /// let inputs = TableInputs {
    ///     customers: TableInput::new("customers.csv", "customer_id,signup_date\nc1,2024-01-03\n".as_bytes()),
    ///     subscriptions: TableInput::new("subscriptions.csv",
    ///         "customer_id,start_date,end_date,mrr\nc1,2024-01-03,,49.0\n".as_bytes()),
    ///     events: TableInput::new("events.csv", events.as_bytes()),
    ///     nps: TableInput::new("nps.csv", "customer_id,date,score\n".as_bytes()),
    ///     campaign: None,
    /// };
    /// let loaded = read_tables_from(inputs, &ReadOptions::strict().with_max_event_types(Some(2)))?;
    /// assert_eq!(loaded.tables.events.kinds, ["login", "other"]);
    /// assert_eq!(loaded.report.merged_event_types.unwrap().events, 2);
    /// # Ok(()) }
    /// ```
    pub fn with_max_event_types(mut self, max: Option<usize>) -> Self {
        self.max_event_types = max;
        self
    }
}

pub use crate::io::read::{
    FileReport, LoadReport, LoadedTables, TableInput, TableInputs, read_tables, read_tables_from, read_tables_with,
};
