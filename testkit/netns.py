"""Hosts made of Linux network namespaces, for tests that run the product as several machines on one.

A `Network` is a bridge in a namespace of its own and a private /24; each `Host` is a namespace
`pw-<name>-<tag>` with `lo` up and one veth into the bridge at `10.77.<n>.<k>`. The test process itself
joins the network as the client host (`.1`, a veth in the current namespace), so it can talk to the hosts
while the hosts talk only among themselves. Processes run inside with `ip netns exec`, each in a session of
its own, its output in a log file.

Everything is removed by `Network.close()` (processes killed, namespaces deleted: their veths and the
bridge go with them), and `remove_stale()` removes what a killed run left behind: each run writes its
process id beside its namespaces' names, and namespaces of a run whose process is gone are deleted.

Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "pw-"
# One file per run: its process id, then one namespace name a line.
REGISTRY = Path("/run/postwright-netns")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def available() -> str | None:
    """None when namespaces can be made here, else why not (in words)."""
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root"
    probe = f"{PREFIX}probe-{secrets.token_hex(3)}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` failed: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def namespace_pids(namespace: str) -> list[int]:
    result = _ip("netns", "pids", namespace, check=False)
    return [int(pid) for pid in result.stdout.split() if pid.strip().isdigit()]


def kill_namespace(namespace: str, sig: int = signal.SIGKILL) -> int:
    """Send `sig` to every process inside `namespace`; how many there were."""
    pids = namespace_pids(namespace)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    return len(pids)


def _delete_namespace(namespace: str) -> None:
    for _ in range(20):  # a killed process may take a moment to leave
        if kill_namespace(namespace) == 0:
            break
        time.sleep(0.1)
    _ip("netns", "del", namespace, check=False)


def remove_stale() -> list[str]:
    """Delete the namespaces of earlier runs whose process is gone (a run killed before its cleanup)."""
    removed: list[str] = []
    if not REGISTRY.is_dir():
        return removed
    for record in REGISTRY.iterdir():
        lines = record.read_text().split()
        if not lines or not lines[0].isdigit():
            record.unlink(missing_ok=True)
            continue
        try:
            os.kill(int(lines[0]), 0)
            continue  # that run is still going
        except ProcessLookupError:
            pass
        for namespace in lines[1:]:
            if namespace.startswith("link:"):  # the client host's end in this namespace
                _ip("link", "del", namespace.removeprefix("link:"), check=False)
                continue
            _delete_namespace(namespace)
            removed.append(namespace)
        record.unlink(missing_ok=True)
    return removed


@dataclass
class Process:
    """A process started inside a host; its output goes to `log`."""

    label: str
    host: Host
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError as error:
            return f"(no log: {error})"

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to its session, SIGKILL to what is left after `grace` seconds."""
        if self.alive():
            self.signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)


@dataclass
class Host:
    name: str
    namespace: str
    address: str
    network: Network
    processes: list[Process] = field(default_factory=list)

    def spawn(
        self,
        label: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path | None = None,
        user: str | None = None,
    ) -> Process:
        """Start `argv` inside this host, in a new session, stdout and stderr to `<logs>/<label>.log`."""
        log = self.network.logs / f"{label}.log"
        prefix = ["ip", "netns", "exec", self.namespace]
        if user is not None:
            prefix += ["runuser", "-u", user, "--"]
        with log.open("ab") as out:
            popen = subprocess.Popen(
                [*prefix, *argv],
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(label, self, popen, log)
        self.processes.append(process)
        self.network.processes.append(process)
        return process

    def run(
        self, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None, timeout: float = 300
    ) -> str:
        """Run `argv` inside this host to the end; its output, or an AssertionError with it."""
        result = subprocess.run(
            ["ip", "netns", "exec", self.namespace, *argv],
            env=dict(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} on {self.name} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def kill_everything(self) -> int:
        """SIGKILL every process inside this host (a machine losing power); how many there were."""
        return kill_namespace(self.namespace)


class Network:
    """A bridge, a /24 and the hosts on it; `close()` removes them all."""

    def __init__(self, logs: Path, subnet: str | None = None) -> None:
        self.tag = secrets.token_hex(3)
        self.subnet = subnet or f"10.77.{secrets.randbelow(200) + 20}"
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.hosts: dict[str, Host] = {}
        self.processes: list[Process] = []
        self._namespaces: list[str] = []
        self._record = REGISTRY / f"{os.getpid()}-{self.tag}"
        REGISTRY.mkdir(parents=True, exist_ok=True)
        self._record.write_text(f"{os.getpid()}\n")
        self.bridge_namespace = self._namespace("net")
        _ip("-n", self.bridge_namespace, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.bridge_namespace, "link", "set", "br0", "up")
        self._next = 1
        with self._record.open("a") as record:
            record.write(f"link:pw{self.tag}\n")
        # The client host: the test process's own namespace, on an interface named after this run.
        self.client_address = self._attach(None, f"pw{self.tag}")

    def _namespace(self, name: str) -> str:
        namespace = f"{PREFIX}{name}-{self.tag}"
        _ip("netns", "add", namespace)
        self._namespaces.append(namespace)
        with self._record.open("a") as record:
            record.write(namespace + "\n")
        _ip("-n", namespace, "link", "set", "lo", "up")
        return namespace

    def _attach(self, namespace: str | None, inner_name: str) -> str:
        """A veth from the bridge into `namespace` (None: this process's own); the address it got."""
        index = self._next
        self._next += 1
        address = f"{self.subnet}.{index}"
        port = f"p{index}"
        target = ["netns", namespace] if namespace is not None else ["netns", str(os.getpid())]
        _ip(
            "-n",
            self.bridge_namespace,
            "link",
            "add",
            port,
            "type",
            "veth",
            "peer",
            "name",
            inner_name,
            *target,
        )
        _ip("-n", self.bridge_namespace, "link", "set", port, "master", "br0")
        _ip("-n", self.bridge_namespace, "link", "set", port, "up")
        inside = ["-n", namespace] if namespace is not None else []
        _ip(*inside, "addr", "add", f"{address}/24", "dev", inner_name)
        _ip(*inside, "link", "set", inner_name, "up")
        return address

    def host(self, name: str) -> Host:
        namespace = self._namespace(name)
        host = Host(name, namespace, self._attach(namespace, "eth0"), self)
        self.hosts[name] = host
        return host

    def tails(self, chars: int = 3000) -> str:
        parts = []
        for p in self.processes:
            state = "running" if p.alive() else f"exit {p.popen.returncode}"
            parts.append(f"----- {p.host.name}/{p.label} ({state}) -----\n{p.tail(chars)}")
        return "\n".join(parts)

    def close(self, grace: float = 5.0) -> None:
        for process in self.processes:
            process.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            process.signal(signal.SIGKILL)
        _ip("link", "del", f"pw{self.tag}", check=False)
        for namespace in reversed(self._namespaces):
            _delete_namespace(namespace)  # its veths go with it; the bridge's namespace goes last
        self._record.unlink(missing_ok=True)
