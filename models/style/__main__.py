"""`python -m models.style warm-embedder`: the packaged model's voice-embedder graph built now if the cache
lacks it (`make install` runs it, so a first start does not wait for it); `build-embedder MODEL_DIR TARGET`:
the child process that `models.style.embedder.ensure_graph` runs."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from models.style.embedder import build_graph, ensure_graph
from models.tone.base import minilm_dir


def main(argv: Sequence[str]) -> int:
    if list(argv) == ["warm-embedder"]:
        print(ensure_graph(minilm_dir()))
        return 0
    if len(argv) == 3 and argv[0] == "build-embedder":
        build_graph(Path(argv[1]), Path(argv[2]))
        return 0
    print("usage: python -m models.style warm-embedder | build-embedder MODEL_DIR TARGET", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
