"""The package graph: each package imports alone in a fresh interpreter, and the layers point one way."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ml.config import PROJECT_ROOT

PACKAGES = ["models", "ml", "serving", "flows", "api"]
# What each package may import of ours: models/ <- ml/ <- serving/, flows/, api/ (flows may use api services).
ALLOWED = {
    "models": {"models"},
    "ml": {"ml", "models"},
    "serving": {"serving", "ml", "models"},
    "api": {"api", "ml", "models"},
    "flows": {"flows", "api", "ml", "models"},
}

_PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [m.name for m in pkgutil.walk_packages(package.__path__, sys.argv[1] + ".")
         if ".migrations" not in m.name and not m.name.endswith("_pyfunc")]
for name in names:
    importlib.import_module(name)
ours = {"api", "flows", "ml", "models", "serving"}
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & ours)))
"""


def _import_alone(package: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, package],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_of_a_package_imports_alone_and_only_from_the_layers_below(package):
    loaded = _import_alone(package)
    assert loaded <= ALLOWED[package], f"{package} pulled in {sorted(loaded - ALLOWED[package])}"


def test_the_api_app_imports_no_flow_module_and_no_torch():
    # Torch is a few hundred MiB in every API worker process; the API serves models over HTTP or loads
    # them on first use, so starting it must not import torch (nor any flow).
    probe = (
        "import sys, api.main; "
        "print(sorted(m for m in sys.modules if m.startswith('flows') or m.split('.')[0] == 'torch'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"
