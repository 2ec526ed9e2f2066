"""The engine is pure: importing every engine module, and the ``heluo qualify`` command, loads no Django
(``heluo/cli.py`` runs ``qualify`` before any Django set-up)."""

import pkgutil
import subprocess
import sys

import heluo.cultivation.engine as engine

MODULES = [f"heluo.cultivation.engine.{m.name}" for m in pkgutil.iter_modules(engine.__path__)] + ["heluo.cultivation.qualify_csv"]


def test_engine_and_qualify_cli_import_no_django():
    code = f"import sys\nfor m in {MODULES!r}:\n    __import__(m)\nprint(sorted(n for n in sys.modules if n.split('.')[0] == 'django'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
    assert len(MODULES) > 10
