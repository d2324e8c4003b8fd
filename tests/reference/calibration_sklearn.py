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
lr = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(z, y, sample_weight=w)
print("platt a, b =", repr(float(lr.coef_[0][0])), repr(float(lr.intercept_[0])))

# Platt's (1999) targets, as scikit-learn's CalibratedClassifierCV(method="sigmoid") fits them
# (`sklearn.calibration._sigmoid_calibration`): churned rows aim at (N+ + 1) / (N+ + 2),
# retained rows at 1 / (N- + 2), N± the weight of each class. The exact minimiser of that
# soft-target log-loss: each row twice, as churned with weight w·t and as retained with w·(1 − t).
n_pos, n_neg = float(w[y > 0].sum()), float(w[y <= 0].sum())
t = np.where(y > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
zz = np.vstack([z, z])
yy = np.concatenate([np.ones(n), np.zeros(n)]).astype(int)
ww = np.concatenate([w * t, w * (1 - t)])
lr_t = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(zz, yy, sample_weight=ww)
print("platt (targets) a, b =", repr(float(lr_t.coef_[0][0])), repr(float(lr_t.intercept_[0])))
from sklearn.calibration import _sigmoid_calibration
sa, sb = _sigmoid_calibration(z.ravel(), y, sample_weight=w)
# scikit-learn's map is 1 / (1 + exp(a·f + b)): its a and b are ours negated.
print("sklearn _sigmoid_calibration (-a, -b) =", repr(float(-sa)), repr(float(-sb)))
