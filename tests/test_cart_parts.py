"""The CART engine's parts: quantile grids, pruning, and what they promise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthcare.engines import quantiles, trees
from synthcare.engines.registry import get_engine
from synthcare.errors import ParameterError

from .conftest import load


def test_spread_grid_interpolates_small_groups_and_keeps_ties():
    groups = np.array([0, 0, 0, 1, 1, 1, 1])
    values = np.array([3.0, 1.0, 2.0, 5.0, 5.0, 5.0, 9.0])
    grid = quantiles.spread(groups, values, 3, 8)
    assert np.all(np.diff(grid[0]) > 0)  # three distinct values: no point repeated
    assert grid[0].min() >= 1.0 and grid[0].max() <= 3.0
    assert np.sum(grid[1] == 5.0) >= 4  # a value held by most of the group stays a spike
    assert np.isnan(grid[2]).all()  # an empty group


def test_draw_by_row_index_matches_draw_on_copied_rows():
    grids = np.array([[0.0, 1.0, 2.0, 3.0], [10.0, 10.0, 10.0, 11.0]])
    rows = np.array([1, 0, 1, 1, 0])
    by_index = quantiles.draw(grids, np.random.default_rng(3), rows)
    copied = quantiles.draw(grids[rows], np.random.default_rng(3))
    np.testing.assert_array_equal(by_index, copied)


def test_grid_draws_keep_the_spread_of_their_values_tails_included():
    # the end points stand at the 1/32 and 31/32 quantiles: half their mass lies beyond them
    rng = np.random.default_rng(0)
    values = rng.normal(size=1000)
    grid = quantiles.spread(np.zeros(1000, dtype=np.int64), values, 1, 16)
    drawn = quantiles.draw(grid, rng, np.zeros(200_000, dtype=np.int64))
    assert drawn.std() / values.std() > 0.96  # 0.94 with cells stopped at the end points
    assert (drawn < grid[0, 0]).mean() == pytest.approx(1 / 32, abs=0.003)
    assert (drawn > grid[0, -1]).mean() == pytest.approx(1 / 32, abs=0.003)


def test_a_draw_cut_to_everything_is_the_plain_draw():
    from synthcare.engines import truncated

    grid = np.array([[0.0, 1.0, 1.0, 2.0, 4.0]])
    rows = np.zeros(100_000, dtype=np.int64)
    plain = quantiles.draw(grid, np.random.default_rng(1), rows)
    cut, mass = truncated.grid_values(grid[rows], np.full((rows.size, 1), -np.inf),
                                      np.full((rows.size, 1), np.inf), np.random.default_rng(2))
    np.testing.assert_allclose(mass, 1.0)
    for q in (0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95):
        assert np.quantile(cut, q) == pytest.approx(np.quantile(plain, q), abs=0.03)
    assert (cut == 1.0).mean() == pytest.approx((plain == 1.0).mean(), abs=0.01)  # the spike
    assert cut.min() < 0.0 and cut.max() > 4.0  # both reach beyond the end points


def _stump_tree() -> dict[str, np.ndarray]:
    from sklearn.tree import DecisionTreeRegressor

    X = np.arange(20, dtype=float)[:, None]
    y = np.r_[np.zeros(10), np.ones(10)]
    return trees.from_sklearn(DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y))


def test_prune_collapses_splits_that_do_not_help_held_out_rows():
    arrays = _stump_tree()
    n = arrays["left"].shape[0]
    assert n > 1
    pruned = trees.prune(arrays, np.zeros(n))  # ties: the simpler tree wins
    assert pruned["left"].tolist() == [-1]
    assert pruned["kept"].tolist() == [0]


def test_prune_keeps_splits_that_help_and_stays_a_valid_tree():
    arrays = _stump_tree()
    n = arrays["left"].shape[0]
    loss = np.zeros(n)
    loss[0] = 10.0  # the root as a leaf is much worse than its children
    pruned = trees.prune(arrays, loss)
    pruned.pop("kept")
    assert pruned["left"][0] != -1
    trees.check(pruned, 1)
    X = np.linspace(0, 19, 50)[:, None]
    assert set(np.unique(trees.apply(pruned, X))) == set(trees.leaves(pruned))


def test_cart_prune_parameter_is_validated():
    with pytest.raises(ParameterError, match="'prune' parameter of CARTSynthesizer must be a bool"):
        get_engine("cart")(prune="yes").fit(load("lung_ncctg"))


def test_cart_draws_values_between_training_values_not_the_values_themselves():
    # small leaves used to replay their rows' exact values (88% of synthetic values on wdbc)
    frame = load("breast_wdbc")
    out = get_engine("cart")(random_state=0).fit(frame).sample(len(frame), random_state=0)
    for column in ("mean area", "worst perimeter"):
        copied = out[column].isin(set(frame[column])).mean()
        assert copied < 0.3, (column, copied)


def test_prune_never_collapses_kept_nodes():
    arrays = _stump_tree()
    n = arrays["left"].shape[0]
    keep = np.zeros(n, dtype=bool)
    keep[0] = True
    pruned = trees.prune(arrays, np.zeros(n), keep=keep)
    assert pruned["left"][0] != -1  # the root split stays, its children's subtrees go
    assert np.sum(pruned["left"] == -1) == 2


def test_marginal_cdf_inverts_the_quantile_function_and_spans_spikes():
    from synthcare.engines import linear

    knot = linear.knots(np.array([1.0, 2.0, 2.0, 2.0, 5.0]))
    p = np.linspace(0.0, 1.0, 101)
    values = linear.quantile(p, knot)
    for side in ("left", "right"):
        np.testing.assert_allclose(linear.quantile(linear.cdf(values, knot, side), knot), values, atol=1e-12)
    # the spike at 2 holds the probability between its first and last grid point
    assert linear.cdf(np.array([2.0]), knot, "left")[0] == pytest.approx(0.3)
    assert linear.cdf(np.array([2.0]), knot, "right")[0] == pytest.approx(0.7)
    assert linear.cdf(np.array([-np.inf, np.inf, np.nan]), knot, "left").tolist()[:2] == [0.0, 1.0]


def test_link_is_fitted_only_where_it_predicts_out_of_sample():
    from synthcare.engines import linear

    rng = np.random.default_rng(0)
    Z = rng.normal(size=(300, 5))
    assert linear.fit(Z, rng.normal(size=300)) is None  # unrelated: no link
    z = Z @ np.array([1.0, -0.5, 0.0, 0.0, 0.0]) + 0.3 * rng.normal(size=300)
    coef, _, residual = linear.fit(Z, z)
    np.testing.assert_allclose(coef[:2], [1.0, -0.5], atol=0.1)
    # leave-one-out residuals: a little larger than the noise, never the too-small in-sample ones
    assert 0.3 <= residual.std() <= 0.4


def test_linked_columns_keep_a_wide_panel_correlated_and_honour_conditions():
    frame = load("breast_wdbc")
    columns = ["mean radius", "mean texture", "mean smoothness", "mean compactness", "mean concavity",
               "mean concave points", "mean symmetry", "target"]
    frame = frame[columns]
    linked = get_engine("cart")(random_state=0).fit(frame)
    assert any(meta.get("linear") for meta in linked.columns_)
    plain = get_engine("cart")(random_state=0, link=False).fit(frame)
    real = frame.corr(method="spearman").to_numpy()
    error = {}
    for name, model in (("linked", linked), ("plain", plain)):
        synthetic = model.sample(2000, random_state=1)
        error[name] = np.abs(synthetic.corr(method="spearman").to_numpy() - real).mean()
    assert error["linked"] < error["plain"]
    cohort = linked.sample(300, conditions="`mean concavity` >= 0.15 and `mean concavity` < 0.2", random_state=2)
    assert cohort["mean concavity"].between(0.15, 0.2, inclusive="left").all()


def test_cart_learns_the_end_of_follow_up_and_keeps_every_row_inside_it():
    frame = load("flchain")
    model = get_engine("cart")(random_state=0).fit(frame)
    meta = next(m for m in model.columns_ if m["name"] == "futime")
    assert meta.get("anchor") is not None and meta["sign"] == -1  # an upper bound...
    assert model.columns_[meta["anchor"]]["name"] == "sample.yr"  # ...set by the year of sampling
    synthetic = model.sample(20_000, random_state=1)
    real_end = frame.groupby("sample.yr")["futime"].max()
    # patients sampled in a later year are followed for less time, as in the real data: hardly
    # a synthetic patient is followed for longer than any real one sampled in the same year
    beyond = synthetic["futime"].to_numpy() > synthetic["sample.yr"].map(real_end).to_numpy() + 31
    assert beyond.mean() < 0.004  # 0.009 without the learnt bound
    assert synthetic.groupby("sample.yr")["futime"].max().diff().dropna().lt(0).all()
    cohort = model.sample(500, conditions="futime >= 4000", random_state=2)
    assert (cohort["futime"] >= 4000).all()


def test_link_uses_few_predictors_on_a_wide_table_so_it_cannot_retrace_training_rows():
    from synthcare.engines import linear

    frame = load("alzheimers_ad_data").iloc[:160, 100:]  # 160 rows, 31 columns
    model = get_engine("cart")(random_state=0).fit(frame)
    links = [model.parts_[f"c{j}l"] for j, meta in enumerate(model.columns_) if meta.get("linear")]
    assert links, "a laboratory panel should get linear links"
    assert max(link["cols"].size for link in links) <= 160 // linear.ROWS_PER_PREDICTOR


def test_an_outcome_after_a_wide_panel_keeps_its_tie_to_the_whole_panel():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame = load("alzheimers_ad_data")
    frame = frame[[c for c in frame.columns if c not in {"Genotype", "male"}]]  # numbers, then Class
    train, test = frame.iloc[::2].reset_index(drop=True), frame.iloc[1::2].reset_index(drop=True)
    features = [c for c in frame.columns if c != "Class"]

    def auc_on_real(synthetic):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
        model.fit(synthetic[features], synthetic["Class"])
        return roc_auc_score(test["Class"], model.predict_proba(test[features])[:, 1])

    scored = get_engine("cart")(random_state=0).fit(train)
    class_key = f"c{len(features)}"
    assert f"{class_key}s" in scored.parts_  # the outcome's trees see the panel's ridge score
    # the score is one predictor, not a value drawn through the link, so it may use twice as many
    # columns as a link (one per 10 rows): the class follows more of the panel (TSTR 0.81 -> 0.88)
    assert scored.parts_[f"{class_key}s"]["cols"].size == len(train) // 10
    plain = get_engine("cart")(random_state=0, link=False).fit(train)
    with_score = auc_on_real(scored.sample(1000, random_state=1))
    without = auc_on_real(plain.sample(1000, random_state=1))
    assert with_score > without + 0.03, (with_score, without)
    # a saved linear part must refer to earlier columns only
    meta, arrays = scored._get_state()
    arrays[f"{class_key}s/cols"] = arrays[f"{class_key}s/cols"] + len(features)
    with pytest.raises(ValueError, match="do not come before"):
        get_engine("cart")()._set_state(meta, arrays)


CONCAVITY = ["mean concavity", "mean concave points", "concavity error", "concave points error",
             "worst concavity", "worst concave points"]


def test_a_small_point_mass_at_zero_keeps_its_share_and_its_company(tmp_path):
    from synthcare.persistence import load_model, save_model

    frame = load("breast_wdbc")
    real_zero = (frame[CONCAVITY] == 0).all(axis=1)
    assert ((frame[CONCAVITY] == 0).any(axis=1) == real_zero).all()  # in the real data: all or none
    model = get_engine("cart")(random_state=0).fit(frame)
    spiked = [m["name"] for m in model.columns_ if "spike" in m]
    assert {"mean concavity", "mean concave points"} <= set(spiked)
    save_model(model, tmp_path / "model")
    synthetic = load_model(tmp_path / "model").sample(5000, random_state=1)
    zero = synthetic[CONCAVITY] == 0
    # the share of tumours with no concavity is kept (0.2% without the spike's own tree) ...
    assert 0.5 * real_zero.mean() < zero["mean concavity"].mean() < 2 * real_zero.mean()
    # ... and a zero error or worst value comes with a zero mean (3.4% of rows had a lone
    # zero error when gaps drawn past the bound were clipped onto zero)
    alone = zero.any(axis=1) & ~zero["mean concavity"]
    assert alone.mean() < 0.005
    cohort = model.sample(200, conditions="`mean concavity` == 0", random_state=2)
    assert (cohort["mean concavity"] == 0).all()
    assert (cohort["worst concavity"] == 0).mean() > 0.5  # the spike's company follows it
    cohort = model.sample(300, conditions="`mean concavity` > 0.01", random_state=3)
    assert (cohort["mean concavity"] > 0.01).all()


def test_find_spike_takes_only_a_small_mass_at_an_end_of_the_range():
    from synthcare.engines.cart import find_spike

    values = np.r_[np.zeros(10), np.linspace(1, 5, 290)]
    assert find_spike(values) == 0.0
    assert find_spike(-values) == 0.0  # at the top of the range
    assert find_spike(np.r_[np.zeros(100), np.linspace(1, 5, 200)]) is None  # the grid keeps it
    assert find_spike(np.r_[np.full(10, 3.0), np.linspace(1, 5, 290)]) is None  # not at an end
    assert find_spike(np.repeat(np.arange(30.0), 10)) is None  # ties everywhere: no single spike


def test_an_ordering_every_training_row_keeps_holds_in_synthetic_rows(tmp_path):
    from synthcare.persistence import load_model, save_model

    frame = load("pbcseq_longitudinal")
    assert (frame["day"] <= frame["futime"]).all()  # no visit after the end of follow-up
    model = get_engine("cart")(random_state=0).fit(frame)
    day = next(m for m in model.columns_ if m["name"] == "day")
    assert day.get("anchor") is None  # a gap to futime would smear the visits on day 0 ...
    save_model(model, tmp_path / "model")
    synthetic = load_model(tmp_path / "model").sample(5000, random_state=1)
    # ... so the ordering is kept by drawing again (4.9% of rows broke it before)
    assert (synthetic["day"] > synthetic["futime"]).mean() < 0.002
    assert 0.5 < (synthetic["day"] == 0).mean() / (frame["day"] == 0).mean() < 1.5  # day 0 stays a spike
    cohort = model.sample(500, conditions="futime < 1000", random_state=2)
    assert (cohort["futime"] < 1000).all() and (cohort["day"] > cohort["futime"]).mean() < 0.002


def test_a_sign_that_changes_from_visit_to_visit_keeps_its_ties_with_the_labs_and_the_other_signs(tmp_path):
    from synthcare.persistence import load_model, save_model

    frame = load("pbcseq_longitudinal")
    model = get_engine("cart")(random_state=0).fit(frame)
    names = [m["name"] for m in model.columns_]
    labs = ["bili", "albumin", "protime"]
    # the signs are learnt after the laboratory values, the patient's baseline columns before them
    assert names.index("futime") < names.index("day") < names.index("protime") < names.index("ascites")
    ascites = names.index("ascites")  # three classes: no, yes, missing
    assert model.parts_[f"c{ascites}s"]["intercept"].size == 3  # a ridge score per class
    save_model(model, tmp_path / "model")
    synthetic = load_model(tmp_path / "model").sample(3 * len(frame), random_state=1)

    def gaps(d):  # mean rank of each lab among the real values: visits with ascites minus without
        out = []
        for lab in labs:
            real = np.sort(frame[lab].dropna().to_numpy())
            rank = pd.Series(np.searchsorted(real, d[lab]) / real.size, index=d.index).where(d[lab].notna())
            out.append(rank[d["ascites"] == 1].mean() - rank[d["ascites"] == 0].mean())
        return np.array(out)

    # drawn before the labs, ascites kept 0.35-0.61 of these gaps (seeds 0-1; prothrombin time
    # 0.35-0.37), now 0.71-0.90; a new real half keeps about 0.9 of such gaps
    kept = gaps(synthetic) / gaps(frame)
    assert (kept > 0.6).all(), dict(zip(labs, kept.round(2)))
    # and the signs keep their ties with one another: each one's scores also weigh the classes
    # of the signs drawn before it; on the labs alone the 10 pairs kept 0.52-0.53 of the real
    # Spearman correlations in all (seeds 0-1), now 0.72-0.79
    signs = ["ascites", "hepato", "spiders", "edema", "stage"]
    pairs = np.triu_indices(len(signs), 1)

    def ties(d):
        return d[signs].corr("spearman").to_numpy()[pairs].sum()

    share = ties(synthetic) / ties(frame)
    assert share > 0.62, share
    edema = model.parts_[f"c{names.index('edema')}s"]
    assert names.index("ascites") in edema["cols"][edema["classes"] >= 0]
    # a saved score must say which class's sum each coefficient is in
    meta, arrays = model._get_state()
    arrays[f"c{ascites}s/which"] = arrays[f"c{ascites}s/which"] + 3
    with pytest.raises(ValueError, match="which of its sums"):
        get_engine("cart")()._set_state(meta, arrays)
    # and which class of an earlier column each indicator stands for
    meta, arrays = model._get_state()
    classes = arrays[f"c{names.index('edema')}s/classes"]
    arrays[f"c{names.index('edema')}s/classes"] = np.where(classes >= 0, classes + 5, classes)
    with pytest.raises(ValueError, match="a class that column does not have"):
        get_engine("cart")()._set_state(meta, arrays)


def test_a_spike_drawn_from_its_own_tree_keeps_the_learnt_orderings():
    frame = load("breast_wdbc")
    half = frame.iloc[np.random.default_rng(20240611).permutation(len(frame))[:285]]
    model = get_engine("cart")(random_state=0).fit(half)
    assert any("spike" in m and m.get("orders") for m in model.columns_)
    synthetic = model.sample(20_000, random_state=1)
    names = [m["name"] for m in model.columns_]
    for meta in model.columns_:  # 24 rows broke one when spikes were not checked
        for i, sign in meta.get("orders", []):
            gap = sign * (synthetic[meta["name"]] - synthetic[names[i]])
            assert (gap < -1e-6).sum() == 0, (meta["name"], names[i])


def test_a_bounded_column_the_link_explains_keeps_its_function_and_its_bound():
    frame = load("breast_wdbc")
    model = get_engine("cart")(random_state=0).fit(frame)
    meta = {m["name"]: m for m in model.columns_}
    names = [m["name"] for m in model.columns_]
    area = meta["worst area"]  # never below the mean area, and nearly pi * (worst radius)**2
    assert area.get("anchor") is None and area.get("linear")
    assert [names.index("mean area"), 1] in area["orders"]
    synthetic = model.sample(5000, random_state=1)
    assert (synthetic["worst area"] >= synthetic["mean area"]).all()
    assert (synthetic["worst radius"] >= synthetic["mean radius"]).all()
    # drawn as a gap to the mean area, the area left its radius 4 times as loosely as in the
    # real data (trees cut the curve into steps); the link follows the curve
    def shape(d):
        return (d["worst area"] / d["worst radius"] ** 2).std()

    assert shape(synthetic) < 2 * shape(frame)
    # where many rows sit on the bound (death on the day of progression) the gap stays
    mgus2 = get_engine("cart")(random_state=0).fit(load("mgus2"))
    futime = next(m for m in mgus2.columns_ if m["name"] == "futime")
    assert futime.get("anchor") is not None


def test_a_time_drawn_as_a_gap_also_stays_inside_the_end_of_the_study(tmp_path):
    from synthcare.persistence import load_model, save_model

    frame = load("breast_rotterdam")
    model = get_engine("cart")(random_state=0).fit(frame)
    names = [m["name"] for m in model.columns_]
    dtime = model.columns_[names.index("dtime")]
    assert dtime["anchor"] == names.index("rtime")  # death is drawn as its gap to recurrence ...
    envelope = next(o for o in dtime["orders"] if len(o) == 4)
    assert envelope[:2] == [names.index("year"), -1]  # ... and kept before the study's end
    save_model(model, tmp_path / "model")
    synthetic = load_model(tmp_path / "model").sample(10_000, random_state=1)
    end = envelope[2] + envelope[3] * synthetic["year"]
    # 2.0% of rows passed it before, and 0.04% while the year was drawn on a continuous scale and
    # only made whole on output (the death time was drawn for 1989.6, the row showed 1990)
    assert not (synthetic["dtime"] > end + 0.5).any()
    # 2.7% of rows died later than any real patient enrolled that year before
    latest = frame.groupby("year")["dtime"].max()
    assert (synthetic["dtime"] > synthetic["year"].map(latest)).mean() < 0.015
    cohort = model.sample(1000, conditions="year >= 1990", random_state=2)
    assert not (cohort["dtime"] > envelope[2] + envelope[3] * cohort["year"] + 0.5).any()  # was 3.4%


def test_a_time_bounded_by_the_end_of_the_study_keeps_its_early_events_at_every_enrolment_year():
    frame = load("breast_rotterdam")
    model = get_engine("cart")(random_state=0).fit(frame)
    rtime = next(m for m in model.columns_ if m["name"] == "rtime")
    assert rtime.get("scaled") and rtime["sign"] == -1  # drawn as a share of the follow-up left
    synthetic = model.sample(3 * len(frame), random_state=0)

    def early(d):
        return (d["rtime"] < 730).mean()  # recurrence within two years

    # drawn as plain gaps, a leaf's gaps from patients of every year were handed to all of them:
    # 17-18% of synthetic patients recurred early against 22% of real ones, 18-19% against 27%
    # of those enrolled by 1985 (seeds 0-2)
    assert 0.9 < early(synthetic) / early(frame) < 1.1
    first = frame["year"] <= 1985
    assert early(synthetic[synthetic["year"] <= 1985]) / early(frame[first]) > 0.8
    cohort = model.sample(1000, conditions="year <= 1985 and rtime >= 365", random_state=1)
    assert (cohort["year"] <= 1985).all() and (cohort["rtime"] >= 365).all()
    end = rtime["offset"] + rtime["slope"] * cohort["year"]
    assert (cohort["rtime"] <= end + 0.5).all()
    assert 0.8 < early(cohort) / early(frame[first & (frame["rtime"] >= 365)]) < 1.25
    meta, arrays = model._get_state()  # a saved share needs the end of the range it is a share of
    next(m for m in meta["columns"] if m["name"] == "rtime")["lower"] = None
    with pytest.raises(ValueError, match="share of a room"):
        get_engine("cart")()._set_state(meta, arrays)


def test_rounding_each_column_to_its_own_values_keeps_ties_and_orderings(tmp_path):
    from synthcare.persistence import load_model, save_model

    frame = load("mgus2")
    assert (frame["futime"] >= frame["ptime"]).all()  # follow-up ends at or after progression ...
    assert (frame.loc[frame["pstat"] == 0, "futime"] == frame.loc[frame["pstat"] == 0, "ptime"]).all()
    model = get_engine("cart")(random_state=0).fit(frame)
    save_model(model, tmp_path / "model")
    synthetic = load_model(tmp_path / "model").sample(5000, random_state=1)
    # ... and both are whole days snapped to the values each column holds: snapped apart, 3.9% of
    # patients without progression ended follow-up a day off it, 1.7% before it
    assert (synthetic["futime"] >= synthetic["ptime"]).all()
    stable = synthetic["pstat"] == 0
    assert (synthetic.loc[stable, "futime"] == synthetic.loc[stable, "ptime"]).mean() > 0.99
    cohort = model.sample(500, conditions="ptime < 3000", random_state=2)
    assert (cohort["ptime"] < 3000).all() and (cohort["futime"] >= cohort["ptime"]).all()


def test_keeping_an_ordering_on_output_leaves_rows_with_a_missing_bound_alone():
    import pandas as pd

    from synthcare.columns.base import Encoded
    from synthcare.columns.table import _keep_order

    drawn = {"stop": Encoded("stop", "continuous", np.array([3.0, 5.0, 7.0, 2.0])),
             "start": Encoded("start", "continuous", np.array([3.0, np.nan, 6.5, 1.0]))}
    out = {"stop": pd.Series([4, 5, 6, 2], dtype="int64"),  # rounded apart from an equal start
           "start": pd.Series(pd.array([3, None, 7, 1], dtype="Int64"))}  # and 6.5 rounded past 7.0
    _keep_order(out, drawn, "stop", "start", 1)
    assert out["stop"].dtype == "int64"
    assert out["stop"].tolist() == [3, 5, 7, 2]


def test_cut_thin_leaves_every_leaf_at_least_that_many_patients():
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(0)
    patients = np.repeat(np.arange(30), 8)  # 30 patients, 8 rows each, one value per patient
    X = np.repeat(rng.normal(size=30), 8)[:, None]
    y = X[:, 0] + rng.normal(0, 0.1, X.shape[0])
    arrays = trees.from_sklearn(DecisionTreeRegressor(min_samples_leaf=5, random_state=0).fit(X, y))
    leaf_of = trees.apply(arrays, X)
    assert min(np.unique(patients[leaf_of == leaf]).size for leaf in np.unique(leaf_of)) == 1
    cut = trees.cut_thin(arrays, X, patients, 5)
    trees.check(cut, 1)
    leaf_of = trees.apply(cut, X)
    assert min(np.unique(patients[leaf_of == leaf]).size for leaf in np.unique(leaf_of)) >= 5
    assert np.unique(leaf_of).size >= 2  # splits between enough patients stay


def test_longitudinal_rows_do_not_replay_a_patients_baseline():
    """pbcseq repeats each patient's follow-up time, age and outcome on every visit. Counted by
    rows, a leaf could hold one patient's visits alone: a third of synthetic rows then carried
    a real patient's exact follow-up time and age, with that patient's outcome. With the `id`
    column the engine counts patients."""
    from synthcare.data.inference import infer_schema
    from synthcare.engines.base import entity_groups

    real = load("pbcseq_longitudinal")
    groups = entity_groups(real, infer_schema(real))
    assert groups is not None and np.unique(groups).size == real["id"].nunique()
    synthetic = get_engine("cart")(random_state=0).fit(real).sample(len(real), random_state=0)
    pairs = set(zip(real["futime"], real["age"].round(6)))
    replayed = np.mean([p in pairs for p in zip(synthetic["futime"], synthetic["age"].round(6))])
    assert replayed < 0.01
    # the table still follows the real one: follow-up and outcome, visit days within follow-up
    assert abs(synthetic["futime"].median() / real["futime"].median() - 1) < 0.15
    assert abs(synthetic["status"].eq(2).mean() - real["status"].eq(2).mean()) < 0.08
    assert (synthetic["day"] <= synthetic["futime"]).all()
    # nor does it hand out one patient's value repeatedly: a patient's age, tied on each of their
    # visits, was a spike in the quantile grids, and 41% of rows carried an age only one real
    # patient has (36% a follow-up time; a whole number of days drawn smoothly hits one of those
    # about one time in ten by chance)
    own = real.groupby("age")["id"].nunique()
    assert synthetic["age"].isin(set(own[own == 1].index)).mean() < 0.01
    own = real.groupby("futime")["id"].nunique()
    assert synthetic["futime"].isin(set(own[own == 1].index)).mean() < 0.15


def test_a_patients_repeated_value_counts_once_in_its_grid():
    """A patient's age repeats on each visit. Sized by rows, the age grid had a point for about
    each patient, and the draws crowded around the real patients' own ages: on pbcseq, synthetic
    follow-up times sat 40% nearer a real patient's than new patients' do, and a classifier told
    them from new patients by that column alone (AUC 0.66 against 0.58). Counting each patient's
    value once, synthetic ages are as far from the real ones as new patients' are."""
    import pandas as pd

    rng = np.random.default_rng(3)
    visits = rng.integers(2, 13, size=150)
    age = np.repeat(rng.normal(60, 10, size=150).round(2), visits)
    real = pd.DataFrame({"id": np.repeat(np.arange(150), visits), "age": age,
                         "lab": (age / 10 + rng.normal(0, 1, size=age.size)).round(2)})
    synthetic = get_engine("cart")(random_state=0).fit(real).sample(len(real), random_state=0)
    own = np.sort(real.groupby("id")["age"].first().to_numpy())

    def nearest(values: np.ndarray) -> float:  # median distance to the nearest real patient's age
        at = np.clip(np.searchsorted(own, values), 1, own.size - 1)
        return float(np.median(np.minimum(np.abs(values - own[at - 1]), np.abs(values - own[at]))))

    new = np.repeat(rng.normal(60, 10, size=(20, 150)).round(2), visits, axis=1)  # 20 new cohorts
    assert nearest(synthetic["age"].to_numpy()) > 0.8 * np.median([nearest(c) for c in new])
    # the age marginal still follows the real one, and visits keep their own finer grid
    assert abs(synthetic["age"].std() / real["age"].std() - 1) < 0.1
    assert abs(np.corrcoef(synthetic["age"], synthetic["lab"])[0, 1] - np.corrcoef(age, real["lab"])[0, 1]) < 0.1


