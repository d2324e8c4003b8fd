//! Helpers shared by the integration tests (metrics vectors; small hand-made tables for KPIs and survival).
#![allow(dead_code)]

pub mod engines;
pub mod world;

/// A dataset as CSV with its ids first, then its feature columns (what `attrition features
/// --snapshot` writes: no as-of date, no label); a missing value is an empty field.
pub fn ids_and_features_csv(data: &attrition::Dataset) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["customer_id".to_owned()];
    header.extend(data.columns.iter().map(|c| c.name.clone()));
    w.write_record(&header).unwrap();
    let ids = data.ids.as_ref().unwrap();
    for i in 0..data.n_rows() {
        let mut rec = vec![ids[i].clone()];
        for c in &data.columns {
            rec.push(match (c.as_numeric(), c.as_categorical()) {
                (Some(v), _) if v[i].is_nan() => String::new(),
                (Some(v), _) => format!("{}", v[i]),
                (None, Some(cat)) => cat.value(i).unwrap_or("").to_owned(),
                _ => unreachable!(),
            });
        }
        w.write_record(&rec).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// SplitMix64, bit-identical to `tests/reference/gen.py`'s `SplitMix`.
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Kind of sample weights in a generated case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Weights {
    /// No weights.
    None,
    /// Uniform on [0, 2).
    Float,
    /// 0, 1, 2 or 3 (zeros included).
    Int,
}

/// A generated case: labels, scores, optional weights.
pub struct Case {
    pub y: Vec<bool>,
    pub p: Vec<f64>,
    pub w: Option<Vec<f64>>,
}

/// Same as `generated_case` in `tests/reference/gen.py`.
pub fn generated_case(seed: u64, n: usize, levels: u32, weights: Weights) -> Case {
    let mut rng = SplitMix::new(seed);
    let (mut y, mut p, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let u = rng.uniform();
        let x = if levels > 0 { (u * levels as f64).floor() / levels as f64 } else { u };
        let v = rng.uniform();
        y.push(v < 0.15 + 0.5 * u);
        p.push(x);
        match weights {
            Weights::Float => w.push(2.0 * rng.uniform()),
            Weights::Int => w.push((rng.uniform() * 4.0).floor()),
            Weights::None => {}
        }
    }
    Case { y, p, w: (weights != Weights::None).then_some(w) }
}

/// Asserts two slices agree elementwise to `tol` (absolute), with a helpful message.
pub fn assert_close_slice(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length {} vs {}", got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g == w) || (g - w).abs() <= tol;
        assert!(ok, "{what}[{i}]: got {g}, want {w} (tol {tol})");
    }
}

/// Asserts two numbers agree to `tol` (absolute).
pub fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        got == want || (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (diff {}, tol {tol})",
        got - want
    );
}

use attrition::io::tables::{AttributeKind, Customer, CustomerIdx, SalesApproach, Subscription, Tables};
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
        self.tables.customers.push(Customer::new(id, day(signup)));
        let c = (self.tables.customers.len() - 1) as CustomerIdx;
        self.tables.set_attribute(c, "vertical", AttributeKind::Categorical, "retail");
        self.tables.set_attribute(c, "sales_approach", AttributeKind::Categorical, sales.as_str());
        self.tables.set_attribute(c, "specialised_provider", AttributeKind::Boolean, specialised.to_string());
        c
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
