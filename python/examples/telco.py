"""IBM Telco churn, notebook style: attrition's estimators beside scikit-learn's, 5-fold.

    target/py-venv/bin/python python/examples/telco.py [../shared/datasets/telco/telco.csv]

Reads the CSV with pandas, as a data scientist would, and hands the DataFrame (strings and
numbers mixed) to ChurnClassifier through Arrow; scikit-learn's models get one-hot encoding.
Prints out-of-fold ROC-AUC and log-loss per model, then the riskiest customers with their
strongest reasons. Every number is out of sample.
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import attrition

ROOT = pathlib.Path(__file__).resolve().parents[2]
path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "datasets" / "telco" / "telco.csv"

df = pd.read_csv(path)
# Telco's TotalCharges is blank for new customers: a missing value, not a word.
df["TotalCharges"] = pd.to_numeric(df["TotalCharges"], errors="coerce")
y = (df.pop("Churn") == "Yes").astype(int).to_numpy()
ids = df.pop("customerID")
print(f"{path.name}: {len(df)} customers, {df.shape[1]} columns, churn rate {y.mean():.3f}")

cv = StratifiedKFold(5, shuffle=True, random_state=42)
numeric = df.select_dtypes("number").columns.tolist()
categorical = [c for c in df.columns if c not in numeric]
onehot = make_column_transformer(
    (make_pipeline(StandardScaler()), numeric),
    (OneHotEncoder(handle_unknown="ignore"), categorical),
)
models = {
    "attrition logistic": attrition.ChurnClassifier(model="logistic"),
    "attrition gbdt": attrition.ChurnClassifier(model="gbdt"),
    "attrition auto": attrition.ChurnClassifier(model="auto"),
    "sklearn logistic": make_pipeline(onehot, LogisticRegression(max_iter=2000)),
    "sklearn HistGBT": make_pipeline(onehot, HistGradientBoostingClassifier(random_state=0)),
}
print(f"{'model':<22} {'ROC-AUC':>8} {'log-loss':>9} {'seconds':>8}")
for name, model in models.items():
    X = df.fillna({c: 0 for c in numeric}) if name.startswith("sklearn") else df
    t = time.perf_counter()
    p = cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
    print(f"{name:<22} {roc_auc_score(y, p):8.4f} {log_loss(y, p):9.4f} {time.perf_counter() - t:8.1f}")

clf = attrition.ChurnClassifier(model="gbdt").fit(df, y)
p = clf.predict_proba(df)[:, 1]
e = clf.explain(df).to_pandas()
print("\nriskiest customers (in-sample) and the features pushing them up most:")
for i in np.argsort(-p)[:5]:
    top = e.iloc[i].sort_values(ascending=False).head(3)
    print(f"  {ids[i]}  P(churn) {p[i]:.3f}  " + ", ".join(f"{k} (+{v:.2f})" for k, v in top.items()))
