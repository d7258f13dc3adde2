"""Synthetic control arm: balance, hazard ratio, the colon-trial validation, bad input refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthcare.cli import app
from synthcare.engines.registry import get_engine
from synthcare.errors import DataError, NotFittedError, ParameterError, SynthcareWarning
from synthcare.persistence import save_model
from synthcare.sampling.conditions import ConditionError
from synthcare.trials import build_control_arm, hazard_ratio
from synthcare.trials.balance import match, smd
from synthcare.trials.control_arm import outcome_like, select_covariates

from .conftest import load

runner = CliRunner()


@pytest.fixture(scope="module")
def colon():
    """Overall survival (death rows) of the colon adjuvant trial: observation arm and Lev+5FU arm."""
    deaths = load("colon").query("etype == 2").drop(columns=["etype", "study"])
    observation = deaths[deaths["rx"] == "Obs"].drop(columns=["id", "rx"]).reset_index(drop=True)
    treated = deaths[deaths["rx"] == "Lev+5FU"].reset_index(drop=True)
    model = get_engine("cart")(random_state=0).fit(observation)
    return observation, treated, model


@pytest.fixture(scope="module")
def model_dir(colon, tmp_path_factory):
    return save_model(colon[2], tmp_path_factory.mktemp("colon") / "model")


# ----------------------------------------------------------------------------- pure functions
def test_smd_matches_the_textbook_formula():
    treated = np.array([[1.0, 1], [2, 0], [3, 1], [4, 1]])
    controls = np.array([[2.0, 0], [3, 0], [4, 1], [5, 0]])
    sd = np.sqrt((treated.var(axis=0) + controls.var(axis=0)) / 2)
    got = smd(treated, controls, sd)
    assert got[0] == pytest.approx((2.5 - 3.5) / np.sqrt(1.25))
    assert got[1] == pytest.approx((0.75 - 0.25) / np.sqrt((0.1875 + 0.1875) / 2))
    # weights count: weighting the last control 3x moves its mean
    assert smd(treated, controls, sd, np.array([1, 1, 1, 3]))[0] == pytest.approx((2.5 - 24 / 6) / np.sqrt(1.25))


def test_matching_is_within_the_caliper_and_without_replacement():
    rng = np.random.default_rng(0)
    treated, pool = rng.normal(1, 1, 50), rng.normal(0, 1, 400)
    matches = match(treated, pool, ratio=2, caliper=0.05)
    used = [j for m in matches for j in m]
    assert len(used) == len(set(used))  # no pool row twice
    for i, m in enumerate(matches):
        assert len(m) <= 2 and all(abs(pool[j] - treated[i]) <= 0.05 for j in m)
    assert sum(len(m) == 2 for m in matches) > 30
    lonely = match(np.array([10.0]), pool, ratio=1, caliper=0.1)
    assert lonely == [[]]  # nothing within the caliper: no control, never a far one


def test_outcome_like_columns_and_the_default_covariates(colon):
    for name in ("time", "futime", "status", "death", "etype", "rtime", "event_flag", "Survival.Time"):
        assert outcome_like(name), name
    for name in ("age", "nodes", "sex", "surg", "differ", "node4", "extent"):
        assert not outcome_like(name), name
    _, treated, model = colon
    chosen, numeric, categorical = select_covariates(model, treated, time="time", event="status")
    # id is not in the model, rx is constant in the treated arm, time/status are the outcome
    assert chosen == ["sex", "age", "obstruct", "perfor", "adhere", "nodes", "differ", "extent", "surg", "node4"]
    assert "age" in numeric and "sex" in categorical


def test_hazard_ratio_of_identical_arms_is_one(colon):
    observation, _, _ = colon
    hr = hazard_ratio(observation, observation, time="time", event="status")
    assert hr.hazard_ratio == pytest.approx(1.0) and hr.ci_low < 1 < hr.ci_high


# ----------------------------------------------------------------------------- the acceptance run
def test_colon_synthetic_controls_reproduce_the_lev5fu_benefit(colon, model_dir, tmp_path):
    """Lev+5FU vs synthetic controls (model of the observation arm) vs the real observation arm."""
    observation, treated, _ = colon
    real = hazard_ratio(treated, observation, time="time", event="status")
    assert real.hazard_ratio == pytest.approx(0.69, abs=0.03) and real.ci_high < 1  # Moertel et al.: a clear benefit
    treated.to_csv(tmp_path / "treated.csv", index=False)
    observation.to_csv(tmp_path / "observation.csv", index=False)
    result = runner.invoke(app, [
        "control-arm", "--model", str(model_dir), "--treated", str(tmp_path / "treated.csv"), "--time", "time",
        "--event", "status", "--out", str(tmp_path / "out"), "--reference", str(tmp_path / "observation.csv"),
        "--criteria", "age >= 18", "--seed", "0"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["smd_after"] < 0.1 <= summary["smd_before"] + 0.05
    assert summary["n_treated"] >= len(treated) - 2 and summary["n_controls"] == summary["n_treated"]
    assert summary["hazard_ratio"] < 1 and summary["ci_low"] < summary["hazard_ratio"] < summary["ci_high"]
    assert summary["ci_low"] <= real.ci_high and real.ci_low <= summary["ci_high"]  # the intervals overlap
    assert summary["ci_overlap"] is True
    assert summary["reference"]["hazard_ratio"] == pytest.approx(real.hazard_ratio, abs=0.02)
    assert set(summary["smd"]) == set(summary["covariates"]) and summary["model_fingerprint"]["sha256"]
    cohort = pd.read_csv(tmp_path / "out" / "synthetic_controls.csv")
    assert len(cohort) == summary["n_controls"] and (cohort["age"] >= 18).all()
    card = json.loads((tmp_path / "out" / "synthetic_controls.card.json").read_text())
    assert card["synthetic"] is True and card["conditions"] == "age >= 18" and card["control_arm"]["n_controls"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "data-balanced='true'" in html
    assert "http://" not in html and "https://" not in html


def test_matching_removes_real_imbalance_and_ratio_gives_more_controls(colon):
    """Treated patients older than the controls: the pool is imbalanced, the matched cohort is not."""
    _, treated, model = colon
    older = treated[treated["age"] >= 60].reset_index(drop=True)
    with pytest.warns(SynthcareWarning, match="more synthetic controls"):
        result = build_control_arm(model, older, time="time", event="status", ratio=2, random_state=1)
    assert abs(result.smd_before["age"]) > 0.5
    assert result.max_smd_after < 0.1
    assert len(result.controls) == 2 * len(result.treated) and result.controls["age"].min() >= 40
    assert result.summary()["n_controls"] == 2 * result.summary()["n_treated"]
    again = build_control_arm(model, older, time="time", event="status", ratio=2, random_state=1)
    pd.testing.assert_frame_equal(result.controls, again.controls)  # same seed, same cohort


def test_a_pool_that_cannot_reach_the_target_is_enlarged_and_says_so(colon):
    _, treated, model = colon
    with pytest.warns(SynthcareWarning, match="fewer than 1 synthetic control"):
        result = build_control_arm(model, treated, time="time", event="status", criteria="age <= 45",
                                   max_rounds=2, random_state=0)
    assert result.pool_size > 5 * len(treated)  # enlarged once
    assert any("enlarged" in n for n in result.notes)
    assert len(result.treated) < len(treated) == result.n_treated_input  # the shortfall is reported
    assert result.summary()["n_treated_input"] == len(treated)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("drop, kwargs, error, message", [
    ("time", {}, DataError, "no time column 'time'"),
    ("status", {}, DataError, "no event column 'status'"),
    ("nodes", {"covariates": ["age", "nodes"]}, DataError, "no covariate column 'nodes'"),
    (None, {"covariates": ["age", "weight"]}, DataError, "no covariate column 'weight'"),
    (None, {"criteria": "age > 200"}, ConditionError, "ranges over"),
    (None, {"criteria": "height > 3"}, ConditionError, "does not have"),
    (None, {"ratio": 0}, ParameterError, "'ratio' parameter"),
    (None, {"method": "nearest"}, ParameterError, "'method' parameter"),
])
def test_bad_input_is_refused_with_a_clear_error(colon, drop, kwargs, error, message):
    _, treated, model = colon
    frame = treated.drop(columns=[drop]) if drop else treated
    with pytest.raises(error, match=message):
        build_control_arm(model, frame, time="time", event="status", random_state=0, **kwargs)


def _set(column, row, value):
    def change(frame):
        frame = frame.copy()
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame
    return change


@pytest.mark.parametrize("change, kwargs, error, message", [
    (None, {"time": "id"}, DataError, "does not synthesise the time column 'id'"),
    (None, {"covariates": ["age", "time"]}, DataError, "time or event column"),
    (_set("age", 3, "old"), {}, DataError, "'age' holds non-numeric values"),
    (_set("time", 5, None), {}, DataError, "missing or negative 'time'"),
    (_set("time", 5, -3), {}, DataError, "missing or negative 'time'"),
    (_set("status", 0, 7), {}, DataError, "must hold 0/1, 1/2"),
    (lambda t: t[["time", "status", "id"]], {}, DataError, "no baseline covariate is shared"),
    (lambda t: pd.concat([t, t.head(3)]), {}, DataError, "repeated value.* identifier 'id'"),
    (lambda t: t[t["age"] >= 75], {"criteria": "age <= 40", "max_rounds": 1}, DataError,
     "No synthetic control could be matched"),
    (None, {"caliper": -0.2}, ParameterError, "'caliper' parameter"),
    (None, {"pool_factor": 1.5}, ParameterError, "'pool_factor' parameter"),
    (None, {"random_state": -1}, ParameterError, "random_state"),
])
def test_every_validator_raises(colon, change, kwargs, error, message):
    _, treated, model = colon
    frame = change(treated) if change else treated
    args = {"time": "time", "event": "status", "random_state": 0, **kwargs}
    with pytest.raises(error, match=message):
        build_control_arm(model, frame, **args)


def test_unfitted_model_and_treated_outside_the_criteria(colon):
    _, treated, model = colon
    with pytest.raises(NotFittedError):
        build_control_arm(get_engine("cart")(), treated, time="time", event="status")
    with pytest.warns(SynthcareWarning, match="do not meet the criteria 'age >= 50'"):
        result = build_control_arm(model, treated, time="time", event="status", criteria="age >= 50",
                                   max_rounds=1, random_state=0)
    assert (result.controls["age"] >= 50).all() and any("kept" in n for n in result.notes)


def test_treated_missing_both_outcome_columns_lists_both_problems(colon):
    _, treated, model = colon
    with pytest.raises(DataError) as info:
        build_control_arm(model, treated.drop(columns=["time", "status"]), time="time", event="status")
    assert "'time'" in str(info.value) and "'status'" in str(info.value)


@pytest.mark.parametrize("change, extra, message", [
    (lambda t: t.drop(columns=["age"]), ["--covariates", "age,sex"], "no covariate column 'age'"),
    (lambda t: t.drop(columns=["time"]), [], "no time column"),
    (lambda t: t.drop(columns=["status"]), [], "no event column"),
    (lambda t: t, ["--criteria", "age > 200"], "cannot honour"),
    (lambda t: t, ["--criteria", "age >> 3"], "position"),
])
def test_cli_errors_are_messages_not_tracebacks(colon, model_dir, tmp_path, change, extra, message):
    _, treated, _ = colon
    change(treated).to_csv(tmp_path / "treated.csv", index=False)
    result = runner.invoke(app, ["control-arm", "--model", str(model_dir), "--treated", str(tmp_path / "treated.csv"),
                                 "--time", "time", "--event", "status", "--out", str(tmp_path / "out"), *extra])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "summary.json").exists()


def test_control_arm_help():
    result = runner.invoke(app, ["control-arm", "--help"])
    assert result.exit_code == 0 and "--criteria" in result.output and "--ratio" in result.output
