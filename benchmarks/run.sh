#!/usr/bin/env bash
# The benchmark in one command:
#   bash benchmarks/run.sh [--datasets a,b] [--engines x,y] [--quick] [--fresh] [--timeout SECONDS]
# Builds benchmarks/.venv on first use, then runs run_benchmark.py and scaling.py with these args.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
VENV="$HERE/.venv"
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --quiet)

[ -x "$PY" ] || python3 -m venv "$VENV"

# Reinstall only when what we install changed.
STAMP="$VENV/.installed"
WANT="$(cat "$HERE/requirements.txt" "$HERE/constraints.txt" "$REPO/pyproject.toml" 2>/dev/null | sha256sum || true)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
    # 1. torch first: 2.13.0 is the CPU wheel on this machine's disk. A plain `torch`
    #    requirement would pull a multi-GB CUDA build, so constraints.txt pins it from here on.
    "${PIP[@]}" torch==2.13.0
    "$PY" -c 'import sys, torch; sys.exit(torch.version.cuda is not None or not torch.__version__.startswith("2.13.0"))' \
        || { echo "torch in $VENV is not the 2.13.0 CPU build" >&2; exit 1; }
    # 2. the peers, pinned.
    "${PIP[@]}" -c "$HERE/constraints.txt" -r "$HERE/requirements.txt"
    # mostlyai-engine pulls torchvision/torchaudio from PyPI, which are CUDA builds that cannot
    # load against CPU torch; transformers then fails to import. Nothing here uses them.
    "$PY" -m pip uninstall --quiet --yes torchvision torchaudio || true
    # 3. our package, editable, so the benchmark always runs the current source.
    if [ -f "$REPO/pyproject.toml" ]; then
        "${PIP[@]}" -c "$HERE/constraints.txt" -e "$REPO"
    else
        echo "note: $REPO/pyproject.toml missing; synthcare not installed, its engines are skipped" >&2
    fi
    "$PY" -c 'import torch; assert torch.version.cuda is None' || { echo "a CUDA torch slipped in" >&2; exit 1; }
    echo "$WANT" > "$STAMP"
fi

cd "$REPO"
"$PY" benchmarks/run_benchmark.py "$@"
"$PY" benchmarks/scaling.py "$@"
