"""Write a synthetic control arm to a folder: the cohort and its data card, ``summary.json``, ``report.html``.

The HTML page is self-contained like the evaluation report (figures are PNG data URIs, styles
inline): a balance table and Love plot, the propensity overlap, Kaplan-Meier curves and the hazard
ratio, beside the real reference arm's when one was given.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import numpy as np

from synthcare.engines.base import BaseSynthesizer
from synthcare.evaluation.figures import HOLD, REAL, SYN, pyplot, render
from synthcare.evaluation.report import CSS, format_value
from synthcare.evaluation.results import Figure
from synthcare.trials.control_arm import CONTROL, SMD_TARGET, TREATED, ControlArmResult

COHORT_FILE = "synthetic_controls.csv"


def love_plot(result: ControlArmResult) -> Figure:
    """Absolute SMD of each covariate before and after matching, with the 0.1 target."""
    plt = pyplot()
    names = result.covariates
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(5.2, 0.32 * len(names) + 1.2))
    ax.scatter([abs(result.smd_before[c]) for c in names], y, color=REAL, marker="o", label="before (pool)")
    ax.scatter([abs(result.smd_after[c]) for c in names], y, color=SYN, marker="s", label="after (matched)")
    ax.axvline(SMD_TARGET, color="grey", ls=":", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels([c[:24] for c in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("absolute standardised mean difference")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return render(fig, "love_plot", f"Covariate balance: |SMD| of each covariate (largest over its terms) "
                  f"against the treated arm, before and after matching; target < {SMD_TARGET}")


def overlap_plot(result: ControlArmResult) -> Figure:
    """Distribution of the logit propensity: treated, whole pool, matched controls."""
    plt = pyplot()
    p = result.propensity
    both = np.concatenate(list(p.values()))
    bins = np.linspace(*np.quantile(both, [0.005, 0.995]), 31) if np.ptp(both) > 0 else 10
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.hist(p["pool"], bins=bins, density=True, color=HOLD, alpha=0.35, label="synthetic pool")
    ax.hist(p["treated"], bins=bins, density=True, histtype="step", color=REAL, lw=1.8, label="treated")
    ax.hist(p["matched"], bins=bins, density=True, histtype="step", color=SYN, lw=1.8, ls="--",
            label="matched controls")
    ax.set_xlabel("logit of the propensity score")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return render(fig, "overlap", "Propensity overlap: the treated arm, the whole synthetic pool and the matched "
                  "synthetic controls")


def km_plot(result: ControlArmResult) -> Figure:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for name, colour in ((TREATED, REAL), (CONTROL, SYN)):
        t, s = result.km[name]
        ax.step(t, s, where="post", lw=1.8, color=colour, label=name)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(result.time)
    ax.set_ylabel("survival probability")
    ax.legend(fontsize=8)
    fig.tight_layout()
    h = result.hazard
    return render(fig, "km_curves", f"Kaplan-Meier curves of '{result.time}' (event '{result.event}'): treated vs "
                  f"matched synthetic controls; HR {h.hazard_ratio:.2f} ({h.ci_low:.2f}-{h.ci_high:.2f}), "
                  f"log-rank p = {result.logrank_p:.3g}")


def _figure(f: Figure) -> str:
    return (f"<figure id='fig-{escape(f.id)}'><img alt='{escape(f.caption)}' src='data:image/png;base64,"
            f"{f.png_base64}'><figcaption>{escape(f.caption)}</figcaption></figure>")


def render_html(result: ControlArmResult) -> str:
    s = result.summary()
    h = result.hazard
    balanced = s["balanced"]
    badge = ("<span class='badge' style='background:{}'>{}</span>".format(
        "#1e7b34" if balanced else "#b3261e", "balanced" if balanced else "not balanced"))
    hr_rows = [("treated vs synthetic controls", h)]
    if result.reference is not None:
        hr_rows.append(("treated vs real reference controls", result.reference))
    hr_table = "".join(
        f"<tr><td>{escape(name)}</td><td class='num'>{r.n_treated} ({r.events_treated})</td>"
        f"<td class='num'>{r.n_controls} ({r.events_controls})</td><td class='num'>{format_value(r.hazard_ratio)}</td>"
        f"<td class='num'>{format_value(r.ci_low)} – {format_value(r.ci_high)}</td>"
        f"<td class='num'>{format_value(r.p)}</td></tr>"
        for name, r in hr_rows)
    overlap = ""
    if "ci_overlap" in s:
        overlap = (f"<p>The confidence intervals {'overlap' if s['ci_overlap'] else '<b>do not overlap</b>'}: the "
                   "synthetic control arm " + ("agrees with" if s["ci_overlap"] else "disagrees with")
                   + " the real one on this trial.</p>")
    terms = "".join(
        f"<tr><td>{escape(str(name))}</td><td class='num'>{format_value(float(row.smd_before))}</td>"
        f"<td class='num'>{format_value(float(row.smd_after))}</td></tr>" for name, row in result.terms.iterrows())
    notes = "".join(f"<li>{escape(n)}</li>" for n in result.notes) or "<li>None.</li>"
    figures = "".join(_figure(f) for f in (km_plot(result), love_plot(result), overlap_plot(result)))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>synthcare synthetic control arm</title><style>{CSS}</style></head>"
        f"<body data-balanced='{str(balanced).lower()}'><main><h1>Synthetic control arm {badge}</h1>"
        "<p class='note'>The controls are synthetic: sampled from a model of real control patients, matched to "
        "the treated arm. No control row describes a real person.</p>"
        "<section id='outcome'><h2>Outcome</h2><div class='box'>"
        "<table><tr><th>comparison</th><th>treated (events)</th><th>controls (events)</th><th>hazard ratio</th>"
        f"<th>95% CI</th><th>p</th></tr>{hr_table}</table>{overlap}"
        f"<p class='note'>Cox proportional-hazards model of the treatment indicator alone on '{escape(s['time'])}' "
        f"with event '{escape(s['event'])}'; log-rank p = {format_value(s['logrank_p'])}. The interval treats the "
        f"synthetic controls as patients: it leaves out the uncertainty of the model, which learnt from "
        f"{s['model_rows']:,} real patients.</p></div></section>"
        "<section id='balance'><h2>Balance</h2><div class='box'>"
        f"<p>Largest |SMD| before matching (treated vs the whole synthetic pool): {format_value(s['smd_before'])}; "
        f"after matching: <b>{format_value(s['smd_after'])}</b> (target &lt; {SMD_TARGET}).</p>"
        f"<p>{s['n_treated']:,} of {s['n_treated_input']:,} treated patients matched to {s['n_controls']:,} synthetic "
        f"controls ({s['ratio']} per patient; {escape(s['method'])} matching within a caliper of "
        f"{s['caliper_logit_sd']} SD of the logit propensity) from a pool of {s['pool_size']:,} synthetic rows"
        + (f" meeting the criteria <code>{escape(s['criteria'])}</code>" if s["criteria"] else "") + ".</p>"
        f"<p>Covariates: {escape(', '.join(s['covariates']))}.</p>"
        f"<details><summary>SMD of every term</summary><table><tr><th>term</th><th>before</th><th>after</th></tr>"
        f"{terms}</table></details><p><b>What happened:</b></p><ul>{notes}</ul></div></section>"
        f"<section id='figures'><h2>Figures</h2>{figures}</section>"
        f"<p class='note'>Engine '{escape(s['engine'])}', seed {format_value(s['seed'])}, "
        f"created {escape(s['created'])}. "
        "The numbers are in summary.json beside this file.</p></main></body></html>"
    )


def write_control_arm(result: ControlArmResult, model: BaseSynthesizer, out_dir: str | Path) -> dict[str, Path]:
    """Write ``synthetic_controls.csv`` (+ its data card), ``summary.json`` and ``report.html`` to ``out_dir``."""
    from synthcare.card import build_card, write_card
    from synthcare.data.io import write_table

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    cohort = folder / COHORT_FILE
    write_table(result.controls, cohort)
    summary = result.summary()
    card = build_card(model, n_rows=len(result.controls), seed=result.seed, data_file=cohort.name)
    card["conditions"] = result.criteria
    card["control_arm"] = {k: summary[k] for k in (
        "n_treated", "n_controls", "ratio", "method", "caliper_logit_sd", "covariates", "smd_after",
        "hazard_ratio", "ci_low", "ci_high")}
    card["extra_columns"] = {
        "treated_row": "row number (from 0) of the treated patient this control is matched to",
        "propensity_logit": "logit of the estimated propensity score",
        **({"weight": "analysis weight (a treated patient with fewer controls weighs its controls up)"}
           if "weight" in result.controls.columns else {}),
    }
    paths = {"cohort": cohort, "card": write_card(card, cohort)}
    paths["summary"] = folder / "summary.json"
    paths["summary"].write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    paths["report"] = folder / "report.html"
    paths["report"].write_text(render_html(result), encoding="utf-8")
    return paths