def test_untie_spreads_a_spike_only_one_patient_holds():
    from synthcare.engines.quantiles import spread, untie

    values = np.r_[np.full(6, 5.0), np.full(6, 7.0), [1.0, 2.0, 3.0, 9.0, 10.0, 11.0]]
    patients = np.r_[np.zeros(6), np.arange(1, 7), np.arange(7, 13)]  # 5.0: one patient's visits
    grid = spread(np.zeros(values.size, dtype=np.int64), values, 1, 18)
    assert np.sum(grid[0] == 5.0) >= 2 and np.sum(grid[0] == 7.0) >= 2
    out = untie(grid, np.zeros(values.size, dtype=np.int64), values, patients)
    assert np.sum(out[0] == 5.0) <= 1  # spread between its neighbours ...
    assert np.all(np.diff(out[0]) >= 0) and out[0].min() == grid[0].min() and out[0].max() == grid[0].max()
    assert np.array_equal(out[0] == 7.0, grid[0] == 7.0)  # ... six patients' shared value stays a spike


def test_entity_groups_takes_a_repeating_identifier_only():
    import pandas as pd

    from synthcare.data.inference import infer_schema
    from synthcare.engines.base import entity_groups

    for name in ("breast_rotterdam", "mgus2", "flchain"):  # one row per patient
        frame = load(name)
        assert entity_groups(frame, infer_schema(frame)) is None
    frame = load("cgd_recurrent")
    groups = entity_groups(frame, infer_schema(frame))
    assert np.array_equal(pd.factorize(frame["id"])[0], groups)


