//! Helpers shared by the KPI and survival tests: small hand-made tables.
#![allow(dead_code)]

use attrition::io::tables::{Customer, CustomerIdx, SalesApproach, Subscription, Tables};
use chrono::NaiveDate;

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Builds tables from (id, signup, sales approach, specialised) and (customer index, start, end, mrr).
pub struct World {
    pub tables: Tables,
}

impl World {
    pub fn new() -> Self {
        World { tables: Tables::default() }
    }

    pub fn customer(&mut self, id: &str, signup: &str) -> CustomerIdx {
        self.customer_with(id, signup, SalesApproach::NeedsBased, false)
    }

    pub fn customer_with(&mut self, id: &str, signup: &str, sales: SalesApproach, specialised: bool) -> CustomerIdx {
        self.tables.customers.push(Customer {
            customer_id: id.into(),
            signup_date: day(signup),
            vertical: "retail".into(),
            sales_approach: sales,
            specialised_provider: specialised,
        });
        (self.tables.customers.len() - 1) as CustomerIdx
    }

    pub fn sub(&mut self, c: CustomerIdx, start: &str, end: Option<&str>, mrr: f64) -> &mut Self {
        self.tables.subscriptions.push(Subscription {
            customer: c,
            product: format!("p{}", self.tables.subscriptions.len()),
            start_date: day(start),
            end_date: end.map(day),
            mrr,
        });
        self
    }
}

/// Path of the committed sample world, if it exists.
pub fn sample_world() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample");
    if p.join("customers.csv").exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found (the simulator's sample world has not landed)", p.display());
        None
    }
}
