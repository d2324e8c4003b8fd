//! One customer's life, week by week.

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

use super::{CampaignSegment, SimulationParams};
use crate::catalogue::PRODUCTS;
use crate::io::parse::day_start;
use crate::io::tables::{Customer, NpsResponse, SalesApproach, Subscription};

/// Event type indexes, in the order of [`super::event_types`].
const CORE: [u16; 5] = [0, 1, 2, 3, 4];
const STICKY: [u16; 5] = [5, 6, 7, 8, 9];
const SUPPORT: u16 = 10;
/// Engagement below which an active customer is a "sleeping dog" for the retention offer:
/// disengaged but still paying, the offer reminds them of the bill (Ascarza 2018: the
/// highest-risk customers are often not the ones a retention offer helps).
const SLEEPING_ENGAGEMENT: f64 = -0.6;
const LIMIT: u16 = 11;
const CHAMPION: u16 = 12;

const VERTICALS: [&str; 8] =
    ["restaurants", "retail", "home_services", "health", "beauty", "automotive", "professional", "real_estate"];
/// List price per product and month.
const PRICES: [f64; 6] = [49.0, 79.0, 99.0, 149.0, 199.0, 59.0];

pub(super) struct Ev {
    pub timestamp: i64,
    pub kind: u16,
    pub user: u32,
}

