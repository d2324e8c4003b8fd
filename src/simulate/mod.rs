//! A calibrated world of small-business customers of a marketing SaaS provider.
//!
//! Modelled on the study behind this project (Vendasta, 100k SMBs over 2 years). Churn is not a
//! label: every customer has a latent state that evolves week by week — engagement, team size,
//! plan usage against its limit, satisfaction — and that state drives everything written to the
//! tables: usage events (per user, on weekdays and office hours), product upsells, NPS answers,
//! `limit_hit` and `champion_left` events, downgrades and price changes, and finally the weekly
//! churn hazard. So falling usage, detractor NPS, a champion leaving and unresolved plan-limit
//! hits all *precede* churn, and a point-in-time model can learn them.
//!
//! The coefficients in [`SimulationParams::new`] were calibrated (by hand, over several seeds) so
//! that the five findings of the study, measured from the written tables by
//! [`crate::study::measure_findings`], land within ±3 percentage points; `datasets/README.md`
//! documents the definitions and the measured values.
//!
//! A randomised retention campaign (half of the customers active on the campaign date are
//! offered a discount worth 30% of a month's MRR) is written to `campaign.csv`; its effect depends on
//! observable state (persuadables, sure things, lost causes, sleeping dogs) so uplift is learnable.
//!
//! ```
//! use attrition::simulate::{SimulationParams, simulate};
//! let world = simulate(&SimulationParams::new(200, 18, 7)).unwrap();
//! assert_eq!(world.tables.customers.len(), 200);
//! assert!(world.tables.events.len() > 200 * 20);
//! // Same seed, same world.
//! assert_eq!(world.tables, simulate(&SimulationParams::new(200, 18, 7)).unwrap().tables);
//! assert!(world.tables.campaign.is_some()); // the month-12 retention experiment
//! ```

mod customer;
mod obfuscate;

pub use obfuscate::{EventKey, obfuscate_events};

use chrono::{Months, NaiveDate};
use rayon::prelude::*;

use crate::catalogue::{CHAMPION_LEFT, CORE_EVENTS, LIMIT_HIT, OTHER_EVENTS, STICKY_EVENTS};
use crate::error::{Error, Result};
use crate::io::tables::{AttributeKind, CampaignOffer, CustomerAttribute, CustomerIdx, Events, Tables};

/// Parameters of the simulated world. Setters never fail; [`SimulationParams::check`] validates.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimulationParams {
    /// Number of customers.
    pub customers: usize,
    /// Length of the world in months.
    pub months: u32,
    /// Seed of every random choice.
    pub seed: u64,
    /// First day of the world (default 2024-01-01).
    pub start: NaiveDate,
    /// Share of customers who sign up in the first month (the launch cohort the study
    /// follows); the rest sign up uniformly over the remaining months. Default 0.3.
    pub launch_share: f64,
    /// Multiplier on usage-event volume (default 1.0; the committed sample uses less).
    pub event_scale: f64,
    /// Month (from the start) of the randomised retention campaign; `None` = no campaign.
    /// Default [`SimulationParams::default_campaign_month`]: month 12 when the world is longer,
    /// otherwise halfway through it, and none in a one-month world.
    pub campaign_month: Option<u32>,
    /// Behavioural coefficients (calibrated defaults).
    pub behaviour: Behaviour,
}

