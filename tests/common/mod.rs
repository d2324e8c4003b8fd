//! Helpers shared by the integration tests.
#![allow(dead_code)]

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
