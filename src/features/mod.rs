//! Point-in-time features: one observation per customer and as-of date, using only what happened
//! before that date, labelled by churn in a later window (fight-churn style).
//!
//! [`build_observations`] turns raw [`Tables`](crate::io::tables::Tables) into a labelled
//! [`Dataset`](crate::dataset::Dataset); [`snapshot`] computes the same features, by the same code,
//! for the customers active on one date, for scoring.
//!
//! # Semantics (exact)
//!
//! Days are UTC calendar days. For an as-of date `as_of`:
//!
//! * **What features see.** Only data strictly before `as_of`: events with timestamp
//!   `< as_of 00:00 UTC`, NPS responses dated `< as_of`, and subscription starts and ends dated
//!   `< as_of`. The subscription state used is the state on day `as_of − 1`: a subscription is
//!   active on day `d` when `start_date <= d < end_date`, so one that starts or ends *on* `as_of`
//!   is future information. Customer attributes (`signup_date` and every other column of `customers.csv`)
//!   are static: known from signup on, the same at every `as_of` (so an export that records a
//!   value as of today leaks; leave such columns out). A date attribute is a number of days only
//!   once `as_of` has reached it.
//! * **Who is observed.** One candidate observation per customer with at least one subscription
//!   active on `as_of − 1`, for each as-of date `from`, `from + every`, … while `≤ to`
//!   ([`FeatureParams::as_of_dates`]).
//! * **Churn.** A customer churns on day `d` when their number of active subscriptions goes from
//!   more than 0 on `d − 1` to 0 on `d`. A customer can churn, come back and churn again; each
//!   time is a churn day. Without a subscriptions table, churn comes from the events
//!   ([`crate::io::churn`]: a cancellation event, or inactivity); an inactivity churn on day `d` is
//!   only *known* on day `d + inactive_days`, so a customer stays observed until then and a churn
//!   day before `as_of + lead` that is not known at `as_of` excludes the observation
//!   ([`Exclusion::ChurnedInLead`]); subscription features (MRR, products, upsells) are left out.
//! * **Label.** `churned` is true iff a churn day falls in `[as_of + lead, as_of + lead + horizon)`.
//! * **Exclusions** (counted in [`FeatureReport::excluded`], never silently dropped):
//!   [`Exclusion::ChurnedInLead`] when a churn day falls in `[as_of, as_of + lead)` (too late to
//!   act); otherwise [`Exclusion::LabelWindowIncomplete`] when `as_of + lead + horizon > data_end`
//!   (with inactivity churn: when `as_of + lead + horizon − 1 + inactive_days > data_end`, the day
//!   the window's last churn day would be known).
//!   `data_end` is the last day present in the data, which may be only partly recorded (an export
//!   taken mid-day), so a window is complete when it ends (exclusive) on or before it. By default it
//!   is the latest event day, NPS date, subscription start or signup date; subscription *end*
//!   dates are not used, since an export may hold cancellations scheduled for the future. Pass
//!   [`FeatureParams::data_end`] to set it.
//! * **Missing is missing.** A feature whose value is unknown at `as_of` is `NaN` (blank in CSV),
//!   never an invented 0: see the table.
//! * **Rows** are ordered by customer (order of `customers.csv`), then as-of date; ids are customer
//!   ids. Output is deterministic, whatever the number of threads.
//!
//! # The standard catalogue
//!
//! Windows of `w` days cover `[as_of − w, as_of)`. *Usage* events are all events except the
//! signals: `limit_hit`, `champion_left` and any other signal type (as named by the
//! [`EventCatalogue`](crate::catalogue::EventCatalogue), which can be discovered from the data:
//! [`crate::catalogue::discover`]). *Tenure* is `as_of − signup_date` in days.
//! Columns, in order ([`FeatureCatalogue::standard`]):
//!
//! | column | definition | missing when |
//! |---|---|---|
//! | `tenure_days` | `as_of − signup_date` | never |
//! | `mrr` | total MRR of subscriptions active on `as_of − 1` | never |
//! | `mrr_change_90d` | `mrr` − MRR on `as_of − 91` | the customer signed up after `as_of − 91` |
//! | `active_products` | distinct products active on `as_of − 1` | never |
//! | `upsold` | 1 if the first upsell is before `as_of`, else 0 | never |
//! | `days_to_first_upsell` | first upsell day − signup date | no upsell before `as_of` |
//! | `upsold_within_90d` | 1 if the first upsell came < 90 days after signup, 0 if not | no upsell yet and tenure < 90 |
//! | `events_per_week_{7,28,90}d` | usage events in the window × 7 ÷ min(w, tenure) (tenure ≥ 1) | never |
//! | `events_per_week_{7,28,90}d_{type}` | the same for each usage event type | never |
//! | `usage_trend_28d` | 100 × (usage in last 28 days − usage in the 28 before) ÷ usage in the 28 before; 0 when both are 0 | tenure < 56, or no usage in the earlier 28 days but some in the last 28 (growth from nothing is undefined) |
//! | `days_since_last_event` | `as_of` − day of the last usage event (≥ 1) | no usage event yet |
//! | `active_weeks_share_12w` | share of the last `m` = min(12, ⌈tenure ÷ 7⌉) weeks `[as_of − 7k, as_of − 7k + 7)` with any usage | never |
//! | `event_type_breadth_90d` | distinct usage types used in 90 days ÷ usage types available (`event_types`) | no usage types available |
//! | `active_users_90d` | distinct users with a usage event in 90 days | never |
//! | `core_events_per_week_28d`, `sticky_events_per_week_28d` | rate of core / sticky feature events, as above | never |
//! | `core_events_share_28d`, `sticky_events_share_28d` | core / sticky events ÷ usage events in 28 days | no usage in 28 days |
//! | `nps_latest` | the latest NPS score dated before `as_of` (same-day ties: the later row) | no response yet |
//! | `nps_change` | latest score − the one before | fewer than 2 responses |
//! | `nps_detractor` | 1 if the latest score is 0–6, else 0 | no response yet |
//! | `nps_promoter` | 1 if the latest score is 9–10, else 0 | no response yet |
//! | `champion_left_any_event_90d` | 1 if a `champion_left` event happened in 90 days, else 0 | never |
//! | `limit_hit_events_90d` | number of `limit_hit` events in 90 days | never |
//! | `events_90d_{signal}` | number of events of each other signal type in 90 days | never |
//! | `{attribute}` | each customer attribute ([`crate::io::attributes`]): numeric as is; boolean (`true`/`false`) and categorical as categories; a date as days from it to `as_of`; free text (ids, names) is left out. Named after its column (`customer_{name}` when a built-in feature or [`RESERVED_COLUMNS`] has the name) | missing value; a date after `as_of` |
//!
//! An **upsell** is the start of a subscription to a product the customer did not hold on the
//! previous day, while holding at least one other product that day (so the first products, and a
//! return after churning, are not upsells; a renewal of the same product is not either).
//!
//! `{type}` ranges over [`FeatureCatalogue::event_types`]: by default the usage event types present
//! in the data, sorted by name, fixed once by [`FeatureCatalogue::resolve`] — at most
//! [`FeatureCatalogue::max_event_types`] (default 200) of them: with more, the most frequent are
//! kept and the rest merged into one `{metric}_other_types` column per per-type metric (counted in
//! [`FeatureCatalogue::merged_event_types`]; for breadth they count as one type). `{signal}`
//! ranges over the event catalogue's `signals`. A role feature (`core_…`, `sticky_…`,
//! `limit_hit_…`, `champion_left_…`) whose role no event type has is left out. A
//! [`FeatureTable`] carries its resolved catalogue; pass it to [`snapshot`] so scoring data has the
//! training columns.
//!
//! # Other catalogues
//!
//! A [`FeatureCatalogue`] is a list of typed [`FeatureSpec`]s (serde: JSON-friendly), e.g. a
//! 14-day count of one event type is
//! `{"metric":"event_count","select":{"type":"export_report"},"window_days":14}` → column
//! `events_14d_export_report`.
//!
//! # Speed
//!
//! Events are grouped by customer with a counting sort (no copy when each customer's events are
//! already one contiguous run), each customer's events are sorted by time once (skipped when
//! already sorted), and one sweep with a moving pointer per window length serves all of that
//! customer's as-of dates. Customers are processed in parallel (rayon) in fixed blocks, and the
//! rows are assembled in customer order, so the output does not depend on the thread count.

mod context;
mod data_end;
mod engine;
mod observe;
mod params;
#[cfg(feature = "parquet")]
pub(crate) mod partitioned;
mod spec;
mod timeline;

pub use context::{GlobalContext, PopulationCounts};
pub use data_end::{DataEnd, DataEndCounts, OUTLIER_GAP_DAYS, data_end};

pub use observe::{
    DateCounts, Exclusion, FeatureReport, FeatureTable, build_observations, build_observations_in, infer_data_end,
    snapshot, snapshot_resolved,
};
pub use params::{Cadence, DEFAULT_HORIZON_DAYS, DEFAULT_LEAD_DAYS, FeatureParams, MAX_AS_OF_DATES, MAX_WINDOW_DAYS};
#[cfg(feature = "parquet")]
pub use partitioned::{PartitionedTables, WrittenFeatures};
pub use spec::{
    DEFAULT_MAX_EVENT_TYPES, EventSelector, FeatureCatalogue, FeatureSpec, MergedEventTypes, RESERVED_COLUMNS,
    is_usage, role_name,
};
