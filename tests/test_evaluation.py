"""Evaluation: numbers cross-checked against reference libraries, verdict policy, report files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthcare.cli import app
from synthcare.errors import DataError, ParameterError, SynthcareWarning
from synthcare.evaluation import Policy, Threshold, evaluate, stats
from synthcare.evaluation.tables import prepare
from synthcare.evaluation.validity import column_metrics

from .conftest import load, split3
from .test_evaluation_canaries import column_shuffler


@pytest.fixture(scope="module")
def rotterdam():
    return split3(load("breast_rotterdam"))


# --- numbers agree with the reference libraries ------------------------------------------------

def test_column_shapes_equal_sdmetrics_ks_and_tv_complement(rotterdam):
    from sdmetrics.single_column import KSComplement, TVComplement

    train, holdout, _ = rotterdam
    noisy = holdout.copy()
    noisy["age"] = noisy["age"] + np.random.default_rng(0).normal(0, 5, len(noisy)).round()
    noisy.loc[noisy.index[:100], "size"] = ">50"
    data = prepare(train, noisy)
    kinds = data.kinds()
    for col in data.columns:
        ours = column_metrics(data.real[col], data.synthetic[col], kinds[col])["similarity"]
        ref = (KSComplement if kinds[col] == "numeric" else TVComplement).compute(
            data.real[col], data.synthetic[col])
        assert ours == pytest.approx(ref, abs=1e-5), col


def test_statistics_agree_with_scipy_and_sklearn():
    from scipy.stats import spearmanr
    from scipy.stats.contingency import association
    from sklearn.metrics import mutual_info_score, roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = y + rng.normal(0, 1.5, 500).round(1)  # ties included
    assert stats.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)

    x = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    x["b"] += x["a"]
    assert stats.spearman_abs(x).loc["a", "b"] == pytest.approx(abs(spearmanr(x["a"], x["b"])[0]), abs=1e-12)

    a = rng.integers(0, 4, 20_000)
    b = (a + rng.integers(0, 3, 20_000)) % 5
    p = np.bincount(a) / len(a)
    q = np.bincount(b) / len(b)
    h = min(-(p * np.log(p)).sum(), -(q * np.log(q)).sum())
    assert stats.normalized_mutual_information(a, b) == pytest.approx(mutual_info_score(a, b) / h, abs=1e-10)

    # Cramér's V is bias-corrected on purpose: on many rows it equals scipy's plain V ...
    table = pd.crosstab(a, b).to_numpy()
    plain = association(table, method="cramer")
    assert stats.cramers_v(pd.Series(a), pd.Series(b)) == pytest.approx(plain, abs=0.01)
    # ... while on few rows of independent columns it stays near 0 where the plain V does not
    u, v = pd.Series(rng.integers(0, 6, 60)), pd.Series(rng.integers(0, 6, 60))
    assert association(pd.crosstab(u, v).to_numpy(), method="cramer") > 0.2
    assert stats.cramers_v(u, v) < 0.15


# --- the verdict policy ------------------------------------------------------------------------

def test_threshold_judges_each_direction_and_relative_values():
    higher = Threshold(better="higher", warn=0.9, fail=0.8)
    assert [higher.judge(v) for v in (0.95, 0.85, 0.7, None, float("nan"))] == ["pass", "warn", "fail", "n/a", "n/a"]
    lower = Threshold(better="lower", warn=0.6, fail=0.75)
    assert [lower.judge(v) for v in (0.5, 0.7, 0.8)] == ["pass", "warn", "fail"]
    rel = Threshold(better="lower", warn=0.01, fail=0.05, relative=True, reference_without_holdout=0.0)
    assert rel.judge(0.30, reference=0.30) == "pass"  # as many copies as fresh real data has
    assert rel.judge(0.33, reference=0.30) == "warn"
    assert rel.judge(0.06) == "fail"  # no holdout: judged against 0
    with pytest.raises(ValueError, match="must be"):
        Threshold(better="higher", warn=0.8, fail=0.9)


def test_policy_yaml_round_trip_override_and_typos(tmp_path):
    default = Policy()
    path = tmp_path / "policy.yaml"
    path.write_text(default.to_yaml())
    assert Policy.load(path) == default
    path.write_text("privacy:\n  dcr_share: {better: lower, warn: 0.55, fail: 0.6}\n")
    loaded = Policy.load(path)
    assert loaded.threshold("privacy", "dcr_share").warn == 0.55
    assert loaded.threshold("validity", "detection_auc") == default.threshold("validity", "detection_auc")
    path.write_text("privacy:\n  dcr_shares: {better: lower, warn: 0.55, fail: 0.6}\n")
    with pytest.raises(ParameterError, match="unknown privacy checks.*dcr_share"):
        Policy.load(path)
    with pytest.raises(ParameterError, match="No policy file"):
        Policy.load(tmp_path / "missing.yaml")
    path.write_text("validity: [1, 2\n")
    with pytest.raises(ParameterError, match="not a valid YAML"):
        Policy.load(path)


def test_a_stricter_policy_changes_the_verdict(rotterdam):
    train, holdout, fresh = rotterdam
    strict = {"validity": {"column_shapes": {"better": "higher", "warn": 0.999, "fail": 0.998}}}
    report = evaluate(train, fresh, holdout=holdout, pillars=["validity"], policy=strict)
    assert report.pillars["validity"].check("column_shapes").verdict == "fail"
    assert report.verdict == "fail"


# --- bad input ---------------------------------------------------------------------------------

def test_bad_requests_get_clear_errors(rotterdam):
    train, holdout, fresh = rotterdam
    with pytest.raises(ParameterError, match="target column 'nope' is not in the real table"):
        evaluate(train, fresh, target="nope")
    with pytest.raises(ParameterError, match="both --time and --event"):
        evaluate(train, fresh, time="dtime")
    with pytest.raises(ParameterError, match="pillars"):
        evaluate(train, fresh, pillars=["validty"])
    bad = train.assign(death=train["death"] + 5)
    with pytest.raises(DataError, match="event column 'death' must hold"):
        evaluate(bad, fresh, time="dtime", event="death")
    with pytest.raises(DataError, match="holdout table lacks"):
        evaluate(train, fresh, holdout=holdout.drop(columns=["age"]))


def test_a_missing_synthetic_column_fails_coverage_with_a_warning(rotterdam):
    train, holdout, fresh = rotterdam
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = evaluate(train, fresh.drop(columns=["grade"]), holdout=holdout, pillars=["validity"])
    assert any(issubclass(w.category, SynthcareWarning) and "grade" in str(w.message) for w in caught)
    check = report.pillars["validity"].check("column_coverage")
    assert check.verdict == "fail" and check.details["missing"] == ["grade"]
    assert report.meta["data"]["excluded"]["grade"] == "missing from the synthetic table"


# --- utility and fairness ----------------------------------------------------------------------

def test_survival_utility_of_real_rows_passes_and_of_shuffled_rows_fails(rotterdam):
    train, holdout, fresh = rotterdam
    good = evaluate(train, fresh, holdout=holdout, target="recur", time="dtime", event="death",
                    pillars=["utility"])
    names = {c.name for c in good.pillars["utility"].checks}
    assert {"utility_ratio", "importance_agreement", "km_distance", "c_index_ratio",
            "hazard_ratio_agreement"} <= names
    assert good.pillars["utility"].verdict == "pass"
    assert any(f.id == "km_curves" for f in good.pillars["utility"].figures)
    bad = evaluate(train, column_shuffler(train), holdout=holdout, target="recur", time="dtime",
                   event="death", pillars=["utility"])
    assert bad.pillars["utility"].check("utility_ratio").verdict == "fail"
    assert bad.pillars["utility"].check("c_index_ratio").verdict == "fail"


def test_fairness_flags_a_lost_subgroup_and_amplified_bias():
    train, holdout, fresh = split3(load("flchain"))
    # subgroup shares: most women left out of the synthetic table
    women = fresh.index[fresh["sex"] == "F"]
    skewed = fresh.drop(index=women[: int(len(women) * 0.6)])
    report = evaluate(train, skewed, holdout=holdout, sensitive=["sex"], pillars=["fairness"])
    assert report.pillars["fairness"].check("subgroup_shares").verdict == "fail"
    # amplification: outcome labels of men scrambled in the synthetic table
    scrambled = train.copy()
    men = scrambled["sex"] == "M"
    scrambled.loc[men, "death"] = np.random.default_rng(0).permutation(scrambled.loc[men, "death"].to_numpy())
    report = evaluate(train, scrambled, holdout=holdout, target="death", sensitive=["sex"], pillars=["fairness"])
    amp = report.pillars["fairness"].check("fairness_amplification")
    assert amp.value > 0.05 and amp.verdict in ("warn", "fail"), amp
    fair = evaluate(train, fresh, holdout=holdout, target="death", sensitive=["sex"], pillars=["fairness"])
    assert fair.pillars["fairness"].verdict == "pass"


# --- report files, CLI and data card -----------------------------------------------------------

@pytest.fixture(scope="module")
def cli_report(tmp_path_factory, rotterdam):
    train, holdout, _ = rotterdam
    folder = tmp_path_factory.mktemp("evaluate")
    train.to_csv(folder / "train.csv", index=False)
    holdout.to_csv(folder / "holdout.csv", index=False)
    runner = CliRunner()
    result = runner.invoke(app, ["fit", str(folder / "train.csv"), "--out", str(folder / "model"), "--seed", "0"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["sample", str(folder / "model"), "--rows", "900", "--out",
                                 str(folder / "syn.csv"), "--seed", "1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [
        "evaluate", "--real", str(folder / "train.csv"), "--synthetic", str(folder / "syn.csv"),
        "--holdout", str(folder / "holdout.csv"), "--target", "recur", "--time", "dtime", "--event", "death",
        "--sensitive", "age", "--out", str(folder / "REPORT.html"),
    ])
    assert result.exit_code == 0, result.output
    return folder, result.output


def test_cli_writes_report_json_with_verdict_per_pillar_and_card(cli_report):
    folder, output = cli_report
    report = json.loads((folder / "REPORT.json").read_text())
    assert report["verdict"] in ("pass", "warn", "fail")
    for pillar in ("validity", "utility", "privacy", "fairness"):
        block = report["pillars"][pillar]
        assert block["verdict"] in ("pass", "warn", "fail")
        assert block["checks"], pillar
        for check in block["checks"].values():
            assert {"value", "reference", "threshold", "verdict"} <= set(check)
    assert report["pillars"]["validity"]["checks"]["detection_auc"]["reference"] is not None
    card = json.loads((folder / "syn.card.json").read_text())
    assert card["evaluation"]["verdict"] == report["verdict"]
    assert card["evaluation"]["pillars"]["privacy"] == report["pillars"]["privacy"]["verdict"]
    assert "validity.detection_auc" in card["evaluation"]["headline"]
    assert card["generator"]["engine"] == "cart"  # the card the sampler wrote is kept, not replaced
    assert "Verdict" in output


def test_cli_fail_on_sets_the_exit_status(tmp_path, rotterdam):
    train, holdout, _ = rotterdam
    train.to_csv(tmp_path / "train.csv", index=False)
    holdout.to_csv(tmp_path / "holdout.csv", index=False)
    column_shuffler(train).to_csv(tmp_path / "shuffled.csv", index=False)
    args = ["evaluate", "--real", str(tmp_path / "train.csv"), "--synthetic", str(tmp_path / "shuffled.csv"),
            "--holdout", str(tmp_path / "holdout.csv"), "--out", str(tmp_path / "r.html")]
    assert CliRunner().invoke(app, args + ["--fail-on", "fail"]).exit_code == 1
    assert CliRunner().invoke(app, args + ["--fail-on", "never"]).exit_code == 0
    bad = CliRunner().invoke(app, args + ["--fail-on", "sometimes"])
    assert bad.exit_code == 2 and "--fail-on" in bad.output


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_html_report_renders_offline_in_headless_chromium(cli_report, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("SYNTHCARE_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (SYNTHCARE_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it")
    folder, _ = cli_report
    html = (folder / "REPORT.html").read_text()
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
         (folder / "REPORT.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    dom = result.stdout
    assert "<body" in dom, result.stderr[-2000:]
    for section in ("summary", "validity", "utility", "privacy", "fairness"):
        assert f'id="{section}"' in dom, section
    for figure in ("fig-distributions", "fig-heatmaps", "fig-detection_roc", "fig-km_curves"):
        assert f'id="{figure}"' in dom, figure
    loaded = int(dom.split('data-figures-loaded="')[1].split('"')[0])
    total = int(dom.split('data-figures-total="')[1].split('"')[0])
    assert total >= 5 and loaded == total  # every embedded figure decoded and drawn