def test_whole_numbers_are_made_whole_inside_the_allowed_intervals():
    from synthcare.engines.bounds import to_step as _on_step

    values = np.array([64.6, 64.5, 3.2, np.nan])
    lo = np.array([[-np.inf], [64.2], [0.0], [0.0]])
    hi = np.array([[64.7], [64.7], [10.0], [10.0]])
    out = _on_step(values, 1.0, lo, hi)
    # 65 would leave "<= 64.7": the whole number below; no whole number fits [64.2, 64.7]: as drawn
    np.testing.assert_array_equal(out[:3], [64.0, 64.5, 3.0])
    assert np.isnan(out[3])
    np.testing.assert_array_equal(_on_step(values, None, lo, hi)[:3], values[:3])


def test_threads_change_nothing_but_speed():
    # trees grow on several threads; their samples and seeds are drawn before, in order
    frame = load("breast_wdbc").iloc[:, :12]
    fits = [get_engine("cart")(random_state=3, n_jobs=jobs).fit(frame) for jobs in (None, 2, -1)]
    states = [fit._get_state()[1] for fit in fits]
    assert any(name.endswith("l/coef") for name in states[0])  # the link's check ran on threads too
    for state in states[1:]:
        assert state.keys() == states[0].keys()
        for name, array in state.items():
            np.testing.assert_array_equal(array, states[0][name], err_msg=name)
    samples = [fit.sample(200, random_state=1) for fit in fits]
    for other in samples[1:]:
        assert other.equals(samples[0])


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "all"])
def test_cart_n_jobs_is_validated(bad):
    with pytest.raises(ParameterError, match="'n_jobs' parameter of CARTSynthesizer must be None, -1"):
        get_engine("cart")(n_jobs=bad).fit(load("lung_ncctg"))