/// Behavioural coefficients of the latent state and hazards. Defaults are calibrated.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Behaviour {
    /// Baseline weekly churn hazard of an average single-product customer.
    pub base_hazard: f64,
    /// Log-hazard reduction per extra product held.
    pub product_effect: f64,
    /// Hazard multiplier for needs-based selling.
    pub needs_based_hazard: f64,
    /// Hazard multiplier for a vertical-specialised provider.
    pub specialised_hazard: f64,
    /// Log-hazard change per unit of engagement (negative: engaged customers stay).
    pub engagement_effect: f64,
    /// Hazard multiplier in the 16 weeks after the champion left.
    pub champion_hazard: f64,
    /// Hazard multiplier after a detractor NPS answer (0–6), for 16 weeks.
    pub detractor_hazard: f64,
    /// Hazard multiplier while the plan limit is hit and no upsell followed (8 weeks).
    pub limit_hazard: f64,
    /// Baseline weekly upsell probability.
    pub upsell_rate: f64,
    /// Weekly upsell multiplier for needs-based selling.
    pub needs_based_upsell: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            base_hazard: 0.0132,
            product_effect: 0.47,
            needs_based_hazard: 0.79,
            specialised_hazard: 0.85,
            engagement_effect: -0.035,
            champion_hazard: 3.5,
            detractor_hazard: 1.6,
            limit_hazard: 1.5,
            upsell_rate: 0.0058,
            needs_based_upsell: 1.25,
        }
    }
}

impl SimulationParams {
    /// A world of `customers` over `months` months from `seed`, with calibrated defaults.
    pub fn new(customers: usize, months: u32, seed: u64) -> Self {
        SimulationParams {
            customers,
            months,
            seed,
            start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
            launch_share: 0.3,
            event_scale: 1.0,
            campaign_month: Self::default_campaign_month(months),
            behaviour: Behaviour::default(),
        }
    }

    /// The campaign month of a world of `months` months: 12 when `months > 12`, otherwise
    /// `months / 2` (the campaign needs history before it and time after it), and `None` for a
    /// one-month world.
    ///
    /// ```
    /// use attrition::simulate::SimulationParams;
    /// assert_eq!(SimulationParams::default_campaign_month(24), Some(12));
    /// assert_eq!(SimulationParams::default_campaign_month(13), Some(12));
    /// assert_eq!(SimulationParams::default_campaign_month(12), Some(6));
    /// assert_eq!(SimulationParams::default_campaign_month(2), Some(1));
    /// assert_eq!(SimulationParams::default_campaign_month(1), None);
    /// ```
    pub fn default_campaign_month(months: u32) -> Option<u32> {
        match months {
            13.. => Some(12),
            2..=12 => Some(months / 2),
            _ => None,
        }
    }

    /// First day of the world.
    pub fn start(mut self, day: NaiveDate) -> Self {
        self.start = day;
        self
    }

    /// Share of customers signing up in the first month.
    pub fn launch_share(mut self, share: f64) -> Self {
        self.launch_share = share;
        self
    }

    /// Multiplier on usage-event volume.
    pub fn event_scale(mut self, scale: f64) -> Self {
        self.event_scale = scale;
        self
    }

    /// Month of the retention campaign (`None` = none).
    pub fn campaign_month(mut self, month: Option<u32>) -> Self {
        self.campaign_month = month;
        self
    }

    /// Behavioural coefficients.
    pub fn behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.customers == 0 || self.customers > u32::MAX as usize / 2 {
            return Err(Error::param("customers", self.customers, "must be between 1 and 2^31"));
        }
        if !(1..=240).contains(&self.months) {
            return Err(Error::param("months", self.months, "must be between 1 and 240"));
        }
        if !(0.0..=1.0).contains(&self.launch_share) {
            return Err(Error::param("launch_share", self.launch_share, "must be in [0, 1]"));
        }
        if !(self.event_scale > 0.0 && self.event_scale <= 10.0) {
            return Err(Error::param("event_scale", self.event_scale, "must be in (0, 10]"));
        }
        if let Some(m) = self.campaign_month
            && (m == 0 || m >= self.months)
        {
            return Err(Error::param(
                "campaign_month",
                m,
                format!("must fall inside the world, after its first month: 1..={}", self.months.saturating_sub(1)),
            ));
        }
        Ok(())
    }

    /// Last day of the world (exclusive): `start + months`.
    pub fn end(&self) -> NaiveDate {
        self.start.checked_add_months(Months::new(self.months)).unwrap_or(NaiveDate::MAX)
    }

    /// Date of the campaign, if any.
    pub fn campaign_date(&self) -> Option<NaiveDate> {
        self.campaign_month.and_then(|m| self.start.checked_add_months(Months::new(m)))
    }
}

