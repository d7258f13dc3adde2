"""The contract every engine keeps (in the spirit of scikit-learn's estimator checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import synthcare
from synthcare.engines.registry import engine_names, get_engine
from synthcare.errors import DataError, NotFittedError, ParameterError

from .conftest import load

ENGINES = engine_names()


@pytest.fixture(scope="module")
def flchain() -> pd.DataFrame:
    return load("flchain")


@pytest.fixture(scope="module")
def fitted(flchain) -> dict:
    return {name: get_engine(name)(random_state=0).fit(flchain) for name in ENGINES}


def test_registry_lists_the_default_engine():
    assert synthcare.DEFAULT_ENGINE in ENGINES
    assert {"cart", "gaussian_copula"} <= set(ENGINES)
    with pytest.raises(ParameterError, match="no engine named 'nope'"):
        get_engine("nope")


@pytest.mark.parametrize("name", ENGINES)
def test_init_is_keyword_only_and_only_stores(name):
    cls = get_engine(name)
    with pytest.raises(TypeError):
        cls(0)
    model = cls(random_state=3)
    assert model.get_params()["random_state"] == 3
    assert not hasattr(model, "schema_")


@pytest.mark.parametrize("name", ENGINES)
def test_pandas_own_dtypes_and_time_zones_come_back(name, flchain, tmp_path):
    """Parquet from hospital systems carries nullable numbers, categories, strings and
    time-zone-aware timestamps; each comes back in its own dtype, dates still whole local days
    on both sides of a change of clocks."""
    frame = flchain.head(600).copy()
    frame["age"] = frame["age"].astype("Int64")
    frame["creatinine"] = frame["creatinine"].astype("Float64")
    frame["sex"] = frame["sex"].astype(str).astype("category")
    frame["chapter"] = frame["chapter"].astype("string")
    frame["mgus"] = (frame["mgus"] == 1).astype("boolean").mask(frame.index % 7 == 0)
    start = pd.Timestamp("2020-01-01", tz="Europe/Amsterdam")
    frame["seen"] = pd.DatetimeIndex([start + pd.DateOffset(days=int(d) % 365) for d in frame["futime"]])
    model = get_engine(name)(random_state=0).fit(frame)
    out = model.sample(800, random_state=1)
    assert out.dtypes.astype(str).to_dict() == frame.dtypes.astype(str).to_dict()
    assert (out["seen"] == out["seen"].dt.normalize()).all()  # midnight in Amsterdam, winter and summer
    assert (out["seen"].dt.month.isin([4, 5, 6, 7, 8, 9])).mean() > 0.2
    assert frame["seen"].min() <= out["seen"].min() and out["seen"].max() <= frame["seen"].max()
    assert set(out["sex"].cat.categories) == set(frame["sex"].cat.categories)
    assert out["mgus"].isna().any() and out["age"].notna().all()
    few = pd.DataFrame({"stage": pd.array([1, 2, 2, 3] * 10, dtype="Int64"), "x": np.arange(40.0)})
    assert str(get_engine(name)(random_state=0).fit(few).sample(5, random_state=0)["stage"].dtype) == "Int64"


@pytest.mark.parametrize("name", ENGINES)
def test_sample_keeps_the_schema(name, fitted, flchain):
    model = fitted[name]
    assert model.fit(flchain) is model
    out = model.sample(3000, random_state=1)
    assert list(out.columns) == list(flchain.columns)
    assert len(out) == 3000
    assert (out.dtypes == flchain.dtypes).all()
    for col in model.schema_.columns:
        real, syn = flchain[col.name], out[col.name]
        if col.kind == "integer":
            assert (syn.dropna() == syn.dropna().round()).all()
        if col.kind in {"integer", "float"}:
            assert syn.min() >= real.min() and syn.max() <= real.max()
        if col.kind == "float" and col.precision is not None:
            assert np.allclose(syn.dropna(), syn.dropna().round(col.precision))
        if col.categories is not None:
            assert set(syn.dropna().unique()) <= set(real.dropna().unique())
        # missing-value rate per column within a few points of the real one
        assert abs(syn.isna().mean() - real.isna().mean()) < 0.04, col.name


def test_cart_keeps_which_columns_are_missing_together():
    # in flchain, 'chapter' (cause of death) is missing exactly for the survivors
    real = load("flchain")
    out = get_engine("cart")(random_state=0).fit(real).sample(len(real), random_state=0)
    agree = (out["chapter"].isna() == (out["death"] == 0)).mean()
    assert agree > 0.97


@pytest.mark.parametrize("name", ENGINES)
def test_same_seed_same_data_other_seed_other_data(name, fitted):
    model = fitted[name]
    a = model.sample(500, random_state=7)
    pd.testing.assert_frame_equal(a, model.sample(500, random_state=7))
    assert not a.equals(model.sample(500, random_state=8))
    generator = np.random.default_rng(5)
    assert isinstance(model.sample(10, random_state=generator), pd.DataFrame)


@pytest.mark.parametrize("name", ENGINES)
def test_save_load_round_trip(name, fitted, tmp_path):
    model = fitted[name]
    synthcare.save_model(model, tmp_path / "m")
    again = synthcare.load_model(tmp_path / "m")
    pd.testing.assert_frame_equal(model.sample(800, random_state=2), again.sample(800, random_state=2))


@pytest.mark.parametrize("name", ENGINES)
def test_misuse_is_rejected(name):
    cls = get_engine(name)
    with pytest.raises(NotFittedError, match="not fitted"):
        cls().sample(5)
    model = cls(random_state=0).fit(load("lung_ncctg"))
    for bad in (0, -3, 2.5, "10", True):
        with pytest.raises(ParameterError, match="'n' parameter"):
            model.sample(bad)
    with pytest.raises(DataError, match="1 row"):
        cls().fit(load("lung_ncctg").head(1))
    with pytest.raises(ParameterError, match="random_state"):
        cls(random_state="seed").fit(load("lung_ncctg"))
    with pytest.raises(ParameterError, match="no parameter 'bogus'"):
        cls().set_params(bogus=1)
    notes = pd.DataFrame({"note": [f"patient reports a mild headache and nausea since visit {i}" for i in range(50)]})
    with pytest.warns(synthcare.SynthcareWarning), pytest.raises(DataError, match="nothing to synthesize"):
        cls().fit(notes)  # it returned a table of no rows and no columns, whatever n was asked


def test_cart_parameter_validation():
    with pytest.raises(ParameterError, match="'min_samples_leaf' parameter of CARTSynthesizer"):
        get_engine("cart")(min_samples_leaf=0).fit(load("lung_ncctg"))
    with pytest.raises(ParameterError, match="'n_quantiles' parameter"):
        get_engine("cart")(n_quantiles=1).fit(load("lung_ncctg"))
    with pytest.raises(ParameterError, match="'n_trees' parameter"):
        get_engine("cart")(n_trees=0).fit(load("lung_ncctg"))


@pytest.mark.parametrize("name", ENGINES)
def test_all_missing_column_is_kept_all_missing(name):
    frame = load("lung_ncctg").assign(empty=np.nan)
    with pytest.warns(synthcare.SynthcareWarning, match="no values"):
        out = get_engine(name)(random_state=0).fit(frame).sample(100, random_state=0)
    assert out["empty"].isna().all()


@pytest.mark.parametrize("name", ENGINES)
def test_dates_and_booleans_round_trip(name):
    n = 300
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "visit": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
        "visit_text": [f"2021-03-{d:02d}" for d in rng.integers(1, 29, n)],
        "flag": rng.random(n) < 0.3,
        "lab": np.round(rng.normal(5, 1, n), 1),
    })
    out = get_engine(name)(random_state=0).fit(frame).sample(200, random_state=0)
    assert out["visit"].dtype == frame["visit"].dtype
    assert out["visit"].between(frame["visit"].min(), frame["visit"].max()).all()
    assert out["visit_text"].str.match(r"^2021-03-\d\d$").all()
    assert out["flag"].dtype == bool