def test_a_wide_table_grows_each_tree_on_the_earlier_columns_that_matter(tmp_path):
    import pandas as pd

    from synthcare.engines import cart
    from synthcare.persistence import load_model, save_model

    rng = np.random.default_rng(0)
    n, width = cart.SCREEN_ROWS, cart.MAX_PREDICTORS + 5
    frame = pd.DataFrame(rng.normal(size=(n, width)).round(3), columns=[f"lab{i}" for i in range(width)])
    frame["last"] = (frame["lab0"] + 0.2 * rng.normal(size=n)).round(3)  # tied to the first column only
    model = get_engine("cart")(random_state=0, link=False).fit(frame)
    last = model.columns_.index(next(c for c in model.columns_ if c["name"] == "last"))
    used = set()
    for key, part in model.parts_.items():
        if key.startswith(f"c{last}.") and "feature" in part:
            used |= set(part["feature"][part["feature"] >= 0].tolist())
    assert 0 in used and len(used) <= cart.MAX_PREDICTORS  # the column's tie kept, 30 columns at most
    save_model(model, tmp_path / "model")
    synthetic = load_model(tmp_path / "model").sample(3000, random_state=1)
    assert synthetic.equals(model.sample(3000, random_state=1))  # trees name columns by their place
    assert synthetic["lab0"].corr(synthetic["last"]) == pytest.approx(frame["lab0"].corr(frame["last"]), abs=0.05)


