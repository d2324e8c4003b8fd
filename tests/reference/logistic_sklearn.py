"""Reference coefficients for tests/models_logistic.rs (scikit-learn 1.9, lbfgs, tight tol).

Run: /tmp/peers/bin/python tests/reference/logistic_sklearn.py
"""
import numpy as np
from sklearn.linear_model import LogisticRegression

n, p = 300, 4
i = np.arange(n)[:, None]
j = np.arange(p)[None, :]
X = np.sin(0.37 * i * (j + 1) + j)  + 0.1 * j
z = 1.5 * X[:, 0] - 2.0 * X[:, 1] + 0.5 * X[:, 3] + np.cos(i[:, 0] * 1.3)
y = (z > 0.2).astype(int)
w = 0.5 + (i[:, 0] % 3)
for C, sw in [(1.0, None), (0.1, None), (2.0, w)]:
    m = LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y, sample_weight=sw)
    print(C, sw is not None, [repr(float(c)) for c in m.coef_[0]], repr(float(m.intercept_[0])))

# L1 (tests/models_logistic.rs: logistic_l1_matches_scikit_learn). saga with a tight tolerance
# converges to the exact lasso optimum; liblinear would penalise the intercept.
for C, sw in [(0.05, None), (0.02, w), (1.0, None)]:
    m = LogisticRegression(l1_ratio=1.0, solver="saga", C=C, tol=1e-14, max_iter=2000000).fit(X, y, sample_weight=sw)
    print("l1", C, sw is not None, [repr(float(c)) for c in m.coef_[0]], repr(float(m.intercept_[0])))

# caravan note (tests/models_logistic.rs: damped_newton_converges_on_nearly_separated_columns):
# the largest |coef| of scikit-learn's C = 1 fit on the standardised 85 columns of
# ../shared/datasets/dev/caravan.csv (printed 0.664, PPERSAUT).
try:
    import pandas as pd
    from sklearn.preprocessing import StandardScaler
    df = pd.read_csv("../shared/datasets/dev/caravan.csv")
    yc = (df.pop("Purchase") == "Yes").astype(int).to_numpy()
    Xc = StandardScaler().fit_transform(df.drop(columns=["row_id"]).to_numpy(dtype=float))
    print("caravan largest |coef|", np.abs(LogisticRegression(max_iter=5000).fit(Xc, yc).coef_).max())
except FileNotFoundError:
    pass
