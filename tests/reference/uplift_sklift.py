"""Reference values for tests/uplift.rs from scikit-uplift 0.5.1.

Run: /tmp/peers/bin/python tests/reference/uplift_sklift.py
"""
import numpy as np
from sklift.metrics import qini_curve, qini_auc_score

rng = np.random.default_rng(11)
n = 40
y = rng.integers(0, 2, n)
t = rng.integers(0, 2, n)
s = np.round(rng.normal(size=n), 1)  # rounding creates ties
x, q = qini_curve(y, s, t)
print("y =", list(map(int, y)))
print("t =", list(map(int, t)))
print("s =", [float(v) for v in s])
print("qini_n =", list(map(int, x)))
print("qini_gain =", [repr(float(v)) for v in q])
print("qini_auc =", repr(float(qini_auc_score(y, s, t))))
