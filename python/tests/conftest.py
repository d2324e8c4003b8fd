"""Shared fixtures: the repository's bundled sample world, the CLI binary, small data sets."""

from __future__ import annotations

import importlib
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "datasets" / "sample"


def cli_path() -> pathlib.Path | None:
    """The `attrition` binary: $ATTRITION_CLI, else the repository's release build."""
    p = os.environ.get("ATTRITION_CLI")
    if p:
        return pathlib.Path(p)
    p = ROOT / "target" / "release" / "attrition"
    return p if p.exists() else None


def need(module: str):
    """Imports an optional test dependency: skipped (with the reason shown by `pytest -rs`) when it
    is absent, except in CI (CI=true), where a missing dependency fails."""
    if os.environ.get("CI") == "true":
        try:
            return importlib.import_module(module)
        except ImportError:
            pytest.fail(f"{module} is not installed; CI needs it (python/requirements-test.txt)")
    return pytest.importorskip(module)


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI; skipped when no binary is built, except in CI (CI=true), where it fails."""
    path = cli_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the attrition CLI is not built (cargo build --release); CI needs it")
        pytest.skip("the attrition CLI is not built (cargo build --release)")

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        r = subprocess.run([str(path), *args], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"attrition {' '.join(args)} failed:\n{r.stderr}")
        return r

    return run


@pytest.fixture(scope="session")
def sample_tables():
    import attrition

    return attrition.read_tables(SAMPLE)


@pytest.fixture(scope="session")
def sample_obs(sample_tables):
    import attrition

    return attrition.features(sample_tables, "2025-01-31", "2025-06-30", every="1m")


def churn_matrix(n: int = 600, seed: int = 0):
    """A numeric churn problem with a known signal in x0 and x1, and missing values."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    logit = 1.5 * x[:, 0] - 1.0 * x[:, 1] - 0.5
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    x[rng.random((n, 4)) < 0.05] = np.nan
    return x, y.astype(int)
