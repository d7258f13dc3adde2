"""Pure statistics shared by the pillars: AUC with bootstrap intervals, distances between
distributions, associations between columns of any kind, and binning."""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING = "\x00missing"


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by ranks (ties count half); NaN when only one class is present."""
    labels = np.asarray(labels, dtype=bool)
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(scores, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_ci(
    stat, arrays: tuple[np.ndarray, ...], rng: np.random.Generator, *, n_boot: int = 200,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat(*arrays)``, resampling rows jointly."""
    n = len(arrays[0])
    values = []
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        v = stat(*(a[idx] for a in arrays))
        if v == v:
            values.append(v)
    if not values:
        return (float("nan"), float("nan"))
    lo, hi = np.quantile(values, [(1 - level) / 2, 1 - (1 - level) / 2])
    return (float(lo), float(hi))


def tvd(a: pd.Series, b: pd.Series) -> float:
    """Total variation distance between the category frequencies of two series (missing left out)."""
    pa = a.dropna().value_counts(normalize=True)
    pb = b.dropna().value_counts(normalize=True)
    if pa.empty or pb.empty:
        return float("nan") if pa.empty and pb.empty else 1.0
    joined = pd.concat([pa, pb], axis=1).fillna(0.0)
    return float(0.5 * np.abs(joined.iloc[:, 0] - joined.iloc[:, 1]).sum())


def _codes(series: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a categorical series, missing as its own category."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes.astype(np.int64), max(1, len(uniques))


def _cramers_v_codes(a: np.ndarray, ka: int, b: np.ndarray, kb: int) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013): near 0 for independent columns even on few rows."""
    n = len(a)
    if n < 3 or min(ka, kb) < 2:
        return 0.0
    table = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb).astype(float)
    table = table[table.sum(1) > 0][:, table.sum(0) > 0]
    r, k = table.shape
    if min(r, k) < 2:
        return 0.0
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / n
    phi2 = float(((table - expected) ** 2 / expected).sum()) / n
    phi2 = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    rc, kc = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    den = min(kc - 1, rc - 1)
    return float(np.sqrt(min(1.0, phi2 / den))) if den > 0 else 0.0


def cramers_v(x: pd.Series, y: pd.Series) -> float:
    """Bias-corrected Cramér's V of two categorical series (missing as its own category), in [0, 1]."""
    return _cramers_v_codes(*_codes(x), *_codes(y))


def _correlation_ratio_codes(groups: np.ndarray, k: int, values: np.ndarray) -> float:
    """Correlation ratio with the epsilon-squared bias correction (near 0 for unrelated columns)."""
    ok = ~np.isnan(values)
    v, g = values[ok], groups[ok]
    n = len(v)
    if n < 3 or np.var(v) == 0:
        return 0.0
    counts = np.bincount(g, minlength=k)
    sums = np.bincount(g, weights=v, minlength=k)
    used = counts > 0
    groups_used = int(used.sum())
    if groups_used < 2 or n <= groups_used:
        return 0.0
    means = sums[used] / counts[used]
    total = float(np.var(v) * n)
    between = float((counts[used] * (means - v.mean()) ** 2).sum())
    within = total - between
    adjusted = (between - (groups_used - 1) * within / (n - groups_used)) / total
    return float(np.sqrt(min(1.0, max(0.0, adjusted))))


def correlation_ratio(categories: pd.Series, values: pd.Series) -> float:
    """Correlation ratio (eta) of a numeric series across the groups of a categorical one."""
    return _correlation_ratio_codes(*_codes(categories), values.to_numpy(dtype=float))


def spearman_abs(frame: pd.DataFrame) -> pd.DataFrame:
    """|Spearman| between numeric columns on pairwise-complete rows; 0 for constant columns."""
    corr = frame.rank().corr(method="pearson", min_periods=3)
    return corr.abs().fillna(0.0)


def associations(frame: pd.DataFrame, numeric: list[str], categorical: list[str],
                 columns: list[str]) -> pd.DataFrame:
    """One association in [0, 1] for every pair of columns of any kind.

    Numeric-numeric: |Spearman rho|; categorical-categorical: Cramér's V; mixed: correlation ratio.
    """
    k = len(columns)
    out = np.eye(k)
    pos = {c: i for i, c in enumerate(columns)}
    nums = [c for c in columns if c in numeric]
    if len(nums) > 1:
        sp = spearman_abs(frame[nums]).to_numpy()
        idx = [pos[c] for c in nums]
        out[np.ix_(idx, idx)] = sp
    cats = [c for c in columns if c in categorical]
    codes = {c: _codes(frame[c]) for c in cats}
    values = {c: frame[c].to_numpy(dtype=float) for c in nums}
    for i, a in enumerate(cats):
        for b in cats[i + 1:]:
            out[pos[a], pos[b]] = out[pos[b], pos[a]] = _cramers_v_codes(*codes[a], *codes[b])
        for b in nums:
            out[pos[a], pos[b]] = out[pos[b], pos[a]] = _correlation_ratio_codes(*codes[a], values[b])
    np.fill_diagonal(out, 1.0)
    return pd.DataFrame(out, index=columns, columns=columns)


def bin_codes(real: pd.Series, others: list[pd.Series], *, kind: str, bins: int = 5) -> list[np.ndarray]:
    """Integer codes of ``real`` and ``others`` on bins learnt from ``real``; missing is a bin."""
    if kind == "numeric":
        values = real.dropna().to_numpy(dtype=float)
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])) if len(values) else []
        def code(s: pd.Series) -> np.ndarray:
            v = s.to_numpy(dtype=float)
            c = np.searchsorted(edges, v, side="right").astype(np.int64)
            c[np.isnan(v)] = len(edges) + 1
            return c
    else:
        top = real.dropna().value_counts().index[: bins - 1].tolist()
        lookup = {v: i for i, v in enumerate(top)}
        def code(s: pd.Series) -> np.ndarray:
            return np.array([bins if v is None or v != v else lookup.get(v, bins - 1)
                             for v in s.tolist()], dtype=np.int64)
    return [code(real)] + [code(s) for s in others]


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def normalized_mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information of two non-negative code arrays divided by the smaller entropy, in [0, 1]."""
    if len(a) == 0:
        return 0.0
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    joint = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb).astype(float)
    ha, hb = _entropy(joint.sum(1)), _entropy(joint.sum(0))
    h = min(ha, hb)
    if h <= 0:
        return 0.0
    mi = ha + hb - _entropy(joint.ravel())
    return float(min(1.0, max(0.0, mi) / h))