/// A simulated world: the raw tables plus the latent ground truth that is not in them.
#[derive(Debug, Clone)]
pub struct World {
    /// The tables a SaaS business would export.
    pub tables: Tables,
    /// The parameters that made it.
    pub params: SimulationParams,
    /// Per customer: the campaign segment it belonged to (for checking uplift models), if drawn.
    pub campaign_segment: Vec<Option<CampaignSegment>>,
}

/// Latent response of a customer to the retention offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignSegment {
    /// The offer saves many of them (engaged but unhappy or price-sensitive).
    Persuadable,
    /// They stay anyway.
    SureThing,
    /// They leave anyway (champion gone, usage collapsed).
    LostCause,
    /// The offer reminds them to cancel (dormant accounts).
    SleepingDog,
}

/// All event types the simulator writes, in interning order.
pub fn event_types() -> Vec<&'static str> {
    let mut v: Vec<&str> = Vec::new();
    v.extend(CORE_EVENTS);
    v.extend(STICKY_EVENTS);
    v.extend(OTHER_EVENTS);
    v.push(LIMIT_HIT);
    v.push(CHAMPION_LEFT);
    v
}

/// Simulates the world: customers are generated in parallel, each from its own seeded stream,
/// and concatenated in customer order (so the output does not depend on the thread count).
pub fn simulate(params: &SimulationParams) -> Result<World> {
    params.check()?;
    let sims: Vec<customer::Simulated> =
        (0..params.customers).into_par_iter().map(|i| customer::simulate_customer(params, i)).collect();
    let kinds: Vec<String> = event_types().iter().map(|s| s.to_string()).collect();
    let n_events: usize = sims.iter().map(|s| s.events.len()).sum();
    let mut events = Events {
        customer: Vec::with_capacity(n_events),
        timestamp: Vec::with_capacity(n_events),
        kind: Vec::with_capacity(n_events),
        user: Vec::with_capacity(n_events),
        kinds,
        users: Vec::new(),
    };
    let mut tables = Tables::default();
    let mut attributes: [Vec<Option<String>>; 3] = Default::default();
    let mut campaign = params.campaign_month.map(|_| Vec::new());
    let mut campaign_segment = Vec::with_capacity(params.customers);
    for (i, s) in sims.into_iter().enumerate() {
        let c = i as CustomerIdx;
        let user0 = events.users.len() as u32;
        for u in 0..s.n_users {
            events.users.push(format!("{}-u{u}", s.customer.customer_id));
        }
        for e in &s.events {
            events.customer.push(c);
            events.timestamp.push(e.timestamp);
            events.kind.push(e.kind);
            events.user.push(user0 + e.user);
        }
        tables.customers.push(s.customer);
        for (col, v) in attributes.iter_mut().zip(s.attributes) {
            col.push(Some(v.to_owned()));
        }
        tables.subscriptions.extend(s.subscriptions.into_iter().map(|mut sub| {
            sub.customer = c;
            sub
        }));
        tables.nps.extend(s.nps.into_iter().map(|mut r| {
            r.customer = c;
            r
        }));
        if let (Some(list), Some((date, treated, cost))) = (campaign.as_mut(), s.campaign) {
            list.push(CampaignOffer { customer: c, date, treated, offer_cost: cost });
        }
        campaign_segment.push(s.segment);
    }
    let [vertical, sales, specialised] = attributes;
    tables.attributes = vec![
        CustomerAttribute::new("vertical", AttributeKind::Categorical, vertical),
        CustomerAttribute::new("sales_approach", AttributeKind::Categorical, sales),
        CustomerAttribute::new("specialised_provider", AttributeKind::Boolean, specialised),
    ];
    tables.events = events;
    tables.campaign = campaign;
    Ok(World { tables, params: params.clone(), campaign_segment })
}
