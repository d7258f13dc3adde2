"""Figures for the report, rendered with matplotlib to PNG and embedded as base64 (works offline)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from synthcare.evaluation.results import Figure

REAL, SYN, HOLD = "#1f4e79", "#d9822b", "#6a9f58"


def pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def render(fig, fig_id: str, caption: str) -> Figure:
    plt = pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return Figure(id=fig_id, caption=caption, png_base64=base64.b64encode(buf.getvalue()).decode("ascii"))


def distributions(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str],
                  columns: Sequence[str], holdout: pd.DataFrame | None = None) -> Figure:
    """Small multiples: real vs synthetic (and holdout) distribution of each column."""
    plt = pyplot()
    n = len(columns)
    ncols = min(4, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.4 * nrows), squeeze=False)
    for ax, col in zip(axes.ravel(), columns):
        if kinds[col] == "numeric":
            r = real[col].dropna().to_numpy(float)
            s = synthetic[col].dropna().to_numpy(float)
            both = np.concatenate([r, s]) if len(r) + len(s) else np.zeros(1)
            lo, hi = np.quantile(both, [0.005, 0.995]) if len(both) else (0, 1)
            bins = np.linspace(lo, hi if hi > lo else lo + 1, 31)
            ax.hist(r, bins=bins, density=True, color=REAL, alpha=0.45, label="real")
            ax.hist(s, bins=bins, density=True, histtype="step", color=SYN, lw=1.8, label="synthetic")
            if holdout is not None:
                ax.hist(holdout[col].dropna().to_numpy(float), bins=bins, density=True,
                        histtype="step", color=HOLD, lw=1, ls="--", label="holdout")
        else:
            pr = real[col].fillna("(missing)").value_counts(normalize=True)
            ps = synthetic[col].fillna("(missing)").value_counts(normalize=True)
            levels = pr.index[:8].tolist()
            x = np.arange(len(levels))
            ax.bar(x - 0.2, pr.reindex(levels).fillna(0), 0.4, color=REAL, alpha=0.7, label="real")
            ax.bar(x + 0.2, ps.reindex(levels).fillna(0), 0.4, color=SYN, alpha=0.9, label="synthetic")
            ax.set_xticks(x)
            ax.set_xticklabels([str(v)[:10] for v in levels], rotation=45, ha="right", fontsize=7)
        ax.set_title(str(col)[:30], fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.tight_layout()
    return render(fig, "distributions", "Distribution of each column: real (filled), synthetic (orange)"
                  + (", holdout (green dashed)" if holdout is not None else ""))


def heatmaps(real_assoc: pd.DataFrame, syn_assoc: pd.DataFrame) -> Figure:
    """Association matrices of real and synthetic data and their absolute difference."""
    plt = pyplot()
    k = len(real_assoc)
    size = min(14, 3 + 0.18 * k)
    fig, axes = plt.subplots(1, 3, figsize=(3 * size * 0.75, size * 0.75))
    diff = (real_assoc - syn_assoc).abs()
    for ax, mat, title, cmap in zip(axes, (real_assoc, syn_assoc, diff),
                                    ("real", "synthetic", "|difference|"), ("Blues", "Blues", "Reds")):
        im = ax.imshow(mat.to_numpy(float), vmin=0, vmax=1, cmap=cmap)
        ax.set_title(title, fontsize=10)
        if k <= 40:
            labels = [str(c)[:14] for c in mat.columns]
            ax.set_xticks(range(k))
            ax.set_xticklabels(labels, rotation=90, fontsize=6)
            ax.set_yticks(range(k))
            ax.set_yticklabels(labels, fontsize=6)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return render(fig, "heatmaps", "Pairwise association (|Spearman|, Cramér's V, correlation ratio): "
                  "real, synthetic and their difference")


def roc_curves(curves: dict[str, tuple[Sequence[float], Sequence[float], float]], fig_id: str,
               caption: str) -> Figure:
    """ROC curves, one per attack or classifier, with the chance diagonal."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 4))
    for name, (fpr, tpr, auc) in curves.items():
        ax.plot(fpr, tpr, lw=1.8, label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1, label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return render(fig, fig_id, caption)


def km_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]], caption: str) -> Figure:
    """Kaplan-Meier survival curves."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    colours = {"real": REAL, "synthetic": SYN, "holdout": HOLD}
    for name, (t, s) in curves.items():
        ax.step(t, s, where="post", lw=1.8, color=colours.get(name), label=name)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("time")
    ax.set_ylabel("survival probability")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return render(fig, "km_curves", caption)


def histograms(series: dict[str, np.ndarray], fig_id: str, caption: str, xlabel: str) -> Figure:
    """Overlaid histograms (for example distances to the closest record)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    values = [v[np.isfinite(v)] for v in series.values() if len(v)]
    hi = float(np.quantile(np.concatenate(values), 0.99)) if values else 1.0
    bins = np.linspace(0, hi if hi > 0 else 1.0, 40)
    colours = [SYN, HOLD, REAL]
    for (name, v), colour in zip(series.items(), colours):
        ax.hist(np.clip(v, 0, bins[-1]), bins=bins, density=True, histtype="step", lw=1.8,
                color=colour, label=name)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return render(fig, fig_id, caption)


def grouped_bars(table: pd.DataFrame, fig_id: str, caption: str, ylabel: str) -> Figure:
    """Bars per group (index) for each column (e.g. real vs synthetic share)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(4, 0.6 * len(table) + 2), 3.2))
    width = 0.8 / max(1, table.shape[1])
    x = np.arange(len(table))
    for i, (col, colour) in enumerate(zip(table.columns, [REAL, SYN, HOLD, "grey"])):
        ax.bar(x + i * width - 0.4 + width / 2, table[col].to_numpy(float), width, color=colour,
               label=str(col))
    ax.set_xticks(x)
    ax.set_xticklabels([str(i)[:18] for i in table.index], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return render(fig, fig_id, caption)
