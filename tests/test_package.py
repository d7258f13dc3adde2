from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_is_light():
    heavy = "('torch', 'sklearn', 'faker', 'matplotlib', 'pandas')"
    code = f"import sys, synthcare; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(python3 -m venv[^\n]+)\n```", readme)
    assert len(commands) == 2, "the README must start with exactly two set-up-and-go commands"
    assert commands[0].endswith("synthcare demo")
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_demo_data_is_bundled_in_the_package():
    import synthcare

    frame = synthcare.load_demo()
    assert frame.shape == (2982, 15)
