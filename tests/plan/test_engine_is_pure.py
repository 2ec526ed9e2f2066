"""The engine is plain Python: importing it loads neither Django nor the domain's models."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["heluo.plan.engine.measures", "heluo.plan.engine.measure_csv", "heluo.plan.engine.composite", "heluo.plan.engine.assessment"]


def test_the_engine_imports_without_django():
    code = "import sys\n" + "".join(f"import {m}\n" for m in MODULES) + "print(sorted(m for m in sys.modules if m.startswith('django')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={"PATH": ""})
    assert out.stdout.strip() == "[]"
