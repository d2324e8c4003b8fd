"""Reference values for tests/calibration.rs (scikit-learn 1.9).

Run: /tmp/peers/bin/python tests/reference/calibration_sklearn.py
"""
import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

n = 60
i = np.arange(n)
p = (np.sin(i * 0.7) + 1.0) / 2.0 * 0.9 + 0.05
y = ((np.cos(i * 1.3) + p * 1.5) > 0.9).astype(int)
w = 1.0 + (i % 4)
iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, y, sample_weight=w)
q = np.array([0.0, 0.07, 0.2, 0.33, 0.5, 0.61, 0.8, 0.95, 1.0])
print("iso =", [repr(float(v)) for v in iso.predict(q)])
z = np.log(p / (1 - p)).reshape(-1, 1)
lr = LogisticRegression(penalty=None, tol=1e-12, max_iter=10000).fit(z, y, sample_weight=w)
print("platt a, b =", repr(float(lr.coef_[0][0])), repr(float(lr.intercept_[0])))
