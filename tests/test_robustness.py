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
        kind = draw(st.sampled_from(["num", "cat", "mixed", "const", "nullable", "day_first", "zoned"]))
        if kind == "nullable":  # pandas' own dtypes, as Parquet brings them
            col = pd.array(draw(st.lists(st.integers(0, 5) | st.none(), min_size=n_rows, max_size=n_rows)),
                           dtype="Int64")
        elif kind == "day_first":
            col = draw(st.lists(st.sampled_from(["03.04.2020", "13.04.2020", "28.02.2021", None]),
                                min_size=n_rows, max_size=n_rows))
        elif kind == "zoned":
            offsets = draw(st.lists(st.integers(0, 3), min_size=n_rows, max_size=n_rows))
            col = pd.Timestamp("2020-03-28", tz="Europe/Berlin") + pd.to_timedelta(offsets, unit="D")
        elif kind == "num":
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


def test_link_on_constant_predictors_is_left_out():
    """Found by the property test: a column whose only continuous predictors are constant (one of
    them a subnormal float) made the ridge link's leave-one-out residuals NaN, and fit crashed in
    scikit-learn ("Input y contains NaN")."""
    nan = np.nan
    values = [0.0, 0.0, 665696.562646664, nan, nan, -842283.9326341602, nan, 0.0, 0.0, 85346.29477207852,
              165958.3190443616, -3.7276717763981845e-142, nan, nan, nan, 0.0, 1.5, nan, 0.0, 1000000.0,
              367259.7860392621, 795903.6531150292, -27459.604822280817, 31296.0, 3.0, 0.5, nan, nan, 2.0,
              1.0, nan, nan, nan, nan, 0.0, nan, nan, 0.0, nan]
    n = len(values)
    frame = pd.DataFrame({"c0": [None] * n, "c1": [-83] * n, "c2": [-1.401298464324817e-45] * n,
                          "c3": ["2020-01-05"] * n, "c4": values})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = synthcare.get_engine("cart")(random_state=0).fit(frame).sample(20, random_state=0)
    assert len(out) == 20 and (out["c1"] == -83).all()
