"""Scores an exported XGBoost model file with XGBoost itself (tests/export_xgboost.rs).

usage: run.py MODEL.json MATRIX.csv
MATRIX.csv: the tree model matrix, one row per line, no header, `nan` for missing values.
Prints one JSON object: margins, probabilities, leaf indices (rows x trees) and TreeSHAP
contributions (rows x (features + 1), the last column the bias), all from XGBoost.
"""
import json
import sys

import numpy as np
import xgboost as xgb

model_path, matrix_path = sys.argv[1], sys.argv[2]
booster = xgb.Booster(model_file=model_path)
x = np.loadtxt(matrix_path, delimiter=",", dtype=np.float64, ndmin=2)
d = xgb.DMatrix(
    x,
    feature_names=booster.feature_names,
    feature_types=booster.feature_types,
    enable_categorical=True,
    missing=np.nan,
)
out = {
    "xgboost": xgb.__version__,
    "margin": booster.predict(d, output_margin=True).astype(float).tolist(),
    "p": booster.predict(d).astype(float).tolist(),
    "leaves": booster.predict(d, pred_leaf=True).astype(int).tolist(),
    "contribs": booster.predict(d, pred_contribs=True).astype(float).tolist(),
}
json.dump(out, sys.stdout)
