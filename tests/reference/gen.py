"""Deterministic test inputs shared by the reference scripts and the Rust tests.

The Rust twin lives in `tests/common/mod.rs` (`SplitMix`, `generated_case`): both use SplitMix64
and only exactly-rounded float operations, so they produce bit-identical vectors.
"""
import math

MASK = (1 << 64) - 1


class SplitMix:
    def __init__(self, seed):
        self.state = seed & MASK

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next_u64() >> 11) / float(1 << 53)


def generated_case(seed, n, levels, weights):
    """Labels, scores (quantised to `levels` steps when levels > 0, so with ties) and weights.

    weights: None, "float" (uniform on [0, 2)) or "int" (0, 1, 2 or 3, zeros included).
    P(churn) rises with the latent score, so the scores are informative.
    """
    rng = SplitMix(seed)
    y, p, w = [], [], []
    for _ in range(n):
        u = rng.uniform()
        x = math.floor(u * levels) / levels if levels else u
        v = rng.uniform()
        y.append(v < 0.15 + 0.5 * u)
        p.append(x)
        if weights == "float":
            w.append(2.0 * rng.uniform())
        elif weights == "int":
            w.append(float(math.floor(rng.uniform() * 4.0)))
    return y, p, (w if weights else None)
