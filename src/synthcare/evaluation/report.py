"""Write an evaluation as ``REPORT.json`` and one self-contained ``REPORT.html``.

The HTML page has no external resource (no CDN, fonts or scripts from elsewhere): figures are
PNG data URIs and the styles are inline, so it opens offline and can be mailed to a data
protection officer as one file.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from synthcare.evaluation.results import PILLARS, Check, EvaluationReport, Pillar

COLOURS = {"pass": "#1e7b34", "warn": "#b26a00", "fail": "#b3261e", "n/a": "#6b6b6b"}
WHAT = {
    "validity": "Does the synthetic table reproduce the real distributions and relations?",
    "utility": "Does a model trained on synthetic data work on real patients?",
    "privacy": "Does the synthetic table survive attacks that try to find real patients in it?",
    "fairness": "Does the synthetic table keep, or amplify, bias between patient subgroups?",
}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1b1b1b;
background:#fafafa;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:1.8em}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;
font-size:.9em;text-transform:uppercase}
table{border-collapse:collapse;margin:10px 0;font-size:.86em;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:14px 0;background:#fff;border:1px solid #e2e2e2;padding:8px;display:inline-block;
max-width:100%}figure img{max-width:100%;height:auto}figcaption{font-size:.85em;color:#444}
.lead{font-size:1.1em}.note{color:#555;font-size:.9em}.box{background:#fff;border:1px solid #ddd;
padding:12px 16px;border-radius:6px}details{margin:8px 0}
"""

SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('figure img');
  var ok = 0;
  imgs.forEach(function (i) { if (i.complete && i.naturalWidth > 0) { ok += 1; } });
  document.body.setAttribute('data-figures-loaded', String(ok));
  document.body.setAttribute('data-figures-total', String(imgs.length));
});
"""


def _badge(verdict: str) -> str:
    return f'<span class="badge" style="background:{COLOURS.get(verdict, "#666")}">{escape(verdict)}</span>'


def format_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:
            return "–"
        return f"{value:.3g}" if abs(value) < 1e-3 and value != 0 else f"{value:.3f}"
    return escape(str(value))


def _threshold(check: Check) -> str:
    t = check.threshold
    if not t:
        return "–"
    sign = ">=" if t["better"] == "higher" else "<="
    rel = " (vs holdout)" if t.get("relative") else ""
    return f"pass {sign} {t['warn']:g}, fail beyond {t['fail']:g}{rel}"


def _checks_table(pillar: Pillar) -> str:
    rows = []
    for c in pillar.checks:
        ci = "–" if c.ci is None else f"{format_value(c.ci[0])} – {format_value(c.ci[1])}"
        rows.append(
            f"<tr data-check='{escape(c.name)}'><td>{escape(c.title)}<div class='note'>{escape(c.note)}</div>"
            f"</td><td class='num'>{format_value(c.value)}</td><td class='num'>{ci}</td>"
            f"<td class='num'>{format_value(c.reference)}</td><td class='num'>{format_value(c.baseline)}</td>"
            f"<td>{escape(_threshold(c))}</td><td>{_badge(c.verdict)}</td></tr>"
        )
    return ("<table class='checks'><tr><th>check</th><th>synthetic</th><th>95% interval</th>"
            "<th>holdout (fresh real data)</th><th>random baseline</th><th>threshold</th><th>verdict</th>"
            "</tr>" + "".join(rows) + "</table>")


def _table(t) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in t.columns)
    body = "".join(
        "<tr>" + "".join(
            f"<td class='num'>{format_value(v)}</td>" if isinstance(v, (int, float)) and not isinstance(v, bool)
            else f"<td>{format_value(v)}</td>" for v in row) + "</tr>"
        for row in t.rows
    )
    return f"<details><summary>{escape(t.title)}</summary><table><tr>{head}</tr>{body}</table></details>"


def _summary(report: EvaluationReport) -> str:
    verdict = report.verdict
    words = {"pass": "meets every threshold of the policy",
             "warn": "meets the policy's failure thresholds but has warnings to review",
             "fail": "fails at least one check of the policy",
             "n/a": "could not be judged"}
    issues = [(p.name, c) for p in report.pillars.values() for c in p.checks if c.verdict in ("warn", "fail")]
    items = "".join(
        f"<li>{_badge(c.verdict)} <b>{escape(name)}</b>: {escape(c.title)} = {format_value(c.value)}"
        + (f" (holdout {format_value(c.reference)})" if c.reference is not None else "") + "</li>"
        for name, c in sorted(issues, key=lambda t: t[1].verdict != "fail")
    ) or "<li>No check warns or fails.</li>"
    pillars = "".join(
        f"<tr><td><a href='#{p}'>{p}</a></td><td>{_badge(report.pillars[p].verdict)}</td>"
        f"<td>{escape(WHAT[p])}</td></tr>" for p in PILLARS if p in report.pillars
    )
    rows = report.meta.get("data", {}).get("rows", {})
    return (
        f"<section id='summary'><h2>Summary</h2><div class='box'><p class='lead'>Verdict {_badge(verdict)}: "
        f"the synthetic table {words[verdict]}.</p>"
        f"<p>Compared {rows.get('synthetic', '?'):,} synthetic rows with {rows.get('real', '?'):,} training "
        f"rows" + (f" and {rows['holdout']:,} holdout rows (real patients not used for training), whose "
                   "scores are the reference for what fresh real data gets" if rows.get("holdout") else
                   "; no holdout was given, so scores lack the fresh-real-data reference") + ".</p>"
        f"<table><tr><th>pillar</th><th>verdict</th><th>question</th></tr>{pillars}</table>"
        f"<p><b>Checks to review:</b></p><ul>{items}</ul></div></section>"
    )


def render_html(report: EvaluationReport) -> str:
    sections = []
    for name in PILLARS:
        if name not in report.pillars:
            continue
        p = report.pillars[name]
        notes = "".join(f"<p class='note'>{escape(n)}</p>" for n in p.notes)
        figs = "".join(
            f"<figure id='fig-{escape(f.id)}'><img alt='{escape(f.caption)}' "
            f"src='data:image/png;base64,{f.png_base64}'><figcaption>{escape(f.caption)}</figcaption></figure>"
            for f in p.figures
        )
        tables = "".join(_table(t) for t in p.tables)
        sections.append(
            f"<section id='{name}'><h2>{name.capitalize()} {_badge(p.verdict)}</h2>"
            f"<p>{escape(WHAT[name])}</p>{_checks_table(p)}{notes}{figs}{tables}</section>"
        )
    meta = report.meta
    inputs = meta.get("inputs", {})
    data = meta.get("data", {})
    excluded = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in data.get("excluded", {}).items())
    method = (
        "<section id='method'><h2>What was compared</h2><div class='box'>"
        f"<p>Real (training): {escape(str(inputs.get('real')))}<br>Synthetic: {escape(str(inputs.get('synthetic')))}"
        f"<br>Holdout: {escape(str(inputs.get('holdout')))}</p>"
        f"<p>Target: {format_value(data.get('target'))}; survival: {format_value(data.get('time'))} / "
        f"{format_value(data.get('event'))}; "
        f"sensitive attributes: {escape(', '.join(data.get('sensitive', [])) or 'none')}.</p>"
        + (f"<p>Columns not compared:</p><ul>{excluded}</ul>" if excluded else "")
        + f"<p class='note'>synthcare {escape(str(meta.get('synthcare_version')))}, seed "
        f"{format_value(meta.get('random_state'))}, {format_value(meta.get('seconds', {}).get('total'))} s. The full "
        "numbers are in the JSON report beside this file.</p></div></section>"
    )
    created = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>synthcare evaluation: {escape(report.verdict)}</title><style>{CSS}</style></head>"
        f"<body data-verdict='{escape(report.verdict)}'><main><h1>Synthetic data evaluation "
        f"{_badge(report.verdict)}</h1><p class='note'>Validity, utility, privacy and fairness of a synthetic "
        f"table, each score beside what fresh real data gets. Created {created}.</p>"
        + _summary(report) + "".join(sections) + method
        + f"</main><script>{SCRIPT}</script></body></html>"
    )


def write_report(report: EvaluationReport, path: str | Path) -> tuple[Path, Path]:
    """Write ``REPORT.html`` (self-contained) and ``REPORT.json`` beside it; return both paths."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        path = path.with_suffix(".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    json_path = path.with_suffix(".json")
    json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path, json_path