pub(super) struct Simulated {
    pub customer: Customer,
    /// The customer attributes: `vertical`, `sales_approach`, `specialised_provider`.
    pub attributes: [&'static str; 3],
    pub subscriptions: Vec<Subscription>,
    pub events: Vec<Ev>,
    pub nps: Vec<NpsResponse>,
    pub n_users: u32,
    pub campaign: Option<(NaiveDate, bool, f64)>,
    pub segment: Option<CampaignSegment>,
}

/// SplitMix64 of (seed, index): independent streams per customer.
fn stream_seed(seed: u64, i: usize) -> u64 {
    let mut z = seed.wrapping_add((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).map(|d| d.sample(rng) as u64).unwrap_or(0)
}

fn normal(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    Normal::new(0.0, sd).map(|d| d.sample(rng)).unwrap_or(0.0)
}

/// Active product rows of the customer (index into `subscriptions`).
struct Held {
    product: usize,
    row: usize,
}

pub(super) fn simulate_customer(params: &SimulationParams, i: usize) -> Simulated {
    let b = &params.behaviour;
    let mut rng = ChaCha8Rng::seed_from_u64(stream_seed(params.seed, i));
    let end = params.end();
    let world_days = (end - params.start).num_days().max(1);
    let first_month_days = ((params.start + chrono::Months::new(1)) - params.start).num_days().min(world_days);
    let signup = if params.months == 1 || rng.gen_bool(params.launch_share) {
        params.start + Duration::days(rng.gen_range(0..first_month_days))
    } else {
        params.start + Duration::days(rng.gen_range(first_month_days..world_days))
    };
    let needs = rng.gen_bool(0.5);
    let specialised = rng.gen_bool(0.4);
    let customer = Customer::new(format!("C{:07}", i + 1), signup);
    let attributes = [
        VERTICALS[rng.gen_range(0..VERTICALS.len())],
        if needs { SalesApproach::NeedsBased } else { SalesApproach::ProductPush }.as_str(),
        if specialised { "true" } else { "false" },
    ];

    // Latent traits.
    let mut mu = normal(&mut rng, 0.8) + if needs { 0.25 } else { 0.0 } + if specialised { 0.15 } else { 0.0 };
    let mut e = mu + normal(&mut rng, 0.5);
    let mut satisfaction = e;
    let mut n_users: u32 = 1 + poisson(&mut rng, 1.2).min(7) as u32;
    let mut active_users: Vec<u32> = (0..n_users).collect();

    let mut subs: Vec<Subscription> = Vec::new();
    let mut held: Vec<Held> = Vec::new();
    let open = |subs: &mut Vec<Subscription>, held: &mut Vec<Held>, product: usize, day: NaiveDate, mrr: f64| {
        held.push(Held { product, row: subs.len() });
        subs.push(Subscription {
            customer: 0,
            product: PRODUCTS[product].to_string(),
            start_date: day,
            end_date: None,
            mrr,
        });
    };
    let price = |rng: &mut ChaCha8Rng, p: usize| (PRICES[p] * rng.gen_range(0.9..1.25) * 100.0).round() / 100.0;
    let first = rng.gen_range(0..3);
    let mrr = price(&mut rng, first);
    open(&mut subs, &mut held, first, signup, mrr);

    let mut events = Vec::new();
    let mut nps = Vec::new();
    let campaign_date = params.campaign_date();
    let mut campaign = None;
    let mut segment = None;
    let mut campaign_effect: Option<(f64, i64)> = None; // (hazard multiplier, until week)
    let mut champion_week: Option<i64> = None;
    let mut detractor_week: Option<i64> = None;
    let mut limit_week: Option<i64> = None;
    let mut last_upsell_week: i64 = -100;
    let mut recent_activity = [0u32; 4];
    let mut churned_until: Option<NaiveDate> = None;
    let mut repriced = false;
    let mut leaving_at: Option<i64> = None;

    let mut w: i64 = 0;
    loop {
        let day = signup + Duration::weeks(w);
        if day >= end {
            break;
        }
        if let Some(back) = churned_until {
            if back > day {
                w += 1;
                continue;
            }
            // Reactivation: the customer returns with one product.
            churned_until = None;
            let p = rng.gen_range(0..3);
            let mrr = price(&mut rng, p);
            open(&mut subs, &mut held, p, day, mrr);
            mu -= 0.3;
            e = mu;
        }
        if held.is_empty() {
            break;
        }
        // Engagement drifts around its mean.
        e = mu + 0.88 * (e - mu) + normal(&mut rng, 0.28);
        satisfaction = 0.8 * satisfaction + 0.2 * (e + normal(&mut rng, 0.6));
        let k = held.len() as f64;

        // The champion may leave.
        if champion_week.is_none() && rng.gen_bool(0.0022) {
            champion_week = Some(w);
            let champ = active_users[0];
            push_event(&mut events, &mut rng, day, end, CHAMPION, champ, true);
            if active_users.len() > 1 {
                active_users.remove(0);
            } else {
                active_users[0] = n_users;
                n_users += 1;
            }
            mu -= 0.9;
            e -= 0.6;
            satisfaction -= 0.5;
        }

        // Usage.
        let mut core_this_week = 0u32;
        if rng.gen_bool(sigmoid(0.9 + 1.3 * e).clamp(0.0, 1.0)) {
            let lambda = params.event_scale * 1.8 * (0.35 * e).exp() * (1.0 + 0.15 * (k - 1.0));
            for &u in &active_users {
                let n = poisson(
                    &mut rng,
                    lambda / active_users.len() as f64 * (1.0 + 0.3 * (active_users.len() as f64 - 1.0)),
                );
                for _ in 0..n {
                    let kind = CORE[rng.gen_range(0..CORE.len())];
                    if push_event(&mut events, &mut rng, day, end, kind, u, false) {
                        core_this_week += 1;
                    }
                }
            }
            let sticky = poisson(&mut rng, params.event_scale * 0.28 * (0.5 * e).exp() * if needs { 1.3 } else { 1.0 });
            for _ in 0..sticky {
                let u = active_users[rng.gen_range(0..active_users.len())];
                let kind = STICKY[rng.gen_range(0..STICKY.len())];
                push_event(&mut events, &mut rng, day, end, kind, u, false);
            }
        }
        recent_activity.rotate_left(1);
        recent_activity[3] = core_this_week;
        if rng.gen_bool((0.03 + 0.08 * (-satisfaction).max(0.0)).min(0.8)) {
            push_event(&mut events, &mut rng, day, end, SUPPORT, active_users[0], false);
        }
        // Heavy users hit their plan limit.
        if e > 0.6 && rng.gen_bool((0.12 * (e - 0.6)).min(0.5) / k.sqrt()) {
            push_event(&mut events, &mut rng, day, end, LIMIT, active_users[0], false);
            limit_week = Some(w);
        }
        let limit_pending = limit_week.is_some_and(|lw| w - lw < 8 && last_upsell_week < lw);

        // Upsell, downgrade, repricing.
        if held.len() < PRODUCTS.len() {
            let p_up = b.upsell_rate
                * (0.2 * e).exp()
                * if needs { b.needs_based_upsell } else { 1.0 }
                * if limit_pending { 4.0 } else { 1.0 }
                // Onboarding is when account managers sell the second product.
                * if w < 13 { 3.5 } else { 0.35 };
            if rng.gen_bool(p_up.min(0.5)) {
                let options: Vec<usize> =
                    (0..PRODUCTS.len()).filter(|p| !held.iter().any(|h| h.product == *p)).collect();
                let p = options[rng.gen_range(0..options.len())];
                let mrr = price(&mut rng, p);
                open(&mut subs, &mut held, p, day, mrr);
                last_upsell_week = w;
            }
        }
        if held.len() > 1 && rng.gen_bool((0.0015 * (-0.8 * e).exp()).min(0.2)) {
            let h = held.remove(rng.gen_range(1..held.len()));
            subs[h.row].end_date = Some(day + Duration::days(1));
        }
        if !repriced && w == 52 && rng.gen_bool(0.3) {
            repriced = true;
            let j = rng.gen_range(0..held.len());
            if subs[held[j].row].start_date < day {
                let old_mrr = subs[held[j].row].mrr;
                subs[held[j].row].end_date = Some(day);
                let product = held[j].product;
                held.remove(j);
                open(&mut subs, &mut held, product, day, (old_mrr * 1.08 * 100.0).round() / 100.0);
            }
        }

        // NPS survey every quarter; about 45% answer, within 0–4 days of the survey week's start.
        // An answer that would arrive on or after the world's end has not arrived yet: it is not
        // written (rather than clamped to the last day, which would pile answers onto one day
        // and date them earlier than the customer gave them), so no table runs past the end and
        // the inferred data end is the world's. The answer is still drawn (the random stream and
        // every other value stay as they were) and still moves the customer's state: a
        // detractor's dissatisfaction does not depend on whether the survey tool has the answer.
        if w > 0 && w % 13 == 0 && rng.gen_bool(0.45) {
            let score = (7.2 + 1.6 * satisfaction + normal(&mut rng, 1.1)).round().clamp(0.0, 10.0) as u8;
            let date = day + Duration::days(rng.gen_range(0..5));
            if date < end {
                nps.push(NpsResponse { customer: 0, date, score });
            }
            if score <= 6 {
                detractor_week = Some(w);
            }
        }

        // The retention campaign.
        if let Some(cd) = campaign_date
            && campaign.is_none()
            && day <= cd
            && cd < day + Duration::weeks(1)
        {
            let treated = rng.gen_bool(0.5);
            let mrr_now: f64 = held.iter().map(|h| subs[h.row].mrr).sum();
            let dormant = recent_activity.iter().all(|&c| c == 0);
            let seg = if leaving_at.is_some() || champion_week.is_some_and(|cw| w - cw < 26) || e < -1.3 {
                CampaignSegment::LostCause
            } else if dormant || e < SLEEPING_ENGAGEMENT {
                CampaignSegment::SleepingDog
            } else if detractor_week.is_some_and(|dw| w - dw < 26) || (k < 2.0 && mrr_now > 90.0) {
                CampaignSegment::Persuadable
            } else {
                CampaignSegment::SureThing
            };
            segment = Some(seg);
            campaign = Some((cd, treated, (0.3 * mrr_now * 100.0).round() / 100.0));
            if treated {
                let mult = match seg {
                    CampaignSegment::Persuadable => 0.15,
                    CampaignSegment::SureThing => 0.9,
                    CampaignSegment::LostCause => 1.0,
                    CampaignSegment::SleepingDog => 2.0,
                };
                campaign_effect = Some((mult, w + 13));
            }
        }

        // Churn.
        let mut hazard = b.base_hazard
            * (-b.product_effect * (k - 1.0).min(2.1)).exp()
            * if needs { b.needs_based_hazard } else { 1.0 }
            * if specialised { b.specialised_hazard } else { 1.0 }
            * (b.engagement_effect * e).exp();
        if w < 13 {
            // Most SMB plans have a three-month minimum term: few leave during onboarding.
            hazard *= 0.25;
        }
        if champion_week.is_some_and(|cw| w - cw < 16) {
            hazard *= b.champion_hazard;
        }
        if detractor_week.is_some_and(|dw| w - dw < 16) {
            hazard *= b.detractor_hazard;
        }
        if limit_pending {
            hazard *= b.limit_hazard;
        }
        if let Some((mult, until)) = campaign_effect
            && w <= until
        {
            hazard *= mult;
        }
        // Deciding to leave starts a wind-down: usage collapses for a few weeks before the
        // subscription is cancelled, so falling usage precedes churn.
        if leaving_at.is_none() && rng.gen_bool(hazard.clamp(0.0, 0.9)) {
            leaving_at = Some(w + rng.gen_range(4..13));
            mu -= 2.5;
            e -= 1.5;
            satisfaction -= 1.0;
        }
        if leaving_at == Some(w) {
            leaving_at = None;
            let churn_day = day + Duration::days(rng.gen_range(1..7));
            if churn_day < end {
                for h in held.drain(..) {
                    subs[h.row].end_date = Some(churn_day);
                }
                // Events stop at the churn day.
                let cut = day_start(churn_day);
                events.retain(|ev: &Ev| ev.timestamp < cut);
                if rng.gen_bool(0.06) {
                    churned_until = Some(churn_day + Duration::days(rng.gen_range(30..180)));
                    mu += 2.2;
                } else {
                    break;
                }
            }
        }
        w += 1;
    }
    events.sort_by_key(|ev| (ev.timestamp, ev.kind, ev.user));
    Simulated { customer, attributes, subscriptions: subs, events, nps, n_users, campaign, segment }
}

/// Adds an event on a working day of the week starting `week_start` (weekends rarely), in
/// office hours; `first_day` puts it on the week's first day. Returns false if it falls outside
/// the world.
fn push_event(
    events: &mut Vec<Ev>,
    rng: &mut ChaCha8Rng,
    week_start: NaiveDate,
    end: NaiveDate,
    kind: u16,
    user: u32,
    first_day: bool,
) -> bool {
    let offset = if first_day { 0 } else { rng.gen_range(0..7) };
    let mut day = week_start + Duration::days(offset);
    if day.weekday().number_from_monday() > 5 && rng.gen_bool(0.8) {
        day -= Duration::days(2);
        if day < week_start {
            day = week_start;
        }
    }
    if day >= end {
        return false;
    }
    let seconds = rng.gen_range(8 * 3600..19 * 3600) as i64;
    events.push(Ev { timestamp: day_start(day) + seconds, kind, user });
    true
}