def test_a_yes_no_column_keeps_its_tie_to_a_whole_panel_of_weakly_linked_measurements():
    """Twenty laboratory values each shift a little with diabetes (0.3 SD): no single one tells
    much, the panel does. A model trained on the synthetic rows must predict diabetes in new real
    patients about as well as one trained on the real rows. With diabetes drawn first, each lab's
    trees kept or pruned its weak tie on their own: the ratio was 0.90-0.95 on these seeds; drawn
    after the labs, from one tree on all of them and their joint score, it is 0.95-1.00 (mean 0.98)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    def table(n, rng):
        sick = rng.random(n) < 0.4
        shared = rng.normal(size=n)
        labs = {f"lab{i}": np.round(0.3 * shared + 0.3 * sick + rng.normal(size=n), 3) for i in range(20)}
        return pd.DataFrame({"diabetes": np.where(sick, "yes", "no"), **labs})

    ratios = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        real, new_patients = table(400, rng), table(4000, rng)
        model = get_engine("cart")(random_state=seed).fit(real)
        synthetic = model.sample(400, random_state=seed)
        assert list(synthetic.columns) == list(real.columns)  # drawn last, shown where it was

        aucs = []
        for frame in (synthetic, real):
            fitted = LogisticRegression(max_iter=1000).fit(frame.drop(columns="diabetes"), frame["diabetes"] == "yes")
            scores = fitted.predict_proba(new_patients.drop(columns="diabetes"))[:, 1]
            aucs.append(roc_auc_score(new_patients["diabetes"] == "yes", scores))
        ratios.append(aucs[0] / aucs[1])
    assert min(ratios) >= 0.94 and np.mean(ratios) >= 0.97, ratios
    # conditions name columns, whatever order the model draws them in
    cohort = model.sample(200, conditions='diabetes == "yes" and lab3 > 0.5', random_state=4)
    assert (cohort["diabetes"] == "yes").all() and (cohort["lab3"] > 0.5).all()


def test_a_samples_outcome_share_strays_less_from_the_models_than_independent_rows_would():
    frame = load("diabetes_pima")

    def spread(stratify):
        model = get_engine("cart")(random_state=0, stratify=stratify).fit(frame)
        share = (model.sample(40_000, random_state=99)["type"] == "Yes").mean()
        shares = [(model.sample(200, random_state=s)["type"] == "Yes").mean() for s in range(40)]
        return np.std(shares) / np.sqrt(share * (1 - share) / 200), model

    # rows drawn from uniform numbers spread evenly over [0, 1): the share of diabetics in 200
    # synthetic patients varies 0.62 times as much as among 200 independent rows (0.98 times)
    stratified, model = spread(True)
    assert stratified < 0.75
    assert model.get_params()["stratify"] is True
    independent, _ = spread(False)  # where rows must be independent draws, they are
    assert 0.8 < independent < 1.25
    with pytest.raises(ParameterError, match="stratify"):
        get_engine("cart")(stratify="yes").fit(frame)
