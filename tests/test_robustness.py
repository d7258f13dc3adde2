"""Random frames thrown at fit/sample: our documented errors, or valid output; nothing else."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import synthcare
from synthcare.errors import SynthcareError

cells = st.one_of(
    st.none(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from(["a", "b", "yes", "no", "2020-01-05", "x y z", ""]),
    st.booleans(),
)


@st.composite
def frames(draw):
    n_cols = draw(st.integers(1, 5))
    n_rows = draw(st.integers(1, 40))
    data = {}
    for j in range(n_cols):
        kind = draw(st.sampled_from(["num", "cat", "mixed", "const"]))
        if kind == "num":
            col = draw(st.lists(st.floats(-1e6, 1e6) | st.none(), min_size=n_rows, max_size=n_rows))
        elif kind == "cat":
            col = draw(st.lists(st.sampled_from(["r", "g", "b", None]), min_size=n_rows, max_size=n_rows))
        elif kind == "const":
            col = [draw(cells)] * n_rows
        else:
            col = draw(st.lists(cells, min_size=n_rows, max_size=n_rows))
        data[f"c{j}"] = col
    return pd.DataFrame(data)


@pytest.mark.parametrize("engine", synthcare.engine_names())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), n=st.integers(1, 30))
def test_fit_sample_never_crashes_unexpectedly(engine, frame, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = synthcare.get_engine(engine)(random_state=0).fit(frame)
        except SynthcareError:
            return
        out = model.sample(n, random_state=0)
    kept = [c.name for c in model.schema_.columns if c.action != "drop"]
    assert list(out.columns) == kept
    assert len(out) == n
    for name in kept:
        if pd.api.types.is_numeric_dtype(out[name].dtype) and not pd.api.types.is_bool_dtype(out[name].dtype):
            assert np.isfinite(out[name].dropna().astype(float)).all()
