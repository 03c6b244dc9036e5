"""A supervisor like `make up`'s (api.supervisor's ProcessGuard and ChildService, as `up` uses them) over a
synthetic process tree that is hard to stop: `python -m tests.ops.supervised_tree <folder> <grace>`.

Every process of the tree writes `<folder>/pids/<role>.<pid>` as it starts. The tree:
- `server`: stops on SIGTERM, with a worker in its process group (a Prefect or MLflow server);
- `flow-runner`: ignores SIGTERM, runs a `flow-run` in a session of its own that ignores SIGTERM too and has a
  `dataloader` worker, and starts a `late-flow-run` like it whenever `<folder>/spawn` appears (one started
  during the stop, or just before a kill, younger than any snapshot of the tree);
- `daemonizer`: starts a `daemon` in a session of its own that ignores SIGTERM, and exits (an orphan).

`<folder>/ready` appears once every child is started; `<folder>/stopped.json` when the stop is done.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from pathlib import Path

from api.supervisor import ChildService, ProcessGuard

# One node of the tree: a JSON spec in argv[1] (role, folder, ignore_term, setsid, children, exit, respawn:
# a child started whenever the file `<folder>/spawn` appears, which it removes).
NODE = r"""
import json, os, signal, subprocess, sys, time
spec = json.loads(sys.argv[1])
if spec.get("ignore_term"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
folder = spec["folder"]
open(os.path.join(folder, f"{spec['role']}.{os.getpid()}"), "w").close()
def start(child):
    child = {**child, "folder": folder}
    argv = [sys.executable, "-c", NODE, json.dumps(child), NODE]
    return subprocess.Popen(argv, start_new_session=child.get("setsid", False))
NODE = sys.argv[2]
for child in spec.get("children", []):
    start(child)
if spec.get("exit"):
    sys.exit(0)
request = os.path.join(os.path.dirname(folder), "spawn")
while True:
    time.sleep(0.01)
    if spec.get("respawn") and os.path.exists(request):
        os.unlink(request)
        start(spec["respawn"])
"""
_STUBBORN_FLOW_RUN = {
    "role": "flow-run",
    "ignore_term": True,
    "setsid": True,
    "children": [{"role": "dataloader", "ignore_term": True}],
}
TREE = {
    "server": {"children": [{"role": "server-worker"}]},
    "flow-runner": {
        "ignore_term": True,
        "children": [_STUBBORN_FLOW_RUN],
        "respawn": {**_STUBBORN_FLOW_RUN, "role": "late-flow-run"},
    },
    "daemonizer": {"exit": True, "children": [{"role": "daemon", "ignore_term": True, "setsid": True}]},
}
# The roles that run until stopped, once the tree has started (late-flow-run: on request).
LASTING_ROLES = {"server", "server-worker", "flow-runner", "flow-run", "dataloader", "daemon"}


def main() -> None:
    folder, grace = Path(sys.argv[1]), float(sys.argv[2])
    pids = folder / "pids"
    pids.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # as `up` does
    guard = ProcessGuard.start()
    children = [
        ChildService(
            role,
            [sys.executable, "-c", NODE, json.dumps({**spec, "role": role, "folder": str(pids)}), NODE],
            folder / f"{role}.log",
        )
        for role, spec in TREE.items()
    ]
    try:
        for child in children:
            child.start()
        watchdog = guard.watchdog.pid if guard.watchdog else None
        (folder / "ready").write_text(json.dumps({"watchdog": watchdog}))
        while True:
            time.sleep(1)
    finally:
        survivors = guard.stop(children, grace)
        (folder / "stopped.json").write_text(json.dumps({"survivors": sorted(p.pid for p in survivors)}))


if __name__ == "__main__":
    main()
