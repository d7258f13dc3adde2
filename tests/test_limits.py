"""Laboratory results beyond a detection limit ('<0.5', '> 50') are modelled and kept as written."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import synthcare


def _labs(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    """CRP in mg/l with decimal commas, as a German lab exports it: a third of the results are
    below the limit of 1,0, and fewer so in older patients."""
    rng = np.random.default_rng(seed)
    age = rng.integers(20, 90, n)
    crp = np.round(np.exp(rng.normal(0.5 + (age - 55) / 30, 1, n)), 1)
    text = ["<1,0" if v < 1 else ("> 50" if v > 50 else f"{v:.1f}".replace(".", ",")) for v in crp]
    return pd.DataFrame({"age": age, "crp": text, "sex": rng.choice(["F", "M"], n)})


def _numbers(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.str.replace(",", "."), errors="coerce")


def test_results_beyond_a_detection_limit_are_learnt_and_written_back():
    real = _labs()
    with pytest.warns(synthcare.SynthcareWarning, match="'crp' has results beyond a detection limit"):
        spec = synthcare.infer_schema(real)["crp"]
    assert (spec.kind, spec.limits, spec.decimal, spec.minimum) == ("float", ["<1,0", "> 50"], ",", 1.0)
    out = synthcare.CARTSynthesizer(random_state=0).fit(real).sample(4000, random_state=1)
    below = out["crp"] == "<1,0"
    assert below.mean() == pytest.approx((real["crp"] == "<1,0").mean(), abs=0.03)
    # how often a result is below the limit follows the other columns: younger patients more often
    assert out.loc[below, "age"].mean() < out.loc[~below, "age"].mean() - 10
    measured = _numbers(out.loc[~out["crp"].isin(spec.limits), "crp"])
    assert measured.notna().all() and measured.between(1.0, spec.maximum).all()
    assert out["crp"].str.fullmatch(r"<1,0|> 50|\d+,\d").all()  # one decimal, written with a comma
    assert measured.median() == pytest.approx(_numbers(real["crp"]).median(), rel=0.1)


def test_a_model_with_limits_saves_loads_and_writes_parquet(tmp_path):
    model = synthcare.CARTSynthesizer(random_state=0).fit(_labs(400))
    synthcare.save_model(model, tmp_path / "m")
    out = synthcare.load_model(tmp_path / "m").sample(300, random_state=2)
    assert out.equals(model.sample(300, random_state=2))
    synthcare.write_table(out, tmp_path / "labs.parquet")
    assert pd.read_parquet(tmp_path / "labs.parquet")["crp"].tolist() == out["crp"].tolist()


def test_conditions_count_a_result_below_the_limit_as_below_it():
    model = synthcare.CARTSynthesizer(random_state=0).fit(_labs())
    low = model.sample(400, conditions="crp < 2", random_state=3)
    assert (low["crp"] == "<1,0").mean() > 0.5 and (_numbers(low["crp"]).dropna() < 2).all()
    high = model.sample(400, conditions="crp >= 1", random_state=3)
    assert not (high["crp"] == "<1,0").any()


def test_evaluate_reads_results_beyond_the_limit_at_the_limit():
    from synthcare.evaluation import evaluate

    real = _labs(800)
    synthetic = synthcare.CARTSynthesizer(random_state=0).fit(real.iloc[:400]).sample(400, random_state=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = evaluate(real.iloc[:400], synthetic, holdout=real.iloc[400:], pillars=("validity",))
    assert not [w for w in caught if "are not numbers" in str(w.message)]
    assert report.to_dict()["pillars"]["validity"]["verdict"] == "pass"


@pytest.mark.parametrize(("changes", "message"), [
    ({"kind": "categorical", "categories": ["a"]}, "need a continuous integer or float column"),
    ({"limits": ["<0.5", "about 3"]}, "limits must be distinct markers"),
    ({"limits": ["<0.5", "<0.5"]}, "limits must be distinct markers"),
])
def test_a_schema_with_wrong_limits_is_refused(changes, message):
    from synthcare.data.schema import ColumnSchema

    fields = {"name": "crp", "kind": "float", "action": "synthesize", "dtype": "object", "missing_rate": 0.0,
              "limits": ["<0.5"], **changes}
    with pytest.raises(ValueError, match=message):
        ColumnSchema(**fields)


@st.composite
def _censored(draw):
    """A lab column of whole or decimal numbers (points or commas), some written beyond a lower
    or upper limit, some missing, beside an ordinary column."""
    n = draw(st.integers(12, 150))
    integer = draw(st.booleans())
    decimals = 0 if integer else draw(st.integers(1, 2))
    comma = not integer and decimals > 0 and draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    values = np.round(rng.lognormal(4 if integer else 1, 1, n), decimals)
    low, high = np.quantile(values, [draw(st.floats(0.05, 0.6)), draw(st.floats(0.7, 1.0))])
    low = max(low, values.min() + 10.0**-decimals)  # at least the smallest value lies below it

    def write(v: float) -> str:
        text = f"{v:.{decimals}f}"
        return text.replace(".", ",") if comma else text

    smallest = int(np.argmin(values))  # written beyond the limit, never missing: a column with a limit
    column = [None if rng.random() < 0.05 and i != smallest else f"<{write(low)}" if v < low else
              f">{write(high)}" if v > high and rng.random() < 0.5 else write(v) for i, v in enumerate(values)]
    return pd.DataFrame({"lab": column, "other": rng.normal(size=n).round(2)})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=_censored(), n=st.integers(1, 50))
def test_any_column_with_limits_fits_and_samples_well_formed_values(frame, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = synthcare.CARTSynthesizer(random_state=0).fit(frame)
    spec = model.schema_["lab"]
    out = model.sample(n, random_state=1)
    written = out["lab"].dropna()
    if spec.kind == "categorical":  # few measured values: each value as written
        assert written.isin(spec.categories).all()
        return
    assert spec.limits and set(spec.limits) <= set(frame["lab"].dropna())
    measured = written[~written.isin(spec.limits)]
    numbers = _numbers(measured) if spec.decimal == "," else pd.to_numeric(measured, errors="coerce")
    assert numbers.notna().all() and numbers.between(spec.minimum, spec.maximum).all(), measured.tolist()[:5]
