"""Canary generators on every real dataset: the verdict must catch what each one does wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthcare.evaluation import evaluate

from .conftest import DATASETS, load, split3


def column_shuffler(frame: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Right marginals, no relations: every column permuted on its own."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: frame[c].to_numpy()[rng.permutation(len(frame))] for c in frame.columns})


@pytest.fixture(scope="module", params=DATASETS)
def parts(request):
    return request.param, split3(load(request.param))


def near_copier(frame: pd.DataFrame, seed: int = 2) -> pd.DataFrame:
    """Training rows with a little noise (1% of a standard deviation) on every numeric column."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]) and frame[col].nunique() > 10:
            out[col] = frame[col] + rng.normal(0, 0.01 * frame[col].std(), len(frame))
    return out


def _flagged(report, pillar):
    return {c.name: (c.value, c.reference) for c in report.pillars[pillar].checks if c.verdict != "pass"}


def test_fresh_real_rows_pass_validity_and_privacy(parts):
    name, (train, holdout, fresh) = parts
    report = evaluate(train, fresh, holdout=holdout, pillars=["validity", "privacy"], random_state=0)
    assert report.pillars["validity"].verdict == "pass", f"{name}: {_flagged(report, 'validity')}"
    assert report.pillars["privacy"].verdict == "pass", f"{name}: {_flagged(report, 'privacy')}"


def test_copier_fails_privacy(parts):
    name, (train, holdout, _) = parts
    privacy = evaluate(train, train, holdout=holdout, pillars=["privacy"], random_state=0).pillars["privacy"]
    assert privacy.verdict == "fail", name
    for check in ("exact_copies", "dcr_share", "mia_distance_auc", "inference_risk"):
        assert privacy.check(check).verdict == "fail", (name, check, privacy.check(check).value)


def test_near_copier_fails_privacy(parts):
    name, (train, holdout, _) = parts
    noisy = near_copier(train)
    privacy = evaluate(train, noisy, holdout=holdout, pillars=["privacy"], random_state=0).pillars["privacy"]
    assert privacy.verdict == "fail", name
    assert privacy.check("exact_copies").verdict == "pass"  # no row is an exact copy ...
    assert privacy.check("dcr_share").verdict == "fail"  # ... but every row sits on a training row
    assert privacy.check("mia_distance_auc").verdict == "fail"


def test_column_shuffler_fails_validity(parts):
    name, (train, holdout, _) = parts
    report = evaluate(train, column_shuffler(train), holdout=holdout, pillars=["validity"], random_state=0)
    validity = report.pillars["validity"]
    assert validity.verdict == "fail", name
    # what catches it is the loss of relations, not the marginals (which are exact)
    assert validity.check("column_shapes").verdict == "pass"
    assert validity.check("relations_kept").verdict == "fail"
