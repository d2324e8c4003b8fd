//! A seeded customer-level sample: every observation of the customers whose seeded hash of
//! `customer_id` falls under the rate, so a customer is in or out with all their as-of dates
//! (no customer half in a training set), the same customers whatever the order, partition or
//! machine. The study cross-validates large worlds on it (`[models] max_cv_rows`), and
//! `attrition features --sample-customers RATE --sample-seed N` writes the training
//! observations of a population too large to train on whole.
//!
//! ```
//! use attrition::validation::CustomerSample;
//! let sample = CustomerSample::new(0.25, 42);
//! sample.check().unwrap();
//! let ids: Vec<String> = (0..4000).map(|i| format!("c{}", i / 4)).collect(); // 4 rows each
//! let rows = sample.rows(&ids);
//! assert!((800..1200).contains(&rows.len())); // about a quarter
//! assert!(rows.chunks(4).all(|c| c[3] == c[0] + 3)); // all of a customer's rows, or none
//! assert_eq!(rows, CustomerSample::new(0.25, 42).rows(&ids)); // same seed, same sample
//! assert_ne!(rows, CustomerSample::new(0.25, 43).rows(&ids));
//! assert!(CustomerSample::new(0.0, 42).check().is_err());
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Customers kept with probability `rate`, chosen by a hash of their id and `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CustomerSample {
    /// Share of customers kept, in (0, 1].
    pub rate: f64,
    /// Seed of the hash.
    pub seed: u64,
}

impl CustomerSample {
    /// A sample at `rate` with `seed`.
    pub fn new(rate: f64, seed: u64) -> Self {
        CustomerSample { rate, seed }
    }

    /// Errors when the rate is not in (0, 1].
    pub fn check(&self) -> Result<()> {
        if !(self.rate > 0.0 && self.rate <= 1.0) {
            return Err(Error::param("rate", self.rate, "a share of customers in (0, 1]"));
        }
        Ok(())
    }

    /// Whether customer `id` is in the sample.
    pub fn contains(&self, id: &str) -> bool {
        unit_hash(id, self.seed) < self.rate
    }

    /// The rows (ascending) whose customer is in the sample.
    pub fn rows(&self, ids: &[String]) -> Vec<usize> {
        (0..ids.len()).filter(|&i| self.contains(&ids[i])).collect()
    }
}

/// A seeded hash of a customer id, uniform in [0, 1) (FNV-1a then a 64-bit finaliser).
fn unit_hash(id: &str, seed: u64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}
