//! Exact sums of `f64` values, so that totals do not depend on the order rows are added in.

/// The exact sum of finite `f64` values, kept as non-overlapping partials (Shewchuk's algorithm,
/// as in Python's `math.fsum`) and rounded once, correctly, by [`Self::value`]. Because the value
/// is the correctly rounded exact sum, it is the same whatever the order values are added or
/// sums merged — what lets per-partition MRR totals be combined into the bytes of the
/// unpartitioned run.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ExactSum {
    partials: Vec<f64>,
    /// Sum of the non-finite values added (they are kept out of the partials).
    special: f64,
}

impl ExactSum {
    /// Adds `x`.
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            self.special += x;
            return;
        }
        let mut x = x;
        let mut i = 0;
        for k in 0..self.partials.len() {
            let mut y = self.partials[k];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        self.partials.truncate(i);
        self.partials.push(x);
    }

    /// Adds everything `other` holds (exactly).
    pub fn merge(&mut self, other: &ExactSum) {
        for &p in &other.partials {
            self.add(p);
        }
        self.special += other.special;
    }

    /// The exact sum, correctly rounded to the nearest `f64` (CPython's `fsum` rounding step).
    pub fn value(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        let p = &self.partials;
        let mut n = p.len();
        if n == 0 {
            return 0.0;
        }
        n -= 1;
        let mut hi = p[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        // Round half-even correctly when the remaining partials push past the halfway point.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::ExactSum;

    fn sum(xs: &[f64]) -> f64 {
        let mut s = ExactSum::default();
        xs.iter().for_each(|&x| s.add(x));
        s.value()
    }

    #[test]
    fn sums_are_exact_and_order_free() {
        // Naive left-to-right summation gives 0 here; the exact sum is 2.
        assert_eq!(sum(&[1e100, 1.0, -1e100, 1.0]), 2.0);
        assert_eq!(sum(&[0.1; 10]), 1.0);
        assert_eq!(sum(&[]), 0.0);
        // Python: math.fsum([0.1, 0.2, 0.3]) == 0.6
        assert_eq!(sum(&[0.1, 0.2, 0.3]), 0.6);
        assert_eq!(sum(&[0.3, 0.2, 0.1]), 0.6);
        // Python: math.fsum([1, 1e-16, 1e-16]) == 1.0000000000000002
        assert_eq!(sum(&[1.0, 1e-16, 1e-16]), 1.000_000_000_000_000_2);
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1013) as f64 * 0.37 - 150.0).collect();
        let mut rev = xs.clone();
        rev.reverse();
        assert_eq!(sum(&xs).to_bits(), sum(&rev).to_bits());
        let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
        xs[..400].iter().for_each(|&x| a.add(x));
        xs[400..].iter().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(b.value().to_bits(), sum(&xs).to_bits());
        assert!(sum(&[1.0, f64::INFINITY]).is_infinite());
    }
}
