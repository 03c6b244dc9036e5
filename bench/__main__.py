"""Run every benchmark module's `main()`, or only those named: `python -m bench [tone_speed ...]`."""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import sys
from pathlib import Path


def _modules() -> list[str]:
    folder = Path(__file__).resolve().parent
    return sorted(info.name for info in pkgutil.iter_modules([str(folder)]) if not info.name.startswith("_"))


def run(names: list[str]) -> dict[str, object]:
    """Import each named bench module and collect what its `main()` returns."""
    known = _modules()
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; available: {known}")
    results: dict[str, object] = {}
    for name in names or known:
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            results[name] = module.main()
    return results


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(json.dumps(run(sys.argv[1:]), indent=2, default=str))
