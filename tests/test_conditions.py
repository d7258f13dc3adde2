"""Conditional sampling: conditions honoured by every row, rare ones fast, impossible ones refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthcare.cli import app
from synthcare.engines.registry import get_engine
from synthcare.evaluation import evaluate
from synthcare.sampling.conditions import ConditionError, mask, parse
from synthcare.sampling.rebalance import parse_mix

from .conftest import DATA_DIR, load, split3


@pytest.fixture(scope="module")
def flchain():
    train, holdout, _ = split3(load("flchain"))
    return train, holdout, get_engine("cart")(random_state=0).fit(train)


def test_parser_reads_pandas_like_conditions_and_says_where_it_fails():
    frame = pd.DataFrame({"age": [70, 50, np.nan], "sex": ["F", "F", "M"], "sample.yr": [1995, 1990, 1996]})
    node = parse('age >= 65 and sex == "F" or (`sample.yr` in [1996] and not age < 60)')
    assert mask(node, frame).tolist() == [True, False, True]  # a comparison with missing is false
    assert mask(parse("sex != 'F'"), frame).tolist() == [False, False, True]
    assert mask(parse("65 <= age"), frame).tolist() == [True, False, False]
    for bad, where in [("age >= ", 8), ("(age > 3", 9), ("age in []", 9), ("sex = 'F'", 5)]:
        with pytest.raises(ConditionError, match=f"position {where}"):
            parse(bad)


def test_names_and_values_in_any_script_as_pandas_allows():
    frame = pd.DataFrame({"Hämoglobin": [11.0, 13.5, 9.0], "Geschlecht": ["männlich", "weiblich", "männlich"],
                          "note": ['said "no"', "x", "y"]})
    node = parse('Hämoglobin < 12 and Geschlecht == "männlich"')
    assert mask(node, frame).tolist() == [True, False, True]
    assert mask(parse(r'note == "said \"no\""'), frame).tolist() == [True, False, False]


def test_dates_written_day_first_are_read_day_first_in_conditions_and_checks():
    from synthcare.columns.datetime import days

    written = pd.Series(["03.04.1990", "13.04.1990"])
    assert days(written, "%d.%m.%Y").diff().iloc[1] == 10  # 3 and 13 April
    other = days(pd.Series(["2020-01-05", "2020-01-06 00:00:00", "not a date", None]), "%Y-%m-%d")
    assert other.iloc[1] - other.iloc[0] == 1 and other.iloc[2:].isna().all()  # another way: still read
    rng = np.random.default_rng(0)
    seen = pd.Timestamp("1990-01-01") + pd.to_timedelta(rng.integers(0, 365, 400), unit="D")
    frame = pd.DataFrame({"visit": seen.strftime("%d.%m.%Y"), "hb": rng.normal(13, 1, 400).round(1)})
    model = get_engine("cart")(random_state=0).fit(frame)
    out = model.sample(300, conditions='visit >= "03.04.1990"', random_state=0)
    dates = pd.to_datetime(out["visit"], format="%d.%m.%Y")
    assert dates.min() >= pd.Timestamp("1990-04-03") and dates.max() > pd.Timestamp("1990-06-01")


def test_multi_column_condition_holds_in_every_row_and_follows_the_real_subcohort(flchain):
    train, holdout, model = flchain
    cond = 'age >= 65 and sex == "F" and death == 1'
    cohort = model.sample(1500, conditions=cond, random_state=1)
    assert len(cohort) == 1500
    assert mask(parse(cond), cohort).all()
    real = train.query("age >= 65 and sex == 'F' and death == 1")
    real_holdout = holdout.query("age >= 65 and sex == 'F' and death == 1")
    report = evaluate(real, cohort, holdout=real_holdout, pillars=["validity"], random_state=0)
    flagged = {c.name: (c.value, c.reference) for c in report.pillars["validity"].checks if c.verdict != "pass"}
    assert report.pillars["validity"].verdict == "pass", flagged


def test_rare_condition_returns_the_rows_asked_for(flchain):
    train, _, model = flchain
    cond = "age >= 90 and `flc.grp` == 10"
    share = mask(parse(cond), train).mean()
    assert 0 < share < 0.01
    cohort = model.sample(2000, conditions=cond, random_state=2)
    assert len(cohort) == 2000 and mask(parse(cond), cohort).all()
    # the other columns still depend on the condition: the very old die more often than average
    assert cohort["death"].mean() > train["death"].mean() + 0.2


def test_or_conditions_across_columns_keep_both_alternatives_in_proportion(flchain):
    train, _, model = flchain
    cond = 'chapter == "Circulatory" or (creatinine > 1.5 and sex == "M")'
    cohort = model.sample(2000, conditions=cond, random_state=3)
    assert mask(parse(cond), cohort).all()
    real = train[mask(parse(cond), train)]
    real_share = (real["chapter"] == "Circulatory").mean()
    assert 0.2 < real_share < 0.9  # both alternatives matter in the real data ...
    assert abs((cohort["chapter"] == "Circulatory").mean() - real_share) < 0.15  # ... and in the cohort


@pytest.mark.parametrize("cond, message", [
    ("age > 200", "ranges over"),
    ("age > 70 and age < 60", "contradicts itself"),
    ('chapter == "Flu"', "never seen"),
    ("height > 3", "does not have"),
    ('sex > "F"', "categorical"),
])
def test_impossible_conditions_fail_before_any_sampling(flchain, monkeypatch, cond, message):
    _, _, model = flchain

    def never(*args, **kwargs):
        raise AssertionError("sampling started for a condition that cannot hold")

    monkeypatch.setattr(model, "_sample_conditioned", never)
    with pytest.raises(ConditionError, match=message):
        model.sample(100, conditions=cond, random_state=0)


def test_condition_as_mapping_and_same_seed_same_rows(flchain):
    _, _, model = flchain
    a = model.sample(300, conditions={"age": (60, 70), "sex": "M"}, random_state=5)
    b = model.sample(300, conditions={"age": (60, 70), "sex": "M"}, random_state=5)
    pd.testing.assert_frame_equal(a, b)
    assert a["age"].between(60, 70).all() and (a["sex"] == "M").all()


def test_engine_without_conditional_sampling_uses_bounded_rejection():
    frame = load("diabetes_pima")
    model = get_engine("gaussian_copula")(random_state=0).fit(frame)
    cohort = model.sample(200, conditions='type == "Yes" and age >= 40', random_state=0)
    assert len(cohort) == 200 and ((cohort["type"] == "Yes") & (cohort["age"] >= 40)).all()


def test_rebalance_mix_and_cli_where(tmp_path):
    assert parse_mix("type=Yes:0.5") == ("type", {"Yes": 0.5})
    with pytest.raises(ConditionError, match="share"):
        parse_mix("type=Yes:1.5")
    runner = CliRunner()
    data = DATA_DIR / "diabetes_pima.csv"
    assert runner.invoke(app, ["fit", str(data), "--out", str(tmp_path / "m"), "--seed", "0"]).exit_code == 0
    out = tmp_path / "old.csv"
    result = runner.invoke(app, ["sample", str(tmp_path / "m"), "--rows", "400", "--out", str(out),
                                 "--where", "age >= 50", "--rebalance", "type=Yes:0.75", "--seed", "1"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert len(frame) == 400 and (frame["age"] >= 50).all() and (frame["type"] == "Yes").mean() == 0.75
    bad = runner.invoke(app, ["sample", str(tmp_path / "m"), "--rows", "10", "--out", str(out),
                              "--where", "age >> 3"])
    assert bad.exit_code == 2 and "position 6" in bad.output and "Traceback" not in bad.output


# --- clinical rules ----------------------------------------------------------------------------

def test_rules_are_suggested_from_the_data():
    from synthcare.data.inference import infer_schema
    from synthcare.sampling.rules import suggest_rules

    rotterdam = load("breast_rotterdam")
    assert "dtime >= rtime" in [r for r, _ in suggest_rules(rotterdam, infer_schema(rotterdam))]
    fl = load("flchain")
    assert "death == 0 implies chapter is missing" in [r for r, _ in suggest_rules(fl, infer_schema(fl))]


def test_declared_rules_hold_in_every_one_of_100k_rows_and_broken_real_rows_are_reported():
    from synthcare.data.inference import infer_schema
    from synthcare.errors import SynthcareWarning

    fl = load("flchain")
    schema = infer_schema(fl)
    schema.rules = [
        "death == 0 implies chapter is missing",  # implication on missingness
        "futime >= age",  # an ordering between columns (1.5% of real rows break it)
        "creatinine <= 4 or creatinine is missing",  # a range (a few real rows break it)
        '`flc.grp` in [1, 2, 3, 4, 5, 6, 7, 8] or sex == "M"',  # a fixed combination
    ]
    with pytest.warns(SynthcareWarning, match="futime >= age.*broken by"):
        model = get_engine("cart")(random_state=0).fit(fl, schema=schema)
    assert model.broken_rules_["futime >= age"] > 0
    synthetic = model.sample(100_000, random_state=1)
    assert len(synthetic) == 100_000
    for rule in schema.rules:
        assert mask(parse(rule), synthetic).all(), rule
    # the rest stays faithful: the death rate is that of the real rows that keep the rules
    # (women in the top FLC groups die more often, so the last rule lowers it from 0.275 to 0.245)
    keep = np.logical_and.reduce([mask(parse(rule), fl) for rule in schema.rules])
    assert abs(synthetic["death"].mean() - fl.loc[keep, "death"].mean()) < 0.02


def test_rules_are_checked_when_the_schema_is_read(tmp_path):
    from synthcare.data.inference import infer_schema
    from synthcare.data.schema import Schema
    from synthcare.errors import SchemaError

    data = infer_schema(load("breast_rotterdam")).model_dump()
    for rule, message in [("dtime >= nope", "not in the schema"), ("dtime >=", "Cannot parse"),
                          ("recur == 1 implies dtime >= rtime", "top level")]:
        with pytest.raises(SchemaError, match=message):
            Schema.from_dict({**data, "rules": [rule]})


def test_cli_rules_writes_a_schema_with_the_suggestions(tmp_path):
    runner = CliRunner()
    data = DATA_DIR / "breast_rotterdam.csv"
    result = runner.invoke(app, ["rules", str(data), "--out", str(tmp_path / "schema.json")])
    assert result.exit_code == 0, result.output
    assert "dtime >= rtime" in result.output
    import json

    assert "dtime >= rtime" in json.loads((tmp_path / "schema.json").read_text())["rules"]
    result = runner.invoke(app, ["fit", str(data), "--out", str(tmp_path / "m"), "--schema",
                                 str(tmp_path / "schema.json"), "--seed", "0"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["sample", str(tmp_path / "m"), "--rows", "2000", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "s.csv")
    assert (frame["dtime"] >= frame["rtime"]).all()
