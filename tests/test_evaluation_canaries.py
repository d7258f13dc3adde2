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


def test_fresh_real_rows_pass_validity(parts):
    name, (train, holdout, fresh) = parts
    report = evaluate(train, fresh, holdout=holdout, pillars=["validity"], random_state=0)
    failing = {c.name: (c.value, c.reference) for c in report.pillars["validity"].checks if c.verdict != "pass"}
    assert report.pillars["validity"].verdict == "pass", f"{name}: {failing}"


def test_column_shuffler_fails_validity(parts):
    name, (train, holdout, _) = parts
    report = evaluate(train, column_shuffler(train), holdout=holdout, pillars=["validity"], random_state=0)
    validity = report.pillars["validity"]
    assert validity.verdict == "fail", name
    # what catches it is the loss of relations, not the marginals (which are exact)
    assert validity.check("column_shapes").verdict == "pass"
    assert validity.check("relations_kept").verdict == "fail"
