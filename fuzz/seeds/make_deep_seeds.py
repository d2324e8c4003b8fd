"""Writes deep-tree seeds for the model_file fuzz target from model_file/gbdt.json: a chain of
depth 64 (the deepest tree a file may hold; rehashed so that it loads), chains of 65 and 1,000
(refused when read), and a tree whose root's two children are one node (refused).

Run from this directory: python3 make_deep_seeds.py && attrition model rehash --model model_file/chain_64.json
"""
import json

base = json.load(open("model_file/gbdt.json"))

def chain(depth, n_features):
    n = 2 * depth + 1
    f = {"n_features": n_features, "roots": [0], "feature": [0] * n, "threshold": [0.0] * n,
         "left": list(range(n)), "right": list(range(n)), "default_left": [False] * n,
         "value": [0.0] * n, "cover": [1.0] * n, "gain": [0.0] * n}
    for i in range(depth):
        k = 2 * i
        f["feature"][k] = i % n_features
        f["threshold"][k] = i * 0.25
        f["left"][k], f["right"][k] = k + 1, k + 2
        f["value"][k + 1] = 0.01 * (i % 7 - 3)
        f["cover"][k] = 2.0 * (depth - i) + 1
    return f

width = base["fitted"]["forest"]["n_features"]
for name, forest in [("chain_64", chain(64, width)), ("chain_65", chain(65, width)), ("chain_1000", chain(1000, width))]:
    m = dict(base)
    m["fitted"] = dict(base["fitted"], forest=forest)
    m.pop("checksum", None)
    json.dump(m, open(f"model_file/{name}.json", "w"), separators=(",", ":"))
shared = chain(3, width)
shared["left"][0] = 2
m = dict(base, fitted=dict(base["fitted"], forest=shared))
m.pop("checksum", None)
json.dump(m, open("model_file/shared_subtree.json", "w"), separators=(",", ":"))
