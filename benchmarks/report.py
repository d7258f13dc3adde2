"""Markdown rendering of benchmark results, and the environment header they carry."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from generators import HOLDOUT, SYNTHCARE_PREFIX

PACKAGES = [
    "synthcare",
    "torch",
    "sdv",
    "ctgan",
    "mostlyai-engine",
    "sdmetrics",
    "scikit-learn",
    "pandas",
    "numpy",
]

# Acceptance bars for our engines (see README.md).
MAX_DETECTION_AUC = 0.60
MIN_TSTR = 0.95
MAX_DCR_SHARE = 0.53
ARGN = "tabular_argn"


def environment() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    repo = Path(__file__).resolve().parents[1]
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True
    ).stdout.strip()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores ({cpu}), {ram_gb:.0f} GiB RAM, no GPU",
        "python": platform.python_version(),
        "repo_commit": commit or "none yet",
        "packages": versions,
    }


def header(env: dict, title: str) -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    return [
        f"# {title}",
        "",
        f"- Date: {env['date']}",
        f"- Machine: {env['machine']}",
        f"- Python {env['python']}; repo commit {env['repo_commit']}",
        f"- Packages: {versions}",
        "",
    ]


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(columns: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _status(r: dict) -> str:
    if r["status"] == "ok" and r.get("scoring_error"):
        return "scoring failed: " + r["scoring_error"].splitlines()[-1][:120]
    if r["status"] == "ok":
        return "ok"
    first = (r.get("error") or "").strip().splitlines()
    return f"{r['status']}: {first[-1][:120] if first else ''}".replace("|", "/")


def dataset_section(name: str, info: dict, results: list[dict]) -> list[str]:
    lines = [
        f"## {name}",
        "",
        (
            f"{info['train_rows']} train / {info['holdout_rows']} holdout rows (split {info.get('split', 'by row')}), "
            f"{info['columns']} columns scored, TSTR target `{info['target']}`."
        ),
        "",
    ]
    rows = []
    for r in results:
        s = r.get("scores") or {}
        seconds = r.get("seconds") if r["generator"] != HOLDOUT else None
        rows.append(
            [
                r["generator"],
                _status(r),
                s.get("quality"),
                s.get("detection_auc"),
                s.get("tstr"),
                s.get("dcr_share"),
                s.get("exact_copies"),
                _fmt(seconds, 1),
                _fmt(r.get("peak_mb"), 0),
                f"{r['load_before']:.1f} / {r['load_after']:.1f}" if "load_before" in r else "-",
            ]
        )
    return lines + table(
        [
            "generator",
            "status",
            "quality",
            "detection AUC",
            "TSTR",
            "DCR share",
            "exact copies",
            "fit+sample s",
            "peak MB",
            "load before / after",
        ],
        rows,
    )


def _bars(ours: dict, holdout: dict | None, argn: dict | None) -> list[str]:
    s = ours.get("scores") or {}
    if ours["status"] != "ok" or not s:
        return [_status(ours)] + ["-"] * 4

    def mark(ok: bool | None, text: str) -> str:
        return f"{'n/a' if ok is None else 'yes' if ok else 'NO'} ({text})"

    bar_copies = (holdout or {}).get("scores", {}).get("exact_copies")
    argn_seconds = argn.get("seconds") if argn and argn["status"] in ("ok", "timeout") else None
    return [
        mark(s["detection_auc"] <= MAX_DETECTION_AUC, f"{s['detection_auc']:.3f}"),
        mark(s["tstr"] >= MIN_TSTR, f"{s['tstr']:.3f}"),
        mark(s["dcr_share"] <= MAX_DCR_SHARE, f"{s['dcr_share']:.3f}"),
        mark(
            None if bar_copies is None else s["exact_copies"] <= bar_copies,
            f"{s['exact_copies']:.3f} vs {_fmt(bar_copies)}",
        ),
        mark(
            None if argn_seconds is None else ours["seconds"] < argn_seconds,
            f"{ours['seconds']:.1f} s vs "
            + (f"{argn_seconds:.1f} s" if argn_seconds else "no TabularARGN result"),
        ),
    ]


def summary_section(datasets: list[str], generators: list[str], results: list[dict]) -> list[str]:
    by_key = {(r["dataset"], r["generator"]): r for r in results}
    lines = [
        "## Summary",
        "",
        "Detection AUC per generator and dataset (0.5 = indistinguishable from real):",
        "",
    ]
    rows = []
    for g in generators:
        row = [g]
        for d in datasets:
            r = by_key.get((d, g))
            row.append(
                (r.get("scores") or {}).get("detection_auc")
                if r and r["status"] == "ok"
                else (r["status"] if r else "not run")
            )
        rows.append(row)
    lines += table(["generator", *datasets], rows)
    ours = [g for g in generators if g.startswith(SYNTHCARE_PREFIX)]
    if not ours:
        return lines + [
            (
                "Our engines (`synthcare:*`) were not importable in this run, so no acceptance "
                "bars were checked. They are picked up on the next run once "
                "`synthcare.engine_names()` works."
            ),
            "",
        ]
    for g in ours:
        lines += [
            (
                f"Acceptance bars for `{g}`: detection AUC <= {MAX_DETECTION_AUC}, TSTR >= {MIN_TSTR}, "
                f"DCR share <= {MAX_DCR_SHARE}, exact copies <= the holdout's, time < TabularARGN's:"
            ),
            "",
        ]
        rows = [
            [d, *_bars(by_key[(d, g)], by_key.get((d, HOLDOUT)), by_key.get((d, ARGN)))]
            for d in datasets
            if (d, g) in by_key
        ]
        lines += table(["dataset", "detection AUC", "TSTR", "DCR share", "exact copies", "time"], rows)
    return lines


def render(
    env: dict, datasets: dict[str, dict], generators: list[str], results: list[dict], notes: list[str]
) -> str:
    lines = header(env, "synthcare benchmark results") + notes + [""]
    names = list(datasets)
    lines += summary_section(names, generators, results)
    for name, info in datasets.items():
        lines += dataset_section(name, info, [r for r in results if r["dataset"] == name])
    return "\n".join(lines) + "\n"
